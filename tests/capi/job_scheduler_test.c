/* The C ABI's persistent scheduler (engine.jobs) on memory: and sqlite:: handlers, option structs,
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
static cairn_status upper(void* ctx, cairn_jobs_task_context* run, const char* input, size_t len) {
  char buf[64];
  size_t i;
  (*(int*)ctx)++;
  if (len >= sizeof buf) return CAIRN_INVALID_ARGUMENT;
  for (i = 0; i < len; i++)
    buf[i] = (char)(input[i] >= 'a' && input[i] <= 'z' ? input[i] - 32 : input[i]);
  cairn_jobs_task_context_set_output(run, buf, len);
  return CAIRN_OK;
}

/* Fails as unavailable (retryable). */
static cairn_status flaky(void* ctx, cairn_jobs_task_context* run, const char* input, size_t len) {
  (void)input;
  (void)len;
  (*(int*)ctx)++;
  cairn_jobs_task_context_set_error(run, "UPSTREAM_DOWN", "the upstream is down");
  return CAIRN_UNAVAILABLE;
}

/* Fails with a code a retry cannot fix, without a reason. */
static cairn_status refuse(void* ctx, cairn_jobs_task_context* run, const char* input, size_t len) {
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
static cairn_status cancel_self(void* ctx, cairn_jobs_task_context* run, const char* input,
                                size_t len) {
  canceller* c = (canceller*)ctx;
  const char* state = NULL;
  (void)input;
  (void)len;
  cairn_jobs_task_context_cancelled(&c->before, run);
  cairn_jobs_scheduler_cancel(&state, c->engine, cairn_jobs_task_context_id(run));
  cairn_jobs_task_context_cancelled(&c->after, run);
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
  cairn_jobs_retry_policy retry = CAIRN_JOBS_RETRY_POLICY_INIT;
  cairn_jobs_enqueue_options options = CAIRN_JOBS_ENQUEUE_OPTIONS_INIT;
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
  CHECK(cairn_jobs_scheduler_subscribe(&sub, f.engine, record_event, NULL) == CAIRN_OK);
  CHECK(cairn_jobs_scheduler_register(f.engine, "upper", upper, &calls, 0) == CAIRN_OK);
  CHECK(cairn_jobs_scheduler_register(f.engine, "flaky", flaky, &flaky_calls, 0) == CAIRN_OK);
  CHECK(cairn_jobs_scheduler_register(f.engine, "refuse", refuse, NULL, 0) == CAIRN_OK);

  CHECK(cairn_jobs_scheduler_enqueue(&id, f.engine, "upper", "hello", 5, NULL) == CAIRN_OK);
  CHECK(id == 1);
  CHECK(cairn_jobs_scheduler_run_pending(&ran, f.engine, -1) == CAIRN_OK);
  CHECK(ran == 1 && calls == 1);
  CHECK(cairn_jobs_scheduler_get(&json, f.engine, id) == CAIRN_OK);
  CHECK(has(json, "\"state\":\"done\"") && has(json, "\"output\":\"HELLO\""));
  CHECK(has(json, "\"attempts\":1") && has(json, "\"errors\":[]"));
  cairn_free(json);
  CHECK_STR_EQ(events, "queued:1:0 started:1:1 done:1:1 ");
  CHECK(cairn_jobs_scheduler_unsubscribe(f.engine, sub) == CAIRN_OK);

  /* Retries: 1 s, then 2 s, then failed with every error kept. */
  retry.min_delay_ms = 1000;
  retry.max_delay_ms = 5000;
  retry.attempts = 3;
  options.retry = &retry;
  options.priority = "high";
  CHECK(cairn_jobs_scheduler_enqueue(&retried, f.engine, "flaky", "", 0, &options) == CAIRN_OK);
  CHECK(cairn_jobs_scheduler_run_pending(&ran, f.engine, -1) == CAIRN_OK && ran == 1);
  CHECK(cairn_jobs_scheduler_get(&json, f.engine, retried) == CAIRN_OK);
  CHECK(has(json, "\"state\":\"pending\""));
  CHECK(has(json, "\"run_at_micros\":1767225601000000"));
  CHECK(has(json,
            "\"retry\":{\"min_delay_ms\":1000,\"max_delay_ms\":5000,\"attempts\":3,"
            "\"jitter\":false}"));
  cairn_free(json);
  cairn_env_fake_advance(f.env, SECOND);
  CHECK(cairn_jobs_scheduler_run_pending(&ran, f.engine, -1) == CAIRN_OK && ran == 1);
  cairn_env_fake_advance(f.env, 2 * SECOND);
  CHECK(cairn_jobs_scheduler_run_pending(&ran, f.engine, -1) == CAIRN_OK && ran == 1);
  CHECK(flaky_calls == 3);
  CHECK(cairn_jobs_scheduler_get(&json, f.engine, retried) == CAIRN_OK);
  CHECK(has(json, "\"state\":\"failed\"") && has(json, "\"attempts\":3"));
  CHECK(has(json, "[\"UNAVAILABLE UPSTREAM_DOWN: the upstream is down\","));
  cairn_free(json);

  /* A code a retry cannot fix fails at once, and cancels a dependent that asked for it. */
  retry.min_delay_ms = 0;
  retry.max_delay_ms = 0;
  retry.attempts = 5;
  options.priority = NULL;
  CHECK(cairn_jobs_scheduler_enqueue(&denied, f.engine, "refuse", "", 0, &options) == CAIRN_OK);
  {
    cairn_jobs_enqueue_options after = CAIRN_JOBS_ENQUEUE_OPTIONS_INIT;
    after.depends_on = &denied;
    after.depends_on_count = 1;
    CHECK(cairn_jobs_scheduler_enqueue(&child, f.engine, "upper", "x", 1, &after) == CAIRN_OK);
  }
  CHECK(cairn_jobs_scheduler_run_pending(&ran, f.engine, -1) == CAIRN_OK && ran == 1);
  CHECK(cairn_jobs_scheduler_get(&json, f.engine, denied) == CAIRN_OK);
  CHECK(has(json, "\"state\":\"failed\"") &&
        has(json, "PERMISSION_DENIED JOB_HANDLER_FAILED: the handler failed"));
  cairn_free(json);
  CHECK(cairn_jobs_scheduler_get(&json, f.engine, child) == CAIRN_OK);
  CHECK(has(json, "\"state\":\"cancelled\"") && has(json, "JOB_DEPENDENCY_FAILED"));
  cairn_free(json);

  /* Cron: the next whole 5 minutes, and pending again after a run. */
  {
    cairn_jobs_enqueue_options every5 = CAIRN_JOBS_ENQUEUE_OPTIONS_INIT;
    every5.cron = "*/5 * * * *";
    CHECK(cairn_jobs_scheduler_enqueue(&cron, f.engine, "upper", "tick", 4, &every5) == CAIRN_OK);
  }
  CHECK(cairn_jobs_scheduler_get(&json, f.engine, cron) == CAIRN_OK);
  CHECK(has(json, "\"run_at_micros\":1767225900000000") && has(json, "\"cron\":\"*/5 * * * *\""));
  cairn_free(json);

  /* Cancelling pending and running tasks. */
  {
    cairn_jobs_enqueue_options in_a_minute = CAIRN_JOBS_ENQUEUE_OPTIONS_INIT;
    in_a_minute.delay_ms = 60000;
    CHECK(cairn_jobs_scheduler_enqueue(&later, f.engine, "upper", "", 0, &in_a_minute) == CAIRN_OK);
  }
  CHECK(cairn_jobs_scheduler_cancel(&state, f.engine, later) == CAIRN_OK);
  CHECK_STR_EQ(state, "cancelled");
  c.engine = f.engine;
  c.before = c.after = -1;
  CHECK(cairn_jobs_scheduler_register(f.engine, "self", cancel_self, &c, 1) == CAIRN_OK);
  CHECK(cairn_jobs_scheduler_enqueue(&id, f.engine, "self", "", 0, NULL) == CAIRN_OK);
  CHECK(cairn_jobs_scheduler_run_pending(&ran, f.engine, -1) == CAIRN_OK && ran == 1);
  CHECK(c.before == 0 && c.after == 1);
  CHECK(cairn_jobs_scheduler_get(&json, f.engine, id) == CAIRN_OK);
  CHECK(has(json, "\"state\":\"cancelled\""));
  cairn_free(json);

  /* Workers. */
  {
    cairn_jobs_enqueue_options low = CAIRN_JOBS_ENQUEUE_OPTIONS_INIT;
    low.priority = "low";
    CHECK(cairn_jobs_scheduler_enqueue(&id, f.engine, "upper", "abc", 3, &low) == CAIRN_OK);
  }
  CHECK(cairn_jobs_scheduler_start(f.engine, 1, 1, 1) == CAIRN_OK);
  CHECK(cairn_jobs_scheduler_start(f.engine, 1, 1, 1) == CAIRN_FAILED_PRECONDITION);
  CHECK_REASON("JOB_SCHEDULER_RUNNING");
  CHECK(cairn_jobs_scheduler_wait(&json, f.engine, id, 20000) == CAIRN_OK);
  CHECK(has(json, "\"state\":\"done\"") && has(json, "\"output\":\"ABC\""));
  cairn_free(json);
  CHECK(cairn_jobs_scheduler_stop(f.engine) == CAIRN_OK);
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
  {
    cairn_jobs_retry_policy kept_retry = CAIRN_JOBS_RETRY_POLICY_INIT;
    cairn_jobs_enqueue_options kept = CAIRN_JOBS_ENQUEUE_OPTIONS_INIT;
    kept_retry.min_delay_ms = 5;
    kept_retry.max_delay_ms = 50;
    kept_retry.attempts = 2;
    kept_retry.jitter = 1;
    kept.key = "k";
    kept.timeout_ms = 9000;
    kept.on_dependency_failure = "run";
    kept.retry = &kept_retry;
    CHECK(cairn_jobs_scheduler_enqueue(&id, f.engine, "upper", "kept", 4, &kept) == CAIRN_OK);
  }
  close_engine(&f);
  if (!open_engine(&f, uri)) {
    CHECK(0);
    return;
  }
  CHECK(cairn_jobs_scheduler_get(&json, f.engine, id) == CAIRN_OK);
  CHECK(has(json, "\"key\":\"k\"") && has(json, "\"timeout_ms\":9000"));
  CHECK(has(json, "\"on_dependency_failure\":\"run\"") && has(json, "\"jitter\":true"));
  cairn_free(json);
  CHECK(cairn_jobs_scheduler_register(f.engine, "upper", upper, &calls, 0) == CAIRN_OK);
  CHECK(cairn_jobs_scheduler_run_pending(&ran, f.engine, -1) == CAIRN_OK && ran == 1 && calls == 1);
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
  cairn_jobs_enqueue_options options = CAIRN_JOBS_ENQUEUE_OPTIONS_INIT;
  if (!open_engine(&f, uri)) {
    CHECK(0);
    return;
  }
  CHECK(cairn_jobs_scheduler_register(f.engine, "upper", upper, &calls, 0) == CAIRN_OK);
  CHECK(cairn_jobs_scheduler_enqueue(&old, f.engine, "upper", "a", 1, NULL) == CAIRN_OK);
  CHECK(cairn_jobs_scheduler_enqueue(&dep, f.engine, "upper", "b", 1, NULL) == CAIRN_OK);
  CHECK(cairn_jobs_scheduler_run_pending(&ran, f.engine, -1) == CAIRN_OK && ran == 2);
  options.depends_on = &dep;
  options.depends_on_count = 1;
  options.delay_ms = 7200000;
  CHECK(cairn_jobs_scheduler_enqueue(&waiting, f.engine, "upper", "c", 1, &options) == CAIRN_OK);
  cairn_env_fake_advance(f.env, 3600 * SECOND);
  CHECK(cairn_jobs_scheduler_enqueue(&young, f.engine, "upper", "d", 1, NULL) == CAIRN_OK);
  CHECK(cairn_jobs_scheduler_run_pending(&ran, f.engine, -1) == CAIRN_OK && ran == 1);
  options.depends_on = NULL;
  options.depends_on_count = 0;
  options.delay_ms = 3600000;
  CHECK(cairn_jobs_scheduler_enqueue(&newest, f.engine, "elsewhere", "", 0, &options) == CAIRN_OK);

  CHECK(cairn_jobs_scheduler_purge_finished(&count, f.engine, 1800000, "elsewhere") == CAIRN_OK);
  CHECK(count == 0);
  CHECK(cairn_jobs_scheduler_purge_finished(&count, f.engine, 1800000, NULL) == CAIRN_OK);
  CHECK(count == 1);
  CHECK(cairn_jobs_scheduler_get(&json, f.engine, old) == CAIRN_NOT_FOUND);
  CHECK_REASON("JOB_TASK_NOT_FOUND");
  CHECK(cairn_jobs_scheduler_get(&json, f.engine, dep) == CAIRN_OK);
  CHECK(has(json, "\"state\":\"done\""));
  cairn_free(json);

  /* Once the dependent has run, its dependency may go (the dependent itself is too young). */
  cairn_env_fake_advance(f.env, 3600 * SECOND);
  CHECK(cairn_jobs_scheduler_run_pending(&ran, f.engine, -1) == CAIRN_OK && ran == 1);
  CHECK(cairn_jobs_scheduler_purge_finished(&count, f.engine, 1000, "upper") == CAIRN_OK);
  CHECK(count == 2);
  CHECK(cairn_jobs_scheduler_get(&json, f.engine, dep) == CAIRN_NOT_FOUND);
  CHECK(cairn_jobs_scheduler_get(&json, f.engine, young) == CAIRN_NOT_FOUND);
  CHECK(cairn_jobs_scheduler_get(&json, f.engine, waiting) == CAIRN_OK);
  CHECK(has(json, "\"state\":\"done\"") && has(json, "\"depends_on\":[]"));
  cairn_free(json);
  CHECK(cairn_jobs_scheduler_get(&json, f.engine, newest) == CAIRN_OK);
  CHECK(has(json, "\"state\":\"pending\""));
  cairn_free(json);

  count = -1;
  CHECK(cairn_jobs_scheduler_purge_finished(&count, f.engine, -1, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("JOB_PURGE_INVALID");
  CHECK(count == 0);
  CHECK(cairn_jobs_scheduler_purge_finished(&count, f.engine, 0, "") == CAIRN_OK && count == 0);
  CHECK(cairn_jobs_scheduler_purge_finished(NULL, f.engine, 0, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(cairn_jobs_scheduler_purge_finished(&count, NULL, 0, NULL) == CAIRN_INVALID_ARGUMENT);
  close_engine(&f);
}

static void test_purge_memory(void) { purge_flow("memory:"); }

static void test_purge_sqlite(void) {
  char uri[128];
  snprintf(uri, sizeof uri, "sqlite:%s/purge.db", temp_dir);
  purge_flow(uri);
}

/* Lists one page of `options` into *json (freed first); 1 on success. */
static int list_page(fixture* f, const cairn_jobs_list_options* options, char** json) {
  cairn_free(*json);
  *json = NULL;
  return cairn_jobs_scheduler_list(json, f->engine, options) == CAIRN_OK;
}

typedef struct lease_probe {
  fixture* f;
  char* counts; /* cairn_jobs_scheduler_counts while the run's lease had run out */
} lease_probe;

/* Outlives its lease: moves the fake clock past it and counts the tasks meanwhile. */
static cairn_status outlive_lease(void* ctx, cairn_jobs_task_context* run, const char* input,
                                  size_t len) {
  lease_probe* p = (lease_probe*)ctx;
  (void)run;
  (void)input;
  (void)len;
  cairn_env_fake_advance(p->f->env, 31 * SECOND); /* the engine's lease is 30 s */
  if (cairn_jobs_scheduler_counts(&p->counts, p->f->engine) != CAIRN_OK) p->counts = NULL;
  return CAIRN_OK;
}

/* Filters, literal key prefixes, pages walked with their cursors, and the count of every state
 * (the rules themselves are specified in tests/jobs/listing_conformance_test.cpp). */
static void listing_flow(const char* uri) {
  fixture f;
  int calls = 0, items = 0, pages = 0;
  int64_t id = 0, dep = 0;
  int32_t ran = 0;
  char* json = NULL;
  char cursor[128];
  lease_probe probe;
  cairn_jobs_enqueue_options keyed = CAIRN_JOBS_ENQUEUE_OPTIONS_INIT;
  cairn_jobs_list_options list = CAIRN_JOBS_LIST_OPTIONS_INIT;
  const cairn_jobs_list_options defaults = CAIRN_JOBS_LIST_OPTIONS_INIT;
  if (!open_engine(&f, uri)) {
    CHECK(0);
    return;
  }
  probe.f = &f;
  probe.counts = NULL;
  CHECK(cairn_jobs_scheduler_counts(&json, f.engine) == CAIRN_OK);
  CHECK(has(json, "\"pending\":0") && has(json, "\"lease_expired\":0"));
  CHECK(list_page(&f, NULL, &json));
  CHECK(has(json, "\"items\":[]") && has(json, "\"next_cursor\":null"));

  keyed.key = "a%1";
  CHECK(cairn_jobs_scheduler_enqueue(&dep, f.engine, "a", "", 0, &keyed) == CAIRN_OK);
  keyed.key = "a_1";
  CHECK(cairn_jobs_scheduler_enqueue(&id, f.engine, "a", "", 0, &keyed) == CAIRN_OK);
  keyed.key = "ax1";
  CHECK(cairn_jobs_scheduler_enqueue(&id, f.engine, "a", "", 0, &keyed) == CAIRN_OK);
  keyed.key = "a%2";
  CHECK(cairn_jobs_scheduler_enqueue(&id, f.engine, "b", "", 0, &keyed) == CAIRN_OK);
  keyed.key = NULL;
  keyed.depends_on = &dep;
  keyed.depends_on_count = 1;
  CHECK(cairn_jobs_scheduler_enqueue(&id, f.engine, "b", "", 0, &keyed) == CAIRN_OK); /* blocked */
  CHECK(cairn_jobs_scheduler_register(f.engine, "upper", upper, &calls, 0) == CAIRN_OK);
  CHECK(cairn_jobs_scheduler_enqueue(&id, f.engine, "upper", "x", 1, NULL) == CAIRN_OK);
  CHECK(cairn_jobs_scheduler_run_pending(&ran, f.engine, -1) == CAIRN_OK && ran == 1);

  list.kind = "a";
  CHECK(list_page(&f, &list, &json));
  CHECK(count_of(json, "\"kind\":\"a\"") == 3 && count_of(json, "\"id\":") == 3);
  CHECK(has(json, "\"next_cursor\":null"));
  list = defaults;
  list.key_prefix = "a%";
  CHECK(list_page(&f, &list, &json));
  CHECK(count_of(json, "\"id\":") == 2 && has(json, "\"key\":\"a%1\"") &&
        has(json, "\"key\":\"a%2\""));
  list.key_prefix = "a_";
  CHECK(list_page(&f, &list, &json));
  CHECK(count_of(json, "\"id\":") == 1 && has(json, "\"key\":\"a_1\""));
  list = defaults;
  list.state = "done";
  list.kind = "upper";
  CHECK(list_page(&f, &list, &json));
  CHECK(count_of(json, "\"id\":") == 1 && has(json, "\"output\":\"X\""));
  list = defaults;
  list.state = "blocked";
  CHECK(list_page(&f, &list, &json));
  CHECK(count_of(json, "\"id\":") == 1 && has(json, "\"depends_on\":[1]"));

  /* Two at a time, to the end. */
  list = defaults;
  list.limit = 2;
  for (pages = 0; pages < 10; pages++) {
    CHECK(list_page(&f, &list, &json));
    items += count_of(json, "\"id\":");
    if (has(json, "\"next_cursor\":null")) break;
    json_str(json, "next_cursor", cursor, sizeof cursor);
    CHECK(cursor[0] != '\0');
    list.cursor = cursor;
  }
  CHECK(pages == 2 && items == 6);
  /* A cursor with another filter, and bad arguments. */
  list = defaults;
  list.limit = 1;
  CHECK(list_page(&f, &list, &json));
  json_str(json, "next_cursor", cursor, sizeof cursor);
  list.cursor = cursor;
  list.kind = "a";
  cairn_free(json);
  json = (char*)&json; /* not NULL: a failed call must clear it */
  CHECK(cairn_jobs_scheduler_list(&json, f.engine, &list) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("JOB_CURSOR_INVALID");
  CHECK(json == NULL);
  list = defaults;
  list.limit = 0;
  CHECK(cairn_jobs_scheduler_list(&json, f.engine, &list) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("JOB_LIST_INVALID");
  list.limit = 1001;
  CHECK(cairn_jobs_scheduler_list(&json, f.engine, &list) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("JOB_LIST_INVALID");
  list = defaults;
  list.state = "waiting";
  CHECK(cairn_jobs_scheduler_list(&json, f.engine, &list) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("JOB_STATE_INVALID");
  list = defaults;
  list.version = 99;
  CHECK(cairn_jobs_scheduler_list(&json, f.engine, &list) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_OPTIONS_VERSION_UNSUPPORTED");
  CHECK(cairn_jobs_scheduler_list(NULL, f.engine, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(cairn_jobs_scheduler_counts(&json, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");

  /* Counts, with a run outliving its lease. */
  CHECK(cairn_jobs_scheduler_register(f.engine, "slow", outlive_lease, &probe, 0) == CAIRN_OK);
  CHECK(cairn_jobs_scheduler_enqueue(&id, f.engine, "slow", "", 0, NULL) == CAIRN_OK);
  CHECK(cairn_jobs_scheduler_run_pending(&ran, f.engine, -1) == CAIRN_OK && ran == 1);
  CHECK(probe.counts != NULL);
  CHECK(json_int(probe.counts, "running") == 1 && json_int(probe.counts, "lease_expired") == 1);
  CHECK(json_int(probe.counts, "pending") == 5 && json_int(probe.counts, "blocked") == 1);
  CHECK(json_int(probe.counts, "scheduled") == 0 && json_int(probe.counts, "done") == 1);
  CHECK(json_int(probe.counts, "failed") == 0 && json_int(probe.counts, "cancelled") == 0);
  cairn_free(probe.counts);
  CHECK(cairn_jobs_scheduler_counts(&json, f.engine) == CAIRN_OK);
  CHECK(json_int(json, "running") == 0 && json_int(json, "lease_expired") == 0);
  CHECK(json_int(json, "done") == 2);
  cairn_free(json);
  close_engine(&f);
}

static void test_listing_memory(void) { listing_flow("memory:"); }

static void test_listing_sqlite(void) {
  char uri[128];
  snprintf(uri, sizeof uri, "sqlite:%s/listing.db", temp_dir);
  listing_flow(uri);
}

/* Every option field crosses, and its errors with code and reason (the rules themselves are
 * specified in tests/jobs/scheduler_conformance_test.cpp). */
static void test_bad_input(void) {
  fixture f;
  int64_t id = 0;
  char* json = NULL;
  cairn_jobs_retry_policy backwards = CAIRN_JOBS_RETRY_POLICY_INIT;
  cairn_jobs_enqueue_options bad[7];
  const char* reasons[7] = {"JOB_PRIORITY_INVALID",     "JOB_OPTIONS_INVALID",
                            "JOB_RETRY_POLICY_INVALID", "JOB_CRON_INVALID",
                            "JOB_OPTIONS_INVALID",      "CAPI_OPTIONS_VERSION_UNSUPPORTED",
                            "CAPI_NULL_ARGUMENT"};
  const cairn_jobs_enqueue_options defaults = CAIRN_JOBS_ENQUEUE_OPTIONS_INIT;
  for (id = 0; id < 7; id++) bad[id] = defaults;
  id = 0;
  backwards.min_delay_ms = 10;
  backwards.max_delay_ms = 1;
  bad[0].priority = "urgent";
  bad[1].delay_ms = 1;
  bad[1].run_at_micros = 1;
  bad[2].retry = &backwards;
  bad[3].cron = "* * *";
  bad[4].on_dependency_failure = "ignore";
  bad[5].version = 99;
  bad[6].depends_on_count = 1;
  size_t i;
  if (!open_engine(&f, "memory:")) {
    CHECK(0);
    return;
  }
  for (i = 0; i < 7; i++) {
    CHECK(cairn_jobs_scheduler_enqueue(&id, f.engine, "k", "", 0, &bad[i]) ==
          CAIRN_INVALID_ARGUMENT);
    CHECK_REASON(reasons[i]);
    CHECK(id == 0);
  }
  {
    int64_t missing = 77;
    bad[0] = defaults;
    bad[0].depends_on = &missing;
    bad[0].depends_on_count = 1;
    CHECK(cairn_jobs_scheduler_enqueue(&id, f.engine, "k", "", 0, &bad[0]) == CAIRN_NOT_FOUND);
  }
  CHECK_REASON("JOB_TASK_NOT_FOUND");
  CHECK(cairn_jobs_scheduler_enqueue(&id, f.engine, "", "", 0, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("JOB_KIND_INVALID");
  CHECK(cairn_jobs_scheduler_get(&json, f.engine, 1) == CAIRN_NOT_FOUND);
  CHECK(json == NULL);
  CHECK(cairn_jobs_scheduler_register(f.engine, "k", NULL, NULL, 0) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(cairn_jobs_scheduler_start(f.engine, 0, 0, 0) == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_jobs_scheduler_enqueue(&id, NULL, "k", "", 0, NULL) == CAIRN_INVALID_ARGUMENT);
  close_engine(&f);
}

int main(void) {
  static const harness_test tests[] = {
      {"scheduler_memory", test_memory},       {"scheduler_sqlite", test_sqlite},
      {"purge_memory", test_purge_memory},     {"purge_sqlite", test_purge_sqlite},
      {"bad_input", test_bad_input},           {"listing_memory", test_listing_memory},
      {"listing_sqlite", test_listing_sqlite},
  };
  int rc;
  const char* files[] = {"jobs.db",        "jobs.db-wal",    "jobs.db-shm",    "restart.db",
                         "restart.db-wal", "restart.db-shm", "purge.db",       "purge.db-wal",
                         "purge.db-shm",   "listing.db",     "listing.db-wal", "listing.db-shm"};
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
