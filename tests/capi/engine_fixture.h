/* An engine on a fake env for the C suites: the clock starts at T0 and moves only when a test
 * moves it (cairn_env_fake_advance), and random bytes come from a seeded generator. */
#ifndef CAIRN_TEST_ENGINE_FIXTURE_H_
#define CAIRN_TEST_ENGINE_FIXTURE_H_

#include <stdio.h>

#include "cairn.h"

/* 2026-01-01T00:00:00Z */
#define T0 INT64_C(1767225600000000)
#define SECOND INT64_C(1000000)

typedef struct fixture {
  cairn_env* env;
  cairn_engine* engine;
} fixture;

/* Opens uri with a fake env at T0 seeded with seed, and master key `key` (NULL: none). 1 on
 * success; 0 (with the reason printed, nothing left open) otherwise. */
static inline int fixture_open(fixture* f, const char* uri, uint64_t seed, const char* key) {
  cairn_engine_options opts = CAIRN_ENGINE_OPTIONS_INIT;
  f->env = NULL;
  f->engine = NULL;
  if (cairn_env_fake_new(&f->env, T0, seed) != CAIRN_OK) return 0;
  opts.env = f->env;
  opts.master_key = key;
  if (cairn_engine_open(&f->engine, uri, &opts) != CAIRN_OK) {
    fprintf(stderr, "cannot open %s: %s %s\n", uri, cairn_error_last()->reason,
            cairn_error_last()->message);
    cairn_env_free(f->env);
    return 0;
  }
  return 1;
}

static inline void close_engine(fixture* f) {
  cairn_engine_close(f->engine);
  cairn_env_free(f->env);
}

#endif /* CAIRN_TEST_ENGINE_FIXTURE_H_ */
