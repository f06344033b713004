#include "cairn/core/error.hpp"

#include <array>

namespace cairn {
namespace {

constexpr std::array kTable{
#define CAIRN_ERROR_CODE(enumerator, wire, number, http, pyclass, pybase, retryable) \
  ErrorCodeInfo{ErrorCode::enumerator, #wire, http, pyclass, pybase, retryable},
#include "cairn/core/error_codes.inc"
};

// The table is dense and ordered, so a code's row is at its number; checked here once.
constexpr bool table_is_dense() {
  for (size_t i = 0; i < kTable.size(); ++i) {
    if (static_cast<size_t>(kTable[i].code) != i) return false;
  }
  return true;
}
static_assert(table_is_dense(), "error_codes.inc must list codes 0..N in order");

const ErrorCodeInfo* find(ErrorCode code) {
  auto index = static_cast<size_t>(code);
  return index < kTable.size() ? &kTable[index] : nullptr;
}

}  // namespace

std::span<const ErrorCodeInfo> error_code_table() noexcept { return kTable; }

std::string_view code_name(ErrorCode code) noexcept {
  const ErrorCodeInfo* info = find(code);
  return info != nullptr ? info->wire_name : std::string_view("UNKNOWN");
}

int http_status(ErrorCode code) noexcept {
  const ErrorCodeInfo* info = find(code);
  return info != nullptr ? info->http_status : 500;
}

bool retryable(ErrorCode code) noexcept {
  const ErrorCodeInfo* info = find(code);
  return info != nullptr && info->retryable;
}

std::optional<ErrorCode> code_from_name(std::string_view name) noexcept {
  for (const ErrorCodeInfo& info : kTable) {
    if (info.wire_name == name) return info.code;
  }
  return std::nullopt;
}

std::optional<ErrorCode> code_from_number(int64_t number) noexcept {
  if (number < 0 || static_cast<uint64_t>(number) >= kTable.size()) return std::nullopt;
  return kTable[static_cast<size_t>(number)].code;
}

std::string Error::to_string() const {
  std::string out(code_name(code));
  if (!reason.empty()) {
    out += ' ';
    out += reason;
  }
  if (!message.empty()) {
    out += ": ";
    out += message;
  }
  return out;
}

}  // namespace cairn
