#include "cairn/secrets/roles.hpp"

namespace cairn::secrets {

std::string_view role_name(Role role) noexcept {
  switch (role) {
    case Role::kMember:
      return "member";
    case Role::kDeveloper:
      return "developer";
    case Role::kAdmin:
      return "admin";
    case Role::kOwner:
      return "owner";
  }
  return "member";
}

std::string_view permission_name(Permission p) noexcept {
  switch (p) {
    case Permission::kRead:
      return "read";
    case Permission::kWrite:
      return "write";
    case Permission::kAdmin:
      return "admin";
  }
  return "read";
}

Result<Role> parse_role(std::string_view name) {
  for (Role r : {Role::kMember, Role::kDeveloper, Role::kAdmin, Role::kOwner}) {
    if (role_name(r) == name) return r;
  }
  return fail(ErrorCode::kInvalidArgument, "SECRETS_ROLE_INVALID",
              "a role is owner, admin, developer or member");
}

Result<Permission> parse_permission(std::string_view name) {
  for (Permission p : {Permission::kRead, Permission::kWrite, Permission::kAdmin}) {
    if (permission_name(p) == name) return p;
  }
  return fail(ErrorCode::kInvalidArgument, "SECRETS_PERMISSION_INVALID",
              "a permission is read, write or admin");
}

Permission role_cap(Role role) noexcept {
  switch (role) {
    case Role::kMember:
      return Permission::kRead;
    case Role::kDeveloper:
      return Permission::kWrite;
    case Role::kAdmin:
    case Role::kOwner:
      return Permission::kAdmin;
  }
  return Permission::kRead;
}

}  // namespace cairn::secrets
