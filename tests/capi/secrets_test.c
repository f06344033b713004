/* The C ABI's secrets: ACL glob patterns, and the engine's orgs, projects, environments, versioned
 * secrets, ACL rules, service accounts, export/import and master key rotation on memory: and
 * sqlite:. Secret values are only ever compared, never printed: CHECK prints its condition, so
 * values live in named constants. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cairn.h"
#include "engine_fixture.h"
#include "harness.h"
#include "json_probe.h"

static char temp_dir[64];

/* T0 and SECOND come from engine_fixture.h. */
#define MINUTE (60 * SECOND)

#define CHECK_REASON(r) CHECK_STR_EQ(cairn_error_last()->reason, (r))

/* Two master keys (64 hex characters) and the raw bytes of the first. */
static const char* kKey1 = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
static const char* kKey2 = "f0e1d2c3b4a5968778695a4b3c2d1e0f00112233445566778899aabbccddeeff";

/* Secret values. */
static const char* kV1 = "postgres://app:first@db/app";
static const char* kV2 = "postgres://app:second@db/app";
static const char* kV3 = "postgres://app:third@db/app";
static const char* kHost = "db.internal";
static const char* kUrlRaw = "pg://${HOST}/app $${X}";
static const char* kUrlExpanded = "pg://db.internal/app ${X}";
static const char* kRefToA = "${A}";
static const char* kRefToB = "${B}";
static const char* kRefToDev = "${dev.DB}";
static const char* kNotUtf8 = "\xff\xfe";
static const char* kPlain = "plain";
static const char* kLines = "one\ntwo";
static const char* kQuote = "say \"hi\"";
static const char* kPath = "C:\\tmp";

/* The number of objects in a JSON array of flat objects whose text has no '{'. */
static int count_objects(const char* json) {
  int n = 0;
  for (; json != NULL && *json != '\0'; json++) n += *json == '{';
  return n;
}

/* Wipes and releases a secret the library handed out. */
static void free_secret(char* secret) { cairn_crypto_secret_free(secret); }

/* The audit page of entries with action (NULL: any), up to limit. */
static cairn_status query_audit(char** out, cairn_engine* engine, const char* action,
                                size_t limit) {
  cairn_audit_query query = CAIRN_AUDIT_QUERY_INIT;
  query.action = action;
  query.limit = limit;
  return cairn_audit_query_json(out, engine, &query);
}

/* Glob patterns */

/* The glob rules are specified in tests/secrets/glob_test.cpp; here: the mapping (a match, a
 * miss, an invalid pattern, NULL arguments). */
static int glob(const char* pattern, const char* name) {
  int match = -1;
  return cairn_secrets_glob_match(&match, pattern, name) == CAIRN_OK ? match : -1;
}

static void test_glob_mapping(void) {
  int match = -1;
  CHECK(glob("api-{v1,v2}", "api-v1") == 1);
  CHECK(glob("api-*", "web-api") == 0);
  CHECK(cairn_error_last()->code == CAIRN_OK);
  CHECK(cairn_secrets_glob_match(&match, NULL, "a") == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(cairn_secrets_glob_match(&match, "*", NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_secrets_glob_match(NULL, "*", "a") == CAIRN_INVALID_ARGUMENT);
  CHECK(match == 0);

  CHECK(cairn_secrets_check_pattern("api-{v1,v2}-?") == CAIRN_OK);
  CHECK(cairn_error_last()->code == CAIRN_OK);
}

static void test_invalid_patterns(void) {
  static const char* const invalid[] = {
      "",                                                     /* empty */
      "{dev",                                                 /* unbalanced */
      "dev}",                                                 /* unbalanced */
      "{a,{b,c}}",                                            /* nested */
      "{a,}",                                                 /* empty alternative */
      "{}",                                                   /* empty alternative */
      "api/x",                                                /* a character outside the set */
      "api x",                                                /* a space */
      "{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}",        /* 9 groups */
      "{a,b,c,d,e,f}{a,b,c,d,e,f}{a,b,c,d,e,f}{a,b,c,d,e,f}", /* 1296 patterns */
  };
  char long_pattern[CAIRN_SECRETS_MAX_PATTERN_BYTES + 2];
  size_t i;
  for (i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
    if (cairn_secrets_check_pattern(invalid[i]) != CAIRN_INVALID_ARGUMENT ||
        strcmp(cairn_error_last()->reason, "ACL_PATTERN_INVALID") != 0) {
      fprintf(stderr, "pattern \"%s\" was not refused\n", invalid[i]);
      CHECK(0);
    }
    CHECK(glob(invalid[i], invalid[i]) == 0);
  }
  memset(long_pattern, 'a', CAIRN_SECRETS_MAX_PATTERN_BYTES);
  long_pattern[CAIRN_SECRETS_MAX_PATTERN_BYTES] = '\0';
  CHECK(cairn_secrets_check_pattern(long_pattern) == CAIRN_OK);
  long_pattern[CAIRN_SECRETS_MAX_PATTERN_BYTES] = 'a';
  long_pattern[CAIRN_SECRETS_MAX_PATTERN_BYTES + 1] = '\0';
  CHECK(cairn_secrets_check_pattern(long_pattern) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("ACL_PATTERN_INVALID");
  CHECK(cairn_secrets_check_pattern(NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
}

/* Engines with and without a master key */

/* Opens uri with a fake env at T0 and master key `key` (NULL: none). */
static int open_engine(fixture* f, const char* uri, const char* key) {
  return fixture_open(f, uri, 11, key);
}

/* Opens uri with master key `key` and returns the status (the engine, if any, is closed). */
static cairn_status try_open(const char* uri, const char* key) {
  cairn_engine_options opts = CAIRN_ENGINE_OPTIONS_INIT;
  cairn_engine* engine = (cairn_engine*)&engine;
  cairn_status status;
  opts.master_key = key;
  status = cairn_engine_open(&engine, uri, &opts);
  if (status != CAIRN_OK) {
    if (engine != NULL) return CAIRN_INTERNAL; /* must be NULL on failure */
  }
  cairn_engine_close(engine);
  return status;
}

static void test_without_master_key(void) {
  fixture f;
  char* json = (char*)&json;
  int64_t n = -1;
  int allowed = -1;
  if (!open_engine(&f, "memory:", NULL)) {
    CHECK(0);
    return;
  }
  CHECK(cairn_secrets_create_org(&json, f.engine, "acme", "ada") == CAIRN_FAILED_PRECONDITION);
  CHECK_REASON("SECRETS_MASTER_KEY_MISSING");
  CHECK(json == NULL);
  CHECK(cairn_secrets_set(&n, f.engine, "acme", "billing", "prod", "K", kV1, "ada") ==
        CAIRN_FAILED_PRECONDITION);
  CHECK_REASON("SECRETS_MASTER_KEY_MISSING");
  CHECK(n == 0);
  json = (char*)&json;
  CHECK(cairn_secrets_get(&json, f.engine, "acme", "billing", "prod", "K", "ada", 0, 0, 1) ==
        CAIRN_FAILED_PRECONDITION);
  CHECK_REASON("SECRETS_MASTER_KEY_MISSING");
  CHECK(json == NULL);
  CHECK(cairn_secrets_check(&allowed, NULL, f.engine, "acme", "ada", "billing", "prod", "read") ==
        CAIRN_FAILED_PRECONDITION);
  CHECK(allowed == 0);
  CHECK(cairn_secrets_authenticate_api_key(&json, f.engine, "cr_sa_x") ==
        CAIRN_FAILED_PRECONDITION);
  CHECK_REASON("SECRETS_MASTER_KEY_MISSING");
  CHECK(cairn_secrets_rotate_master_key(f.engine, kKey2, NULL) == CAIRN_FAILED_PRECONDITION);
  CHECK_REASON("SECRETS_MASTER_KEY_MISSING");
  CHECK(cairn_secrets_set_superadmin(f.engine, "root", 1) == CAIRN_FAILED_PRECONDITION);
  /* The pure functions need no engine. */
  CHECK(glob("a*", "ab") == 1);
  close_engine(&f);
}

static void test_master_key_options(void) {
  cairn_engine_options opts;
  cairn_engine* engine = NULL;
  uint8_t raw[32];
  char* json = NULL;
  size_t i;

  /* A version-1 caller's struct ends before the master key: init writes nothing past it and
   * open reads nothing past it. */
  memset(&opts, 0xAB, sizeof opts);
  CHECK(cairn_engine_options_init(&opts, 1) == CAIRN_OK);
  CHECK(opts.version == 1 && opts.busy_timeout_ms == 5000);
  {
    const unsigned char* tail = (const unsigned char*)&opts.master_key;
    size_t n = sizeof opts - (size_t)(tail - (const unsigned char*)&opts);
    int untouched = 1;
    for (i = 0; i < n; i++) untouched &= tail[i] == 0xAB;
    CHECK(untouched);
  }
  CHECK(cairn_engine_open(&engine, "memory:", &opts) == CAIRN_OK);
  CHECK(cairn_secrets_create_org(&json, engine, "acme", "ada") == CAIRN_FAILED_PRECONDITION);
  CHECK_REASON("SECRETS_MASTER_KEY_MISSING");
  cairn_engine_close(engine);

  CHECK(cairn_engine_options_init(&opts, CAIRN_ENGINE_OPTIONS_VERSION) == CAIRN_OK);
  CHECK(opts.version == 2 && opts.master_key == NULL && opts.master_key_bytes == NULL &&
        opts.master_key_len == 0);

  /* Bad keys. */
  CHECK(try_open("memory:", "abc") == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("SECRETS_MASTER_KEY_INVALID");
  CHECK(try_open("memory:", "000102030405060708090a0b0c0d0e0f") == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("SECRETS_MASTER_KEY_INVALID");
  CHECK(try_open("memory:", "zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f") ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("SECRETS_MASTER_KEY_INVALID");
  CHECK(try_open("memory:", "") == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("SECRETS_MASTER_KEY_INVALID");

  /* Raw bytes: 32 of them, and not together with the hex form. */
  for (i = 0; i < sizeof raw; i++) raw[i] = (uint8_t)i; /* the bytes of kKey1 */
  opts.master_key_bytes = raw;
  opts.master_key_len = 31;
  engine = (cairn_engine*)&engine;
  CHECK(cairn_engine_open(&engine, "memory:", &opts) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("SECRETS_MASTER_KEY_INVALID");
  CHECK(engine == NULL);
  opts.master_key_len = 32;
  opts.master_key = kKey1;
  CHECK(cairn_engine_open(&engine, "memory:", &opts) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("ENGINE_OPTIONS_INVALID");
  opts.master_key = NULL;
  CHECK(cairn_engine_open(&engine, "memory:", &opts) == CAIRN_OK);
  CHECK(cairn_secrets_create_org(&json, engine, "acme", "ada") == CAIRN_OK);
  cairn_free(json);
  cairn_engine_close(engine);
}

/* The bytes and hex forms of one key are the same key. */
static void test_raw_and_hex_keys_agree(void) {
  char uri[128];
  cairn_engine_options opts = CAIRN_ENGINE_OPTIONS_INIT;
  cairn_engine* engine = NULL;
  uint8_t raw[32];
  size_t i;
  snprintf(uri, sizeof uri, "sqlite:%s/raw.db", temp_dir);
  for (i = 0; i < sizeof raw; i++) raw[i] = (uint8_t)i;
  opts.master_key_bytes = raw;
  opts.master_key_len = sizeof raw;
  CHECK(cairn_engine_open(&engine, uri, &opts) == CAIRN_OK);
  {
    char* json = NULL;
    CHECK(cairn_secrets_create_org(&json, engine, "acme", "ada") == CAIRN_OK);
    cairn_free(json);
  }
  cairn_engine_close(engine);
  CHECK(try_open(uri, kKey1) == CAIRN_OK);
  CHECK(try_open(uri, kKey2) == CAIRN_FAILED_PRECONDITION);
  CHECK_REASON("SECRETS_MASTER_KEY_MISMATCH");
}

/* The engine's secrets, flow by flow on one backend */

/* An org "acme" owned by ada with project billing and environments prod and dev. */
static int setup_org(fixture* f) {
  char* json = NULL;
  int ok = 1;
  ok &= cairn_secrets_create_org(&json, f->engine, "acme", "ada") == CAIRN_OK;
  cairn_free(json);
  json = NULL;
  ok &= cairn_secrets_create_project(&json, f->engine, "acme", "billing", "ada") == CAIRN_OK;
  cairn_free(json);
  json = NULL;
  ok &= cairn_secrets_create_environment(&json, f->engine, "acme", "billing", "prod", "ada") ==
        CAIRN_OK;
  cairn_free(json);
  json = NULL;
  ok &= cairn_secrets_create_environment(&json, f->engine, "acme", "billing", "dev", "ada") ==
        CAIRN_OK;
  cairn_free(json);
  return ok;
}

/* 1 when actor reads `want` as the latest value of key in acme/billing/prod. */
static int reads(cairn_engine* engine, const char* actor, const char* key, const char* want) {
  char* value = NULL;
  int same;
  if (cairn_secrets_get(&value, engine, "acme", "billing", "prod", key, actor, 0, 0, 1) !=
      CAIRN_OK) {
    return 0;
  }
  same = value != NULL && strcmp(value, want) == 0;
  free_secret(value);
  return same;
}

/* The status of actor setting key in acme/billing/prod to kV1. */
static cairn_status set_as(cairn_engine* engine, const char* actor, const char* key) {
  int64_t version = 0;
  return cairn_secrets_set(&version, engine, "acme", "billing", "prod", key, kV1, actor);
}

static void orgs_projects_environments(const char* uri) {
  fixture f;
  char *json = NULL, id[40], name[80];
  if (!open_engine(&f, uri, kKey1)) {
    CHECK(0);
    return;
  }
  CHECK(cairn_secrets_create_org(&json, f.engine, "acme", "ada") == CAIRN_OK);
  CHECK(strlen(json_str(json, "id", id, sizeof id)) == 32);
  CHECK_STR_EQ(json_str(json, "name", name, sizeof name), "acme");
  CHECK(json_int(json, "created_at_micros") == T0);
  cairn_free(json);
  CHECK(cairn_secrets_org(&json, f.engine, "acme") == CAIRN_OK);
  CHECK(has(json, id));
  cairn_free(json);

  json = (char*)&json;
  CHECK(cairn_secrets_create_org(&json, f.engine, "acme", "bob") == CAIRN_ALREADY_EXISTS);
  CHECK_REASON("SECRETS_ORG_EXISTS");
  CHECK(json == NULL);
  CHECK(cairn_secrets_create_org(&json, f.engine, "Acme!", "ada") == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("SECRETS_NAME_INVALID");
  CHECK(cairn_secrets_org(&json, f.engine, "nope") == CAIRN_NOT_FOUND);
  CHECK_REASON("SECRETS_ORG_NOT_FOUND");

  CHECK(cairn_secrets_create_project(&json, f.engine, "acme", "billing", "ada") == CAIRN_OK);
  CHECK(has(json, "\"name\":\"billing\"") && has(json, id));
  cairn_free(json);
  CHECK(cairn_secrets_create_project(&json, f.engine, "acme", "billing", "ada") ==
        CAIRN_ALREADY_EXISTS);
  CHECK_REASON("SECRETS_PROJECT_EXISTS");
  CHECK(cairn_secrets_create_project(&json, f.engine, "nope", "billing", "ada") == CAIRN_NOT_FOUND);
  CHECK_REASON("SECRETS_ORG_NOT_FOUND");
  CHECK(cairn_secrets_create_environment(&json, f.engine, "acme", "billing", "prod", "ada") ==
        CAIRN_OK);
  CHECK(has(json, "\"name\":\"prod\"") && json_int(json, "created_at_micros") == T0);
  cairn_free(json);
  CHECK(cairn_secrets_create_environment(&json, f.engine, "acme", "billing", "dev", "ada") ==
        CAIRN_OK);
  cairn_free(json);
  CHECK(cairn_secrets_create_environment(&json, f.engine, "acme", "billing", "prod", "ada") ==
        CAIRN_ALREADY_EXISTS);
  CHECK_REASON("SECRETS_ENVIRONMENT_EXISTS");
  CHECK(cairn_secrets_create_environment(&json, f.engine, "acme", "web", "prod", "ada") ==
        CAIRN_NOT_FOUND);
  CHECK_REASON("SECRETS_PROJECT_NOT_FOUND");

  CHECK(cairn_secrets_projects(&json, f.engine, "acme", "ada") == CAIRN_OK);
  CHECK(json != NULL && strcmp(json, "[\"billing\"]") == 0);
  cairn_free(json);
  CHECK(cairn_secrets_environments(&json, f.engine, "acme", "billing", "ada") == CAIRN_OK);
  CHECK(has(json, "\"dev\"") && has(json, "\"prod\""));
  cairn_free(json);

  CHECK(cairn_secrets_add_member(f.engine, "acme", "bob", "developer", "ada") == CAIRN_OK);
  CHECK(cairn_secrets_add_member(f.engine, "acme", "bob", "boss", "ada") == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("SECRETS_ROLE_INVALID");
  CHECK(cairn_secrets_members(&json, f.engine, "acme", "ada") == CAIRN_OK);
  CHECK(has(json, "{\"user\":\"ada\",\"role\":\"owner\"}") &&
        has(json, "{\"user\":\"bob\",\"role\":\"developer\"}"));
  cairn_free(json);
  CHECK(cairn_secrets_orgs(&json, f.engine, "bob") == CAIRN_OK);
  CHECK(count_objects(json) == 1 && has(json, "\"name\":\"acme\""));
  cairn_free(json);
  CHECK(cairn_secrets_orgs(&json, f.engine, "zed") == CAIRN_OK);
  CHECK(json != NULL && strcmp(json, "[]") == 0);
  cairn_free(json);
  CHECK(cairn_secrets_remove_member(f.engine, "acme", "bob", "ada") == CAIRN_OK);
  CHECK(cairn_secrets_orgs(&json, f.engine, "bob") == CAIRN_OK);
  CHECK(json != NULL && strcmp(json, "[]") == 0);
  cairn_free(json);
  close_engine(&f);
}

static void versions_and_time(const char* uri) {
  fixture f;
  char* json = NULL;
  char* value = NULL;
  int64_t v = 0;
  if (!open_engine(&f, uri, kKey1) || !setup_org(&f)) {
    CHECK(0);
    return;
  }
  CHECK(cairn_secrets_set(&v, f.engine, "acme", "billing", "prod", "DATABASE_URL", kV1, "ada") ==
        CAIRN_OK);
  CHECK(v == 1);
  CHECK(cairn_env_fake_advance(f.env, MINUTE) == CAIRN_OK);
  CHECK(cairn_secrets_set(&v, f.engine, "acme", "billing", "prod", "DATABASE_URL", kV2, "ada") ==
        CAIRN_OK);
  CHECK(v == 2);
  CHECK(cairn_env_fake_advance(f.env, MINUTE) == CAIRN_OK);
  CHECK(cairn_secrets_set(&v, f.engine, "acme", "billing", "prod", "DATABASE_URL", kV3, "ada") ==
        CAIRN_OK);
  CHECK(v == 3);
  CHECK(reads(f.engine, "ada", "DATABASE_URL", kV3));

  /* By version and by time. */
  CHECK(cairn_secrets_get(&value, f.engine, "acme", "billing", "prod", "DATABASE_URL", "ada", 1, 0,
                          1) == CAIRN_OK);
  CHECK(value != NULL && strcmp(value, kV1) == 0);
  free_secret(value);
  CHECK(cairn_secrets_get(&value, f.engine, "acme", "billing", "prod", "DATABASE_URL", "ada", 0,
                          T0 + 30 * SECOND, 1) == CAIRN_OK);
  CHECK(value != NULL && strcmp(value, kV1) == 0);
  free_secret(value);
  CHECK(cairn_secrets_get(&value, f.engine, "acme", "billing", "prod", "DATABASE_URL", "ada", 0,
                          T0 + MINUTE, 1) == CAIRN_OK);
  CHECK(value != NULL && strcmp(value, kV2) == 0);
  free_secret(value);
  value = (char*)&value;
  CHECK(cairn_secrets_get(&value, f.engine, "acme", "billing", "prod", "DATABASE_URL", "ada", 9, 0,
                          1) == CAIRN_NOT_FOUND);
  CHECK_REASON("SECRET_VERSION_NOT_FOUND");
  CHECK(value == NULL);
  CHECK(cairn_secrets_get(&value, f.engine, "acme", "billing", "prod", "DATABASE_URL", "ada", 0,
                          T0 - SECOND, 1) == CAIRN_NOT_FOUND);
  CHECK_REASON("SECRET_VERSION_NOT_FOUND");
  CHECK(value == NULL);
  CHECK(cairn_secrets_get(&value, f.engine, "acme", "billing", "prod", "NOPE", "ada", 0, 0, 1) ==
        CAIRN_NOT_FOUND);
  CHECK_REASON("SECRET_NOT_FOUND");
  CHECK(cairn_secrets_get(&value, f.engine, "acme", "billing", "qa", "NOPE", "ada", 0, 0, 1) ==
        CAIRN_NOT_FOUND);
  CHECK_REASON("SECRETS_ENVIRONMENT_NOT_FOUND");

  /* Versions carry no values. */
  CHECK(cairn_secrets_versions(&json, f.engine, "acme", "billing", "prod", "DATABASE_URL", "ada") ==
        CAIRN_OK);
  CHECK(count_objects(json) == 3);
  CHECK(has(json, "{\"version\":1,\"created_at_micros\":1767225600000000,\"created_by\":\"ada\"}"));
  CHECK(has(json, "{\"version\":3,\"created_at_micros\":1767225720000000,\"created_by\":\"ada\"}"));
  CHECK(!has(json, "postgres"));
  cairn_free(json);

  /* Rollback makes a new version with an old value. */
  CHECK(cairn_secrets_rollback(&v, f.engine, "acme", "billing", "prod", "DATABASE_URL", 1, "ada") ==
        CAIRN_OK);
  CHECK(v == 4);
  CHECK(reads(f.engine, "ada", "DATABASE_URL", kV1));
  CHECK(cairn_secrets_rollback(&v, f.engine, "acme", "billing", "prod", "DATABASE_URL", 42,
                               "ada") == CAIRN_NOT_FOUND);
  CHECK_REASON("SECRET_VERSION_NOT_FOUND");
  CHECK(v == 0);

  /* Bad keys and values. */
  CHECK(cairn_secrets_set(&v, f.engine, "acme", "billing", "prod", "1BAD", kV1, "ada") ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("SECRETS_KEY_INVALID");
  CHECK(cairn_secrets_set(&v, f.engine, "acme", "billing", "prod", "BAD", kNotUtf8, "ada") ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("SECRETS_VALUE_INVALID");

  /* List, delete, restore. */
  CHECK(cairn_secrets_set(&v, f.engine, "acme", "billing", "prod", "API_TOKEN", kV2, "ada") ==
        CAIRN_OK);
  CHECK(cairn_secrets_list(&json, f.engine, "acme", "billing", "prod", "ada") == CAIRN_OK);
  CHECK(json != NULL && strcmp(json, "[\"API_TOKEN\",\"DATABASE_URL\"]") == 0);
  cairn_free(json);
  CHECK(cairn_secrets_delete(f.engine, "acme", "billing", "prod", "API_TOKEN", "ada") == CAIRN_OK);
  CHECK(cairn_secrets_delete(f.engine, "acme", "billing", "prod", "API_TOKEN", "ada") ==
        CAIRN_NOT_FOUND);
  CHECK_REASON("SECRET_NOT_FOUND");
  CHECK(!reads(f.engine, "ada", "API_TOKEN", kV2));
  CHECK(cairn_error_last()->code == CAIRN_NOT_FOUND);
  CHECK(cairn_secrets_list(&json, f.engine, "acme", "billing", "prod", "ada") == CAIRN_OK);
  CHECK(json != NULL && strcmp(json, "[\"DATABASE_URL\"]") == 0);
  cairn_free(json);
  CHECK(cairn_secrets_restore(f.engine, "acme", "billing", "prod", "API_TOKEN", "ada") == CAIRN_OK);
  CHECK(reads(f.engine, "ada", "API_TOKEN", kV2));
  /* A name reused after deletion blocks restoring the old secret. */
  CHECK(cairn_secrets_delete(f.engine, "acme", "billing", "prod", "API_TOKEN", "ada") == CAIRN_OK);
  CHECK(set_as(f.engine, "ada", "API_TOKEN") == CAIRN_OK);
  CHECK(cairn_secrets_restore(f.engine, "acme", "billing", "prod", "API_TOKEN", "ada") ==
        CAIRN_ALREADY_EXISTS);
  CHECK_REASON("SECRET_EXISTS");

  /* References. */
  CHECK(cairn_secrets_set(&v, f.engine, "acme", "billing", "prod", "HOST", kHost, "ada") ==
        CAIRN_OK);
  CHECK(cairn_secrets_set(&v, f.engine, "acme", "billing", "prod", "URL", kUrlRaw, "ada") ==
        CAIRN_OK);
  CHECK(reads(f.engine, "ada", "URL", kUrlExpanded));
  CHECK(cairn_secrets_get(&value, f.engine, "acme", "billing", "prod", "URL", "ada", 0, 0, 0) ==
        CAIRN_OK);
  CHECK(value != NULL && strcmp(value, kUrlRaw) == 0);
  free_secret(value);
  CHECK(cairn_secrets_set(&v, f.engine, "acme", "billing", "prod", "A", kRefToB, "ada") ==
        CAIRN_OK);
  CHECK(cairn_secrets_set(&v, f.engine, "acme", "billing", "prod", "B", kRefToA, "ada") ==
        CAIRN_OK);
  value = (char*)&value;
  CHECK(cairn_secrets_get(&value, f.engine, "acme", "billing", "prod", "A", "ada", 0, 0, 1) ==
        CAIRN_FAILED_PRECONDITION);
  CHECK_REASON("SECRETS_REFERENCE_CYCLE");
  CHECK(value == NULL);

  /* The audit log tells what happened and never a value. */
  CHECK(query_audit(&json, f.engine, NULL, 1000) == CAIRN_OK);
  CHECK(has(json, "secrets."));
  CHECK(!has(json, kV1) && !has(json, kV2) && !has(json, kV3) && !has(json, kHost));
  cairn_free(json);
  close_engine(&f);
}

static void access_rules(const char* uri) {
  fixture f;
  char *bob_rule = NULL, *carl_rule = NULL, *rule = NULL, *json = NULL;
  int allowed = -1;
  if (!open_engine(&f, uri, kKey1) || !setup_org(&f)) {
    CHECK(0);
    return;
  }
  CHECK(set_as(f.engine, "ada", "DB") == CAIRN_OK);
  CHECK(cairn_secrets_add_member(f.engine, "acme", "bob", "member", "ada") == CAIRN_OK);
  CHECK(cairn_secrets_add_member(f.engine, "acme", "carl", "developer", "ada") == CAIRN_OK);
  CHECK(cairn_secrets_add_member(f.engine, "acme", "dan", "developer", "ada") == CAIRN_OK);
  CHECK(cairn_secrets_add_member(f.engine, "acme", "eve", "admin", "ada") == CAIRN_OK);

  /* A member holding a write rule still only reads: the role caps the rule. */
  CHECK(cairn_secrets_grant(&bob_rule, f.engine, "acme", "bob", "billing", "prod", "write",
                            "ada") == CAIRN_OK);
  CHECK(bob_rule != NULL && strlen(bob_rule) > 0);
  CHECK(set_as(f.engine, "bob", "DB") == CAIRN_PERMISSION_DENIED);
  CHECK_REASON("SECRETS_ACCESS_DENIED");
  CHECK(reads(f.engine, "bob", "DB", kV1));
  CHECK(cairn_secrets_check(&allowed, &rule, f.engine, "acme", "bob", "billing", "prod", "write") ==
        CAIRN_OK);
  CHECK(allowed == 0 && rule != NULL && strcmp(rule, "") == 0);
  cairn_free(rule);
  CHECK(cairn_secrets_check(&allowed, &rule, f.engine, "acme", "bob", "billing", "prod", "read") ==
        CAIRN_OK);
  CHECK(allowed == 1 && rule != NULL && bob_rule != NULL && strcmp(rule, bob_rule) == 0);
  cairn_free(rule);
  CHECK(cairn_secrets_check(&allowed, NULL, f.engine, "acme", "bob", "billing", "dev", "read") ==
        CAIRN_OK);
  CHECK(allowed == 0);

  /* References are expanded only where the reader may read. */
  {
    int64_t v = 0;
    char* value = NULL;
    CHECK(cairn_secrets_set(&v, f.engine, "acme", "billing", "dev", "DB", kV2, "ada") == CAIRN_OK);
    CHECK(cairn_secrets_set(&v, f.engine, "acme", "billing", "prod", "REF", kRefToDev, "ada") ==
          CAIRN_OK);
    CHECK(reads(f.engine, "ada", "REF", kV2));
    CHECK(!reads(f.engine, "bob", "REF", kV2));
    CHECK_REASON("SECRETS_ACCESS_DENIED");
    CHECK(cairn_secrets_get(&value, f.engine, "acme", "billing", "prod", "REF", "bob", 0, 0, 0) ==
          CAIRN_OK);
    CHECK(value != NULL && strcmp(value, kRefToDev) == 0);
    free_secret(value);
  }

  /* A developer with a write rule writes, where the patterns match. */
  CHECK(cairn_secrets_grant(&carl_rule, f.engine, "acme", "carl", "bill*", "{prod,staging}",
                            "write", "ada") == CAIRN_OK);
  CHECK(set_as(f.engine, "carl", "DB") == CAIRN_OK);
  CHECK(reads(f.engine, "carl", "DB", kV1));
  CHECK(cairn_secrets_check(&allowed, NULL, f.engine, "acme", "carl", "billing", "dev", "read") ==
        CAIRN_OK);
  CHECK(allowed == 0);

  /* No rule: denied, reads too. */
  CHECK(set_as(f.engine, "dan", "DB") == CAIRN_PERMISSION_DENIED);
  CHECK_REASON("SECRETS_ACCESS_DENIED");
  CHECK(!reads(f.engine, "dan", "DB", kV1));
  CHECK(cairn_error_last()->code == CAIRN_PERMISSION_DENIED);
  CHECK_REASON("SECRETS_ACCESS_DENIED");
  CHECK(!reads(f.engine, "zed", "DB", kV1)); /* not a member: the org looks missing */
  CHECK_REASON("SECRETS_ORG_NOT_FOUND");

  /* Owners, admins and superadmins need no rule. */
  CHECK(set_as(f.engine, "ada", "DB") == CAIRN_OK);
  CHECK(set_as(f.engine, "eve", "DB") == CAIRN_OK);
  CHECK(cairn_secrets_check(&allowed, &rule, f.engine, "acme", "ada", "billing", "prod", "admin") ==
        CAIRN_OK);
  CHECK(allowed == 1 && rule != NULL && strcmp(rule, "role:owner") == 0);
  cairn_free(rule);
  CHECK(cairn_secrets_check(&allowed, &rule, f.engine, "acme", "eve", "billing", "prod", "write") ==
        CAIRN_OK);
  CHECK(allowed == 1 && rule != NULL && strcmp(rule, "role:admin") == 0);
  cairn_free(rule);
  CHECK(cairn_secrets_is_superadmin(&allowed, f.engine, "root") == CAIRN_OK && allowed == 0);
  CHECK(cairn_secrets_set_superadmin(f.engine, "root", 1) == CAIRN_OK);
  CHECK(cairn_secrets_is_superadmin(&allowed, f.engine, "root") == CAIRN_OK && allowed == 1);
  CHECK(cairn_secrets_check(&allowed, &rule, f.engine, "acme", "root", "billing", "prod",
                            "write") == CAIRN_OK);
  CHECK(allowed == 1 && rule != NULL && strcmp(rule, "superadmin") == 0);
  cairn_free(rule);
  CHECK(reads(f.engine, "root", "DB", kV1));
  CHECK(cairn_secrets_set_superadmin(f.engine, "root", 0) == CAIRN_OK);
  CHECK(!reads(f.engine, "root", "DB", kV1));

  /* Managing rules needs admin. */
  rule = (char*)&rule;
  CHECK(cairn_secrets_grant(&rule, f.engine, "acme", "dan", "*", "*", "read", "carl") ==
        CAIRN_PERMISSION_DENIED);
  CHECK_REASON("SECRETS_ACCESS_DENIED");
  CHECK(rule == NULL);
  CHECK(cairn_secrets_grant(&rule, f.engine, "acme", "dan", "{bad", "*", "read", "ada") ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("ACL_PATTERN_INVALID");
  CHECK(cairn_secrets_grant(&rule, f.engine, "acme", "dan", "*", "*", "owner", "ada") ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("SECRETS_PERMISSION_INVALID");
  CHECK(cairn_secrets_check(&allowed, NULL, f.engine, "acme", "dan", "billing", "prod", "all") ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("SECRETS_PERMISSION_INVALID");

  CHECK(cairn_secrets_rules(&json, f.engine, "acme", "ada") == CAIRN_OK);
  CHECK(count_of(json, "\"org_id\":") == 2); /* patterns may hold '{' */
  CHECK(has(json,
            "\"subject\":\"carl\",\"project_pattern\":\"bill*\","
            "\"env_pattern\":\"{prod,staging}\",\"permission\":\"write\""));
  cairn_free(json);
  CHECK(cairn_secrets_rules(&json, f.engine, "acme", "bob") == CAIRN_PERMISSION_DENIED);

  /* Revoking a rule takes the access away. */
  CHECK(cairn_secrets_revoke(f.engine, "acme", carl_rule, "ada") == CAIRN_OK);
  CHECK(set_as(f.engine, "carl", "DB") == CAIRN_PERMISSION_DENIED);
  CHECK(cairn_secrets_revoke(f.engine, "acme", carl_rule, "ada") == CAIRN_NOT_FOUND);
  CHECK_REASON("ACL_RULE_NOT_FOUND");
  CHECK(cairn_secrets_revoke(f.engine, "acme", "no-such-rule", "ada") == CAIRN_NOT_FOUND);
  CHECK_REASON("ACL_RULE_NOT_FOUND");
  cairn_free(bob_rule);
  cairn_free(carl_rule);
  close_engine(&f);
}

static void service_accounts(const char* uri) {
  fixture f;
  char *account = NULL, *key = NULL, *json = NULL, *rule = NULL, *other_key = NULL;
  char buf[80];
  if (!open_engine(&f, uri, kKey1) || !setup_org(&f)) {
    CHECK(0);
    return;
  }
  CHECK(set_as(f.engine, "ada", "DB") == CAIRN_OK);
  CHECK(cairn_secrets_create_service_account(&account, &key, f.engine, "acme", "ci", "ada",
                                             "billing") == CAIRN_OK);
  CHECK(key != NULL && strncmp(key, "cr_sa_", 6) == 0);
  CHECK(has(account, "\"name\":\"ci\"") && has(account, "\"subject\":\"sa:ci\"") &&
        has(account, "\"project\":\"billing\""));
  CHECK(strlen(json_str(account, "org_id", buf, sizeof buf)) == 32);
  CHECK(key != NULL && !has(account, key));
  cairn_free(account);

  CHECK(cairn_secrets_authenticate_api_key(&json, f.engine, key) == CAIRN_OK);
  CHECK(has(json, "\"subject\":\"sa:ci\""));
  cairn_free(json);

  /* It needs a rule, like a user. */
  CHECK(!reads(f.engine, "sa:ci", "DB", kV1));
  CHECK_REASON("SECRETS_ACCESS_DENIED");
  CHECK(cairn_secrets_grant(&rule, f.engine, "acme", "sa:ci", "*", "*", "read", "ada") == CAIRN_OK);
  cairn_free(rule);
  CHECK(reads(f.engine, "sa:ci", "DB", kV1));

  CHECK(cairn_secrets_create_service_account(&account, &other_key, f.engine, "acme", "deploy",
                                             "ada", NULL) == CAIRN_OK);
  CHECK(has(account, "\"project\":null"));
  cairn_free(account);
  free_secret(other_key);
  account = (char*)&account;
  other_key = (char*)&other_key;
  CHECK(cairn_secrets_create_service_account(&account, &other_key, f.engine, "acme", "ci", "ada",
                                             NULL) == CAIRN_ALREADY_EXISTS);
  CHECK_REASON("SECRETS_SERVICE_ACCOUNT_EXISTS");
  CHECK(account == NULL && other_key == NULL);
  CHECK(cairn_secrets_create_service_account(&account, &other_key, f.engine, "acme", "x", "carl",
                                             NULL) == CAIRN_NOT_FOUND); /* an outsider */

  CHECK(cairn_secrets_service_accounts(&json, f.engine, "acme", "ada") == CAIRN_OK);
  CHECK(count_objects(json) == 2 && has(json, "\"name\":\"ci\"") &&
        has(json, "\"name\":\"deploy\""));
  CHECK(!has(json, "cr_sa_"));
  cairn_free(json);
  json = (char*)&json;
  CHECK(cairn_secrets_service_accounts(&json, f.engine, "acme", "carl") == CAIRN_NOT_FOUND);
  CHECK_REASON("SECRETS_ORG_NOT_FOUND");
  CHECK(json == NULL);

  /* Revoked: the key stops working and the rules go. */
  CHECK(cairn_secrets_revoke_service_account(f.engine, "acme", "ci", "ada") == CAIRN_OK);
  CHECK(cairn_secrets_service_accounts(&json, f.engine, "acme", "ada") == CAIRN_OK);
  CHECK(count_objects(json) == 1 && has(json, "\"name\":\"deploy\""));
  cairn_free(json);
  json = (char*)&json;
  CHECK(cairn_secrets_authenticate_api_key(&json, f.engine, key) == CAIRN_UNAUTHENTICATED);
  CHECK_REASON("AUTH_TOKEN_INVALID");
  CHECK(json == NULL);
  CHECK(!reads(f.engine, "sa:ci", "DB", kV1));
  CHECK(cairn_secrets_rules(&json, f.engine, "acme", "ada") == CAIRN_OK);
  CHECK(count_objects(json) == 0);
  cairn_free(json);
  CHECK(cairn_secrets_revoke_service_account(f.engine, "acme", "ci", "ada") == CAIRN_NOT_FOUND);
  CHECK_REASON("SECRETS_SERVICE_ACCOUNT_NOT_FOUND");
  CHECK(cairn_secrets_authenticate_api_key(&json, f.engine, "cr_sa_not-a-key") ==
        CAIRN_UNAUTHENTICATED);
  CHECK_REASON("AUTH_TOKEN_INVALID");
  free_secret(key);
  close_engine(&f);
}

static void export_and_import(const char* uri) {
  fixture f;
  char* text = NULL;
  char* json = NULL;
  int64_t v = 0, count = -1;
  static const char* kExpected =
      "A_PATH=\"C:\\\\tmp\"\n"
      "B_QUOTE=\"say \\\"hi\\\"\"\n"
      "C_LINES=\"one\\ntwo\"\n"
      "D_PLAIN=\"plain\"\n";
  static const char* kExpectedJson =
      "{\n"
      "  \"A_PATH\": \"C:\\\\tmp\",\n"
      "  \"B_QUOTE\": \"say \\\"hi\\\"\",\n"
      "  \"C_LINES\": \"one\\ntwo\",\n"
      "  \"D_PLAIN\": \"plain\"\n"
      "}\n";
  static const char* kImportDotenv = "D_PLAIN=\"plain\"\nE_NEW=\"new\"\n";
  static const char* kImportJson = "{\"D_PLAIN\":\"changed\",\"E_NEW\":\"new\"}";
  static const char* kImportBad = "F_NEW=\"x\"\nthis is not a line\n";
  if (!open_engine(&f, uri, kKey1) || !setup_org(&f)) {
    CHECK(0);
    return;
  }
  CHECK(cairn_secrets_set(&v, f.engine, "acme", "billing", "prod", "D_PLAIN", kPlain, "ada") ==
        CAIRN_OK);
  CHECK(cairn_secrets_set(&v, f.engine, "acme", "billing", "prod", "C_LINES", kLines, "ada") ==
        CAIRN_OK);
  CHECK(cairn_secrets_set(&v, f.engine, "acme", "billing", "prod", "B_QUOTE", kQuote, "ada") ==
        CAIRN_OK);
  CHECK(cairn_secrets_set(&v, f.engine, "acme", "billing", "prod", "A_PATH", kPath, "ada") ==
        CAIRN_OK);

  CHECK(cairn_secrets_export(&text, f.engine, "acme", "billing", "prod", "ada", "dotenv", 0) ==
        CAIRN_OK);
  CHECK(text != NULL && strcmp(text, kExpected) == 0);
  free_secret(text);
  CHECK(cairn_secrets_export(&text, f.engine, "acme", "billing", "prod", "ada", NULL, 0) ==
        CAIRN_OK);
  CHECK(text != NULL && strcmp(text, kExpected) == 0);
  free_secret(text);
  CHECK(cairn_secrets_export(&text, f.engine, "acme", "billing", "prod", "ada", "json", 0) ==
        CAIRN_OK);
  CHECK(text != NULL && strcmp(text, kExpectedJson) == 0);
  free_secret(text);
  text = (char*)&text;
  CHECK(cairn_secrets_export(&text, f.engine, "acme", "billing", "prod", "ada", "yaml", 0) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("SECRETS_FORMAT_INVALID");
  CHECK(text == NULL);
  CHECK(cairn_secrets_export(&text, f.engine, "acme", "billing", "prod", "zed", NULL, 0) ==
        CAIRN_NOT_FOUND);
  CHECK(text == NULL);

  /* The export imports into another environment as the same secrets. */
  CHECK(cairn_secrets_import(&count, f.engine, "acme", "billing", "dev", kExpected, "ada",
                             "dotenv") == CAIRN_OK);
  CHECK(count == 4);
  CHECK(cairn_secrets_export(&text, f.engine, "acme", "billing", "dev", "ada", "dotenv", 0) ==
        CAIRN_OK);
  CHECK(text != NULL && strcmp(text, kExpected) == 0);
  free_secret(text);
  /* Only values that differ are set. */
  CHECK(cairn_secrets_import(&count, f.engine, "acme", "billing", "dev", kImportDotenv, "ada",
                             NULL) == CAIRN_OK);
  CHECK(count == 1);
  CHECK(cairn_secrets_import(&count, f.engine, "acme", "billing", "dev", kImportJson, "ada",
                             "json") == CAIRN_OK);
  CHECK(count == 1);
  CHECK(cairn_secrets_list(&json, f.engine, "acme", "billing", "dev", "ada") == CAIRN_OK);
  CHECK(json != NULL &&
        strcmp(json, "[\"A_PATH\",\"B_QUOTE\",\"C_LINES\",\"D_PLAIN\",\"E_NEW\"]") == 0);
  cairn_free(json);
  /* A bad document sets nothing. */
  count = -1;
  CHECK(cairn_secrets_import(&count, f.engine, "acme", "billing", "dev", kImportBad, "ada", NULL) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("SECRETS_IMPORT_INVALID");
  CHECK(count == 0);
  CHECK(cairn_secrets_import(&count, f.engine, "acme", "billing", "dev", "[1,2]", "ada", "json") ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("SECRETS_IMPORT_INVALID");
  CHECK(cairn_secrets_import(&count, f.engine, "acme", "billing", "dev", "A=1", "ada", "toml") ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("SECRETS_FORMAT_INVALID");
  CHECK(cairn_secrets_list(&json, f.engine, "acme", "billing", "dev", "ada") == CAIRN_OK);
  CHECK(!has(json, "F_NEW"));
  cairn_free(json);
  close_engine(&f);
}

/* An expanded export reads the whole environment, references resolved, in one audit entry. */
static void export_expanded(const char* uri) {
  fixture f;
  char* text = NULL;
  char* json = NULL;
  char* rule = NULL;
  int64_t v = 0;
  int gets = 0;
  static const char* kExpandedDotenv =
      "HOST=\"db.internal\"\n"
      "REF=\"postgres://app:second@db/app\"\n"
      "URL=\"pg://db.internal/app \\${X}\"\n";
  static const char* kRawDotenv =
      "HOST=\"db.internal\"\n"
      "REF=\"\\${dev.DB}\"\n"
      "URL=\"pg://\\${HOST}/app \\$\\${X}\"\n";
  static const char* kExpandedJson =
      "{\n"
      "  \"HOST\": \"db.internal\",\n"
      "  \"REF\": \"postgres://app:second@db/app\",\n"
      "  \"URL\": \"pg://db.internal/app ${X}\"\n"
      "}\n";
  if (!open_engine(&f, uri, kKey1) || !setup_org(&f)) {
    CHECK(0);
    return;
  }
  CHECK(cairn_secrets_set(&v, f.engine, "acme", "billing", "dev", "DB", kV2, "ada") == CAIRN_OK);
  CHECK(cairn_secrets_set(&v, f.engine, "acme", "billing", "prod", "HOST", kHost, "ada") ==
        CAIRN_OK);
  CHECK(cairn_secrets_set(&v, f.engine, "acme", "billing", "prod", "URL", kUrlRaw, "ada") ==
        CAIRN_OK);
  CHECK(cairn_secrets_set(&v, f.engine, "acme", "billing", "prod", "REF", kRefToDev, "ada") ==
        CAIRN_OK);

  CHECK(cairn_secrets_export(&text, f.engine, "acme", "billing", "prod", "ada", NULL, 1) ==
        CAIRN_OK);
  CHECK(text != NULL && strcmp(text, kExpandedDotenv) == 0);
  free_secret(text);
  CHECK(cairn_secrets_export(&text, f.engine, "acme", "billing", "prod", "ada", "json", 1) ==
        CAIRN_OK);
  CHECK(text != NULL && strcmp(text, kExpandedJson) == 0);
  free_secret(text);
  /* expand 0 leaves references alone. */
  CHECK(cairn_secrets_export(&text, f.engine, "acme", "billing", "prod", "ada", NULL, 0) ==
        CAIRN_OK);
  CHECK(text != NULL && strcmp(text, kRawDotenv) == 0);
  free_secret(text);
  CHECK(cairn_secrets_export(&text, f.engine, "acme", "billing", "prod", "ada", NULL, 0) ==
        CAIRN_OK);
  CHECK(text != NULL && strcmp(text, kRawDotenv) == 0);
  free_secret(text);
  /* References were read without a secrets.get entry each: the exports are the entries. */
  CHECK(query_audit(&json, f.engine, "secrets.get", 1000) == CAIRN_OK);
  gets = count_of(json, "\"secrets.get\"");
  CHECK(gets == 0);
  cairn_free(json);
  CHECK(query_audit(&json, f.engine, "secrets.export", 1000) == CAIRN_OK);
  CHECK(count_of(json, "\"secrets.export\"") == 4);
  cairn_free(json);

  /* A reader who may not read a referenced secret gets no export. */
  CHECK(cairn_secrets_add_member(f.engine, "acme", "bob", "member", "ada") == CAIRN_OK);
  CHECK(cairn_secrets_grant(&rule, f.engine, "acme", "bob", "billing", "prod", "read", "ada") ==
        CAIRN_OK);
  cairn_free(rule);
  text = (char*)&text;
  CHECK(cairn_secrets_export(&text, f.engine, "acme", "billing", "prod", "bob", NULL, 1) ==
        CAIRN_PERMISSION_DENIED);
  CHECK_REASON("SECRETS_ACCESS_DENIED");
  CHECK(text == NULL);
  CHECK(cairn_secrets_export(&text, f.engine, "acme", "billing", "prod", "bob", NULL, 0) ==
        CAIRN_OK);
  free_secret(text);
  close_engine(&f);
}

/* Rotation works on the open engine, whatever the backend. */
static void rotation_in_place(const char* uri) {
  fixture f;
  if (!open_engine(&f, uri, kKey1) || !setup_org(&f)) {
    CHECK(0);
    return;
  }
  CHECK(set_as(f.engine, "ada", "DB") == CAIRN_OK);
  CHECK(cairn_secrets_rotate_master_key(f.engine, "abcd", "ada") == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("SECRETS_MASTER_KEY_INVALID");
  CHECK(cairn_secrets_rotate_master_key(
            f.engine, "zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "ada") ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("SECRETS_MASTER_KEY_INVALID");
  CHECK(reads(f.engine, "ada", "DB", kV1));
  CHECK(cairn_secrets_rotate_master_key(f.engine, kKey2, "ada") == CAIRN_OK);
  CHECK(reads(f.engine, "ada", "DB", kV1));
  CHECK(set_as(f.engine, "ada", "DB2") == CAIRN_OK);
  CHECK(reads(f.engine, "ada", "DB2", kV1));
  CHECK(cairn_secrets_rotate_master_key(f.engine, kKey1, NULL) == CAIRN_OK);
  CHECK(reads(f.engine, "ada", "DB2", kV1));
  close_engine(&f);
}

static void null_arguments(const char* uri) {
  fixture f;
  char* json = (char*)&json;
  int64_t n = -1;
  int allowed = -1;
  if (!open_engine(&f, uri, kKey1)) {
    CHECK(0);
    return;
  }
  CHECK(cairn_secrets_create_org(NULL, f.engine, "acme", "ada") == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(cairn_secrets_create_org(&json, NULL, "acme", "ada") == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(json == NULL);
  CHECK(cairn_secrets_create_org(&json, f.engine, NULL, "ada") == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_secrets_set(&n, f.engine, "acme", "billing", "prod", "K", NULL, "ada") ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(n == 0);
  CHECK(cairn_secrets_get(NULL, f.engine, "acme", "billing", "prod", "K", "ada", 0, 0, 1) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_secrets_get(&json, f.engine, "acme", "billing", "prod", "K", NULL, 0, 0, 1) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_secrets_check(NULL, NULL, f.engine, "acme", "a", "p", "e", "read") ==
        CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_secrets_check(&allowed, NULL, f.engine, "acme", NULL, "p", "e", "read") ==
        CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_secrets_create_service_account(&json, NULL, f.engine, "acme", "ci", "ada", NULL) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK(json == NULL);
  CHECK(cairn_secrets_import(&n, f.engine, "acme", "billing", "prod", NULL, "ada", NULL) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_secrets_rotate_master_key(f.engine, NULL, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_secrets_rotate_master_key(NULL, kKey2, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_secrets_set_superadmin(NULL, "root", 1) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  close_engine(&f);
}

/* Deleting an environment, a project or an org frees its name; what was below is gone. */
static void soft_deletes(const char* uri) {
  fixture f;
  char* json = NULL;
  char* value = NULL;
  if (!open_engine(&f, uri, kKey1) || !setup_org(&f)) {
    CHECK(0);
    return;
  }
  CHECK(set_as(f.engine, "ada", "DB") == CAIRN_OK);
  CHECK(cairn_secrets_add_member(f.engine, "acme", "dev", "developer", "ada") == CAIRN_OK);

  CHECK(cairn_secrets_delete_environment(f.engine, "acme", "billing", "prod", "dev") ==
        CAIRN_PERMISSION_DENIED);
  CHECK_REASON("SECRETS_ACCESS_DENIED");
  CHECK(cairn_secrets_delete_environment(f.engine, "acme", "billing", "prod", "ada") == CAIRN_OK);
  CHECK(cairn_secrets_get(&value, f.engine, "acme", "billing", "prod", "DB", "ada", 0, 0, 1) ==
        CAIRN_NOT_FOUND);
  CHECK_REASON("SECRETS_ENVIRONMENT_NOT_FOUND");
  CHECK(value == NULL);
  CHECK(cairn_secrets_delete_environment(f.engine, "acme", "billing", "prod", "ada") ==
        CAIRN_NOT_FOUND);
  CHECK_REASON("SECRETS_ENVIRONMENT_NOT_FOUND");
  CHECK(cairn_secrets_create_environment(&json, f.engine, "acme", "billing", "prod", "ada") ==
        CAIRN_OK);
  cairn_free(json);
  CHECK(cairn_secrets_list(&json, f.engine, "acme", "billing", "prod", "ada") == CAIRN_OK);
  CHECK(json != NULL && strcmp(json, "[]") == 0);
  cairn_free(json);

  CHECK(cairn_secrets_delete_project(f.engine, "acme", "billing", "dev") ==
        CAIRN_PERMISSION_DENIED);
  CHECK(cairn_secrets_delete_project(f.engine, "acme", "billing", "ada") == CAIRN_OK);
  CHECK(cairn_secrets_projects(&json, f.engine, "acme", "ada") == CAIRN_OK);
  CHECK(json != NULL && strcmp(json, "[]") == 0);
  cairn_free(json);
  CHECK(cairn_secrets_delete_project(f.engine, "acme", "billing", "ada") == CAIRN_NOT_FOUND);
  CHECK_REASON("SECRETS_PROJECT_NOT_FOUND");

  CHECK(cairn_secrets_delete_org(f.engine, "acme", "dev") == CAIRN_PERMISSION_DENIED);
  CHECK_REASON("SECRETS_ACCESS_DENIED");
  CHECK(cairn_secrets_delete_org(f.engine, "acme", "ada") == CAIRN_OK);
  CHECK(cairn_secrets_org(&json, f.engine, "acme") == CAIRN_NOT_FOUND);
  CHECK_REASON("SECRETS_ORG_NOT_FOUND");
  CHECK(cairn_secrets_create_org(&json, f.engine, "acme", "bob") == CAIRN_OK);
  cairn_free(json);
  CHECK(cairn_secrets_delete_org(NULL, "acme", "bob") == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_secrets_delete_project(f.engine, "acme", NULL, "bob") == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_secrets_delete_environment(f.engine, "acme", "p", NULL, "bob") ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  close_engine(&f);
}

/* Runs every flow on its own database: "memory:", or a new file when sqlite is non-zero. */
static void superadmins(const char* uri) {
  fixture f;
  char* json = NULL;
  int claimed = -1;
  if (!open_engine(&f, uri, kKey1)) {
    CHECK(0);
    return;
  }
  CHECK(cairn_secrets_superadmins(&json, f.engine) == CAIRN_OK);
  CHECK(json != NULL && strcmp(json, "[]") == 0);
  cairn_free(json);
  CHECK(cairn_secrets_claim_first_superadmin(&claimed, f.engine, "ada") == CAIRN_OK);
  CHECK(claimed == 1);
  CHECK(cairn_secrets_claim_first_superadmin(&claimed, f.engine, "eve") == CAIRN_OK);
  CHECK(claimed == 0);
  CHECK(cairn_secrets_claim_first_superadmin(&claimed, f.engine, "sa:ci") ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("SECRETS_SUBJECT_INVALID");
  CHECK(cairn_secrets_grant_superadmin(f.engine, "bob", "eve") == CAIRN_PERMISSION_DENIED);
  CHECK_REASON("SECRETS_ACCESS_DENIED");
  CHECK(cairn_secrets_grant_superadmin(f.engine, "bob", "ada") == CAIRN_OK);
  CHECK(cairn_secrets_revoke_superadmin(f.engine, "ada", "ada") == CAIRN_FAILED_PRECONDITION);
  CHECK_REASON("SECRETS_SUPERADMIN_SELF");
  CHECK(cairn_secrets_revoke_superadmin(f.engine, "eve", "ada") == CAIRN_NOT_FOUND);
  CHECK_REASON("SECRETS_SUPERADMIN_NOT_FOUND");
  CHECK(cairn_secrets_revoke_superadmin(f.engine, "ada", "bob") == CAIRN_OK);
  CHECK(cairn_secrets_superadmins(&json, f.engine) == CAIRN_OK);
  CHECK(json != NULL && strcmp(json, "[\"bob\"]") == 0);
  cairn_free(json);
  CHECK(cairn_secrets_superadmins(NULL, f.engine) == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_secrets_grant_superadmin(f.engine, NULL, "ada") == CAIRN_INVALID_ARGUMENT);
  close_engine(&f);
}

static void engine_flows(int sqlite) {
  static void (*const flows[])(const char*) = {orgs_projects_environments,
                                               versions_and_time,
                                               access_rules,
                                               service_accounts,
                                               export_and_import,
                                               export_expanded,
                                               rotation_in_place,
                                               null_arguments,
                                               soft_deletes,
                                               superadmins};
  char uri[128];
  size_t i;
  for (i = 0; i < sizeof flows / sizeof flows[0]; i++) {
    if (sqlite) {
      snprintf(uri, sizeof uri, "sqlite:%s/secrets-%u.db", temp_dir, (unsigned)i);
    } else {
      strcpy(uri, "memory:");
    }
    flows[i](uri);
  }
}

static void test_engine_memory(void) { engine_flows(0); }

static void test_engine_sqlite(void) { engine_flows(1); }

/* A sqlite: database is bound to its master key, across reopening and rotation. */
static void test_rotation_and_reopen(void) {
  fixture f;
  char uri[128];
  char* json = NULL;
  snprintf(uri, sizeof uri, "sqlite:%s/rotate.db", temp_dir);
  if (!open_engine(&f, uri, kKey1) || !setup_org(&f)) {
    CHECK(0);
    return;
  }
  CHECK(set_as(f.engine, "ada", "DB") == CAIRN_OK);
  CHECK(cairn_secrets_set(&(int64_t){0}, f.engine, "acme", "billing", "dev", "DB", kV2, "ada") ==
        CAIRN_OK);
  close_engine(&f);

  /* Another key cannot open it, and neither can none: the audit log's keys are sealed under it. */
  CHECK(try_open(uri, kKey2) == CAIRN_FAILED_PRECONDITION);
  CHECK_REASON("SECRETS_MASTER_KEY_MISMATCH");
  CHECK(try_open(uri, NULL) == CAIRN_FAILED_PRECONDITION);
  CHECK_REASON("AUDIT_KEYS_SEALED");

  /* Rotate, then only the new key opens it, and reads every value. */
  if (!open_engine(&f, uri, kKey1)) {
    CHECK(0);
    return;
  }
  CHECK(reads(f.engine, "ada", "DB", kV1));
  CHECK(cairn_secrets_rotate_master_key(f.engine, kKey2, "ada") == CAIRN_OK);
  close_engine(&f);

  CHECK(try_open(uri, kKey1) == CAIRN_FAILED_PRECONDITION);
  CHECK_REASON("SECRETS_MASTER_KEY_MISMATCH");
  if (!open_engine(&f, uri, kKey2)) {
    CHECK(0);
    return;
  }
  CHECK(reads(f.engine, "ada", "DB", kV1));
  {
    char* value = NULL;
    CHECK(cairn_secrets_get(&value, f.engine, "acme", "billing", "dev", "DB", "ada", 0, 0, 1) ==
          CAIRN_OK);
    CHECK(value != NULL && strcmp(value, kV2) == 0);
    free_secret(value);
  }
  CHECK(cairn_secrets_versions(&json, f.engine, "acme", "billing", "prod", "DB", "ada") ==
        CAIRN_OK);
  CHECK(count_objects(json) == 1);
  cairn_free(json);
  /* The rotation is in the audit log, without either key. */
  CHECK(query_audit(&json, f.engine, NULL, 1000) == CAIRN_OK);
  CHECK(!has(json, kKey1) && !has(json, kKey2));
  cairn_free(json);
  close_engine(&f);
}

/* The limit macros of cairn.h are the engine's: a name, key, value or email of exactly the limit
 * crosses the C calls, one byte more is refused with the engine's reason. (The rules themselves are
 * specified in tests/secrets/subject_test.cpp and tests/auth/auth_store_conformance_test.cpp.) */

/* A heap string of n copies of c (NULL when out of memory). */
static char* repeat(char c, size_t n) {
  char* s = malloc(n + 1);
  if (s == NULL) return NULL;
  memset(s, c, n);
  s[n] = '\0';
  return s;
}

static void test_limit_macros(void) {
  fixture f;
  char *json = NULL, *name = repeat('n', CAIRN_SECRETS_MAX_NAME_BYTES + 1),
       *key = repeat('K', CAIRN_SECRETS_MAX_KEY_BYTES + 1),
       *value = repeat('v', CAIRN_SECRETS_MAX_VALUE_BYTES + 1),
       *email = repeat('e', CAIRN_AUTH_MAX_EMAIL_BYTES + 1);
  int64_t version = 0;
  CHECK(CAIRN_SECRETS_MAX_NAME_BYTES == 63 && CAIRN_SECRETS_MAX_KEY_BYTES == 64);
  CHECK(CAIRN_SECRETS_MAX_USER_BYTES == CAIRN_AUTH_MAX_EMAIL_BYTES);
  if (name == NULL || key == NULL || value == NULL || email == NULL ||
      !open_engine(&f, "memory:", kKey1) || !setup_org(&f)) {
    CHECK(0);
    free(name), free(key), free(value), free(email);
    return;
  }

  /* Names: org names through cairn_secrets_create_org. */
  CHECK(cairn_secrets_create_org(&json, f.engine, name, "ada") == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("SECRETS_NAME_INVALID");
  CHECK(json == NULL);
  name[CAIRN_SECRETS_MAX_NAME_BYTES] = '\0';
  CHECK(cairn_secrets_create_org(&json, f.engine, name, "ada") == CAIRN_OK);
  CHECK(json != NULL && has(json, name));
  cairn_free(json);
  json = NULL;

  /* Keys and values: through cairn_secrets_set. */
  CHECK(cairn_secrets_set(&version, f.engine, "acme", "billing", "prod", key, kPlain, "ada") ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("SECRETS_KEY_INVALID");
  CHECK(version == 0);
  key[CAIRN_SECRETS_MAX_KEY_BYTES] = '\0';
  CHECK(cairn_secrets_set(&version, f.engine, "acme", "billing", "prod", key, kPlain, "ada") ==
        CAIRN_OK);
  CHECK(version == 1);
  CHECK(reads(f.engine, "ada", key, kPlain));
  version = 0;
  CHECK(cairn_secrets_set(&version, f.engine, "acme", "billing", "prod", "BIG", value, "ada") ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("SECRETS_VALUE_INVALID");
  CHECK(version == 0);
  value[CAIRN_SECRETS_MAX_VALUE_BYTES] = '\0';
  CHECK(cairn_secrets_set(&version, f.engine, "acme", "billing", "prod", "BIG", value, "ada") ==
        CAIRN_OK);
  CHECK(version == 1);
  CHECK(reads(f.engine, "ada", "BIG", value));
  close_engine(&f);

  /* Emails: CAIRN_AUTH_MAX_EMAIL_LOCAL_BYTES before the '@', a domain filling the rest. */
  memcpy(email + CAIRN_AUTH_MAX_EMAIL_LOCAL_BYTES, "@", 1);
  memcpy(email + CAIRN_AUTH_MAX_EMAIL_BYTES - 4, ".io", 3);
  CHECK(cairn_auth_normalize_email(&json, email) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("AUTH_EMAIL_INVALID");
  CHECK(json == NULL);
  email[CAIRN_AUTH_MAX_EMAIL_BYTES - 1] = 'o';
  email[CAIRN_AUTH_MAX_EMAIL_BYTES] = '\0';
  CHECK(cairn_auth_normalize_email(&json, email) == CAIRN_OK);
  CHECK(json != NULL && strlen(json) == CAIRN_AUTH_MAX_EMAIL_BYTES);
  cairn_free(json);
  json = NULL;
  email[CAIRN_AUTH_MAX_EMAIL_LOCAL_BYTES] = 'e';
  email[CAIRN_AUTH_MAX_EMAIL_LOCAL_BYTES + 1] = '@';
  CHECK(cairn_auth_normalize_email(&json, email) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("AUTH_EMAIL_INVALID");
  free(name), free(key), free(value), free(email);
}

int main(void) {
  static const harness_test tests[] = {
      {"glob vectors", test_glob_mapping},
      {"invalid patterns", test_invalid_patterns},
      {"without a master key", test_without_master_key},
      {"master key options", test_master_key_options},
      {"raw and hex keys agree", test_raw_and_hex_keys_agree},
      {"limit macros", test_limit_macros},
      {"engine secrets on memory:", test_engine_memory},
      {"engine secrets on sqlite:", test_engine_sqlite},
      {"rotation and reopen", test_rotation_and_reopen},
  };
  int rc;
  char cmd[128];
  strcpy(temp_dir, "/tmp/cairn-c-secrets-XXXXXX");
  if (mkdtemp(temp_dir) == NULL) return 1;
  rc = harness_run(tests, sizeof tests / sizeof tests[0]);
  snprintf(cmd, sizeof cmd, "rm -rf %s", temp_dir);
  if (system(cmd) != 0) rc = 1;
  return rc;
}
