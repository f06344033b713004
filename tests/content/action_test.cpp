#include "cairn/content/action.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cairn/content/descriptor.hpp"
#include "cairn/content/id.hpp"
#include "cairn/core/encoding.hpp"

namespace cairn::content {
namespace {

using crypto::PrivateKey;
using crypto::SignatureAlgorithm;

// 2026-11-22T12:00:00Z.
const Timestamp kNow = from_unix_micros(int64_t{1795348800} * 1000000);

PrivateKey p384() { return *PrivateKey::generate(SignatureAlgorithm::kEs384); }

std::string segment(std::string_view token, int index) {
  std::size_t start = 0;
  for (int i = 0; i < index; ++i) start = token.find('.', start) + 1;
  std::size_t end = token.find('.', start);
  auto bytes = *encoding::b64url_decode(token.substr(start, end - start));
  return std::string(bytes.begin(), bytes.end());
}

TEST(ActionKeyIdTest, IsTheUtcDate) {
  EXPECT_EQ(action_key_id(kNow), "261122");
  EXPECT_EQ(action_key_id(from_unix_micros(0)), "700101");
  // 2025-01-14T23:59:59Z, Cloudillo's example date.
  EXPECT_EQ(action_key_id(from_unix_micros(int64_t{1736899199} * 1000000)), "250114");
}

TEST(ActionTokenTest, WritesCloudillosHeaderAndClaimOrder) {
  PrivateKey key = p384();
  auto token = create_action_token(
      R"({"v":"P","exp":1795352400,"c":"Hello","t":"POST:TEXT","iss":"alice.example.com",)"
      R"("f":"RC","a":["f1~6A_MV8F8cImk_6XZsDgvKgnA0gDmREC0rFhLLYbOJWs"]})",
      key, "261122", kNow);
  ASSERT_TRUE(token) << token.error().to_string();
  EXPECT_EQ(segment(*token, 0), R"({"typ":"JWT","alg":"ES384"})");
  EXPECT_EQ(segment(*token, 1),
            R"({"iss":"alice.example.com","k":"261122","t":"POST:TEXT","c":"Hello",)"
            R"("a":["f1~6A_MV8F8cImk_6XZsDgvKgnA0gDmREC0rFhLLYbOJWs"],"iat":1795348800,)"
            R"("exp":1795352400,"f":"RC","v":"P"})");
  // The signature is raw r||s, 96 bytes.
  auto sig = encoding::b64url_decode(std::string_view(*token).substr(token->rfind('.') + 1));
  ASSERT_TRUE(sig);
  EXPECT_EQ(sig->size(), 96U);

  auto action = verify_action_token(*token, key.public_key(), kNow);
  ASSERT_TRUE(action) << action.error().to_string();
  EXPECT_EQ(action->action_id, action_id(*token));
  EXPECT_EQ(action->issuer, "alice.example.com");
  EXPECT_EQ(action->key_id, "261122");
  EXPECT_EQ(action->type, "POST");
  EXPECT_EQ(action->subtype, "TEXT");
  EXPECT_EQ(action->issued_at, kNow);
  EXPECT_EQ(action->attachments.size(), 1U);
  EXPECT_EQ(action->claims, segment(*token, 1));
}

TEST(ActionTokenTest, SignsWithTheNewestKey) {
  std::vector<ActionKey> keys = {{"250114", p384()}, {"261001", p384()}, {"251231", p384()}};
  auto token = create_action_token(
      R"({"iss":"alice.example.com","t":"FLLW","aud":"bob.example.com"})", keys, kNow);
  ASSERT_TRUE(token);
  EXPECT_TRUE(verify_action_token(*token, keys[1].key.public_key(), kNow));
  EXPECT_EQ(verify_action_token(*token, keys[0].key.public_key(), kNow).error().reason,
            "AUTH_TOKEN_INVALID");
  EXPECT_EQ(nlohmann::json::parse(segment(*token, 1))["k"], "261001");
  EXPECT_EQ(create_action_token("{}", std::span<const ActionKey>(), kNow).error().reason,
            "CONTENT_ACTION_KEY_INVALID");
}

TEST(ActionTokenTest, RefusesToSignInvalidActions) {
  PrivateKey key = p384();
  auto reason = [&](std::string_view claims) {
    auto token = create_action_token(claims, key, "261122", kNow);
    return token ? std::string("OK") : token.error().reason;
  };
  EXPECT_EQ(reason(R"({"iss":"alice.example.com","t":"POST"})"), "CONTENT_ACTION_INVALID");
  EXPECT_EQ(reason(R"({"iss":"alice.example.com","t":"POST","c":""})"), "CONTENT_ACTION_INVALID");
  EXPECT_EQ(reason(R"({"iss":"alice.example.com","t":"CMNT","c":"hi"})"),
            "CONTENT_ACTION_INVALID");  // a comment needs a parent
  EXPECT_EQ(reason(R"({"iss":"alice.example.com","t":"REACT:LIKE","sub":"a1~x","c":"no"})"),
            "CONTENT_ACTION_INVALID");  // reactions have no content
  EXPECT_EQ(reason(R"({"iss":"alice.example.com","t":"CONN"})"), "CONTENT_ACTION_INVALID");
  EXPECT_EQ(reason(R"({"iss":"alice.example.com","t":"NOPE","c":"x"})"),
            "CONTENT_ACTION_TYPE_UNKNOWN");
  EXPECT_EQ(reason(R"({"iss":"Alice.example.com","t":"POST","c":"x"})"), "CONTENT_ID_TAG_INVALID");
  EXPECT_EQ(reason(R"({"iss":"alice.example.com","t":"FLLW","aud":"bob_x.example.com"})"),
            "CONTENT_ID_TAG_INVALID");
  EXPECT_EQ(reason(R"({"iss":"alice.example.com","t":"POST","c":"x","x":{"meta":1}})"),
            "CONTENT_ACTION_INVALID");  // "x" is server-side metadata, never signed
  EXPECT_EQ(reason(R"({"iss":"alice.example.com","t":"POST","c":"x","k":"250101"})"),
            "CONTENT_ACTION_INVALID");
  EXPECT_EQ(reason(R"({"iss":"alice.example.com","t":"POST","c":"x","iat":1.5})"),
            "CONTENT_ACTION_INVALID");
  EXPECT_EQ(reason(R"({"iss":"alice.example.com","t":"POST","c":"x","v":"Q"})"),
            "CONTENT_ACTION_INVALID");
  EXPECT_EQ(reason(R"({"iss":"alice.example.com","t":"POST","c":"x","a":["b1~abcd"]})"),
            "CONTENT_ACTION_INVALID");
  EXPECT_EQ(reason(R"({"iss":"alice.example.com","t":":X","c":"x"})"), "CONTENT_ACTION_INVALID");
  EXPECT_EQ(reason(R"([1,2])"), "CONTENT_ACTION_INVALID");
  EXPECT_EQ(reason(R"({"iss":"alice.example.com","t":"CMNT:DEL","p":"a1~x","c":"bye"})"), "OK");
  EXPECT_EQ(reason(R"({"iss":"alice.example.com","t":"IDP:REG","aud":"idp.example.com","c":{}})"),
            "OK");

  auto es256 = *PrivateKey::generate(SignatureAlgorithm::kEs256);
  EXPECT_EQ(create_action_token(R"({"iss":"alice.example.com","t":"POST","c":"x"})", es256,
                                "261122", kNow)
                .error()
                .reason,
            "CONTENT_ACTION_KEY_INVALID");
  EXPECT_EQ(
      create_action_token(R"({"iss":"alice.example.com","t":"POST","c":"x"})", key, "2611", kNow)
          .error()
          .reason,
      "CONTENT_ACTION_KEY_INVALID");
}

TEST(ActionTokenTest, VerifyChecksSignatureExpiryAndTampering) {
  PrivateKey key = p384();
  auto token = *create_action_token(
      R"({"iss":"alice.example.com","t":"POST","c":"x","exp":1795348900})", key, "261122", kNow);
  EXPECT_TRUE(verify_action_token(token, key.public_key(), kNow));
  // Valid until exp + 60 s of leeway (the current time must be before it).
  auto later = kNow + std::chrono::seconds(100 + 60 - 1);
  EXPECT_TRUE(verify_action_token(token, key.public_key(), later));
  EXPECT_EQ(
      verify_action_token(token, key.public_key(), later + std::chrono::seconds(1)).error().reason,
      "AUTH_TOKEN_EXPIRED");
  EXPECT_EQ(verify_action_token(token, p384().public_key(), kNow).error().reason,
            "AUTH_TOKEN_INVALID");
  // Change one claim byte: the signature no longer matches.
  std::string claims = segment(token, 1);
  claims.replace(claims.find("\"x\""), 3, "\"y\"");
  std::size_t a = token.find('.');
  std::size_t b = token.find('.', a + 1);
  std::string forged =
      token.substr(0, a + 1) + encoding::b64url_encode(as_bytes(claims)) + token.substr(b);
  EXPECT_EQ(verify_action_token(forged, key.public_key(), kNow).error().reason,
            "AUTH_TOKEN_INVALID");
  EXPECT_EQ(verify_action_token("a.b", key.public_key(), kNow).error().reason,
            "AUTH_TOKEN_INVALID");
  auto es256 = *PrivateKey::generate(SignatureAlgorithm::kEs256);
  EXPECT_EQ(verify_action_token(token, es256.public_key(), kNow).error().reason,
            "CONTENT_ACTION_KEY_INVALID");
  // Keys travel as PEM bodies; they load back and verify.
  auto pub = crypto::PublicKey::from_pem(key.public_key().to_pem_body());
  ASSERT_TRUE(pub);
  EXPECT_TRUE(verify_action_token(token, *pub, kNow));
}

TEST(ActionTokenTest, DecodeReadsWithoutVerifying) {
  PrivateKey key = p384();
  auto token = *create_action_token(
      R"({"iss":"alice.example.com","t":"REACT:LIKE","sub":"a1~x","aud":"bob.example.com"})", key,
      "261122", kNow);
  auto action = decode_action_token(token);
  ASSERT_TRUE(action);
  EXPECT_EQ(action->type, "REACT");
  EXPECT_EQ(action->subtype, "LIKE");
  EXPECT_EQ(action->subject, "a1~x");
  EXPECT_EQ(action->audience, "bob.example.com");
  EXPECT_FALSE(action->parent);
  EXPECT_EQ(decode_action_token("x.e30=.y").error().reason, "CONTENT_ACTION_INVALID");
  EXPECT_EQ(decode_action_token("x.bm90IGpzb24.y").error().reason, "CONTENT_ACTION_INVALID");
}

TEST(IdTagTest, AcceptsOnlyCanonicalLdhNames) {
  for (const char* ok : {"alice.example.com", "a-b.example", "home.cloudillo.net", "x1234"}) {
    EXPECT_TRUE(check_id_tag(ok)) << ok;
  }
  for (const char* bad : {"Alice.example.com", "a_b.example.com", "a/b.example", "a@b.example",
                          "a:b.example", "a b.example", "abc", "-ab.example", "ab-.example",
                          "a..example", "example.com.", "bücher.example"}) {
    EXPECT_EQ(check_id_tag(bad).error().reason, "CONTENT_ID_TAG_INVALID") << bad;
  }
  EXPECT_EQ(check_id_tag(std::string(63, 'a')).error().reason, "CONTENT_ID_TAG_INVALID");
}

// A post with one image file of two variants, and its whole Merkle tree.
class VerifyTreeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    blobs_["tn"] = Bytes(100, 1);
    blobs_["sd"] = Bytes(5000, 2);
    Descriptor d;
    for (const char* name : {"tn", "sd"}) {
      Variant v;
      v.name = std::string("vis.") + name;
      v.blob_id = blob_id(blobs_[name]);
      v.format = "avif";
      v.size = blobs_[name].size();
      v.width = v.height = name[0] == 't' ? 128 : 720;
      d.variants.push_back(v);
      blob_map_[v.blob_id] = blobs_[name];
    }
    descriptor_ = d.to_string();
    file_ = file_id(descriptor_);
    descriptors_[file_] = descriptor_;
    token_ = *create_action_token(
        R"({"iss":"alice.example.com","t":"POST:IMG","c":"look","a":[")" + file_ + R"("]})", key_,
        "261122", kNow);
  }
  std::string reason() {
    auto r = verify_tree(token_, descriptors_, blob_map_, action_id(token_));
    return r ? std::string("OK") : r.error().reason;
  }

  PrivateKey key_ = p384();
  std::map<std::string, Bytes> blobs_;
  std::map<std::string, Bytes, std::less<>> blob_map_;
  std::map<std::string, std::string, std::less<>> descriptors_;
  std::string descriptor_, file_, token_;
};

TEST_F(VerifyTreeTest, AcceptsAnIntactTree) {
  auto r = verify_tree(token_, descriptors_, blob_map_);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(*r, action_id(token_));
  EXPECT_EQ(reason(), "OK");
}

TEST_F(VerifyTreeTest, ReportsTheLowestBrokenLevel) {
  // Level 1: a blob's bytes changed (and, above it, the action ID is wrong too).
  auto tn = blob_id(blobs_["tn"]);
  blob_map_[tn][0] ^= 1;
  auto r = verify_tree(token_, descriptors_, blob_map_, "a1~wrong");
  EXPECT_EQ(r.error().reason, "CONTENT_HASH_MISMATCH");
  EXPECT_NE(r.error().message.find(tn), std::string::npos);
  blob_map_[tn][0] ^= 1;
  // Level 3-4: the descriptor text filed under the file ID changed.
  descriptors_[file_] = descriptor_ + ";vis.md:" + tn + ":f=avif:s=100:r=128x128";
  r = verify_tree(token_, descriptors_, blob_map_);
  EXPECT_EQ(r.error().reason, "CONTENT_HASH_MISMATCH");
  EXPECT_NE(r.error().message.find(file_), std::string::npos);
  descriptors_[file_] = descriptor_;
  // Level 6: the token is not the action it claims to be.
  EXPECT_EQ(verify_tree(token_, descriptors_, blob_map_, "a1~wrong").error().reason,
            "CONTENT_HASH_MISMATCH");
}

TEST_F(VerifyTreeTest, ReportsMissingPieces) {
  blob_map_.erase(blob_id(blobs_["sd"]));
  EXPECT_EQ(reason(), "CONTENT_BLOB_NOT_FOUND");
  descriptors_.clear();
  EXPECT_EQ(reason(), "CONTENT_DESCRIPTOR_NOT_FOUND");
  descriptors_[file_] = "d3,nonsense";
  EXPECT_EQ(reason(), "CONTENT_DESCRIPTOR_MALFORMED");
  EXPECT_EQ(verify_tree("garbage", descriptors_, blob_map_).error().reason,
            "CONTENT_ACTION_INVALID");
}

}  // namespace
}  // namespace cairn::content
