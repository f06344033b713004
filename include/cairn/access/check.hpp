// The access decision: may this subject perform "resource:op" on this resource?
//
// Example:
//   access::Subject alice{"alice.example.com"};
//   access::Resource post{"bob.example.com"};
//   post.visibility = access::Visibility::kFollower;
//   access::Decision d = access::check(alice, "action:read", post);  // denied: not a follower
//
// Cloudillo's order, with its policies actually applied:
//   1. TOP policy deny                         -> deny   (step "top_policy")
//   2. BOTTOM policy allow                     -> allow  (step "bottom_policy")
//   3. the subject holds the leader role       -> allow  (step "leader")
//   4. an action that is not "resource:op"     -> deny   (step "malformed_action")
//   5. update/delete/write: owner              -> allow  (step "owner")
//                           access level >= write -> allow (step "access_level"), else deny
//   6. read: access level >= read              -> allow  (step "access_level")
//            visibility allows the subject's level -> allow (step "visibility")
//            S or D and the subject in the audience -> allow (step "audience"), else deny
//   7. create                                  -> allow  (step "create")
//   8. admin: highest role >= moderator        -> allow  (step "admin_role"), else deny
//   9. anything else                           -> deny   (step "default_deny")
// Every Decision names the step that decided (and the rule, for policy steps), so an audit entry
// can record why.
//
// Thread-safety: pure functions; Subject, Resource and Environment are plain values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/access/policy.hpp"
#include "cairn/access/visibility.hpp"

namespace cairn::access {

// A file's (or item's) access level for the subject, from shares and scopes.
enum class AccessLevel : uint8_t { kNone, kRead, kComment, kWrite, kAdmin };

// "none", "read", "comment", "write", "admin"; nullopt for anything else.
std::optional<AccessLevel> parse_access_level(std::string_view text) noexcept;
std::string_view access_level_name(AccessLevel level) noexcept;

// A share permission character: 'A' admin, 'W' write, 'C' comment, 'R' read; any other
// character reads as read (as Cloudillo stores them).
AccessLevel access_level_from_perm_char(char c) noexcept;

// What is known about one subject and one file, for resolve_file_access().
struct FileAccessFacts {
  std::string subject;
  std::string file_owner;  // "" when the tenant owns the file
  std::string tenant;
  std::vector<std::string> subject_roles;   // the subject's roles at the tenant
  std::optional<AccessLevel> direct_share;  // a share entry on the file for the subject
  std::vector<std::optional<AccessLevel>> folder_shares;  // shares on the parent folders, nearest
                                                          // first (at most 64 are looked at)
  std::optional<std::string> share_action;  // subtype of an FSHR action for the subject issued by
                                            // the file's owner: ADMIN, WRITE, COMMENT, DEL, ...
};

// The subject's access level on the file, first match wins:
// owner -> admin; the direct share; the nearest share up the folder chain; for tenant-owned files
// the subject's role (leader admin, moderator or contributor write, public/follower/supporter
// read); an FSHR share action from the owner (ADMIN admin, WRITE write, COMMENT comment, DEL none,
// anything else read); none.
AccessLevel resolve_file_access(const FileAccessFacts& facts);

// Who asks.
struct Subject {
  std::string id_tag;              // "" or "guest" is unauthenticated
  std::vector<std::string> roles;  // as granted; expanded when checked
  bool authenticated = true;
  bool following = false;              // the subject follows the resource's owner
  bool connected = false;              // the subject and the owner are connected
  std::optional<std::string> tenant;   // the tenant serving the request
  std::map<std::string, Value> attrs;  // subject.<attr> in policies
};

// What is asked about.
struct Resource {
  std::string owner;                  // the owner (for actions: the hosting tenant)
  std::optional<std::string> issuer;  // an action's issuer
  Visibility visibility = Visibility::kFollower;
  std::vector<std::string> audience;        // id_tags that may see an S or D item
  std::optional<AccessLevel> access_level;  // the subject's share/scope level, if known
  std::map<std::string, Value> attrs;       // resource.attrs.<name> in policies
};

// When and where.
struct Environment {
  std::optional<int64_t> time;         // unix seconds; env.time in policies
  std::map<std::string, Value> attrs;  // env.<name> in policies
};

// The answer, with its reason.
struct Decision {
  bool allowed = false;
  std::string_view step;       // which step decided (see above); static storage
  std::string_view rule_list;  // "top" or "bottom" for policy steps, else empty
  int rule_index = -1;         // the deciding rule's index in that list, else -1

  // "top[3]", "bottom[0]", or "" when no rule decided.
  std::string rule() const;
};

// The subject's level towards the resource (owner/issuer/tenant > connected > following >
// authenticated > public).
Level relationship_level(const Subject& subject, const Resource& resource) noexcept;

// The decision for `subject` doing `action` ("resource:op") on `resource`.
Decision check(const Subject& subject, std::string_view action, const Resource& resource,
               const Environment& env = {}, const Policy* policy = nullptr);

// Whether a collection-level action ("post:create") is allowed: no policy rule for it means allow;
// otherwise TOP deny, then BOTTOM allow, else deny (default deny once a policy exists).
Decision check_collection(const Subject& subject, std::string_view action, const Environment& env,
                          const Policy& policy);

}  // namespace cairn::access
