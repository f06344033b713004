// Audit log entries and their canonical byte encoding.
//
// An entry records who (actor type and id) did what (action) to which thing (resource type and
// id), how it ended (outcome), with structured details (a JSON object) and the request's ip,
// user agent and request id. Every field is covered by the leaf hash, so none can be changed
// unnoticed.
//
// Canonical encoding, version 1 (docs/audit.md):
//   u8 0x01 || u64 seq || i64 time (microseconds since the Unix epoch)
//   || for each of actor_type, actor_id, action, resource_type, resource_id, outcome, details,
//      ip, user_agent, request_id: u32 length || UTF-8 bytes
// with integers big-endian, empty strings meaning "absent", and details in canonical JSON
// (keys sorted, no insignificant whitespace). leaf hash = SHA-256(0x00 || encoding).
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/audit/merkle.hpp"
#include "cairn/core/env.hpp"
#include "cairn/core/result.hpp"

namespace cairn::audit {

// What a caller records. Empty optional fields are absent.
struct EntryInput {
  std::string actor_type = "user";     // [a-z0-9_.-]{1,32}: "user", "service", "system", ...
  std::string actor_id;                // required, up to 256 bytes
  std::string action;                  // required, up to 256 bytes: "secret.read", "login", ...
  std::string resource_type;           // optional [a-z0-9_.-]{0,32}
  std::string resource_id;             // optional, up to 256 bytes
  std::string outcome = "ok";          // [a-z0-9_.-]{1,32}: "ok", "denied", "error", ...
  std::string details;                 // optional JSON object text, up to 64 KiB
  std::vector<std::string> sensitive;  // top-level keys of details to store only as HMACs
  std::string ip;                      // optional IPv4 or IPv6 address
  std::string user_agent;              // optional, up to 512 bytes
  std::string request_id;              // optional, up to 128 printable ASCII characters
};

// An entry as the log holds it: validated, canonical, numbered and timed. Times never decrease
// along the sequence (an append uses the later of the clock and the previous entry's time), so a
// clock stepping back cannot make the log look reordered.
struct Entry {
  uint64_t seq = 0;
  Timestamp time{};
  std::string actor_type;
  std::string actor_id;
  std::string action;
  std::string resource_type;
  std::string resource_id;
  std::string outcome;
  std::string details;  // canonical JSON, sensitive values already replaced
  std::string ip;
  std::string user_agent;
  std::string request_id;

  bool operator==(const Entry&) const = default;
};

// An entry with the two hashes stored beside it.
struct StoredEntry {
  Entry entry;
  Hash leaf{};  // leaf_hash(encode(entry))
  Hash link{};  // SHA-256(previous link || leaf); the first entry's previous link is kGenesisLink
};

// The chain's starting value: 32 zero bytes.
inline constexpr Hash kGenesisLink{};

// Checks `input` and returns it as an Entry (without seq and time) with canonical details.
// Sensitive detail values are replaced by "hmac-sha256:" + base64url(HMAC-SHA256(redaction_key,
// canonical JSON of the value)). Errors: INVALID_ARGUMENT / AUDIT_ENTRY_INVALID naming the field.
Result<Entry> normalize(const EntryInput& input, ByteView redaction_key);

// The canonical encoding of `entry` (see above).
Bytes encode(const Entry& entry);

// The next chain link: SHA-256(previous || leaf).
Hash chain_link(const Hash& previous, const Hash& leaf) noexcept;

}  // namespace cairn::audit
