#include "cairn/access/visibility.hpp"

#include <algorithm>
#include <array>

namespace cairn::access {
namespace {

constexpr std::array<std::string_view, 7> kVisibilityNames = {
    "public", "verified", "second_degree", "follower", "connected", "subscribed", "direct"};
constexpr std::array<char, 7> kVisibilityChars = {'P', 'V', '2', 'F', 'C', 'S', 'D'};
constexpr std::array<std::string_view, 7> kLevelNames = {
    "none", "public", "verified", "second_degree", "follower", "connected", "owner"};

}  // namespace

char visibility_char(Visibility v) noexcept { return kVisibilityChars[static_cast<size_t>(v)]; }

std::string_view visibility_name(Visibility v) noexcept {
  return kVisibilityNames[static_cast<size_t>(v)];
}

Visibility visibility_from_char(char c) noexcept {
  for (size_t i = 0; i + 1 < kVisibilityChars.size(); ++i) {
    if (kVisibilityChars[i] == c) return static_cast<Visibility>(i);
  }
  return Visibility::kDirect;
}

Result<Visibility> parse_visibility(std::string_view text) {
  for (size_t i = 0; i < kVisibilityNames.size(); ++i) {
    if (text == kVisibilityNames[i] || (text.size() == 1 && text[0] == kVisibilityChars[i])) {
      return static_cast<Visibility>(i);
    }
  }
  return fail(ErrorCode::kInvalidArgument, "ACCESS_VISIBILITY_UNKNOWN",
              "a visibility is one of P V 2 F C S D or public, verified, second_degree, follower, "
              "connected, subscribed, direct");
}

std::string_view level_name(Level level) noexcept {
  return kLevelNames[static_cast<size_t>(level)];
}

Result<Level> parse_level(std::string_view text) {
  for (size_t i = 0; i < kLevelNames.size(); ++i) {
    if (text == kLevelNames[i]) return static_cast<Level>(i);
  }
  return fail(ErrorCode::kInvalidArgument, "ACCESS_LEVEL_UNKNOWN",
              "a subject level is one of none, public, verified, second_degree, follower, "
              "connected, owner");
}

bool can_access(Level level, Visibility v) noexcept {
  switch (v) {
    case Visibility::kPublic:
      return true;
    case Visibility::kVerified:
      return level >= Level::kVerified;
    case Visibility::kSecondDegree:
      return level >= Level::kSecondDegree;
    case Visibility::kFollower:
      return level >= Level::kFollower;
    case Visibility::kConnected:
      return level >= Level::kConnected;
    case Visibility::kSubscribed:
    case Visibility::kDirect:
      return level >= Level::kOwner;
  }
  return false;
}

std::vector<Visibility> visible_levels(Level level) {
  std::vector<Visibility> out;
  for (size_t i = 0; i < kVisibilityChars.size(); ++i) {
    auto v = static_cast<Visibility>(i);
    if (can_access(level, v)) out.push_back(v);
  }
  return out;
}

std::optional<int> role_level(std::string_view role) noexcept {
  for (size_t i = 0; i < std::size(kRoles); ++i) {
    if (kRoles[i] == role) return static_cast<int>(i);
  }
  return std::nullopt;
}

int highest_role_level(std::span<const std::string> roles) noexcept {
  int highest = -1;
  for (const std::string& r : roles) highest = std::max(highest, role_level(r).value_or(-1));
  return highest;
}

std::vector<std::string> expand_roles(std::span<const std::string> roles) {
  std::vector<std::string> out;
  int highest = highest_role_level(roles);
  for (int i = 0; i <= highest; ++i) out.emplace_back(kRoles[i]);
  for (const std::string& r : roles) {
    if (!role_level(r) && std::find(out.begin(), out.end(), r) == out.end()) out.push_back(r);
  }
  return out;
}

bool can_manage_member(std::span<const std::string> actor_roles,
                       std::span<const std::string> target_roles) noexcept {
  int actor = highest_role_level(actor_roles);
  int target = highest_role_level(target_roles);
  constexpr int kModerator = 4;
  constexpr int kLeader = 5;
  if (actor < kModerator) return false;
  return actor > target || (actor == kLeader && target == kLeader);
}

bool can_assign_role(std::span<const std::string> actor_roles, std::string_view role) noexcept {
  std::optional<int> level = role_level(role);
  if (!level) return false;
  int actor = highest_role_level(actor_roles);
  constexpr int kLeader = 5;
  return actor == kLeader || *level < actor;
}

}  // namespace cairn::access
