// libFuzzer target for the ACL glob patterns (cairn/secrets/glob.hpp): check_pattern and
// glob_match on arbitrary patterns and names. Properties checked:
//   - check_pattern is deterministic and fails only with ACL_PATTERN_INVALID; an invalid pattern
//     matches nothing (not the name, not the empty name, not itself);
//   - for a valid pattern, glob_match agrees with an independent matcher written here (a set of
//     states over the pattern text, never expanding the alternations), twice;
//   - a name built from the pattern (each '*' replaced by input bytes, each '?' by one byte, each
//     group by the alternative the input picks) always matches;
//   - a pattern without '*', '?' or '{' matches exactly itself.
// The matcher promises O(pattern * name) per brace-free pattern, so the input is capped at 256
// bytes (pattern and name together) and there is no blow-up to wait for.
//
// The first input byte is the pattern's length (mod the rest's size plus one); the pattern
// follows, then the name; the name's bytes also feed the built name. Seeds: corpus/acl_glob/
// (the examples of glob.hpp and tests/secrets/glob_test.cpp); tokens: acl_glob.dict. See
// tests/fuzz/CMakeLists.txt for how it is built and run.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/secrets/glob.hpp"

namespace {

namespace secrets = cairn::secrets;

constexpr std::size_t kMaxInput = 256;

// A matcher over the pattern text: a state is a position in the pattern; '{' leads to the start
// of each alternative, the end of an alternative (',' or '}') leads past its group's '}'.
class Reference {
 public:
  explicit Reference(std::string_view pattern) : pattern_(pattern), after_group_(pattern.size()) {
    std::size_t open = std::string_view::npos;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
      if (pattern[i] == '{') open = i;
      if (pattern[i] == '}') {
        for (std::size_t j = open; j <= i; ++j) after_group_[j] = i + 1;
      }
    }
  }

  bool match(std::string_view name) const {
    std::vector<bool> states(pattern_.size() + 1, false);
    close(0, states);
    for (char c : name) {
      std::vector<bool> next(pattern_.size() + 1, false);
      for (std::size_t p = 0; p < pattern_.size(); ++p) {
        if (!states[p]) continue;
        char q = pattern_[p];
        if (q == '{' || q == ',' || q == '}') continue;  // structure: reads nothing
        if (q == '*') {
          close(p, next);
        } else if (q == '?' || q == c) {
          close(p + 1, next);
        }
      }
      states = std::move(next);
    }
    return states[pattern_.size()];
  }

 private:
  // Adds `p` and every state reachable from it without reading a character.
  void close(std::size_t p, std::vector<bool>& states) const {
    if (states[p]) return;
    states[p] = true;
    if (p == pattern_.size()) return;
    char q = pattern_[p];
    if (q == '{') {
      close(p + 1, states);
      for (std::size_t i = p + 1; i < after_group_[p]; ++i) {
        if (pattern_[i] == ',') close(i + 1, states);
      }
    } else if (q == ',' || q == '}') {
      close(after_group_[p], states);
    } else if (q == '*') {
      close(p + 1, states);
    }
  }

  std::string_view pattern_;
  std::vector<std::size_t> after_group_;  // for positions inside a group: just past its '}'
};

// A name the pattern must match: '*' takes up to three bytes of `fill`, '?' one, and each group
// the alternative the next byte of `fill` picks.
std::string build_name(std::string_view pattern, std::string_view fill) {
  std::size_t used = 0;
  auto next = [&]() -> uint8_t {
    return fill.empty() ? uint8_t{'x'} : static_cast<uint8_t>(fill[used++ % fill.size()]);
  };
  std::string name;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    char q = pattern[i];
    if (q == '*') {
      std::size_t count = next() % 4;
      for (std::size_t k = 0; k < count; ++k) name += static_cast<char>(next());
    } else if (q == '?') {
      name += static_cast<char>(next());
    } else if (q == '{') {
      std::size_t close = pattern.find('}', i);
      std::vector<std::string_view> alternatives;
      std::size_t start = i + 1;
      while (start <= close) {
        std::size_t comma = pattern.find(',', start);
        if (comma == std::string_view::npos || comma > close) comma = close;
        alternatives.push_back(pattern.substr(start, comma - start));
        start = comma + 1;
      }
      std::string_view chosen = alternatives[next() % alternatives.size()];
      name += build_name(chosen, fill.substr(used % (fill.size() + 1)));
      i = close;
    } else {
      name += q;
    }
  }
  return name;
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the entry point libFuzzer names.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, std::size_t size) {
  if (size == 0) return 0;
  if (size > kMaxInput) size = kMaxInput;
  std::string_view rest(reinterpret_cast<const char*>(bytes + 1), size - 1);
  std::size_t split = bytes[0] % (rest.size() + 1);
  std::string_view pattern = rest.substr(0, split);
  std::string_view name = rest.substr(split);

  cairn::Status valid = secrets::check_pattern(pattern);
  cairn::Status again = secrets::check_pattern(pattern);
  if (valid.has_value() != again.has_value()) std::abort();
  if (!valid) {
    if (valid.error().reason != "ACL_PATTERN_INVALID") std::abort();
    if (secrets::glob_match(pattern, name) || secrets::glob_match(pattern, "") ||
        secrets::glob_match(pattern, pattern)) {
      std::abort();
    }
    return 0;
  }

  Reference reference(pattern);
  bool matched = secrets::glob_match(pattern, name);
  if (matched != reference.match(name)) std::abort();
  if (secrets::glob_match(pattern, name) != matched) std::abort();

  std::string built = build_name(pattern, name);
  if (!reference.match(built)) std::abort();  // the reference itself must agree
  if (!secrets::glob_match(pattern, built)) std::abort();

  if (pattern.find_first_of("*?{") == std::string_view::npos && matched != (name == pattern)) {
    std::abort();
  }
  return 0;
}
