/* The C ABI's audit log: RFC 6962 functions against published roots, and the engine's log. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cairn.h"
#include "harness.h"

static char temp_dir[64];

static const char* hex(const uint8_t* data, size_t len) {
  static char text[256];
  char* encoded = NULL;
  if (cairn_encoding_hex_encode(&encoded, data, len) != CAIRN_OK) return "(error)";
  strncpy(text, encoded, sizeof text - 1);
  cairn_free(encoded);
  return text;
}

/* The 8 standard leaves of RFC 6962 test suites (transparency-dev/merkle testonly). */
static const char* kLeafHex[8] = {"",
                                  "00",
                                  "10",
                                  "2021",
                                  "3031",
                                  "40414243",
                                  "5051525354555657",
                                  "606162636465666768696a6b6c6d6e6f"};
static const char* kRoot8 = "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328";
static const char* kRoot3 = "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77";

static void test_merkle_functions(void) {
  uint8_t* leaves[8];
  size_t lengths[8];
  uint8_t root[32], root3[32], *proof = NULL;
  size_t proof_count = 0, i;
  int valid = 0;
  for (i = 0; i < 8; i++)
    CHECK(cairn_encoding_hex_decode(&leaves[i], &lengths[i], kLeafHex[i]) == CAIRN_OK);
  CHECK(cairn_audit_merkle_root(root, (const uint8_t* const*)leaves, lengths, 8) == CAIRN_OK);
  CHECK_STR_EQ(hex(root, 32), kRoot8);
  CHECK(cairn_audit_merkle_root(root3, (const uint8_t* const*)leaves, lengths, 3) == CAIRN_OK);
  CHECK_STR_EQ(hex(root3, 32), kRoot3);
  CHECK(cairn_audit_inclusion_proof(&proof, &proof_count, (const uint8_t* const*)leaves, lengths, 8,
                                    5, 8) == CAIRN_OK);
  CHECK(proof_count == 3);
  CHECK(cairn_audit_verify_inclusion(&valid, leaves[5], lengths[5], 5, 8, proof, proof_count,
                                     root) == CAIRN_OK);
  CHECK(valid == 1);
  CHECK(cairn_audit_verify_inclusion(&valid, leaves[4], lengths[4], 5, 8, proof, proof_count,
                                     root) == CAIRN_OK);
  CHECK(valid == 0);
  cairn_free(proof);
  CHECK(cairn_audit_consistency_proof(&proof, &proof_count, (const uint8_t* const*)leaves, lengths,
                                      8, 3, 8) == CAIRN_OK);
  CHECK(cairn_audit_verify_consistency(&valid, 3, 8, root3, root, proof, proof_count) == CAIRN_OK);
  CHECK(valid == 1);
  CHECK(cairn_audit_verify_consistency(&valid, 3, 8, root, root, proof, proof_count) == CAIRN_OK);
  CHECK(valid == 0);
  cairn_free(proof);
  CHECK(cairn_audit_inclusion_proof(&proof, &proof_count, (const uint8_t* const*)leaves, lengths, 8,
                                    8, 8) == CAIRN_OUT_OF_RANGE);
  CHECK_STR_EQ(cairn_error_last()->reason, "AUDIT_INDEX_OUT_OF_RANGE");
  CHECK(proof == NULL);
  for (i = 0; i < 8; i++) cairn_free(leaves[i]);
}

static void test_engine_log(void) {
  cairn_engine* engine = NULL;
  cairn_audit_entry entry = CAIRN_AUDIT_ENTRY_INIT;
  const char* sensitive[1] = {"value"};
  cairn_audit_tree_head head;
  cairn_audit_query query = CAIRN_AUDIT_QUERY_INIT;
  uint64_t seq = 99, size = 0, bad = 0;
  uint8_t* proof = NULL;
  size_t proof_count = 0;
  int valid = 0, i;
  char *json = NULL, *pem = NULL, uri[128], path[128];
  snprintf(uri, sizeof uri, "sqlite:%s/audit.db", temp_dir);
  snprintf(path, sizeof path, "%s/export.jsonl", temp_dir);
  CHECK(cairn_engine_open(&engine, uri, NULL) == CAIRN_OK);

  entry.actor = "alice";
  entry.action = "secret.write";
  entry.resource_type = "secret";
  entry.resource = "DB_URL";
  entry.ip = "203.0.113.9";
  entry.details_json = "{\"value\":\"hunter2\",\"version\":3}";
  entry.sensitive = sensitive;
  entry.sensitive_count = 1;
  for (i = 0; i < 5; i++) {
    CHECK(cairn_audit_append(&seq, engine, &entry, -1) == CAIRN_OK);
    CHECK(seq == (uint64_t)i);
  }
  CHECK(cairn_audit_append(&seq, engine, &entry, 2) == CAIRN_ABORTED);
  CHECK_STR_EQ(cairn_error_last()->reason, "AUDIT_SIZE_MISMATCH");
  CHECK(cairn_audit_size(&size, engine) == CAIRN_OK);
  CHECK(size == 5);

  CHECK(cairn_audit_entry_json(&json, engine, 1) == CAIRN_OK);
  CHECK(strstr(json, "\"actor_id\":\"alice\"") != NULL);
  CHECK(strstr(json, "\"time_micros\":") != NULL);
  CHECK(strstr(json, "\"link\":\"") != NULL);
  CHECK(strstr(json, "hunter2") == NULL);
  CHECK(strstr(json, "hmac-sha256:") != NULL);
  cairn_free(json);

  CHECK(cairn_audit_sign_tree_head(&head, engine) == CAIRN_OK);
  CHECK(head.size == 5);
  CHECK(cairn_audit_public_key_pem(&pem, engine) == CAIRN_OK);
  CHECK(cairn_audit_verify_tree_head(&valid, &head, pem) == CAIRN_OK);
  CHECK(valid == 1);
  head.size = 6;
  CHECK(cairn_audit_verify_tree_head(&valid, &head, pem) == CAIRN_OK);
  CHECK(valid == 0);

  CHECK(cairn_audit_prove_inclusion(&proof, &proof_count, engine, 3, -1) == CAIRN_OK);
  CHECK(proof_count == 3);
  cairn_free(proof);
  CHECK(cairn_audit_prove_consistency(&proof, &proof_count, engine, 2, -1) == CAIRN_OK);
  CHECK(proof_count >= 1);
  cairn_free(proof);

  query.actor = "alice";
  query.limit = 2;
  CHECK(cairn_audit_query_json(&json, engine, &query) == CAIRN_OK);
  CHECK(strstr(json, "\"next_cursor\":\"") != NULL);
  cairn_free(json);
  query.limit = 0;
  CHECK(cairn_audit_query_json(&json, engine, &query) == CAIRN_INVALID_ARGUMENT);
  CHECK(json == NULL);
  query.version = 99;
  CHECK(cairn_audit_query_json(&json, engine, &query) == CAIRN_INVALID_ARGUMENT);
  CHECK_STR_EQ(cairn_error_last()->reason, "CAPI_OPTIONS_VERSION_UNSUPPORTED");
  query.version = CAIRN_AUDIT_QUERY_VERSION;
  query.limit = 0;
  CHECK(cairn_audit_query_json(&json, engine, &query) == CAIRN_INVALID_ARGUMENT);
  CHECK_STR_EQ(cairn_error_last()->reason, "AUDIT_QUERY_INVALID");

  CHECK(cairn_audit_verify(&bad, engine) == CAIRN_OK);
  CHECK(cairn_audit_export(engine, path) == CAIRN_OK);
  CHECK(cairn_audit_verify_export(&valid, &bad, path, pem) == CAIRN_OK);
  CHECK(valid == 1);

  entry.actor = "";
  CHECK(cairn_audit_append(&seq, engine, &entry, -1) == CAIRN_INVALID_ARGUMENT);
  CHECK_STR_EQ(cairn_error_last()->reason, "AUDIT_ENTRY_INVALID");
  CHECK(cairn_audit_verify_export(&valid, &bad, "/nonexistent/x.jsonl", pem) == CAIRN_UNAVAILABLE);
  cairn_free(pem);
  cairn_engine_close(engine);
}

static void test_async_engine(void) {
  cairn_engine* engine = NULL;
  cairn_engine_options opts = CAIRN_ENGINE_OPTIONS_INIT;
  cairn_audit_entry entry = CAIRN_AUDIT_ENTRY_INIT;
  uint64_t size = 0, dropped = 0;
  int i;
  opts.audit_async = 1;
  opts.audit_queue_capacity = 100;
  CHECK(cairn_engine_open(&engine, "memory:", &opts) == CAIRN_OK);
  entry.actor = "svc";
  entry.actor_type = "service";
  entry.action = "tick";
  for (i = 0; i < 50; i++) CHECK(cairn_audit_record(engine, &entry) == CAIRN_OK);
  CHECK(cairn_audit_flush(engine) == CAIRN_OK);
  CHECK(cairn_audit_size(&size, engine) == CAIRN_OK);
  CHECK(cairn_audit_dropped(&dropped, engine) == CAIRN_OK);
  CHECK(size + dropped == 50);
  cairn_engine_close(engine);
}

int main(void) {
  static const harness_test tests[] = {
      {"merkle functions", test_merkle_functions},
      {"engine log", test_engine_log},
      {"async engine", test_async_engine},
  };
  int rc;
  char cmd[128];
  strcpy(temp_dir, "/tmp/cairn-c-audit-XXXXXX");
  if (mkdtemp(temp_dir) == NULL) return 1;
  rc = harness_run(tests, sizeof tests / sizeof tests[0]);
  snprintf(cmd, sizeof cmd, "rm -rf %s", temp_dir);
  if (system(cmd) != 0) rc = 1;
  return rc;
}
