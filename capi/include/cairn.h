/* cairn.h: the C ABI of cairn, an embeddable engine for self-hosted services.
 *
 * Conventions (after libgit2 and SQLite):
 *  - Every fallible function returns a cairn_status: CAIRN_OK (0) or an error code with the same
 *    number as cairn::ErrorCode (google.rpc numbering). cairn_error_last() then tells the code,
 *    a stable SCREAMING_SNAKE reason ("STORAGE_URI_INVALID") and a message for people.
 *  - Out-parameters come first and are named out. What a function returns through `**out` belongs
 *    to the caller and is released with the matching _free/_close function (which accepts NULL) or,
 *    for char buffers, with cairn_free().
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
#define CAIRN_ERROR_CODE(enumerator, wire, number, http, pyclass, pybase) CAIRN_##wire = number,
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

/** Releases a buffer the library allocated and handed over (char ** out-parameters). NULL is ok. */
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
} cairn_engine_options;

#define CAIRN_ENGINE_OPTIONS_VERSION 1
#define CAIRN_ENGINE_OPTIONS_INIT \
  { CAIRN_ENGINE_OPTIONS_VERSION, CAIRN_ABI_VERSION, NULL, 5000 }

/**
 * Fills opts with the defaults of options version `version` (pass CAIRN_ENGINE_OPTIONS_VERSION).
 * Returns CAIRN_OK, or CAIRN_INVALID_ARGUMENT / CAPI_NULL_ARGUMENT or
 * CAPI_OPTIONS_VERSION_UNSUPPORTED.
 */
CAIRN_API cairn_status cairn_engine_options_init(cairn_engine_options* opts, unsigned int version);

/**
 * Opens the database at uri ("memory:", "sqlite:path/app.db", "sqlite:///abs/app.db"), creating
 * and migrating it as needed. opts may be NULL for the defaults.
 * Errors: CAIRN_INVALID_ARGUMENT / STORAGE_URI_INVALID, CAPI_NULL_ARGUMENT, ENGINE_OPTIONS_INVALID,
 * CAPI_OPTIONS_VERSION_UNSUPPORTED; CAIRN_FAILED_PRECONDITION / CAPI_ABI_MISMATCH,
 * STORAGE_SCHEMA_TOO_NEW; CAIRN_UNIMPLEMENTED / STORAGE_BACKEND_UNAVAILABLE; CAIRN_UNAVAILABLE /
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
CAIRN_API cairn_status cairn_engine_created_at(int64_t* out, const cairn_engine* engine);

/**
 * A JSON object describing the engine: {"uri", "backend", "schema_version", "instance_id",
 * "created_at_micros", "version"}. Release *out with cairn_free().
 */
CAIRN_API cairn_status cairn_engine_describe(char** out, const cairn_engine* engine);

#ifdef __cplusplus
}
#endif

#endif /* CAIRN_H_ */
