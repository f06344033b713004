// cairn::secrets roles and permissions: what a member of an organization is (owner, admin,
// developer, member) and what an ACL rule grants (read, write, admin), their names, and how far a
// role lets rules reach.
//
// Thread-safety: pure functions.
#pragma once

#include <string_view>

#include "cairn/core/result.hpp"

namespace cairn::secrets {

// Org roles, weakest first. Owners and admins may do anything in their org; developers and
// members reach secrets only through ACL rules.
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

}  // namespace cairn::secrets
