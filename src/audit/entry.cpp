#include "cairn/audit/entry.hpp"

#include <arpa/inet.h>

#include <nlohmann/json.hpp>

#include "cairn/core/encoding.hpp"
#include "cairn/core/json_text.hpp"
#include "cairn/crypto/mac.hpp"

namespace cairn::audit {
namespace {

Unexpected<Error> invalid(const std::string& what) {
  return fail(ErrorCode::kInvalidArgument, "AUDIT_ENTRY_INVALID", what);
}

bool is_token(std::string_view s, size_t min, size_t max) {
  if (s.size() < min || s.size() > max) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-')) {
      return false;
    }
  }
  return true;
}

bool is_text(std::string_view s, size_t min, size_t max) {
  if (s.size() < min || s.size() > max) return false;
  bool ascii = true;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return false;  // no control characters (newlines in log lines)
    ascii = ascii && c < 0x80;
  }
  return ascii || encoding::is_valid_utf8(s);  // ASCII is UTF-8: most text needs no second pass
}

bool is_ip(const std::string& s) {
  unsigned char buffer[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, s.c_str(), buffer) == 1 || inet_pton(AF_INET6, s.c_str(), buffer) == 1;
}

void put_u64(Bytes& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

void put_field(Bytes& out, std::string_view s) {
  auto n = static_cast<uint32_t>(s.size());
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(n >> shift));
  out.insert(out.end(), s.begin(), s.end());
}

Result<std::string> canonical_details(const EntryInput& input, ByteView redaction_key) {
  if (input.details.empty()) {
    if (!input.sensitive.empty()) return invalid("sensitive keys given without details");
    return std::string();
  }
  if (input.details.size() > size_t{64} * 1024) return invalid("details exceed 64 KiB");
  if (std::optional<std::string> why = json_text_refusal(input.details)) {
    return invalid("details are not acceptable JSON: " + *why);
  }
  nlohmann::json details = nlohmann::json::parse(input.details, nullptr, false);
  if (details.is_discarded() || !details.is_object()) {
    return invalid("details must be a JSON object");
  }
  for (const std::string& key : input.sensitive) {
    auto it = details.find(key);
    if (it == details.end()) continue;
    std::string value = it->dump();
    crypto::Sha256Digest mac = crypto::hmac_sha256(redaction_key, as_bytes(value));
    *it = "hmac-sha256:" + encoding::b64url_encode(mac);
  }
  try {
    std::string text = details.dump();
    if (text.size() > size_t{64} * 1024) return invalid("details exceed 64 KiB");
    return text;
  } catch (const nlohmann::json::exception&) {
    return invalid("details contain a string that is not UTF-8");
  }
}

}  // namespace

Result<Entry> normalize(const EntryInput& input, ByteView redaction_key) {
  if (!is_token(input.actor_type, 1, 32)) return invalid("actor_type must be 1-32 of [a-z0-9_.-]");
  if (!is_text(input.actor_id, 1, 256)) return invalid("actor must be 1-256 bytes of text");
  if (!is_text(input.action, 1, 256)) return invalid("action must be 1-256 bytes of text");
  if (!is_token(input.resource_type, 0, 32)) {
    return invalid("resource_type must be at most 32 of [a-z0-9_.-]");
  }
  if (!is_text(input.resource_id, 0, 256))
    return invalid("resource must be at most 256 bytes of text");
  if (!is_token(input.outcome, 1, 32)) return invalid("outcome must be 1-32 of [a-z0-9_.-]");
  if (!input.ip.empty() && !is_ip(input.ip)) return invalid("ip is not an IPv4 or IPv6 address");
  if (!is_text(input.user_agent, 0, 512))
    return invalid("user_agent must be at most 512 bytes of text");
  if (!is_text(input.request_id, 0, 128))
    return invalid("request_id must be at most 128 bytes of text");
  for (unsigned char c : input.request_id) {
    if (c > 0x7e) return invalid("request_id must be printable ASCII");
  }
  Entry entry;
  entry.actor_type = input.actor_type;
  entry.actor_id = input.actor_id;
  entry.action = input.action;
  entry.resource_type = input.resource_type;
  entry.resource_id = input.resource_id;
  entry.outcome = input.outcome;
  CAIRN_ASSIGN_OR_RETURN(entry.details, canonical_details(input, redaction_key));
  entry.ip = input.ip;
  entry.user_agent = input.user_agent;
  entry.request_id = input.request_id;
  return entry;
}

Bytes encode(const Entry& entry) {
  Bytes out;
  out.reserve(64 + entry.actor_id.size() + entry.action.size() + entry.resource_id.size() +
              entry.details.size() + entry.user_agent.size());
  out.push_back(0x01);
  put_u64(out, entry.seq);
  put_u64(out, static_cast<uint64_t>(to_unix_micros(entry.time)));
  for (const std::string* field :
       {&entry.actor_type, &entry.actor_id, &entry.action, &entry.resource_type, &entry.resource_id,
        &entry.outcome, &entry.details, &entry.ip, &entry.user_agent, &entry.request_id}) {
    put_field(out, *field);
  }
  return out;
}

Hash chain_link(const Hash& previous, const Hash& leaf) noexcept {
  uint8_t buffer[64];
  std::copy(previous.begin(), previous.end(), buffer);
  std::copy(leaf.begin(), leaf.end(), buffer + 32);
  return crypto::sha256(buffer);
}

}  // namespace cairn::audit
