/* The C ABI of cairn::jobs: cron schedules, retry backoff and the in-memory DAG executor. */
#include <stdint.h>
#include <string.h>

#include "cairn.h"
#include "harness.h"

#define MINUTE 60000000LL
/* 2026-01-01T00:00:00Z, a Thursday. */
#define T0 1767225600000000LL

static void test_cron_next(void) {
  int64_t next = 0;
  CHECK(cairn_jobs_cron_next(&next, "*/15 * * * *", T0, 0) == CAIRN_OK);
  CHECK(next == T0 + 15 * MINUTE);
  CHECK(cairn_jobs_cron_next(&next, "0 9 * * MON", T0, 0) == CAIRN_OK);
  CHECK(next == T0 + (4 * 24 * 60 + 9 * 60) * MINUTE); /* Monday 2026-01-05 09:00 */
  /* 09:00 at UTC+2 is 07:00Z. */
  CHECK(cairn_jobs_cron_next(&next, "0 9 * * *", T0, 120) == CAIRN_OK);
  CHECK(next == T0 + 7 * 60 * MINUTE);
  /* Both day fields restricted: either matches (the 13th, or any Friday: Jan 2 comes first). */
  CHECK(cairn_jobs_cron_next(&next, "0 0 13 * FRI", T0, 0) == CAIRN_OK);
  CHECK(next == T0 + 24 * 60 * MINUTE);
  CHECK(cairn_jobs_cron_next(&next, "@yearly", T0, 0) == CAIRN_OK);
  CHECK(next == 1798761600000000LL); /* 2027-01-01 */
}

static void test_cron_errors(void) {
  int64_t next = 7;
  CHECK(cairn_jobs_cron_next(&next, "61 * * * *", T0, 0) == CAIRN_INVALID_ARGUMENT);
  CHECK(strcmp(cairn_error_last()->reason, "JOB_CRON_INVALID") == 0);
  CHECK(next == 0);
  CHECK(cairn_jobs_cron_next(&next, "0 0 30 2 *", T0, 0) == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_jobs_cron_next(NULL, "* * * * *", T0, 0) == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_jobs_cron_next(&next, NULL, T0, 0) == CAIRN_INVALID_ARGUMENT);
  CHECK(strcmp(cairn_error_last()->reason, "CAPI_NULL_ARGUMENT") == 0);
}

static void test_backoff(void) {
  int64_t ms = 0;
  int i;
  /* The backoff rules are specified in tests/jobs/retry_test.cpp; here: every field crosses. */
  cairn_jobs_retry_policy policy = CAIRN_JOBS_RETRY_POLICY_INIT;
  CHECK(policy.min_delay_ms == 1000 && policy.max_delay_ms == 600000 && policy.attempts == 5);
  policy.min_delay_ms = 500;
  policy.max_delay_ms = 10000;
  CHECK(cairn_jobs_retry_backoff_ms(&ms, &policy, 3) == CAIRN_OK && ms == 4000);
  CHECK(cairn_jobs_retry_backoff_ms(&ms, &policy, 30) == CAIRN_OK && ms == 10000);
  policy.jitter = 1;
  for (i = 0; i < 20; i++) {
    CHECK(cairn_jobs_retry_backoff_ms(&ms, &policy, 3) == CAIRN_OK);
    CHECK(ms >= 2000 && ms <= 4000);
  }
  policy.max_delay_ms = 5;
  CHECK(cairn_jobs_retry_backoff_ms(&ms, &policy, 0) == CAIRN_INVALID_ARGUMENT);
  CHECK(strcmp(cairn_error_last()->reason, "JOB_RETRY_POLICY_INVALID") == 0);
  CHECK(ms == 0);
  policy.version = 2;
  CHECK(cairn_jobs_retry_backoff_ms(&ms, &policy, 0) == CAIRN_INVALID_ARGUMENT);
  CHECK(strcmp(cairn_error_last()->reason, "CAPI_OPTIONS_VERSION_UNSUPPORTED") == 0);
  CHECK(cairn_jobs_retry_backoff_ms(&ms, NULL, 0) == CAIRN_INVALID_ARGUMENT);
  CHECK(strcmp(cairn_error_last()->reason, "CAPI_NULL_ARGUMENT") == 0);
}

/* A DAG whose tasks check that every predecessor ran before them. Each task writes only its own
 * elements; the edges alone order those writes before the reads of its successors. */
#define MAX_TASKS 400
#define MAX_PREDS 4

typedef struct graph {
  size_t count;
  size_t preds[MAX_TASKS][MAX_PREDS];
  int pred_count[MAX_TASKS];
  int runs[MAX_TASKS];
  int in_order[MAX_TASKS];
} graph;

typedef struct task_ctx {
  graph* g;
  size_t index;
} task_ctx;

static void check_task(void* ctx) {
  task_ctx* t = (task_ctx*)ctx;
  graph* g = t->g;
  int ok = 1;
  int k;
  for (k = 0; k < g->pred_count[t->index]; k++) {
    if (g->runs[g->preds[t->index][k]] != g->runs[t->index] + 1) ok = 0;
  }
  g->in_order[t->index] = ok;
  g->runs[t->index]++;
}

static graph g_graph;
static task_ctx g_ctx[MAX_TASKS];

/* Adds count tasks and, for each task i > 0, up to `degree` edges from earlier tasks. */
static cairn_jobs_dag* build(size_t count, int degree, unsigned seed) {
  cairn_jobs_dag* dag = NULL;
  size_t i, node;
  int k;
  memset(&g_graph, 0, sizeof g_graph);
  g_graph.count = count;
  CHECK(cairn_jobs_dag_new(&dag) == CAIRN_OK);
  for (i = 0; i < count; i++) {
    g_ctx[i].g = &g_graph;
    g_ctx[i].index = i;
    CHECK(cairn_jobs_dag_add(&node, dag, check_task, &g_ctx[i]) == CAIRN_OK);
    CHECK(node == i);
  }
  for (i = 1; i < count; i++) {
    for (k = 0; k < degree; k++) {
      size_t before;
      seed = seed * 1103515245u + 12345u;
      before = (seed >> 8) % i;
      g_graph.preds[i][g_graph.pred_count[i]++] = before;
      CHECK(cairn_jobs_dag_precede(dag, before, i) == CAIRN_OK);
    }
  }
  return dag;
}

static void check_all_ran(int times) {
  size_t i;
  for (i = 0; i < g_graph.count; i++) {
    CHECK(g_graph.runs[i] == times);
    CHECK(g_graph.in_order[i] == 1);
  }
}

static void test_dag_diamond(void) {
  unsigned workers;
  for (workers = 1; workers <= 2; workers++) {
    cairn_jobs_dag* dag = build(4, 0, 1);
    g_graph.preds[1][0] = 0;
    g_graph.preds[2][0] = 0;
    g_graph.preds[3][0] = 1;
    g_graph.preds[3][1] = 2;
    g_graph.pred_count[1] = g_graph.pred_count[2] = 1;
    g_graph.pred_count[3] = 2;
    CHECK(cairn_jobs_dag_precede(dag, 0, 1) == CAIRN_OK);
    CHECK(cairn_jobs_dag_precede(dag, 0, 2) == CAIRN_OK);
    CHECK(cairn_jobs_dag_precede(dag, 1, 3) == CAIRN_OK);
    CHECK(cairn_jobs_dag_precede(dag, 2, 3) == CAIRN_OK);
    CHECK(cairn_jobs_dag_run(dag, workers) == CAIRN_OK);
    check_all_ran(1);
    cairn_jobs_dag_free(dag);
  }
}

static void test_dag_random_and_repeated(void) {
  unsigned workers;
  int run;
  for (workers = 0; workers <= 4; workers += 2) {
    cairn_jobs_dag* dag = build(MAX_TASKS, MAX_PREDS, workers + 7);
    for (run = 1; run <= 20; run++) {
      CHECK(cairn_jobs_dag_run(dag, workers) == CAIRN_OK);
      check_all_ran(run);
    }
    CHECK(cairn_jobs_dag_run(dag, 1) == CAIRN_OK); /* another worker count: a new pool */
    check_all_ran(21);
    cairn_jobs_dag_free(dag);
  }
  {
    cairn_jobs_dag* empty = NULL;
    CHECK(cairn_jobs_dag_new(&empty) == CAIRN_OK);
    CHECK(cairn_jobs_dag_run(empty, 2) == CAIRN_OK);
    cairn_jobs_dag_free(empty);
  }
}

static void test_dag_errors(void) {
  cairn_jobs_dag* dag = build(3, 0, 1);
  size_t node = 9;
  CHECK(cairn_jobs_dag_precede(dag, 0, 1) == CAIRN_OK);
  CHECK(cairn_jobs_dag_precede(dag, 1, 2) == CAIRN_OK);
  CHECK(cairn_jobs_dag_precede(dag, 2, 0) == CAIRN_OK);
  CHECK(cairn_jobs_dag_run(dag, 2) == CAIRN_INVALID_ARGUMENT);
  CHECK_STR_EQ(cairn_error_last()->reason, "JOB_DEPENDENCY_CYCLE");
  CHECK(g_graph.runs[0] == 0 && g_graph.runs[1] == 0 && g_graph.runs[2] == 0);
  CHECK(cairn_jobs_dag_precede(dag, 0, 3) == CAIRN_INVALID_ARGUMENT);
  CHECK_STR_EQ(cairn_error_last()->reason, "JOB_DAG_NODE_INVALID");
  CHECK(cairn_jobs_dag_add(&node, dag, NULL, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_STR_EQ(cairn_error_last()->reason, "CAPI_NULL_ARGUMENT");
  CHECK(node == 0);
  CHECK(cairn_jobs_dag_add(NULL, dag, check_task, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_jobs_dag_add(&node, NULL, check_task, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_jobs_dag_precede(NULL, 0, 1) == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_jobs_dag_run(NULL, 1) == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_jobs_dag_new(NULL) == CAIRN_INVALID_ARGUMENT);
  cairn_jobs_dag_free(dag);
  cairn_jobs_dag_free(NULL);
}

CAIRN_TEST_MAIN({"cron next", test_cron_next}, {"cron errors", test_cron_errors},
                {"backoff", test_backoff}, {"dag diamond", test_dag_diamond},
                {"dag random and repeated", test_dag_random_and_repeated},
                {"dag errors", test_dag_errors})
