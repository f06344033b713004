/* The C ABI of cairn::content: content IDs (one-shot, batch, streaming, parse, verify), file
 * descriptors as JSON, variant choice, action tokens, the Merkle tree check, and the blob store on
 * memory: and file:. Expected IDs were computed independently with Python's hashlib:
 *   base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"="). */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cairn.h"
#include "harness.h"
#include "json_probe.h"

#define CHECK_REASON(r) CHECK_STR_EQ(cairn_error_last()->reason, (r))

/* 2026-01-01T00:00:00Z. */
#define T0 INT64_C(1767225600000000)
#define T0_SECONDS INT64_C(1767225600)
#define SECOND INT64_C(1000000)

static char temp_dir[64];

static const char* kHelloId = "b1~uU0nuZNNPgilLlLX2n2r-sSE7-N6U4DukIj3rOLvzek";
static const char* kEmptyId = "b1~47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU";

/* The descriptor vectors of reference/cloudillo.md section 1.3 (Cloudillo's descriptor.rs). */
static const char* kDescriptor =
    "d2,vis.tn:b1~abc123:f=webp:s=2048:r=128x128;"
    "vis.sd:b1~def456:f=webp:s=10240:r=720x720:dur=120.5:br=5000";
static const char* kDescriptorJson =
    "{\"root\":null,\"variants\":["
    "{\"name\":\"vis.tn\",\"blob_id\":\"b1~abc123\",\"format\":\"webp\",\"size\":2048,"
    "\"width\":128,\"height\":128},"
    "{\"name\":\"vis.sd\",\"blob_id\":\"b1~def456\",\"format\":\"webp\",\"size\":10240,"
    "\"width\":720,\"height\":720,\"duration\":120.5,\"bitrate\":5000}]}";
static const char* kRootDescriptor = "d2,R=f1~rootid;vis.tn:b1~abc123:f=webp:s=2048:r=128x128";

static const uint8_t* bytes_of(const char* text) { return (const uint8_t*)text; }

/* IDs */

static void test_ids(void) {
  char* id = NULL;
  CHECK(cairn_content_blob_id(&id, bytes_of("hello world"), 11) == CAIRN_OK);
  CHECK(id != NULL && strcmp(id, kHelloId) == 0);
  CHECK(cairn_error_last()->code == CAIRN_OK);
  cairn_free(id);
  CHECK(cairn_content_hash_id(&id, "b", bytes_of("hello world"), 11) == CAIRN_OK);
  CHECK(id != NULL && strcmp(id, kHelloId) == 0);
  cairn_free(id);
  CHECK(cairn_content_hash_id(&id, "Zz", bytes_of("hello world"), 11) == CAIRN_OK);
  CHECK(id != NULL && strcmp(id, "Zz1~uU0nuZNNPgilLlLX2n2r-sSE7-N6U4DukIj3rOLvzek") == 0);
  cairn_free(id);
  /* No bytes: a NULL pointer is fine with length 0. */
  CHECK(cairn_content_blob_id(&id, NULL, 0) == CAIRN_OK);
  CHECK(id != NULL && strcmp(id, kEmptyId) == 0);
  cairn_free(id);
  CHECK(cairn_content_file_id(&id, "d2,vis.tn:b1~abc123:f=webp:s=2048:r=128x128") == CAIRN_OK);
  CHECK(id != NULL && strcmp(id, "f1~xsvVIlMwKfq6Hqfznsa8Uo6WFSrVRoKrf0jiWPLnqNI") == 0);
  cairn_free(id);
  CHECK(cairn_content_action_id(&id, "x.y.z") == CAIRN_OK);
  CHECK(id != NULL && strcmp(id, "a1~9zBPEr5nNSYFC_eE_LCurJ1qn2UWtKy_maN1iRZEsSM") == 0);
  cairn_free(id);
}

static void test_invalid_prefixes(void) {
  static const char* const bad[] = {"", "b1", "b-", "b~", " b", "\xc3\xa9", "b\n"};
  char* id = (char*)&id;
  cairn_content_id_hasher* hasher = (cairn_content_id_hasher*)&hasher;
  size_t i;
  for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    id = (char*)&id;
    CHECK(cairn_content_hash_id(&id, bad[i], bytes_of("x"), 1) == CAIRN_INVALID_ARGUMENT);
    CHECK_REASON("CONTENT_ID_MALFORMED");
    CHECK(id == NULL);
    hasher = (cairn_content_id_hasher*)&hasher;
    CHECK(cairn_content_id_hasher_new(&hasher, bad[i]) == CAIRN_INVALID_ARGUMENT);
    CHECK_REASON("CONTENT_ID_MALFORMED");
    CHECK(hasher == NULL);
  }
  CHECK(cairn_content_hash_id(&id, NULL, bytes_of("x"), 1) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(cairn_content_id_hasher_new(&hasher, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
}

static void test_batch(void) {
  const uint8_t* inputs[3];
  size_t lengths[3];
  char out[3 * CAIRN_CONTENT_BLOB_ID_SIZE];
  inputs[0] = bytes_of("hello world");
  lengths[0] = 11;
  inputs[1] = NULL;
  lengths[1] = 0;
  inputs[2] = bytes_of("hello world");
  lengths[2] = 11;
  memset(out, 'x', sizeof out);
  CHECK(cairn_content_blob_ids_batch(out, inputs, lengths, 3, 0) == CAIRN_OK);
  CHECK_STR_EQ(out, kHelloId);
  CHECK_STR_EQ(out + CAIRN_CONTENT_BLOB_ID_SIZE, kEmptyId);
  CHECK_STR_EQ(out + 2 * CAIRN_CONTENT_BLOB_ID_SIZE, kHelloId);
  CHECK(cairn_content_blob_ids_batch(NULL, NULL, NULL, 0, 0) == CAIRN_OK);
  lengths[1] = 1;
  CHECK(cairn_content_blob_ids_batch(out, inputs, lengths, 3, 0) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(cairn_content_blob_ids_batch(NULL, inputs, lengths, 3, 0) == CAIRN_INVALID_ARGUMENT);
}

static void test_streaming_equals_one_shot(void) {
  static uint8_t data[100000];
  cairn_content_id_hasher* hasher = NULL;
  char* streamed = NULL;
  char* whole = NULL;
  size_t i;
  for (i = 0; i < sizeof data; i++) data[i] = (uint8_t)(i * 31 + 7);
  CHECK(cairn_content_hash_id(&whole, "f", data, sizeof data) == CAIRN_OK);
  CHECK(cairn_content_id_hasher_new(&hasher, "f") == CAIRN_OK);
  /* Uneven pieces, an empty one among them. */
  CHECK(cairn_content_id_hasher_update(hasher, data, 1) == CAIRN_OK);
  CHECK(cairn_content_id_hasher_update(hasher, NULL, 0) == CAIRN_OK);
  CHECK(cairn_content_id_hasher_update(hasher, data + 1, 65535) == CAIRN_OK);
  CHECK(cairn_content_id_hasher_update(hasher, data + 65536, sizeof data - 65536) == CAIRN_OK);
  CHECK(cairn_content_id_hasher_finish(&streamed, hasher) == CAIRN_OK);
  CHECK(streamed != NULL && whole != NULL && strcmp(streamed, whole) == 0);
  cairn_free(streamed);
  cairn_free(whole);
  /* finish() starts a new message. */
  CHECK(cairn_content_id_hasher_update(hasher, bytes_of("hello "), 6) == CAIRN_OK);
  CHECK(cairn_content_id_hasher_update(hasher, bytes_of("world"), 5) == CAIRN_OK);
  CHECK(cairn_content_id_hasher_finish(&streamed, hasher) == CAIRN_OK);
  CHECK(streamed != NULL &&
        strcmp(streamed, "f1~uU0nuZNNPgilLlLX2n2r-sSE7-N6U4DukIj3rOLvzek") == 0);
  cairn_free(streamed);
  CHECK(cairn_content_id_hasher_finish(&streamed, hasher) == CAIRN_OK);
  CHECK(streamed != NULL &&
        strcmp(streamed, "f1~47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU") == 0);
  cairn_free(streamed);

  CHECK(cairn_content_id_hasher_update(hasher, NULL, 3) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(cairn_content_id_hasher_update(NULL, data, 3) == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_content_id_hasher_finish(NULL, hasher) == CAIRN_INVALID_ARGUMENT);
  streamed = (char*)&streamed;
  CHECK(cairn_content_id_hasher_finish(&streamed, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK(streamed == NULL);
  cairn_content_id_hasher_free(hasher);
  cairn_content_id_hasher_free(NULL);
}

static void test_parse_id(void) {
  char* prefix = NULL;
  uint32_t version = 0;
  uint8_t* digest = NULL;
  size_t digest_len = 0;
  uint8_t expected[CAIRN_CRYPTO_SHA256_SIZE];
  char bad_id[80];
  static const char* const malformed[] = {
      "",
      "b1",                                              /* no '~' */
      "1~uU0nuZNNPgilLlLX2n2r-sSE7-N6U4DukIj3rOLvzek",   /* no prefix */
      "b~uU0nuZNNPgilLlLX2n2r-sSE7-N6U4DukIj3rOLvzek",   /* no version */
      "b01~uU0nuZNNPgilLlLX2n2r-sSE7-N6U4DukIj3rOLvzek", /* leading zero */
      "b-1~uU0nuZNNPgilLlLX2n2r-sSE7-N6U4DukIj3rOLvzek", /* not a letter */
      "b1~uU0nuZNNPgilLlLX2n2r-sSE7-N6U4DukIj3rOLvze",   /* too short */
      "b1~uU0nuZNNPgilLlLX2n2r-sSE7-N6U4DukIj3rOLvzekA", /* too long */
      "b1~uU0nuZNNPgilLlLX2n2r-sSE7-N6U4DukIj3rOLvze=",  /* padding */
      "b1~uU0nuZNNPgilLlLX2n2r+sSE7-N6U4DukIj3rOLvzek",  /* standard base64 */
      "b1~uU0nuZNNPgilLlLX2n2r-sSE7-N6U4DukIj3rOLvzel",  /* stray low bits: not canonical */
      " b1~uU0nuZNNPgilLlLX2n2r-sSE7-N6U4DukIj3rOLvzek", /* whitespace */
  };
  size_t i;

  CHECK(cairn_content_parse_id(&prefix, &version, &digest, &digest_len, kHelloId) == CAIRN_OK);
  CHECK(prefix != NULL && strcmp(prefix, "b") == 0);
  CHECK(version == 1);
  CHECK(digest_len == CAIRN_CRYPTO_SHA256_SIZE);
  CHECK(cairn_crypto_sha256(expected, bytes_of("hello world"), 11) == CAIRN_OK);
  CHECK(digest != NULL && memcmp(digest, expected, sizeof expected) == 0);
  cairn_free(prefix);
  cairn_free(digest);

  for (i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
    prefix = (char*)&prefix;
    version = 9;
    if (cairn_content_parse_id(&prefix, &version, &digest, &digest_len, malformed[i]) !=
            CAIRN_INVALID_ARGUMENT ||
        strcmp(cairn_error_last()->reason, "CONTENT_ID_MALFORMED") != 0) {
      fprintf(stderr, "ID \"%s\" was not refused\n", malformed[i]);
      CHECK(0);
    }
    CHECK(prefix == NULL && version == 0 && digest == NULL && digest_len == 0);
  }
  /* A version nobody registered. */
  snprintf(bad_id, sizeof bad_id, "b2~%s", kHelloId + 3);
  CHECK(cairn_content_parse_id(&prefix, &version, &digest, &digest_len, bad_id) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CONTENT_ID_VERSION_UNKNOWN");
  CHECK(cairn_content_parse_id(NULL, &version, &digest, &digest_len, kHelloId) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(cairn_content_parse_id(&prefix, &version, &digest, &digest_len, NULL) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
}

static void test_verify_id(void) {
  int ok = -1;
  CHECK(cairn_content_verify_id(&ok, kHelloId, bytes_of("hello world"), 11) == CAIRN_OK);
  CHECK(ok == 1);
  CHECK(cairn_content_verify_id(&ok, kHelloId, bytes_of("hello world!"), 12) == CAIRN_OK);
  CHECK(ok == 0);
  /* Its own prefix: the same digest under "f" is the ID of the same bytes. */
  CHECK(cairn_content_verify_id(&ok, "f1~uU0nuZNNPgilLlLX2n2r-sSE7-N6U4DukIj3rOLvzek",
                                bytes_of("hello world"), 11) == CAIRN_OK);
  CHECK(ok == 1);
  CHECK(cairn_content_verify_id(&ok, "b1~nope", bytes_of("hello world"), 11) == CAIRN_OK);
  CHECK(ok == 0);
  CHECK(cairn_content_verify_id(&ok, kEmptyId, NULL, 0) == CAIRN_OK);
  CHECK(ok == 1);
  ok = -1;
  CHECK(cairn_content_verify_id(&ok, kHelloId, NULL, 11) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(ok == 0);
  CHECK(cairn_content_verify_id(&ok, NULL, NULL, 0) == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_content_verify_id(NULL, kHelloId, NULL, 0) == CAIRN_INVALID_ARGUMENT);
}

/* Descriptors */

static void test_descriptor_vectors(void) {
  char* json = NULL;
  char* text = NULL;
  CHECK(cairn_content_descriptor_parse(&json, kDescriptor) == CAIRN_OK);
  CHECK(json != NULL && strcmp(json, kDescriptorJson) == 0);
  CHECK(cairn_content_descriptor_format(&text, json) == CAIRN_OK);
  CHECK(text != NULL && strcmp(text, kDescriptor) == 0);
  cairn_free(json);
  cairn_free(text);

  CHECK(cairn_content_descriptor_parse(&json, kRootDescriptor) == CAIRN_OK);
  CHECK(has(json, "\"root\":\"f1~rootid\""));
  CHECK(has(json, "\"name\":\"vis.tn\""));
  CHECK(!has(json, "vis.sd"));
  CHECK(cairn_content_descriptor_format(&text, json) == CAIRN_OK);
  CHECK(text != NULL && strcmp(text, kRootDescriptor) == 0);
  cairn_free(json);
  cairn_free(text);

  /* Generation: sorted by size, optional fields only when present. */
  CHECK(cairn_content_descriptor_format(
            &text,
            "{\"root\":null,\"variants\":["
            "{\"name\":\"vid.hd\",\"blob_id\":\"b1~def456\",\"format\":\"mp4\",\"size\":51200,"
            "\"width\":1920,\"height\":1080,\"duration\":120.5,\"bitrate\":5000,\"pages\":null},"
            "{\"name\":\"vis.tn\",\"blob_id\":\"b1~abc123\",\"format\":\"webp\",\"size\":2048,"
            "\"width\":128,\"height\":128}]}") == CAIRN_OK);
  CHECK(text != NULL &&
        strcmp(text,
               "d2,vis.tn:b1~abc123:f=webp:s=2048:r=128x128;"
               "vid.hd:b1~def456:f=mp4:s=51200:r=1920x1080:dur=120.5:br=5000") == 0);
  cairn_free(text);
  CHECK(cairn_content_descriptor_format(
            &text,
            "{\"root\":\"f1~rootid\",\"variants\":[{\"name\":\"vis.tn\",\"blob_id\":\"b1~abc123\","
            "\"format\":\"webp\",\"size\":2048,\"width\":128,\"height\":128}]}") == CAIRN_OK);
  CHECK(text != NULL && strncmp(text, "d2,R=f1~rootid;", 15) == 0);
  cairn_free(text);
  /* A bare array of variants is a descriptor without a root. */
  CHECK(cairn_content_descriptor_format(&text, "[]") == CAIRN_OK);
  CHECK(text != NULL && strcmp(text, "d2,") == 0);
  cairn_free(text);

  /* Legacy d1~ text and Cloudillo's leniency are specified in tests/content/descriptor_test.cpp
   * (ParsesLegacyD1, ParsesLeniently). */
}

static void test_descriptor_errors(void) {
  static const char* const malformed[] = {
      "d3,vis.tn:b1~abc123:f=webp:s=2048:r=128x128",
      "d2,vis.tn:b1~abc123:f=webp:r=128x128",      /* no s= */
      "d2,vis.tn:b1~abc123:f=webp:s=2048",         /* no r= */
      "d2,vis.tn:b1~abc123:f=webp:s=-1:r=128x128", /* not digits */
      "d2,vis.tn:b1~abc123:f=webp:s=1:r=128x128:dur=-1",
      "d2,vis.tn",
      "",
  };
  static const char* const invalid[] = {
      "not json",
      "{\"variants\":{}}",
      "{\"root\":null}",
      "{\"root\":1,\"variants\":[]}",
      "{\"root\":null,\"variants\":[],\"extra\":1}",
      "[{\"name\":\"vis.tn\",\"blob_id\":\"b1~a\",\"format\":\"webp\",\"size\":1,\"width\":1}]",
      "[{\"name\":\"vis.tn\",\"blob_id\":\"b1~a\",\"format\":\"webp\",\"size\":-1,\"width\":1,"
      "\"height\":1}]",
      "[{\"name\":\"vis.tn\",\"blob_id\":\"b1~a\",\"format\":\"webp\",\"size\":1,\"width\":1,"
      "\"height\":4294967296}]",
      "[{\"name\":\"vis.tn\",\"blob_id\":\"b1~a\",\"format\":\"webp\",\"size\":1.5,\"width\":1,"
      "\"height\":1}]",
      "[{\"name\":\"vis.tn\",\"blob_id\":\"b1~a\",\"format\":\"webp\",\"size\":1,\"width\":1,"
      "\"height\":1,\"duration\":-0.5}]",
      "[{\"name\":\"vis.tn\",\"blob_id\":\"b1~a\",\"format\":\"webp\",\"size\":1,\"width\":1,"
      "\"height\":1,\"colour\":\"red\"}]",
      "[{\"name\":\"vis:tn\",\"blob_id\":\"b1~a\",\"format\":\"webp\",\"size\":1,\"width\":1,"
      "\"height\":1}]",
      "[{\"name\":\"R=x\",\"blob_id\":\"b1~a\",\"format\":\"webp\",\"size\":1,\"width\":1,"
      "\"height\":1}]",
      "[{\"name\":\"vis.tn\",\"blob_id\":\"b1~a;b\",\"format\":\"webp\",\"size\":1,\"width\":1,"
      "\"height\":1}]",
      "[{\"name\":\"vis.tn\",\"blob_id\":\"b1~a\",\"format\":\"\",\"size\":1,\"width\":1,"
      "\"height\":1}]",
      "[{\"name\":\"vis\\ntn\",\"blob_id\":\"b1~a\",\"format\":\"webp\",\"size\":1,\"width\":1,"
      "\"height\":1}]",
      "{\"root\":\"f1~a;b\",\"variants\":[]}",
  };
  char* out = NULL;
  size_t i;
  for (i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
    out = (char*)&out;
    if (cairn_content_descriptor_parse(&out, malformed[i]) != CAIRN_INVALID_ARGUMENT ||
        strcmp(cairn_error_last()->reason, "CONTENT_DESCRIPTOR_MALFORMED") != 0) {
      fprintf(stderr, "descriptor \"%s\" was not refused\n", malformed[i]);
      CHECK(0);
    }
    CHECK(out == NULL);
  }
  for (i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
    out = (char*)&out;
    if (cairn_content_descriptor_format(&out, invalid[i]) != CAIRN_INVALID_ARGUMENT ||
        strcmp(cairn_error_last()->reason, "CONTENT_DESCRIPTOR_INVALID") != 0) {
      fprintf(stderr, "descriptor JSON %s was not refused\n", invalid[i]);
      CHECK(0);
    }
    CHECK(out == NULL);
  }
  CHECK(cairn_content_descriptor_parse(&out, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(cairn_content_descriptor_parse(NULL, kDescriptor) == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_content_descriptor_format(&out, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
}

/* A variant object for the best-variant cases. */
#define VARIANT(name, size, w, h, available)                                              \
  "{\"name\":\"" name "\",\"blob_id\":\"b1~" name "\",\"format\":\"avif\",\"size\":" size \
  ",\"width\":" w ",\"height\":" h ",\"available\":" available "}"

static void test_best_variant(void) {
  char* v = NULL;
  char name[32];
  /* Cloudillo's repo tests (reference section 1.2). */
  CHECK(
      cairn_content_best_variant(&v,
                                 "[" VARIANT("vis.hd", "900", "1920", "1080", "false") "," VARIANT(
                                     "vis.tn", "10", "128", "128", "true") "]",
                                 "vis.hd") == CAIRN_OK);
  CHECK_STR_EQ(json_str(v, "name", name, sizeof name), "vis.tn");
  CHECK(!has(v, "available"));
  cairn_free(v);
  CHECK(
      cairn_content_best_variant(&v,
                                 "{\"root\":null,\"variants\":[" VARIANT(
                                     "vis.hd", "900", "1920", "1080",
                                     "true") "," VARIANT("vis.tn", "10", "128", "128", "true") "]}",
                                 "vis.hd") == CAIRN_OK);
  CHECK_STR_EQ(json_str(v, "name", name, sizeof name), "vis.hd");
  CHECK(has(v, "\"blob_id\":\"b1~vis.hd\""));
  cairn_free(v);
  CHECK(cairn_content_best_variant(
            &v,
            "[" VARIANT("vis.hd", "900", "1920", "1080", "false") "," VARIANT(
                "vis.md", "500", "1280", "720",
                "false") "," VARIANT("vis.sd", "200", "720", "480",
                                     "false") "," VARIANT("vis.tn", "10", "128", "128",
                                                          "false") "," VARIANT("vis.pf", "5", "64",
                                                                               "64", "true") "]",
            "vis.hd") == CAIRN_OK);
  CHECK_STR_EQ(json_str(v, "name", name, sizeof name), "vis.pf");
  cairn_free(v);

  /* No request means the original, falling back to the largest. */
  CHECK(cairn_content_best_variant(&v,
                                   "[" VARIANT("vis.sd", "200", "720", "480", "true") "," VARIANT(
                                       "vis.md", "500", "1280", "720", "true") "]",
                                   NULL) == CAIRN_OK);
  CHECK_STR_EQ(json_str(v, "name", name, sizeof name), "vis.md");
  cairn_free(v);
  /* Nothing available of the class. */
  v = (char*)&v;
  CHECK(cairn_content_best_variant(&v, "[" VARIANT("vis.sd", "200", "720", "480", "false") "]",
                                   "sd") == CAIRN_NOT_FOUND);
  CHECK_REASON("CONTENT_VARIANT_NOT_FOUND");
  CHECK(v == NULL);
  CHECK(cairn_content_best_variant(&v, "[" VARIANT("vis.sd", "200", "720", "480", "true") "]",
                                   "vid.sd") == CAIRN_NOT_FOUND);
  CHECK(cairn_content_best_variant(&v, "[]", "") == CAIRN_NOT_FOUND);
  CHECK(cairn_content_best_variant(&v, "[{\"name\":\"x\",\"available\":1}]", "") ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CONTENT_DESCRIPTOR_INVALID");
  CHECK(cairn_content_best_variant(&v, NULL, "") == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
}

static void test_variant_names(void) {
  const char* cls = NULL;
  const char* quality = NULL;
  CHECK(cairn_content_parse_variant_name(&cls, &quality, "vid.hd") == CAIRN_OK);
  CHECK(cls != NULL && quality != NULL && strcmp(cls, "vid") == 0 && strcmp(quality, "hd") == 0);
  CHECK(cairn_content_parse_variant_name(&cls, &quality, "sd") == CAIRN_OK);
  CHECK(strcmp(cls, "vis") == 0 && strcmp(quality, "sd") == 0);
  CHECK(cairn_content_parse_variant_name(&cls, &quality, "orig") == CAIRN_OK);
  CHECK(strcmp(cls, "raw") == 0 && strcmp(quality, "orig") == 0);
  CHECK(cairn_content_parse_variant_name(&cls, &quality, "vis.big") == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CONTENT_VARIANT_NAME_INVALID");
  CHECK(cls == NULL && quality == NULL);
  CHECK(cairn_content_parse_variant_name(&cls, &quality, "") == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_content_parse_variant_name(&cls, NULL, "sd") == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
}

/* Action tokens */

static const char* kPost = "{\"iss\":\"alice.example.com\",\"t\":\"POST\",\"c\":\"Hello\"}";

/* Replaces the character at `at` of token by another base64url character; returns the old one. */
static char flip(char* token, size_t at) {
  char old = token[at];
  token[at] = old == 'A' ? 'B' : 'A';
  return old;
}

static void test_action_tokens(void) {
  cairn_crypto_private_key* key = NULL;
  cairn_crypto_private_key* other = NULL;
  cairn_crypto_public_key* pub = NULL;
  cairn_crypto_public_key* other_pub = NULL;
  char* key_id = NULL;
  char* token = NULL;
  char* json = NULL;
  char* decoded = NULL;
  char* id = NULL;
  char buf[128];
  size_t len;
  char old;
  if (cairn_crypto_private_key_generate(&key, CAIRN_CRYPTO_SIG_ES384) != CAIRN_OK ||
      cairn_crypto_private_key_generate(&other, CAIRN_CRYPTO_SIG_ES384) != CAIRN_OK ||
      cairn_crypto_private_key_public_key(&pub, key) != CAIRN_OK ||
      cairn_crypto_private_key_public_key(&other_pub, other) != CAIRN_OK) {
    CHECK(0);
    return;
  }
  CHECK(cairn_content_action_key_id(&key_id, T0) == CAIRN_OK);
  CHECK(key_id != NULL && strcmp(key_id, "260101") == 0);

  CHECK(cairn_content_create_action_token(&token, kPost, key, key_id, T0) == CAIRN_OK);
  CHECK(token != NULL && strncmp(token, "eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzM4NCJ9.", 37) == 0);
  CHECK(cairn_content_verify_action_token(&json, token, pub, 60, T0) == CAIRN_OK);
  CHECK(cairn_content_action_id(&id, token) == CAIRN_OK);
  CHECK_STR_EQ(json_str(json, "action_id", buf, sizeof buf), id);
  CHECK_STR_EQ(json_str(json, "issuer", buf, sizeof buf), "alice.example.com");
  CHECK_STR_EQ(json_str(json, "key_id", buf, sizeof buf), "260101");
  CHECK_STR_EQ(json_str(json, "type", buf, sizeof buf), "POST");
  CHECK(has(json, "\"subtype\":null"));
  CHECK(has(json, "\"attachments\":[]"));
  CHECK(has(json, "\"issued_at_micros\":1767225600000000"));
  CHECK(has(json, "\"expires_at_micros\":null"));
  /* The claims as the token carries them, in Cloudillo's order. */
  CHECK(has(json,
            "\"claims\":{\"iss\":\"alice.example.com\",\"k\":\"260101\",\"t\":\"POST\","
            "\"c\":\"Hello\",\"iat\":1767225600}}"));
  /* Decoding gives the same record without the checks. */
  CHECK(cairn_content_decode_action_token(&decoded, token) == CAIRN_OK);
  CHECK(decoded != NULL && json != NULL && strcmp(decoded, json) == 0);
  cairn_free(decoded);
  cairn_free(json);
  cairn_free(id);

  /* Tampering: the signature, the claims, another key. */
  len = strlen(token);
  old = flip(token, len - 10);
  json = (char*)&json;
  CHECK(cairn_content_verify_action_token(&json, token, pub, 60, T0) == CAIRN_UNAUTHENTICATED);
  CHECK_REASON("AUTH_TOKEN_INVALID");
  CHECK(json == NULL);
  token[len - 10] = old;
  old = flip(token, 45);
  CHECK(cairn_content_verify_action_token(&json, token, pub, 60, T0) == CAIRN_UNAUTHENTICATED);
  CHECK_REASON("AUTH_TOKEN_INVALID");
  token[45] = old;
  CHECK(cairn_content_verify_action_token(&json, token, other_pub, 60, T0) ==
        CAIRN_UNAUTHENTICATED);
  CHECK_REASON("AUTH_TOKEN_INVALID");
  CHECK(cairn_content_verify_action_token(&json, token, pub, 60, T0) == CAIRN_OK);
  cairn_free(json);
  /* Issued in the future beyond the leeway. */
  CHECK(cairn_content_verify_action_token(&json, token, pub, 60, T0 - 3600 * SECOND) ==
        CAIRN_UNAUTHENTICATED);
  CHECK_REASON("AUTH_TOKEN_NOT_YET_VALID");
  cairn_free(token);

  /* Expiry, with and without leeway. */
  snprintf(buf, sizeof buf,
           "{\"iss\":\"alice.example.com\",\"t\":\"POST\",\"c\":\"x\",\"exp\":%lld}",
           (long long)(T0_SECONDS + 60));
  CHECK(cairn_content_create_action_token(&token, buf, key, key_id, T0) == CAIRN_OK);
  CHECK(cairn_content_verify_action_token(&json, token, pub, 0, T0 + 30 * SECOND) == CAIRN_OK);
  CHECK(has(json, "\"expires_at_micros\":1767225660000000"));
  cairn_free(json);
  CHECK(cairn_content_verify_action_token(&json, token, pub, 0, T0 + 120 * SECOND) ==
        CAIRN_UNAUTHENTICATED);
  CHECK_REASON("AUTH_TOKEN_EXPIRED");
  CHECK(cairn_content_verify_action_token(&json, token, pub, 120, T0 + 120 * SECOND) == CAIRN_OK);
  cairn_free(json);
  cairn_free(token);

  /* Claims the type table refuses, and keys that cannot sign. */
  token = (char*)&token;
  CHECK(cairn_content_create_action_token(&token, "{\"iss\":\"alice.example.com\",\"t\":\"POST\"}",
                                          key, key_id, T0) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CONTENT_ACTION_INVALID");
  CHECK(token == NULL);
  CHECK(cairn_content_create_action_token(
            &token, "{\"iss\":\"alice.example.com\",\"t\":\"NOPE\",\"c\":\"x\"}", key, key_id,
            T0) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CONTENT_ACTION_TYPE_UNKNOWN");
  CHECK(cairn_content_create_action_token(
            &token, "{\"iss\":\"Alice.example.com\",\"t\":\"POST\",\"c\":\"x\"}", key, key_id,
            T0) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CONTENT_ID_TAG_INVALID");
  CHECK(cairn_content_create_action_token(
            &token, "{\"iss\":\"alice.example.com\",\"t\":\"POST\",\"c\":\"x\",\"x\":1}", key,
            key_id, T0) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CONTENT_ACTION_INVALID");
  CHECK(cairn_content_create_action_token(&token, "[1,2]", key, key_id, T0) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CONTENT_ACTION_INVALID");
  CHECK(cairn_content_create_action_token(&token, kPost, key, "2601", T0) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CONTENT_ACTION_KEY_INVALID");
  {
    cairn_crypto_private_key* es256 = NULL;
    cairn_crypto_public_key* es256_pub = NULL;
    CHECK(cairn_crypto_private_key_generate(&es256, CAIRN_CRYPTO_SIG_ES256) == CAIRN_OK);
    CHECK(cairn_crypto_private_key_public_key(&es256_pub, es256) == CAIRN_OK);
    CHECK(cairn_content_create_action_token(&token, kPost, es256, key_id, T0) ==
          CAIRN_INVALID_ARGUMENT);
    CHECK_REASON("CONTENT_ACTION_KEY_INVALID");
    CHECK(cairn_content_verify_action_token(&json, "a.b.c", es256_pub, 60, T0) ==
          CAIRN_INVALID_ARGUMENT);
    CHECK_REASON("CONTENT_ACTION_KEY_INVALID");
    cairn_crypto_public_key_free(es256_pub);
    cairn_crypto_private_key_free(es256);
  }

  /* Decoding garbage; id tags. */
  decoded = (char*)&decoded;
  CHECK(cairn_content_decode_action_token(&decoded, "garbage") == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CONTENT_ACTION_INVALID");
  CHECK(decoded == NULL);
  CHECK(cairn_content_verify_action_token(&json, "garbage", pub, 60, T0) == CAIRN_UNAUTHENTICATED);
  CHECK_REASON("AUTH_TOKEN_INVALID");
  CHECK(cairn_content_check_id_tag("alice.example.com") == CAIRN_OK);
  CHECK(cairn_content_check_id_tag("Alice.example.com") == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CONTENT_ID_TAG_INVALID");
  CHECK(cairn_content_check_id_tag("a.b") == CAIRN_INVALID_ARGUMENT);

  /* NULL arguments. */
  CHECK(cairn_content_create_action_token(NULL, kPost, key, key_id, T0) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(cairn_content_create_action_token(&token, kPost, NULL, key_id, T0) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_content_create_action_token(&token, kPost, key, NULL, T0) == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_content_create_action_token(&token, NULL, key, key_id, T0) == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_content_verify_action_token(&json, NULL, pub, 60, T0) == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_content_verify_action_token(&json, "a.b.c", NULL, 60, T0) == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_content_verify_action_token(NULL, "a.b.c", pub, 60, T0) == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_content_decode_action_token(&json, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_content_action_key_id(NULL, T0) == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_content_check_id_tag(NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");

  cairn_free(key_id);
  cairn_crypto_public_key_free(pub);
  cairn_crypto_public_key_free(other_pub);
  cairn_crypto_private_key_free(key);
  cairn_crypto_private_key_free(other);
}

/* The Merkle chain: token -> descriptor -> blobs */

typedef struct tree {
  cairn_crypto_private_key* key;
  char* blob_ids[2];
  const uint8_t* blob_data[2];
  size_t blob_lens[2];
  char* descriptor;
  char* file_id;
  char* token;
  char descriptors_json[1024];
} tree;

static const char* kSmall = "small variant bytes";
static const char* kLarge = "the original, much larger variant bytes";

static int make_tree(tree* t) {
  char json[1024];
  char claims[256];
  memset(t, 0, sizeof *t);
  t->blob_data[0] = bytes_of(kSmall);
  t->blob_lens[0] = strlen(kSmall);
  t->blob_data[1] = bytes_of(kLarge);
  t->blob_lens[1] = strlen(kLarge);
  if (cairn_crypto_private_key_generate(&t->key, CAIRN_CRYPTO_SIG_ES384) != CAIRN_OK ||
      cairn_content_blob_id(&t->blob_ids[0], t->blob_data[0], t->blob_lens[0]) != CAIRN_OK ||
      cairn_content_blob_id(&t->blob_ids[1], t->blob_data[1], t->blob_lens[1]) != CAIRN_OK) {
    return 0;
  }
  snprintf(json, sizeof json,
           "[{\"name\":\"vis.tn\",\"blob_id\":\"%s\",\"format\":\"webp\",\"size\":%u,"
           "\"width\":128,\"height\":96},"
           "{\"name\":\"orig\",\"blob_id\":\"%s\",\"format\":\"jpeg\",\"size\":%u,"
           "\"width\":4000,\"height\":3000}]",
           t->blob_ids[0], (unsigned)t->blob_lens[0], t->blob_ids[1], (unsigned)t->blob_lens[1]);
  if (cairn_content_descriptor_format(&t->descriptor, json) != CAIRN_OK ||
      cairn_content_file_id(&t->file_id, t->descriptor) != CAIRN_OK) {
    return 0;
  }
  snprintf(claims, sizeof claims,
           "{\"iss\":\"alice.example.com\",\"t\":\"POST:IMG\",\"c\":\"look\",\"a\":[\"%s\"]}",
           t->file_id);
  if (cairn_content_create_action_token(&t->token, claims, t->key, "260101", T0) != CAIRN_OK) {
    return 0;
  }
  snprintf(t->descriptors_json, sizeof t->descriptors_json, "{\"%s\":\"%s\"}", t->file_id,
           t->descriptor);
  return 1;
}

static void free_tree(tree* t) {
  cairn_crypto_private_key_free(t->key);
  cairn_free(t->blob_ids[0]);
  cairn_free(t->blob_ids[1]);
  cairn_free(t->descriptor);
  cairn_free(t->file_id);
  cairn_free(t->token);
}

/* verify_tree on t with `blobs` of its blobs, returning the status. */
static cairn_status check_tree(const tree* t, const char* descriptors, size_t blobs,
                               const uint8_t* const* data, const char* expected) {
  char* id = (char*)&id;
  cairn_status st =
      cairn_content_verify_tree(&id, t->token, descriptors, (const char* const*)t->blob_ids,
                                data != NULL ? data : t->blob_data, t->blob_lens, blobs, expected);
  if (st != CAIRN_OK && id != NULL) return CAIRN_INTERNAL; /* must be NULL on failure */
  cairn_free(id);
  return st;
}

static void test_verify_tree(void) {
  tree t;
  char* id = NULL;
  char* action_id = NULL;
  char descriptors[1100];
  const uint8_t* swapped[2];
  uint8_t altered[64];
  if (!make_tree(&t)) {
    CHECK(0);
    free_tree(&t);
    return;
  }
  CHECK(cairn_content_action_id(&action_id, t.token) == CAIRN_OK);
  CHECK(cairn_content_verify_tree(&id, t.token, t.descriptors_json, (const char* const*)t.blob_ids,
                                  t.blob_data, t.blob_lens, 2, action_id) == CAIRN_OK);
  CHECK(id != NULL && action_id != NULL && strcmp(id, action_id) == 0);
  cairn_free(id);
  CHECK(check_tree(&t, t.descriptors_json, 2, NULL, NULL) == CAIRN_OK);

  /* Level 6: the token is not the expected action. */
  CHECK(check_tree(&t, t.descriptors_json, 2, NULL, "a1~wrong") == CAIRN_DATA_LOSS);
  CHECK_REASON("CONTENT_HASH_MISMATCH");
  /* Levels 1-2: a blob's bytes are not its ID's (and blobs are reported first). The altered
     blob keeps its length, so only its bytes differ. */
  memcpy(altered, t.blob_data[1], t.blob_lens[1]);
  altered[0] ^= 1;
  swapped[0] = t.blob_data[0];
  swapped[1] = altered;
  CHECK(check_tree(&t, t.descriptors_json, 2, swapped, "a1~wrong") == CAIRN_DATA_LOSS);
  CHECK_REASON("CONTENT_HASH_MISMATCH");
  /* Levels 3-4: the descriptor filed under the file ID is another text. */
  snprintf(descriptors, sizeof descriptors, "{\"%s\":\"%s;\"}", t.file_id, t.descriptor);
  CHECK(check_tree(&t, descriptors, 2, NULL, NULL) == CAIRN_DATA_LOSS);
  CHECK_REASON("CONTENT_HASH_MISMATCH");
  /* Level 5 and missing pieces. */
  CHECK(check_tree(&t, "{}", 2, NULL, NULL) == CAIRN_NOT_FOUND);
  CHECK_REASON("CONTENT_DESCRIPTOR_NOT_FOUND");
  CHECK(check_tree(&t, NULL, 2, NULL, NULL) == CAIRN_NOT_FOUND);
  CHECK_REASON("CONTENT_DESCRIPTOR_NOT_FOUND");
  CHECK(check_tree(&t, t.descriptors_json, 1, NULL, NULL) == CAIRN_NOT_FOUND);
  CHECK_REASON("CONTENT_BLOB_NOT_FOUND");
  /* Bad input. */
  CHECK(check_tree(&t, "[]", 2, NULL, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CONTENT_DESCRIPTOR_MALFORMED");
  snprintf(descriptors, sizeof descriptors, "{\"%s\":1}", t.file_id);
  CHECK(check_tree(&t, descriptors, 2, NULL, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CONTENT_DESCRIPTOR_MALFORMED");
  snprintf(descriptors, sizeof descriptors, "{\"%s\":\"d9,x\"}", t.file_id);
  CHECK(check_tree(&t, descriptors, 2, NULL, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CONTENT_DESCRIPTOR_MALFORMED");
  CHECK(cairn_content_verify_tree(&id, "garbage", NULL, NULL, NULL, NULL, 0, NULL) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CONTENT_ACTION_INVALID");
  CHECK(cairn_content_verify_tree(&id, t.token, NULL, NULL, NULL, NULL, 2, NULL) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(cairn_content_verify_tree(&id, NULL, NULL, NULL, NULL, NULL, 0, NULL) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_content_verify_tree(NULL, t.token, NULL, NULL, NULL, NULL, 0, NULL) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  cairn_free(action_id);
  free_tree(&t);
}

/* Blob store */

/* A stream over data handed out `chunk` bytes at a time; it fails (returns -1) once `fail_at`
 * bytes are out when fail_at is non-zero, and claims one byte more than cap when overclaim. */
typedef struct chunk_reader {
  const uint8_t* data;
  size_t len;
  size_t pos;
  size_t chunk;
  size_t fail_at;
  int overclaim;
} chunk_reader;

static int read_chunks(void* ctx, uint8_t* buf, size_t cap, size_t* out_read) {
  chunk_reader* r = (chunk_reader*)ctx;
  size_t n = r->len - r->pos;
  if (r->fail_at != 0 && r->pos >= r->fail_at) return -1;
  if (r->overclaim) {
    *out_read = cap + 1;
    return 0;
  }
  if (n > r->chunk) n = r->chunk;
  if (n > cap) n = cap;
  memcpy(buf, r->data + r->pos, n);
  r->pos += n;
  *out_read = n;
  return 0;
}

static chunk_reader reader_of(const uint8_t* data, size_t len, size_t chunk) {
  chunk_reader r;
  memset(&r, 0, sizeof r);
  r.data = data;
  r.len = len;
  r.chunk = chunk;
  return r;
}

/* The number of entries of `dir` whose name starts with ".tmp-". */
static int temp_files_in(const char* dir) {
  int n = 0;
  DIR* d = opendir(dir);
  struct dirent* e;
  if (d == NULL) return 0;
  while ((e = readdir(d)) != NULL) n += strncmp(e->d_name, ".tmp-", 5) == 0;
  closedir(d);
  return n;
}

static int stored(cairn_content_blob_store* store, int64_t tenant, const char* id) {
  int exists = -1;
  if (cairn_content_blob_store_exists(&exists, store, tenant, id) != CAIRN_OK) return -1;
  return exists;
}

/* The whole flow on one store; `dir` is its directory for file: stores (NULL for memory:). */
static void blob_store_flow(const char* uri, const char* dir) {
  static uint8_t big[200000];
  cairn_content_blob_store* store = NULL;
  char* id = NULL;
  char* json = NULL;
  uint8_t* bytes = NULL;
  size_t len = 0;
  uint64_t size = 0;
  int64_t modified = 0;
  char* big_id = NULL;
  chunk_reader r;
  size_t i;
  for (i = 0; i < sizeof big; i++) big[i] = (uint8_t)(i * 7 + (i >> 9));
  if (cairn_content_blob_store_open(&store, uri) != CAIRN_OK) {
    fprintf(stderr, "cannot open %s: %s\n", uri, cairn_error_last()->reason);
    CHECK(0);
    return;
  }

  /* put, get, ranges, stat, exists, list, verify. */
  CHECK(cairn_content_blob_store_put(&id, store, 1, bytes_of("hello world"), 11, NULL) == CAIRN_OK);
  CHECK(id != NULL && strcmp(id, kHelloId) == 0);
  cairn_free(id);
  CHECK(cairn_content_blob_store_put(&id, store, 1, bytes_of("hello world"), 11, kHelloId) ==
        CAIRN_OK);
  CHECK(id != NULL && strcmp(id, kHelloId) == 0);
  cairn_free(id);
  CHECK(cairn_content_blob_store_get(&bytes, &len, store, 1, kHelloId) == CAIRN_OK);
  CHECK(len == 11 && bytes != NULL && memcmp(bytes, "hello world", 11) == 0);
  cairn_free(bytes);
  CHECK(cairn_content_blob_store_get_range(&bytes, &len, store, 1, kHelloId, 6, 5) == CAIRN_OK);
  CHECK(len == 5 && bytes != NULL && memcmp(bytes, "world", 5) == 0);
  cairn_free(bytes);
  CHECK(cairn_content_blob_store_get_range(&bytes, &len, store, 1, kHelloId, 6, 1000) == CAIRN_OK);
  CHECK(len == 5);
  cairn_free(bytes);
  CHECK(cairn_content_blob_store_get_range(&bytes, &len, store, 1, kHelloId, 11, 5) == CAIRN_OK);
  CHECK(len == 0 && bytes != NULL);
  cairn_free(bytes);
  bytes = (uint8_t*)&bytes;
  CHECK(cairn_content_blob_store_get_range(&bytes, &len, store, 1, kHelloId, 12, 5) ==
        CAIRN_OUT_OF_RANGE);
  CHECK_REASON("CONTENT_RANGE_INVALID");
  CHECK(bytes == NULL && len == 0);
  CHECK(cairn_content_blob_store_stat(&size, &modified, store, 1, kHelloId) == CAIRN_OK);
  CHECK(size == 11);
  CHECK(modified > INT64_C(1600000000000000)); /* a real clock (after 2020-09), not 0 */
  CHECK(cairn_content_blob_store_stat(&size, NULL, store, 1, kHelloId) == CAIRN_OK);
  CHECK(stored(store, 1, kHelloId) == 1);
  CHECK(stored(store, 2, kHelloId) == 0); /* tenants are separate */
  CHECK(cairn_content_blob_store_list(&json, store, 1) == CAIRN_OK);
  CHECK(json != NULL && strcmp(json, "[\"b1~uU0nuZNNPgilLlLX2n2r-sSE7-N6U4DukIj3rOLvzek\"]") == 0);
  cairn_free(json);
  CHECK(cairn_content_blob_store_list(&json, store, 2) == CAIRN_OK);
  CHECK(json != NULL && strcmp(json, "[]") == 0);
  cairn_free(json);
  CHECK(cairn_content_blob_store_verify(store, 1, kHelloId) == CAIRN_OK);

  /* A put whose data is not the expected ID stores nothing. */
  id = (char*)&id;
  CHECK(cairn_content_blob_store_put(&id, store, 1, bytes_of("hello world!"), 12, kHelloId) ==
        CAIRN_DATA_LOSS);
  CHECK_REASON("CONTENT_HASH_MISMATCH");
  CHECK(id == NULL);
  CHECK(cairn_content_blob_store_put(&id, store, 3, bytes_of("hello world"), 11,
                                     "f1~uU0nuZNNPgilLlLX2n2r-sSE7-N6U4DukIj3rOLvzek") ==
        CAIRN_DATA_LOSS);
  CHECK_REASON("CONTENT_HASH_MISMATCH");
  CHECK(cairn_content_blob_store_list(&json, store, 3) == CAIRN_OK);
  CHECK(json != NULL && strcmp(json, "[]") == 0);
  cairn_free(json);
  CHECK(cairn_content_blob_store_put(&id, store, 1, bytes_of("x"), 1, "b1~nope") ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CONTENT_ID_MALFORMED");

  /* Streams: many callbacks, the same ID as one put. */
  CHECK(cairn_content_blob_id(&big_id, big, sizeof big) == CAIRN_OK);
  r = reader_of(big, sizeof big, 7000);
  CHECK(cairn_content_blob_store_put_stream(&id, store, 1, read_chunks, &r, NULL) == CAIRN_OK);
  CHECK(id != NULL && big_id != NULL && strcmp(id, big_id) == 0);
  cairn_free(id);
  CHECK(cairn_content_blob_store_get(&bytes, &len, store, 1, big_id) == CAIRN_OK);
  CHECK(len == sizeof big && bytes != NULL && memcmp(bytes, big, sizeof big) == 0);
  cairn_free(bytes);
  CHECK(cairn_content_blob_store_get_range(&bytes, &len, store, 1, big_id, 150000, 100) ==
        CAIRN_OK);
  CHECK(len == 100 && bytes != NULL && memcmp(bytes, big + 150000, 100) == 0);
  cairn_free(bytes);
  CHECK(cairn_content_blob_store_verify(store, 1, big_id) == CAIRN_OK);
  CHECK(cairn_content_blob_store_remove(store, 1, big_id) == CAIRN_OK);

  /* A stream that aborts, overclaims or is not the expected ID leaves nothing. */
  r = reader_of(big, sizeof big, 7000);
  r.fail_at = 100000;
  id = (char*)&id;
  CHECK(cairn_content_blob_store_put_stream(&id, store, 1, read_chunks, &r, NULL) ==
        CAIRN_CANCELLED);
  CHECK_REASON("CAPI_CALLBACK_ABORTED");
  CHECK(id == NULL);
  CHECK(stored(store, 1, big_id) == 0);
  r = reader_of(big, sizeof big, 7000);
  r.fail_at = 100000;
  CHECK(cairn_content_blob_store_put_stream(&id, store, 1, read_chunks, &r, big_id) ==
        CAIRN_CANCELLED);
  CHECK(stored(store, 1, big_id) == 0);
  r = reader_of(big, sizeof big, 7000);
  r.overclaim = 1;
  CHECK(cairn_content_blob_store_put_stream(&id, store, 1, read_chunks, &r, NULL) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CONTENT_STREAM_INVALID");
  r = reader_of(big, sizeof big - 1, 7000);
  CHECK(cairn_content_blob_store_put_stream(&id, store, 1, read_chunks, &r, big_id) ==
        CAIRN_DATA_LOSS);
  CHECK_REASON("CONTENT_HASH_MISMATCH");
  CHECK(id == NULL);
  CHECK(stored(store, 1, big_id) == 0);
  CHECK(cairn_content_blob_store_list(&json, store, 1) == CAIRN_OK);
  CHECK(json != NULL && strcmp(json, "[\"b1~uU0nuZNNPgilLlLX2n2r-sSE7-N6U4DukIj3rOLvzek\"]") == 0);
  cairn_free(json);
  if (dir != NULL) {
    char tenant_dir[128];
    snprintf(tenant_dir, sizeof tenant_dir, "%s/1", dir);
    CHECK(temp_files_in(tenant_dir) == 0);
  }

  /* A damaged file is found by verify, not by get. */
  if (dir != NULL) {
    char path[256];
    FILE* f;
    snprintf(path, sizeof path, "%s/1/uU/0n/%s", dir, kHelloId);
    f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f != NULL) {
      fputs("hello World", f);
      fclose(f);
    }
    CHECK(cairn_content_blob_store_verify(store, 1, kHelloId) == CAIRN_DATA_LOSS);
    CHECK_REASON("CONTENT_HASH_MISMATCH");
    CHECK(cairn_content_blob_store_get(&bytes, &len, store, 1, kHelloId) == CAIRN_OK);
    cairn_free(bytes);
    /* Putting the blob again repairs it. */
    CHECK(cairn_content_blob_store_put(&id, store, 1, bytes_of("hello world"), 11, NULL) ==
          CAIRN_OK);
    cairn_free(id);
    CHECK(cairn_content_blob_store_verify(store, 1, kHelloId) == CAIRN_OK);
  }

  /* remove, and what is not there. */
  CHECK(cairn_content_blob_store_remove(store, 1, kHelloId) == CAIRN_OK);
  CHECK(cairn_content_blob_store_remove(store, 1, kHelloId) == CAIRN_OK);
  CHECK(stored(store, 1, kHelloId) == 0);
  bytes = (uint8_t*)&bytes;
  CHECK(cairn_content_blob_store_get(&bytes, &len, store, 1, kHelloId) == CAIRN_NOT_FOUND);
  CHECK_REASON("CONTENT_BLOB_NOT_FOUND");
  CHECK(bytes == NULL && len == 0);
  size = 7;
  CHECK(cairn_content_blob_store_stat(&size, &modified, store, 1, kHelloId) == CAIRN_NOT_FOUND);
  CHECK_REASON("CONTENT_BLOB_NOT_FOUND");
  CHECK(size == 0 && modified == 0);
  CHECK(cairn_content_blob_store_verify(store, 1, kHelloId) == CAIRN_NOT_FOUND);
  CHECK(cairn_content_blob_store_list(&json, store, 1) == CAIRN_OK);
  CHECK(json != NULL && strcmp(json, "[]") == 0);
  cairn_free(json);

  /* Bad tenants and IDs. */
  CHECK(cairn_content_blob_store_put(&id, store, -1, bytes_of("x"), 1, NULL) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CONTENT_TENANT_INVALID");
  CHECK(cairn_content_blob_store_list(&json, store, -1) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CONTENT_TENANT_INVALID");
  CHECK(cairn_content_blob_store_get(&bytes, &len, store, 1, "../../etc/passwd") ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CONTENT_ID_MALFORMED");
  CHECK(cairn_content_blob_store_exists(&(int){0}, store, 1, "b1~") == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CONTENT_ID_MALFORMED");
  CHECK(cairn_content_blob_store_remove(store, 1, "b1~..%2F") == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CONTENT_ID_MALFORMED");

  cairn_free(big_id);
  cairn_content_blob_store_free(store);
}

static void test_blob_store_memory(void) { blob_store_flow("memory:", NULL); }

static void test_blob_store_file(void) {
  char dir[128];
  char uri[160];
  cairn_content_blob_store* again = NULL;
  uint8_t* bytes = NULL;
  size_t len = 0;
  char* id = NULL;
  snprintf(dir, sizeof dir, "%s/blobs", temp_dir);
  snprintf(uri, sizeof uri, "file:%s", dir);
  blob_store_flow(uri, dir);
  /* The URL form names the same directory, and blobs outlive the handle. */
  snprintf(uri, sizeof uri, "file://%s", dir);
  CHECK(cairn_content_blob_store_open(&again, uri) == CAIRN_OK);
  CHECK(cairn_content_blob_store_put(&id, again, 5, bytes_of("kept"), 4, NULL) == CAIRN_OK);
  cairn_content_blob_store_free(again);
  again = NULL;
  snprintf(uri, sizeof uri, "file:%s", dir);
  CHECK(cairn_content_blob_store_open(&again, uri) == CAIRN_OK);
  CHECK(cairn_content_blob_store_get(&bytes, &len, again, 5, id) == CAIRN_OK);
  CHECK(len == 4 && bytes != NULL && memcmp(bytes, "kept", 4) == 0);
  cairn_free(bytes);
  cairn_free(id);
  cairn_content_blob_store_free(again);
}

static void test_blob_store_open_errors(void) {
  static const char* const bad[] = {"ftp://x",  "file:", "file://host/dir",
                                    "memory:x", "",      "file:\xff"};
  cairn_content_blob_store* store = NULL;
  char path[128];
  FILE* f;
  size_t i;
  for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    store = (cairn_content_blob_store*)&store;
    if (cairn_content_blob_store_open(&store, bad[i]) != CAIRN_INVALID_ARGUMENT ||
        strcmp(cairn_error_last()->reason, "CONTENT_BLOB_STORE_URI_INVALID") != 0) {
      fprintf(stderr, "blob store URI \"%s\" was not refused\n", bad[i]);
      CHECK(0);
    }
    CHECK(store == NULL);
  }
  /* A file where the directory should be. */
  snprintf(path, sizeof path, "%s/plain-file", temp_dir);
  f = fopen(path, "w");
  CHECK(f != NULL);
  if (f != NULL) fclose(f);
  snprintf(path, sizeof path, "file:%s/plain-file", temp_dir);
  CHECK(cairn_content_blob_store_open(&store, path) == CAIRN_UNAVAILABLE);
  CHECK_REASON("CONTENT_BLOB_STORE_IO");
  CHECK(store == NULL);
  CHECK(cairn_content_blob_store_open(&store, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(cairn_content_blob_store_open(NULL, "memory:") == CAIRN_INVALID_ARGUMENT);
  cairn_content_blob_store_free(NULL);
}

static void test_blob_store_null_arguments(void) {
  cairn_content_blob_store* store = NULL;
  char* id = NULL;
  uint8_t* bytes = NULL;
  size_t len = 0;
  uint64_t size = 0;
  int exists = 0;
  chunk_reader r = reader_of(bytes_of("x"), 1, 1);
  if (cairn_content_blob_store_open(&store, "memory:") != CAIRN_OK) {
    CHECK(0);
    return;
  }
  CHECK(cairn_content_blob_store_put(NULL, store, 1, bytes_of("x"), 1, NULL) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(cairn_content_blob_store_put(&id, NULL, 1, bytes_of("x"), 1, NULL) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_content_blob_store_put(&id, store, 1, NULL, 1, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(cairn_content_blob_store_put(&id, store, 1, NULL, 0, NULL) ==
        CAIRN_OK); /* the empty blob */
  CHECK(id != NULL && strcmp(id, kEmptyId) == 0);
  cairn_free(id);
  CHECK(cairn_content_blob_store_put_stream(&id, store, 1, NULL, &r, NULL) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(cairn_content_blob_store_put_stream(NULL, store, 1, read_chunks, &r, NULL) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_content_blob_store_get(&bytes, NULL, store, 1, kEmptyId) == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_content_blob_store_get(&bytes, &len, store, 1, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_content_blob_store_get_range(&bytes, &len, NULL, 1, kEmptyId, 0, 1) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_content_blob_store_stat(NULL, NULL, store, 1, kEmptyId) == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_content_blob_store_stat(&size, NULL, store, 1, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_content_blob_store_exists(NULL, store, 1, kEmptyId) == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_content_blob_store_exists(&exists, store, 1, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_content_blob_store_remove(store, 1, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_content_blob_store_remove(NULL, 1, kEmptyId) == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_content_blob_store_list(NULL, store, 1) == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_content_blob_store_verify(store, 1, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK(cairn_content_blob_store_verify(NULL, 1, kEmptyId) == CAIRN_INVALID_ARGUMENT);
  CHECK_REASON("CAPI_NULL_ARGUMENT");
  CHECK(cairn_content_blob_store_exists(&exists, store, 1, kEmptyId) == CAIRN_OK && exists == 1);
  cairn_content_blob_store_free(store);
}

int main(void) {
  static const harness_test tests[] = {
      {"ids", test_ids},
      {"invalid prefixes", test_invalid_prefixes},
      {"batch", test_batch},
      {"streaming equals one-shot", test_streaming_equals_one_shot},
      {"parse id", test_parse_id},
      {"verify id", test_verify_id},
      {"descriptor vectors", test_descriptor_vectors},
      {"descriptor errors", test_descriptor_errors},
      {"best variant", test_best_variant},
      {"variant names", test_variant_names},
      {"action tokens", test_action_tokens},
      {"verify tree", test_verify_tree},
      {"blob store on memory:", test_blob_store_memory},
      {"blob store on file:", test_blob_store_file},
      {"blob store open errors", test_blob_store_open_errors},
      {"blob store null arguments", test_blob_store_null_arguments},
  };
  int rc;
  char cmd[128];
  strcpy(temp_dir, "/tmp/cairn-c-content-XXXXXX");
  if (mkdtemp(temp_dir) == NULL) return 1;
  rc = harness_run(tests, sizeof tests / sizeof tests[0]);
  snprintf(cmd, sizeof cmd, "rm -rf %s", temp_dir);
  if (system(cmd) != 0) rc = 1;
  return rc;
}
