/* The C ABI's persistent scheduler (engine.jobs) on memory: and sqlite:: handlers, options JSON,
 * retries with backoff, dependencies, cron, cancellation, events, workers, a restart, purging
 * finished tasks, and the errors of bad input. */
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

static int open_engine(fixture* f, const char* uri) { return fixture_open(f, uri, 5, NULL); }

/* Upper-cases its input; counts its calls in *ctx. */
static cairn_status upper(void* ctx, cairn_job_run* run, const char* input, size_t len) {
  char buf[64];
  size_t i;
  (*(int*)ctx)++;
  if (len >= sizeof buf) return CAIRN_INVALID_ARGUMENT;
  for (i = 0; i < len; i++)
    buf[i] = (char)(input[i] >= 'a' && input[i] <= 'z' ? input[i] - 32 : input[i]);
  cairn_job_run_set_output(run, buf, len);
  return CAIRN_OK;
}

/* Fails as unavailable (retryable). */
static cairn_status flaky(void* ctx, cairn_job_run* run, const char* input, size_t len) {
  (void)input;
  (void)len;
  (*(int*)ctx)++;
  cairn_job_run_set_error(run, "UPSTREAM_DOWN", "the upstream is down");
  return CAIRN_UNAVAILABLE;
}

/* Fails with a code a retry cannot fix, without a reason. */
static cairn_status refuse(void* ctx, cairn_job_run* run, const char* input, size_t len) {
  (void)ctx;
  (void)run;
  (void)input;
  (void)len;
  return CAIRN_PERMISSION_DENIED;
}

typedef struct canceller {
  cairn_engine* engine;
  int before, after;
} canceller;

/* Cancels its own task and reports whether the run saw it. */
static cairn_status cancel_self(void* ctx, cairn_job_run* run, const char* input, size_t len) {
  canceller* c = (canceller*)ctx;
  const char* state = NULL;
  (void)input;
  (void)len;
  c->before = cairn_job_run_cancelled(run);
  cairn_jobs_cancel(&state, c->engine, cairn_job_run_id(run));
  c->after = cairn_job_run_cancelled(run);
  return CAIRN_OK;
}

static char events[512];

static void record_event(void* ctx, const char* type, int64_t task_id, const char* kind,
                         int32_t attempt, const char* error) {
  char line[96];
  (void)ctx;
  (void)kind;
  (void)error;
  snprintf(line, sizeof line, "%s:%lld:%d ", type, (long long)task_id, (int)attempt);
  strncat(events, line, sizeof events - strlen(events) - 1);
}

static void scheduler_flow(const char* uri) {
  fixture f;
  int calls = 0, flaky_calls = 0;
  int64_t id = 0, retried = 0, denied = 0, child = 0, cron = 0, later = 0;
  int32_t ran = 0;
  uint64_t sub = 0;
  char* json = NULL;
  const char* state = NULL;
  canceller c;
  if (!open_engine(&f, uri)) {
    CHECK(0);
    return;
  }
  events[0] = '\0';
  CHECK(cairn_jobs_subscribe(&sub, f.engine, record_event, NULL) == CAIRN_OK);
  CHECK(cairn_jobs_register(f.engine, "upper", upper, &calls, 0) == CAIRN_OK);
  CHECK(cairn_jobs_register(f.engine, "flaky", flaky, &flaky_calls, 0) == CAIRN_OK);
  CHECK(cairn_jobs_register(f.engine, "refuse", refuse, NULL, 0) == CAIRN_OK);

  CHECK(cairn_jobs_enqueue(&id, f.engine, "upper", "hello", 5, NULL) == CAIRN_OK);
  CHECK(id == 1);
  CHECK(cairn_jobs_run_pending(&ran, f.engine, -1) == CAIRN_OK);
  CHECK(ran == 1 && calls == 1);
  CHECK(cairn_jobs_get_json(&json, f.engine, id) == CAIRN_OK);
  CHECK(has(json, "\"state\":\"done\"") && has(json, "\"output\":\"HELLO\""));
  CHECK(has(json, "\"attempts\":1") && has(json, "\"errors\":[]"));
  cairn_free(json);
  CHECK_STR_EQ(events, "queued:1:0 started:1:1 done:1:1 ");
  CHECK(cairn_jobs_unsubscribe(f.engine, sub) == CAIRN_OK);

  /* Retries: 1 s, then 2 s, then failed with every error kept. */
  CHECK(cairn_jobs_enqueue(&retried, f.engine, "flaky", "", 0,
                           "{\"retry\":{\"min_delay_ms\":1000,\"max_delay_ms\":5000,"
                           "\"attempts\":3},\"priority\":\"high\"}") == CAIRN_OK);
  CHECK(cairn_jobs_run_pending(&ran, f.engine, -1) == CAIRN_OK && ran == 1);
  CHECK(cairn_jobs_get_json(&json, f.engine, retried) == CAIRN_OK);
  CHECK(has(json, "\"state\":\"pending\""));
  CHECK(has(json, "\"run_at_micros\":1767225601000000"));
  CHECK(has(json,
            "\"retry\":{\"min_delay_ms\":1000,\"max_delay_ms\":5000,\"attempts\":3,"
            "\"jitter\":false}"));
  cairn_free(json);
  cairn_env_fake_advance(f.env, SECOND);
  CHECK(cairn_jobs_run_pending(&ran, f.engine, -1) == CAIRN_OK && ran == 1);
  cairn_env_fake_advance(f.env, 2 * SECOND);
  CHECK(cairn_jobs_run_pending(&ran, f.engine, -1) == CAIRN_OK && ran == 1);
  CHECK(flaky_calls == 3);
  CHECK(cairn_jobs_get_json(&json, f.engine, retried) == CAIRN_OK);
  CHECK(has(json, "\"state\":\"failed\"") && has(json, "\"attempts\":3"));
  CHECK(has(json, "[\"UNAVAILABLE UPSTREAM_DOWN: the upstream is down\","));
  cairn_free(json);

  /* A code a retry cannot fix fails at once, and cancels a dependent that asked for it. */
  CHECK(cairn_jobs_enqueue(&denied, f.engine, "refuse", "", 0,
                           "{\"retry\":{\"min_delay_ms\":0,\"max_delay_ms\":0,\"attempts\":5}}") ==
        CAIRN_OK);
  {
    char options[64];
    snprintf(options, sizeof options, "{\"depends_on\":[%lld]}", (long long)denied);
    CHECK(cairn_jobs_enqueue(&child, f.engine, "upper", "x", 1, options) == CAIRN_OK);
  }
  CHECK(cairn_jobs_run_pending(&ran, f.engine, -1) == CAIRN_OK && ran == 1);
  CHECK(cairn_jobs_get_json(&json, f.engine, denied) == CAIRN_OK);
  CHECK(has(json, "\"state\":\"failed\"") &&
        has(json, "PERMISSION_DENIED JOB_HANDLER_FAILED: the handler failed"));
  cairn_free(json);
  CHECK(cairn_jobs_get_json(&json, f.engine, child) == CAIRN_OK);
  CHECK(has(json, "\"state\":\"cancelled\"") && has(json, "JOB_DEPENDENCY_FAILED"));
  cairn_free(json);

  /* Cron: the next whole 5 minutes, and pending again after a run. */
  CHECK(cairn_jobs_enqueue(&cron, f.engine, "upper", "tick", 4, "{\"cron\":\"*/5 * * * *\"}") ==
        CAIRN_OK);
  CHECK(cairn_jobs_get_json(&json, f.engine, cron) == CAIRN_OK);
  CHECK(has(json, "\"run_at_micros\":1767225900000000") && has(json, "\"cron\":\"*/5 * * * *\""));
  cairn_free(json);

  /* Cancelling pending and running tasks. */
  CHECK(cairn_jobs_enqueue(&later, f.engine, "upper", "", 0, "{\"delay_ms\":60000}") == CAIRN_OK);
  CHECK(cairn_jobs_cancel(&state, f.engine, later) == CAIRN_OK);
  CHECK_STR_EQ(state, "cancelled");
  c.engine = f.engine;
  c.before = c.after = -1;
  CHECK(cairn_jobs_register(f.engine, "self", cancel_self, &c, 1) == CAIRN_OK);
  CHECK(cairn_jobs_enqueue(&id, f.engine, "self", "", 0, "{}") == CAIRN_OK);
  CHECK(cairn_jobs_run_pending(&ran, f.engine, -1) == CAIRN_OK && ran == 1);
  CHECK(c.before == 0 && c.after == 1);
  CHECK(cairn_jobs_get_json(&json, f.engine, id) == CAIRN_OK);
  CHECK(has(json, "\"state\":\"cancelled\""));
  cairn_free(json);

  /* Workers. */
  CHECK(cairn_jobs_enqueue(&id, f.engine, "upper", "abc", 3, "{\"priority\":\"low\"}") == CAIRN_OK);
  CHECK(cairn_jobs_start(f.engine, 1, 1, 1) == CAIRN_OK);
  CHECK(cairn_jobs_start(f.engine, 1, 1, 1) == CAIRN_FAILED_PRECONDITION);
  CHECK_REASON("JOB_SCHEDULER_RUNNING");
  CHECK(cairn_jobs_wait_json(&json, f.engine, id, 20000) == CAIRN_OK);
  CHECK(has(json, "\"state\":\"done\"") && has(json, "\"output\":\"ABC\""));
  cairn_free(json);
  CHECK(cairn_jobs_stop(f.engine) == CAIRN_OK);
  close_engine(&f);
}

static void test_memory(void) { scheduler_flow("memory:"); }

static void test_sqlite(void) {
  char uri[128];
  fixture f;
  int calls = 0;
  int64_t id = 0;
  int32_t ran = 0;
  char* json = NULL;
  snprintf(uri, sizeof uri, "sqlite:%s/jobs.db", temp_dir);
  scheduler_flow(uri);
  /* A restart keeps pending work with its options. */
  snprintf(uri, sizeof uri, "sqlite:%s/restart.db", temp_dir);
  if (!open_engine(&f, uri)) {
    CHECK(0);
    return;
  }
  CHECK(cairn_jobs_enqueue(&id, f.engine, "upper", "kept", 4,
                           "{\"key\":\"k\",\"timeout_ms\":9000,\"on_dependency_failure\":\"run\","
                           "\"retry\":{\"min_delay_ms\":5,\"max_delay_ms\":50,\"attempts\":2,"
                           "\"jitter\":true}}") == CAIRN_OK);
  close_engine(&f);
  if (!open_engine(&f, uri)) {
    CHECK(0);
    return;
  }
  CHECK(cairn_jobs_get_json(&json, f.engine, id) == CAIRN_OK);
  CHECK(has(json, "\"key\":\"k\"") && has(json, "\"timeout_ms\":9000"));
  CHECK(has(json, "\"on_dependency_failure\":\"run\"") && has(json, "\"jitter\":true"));
  cairn_free(json);
  CHECK(cairn_jobs_register(f.engine, "upper", upper, &calls, 0) == CAIRN_OK);
  CHECK(cairn_jobs_run_pending(&ran, f.engine, -1) == CAIRN_OK && ran == 1 && calls == 1);
  close_engine(&f);
}

/* Finished tasks older than the age go; younger ones, pending ones and a dependency that a pending
 * task waits on stay. */
static void purge_flow(const char* uri) {
  fixture f;
  int calls = 0;
  int64_t old = 0, dep = 0, waiting = 0, young = 0, newest = 0, count = -1;
  int32_t ran = 0;
  char* json = NULL;
  char options[96];
  if (!open_engine(&f, uri)) {
    CHECK(0);
    return;
  }
  CHECK(cairn_jobs_register(f.engine, "upper", upper, &calls, 0) == CAIRN_OK);
  CHECK(cairn_jobs_enqueue(&old, f.engine, "upper", "a", 1, NULL) == CAIRN_OK);
  CHECK(cairn_jobs_enqueue(&dep, f.engine, "upper", "b", 1, NULL) == CAIRN_OK);
  CHECK(cairn_jobs_run_pending(&ran, f.engine, -1) == CAIRN_OK && ran == 2);
  snprintf(options, sizeof options, "{\"depends_on\":[%lld],\"delay_ms\":7200000}", (long long)dep);
  CHECK(cairn_jobs_enqueue(&waiting, f.engine, "upper", "c", 1, options) == CAIRN_OK);
  cairn_env_fake_advance(f.env, 3600 * SECOND);
  CHECK(cairn_jobs_enqueue(&young, f.engine, "upper", "d", 1, NULL) == CAIRN_OK);
  CHECK(cairn_jobs_run_pending(&ran, f.engine, -1) == CAIRN_OK && ran == 1);
  CHECK(cairn_jobs_enqueue(&newest, f.engine, "elsewhere", "", 0, "{\"delay_ms\":3600000}") ==
        CAIRN_OK);

  CHECK(cairn_jobs_purge_finished(&count, f.engine, 1800000, "elsewhere") == CAIRN_OK);
  CHECK(count == 0);
  CHECK(cairn_jobs_purge_finished(&count, f.engine, 1800000, NULL) == CAIRN_OK);
  CHECK(count == 1);
  CHECK(cairn_jobs_get_json(&json, f.engine, old) == CAIRN_NOT_FOUND);
  CHECK_REASON("JOB_TASK_NOT_FOUND");
  CHECK(cairn_jobs_get_json(&json, f.engine, dep) == CAIRN_OK);
  CHECK(has(json, "\"state\":\"done\""));
  cairn_free(json);

  /* Once the dependent has run, its dependency may go (the dependent itself is too young). */
  cairn_env_fake_advance(f.env, 3600 * SECOND);
  CHECK(cairn_jobs_run_pending(&ran, f.engine, -1) == CAIRN_OK && ran == 1);
  CHECK(cairn_jobs_purge_finished(&count, f.engine, 1000, "upper") == CAIRN_OK);
  CHECK(count == 2);
  CHECK(cairn_jobs_get_json(&json, f.engine, dep) == CAIRN_NOT_FOUND);
  CHECK(cairn_jobs_get_json(&json, f.engine, young) == CAIRN_NOT_FOUND);
  CHECK(cairn_jobs_get_json(&json, f.engine, waiting) == CAIRN_OK);
  CHECK(has(json, "\"state\":\"done\"") && has(json, "\"depends_on\":[]"));
  cairn_free(json);
  CHECK(cairn_jobs_get_json(&json, f.engine, newest) == CAIRN_OK);
  CHECK(has(json, "\"state\":\"pending\""));
  cairn_free(json);

  count = -1;
  CHECK(cairn_jobs_purge_finished(&count, f.engine, -1, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("JOB_PURGE_INVALID");
  CHECK(count == 0);
  CHECK(cairn_jobs_purge_finished(&count, f.engine, 0, "") == CAIRN_OK && count == 0);
  CHECK(cairn_jobs_purge_finished(NULL, f.engine, 0, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(cairn_jobs_purge_finished(&count, NULL, 0, NULL) == CAIRN_INVALID_ARGUMENT);
  close_engine(&f);
}

static void test_purge_memory(void) { purge_flow("memory:"); }

static void test_purge_sqlite(void) {
  char uri[128];
  snprintf(uri, sizeof uri, "sqlite:%s/purge.db", temp_dir);
  purge_flow(uri);
}

static void test_bad_input(void) {
  fixture f;
  int64_t id = 0;
  char* json = NULL;
  const char* bad[][2] = {
      {"{\"priority\":\"urgent\"}", "JOB_PRIORITY_INVALID"},
      {"{\"prio\":\"high\"}", "JOB_OPTIONS_INVALID"},
      {"[1]", "JOB_OPTIONS_INVALID"},
      {"{\"delay_ms\":\"soon\"}", "JOB_OPTIONS_INVALID"},
      {"{\"delay_ms\":1,\"run_at_micros\":1}", "JOB_OPTIONS_INVALID"},
      {"{\"retry\":{\"min_delay_ms\":10,\"max_delay_ms\":1,\"attempts\":2}}",
       "JOB_RETRY_POLICY_INVALID"},
      {"{\"retry\":{\"tries\":2}}", "JOB_OPTIONS_INVALID"},
      {"{\"cron\":\"* * *\"}", "JOB_CRON_INVALID"},
      {"{\"on_dependency_failure\":\"ignore\"}", "JOB_OPTIONS_INVALID"},
      {"not json", "JOB_OPTIONS_INVALID"},
  };
  size_t i;
  if (!open_engine(&f, "memory:")) {
    CHECK(0);
    return;
  }
  for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    CHECK(cairn_jobs_enqueue(&id, f.engine, "k", "", 0, bad[i][0]) == CAIRN_INVALID_ARGUMENT);
    CHECK_REASON(bad[i][1]);
    CHECK(id == 0);
  }
  CHECK(cairn_jobs_enqueue(&id, f.engine, "k", "", 0, "{\"depends_on\":[77]}") == CAIRN_NOT_FOUND);
  CHECK_REASON("JOB_TASK_NOT_FOUND");
  CHECK(cairn_jobs_enqueue(&id, f.engine, "", "", 0, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("JOB_KIND_INVALID");
  CHECK(cairn_jobs_get_json(&json, f.engine, 1) == CAIRN_NOT_FOUND);
  CHECK(json == NULL);
  CHECK(cairn_jobs_register(f.engine, "k", NULL, NULL, 0) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(cairn_jobs_start(f.engine, 0, 0, 0) == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_jobs_enqueue(&id, NULL, "k", "", 0, NULL) == CAIRN_INVALID_ARGUMENT);
  close_engine(&f);
}

int main(void) {
  static const harness_test tests[] = {
      {"scheduler_memory", test_memory},   {"scheduler_sqlite", test_sqlite},
      {"purge_memory", test_purge_memory}, {"purge_sqlite", test_purge_sqlite},
      {"bad_input", test_bad_input},
  };
  int rc;
  const char* files[] = {"jobs.db",    "jobs.db-wal",    "jobs.db-shm",
                         "restart.db", "restart.db-wal", "restart.db-shm",
                         "purge.db",   "purge.db-wal",   "purge.db-shm"};
  size_t i;
  snprintf(temp_dir, sizeof temp_dir, "/tmp/cairn-jobs-c-XXXXXX");
  if (mkdtemp(temp_dir) == NULL) return 1;
  rc = harness_run(tests, sizeof tests / sizeof tests[0]);
  for (i = 0; i < sizeof files / sizeof files[0]; i++) {
    char path[128];
    snprintf(path, sizeof path, "%s/%s", temp_dir, files[i]);
    unlink(path);
  }
  rmdir(temp_dir);
  return rc;
}
