#include "cairn/access/check.hpp"

#include <algorithm>
#include <charconv>

namespace cairn::access {
namespace {

constexpr std::string_view kAccessLevelNames[] = {"none", "read", "comment", "write", "admin"};

bool authenticated(const Subject& s) {
  return s.authenticated && !s.id_tag.empty() && s.id_tag != "guest";
}

bool has_role(const Subject& s, std::string_view role) {
  std::optional<int> wanted = role_level(role);
  if (wanted) return highest_role_level(s.roles) >= *wanted;
  return std::find(s.roles.begin(), s.roles.end(), role) != s.roles.end();
}

// The value a condition's PATH names, or monostate when the attribute is absent.
Value lookup(std::string_view path, const Subject& subject, const Resource& resource,
             const Environment& env) {
  auto from_map = [](const std::map<std::string, Value>& m, std::string_view key) -> Value {
    auto it = m.find(std::string(key));
    return it != m.end() ? it->second : Value();
  };
  if (path == "subject.id_tag") return subject.id_tag;
  if (path == "subject.roles") return expand_roles(subject.roles);
  if (path == "resource.owner") return resource.owner;
  if (path == "resource.visibility") return std::string(1, visibility_char(resource.visibility));
  if (path == "env.time") return env.time ? Value(static_cast<double>(*env.time)) : Value();
  if (path.starts_with("resource.attrs.")) return from_map(resource.attrs, path.substr(15));
  if (path.starts_with("subject.")) return from_map(subject.attrs, path.substr(8));
  if (path.starts_with("env.")) return from_map(env.attrs, path.substr(4));
  return {};
}

std::optional<double> as_number(const Value& v) {
  if (const double* d = std::get_if<double>(&v)) return *d;
  if (const std::string* s = std::get_if<std::string>(&v)) {
    double d = 0;
    auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), d);
    if (ec == std::errc() && end == s->data() + s->size()) return d;
  }
  return std::nullopt;
}

// Text form of a scalar, for eq/ne/in comparisons across text and numbers.
std::optional<std::string> as_text(const Value& v) {
  if (const std::string* s = std::get_if<std::string>(&v)) return *s;
  if (const bool* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  if (const double* d = std::get_if<double>(&v)) {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, *d);
    return std::string(buf, end);
  }
  return std::nullopt;
}

bool holds(const Condition& c, const Subject& subject, const Resource& resource,
           const Environment& env) {
  if (c.op == Op::kHasRole) return has_role(subject, std::get<std::string>(c.value));
  Value actual = lookup(c.attr, subject, resource, env);
  if (std::holds_alternative<std::monostate>(actual)) return false;  // absent: false for every op
  switch (c.op) {
    case Op::kEq:
    case Op::kNe: {
      bool equal = actual == c.value;
      if (!equal) {
        auto a = as_text(actual);
        auto b = as_text(c.value);
        equal = a && b && *a == *b;
      }
      return c.op == Op::kEq ? equal : !equal;
    }
    case Op::kIn: {
      auto a = as_text(actual);
      const auto& list = std::get<std::vector<std::string>>(c.value);
      return a && std::find(list.begin(), list.end(), *a) != list.end();
    }
    case Op::kContains: {
      if (const auto* list = std::get_if<std::vector<std::string>>(&actual)) {
        auto wanted = as_text(c.value);
        return wanted && std::find(list->begin(), list->end(), *wanted) != list->end();
      }
      auto a = as_text(actual);
      auto b = as_text(c.value);
      return a && b && a->find(*b) != std::string::npos;
    }
    case Op::kGt:
    case Op::kLt: {
      auto a = as_number(actual);
      auto b = as_number(c.value);
      if (!a || !b) return false;
      return c.op == Op::kGt ? *a > *b : *a < *b;
    }
    case Op::kWeekly: {
      auto t = as_number(actual);
      return t && c.weekly.contains(static_cast<int64_t>(*t));
    }
    case Op::kHasRole:
      break;
  }
  return false;
}

// The first rule of one list that applies; -1 when none does.
int first_match(const Policy& policy, bool top, std::string_view action, const Subject& subject,
                const Resource& resource, const Environment& env) {
  const auto& rules = top ? policy.top() : policy.bottom();
  for (uint32_t i : policy.candidates(top, action)) {
    const Rule& r = rules[i];
    bool all = std::all_of(r.when.begin(), r.when.end(),
                           [&](const Condition& c) { return holds(c, subject, resource, env); });
    if (all) return static_cast<int>(i);
  }
  return -1;
}

Decision decide(bool allowed, std::string_view step) { return Decision{allowed, step, {}, -1}; }

// Steps 1 and 2: the policy's opinion, if it has one.
std::optional<Decision> policy_opinion(const Policy& policy, std::string_view action,
                                       const Subject& subject, const Resource& resource,
                                       const Environment& env) {
  int top = first_match(policy, true, action, subject, resource, env);
  if (top >= 0 && policy.top()[static_cast<size_t>(top)].effect == Effect::kDeny) {
    return Decision{false, "top_policy", "top", top};
  }
  int bottom = first_match(policy, false, action, subject, resource, env);
  if (bottom >= 0 && policy.bottom()[static_cast<size_t>(bottom)].effect == Effect::kAllow) {
    return Decision{true, "bottom_policy", "bottom", bottom};
  }
  return std::nullopt;
}

}  // namespace

std::optional<AccessLevel> parse_access_level(std::string_view text) noexcept {
  for (size_t i = 0; i < std::size(kAccessLevelNames); ++i) {
    if (text == kAccessLevelNames[i]) return static_cast<AccessLevel>(i);
  }
  return std::nullopt;
}

std::string_view access_level_name(AccessLevel level) noexcept {
  return kAccessLevelNames[static_cast<size_t>(level)];
}

std::string Decision::rule() const {
  if (rule_index < 0) return {};
  return std::string(rule_list) + "[" + std::to_string(rule_index) + "]";
}

AccessLevel access_level_from_perm_char(char c) noexcept {
  switch (c) {
    case 'A':
      return AccessLevel::kAdmin;
    case 'W':
      return AccessLevel::kWrite;
    case 'C':
      return AccessLevel::kComment;
    default:
      return AccessLevel::kRead;
  }
}

AccessLevel resolve_file_access(const FileAccessFacts& facts) {
  const std::string& owner = facts.file_owner.empty() ? facts.tenant : facts.file_owner;
  if (!facts.subject.empty() && facts.subject == owner) return AccessLevel::kAdmin;
  if (facts.direct_share) return *facts.direct_share;
  constexpr size_t kMaxFolderDepth = 64;
  for (size_t i = 0; i < facts.folder_shares.size() && i < kMaxFolderDepth; ++i) {
    if (facts.folder_shares[i]) return *facts.folder_shares[i];
  }
  if (owner == facts.tenant) {
    int role = highest_role_level(facts.subject_roles);
    constexpr int kContributor = 3;
    constexpr int kLeader = 5;
    if (role == kLeader) return AccessLevel::kAdmin;
    if (role >= kContributor) return AccessLevel::kWrite;
    if (role >= 0) return AccessLevel::kRead;
  }
  if (facts.share_action) {
    const std::string& kind = *facts.share_action;
    if (kind == "ADMIN") return AccessLevel::kAdmin;
    if (kind == "WRITE") return AccessLevel::kWrite;
    if (kind == "COMMENT") return AccessLevel::kComment;
    if (kind == "DEL") return AccessLevel::kNone;
    return AccessLevel::kRead;
  }
  return AccessLevel::kNone;
}

Level relationship_level(const Subject& subject, const Resource& resource) noexcept {
  const std::string& me = subject.id_tag;
  if (!me.empty() && (me == resource.owner || (resource.issuer && me == *resource.issuer) ||
                      (subject.tenant && me == *subject.tenant))) {
    return Level::kOwner;
  }
  if (subject.connected) return Level::kConnected;
  if (subject.following) return Level::kFollower;
  if (authenticated(subject)) return Level::kVerified;
  return Level::kPublic;
}

Decision check(const Subject& subject, std::string_view action, const Resource& resource,
               const Environment& env, const Policy* policy) {
  if (policy != nullptr && !policy->empty()) {
    if (auto opinion = policy_opinion(*policy, action, subject, resource, env)) return *opinion;
  }
  if (has_role(subject, "leader")) return decide(true, "leader");
  size_t colon = action.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == action.size() ||
      action.find(':', colon + 1) != std::string_view::npos) {
    return decide(false, "malformed_action");
  }
  std::string_view op = action.substr(colon + 1);
  if (op == "update" || op == "delete" || op == "write") {
    if (!subject.id_tag.empty() && subject.id_tag == resource.owner) return decide(true, "owner");
    if (resource.access_level && *resource.access_level >= AccessLevel::kWrite) {
      return decide(true, "access_level");
    }
    return decide(false, "default_deny");
  }
  if (op == "read") {
    if (resource.access_level && *resource.access_level >= AccessLevel::kRead) {
      return decide(true, "access_level");
    }
    if (can_access(relationship_level(subject, resource), resource.visibility)) {
      return decide(true, "visibility");
    }
    bool bridged = resource.visibility == Visibility::kDirect ||
                   resource.visibility == Visibility::kSubscribed;
    if (bridged && !subject.id_tag.empty() &&
        std::find(resource.audience.begin(), resource.audience.end(), subject.id_tag) !=
            resource.audience.end()) {
      return decide(true, "audience");
    }
    return decide(false, "default_deny");
  }
  if (op == "create") return decide(true, "create");
  if (op == "admin") {
    constexpr int kModerator = 4;
    return decide(highest_role_level(subject.roles) >= kModerator, "admin_role");
  }
  return decide(false, "default_deny");
}

Decision check_collection(const Subject& subject, std::string_view action, const Environment& env,
                          const Policy& policy) {
  if (policy.candidates(true, action).empty() && policy.candidates(false, action).empty()) {
    return decide(true, "no_policy");
  }
  Resource none;
  if (auto opinion = policy_opinion(policy, action, subject, none, env)) return *opinion;
  return decide(false, "default_deny");
}

}  // namespace cairn::access
