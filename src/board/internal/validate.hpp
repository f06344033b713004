// Input checks and text helpers shared by the board service's files.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/core/result.hpp"

namespace cairn::board::internal {

// `text` without leading and trailing ASCII white space.
std::string_view trim(std::string_view text) noexcept;

// Each check returns INVALID_ARGUMENT with the reason named in service.hpp.
Status check_slug(std::string_view slug);
Status check_project_name(std::string_view name);
Status check_title(std::string_view trimmed_title);
Status check_description(std::string_view description);
Status check_comment(std::string_view trimmed_content);
Status check_note(std::string_view note);
Status check_user(std::string_view user);
Status check_limit(int limit);
Status check_tag(std::string_view tag);
// The tags checked, sorted and without repeats.
Result<std::vector<std::string>> normalize_tags(std::span<const std::string> tags);

// The search terms of a query: runs of ASCII letters and digits and of non-ASCII bytes, with
// ASCII letters lower-cased; at most 16 (the rest are ignored).
std::vector<std::string> search_terms(std::string_view query);

}  // namespace cairn::board::internal
