#include "cairn/auth/token.hpp"

#include <array>

namespace cairn::auth {
namespace {

constexpr std::array<uint32_t, 256> make_crc_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1U) != 0 ? 0xEDB88320U ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  return table;
}

constexpr std::array<uint32_t, 256> kCrcTable = make_crc_table();

bool is_base62(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

bool prefix_ok(std::string_view prefix) noexcept {
  if (prefix.empty() || prefix.size() > 32 || prefix[0] < 'a' || prefix[0] > 'z') return false;
  for (char c : prefix) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return prefix.back() != '_';
}

}  // namespace

std::string random_base62(Env& env, size_t length) {
  std::string out;
  out.reserve(length);
  std::array<uint8_t, 64> pool{};
  while (out.size() < length) {
    env.random_bytes(pool);
    for (uint8_t byte : pool) {
      // 248 = 4 * 62: bytes at or above it would favour the first characters.
      if (byte >= 248) continue;
      out.push_back(kBase62Alphabet[byte % 62]);
      if (out.size() == length) break;
    }
  }
  return out;
}

uint32_t crc32(ByteView data) noexcept {
  uint32_t c = 0xFFFFFFFFU;
  for (uint8_t byte : data) c = kCrcTable[(c ^ byte) & 0xFFU] ^ (c >> 8);
  return c ^ 0xFFFFFFFFU;
}

std::string base62_encode(uint64_t value, size_t width) {
  std::string out;
  while (value > 0) {
    out.insert(out.begin(), kBase62Alphabet[value % 62]);
    value /= 62;
  }
  if (out.size() < width) out.insert(0, width - out.size(), '0');
  return out;
}

Result<std::string> normalize_key_prefix(std::string_view prefix) {
  if (!prefix.empty() && prefix.back() == '_') prefix.remove_suffix(1);
  if (!prefix_ok(prefix)) {
    return fail(ErrorCode::kInvalidArgument, "AUTH_KEY_PREFIX_INVALID",
                "a key prefix is 1 to 32 characters of a-z, 0-9 and '_', starting with a letter");
  }
  return std::string(prefix);
}

Result<std::string> generate_api_key(std::string_view prefix, Env& env) {
  CAIRN_ASSIGN_OR_RETURN(std::string key, normalize_key_prefix(prefix));
  std::string random = random_base62(env, kApiKeyRandomChars);
  key += '_';
  key += random;
  key += base62_encode(crc32(as_bytes(random)), kApiKeyChecksumChars);
  return key;
}

std::string_view api_key_prefix(std::string_view key) noexcept {
  size_t underscore = key.rfind('_');
  return underscore == std::string_view::npos ? std::string_view() : key.substr(0, underscore);
}

bool api_key_checksum_ok(std::string_view key) noexcept {
  size_t underscore = key.rfind('_');
  if (underscore == std::string_view::npos || !prefix_ok(key.substr(0, underscore))) return false;
  std::string_view body = key.substr(underscore + 1);
  if (body.size() != kApiKeyRandomChars + kApiKeyChecksumChars) return false;
  for (char c : body) {
    if (!is_base62(c)) return false;
  }
  std::string_view random = body.substr(0, kApiKeyRandomChars);
  std::string_view checksum = body.substr(kApiKeyRandomChars);
  uint64_t value = 0;
  for (char c : checksum) value = value * 62 + kBase62Alphabet.find(c);
  return value == crc32(as_bytes(random));
}

}  // namespace cairn::auth
