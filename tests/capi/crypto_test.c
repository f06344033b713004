/* The C ABI's crypto and encodings, checked against published vectors (sources in
 * tests/data/README.md) and round trips. */
#include <stdlib.h>

#include "cairn.h"
#include "harness.h"

/* hex of len bytes, in a static buffer (tests only). */
static const char* hex(const uint8_t* data, size_t len) {
  static char text[512];
  char* encoded = NULL;
  if (cairn_encoding_hex_encode(&encoded, data, len) != CAIRN_OK) return "(error)";
  strncpy(text, encoded, sizeof text - 1);
  text[sizeof text - 1] = '\0';
  cairn_free(encoded);
  return text;
}

/* Decodes hex into a new buffer (cairn_free()). */
static uint8_t* unhex(const char* text, size_t* len) {
  uint8_t* out = NULL;
  if (cairn_encoding_hex_decode(&out, len, text) != CAIRN_OK) abort();
  return out;
}

static void test_hashes(void) {
  uint8_t d256[CAIRN_CRYPTO_SHA256_SIZE], d384[CAIRN_CRYPTO_SHA384_SIZE],
      d3[CAIRN_CRYPTO_SHA3_256_SIZE];
  CHECK(cairn_crypto_sha256(d256, (const uint8_t*)"abc", 3) == CAIRN_OK);
  CHECK_STR_EQ(hex(d256, sizeof d256),
               "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(cairn_crypto_sha384(d384, (const uint8_t*)"abc", 3) == CAIRN_OK);
  CHECK_STR_EQ(hex(d384, sizeof d384),
               "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
               "8086072ba1e7cc2358baeca134c825a7");
  CHECK(cairn_crypto_sha3_256(d3, NULL, 0) == CAIRN_OK);
  CHECK_STR_EQ(hex(d3, sizeof d3),
               "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a");
  CHECK(cairn_crypto_sha256(d256, NULL, 5) == CAIRN_INVALID_ARGUMENT);
  CHECK_STR_EQ(cairn_error_last()->reason, "CAPI_NULL_ARGUMENT");
}

static void test_streaming_and_batch(void) {
  cairn_crypto_hasher* h = NULL;
  uint8_t digest[32], expected[32], batch[3 * 32];
  const uint8_t* inputs[3] = {(const uint8_t*)"a", (const uint8_t*)"bc", NULL};
  size_t lengths[3] = {1, 2, 0};
  CHECK(cairn_crypto_hasher_new(&h, CAIRN_CRYPTO_HASH_SHA256) == CAIRN_OK);
  CHECK(cairn_crypto_hasher_update(h, (const uint8_t*)"a", 1) == CAIRN_OK);
  CHECK(cairn_crypto_hasher_update(h, (const uint8_t*)"bc", 2) == CAIRN_OK);
  CHECK(cairn_crypto_hasher_finish(digest, 31, h) == CAIRN_INVALID_ARGUMENT);
  CHECK_STR_EQ(cairn_error_last()->reason, "CAPI_BUFFER_SIZE");
  /* The failed call must not have ended the message. */
  CHECK(cairn_crypto_hasher_finish(digest, 32, h) == CAIRN_OK);
  CHECK_STR_EQ(hex(digest, 32), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  cairn_crypto_hasher_free(h);

  CHECK(cairn_crypto_hasher_new(&h, CAIRN_CRYPTO_HASH_SHA3_256) == CAIRN_OK);
  CHECK(cairn_crypto_hasher_update(h, (const uint8_t*)"ab", 2) == CAIRN_OK);
  CHECK(cairn_crypto_hasher_update(h, (const uint8_t*)"c", 1) == CAIRN_OK);
  CHECK(cairn_crypto_hasher_finish(digest, sizeof digest, h) == CAIRN_OK);
  CHECK_STR_EQ(hex(digest, 32), "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532");
  cairn_crypto_hasher_free(h);
  CHECK(cairn_crypto_hasher_new(&h, (cairn_crypto_hash_algorithm)9) == CAIRN_INVALID_ARGUMENT);
  CHECK_STR_EQ(cairn_error_last()->reason, "CRYPTO_ALGORITHM_UNKNOWN");

  CHECK(cairn_crypto_sha256_batch(batch, inputs, lengths, 3, 2) == CAIRN_OK);
  CHECK(cairn_crypto_sha256(expected, (const uint8_t*)"bc", 2) == CAIRN_OK);
  CHECK(memcmp(batch + 32, expected, 32) == 0);
  CHECK(cairn_crypto_sha256(expected, NULL, 0) == CAIRN_OK);
  CHECK(memcmp(batch + 64, expected, 32) == 0);
}

static void test_hmac_and_hkdf(void) {
  uint8_t mac[32], okm[42];
  size_t ikm_len, salt_len, info_len;
  uint8_t* ikm = unhex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", &ikm_len);
  uint8_t* salt = unhex("000102030405060708090a0b0c", &salt_len);
  uint8_t* info = unhex("f0f1f2f3f4f5f6f7f8f9", &info_len);
  /* RFC 4231 test case 2 */
  CHECK(cairn_crypto_hmac_sha256(mac, (const uint8_t*)"Jefe", 4,
                                 (const uint8_t*)"what do ya want for nothing?", 28) == CAIRN_OK);
  CHECK_STR_EQ(hex(mac, 32), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  /* RFC 5869 test case 1 */
  CHECK(cairn_crypto_hkdf_sha256(okm, sizeof okm, ikm, ikm_len, salt, salt_len, info, info_len) ==
        CAIRN_OK);
  CHECK_STR_EQ(
      hex(okm, sizeof okm),
      "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
  CHECK(cairn_crypto_hkdf_sha256(okm, 0, ikm, ikm_len, NULL, 0, NULL, 0) == CAIRN_INVALID_ARGUMENT);
  CHECK_STR_EQ(cairn_error_last()->reason, "CRYPTO_HKDF_LENGTH_INVALID");
  cairn_free(ikm);
  cairn_free(salt);
  cairn_free(info);
}

static void test_aes_gcm(void) {
  uint8_t key[32], *blob = NULL, *plain = NULL;
  size_t blob_len = 0, plain_len = 0, vec_len;
  /* GCM specification test case 14 as nonce || ciphertext || tag, all-zero key. */
  uint8_t zero_key[32] = {0};
  uint8_t* vector = unhex(
      "000000000000000000000000cea7403d4d606b6e074ec5d3baf39d18"
      "d0d1c8a799996bf0265b98b5d48ab919",
      &vec_len);
  CHECK(cairn_crypto_aes_gcm_decrypt(&plain, &plain_len, zero_key, 32, vector, vec_len, NULL, 0) ==
        CAIRN_OK);
  CHECK(plain_len == 16 && strcmp(hex(plain, plain_len), "00000000000000000000000000000000") == 0);
  cairn_free(plain);
  vector[20] ^= 1;
  CHECK(cairn_crypto_aes_gcm_decrypt(&plain, &plain_len, zero_key, 32, vector, vec_len, NULL, 0) ==
        CAIRN_DATA_LOSS);
  CHECK_STR_EQ(cairn_error_last()->reason, "CRYPTO_DECRYPT_FAILED");
  CHECK(plain == NULL);
  cairn_free(vector);

  CHECK(cairn_crypto_random_bytes(key, sizeof key) == CAIRN_OK);
  CHECK(cairn_crypto_aes_gcm_encrypt(&blob, &blob_len, key, 32, (const uint8_t*)"hello", 5,
                                     (const uint8_t*)"aad", 3) == CAIRN_OK);
  CHECK(blob_len == 12 + 5 + 16);
  CHECK(cairn_crypto_aes_gcm_decrypt(&plain, &plain_len, key, 32, blob, blob_len,
                                     (const uint8_t*)"aad", 3) == CAIRN_OK);
  CHECK(plain_len == 5 && memcmp(plain, "hello", 5) == 0);
  cairn_free(plain);
  CHECK(cairn_crypto_aes_gcm_decrypt(&plain, &plain_len, key, 32, blob, blob_len, NULL, 0) ==
        CAIRN_DATA_LOSS);
  cairn_free(blob);
  CHECK(cairn_crypto_aes_gcm_encrypt(&blob, &blob_len, key, 16, NULL, 0, NULL, 0) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_STR_EQ(cairn_error_last()->reason, "CRYPTO_KEY_INVALID");
  CHECK(blob == NULL);
}

static void test_signatures(void) {
  cairn_crypto_signature_algorithm algs[3] = {CAIRN_CRYPTO_SIG_ES256, CAIRN_CRYPTO_SIG_ES384,
                                              CAIRN_CRYPTO_SIG_ED25519};
  size_t sizes[3] = {64, 96, 64};
  size_t i;
  for (i = 0; i < 3; i++) {
    cairn_crypto_private_key *key = NULL, *loaded = NULL;
    cairn_crypto_public_key *pub = NULL, *pub2 = NULL;
    uint8_t* sig = NULL;
    size_t sig_len = 0;
    int valid = 0;
    char *pem = NULL, *body = NULL;
    CHECK(cairn_crypto_private_key_generate(&key, algs[i]) == CAIRN_OK);
    CHECK(cairn_crypto_private_key_algorithm(key) == algs[i]);
    CHECK(cairn_crypto_private_key_sign(&sig, &sig_len, key, (const uint8_t*)"msg", 3) == CAIRN_OK);
    CHECK(sig_len == sizes[i]);
    CHECK(cairn_crypto_private_key_public_key(&pub, key) == CAIRN_OK);
    CHECK(cairn_crypto_public_key_verify(&valid, pub, (const uint8_t*)"msg", 3, sig, sig_len) ==
          CAIRN_OK);
    CHECK(valid == 1);
    CHECK(cairn_crypto_public_key_verify(&valid, pub, (const uint8_t*)"msG", 3, sig, sig_len) ==
          CAIRN_OK);
    CHECK(valid == 0);
    CHECK(cairn_crypto_public_key_to_pem_body(&body, pub) == CAIRN_OK);
    CHECK(cairn_crypto_public_key_from_pem(&pub2, body) == CAIRN_OK);
    CHECK(cairn_crypto_public_key_verify(&valid, pub2, (const uint8_t*)"msg", 3, sig, sig_len) ==
          CAIRN_OK);
    CHECK(valid == 1);
    CHECK(cairn_crypto_private_key_to_pem(&pem, key) == CAIRN_OK);
    CHECK(strstr(pem, "-----BEGIN PRIVATE KEY-----") != NULL);
    CHECK(cairn_crypto_private_key_from_pem(&loaded, pem) == CAIRN_OK);
    CHECK(cairn_crypto_private_key_algorithm(loaded) == algs[i]);
    cairn_crypto_secure_wipe(pem, strlen(pem));
    cairn_free(pem);
    cairn_free(body);
    cairn_free(sig);
    cairn_crypto_private_key_free(key);
    cairn_crypto_private_key_free(loaded);
    cairn_crypto_public_key_free(pub);
    cairn_crypto_public_key_free(pub2);
  }
  CHECK_STR_EQ(cairn_crypto_signature_algorithm_name(CAIRN_CRYPTO_SIG_ES384), "ES384");
}

static void test_ed25519_rfc8032(void) {
  /* RFC 8032 section 7.1 TEST 2 */
  size_t seed_len, msg_len;
  uint8_t* seed =
      unhex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb", &seed_len);
  uint8_t* msg = unhex("72", &msg_len);
  cairn_crypto_private_key* key = NULL;
  cairn_crypto_public_key* pub = NULL;
  uint8_t *sig = NULL, *raw = NULL;
  size_t sig_len = 0, raw_len = 0;
  CHECK(cairn_crypto_private_key_from_raw(&key, CAIRN_CRYPTO_SIG_ED25519, seed, seed_len) ==
        CAIRN_OK);
  CHECK(cairn_crypto_private_key_sign(&sig, &sig_len, key, msg, msg_len) == CAIRN_OK);
  CHECK_STR_EQ(hex(sig, sig_len),
               "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
               "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");
  CHECK(cairn_crypto_private_key_public_key(&pub, key) == CAIRN_OK);
  CHECK(cairn_crypto_public_key_to_raw(&raw, &raw_len, pub) == CAIRN_OK);
  CHECK_STR_EQ(hex(raw, raw_len),
               "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");
  cairn_free(seed);
  cairn_free(msg);
  cairn_free(sig);
  cairn_free(raw);
  cairn_crypto_private_key_free(key);
  cairn_crypto_public_key_free(pub);
}

static void test_bad_keys(void) {
  cairn_crypto_public_key* pub = NULL;
  cairn_crypto_private_key* key = NULL;
  CHECK(cairn_crypto_public_key_from_pem(&pub, "not a key") == CAIRN_INVALID_ARGUMENT);
  CHECK_STR_EQ(cairn_error_last()->reason, "CRYPTO_KEY_INVALID");
  CHECK(pub == NULL);
  CHECK(cairn_crypto_private_key_generate(&key, (cairn_crypto_signature_algorithm)0) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_STR_EQ(cairn_error_last()->reason, "CRYPTO_ALGORITHM_UNKNOWN");
  CHECK(cairn_crypto_private_key_from_raw(&key, CAIRN_CRYPTO_SIG_ED25519, (const uint8_t*)"short",
                                          5) == CAIRN_INVALID_ARGUMENT);
  CHECK_STR_EQ(cairn_error_last()->reason, "CRYPTO_KEY_INVALID");
}

static void test_encodings(void) {
  char* text = NULL;
  uint8_t* bytes = NULL;
  size_t len = 0;
  CHECK(cairn_encoding_b64_encode(&text, (const uint8_t*)"foobar", 6) == CAIRN_OK);
  CHECK_STR_EQ(text, "Zm9vYmFy");
  cairn_free(text);
  CHECK(cairn_encoding_b64url_encode(&text, (const uint8_t*)"\xfb\xff", 2, 0) == CAIRN_OK);
  CHECK_STR_EQ(text, "-_8");
  cairn_free(text);
  CHECK(cairn_encoding_b64url_encode(&text, (const uint8_t*)"\xfb\xff", 2, 1) == CAIRN_OK);
  CHECK_STR_EQ(text, "-_8=");
  cairn_free(text);
  CHECK(cairn_encoding_b64url_decode(&bytes, &len, "-_8") == CAIRN_OK);
  CHECK(len == 2 && bytes[0] == 0xfb && bytes[1] == 0xff);
  cairn_free(bytes);
  CHECK(cairn_encoding_b64_decode(&bytes, &len, "Zh==") == CAIRN_INVALID_ARGUMENT);
  CHECK_STR_EQ(cairn_error_last()->reason, "ENCODING_INVALID_BASE64");
  CHECK(bytes == NULL && len == 0);
  CHECK(cairn_encoding_hex_decode(&bytes, &len, "0g") == CAIRN_INVALID_ARGUMENT);
  CHECK_STR_EQ(cairn_error_last()->reason, "ENCODING_INVALID_HEX");
  {
    int equal = -1;
    CHECK(cairn_crypto_constant_time_equal(&equal, (const uint8_t*)"ab", 2, (const uint8_t*)"ab",
                                           2) == CAIRN_OK &&
          equal == 1);
    CHECK(cairn_crypto_constant_time_equal(&equal, (const uint8_t*)"ab", 2, (const uint8_t*)"ac",
                                           2) == CAIRN_OK &&
          equal == 0);
    CHECK(cairn_crypto_constant_time_equal(&equal, NULL, 2, (const uint8_t*)"ac", 2) ==
          CAIRN_INVALID_ARGUMENT);
  }
}

/* tests/data/field_cipher.json, "env var of site 42". */
static const char kFieldMasterHex[] =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
static const char kFieldCiphertextHex[] =
    "01000102030405060708090a0bbd1ff26cf362030b8ae7e5f844c320e83961264c5fdede99755ccd9256baa4"
    "1f3575b17ef935b04994c93ce561edda28";
static const char kFieldPlaintext[] = "\"DATABASE_URL=postgres://db/app\"";

static cairn_crypto_field_cipher* field_cipher(const char* family) {
  cairn_crypto_field_cipher* cipher = NULL;
  size_t master_len = 0;
  uint8_t* master = unhex(kFieldMasterHex, &master_len);
  CHECK(cairn_crypto_field_cipher_new(&cipher, master, master_len, family) == CAIRN_OK);
  cairn_free(master);
  return cipher;
}

static void test_field_cipher_vector(void) {
  cairn_crypto_field_cipher* cipher = field_cipher("tundra:v1:site:env_var");
  uint8_t *aad = NULL, *plain = NULL, *sealed = NULL;
  size_t aad_len = 0, plain_len = 0, sealed_len = 0, ct_len = 0;
  uint8_t* ct = unhex(kFieldCiphertextHex, &ct_len);
  CHECK(cairn_crypto_field_aad(&aad, &aad_len, "sites", "42", "env_var") == CAIRN_OK);
  CHECK_STR_EQ(hex(aad, aad_len), "00000005736974657300000002343200000007656e765f766172");
  CHECK(cairn_crypto_field_cipher_decrypt(&plain, &plain_len, cipher, ct, ct_len, aad, aad_len) ==
        CAIRN_OK);
  CHECK(plain_len == strlen(kFieldPlaintext) && memcmp(plain, kFieldPlaintext, plain_len) == 0);
  cairn_crypto_secret_free(plain);
  plain = NULL;

  CHECK(cairn_crypto_field_cipher_encrypt(&sealed, &sealed_len, cipher, (const uint8_t*)"hunter2",
                                          7, aad, aad_len) == CAIRN_OK);
  CHECK(sealed_len == 29 + 7 && sealed != NULL && sealed[0] == 0x01);
  CHECK(cairn_crypto_field_cipher_decrypt(&plain, &plain_len, cipher, sealed, sealed_len, aad,
                                          aad_len) == CAIRN_OK);
  CHECK(plain_len == 7 && memcmp(plain, "hunter2", 7) == 0);
  cairn_crypto_secret_free(plain);
  cairn_free(sealed);
  sealed = NULL;
  /* An empty plaintext is a value too. */
  CHECK(cairn_crypto_field_cipher_encrypt(&sealed, &sealed_len, cipher, NULL, 0, aad, aad_len) ==
        CAIRN_OK);
  CHECK(sealed_len == 29);
  cairn_free(sealed);
  cairn_free(aad);
  cairn_free(ct);
  cairn_crypto_field_cipher_free(cipher);
}

static void test_field_cipher_refusals(void) {
  cairn_crypto_field_cipher* cipher = field_cipher("tundra:v1:site:env_var");
  cairn_crypto_field_cipher* other_family = field_cipher("tundra:v1:plugin:settings");
  cairn_crypto_field_cipher* bad = NULL;
  uint8_t *row42 = NULL, *row43 = NULL, *plain = NULL, *out = NULL;
  size_t row42_len = 0, row43_len = 0, plain_len = 0, out_len = 0, ct_len = 0;
  uint8_t* ct = unhex(kFieldCiphertextHex, &ct_len);
  uint8_t master[32] = {0};
  CHECK(cairn_crypto_field_aad(&row42, &row42_len, "sites", "42", "env_var") == CAIRN_OK);
  CHECK(cairn_crypto_field_aad(&row43, &row43_len, "sites", "43", "env_var") == CAIRN_OK);

  /* Copied onto row 43, or read under another family: DATA_LOSS, no plaintext. */
  CHECK(cairn_crypto_field_cipher_decrypt(&plain, &plain_len, cipher, ct, ct_len, row43,
                                          row43_len) == CAIRN_DATA_LOSS);
  CHECK_STR_EQ(cairn_error_last()->reason, "CRYPTO_FIELD_DECRYPT_FAILED");
  CHECK(plain == NULL && plain_len == 0);
  CHECK(cairn_crypto_field_cipher_decrypt(&plain, &plain_len, other_family, ct, ct_len, row42,
                                          row42_len) == CAIRN_DATA_LOSS);
  CHECK_STR_EQ(cairn_error_last()->reason, "CRYPTO_FIELD_DECRYPT_FAILED");

  /* Mandatory aad, short ciphertexts, other versions. */
  CHECK(cairn_crypto_field_cipher_decrypt(&plain, &plain_len, cipher, ct, ct_len, NULL, 0) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_STR_EQ(cairn_error_last()->reason, "CRYPTO_FIELD_AAD_REQUIRED");
  CHECK(cairn_crypto_field_cipher_encrypt(&out, &out_len, cipher, (const uint8_t*)"x", 1, NULL,
                                          0) == CAIRN_INVALID_ARGUMENT);
  CHECK_STR_EQ(cairn_error_last()->reason, "CRYPTO_FIELD_AAD_REQUIRED");
  CHECK(out == NULL);
  CHECK(cairn_crypto_field_cipher_decrypt(&plain, &plain_len, cipher, ct, 28, row42, row42_len) ==
        CAIRN_DATA_LOSS);
  CHECK_STR_EQ(cairn_error_last()->reason, "CRYPTO_FIELD_CIPHERTEXT_TOO_SHORT");
  ct[0] = 0x02;
  CHECK(cairn_crypto_field_cipher_decrypt(&plain, &plain_len, cipher, ct, ct_len, row42,
                                          row42_len) == CAIRN_FAILED_PRECONDITION);
  CHECK_STR_EQ(cairn_error_last()->reason, "CRYPTO_FIELD_VERSION_UNSUPPORTED");
  CHECK(cairn_crypto_field_aad(&out, &out_len, "sites", "", "env_var") == CAIRN_INVALID_ARGUMENT);
  CHECK_STR_EQ(cairn_error_last()->reason, "CRYPTO_FIELD_AAD_REQUIRED");

  /* Bad master keys and families. */
  CHECK(cairn_crypto_field_cipher_new(&bad, master, 31, "f") == CAIRN_INVALID_ARGUMENT);
  CHECK_STR_EQ(cairn_error_last()->reason, "CRYPTO_KEY_INVALID");
  CHECK(bad == NULL);
  CHECK(cairn_crypto_field_cipher_new(&bad, master, 32, "") == CAIRN_INVALID_ARGUMENT);
  CHECK_STR_EQ(cairn_error_last()->reason, "CRYPTO_FIELD_FAMILY_INVALID");
  CHECK(cairn_crypto_field_cipher_new(&bad, master, 32, NULL) == CAIRN_INVALID_ARGUMENT);
  CHECK_STR_EQ(cairn_error_last()->reason, "CAPI_NULL_ARGUMENT");
  CHECK(cairn_crypto_field_cipher_encrypt(&out, &out_len, NULL, NULL, 0, row42, row42_len) ==
        CAIRN_INVALID_ARGUMENT);
  CHECK_STR_EQ(cairn_error_last()->reason, "CAPI_NULL_ARGUMENT");
  cairn_crypto_field_cipher_free(NULL);

  cairn_free(ct);
  cairn_free(row42);
  cairn_free(row43);
  cairn_crypto_field_cipher_free(other_family);
  cairn_crypto_field_cipher_free(cipher);
}

CAIRN_TEST_MAIN({"hashes", test_hashes}, {"streaming and batch", test_streaming_and_batch},
                {"HMAC and HKDF", test_hmac_and_hkdf}, {"AES-256-GCM", test_aes_gcm},
                {"signatures", test_signatures}, {"Ed25519 RFC 8032", test_ed25519_rfc8032},
                {"bad keys", test_bad_keys}, {"encodings", test_encodings},
                {"field cipher vector", test_field_cipher_vector},
                {"field cipher refusals", test_field_cipher_refusals})
