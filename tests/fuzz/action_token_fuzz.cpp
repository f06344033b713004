// libFuzzer target for Cloudillo action tokens (cairn/content/action.hpp). The first input byte's
// low two bits pick the mode; the rest of the input is its data:
//   0  the data is a token: decode_action_token and verify_action_token (under a fixed P-384
//      public key) give the same answer twice; verify accepts it only when it is one of the two
//      fixed tokens signed by that key; a decoded token's action_id is action_id(data);
//   1  the data is a list of edits (4 bytes each: operation, position (2 bytes), value; at most
//      16) applied to the fixed token the second byte picks: verify_action_token must refuse the
//      result unless the edits left the token unchanged (then it returns the known claims);
//   2  the data is a claims JSON object: when create_action_token (a key made at start-up) signs
//      it, verify_action_token accepts the token (or refuses it only for its times: "no invalid
//      action is ever signed") and returns what decode_action_token does, claims in
//      Cloudillo's order;
//   3  the data is an id tag: check_id_tag accepts it exactly when an independent check of the
//      rule (lower-case LDH labels of 1-63, 5-62 characters in all) does.
// Inputs are capped at 64 KiB. Seeds: corpus/action_token/; tokens: action_token.dict. See
// tests/fuzz/CMakeLists.txt for how it is built and run.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "cairn/content/action.hpp"
#include "cairn/content/id.hpp"
#include "cairn/crypto/sign.hpp"
#include "fuzz/token_edits.hpp"

namespace {

namespace content = cairn::content;
namespace crypto = cairn::crypto;

constexpr std::size_t kMaxInput = std::size_t{64} * 1024;
constexpr std::size_t kMaxEdits = 16;

// The public half of a P-384 key made for this target (its private half was thrown away), and
// two tokens it signed: a POST and a REACT:LIKE (iat 1795000000, the REACT expiring a day later).
constexpr std::string_view kPublicKey =
    "MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEw6WHNgkwARTbBSXZz+4KMa+Oik0sXmdp2mGNeXgqt9T5XHy2I3iwGy7z2M4OuV"
    "LI/Ljlyo5q7Q/SgtJF5Ec32rmAry08trcKwdt6ui+F8h3gjckWjzAOWkFcIJUWraWv";
constexpr std::array<std::string_view, 2> kTokens{
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzM4NCJ9."
    "eyJpc3MiOiJhbGljZS5leGFtcGxlLmNvbSIsImsiOiIyNjExMjIiLCJ0IjoiUE9TVCIsImMiOiJIZWxsbyIsImlhdCI6MT"
    "c5NTAwMDAwMH0."
    "gk318vV09oyY6O7Wh5N2UgG5R7PNL4XEJqPY6dN1OpePAQd9yQVG8TjvqKQlwYHag-8bwGkIUG9KYS_"
    "TzB4pLwjWg-aLNqaSyI-DLk1qA-kn3_euxHwZoS3PneTL1QN1",
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzM4NCJ9."
    "eyJpc3MiOiJhbGljZS5leGFtcGxlLmNvbSIsImsiOiIyNjExMjIiLCJ0IjoiUkVBQ1Q6TElLRSIsImF1ZCI6ImJvYi5leG"
    "FtcGxlLmNvbSIsInN1YiI6ImExflptRnJaUSIsImlhdCI6MTc5NTAwMDAwMCwiZXhwIjoxNzk1MDg2NDAwfQ."
    "tz0nj3ZeJB6wU1dKTMihsPaabvO8kDj0VB-GB0tbwrwCZADDikN4d-a-"
    "Yq3TKMts7B6g7jqmFhIUkpt6kUjA6Bdqyid8F3J"
    "VFNbjWIW9Ik9sjFhOaq11HlnScJE10oYp"};
// Inside both tokens' validity (ten seconds after iat).
const cairn::Timestamp kNow = cairn::from_unix_micros(int64_t{1795000010} * 1000000);

const crypto::PublicKey& fixed_key() {
  static const crypto::PublicKey kKey = [] {
    cairn::Result<crypto::PublicKey> key = crypto::PublicKey::from_pem(kPublicKey);
    if (!key) std::abort();
    return *key;
  }();
  return kKey;
}

const crypto::PrivateKey& signing_key() {
  static const crypto::PrivateKey kKey = [] {
    cairn::Result<crypto::PrivateKey> key =
        crypto::PrivateKey::generate(crypto::SignatureAlgorithm::kEs384);
    if (!key) std::abort();
    return *key;
  }();
  return kKey;
}

bool same(const content::ActionToken& a, const content::ActionToken& b) {
  return a.action_id == b.action_id && a.claims == b.claims && a.issuer == b.issuer &&
         a.key_id == b.key_id && a.type == b.type && a.subtype == b.subtype &&
         a.parent == b.parent && a.audience == b.audience && a.subject == b.subject &&
         a.attachments == b.attachments && a.issued_at == b.issued_at &&
         a.expires_at == b.expires_at;
}

bool is_fixed_token(std::string_view token) {
  return std::find(kTokens.begin(), kTokens.end(), token) != kTokens.end();
}

void check_token(std::string_view token) {
  cairn::Result<content::ActionToken> decoded = content::decode_action_token(token);
  cairn::Result<content::ActionToken> decoded2 = content::decode_action_token(token);
  if (decoded.has_value() != decoded2.has_value()) std::abort();
  if (decoded) {
    if (!same(*decoded, *decoded2)) std::abort();
    if (decoded->action_id != content::action_id(token)) std::abort();
    cairn::Result<content::ContentId> id = content::parse_id(decoded->action_id);
    if (!id || id->prefix != "a") std::abort();
  } else if (decoded.error().reason != "CONTENT_ACTION_INVALID") {
    std::abort();
  }
  cairn::Result<content::ActionToken> verified =
      content::verify_action_token(token, fixed_key(), kNow);
  cairn::Result<content::ActionToken> verified2 =
      content::verify_action_token(token, fixed_key(), kNow);
  if (verified.has_value() != verified2.has_value()) std::abort();
  if (verified.has_value() != is_fixed_token(token)) std::abort();
  if (verified && (!decoded || !same(*verified, *decoded))) std::abort();
}

void check_edits(uint8_t which, std::string_view edits) {
  std::string token =
      cairn::fuzz::edit_token(std::string(kTokens[which % kTokens.size()]), edits, kMaxEdits);
  cairn::Result<content::ActionToken> verified =
      content::verify_action_token(token, fixed_key(), kNow);
  bool unchanged = token == kTokens[which % kTokens.size()];
  if (verified.has_value() != unchanged) std::abort();
  if (verified && verified->issuer != "alice.example.com") std::abort();
}

void check_create(std::string_view claims) {
  cairn::Result<std::string> token =
      content::create_action_token(claims, signing_key(), "261122", kNow);
  if (!token) {
    const std::string& reason = token.error().reason;
    if (reason != "CONTENT_ACTION_INVALID" && reason != "CONTENT_ACTION_TYPE_UNKNOWN" &&
        reason != "CONTENT_ID_TAG_INVALID") {
      std::abort();
    }
    return;
  }
  cairn::Result<content::ActionToken> decoded = content::decode_action_token(*token);
  if (!decoded || decoded->key_id != "261122") std::abort();
  // The claims come in Cloudillo's order and only from its list.
  static constexpr std::array<std::string_view, 13> kOrder = {
      "iss", "k", "t", "c", "p", "a", "aud", "sub", "iat", "exp", "f", "v", "_"};
  nlohmann::ordered_json json = nlohmann::ordered_json::parse(decoded->claims, nullptr, false);
  if (json.is_discarded() || !json.is_object()) std::abort();
  std::size_t next = 0;
  for (const auto& item : json.items()) {
    auto at =
        std::find(kOrder.begin() + static_cast<std::ptrdiff_t>(next), kOrder.end(), item.key());
    if (at == kOrder.end()) std::abort();
    next = static_cast<std::size_t>(at - kOrder.begin()) + 1;
  }
  cairn::Result<content::ActionToken> verified =
      content::verify_action_token(*token, signing_key().public_key(), kNow);
  if (!verified) {
    // Times are checked against the clock, not at signing: those refusals are allowed.
    const std::string& reason = verified.error().reason;
    if (reason != "AUTH_TOKEN_EXPIRED" && reason != "AUTH_TOKEN_NOT_YET_VALID") std::abort();
    return;
  }
  if (!same(*verified, *decoded)) std::abort();
}

bool reference_id_tag(std::string_view tag) {
  if (tag.size() < 5 || tag.size() > 62) return false;
  std::size_t label = 0;
  for (std::size_t i = 0; i <= tag.size(); ++i) {
    if (i == tag.size() || tag[i] == '.') {
      if (label == 0 || label > 63) return false;
      if (tag[i - 1] == '-' || tag[i - label] == '-') return false;
      label = 0;
      continue;
    }
    char c = tag[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    ++label;
  }
  return true;
}

void check_id_tag(std::string_view tag) {
  cairn::Status status = content::check_id_tag(tag);
  if (status.has_value() != reference_id_tag(tag)) std::abort();
  if (!status && status.error().reason != "CONTENT_ID_TAG_INVALID") std::abort();
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the entry point libFuzzer names.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, std::size_t size) {
  if (size < 2) return 0;
  uint8_t control = bytes[0];
  std::string_view data(reinterpret_cast<const char*>(bytes + 1), size - 1);
  if (data.size() > kMaxInput) data = data.substr(0, kMaxInput);
  switch (control & 3) {
    case 0:
      check_token(data);
      break;
    case 1:
      check_edits(static_cast<uint8_t>(data[0]), data.substr(1));
      break;
    case 2:
      check_create(data);
      break;
    default:
      check_id_tag(data);
      break;
  }
  return 0;
}
