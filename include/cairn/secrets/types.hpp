// The values of the secrets domain: roles and permissions, organizations, projects, environments,
// secret versions (metadata only: values never travel in these), ACL rules, service accounts and
// access decisions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cairn/core/env.hpp"
#include "cairn/core/result.hpp"

namespace cairn::secrets {

// Org roles, weakest first (Coldrune reference B.4).
enum class Role { kMember = 0, kDeveloper = 1, kAdmin = 2, kOwner = 3 };
// Permissions, weakest first; a higher one implies the lower ones.
enum class Permission { kRead = 0, kWrite = 1, kAdmin = 2 };

std::string_view role_name(Role role) noexcept;           // "member", "developer", ...
std::string_view permission_name(Permission p) noexcept;  // "read", "write", "admin"
// Errors: INVALID_ARGUMENT / SECRETS_ROLE_INVALID, SECRETS_PERMISSION_INVALID.
Result<Role> parse_role(std::string_view name);
Result<Permission> parse_permission(std::string_view name);

// The strongest permission a role can hold through ACL rules: a rule never lifts a user above
// their role. Members read; developers read and write; admins and owners need no rules.
Permission role_cap(Role role) noexcept;

struct Organization {
  std::string id;  // 32 hex characters
  std::string name;
  Timestamp created_at{};
};

struct Project {
  std::string id;
  std::string org_id;
  std::string name;
  Timestamp created_at{};
};

struct Environment {
  std::string id;
  std::string project_id;
  std::string name;
  Timestamp created_at{};
};

struct SecretVersion {
  int64_t version = 0;
  Timestamp created_at{};
  std::string created_by;
};

// A rule: `subject` (a user, or "sa:<name>" for a service account) gets `permission` on the
// environments whose project and name match the two patterns.
struct AclRule {
  std::string id;
  std::string org_id;
  std::string subject;
  std::string project_pattern;
  std::string env_pattern;
  Permission permission = Permission::kRead;
  Timestamp created_at{};
};

struct ServiceAccount {
  std::string id;
  std::string org_id;
  std::string name;
  std::string project;  // "" when not limited to one project
  Timestamp created_at{};
  // The subject its ACL rules name: "sa:<name>".
  std::string subject() const { return "sa:" + name; }
};

// The answer of an access check, and why.
struct Decision {
  bool allowed = false;
  // What decided: an ACL rule id, "superadmin", "role:owner" or "role:admin"; "" when denied.
  std::string rule;
  // Why, for people and audit entries ("no matching rule", "capped by role member", ...).
  std::string reason;
};

}  // namespace cairn::secrets
