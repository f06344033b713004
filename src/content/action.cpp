// Action tokens: Cloudillo's claim order and type table on top of cairn::auth's JWT checks.
#include "cairn/content/action.hpp"

#include <algorithm>
#include <array>
#include <ctime>
#include <nlohmann/json.hpp>

#include "cairn/auth/jwt.hpp"
#include "cairn/content/descriptor.hpp"
#include "cairn/content/id.hpp"
#include "cairn/core/encoding.hpp"

namespace cairn::content {
namespace {

using Json = nlohmann::ordered_json;

// The header Cloudillo's signer writes (jsonwebtoken's Header::new(ES384)), byte for byte.
constexpr std::string_view kHeader = R"({"typ":"JWT","alg":"ES384"})";
// Claims in Cloudillo's serialization order.
constexpr std::array<std::string_view, 13> kClaimOrder = {"iss", "k",   "t",   "c", "p", "a", "aud",
                                                          "sub", "iat", "exp", "f", "v", "_"};
constexpr std::size_t kMaxTokenBytes = 1 << 20;

enum class Field { kOptional, kRequired, kForbidden };

// One row of reference table 2.3 (content, aud, parent, subject, attachments), with the length
// bounds of a string content where the DSL gives them.
struct ActionDefinition {
  std::string_view type;
  Field content, audience, parent, subject, attachments;
  std::size_t content_min = 0;
  std::size_t content_max = 0;  // 0: content need not be a string
};

constexpr Field kOpt = Field::kOptional;
constexpr Field kReq = Field::kRequired;
constexpr Field kNo = Field::kForbidden;

constexpr std::array<ActionDefinition, 17> kDefinitions = {{
    {"CONN", kOpt, kReq, kNo, kNo, kNo, 0, 500},
    {"FLLW", kOpt, kReq, kNo, kNo, kNo, 0, 500},
    {"POST", kReq, kOpt, kOpt, kOpt, kOpt, 1, 50000},
    {"REACT", kNo, kOpt, kNo, kReq, kOpt},
    {"CMNT", kReq, kOpt, kReq, kOpt, kOpt, 1, 10000},
    {"MSG", kReq, kOpt, kOpt, kOpt, kOpt},
    {"REPOST", kOpt, kOpt, kNo, kReq, kNo},
    {"APRV", kNo, kOpt, kOpt, kReq, kNo},
    {"STAT", kReq, kOpt, kReq, kOpt, kNo},
    {"IDP:REG", kReq, kReq, kNo, kNo, kNo},
    {"PRES", kOpt, kOpt, kOpt, kReq, kNo},
    {"SUBS", kOpt, kReq, kNo, kReq, kNo},
    {"FSHR", kReq, kReq, kNo, kReq, kNo},
    {"CONV", kReq, kOpt, kNo, kNo, kOpt},
    {"INVT", kOpt, kReq, kNo, kReq, kNo},
    {"PRINVT", kReq, kReq, kNo, kNo, kNo},
    {"APKG", kReq, kNo, kNo, kNo, kReq},
}};

Unexpected<Error> invalid(std::string message) {
  return fail(ErrorCode::kInvalidArgument, "CONTENT_ACTION_INVALID", std::move(message));
}

const ActionDefinition* find_definition(std::string_view full_type) {
  auto by_name = [](std::string_view name) -> const ActionDefinition* {
    for (const ActionDefinition& d : kDefinitions) {
      if (d.type == name) return &d;
    }
    return nullptr;
  };
  if (const ActionDefinition* d = by_name(full_type)) return d;
  return by_name(full_type.substr(0, full_type.find(':')));
}

Status check_field(Field rule, bool present, std::string_view type, std::string_view what) {
  if (rule == Field::kRequired && !present) {
    return invalid(std::string(type) + " actions need " + std::string(what));
  }
  if (rule == Field::kForbidden && present) {
    return invalid(std::string(type) + " actions cannot have " + std::string(what));
  }
  return ok_status();
}

// The claims as a decoded ActionToken; type checks of each claim, no table rules.
Result<ActionToken> read_claims(const Json& claims) {
  if (!claims.is_object()) return invalid("the action claims are not a JSON object");
  auto string_claim = [&](const char* name, bool required) -> Result<std::optional<std::string>> {
    auto it = claims.find(name);
    if (it == claims.end() || it->is_null()) {
      if (required) return invalid(std::string("the action has no \"") + name + "\" claim");
      return std::optional<std::string>();
    }
    if (!it->is_string()) return invalid(std::string("\"") + name + "\" must be a string");
    return std::optional<std::string>(it->get<std::string>());
  };
  auto time_claim = [&](const char* name) -> Result<std::optional<Timestamp>> {
    auto it = claims.find(name);
    if (it == claims.end() || it->is_null()) return std::optional<Timestamp>();
    if (!it->is_number_integer()) {
      return invalid(std::string("\"") + name + "\" must be an integer (unix seconds)");
    }
    auto seconds = it->get<int64_t>();
    if (seconds < 0 || seconds > int64_t{253402300799}) {  // 9999-12-31T23:59:59Z
      return invalid(std::string("\"") + name + "\" is out of range");
    }
    return std::optional<Timestamp>(from_unix_micros(seconds * 1000000));
  };

  ActionToken out;
  CAIRN_ASSIGN_OR_RETURN(auto iss, string_claim("iss", true));
  CAIRN_ASSIGN_OR_RETURN(auto k, string_claim("k", true));
  CAIRN_ASSIGN_OR_RETURN(auto t, string_claim("t", true));
  CAIRN_ASSIGN_OR_RETURN(out.parent, string_claim("p", false));
  CAIRN_ASSIGN_OR_RETURN(out.audience, string_claim("aud", false));
  CAIRN_ASSIGN_OR_RETURN(out.subject, string_claim("sub", false));
  CAIRN_ASSIGN_OR_RETURN(auto flags, string_claim("f", false));
  CAIRN_ASSIGN_OR_RETURN(auto visibility, string_claim("v", false));
  CAIRN_ASSIGN_OR_RETURN(auto nonce, string_claim("_", false));
  CAIRN_ASSIGN_OR_RETURN(auto iat, time_claim("iat"));
  CAIRN_ASSIGN_OR_RETURN(out.expires_at, time_claim("exp"));
  if (!iat) return invalid("the action has no \"iat\" claim");
  out.issued_at = *iat;
  out.issuer = std::move(*iss);
  out.key_id = std::move(*k);
  if (t->empty() || t->front() == ':' || t->back() == ':' ||
      std::count(t->begin(), t->end(), ':') > 1) {
    return invalid("\"t\" must be TYPE or TYPE:SUBTYPE");
  }
  std::size_t colon = t->find(':');
  out.type = t->substr(0, colon);
  out.subtype = colon == std::string::npos ? "" : t->substr(colon + 1);
  if (visibility && (visibility->size() != 1 ||
                     std::string_view("PV2FCS").find(visibility->front()) == std::string::npos)) {
    return invalid("\"v\" must be one of P, V, 2, F, C, S");
  }
  if (auto a = claims.find("a"); a != claims.end() && !a->is_null()) {
    if (!a->is_array()) return invalid("\"a\" must be an array of file IDs");
    for (const Json& item : *a) {
      if (!item.is_string()) return invalid("\"a\" must be an array of file IDs");
      auto id = item.get<std::string>();
      auto parsed = parse_id(id);
      if (!parsed || parsed->prefix != kFilePrefix) {
        return invalid("an attachment is not a file ID (f1~...)");
      }
      out.attachments.push_back(std::move(id));
    }
  }
  return out;
}

// The rules of the type table and the id tag rule, on a decoded action.
Status check_rules(const ActionToken& action, const Json& claims) {
  CAIRN_TRY(check_id_tag(action.issuer));
  if (action.audience) CAIRN_TRY(check_id_tag(*action.audience));
  std::string full = action.type;
  if (!action.subtype.empty()) full += ":" + action.subtype;
  const ActionDefinition* def = find_definition(full);
  if (def == nullptr) {
    return fail(ErrorCode::kInvalidArgument, "CONTENT_ACTION_TYPE_UNKNOWN",
                "action type " + action.type + " is not supported");
  }
  auto content = claims.find("c");
  bool has_content = content != claims.end() && !content->is_null();
  CAIRN_TRY(check_field(def->content, has_content, def->type, "content (c)"));
  CAIRN_TRY(check_field(def->audience, action.audience.has_value(), def->type, "an audience"));
  CAIRN_TRY(check_field(def->parent, action.parent.has_value(), def->type, "a parent (p)"));
  CAIRN_TRY(check_field(def->subject, action.subject.has_value(), def->type, "a subject (sub)"));
  CAIRN_TRY(
      check_field(def->attachments, !action.attachments.empty(), def->type, "attachments (a)"));
  if (has_content && def->content_max > 0) {
    if (!content->is_string()) return invalid(std::string(def->type) + " content is text");
    // Lengths in characters (code points), as the DSL counts them.
    const auto& text = content->get_ref<const std::string&>();
    auto chars = static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char ch) {
      return (static_cast<unsigned char>(ch) & 0xC0) != 0x80;
    }));
    if (chars < def->content_min || chars > def->content_max) {
      return invalid(std::string(def->type) + " content must be " +
                     std::to_string(def->content_min) + " to " + std::to_string(def->content_max) +
                     " characters");
    }
  }
  return ok_status();
}

Result<Json> parse_json_object(ByteView bytes) {
  Json value = Json::parse(bytes.begin(), bytes.end(), nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded() || !value.is_object()) {
    return invalid("the action claims are not a JSON object");
  }
  return value;
}

bool is_key_id(std::string_view key_id) {
  return key_id.size() == 6 &&
         std::all_of(key_id.begin(), key_id.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The claims of a token, decoded but not verified, and the claims JSON.
Result<std::pair<ActionToken, Json>> decode(std::string_view token) {
  if (token.size() > kMaxTokenBytes) return invalid("the action token is too long");
  std::size_t first = token.find('.');
  std::size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return invalid("an action token has three dot-separated parts");
  }
  std::string_view payload = token.substr(first + 1, second - first - 1);
  auto bytes = encoding::b64url_decode(payload);
  if (!bytes || payload.find('=') != std::string_view::npos) {
    return invalid("the action token's claims are not base64url without padding");
  }
  CAIRN_ASSIGN_OR_RETURN(Json claims, parse_json_object(*bytes));
  CAIRN_ASSIGN_OR_RETURN(ActionToken action, read_claims(claims));
  action.claims.assign(bytes->begin(), bytes->end());
  action.action_id = action_id(token);
  return std::pair<ActionToken, Json>(std::move(action), std::move(claims));
}

}  // namespace

std::string action_key_id(Timestamp at) {
  std::time_t seconds =
      std::chrono::system_clock::to_time_t(std::chrono::time_point_cast<std::chrono::seconds>(at));
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::array<char, 16> text{};
  std::size_t n = std::strftime(text.data(), text.size(), "%y%m%d", &utc);
  return std::string(text.data(), n);
}

Status check_id_tag(std::string_view id_tag) {
  auto bad = [&](const char* why) {
    return fail(ErrorCode::kInvalidArgument, "CONTENT_ID_TAG_INVALID",
                std::string("not a canonical id tag: ") + why);
  };
  if (id_tag.size() < 5 || id_tag.size() > 62) return bad("5 to 62 characters");
  std::size_t start = 0;
  while (start <= id_tag.size()) {
    std::size_t dot = id_tag.find('.', start);
    std::string_view label =
        id_tag.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63) return bad("labels of 1 to 63 characters");
    if (label.front() == '-' || label.back() == '-')
      return bad("labels start and end alphanumeric");
    for (char c : label) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
        return bad("lower-case letters, digits and hyphens only");
      }
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return ok_status();
}

Result<std::string> create_action_token(std::string_view claims_json, const crypto::PrivateKey& key,
                                        std::string_view key_id, Timestamp now) {
  if (key.algorithm() != crypto::SignatureAlgorithm::kEs384) {
    return fail(ErrorCode::kInvalidArgument, "CONTENT_ACTION_KEY_INVALID",
                "action tokens are signed with P-384 (ES384) keys");
  }
  if (!is_key_id(key_id)) {
    return fail(ErrorCode::kInvalidArgument, "CONTENT_ACTION_KEY_INVALID",
                "action key IDs are six digits (YYMMDD)");
  }
  CAIRN_ASSIGN_OR_RETURN(Json input, parse_json_object(as_bytes(claims_json)));
  for (const auto& [name, value] : input.items()) {
    if (std::find(kClaimOrder.begin(), kClaimOrder.end(), name) == kClaimOrder.end()) {
      return invalid("\"" + name + "\" is not an action claim");
    }
  }
  if (auto k = input.find("k"); k != input.end() && !(k->is_string() && *k == key_id)) {
    return invalid("\"k\" names another key than the one signing");
  }
  input["k"] = key_id;
  if (!input.contains("iat") || input["iat"].is_null()) {
    input["iat"] = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  }
  Json claims = Json::object();
  for (std::string_view name : kClaimOrder) {
    auto it = input.find(std::string(name));
    if (it != input.end() && !it->is_null()) claims[std::string(name)] = *it;
  }
  CAIRN_ASSIGN_OR_RETURN(ActionToken action, read_claims(claims));
  CAIRN_TRY(check_rules(action, claims));

  std::string token = encoding::b64url_encode(as_bytes(kHeader));
  token += '.';
  token += encoding::b64url_encode(as_bytes(claims.dump()));
  CAIRN_ASSIGN_OR_RETURN(Bytes signature, auth::JwtKey::signing(key).sign(as_bytes(token)));
  token += '.';
  token += encoding::b64url_encode(signature);
  return token;
}

Result<std::string> create_action_token(std::string_view claims_json,
                                        std::span<const ActionKey> keys, Timestamp now) {
  if (keys.empty()) {
    return fail(ErrorCode::kInvalidArgument, "CONTENT_ACTION_KEY_INVALID", "no signing key");
  }
  const ActionKey* newest = &keys.front();
  for (const ActionKey& k : keys) {
    if (k.key_id > newest->key_id) newest = &k;
  }
  return create_action_token(claims_json, newest->key, newest->key_id, now);
}

Result<ActionToken> decode_action_token(std::string_view token) {
  CAIRN_ASSIGN_OR_RETURN(auto decoded, decode(token));
  return std::move(decoded.first);
}

Result<ActionToken> verify_action_token(std::string_view token, const crypto::PublicKey& key,
                                        Timestamp now, std::chrono::seconds leeway) {
  if (key.algorithm() != crypto::SignatureAlgorithm::kEs384) {
    return fail(ErrorCode::kInvalidArgument, "CONTENT_ACTION_KEY_INVALID",
                "action tokens are verified with P-384 (ES384) keys");
  }
  auth::JwtKeySet keys;
  CAIRN_TRY(keys.add(auth::JwtKey::verifying(key)));
  auth::JwtVerifyOptions options;
  options.algorithms = {auth::JwtAlgorithm::kEs384};
  options.check_audience = false;  // "aud" names the target, not us (Cloudillo: validate_aud off)
  options.leeway = leeway;
  options.required_claims = {"iss", "k", "t", "iat"};
  CAIRN_TRY(auth::jwt_decode(token, keys, options, now));
  CAIRN_ASSIGN_OR_RETURN(auto decoded, decode(token));
  CAIRN_TRY(check_rules(decoded.first, decoded.second));
  return std::move(decoded.first);
}

Result<std::string> verify_tree(std::string_view token,
                                const std::map<std::string, std::string, std::less<>>& descriptors,
                                const std::map<std::string, Bytes, std::less<>>& blobs,
                                std::optional<std::string_view> expected_action_id) {
  CAIRN_ASSIGN_OR_RETURN(ActionToken action, decode_action_token(token));
  auto mismatch = [](std::string_view id, std::string_view what) {
    return fail(ErrorCode::kDataLoss, "CONTENT_HASH_MISMATCH",
                std::string(what) + " does not hash to " + std::string(id));
  };
  // Walk down first (token -> files -> variants), then check bottom up, so the lowest broken
  // level is the one reported.
  std::vector<std::pair<const std::string*, Descriptor>> files;
  for (const std::string& file : action.attachments) {
    auto it = descriptors.find(file);
    if (it == descriptors.end()) {
      return fail(ErrorCode::kNotFound, "CONTENT_DESCRIPTOR_NOT_FOUND",
                  "no descriptor for attachment " + file);
    }
    CAIRN_ASSIGN_OR_RETURN(Descriptor d, Descriptor::parse(it->second));
    files.emplace_back(&it->second, std::move(d));
  }
  for (const auto& [text, descriptor] : files) {
    for (const Variant& v : descriptor.variants) {
      CAIRN_ASSIGN_OR_RETURN(ContentId id, parse_id(v.blob_id));
      auto blob = blobs.find(v.blob_id);
      if (blob == blobs.end()) {
        return fail(ErrorCode::kNotFound, "CONTENT_BLOB_NOT_FOUND",
                    "no bytes for blob " + v.blob_id);
      }
      if (id.prefix != kBlobPrefix || !verify_id(v.blob_id, blob->second)) {
        return mismatch(v.blob_id, "the blob's content");
      }
    }
  }
  for (std::size_t i = 0; i < files.size(); ++i) {
    const std::string& file = action.attachments[i];
    if (!verify_id(file, *files[i].first)) return mismatch(file, "the descriptor");
  }
  if (expected_action_id && action.action_id != *expected_action_id) {
    return mismatch(*expected_action_id, "the action token");
  }
  return action.action_id;
}

}  // namespace cairn::content
