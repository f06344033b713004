/* The C ABI's engine: open, close, properties, options and their checks. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cairn.h"
#include "harness.h"

static char temp_dir[64];

static void make_temp_dir(void) {
  strcpy(temp_dir, "/tmp/cairn-c-test-XXXXXX");
  if (mkdtemp(temp_dir) == NULL) abort();
}

static void test_open_memory(void) {
  cairn_engine* engine = NULL;
  int64_t version = 0;
  CHECK(cairn_engine_open(&engine, "memory:", NULL) == CAIRN_OK);
  CHECK(engine != NULL);
  CHECK_STR_EQ(cairn_engine_backend(engine), "memory");
  CHECK_STR_EQ(cairn_engine_uri(engine), "memory:");
  CHECK(strlen(cairn_engine_instance_id(engine)) == 32);
  CHECK(cairn_engine_schema_version(&version, engine) == CAIRN_OK);
  CHECK(version >= 1);
  cairn_engine_close(engine);
}

static void test_sqlite_persists_instance_id(void) {
  char uri[256], path[200], id[33];
  cairn_engine* engine = NULL;
  struct stat st;
  snprintf(path, sizeof path, "%s/data/app.db", temp_dir);
  snprintf(uri, sizeof uri, "sqlite:%s", path);
  CHECK(cairn_engine_open(&engine, uri, NULL) == CAIRN_OK);
  CHECK_STR_EQ(cairn_engine_backend(engine), "sqlite");
  strcpy(id, cairn_engine_instance_id(engine));
  cairn_engine_close(engine);
  CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);

  CHECK(cairn_engine_open(&engine, uri, NULL) == CAIRN_OK);
  CHECK_STR_EQ(cairn_engine_instance_id(engine), id);
  cairn_engine_close(engine);
}

static void test_fake_env_fixes_creation_time(void) {
  cairn_env* env = NULL;
  cairn_engine* engine = NULL;
  cairn_engine_options opts;
  int64_t created = 0;
  CHECK(cairn_env_fake_new(&env, 1234567, 9) == CAIRN_OK);
  CHECK(cairn_engine_options_init(&opts, CAIRN_ENGINE_OPTIONS_VERSION) == CAIRN_OK);
  opts.env = env;
  CHECK(cairn_engine_open(&engine, "memory:", &opts) == CAIRN_OK);
  CHECK(cairn_engine_created_at_micros(&created, engine) == CAIRN_OK);
  CHECK(created == 1234567);
  cairn_engine_close(engine);
  cairn_env_free(env);
}

static void test_describe_is_json(void) {
  cairn_engine* engine = NULL;
  char* json = NULL;
  CHECK(cairn_engine_open(&engine, "memory:", NULL) == CAIRN_OK);
  CHECK(cairn_engine_describe(&json, engine) == CAIRN_OK);
  CHECK(json != NULL && json[0] == '{');
  CHECK(strstr(json, "\"backend\":\"memory\"") != NULL);
  CHECK(strstr(json, cairn_engine_instance_id(engine)) != NULL);
  cairn_free(json);
  cairn_engine_close(engine);
}

static void test_bad_uri_is_invalid_argument(void) {
  cairn_engine* engine = (cairn_engine*)&engine; /* must be reset to NULL on failure */
  CHECK(cairn_engine_open(&engine, "mysql://x", NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK(engine == NULL);
  CHECK(cairn_error_last()->code == CAIRN_INVALID_ARGUMENT);
  CHECK_STR_EQ(cairn_error_last()->reason, "STORAGE_URI_INVALID");
  CHECK(cairn_engine_open(&engine, "postgresql://localhost/x", NULL) == CAIRN_UNIMPLEMENTED);
  CHECK_STR_EQ(cairn_error_last()->reason, "STORAGE_BACKEND_UNAVAILABLE");
}

static void test_null_arguments(void) {
  cairn_engine* engine = NULL;
  int64_t v;
  char* json = NULL;
  CHECK(cairn_engine_open(NULL, "memory:", NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_STR_EQ(cairn_error_last()->reason, "CAPI_NULL_ARGUMENT");
  CHECK(cairn_engine_open(&engine, NULL, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_engine_schema_version(&v, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_engine_describe(&json, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK(json == NULL);
  CHECK(cairn_engine_options_init(NULL, 1) == CAIRN_INVALID_ARGUMENT);
}

static void test_options_are_checked(void) {
  cairn_engine* engine = NULL;
  cairn_engine_options opts = CAIRN_ENGINE_OPTIONS_INIT;
  opts.version = 99;
  CHECK(cairn_engine_open(&engine, "memory:", &opts) == CAIRN_INVALID_ARGUMENT);
  CHECK_STR_EQ(cairn_error_last()->reason, "CAPI_OPTIONS_VERSION_UNSUPPORTED");
  CHECK(cairn_engine_options_init(&opts, 0) == CAIRN_INVALID_ARGUMENT);

  opts.version = CAIRN_ENGINE_OPTIONS_VERSION;
  opts.abi_version = CAIRN_ABI_VERSION + 1;
  CHECK(cairn_engine_open(&engine, "memory:", &opts) == CAIRN_FAILED_PRECONDITION);
  CHECK_STR_EQ(cairn_error_last()->reason, "CAPI_ABI_MISMATCH");

  opts.abi_version = CAIRN_ABI_VERSION;
  opts.busy_timeout_ms = -5;
  CHECK(cairn_engine_open(&engine, "memory:", &opts) == CAIRN_INVALID_ARGUMENT);
  CHECK_STR_EQ(cairn_error_last()->reason, "ENGINE_OPTIONS_INVALID");
  CHECK(engine == NULL);
}

static void test_not_a_database_is_refused(void) {
  char uri[256];
  cairn_engine* engine = NULL;
  snprintf(uri, sizeof uri, "sqlite:%s/notes.txt", temp_dir);
  {
    FILE* f;
    char path[200];
    snprintf(path, sizeof path, "%s/notes.txt", temp_dir);
    f = fopen(path, "w");
    fputs("this is not a database, it is a note that is long enough to have a header.......", f);
    fclose(f);
  }
  CHECK(cairn_engine_open(&engine, uri, NULL) == CAIRN_FAILED_PRECONDITION);
  CHECK_STR_EQ(cairn_error_last()->reason, "STORAGE_NOT_A_DATABASE");
}

/* One end-to-end flow: a snapshot of a live engine opens as an engine of its own. */
static void test_snapshot(void) {
  char uri[256], copy[256], copy_uri[300];
  cairn_engine *engine = NULL, *restored = NULL, *memory = NULL;
  struct stat st;
  snprintf(uri, sizeof uri, "sqlite:%s/live.db", temp_dir);
  snprintf(copy, sizeof copy, "%s/copy.db", temp_dir);
  snprintf(copy_uri, sizeof copy_uri, "sqlite:%s", copy);
  CHECK(cairn_engine_open(&engine, uri, NULL) == CAIRN_OK);
  CHECK(cairn_engine_snapshot(engine, copy) == CAIRN_OK);
  CHECK(stat(copy, &st) == 0 && (st.st_mode & 0777) == 0600);
  CHECK(cairn_engine_open(&restored, copy_uri, NULL) == CAIRN_OK);
  if (engine != NULL && restored != NULL) {
    CHECK_STR_EQ(cairn_engine_instance_id(restored), cairn_engine_instance_id(engine));
  }
  CHECK(cairn_engine_snapshot(engine, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_STR_EQ(cairn_error_last()->reason, "CAPI_NULL_ARGUMENT");
  CHECK(cairn_engine_snapshot(engine, "") == CAIRN_INVALID_ARGUMENT);
  CHECK_STR_EQ(cairn_error_last()->reason, "STORAGE_SNAPSHOT_PATH_INVALID");
  CHECK(cairn_error_last()->retryable == 0);
  CHECK(cairn_engine_open(&memory, "memory:", NULL) == CAIRN_OK);
  CHECK(cairn_engine_snapshot(memory, copy) == CAIRN_UNIMPLEMENTED);
  CHECK_STR_EQ(cairn_error_last()->reason, "STORAGE_SNAPSHOT_UNSUPPORTED");
  cairn_engine_close(memory);
  cairn_engine_close(restored);
  cairn_engine_close(engine);
}

int main(void) {
  static const harness_test tests[] = {
      {"open memory:", test_open_memory},
      {"sqlite persists instance id", test_sqlite_persists_instance_id},
      {"fake env fixes creation time", test_fake_env_fixes_creation_time},
      {"describe is JSON", test_describe_is_json},
      {"bad URI is INVALID_ARGUMENT", test_bad_uri_is_invalid_argument},
      {"NULL arguments", test_null_arguments},
      {"options are checked", test_options_are_checked},
      {"a file that is not a database is refused", test_not_a_database_is_refused},
      {"snapshot", test_snapshot},
  };
  int rc;
  char cmd[128];
  make_temp_dir();
  rc = harness_run(tests, sizeof tests / sizeof tests[0]);
  snprintf(cmd, sizeof cmd, "rm -rf %s", temp_dir);
  if (system(cmd) != 0) rc = 1;
  return rc;
}
