#include "board/internal/validate.hpp"

#include <algorithm>
#include <string>

#include "cairn/core/encoding.hpp"

namespace cairn::board::internal {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// The number of code points of valid UTF-8 `text`.
std::size_t characters(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

// UTF-8 of `min`..`max` characters, else INVALID_ARGUMENT / `reason`.
Status check_text(std::string_view text, std::size_t min, std::size_t max, const char* reason,
                  const char* what) {
  if (!encoding::is_valid_utf8(text)) {
    return fail(ErrorCode::kInvalidArgument, reason, std::string(what) + " is not valid UTF-8");
  }
  std::size_t n = characters(text);
  if (n < min || n > max) {
    return fail(ErrorCode::kInvalidArgument, reason,
                std::string(what) + " must be " + std::to_string(min) + " to " +
                    std::to_string(max) + " characters");
  }
  return ok_status();
}

bool slug_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

}  // namespace

std::string_view trim(std::string_view text) noexcept {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

Status check_slug(std::string_view slug) {
  if (slug.empty() || slug.size() > 64 || !std::all_of(slug.begin(), slug.end(), slug_char)) {
    return fail(ErrorCode::kInvalidArgument, "BOARD_SLUG_INVALID",
                "a project slug is 1-64 characters of a-z, 0-9 and '-'");
  }
  return ok_status();
}

Status check_project_name(std::string_view name) {
  return check_text(trim(name), 1, 100, "BOARD_PROJECT_NAME_INVALID", "a project name");
}

Status check_title(std::string_view trimmed_title) {
  return check_text(trimmed_title, 1, 200, "BOARD_TITLE_INVALID", "a title");
}

Status check_description(std::string_view description) {
  return check_text(description, 0, 50000, "BOARD_DESCRIPTION_INVALID", "a description");
}

Status check_comment(std::string_view trimmed_content) {
  return check_text(trimmed_content, 1, 10000, "BOARD_COMMENT_INVALID", "a comment");
}

Status check_note(std::string_view note) {
  return check_text(note, 0, 2000, "BOARD_NOTE_INVALID", "a status note");
}

Status check_user(std::string_view user) {
  bool ok = !user.empty() && user.size() <= 254 && encoding::is_valid_utf8(user) &&
            std::none_of(user.begin(), user.end(), [](char c) {
              auto u = static_cast<unsigned char>(c);
              return u < 0x20 || u == 0x7f;
            });
  if (!ok) {
    return fail(ErrorCode::kInvalidArgument, "BOARD_USER_INVALID",
                "a user is 1-254 bytes of UTF-8 without control characters");
  }
  return ok_status();
}

Status check_limit(int limit) {
  if (limit < 1 || limit > 100) {
    return fail(ErrorCode::kInvalidArgument, "BOARD_LIMIT_INVALID", "a limit is 1 to 100");
  }
  return ok_status();
}

Status check_tag(std::string_view tag) {
  if (tag.empty() || tag.size() > 32 || !std::all_of(tag.begin(), tag.end(), slug_char)) {
    return fail(ErrorCode::kInvalidArgument, "BOARD_TAG_INVALID",
                "a tag is 1-32 characters of a-z, 0-9 and '-'");
  }
  return ok_status();
}

Result<std::vector<std::string>> normalize_tags(std::span<const std::string> tags) {
  std::vector<std::string> out;
  for (const std::string& tag : tags) {
    CAIRN_TRY(check_tag(tag));
    out.push_back(tag);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  if (out.size() > 10) {
    return fail(ErrorCode::kInvalidArgument, "BOARD_TAG_INVALID", "a post has at most 10 tags");
  }
  return out;
}

std::vector<std::string> search_terms(std::string_view query) {
  std::vector<std::string> terms;
  std::string current;
  auto flush = [&] {
    if (!current.empty() && terms.size() < 16) terms.push_back(current);
    current.clear();
  };
  for (char c : query) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')) {
      current += c;
    } else if (c >= 'A' && c <= 'Z') {
      current += static_cast<char>(c - 'A' + 'a');
    } else {
      flush();
    }
  }
  flush();
  return terms;
}

}  // namespace cairn::board::internal
