/* The C ABI's records on memory: and sqlite:: declaring collections, put/get/delete with versions
 * and compare-and-swap, unique fields, listing with where, order and cursors walked to the end,
 * counting, atomic batches, the errors of bad input (each with its code and reason, and nothing
 * changed), and records surviving a reopen of the sqlite: file. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cairn.h"
#include "engine_fixture.h"
#include "harness.h"
#include "json_probe.h"

#define CHECK_REASON(r) CHECK_STR_EQ(cairn_error_last()->reason, (r))

static char temp_dir[64];

static const char* const kSpec =
    "{\"unique\":[\"name\"],\"indexes\":[\"folder\",\"state\",\"n\",\"up\"]}";

static int open_engine(fixture* f, const char* uri) { return fixture_open(f, uri, 7, NULL); }

/* The number of records in "sessions" (-1 on error). */
static int64_t count_all(fixture* f) {
  int64_t n = -1;
  if (cairn_records_count(&n, f->engine, "sessions", NULL) != CAIRN_OK) return -1;
  return n;
}

/* Appends the ids of a page's items, in order, to ids ("s5,s3,"); returns how many. */
static int append_ids(const char* page, char* ids, size_t size) {
  static const char kItem[] = "{\"id\":\"";
  int n = 0;
  const char* p = page;
  while (p != NULL && (p = strstr(p, kItem)) != NULL) {
    const char* start = p + strlen(kItem);
    const char* end = strchr(start, '"');
    size_t used = strlen(ids);
    if (end == NULL || used + (size_t)(end - start) + 2 > size) break;
    memcpy(ids + used, start, (size_t)(end - start));
    ids[used + (size_t)(end - start)] = ',';
    ids[used + (size_t)(end - start) + 1] = '\0';
    n++;
    p = end;
  }
  return n;
}

/* Walks every page of a listing (at most 20) and returns the ids in order in ids. */
static void walk(fixture* f, cairn_records_list_options options, char* ids, size_t size) {
  char cursor[512];
  char* json = NULL;
  int pages = 0;
  ids[0] = '\0';
  options.cursor = NULL;
  while (pages < 20) {
    CHECK(cairn_records_list(&json, f->engine, "sessions", &options) == CAIRN_OK);
    append_ids(json, ids, size);
    pages++;
    if (json == NULL || has(json, "\"next_cursor\":null")) break;
    json_str(json, "next_cursor", cursor, sizeof cursor);
    CHECK(cursor[0] != '\0');
    options.cursor = cursor;
    cairn_free(json);
    json = NULL;
  }
  CHECK(pages < 20);
  cairn_free(json);
}

static void define_collections(fixture* f) {
  char* json = NULL;
  CHECK(cairn_records_define(f->engine, "sessions", kSpec) == CAIRN_OK);
  /* The same spec in another order is a no-op; another spec is refused. */
  CHECK(cairn_records_define(f->engine, "sessions",
                             "{\"indexes\":[\"up\",\"n\",\"state\",\"folder\"],"
                             "\"unique\":[\"name\"]}") == CAIRN_OK);
  CHECK(cairn_records_define(f->engine, "sessions", "{\"indexes\":[\"folder\"]}") ==
        CAIRN_FAILED_PRECONDITION);
  CHECK_REASON("RECORDS_COLLECTION_SPEC_MISMATCH");
  CHECK(cairn_records_define(f->engine, "notes", NULL) == CAIRN_OK);
  CHECK(cairn_records_define(f->engine, "Bad-Name", NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("RECORDS_COLLECTION_NAME_INVALID");
  CHECK(cairn_records_define(f->engine, "other", "{\"indexes\":[\"a b\"]}") ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("RECORDS_FIELD_NAME_INVALID");
  CHECK(cairn_records_define(f->engine, "other", "{\"indexes\":[\"a\",\"a\"]}") ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("RECORDS_SPEC_INVALID");
  CHECK(cairn_records_define(f->engine, "other", "[\"a\"]") == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_JSON_INVALID");
  CHECK(cairn_records_define(f->engine, "other", "{\"indexes\":[1]}") == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_JSON_INVALID");
  CHECK(cairn_records_define(f->engine, "other", "{\"index\":[\"a\"]}") == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_JSON_INVALID");
  CHECK(cairn_records_define(f->engine, "other", "{") == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_JSON_INVALID");
  CHECK(cairn_records_define(NULL, "other", NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(cairn_records_define(f->engine, NULL, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");

  CHECK(cairn_records_spec(&json, f->engine, "sessions") == CAIRN_OK);
  CHECK(has(json, "\"unique\":[\"name\"]"));
  CHECK(has(json, "\"indexes\":[") && has(json, "\"folder\"") && has(json, "\"up\""));
  cairn_free(json);
  CHECK(cairn_records_spec(&json, f->engine, "nope") == CAIRN_NOT_FOUND);
  CHECK_REASON("RECORDS_COLLECTION_NOT_FOUND");
  CHECK(json == NULL);
  CHECK(cairn_records_collections(&json, f->engine) == CAIRN_OK);
  CHECK(has(json, "\"notes\"") && has(json, "\"sessions\"") && !has(json, "\"other\""));
  CHECK(count_of(json, "\"") == 4);
  cairn_free(json);
  CHECK(cairn_records_collections(NULL, f->engine) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
}

static void put_get_delete(fixture* f) {
  char* json = NULL;
  char* big = NULL;
  int64_t version = -1;
  const int64_t zero = 0, one = 1, two = 2, three = 3;

  /* Create, read back, replace with compare-and-swap */
  CHECK(cairn_records_put(&version, f->engine, "sessions", "s1",
                          "{\"name\":\"api\",\"folder\":\"/srv\",\"state\":\"up\"}",
                          &zero) == CAIRN_OK);
  CHECK(version == 1);
  CHECK(cairn_records_get(&json, f->engine, "sessions", "s1") == CAIRN_OK);
  CHECK(has(json, "\"id\":\"s1\""));
  CHECK(json_int(json, "version") == 1);
  CHECK(has(json, "\"value\":{\"name\":\"api\",\"folder\":\"/srv\",\"state\":\"up\"}") ||
        has(json, "\"value\":{\"folder\":\"/srv\",\"name\":\"api\",\"state\":\"up\"}"));
  CHECK(json_int(json, "created_at_micros") == T0);
  CHECK(json_int(json, "updated_at_micros") == T0);
  cairn_free(json);
  cairn_env_fake_advance(f->env, SECOND);
  CHECK(cairn_records_put(&version, f->engine, "sessions", "s1",
                          "{\"name\":\"api\",\"state\":\"down\"}", &one) == CAIRN_OK);
  CHECK(version == 2);
  CHECK(cairn_records_put(&version, f->engine, "sessions", "s1", "{\"name\":\"api\"}", &one) ==
        CAIRN_ABORTED);
  CHECK_REASON("RECORDS_VERSION_CONFLICT");
  CHECK(version == 0);
  CHECK(cairn_records_put(&version, f->engine, "sessions", "s1", "{\"name\":\"api\"}", &zero) ==
        CAIRN_ABORTED);
  CHECK_REASON("RECORDS_VERSION_CONFLICT");
  CHECK(cairn_records_put(&version, f->engine, "sessions", "s9", "{\"name\":\"x\"}", &one) ==
        CAIRN_ABORTED);
  CHECK_REASON("RECORDS_VERSION_CONFLICT");
  CHECK(cairn_records_get(&json, f->engine, "sessions", "s1") == CAIRN_OK);
  CHECK(json_int(json, "version") == 2);
  CHECK(has(json, "\"state\":\"down\"") && !has(json, "\"folder\""));
  CHECK(json_int(json, "created_at_micros") == T0);
  CHECK(json_int(json, "updated_at_micros") == T0 + SECOND);
  cairn_free(json);
  /* Without an expected version: write whatever is there */
  CHECK(cairn_records_put(&version, f->engine, "sessions", "s1",
                          "{\"name\":\"api\",\"state\":\"up\"}", NULL) == CAIRN_OK);
  CHECK(version == 3);

  /* A unique clash changes nothing */
  CHECK(cairn_records_put(&version, f->engine, "sessions", "s2", "{\"name\":\"api\"}", NULL) ==
        CAIRN_ALREADY_EXISTS);
  CHECK_REASON("RECORDS_UNIQUE_VIOLATION");
  CHECK(cairn_records_get(&json, f->engine, "sessions", "s2") == CAIRN_OK);
  CHECK(json == NULL);
  CHECK(count_all(f) == 1);

  /* Bad input: each refused with its reason, nothing written */
  CHECK(cairn_records_put(&version, f->engine, "sessions", "s2", "[1,2]", NULL) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("RECORDS_VALUE_INVALID");
  CHECK(cairn_records_put(&version, f->engine, "sessions", "s2", "{\"name\":", NULL) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("RECORDS_VALUE_INVALID");
  CHECK(cairn_records_put(&version, f->engine, "sessions", "s2", "{\"folder\":[1]}", NULL) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("RECORDS_FIELD_VALUE_INVALID");
  CHECK(cairn_records_put(&version, f->engine, "sessions", "s2", "{\"n\":1.5}", NULL) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("RECORDS_FIELD_VALUE_INVALID");
  CHECK(cairn_records_put(&version, f->engine, "sessions", "bad id", "{}", NULL) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("RECORDS_ID_INVALID");
  CHECK(cairn_records_put(&version, f->engine, "nope", "s2", "{}", NULL) == CAIRN_NOT_FOUND);
  CHECK_REASON("RECORDS_COLLECTION_NOT_FOUND");
  big = (char*)malloc(300 * 1024);
  CHECK(big != NULL);
  if (big != NULL) {
    /* {"blob":"xxxx...x"}: over kMaxRecordBytes (256 KiB) */
    size_t n = 300 * 1024 - 1;
    memset(big, 'x', n);
    memcpy(big, "{\"blob\":\"", 9);
    big[n - 2] = '"';
    big[n - 1] = '}';
    big[n] = '\0';
    CHECK(cairn_records_put(&version, f->engine, "sessions", "s2", big, NULL) ==
          CAIRN_INVALID_ARGUMENT);
    CHECK_REASON("RECORDS_VALUE_TOO_LARGE");
    free(big);
  }
  CHECK(cairn_records_put(&version, f->engine, "sessions", "s2", NULL, NULL) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(cairn_records_put(NULL, f->engine, "sessions", "s2", "{}", NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(count_all(f) == 1);
  CHECK(cairn_records_get(&json, f->engine, "sessions", "bad id") == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("RECORDS_ID_INVALID");
  CHECK(cairn_records_get(&json, f->engine, "nope", "s1") == CAIRN_NOT_FOUND);
  CHECK_REASON("RECORDS_COLLECTION_NOT_FOUND");
  CHECK(cairn_records_get(&json, f->engine, "sessions", NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");

  /* Delete: compare-and-swap, then for good; the id starts again at version 1 */
  CHECK(cairn_records_delete(f->engine, "sessions", "s1", &two) == CAIRN_ABORTED);
  CHECK_REASON("RECORDS_VERSION_CONFLICT");
  CHECK(cairn_records_delete(f->engine, "sessions", "s1", &three) == CAIRN_OK);
  CHECK(cairn_records_get(&json, f->engine, "sessions", "s1") == CAIRN_OK);
  CHECK(json == NULL);
  CHECK(cairn_records_delete(f->engine, "sessions", "s1", NULL) == CAIRN_NOT_FOUND);
  CHECK_REASON("RECORDS_RECORD_NOT_FOUND");
  CHECK(cairn_records_delete(f->engine, "sessions", "bad id", NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("RECORDS_ID_INVALID");
  CHECK(cairn_records_delete(f->engine, "nope", "s1", NULL) == CAIRN_NOT_FOUND);
  CHECK_REASON("RECORDS_COLLECTION_NOT_FOUND");
  CHECK(cairn_records_put(&version, f->engine, "sessions", "s1", "{\"name\":\"api\"}", &zero) ==
        CAIRN_OK);
  CHECK(version == 1);
  CHECK(cairn_records_delete(f->engine, "sessions", "s1", NULL) == CAIRN_OK);
  CHECK(count_all(f) == 0);
}

static void list_and_count(fixture* f) {
  char* json = NULL;
  char ids[256];
  int64_t n = -1;
  cairn_records_list_options options = CAIRN_RECORDS_LIST_OPTIONS_INIT;
  const char* values[] = {
      "{\"name\":\"a\",\"folder\":\"/srv\",\"state\":\"up\",\"n\":3,\"up\":true}",
      "{\"name\":\"b\",\"folder\":\"/srv\",\"state\":\"down\",\"n\":1,\"up\":false}",
      "{\"name\":\"c\",\"folder\":\"/home\",\"state\":\"up\",\"n\":2,\"up\":true}",
      "{\"name\":\"d\",\"folder\":\"/srv\",\"state\":\"up\",\"n\":5,\"up\":true}",
      "{\"name\":\"e\",\"state\":\"up\",\"up\":true}",
  };
  const char* names[] = {"s1", "s2", "s3", "s4", "s5"};
  int i;
  for (i = 0; i < 5; i++) {
    int64_t version = -1;
    cairn_env_fake_advance(f->env, SECOND);
    CHECK(cairn_records_put(&version, f->engine, "sessions", names[i], values[i], NULL) ==
          CAIRN_OK);
    CHECK(version == 1);
  }

  /* Pages of 2, walked to the end: absent fields first, then by n, ties by id */
  options.where_json = "{\"state\":\"up\"}";
  options.order_by = "n";
  options.limit = 2;
  walk(f, options, ids, sizeof ids);
  CHECK_STR_EQ(ids, "s5,s3,s1,s4,");
  options.descending = 1;
  walk(f, options, ids, sizeof ids);
  CHECK_STR_EQ(ids, "s4,s1,s3,s5,");
  /* By creation time (the default), on a boolean and a string */
  options.descending = 0;
  options.order_by = NULL;
  options.where_json = "{\"up\":true,\"folder\":\"/srv\"}";
  walk(f, options, ids, sizeof ids);
  CHECK_STR_EQ(ids, "s1,s4,");
  options.where_json = "{\"n\":1}";
  options.order_by = "id";
  walk(f, options, ids, sizeof ids);
  CHECK_STR_EQ(ids, "s2,");
  /* NULL options: every record, oldest first, one page */
  CHECK(cairn_records_list(&json, f->engine, "sessions", NULL) == CAIRN_OK);
  ids[0] = '\0';
  CHECK(append_ids(json, ids, sizeof ids) == 5);
  CHECK_STR_EQ(ids, "s1,s2,s3,s4,s5,");
  CHECK(has(json, "\"next_cursor\":null"));
  CHECK(has(json, "\"value\":{\"name\":\"e\""));
  CHECK(json_int(json, "created_at_micros") == T0 + 2 * SECOND);
  cairn_free(json);

  /* Counting */
  CHECK(cairn_records_count(&n, f->engine, "sessions", NULL) == CAIRN_OK && n == 5);
  CHECK(cairn_records_count(&n, f->engine, "sessions", "{\"state\":\"up\"}") == CAIRN_OK && n == 4);
  CHECK(cairn_records_count(&n, f->engine, "sessions", "{\"up\":false}") == CAIRN_OK && n == 1);
  CHECK(cairn_records_count(&n, f->engine, "sessions", "{\"n\":5,\"folder\":\"/srv\"}") ==
            CAIRN_OK &&
        n == 1);
  CHECK(cairn_records_count(&n, f->engine, "sessions", "{}") == CAIRN_OK && n == 5);

  /* Errors of listing and counting */
  options = (cairn_records_list_options)CAIRN_RECORDS_LIST_OPTIONS_INIT;
  options.where_json = "{\"color\":\"red\"}";
  CHECK(cairn_records_list(&json, f->engine, "sessions", &options) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("RECORDS_FIELD_NOT_INDEXED");
  CHECK(json == NULL);
  options.where_json = NULL;
  options.order_by = "color";
  CHECK(cairn_records_list(&json, f->engine, "sessions", &options) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("RECORDS_FIELD_NOT_INDEXED");
  options.order_by = NULL;
  options.limit = 0;
  CHECK(cairn_records_list(&json, f->engine, "sessions", &options) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("RECORDS_LIMIT_INVALID");
  options.limit = 1001;
  CHECK(cairn_records_list(&json, f->engine, "sessions", &options) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("RECORDS_LIMIT_INVALID");
  options.limit = 2;
  options.cursor = "not-a-cursor";
  CHECK(cairn_records_list(&json, f->engine, "sessions", &options) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("RECORDS_CURSOR_INVALID");
  options.cursor = NULL;
  options.where_json = "{\"n\":1.5}";
  CHECK(cairn_records_list(&json, f->engine, "sessions", &options) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_JSON_INVALID");
  options.where_json = NULL;
  options.version = 99;
  CHECK(cairn_records_list(&json, f->engine, "sessions", &options) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_OPTIONS_VERSION_UNSUPPORTED");
  CHECK(cairn_records_list(&json, f->engine, "nope", NULL) == CAIRN_NOT_FOUND);
  CHECK_REASON("RECORDS_COLLECTION_NOT_FOUND");
  CHECK(cairn_records_count(&n, f->engine, "sessions", "{\"color\":\"red\"}") ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("RECORDS_FIELD_NOT_INDEXED");
  CHECK(n == 0);
  CHECK(cairn_records_count(&n, f->engine, "sessions", "[\"state\"]") == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_JSON_INVALID");
  CHECK(cairn_records_count(&n, f->engine, "sessions", "{\"state\":null}") ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_JSON_INVALID");
  CHECK(cairn_records_count(&n, f->engine, "nope", NULL) == CAIRN_NOT_FOUND);
  CHECK_REASON("RECORDS_COLLECTION_NOT_FOUND");
}

/* A cursor of one listing is refused by another. */
static void foreign_cursor(fixture* f) {
  char* json = NULL;
  char cursor[512];
  cairn_records_list_options options = CAIRN_RECORDS_LIST_OPTIONS_INIT;
  options.limit = 1;
  options.order_by = "n";
  CHECK(cairn_records_list(&json, f->engine, "sessions", &options) == CAIRN_OK);
  json_str(json, "next_cursor", cursor, sizeof cursor);
  CHECK(cursor[0] != '\0');
  cairn_free(json);
  options.order_by = "folder";
  options.cursor = cursor;
  CHECK(cairn_records_list(&json, f->engine, "sessions", &options) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("RECORDS_CURSOR_INVALID");
  CHECK(json == NULL);
}

static void put_many(fixture* f) {
  char* json = NULL;
  int64_t before = count_all(f);
  CHECK(cairn_records_put_many(&json, f->engine, "sessions",
                               "[{\"id\":\"b1\",\"value\":{\"name\":\"b1\",\"n\":10}},"
                               "{\"id\":\"b2\",\"value\":{\"name\":\"b2\"},\"expected_version\":0},"
                               "{\"id\":\"s1\",\"value\":{\"name\":\"a\",\"state\":\"up\",\"n\":4},"
                               "\"expected_version\":1}]") == CAIRN_OK);
  CHECK_STR_EQ(json != NULL ? json : "", "[1,1,2]");
  cairn_free(json);
  CHECK(count_all(f) == before + 2);
  /* All or nothing: a unique clash in the middle leaves none written */
  CHECK(cairn_records_put_many(&json, f->engine, "sessions",
                               "[{\"id\":\"b3\",\"value\":{\"name\":\"b3\"}},"
                               "{\"id\":\"b4\",\"value\":{\"name\":\"b1\"}},"
                               "{\"id\":\"b5\",\"value\":{\"name\":\"b5\"}}]") ==
        CAIRN_ALREADY_EXISTS);
  CHECK_REASON("RECORDS_UNIQUE_VIOLATION");
  CHECK(json == NULL);
  CHECK(count_all(f) == before + 2);
  CHECK(cairn_records_get(&json, f->engine, "sessions", "b3") == CAIRN_OK && json == NULL);
  CHECK(cairn_records_put_many(&json, f->engine, "sessions",
                               "[{\"id\":\"b3\",\"value\":{\"name\":\"b3\"}},"
                               "{\"id\":\"b1\",\"value\":{\"name\":\"b1\"},"
                               "\"expected_version\":7}]") == CAIRN_ABORTED);
  CHECK_REASON("RECORDS_VERSION_CONFLICT");
  CHECK(cairn_records_put_many(&json, f->engine, "sessions",
                               "[{\"id\":\"b3\",\"value\":{\"name\":\"b3\"}},"
                               "{\"id\":\"b6\",\"value\":[1]}]") == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("RECORDS_VALUE_INVALID");
  CHECK(cairn_records_put_many(&json, f->engine, "sessions", "[]") == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("RECORDS_BATCH_INVALID");
  CHECK(cairn_records_put_many(&json, f->engine, "sessions",
                               "[{\"id\":\"b7\",\"value\":{}},{\"id\":\"b7\",\"value\":{}}]") ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("RECORDS_BATCH_INVALID");
  CHECK(cairn_records_put_many(&json, f->engine, "sessions", "{\"id\":\"b7\"}") ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_JSON_INVALID");
  CHECK(cairn_records_put_many(&json, f->engine, "sessions", "[{\"id\":\"b7\"}]") ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_JSON_INVALID");
  CHECK(cairn_records_put_many(&json, f->engine, "sessions",
                               "[{\"id\":\"b7\",\"value\":{},\"expected_version\":\"1\"}]") ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_JSON_INVALID");
  CHECK(cairn_records_put_many(&json, f->engine, "nope", "[{\"id\":\"b7\",\"value\":{}}]") ==
        CAIRN_NOT_FOUND);
  CHECK_REASON("RECORDS_COLLECTION_NOT_FOUND");
  CHECK(cairn_records_put_many(&json, f->engine, "sessions", NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(count_all(f) == before + 2);
}

static void run_records(fixture* f) {
  define_collections(f);
  put_get_delete(f);
  list_and_count(f);
  foreign_cursor(f);
  put_many(f);
}

static void test_records_memory(void) {
  fixture f;
  if (!open_engine(&f, "memory:")) {
    CHECK(0);
    return;
  }
  run_records(&f);
  close_engine(&f);
}

static void test_records_sqlite(void) {
  fixture f;
  char uri[128];
  char* json = NULL;
  int64_t n = -1;
  snprintf(uri, sizeof uri, "sqlite:%s/records.db", temp_dir);
  if (!open_engine(&f, uri)) {
    CHECK(0);
    return;
  }
  run_records(&f);
  close_engine(&f);

  /* Everything is still there after a reopen, the collection's spec too */
  if (!open_engine(&f, uri)) {
    CHECK(0);
    return;
  }
  CHECK(cairn_records_count(&n, f.engine, "sessions", "{\"state\":\"up\"}") == CAIRN_OK && n == 4);
  CHECK(cairn_records_get(&json, f.engine, "sessions", "s1") == CAIRN_OK);
  CHECK(json_int(json, "version") == 2);
  CHECK(has(json, "\"n\":4"));
  cairn_free(json);
  CHECK(cairn_records_define(f.engine, "sessions", kSpec) == CAIRN_OK);
  CHECK(cairn_records_define(f.engine, "sessions", NULL) == CAIRN_FAILED_PRECONDITION);
  CHECK_REASON("RECORDS_COLLECTION_SPEC_MISMATCH");
  close_engine(&f);
}

int main(void) {
  static const harness_test tests[] = {
      {"records_memory", test_records_memory},
      {"records_sqlite", test_records_sqlite},
  };
  int rc;
  snprintf(temp_dir, sizeof temp_dir, "/tmp/cairn-records-c-XXXXXX");
  if (mkdtemp(temp_dir) == NULL) return 1;
  rc = harness_run(tests, sizeof tests / sizeof tests[0]);
  {
    char path[128];
    snprintf(path, sizeof path, "%s/records.db", temp_dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/records.db-wal", temp_dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/records.db-shm", temp_dir);
    unlink(path);
    rmdir(temp_dir);
  }
  return rc;
}
