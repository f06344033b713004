// Who may see what: visibility levels of items, access levels of subjects, and the roles ladder.
//
// Cloudillo's model:
//   Visibility (stored as one character)  P public < V verified < 2 second degree < F follower
//                                         < C connected < S subscribed < D direct (the default)
//   Level (of a subject towards an item)  none < public < verified < second_degree < follower
//                                         < connected < owner
// A subject reaches Level::kOwner when it owns or issued the item or is the tenant; otherwise
// connected, then following, then authenticated (verified), then public. can_access() compares a
// level with a visibility; S and D items need the owner level (or audience membership, see
// check.hpp).
//
// Roles form a hierarchy public(0) < follower(1) < supporter(2) < contributor(3) < moderator(4)
// < leader(5); holding a role implies every lower one. Other role strings (like "SADM") are kept
// verbatim and imply nothing.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/core/result.hpp"

namespace cairn::access {

enum class Visibility : uint8_t {
  kPublic,
  kVerified,
  kSecondDegree,
  kFollower,
  kConnected,
  kSubscribed,
  kDirect,
};

// 'P', 'V', '2', 'F', 'C', 'S' or 'D'.
char visibility_char(Visibility v) noexcept;
// "public", "verified", "second_degree", "follower", "connected", "subscribed", "direct".
std::string_view visibility_name(Visibility v) noexcept;
// Lenient, as Cloudillo reads its database: any character other than P V 2 F C S is Direct.
Visibility visibility_from_char(char c) noexcept;
// Strict, for input: a one-character code or a name. Errors: INVALID_ARGUMENT /
// ACCESS_VISIBILITY_UNKNOWN.
Result<Visibility> parse_visibility(std::string_view text);

enum class Level : uint8_t {
  kNone,
  kPublic,
  kVerified,
  kSecondDegree,
  kFollower,
  kConnected,
  kOwner,
};

// "none", "public", "verified", "second_degree", "follower", "connected", "owner".
std::string_view level_name(Level level) noexcept;
// Errors: INVALID_ARGUMENT / ACCESS_LEVEL_UNKNOWN.
Result<Level> parse_level(std::string_view text);

// Whether a subject at `level` may see an item of visibility `v` (without audience membership).
bool can_access(Level level, Visibility v) noexcept;

// The visibilities a subject at `level` may see, most permissive first (for SQL filters). Owner
// sees all seven.
std::vector<Visibility> visible_levels(Level level);

// The role hierarchy, lowest first.
inline constexpr std::string_view kRoles[] = {"public",      "follower",  "supporter",
                                              "contributor", "moderator", "leader"};

// The level of a role in the hierarchy (0 for "public" ... 5 for "leader"), or nullopt for a role
// outside it.
std::optional<int> role_level(std::string_view role) noexcept;

// Every role `roles` imply: each hierarchy role brings all lower ones; other roles are kept as
// they are. Hierarchy roles come first, lowest first, then the others in input order; no
// duplicates.
std::vector<std::string> expand_roles(std::span<const std::string> roles);

// The highest hierarchy level among `roles`, or -1 when there is none.
int highest_role_level(std::span<const std::string> roles) noexcept;

// Whether an actor with `actor_roles` may manage a member holding `target_roles`: the actor must be
// at least moderator and strictly outrank the target, except that leaders may manage leaders.
bool can_manage_member(std::span<const std::string> actor_roles,
                       std::span<const std::string> target_roles) noexcept;

// Whether an actor with `actor_roles` may assign `role`: leaders any hierarchy role, others only
// roles strictly below their own level; roles outside the hierarchy never.
bool can_assign_role(std::span<const std::string> actor_roles, std::string_view role) noexcept;

}  // namespace cairn::access
