/* A tiny test harness for the C suites: CHECK records a failure and goes on; each test file ends
 * with CAIRN_TEST_MAIN, which runs its tests and prints "N passed, N failed". */
#ifndef CAIRN_TEST_HARNESS_H_
#define CAIRN_TEST_HARNESS_H_

#include <stdio.h>
#include <string.h>

static int harness_failures_in_test;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      harness_failures_in_test++;                                              \
    }                                                                          \
  } while (0)

#define CHECK_STR_EQ(a, b) CHECK(strcmp((a), (b)) == 0)

typedef struct harness_test {
  const char* name;
  void (*run)(void);
} harness_test;

static int harness_run(const harness_test* tests, size_t count) {
  int passed = 0, failed = 0;
  size_t i;
  for (i = 0; i < count; i++) {
    harness_failures_in_test = 0;
    tests[i].run();
    if (harness_failures_in_test == 0) {
      passed++;
      printf("ok   %s\n", tests[i].name);
    } else {
      failed++;
      printf("FAIL %s\n", tests[i].name);
    }
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}

#define CAIRN_TEST_MAIN(...)                                   \
  int main(void) {                                             \
    static const harness_test tests[] = {__VA_ARGS__};         \
    return harness_run(tests, sizeof tests / sizeof tests[0]); \
  }

#endif /* CAIRN_TEST_HARNESS_H_ */
