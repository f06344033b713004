/* Reading the JSON the C ABI hands out, for the C suites: enough to pick members out of flat
 * objects without a JSON library (the exact text is what the tests assert on). */
#ifndef CAIRN_TEST_JSON_PROBE_H_
#define CAIRN_TEST_JSON_PROBE_H_

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The text value of the first "name":"..." member in json, copied into buf ("" when absent). */
static inline const char* json_str(const char* json, const char* name, char* buf, size_t size) {
  char pattern[64];
  const char *start, *end;
  buf[0] = '\0';
  if (json == NULL) return buf;
  snprintf(pattern, sizeof pattern, "\"%s\":\"", name);
  start = strstr(json, pattern);
  if (start == NULL) return buf;
  start += strlen(pattern);
  end = strchr(start, '"');
  if (end == NULL || (size_t)(end - start) >= size) return buf;
  memcpy(buf, start, (size_t)(end - start));
  buf[end - start] = '\0';
  return buf;
}

/* The integer value of the first "name":n member in json (-1 when absent or not a number). */
static inline int64_t json_int(const char* json, const char* name) {
  char pattern[64];
  const char* start;
  char* end;
  long long value;
  if (json == NULL) return -1;
  snprintf(pattern, sizeof pattern, "\"%s\":", name);
  start = strstr(json, pattern);
  if (start == NULL) return -1;
  start += strlen(pattern);
  value = strtoll(start, &end, 10);
  return end == start ? -1 : (int64_t)value;
}

/* 1 when json contains the member text `member` (for example "\"ip\":null"). */
static inline int has(const char* json, const char* member) {
  return json != NULL && strstr(json, member) != NULL;
}

/* The number of times needle occurs in json. */
static inline int count_of(const char* json, const char* needle) {
  int n = 0;
  const char* p = json;
  while (p != NULL && (p = strstr(p, needle)) != NULL) {
    n++;
    p += strlen(needle);
  }
  return n;
}

#endif /* CAIRN_TEST_JSON_PROBE_H_ */
