/* cairn.h: the C ABI of cairn, an embeddable engine for self-hosted services.
 *
 * Conventions (after libgit2 and SQLite):
 *  - Every fallible function returns a cairn_status: CAIRN_OK (0) or an error code with the same
 *    number as cairn::ErrorCode (google.rpc numbering). cairn_error_last() then tells the code,
 *    a stable SCREAMING_SNAKE reason ("STORAGE_URI_INVALID") and a message for people.
 *  - Out-parameters come first and are named out. What a function returns through `**out` belongs
 *    to the caller and is released with the matching _free/_close function (which accepts NULL) or,
 *    for buffers, with cairn_free(); a buffer holding a secret with cairn_crypto_secret_free(),
 *    the one call that wipes and releases it.
 *  - A `const char *` returned directly is borrowed: valid as long as the handle it came from.
 *  - Bytes are (const uint8_t *, size_t); text is NUL-terminated UTF-8.
 *  - Option structs start with a `version` field; initialise them with their _INIT macro or
 *    _init() function, which also records the ABI version the caller was compiled against.
 *  - No function throws, aborts on bad input, or keeps a pointer it was given beyond the call
 *    unless its documentation says so.
 *
 * Thread-safety: each handle type states its own; the free functions here are thread-safe.
 */
#ifndef CAIRN_H_
#define CAIRN_H_

#include <stddef.h>
#include <stdint.h>

#include "cairn/version.h"

#if defined(__GNUC__) || defined(__clang__)
#define CAIRN_API __attribute__((visibility("default")))
#else
#define CAIRN_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes and errors */

/** The result of every fallible call. Generated from cairn/core/error_codes.inc. */
typedef enum cairn_status {
#define CAIRN_ERROR_CODE(enumerator, wire, number, http, pyclass, pybase, retryable) \
  CAIRN_##wire = number,
#include "cairn/core/error_codes.inc"
  /* Not a status: makes every 32-bit value a valid cairn_status, so a number from a newer
   * library (or any int) can be passed to cairn_status_name() safely. */
  CAIRN_STATUS_FORCE_INT32_ = 0x7fffffff
} cairn_status;

/** What the last call on this thread that returned a cairn_status reported. */
typedef struct cairn_error {
  cairn_status code;   /**< CAIRN_OK after a successful call */
  const char* reason;  /**< stable SCREAMING_SNAKE detail, "" when code is CAIRN_OK */
  const char* message; /**< English text for people; never contains secrets */
  /** For RESOURCE_EXHAUSTED limits and lockouts: milliseconds until a retry can succeed (the HTTP
   * Retry-After); 0 when the error says nothing about retrying. */
  int64_t retry_after_ms;
  /** 1 when trying the same call again later can succeed (a busy store, a timeout, a lost race, a
   * limit), else 0: the retryable column of the error table (docs/errors.md). 0 for CAIRN_OK. */
  int retryable;
} cairn_error;

/**
 * The error of the last call on this thread that returned a cairn_status (each such call resets
 * it, to CAIRN_OK on success). Never NULL. The strings stay valid until the next such call on
 * this thread.
 */
CAIRN_API const cairn_error* cairn_error_last(void);

/** The wire name of a status ("NOT_FOUND"); "UNKNOWN" for a number outside the table. */
CAIRN_API const char* cairn_status_name(cairn_status status);

/** The HTTP status an error with this code is answered with (404 for CAIRN_NOT_FOUND). */
CAIRN_API int cairn_status_http(cairn_status status);

/* Version and memory */

/** The library's version, "MAJOR.MINOR.PATCH". Static storage. */
CAIRN_API const char* cairn_version(void);

/** The library's CAIRN_VERSION_NUMBER (MAJOR * 10000 + MINOR * 100 + PATCH). */
CAIRN_API int cairn_version_number(void);

/**
 * Checks that the library implements the C ABI the caller was compiled against: pass
 * CAIRN_ABI_VERSION. Returns CAIRN_OK, or CAIRN_FAILED_PRECONDITION / CAPI_ABI_MISMATCH.
 * cairn_engine_open() makes the same check through its options.
 */
CAIRN_API cairn_status cairn_abi_check(int abi_version);

/** Releases a buffer the library allocated and handed over (char ** and uint8_t ** out-parameters).
 * NULL is ok. Buffers holding secrets: cairn_crypto_secret_free(), which wipes them first. */
CAIRN_API void cairn_free(void* ptr);

/* Env: clock and randomness */

/**
 * A source of time and randomness for an engine. Without one, engines use the system clock and the
 * kernel CSPRNG. The fake env is for tests: its clock moves only when told to and its random bytes
 * are deterministic. Thread-safe. Must outlive every engine opened with it.
 */
typedef struct cairn_env cairn_env;

/**
 * A fake env whose clock starts at start_unix_micros (microseconds since the Unix epoch) and whose
 * generator is seeded with seed. Returns CAIRN_OK or CAIRN_INVALID_ARGUMENT / CAPI_NULL_ARGUMENT.
 */
CAIRN_API cairn_status cairn_env_fake_new(cairn_env** out, int64_t start_unix_micros,
                                          uint64_t seed);

/** Moves a fake env's clock to unix_micros. CAIRN_INVALID_ARGUMENT / CAPI_NULL_ARGUMENT. */
CAIRN_API cairn_status cairn_env_fake_set_now(cairn_env* env, int64_t unix_micros);

/** Moves a fake env's clock by micros (backward when negative). CAIRN_INVALID_ARGUMENT /
 * CAPI_NULL_ARGUMENT. */
CAIRN_API cairn_status cairn_env_fake_advance(cairn_env* env, int64_t micros);

/** The env's current time in microseconds since the Unix epoch; NULL env: the system clock. */
CAIRN_API cairn_status cairn_env_now(int64_t* out, cairn_env* env);

/** Releases an env from cairn_env_fake_new(). NULL is ok. */
CAIRN_API void cairn_env_free(cairn_env* env);

/* Engine */

/**
 * An open engine: every store on one database. Thread-safe: one engine may be used from many
 * threads at once. Released with cairn_engine_close().
 */
typedef struct cairn_engine cairn_engine;

/** Options for cairn_engine_open(). Fields are only ever appended. */
typedef struct cairn_engine_options {
  uint32_t version;        /**< CAIRN_ENGINE_OPTIONS_VERSION */
  uint32_t abi_version;    /**< CAIRN_ABI_VERSION of the caller's header; checked at open */
  cairn_env* env;          /**< borrowed; NULL: system clock and kernel CSPRNG */
  int64_t busy_timeout_ms; /**< SQLite lock wait before CAIRN_UNAVAILABLE; 0: do not wait */
  int audit_async;         /**< 0: audit writes fail closed (default); 1: queued in background */
  size_t audit_queue_capacity; /**< entries the async audit queue holds before dropping */
  /* Version 2 (the secrets master key; set at most one form, else ENGINE_OPTIONS_INVALID): */
  /** Borrowed for the call: the master key as 64 hex characters (`openssl rand -hex 32`), else
   * SECRETS_MASTER_KEY_INVALID. NULL: see master_key_bytes. */
  const char* master_key;
  /** Borrowed for the call: the master key as master_key_len (32) raw bytes. NULL: none. Without
   * a key in either form the engine has no secrets service (SECRETS_MASTER_KEY_MISSING). With one,
   * the engine's own keys (login codes, audit signing) are sealed under it, and the database no
   * longer opens without it (CAIRN_FAILED_PRECONDITION / AUDIT_KEYS_SEALED). */
  const uint8_t* master_key_bytes;
  size_t master_key_len;
} cairn_engine_options;

#define CAIRN_ENGINE_OPTIONS_VERSION 2
#define CAIRN_ENGINE_OPTIONS_INIT \
  { CAIRN_ENGINE_OPTIONS_VERSION, CAIRN_ABI_VERSION, NULL, 5000, 0, 10000, NULL, NULL, 0 }

/**
 * Fills opts with the defaults of options version `version` (pass CAIRN_ENGINE_OPTIONS_VERSION),
 * writing only the fields that version has (a caller compiled against version 1 has a shorter
 * struct). Returns CAIRN_OK, or CAIRN_INVALID_ARGUMENT / CAPI_NULL_ARGUMENT or
 * CAPI_OPTIONS_VERSION_UNSUPPORTED.
 */
CAIRN_API cairn_status cairn_engine_options_init(cairn_engine_options* opts, unsigned int version);

/**
 * Opens the database at uri ("memory:", "sqlite:path/app.db", "sqlite:///abs/app.db"), creating
 * and migrating it as needed. opts may be NULL for the defaults. The first engine opened with a
 * master key binds the database to that key; later opens must present the same one.
 * Errors: CAIRN_INVALID_ARGUMENT / STORAGE_URI_INVALID, CAPI_NULL_ARGUMENT, ENGINE_OPTIONS_INVALID,
 * CAPI_OPTIONS_VERSION_UNSUPPORTED, SECRETS_MASTER_KEY_INVALID; CAIRN_FAILED_PRECONDITION /
 * CAPI_ABI_MISMATCH, STORAGE_SCHEMA_TOO_NEW, SECRETS_MASTER_KEY_MISMATCH (the database is bound to
 * another master key); CAIRN_UNIMPLEMENTED / STORAGE_BACKEND_UNAVAILABLE; CAIRN_UNAVAILABLE /
 * STORAGE_OPEN_FAILED; see docs/errors.md.
 */
CAIRN_API cairn_status cairn_engine_open(cairn_engine** out, const char* uri,
                                         const cairn_engine_options* opts);

/** Closes an engine and releases it. NULL is ok. */
CAIRN_API void cairn_engine_close(cairn_engine* engine);

/** The URI the engine was opened with. Borrowed from the engine. */
CAIRN_API const char* cairn_engine_uri(const cairn_engine* engine);

/** The storage backend: "memory" or "sqlite". Static storage. */
CAIRN_API const char* cairn_engine_backend(const cairn_engine* engine);

/** This database's instance id (32 lower-case hex characters). Borrowed from the engine. */
CAIRN_API const char* cairn_engine_instance_id(const cairn_engine* engine);

/** The highest schema migration applied to the engine's database. */
CAIRN_API cairn_status cairn_engine_schema_version(int64_t* out, const cairn_engine* engine);

/** When the engine's database was created, in microseconds since the Unix epoch. */
CAIRN_API cairn_status cairn_engine_created_at_micros(int64_t* out, const cairn_engine* engine);

/**
 * Writes a consistent copy of the engine's database to path (a new file, mode 0600, written to a
 * temporary file first and renamed into place), while the engine stays open and in use. The copy
 * opens as a database of its own ("sqlite:<path>"). Errors: CAIRN_INVALID_ARGUMENT /
 * CAPI_NULL_ARGUMENT, STORAGE_SNAPSHOT_PATH_INVALID (empty, a directory, or the database's own
 * files); CAIRN_UNIMPLEMENTED / STORAGE_SNAPSHOT_UNSUPPORTED (a memory: engine);
 * CAIRN_UNAVAILABLE / STORAGE_SNAPSHOT_FAILED.
 */
CAIRN_API cairn_status cairn_engine_snapshot(cairn_engine* engine, const char* path);

/**
 * A JSON object describing the engine: {"uri", "backend", "schema_version", "instance_id",
 * "created_at_micros", "version"}. Release *out with cairn_free().
 */
CAIRN_API cairn_status cairn_engine_describe(char** out, const cairn_engine* engine);

/* Encodings
 *
 * Encoders return a NUL-terminated string in *out (release with cairn_free()). Decoders are strict
 * (CAIRN_INVALID_ARGUMENT / ENCODING_INVALID_HEX or ENCODING_INVALID_BASE64 for a bad character,
 * bad padding or non-zero trailing bits) and return bytes in *out / *out_len (cairn_free()). A
 * data pointer may be NULL when its length is 0. */

CAIRN_API cairn_status cairn_encoding_hex_encode(char** out, const uint8_t* data, size_t len);
CAIRN_API cairn_status cairn_encoding_hex_decode(uint8_t** out, size_t* out_len, const char* text);
/** Standard base64 with padding. */
CAIRN_API cairn_status cairn_encoding_b64_encode(char** out, const uint8_t* data, size_t len);
CAIRN_API cairn_status cairn_encoding_b64_decode(uint8_t** out, size_t* out_len, const char* text);
/** base64url; '=' padding only when pad is non-zero. The decoder accepts both forms. */
CAIRN_API cairn_status cairn_encoding_b64url_encode(char** out, const uint8_t* data, size_t len,
                                                    int pad);
CAIRN_API cairn_status cairn_encoding_b64url_decode(uint8_t** out, size_t* out_len,
                                                    const char* text);

/* Hashes, MACs, key derivation */

#define CAIRN_CRYPTO_SHA256_SIZE 32
#define CAIRN_CRYPTO_SHA384_SIZE 48
#define CAIRN_CRYPTO_SHA3_256_SIZE 32

/** The hash algorithms of cairn_crypto_hasher. */
typedef enum cairn_crypto_hash_algorithm {
  CAIRN_CRYPTO_HASH_SHA256 = 1,
  CAIRN_CRYPTO_HASH_SHA384 = 2,
  CAIRN_CRYPTO_HASH_SHA3_256 = 3,
  CAIRN_CRYPTO_HASH_FORCE_INT32_ = 0x7fffffff /* not an algorithm: any int is a valid value */
} cairn_crypto_hash_algorithm;

/** SHA-256 of data into out (32 bytes). */
CAIRN_API cairn_status cairn_crypto_sha256(uint8_t out[CAIRN_CRYPTO_SHA256_SIZE],
                                           const uint8_t* data, size_t len);
/** SHA-384 of data into out (48 bytes). */
CAIRN_API cairn_status cairn_crypto_sha384(uint8_t out[CAIRN_CRYPTO_SHA384_SIZE],
                                           const uint8_t* data, size_t len);
/** SHA3-256 of data into out (32 bytes). */
CAIRN_API cairn_status cairn_crypto_sha3_256(uint8_t out[CAIRN_CRYPTO_SHA3_256_SIZE],
                                             const uint8_t* data, size_t len);

/**
 * SHA-256 of count inputs (inputs[i], lengths[i]) into out (count * 32 bytes), spread over up to
 * `threads` threads (0: one per core).
 */
CAIRN_API cairn_status cairn_crypto_sha256_batch(uint8_t* out, const uint8_t* const* inputs,
                                                 const size_t* lengths, size_t count,
                                                 unsigned threads);

/** A streaming hasher. Use from one thread at a time. */
typedef struct cairn_crypto_hasher cairn_crypto_hasher;

/** A new hasher. CAIRN_INVALID_ARGUMENT / CRYPTO_ALGORITHM_UNKNOWN for an unknown algorithm. */
CAIRN_API cairn_status cairn_crypto_hasher_new(cairn_crypto_hasher** out,
                                               cairn_crypto_hash_algorithm algorithm);
CAIRN_API cairn_status cairn_crypto_hasher_update(cairn_crypto_hasher* hasher, const uint8_t* data,
                                                  size_t len);
/**
 * Writes the digest to out (out_size must be the algorithm's digest size, else
 * CAIRN_INVALID_ARGUMENT / CAPI_BUFFER_SIZE) and resets the hasher for the next message.
 */
CAIRN_API cairn_status cairn_crypto_hasher_finish(uint8_t* out, size_t out_size,
                                                  cairn_crypto_hasher* hasher);
/** Releases a hasher. NULL is ok. */
CAIRN_API void cairn_crypto_hasher_free(cairn_crypto_hasher* hasher);

/** HMAC-SHA256 of data under key into out (32 bytes). */
CAIRN_API cairn_status cairn_crypto_hmac_sha256(uint8_t out[CAIRN_CRYPTO_SHA256_SIZE],
                                                const uint8_t* key, size_t key_len,
                                                const uint8_t* data, size_t len);

/**
 * HKDF-SHA256 (RFC 5869): out_len bytes into out. CAIRN_INVALID_ARGUMENT /
 * CRYPTO_HKDF_LENGTH_INVALID when out_len is 0 or above 8160.
 */
CAIRN_API cairn_status cairn_crypto_hkdf_sha256(uint8_t* out, size_t out_len, const uint8_t* key,
                                                size_t key_len, const uint8_t* salt,
                                                size_t salt_len, const uint8_t* info,
                                                size_t info_len);

/* Authenticated encryption: AES-256-GCM with a random 96-bit nonce per message */

/**
 * Encrypts plaintext under a 32-byte key, authenticating aad too; *out holds
 * nonce || ciphertext || tag (release with cairn_free()). CAIRN_INVALID_ARGUMENT /
 * CRYPTO_KEY_INVALID for a key that is not 32 bytes.
 */
CAIRN_API cairn_status cairn_crypto_aes_gcm_encrypt(uint8_t** out, size_t* out_len,
                                                    const uint8_t* key, size_t key_len,
                                                    const uint8_t* plaintext, size_t plaintext_len,
                                                    const uint8_t* aad, size_t aad_len);
/**
 * Decrypts a blob from cairn_crypto_aes_gcm_encrypt(). CAIRN_DATA_LOSS / CRYPTO_DECRYPT_FAILED for
 * a wrong key, nonce, tag or aad, or a damaged blob; then *out is NULL and nothing was decrypted.
 */
CAIRN_API cairn_status cairn_crypto_aes_gcm_decrypt(uint8_t** out, size_t* out_len,
                                                    const uint8_t* key, size_t key_len,
                                                    const uint8_t* blob, size_t blob_len,
                                                    const uint8_t* aad, size_t aad_len);

/* Randomness and secret handling */

/** Fills out with len bytes from the CSPRNG. */
CAIRN_API cairn_status cairn_crypto_random_bytes(uint8_t* out, size_t len);
/** *out_equal = 1 when the two byte strings are equal, else 0, in time independent of where they
 * differ. Errors: CAIRN_INVALID_ARGUMENT / CAPI_NULL_ARGUMENT. */
CAIRN_API cairn_status cairn_crypto_constant_time_equal(int* out_equal, const uint8_t* a,
                                                        size_t a_len, const uint8_t* b,
                                                        size_t b_len);
/**
 * The one way to release a secret the library handed out (a key's PEM, a decrypted plaintext, a
 * token, an API key, a login code, a secret value or an export): overwrites the whole buffer with
 * zeros (not optimised away), then releases it as cairn_free() does. Works on any buffer from a
 * char ** or uint8_t ** out-parameter, whatever its length or content. NULL is ok.
 */
CAIRN_API void cairn_crypto_secret_free(void* ptr);
/** Overwrites len bytes at ptr with zeros (not optimised away): for the caller's own buffers.
 * Release the library's buffers with cairn_crypto_secret_free() instead. */
CAIRN_API void cairn_crypto_secure_wipe(void* ptr, size_t len);

/* Signatures: ES256 (ECDSA P-256), ES384 (ECDSA P-384), Ed25519
 *
 * ECDSA signatures are raw r || s (64 or 96 bytes, JWS format); Ed25519 signatures are 64 bytes.
 * Keys are PEM (PKCS#8 private, SPKI public) or the one-line PEM body. Key handles are immutable
 * and thread-safe. */

typedef enum cairn_crypto_signature_algorithm {
  CAIRN_CRYPTO_SIG_ES256 = 1,
  CAIRN_CRYPTO_SIG_ES384 = 2,
  CAIRN_CRYPTO_SIG_ED25519 = 3,
  CAIRN_CRYPTO_SIG_FORCE_INT32_ = 0x7fffffff /* not an algorithm: any int is a valid value */
} cairn_crypto_signature_algorithm;

typedef struct cairn_crypto_private_key cairn_crypto_private_key;
typedef struct cairn_crypto_public_key cairn_crypto_public_key;

/** "ES256", "ES384", "Ed25519", or "" for another value. Static storage. */
CAIRN_API const char* cairn_crypto_signature_algorithm_name(
    cairn_crypto_signature_algorithm algorithm);

/** A new private key. CAIRN_INVALID_ARGUMENT / CRYPTO_ALGORITHM_UNKNOWN. */
CAIRN_API cairn_status cairn_crypto_private_key_generate(
    cairn_crypto_private_key** out, cairn_crypto_signature_algorithm algorithm);
/** Loads a PKCS#8 PEM or one-line body. CAIRN_INVALID_ARGUMENT / CRYPTO_KEY_INVALID,
 * CRYPTO_KEY_UNSUPPORTED. */
CAIRN_API cairn_status cairn_crypto_private_key_from_pem(cairn_crypto_private_key** out,
                                                         const char* pem);
/** An Ed25519 key from its 32-byte seed. CAIRN_INVALID_ARGUMENT / CRYPTO_KEY_INVALID,
 * CRYPTO_KEY_UNSUPPORTED. */
CAIRN_API cairn_status cairn_crypto_private_key_from_raw(cairn_crypto_private_key** out,
                                                         cairn_crypto_signature_algorithm algorithm,
                                                         const uint8_t* raw, size_t len);
/** The key's algorithm; 0 for NULL. */
CAIRN_API cairn_crypto_signature_algorithm
cairn_crypto_private_key_algorithm(const cairn_crypto_private_key* key);
/** The key as PKCS#8 PEM in *out (a secret: cairn_crypto_secret_free()). */
CAIRN_API cairn_status cairn_crypto_private_key_to_pem(char** out,
                                                       const cairn_crypto_private_key* key);
/** The key as a one-line PKCS#8 PEM body in *out (a secret: cairn_crypto_secret_free()). */
CAIRN_API cairn_status cairn_crypto_private_key_to_pem_body(char** out,
                                                            const cairn_crypto_private_key* key);
/** The matching public key (release with cairn_crypto_public_key_free()). */
CAIRN_API cairn_status cairn_crypto_private_key_public_key(cairn_crypto_public_key** out,
                                                           const cairn_crypto_private_key* key);
/** Signs message; the signature in *out / *out_len (cairn_free()). */
CAIRN_API cairn_status cairn_crypto_private_key_sign(uint8_t** out, size_t* out_len,
                                                     const cairn_crypto_private_key* key,
                                                     const uint8_t* message, size_t len);
/** Releases a private key. NULL is ok. */
CAIRN_API void cairn_crypto_private_key_free(cairn_crypto_private_key* key);

/** Loads an SPKI PEM or one-line body. CAIRN_INVALID_ARGUMENT / CRYPTO_KEY_INVALID,
 * CRYPTO_KEY_UNSUPPORTED. */
CAIRN_API cairn_status cairn_crypto_public_key_from_pem(cairn_crypto_public_key** out,
                                                        const char* pem);
/** A key from 32 raw Ed25519 bytes or an uncompressed EC point (0x04 || x || y). */
CAIRN_API cairn_status cairn_crypto_public_key_from_raw(cairn_crypto_public_key** out,
                                                        cairn_crypto_signature_algorithm algorithm,
                                                        const uint8_t* raw, size_t len);
/** The key's algorithm; 0 for NULL. */
CAIRN_API cairn_crypto_signature_algorithm
cairn_crypto_public_key_algorithm(const cairn_crypto_public_key* key);
/** The key as SPKI PEM in *out (cairn_free()). */
CAIRN_API cairn_status cairn_crypto_public_key_to_pem(char** out,
                                                      const cairn_crypto_public_key* key);
/** The key as a one-line PEM body in *out (cairn_free()). */
CAIRN_API cairn_status cairn_crypto_public_key_to_pem_body(char** out,
                                                           const cairn_crypto_public_key* key);
/** The raw key (as cairn_crypto_public_key_from_raw() takes it) in *out / *out_len (cairn_free()).
 */
CAIRN_API cairn_status cairn_crypto_public_key_to_raw(uint8_t** out, size_t* out_len,
                                                      const cairn_crypto_public_key* key);
/**
 * Sets *out_valid to 1 when signature is a valid signature of message under key, else 0 (a
 * malformed signature is simply invalid). Returns CAIRN_OK unless an argument is NULL.
 */
CAIRN_API cairn_status cairn_crypto_public_key_verify(int* out_valid,
                                                      const cairn_crypto_public_key* key,
                                                      const uint8_t* message, size_t len,
                                                      const uint8_t* signature,
                                                      size_t signature_len);
/** Releases a public key. NULL is ok. */
CAIRN_API void cairn_crypto_public_key_free(cairn_crypto_public_key* key);

/* Field cipher: single database values encrypted under a per-column-family key
 *
 * The key is HKDF-SHA256 of the 32-byte master key (no salt, info = the family name); a
 * ciphertext is 0x01 | 12-byte random nonce | AES-256-GCM ciphertext | 16-byte tag (29 bytes
 * more than the plaintext). Associated data is mandatory and should name the value's table, row
 * id and column (cairn_crypto_field_aad() builds it), so a value copied onto another row fails to
 * decrypt. A cipher handle is immutable and thread-safe; it wipes its key when freed. */

typedef struct cairn_crypto_field_cipher cairn_crypto_field_cipher;

/**
 * A cipher for family (1 to 128 bytes, e.g. "tundra:v1:site:env_var") under the master_key_len
 * (32) raw bytes of master_key, which are not kept (release with cairn_crypto_field_cipher_free()).
 * Errors: CAIRN_INVALID_ARGUMENT / CRYPTO_KEY_INVALID (not 32 bytes), CRYPTO_FIELD_FAMILY_INVALID.
 */
CAIRN_API cairn_status cairn_crypto_field_cipher_new(cairn_crypto_field_cipher** out,
                                                     const uint8_t* master_key,
                                                     size_t master_key_len, const char* family);
/** Releases a cipher and wipes its key. NULL is ok. */
CAIRN_API void cairn_crypto_field_cipher_free(cairn_crypto_field_cipher* cipher);
/**
 * Encrypts plaintext (may be empty) bound to aad; *out / *out_len hold the ciphertext (release
 * with cairn_free()). Errors: CAIRN_INVALID_ARGUMENT / CRYPTO_FIELD_AAD_REQUIRED (aad_len 0),
 * CRYPTO_MESSAGE_TOO_LARGE.
 */
CAIRN_API cairn_status cairn_crypto_field_cipher_encrypt(uint8_t** out, size_t* out_len,
                                                         const cairn_crypto_field_cipher* cipher,
                                                         const uint8_t* plaintext,
                                                         size_t plaintext_len, const uint8_t* aad,
                                                         size_t aad_len);
/**
 * Decrypts a ciphertext of cairn_crypto_field_cipher_encrypt() made with the same master key,
 * family and aad; *out / *out_len hold the plaintext (a secret: cairn_crypto_secret_free()).
 * Errors: CAIRN_INVALID_ARGUMENT / CRYPTO_FIELD_AAD_REQUIRED; CAIRN_DATA_LOSS /
 * CRYPTO_FIELD_CIPHERTEXT_TOO_SHORT (under 29 bytes); CAIRN_FAILED_PRECONDITION /
 * CRYPTO_FIELD_VERSION_UNSUPPORTED (first byte not 0x01); CAIRN_DATA_LOSS /
 * CRYPTO_FIELD_DECRYPT_FAILED (another row's aad, another key or family, a changed byte). On error
 * *out is NULL and nothing was decrypted.
 */
CAIRN_API cairn_status cairn_crypto_field_cipher_decrypt(uint8_t** out, size_t* out_len,
                                                         const cairn_crypto_field_cipher* cipher,
                                                         const uint8_t* ciphertext,
                                                         size_t ciphertext_len, const uint8_t* aad,
                                                         size_t aad_len);
/**
 * The associated data naming a value's place, in *out / *out_len (cairn_free()): for each of
 * table, row_id and column, its length as 4 bytes big-endian, then its bytes. Errors:
 * CAIRN_INVALID_ARGUMENT / CRYPTO_FIELD_AAD_REQUIRED (an empty part).
 */
CAIRN_API cairn_status cairn_crypto_field_aad(uint8_t** out, size_t* out_len, const char* table,
                                              const char* row_id, const char* column);

/* Audit: RFC 6962 Merkle functions over raw leaf data
 *
 * Leaves are passed as count pointers and lengths (the 0x00 leaf prefix is added inside); a pointer
 * may be NULL when its length is 0. Proofs come back as *out_count hashes of 32 bytes each in one
 * buffer (release with cairn_free()). */

#define CAIRN_AUDIT_HASH_SIZE 32

/** SHA-256(0x00 || data). */
CAIRN_API cairn_status cairn_audit_leaf_hash(uint8_t out[CAIRN_AUDIT_HASH_SIZE],
                                             const uint8_t* data, size_t len);
/** The RFC 6962 root of the leaves (SHA-256 of nothing when count is 0). */
CAIRN_API cairn_status cairn_audit_merkle_root(uint8_t out[CAIRN_AUDIT_HASH_SIZE],
                                               const uint8_t* const* leaves, const size_t* lengths,
                                               size_t count);
/** The inclusion proof of leaf index in the tree of the first size leaves.
 * CAIRN_OUT_OF_RANGE / AUDIT_INDEX_OUT_OF_RANGE unless index < size <= count. */
CAIRN_API cairn_status cairn_audit_inclusion_proof(uint8_t** out, size_t* out_count,
                                                   const uint8_t* const* leaves,
                                                   const size_t* lengths, size_t count,
                                                   uint64_t index, uint64_t size);
/** The consistency proof between the trees of the first m and n leaves (m <= n <= count). */
CAIRN_API cairn_status cairn_audit_consistency_proof(uint8_t** out, size_t* out_count,
                                                     const uint8_t* const* leaves,
                                                     const size_t* lengths, size_t count,
                                                     uint64_t m, uint64_t n);
/** *out_valid = 1 when proof (proof_count hashes) places leaf_data at index in the tree of size
 * leaves with root, else 0. */
CAIRN_API cairn_status cairn_audit_verify_inclusion(int* out_valid, const uint8_t* leaf_data,
                                                    size_t len, uint64_t index, uint64_t size,
                                                    const uint8_t* proof, size_t proof_count,
                                                    const uint8_t root[CAIRN_AUDIT_HASH_SIZE]);
/** *out_valid = 1 when proof shows the tree (m, root_m) is a prefix of (n, root_n), else 0. */
CAIRN_API cairn_status cairn_audit_verify_consistency(int* out_valid, uint64_t m, uint64_t n,
                                                      const uint8_t root_m[CAIRN_AUDIT_HASH_SIZE],
                                                      const uint8_t root_n[CAIRN_AUDIT_HASH_SIZE],
                                                      const uint8_t* proof, size_t proof_count);

/* Audit: the engine's tamper-evident log (see docs/audit.md) */

/** One entry to record. NULL text fields are absent. Initialise with CAIRN_AUDIT_ENTRY_INIT. */
typedef struct cairn_audit_entry {
  uint32_t version;             /**< CAIRN_AUDIT_ENTRY_VERSION */
  const char* actor_type;       /**< "user" by default */
  const char* actor;            /**< required */
  const char* action;           /**< required */
  const char* resource_type;    /**< optional */
  const char* resource;         /**< optional */
  const char* outcome;          /**< "ok" by default */
  const char* details_json;     /**< optional JSON object */
  const char* ip;               /**< optional IPv4/IPv6 address */
  const char* user_agent;       /**< optional */
  const char* request_id;       /**< optional */
  const char* const* sensitive; /**< detail keys stored only as HMACs */
  size_t sensitive_count;
} cairn_audit_entry;

#define CAIRN_AUDIT_ENTRY_VERSION 1
#define CAIRN_AUDIT_ENTRY_INIT                                                                     \
  {                                                                                                \
    CAIRN_AUDIT_ENTRY_VERSION, "user", NULL, NULL, NULL, NULL, "ok", NULL, NULL, NULL, NULL, NULL, \
        0                                                                                          \
  }

/** A signed tree head. */
typedef struct cairn_audit_tree_head {
  uint64_t size;
  uint8_t root[CAIRN_AUDIT_HASH_SIZE];
  uint8_t chain_head[CAIRN_AUDIT_HASH_SIZE];
  int64_t time_micros;
  uint8_t signature[64]; /**< Ed25519 */
} cairn_audit_tree_head;

/**
 * Appends an entry now; its sequence number in *out_seq. expected_size >= 0 makes the append
 * conditional: CAIRN_ABORTED / AUDIT_SIZE_MISMATCH if the log has another size (-1: any size).
 * CAIRN_INVALID_ARGUMENT / AUDIT_ENTRY_INVALID for a bad entry.
 */
CAIRN_API cairn_status cairn_audit_append(uint64_t* out_seq, cairn_engine* engine,
                                          const cairn_audit_entry* entry, int64_t expected_size);
/** Records an entry in the log's write mode (fail-closed: now; async: queued). */
CAIRN_API cairn_status cairn_audit_record(cairn_engine* engine, const cairn_audit_entry* entry);
/** Waits until the async queue is written. */
CAIRN_API cairn_status cairn_audit_flush(cairn_engine* engine);
/** Entries the async writer dropped. */
CAIRN_API cairn_status cairn_audit_dropped(uint64_t* out, cairn_engine* engine);
/** The number of entries. */
CAIRN_API cairn_status cairn_audit_size(uint64_t* out, cairn_engine* engine);
/** The current tree head, signed now. */
CAIRN_API cairn_status cairn_audit_sign_tree_head(cairn_audit_tree_head* out, cairn_engine* engine);
/** *out_valid = 1 when head is signed by the key in public_key_pem. */
CAIRN_API cairn_status cairn_audit_verify_tree_head(int* out_valid,
                                                    const cairn_audit_tree_head* head,
                                                    const char* public_key_pem);
/** The inclusion proof of entry seq in the tree of size entries (size -1: current size). */
CAIRN_API cairn_status cairn_audit_prove_inclusion(uint8_t** out, size_t* out_count,
                                                   cairn_engine* engine, uint64_t seq,
                                                   int64_t size);
/** The consistency proof between sizes m and n (n -1: current size). */
CAIRN_API cairn_status cairn_audit_prove_consistency(uint8_t** out, size_t* out_count,
                                                     cairn_engine* engine, uint64_t m, int64_t n);
/**
 * Entry seq as a JSON object, the line an export holds for it (one writer for every edge):
 * {"seq", "time_micros", "actor_type", "actor_id", "action", "resource_type", "resource_id",
 * "outcome", "details" (the JSON object, or null), "ip", "user_agent", "request_id" (null when
 * empty), "leaf", "link" (hex)}, plus "encoded" (hex canonical encoding).
 * Errors: CAIRN_NOT_FOUND / AUDIT_ENTRY_NOT_FOUND.
 */
CAIRN_API cairn_status cairn_audit_entry_json(char** out, cairn_engine* engine, uint64_t seq);

/** Which entries cairn_audit_query_json() returns. Fields are only ever appended; initialise with
 * CAIRN_AUDIT_QUERY_INIT. NULL text fields and 0 times match everything. */
typedef struct cairn_audit_query {
  uint32_t version;     /**< CAIRN_AUDIT_QUERY_VERSION */
  const char* actor;    /**< only entries of this actor id */
  const char* action;   /**< only entries with this action */
  const char* resource; /**< only entries on this resource id */
  int64_t since_micros; /**< only entries at or after (microseconds since the Unix epoch) */
  int64_t until_micros; /**< only entries before */
  size_t limit;         /**< entries per page */
  const char* cursor;   /**< "next_cursor" of the previous page; NULL or "": the first page */
} cairn_audit_query;

#define CAIRN_AUDIT_QUERY_VERSION 1
#define CAIRN_AUDIT_QUERY_INIT \
  { CAIRN_AUDIT_QUERY_VERSION, NULL, NULL, NULL, 0, 0, 100, NULL }

/**
 * One page of the entries query matches (NULL: all) as {"entries": [...], "next_cursor": "..." or
 * null}; entries as cairn_audit_entry_json() writes them, without "link" and "encoded".
 * Errors: CAIRN_INVALID_ARGUMENT / CAPI_OPTIONS_VERSION_UNSUPPORTED, AUDIT_QUERY_INVALID,
 * AUDIT_CURSOR_INVALID.
 */
CAIRN_API cairn_status cairn_audit_query_json(char** out, cairn_engine* engine,
                                              const cairn_audit_query* query);
/**
 * Verifies the stored log. CAIRN_DATA_LOSS / AUDIT_CHAIN_BROKEN when damaged, with the first bad
 * sequence number in *out_bad_seq (which may be NULL).
 */
CAIRN_API cairn_status cairn_audit_verify(uint64_t* out_bad_seq, cairn_engine* engine);
/** Exports the log as JSON Lines ending with the signed tree head, to path (mode 0600). */
CAIRN_API cairn_status cairn_audit_export(cairn_engine* engine, const char* path);
/** The log's Ed25519 public key as SPKI PEM (cairn_free()). */
CAIRN_API cairn_status cairn_audit_public_key_pem(char** out, cairn_engine* engine);
/**
 * Verifies an export file offline. *out_intact = 1 when intact; else 0 and *out_bad_seq holds
 * the first bad sequence number. CAIRN_INVALID_ARGUMENT / AUDIT_EXPORT_MALFORMED for a file that
 * is not an export; CAIRN_UNAVAILABLE / AUDIT_EXPORT_FAILED when it cannot be read.
 */
CAIRN_API cairn_status cairn_audit_verify_export(int* out_intact, uint64_t* out_bad_seq,
                                                 const char* path, const char* public_key_pem);

/* Access control (see docs/access.md)
 *
 * Subjects, resources and environments are plain structs; initialise them with their _INIT
 * macros. attrs_json fields are NULL or a JSON object whose values are text, numbers, booleans
 * or lists of text. */

typedef struct cairn_access_policy cairn_access_policy; /**< immutable, thread-safe */

typedef struct cairn_access_subject {
  uint32_t version;         /**< CAIRN_ACCESS_STRUCT_VERSION */
  const char* id_tag;       /**< "" or "guest": unauthenticated */
  const char* const* roles; /**< may be NULL when roles_count is 0 */
  size_t roles_count;
  int authenticated;      /**< 1 by default */
  int following;          /**< follows the resource's owner */
  int connected;          /**< connected with the resource's owner */
  const char* tenant;     /**< NULL: none */
  const char* attrs_json; /**< subject.<attr> for policies */
} cairn_access_subject;

typedef struct cairn_access_resource {
  uint32_t version; /**< CAIRN_ACCESS_STRUCT_VERSION */
  const char* owner;
  const char* issuer; /**< NULL: none */
  char visibility;    /**< 'P' 'V' '2' 'F' 'C' 'S' 'D' (anything else: 'D') */
  const char* const* audience;
  size_t audience_count;
  const char* access_level; /**< "none" "read" "comment" "write" "admin", or NULL */
  const char* attrs_json;   /**< resource.attrs.<name> for policies */
} cairn_access_resource;

typedef struct cairn_access_env {
  uint32_t version; /**< CAIRN_ACCESS_STRUCT_VERSION */
  int has_time;
  int64_t time_micros;    /**< microseconds since the Unix epoch, when has_time (policies read
                               env.time in whole seconds) */
  const char* attrs_json; /**< env.<name> for policies */
} cairn_access_env;

/** A decision and its reason: the step that decided and, for policy steps, the rule. */
typedef struct cairn_access_decision {
  int allowed;
  char step[32]; /**< "visibility", "top_policy", ... */
  char rule[32]; /**< "top[3]", or "" */
} cairn_access_decision;

#define CAIRN_ACCESS_STRUCT_VERSION 1
#define CAIRN_ACCESS_SUBJECT_INIT \
  { CAIRN_ACCESS_STRUCT_VERSION, "", NULL, 0, 1, 0, 0, NULL, NULL }
#define CAIRN_ACCESS_RESOURCE_INIT \
  { CAIRN_ACCESS_STRUCT_VERSION, "", NULL, 'F', NULL, 0, NULL, NULL }
#define CAIRN_ACCESS_ENV_INIT \
  { CAIRN_ACCESS_STRUCT_VERSION, 0, 0, NULL }

/** Parses and validates a policy document. CAIRN_INVALID_ARGUMENT / ACCESS_POLICY_INVALID with
 * the bad element's path at the start of the message. */
CAIRN_API cairn_status cairn_access_policy_parse(cairn_access_policy** out, const char* json);
/** The policy in canonical JSON (cairn_free()). */
CAIRN_API cairn_status cairn_access_policy_to_json(char** out, const cairn_access_policy* policy);
/** Releases a policy. NULL is ok. */
CAIRN_API void cairn_access_policy_free(cairn_access_policy* policy);

/** The decision for subject doing action ("resource:op") on resource. env and policy may be
 * NULL. CAIRN_INVALID_ARGUMENT / ACCESS_ATTRIBUTE_INVALID for attrs_json that is not an object
 * of text, numbers, booleans or lists of text. */
CAIRN_API cairn_status cairn_access_check(cairn_access_decision* out,
                                          const cairn_access_subject* subject, const char* action,
                                          const cairn_access_resource* resource,
                                          const cairn_access_env* env,
                                          const cairn_access_policy* policy);
/** *out = 1 when a subject at level ("none" ... "owner") may see visibility, else 0.
 * CAIRN_INVALID_ARGUMENT / ACCESS_LEVEL_UNKNOWN. */
CAIRN_API cairn_status cairn_access_can_access(int* out, const char* level, char visibility);

/** Roles: *out = 1 when an actor with actor_roles may manage a member holding target_roles, else 0.
 * Errors: CAIRN_INVALID_ARGUMENT / CAPI_NULL_ARGUMENT. */
CAIRN_API cairn_status cairn_access_can_manage_member(int* out, const char* const* actor_roles,
                                                      size_t actor_count,
                                                      const char* const* target_roles,
                                                      size_t target_count);
/** Roles: *out = 1 when an actor with actor_roles may assign role, else 0. Errors:
 * CAIRN_INVALID_ARGUMENT / CAPI_NULL_ARGUMENT. */
CAIRN_API cairn_status cairn_access_can_assign_role(int* out, const char* const* actor_roles,
                                                    size_t actor_count, const char* role);
/**
 * A subject's access level on a file ("none" ... "admin", static storage in *out), resolved in
 * Cloudillo's order: owner, direct share, nearest folder share, tenant role, the owner's share
 * action. Shares are perm characters 'A' 'W' 'C' 'R' (0: no share); folder_shares is a string of
 * them, nearest folder first, '-' for a folder without a share (NULL: none).
 * file_owner NULL or "": the tenant's file. share_action may be NULL.
 */
CAIRN_API cairn_status cairn_access_resolve_file_access(const char** out, const char* subject,
                                                        const char* file_owner, const char* tenant,
                                                        const char* const* roles,
                                                        size_t roles_count, char direct_share,
                                                        const char* folder_shares,
                                                        const char* share_action);

/** The engine's per-tenant policies: validated, stored and audited as actor. */
CAIRN_API cairn_status cairn_access_set_policy(cairn_engine* engine, const char* tenant,
                                               const char* json, const char* actor);
/** Removes a tenant's policy (audited). CAIRN_NOT_FOUND / ACCESS_POLICY_NOT_FOUND. */
CAIRN_API cairn_status cairn_access_remove_policy(cairn_engine* engine, const char* tenant,
                                                  const char* actor);
/** cairn_access_check() with the tenant's stored policy and the engine's relationships. */
CAIRN_API cairn_status cairn_access_check_tenant(cairn_access_decision* out, cairn_engine* engine,
                                                 const char* tenant,
                                                 const cairn_access_subject* subject,
                                                 const char* action,
                                                 const cairn_access_resource* resource,
                                                 const cairn_access_env* env);
/** Relationships in the engine's in-memory graph. */
CAIRN_API cairn_status cairn_access_follow(cairn_engine* engine, const char* subject,
                                           const char* owner);
CAIRN_API cairn_status cairn_access_connect(cairn_engine* engine, const char* a, const char* b);
CAIRN_API cairn_status cairn_access_subscribe(cairn_engine* engine, const char* subject,
                                              const char* owner);

/* Auth: passwords, API keys, token files (see docs/errors.md, "Auth")
 *
 * Tokens, API keys and login codes handed out in char ** out-parameters are secrets: release
 * them with cairn_crypto_secret_free() when done. */

/**
 * The Argon2id PHC string of password ("$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>"), with
 * OWASP's default parameters and a random salt, in *out (cairn_free()). Takes tens of
 * milliseconds. Errors: CAIRN_INVALID_ARGUMENT / CAPI_NULL_ARGUMENT, CRYPTO_PASSWORD_TOO_LONG
 * (over 4096 bytes); CAIRN_RESOURCE_EXHAUSTED / CRYPTO_PASSWORD_HASH_FAILED.
 */
CAIRN_API cairn_status cairn_crypto_password_hash(char** out, const char* password);
/**
 * *out_match = 1 when password matches the Argon2id PHC string phc (from any implementation),
 * else 0 (compared in constant time). Errors: CAIRN_INVALID_ARGUMENT / CAPI_NULL_ARGUMENT,
 * CRYPTO_PASSWORD_HASH_INVALID (not an Argon2 PHC string), CRYPTO_PASSWORD_HASH_UNSUPPORTED
 * (argon2i, argon2d, or a version other than 19), CRYPTO_PASSWORD_TOO_LONG.
 */
CAIRN_API cairn_status cairn_crypto_password_verify(int* out_match, const char* phc,
                                                    const char* password);

/**
 * A new API key "<prefix>_" + 30 random base62 characters + a 6-character CRC32 checksum, in *out
 * (a secret: cairn_crypto_secret_free()). A trailing '_' on prefix is dropped. Errors:
 * CAIRN_INVALID_ARGUMENT / CAPI_NULL_ARGUMENT, AUTH_KEY_PREFIX_INVALID (not 1-32 characters of
 * a-z, 0-9 and '_' starting with a letter).
 */
CAIRN_API cairn_status cairn_auth_token_generate_api_key(char** out, const char* prefix);
/** Emails: at most this many bytes once normalized (AUTH_EMAIL_INVALID); the constant
 * auth::kMaxEmailBytes of include/cairn/auth/email.hpp (static_asserted equal). */
#define CAIRN_AUTH_MAX_EMAIL_BYTES 254
/** Emails: at most this many bytes before the '@' (AUTH_EMAIL_INVALID); the constant
 * auth::kMaxEmailLocalBytes. */
#define CAIRN_AUTH_MAX_EMAIL_LOCAL_BYTES 64
/**
 * The email as cairn stores and compares it, in *out (cairn_free()): spaces and tabs around it
 * removed, ASCII letters lower-cased. The one normalization every layer uses. Errors:
 * CAIRN_INVALID_ARGUMENT / AUTH_EMAIL_INVALID (control characters anywhere, CR and LF included;
 * not local@domain; over CAIRN_AUTH_MAX_EMAIL_BYTES; spaces inside; not UTF-8), CAPI_NULL_ARGUMENT.
 */
CAIRN_API cairn_status cairn_auth_normalize_email(char** out, const char* email);
/** *out_ok = 1 when key has the shape of an API key and a correct checksum (so it was not
 * mistyped), else 0. Says nothing about whether the key is valid anywhere. Errors:
 * CAIRN_INVALID_ARGUMENT / CAPI_NULL_ARGUMENT. */
CAIRN_API cairn_status cairn_auth_token_api_key_checksum_ok(int* out_ok, const char* key);

/**
 * Writes token and a newline to the file at path, created with mode 0600 (its directory 0700 when
 * missing) and replaced atomically. Errors: CAIRN_INVALID_ARGUMENT / CAPI_NULL_ARGUMENT,
 * AUTH_TOKEN_FILE_INVALID (empty, over 16 KiB, or not printable ASCII without spaces);
 * CAIRN_UNAVAILABLE / AUTH_TOKEN_FILE_IO.
 */
CAIRN_API cairn_status cairn_auth_token_file_write(const char* path, const char* token);
/**
 * The token in the file at path, trailing whitespace removed, in *out (a secret: release it with
 * cairn_crypto_secret_free()). Errors: CAIRN_NOT_FOUND / AUTH_TOKEN_FILE_NOT_FOUND;
 * CAIRN_PERMISSION_DENIED / AUTH_TOKEN_FILE_MODE (group- or world-accessible, or not a regular
 * file), AUTH_TOKEN_FILE_OWNER (owned by another user than this process's or root);
 * CAIRN_INVALID_ARGUMENT / CAPI_NULL_ARGUMENT, AUTH_TOKEN_FILE_INVALID; CAIRN_UNAVAILABLE /
 * AUTH_TOKEN_FILE_IO.
 */
CAIRN_API cairn_status cairn_auth_token_file_read(char** out, const char* path);

/* Auth: JSON Web Tokens (RFC 7519) with HS256, ES256, ES384 or EdDSA, verified by RFC 8725's
 * rules: every key is bound to one algorithm, the verifier names the algorithms it accepts
 * ("none" never verifies), "kid" only selects among the caller's keys, "crit" is rejected. */

/** A JWT key bound to one algorithm, with an optional kid. Immutable and thread-safe. */
typedef struct cairn_auth_jwt_key cairn_auth_jwt_key;

/**
 * An HS256 key from secret (at least 32 bytes; copied) and kid (NULL or "": none). Errors:
 * CAIRN_INVALID_ARGUMENT / CAPI_NULL_ARGUMENT, AUTH_JWT_KEY_WEAK. Release with
 * cairn_auth_jwt_key_free().
 */
CAIRN_API cairn_status cairn_auth_jwt_key_from_hmac(cairn_auth_jwt_key** out, const uint8_t* secret,
                                                    size_t secret_len, const char* kid);
/**
 * A key that signs and verifies with the private key's algorithm (ES256, ES384, Ed25519 as
 * EdDSA); kid NULL or "": none. The key material is shared, so key may be freed afterwards.
 * Errors: CAIRN_INVALID_ARGUMENT / CAPI_NULL_ARGUMENT.
 */
CAIRN_API cairn_status cairn_auth_jwt_key_from_private_key(cairn_auth_jwt_key** out,
                                                           const cairn_crypto_private_key* key,
                                                           const char* kid);
/** A verify-only key from a public key; otherwise as cairn_auth_jwt_key_from_private_key(). */
CAIRN_API cairn_status cairn_auth_jwt_key_from_public_key(cairn_auth_jwt_key** out,
                                                          const cairn_crypto_public_key* key,
                                                          const char* kid);
/**
 * A verify-only key from a public JWK (kty EC with crv P-256 or P-384, or kty OKP with crv
 * Ed25519; its "kid" becomes the key's). Errors: CAIRN_INVALID_ARGUMENT / CAPI_NULL_ARGUMENT,
 * AUTH_JWK_INVALID (anything else, a bad coordinate, a private "d", an "alg" that disagrees).
 */
CAIRN_API cairn_status cairn_auth_jwt_key_from_jwk(cairn_auth_jwt_key** out, const char* jwk_json);
/**
 * The key's public JWK {"kty","crv","x"[,"y"],"use":"sig","alg"[,"kid"]} in *out (cairn_free()).
 * Errors: CAIRN_INVALID_ARGUMENT / CAPI_NULL_ARGUMENT; CAIRN_FAILED_PRECONDITION /
 * AUTH_JWT_KEY_NOT_PUBLIC (HMAC secrets are never exported).
 */
CAIRN_API cairn_status cairn_auth_jwt_key_to_jwk(char** out, const cairn_auth_jwt_key* key);
/** The key's JWS algorithm: "HS256", "ES256", "ES384" or "EdDSA"; "" for NULL. Static storage. */
CAIRN_API const char* cairn_auth_jwt_key_algorithm(const cairn_auth_jwt_key* key);
/** Releases a JWT key. NULL is ok. */
CAIRN_API void cairn_auth_jwt_key_free(cairn_auth_jwt_key* key);

/**
 * The compact JWS of claims_json (a JSON object, member order kept) signed with key, header
 * {"alg":...,"typ":"JWT"[,"kid":...]}, in *out (cairn_free()). Errors: CAIRN_INVALID_ARGUMENT /
 * CAPI_NULL_ARGUMENT, AUTH_JWT_CLAIMS_INVALID (not an object, or a non-numeric exp/nbf/iat);
 * CAIRN_FAILED_PRECONDITION / AUTH_JWT_KEY_CANNOT_SIGN (a verify-only key).
 */
CAIRN_API cairn_status cairn_auth_jwt_encode(char** out, const char* claims_json,
                                             const cairn_auth_jwt_key* key);
/** How cairn_auth_jwt_decode() verifies. Fields are only ever appended; initialise with
 * CAIRN_AUTH_JWT_VERIFY_OPTIONS_INIT and set algorithms. */
typedef struct cairn_auth_jwt_verify_options {
  uint32_t version;              /**< CAIRN_AUTH_JWT_VERIFY_OPTIONS_VERSION */
  const char* const* algorithms; /**< the accepted: "HS256", "ES256", "ES384", "EdDSA" */
  size_t algorithms_count;       /**< at least 1 (AUTH_JWT_OPTIONS_INVALID) */
  const char* audience; /**< NULL or "": the token must have no "aud"; else "aud" must contain it */
  const char* issuer;   /**< NULL or "": "iss" is not checked; else it must equal it */
  int64_t leeway_seconds; /**< tolerance for exp, nbf and iat */
} cairn_auth_jwt_verify_options;

#define CAIRN_AUTH_JWT_VERIFY_OPTIONS_VERSION 1
#define CAIRN_AUTH_JWT_VERIFY_OPTIONS_INIT \
  { CAIRN_AUTH_JWT_VERIFY_OPTIONS_VERSION, NULL, 0, NULL, NULL, 0 }

/**
 * Verifies token against keys (keys_count handles; two with the same non-empty kid are
 * CAIRN_ALREADY_EXISTS / AUTH_JWT_KID_DUPLICATE) under options at now_micros (the caller's clock,
 * microseconds since the Unix epoch) and puts its claims, a JSON object, in *out_claims_json
 * (cairn_free()).
 * Errors, all CAIRN_UNAUTHENTICATED: AUTH_TOKEN_INVALID (malformed, bad signature, unknown kid,
 * "crit"), AUTH_JWT_ALGORITHM_REJECTED (an algorithm not accepted, or not its key's),
 * AUTH_TOKEN_EXPIRED, AUTH_TOKEN_NOT_YET_VALID, AUTH_JWT_AUDIENCE_INVALID,
 * AUTH_JWT_ISSUER_INVALID. CAIRN_INVALID_ARGUMENT / CAPI_NULL_ARGUMENT, AUTH_JWT_OPTIONS_INVALID
 * (no algorithm), AUTH_JWT_ALGORITHM_UNSUPPORTED (an unknown algorithm name),
 * CAPI_OPTIONS_VERSION_UNSUPPORTED.
 */
CAIRN_API cairn_status cairn_auth_jwt_decode(char** out_claims_json, const char* token,
                                             const cairn_auth_jwt_key* const* keys,
                                             size_t keys_count,
                                             const cairn_auth_jwt_verify_options* options,
                                             int64_t now_micros);

/* Auth: rate limits (GCRA: rate_per_second requests per key on average, bursts of up to burst) */

/** A rate limiter. Thread-safe. Release with cairn_auth_rate_limiter_free(). */
typedef struct cairn_auth_rate_limiter cairn_auth_rate_limiter;

/**
 * A limiter that keeps its state in process memory, with its clock from env (borrowed: it must
 * outlive the limiter; NULL: the system clock). Errors: CAIRN_INVALID_ARGUMENT /
 * CAPI_NULL_ARGUMENT, AUTH_RATE_LIMIT_INVALID (rate outside [1e-6, 1e6], burst outside [1, 1e6]).
 */
CAIRN_API cairn_status cairn_auth_rate_limiter_new_memory(cairn_auth_rate_limiter** out,
                                                          double rate_per_second, uint32_t burst,
                                                          cairn_env* env);
/**
 * A limiter whose state lives in the engine's database under "<name>:<key>", so it holds across
 * restarts and processes sharing the database. It borrows the engine: free the limiter before
 * cairn_engine_close(). Errors: CAIRN_INVALID_ARGUMENT / CAPI_NULL_ARGUMENT,
 * AUTH_RATE_LIMIT_INVALID, AUTH_RATE_LIMIT_NAME_INVALID (empty, over 64 bytes, not text, or with
 * ':').
 */
CAIRN_API cairn_status cairn_auth_rate_limiter_new_engine(cairn_auth_rate_limiter** out,
                                                          cairn_engine* engine, const char* name,
                                                          double rate_per_second, uint32_t burst);
/**
 * Counts one request for key: *out_allowed = 1 when it is allowed, else 0 and nothing is counted.
 * *out_retry_after_micros (may be NULL) gets how long until a request would be allowed (0 when
 * allowed). A denial is not an error: the call returns CAIRN_OK. Errors: CAIRN_INVALID_ARGUMENT /
 * CAPI_NULL_ARGUMENT, AUTH_RATE_LIMIT_KEY_INVALID (empty or over 256 bytes); store errors for
 * engine limiters.
 */
CAIRN_API cairn_status cairn_auth_rate_limiter_hit(int* out_allowed,
                                                   int64_t* out_retry_after_micros,
                                                   cairn_auth_rate_limiter* limiter,
                                                   const char* key);
/** Releases a rate limiter. NULL is ok. */
CAIRN_API void cairn_auth_rate_limiter_free(cairn_auth_rate_limiter* limiter);

/* Auth: the engine's users, sessions, API keys and login codes (see include/cairn/auth/service.hpp)
 *
 * Records come back as JSON objects in char ** out-parameters (cairn_free()); times are integers,
 * microseconds since the Unix epoch; text that is empty and absent times are null.
 *   user:    {"id", "email", "name", "roles": [...], "status": "active"|"suspended",
 *             "created_at_micros"}
 *   session: {"id", "user_id", "created_at_micros", "last_seen_micros", "expires_at_micros",
 *             "ip", "user_agent"}  (expires_at: when it ends unless used again)
 *   api key: {"id", "owner_id", "name", "prefix", "display", "scopes": [...],
 *             "created_at_micros", "expires_at_micros", "last_used_at_micros",
 *             "revoked_at_micros"}  ("display" is the prefix and 4 characters, to tell keys apart)
 * Session tokens, API key secrets and login codes come back as plain text in their own
 * out-parameter (secrets: cairn_crypto_secret_free()); they are never stored and never shown again.
 * ip (an IPv4/IPv6 address) and user_agent arguments describe the request, for sessions and the
 * audit log; both may be NULL. Every failed credential check is CAIRN_UNAUTHENTICATED; limits and
 * lockouts are CAIRN_RESOURCE_EXHAUSTED with cairn_error_last()->retry_after_ms set. On error every
 * out-parameter is NULL. Every change is audited in the engine's log. */

/**
 * Creates a user: email (normalized: trimmed, lower case), name (NULL: none), password (NULL or
 * "": no password login) and roles_count roles (roles may be NULL when roles_count is 0). The user
 * in *out. Errors: CAIRN_INVALID_ARGUMENT / CAPI_NULL_ARGUMENT, AUTH_EMAIL_INVALID,
 * AUTH_NAME_INVALID, AUTH_PASSWORD_WEAK (under 8 characters), AUTH_PASSWORD_INVALID,
 * AUTH_ROLE_INVALID, CRYPTO_PASSWORD_TOO_LONG; CAIRN_ALREADY_EXISTS / AUTH_USER_EXISTS.
 */
CAIRN_API cairn_status cairn_auth_create_user(char** out, cairn_engine* engine, const char* email,
                                              const char* name, const char* password,
                                              const char* const* roles, size_t roles_count);
/** The user with user_id in *out. Errors: CAIRN_NOT_FOUND / AUTH_USER_NOT_FOUND. */
CAIRN_API cairn_status cairn_auth_user(char** out, cairn_engine* engine, const char* user_id);
/** The user with email in *out. Errors: CAIRN_INVALID_ARGUMENT / AUTH_EMAIL_INVALID;
 * CAIRN_NOT_FOUND / AUTH_USER_NOT_FOUND. */
CAIRN_API cairn_status cairn_auth_user_by_email(char** out, cairn_engine* engine,
                                                const char* email);
/** Every user, ordered by email, as a JSON array in *out. */
CAIRN_API cairn_status cairn_auth_users(char** out, cairn_engine* engine);
/** Sets the user's password (NULL or "": removes it). Errors: as cairn_auth_create_user();
 * CAIRN_NOT_FOUND / AUTH_USER_NOT_FOUND. */
CAIRN_API cairn_status cairn_auth_set_password(cairn_engine* engine, const char* user_id,
                                               const char* password);
/**
 * Sets the user's status, "active" or "suspended", audited as actor. Suspending also revokes all
 * the user's sessions. Errors: CAIRN_INVALID_ARGUMENT / CAPI_NULL_ARGUMENT,
 * AUTH_USER_STATUS_INVALID; CAIRN_NOT_FOUND / AUTH_USER_NOT_FOUND.
 */
CAIRN_API cairn_status cairn_auth_set_user_status(cairn_engine* engine, const char* user_id,
                                                  const char* status, const char* actor);
/** Replaces the user's roles (roles_count of them), audited as actor. Errors:
 * CAIRN_INVALID_ARGUMENT / AUTH_ROLE_INVALID; CAIRN_NOT_FOUND / AUTH_USER_NOT_FOUND. */
CAIRN_API cairn_status cairn_auth_set_roles(cairn_engine* engine, const char* user_id,
                                            const char* const* roles, size_t roles_count,
                                            const char* actor);
/** Links an external login (provider "github", ..., and the provider's subject) to the user.
 * Errors: CAIRN_INVALID_ARGUMENT / AUTH_IDENTITY_INVALID; CAIRN_ALREADY_EXISTS /
 * AUTH_IDENTITY_EXISTS; CAIRN_NOT_FOUND / AUTH_USER_NOT_FOUND. */
CAIRN_API cairn_status cairn_auth_link_identity(cairn_engine* engine, const char* user_id,
                                                const char* provider, const char* subject);
/** The user an external login is linked to, in *out. Errors: CAIRN_NOT_FOUND /
 * AUTH_IDENTITY_NOT_FOUND. */
CAIRN_API cairn_status cairn_auth_user_by_identity(char** out, cairn_engine* engine,
                                                   const char* provider, const char* subject);

/**
 * The user whose email and password these are, in *out. Takes an Argon2id verification.
 * Errors: CAIRN_UNAUTHENTICATED / AUTH_INVALID_CREDENTIALS (unknown email, no password, or a wrong
 * one: the same answer after the same work); CAIRN_PERMISSION_DENIED / AUTH_USER_SUSPENDED;
 * CAIRN_INVALID_ARGUMENT / CAPI_NULL_ARGUMENT, AUTH_EMAIL_INVALID, AUTH_REQUEST_INVALID.
 */
CAIRN_API cairn_status cairn_auth_login_password(char** out, cairn_engine* engine,
                                                 const char* email, const char* password,
                                                 const char* ip, const char* user_agent);

/**
 * A new session for an active user: the session in *out_session and its bearer token in
 * *out_token. Errors: CAIRN_NOT_FOUND / AUTH_USER_NOT_FOUND; CAIRN_PERMISSION_DENIED /
 * AUTH_USER_SUSPENDED; CAIRN_INVALID_ARGUMENT / CAPI_NULL_ARGUMENT, AUTH_REQUEST_INVALID.
 */
CAIRN_API cairn_status cairn_auth_create_session(char** out_session, char** out_token,
                                                 cairn_engine* engine, const char* user_id,
                                                 const char* ip, const char* user_agent);
/**
 * The live session of token in *out (call on every request). Errors: CAIRN_UNAUTHENTICATED /
 * AUTH_TOKEN_INVALID (malformed, unknown, rotated or revoked), AUTH_TOKEN_EXPIRED (idle or absolute
 * timeout passed).
 */
CAIRN_API cairn_status cairn_auth_validate_session(char** out, cairn_engine* engine,
                                                   const char* token);
/** Gives the session of token a new token (in *out_token; the session in *out_session); the old
 * token stops working at once. Errors: as cairn_auth_validate_session(). */
CAIRN_API cairn_status cairn_auth_rotate_session(char** out_session, char** out_token,
                                                 cairn_engine* engine, const char* token);
/** Ends the session of token (an expired one too). Errors: as cairn_auth_validate_session(). */
CAIRN_API cairn_status cairn_auth_revoke_session(cairn_engine* engine, const char* token);
/** Ends session session_id of user_id. Errors: CAIRN_NOT_FOUND / AUTH_SESSION_NOT_FOUND. */
CAIRN_API cairn_status cairn_auth_revoke_session_id(cairn_engine* engine, const char* user_id,
                                                    const char* session_id);
/** Ends every session of the user; how many in *out_count. */
CAIRN_API cairn_status cairn_auth_revoke_all_sessions(int64_t* out_count, cairn_engine* engine,
                                                      const char* user_id);
/** The user's live sessions, newest first, as a JSON array in *out. */
CAIRN_API cairn_status cairn_auth_sessions(char** out, cairn_engine* engine, const char* user_id);

/** How cairn_auth_create_api_key() makes a key. Fields are only ever appended; initialise with
 * CAIRN_AUTH_API_KEY_OPTIONS_INIT. */
typedef struct cairn_auth_api_key_options {
  uint32_t version;          /**< CAIRN_AUTH_API_KEY_OPTIONS_VERSION */
  const char* prefix;        /**< NULL: "cairn" */
  const char* name;          /**< NULL: none */
  const char* const* scopes; /**< may be NULL when scopes_count is 0 */
  size_t scopes_count;
  int64_t expires_at_micros; /**< 0: never expires; else it must be in the future */
} cairn_auth_api_key_options;

#define CAIRN_AUTH_API_KEY_OPTIONS_VERSION 1
#define CAIRN_AUTH_API_KEY_OPTIONS_INIT \
  { CAIRN_AUTH_API_KEY_OPTIONS_VERSION, NULL, NULL, NULL, 0, 0 }

/**
 * A new API key for owner_id (a user id, service account id, ...: the caller's choice) made under
 * options (NULL: the defaults): the key in *out_key and its secret text in *out_secret. Errors:
 * CAIRN_INVALID_ARGUMENT / CAPI_NULL_ARGUMENT, AUTH_OWNER_INVALID, AUTH_KEY_PREFIX_INVALID,
 * AUTH_NAME_INVALID, AUTH_KEY_SCOPE_INVALID, AUTH_KEY_EXPIRY_INVALID,
 * CAPI_OPTIONS_VERSION_UNSUPPORTED.
 */
CAIRN_API cairn_status cairn_auth_create_api_key(char** out_key, char** out_secret,
                                                 cairn_engine* engine, const char* owner_id,
                                                 const cairn_auth_api_key_options* options);
/**
 * The live key whose secret is key, in *out. Errors: CAIRN_UNAUTHENTICATED / AUTH_TOKEN_INVALID
 * (bad checksum, unknown or revoked), AUTH_TOKEN_EXPIRED.
 */
CAIRN_API cairn_status cairn_auth_validate_api_key(char** out, cairn_engine* engine,
                                                   const char* key);
/** Revokes key key_id, audited as actor (NULL: the key's owner). Errors: CAIRN_NOT_FOUND /
 * AUTH_KEY_NOT_FOUND (no such key, or already revoked). */
CAIRN_API cairn_status cairn_auth_revoke_api_key(cairn_engine* engine, const char* key_id,
                                                 const char* actor);
/** The owner's API keys (revoked ones too), newest first, as a JSON array in *out. */
CAIRN_API cairn_status cairn_auth_api_keys(char** out, cairn_engine* engine, const char* owner_id);

/**
 * A new 6-digit login code for email in *out (a secret: the caller delivers it), replacing any
 * earlier one; it lasts 10 minutes. Limits and lockouts count per email and client address (ip;
 * calls without one share a count). Errors: CAIRN_INVALID_ARGUMENT / CAPI_NULL_ARGUMENT,
 * AUTH_EMAIL_INVALID, AUTH_REQUEST_INVALID; CAIRN_RESOURCE_EXHAUSTED / AUTH_RATE_LIMITED (5
 * requests per email from this address in 15 minutes, or 20 from all addresses), AUTH_LOCKED_OUT
 * (10 failed verifications per email from this address in the hour), both with retry_after_ms.
 */
CAIRN_API cairn_status cairn_auth_request_login_code(char** out, cairn_engine* engine,
                                                     const char* email, const char* ip,
                                                     const char* user_agent);
/**
 * Exchanges email's login code for a session (*out_session, token in *out_token), creating the
 * user when the email has none. Any six-digit attempt uses the code up. Errors:
 * CAIRN_UNAUTHENTICATED / AUTH_CODE_INVALID (wrong, used, or none), AUTH_CODE_EXPIRED;
 * CAIRN_RESOURCE_EXHAUSTED / AUTH_LOCKED_OUT (with retry_after_ms); CAIRN_PERMISSION_DENIED /
 * AUTH_USER_SUSPENDED; CAIRN_INVALID_ARGUMENT / CAPI_NULL_ARGUMENT, AUTH_CODE_MALFORMED (not six
 * digits: nothing is used up or counted), AUTH_EMAIL_INVALID, AUTH_REQUEST_INVALID.
 */
CAIRN_API cairn_status cairn_auth_verify_login_code(char** out_session, char** out_token,
                                                    cairn_engine* engine, const char* email,
                                                    const char* code, const char* ip,
                                                    const char* user_agent);

/**
 * Deletes expired sessions, login codes and API keys (expired, or revoked over 30 days ago), login
 * events past both windows and rate states in the past; how many of each in *out as
 * {"sessions":n,"login_codes":n,"api_keys":n,"login_events":n,"rate_states":n}.
 */
CAIRN_API cairn_status cairn_auth_purge_expired(char** out, cairn_engine* engine);

/* Secrets: organizations, projects, environments, encrypted versioned secrets, ACL rules and
 * service accounts (see include/cairn/secrets/service.hpp and docs/errors.md, "Secrets")
 *
 * Every engine-scoped call needs an engine opened with a master key (cairn_engine_options,
 * version 2); without one it fails with CAIRN_FAILED_PRECONDITION / SECRETS_MASTER_KEY_MISSING.
 * org, project and env are names (1 to CAIRN_SECRETS_MAX_NAME_BYTES (63) characters of a-z, 0-9,
 * '_', '.', '-', starting with a letter or digit: else SECRETS_NAME_INVALID); user, actor and
 * subject are the caller's user ids, or "sa:<name>" for a service account. actor is who asks:
 * access is decided for them and the audit log records them. Roles are "member", "developer",
 * "admin", "owner" (SECRETS_ROLE_INVALID); permissions "read", "write", "admin"
 * (SECRETS_PERMISSION_INVALID). Access: superadmins, org owners and admins may do anything in the
 * org; developers and members need ACL rules, capped by their role (members read, developers read
 * and write); service accounts need rules and, when created for one project, reach only that
 * project. Managing members, projects, environments, rules and service accounts needs the admin
 * role.
 *
 * Records come back as JSON objects in char ** out-parameters (cairn_free()); times are integers,
 * microseconds since the Unix epoch:
 *   org:             {"id", "name", "created_at_micros"}
 *   project:         {"id", "org_id", "name", "created_at_micros"}
 *   environment:     {"id", "project_id", "name", "created_at_micros"}
 *   version:         {"version", "created_at_micros", "created_by"}
 *   rule:            {"id", "org_id", "subject", "project_pattern", "env_pattern", "permission",
 *                     "created_at_micros"}
 *   service account: {"id", "org_id", "name", "subject", "project" (null: any project),
 *                     "created_at_micros"}
 * Secret values, exports and API keys are secrets: release them with
 * cairn_crypto_secret_free(). Records never contain values. Denials are CAIRN_PERMISSION_DENIED /
 * SECRETS_ACCESS_DENIED; a missing org, project or environment is CAIRN_NOT_FOUND /
 * SECRETS_ORG_NOT_FOUND, SECRETS_PROJECT_NOT_FOUND, SECRETS_ENVIRONMENT_NOT_FOUND. On error every
 * out-parameter is NULL (or 0). Changes, reads of secrets (get, list, versions, export) and
 * denials append to the engine's audit log, whose entries never hold a value. */

/* The secrets service's limits, the constants of include/cairn/secrets/limits.hpp (the library
 * static_asserts that each macro equals its C++ constant, so they cannot drift). Longer names,
 * keys, values, users or patterns are refused with CAIRN_INVALID_ARGUMENT and the reason named. */
/** Org, project, environment and service-account names: at most this many bytes
 * (SECRETS_NAME_INVALID). */
#define CAIRN_SECRETS_MAX_NAME_BYTES 63
/** Secret keys: at most this many bytes (SECRETS_KEY_INVALID). */
#define CAIRN_SECRETS_MAX_KEY_BYTES 64
/** Secret values: at most this many bytes of UTF-8, 64 KiB (SECRETS_VALUE_INVALID). */
#define CAIRN_SECRETS_MAX_VALUE_BYTES 65536
/** Users (normalized emails): at most this many bytes, CAIRN_AUTH_MAX_EMAIL_BYTES. */
#define CAIRN_SECRETS_MAX_USER_BYTES 254
/** ACL glob patterns: at most this many bytes (ACL_PATTERN_INVALID). */
#define CAIRN_SECRETS_MAX_PATTERN_BYTES 128
/** ACL glob patterns: at most this many "{...}" groups (ACL_PATTERN_INVALID). */
#define CAIRN_SECRETS_MAX_PATTERN_GROUPS 8
/** ACL glob patterns: their groups stand for at most this many brace-free patterns
 * (ACL_PATTERN_INVALID). */
#define CAIRN_SECRETS_MAX_PATTERN_COMBINATIONS 1024
/** ${...} references: nested at most this deep (SECRETS_REFERENCE_TOO_DEEP). */
#define CAIRN_SECRETS_MAX_REFERENCE_DEPTH 10
/** ${...} references: at most this many resolved in one get or exported value. */
#define CAIRN_SECRETS_MAX_REFERENCES 100
/** ${...} references: at most this many bytes of expanded result, 64 KiB. */
#define CAIRN_SECRETS_MAX_EXPANDED_BYTES 65536

/**
 * *out_match = 1 when name matches the ACL glob pattern, else 0 (also for an invalid pattern).
 * '*' matches any run of characters, '?' one character, "{a,b}" one of the alternatives; all else
 * matches itself. Pure and thread-safe. Errors: CAIRN_INVALID_ARGUMENT / CAPI_NULL_ARGUMENT.
 */
CAIRN_API cairn_status cairn_secrets_glob_match(int* out_match, const char* pattern,
                                                const char* name);
/** CAIRN_OK for a valid ACL glob pattern. Errors: CAIRN_INVALID_ARGUMENT / CAPI_NULL_ARGUMENT,
 * ACL_PATTERN_INVALID (the message says why: length, a character, unbalanced or nested braces,
 * an empty alternative, too many alternatives). */
CAIRN_API cairn_status cairn_secrets_check_pattern(const char* pattern);

/** Creates an org owned by owner; the org in *out_json. Errors: SECRETS_NAME_INVALID;
 * CAIRN_ALREADY_EXISTS / SECRETS_ORG_EXISTS. */
CAIRN_API cairn_status cairn_secrets_create_org(char** out_json, cairn_engine* engine,
                                                const char* name, const char* owner);
/** The org named name in *out_json. Errors: CAIRN_NOT_FOUND / SECRETS_ORG_NOT_FOUND. */
CAIRN_API cairn_status cairn_secrets_org(char** out_json, cairn_engine* engine, const char* name);
/** The orgs user is a member of (every org for a superadmin), as a JSON array in *out_json. */
CAIRN_API cairn_status cairn_secrets_orgs(char** out_json, cairn_engine* engine, const char* user);
/** Soft-deletes org (owners and superadmins only): the name is free again, its service-account
 * keys stop working and nothing below it can be reached. Errors: CAIRN_NOT_FOUND /
 * SECRETS_ORG_NOT_FOUND; CAIRN_PERMISSION_DENIED / SECRETS_ACCESS_DENIED. */
CAIRN_API cairn_status cairn_secrets_delete_org(cairn_engine* engine, const char* org,
                                                const char* actor);
/** Adds user to org with role role_name, or changes their role (needs admin; only owners make
 * owners). */
CAIRN_API cairn_status cairn_secrets_add_member(cairn_engine* engine, const char* org,
                                                const char* user, const char* role_name,
                                                const char* actor);
/** Removes user from org (needs admin; only owners remove owners). Errors: CAIRN_NOT_FOUND /
 * SECRETS_MEMBER_NOT_FOUND. */
CAIRN_API cairn_status cairn_secrets_remove_member(cairn_engine* engine, const char* org,
                                                   const char* user, const char* actor);
/** The org's members as a JSON array of {"user", "role"}, ordered by user, in *out_json (actor
 * must be a member or a superadmin). */
CAIRN_API cairn_status cairn_secrets_members(char** out_json, cairn_engine* engine, const char* org,
                                             const char* actor);
/** Makes user a superadmin (superadmin non-zero) or not (0): for the host's bootstrap code, not
 * for requests. */
CAIRN_API cairn_status cairn_secrets_set_superadmin(cairn_engine* engine, const char* user,
                                                    int superadmin);
/** *out_superadmin = 1 when user is a superadmin, else 0 (always 0 for "sa:..." subjects). A pure
 * lookup: nothing is audited. */
CAIRN_API cairn_status cairn_secrets_is_superadmin(int* out_superadmin, cairn_engine* engine,
                                                   const char* user);
/** Every superadmin, sorted, as a JSON array of strings in *out_json (cairn_free()). */
CAIRN_API cairn_status cairn_secrets_superadmins(char** out_json, cairn_engine* engine);
/** The first sign-in of a new server: makes user superadmin when the database never had one and
 * nobody claimed the role before; *out_claimed = 1 when this call did. At most one call per
 * database ever claims, and never while a superadmin exists. Audited when it claims. */
CAIRN_API cairn_status cairn_secrets_claim_first_superadmin(int* out_claimed, cairn_engine* engine,
                                                            const char* user);
/** A superadmin (actor) makes user one (grant) or takes the role from another (revoke); nobody
 * revokes their own (FAILED_PRECONDITION / SECRETS_SUPERADMIN_SELF). Audited. Errors:
 * SECRETS_ACCESS_DENIED (actor is no superadmin), SECRETS_SUPERADMIN_NOT_FOUND (revoke). */
CAIRN_API cairn_status cairn_secrets_grant_superadmin(cairn_engine* engine, const char* user,
                                                      const char* actor);
CAIRN_API cairn_status cairn_secrets_revoke_superadmin(cairn_engine* engine, const char* user,
                                                       const char* actor);

/** Creates project name in org (needs admin); the project in *out_json. Errors:
 * SECRETS_NAME_INVALID; CAIRN_ALREADY_EXISTS / SECRETS_PROJECT_EXISTS. */
CAIRN_API cairn_status cairn_secrets_create_project(char** out_json, cairn_engine* engine,
                                                    const char* org, const char* name,
                                                    const char* actor);
/** Creates environment name in org/project (needs admin); the environment in *out_json. Errors:
 * SECRETS_NAME_INVALID; CAIRN_ALREADY_EXISTS / SECRETS_ENVIRONMENT_EXISTS. */
CAIRN_API cairn_status cairn_secrets_create_environment(char** out_json, cairn_engine* engine,
                                                        const char* org, const char* project,
                                                        const char* name, const char* actor);
/** Soft-deletes a project or an environment (needs admin): the name is free again and the
 * secrets below can no longer be reached. Errors: CAIRN_NOT_FOUND / SECRETS_PROJECT_NOT_FOUND,
 * SECRETS_ENVIRONMENT_NOT_FOUND; CAIRN_PERMISSION_DENIED / SECRETS_ACCESS_DENIED. */
CAIRN_API cairn_status cairn_secrets_delete_project(cairn_engine* engine, const char* org,
                                                    const char* project, const char* actor);
CAIRN_API cairn_status cairn_secrets_delete_environment(cairn_engine* engine, const char* org,
                                                        const char* project, const char* env,
                                                        const char* actor);
/** The org's project names as a JSON array in *out_json. */
CAIRN_API cairn_status cairn_secrets_projects(char** out_json, cairn_engine* engine,
                                              const char* org, const char* actor);
/** The project's environment names as a JSON array in *out_json. */
CAIRN_API cairn_status cairn_secrets_environments(char** out_json, cairn_engine* engine,
                                                  const char* org, const char* project,
                                                  const char* actor);

/**
 * Stores value (up to CAIRN_SECRETS_MAX_VALUE_BYTES, 64 KiB, of UTF-8) as a new version of secret
 * key ([A-Za-z_][A-Za-z0-9_]*, at most CAIRN_SECRETS_MAX_KEY_BYTES characters) in org/project/env;
 * the version number in *out_version. Errors: CAIRN_INVALID_ARGUMENT / SECRETS_KEY_INVALID,
 * SECRETS_VALUE_INVALID.
 */
CAIRN_API cairn_status cairn_secrets_set(int64_t* out_version, cairn_engine* engine,
                                         const char* org, const char* project, const char* env,
                                         const char* key, const char* value, const char* actor);
/**
 * A secret's value in *out_value (a secret: cairn_crypto_secret_free()): the latest (version 0 and
 * as_of_micros 0), version `version` (> 0), or the newest version created at or before
 * as_of_micros (non-zero). expand non-zero replaces ${KEY}, ${env.KEY} and ${project.env.KEY}
 * references (read access is checked for each; "$${" stands for "${"). Errors: CAIRN_NOT_FOUND /
 * SECRET_NOT_FOUND, SECRET_VERSION_NOT_FOUND; CAIRN_FAILED_PRECONDITION /
 * SECRETS_REFERENCE_CYCLE, SECRETS_REFERENCE_TOO_DEEP; CAIRN_DATA_LOSS / SECRETS_DECRYPT_FAILED.
 */
CAIRN_API cairn_status cairn_secrets_get(char** out_value, cairn_engine* engine, const char* org,
                                         const char* project, const char* env, const char* key,
                                         const char* actor, int64_t version, int64_t as_of_micros,
                                         int expand);
/** The environment's live keys, sorted, as a JSON array of strings in *out_json. */
CAIRN_API cairn_status cairn_secrets_list(char** out_json, cairn_engine* engine, const char* org,
                                          const char* project, const char* env, const char* actor);
/** Every version of a secret, oldest first, as a JSON array of version records in *out_json.
 * Errors: CAIRN_NOT_FOUND / SECRET_NOT_FOUND. */
CAIRN_API cairn_status cairn_secrets_versions(char** out_json, cairn_engine* engine,
                                              const char* org, const char* project, const char* env,
                                              const char* key, const char* actor);
/** Stores a new version equal to version `version`; its number in *out_version. Errors:
 * CAIRN_NOT_FOUND / SECRET_NOT_FOUND, SECRET_VERSION_NOT_FOUND. */
CAIRN_API cairn_status cairn_secrets_rollback(int64_t* out_version, cairn_engine* engine,
                                              const char* org, const char* project, const char* env,
                                              const char* key, int64_t version, const char* actor);
/** Soft-deletes a secret (its name becomes free). Errors: CAIRN_NOT_FOUND / SECRET_NOT_FOUND. */
CAIRN_API cairn_status cairn_secrets_delete(cairn_engine* engine, const char* org,
                                            const char* project, const char* env, const char* key,
                                            const char* actor);
/** Brings back the most recently deleted secret named key. Errors: CAIRN_NOT_FOUND /
 * SECRET_NOT_FOUND; CAIRN_ALREADY_EXISTS / SECRET_EXISTS (the name was reused meanwhile). */
CAIRN_API cairn_status cairn_secrets_restore(cairn_engine* engine, const char* org,
                                             const char* project, const char* env, const char* key,
                                             const char* actor);

/**
 * Grants permission_name to subject on the environments whose project and name match the glob
 * patterns (see cairn_secrets_glob_match()); granting the same subject and patterns again changes
 * the permission. Needs admin. The rule id in *out_rule_id. Errors: CAIRN_INVALID_ARGUMENT /
 * ACL_PATTERN_INVALID, SECRETS_SUBJECT_INVALID, SECRETS_PERMISSION_INVALID; CAIRN_NOT_FOUND /
 * SECRETS_SERVICE_ACCOUNT_NOT_FOUND (subject "sa:<name>" names no live account).
 */
CAIRN_API cairn_status cairn_secrets_grant(char** out_rule_id, cairn_engine* engine,
                                           const char* org, const char* subject,
                                           const char* project_pattern, const char* env_pattern,
                                           const char* permission_name, const char* actor);
/** Revokes rule rule_id (needs admin). Errors: CAIRN_NOT_FOUND / ACL_RULE_NOT_FOUND. */
CAIRN_API cairn_status cairn_secrets_revoke(cairn_engine* engine, const char* org,
                                            const char* rule_id, const char* actor);
/** The org's live rules, oldest first, as a JSON array of rule records in *out_json (needs
 * admin). */
CAIRN_API cairn_status cairn_secrets_rules(char** out_json, cairn_engine* engine, const char* org,
                                           const char* actor);
/**
 * May subject do permission_name in org/project/env? *out_allowed = 1 or 0 (a denial is not an
 * error); *out_rule (may be NULL; else cairn_free()) gets what decided: a rule id, "superadmin",
 * "role:owner" or "role:admin", and "" when denied. A pure decision: nothing is audited.
 */
CAIRN_API cairn_status cairn_secrets_check(int* out_allowed, char** out_rule, cairn_engine* engine,
                                           const char* org, const char* subject,
                                           const char* project, const char* env,
                                           const char* permission_name);

/**
 * Creates service account name in org (needs admin; subject "sa:<name>"; it needs ACL rules like a
 * user), limited to project when project is not NULL or "". The account in *out_account_json and
 * its API key ("cr_sa_...", shown once: cairn_crypto_secret_free()) in *out_api_key. Errors:
 * SECRETS_NAME_INVALID; CAIRN_ALREADY_EXISTS / SECRETS_SERVICE_ACCOUNT_EXISTS.
 */
CAIRN_API cairn_status cairn_secrets_create_service_account(char** out_account_json,
                                                            char** out_api_key,
                                                            cairn_engine* engine, const char* org,
                                                            const char* name, const char* actor,
                                                            const char* project);
/** The live service account of api_key in *out_account_json. Errors: CAIRN_UNAUTHENTICATED /
 * AUTH_TOKEN_INVALID (malformed, unknown, or the account was revoked). */
CAIRN_API cairn_status cairn_secrets_authenticate_api_key(char** out_account_json,
                                                          cairn_engine* engine,
                                                          const char* api_key);
/** The org's live service accounts, oldest first, as a JSON array of account records in *out_json
 * (needs admin; keys are never included). */
CAIRN_API cairn_status cairn_secrets_service_accounts(char** out_json, cairn_engine* engine,
                                                      const char* org, const char* actor);
/** Revokes service account name (needs admin): its key stops working and its rules go. Errors:
 * CAIRN_NOT_FOUND / SECRETS_SERVICE_ACCOUNT_NOT_FOUND. */
CAIRN_API cairn_status cairn_secrets_revoke_service_account(cairn_engine* engine, const char* org,
                                                            const char* name, const char* actor);

/**
 * Every secret of org/project/env in *out (a secret: release it with cairn_crypto_secret_free()),
 * as format "dotenv" (KEY="value" lines, sorted, with \\, \" and \n escapes) or "json" (an
 * object); NULL: "dotenv". expand non-zero replaces ${KEY}, ${env.KEY} and ${project.env.KEY} in
 * every value (read access is checked for each, with cairn_secrets_get()'s limits per value); 0
 * exports the values as stored. The whole environment is read in one call with one audit entry,
 * which names the referenced secrets. Errors: CAIRN_INVALID_ARGUMENT / SECRETS_FORMAT_INVALID;
 * with expand, the reference errors of cairn_secrets_get().
 */
CAIRN_API cairn_status cairn_secrets_export(char** out, cairn_engine* engine, const char* org,
                                            const char* project, const char* env, const char* actor,
                                            const char* format, int expand);
/**
 * Sets every KEY of document (format "dotenv" or "json"; NULL: "dotenv") whose value differs;
 * how many in *out_count. Errors: CAIRN_INVALID_ARGUMENT / SECRETS_IMPORT_INVALID (the message
 * names the line; nothing is set), SECRETS_FORMAT_INVALID.
 */
CAIRN_API cairn_status cairn_secrets_import(int64_t* out_count, cairn_engine* engine,
                                            const char* org, const char* project, const char* env,
                                            const char* document, const char* actor,
                                            const char* format);
/**
 * Re-wraps every data key under new_master_key (64 hex characters) in one atomic step, audited as
 * actor (NULL: "system"); for the host's key management code: no access check is made. The
 * engine goes on with the new key; afterwards the database opens only with it (an engine opened
 * with the old one fails with CAIRN_FAILED_PRECONDITION / SECRETS_MASTER_KEY_MISMATCH). Errors:
 * CAIRN_INVALID_ARGUMENT / SECRETS_MASTER_KEY_INVALID; nothing changes on failure.
 */
CAIRN_API cairn_status cairn_secrets_rotate_master_key(cairn_engine* engine,
                                                       const char* new_master_key,
                                                       const char* actor);

/* ---- Jobs: cron schedules and retry backoff ---------------------------------------------- */

/**
 * The first whole minute strictly after `after_micros` (unix microseconds) matching the 5-field
 * cron `expression` (ranges, steps, lists, names, @hourly/@daily/@weekly/@monthly/@yearly; when
 * both day fields are restricted either may match), with the fields read at the fixed offset
 * UTC+`utc_offset_minutes`. Writes unix microseconds to *out_micros.
 * Errors: CAIRN_INVALID_ARGUMENT / JOB_CRON_INVALID, CAPI_NULL_ARGUMENT. Thread-safe.
 */
CAIRN_API cairn_status cairn_jobs_cron_next(int64_t* out_micros, const char* expression,
                                            int64_t after_micros, int32_t utc_offset_minutes);

/** A retry policy: how long to wait before each retry and how many attempts in all. Fields are only
 * ever appended; initialise with CAIRN_JOBS_RETRY_POLICY_INIT. */
typedef struct cairn_jobs_retry_policy {
  uint32_t version;     /**< CAIRN_JOBS_RETRY_POLICY_VERSION */
  int64_t min_delay_ms; /**< the first retry's delay; doubles each retry */
  int64_t max_delay_ms; /**< the cap on the delay */
  int32_t attempts;     /**< runs in all, the first one included */
  int jitter;           /**< non-zero: each delay is a uniform draw from [half, all] of it */
} cairn_jobs_retry_policy;

#define CAIRN_JOBS_RETRY_POLICY_VERSION 1
#define CAIRN_JOBS_RETRY_POLICY_INIT \
  { CAIRN_JOBS_RETRY_POLICY_VERSION, 1000, 600000, 5, 0 }

/**
 * The delay in milliseconds before retry number `attempt` (0-based) under `policy`:
 * min(min_delay * 2^attempt, max_delay), or, with jitter, a uniform draw from [half, all] of it.
 * Errors: CAIRN_INVALID_ARGUMENT / JOB_RETRY_POLICY_INVALID, CAPI_OPTIONS_VERSION_UNSUPPORTED,
 * CAPI_NULL_ARGUMENT. Thread-safe.
 */
CAIRN_API cairn_status cairn_jobs_retry_backoff_ms(int64_t* out_ms,
                                                   const cairn_jobs_retry_policy* policy,
                                                   int32_t attempt);

/* ---- Jobs: the in-memory DAG executor ------------------------------------------------------
 * (see include/cairn/jobs/dag.hpp)
 *
 * A cairn_jobs_dag is a graph of C callbacks and the order between them, run to completion in
 * memory (nothing is persisted) on a work-stealing thread pool:
 *
 *   cairn_jobs_dag* dag; size_t load, sum;
 *   cairn_jobs_dag_new(&dag);
 *   cairn_jobs_dag_add(&load, dag, load_fn, &state);
 *   cairn_jobs_dag_add(&sum, dag, sum_fn, &state);
 *   cairn_jobs_dag_precede(dag, load, sum);            (load runs before sum)
 *   cairn_jobs_dag_run(dag, 0);                        (blocks until every task ran)
 *   cairn_jobs_dag_free(dag);
 *
 * A callback cannot report failure and must not throw (if it is C++) or longjmp out: every task
 * runs. Callbacks run on several threads at once, so what they share needs its own locking; the
 * edges alone order a task after those that precede it (its writes are visible to them).
 * A cairn_jobs_dag is not thread-safe: use it from one thread at a time, and do not change or run
 * it from inside one of its own tasks. Running other dags from a task is fine. */

/** A graph of tasks. Created by cairn_jobs_dag_new, released by cairn_jobs_dag_free. Not
 * thread-safe. */
typedef struct cairn_jobs_dag cairn_jobs_dag;

/** A new empty dag in *out. Errors: CAIRN_INVALID_ARGUMENT / CAPI_NULL_ARGUMENT. */
CAIRN_API cairn_status cairn_jobs_dag_new(cairn_jobs_dag** out);
/** Releases a dag and the worker threads it started; NULL is ignored. No run may be in progress. */
CAIRN_API void cairn_jobs_dag_free(cairn_jobs_dag* dag);
/**
 * Adds a task that calls fn(ctx) and writes its index (0, 1, 2, ... in the order of adding) to
 * *out_node. ctx is passed through untouched and must stay valid while the dag runs. Errors:
 * CAIRN_INVALID_ARGUMENT / CAPI_NULL_ARGUMENT (out_node, dag or fn NULL).
 */
CAIRN_API cairn_status cairn_jobs_dag_add(size_t* out_node, cairn_jobs_dag* dag,
                                          void (*fn)(void* ctx), void* ctx);
/**
 * Makes task `before` run before task `after`. Cycles are found by cairn_jobs_dag_run. Errors:
 * CAIRN_INVALID_ARGUMENT / JOB_DAG_NODE_INVALID (an index the dag does not have),
 * CAPI_NULL_ARGUMENT.
 */
CAIRN_API cairn_status cairn_jobs_dag_precede(cairn_jobs_dag* dag, size_t before, size_t after);
/**
 * Runs every task once, each after all the tasks that precede it, on `workers` threads (the
 * calling thread included; 0: one per core), and returns when all have run. The threads are
 * kept for the next run with the same worker count. Errors: CAIRN_INVALID_ARGUMENT /
 * JOB_DEPENDENCY_CYCLE (no task ran), CAPI_NULL_ARGUMENT; CAIRN_FAILED_PRECONDITION / JOB_DAG_BUSY
 * (a task of the dag runs the dag itself). A C callback cannot fail the run; a C++ callback that
 * throws despite the rule above stops it: no task starts after that, and the result is
 * CAIRN_INTERNAL / JOB_TASK_FAILED.
 */
CAIRN_API cairn_status cairn_jobs_dag_run(cairn_jobs_dag* dag, unsigned workers);

/* ---- Content: content-addressed IDs, file descriptors, action tokens, blob store ----------
 * (see the headers in include/cairn/content/)
 *
 * IDs are Cloudillo's "<prefix><version>~<base64url-nopad(digest)>"; version 1 is SHA-256, so a
 * blob ID is "b1~" and 43 characters. Blob IDs hash raw bytes ("b"), file IDs a descriptor's text
 * ("f"), action IDs a compact token's text exactly as received ("a"). Functions that take no
 * handle are pure and thread-safe; the two handle types below state their own thread-safety.
 * Text and IDs come back in char ** out-parameters (cairn_free()); on error every out-parameter
 * is NULL (or 0). */

/** The size of one ID in the buffer of cairn_content_blob_ids_batch(): a version-1 blob ID ("b1~"
 * and 43 characters) and its NUL. */
#define CAIRN_CONTENT_BLOB_ID_SIZE 47

/**
 * The ID of data under prefix with the current version ("<prefix>1~..."). Errors:
 * CAIRN_INVALID_ARGUMENT / CAPI_NULL_ARGUMENT, CONTENT_ID_MALFORMED (prefix is not one or more
 * ASCII letters).
 */
CAIRN_API cairn_status cairn_content_hash_id(char** out_id, const char* prefix, const uint8_t* data,
                                             size_t len);
/** The blob ID of data ("b1~..."). Errors: CAIRN_INVALID_ARGUMENT / CAPI_NULL_ARGUMENT. */
CAIRN_API cairn_status cairn_content_blob_id(char** out_id, const uint8_t* data, size_t len);
/** The file ID of a descriptor's text ("f1~..."; the text is hashed as it is, not
 * canonicalized). Errors: CAIRN_INVALID_ARGUMENT / CAPI_NULL_ARGUMENT. */
CAIRN_API cairn_status cairn_content_file_id(char** out_id, const char* descriptor);
/** The action ID of a compact token's text ("a1~..."). Errors: CAIRN_INVALID_ARGUMENT /
 * CAPI_NULL_ARGUMENT. */
CAIRN_API cairn_status cairn_content_action_id(char** out_id, const char* token);
/**
 * The blob IDs of count inputs (inputs[i], lengths[i]) into out, which holds count *
 * CAIRN_CONTENT_BLOB_ID_SIZE bytes: ID i is the NUL-terminated string at
 * out + i * CAIRN_CONTENT_BLOB_ID_SIZE. The hashing is spread over up to `threads` threads (0: one
 * per core); small batches stay on the calling thread. Errors: CAIRN_INVALID_ARGUMENT /
 * CAPI_NULL_ARGUMENT.
 */
CAIRN_API cairn_status cairn_content_blob_ids_batch(char* out, const uint8_t* const* inputs,
                                                    const size_t* lengths, size_t count,
                                                    unsigned threads);
/**
 * *out_ok = 1 when id is well-formed and is the ID of data under its own prefix and version,
 * else 0 (a malformed ID is simply not the ID of data). Errors: CAIRN_INVALID_ARGUMENT /
 * CAPI_NULL_ARGUMENT.
 */
CAIRN_API cairn_status cairn_content_verify_id(int* out_ok, const char* id, const uint8_t* data,
                                               size_t len);
/**
 * Parses id: its prefix in *out_prefix (cairn_free()), its version in *out_version and its
 * decoded digest in *out_digest / *out_digest_len (cairn_free(); 32 bytes for version 1).
 * Errors: CAIRN_INVALID_ARGUMENT / CAPI_NULL_ARGUMENT, CONTENT_ID_MALFORMED (an empty or
 * non-letter prefix, no version or '~', a character outside base64url, padding, a digest of the
 * wrong length, non-canonical base64url), CONTENT_ID_VERSION_UNKNOWN.
 */
CAIRN_API cairn_status cairn_content_parse_id(char** out_prefix, uint32_t* out_version,
                                              uint8_t** out_digest, size_t* out_digest_len,
                                              const char* id);

/** A streaming ID hasher: update any number of times, then finish. Use from one thread at a
 * time. Released with cairn_content_id_hasher_free(). */
typedef struct cairn_content_id_hasher cairn_content_id_hasher;

/** A new hasher for IDs under prefix (current version). Errors: CAIRN_INVALID_ARGUMENT /
 * CAPI_NULL_ARGUMENT, CONTENT_ID_MALFORMED (prefix is not one or more ASCII letters). */
CAIRN_API cairn_status cairn_content_id_hasher_new(cairn_content_id_hasher** out,
                                                   const char* prefix);
/** Absorbs len bytes of data. Errors: CAIRN_INVALID_ARGUMENT / CAPI_NULL_ARGUMENT. */
CAIRN_API cairn_status cairn_content_id_hasher_update(cairn_content_id_hasher* hasher,
                                                      const uint8_t* data, size_t len);
/** The ID of everything absorbed in *out_id (equal to cairn_content_hash_id() of it all); the
 * hasher starts a new message. Errors: CAIRN_INVALID_ARGUMENT / CAPI_NULL_ARGUMENT. */
CAIRN_API cairn_status cairn_content_id_hasher_finish(char** out_id,
                                                      cairn_content_id_hasher* hasher);
/** Releases a hasher. NULL is ok. */
CAIRN_API void cairn_content_id_hasher_free(cairn_content_id_hasher* hasher);

/* Content: file descriptors ("d2,[R=<root>;]<name>:<blob id>:f=<format>:s=<size>:r=<w>x<h>
 * [:dur=<s>][:br=<kbps>][:pg=<n>];...") as JSON
 *
 *   descriptor: {"root": "f1~..." or null, "variants": [variant, ...]}
 *   variant:    {"name", "blob_id", "format", "size", "width", "height"[, "duration"]
 *                [, "bitrate"][, "pages"]}
 * size is in bytes, width and height in pixels, duration in seconds (a number), bitrate in kbps,
 * pages a count; the last three appear only when present. Functions that take a descriptor also
 * take a bare array of variants (no root); there "duration", "bitrate" and "pages" may be null,
 * a variant may carry "available" (a boolean, default true; cairn_content_best_variant() skips
 * unavailable variants), and any other member is refused. */

/**
 * Parses descriptor text (d2, or legacy d1~; lenient as Cloudillo is: empty segments and unknown
 * properties are skipped, a missing f= means "avif") into a descriptor JSON object in *out_json,
 * variants in text order. Errors: CAIRN_INVALID_ARGUMENT / CAPI_NULL_ARGUMENT,
 * CONTENT_DESCRIPTOR_MALFORMED (another prefix, an entry without a blob ID, s= or r=, a bad
 * number, a field that could not be written back).
 */
CAIRN_API cairn_status cairn_content_descriptor_parse(char** out_json, const char* text);
/**
 * The canonical d2 text of the descriptor in json (entries sorted by size, width, height, name;
 * dur=, br=, pg= only when present and non-zero) in *out_text; its file ID is
 * cairn_content_file_id() of that text. Errors: CAIRN_INVALID_ARGUMENT / CAPI_NULL_ARGUMENT,
 * CONTENT_DESCRIPTOR_INVALID (not JSON of the shape above, or a field the text cannot hold: an
 * empty name, blob ID or format, one with ':' ';' ',' or a control character, a name starting
 * "R=", a negative duration, a root with ';'; the message names the field).
 */
CAIRN_API cairn_status cairn_content_descriptor_format(char** out_text, const char* json);
/**
 * The variant to serve for requested ("vis.sd", "sd", a custom name; NULL or "": the original),
 * chosen among the available variants of json as Cloudillo chooses (see
 * include/cairn/content/descriptor.hpp), as a variant JSON object in *out_variant_json.
 * Errors: CAIRN_INVALID_ARGUMENT / CAPI_NULL_ARGUMENT, CONTENT_DESCRIPTOR_INVALID (json);
 * CAIRN_NOT_FOUND / CONTENT_VARIANT_NOT_FOUND (no available variant of the requested class).
 */
CAIRN_API cairn_status cairn_content_best_variant(char** out_variant_json, const char* json,
                                                  const char* requested);
/**
 * Parses a variant name: its class ("vis", "vid", "aud", "doc", "raw") in *out_class and quality
 * ("pf", "tn", "sd", "md", "hd", "xd", "orig") in *out_quality, both static storage. "orig" is
 * (raw, orig); a plain quality ("sd") is visual. Errors: CAIRN_INVALID_ARGUMENT /
 * CAPI_NULL_ARGUMENT, CONTENT_VARIANT_NAME_INVALID.
 */
CAIRN_API cairn_status cairn_content_parse_variant_name(const char** out_class,
                                                        const char** out_quality, const char* name);

/* Content: Cloudillo's action tokens, ES384 (P-384) compact JWTs carrying one federated action
 *
 * Times are microseconds since the Unix epoch (the token's own "iat" and "exp" claims are whole
 * seconds). A decoded or verified action comes back as a JSON object:
 *   {"action_id", "issuer", "key_id", "type", "subtype" (null: none), "parent", "audience",
 *    "subject" (each null when absent), "attachments": [file IDs], "issued_at_micros",
 *    "expires_at_micros" (null: none), "claims": {...}}
 * where "claims" is the token's claims JSON text exactly as the token carries it. */

/** The key ID of a key made at unix_micros: its UTC date as "YYMMDD", in *out. Errors:
 * CAIRN_INVALID_ARGUMENT / CAPI_NULL_ARGUMENT. */
CAIRN_API cairn_status cairn_content_action_key_id(char** out, int64_t unix_micros);
/** CAIRN_OK when id_tag is a canonical id tag (a lower-case LDH DNS name, 5-62 characters).
 * Errors: CAIRN_INVALID_ARGUMENT / CAPI_NULL_ARGUMENT, CONTENT_ID_TAG_INVALID. */
CAIRN_API cairn_status cairn_content_check_id_tag(const char* id_tag);
/**
 * Signs the action claims_json (a JSON object of Cloudillo's claims: iss, k, t, c, p, a, aud,
 * sub, iat, exp, f, v, _) with key (P-384) under key_id ("YYMMDD") and puts the compact token in
 * *out_token. "k" is set to key_id and "iat" to now when absent; the claims are written in
 * Cloudillo's order; the action must pass the checks of cairn_content_verify_action_token().
 * Errors: CAIRN_INVALID_ARGUMENT / CAPI_NULL_ARGUMENT, CONTENT_ACTION_INVALID (not an object, an
 * unknown claim or one of the wrong type, "k" other than key_id, a field the type requires
 * missing or one it forbids present), CONTENT_ACTION_TYPE_UNKNOWN, CONTENT_ID_TAG_INVALID,
 * CONTENT_ACTION_KEY_INVALID (not a P-384 key, or key_id not six digits).
 */
CAIRN_API cairn_status cairn_content_create_action_token(char** out_token, const char* claims_json,
                                                         const cairn_crypto_private_key* key,
                                                         const char* key_id,
                                                         int64_t now_unix_micros);
/**
 * Checks token as Cloudillo's inbox does at now_unix_micros: the ES384 signature under key, "exp"
 * (when present) and "iat" with leeway_seconds of tolerance, the required claims, id tags, and
 * the type's rules; the action in *out_json. Errors: CAIRN_UNAUTHENTICATED / AUTH_TOKEN_INVALID
 * (malformed or a bad signature), AUTH_JWT_ALGORITHM_REJECTED (not ES384), AUTH_TOKEN_EXPIRED,
 * AUTH_TOKEN_NOT_YET_VALID, AUTH_JWT_CLAIM_MISSING; CAIRN_INVALID_ARGUMENT / CAPI_NULL_ARGUMENT,
 * CONTENT_ACTION_INVALID, CONTENT_ACTION_TYPE_UNKNOWN, CONTENT_ID_TAG_INVALID,
 * CONTENT_ACTION_KEY_INVALID (key is not P-384).
 */
CAIRN_API cairn_status cairn_content_verify_action_token(char** out_json, const char* token,
                                                         const cairn_crypto_public_key* key,
                                                         int64_t leeway_seconds,
                                                         int64_t now_unix_micros);
/**
 * The action of token in *out_json without checking the signature or the type rules (to find
 * the issuer's key by "issuer" and "key_id" before verifying). Errors: CAIRN_INVALID_ARGUMENT /
 * CAPI_NULL_ARGUMENT, CONTENT_ACTION_INVALID.
 */
CAIRN_API cairn_status cairn_content_decode_action_token(char** out_json, const char* token);
/**
 * Verifies the Merkle chain of an action bottom up and puts its action ID in *out_action_id:
 * every blob of every variant of every attached file hashes to its b1~ ID, every descriptor to
 * the f1~ ID it is filed under, every attachment has its descriptor, and (expected_action_id not
 * NULL) the token hashes to expected_action_id. descriptors_json is a JSON object of file ID to
 * descriptor text (NULL: none); the blobs are blob_count IDs blob_ids[i] with bytes
 * (blob_data[i], blob_lens[i]) (a repeated ID: the last counts). The signature is not checked
 * (see cairn_content_verify_action_token()). Errors: CAIRN_DATA_LOSS / CONTENT_HASH_MISMATCH
 * naming the lowest ID whose content does not hash to it; CAIRN_NOT_FOUND /
 * CONTENT_BLOB_NOT_FOUND, CONTENT_DESCRIPTOR_NOT_FOUND; CAIRN_INVALID_ARGUMENT /
 * CAPI_NULL_ARGUMENT, CONTENT_ACTION_INVALID, CONTENT_DESCRIPTOR_MALFORMED (also for
 * descriptors_json that is not such an object), CONTENT_ID_MALFORMED.
 */
CAIRN_API cairn_status cairn_content_verify_tree(char** out_action_id, const char* token,
                                                 const char* descriptors_json,
                                                 const char* const* blob_ids,
                                                 const uint8_t* const* blob_data,
                                                 const size_t* blob_lens, size_t blob_count,
                                                 const char* expected_action_id);

/* Content: the blob store, immutable blobs kept under their blob ID per tenant (an integer >= 0)
 *
 * Every function taking an ID accepts any canonical ID (CAIRN_INVALID_ARGUMENT /
 * CONTENT_ID_MALFORMED or CONTENT_ID_VERSION_UNKNOWN otherwise); a tenant below 0 is
 * CAIRN_INVALID_ARGUMENT / CONTENT_TENANT_INVALID; file system failures are CAIRN_UNAVAILABLE /
 * CONTENT_BLOB_STORE_IO. Reads return the stored bytes without hashing them again;
 * cairn_content_blob_store_verify() re-hashes. */

/**
 * A blob store. Thread-safe: one store may be used from many threads at once (a file: store also
 * from several processes on one directory). Released with cairn_content_blob_store_free().
 */
typedef struct cairn_content_blob_store cairn_content_blob_store;

/**
 * Reads the next bytes of a stream for cairn_content_blob_store_put_stream(): writes at most cap
 * bytes to buf and their number to *out_read (0: the stream has ended; it starts at 0), and returns
 * 0; any other return value aborts the put. Called on the thread of the put, only during it.
 */
typedef int (*cairn_content_blob_read_fn)(void* ctx, uint8_t* buf, size_t cap, size_t* out_read);

/**
 * Opens the store named by uri: "memory:" (in this process; gone when freed) or "file:<dir>"
 * ("file:/abs/dir", "file:///abs/dir", "file:relative/dir"; created 0700 when missing, blobs
 * stored 0600 at <dir>/<tenant>/<h[0..2]>/<h[2..4]>/<id> as Cloudillo lays them out). Errors:
 * CAIRN_INVALID_ARGUMENT / CAPI_NULL_ARGUMENT, CONTENT_BLOB_STORE_URI_INVALID (another scheme, no
 * path, a host part, not UTF-8); CAIRN_UNAVAILABLE / CONTENT_BLOB_STORE_IO (the directory cannot
 * be created or is not one).
 */
CAIRN_API cairn_status cairn_content_blob_store_open(cairn_content_blob_store** out,
                                                     const char* uri);
/** Releases a store (a memory: store's blobs with it). NULL is ok. */
CAIRN_API void cairn_content_blob_store_free(cairn_content_blob_store* store);
/**
 * Stores data for tenant and puts its ID ("b1~...") in *out_id; storing a blob already there
 * succeeds. With expected_id (not NULL), data must hash to exactly that ID, else nothing is
 * stored. Errors: CAIRN_DATA_LOSS / CONTENT_HASH_MISMATCH (data is not expected_id);
 * CAIRN_RESOURCE_EXHAUSTED / CONTENT_BLOB_STORE_FULL; the errors above.
 */
CAIRN_API cairn_status cairn_content_blob_store_put(char** out_id, cairn_content_blob_store* store,
                                                    int64_t tenant, const uint8_t* data, size_t len,
                                                    const char* expected_id);
/**
 * As cairn_content_blob_store_put(), reading the data with read_fn(ctx, ...) until it reports the
 * end; the blob is hashed as it streams and never held in memory whole by a file: store. A failed
 * or aborted put stores nothing. Errors: those of cairn_content_blob_store_put(); CAIRN_CANCELLED /
 * CAPI_CALLBACK_ABORTED (read_fn returned non-zero); CAIRN_INVALID_ARGUMENT /
 * CONTENT_STREAM_INVALID (read_fn claimed more than cap bytes).
 */
CAIRN_API cairn_status cairn_content_blob_store_put_stream(char** out_id,
                                                           cairn_content_blob_store* store,
                                                           int64_t tenant,
                                                           cairn_content_blob_read_fn read_fn,
                                                           void* ctx, const char* expected_id);
/** The bytes of blob id in *out / *out_len (cairn_free()). Errors: CAIRN_NOT_FOUND /
 * CONTENT_BLOB_NOT_FOUND; the errors above. */
CAIRN_API cairn_status cairn_content_blob_store_get(uint8_t** out, size_t* out_len,
                                                    cairn_content_blob_store* store, int64_t tenant,
                                                    const char* id);
/**
 * Up to length bytes of blob id from offset in *out / *out_len (cairn_free()): a range reaching
 * past the end is cut there, and offset equal to the size gives no bytes. Errors: those of
 * cairn_content_blob_store_get(); CAIRN_OUT_OF_RANGE / CONTENT_RANGE_INVALID (offset beyond the
 * end).
 */
CAIRN_API cairn_status cairn_content_blob_store_get_range(uint8_t** out, size_t* out_len,
                                                          cairn_content_blob_store* store,
                                                          int64_t tenant, const char* id,
                                                          uint64_t offset, uint64_t length);
/** The size in bytes of blob id in *out_size, and when it was last stored (microseconds since
 * the Unix epoch) in *out_modified_micros (may be NULL). Errors: those of
 * cairn_content_blob_store_get().
 */
CAIRN_API cairn_status cairn_content_blob_store_stat(uint64_t* out_size,
                                                     int64_t* out_modified_micros,
                                                     cairn_content_blob_store* store,
                                                     int64_t tenant, const char* id);
/** *out = 1 when blob id is stored, else 0. Errors: the errors above. */
CAIRN_API cairn_status cairn_content_blob_store_exists(int* out, cairn_content_blob_store* store,
                                                       int64_t tenant, const char* id);
/** Removes blob id; removing a blob that is not there succeeds. Errors: the errors above. */
CAIRN_API cairn_status cairn_content_blob_store_remove(cairn_content_blob_store* store,
                                                       int64_t tenant, const char* id);
/** The IDs of every blob of tenant, sorted, as a JSON array of strings in *out_json. Errors: the
 * errors above. */
CAIRN_API cairn_status cairn_content_blob_store_list(char** out_json,
                                                     cairn_content_blob_store* store,
                                                     int64_t tenant);
/**
 * Reads blob id in full and checks that it still hashes to id. Errors: CAIRN_DATA_LOSS /
 * CONTENT_HASH_MISMATCH (the stored copy is damaged); those of cairn_content_blob_store_get().
 */
CAIRN_API cairn_status cairn_content_blob_store_verify(cairn_content_blob_store* store,
                                                       int64_t tenant, const char* id);

/* ---- Board: projects, posts, votes, comments, statuses, ranking, search, merging ----------
 * (see include/cairn/board/service.hpp and docs/board.md)
 *
 * Every engine has a board. Actors, authors, users and viewers are the caller's user ids; the
 * engine records them but never refuses an operation because of who asks (that is the caller's
 * decision). Statuses are "open", "planned", "in_progress", "done", "declined"
 * (BOARD_STATUS_INVALID); categories "feedback", "bug", "feature", "question"
 * (BOARD_CATEGORY_INVALID); sorts "newest", "oldest", "most_votes", "least_votes",
 * "recently_updated", "trending", "hot" (BOARD_SORT_INVALID). Bad input is CAIRN_INVALID_ARGUMENT
 * with a BOARD_* reason and stores nothing; a missing project, post or comment is CAIRN_NOT_FOUND
 * / BOARD_PROJECT_NOT_FOUND, BOARD_POST_NOT_FOUND, BOARD_COMMENT_NOT_FOUND; changing a merged
 * post is CAIRN_FAILED_PRECONDITION / BOARD_POST_MERGED.
 *
 * Records come back as JSON in char ** out-parameters (cairn_free()); times are integers,
 * microseconds since the Unix epoch:
 *   project: {"id", "slug", "name", "description", "created_at_micros"}
 *   post:    {"id", "project_id", "project" (the slug), "title", "description", "status",
 *             "category", "tags" (array), "author", "vote_count", "comment_count",
 *             "created_at_micros", "updated_at_micros", "merged_into" (null or a post id),
 *             "official_comment_id" (null or a comment id), "voted" (for the viewer)}
 *   comment: {"id", "post_id", "parent_id" (null or a comment id), "author", "content",
 *             "created_at_micros", "updated_at_micros", "edited", "deleted"} (a deleted comment
 *             is a tombstone: empty author and content)
 *   status change: {"post_id", "from", "to", "actor", "note", "at_micros"}
 *   page:    {"items": [post, ...], "next_cursor": null or text}
 * On error every out-parameter is NULL (or 0). */

/** Creates a project; the project in *out_json. slug: [a-z0-9-]{1,64} (BOARD_SLUG_INVALID); name:
 * 1-100 characters (BOARD_PROJECT_NAME_INVALID); description may be NULL. Errors:
 * CAIRN_ALREADY_EXISTS / BOARD_PROJECT_EXISTS. */
CAIRN_API cairn_status cairn_board_create_project(char** out_json, cairn_engine* engine,
                                                  const char* slug, const char* name,
                                                  const char* description);
/** The project with this slug in *out_json. Errors: BOARD_PROJECT_NOT_FOUND. */
CAIRN_API cairn_status cairn_board_project(char** out_json, cairn_engine* engine, const char* slug);
/** Every project, ordered by slug, as a JSON array in *out_json. */
CAIRN_API cairn_status cairn_board_projects(char** out_json, cairn_engine* engine);

/** Creates an open post in project (a slug); the post in *out_json. title: 1-200 characters
 * after trimming (BOARD_TITLE_INVALID); description: NULL or at most 50,000 characters
 * (BOARD_DESCRIPTION_INVALID); category: NULL ("feedback") or a category name; tags: tag_count
 * tags of [a-z0-9-]{1,32}, at most 10 (BOARD_TAG_INVALID; tags may be NULL when tag_count is 0).
 * Errors: BOARD_USER_INVALID; BOARD_PROJECT_NOT_FOUND. */
CAIRN_API cairn_status cairn_board_create_post(char** out_json, cairn_engine* engine,
                                               const char* project, const char* author,
                                               const char* title, const char* description,
                                               const char* category, const char* const* tags,
                                               size_t tag_count);
/** The post in *out_json, with "voted" for viewer (NULL: nobody). Merged posts are returned
 * (see "merged_into"); deleted ones are BOARD_POST_NOT_FOUND. */
CAIRN_API cairn_status cairn_board_get_post(char** out_json, cairn_engine* engine,
                                            const char* post_id, const char* viewer);
/** Changes a post's title, description or category (each NULL: unchanged) and, when set_tags is
 * non-zero, its tags; the post afterwards in *out_json. Errors: as cairn_board_create_post();
 * BOARD_POST_NOT_FOUND; BOARD_POST_MERGED. */
CAIRN_API cairn_status cairn_board_update_post(char** out_json, cairn_engine* engine,
                                               const char* post_id, const char* title,
                                               const char* description, const char* category,
                                               int set_tags, const char* const* tags,
                                               size_t tag_count, const char* actor);
/** Deletes a post: it disappears from every read. Errors: BOARD_POST_NOT_FOUND. */
CAIRN_API cairn_status cairn_board_delete_post(cairn_engine* engine, const char* post_id,
                                               const char* actor);

/** Toggles user's vote; *out_voted = 1 when the user now votes for the post, else 0. Errors:
 * BOARD_USER_INVALID; BOARD_POST_NOT_FOUND; BOARD_POST_MERGED. */
CAIRN_API cairn_status cairn_board_vote(int* out_voted, cairn_engine* engine, const char* post_id,
                                        const char* user);
/** Makes user vote (voted non-zero) or not, idempotently; {"voted", "changed", "vote_count"} in
 * *out_json. Errors: as cairn_board_vote(). */
CAIRN_API cairn_status cairn_board_set_vote(char** out_json, cairn_engine* engine,
                                            const char* post_id, const char* user, int voted);

/** Adds a comment (a reply when parent_id is not NULL); the comment in *out_json. content: 1-10,000
 * characters after trimming (BOARD_COMMENT_INVALID). Errors: BOARD_POST_NOT_FOUND;
 * BOARD_POST_MERGED; BOARD_COMMENT_NOT_FOUND (no such parent); BOARD_PARENT_INVALID (the parent
 * is deleted or on another post). */
CAIRN_API cairn_status cairn_board_comment(char** out_json, cairn_engine* engine,
                                           const char* post_id, const char* author,
                                           const char* content, const char* parent_id);
/** Replaces a live comment's content; the comment in *out_json. Errors: BOARD_COMMENT_INVALID;
 * BOARD_COMMENT_NOT_FOUND. */
CAIRN_API cairn_status cairn_board_edit_comment(char** out_json, cairn_engine* engine,
                                                const char* comment_id, const char* content,
                                                const char* actor);
/** Deletes a comment (a tombstone while it has live replies). Errors: BOARD_COMMENT_NOT_FOUND. */
CAIRN_API cairn_status cairn_board_delete_comment(cairn_engine* engine, const char* comment_id,
                                                  const char* actor);
/** The post's comments in thread order (each followed by its replies, oldest first) as a JSON
 * array in *out_json. Errors: BOARD_POST_NOT_FOUND. */
CAIRN_API cairn_status cairn_board_comments(char** out_json, cairn_engine* engine,
                                            const char* post_id);
/** Pins a live comment of the post as its official response (comment_id NULL: unpins); the post
 * in *out_json. Errors: BOARD_POST_NOT_FOUND; BOARD_COMMENT_NOT_FOUND. */
CAIRN_API cairn_status cairn_board_set_official_comment(char** out_json, cairn_engine* engine,
                                                        const char* post_id, const char* comment_id,
                                                        const char* actor);

/** Sets a post's status (a change is recorded with actor, time and note, which may be NULL: at
 * most 2,000 characters, BOARD_NOTE_INVALID); the post in *out_json. Errors: BOARD_STATUS_INVALID;
 * BOARD_POST_NOT_FOUND; BOARD_POST_MERGED. */
CAIRN_API cairn_status cairn_board_set_status(char** out_json, cairn_engine* engine,
                                              const char* post_id, const char* status,
                                              const char* actor, const char* note);
/** The post's status changes, oldest first, as a JSON array in *out_json. */
CAIRN_API cairn_status cairn_board_status_history(char** out_json, cairn_engine* engine,
                                                  const char* post_id);

/** What cairn_board_list_posts() lists. NULL strings do not filter. Fields are only appended. */
typedef struct cairn_board_query {
  uint32_t version;     /**< CAIRN_BOARD_QUERY_VERSION */
  const char* sort;     /**< NULL: "newest" */
  const char* status;   /**< only posts with this status */
  const char* category; /**< only posts of this category */
  const char* tag;      /**< only posts with this tag */
  const char* author;   /**< only posts by this user */
  const char* voted_by; /**< only posts this user votes for */
  const char* viewer;   /**< fills "voted" */
  int32_t limit;        /**< 1..100 (BOARD_LIMIT_INVALID) */
  const char* cursor;   /**< "next_cursor" of the previous page; NULL: the first page */
} cairn_board_query;

#define CAIRN_BOARD_QUERY_VERSION 1
#define CAIRN_BOARD_QUERY_INIT \
  { CAIRN_BOARD_QUERY_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 20, NULL }

/**
 * One page of the project's live, unmerged posts in *out_json ({"items", "next_cursor"}); query
 * may be NULL for the defaults. Later pages (query->cursor) rank as of the first page's time, so
 * they neither repeat nor skip posts while posts and votes arrive. Errors: BOARD_SORT_INVALID,
 * BOARD_STATUS_INVALID, BOARD_CATEGORY_INVALID, BOARD_TAG_INVALID, BOARD_USER_INVALID,
 * BOARD_LIMIT_INVALID, BOARD_CURSOR_INVALID, CAPI_OPTIONS_VERSION_UNSUPPORTED;
 * BOARD_PROJECT_NOT_FOUND.
 */
CAIRN_API cairn_status cairn_board_list_posts(char** out_json, cairn_engine* engine,
                                              const char* project, const cairn_board_query* query);
/** Up to limit (1..100) posts whose title or description contain every word of query (prefixes
 * match, case-insensitive), best first, as a JSON array in *out_json, "voted" for viewer (may be
 * NULL). Errors: BOARD_QUERY_INVALID, BOARD_LIMIT_INVALID; BOARD_PROJECT_NOT_FOUND. */
CAIRN_API cairn_status cairn_board_search(char** out_json, cairn_engine* engine,
                                          const char* project, const char* query, int32_t limit,
                                          const char* viewer);
/** Merges post source_id into target_id: votes move without counting a user twice, comments
 * move, the source points at the target. The target afterwards in *out_json. Errors:
 * BOARD_POST_NOT_FOUND; BOARD_POST_MERGED; BOARD_MERGE_INVALID (the same post, or two projects). */
CAIRN_API cairn_status cairn_board_merge(char** out_json, cairn_engine* engine,
                                         const char* source_id, const char* target_id,
                                         const char* actor);
/** The post's votes and live comments counted from the stored rows. Errors:
 * BOARD_POST_NOT_FOUND. */
CAIRN_API cairn_status cairn_board_recount(int64_t* out_votes, int64_t* out_comments,
                                           cairn_engine* engine, const char* post_id);

/* ---- Records: JSON records in named collections --------------------------------------------
 * (see include/cairn/records/service.hpp and docs/records.md)
 *
 * The small document store a program builds its own entities on. A collection is declared once
 * with its unique and indexed fields (top-level fields holding text, integers or booleans); only
 * indexed fields may be filtered or ordered by. JSON goes in and out as text; this layer only
 * translates it, every rule is the engine's:
 *   spec:    {"unique": ["name", ...], "indexes": ["folder", ...]} (either member may be left out)
 *   where:   {"field": value, ...}, each value text, an integer or a boolean; every condition must
 *            hold (field == value)
 *   record:  {"id", "version", "value" (the record's JSON object, compact), "created_at_micros",
 *            "updated_at_micros"} (times: microseconds since the Unix epoch)
 *   page:    {"items": [record, ...], "next_cursor": null (the last page) or text}
 *   writes:  [{"id": "a", "value": {...}, "expected_version": null or n (may be left out)}, ...]
 * A JSON argument that is not valid JSON or not of the shape above is CAIRN_INVALID_ARGUMENT /
 * CAPI_JSON_INVALID. Versions: 1 when a record is created, +1 per write. expected_version (a
 * pointer, NULL: write whatever is there) makes a write compare-and-swap: 0 means "must not
 * exist", n "must be at version n"; otherwise CAIRN_ABORTED / RECORDS_VERSION_CONFLICT and nothing
 * changes. Every call is atomic. Errors of every call on a collection: CAIRN_NOT_FOUND /
 * RECORDS_COLLECTION_NOT_FOUND, CAIRN_INVALID_ARGUMENT / RECORDS_COLLECTION_NAME_INVALID,
 * CAPI_NULL_ARGUMENT; CAIRN_UNAVAILABLE / STORAGE_BUSY. On error every out-parameter is NULL (or
 * 0). All functions are thread-safe. */

/** Declares collection (1-64 bytes of [a-z0-9_], starting with a letter) with spec_json (NULL: no
 * unique or indexed fields). Declaring it again with the same spec, in any order, does nothing.
 * Errors: RECORDS_FIELD_NAME_INVALID, RECORDS_SPEC_INVALID; CAIRN_FAILED_PRECONDITION /
 * RECORDS_COLLECTION_SPEC_MISMATCH (declared before with another spec). */
CAIRN_API cairn_status cairn_records_define(cairn_engine* engine, const char* collection,
                                            const char* spec_json);
/** The spec collection was declared with, as JSON in *out_json ({"unique", "indexes"}). */
CAIRN_API cairn_status cairn_records_spec(char** out_json, cairn_engine* engine,
                                          const char* collection);
/** Every declared collection's name, sorted, as a JSON array in *out_json. */
CAIRN_API cairn_status cairn_records_collections(char** out_json, cairn_engine* engine);

/** Creates or replaces record id (1-128 bytes of [A-Za-z0-9._:@-]) with value_json (a JSON
 * object); its new version in *out_version. Errors: RECORDS_ID_INVALID, RECORDS_VALUE_INVALID
 * (not a JSON object), RECORDS_VALUE_TOO_LARGE, RECORDS_FIELD_VALUE_INVALID (an indexed field
 * holding an object, an array, a fraction or over-long text); CAIRN_ABORTED /
 * RECORDS_VERSION_CONFLICT; CAIRN_ALREADY_EXISTS / RECORDS_UNIQUE_VIOLATION (the message names the
 * field). */
CAIRN_API cairn_status cairn_records_put(int64_t* out_version, cairn_engine* engine,
                                         const char* collection, const char* id,
                                         const char* value_json, const int64_t* expected_version);
/** Record id as JSON in *out_json, or NULL (with CAIRN_OK) when there is none. Errors:
 * RECORDS_ID_INVALID. */
CAIRN_API cairn_status cairn_records_get(char** out_json, cairn_engine* engine,
                                         const char* collection, const char* id);
/** Deletes record id for good (the id may be used again, from version 1). Errors:
 * RECORDS_ID_INVALID; CAIRN_NOT_FOUND / RECORDS_RECORD_NOT_FOUND; CAIRN_ABORTED /
 * RECORDS_VERSION_CONFLICT. */
CAIRN_API cairn_status cairn_records_delete(cairn_engine* engine, const char* collection,
                                            const char* id, const int64_t* expected_version);

/** What cairn_records_list() lists. Fields are only appended. */
typedef struct cairn_records_list_options {
  uint32_t version;       /**< CAIRN_RECORDS_LIST_OPTIONS_VERSION */
  const char* where_json; /**< NULL: every record */
  /** NULL or "created_at" (the default), "updated_at", "id", or an indexed field; ties are
   * broken by id. Records without the field come first (ascending). */
  const char* order_by;
  int descending;     /**< non-zero: the other way round */
  int32_t limit;      /**< 1..1000 (RECORDS_LIMIT_INVALID) */
  const char* cursor; /**< "next_cursor" of the previous page; NULL: the first page */
} cairn_records_list_options;

#define CAIRN_RECORDS_LIST_OPTIONS_VERSION 1
#define CAIRN_RECORDS_LIST_OPTIONS_INIT \
  { CAIRN_RECORDS_LIST_OPTIONS_VERSION, NULL, NULL, 0, 100, NULL }

/** One page of the collection's records matching options->where_json, in options->order_by
 * order, as JSON in *out_json ({"items", "next_cursor"}); options may be NULL for the defaults.
 * Cursors are stable: records written while a listing is paged through are neither repeated nor
 * skipped unless their sort key changed. Errors: RECORDS_FIELD_NOT_INDEXED (a where or order_by
 * field that is not indexed), RECORDS_LIMIT_INVALID, RECORDS_CURSOR_INVALID (not a cursor of
 * this listing), CAPI_OPTIONS_VERSION_UNSUPPORTED. */
CAIRN_API cairn_status cairn_records_list(char** out_json, cairn_engine* engine,
                                          const char* collection,
                                          const cairn_records_list_options* options);
/** How many records match where_json (NULL: all of them) in *out_count. Errors:
 * RECORDS_FIELD_NOT_INDEXED. */
CAIRN_API cairn_status cairn_records_count(int64_t* out_count, cairn_engine* engine,
                                           const char* collection, const char* where_json);
/** Writes every record of writes_json (see above) into collection at once, or none of them; their
 * new versions, in order, as a JSON array in *out_json. Errors: as cairn_records_put() (the first
 * failing record decides; its id is in the message); RECORDS_BATCH_INVALID (no records, over
 * 1000, or an id twice). */
CAIRN_API cairn_status cairn_records_put_many(char** out_json, cairn_engine* engine,
                                              const char* collection, const char* writes_json);

/* Persistent tasks (engine.jobs) */

/**
 * The engine's persistent task scheduler (cairn/jobs/scheduler.hpp): tasks kept in the engine's
 * database with priorities, dedup keys, dependencies, retries with backoff, cron schedules,
 * timeouts, cancellation, leases and events. Handlers are C callbacks run on the scheduler's
 * worker threads (after cairn_jobs_scheduler_start) or on the thread calling
 * cairn_jobs_scheduler_run_pending.
 *
 *   cairn_jobs_retry_policy retry = CAIRN_JOBS_RETRY_POLICY_INIT;
 *   cairn_jobs_enqueue_options options = CAIRN_JOBS_ENQUEUE_OPTIONS_INIT;
 *   options.priority = "high";
 *   options.retry = &retry;
 *   cairn_jobs_scheduler_register(engine, "resize", resize_fn, &app, 0);
 *   cairn_jobs_scheduler_enqueue(&id, engine, "resize", "{\"file\":\"f1~...\"}", 20, &options);
 *   cairn_jobs_scheduler_start(engine, 1, 2, 1);
 *   cairn_jobs_scheduler_wait(&task_json, engine, id, 30000);
 *
 * All functions are thread-safe.
 */

/** A run of a task as its handler sees it; borrowed for the duration of the handler's call. */
typedef struct cairn_jobs_task_context cairn_jobs_task_context;

/** The task's id. */
CAIRN_API int64_t cairn_jobs_task_context_id(const cairn_jobs_task_context* run);
/** 1 for the task's first run. */
CAIRN_API int32_t cairn_jobs_task_context_attempt(const cairn_jobs_task_context* run);
/** *out_cancelled = 1 once the task was cancelled or its timeout passed (the handler should
 * return), else 0. Errors: CAIRN_INVALID_ARGUMENT / CAPI_NULL_ARGUMENT. */
CAIRN_API cairn_status cairn_jobs_task_context_cancelled(int* out_cancelled,
                                                         const cairn_jobs_task_context* run);
/** Sets the run's output (copied; text, JSON by convention). Without it the output is "". */
CAIRN_API void cairn_jobs_task_context_set_output(cairn_jobs_task_context* run, const char* data,
                                                  size_t len);
/** Sets the reason and message a failing handler reports (copied; NULL keeps the defaults
 * JOB_HANDLER_FAILED and "the handler failed"). */
CAIRN_API void cairn_jobs_task_context_set_error(cairn_jobs_task_context* run, const char* reason,
                                                 const char* message);

/**
 * A task handler: returns CAIRN_OK for success, or the error code of the failure. A code that is
 * not retryable (cairn_error's retryable flag; the error table's retryable column) fails the task
 * at once; others are retried under its policy. `input` is the task's input; input[input_len] is
 * a NUL, so text inputs can be used as C strings.
 */
typedef cairn_status (*cairn_jobs_task_handler)(void* ctx, cairn_jobs_task_context* run,
                                                const char* input, size_t input_len);

/**
 * Registers (or replaces) the handler for `kind`; this engine then claims tasks of that kind.
 * `ctx` is passed to every call and must stay valid until the engine is closed or the kind is
 * registered again. max_concurrency caps running tasks of the kind across every process (0: no
 * cap). Errors: JOB_KIND_INVALID, JOB_OPTIONS_INVALID; CAPI_NULL_ARGUMENT.
 */
CAIRN_API cairn_status cairn_jobs_scheduler_register(cairn_engine* engine, const char* kind,
                                                     cairn_jobs_task_handler handler, void* ctx,
                                                     int32_t max_concurrency);

/** How cairn_jobs_scheduler_enqueue() adds a task. Fields are only ever appended; initialise with
 * CAIRN_JOBS_ENQUEUE_OPTIONS_INIT. Zero and NULL fields keep the defaults. */
typedef struct cairn_jobs_enqueue_options {
  uint32_t version;      /**< CAIRN_JOBS_ENQUEUE_OPTIONS_VERSION */
  const char* key;       /**< a dedup key: a pending task with it is updated in place; NULL: none */
  int64_t run_at_micros; /**< when to run, microseconds since the Unix epoch; 0: now */
  int64_t delay_ms;      /**< or: how long from now (not with run_at_micros); 0: now */
  const int64_t* depends_on; /**< ids of tasks that must end first; NULL when the count is 0 */
  size_t depends_on_count;
  const char* on_dependency_failure;    /**< "cancel" (NULL) or "run" */
  const char* priority;                 /**< "high", "medium" (NULL) or "low" */
  const cairn_jobs_retry_policy* retry; /**< borrowed for the call; NULL: never retried */
  const char* cron;                     /**< a 5-field cron expression: the task recurs */
  int32_t cron_utc_offset_minutes;      /**< the offset the cron fields are read at */
  int64_t timeout_ms;                   /**< how long a run may take; 0: no limit */
} cairn_jobs_enqueue_options;

#define CAIRN_JOBS_ENQUEUE_OPTIONS_VERSION 1
#define CAIRN_JOBS_ENQUEUE_OPTIONS_INIT \
  { CAIRN_JOBS_ENQUEUE_OPTIONS_VERSION, NULL, 0, 0, NULL, 0, NULL, NULL, NULL, NULL, 0, 0 }

/**
 * Adds a task of `kind` with `input` (input_len bytes) under options (NULL: the defaults) and puts
 * its id in *out_id. Errors: JOB_OPTIONS_INVALID (options that do not fit together),
 * JOB_KIND_INVALID, JOB_PRIORITY_INVALID, JOB_RETRY_POLICY_INVALID, JOB_CRON_INVALID,
 * JOB_DEPENDENCY_CYCLE, JOB_DEPENDENCY_INVALID, CAPI_OPTIONS_VERSION_UNSUPPORTED,
 * CAPI_NULL_ARGUMENT; NOT_FOUND / JOB_TASK_NOT_FOUND (a dependency).
 */
CAIRN_API cairn_status cairn_jobs_scheduler_enqueue(int64_t* out_id, cairn_engine* engine,
                                                    const char* kind, const char* input,
                                                    size_t input_len,
                                                    const cairn_jobs_enqueue_options* options);

/**
 * The task as a JSON object in *out_json: id, kind, input, key (null when none), state
 * ("pending", "running", "done", "failed", "cancelled"), priority, run_at_micros,
 * created_at_micros, updated_at_micros, retry (null or {"min_delay_ms", "max_delay_ms",
 * "attempts", "jitter"}), cron
 * (null or text), cron_utc_offset_minutes, timeout_ms, on_dependency_failure, depends_on, attempts,
 * output, and errors (every failed run's "CODE REASON: message"). Errors: JOB_TASK_NOT_FOUND.
 */
CAIRN_API cairn_status cairn_jobs_scheduler_get(char** out_json, cairn_engine* engine, int64_t id);

/** Cancels a pending task at once or asks a running one to stop; *out_state (static storage)
 * is the state afterwards ("running" while the cancel is pending). Errors: JOB_TASK_NOT_FOUND. */
CAIRN_API cairn_status cairn_jobs_scheduler_cancel(const char** out_state, cairn_engine* engine,
                                                   int64_t id);

/** Waits up to timeout_ms for the task to end; *out_json is the task as it is then (see
 * cairn_jobs_scheduler_get). Errors: JOB_TASK_NOT_FOUND. */
CAIRN_API cairn_status cairn_jobs_scheduler_wait(char** out_json, cairn_engine* engine, int64_t id,
                                                 int64_t timeout_ms);

/** Runs due tasks of the registered kinds on the calling thread until none is due or max_tasks
 * ran (max_tasks < 0: no limit); *out_ran is how many ran. */
CAIRN_API cairn_status cairn_jobs_scheduler_run_pending(int32_t* out_ran, cairn_engine* engine,
                                                        int32_t max_tasks);

/** Deletes the finished tasks (done, failed, cancelled) of `kind` (NULL or "": any kind) whose
 * last change is more than older_than_ms before now, with their errors; *out_count is how many.
 * A task that a pending or running task depends on stays until that task ends; pending and
 * running tasks (cron tasks among them) are never deleted, nor is the newest task (ids are never
 * reused). Errors: JOB_PURGE_INVALID (older_than_ms negative or over 100 years),
 * JOB_KIND_INVALID. */
CAIRN_API cairn_status cairn_jobs_scheduler_purge_finished(int64_t* out_count, cairn_engine* engine,
                                                           int64_t older_than_ms, const char* kind);

/** Starts worker threads: `high` run only high tasks, `medium` high then medium, `low` any.
 * Errors: JOB_SCHEDULER_RUNNING; JOB_OPTIONS_INVALID (negative, none, or over 256 in all). */
CAIRN_API cairn_status cairn_jobs_scheduler_start(cairn_engine* engine, int32_t high,
                                                  int32_t medium, int32_t low);

/** Stops the workers after their current runs; idempotent. cairn_engine_close() does it too. */
CAIRN_API cairn_status cairn_jobs_scheduler_stop(cairn_engine* engine);

/** Called on every task state change: type is "queued", "started", "retrying", "done", "failed"
 * or "cancelled"; error is "" unless the run failed or a dependency's failure cancelled the task.
 * The strings are borrowed for the call. Runs on the thread that made the change. */
typedef void (*cairn_jobs_task_event_fn)(void* ctx, const char* type, int64_t task_id,
                                         const char* kind, int32_t attempt, const char* error);

/** Subscribes fn (with ctx, which must stay valid until unsubscribed) and puts the subscription
 * id in *out_id. */
CAIRN_API cairn_status cairn_jobs_scheduler_subscribe(uint64_t* out_id, cairn_engine* engine,
                                                      cairn_jobs_task_event_fn fn, void* ctx);
/** Ends a subscription: no delivery starts after it returns, though one already under way on
 * another thread may still be running (after cairn_jobs_scheduler_stop() and with no other thread
 * calling the engine, none is). */
CAIRN_API cairn_status cairn_jobs_scheduler_unsubscribe(cairn_engine* engine, uint64_t id);

/** How cairn_jobs_scheduler_list() selects a page of tasks. Fields are only ever appended;
 * initialise with CAIRN_JOBS_LIST_OPTIONS_INIT. NULL fields do not filter. */
typedef struct cairn_jobs_list_options {
  uint32_t version;       /**< CAIRN_JOBS_LIST_OPTIONS_VERSION */
  const char* kind;       /**< only tasks of this kind */
  const char* state;      /**< only tasks in this state: a name cairn_jobs_scheduler_counts uses */
  const char* key_prefix; /**< only tasks whose key starts with these bytes (% and _ literal) */
  int32_t limit;          /**< tasks per page, 1..1000 (the INIT macro: 100) */
  const char* cursor;     /**< the previous page's next_cursor (same filter); NULL: first page */
} cairn_jobs_list_options;

#define CAIRN_JOBS_LIST_OPTIONS_VERSION 1
#define CAIRN_JOBS_LIST_OPTIONS_INIT \
  { CAIRN_JOBS_LIST_OPTIONS_VERSION, NULL, NULL, NULL, 100, NULL }

/**
 * A page of tasks in ascending id order as a JSON object in *out_json (free with cairn_free):
 * {"items": [task, ...], "next_cursor": text or null}, each task as cairn_jobs_scheduler_get
 * gives it; next_cursor is null when no further task matched when the page was read. Pass it
 * back, with the same filter, for the next page: walking to the end sees every task that matched
 * throughout once, tasks added meanwhile included. options NULL: the first 100 tasks of any kind.
 * Errors: CAIRN_INVALID_ARGUMENT / JOB_LIST_INVALID (limit outside 1..1000, a key prefix over 256
 * bytes or not UTF-8), JOB_STATE_INVALID, JOB_KIND_INVALID, JOB_CURSOR_INVALID (malformed or made
 * for another filter), CAPI_OPTIONS_VERSION_UNSUPPORTED.
 */
CAIRN_API cairn_status cairn_jobs_scheduler_list(char** out_json, cairn_engine* engine,
                                                 const cairn_jobs_list_options* options);

/**
 * How many tasks are in each state now, as a JSON object in *out_json (free with cairn_free):
 * {"pending", "scheduled", "blocked", "running", "lease_expired", "done", "failed",
 * "cancelled"}. "pending" counts every pending task, "scheduled" (due later) and "blocked" (a
 * dependency is pending or running; blocked wins over scheduled) among them; "running" counts
 * every running task, "lease_expired" (its worker stopped renewing the lease) among them.
 */
CAIRN_API cairn_status cairn_jobs_scheduler_counts(char** out_json, cairn_engine* engine);

#ifdef __cplusplus
}
#endif

#endif /* CAIRN_H_ */
