// libFuzzer target for access policy documents (cairn/access/policy.hpp): Policy::from_json on
// arbitrary text. Properties checked for a document that parses:
//   - parsing is deterministic and fails only with ACCESS_POLICY_INVALID;
//   - the canonical text round-trips: from_json(to_json(p)) succeeds, has the same rules
//     (effects, actions, conditions with their values and weekly windows) and the same text;
//   - the action index is exact: for every action a rule names (and one no rule names),
//     candidates() lists, in increasing order, exactly the rules that name the action or name
//     none;
//   - a weekly window answers the same for the same instant twice.
// Inputs are capped at 64 KiB. Seeds: corpus/policy/ (documents from docs/access.md and
// tests/access/access_test.cpp); tokens: policy.dict. See tests/fuzz/CMakeLists.txt for how it
// is built and run.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/access/policy.hpp"

namespace {

namespace access = cairn::access;

constexpr std::size_t kMaxInput = std::size_t{64} * 1024;

bool same_window(const access::WeeklyWindow& a, const access::WeeklyWindow& b) {
  return a.days == b.days && a.from_minute == b.from_minute && a.to_minute == b.to_minute &&
         a.utc_offset_minutes == b.utc_offset_minutes;
}

bool same_rules(const std::vector<access::Rule>& a, const std::vector<access::Rule>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].effect != b[i].effect || a[i].actions != b[i].actions) return false;
    if (a[i].when.size() != b[i].when.size()) return false;
    for (std::size_t j = 0; j < a[i].when.size(); ++j) {
      const access::Condition& x = a[i].when[j];
      const access::Condition& y = b[i].when[j];
      if (x.attr != y.attr || x.op != y.op || !(x.value == y.value)) return false;
      if (!same_window(x.weekly, y.weekly)) return false;
    }
  }
  return true;
}

void check_index(const access::Policy& policy, bool top) {
  const std::vector<access::Rule>& rules = top ? policy.top() : policy.bottom();
  std::set<std::string, std::less<>> actions = {"zz:never-named"};
  for (const access::Rule& rule : rules) actions.insert(rule.actions.begin(), rule.actions.end());
  for (const std::string& action : actions) {
    std::vector<uint32_t> expected;
    for (uint32_t i = 0; i < rules.size(); ++i) {
      const std::vector<std::string>& named = rules[i].actions;
      if (named.empty() || std::find(named.begin(), named.end(), action) != named.end()) {
        expected.push_back(i);
      }
    }
    if (policy.candidates(top, action) != expected) std::abort();
  }
}

void check_windows(const access::Policy& policy) {
  for (const auto* rules : {&policy.top(), &policy.bottom()}) {
    for (const access::Rule& rule : *rules) {
      for (const access::Condition& c : rule.when) {
        if (c.op != access::Op::kWeekly) continue;
        for (int64_t at : {int64_t{0}, int64_t{1795000000}, int64_t{-86400 * 3 - 1}}) {
          if (c.weekly.contains(at) != c.weekly.contains(at)) std::abort();
        }
      }
    }
  }
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the entry point libFuzzer names.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(bytes), std::min(size, kMaxInput));
  cairn::Result<access::Policy> policy = access::Policy::from_json(text);
  cairn::Result<access::Policy> again = access::Policy::from_json(text);
  if (policy.has_value() != again.has_value()) std::abort();
  if (!policy) {
    if (policy.error().reason != "ACCESS_POLICY_INVALID") std::abort();
    if (again.error().message != policy.error().message) std::abort();
    return 0;
  }
  if (!same_rules(policy->top(), again->top()) || !same_rules(policy->bottom(), again->bottom())) {
    std::abort();
  }

  std::string canonical = policy->to_json();
  cairn::Result<access::Policy> back = access::Policy::from_json(canonical);
  if (!back) std::abort();
  if (!same_rules(policy->top(), back->top()) || !same_rules(policy->bottom(), back->bottom())) {
    std::abort();
  }
  if (back->to_json() != canonical) std::abort();
  if (back->empty() != policy->empty()) std::abort();

  check_index(*policy, true);
  check_index(*policy, false);
  check_windows(*policy);
  return 0;
}
