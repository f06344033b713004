/* The C ABI's error model: the status enum, names, HTTP statuses, the per-thread last error. */
#include <stdlib.h>

#include "cairn.h"
#include "harness.h"

static void test_status_numbers_follow_google_rpc(void) {
  CHECK(CAIRN_OK == 0);
  CHECK(CAIRN_CANCELLED == 1);
  CHECK(CAIRN_INVALID_ARGUMENT == 3);
  CHECK(CAIRN_NOT_FOUND == 5);
  CHECK(CAIRN_PERMISSION_DENIED == 7);
  CHECK(CAIRN_FAILED_PRECONDITION == 9);
  CHECK(CAIRN_UNIMPLEMENTED == 12);
  CHECK(CAIRN_DATA_LOSS == 15);
  CHECK(CAIRN_UNAUTHENTICATED == 16);
}

static void test_status_names_and_http(void) {
  CHECK_STR_EQ(cairn_status_name(CAIRN_OK), "OK");
  CHECK_STR_EQ(cairn_status_name(CAIRN_NOT_FOUND), "NOT_FOUND");
  CHECK_STR_EQ(cairn_status_name(CAIRN_RESOURCE_EXHAUSTED), "RESOURCE_EXHAUSTED");
  CHECK_STR_EQ(cairn_status_name((cairn_status)77), "UNKNOWN");
  CHECK(cairn_status_http(CAIRN_OK) == 200);
  CHECK(cairn_status_http(CAIRN_NOT_FOUND) == 404);
  CHECK(cairn_status_http(CAIRN_UNAUTHENTICATED) == 401);
  CHECK(cairn_status_http(CAIRN_UNAVAILABLE) == 503);
  CHECK(cairn_status_http((cairn_status)77) == 500);
}

static void test_version(void) {
  CHECK_STR_EQ(cairn_version(), CAIRN_VERSION_STRING);
  CHECK(cairn_version_number() == CAIRN_VERSION_NUMBER);
  CHECK(cairn_abi_check(CAIRN_ABI_VERSION) == CAIRN_OK);
  CHECK(cairn_error_last()->code == CAIRN_OK);
}

static void test_abi_mismatch_is_reported(void) {
  CHECK(cairn_abi_check(CAIRN_ABI_VERSION + 1) == CAIRN_FAILED_PRECONDITION);
  CHECK(cairn_error_last()->code == CAIRN_FAILED_PRECONDITION);
  CHECK_STR_EQ(cairn_error_last()->reason, "CAPI_ABI_MISMATCH");
  CHECK(strlen(cairn_error_last()->message) > 0);
}

static void test_last_error_resets_on_success(void) {
  cairn_env* env = NULL;
  CHECK(cairn_env_fake_new(NULL, 0, 1) == CAIRN_INVALID_ARGUMENT);
  CHECK_STR_EQ(cairn_error_last()->reason, "CAPI_NULL_ARGUMENT");
  CHECK(cairn_env_fake_new(&env, 0, 1) == CAIRN_OK);
  CHECK(cairn_error_last()->code == CAIRN_OK);
  CHECK_STR_EQ(cairn_error_last()->reason, "");
  cairn_env_free(env);
}

static void test_free_accepts_null(void) {
  cairn_free(NULL);
  cairn_env_free(NULL);
  cairn_engine_close(NULL);
  CHECK(1);
}

static void test_fake_env_clock(void) {
  cairn_env* env = NULL;
  int64_t now = 0;
  CHECK(cairn_env_fake_new(&env, 1000, 7) == CAIRN_OK);
  CHECK(cairn_env_now(&now, env) == CAIRN_OK);
  CHECK(now == 1000);
  CHECK(cairn_env_fake_advance(env, 500) == CAIRN_OK);
  CHECK(cairn_env_now(&now, env) == CAIRN_OK);
  CHECK(now == 1500);
  CHECK(cairn_env_fake_advance(env, -100) == CAIRN_OK);
  CHECK(cairn_env_now(&now, env) == CAIRN_OK);
  CHECK(now == 1400);
  CHECK(cairn_env_fake_set_now(env, 42) == CAIRN_OK);
  CHECK(cairn_env_now(&now, env) == CAIRN_OK);
  CHECK(now == 42);
  CHECK(cairn_env_now(&now, NULL) == CAIRN_OK);
  CHECK(now > 1700000000LL * 1000000); /* the system clock */
  cairn_env_free(env);
}

CAIRN_TEST_MAIN({"status numbers follow google.rpc", test_status_numbers_follow_google_rpc},
                {"status names and HTTP statuses", test_status_names_and_http},
                {"version", test_version},
                {"ABI mismatch is reported", test_abi_mismatch_is_reported},
                {"last error resets on success", test_last_error_resets_on_success},
                {"free functions accept NULL", test_free_accepts_null},
                {"fake env clock", test_fake_env_clock})
