#include "cairn/core/json_text.hpp"

namespace cairn {

bool json_nested_deeper_than(std::string_view text, std::size_t limit) noexcept {
  std::size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

std::optional<std::string> json_text_refusal(std::string_view text, std::size_t max_depth) {
  if (text.find('\0') != std::string_view::npos) return std::string("it contains a NUL byte");
  if (json_nested_deeper_than(text, max_depth)) {
    return "it nests deeper than " + std::to_string(max_depth) + " levels";
  }
  return std::nullopt;
}

}  // namespace cairn
