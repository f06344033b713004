// Access policies: ordered allow/deny rules with conditions, as JSON documents users write.
//
// Document format (keep exactly; extend only by adding fields):
//   {"top": [RULE...], "bottom": [RULE...]}
//   RULE = {"effect": "allow"|"deny", "actions": ["file:read", ...] (optional: all actions),
//           "when": [COND...] (optional: always)}                   all conditions must hold
//   COND = {"attr": PATH, "op": OP, "value": V}
//   PATH = subject.id_tag | subject.roles | subject.<attr> | resource.owner |
//          resource.visibility | resource.attrs.<name> | env.time | env.<name>
//   OP   = eq | ne | in (V a list) | contains | gt | lt | has_role | weekly
//          weekly: V = {"days": ["mon", ...], "from": "09:00", "to": "17:30",
//                       "utc_offset": "+01:00"}, matched against env.time (unix seconds)
// A missing attribute makes its condition false (for every operator, ne included).
//
// TOP rules are constraints (a matching deny refuses whatever the defaults say); BOTTOM rules are
// guarantees (a matching allow grants). In each list the first rule whose actions include the
// action and whose conditions all hold decides; if none matches the list has no opinion. Rules are
// indexed by action when the policy is built, so a check looks only at rules that can apply: the
// cost does not grow with the number of rules for other actions.
//
// Thread-safety: a Policy is immutable after from_json() and safe to share between threads.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "cairn/core/result.hpp"

namespace cairn::access {

// An attribute value: absent, a boolean, a number, text, or a list of text.
using Value = std::variant<std::monostate, bool, double, std::string, std::vector<std::string>>;

enum class Effect : uint8_t { kAllow, kDeny };

enum class Op : uint8_t { kEq, kNe, kIn, kContains, kGt, kLt, kHasRole, kWeekly };

// A weekly time window: days of the week and a time of day range, at a fixed UTC offset.
struct WeeklyWindow {
  uint8_t days = 0;     // bit 0 = Monday ... bit 6 = Sunday
  int from_minute = 0;  // minutes after local midnight, inclusive
  int to_minute = 0;    // exclusive; from > to spans midnight
  int utc_offset_minutes = 0;

  // Whether the instant `unix_seconds` falls inside the window.
  bool contains(int64_t unix_seconds) const noexcept;
};

struct Condition {
  std::string attr;  // the PATH as written
  Op op = Op::kEq;
  Value value;
  WeeklyWindow weekly;  // op == kWeekly
};

struct Rule {
  Effect effect = Effect::kDeny;
  std::vector<std::string> actions;  // empty: every action
  std::vector<Condition> when;
};

class Policy {
 public:
  Policy() = default;

  // Parses and validates a policy document. Errors: INVALID_ARGUMENT / ACCESS_POLICY_INVALID, the
  // message naming the bad element's path ("top[2].when[0].op").
  static Result<Policy> from_json(std::string_view text);

  // The document in canonical form (what from_json() of it gives back).
  std::string to_json() const;

  const std::vector<Rule>& top() const noexcept { return top_; }
  const std::vector<Rule>& bottom() const noexcept { return bottom_; }
  bool empty() const noexcept { return top_.empty() && bottom_.empty(); }

  // The rules of one list that can apply to `action`, in document order (by index).
  const std::vector<uint32_t>& candidates(bool top_list, std::string_view action) const;

 private:
  void build_index();

  std::vector<Rule> top_;
  std::vector<Rule> bottom_;
  // Per list: action -> rule indexes (rules naming the action, merged in order with rules that
  // name no action); `any_` holds the rules that name no action, for actions not in the map.
  struct Index {
    std::unordered_map<std::string, std::vector<uint32_t>> by_action;
    std::vector<uint32_t> any;
  };
  Index top_index_;
  Index bottom_index_;
};

}  // namespace cairn::access
