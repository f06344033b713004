/* The C ABI's auth: passwords, API keys, token files, JWTs, rate limiters, and the engine's users,
 * sessions, API keys and login codes on memory: and sqlite:. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cairn.h"
#include "harness.h"
#include "json_probe.h"

static char temp_dir[64];

/* 2026-01-01T00:00:00Z, the fake env's start in every engine test. */
#define T0 INT64_C(1767225600000000)
#define SECOND INT64_C(1000000)
#define MINUTE (60 * SECOND)
#define HOUR (60 * MINUTE)
#define DAY (24 * HOUR)

#define CHECK_REASON(r) CHECK_STR_EQ(cairn_error_last()->reason, (r))

/* The number of objects in a JSON array of flat objects. */
static int count_objects(const char* json) {
  int n = 0;
  for (; json != NULL && *json != '\0'; json++) n += *json == '{';
  return n;
}

/* cairn_auth_token_api_key_checksum_ok() as a value: 1, 0, or -1 for an error. */
static int checksum_ok(const char* key) {
  int ok = -1;
  return cairn_auth_token_api_key_checksum_ok(&ok, key) == CAIRN_OK ? ok : -1;
}

/* cairn_auth_jwt_decode() with every option set through cairn_auth_jwt_verify_options. */
static cairn_status jwt_decode(char** claims, const char* token,
                               const cairn_auth_jwt_key* const* keys, size_t keys_count,
                               const char* const* algorithms, size_t algorithms_count,
                               const char* audience, const char* issuer, int64_t leeway_seconds,
                               int64_t now_micros) {
  cairn_auth_jwt_verify_options options = CAIRN_AUTH_JWT_VERIFY_OPTIONS_INIT;
  options.algorithms = algorithms;
  options.algorithms_count = algorithms_count;
  options.audience = audience;
  options.issuer = issuer;
  options.leeway_seconds = leeway_seconds;
  return cairn_auth_jwt_decode(claims, token, keys, keys_count, &options, now_micros);
}

/* cairn_auth_create_api_key() with every option set through cairn_auth_api_key_options. */
static cairn_status create_api_key(char** key, char** secret, cairn_engine* engine,
                                   const char* owner_id, const char* prefix, const char* name,
                                   const char* const* scopes, size_t scopes_count,
                                   int64_t expires_at_micros) {
  cairn_auth_api_key_options options = CAIRN_AUTH_API_KEY_OPTIONS_INIT;
  options.prefix = prefix;
  options.name = name;
  options.scopes = scopes;
  options.scopes_count = scopes_count;
  options.expires_at_micros = expires_at_micros;
  return cairn_auth_create_api_key(key, secret, engine, owner_id, &options);
}

/* Passwords */

/* Made with Python's argon2-cffi 21.1 (Debian): argon2.low_level.hash_secret(b"password",
 * b"somesalt", time_cost=2, memory_cost=19456, parallelism=1, hash_len=32, type=Type.ID). */
static const char* kPythonArgon2id =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$PL01amPyeUuxG7H0vIr5X+qHkZvWnHmGBGXFYvh8z2E";
/* The same with type=Type.I: a valid hash of a variant cairn refuses. */
static const char* kPythonArgon2i =
    "$argon2i$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$ZQtVoIvv4LCxG3PDoH8q01Z7lZKnNcPd0LDCITjwEmQ";

static void test_password_hash_and_verify(void) {
  char* phc = (char*)&phc;
  int match = -1;
  CHECK(cairn_crypto_password_hash(&phc, "correct horse battery") == CAIRN_OK);
  CHECK(phc != NULL && strncmp(phc, "$argon2id$v=19$m=19456,t=2,p=1$", 31) == 0);
  CHECK(cairn_crypto_password_verify(&match, phc, "correct horse battery") == CAIRN_OK);
  CHECK(match == 1);
  CHECK(cairn_crypto_password_verify(&match, phc, "correct horse batterY") == CAIRN_OK);
  CHECK(match == 0);
  cairn_free(phc);

  CHECK(cairn_crypto_password_verify(&match, kPythonArgon2id, "password") == CAIRN_OK);
  CHECK(match == 1);
  CHECK(cairn_crypto_password_verify(&match, kPythonArgon2id, "Password") == CAIRN_OK);
  CHECK(match == 0);

  match = -1;
  CHECK(cairn_crypto_password_verify(&match, "not a hash", "password") == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CRYPTO_PASSWORD_HASH_INVALID");
  CHECK(match == 0);
  CHECK(cairn_crypto_password_verify(&match, kPythonArgon2i, "password") == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CRYPTO_PASSWORD_HASH_UNSUPPORTED");

  phc = (char*)&phc;
  CHECK(cairn_crypto_password_hash(&phc, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(phc == NULL);
  CHECK(cairn_crypto_password_hash(NULL, "x") == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_crypto_password_verify(NULL, kPythonArgon2id, "password") == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_crypto_password_verify(&match, NULL, "password") == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
}

/* API keys */

/* Made with Python: 30 characters, then zlib.crc32() of them in base62 (0-9 A-Z a-z), 6 wide. */
static const char* kPythonApiKey = "cr_sa_abcdefghijklmnopqrstuvwxyz01232LolCm";

static void test_api_keys(void) {
  char *key = NULL, *other = NULL;
  char mistyped[64];
  CHECK(cairn_auth_token_generate_api_key(&key, "cr_sa") == CAIRN_OK);
  CHECK(key != NULL && strncmp(key, "cr_sa_", 6) == 0 && strlen(key) == 6 + 36);
  CHECK(checksum_ok(key) == 1);
  CHECK(cairn_auth_token_generate_api_key(&other, "cr_sa_") == CAIRN_OK);
  CHECK(other != NULL && strncmp(other, "cr_sa_", 6) == 0 && strlen(other) == 42);
  CHECK(other != NULL && key != NULL && strcmp(key, other) != 0);

  /* One character changed, in the random part and in the checksum. */
  strcpy(mistyped, key);
  mistyped[10] = mistyped[10] == 'a' ? 'b' : 'a';
  CHECK(checksum_ok(mistyped) == 0);
  strcpy(mistyped, key);
  mistyped[41] = mistyped[41] == '0' ? '1' : '0';
  CHECK(checksum_ok(mistyped) == 0);
  cairn_crypto_secret_free(key);
  cairn_free(other);

  CHECK(checksum_ok(kPythonApiKey) == 1);
  CHECK(checksum_ok("cr_sa_abcdefghijklmnopqrstuvwxyz01232LolCn") == 0);
  CHECK(checksum_ok("cr_sa_short") == 0);
  CHECK(checksum_ok("") == 0);
  CHECK(checksum_ok(NULL) == -1);

  CHECK(cairn_auth_normalize_email(&other, " \tAda@Example.COM ") == CAIRN_OK);
  CHECK(other != NULL && strcmp(other, "ada@example.com") == 0);
  cairn_free(other);
  other = NULL;
  CHECK(cairn_auth_normalize_email(&other, "\nada@example.com") == CAIRN_INVALID_ARGUMENT);
  CHECK(other == NULL && strcmp(cairn_error_last()->reason, "AUTH_EMAIL_INVALID") == 0);
  CHECK(cairn_auth_normalize_email(NULL, "ada@example.com") == CAIRN_INVALID_ARGUMENT);

  key = (char*)&key;
  CHECK(cairn_auth_token_generate_api_key(&key, "Bad-Prefix") == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("AUTH_KEY_PREFIX_INVALID");
  CHECK(key == NULL);
  CHECK(cairn_auth_token_generate_api_key(&key, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
}

/* Token files */

static void test_token_files(void) {
  char path[128], dir[128];
  char* token = NULL;
  struct stat st;
  snprintf(dir, sizeof dir, "%s/tokens", temp_dir);
  snprintf(path, sizeof path, "%s/tokens/session", temp_dir);

  CHECK(cairn_auth_token_file_write(path, "cairn_s_abc123") == CAIRN_OK);
  CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
  CHECK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700);
  CHECK(cairn_auth_token_file_read(&token, path) == CAIRN_OK);
  CHECK(token != NULL && strcmp(token, "cairn_s_abc123") == 0);
  cairn_free(token);

  /* Replaced atomically, still 0600. */
  CHECK(cairn_auth_token_file_write(path, "cairn_s_def456") == CAIRN_OK);
  CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
  CHECK(cairn_auth_token_file_read(&token, path) == CAIRN_OK);
  CHECK(token != NULL && strcmp(token, "cairn_s_def456") == 0);
  cairn_free(token);

  CHECK(chmod(path, 0644) == 0);
  token = (char*)&token;
  CHECK(cairn_auth_token_file_read(&token, path) == CAIRN_PERMISSION_DENIED);
  CHECK_REASON("AUTH_TOKEN_FILE_MODE");
  CHECK(token == NULL);
  CHECK(chmod(path, 0600) == 0);
  CHECK(cairn_auth_token_file_read(&token, path) == CAIRN_OK);
  cairn_free(token);

  snprintf(path, sizeof path, "%s/tokens/missing", temp_dir);
  CHECK(cairn_auth_token_file_read(&token, path) == CAIRN_NOT_FOUND);
  CHECK_REASON("AUTH_TOKEN_FILE_NOT_FOUND");
  CHECK(cairn_auth_token_file_write(path, "two words") == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("AUTH_TOKEN_FILE_INVALID");
  CHECK(cairn_auth_token_file_write(path, "") == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("AUTH_TOKEN_FILE_INVALID");
  CHECK(access(path, F_OK) != 0);
  CHECK(cairn_auth_token_file_write(NULL, "x") == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(cairn_auth_token_file_read(&token, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
}

/* JWT */

static const char* kHmacSecret = "0123456789abcdef0123456789abcdef"; /* 32 bytes */
static const char* kClaims =
    "{\"sub\":\"user-1\",\"iss\":\"cairn-test\",\"aud\":\"cairn-api\",\"iat\":1767225600,"
    "\"exp\":1767229200,\"scope\":\"read write\"}";
/* Made with PyJWT 2.6 (Debian): jwt.encode(claims, secret, algorithm="HS256") with the claims and
 * secret above, as a Python dict in the same member order. PyJWT sorts header members, so its
 * header is cairn's {"alg":"HS256","typ":"JWT"} byte for byte. */
static const char* kPyJwtHs256 =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJzdWIiOiJ1c2VyLTEiLCJpc3MiOiJjYWlybi10ZXN0IiwiYXVkIjoiY2Fpcm4tYXBpIiwiaWF0IjoxNzY3MjI1NjAw"
    "LCJleHAiOjE3NjcyMjkyMDAsInNjb3BlIjoicmVhZCB3cml0ZSJ9."
    "CcaC3HONVnmRfE3I58oItndgHSa45A20l0ySXmzBaG0";
/* The same with headers={"kid": "k1"} (PyJWT's header: {"alg":"HS256","kid":"k1","typ":"JWT"}). */
static const char* kPyJwtHs256Kid =
    "eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIiwidHlwIjoiSldUIn0."
    "eyJzdWIiOiJ1c2VyLTEiLCJpc3MiOiJjYWlybi10ZXN0IiwiYXVkIjoiY2Fpcm4tYXBpIiwiaWF0IjoxNzY3MjI1NjAw"
    "LCJleHAiOjE3NjcyMjkyMDAsInNjb3BlIjoicmVhZCB3cml0ZSJ9."
    "-0J8yiXXKikKx91S8AcjGAQnFd7RHpAvDZ_TxCDMzEE";
/* {"alg":"none"} over the same claims, without a signature. */
static const char* kAlgNone =
    "eyJhbGciOiJub25lIn0."
    "eyJzdWIiOiJ1c2VyLTEiLCJpc3MiOiJjYWlybi10ZXN0IiwiYXVkIjoiY2Fpcm4tYXBpIiwiaWF0IjoxNzY3MjI1NjAw"
    "LCJleHAiOjE3NjcyMjkyMDAsInNjb3BlIjoicmVhZCB3cml0ZSJ9.";

#define IAT_MICROS (INT64_C(1767225600) * SECOND)
#define EXP_MICROS (INT64_C(1767229200) * SECOND)

static const char* const kHs256Only[1] = {"HS256"};

/* jwt_decode() of token with one key and one algorithm, audience "cairn-api", issuer
 * "cairn-test", no leeway; the claims are freed. */
static cairn_status decode_one(const char* token, const cairn_auth_jwt_key* key,
                               const char* algorithm, int64_t now) {
  char* claims = NULL;
  const cairn_auth_jwt_key* keys[1];
  const char* algorithms[1];
  cairn_status status;
  keys[0] = key;
  algorithms[0] = algorithm;
  status = jwt_decode(&claims, token, keys, 1, algorithms, 1, "cairn-api", "cairn-test", 0, now);
  CHECK((status == CAIRN_OK) == (claims != NULL));
  cairn_free(claims);
  return status;
}

static void test_jwt_hs256(void) {
  cairn_auth_jwt_key *key = NULL, *kid_key = NULL, *wrong = NULL;
  const cairn_auth_jwt_key* keys[2];
  const char* const no_algorithm[1] = {"none"};
  char *token = NULL, *claims = NULL, *jwk = (char*)&jwk;
  char tampered[512];
  const uint8_t* secret = (const uint8_t*)kHmacSecret;

  CHECK(cairn_auth_jwt_key_from_hmac(&key, secret, 32, NULL) == CAIRN_OK);
  CHECK_STR_EQ(cairn_auth_jwt_key_algorithm(key), "HS256");
  CHECK(cairn_auth_jwt_key_from_hmac(&kid_key, secret, 32, "k1") == CAIRN_OK);

  /* Known answer: cairn's token is PyJWT's, byte for byte. */
  CHECK(cairn_auth_jwt_encode(&token, kClaims, key) == CAIRN_OK);
  CHECK(token != NULL && strcmp(token, kPyJwtHs256) == 0);
  cairn_free(token);

  /* PyJWT's tokens verify, and the claims come back as they were signed. */
  keys[0] = key;
  CHECK(jwt_decode(&claims, kPyJwtHs256, keys, 1, kHs256Only, 1, "cairn-api", "cairn-test", 0,
                   IAT_MICROS + SECOND) == CAIRN_OK);
  CHECK(claims != NULL && strcmp(claims, kClaims) == 0);
  cairn_free(claims);
  CHECK(decode_one(kPyJwtHs256Kid, kid_key, "HS256", IAT_MICROS) == CAIRN_OK);
  CHECK(decode_one(kPyJwtHs256, kid_key, "HS256", IAT_MICROS) == CAIRN_OK);
  /* A kid the verifier does not know falls back to keys without a kid, never to another kid. */
  CHECK(decode_one(kPyJwtHs256Kid, key, "HS256", IAT_MICROS) == CAIRN_OK);
  CHECK(cairn_auth_jwt_key_from_hmac(&wrong, (const uint8_t*)"0123456789abcdef0123456789abcdef", 32,
                                     "other") == CAIRN_OK);
  CHECK(decode_one(kPyJwtHs256Kid, wrong, "HS256", IAT_MICROS) == CAIRN_UNAUTHENTICATED);
  CHECK_REASON("AUTH_TOKEN_INVALID");
  cairn_auth_jwt_key_free(wrong);
  wrong = NULL;

  /* Our own round trip with a kid. */
  CHECK(cairn_auth_jwt_encode(&token,
                              "{\"sub\":\"u2\",\"iss\":\"cairn-test\",\"aud\":\"cairn-api\"}",
                              kid_key) == CAIRN_OK);
  CHECK(decode_one(token, kid_key, "HS256", T0) == CAIRN_OK);
  cairn_free(token);

  /* Wrong secret, tampered claims. */
  CHECK(cairn_auth_jwt_key_from_hmac(&wrong, (const uint8_t*)"0123456789abcdef0123456789abcdeX", 32,
                                     NULL) == CAIRN_OK);
  CHECK(decode_one(kPyJwtHs256, wrong, "HS256", IAT_MICROS) == CAIRN_UNAUTHENTICATED);
  CHECK_REASON("AUTH_TOKEN_INVALID");
  strcpy(tampered, kPyJwtHs256);
  tampered[40] = tampered[40] == 'A' ? 'B' : 'A';
  CHECK(decode_one(tampered, key, "HS256", IAT_MICROS) == CAIRN_UNAUTHENTICATED);
  CHECK_REASON("AUTH_TOKEN_INVALID");

  /* Times: exp is exclusive, the leeway stretches it; iat in the future. */
  CHECK(decode_one(kPyJwtHs256, key, "HS256", EXP_MICROS - 1) == CAIRN_OK);
  CHECK(decode_one(kPyJwtHs256, key, "HS256", EXP_MICROS) == CAIRN_UNAUTHENTICATED);
  CHECK_REASON("AUTH_TOKEN_EXPIRED");
  CHECK(cairn_error_last()->retry_after_ms == 0);
  CHECK(jwt_decode(&claims, kPyJwtHs256, keys, 1, kHs256Only, 1, "cairn-api", "cairn-test", 60,
                   EXP_MICROS + 59 * SECOND) == CAIRN_OK);
  cairn_free(claims);
  CHECK(decode_one(kPyJwtHs256, key, "HS256", IAT_MICROS - SECOND) == CAIRN_UNAUTHENTICATED);
  CHECK_REASON("AUTH_TOKEN_NOT_YET_VALID");

  /* Audience and issuer. */
  claims = (char*)&claims;
  CHECK(jwt_decode(&claims, kPyJwtHs256, keys, 1, kHs256Only, 1, "other-api", "cairn-test", 0,
                   IAT_MICROS) == CAIRN_UNAUTHENTICATED);
  CHECK_REASON("AUTH_JWT_AUDIENCE_INVALID");
  CHECK(claims == NULL);
  CHECK(jwt_decode(&claims, kPyJwtHs256, keys, 1, kHs256Only, 1, NULL, "cairn-test", 0,
                   IAT_MICROS) == CAIRN_UNAUTHENTICATED);
  CHECK_REASON("AUTH_JWT_AUDIENCE_INVALID");
  CHECK(jwt_decode(&claims, kPyJwtHs256, keys, 1, kHs256Only, 1, "cairn-api", "someone", 0,
                   IAT_MICROS) == CAIRN_UNAUTHENTICATED);
  CHECK_REASON("AUTH_JWT_ISSUER_INVALID");
  CHECK(jwt_decode(&claims, kPyJwtHs256, keys, 1, kHs256Only, 1, "cairn-api", NULL, 0,
                   IAT_MICROS) == CAIRN_OK);
  cairn_free(claims);

  /* Algorithms: not accepted, "none", no list, an unknown name. */
  CHECK(decode_one(kPyJwtHs256, key, "ES256", IAT_MICROS) == CAIRN_UNAUTHENTICATED);
  CHECK_REASON("AUTH_JWT_ALGORITHM_REJECTED");
  CHECK(decode_one(kAlgNone, key, "HS256", IAT_MICROS) == CAIRN_UNAUTHENTICATED);
  CHECK_REASON("AUTH_JWT_ALGORITHM_REJECTED");
  CHECK(jwt_decode(&claims, kPyJwtHs256, keys, 1, NULL, 0, "cairn-api", "cairn-test", 0,
                   IAT_MICROS) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("AUTH_JWT_OPTIONS_INVALID");
  CHECK(jwt_decode(&claims, kPyJwtHs256, keys, 1, no_algorithm, 1, "cairn-api", "cairn-test", 0,
                   IAT_MICROS) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("AUTH_JWT_ALGORITHM_UNSUPPORTED");

  /* Two keys with one kid. */
  keys[0] = kid_key;
  keys[1] = kid_key;
  CHECK(jwt_decode(&claims, kPyJwtHs256Kid, keys, 2, kHs256Only, 1, "cairn-api", "cairn-test", 0,
                   IAT_MICROS) == CAIRN_ALREADY_EXISTS);
  CHECK_REASON("AUTH_JWT_KID_DUPLICATE");
  /* Two keys, the right one second. */
  keys[0] = wrong;
  keys[1] = key;
  CHECK(jwt_decode(&claims, kPyJwtHs256, keys, 2, kHs256Only, 1, "cairn-api", "cairn-test", 0,
                   IAT_MICROS) == CAIRN_OK);
  cairn_free(claims);

  /* Keys and claims that are refused. */
  CHECK(cairn_auth_jwt_key_to_jwk(&jwk, key) == CAIRN_FAILED_PRECONDITION);
  CHECK_REASON("AUTH_JWT_KEY_NOT_PUBLIC");
  CHECK(jwk == NULL);
  cairn_auth_jwt_key_free(wrong);
  wrong = (cairn_auth_jwt_key*)&wrong;
  CHECK(cairn_auth_jwt_key_from_hmac(&wrong, secret, 31, "short") == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("AUTH_JWT_KEY_WEAK");
  CHECK(wrong == NULL);
  CHECK(cairn_auth_jwt_encode(&token, "[1]", key) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("AUTH_JWT_CLAIMS_INVALID");
  CHECK(cairn_auth_jwt_encode(&token, "{\"exp\":\"tomorrow\"}", key) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("AUTH_JWT_CLAIMS_INVALID");

  /* NULLs. */
  keys[0] = key;
  CHECK(cairn_auth_jwt_key_from_hmac(&wrong, NULL, 32, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(cairn_auth_jwt_encode(&token, NULL, key) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(jwt_decode(&claims, kPyJwtHs256, NULL, 1, kHs256Only, 1, NULL, NULL, 0, T0) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(jwt_decode(&claims, kPyJwtHs256, keys, 1, NULL, 1, NULL, NULL, 0, T0) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK_STR_EQ(cairn_auth_jwt_key_algorithm(NULL), "");

  cairn_auth_jwt_key_free(key);
  cairn_auth_jwt_key_free(kid_key);
  cairn_auth_jwt_key_free(NULL);
}

/* Made with PyJWT 2.6 and python3-cryptography 38 (Debian): a P-256 key from
 * ec.generate_private_key(ec.SECP256R1()), its SPKI PEM, jwt.encode({"sub":"user-1",
 * "iss":"cairn-test","iat":1767225600,"exp":1767229200}, key, algorithm="ES256",
 * headers={"kid":"py-es"}), and jwt.algorithms.ECAlgorithm.to_jwk(public key) with a
 * "kid":"py-es" member added by hand. */
static const char* kPyEs256PublicPem =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEM8b/J6l7GbpjqQ4dXPbsKkMLl1JB\n"
    "y5VObZHNcGlY47vQOckA79HXAMPukOV0KnZlfM8OsKeMeWnCrkXzEe6PaA==\n"
    "-----END PUBLIC KEY-----\n";
static const char* kPyEs256Token =
    "eyJhbGciOiJFUzI1NiIsImtpZCI6InB5LWVzIiwidHlwIjoiSldUIn0."
    "eyJzdWIiOiJ1c2VyLTEiLCJpc3MiOiJjYWlybi10ZXN0IiwiaWF0IjoxNzY3MjI1NjAwLCJleHAiOjE3NjcyMjkyMDB9."
    "e9WOSOBRmeJXw0u8m5vxluLbN72a_lmWqL3Cl3JO9JtAwFn373NDNwU323ycaRXY1OhC0szH3RvhyqYaLNyPUw";
static const char* kPyEs256Jwk =
    "{\"kty\": \"EC\", \"crv\": \"P-256\", \"x\": \"M8b_J6l7GbpjqQ4dXPbsKkMLl1JBy5VObZHNcGlY47s\", "
    "\"y\": \"0DnJAO_R1wDD7pDldCp2ZXzPDrCnjHlpwq5F8xHuj2g\", \"kid\": \"py-es\"}";

/* jwt_decode() of token with one key and one algorithm, no audience and no issuer. */
static cairn_status verify(const char* token, const cairn_auth_jwt_key* key, const char* algorithm,
                           int64_t now, char** claims) {
  const cairn_auth_jwt_key* keys[1];
  const char* algorithms[1];
  keys[0] = key;
  algorithms[0] = algorithm;
  return jwt_decode(claims, token, keys, 1, algorithms, 1, NULL, NULL, 0, now);
}

static void test_jwt_es256_and_eddsa(void) {
  cairn_crypto_private_key* private_key = NULL;
  cairn_crypto_public_key* public_key = NULL;
  cairn_auth_jwt_key *signer = NULL, *verifier = NULL, *from_jwk = NULL, *hmac = NULL;
  char *token = NULL, *claims = NULL, *jwk = NULL;
  const char* es256_claims = "{\"sub\":\"svc\",\"exp\":1767229200}";

  CHECK(cairn_crypto_private_key_generate(&private_key, CAIRN_CRYPTO_SIG_ES256) == CAIRN_OK);
  CHECK(cairn_crypto_private_key_public_key(&public_key, private_key) == CAIRN_OK);
  CHECK(cairn_auth_jwt_key_from_private_key(&signer, private_key, "es1") == CAIRN_OK);
  CHECK(cairn_auth_jwt_key_from_public_key(&verifier, public_key, "es1") == CAIRN_OK);
  /* The JWT keys share the key material: the crypto handles may go. */
  cairn_crypto_private_key_free(private_key);
  cairn_crypto_public_key_free(public_key);
  CHECK_STR_EQ(cairn_auth_jwt_key_algorithm(signer), "ES256");
  CHECK_STR_EQ(cairn_auth_jwt_key_algorithm(verifier), "ES256");

  CHECK(cairn_auth_jwt_encode(&token, es256_claims, signer) == CAIRN_OK);
  CHECK(token != NULL && strncmp(token, "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImVzMSJ9.",
                                 53) == 0); /* {"alg":"ES256","typ":"JWT","kid":"es1"} */
  CHECK(verify(token, verifier, "ES256", T0, &claims) == CAIRN_OK);
  CHECK(claims != NULL && strcmp(claims, es256_claims) == 0);
  cairn_free(claims);
  CHECK(verify(token, signer, "ES256", T0, &claims) == CAIRN_OK);
  cairn_free(claims);
  CHECK(verify(token, verifier, "ES256", EXP_MICROS, &claims) == CAIRN_UNAUTHENTICATED);
  CHECK_REASON("AUTH_TOKEN_EXPIRED");
  CHECK(verify(token, verifier, "HS256", T0, &claims) == CAIRN_UNAUTHENTICATED);
  CHECK_REASON("AUTH_JWT_ALGORITHM_REJECTED");
  /* Algorithm confusion: an HMAC key under the token's kid is never tried with its header. */
  CHECK(cairn_auth_jwt_key_from_hmac(&hmac, (const uint8_t*)kHmacSecret, 32, "es1") == CAIRN_OK);
  CHECK(verify(token, hmac, "ES256", T0, &claims) == CAIRN_UNAUTHENTICATED);
  CHECK_REASON("AUTH_JWT_ALGORITHM_REJECTED");
  cairn_free(token);

  /* A verify-only key cannot sign. */
  token = (char*)&token;
  CHECK(cairn_auth_jwt_encode(&token, es256_claims, verifier) == CAIRN_FAILED_PRECONDITION);
  CHECK_REASON("AUTH_JWT_KEY_CANNOT_SIGN");
  CHECK(token == NULL);

  /* JWK out and back in. */
  CHECK(cairn_auth_jwt_key_to_jwk(&jwk, signer) == CAIRN_OK);
  CHECK(has(jwk, "\"kty\":\"EC\"") && has(jwk, "\"crv\":\"P-256\"") &&
        has(jwk, "\"alg\":\"ES256\"") && has(jwk, "\"kid\":\"es1\"") &&
        has(jwk, "\"use\":\"sig\""));
  CHECK(!has(jwk, "\"d\""));
  CHECK(cairn_auth_jwt_key_from_jwk(&from_jwk, jwk) == CAIRN_OK);
  cairn_free(jwk);
  CHECK(cairn_auth_jwt_encode(&token, es256_claims, signer) == CAIRN_OK);
  CHECK(verify(token, from_jwk, "ES256", T0, &claims) == CAIRN_OK);
  cairn_free(claims);
  cairn_free(token);
  cairn_auth_jwt_key_free(from_jwk);
  cairn_auth_jwt_key_free(signer);
  cairn_auth_jwt_key_free(verifier);
  cairn_auth_jwt_key_free(hmac);

  /* PyJWT's ES256 token, verified with its PEM and with its JWK. */
  CHECK(cairn_crypto_public_key_from_pem(&public_key, kPyEs256PublicPem) == CAIRN_OK);
  CHECK(cairn_auth_jwt_key_from_public_key(&verifier, public_key, "py-es") == CAIRN_OK);
  cairn_crypto_public_key_free(public_key);
  CHECK(verify(kPyEs256Token, verifier, "ES256", T0, &claims) == CAIRN_OK);
  CHECK(claims != NULL && strcmp(claims,
                                 "{\"sub\":\"user-1\",\"iss\":\"cairn-test\","
                                 "\"iat\":1767225600,\"exp\":1767229200}") == 0);
  cairn_free(claims);
  cairn_auth_jwt_key_free(verifier);
  CHECK(cairn_auth_jwt_key_from_jwk(&from_jwk, kPyEs256Jwk) == CAIRN_OK);
  CHECK(verify(kPyEs256Token, from_jwk, "ES256", T0, &claims) == CAIRN_OK);
  cairn_free(claims);
  cairn_auth_jwt_key_free(from_jwk);

  from_jwk = (cairn_auth_jwt_key*)&from_jwk;
  CHECK(cairn_auth_jwt_key_from_jwk(&from_jwk, "{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\"}") ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("AUTH_JWK_INVALID");
  CHECK(from_jwk == NULL);
  CHECK(cairn_auth_jwt_key_from_jwk(&from_jwk, "not json") == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("AUTH_JWK_INVALID");
  CHECK(cairn_auth_jwt_key_from_jwk(&from_jwk, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(cairn_auth_jwt_key_from_private_key(&signer, NULL, "x") == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(cairn_auth_jwt_key_from_public_key(&verifier, NULL, "x") == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");

  /* EdDSA (Ed25519) round trip. */
  CHECK(cairn_crypto_private_key_generate(&private_key, CAIRN_CRYPTO_SIG_ED25519) == CAIRN_OK);
  CHECK(cairn_auth_jwt_key_from_private_key(&signer, private_key, NULL) == CAIRN_OK);
  cairn_crypto_private_key_free(private_key);
  CHECK_STR_EQ(cairn_auth_jwt_key_algorithm(signer), "EdDSA");
  CHECK(cairn_auth_jwt_encode(&token, "{\"sub\":\"ed\"}", signer) == CAIRN_OK);
  CHECK(verify(token, signer, "EdDSA", T0, &claims) == CAIRN_OK);
  CHECK(claims != NULL && strcmp(claims, "{\"sub\":\"ed\"}") == 0);
  cairn_free(claims);
  CHECK(verify(token, signer, "ES256", T0, &claims) == CAIRN_UNAUTHENTICATED);
  CHECK_REASON("AUTH_JWT_ALGORITHM_REJECTED");
  CHECK(cairn_auth_jwt_key_to_jwk(&jwk, signer) == CAIRN_OK);
  CHECK(has(jwk, "\"kty\":\"OKP\"") && has(jwk, "\"crv\":\"Ed25519\"") && !has(jwk, "\"kid\""));
  cairn_free(jwk);
  cairn_free(token);
  cairn_auth_jwt_key_free(signer);
}

/* Rate limiters */

static void test_memory_rate_limiter(void) {
  cairn_env* env = NULL;
  cairn_auth_rate_limiter* limiter = NULL;
  int allowed = -1, i;
  int64_t retry = -1;
  CHECK(cairn_env_fake_new(&env, T0, 1) == CAIRN_OK);
  /* 2 per second (one every 500 ms), bursts of 3. */
  CHECK(cairn_auth_rate_limiter_new_memory(&limiter, 2.0, 3, env) == CAIRN_OK);
  for (i = 0; i < 3; i++) {
    CHECK(cairn_auth_rate_limiter_hit(&allowed, &retry, limiter, "203.0.113.7") == CAIRN_OK);
    CHECK(allowed == 1 && retry == 0);
  }
  CHECK(cairn_auth_rate_limiter_hit(&allowed, &retry, limiter, "203.0.113.7") == CAIRN_OK);
  CHECK(allowed == 0 && retry == 500000);
  CHECK(cairn_error_last()->code == CAIRN_OK && cairn_error_last()->retry_after_ms == 0);
  /* Another key has its own budget. */
  CHECK(cairn_auth_rate_limiter_hit(&allowed, &retry, limiter, "198.51.100.1") == CAIRN_OK);
  CHECK(allowed == 1 && retry == 0);
  /* A denial costs nothing: the wait shrinks with the clock. */
  CHECK(cairn_env_fake_advance(env, 499999) == CAIRN_OK);
  CHECK(cairn_auth_rate_limiter_hit(&allowed, &retry, limiter, "203.0.113.7") == CAIRN_OK);
  CHECK(allowed == 0 && retry == 1);
  CHECK(cairn_env_fake_advance(env, 1) == CAIRN_OK);
  CHECK(cairn_auth_rate_limiter_hit(&allowed, NULL, limiter, "203.0.113.7") == CAIRN_OK);
  CHECK(allowed == 1);
  CHECK(cairn_auth_rate_limiter_hit(&allowed, &retry, limiter, "203.0.113.7") == CAIRN_OK);
  CHECK(allowed == 0 && retry == 500000);
  /* After a quiet second and a half the whole burst is back. */
  CHECK(cairn_env_fake_advance(env, 1500000) == CAIRN_OK);
  for (i = 0; i < 3; i++) {
    CHECK(cairn_auth_rate_limiter_hit(&allowed, &retry, limiter, "203.0.113.7") == CAIRN_OK);
    CHECK(allowed == 1);
  }
  CHECK(cairn_auth_rate_limiter_hit(&allowed, &retry, limiter, "203.0.113.7") == CAIRN_OK);
  CHECK(allowed == 0);

  allowed = -1;
  CHECK(cairn_auth_rate_limiter_hit(&allowed, &retry, limiter, "") == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("AUTH_RATE_LIMIT_KEY_INVALID");
  CHECK(allowed == 0);
  CHECK(cairn_auth_rate_limiter_hit(&allowed, &retry, limiter, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(cairn_auth_rate_limiter_hit(NULL, &retry, limiter, "k") == CAIRN_INVALID_ARGUMENT);
  cairn_auth_rate_limiter_free(limiter);

  limiter = (cairn_auth_rate_limiter*)&limiter;
  CHECK(cairn_auth_rate_limiter_new_memory(&limiter, 0.0, 3, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("AUTH_RATE_LIMIT_INVALID");
  CHECK(limiter == NULL);
  CHECK(cairn_auth_rate_limiter_new_memory(&limiter, 1.0, 0, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("AUTH_RATE_LIMIT_INVALID");
  CHECK(cairn_auth_rate_limiter_new_memory(NULL, 1.0, 1, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  /* The system clock. */
  CHECK(cairn_auth_rate_limiter_new_memory(&limiter, 1.0, 1, NULL) == CAIRN_OK);
  CHECK(cairn_auth_rate_limiter_hit(&allowed, &retry, limiter, "k") == CAIRN_OK);
  CHECK(allowed == 1);
  CHECK(cairn_auth_rate_limiter_hit(&allowed, &retry, limiter, "k") == CAIRN_OK);
  CHECK(allowed == 0 && retry > 0 && retry <= 1000000);
  cairn_auth_rate_limiter_free(limiter);
  cairn_auth_rate_limiter_free(NULL);
  cairn_env_free(env);
}

/* The engine's auth service, on one backend */

typedef struct engine_fixture {
  cairn_env* env;
  cairn_engine* engine;
} engine_fixture;

static int open_engine(engine_fixture* f, const char* uri) {
  cairn_engine_options opts = CAIRN_ENGINE_OPTIONS_INIT;
  f->env = NULL;
  f->engine = NULL;
  if (cairn_env_fake_new(&f->env, T0, 7) != CAIRN_OK) return 0;
  opts.env = f->env;
  if (cairn_engine_open(&f->engine, uri, &opts) != CAIRN_OK) {
    fprintf(stderr, "cannot open %s: %s\n", uri, cairn_error_last()->message);
    cairn_env_free(f->env);
    return 0;
  }
  return 1;
}

static void close_engine(engine_fixture* f) {
  cairn_engine_close(f->engine);
  cairn_env_free(f->env);
}

static void users_and_passwords(const char* uri) {
  engine_fixture f;
  char *user = NULL, *json = NULL;
  char ada[40], bob[40], id[40];
  const char* roles[3] = {"admin", "ops", "admin"};
  const char* bad_roles[1] = {"Admin"};
  const char* viewer[1] = {"viewer"};
  if (!open_engine(&f, uri)) {
    CHECK(0);
    return;
  }

  CHECK(cairn_auth_create_user(&user, f.engine, " Ada@Example.com ", "Ada", "correct horse battery",
                               roles, 3) == CAIRN_OK);
  json_str(user, "id", ada, sizeof ada);
  CHECK(strlen(ada) == 32);
  CHECK(has(user, "\"email\":\"ada@example.com\"") && has(user, "\"name\":\"Ada\"") &&
        has(user, "\"roles\":[\"admin\",\"ops\"]") && has(user, "\"status\":\"active\""));
  CHECK(json_int(user, "created_at_micros") == T0);
  CHECK(!has(user, "correct horse") && !has(user, "argon2"));
  CHECK(cairn_auth_user(&json, f.engine, ada) == CAIRN_OK);
  CHECK(json != NULL && user != NULL && strcmp(json, user) == 0);
  cairn_free(json);
  cairn_free(user);

  CHECK(cairn_auth_create_user(&user, f.engine, "bob@example.com", NULL, NULL, NULL, 0) ==
        CAIRN_OK);
  json_str(user, "id", bob, sizeof bob);
  CHECK(has(user, "\"name\":null") && has(user, "\"roles\":[]"));
  cairn_free(user);

  user = (char*)&user;
  CHECK(cairn_auth_create_user(&user, f.engine, "ADA@example.com", NULL, NULL, NULL, 0) ==
        CAIRN_ALREADY_EXISTS);
  CHECK_REASON("AUTH_USER_EXISTS");
  CHECK(user == NULL);
  CHECK(cairn_auth_create_user(&user, f.engine, "carl@example.com", NULL, "short", NULL, 0) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("AUTH_PASSWORD_WEAK");
  CHECK(cairn_auth_create_user(&user, f.engine, "no-at-sign", NULL, NULL, NULL, 0) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("AUTH_EMAIL_INVALID");
  CHECK(cairn_auth_create_user(&user, f.engine, "carl@example.com", NULL, NULL, bad_roles, 1) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("AUTH_ROLE_INVALID");
  CHECK(cairn_auth_create_user(&user, f.engine, "carl@example.com", NULL, NULL, NULL, 1) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(cairn_auth_create_user(&user, NULL, "carl@example.com", NULL, NULL, NULL, 0) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(user == NULL);

  CHECK(cairn_auth_user(&json, f.engine, "00000000000000000000000000000000") == CAIRN_NOT_FOUND);
  CHECK_REASON("AUTH_USER_NOT_FOUND");
  CHECK(json == NULL);
  CHECK(cairn_auth_user_by_email(&json, f.engine, "BOB@example.com") == CAIRN_OK);
  CHECK_STR_EQ(json_str(json, "id", id, sizeof id), bob);
  cairn_free(json);
  CHECK(cairn_auth_user_by_email(&json, f.engine, "nobody@example.com") == CAIRN_NOT_FOUND);
  CHECK_REASON("AUTH_USER_NOT_FOUND");
  CHECK(cairn_auth_users(&json, f.engine) == CAIRN_OK);
  CHECK(json != NULL && json[0] == '[' && count_objects(json) == 2);
  CHECK_STR_EQ(json_str(json, "id", id, sizeof id), ada); /* ordered by email */
  cairn_free(json);

  /* Password logins. */
  CHECK(cairn_auth_login_password(&json, f.engine, "ada@example.com", "correct horse battery",
                                  "203.0.113.7", "test/1.0") == CAIRN_OK);
  CHECK_STR_EQ(json_str(json, "id", id, sizeof id), ada);
  cairn_free(json);
  json = (char*)&json;
  CHECK(cairn_auth_login_password(&json, f.engine, "ada@example.com", "wrong horse battery", NULL,
                                  NULL) == CAIRN_UNAUTHENTICATED);
  CHECK_REASON("AUTH_INVALID_CREDENTIALS");
  CHECK(json == NULL);
  /* A user without a password fails the same way. */
  CHECK(cairn_auth_login_password(&json, f.engine, "bob@example.com", "correct horse battery", NULL,
                                  NULL) == CAIRN_UNAUTHENTICATED);
  CHECK_REASON("AUTH_INVALID_CREDENTIALS");
  CHECK(cairn_auth_login_password(&json, f.engine, "ada@example.com", "correct horse battery",
                                  "not-an-ip", NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("AUTH_REQUEST_INVALID");
  CHECK(cairn_auth_login_password(&json, f.engine, "ada@example.com", NULL, NULL, NULL) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");

  CHECK(cairn_auth_set_password(f.engine, bob, "bobs new password") == CAIRN_OK);
  CHECK(cairn_auth_login_password(&json, f.engine, "bob@example.com", "bobs new password", NULL,
                                  NULL) == CAIRN_OK);
  CHECK_STR_EQ(json_str(json, "id", id, sizeof id), bob);
  cairn_free(json);
  CHECK(cairn_auth_set_password(f.engine, bob, "short") == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("AUTH_PASSWORD_WEAK");
  CHECK(cairn_auth_set_password(f.engine, "00000000000000000000000000000000", NULL) ==
        CAIRN_NOT_FOUND);
  CHECK_REASON("AUTH_USER_NOT_FOUND");

  /* Roles and identities. */
  CHECK(cairn_auth_set_roles(f.engine, ada, viewer, 1, "root") == CAIRN_OK);
  CHECK(cairn_auth_user(&json, f.engine, ada) == CAIRN_OK);
  CHECK(has(json, "\"roles\":[\"viewer\"]"));
  cairn_free(json);
  CHECK(cairn_auth_set_roles(f.engine, ada, bad_roles, 1, "root") == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("AUTH_ROLE_INVALID");
  CHECK(cairn_auth_set_roles(f.engine, ada, viewer, 1, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(cairn_auth_link_identity(f.engine, ada, "github", "12345") == CAIRN_OK);
  CHECK(cairn_auth_user_by_identity(&json, f.engine, "github", "12345") == CAIRN_OK);
  CHECK_STR_EQ(json_str(json, "id", id, sizeof id), ada);
  cairn_free(json);
  CHECK(cairn_auth_link_identity(f.engine, bob, "github", "12345") == CAIRN_ALREADY_EXISTS);
  CHECK_REASON("AUTH_IDENTITY_EXISTS");
  CHECK(cairn_auth_link_identity(f.engine, bob, "", "1") == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("AUTH_IDENTITY_INVALID");
  CHECK(cairn_auth_user_by_identity(&json, f.engine, "github", "999") == CAIRN_NOT_FOUND);
  CHECK_REASON("AUTH_IDENTITY_NOT_FOUND");
  CHECK(json == NULL);

  /* Suspension. */
  CHECK(cairn_auth_set_user_status(f.engine, ada, "suspended", "root") == CAIRN_OK);
  CHECK(cairn_auth_user(&json, f.engine, ada) == CAIRN_OK);
  CHECK(has(json, "\"status\":\"suspended\""));
  cairn_free(json);
  CHECK(cairn_auth_login_password(&json, f.engine, "ada@example.com", "correct horse battery", NULL,
                                  NULL) == CAIRN_PERMISSION_DENIED);
  CHECK_REASON("AUTH_USER_SUSPENDED");
  CHECK(cairn_auth_set_user_status(f.engine, ada, "banned", "root") == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("AUTH_USER_STATUS_INVALID");
  CHECK(cairn_auth_set_user_status(f.engine, ada, "active", NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(cairn_auth_set_user_status(f.engine, "00000000000000000000000000000000", "active",
                                   "root") == CAIRN_NOT_FOUND);
  CHECK_REASON("AUTH_USER_NOT_FOUND");
  CHECK(cairn_auth_set_user_status(f.engine, ada, "active", "root") == CAIRN_OK);

  close_engine(&f);
}

static void sessions(const char* uri) {
  engine_fixture f;
  char *user = NULL, *session = NULL, *token = NULL, *json = NULL, *token2 = NULL;
  char *rotated = NULL, *rotated_token = NULL;
  char ada[40], sid[40], sid2[40], id[40];
  int64_t count = -1;
  if (!open_engine(&f, uri)) {
    CHECK(0);
    return;
  }
  CHECK(cairn_auth_create_user(&user, f.engine, "ada@example.com", "Ada", NULL, NULL, 0) ==
        CAIRN_OK);
  json_str(user, "id", ada, sizeof ada);
  cairn_free(user);

  CHECK(cairn_auth_create_session(&session, &token, f.engine, ada, "203.0.113.7", "test/1.0") ==
        CAIRN_OK);
  CHECK(token != NULL && strncmp(token, "cairn_s_", 8) == 0 && strlen(token) == 8 + 43);
  json_str(session, "id", sid, sizeof sid);
  CHECK(strlen(sid) == 32);
  CHECK_STR_EQ(json_str(session, "user_id", id, sizeof id), ada);
  CHECK(json_int(session, "created_at_micros") == T0);
  CHECK(json_int(session, "last_seen_micros") == T0);
  CHECK(json_int(session, "expires_at_micros") == T0 + 14 * DAY); /* the idle timeout */
  CHECK(has(session, "\"ip\":\"203.0.113.7\"") && has(session, "\"user_agent\":\"test/1.0\""));
  CHECK(token != NULL && !has(session, token));
  cairn_free(session);

  /* Validation, which moves last_seen once it is a minute old. */
  CHECK(cairn_auth_validate_session(&json, f.engine, token) == CAIRN_OK);
  CHECK_STR_EQ(json_str(json, "id", id, sizeof id), sid);
  cairn_free(json);
  CHECK(cairn_env_fake_advance(f.env, 2 * MINUTE) == CAIRN_OK);
  CHECK(cairn_auth_validate_session(&json, f.engine, token) == CAIRN_OK);
  CHECK(json_int(json, "last_seen_micros") == T0 + 2 * MINUTE);
  CHECK(json_int(json, "expires_at_micros") == T0 + 2 * MINUTE + 14 * DAY);
  cairn_free(json);

  /* Rotation: same session, new token; the old one is dead at once. */
  CHECK(cairn_auth_rotate_session(&rotated, &rotated_token, f.engine, token) == CAIRN_OK);
  CHECK_STR_EQ(json_str(rotated, "id", id, sizeof id), sid);
  CHECK(rotated_token != NULL && token != NULL && strcmp(rotated_token, token) != 0);
  cairn_free(rotated);
  json = (char*)&json;
  CHECK(cairn_auth_validate_session(&json, f.engine, token) == CAIRN_UNAUTHENTICATED);
  CHECK_REASON("AUTH_TOKEN_INVALID");
  CHECK(json == NULL);
  rotated = (char*)&rotated;
  token2 = (char*)&token2;
  CHECK(cairn_auth_rotate_session(&rotated, &token2, f.engine, token) == CAIRN_UNAUTHENTICATED);
  CHECK_REASON("AUTH_TOKEN_INVALID");
  CHECK(rotated == NULL && token2 == NULL);
  CHECK(cairn_auth_validate_session(&json, f.engine, rotated_token) == CAIRN_OK);
  CHECK_STR_EQ(json_str(json, "id", id, sizeof id), sid);
  cairn_free(json);
  cairn_crypto_secret_free(token);

  /* Listing, and ending one session by id. */
  CHECK(cairn_auth_create_session(&session, &token2, f.engine, ada, NULL, NULL) == CAIRN_OK);
  json_str(session, "id", sid2, sizeof sid2);
  CHECK(has(session, "\"ip\":null") && has(session, "\"user_agent\":null"));
  cairn_free(session);
  CHECK(cairn_auth_sessions(&json, f.engine, ada) == CAIRN_OK);
  CHECK(json != NULL && json[0] == '[' && count_objects(json) == 2);
  CHECK(has(json, sid) && has(json, sid2));
  cairn_free(json);
  CHECK(cairn_auth_revoke_session_id(f.engine, ada, sid2) == CAIRN_OK);
  CHECK(cairn_auth_revoke_session_id(f.engine, ada, sid2) == CAIRN_NOT_FOUND);
  CHECK_REASON("AUTH_SESSION_NOT_FOUND");
  CHECK(cairn_auth_validate_session(&json, f.engine, token2) == CAIRN_UNAUTHENTICATED);
  CHECK_REASON("AUTH_TOKEN_INVALID");
  cairn_free(token2);

  /* Revocation by token. */
  CHECK(cairn_auth_revoke_session(f.engine, rotated_token) == CAIRN_OK);
  CHECK(cairn_auth_validate_session(&json, f.engine, rotated_token) == CAIRN_UNAUTHENTICATED);
  CHECK_REASON("AUTH_TOKEN_INVALID");
  CHECK(cairn_auth_revoke_session(f.engine, rotated_token) == CAIRN_UNAUTHENTICATED);
  CHECK_REASON("AUTH_TOKEN_INVALID");
  cairn_free(rotated_token);
  CHECK(cairn_auth_sessions(&json, f.engine, ada) == CAIRN_OK);
  CHECK_STR_EQ(json, "[]");
  cairn_free(json);

  /* Revoking them all. */
  CHECK(cairn_auth_create_session(&session, &token, f.engine, ada, NULL, NULL) == CAIRN_OK);
  cairn_free(session);
  CHECK(cairn_auth_create_session(&session, &token2, f.engine, ada, NULL, NULL) == CAIRN_OK);
  cairn_free(session);
  CHECK(cairn_auth_revoke_all_sessions(&count, f.engine, ada) == CAIRN_OK);
  CHECK(count == 2);
  CHECK(cairn_auth_validate_session(&json, f.engine, token) == CAIRN_UNAUTHENTICATED);
  CHECK_REASON("AUTH_TOKEN_INVALID");
  CHECK(cairn_auth_revoke_all_sessions(&count, f.engine, ada) == CAIRN_OK);
  CHECK(count == 0);
  cairn_free(token);
  cairn_free(token2);

  /* Suspending a user ends their sessions and refuses new ones. */
  CHECK(cairn_auth_create_session(&session, &token, f.engine, ada, NULL, NULL) == CAIRN_OK);
  cairn_free(session);
  CHECK(cairn_auth_set_user_status(f.engine, ada, "suspended", "root") == CAIRN_OK);
  CHECK(cairn_auth_validate_session(&json, f.engine, token) == CAIRN_UNAUTHENTICATED);
  CHECK_REASON("AUTH_TOKEN_INVALID");
  cairn_free(token);
  session = (char*)&session;
  token = (char*)&token;
  CHECK(cairn_auth_create_session(&session, &token, f.engine, ada, NULL, NULL) ==
        CAIRN_PERMISSION_DENIED);
  CHECK_REASON("AUTH_USER_SUSPENDED");
  CHECK(session == NULL && token == NULL);
  CHECK(cairn_auth_set_user_status(f.engine, ada, "active", "root") == CAIRN_OK);

  /* Expiry by the idle timeout, on the fake clock. */
  CHECK(cairn_auth_create_session(&session, &token, f.engine, ada, NULL, NULL) == CAIRN_OK);
  cairn_free(session);
  CHECK(cairn_env_fake_advance(f.env, 14 * DAY - 1) == CAIRN_OK);
  CHECK(cairn_auth_validate_session(&json, f.engine, token) == CAIRN_OK);
  cairn_free(json);
  CHECK(cairn_env_fake_advance(f.env, 14 * DAY) == CAIRN_OK);
  CHECK(cairn_auth_validate_session(&json, f.engine, token) == CAIRN_UNAUTHENTICATED);
  CHECK_REASON("AUTH_TOKEN_EXPIRED");
  CHECK(cairn_auth_rotate_session(&session, &token2, f.engine, token) == CAIRN_UNAUTHENTICATED);
  CHECK_REASON("AUTH_TOKEN_EXPIRED");
  /* An expired session can still be revoked. */
  CHECK(cairn_auth_revoke_session(f.engine, token) == CAIRN_OK);
  cairn_free(token);

  /* Bad input. */
  CHECK(cairn_auth_create_session(&session, &token, f.engine, "00000000000000000000000000000000",
                                  NULL, NULL) == CAIRN_NOT_FOUND);
  CHECK_REASON("AUTH_USER_NOT_FOUND");
  CHECK(cairn_auth_create_session(&session, &token, f.engine, ada, "999.1.1.1", NULL) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("AUTH_REQUEST_INVALID");
  CHECK(cairn_auth_create_session(&session, NULL, f.engine, ada, NULL, NULL) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(session == NULL);
  CHECK(cairn_auth_validate_session(&json, f.engine, "cairn_s_tooshort") == CAIRN_UNAUTHENTICATED);
  CHECK_REASON("AUTH_TOKEN_INVALID");
  CHECK(cairn_auth_validate_session(&json, f.engine, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(cairn_auth_revoke_all_sessions(NULL, f.engine, ada) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  close_engine(&f);
}

static void api_keys(const char* uri) {
  engine_fixture f;
  char *key = NULL, *secret = NULL, *json = NULL, *key2 = NULL, *secret2 = NULL;
  char kid[40], kid2[40], display[40], id[40], mistyped[64];
  const char* scopes[3] = {"secrets:read", "secrets:read", "audit:read"};
  const char* bad_scopes[1] = {"two words"};
  if (!open_engine(&f, uri)) {
    CHECK(0);
    return;
  }

  CHECK(create_api_key(&key, &secret, f.engine, "svc-deploy", "cr_sa", "deploy", scopes, 3,
                       T0 + HOUR) == CAIRN_OK);
  json_str(key, "id", kid, sizeof kid);
  CHECK(strlen(kid) == 32);
  CHECK(secret != NULL && strncmp(secret, "cr_sa_", 6) == 0 && strlen(secret) == 42);
  CHECK(checksum_ok(secret) == 1);
  CHECK(has(key, "\"owner_id\":\"svc-deploy\"") && has(key, "\"name\":\"deploy\"") &&
        has(key, "\"prefix\":\"cr_sa\"") &&
        has(key, "\"scopes\":[\"secrets:read\",\"audit:read\"]") &&
        has(key, "\"last_used_at_micros\":null") && has(key, "\"revoked_at_micros\":null"));
  CHECK(json_int(key, "created_at_micros") == T0);
  CHECK(json_int(key, "expires_at_micros") == T0 + HOUR);
  json_str(key, "display", display, sizeof display);
  CHECK(secret != NULL && strlen(display) == 10 && strncmp(display, secret, 10) == 0);
  CHECK(secret != NULL && !has(key, secret));
  cairn_free(key);

  /* Defaults: prefix "cairn", no name, no scopes, no expiry. */
  CHECK(create_api_key(&key2, &secret2, f.engine, "svc-deploy", NULL, NULL, NULL, 0, 0) ==
        CAIRN_OK);
  json_str(key2, "id", kid2, sizeof kid2);
  CHECK(secret2 != NULL && strncmp(secret2, "cairn_", 6) == 0);
  CHECK(has(key2, "\"name\":null") && has(key2, "\"scopes\":[]") &&
        has(key2, "\"expires_at_micros\":null"));
  cairn_free(key2);

  CHECK(cairn_env_fake_advance(f.env, MINUTE) == CAIRN_OK);
  CHECK(cairn_auth_validate_api_key(&json, f.engine, secret) == CAIRN_OK);
  CHECK_STR_EQ(json_str(json, "id", id, sizeof id), kid);
  CHECK(json_int(json, "last_used_at_micros") == T0 + MINUTE);
  cairn_free(json);
  strcpy(mistyped, secret);
  mistyped[8] = mistyped[8] == 'a' ? 'b' : 'a';
  json = (char*)&json;
  CHECK(cairn_auth_validate_api_key(&json, f.engine, mistyped) == CAIRN_UNAUTHENTICATED);
  CHECK_REASON("AUTH_TOKEN_INVALID");
  CHECK(json == NULL);
  /* A well-formed key this engine never issued. */
  CHECK(cairn_auth_validate_api_key(&json, f.engine, kPythonApiKey) == CAIRN_UNAUTHENTICATED);
  CHECK_REASON("AUTH_TOKEN_INVALID");

  CHECK(cairn_auth_api_keys(&json, f.engine, "svc-deploy") == CAIRN_OK);
  CHECK(json != NULL && json[0] == '[' && count_objects(json) == 2);
  CHECK(has(json, kid) && has(json, kid2));
  cairn_free(json);
  CHECK(cairn_auth_api_keys(&json, f.engine, "nobody") == CAIRN_OK);
  CHECK_STR_EQ(json, "[]");
  cairn_free(json);

  /* Revocation. */
  CHECK(cairn_auth_revoke_api_key(f.engine, kid2, NULL) == CAIRN_OK);
  CHECK(cairn_auth_validate_api_key(&json, f.engine, secret2) == CAIRN_UNAUTHENTICATED);
  CHECK_REASON("AUTH_TOKEN_INVALID");
  CHECK(cairn_auth_revoke_api_key(f.engine, kid2, "root") == CAIRN_NOT_FOUND);
  CHECK_REASON("AUTH_KEY_NOT_FOUND");
  CHECK(cairn_auth_api_keys(&json, f.engine, "svc-deploy") == CAIRN_OK);
  CHECK(json != NULL && json_int(strstr(json, kid2), "revoked_at_micros") == T0 + MINUTE);
  cairn_free(json);
  cairn_free(secret2);

  /* Expiry, on the fake clock. */
  CHECK(cairn_env_fake_set_now(f.env, T0 + HOUR) == CAIRN_OK);
  CHECK(cairn_auth_validate_api_key(&json, f.engine, secret) == CAIRN_UNAUTHENTICATED);
  CHECK_REASON("AUTH_TOKEN_EXPIRED");
  cairn_crypto_secret_free(secret);

  /* Bad input. */
  key = (char*)&key;
  secret = (char*)&secret;
  CHECK(create_api_key(&key, &secret, f.engine, "svc", NULL, NULL, NULL, 0, T0) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("AUTH_KEY_EXPIRY_INVALID");
  CHECK(key == NULL && secret == NULL);
  CHECK(create_api_key(&key, &secret, f.engine, "svc", NULL, NULL, bad_scopes, 1, 0) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("AUTH_KEY_SCOPE_INVALID");
  CHECK(create_api_key(&key, &secret, f.engine, "svc", "9lives", NULL, NULL, 0, 0) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("AUTH_KEY_PREFIX_INVALID");
  CHECK(create_api_key(&key, &secret, f.engine, "", NULL, NULL, NULL, 0, 0) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("AUTH_OWNER_INVALID");
  CHECK(create_api_key(&key, &secret, f.engine, "svc", NULL, NULL, NULL, 2, 0) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(create_api_key(&key, NULL, f.engine, "svc", NULL, NULL, NULL, 0, 0) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(key == NULL);
  CHECK(cairn_auth_revoke_api_key(f.engine, NULL, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  close_engine(&f);
}

static void login_codes(const char* uri) {
  engine_fixture f;
  char *code = NULL, *session = NULL, *token = NULL, *json = NULL, *again = NULL;
  char wrong[8], user_id[40], id[40];
  int i;
  if (!open_engine(&f, uri)) {
    CHECK(0);
    return;
  }

  /* A wrong guess uses the code up: the right one then fails too. */
  CHECK(cairn_auth_request_login_code(&code, f.engine, "Carol@Example.com", "203.0.113.7",
                                      "mail/1") == CAIRN_OK);
  CHECK(code != NULL && strlen(code) == 6 && strspn(code, "0123456789") == 6);
  strcpy(wrong, code);
  wrong[0] = wrong[0] == '9' ? '0' : (char)(wrong[0] + 1);
  session = (char*)&session;
  token = (char*)&token;
  CHECK(cairn_auth_verify_login_code(&session, &token, f.engine, "carol@example.com", wrong, NULL,
                                     NULL) == CAIRN_UNAUTHENTICATED);
  CHECK_REASON("AUTH_CODE_INVALID");
  CHECK(session == NULL && token == NULL);
  CHECK(cairn_auth_verify_login_code(&session, &token, f.engine, "carol@example.com", code, NULL,
                                     NULL) == CAIRN_UNAUTHENTICATED);
  CHECK_REASON("AUTH_CODE_INVALID");
  cairn_free(code);

  /* A fresh code signs carol up and in. */
  CHECK(cairn_auth_request_login_code(&code, f.engine, "carol@example.com", NULL, NULL) ==
        CAIRN_OK);
  CHECK(cairn_auth_verify_login_code(&session, &token, f.engine, " CAROL@example.com", code,
                                     "203.0.113.7", NULL) == CAIRN_OK);
  CHECK(token != NULL && strncmp(token, "cairn_s_", 8) == 0);
  CHECK(has(session, "\"ip\":\"203.0.113.7\""));
  json_str(session, "user_id", user_id, sizeof user_id);
  CHECK(cairn_auth_user_by_email(&json, f.engine, "carol@example.com") == CAIRN_OK);
  CHECK_STR_EQ(json_str(json, "id", id, sizeof id), user_id);
  cairn_free(json);
  CHECK(cairn_auth_validate_session(&json, f.engine, token) == CAIRN_OK);
  CHECK_STR_EQ(json_str(json, "user_id", id, sizeof id), user_id);
  cairn_free(json);
  cairn_free(session);
  cairn_free(token);
  /* Used up. */
  CHECK(cairn_auth_verify_login_code(&session, &token, f.engine, "carol@example.com", code, NULL,
                                     NULL) == CAIRN_UNAUTHENTICATED);
  CHECK_REASON("AUTH_CODE_INVALID");
  cairn_free(code);

  /* Five requests per email and client address per 15 minutes: carol has had one from
   * 203.0.113.7 and one without an address, so 4 more without one, then the limit. */
  for (i = 0; i < 4; i++) {
    CHECK(cairn_auth_request_login_code(&code, f.engine, "carol@example.com", NULL, NULL) ==
          CAIRN_OK);
    CHECK(cairn_error_last()->retry_after_ms == 0);
    cairn_free(code);
  }
  code = (char*)&code;
  CHECK(cairn_auth_request_login_code(&code, f.engine, "carol@example.com", NULL, NULL) ==
        CAIRN_RESOURCE_EXHAUSTED);
  CHECK_REASON("AUTH_RATE_LIMITED");
  CHECK(cairn_error_last()->retryable == 1); /* the error table's column crosses */
  CHECK(cairn_error_last()->retry_after_ms > 0);
  CHECK(cairn_error_last()->retry_after_ms == 15 * 60 * 1000); /* all at one instant */
  CHECK(code == NULL);
  /* Later, the wait is shorter; waiting exactly that long is enough. */
  CHECK(cairn_env_fake_advance(f.env, 10 * MINUTE) == CAIRN_OK);
  CHECK(cairn_auth_request_login_code(&code, f.engine, "carol@example.com", NULL, NULL) ==
        CAIRN_RESOURCE_EXHAUSTED);
  CHECK_REASON("AUTH_RATE_LIMITED");
  CHECK(cairn_error_last()->retry_after_ms == 5 * 60 * 1000);
  CHECK(cairn_env_fake_advance(f.env, 5 * MINUTE) == CAIRN_OK);
  CHECK(cairn_auth_request_login_code(&code, f.engine, "carol@example.com", NULL, NULL) ==
        CAIRN_OK);
  CHECK(cairn_error_last()->retry_after_ms == 0);
  /* Another email is not limited by carol's requests. */
  CHECK(cairn_auth_request_login_code(&again, f.engine, "dave@example.com", NULL, NULL) ==
        CAIRN_OK);
  cairn_free(code);

  /* Codes last 10 minutes. */
  CHECK(cairn_env_fake_advance(f.env, 10 * MINUTE) == CAIRN_OK);
  CHECK(cairn_auth_verify_login_code(&session, &token, f.engine, "dave@example.com", again, NULL,
                                     NULL) == CAIRN_UNAUTHENTICATED);
  CHECK_REASON("AUTH_CODE_EXPIRED");
  CHECK(session == NULL && token == NULL);
  cairn_free(again);

  /* Ten failed verifications from one address (here: none given) lock it out for the hour. Only
   * guesses at a pending code count: each round the owner asks for one from an address of theirs.
   */
  for (i = 0; i < 10; i++) {
    char owner_ip[32];
    snprintf(owner_ip, sizeof owner_ip, "198.51.100.%d", (int)i);
    CHECK(cairn_auth_request_login_code(&code, f.engine, "eve@example.com", owner_ip, NULL) ==
          CAIRN_OK);
    strcpy(wrong, code);
    wrong[0] = wrong[0] == '9' ? '0' : (char)(wrong[0] + 1);
    cairn_free(code);
    CHECK(cairn_auth_verify_login_code(&session, &token, f.engine, "eve@example.com", wrong, NULL,
                                       NULL) == CAIRN_UNAUTHENTICATED);
    CHECK_REASON("AUTH_CODE_INVALID");
  }
  CHECK(cairn_auth_verify_login_code(&session, &token, f.engine, "eve@example.com", "123456", NULL,
                                     NULL) == CAIRN_RESOURCE_EXHAUSTED);
  CHECK_REASON("AUTH_LOCKED_OUT");
  CHECK(cairn_error_last()->retry_after_ms == 60 * 60 * 1000);
  CHECK(cairn_auth_request_login_code(&code, f.engine, "eve@example.com", NULL, NULL) ==
        CAIRN_RESOURCE_EXHAUSTED);
  CHECK_REASON("AUTH_LOCKED_OUT");
  CHECK(cairn_error_last()->retry_after_ms == 60 * 60 * 1000);
  CHECK(code == NULL);
  CHECK(cairn_env_fake_advance(f.env, HOUR) == CAIRN_OK);
  CHECK(cairn_auth_request_login_code(&code, f.engine, "eve@example.com", NULL, NULL) == CAIRN_OK);
  cairn_free(code);

  /* Bad input. */
  CHECK(cairn_auth_request_login_code(&code, f.engine, "not an email", NULL, NULL) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("AUTH_EMAIL_INVALID");
  CHECK(cairn_error_last()->retry_after_ms == 0);
  CHECK(cairn_auth_request_login_code(&code, f.engine, "frank@example.com", "nope", NULL) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("AUTH_REQUEST_INVALID");
  CHECK(cairn_auth_request_login_code(&code, f.engine, NULL, NULL, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(cairn_auth_verify_login_code(&session, &token, f.engine, "frank@example.com", NULL, NULL,
                                     NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  close_engine(&f);
}

static void engine_rate_limiter(const char* uri) {
  engine_fixture f;
  cairn_auth_rate_limiter *limiter = NULL, *other = NULL;
  int allowed = -1;
  int64_t retry = -1;
  if (!open_engine(&f, uri)) {
    CHECK(0);
    return;
  }
  /* One per second, bursts of 2. */
  CHECK(cairn_auth_rate_limiter_new_engine(&limiter, f.engine, "login", 1.0, 2) == CAIRN_OK);
  CHECK(cairn_auth_rate_limiter_hit(&allowed, &retry, limiter, "203.0.113.7") == CAIRN_OK);
  CHECK(allowed == 1 && retry == 0);
  CHECK(cairn_auth_rate_limiter_hit(&allowed, &retry, limiter, "203.0.113.7") == CAIRN_OK);
  CHECK(allowed == 1);
  CHECK(cairn_auth_rate_limiter_hit(&allowed, &retry, limiter, "203.0.113.7") == CAIRN_OK);
  CHECK(allowed == 0 && retry == 1000000);
  /* A second limiter with the same name shares the state; another name does not. */
  CHECK(cairn_auth_rate_limiter_new_engine(&other, f.engine, "login", 1.0, 2) == CAIRN_OK);
  CHECK(cairn_auth_rate_limiter_hit(&allowed, &retry, other, "203.0.113.7") == CAIRN_OK);
  CHECK(allowed == 0 && retry == 1000000);
  cairn_auth_rate_limiter_free(other);
  CHECK(cairn_auth_rate_limiter_new_engine(&other, f.engine, "signup", 1.0, 2) == CAIRN_OK);
  CHECK(cairn_auth_rate_limiter_hit(&allowed, &retry, other, "203.0.113.7") == CAIRN_OK);
  CHECK(allowed == 1);
  cairn_auth_rate_limiter_free(other);
  CHECK(cairn_env_fake_advance(f.env, 250000) == CAIRN_OK);
  CHECK(cairn_auth_rate_limiter_hit(&allowed, &retry, limiter, "203.0.113.7") == CAIRN_OK);
  CHECK(allowed == 0 && retry == 750000);
  CHECK(cairn_auth_rate_limiter_hit(&allowed, &retry, limiter, "") == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("AUTH_RATE_LIMIT_KEY_INVALID");
  cairn_auth_rate_limiter_free(limiter);

  limiter = (cairn_auth_rate_limiter*)&limiter;
  CHECK(cairn_auth_rate_limiter_new_engine(&limiter, f.engine, "", 1.0, 2) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("AUTH_RATE_LIMIT_NAME_INVALID");
  CHECK(limiter == NULL);
  CHECK(cairn_auth_rate_limiter_new_engine(&limiter, f.engine, "login", -1.0, 2) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("AUTH_RATE_LIMIT_INVALID");
  CHECK(cairn_auth_rate_limiter_new_engine(&limiter, NULL, "login", 1.0, 2) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  close_engine(&f);
}

static void purge(const char* uri) {
  engine_fixture f;
  char *user = NULL, *session = NULL, *token = NULL, *key = NULL, *secret = NULL, *code = NULL;
  char *json = NULL, *keep_secret = NULL;
  char uid[40], revoked[40], kept[40];
  cairn_auth_rate_limiter* limiter = NULL;
  int allowed = 0, i;
  if (!open_engine(&f, uri)) {
    CHECK(0);
    return;
  }
  CHECK(cairn_auth_create_user(&user, f.engine, "ada@example.com", NULL, NULL, NULL, 0) ==
        CAIRN_OK);
  json_str(user, "id", uid, sizeof uid);
  cairn_free(user);
  for (i = 0; i < 2; i++) { /* two sessions */
    CHECK(cairn_auth_create_session(&session, &token, f.engine, uid, NULL, NULL) == CAIRN_OK);
    cairn_free(session);
    cairn_free(token);
  }
  /* An unused code (and its request event), and a failed verification event. */
  CHECK(cairn_auth_request_login_code(&code, f.engine, "x@example.com", NULL, NULL) == CAIRN_OK);
  cairn_free(code);
  CHECK(cairn_auth_verify_login_code(&session, &token, f.engine, "y@example.com", "000000", NULL,
                                     NULL) == CAIRN_UNAUTHENTICATED);
  /* Keys: one expiring in an hour, one revoked now, one kept. */
  CHECK(create_api_key(&key, &secret, f.engine, uid, NULL, "expiring", NULL, 0, T0 + HOUR) ==
        CAIRN_OK);
  cairn_free(key);
  cairn_free(secret);
  CHECK(create_api_key(&key, &secret, f.engine, uid, NULL, "revoked", NULL, 0, 0) == CAIRN_OK);
  json_str(key, "id", revoked, sizeof revoked);
  cairn_free(key);
  cairn_free(secret);
  CHECK(cairn_auth_revoke_api_key(f.engine, revoked, NULL) == CAIRN_OK);
  CHECK(create_api_key(&key, &keep_secret, f.engine, uid, NULL, "kept", NULL, 0, 0) == CAIRN_OK);
  json_str(key, "id", kept, sizeof kept);
  cairn_free(key);
  /* One rate state. */
  CHECK(cairn_auth_rate_limiter_new_engine(&limiter, f.engine, "api", 1.0, 1) == CAIRN_OK);
  CHECK(cairn_auth_rate_limiter_hit(&allowed, NULL, limiter, "k") == CAIRN_OK);
  CHECK(allowed == 1);
  cairn_auth_rate_limiter_free(limiter);

  CHECK(cairn_auth_purge_expired(&json, f.engine) == CAIRN_OK);
  CHECK_STR_EQ(json,
               "{\"sessions\":0,\"login_codes\":0,\"api_keys\":0,\"login_events\":0,"
               "\"rate_states\":0}");
  cairn_free(json);

  /* 31 days on: past the sessions' absolute timeout and the revoked key's 30 days. */
  CHECK(cairn_env_fake_advance(f.env, 31 * DAY) == CAIRN_OK);
  CHECK(cairn_auth_purge_expired(&json, f.engine) == CAIRN_OK);
  CHECK_STR_EQ(json,
               "{\"sessions\":2,\"login_codes\":1,\"api_keys\":2,\"login_events\":2,"
               "\"rate_states\":1}");
  cairn_free(json);
  CHECK(cairn_auth_purge_expired(&json, f.engine) == CAIRN_OK);
  CHECK_STR_EQ(json,
               "{\"sessions\":0,\"login_codes\":0,\"api_keys\":0,\"login_events\":0,"
               "\"rate_states\":0}");
  cairn_free(json);
  CHECK(cairn_auth_api_keys(&json, f.engine, uid) == CAIRN_OK);
  CHECK(count_objects(json) == 1 && has(json, kept));
  cairn_free(json);
  CHECK(cairn_auth_validate_api_key(&json, f.engine, keep_secret) == CAIRN_OK);
  cairn_free(json);
  cairn_free(keep_secret);
  json = (char*)&json;
  CHECK(cairn_auth_purge_expired(&json, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(json == NULL);
  close_engine(&f);
}

/* Runs every flow on its own database: "memory:", or a new file when sqlite is non-zero. */
static void engine_flows(int sqlite) {
  static void (*const flows[])(const char*) = {users_and_passwords, sessions, api_keys, login_codes,
                                               engine_rate_limiter, purge};
  char uri[128];
  size_t i;
  for (i = 0; i < sizeof flows / sizeof flows[0]; i++) {
    if (sqlite) {
      snprintf(uri, sizeof uri, "sqlite:%s/auth-%u.db", temp_dir, (unsigned)i);
    } else {
      strcpy(uri, "memory:");
    }
    flows[i](uri);
  }
}

static void test_engine_memory(void) { engine_flows(0); }

static void test_engine_sqlite(void) { engine_flows(1); }

/* The limiter's state survives reopening a sqlite: database. */
static void test_engine_rate_limiter_persists(void) {
  engine_fixture f;
  cairn_auth_rate_limiter* limiter = NULL;
  char uri[128];
  int allowed = -1;
  int64_t retry = -1;
  snprintf(uri, sizeof uri, "sqlite:%s/limits.db", temp_dir);
  if (!open_engine(&f, uri)) {
    CHECK(0);
    return;
  }
  CHECK(cairn_auth_rate_limiter_new_engine(&limiter, f.engine, "login", 0.5, 1) == CAIRN_OK);
  CHECK(cairn_auth_rate_limiter_hit(&allowed, &retry, limiter, "ada") == CAIRN_OK);
  CHECK(allowed == 1);
  cairn_auth_rate_limiter_free(limiter);
  close_engine(&f);

  if (!open_engine(&f, uri)) {
    CHECK(0);
    return;
  }
  CHECK(cairn_auth_rate_limiter_new_engine(&limiter, f.engine, "login", 0.5, 1) == CAIRN_OK);
  CHECK(cairn_auth_rate_limiter_hit(&allowed, &retry, limiter, "ada") == CAIRN_OK);
  CHECK(allowed == 0 && retry == 2000000);
  cairn_auth_rate_limiter_free(limiter);
  close_engine(&f);
}

int main(void) {
  static const harness_test tests[] = {
      {"password hash and verify", test_password_hash_and_verify},
      {"API keys", test_api_keys},
      {"token files", test_token_files},
      {"JWT HS256", test_jwt_hs256},
      {"JWT ES256 and EdDSA", test_jwt_es256_and_eddsa},
      {"memory rate limiter", test_memory_rate_limiter},
      {"engine auth on memory:", test_engine_memory},
      {"engine auth on sqlite:", test_engine_sqlite},
      {"engine rate limiter persists", test_engine_rate_limiter_persists},
  };
  int rc;
  char cmd[128];
  strcpy(temp_dir, "/tmp/cairn-c-auth-XXXXXX");
  if (mkdtemp(temp_dir) == NULL) return 1;
  rc = harness_run(tests, sizeof tests / sizeof tests[0]);
  snprintf(cmd, sizeof cmd, "rm -rf %s", temp_dir);
  if (system(cmd) != 0) rc = 1;
  return rc;
}
