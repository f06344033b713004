#include "cairn/auth/jwt.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "cairn/core/encoding.hpp"
#include "cairn/crypto/mac.hpp"

namespace cairn::auth {
namespace {

using Json = nlohmann::ordered_json;

// Longest token accepted: far above any real one, small enough to bound the work on junk.
constexpr size_t kMaxTokenBytes = size_t{16} * 1024;

Unexpected<Error> token_invalid(std::string message) {
  return fail(ErrorCode::kUnauthenticated, "AUTH_TOKEN_INVALID", std::move(message));
}

Unexpected<Error> jwk_invalid(std::string message) {
  return fail(ErrorCode::kInvalidArgument, "AUTH_JWK_INVALID", std::move(message));
}

JwtAlgorithm jwt_algorithm_of(crypto::SignatureAlgorithm algorithm) {
  switch (algorithm) {
    case crypto::SignatureAlgorithm::kEs256:
      return JwtAlgorithm::kEs256;
    case crypto::SignatureAlgorithm::kEs384:
      return JwtAlgorithm::kEs384;
    case crypto::SignatureAlgorithm::kEd25519:
      return JwtAlgorithm::kEdDsa;
  }
  return JwtAlgorithm::kEdDsa;
}

// A base64url segment without padding.
Result<Bytes> decode_segment(std::string_view text) {
  if (text.find('=') != std::string_view::npos) return token_invalid("a JWT segment is padded");
  auto bytes = encoding::b64url_decode(text);
  if (!bytes) return token_invalid("a JWT segment is not base64url");
  return bytes;
}

Result<Json> parse_object(ByteView bytes, std::string_view what) {
  std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (!encoding::is_valid_utf8(text)) return token_invalid(std::string(what) + " is not UTF-8");
  Json json = Json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return token_invalid(std::string(what) + " is not a JSON object");
  }
  return json;
}

bool is_numeric_date(const Json& value) {
  return value.is_number() && std::isfinite(value.get<double>());
}

Status check_claims_object(const Json& claims) {
  for (const char* name : {"exp", "nbf", "iat"}) {
    if (claims.contains(name) && !is_numeric_date(claims[name])) {
      return fail(ErrorCode::kInvalidArgument, "AUTH_JWT_CLAIMS_INVALID",
                  std::string("the \"") + name + "\" claim must be a number (NumericDate)");
    }
  }
  return ok_status();
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

Status check_times(const Json& claims, const JwtVerifyOptions& options, Timestamp now) {
  for (const char* name : {"exp", "nbf", "iat"}) {
    if (claims.contains(name) && !is_numeric_date(claims[name])) {
      return token_invalid(std::string("the \"") + name + "\" claim is not a number");
    }
  }
  double now_s = static_cast<double>(to_unix_micros(now)) / 1e6;
  auto leeway = static_cast<double>(options.leeway.count());
  if (claims.contains("exp") && now_s >= claims["exp"].get<double>() + leeway) {
    return fail(ErrorCode::kUnauthenticated, "AUTH_TOKEN_EXPIRED", "the token has expired");
  }
  if (claims.contains("nbf") && now_s + leeway < claims["nbf"].get<double>()) {
    return fail(ErrorCode::kUnauthenticated, "AUTH_TOKEN_NOT_YET_VALID",
                "the token is not valid yet (nbf)");
  }
  if (claims.contains("iat") && now_s + leeway < claims["iat"].get<double>()) {
    return fail(ErrorCode::kUnauthenticated, "AUTH_TOKEN_NOT_YET_VALID",
                "the token was issued in the future (iat)");
  }
  return ok_status();
}

Status check_registered(const Json& claims, const JwtVerifyOptions& options) {
  for (const std::string& name : options.required_claims) {
    if (!claims.contains(name)) {
      return fail(ErrorCode::kUnauthenticated, "AUTH_JWT_CLAIM_MISSING",
                  "the token lacks the required \"" + name + "\" claim");
    }
  }
  if (!options.issuer.empty()) {
    auto iss = claims.find("iss");
    if (iss == claims.end() || !iss->is_string() || iss->get<std::string>() != options.issuer) {
      return fail(ErrorCode::kUnauthenticated, "AUTH_JWT_ISSUER_INVALID",
                  "the token's issuer is not the expected one");
    }
  }
  if (!options.check_audience) return ok_status();
  auto aud = claims.find("aud");
  if (options.audience.empty()) {
    if (aud != claims.end()) {
      return fail(ErrorCode::kUnauthenticated, "AUTH_JWT_AUDIENCE_INVALID",
                  "the token names an audience but none is expected");
    }
    return ok_status();
  }
  bool match = false;
  if (aud != claims.end() && aud->is_string()) {
    match = aud->get<std::string>() == options.audience;
  } else if (aud != claims.end() && aud->is_array()) {
    for (const Json& item : *aud) {
      if (item.is_string() && item.get<std::string>() == options.audience) match = true;
    }
  }
  if (!match) {
    return fail(ErrorCode::kUnauthenticated, "AUTH_JWT_AUDIENCE_INVALID",
                "the token is not meant for this audience");
  }
  return ok_status();
}

std::string_view curve_of(JwtAlgorithm algorithm) {
  switch (algorithm) {
    case JwtAlgorithm::kEs256:
      return "P-256";
    case JwtAlgorithm::kEs384:
      return "P-384";
    case JwtAlgorithm::kEdDsa:
      return "Ed25519";
    case JwtAlgorithm::kHs256:
      break;
  }
  return "";
}

}  // namespace

std::string_view jwt_algorithm_name(JwtAlgorithm algorithm) noexcept {
  switch (algorithm) {
    case JwtAlgorithm::kHs256:
      return "HS256";
    case JwtAlgorithm::kEs256:
      return "ES256";
    case JwtAlgorithm::kEs384:
      return "ES384";
    case JwtAlgorithm::kEdDsa:
      return "EdDSA";
  }
  return "";
}

Result<JwtAlgorithm> parse_jwt_algorithm(std::string_view name) {
  for (JwtAlgorithm a :
       {JwtAlgorithm::kHs256, JwtAlgorithm::kEs256, JwtAlgorithm::kEs384, JwtAlgorithm::kEdDsa}) {
    if (jwt_algorithm_name(a) == name) return a;
  }
  return fail(ErrorCode::kInvalidArgument, "AUTH_JWT_ALGORITHM_UNSUPPORTED",
              "JWT algorithms are HS256, ES256, ES384 and EdDSA");
}

Result<JwtKey> JwtKey::hmac(ByteView secret, std::string kid) {
  if (secret.size() < 32) {
    return fail(ErrorCode::kInvalidArgument, "AUTH_JWT_KEY_WEAK",
                "an HS256 secret must be at least 32 bytes");
  }
  JwtKey key;
  key.algorithm_ = JwtAlgorithm::kHs256;
  key.kid_ = std::move(kid);
  key.secret_ = std::make_shared<const crypto::SecretBytes>(secret);
  return key;
}

JwtKey JwtKey::signing(const crypto::PrivateKey& private_key, std::string kid) {
  JwtKey key;
  key.algorithm_ = jwt_algorithm_of(private_key.algorithm());
  key.kid_ = std::move(kid);
  key.private_ = std::make_shared<const crypto::PrivateKey>(private_key);
  key.public_ = std::make_shared<const crypto::PublicKey>(private_key.public_key());
  return key;
}

JwtKey JwtKey::verifying(const crypto::PublicKey& public_key, std::string kid) {
  JwtKey key;
  key.algorithm_ = jwt_algorithm_of(public_key.algorithm());
  key.kid_ = std::move(kid);
  key.public_ = std::make_shared<const crypto::PublicKey>(public_key);
  return key;
}

bool JwtKey::can_sign() const noexcept { return secret_ != nullptr || private_ != nullptr; }

Result<Bytes> JwtKey::sign(ByteView signing_input) const {
  if (secret_) {
    crypto::Sha256Digest mac = crypto::hmac_sha256(secret_->view(), signing_input);
    return Bytes(mac.begin(), mac.end());
  }
  if (!private_) {
    return fail(ErrorCode::kFailedPrecondition, "AUTH_JWT_KEY_CANNOT_SIGN",
                "this JWT key can only verify");
  }
  return private_->sign(signing_input);
}

bool JwtKey::verify(ByteView signing_input, ByteView signature) const {
  if (secret_) {
    crypto::Sha256Digest mac = crypto::hmac_sha256(secret_->view(), signing_input);
    return crypto::constant_time_equal(mac, signature);
  }
  return public_ && public_->verify(signing_input, signature);
}

Result<std::string> JwtKey::to_jwk() const {
  if (!public_) {
    return fail(ErrorCode::kFailedPrecondition, "AUTH_JWT_KEY_NOT_PUBLIC",
                "HMAC secrets have no public JWK");
  }
  Bytes raw = public_->to_raw();
  Json jwk;
  if (algorithm_ == JwtAlgorithm::kEdDsa) {
    jwk["kty"] = "OKP";
    jwk["crv"] = "Ed25519";
    jwk["x"] = encoding::b64url_encode(raw);
  } else {
    // raw = 0x04 || x || y
    size_t half = (raw.size() - 1) / 2;
    jwk["kty"] = "EC";
    jwk["crv"] = std::string(curve_of(algorithm_));
    jwk["x"] = encoding::b64url_encode(ByteView(raw).subspan(1, half));
    jwk["y"] = encoding::b64url_encode(ByteView(raw).subspan(1 + half, half));
  }
  jwk["use"] = "sig";
  jwk["alg"] = std::string(jwt_algorithm_name(algorithm_));
  if (!kid_.empty()) jwk["kid"] = kid_;
  return jwk.dump();
}

namespace {

Result<JwtKey> key_from_jwk(const Json& jwk) {
  if (!jwk.is_object()) return jwk_invalid("a JWK must be a JSON object");
  auto text = [&](const char* name) -> std::string {
    auto it = jwk.find(name);
    return it != jwk.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  std::string kty = text("kty");
  std::string crv = text("crv");
  std::string kid = text("kid");
  JwtAlgorithm algorithm{};
  crypto::SignatureAlgorithm sig{};
  Bytes raw;
  auto coordinate = [&](const char* name, size_t size) -> Result<Bytes> {
    std::string value = text(name);
    auto bytes = encoding::b64url_decode(value);
    if (value.empty() || value.find('=') != std::string::npos || !bytes || bytes->size() != size) {
      return jwk_invalid(std::string("the JWK's \"") + name + "\" is not a valid coordinate");
    }
    return bytes;
  };
  if (kty == "OKP" && crv == "Ed25519") {
    algorithm = JwtAlgorithm::kEdDsa;
    sig = crypto::SignatureAlgorithm::kEd25519;
    CAIRN_ASSIGN_OR_RETURN(raw, coordinate("x", 32));
  } else if (kty == "EC" && (crv == "P-256" || crv == "P-384")) {
    bool p256 = crv == "P-256";
    algorithm = p256 ? JwtAlgorithm::kEs256 : JwtAlgorithm::kEs384;
    sig = p256 ? crypto::SignatureAlgorithm::kEs256 : crypto::SignatureAlgorithm::kEs384;
    size_t size = p256 ? 32 : 48;
    CAIRN_ASSIGN_OR_RETURN(Bytes x, coordinate("x", size));
    CAIRN_ASSIGN_OR_RETURN(Bytes y, coordinate("y", size));
    raw.push_back(0x04);
    raw.insert(raw.end(), x.begin(), x.end());
    raw.insert(raw.end(), y.begin(), y.end());
  } else {
    return jwk_invalid("supported JWKs are EC P-256, EC P-384 and OKP Ed25519 public keys");
  }
  if (jwk.contains("d")) return jwk_invalid("a JWK with a private part is not accepted here");
  if (jwk.contains("use") && text("use") != "sig") {
    return jwk_invalid("the JWK is not meant for signatures (\"use\" is not \"sig\")");
  }
  if (jwk.contains("alg") && text("alg") != jwt_algorithm_name(algorithm)) {
    return jwk_invalid("the JWK's \"alg\" does not match its curve");
  }
  auto public_key = crypto::PublicKey::from_raw(sig, raw);
  if (!public_key) return jwk_invalid("the JWK's point is not on its curve");
  return JwtKey::verifying(*public_key, kid);
}

}  // namespace

Result<JwtKey> JwtKey::from_jwk(std::string_view jwk_json) {
  Json jwk = Json::parse(jwk_json, nullptr, false);
  if (jwk.is_discarded()) return jwk_invalid("a JWK must be JSON");
  return key_from_jwk(jwk);
}

Status JwtKeySet::add(JwtKey key) {
  if (!key.kid().empty() && find(key.kid()) != nullptr) {
    return fail(ErrorCode::kAlreadyExists, "AUTH_JWT_KID_DUPLICATE",
                "the key set already has a key with this kid");
  }
  keys_.push_back(std::move(key));
  return ok_status();
}

const JwtKey* JwtKeySet::find(std::string_view kid) const noexcept {
  for (const JwtKey& key : keys_) {
    if (key.kid() == kid) return &key;
  }
  return nullptr;
}

std::string JwtKeySet::to_jwks() const {
  Json keys = Json::array();
  for (const JwtKey& key : keys_) {
    auto jwk = key.to_jwk();
    if (jwk) keys.push_back(Json::parse(*jwk));
  }
  Json doc;
  doc["keys"] = std::move(keys);
  return doc.dump();
}

Result<JwtKeySet> JwtKeySet::from_jwks(std::string_view jwks_json) {
  Json doc = Json::parse(jwks_json, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("keys") || !doc["keys"].is_array()) {
    return jwk_invalid("a JWKS document is an object with a \"keys\" array");
  }
  JwtKeySet set;
  for (const Json& jwk : doc["keys"]) {
    CAIRN_ASSIGN_OR_RETURN(JwtKey key, key_from_jwk(jwk));
    CAIRN_TRY(set.add(std::move(key)));
  }
  return set;
}

Result<std::string> jwt_encode(std::string_view claims_json, const JwtKey& key,
                               std::string_view typ) {
  Json claims = Json::parse(claims_json, nullptr, false);
  if (claims.is_discarded() || !claims.is_object()) {
    return fail(ErrorCode::kInvalidArgument, "AUTH_JWT_CLAIMS_INVALID",
                "JWT claims must be a JSON object");
  }
  CAIRN_TRY(check_claims_object(claims));
  if (!key.can_sign()) {
    return fail(ErrorCode::kFailedPrecondition, "AUTH_JWT_KEY_CANNOT_SIGN",
                "this JWT key can only verify");
  }
  Json header;
  header["alg"] = std::string(jwt_algorithm_name(key.algorithm()));
  if (!typ.empty()) header["typ"] = std::string(typ);
  if (!key.kid().empty()) header["kid"] = key.kid();
  std::string token = encoding::b64url_encode(as_bytes(header.dump()));
  token += '.';
  token += encoding::b64url_encode(as_bytes(claims.dump()));
  CAIRN_ASSIGN_OR_RETURN(Bytes signature, key.sign(as_bytes(token)));
  token += '.';
  token += encoding::b64url_encode(signature);
  return token;
}

Result<Jwt> jwt_decode(std::string_view token, const JwtKeySet& keys,
                       const JwtVerifyOptions& options, Timestamp now) {
  if (options.algorithms.empty()) {
    return fail(ErrorCode::kInvalidArgument, "AUTH_JWT_OPTIONS_INVALID",
                "name the JWT algorithms to accept");
  }
  if (token.size() > kMaxTokenBytes) return token_invalid("the token is too long");
  size_t first = token.find('.');
  size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return token_invalid("a JWT has three dot-separated parts");
  }
  CAIRN_ASSIGN_OR_RETURN(Bytes header_bytes, decode_segment(token.substr(0, first)));
  CAIRN_ASSIGN_OR_RETURN(Bytes claims_bytes,
                         decode_segment(token.substr(first + 1, second - first - 1)));
  CAIRN_ASSIGN_OR_RETURN(Bytes signature, decode_segment(token.substr(second + 1)));
  CAIRN_ASSIGN_OR_RETURN(Json header, parse_object(header_bytes, "the JWT header"));

  auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string()) return token_invalid("the JWT header has no alg");
  auto algorithm = parse_jwt_algorithm(alg->get<std::string>());
  bool allowed = false;
  if (algorithm) {
    for (JwtAlgorithm a : options.algorithms) allowed = allowed || a == *algorithm;
  }
  if (!allowed) {
    return fail(ErrorCode::kUnauthenticated, "AUTH_JWT_ALGORITHM_REJECTED",
                "the token's algorithm is not accepted here");
  }
  if (header.contains("crit")) return token_invalid("the JWT header has critical extensions");
  if (!options.typ.empty()) {
    auto typ = header.find("typ");
    if (typ == header.end() || !typ->is_string() ||
        !iequals(typ->get<std::string>(), options.typ)) {
      return token_invalid("the token's typ is not the expected one");
    }
  }
  std::string kid;
  if (auto it = header.find("kid"); it != header.end()) {
    if (!it->is_string()) return token_invalid("the JWT header's kid is not a string");
    kid = it->get<std::string>();
  }

  ByteView signing_input = as_bytes(token.substr(0, second));
  bool verified = false;
  bool key_found = false;
  const JwtKey* named = kid.empty() ? nullptr : keys.find(kid);
  if (named != nullptr) {
    if (named->algorithm() != *algorithm) {
      return fail(ErrorCode::kUnauthenticated, "AUTH_JWT_ALGORITHM_REJECTED",
                  "the token's algorithm is not its key's");
    }
    key_found = true;
    verified = named->verify(signing_input, signature);
  } else {
    // No kid, or one the set does not know: only keys without a kid of their own may answer
    // (a key with a different kid is never tried).
    for (const JwtKey& key : keys.keys()) {
      if (key.algorithm() != *algorithm || (!kid.empty() && !key.kid().empty())) continue;
      key_found = true;
      if (key.verify(signing_input, signature)) {
        verified = true;
        break;
      }
    }
    if (!key_found && !kid.empty()) return token_invalid("the token's kid names no known key");
  }
  if (!key_found) {
    return fail(ErrorCode::kUnauthenticated, "AUTH_JWT_ALGORITHM_REJECTED",
                "no key for the token's algorithm");
  }
  if (!verified) return token_invalid("the token's signature does not verify");

  CAIRN_ASSIGN_OR_RETURN(Json claims, parse_object(claims_bytes, "the JWT claims"));
  CAIRN_TRY(check_times(claims, options, now));
  CAIRN_TRY(check_registered(claims, options));
  Jwt jwt;
  jwt.algorithm = *algorithm;
  jwt.kid = std::move(kid);
  jwt.header = header.dump();
  jwt.claims = claims.dump();
  return jwt;
}

}  // namespace cairn::auth
