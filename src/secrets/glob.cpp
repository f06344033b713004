#include "cairn/secrets/glob.hpp"

#include <string>
#include <vector>

#include "cairn/secrets/limits.hpp"

namespace cairn::secrets {
namespace {

bool allowed_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-' || c == '*' || c == '?' || c == '{' || c == '}' || c == ',';
}

// '*' and '?' matching without alternations: the greedy two-pointer algorithm, which backtracks
// only to the last '*' and so runs in O(pattern * name) at worst.
bool wildcard_match(std::string_view pattern, std::string_view name) {
  size_t p = 0;
  size_t n = 0;
  size_t star = std::string_view::npos;
  size_t star_n = 0;
  while (n < name.size()) {
    // '*' is tested first: it is a wildcard even where the name has a literal '*' (a name may
    // hold any character), and taking it as a plain character would lose the backtrack point.
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_n = n;
    } else if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
      ++p;
      ++n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++star_n;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

// Every brace-free pattern the alternations of `pattern` stand for.
void expand(std::string_view pattern, const std::string& prefix, std::vector<std::string>& out) {
  size_t open = pattern.find('{');
  if (open == std::string_view::npos) {
    out.push_back(prefix + std::string(pattern));
    return;
  }
  size_t close = pattern.find('}', open);
  std::string head = prefix + std::string(pattern.substr(0, open));
  size_t start = open + 1;
  while (start <= close) {
    size_t comma = pattern.find(',', start);
    if (comma == std::string_view::npos || comma > close) comma = close;
    expand(pattern.substr(close + 1), head + std::string(pattern.substr(start, comma - start)),
           out);
    start = comma + 1;
  }
}

}  // namespace

Status check_pattern(std::string_view pattern) {
  auto invalid = [](const std::string& why) {
    return fail(ErrorCode::kInvalidArgument, "ACL_PATTERN_INVALID", "invalid pattern: " + why);
  };
  if (pattern.empty() || pattern.size() > kMaxPatternBytes)
    return invalid("it must be 1 to 128 characters");
  bool in_group = false;
  size_t groups = 0;
  size_t alternative_length = 0;
  for (char c : pattern) {
    if (!allowed_char(c)) {
      return invalid("only letters, digits, '_', '.', '-', '*', '?', '{', ',' and '}' are allowed");
    }
    if (c == '{') {
      if (in_group) return invalid("alternations cannot be nested");
      in_group = true;
      ++groups;
      alternative_length = 0;
    } else if (c == '}') {
      if (!in_group) return invalid("'}' without '{'");
      if (alternative_length == 0) return invalid("an alternative is empty");
      in_group = false;
    } else if (c == ',') {
      if (!in_group) return invalid("',' outside an alternation");
      if (alternative_length == 0) return invalid("an alternative is empty");
      alternative_length = 0;
    } else {
      ++alternative_length;
    }
  }
  if (in_group) return invalid("'{' without '}'");
  if (groups > kMaxPatternGroups) return invalid("at most 8 alternation groups");
  // Count the combinations before ever expanding them.
  size_t combinations = 1;
  size_t alternatives = 0;
  for (char c : pattern) {
    if (c == '{') alternatives = 1;
    if (c == ',') ++alternatives;
    if (c == '}') combinations *= alternatives;
    if (combinations > kMaxPatternCombinations)
      return invalid("at most 1024 combinations of alternatives");
  }
  return ok_status();
}

bool glob_match(std::string_view pattern, std::string_view name) noexcept {
  if (!check_pattern(pattern)) return false;
  if (pattern.find('{') == std::string_view::npos) return wildcard_match(pattern, name);
  try {
    std::vector<std::string> expansions;
    expand(pattern, "", expansions);
    for (const std::string& candidate : expansions) {
      if (wildcard_match(candidate, name)) return true;
    }
    return false;
  } catch (...) {
    return false;  // allocation failure while splicing alternatives
  }
}

}  // namespace cairn::secrets
