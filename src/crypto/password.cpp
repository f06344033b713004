#include "cairn/crypto/password.hpp"

#include <argon2.h>

#include <array>
#include <charconv>

#include "cairn/core/encoding.hpp"
#include "cairn/crypto/random.hpp"
#include "cairn/crypto/secure.hpp"

namespace cairn::crypto {
namespace {

constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;
constexpr uint32_t kMaxMemoryKib = 4U * 1024 * 1024;
constexpr uint32_t kMaxIterations = 1024;
constexpr uint32_t kMaxParallelism = 64;

struct ParsedHash {
  PasswordParams params;
  Bytes salt;
  Bytes hash;
};

Unexpected<Error> invalid_hash(std::string message) {
  return fail(ErrorCode::kInvalidArgument, "CRYPTO_PASSWORD_HASH_INVALID", std::move(message));
}

Status check_limits(const PasswordParams& p) {
  if (p.parallelism < 1 || p.parallelism > kMaxParallelism || p.iterations < 1 ||
      p.iterations > kMaxIterations || p.memory_kib > kMaxMemoryKib ||
      p.memory_kib < 8 * p.parallelism) {
    return fail(ErrorCode::kInvalidArgument, "CRYPTO_PASSWORD_PARAMS_INVALID",
                "Argon2id parameters must have 1 <= p <= 64, 1 <= t <= 1024 and 8p <= m <= 4 GiB");
  }
  return ok_status();
}

Status check_password(std::string_view password) {
  if (password.size() > kMaxPasswordBytes) {
    return fail(ErrorCode::kInvalidArgument, "CRYPTO_PASSWORD_TOO_LONG",
                "passwords are limited to 4096 bytes");
  }
  return ok_status();
}

// Unpadded standard base64, as the PHC format writes it.
std::string b64_nopad(ByteView bytes) {
  std::string text = encoding::b64_encode(bytes);
  while (!text.empty() && text.back() == '=') text.pop_back();
  return text;
}

Result<Bytes> b64_nopad_decode(std::string_view text) {
  if (text.find('=') != std::string_view::npos) return invalid_hash("PHC base64 has no padding");
  std::string padded(text);
  while (padded.size() % 4 != 0) padded.push_back('=');
  return encoding::b64_decode(padded);
}

// Reads "name=<decimal u32>" from the front of `text`.
bool read_param(std::string_view& text, char name, uint32_t& out) {
  if (text.size() < 3 || text[0] != name || text[1] != '=') return false;
  const char* begin = text.data() + 2;
  const char* end = text.data() + text.size();
  auto [stop, ec] = std::from_chars(begin, end, out);
  if (ec != std::errc() || stop == begin || (*begin == '0' && stop - begin > 1)) return false;
  text.remove_prefix(static_cast<size_t>(stop - text.data()));
  return true;
}

Result<ParsedHash> parse(std::string_view phc) {
  // $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>
  if (phc.starts_with("$argon2i$") || phc.starts_with("$argon2d$")) {
    return fail(ErrorCode::kInvalidArgument, "CRYPTO_PASSWORD_HASH_UNSUPPORTED",
                "only argon2id password hashes are accepted");
  }
  std::string_view rest = phc;
  if (!rest.starts_with("$argon2id$")) return invalid_hash("not an argon2id PHC string");
  rest.remove_prefix(10);
  uint32_t version = 0;
  if (!read_param(rest, 'v', version) || !rest.starts_with("$")) {
    return invalid_hash("the PHC string has no version field");
  }
  if (version != ARGON2_VERSION_13) {
    return fail(ErrorCode::kInvalidArgument, "CRYPTO_PASSWORD_HASH_UNSUPPORTED",
                "only Argon2 version 19 (0x13) is accepted");
  }
  rest.remove_prefix(1);
  ParsedHash parsed;
  if (!read_param(rest, 'm', parsed.params.memory_kib) || !rest.starts_with(",")) {
    return invalid_hash("the PHC string's parameters are malformed");
  }
  rest.remove_prefix(1);
  if (!read_param(rest, 't', parsed.params.iterations) || !rest.starts_with(",")) {
    return invalid_hash("the PHC string's parameters are malformed");
  }
  rest.remove_prefix(1);
  if (!read_param(rest, 'p', parsed.params.parallelism) || !rest.starts_with("$")) {
    return invalid_hash("the PHC string's parameters are malformed");
  }
  rest.remove_prefix(1);
  if (!check_limits(parsed.params)) return invalid_hash("the PHC string's parameters are invalid");
  size_t dollar = rest.find('$');
  if (dollar == std::string_view::npos) return invalid_hash("the PHC string has no hash");
  auto salt = b64_nopad_decode(rest.substr(0, dollar));
  auto hash = b64_nopad_decode(rest.substr(dollar + 1));
  if (!salt || !hash) return invalid_hash("the PHC string's salt or hash is not base64");
  if (salt->size() < 8 || salt->size() > 64 || hash->size() < 16 || hash->size() > 64) {
    return invalid_hash("the PHC string's salt or hash has an unsupported length");
  }
  parsed.salt = std::move(*salt);
  parsed.hash = std::move(*hash);
  return parsed;
}

Status compute(std::string_view password, const PasswordParams& p, ByteView salt,
               std::span<uint8_t> out) {
  int rc = argon2id_hash_raw(p.iterations, p.memory_kib, p.parallelism, password.data(),
                             password.size(), salt.data(), salt.size(), out.data(), out.size());
  if (rc != ARGON2_OK) {
    return fail(ErrorCode::kResourceExhausted, "CRYPTO_PASSWORD_HASH_FAILED",
                std::string("Argon2id failed: ") + argon2_error_message(rc));
  }
  return ok_status();
}

}  // namespace

Status check_password_params(const PasswordParams& params) {
  CAIRN_TRY(check_limits(params));
  // OWASP Password Storage Cheat Sheet, Argon2id rows (all p=1).
  static constexpr std::array<std::pair<uint32_t, uint32_t>, 5> kOwaspRows{
      {{47104, 1}, {19456, 2}, {12288, 3}, {9216, 4}, {7168, 5}}};
  for (auto [memory, iterations] : kOwaspRows) {
    if (params.memory_kib >= memory && params.iterations >= iterations) return ok_status();
  }
  return fail(ErrorCode::kInvalidArgument, "CRYPTO_PASSWORD_PARAMS_WEAK",
              "Argon2id parameters must be at least OWASP's minimum (m=19456 KiB, t=2, or an "
              "equivalent row)");
}

Result<std::string> hash_password(std::string_view password, const PasswordParams& params) {
  std::array<uint8_t, kSaltBytes> salt{};
  random_bytes(salt);
  return hash_password(password, params, salt);
}

Result<std::string> hash_password(std::string_view password, const PasswordParams& params,
                                  ByteView salt) {
  CAIRN_TRY(check_password_params(params));
  CAIRN_TRY(check_password(password));
  if (salt.size() < 8 || salt.size() > 64) {
    return fail(ErrorCode::kInvalidArgument, "CRYPTO_PASSWORD_PARAMS_INVALID",
                "an Argon2id salt must be 8 to 64 bytes");
  }
  std::array<uint8_t, kHashBytes> hash{};
  CAIRN_TRY(compute(password, params, salt, hash));
  std::string out = "$argon2id$v=19$m=" + std::to_string(params.memory_kib) +
                    ",t=" + std::to_string(params.iterations) +
                    ",p=" + std::to_string(params.parallelism) + "$";
  out += b64_nopad(salt);
  out += '$';
  out += b64_nopad(hash);
  return out;
}

Result<bool> verify_password(std::string_view phc, std::string_view password) {
  CAIRN_ASSIGN_OR_RETURN(ParsedHash parsed, parse(phc));
  CAIRN_TRY(check_password(password));
  Bytes computed(parsed.hash.size());
  CAIRN_TRY(compute(password, parsed.params, parsed.salt, computed));
  bool match = constant_time_equal(computed, parsed.hash);
  secure_wipe(computed);
  return match;
}

Result<PasswordParams> password_hash_params(std::string_view phc) {
  CAIRN_ASSIGN_OR_RETURN(ParsedHash parsed, parse(phc));
  return parsed.params;
}

bool needs_rehash(std::string_view phc, const PasswordParams& wanted) {
  auto params = password_hash_params(phc);
  if (!params) return true;
  return params->memory_kib < wanted.memory_kib || params->iterations < wanted.iterations ||
         params->parallelism < wanted.parallelism;
}

}  // namespace cairn::crypto
