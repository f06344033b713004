#include "cairn/access/policy.hpp"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cairn/core/json_text.hpp"

namespace cairn::access {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 8> kOpNames = {"eq", "ne", "in",       "contains",
                                                      "gt", "lt", "has_role", "weekly"};
constexpr std::array<std::string_view, 7> kDayNames = {"mon", "tue", "wed", "thu",
                                                       "fri", "sat", "sun"};

Unexpected<Error> invalid(const std::string& path, const std::string& what) {
  return fail(ErrorCode::kInvalidArgument, "ACCESS_POLICY_INVALID", path + ": " + what);
}

bool valid_attr_path(std::string_view p) {
  auto rest_after = [&](std::string_view prefix) {
    return p.size() > prefix.size() && p.starts_with(prefix);
  };
  return p == "subject.id_tag" || p == "subject.roles" || p == "resource.owner" ||
         p == "resource.visibility" || p == "env.time" || rest_after("subject.") ||
         rest_after("resource.attrs.") || rest_after("env.");
}

bool valid_action(std::string_view a) {
  size_t colon = a.find(':');
  return colon != std::string_view::npos && colon > 0 && colon + 1 < a.size() &&
         a.find(':', colon + 1) == std::string_view::npos;
}

// "HH:MM" -> minutes after midnight (24:00 allowed as an end).
std::optional<int> parse_clock(const json& j) {
  if (!j.is_string()) return std::nullopt;
  std::string s = j.get<std::string>();
  if (s.size() != 5 || s[2] != ':' || !isdigit(static_cast<unsigned char>(s[0])) ||
      !isdigit(static_cast<unsigned char>(s[1])) || !isdigit(static_cast<unsigned char>(s[3])) ||
      !isdigit(static_cast<unsigned char>(s[4]))) {
    return std::nullopt;
  }
  int h = (s[0] - '0') * 10 + (s[1] - '0');
  int m = (s[3] - '0') * 10 + (s[4] - '0');
  if (m > 59 || h > 24 || (h == 24 && m != 0)) return std::nullopt;
  return h * 60 + m;
}

// "+01:00" / "-05:30" -> minutes east of UTC.
std::optional<int> parse_offset(const json& j) {
  if (!j.is_string()) return std::nullopt;
  std::string s = j.get<std::string>();
  if (s.size() != 6 || (s[0] != '+' && s[0] != '-')) return std::nullopt;
  auto clock = parse_clock(json(s.substr(1)));
  if (!clock || *clock > 14 * 60) return std::nullopt;
  return s[0] == '-' ? -*clock : *clock;
}

Result<Value> parse_value(const json& j, const std::string& path) {
  if (j.is_boolean()) return Value(j.get<bool>());
  if (j.is_number()) return Value(j.get<double>());
  if (j.is_string()) return Value(j.get<std::string>());
  if (j.is_array()) {
    std::vector<std::string> list;
    for (const json& item : j) {
      if (!item.is_string() && !item.is_number()) {
        return invalid(path, "list values must be text or numbers");
      }
      list.push_back(item.is_string() ? item.get<std::string>() : item.dump());
    }
    return Value(std::move(list));
  }
  return invalid(path, "a value must be text, a number, a boolean or a list");
}

Result<Condition> parse_condition(const json& j, const std::string& path) {
  if (!j.is_object()) return invalid(path, "a condition is an object {attr, op, value}");
  Condition c;
  auto attr = j.find("attr");
  if (attr == j.end() || !attr->is_string() || !valid_attr_path(attr->get<std::string>())) {
    return invalid(path + ".attr",
                   "must be subject.id_tag, subject.roles, subject.<attr>, resource.owner, "
                   "resource.visibility, resource.attrs.<name>, env.time or env.<name>");
  }
  c.attr = attr->get<std::string>();
  auto op = j.find("op");
  auto known = op != j.end() && op->is_string()
                   ? std::find(kOpNames.begin(), kOpNames.end(), op->get<std::string>())
                   : kOpNames.end();
  if (known == kOpNames.end()) {
    return invalid(path + ".op", "must be eq, ne, in, contains, gt, lt, has_role or weekly");
  }
  c.op = static_cast<Op>(known - kOpNames.begin());
  auto value = j.find("value");
  if (value == j.end()) return invalid(path + ".value", "is missing");
  std::string vpath = path + ".value";
  switch (c.op) {
    case Op::kIn:
      if (!value->is_array()) return invalid(vpath, "'in' needs a list");
      break;
    case Op::kGt:
    case Op::kLt:
      if (!value->is_number()) return invalid(vpath, "'gt' and 'lt' need a number");
      break;
    case Op::kHasRole:
      if (!value->is_string()) return invalid(vpath, "'has_role' needs a role name");
      if (c.attr != "subject.roles")
        return invalid(path + ".attr", "'has_role' reads subject.roles");
      break;
    case Op::kWeekly: {
      if (c.attr != "env.time") return invalid(path + ".attr", "'weekly' reads env.time");
      if (!value->is_object()) return invalid(vpath, "'weekly' needs {days, from, to, utc_offset}");
      auto days = value->find("days");
      if (days == value->end() || !days->is_array() || days->empty()) {
        return invalid(vpath + ".days", "must be a non-empty list of mon..sun");
      }
      for (size_t i = 0; i < days->size(); ++i) {
        const json& d = (*days)[i];
        auto day = d.is_string()
                       ? std::find(kDayNames.begin(), kDayNames.end(), d.get<std::string>())
                       : kDayNames.end();
        if (day == kDayNames.end()) {
          return invalid(vpath + ".days[" + std::to_string(i) + "]", "must be mon..sun");
        }
        c.weekly.days |= static_cast<uint8_t>(1u << (day - kDayNames.begin()));
      }
      auto from = value->find("from");
      auto to = value->find("to");
      std::optional<int> from_minute = from != value->end() ? parse_clock(*from) : std::nullopt;
      std::optional<int> to_minute = to != value->end() ? parse_clock(*to) : std::nullopt;
      if (!from_minute) return invalid(vpath + ".from", "must be a time HH:MM");
      if (!to_minute) return invalid(vpath + ".to", "must be a time HH:MM");
      c.weekly.from_minute = *from_minute;
      c.weekly.to_minute = *to_minute;
      auto offset = value->find("utc_offset");
      if (offset != value->end()) {
        auto minutes = parse_offset(*offset);
        if (!minutes) return invalid(vpath + ".utc_offset", "must be +HH:MM or -HH:MM");
        c.weekly.utc_offset_minutes = *minutes;
      }
      return c;
    }
    default:
      break;
  }
  CAIRN_ASSIGN_OR_RETURN(c.value, parse_value(*value, vpath));
  return c;
}

Result<Rule> parse_rule(const json& j, const std::string& path) {
  if (!j.is_object()) return invalid(path, "a rule is an object {effect, actions, when}");
  Rule r;
  auto effect = j.find("effect");
  if (effect == j.end() || !effect->is_string() || (*effect != "allow" && *effect != "deny")) {
    return invalid(path + ".effect", "must be \"allow\" or \"deny\"");
  }
  r.effect = *effect == "allow" ? Effect::kAllow : Effect::kDeny;
  auto actions = j.find("actions");
  if (actions != j.end()) {
    if (!actions->is_array()) return invalid(path + ".actions", "must be a list of actions");
    for (size_t i = 0; i < actions->size(); ++i) {
      const json& a = (*actions)[i];
      if (!a.is_string() || !valid_action(a.get<std::string>())) {
        return invalid(path + ".actions[" + std::to_string(i) + "]",
                       "an action is \"resource:op\", as \"file:read\"");
      }
      r.actions.push_back(a.get<std::string>());
    }
  }
  auto when = j.find("when");
  if (when != j.end()) {
    if (!when->is_array()) return invalid(path + ".when", "must be a list of conditions");
    for (size_t i = 0; i < when->size(); ++i) {
      CAIRN_ASSIGN_OR_RETURN(
          Condition c, parse_condition((*when)[i], path + ".when[" + std::to_string(i) + "]"));
      r.when.push_back(std::move(c));
    }
  }
  return r;
}

json value_json(const Value& v) {
  if (std::holds_alternative<bool>(v)) return std::get<bool>(v);
  if (std::holds_alternative<double>(v)) return std::get<double>(v);
  if (std::holds_alternative<std::string>(v)) return std::get<std::string>(v);
  if (std::holds_alternative<std::vector<std::string>>(v))
    return std::get<std::vector<std::string>>(v);
  return nullptr;
}

std::string clock_text(int minutes) {
  std::string out;
  for (int part : {minutes / 60, minutes % 60}) {
    if (!out.empty()) out += ':';
    out += static_cast<char>('0' + part / 10 % 10);
    out += static_cast<char>('0' + part % 10);
  }
  return out;
}

json rules_json(const std::vector<Rule>& rules) {
  json out = json::array();
  for (const Rule& r : rules) {
    json rule = {{"effect", r.effect == Effect::kAllow ? "allow" : "deny"}};
    if (!r.actions.empty()) rule["actions"] = r.actions;
    json when = json::array();
    for (const Condition& c : r.when) {
      json cond = {{"attr", c.attr}, {"op", kOpNames[static_cast<size_t>(c.op)]}};
      if (c.op == Op::kWeekly) {
        json days = json::array();
        for (size_t d = 0; d < kDayNames.size(); ++d) {
          if ((c.weekly.days & (1u << d)) != 0) days.push_back(kDayNames[d]);
        }
        int off = c.weekly.utc_offset_minutes;
        // Built by appending: g++ 12 at -O3 warns (falsely, -Wrestrict) on "x" + std::string&&.
        std::string offset(1, off < 0 ? '-' : '+');
        offset += clock_text(off < 0 ? -off : off);
        cond["value"] = {{"days", days},
                         {"from", clock_text(c.weekly.from_minute)},
                         {"to", clock_text(c.weekly.to_minute)},
                         {"utc_offset", offset}};
      } else {
        cond["value"] = value_json(c.value);
      }
      when.push_back(std::move(cond));
    }
    if (!when.empty()) rule["when"] = std::move(when);
    out.push_back(std::move(rule));
  }
  return out;
}

}  // namespace

bool WeeklyWindow::contains(int64_t unix_seconds) const noexcept {
  int64_t local = unix_seconds + int64_t{utc_offset_minutes} * 60;
  int64_t days_since_epoch = local >= 0 ? local / 86400 : (local - 86399) / 86400;
  int minute = static_cast<int>((local - days_since_epoch * 86400) / 60);
  // 1970-01-01 was a Thursday (index 3 with Monday = 0).
  auto weekday = static_cast<int>(((days_since_epoch % 7) + 7 + 3) % 7);
  if (from_minute <= to_minute) {
    return (days & (1u << weekday)) != 0 && minute >= from_minute && minute < to_minute;
  }
  // Spans midnight: the part after from belongs to the listed day, the part before to, to the
  // day after a listed day.
  if (minute >= from_minute) return (days & (1u << weekday)) != 0;
  int previous = (weekday + 6) % 7;
  return minute < to_minute && (days & (1u << previous)) != 0;
}

Result<Policy> Policy::from_json(std::string_view text) {
  if (std::optional<std::string> why = json_text_refusal(text)) {
    return invalid("$", "not acceptable JSON: " + *why);
  }
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) return invalid("$", "not JSON");
  if (!doc.is_object())
    return invalid("$", "a policy is an object {\"top\": [...], \"bottom\": [...]}");
  Policy policy;
  for (const char* list : {"top", "bottom"}) {
    auto it = doc.find(list);
    if (it == doc.end()) continue;
    if (!it->is_array()) return invalid(list, "must be a list of rules");
    auto& rules = std::string_view(list) == "top" ? policy.top_ : policy.bottom_;
    for (size_t i = 0; i < it->size(); ++i) {
      CAIRN_ASSIGN_OR_RETURN(
          Rule r, parse_rule((*it)[i], std::string(list) + "[" + std::to_string(i) + "]"));
      rules.push_back(std::move(r));
    }
  }
  policy.build_index();
  return policy;
}

std::string Policy::to_json() const {
  return json{{"top", rules_json(top_)}, {"bottom", rules_json(bottom_)}}.dump();
}

void Policy::build_index() {
  for (bool top : {true, false}) {
    const auto& rules = top ? top_ : bottom_;
    Index& index = top ? top_index_ : bottom_index_;
    for (uint32_t i = 0; i < rules.size(); ++i) {
      if (rules[i].actions.empty()) {
        index.any.push_back(i);
        for (auto& [action, list] : index.by_action) list.push_back(i);
      } else {
        for (const std::string& a : rules[i].actions) {
          auto [it, inserted] = index.by_action.try_emplace(a, index.any);
          if (it->second.empty() || it->second.back() != i) it->second.push_back(i);
        }
      }
    }
  }
}

const std::vector<uint32_t>& Policy::candidates(bool top_list, std::string_view action) const {
  const Index& index = top_list ? top_index_ : bottom_index_;
  // Heterogeneous lookup needs C++20 transparent hashing; a short-lived key is fine here.
  auto it = index.by_action.find(std::string(action));
  return it != index.by_action.end() ? it->second : index.any;
}

}  // namespace cairn::access
