// Cloudillo's signed action tokens: ES384 (P-384) compact JWTs that carry one federated action
// (a post, a reaction, a follow, ...), and the six-level Merkle chain from an action down to the
// bytes of its attachments.
//
// A token is `base64url({"typ":"JWT","alg":"ES384"})` "." `base64url(claims)` "."
// `base64url(r||s)`, the claims in Cloudillo's order iss, k, t, c, p, a, aud, sub, iat, exp, f, v,
// _ (absent claims left out). There is no "kid" header: the "k" claim names the issuer's key, whose
// ID is the UTC date it was made ("YYMMDD"); the signer uses its newest key (the ID that sorts
// last). The action's ID is action_id(token), the hash of the token text exactly as sent.
//
// Example:
//   auto key = *crypto::PrivateKey::generate(crypto::SignatureAlgorithm::kEs384);
//   std::string token = *content::create_action_token(
//       R"({"iss":"alice.example.com","t":"POST","c":"Hello"})", key, "261122", now);
//   auto action = content::verify_action_token(token, key.public_key(), now);
//
// Thread-safety: pure functions, safe from any thread. Ownership: results are new values.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/core/bytes.hpp"
#include "cairn/core/env.hpp"
#include "cairn/core/result.hpp"
#include "cairn/crypto/sign.hpp"

namespace cairn::content {

// The ID of a key made at `at`: its UTC date as "YYMMDD" (Cloudillo's profile key IDs).
std::string action_key_id(Timestamp at);

// One of an identity's signing keys.
struct ActionKey {
  std::string key_id;      // "YYMMDD"
  crypto::PrivateKey key;  // P-384
};

// Signs the action `claims_json` (a JSON object) with `key` under `key_id` and returns the compact
// token. "k" is set to `key_id` and "iat" to `now` when absent; the claims are written in
// Cloudillo's order. The action must be valid as verify_action_token() checks it, so no invalid
// action is ever signed. Errors: INVALID_ARGUMENT / CONTENT_ACTION_INVALID (not an object, an
// unknown claim, a claim of the wrong type, "k" differing from `key_id`, a field the type
// requires missing or one it forbids present), CONTENT_ACTION_TYPE_UNKNOWN,
// CONTENT_ID_TAG_INVALID ("iss" or "aud" not a canonical id tag), CONTENT_ACTION_KEY_INVALID
// (not a P-384 key, or a key ID that is not six digits).
Result<std::string> create_action_token(std::string_view claims_json, const crypto::PrivateKey& key,
                                        std::string_view key_id, Timestamp now);
// As above, signed with the newest of `keys` (the key ID that sorts last). Errors: as above;
// INVALID_ARGUMENT / CONTENT_ACTION_KEY_INVALID when `keys` is empty.
Result<std::string> create_action_token(std::string_view claims_json,
                                        std::span<const ActionKey> keys, Timestamp now);

// A decoded action.
struct ActionToken {
  std::string action_id;                 // "a1~..." of the token text
  std::string claims;                    // the claims JSON text, as received
  std::string issuer;                    // "iss"
  std::string key_id;                    // "k"
  std::string type;                      // "t" before ':' ("REACT")
  std::string subtype;                   // "t" after ':' ("LIKE"), or ""
  std::optional<std::string> parent;     // "p"
  std::optional<std::string> audience;   // "aud"
  std::optional<std::string> subject;    // "sub"
  std::vector<std::string> attachments;  // "a": file IDs
  Timestamp issued_at{};                 // "iat"
  std::optional<Timestamp> expires_at;   // "exp"
};

// Checks `token` the way Cloudillo's inbox does, at time `now`: the ES384 signature under `key`,
// "exp" (when present) with `leeway`, "iss", "k", "t" and "iat" present, "iss" (and "aud")
// canonical id tags, the type known (by full "t", then by its base type) and the fields it
// requires (R) or forbids (F), the others optional (-); a string content is counted in
// characters:
//
//   type     c (content)  aud  p (parent)  sub  a (attachments)
//   CONN     - (0-500)    R    F           F    F
//   FLLW     - (0-500)    R    F           F    F
//   POST     R (1-50000)  -    -           -    -
//   REACT    F            -    F           R    -
//   CMNT     R (1-10000)  -    R           -    -
//   MSG      R            -    -           -    -
//   REPOST   -            -    F           R    F
//   APRV     F            -    -           R    F
//   STAT     R            -    R           -    F
//   IDP:REG  R            R    F           F    F
//   PRES     -            -    -           R    F
//   SUBS     -            R    F           R    F
//   FSHR     R            R    F           R    F
//   CONV     R            -    F           F    -
//   INVT     -            R    F           R    F
//   PRINVT   R            R    F           F    F
//   APKG     R            F    F           F    R
//
// Errors: UNAUTHENTICATED / AUTH_TOKEN_INVALID
// (malformed or a bad signature), AUTH_JWT_ALGORITHM_REJECTED (not ES384), AUTH_TOKEN_EXPIRED,
// AUTH_TOKEN_NOT_YET_VALID ("iat" in the future beyond the leeway), AUTH_JWT_CLAIM_MISSING;
// INVALID_ARGUMENT / CONTENT_ACTION_INVALID, CONTENT_ACTION_TYPE_UNKNOWN,
// CONTENT_ID_TAG_INVALID; CONTENT_ACTION_KEY_INVALID when `key` is not a P-384 key.
Result<ActionToken> verify_action_token(std::string_view token, const crypto::PublicKey& key,
                                        Timestamp now,
                                        std::chrono::seconds leeway = std::chrono::seconds(60));

// The claims of `token` without checking the signature or the type rules (to find the issuer's
// key by "iss" and "k" before verifying, or to walk an already verified token). Errors:
// INVALID_ARGUMENT / CONTENT_ACTION_INVALID.
Result<ActionToken> decode_action_token(std::string_view token);

// Whether `id_tag` is a canonical id tag: a lower-case DNS name of letters, digits and inner
// hyphens (STD3 LDH), labels of 1-63 characters, 5-62 characters in all, no trailing dot.
// Internationalized names are not accepted yet. Errors: INVALID_ARGUMENT /
// CONTENT_ID_TAG_INVALID.
Status check_id_tag(std::string_view id_tag);

// Verifies the Merkle chain of an action, bottom up, and returns its action ID:
//   1-2. every blob of every variant hashes to its b1~ ID,
//   3-4. every descriptor hashes to the f1~ ID it is filed under,
//   5.   every attachment listed in the token has its descriptor,
//   6.   the token hashes to `expected_action_id` (when given).
// `descriptors` maps file IDs to descriptor text, `blobs` blob IDs to bytes; every variant of an
// attached file must have its bytes there. The token's signature is not checked here (that is
// verify_action_token's job). Errors: DATA_LOSS / CONTENT_HASH_MISMATCH naming the first ID
// whose content does not hash to it (blobs before descriptors before the action); NOT_FOUND /
// CONTENT_BLOB_NOT_FOUND, CONTENT_DESCRIPTOR_NOT_FOUND for missing pieces; INVALID_ARGUMENT /
// CONTENT_ACTION_INVALID, CONTENT_DESCRIPTOR_MALFORMED, CONTENT_ID_MALFORMED.
Result<std::string> verify_tree(std::string_view token,
                                const std::map<std::string, std::string, std::less<>>& descriptors,
                                const std::map<std::string, Bytes, std::less<>>& blobs,
                                std::optional<std::string_view> expected_action_id = std::nullopt);

}  // namespace cairn::content
