/* The C ABI of cairn::jobs: cron schedules and retry backoff. */
#include <stdint.h>
#include <string.h>

#include "cairn.h"
#include "harness.h"

#define MINUTE 60000000LL
/* 2026-01-01T00:00:00Z, a Thursday. */
#define T0 1767225600000000LL

static void test_cron_next(void) {
  int64_t next = 0;
  CHECK(cairn_cron_next(&next, "*/15 * * * *", T0, 0) == CAIRN_OK);
  CHECK(next == T0 + 15 * MINUTE);
  CHECK(cairn_cron_next(&next, "0 9 * * MON", T0, 0) == CAIRN_OK);
  CHECK(next == T0 + (4 * 24 * 60 + 9 * 60) * MINUTE); /* Monday 2026-01-05 09:00 */
  /* 09:00 at UTC+2 is 07:00Z. */
  CHECK(cairn_cron_next(&next, "0 9 * * *", T0, 120) == CAIRN_OK);
  CHECK(next == T0 + 7 * 60 * MINUTE);
  /* Both day fields restricted: either matches (the 13th, or any Friday: Jan 2 comes first). */
  CHECK(cairn_cron_next(&next, "0 0 13 * FRI", T0, 0) == CAIRN_OK);
  CHECK(next == T0 + 24 * 60 * MINUTE);
  CHECK(cairn_cron_next(&next, "@yearly", T0, 0) == CAIRN_OK);
  CHECK(next == 1798761600000000LL); /* 2027-01-01 */
}

static void test_cron_errors(void) {
  int64_t next = 7;
  CHECK(cairn_cron_next(&next, "61 * * * *", T0, 0) == CAIRN_INVALID_ARGUMENT);
  CHECK(strcmp(cairn_error_last()->reason, "JOB_CRON_INVALID") == 0);
  CHECK(next == 0);
  CHECK(cairn_cron_next(&next, "0 0 30 2 *", T0, 0) == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_cron_next(NULL, "* * * * *", T0, 0) == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_cron_next(&next, NULL, T0, 0) == CAIRN_INVALID_ARGUMENT);
  CHECK(strcmp(cairn_error_last()->reason, "CAPI_NULL_ARGUMENT") == 0);
}

static void test_backoff(void) {
  int64_t ms = 0;
  int i;
  CHECK(cairn_retry_backoff_ms(&ms, 500, 10000, 5, 0, 0) == CAIRN_OK && ms == 500);
  CHECK(cairn_retry_backoff_ms(&ms, 500, 10000, 5, 0, 3) == CAIRN_OK && ms == 4000);
  CHECK(cairn_retry_backoff_ms(&ms, 500, 10000, 5, 0, 30) == CAIRN_OK && ms == 10000);
  for (i = 0; i < 20; i++) {
    CHECK(cairn_retry_backoff_ms(&ms, 1000, 60000, 5, 1, 3) == CAIRN_OK);
    CHECK(ms >= 4000 && ms <= 8000);
  }
  CHECK(cairn_retry_backoff_ms(&ms, 10, 5, 5, 0, 0) == CAIRN_INVALID_ARGUMENT);
  CHECK(strcmp(cairn_error_last()->reason, "JOB_RETRY_POLICY_INVALID") == 0);
  CHECK(cairn_retry_backoff_ms(&ms, 10, 50, 0, 0, 0) == CAIRN_INVALID_ARGUMENT);
}

CAIRN_TEST_MAIN({"cron next", test_cron_next}, {"cron errors", test_cron_errors},
                {"backoff", test_backoff})
