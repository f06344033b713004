// cairn::access::AccessService: per-tenant policies on top of check(), with relationships looked
// up from the host application. engine.access() hands one out.
//
// Example:
//   std::string_view policy = R"({"top":[{"effect":"deny","actions":["file:delete"]}]})";
//   CAIRN_TRY(engine.access().set_policy("home.example.com", policy, "admin@home"));  // audited
//   access::Subject subject{"alice.example.com"};
//   access::Resource file{"home.example.com"};
//   CAIRN_ASSIGN_OR_RETURN(access::Decision d,
//                          engine.access().check("home.example.com", subject, "file:read", file));
//
// Relationships (who follows whom, who is connected, who subscribes to whose items) belong to the
// host application; it implements Relationships, or uses MemoryRelationships. When a service has
// one, check() fills in Subject::following and Subject::connected towards the resource's owner and
// adds a subscriber to the audience of the owner's subscribed (S) items.
//
// Every policy change writes an audit entry (action "access.policy.set" / "access.policy.remove",
// resource type "policy", resource id the tenant).
//
// Thread-safety: safe for concurrent use. Ownership: borrows its store, audit log and
// relationships, which must outlive it.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "cairn/access/check.hpp"
#include "cairn/access/store.hpp"
#include "cairn/audit/log.hpp"

namespace cairn::access {

// The host application's social graph, as the decision needs it.
class Relationships {
 public:
  virtual ~Relationships() = default;
  // Whether `subject` follows `owner`.
  virtual bool following(std::string_view subject, std::string_view owner) = 0;
  // Whether `subject` and `owner` are connected (both ways, confirmed).
  virtual bool connected(std::string_view subject, std::string_view owner) = 0;
  // Whether `subject` holds an active subscription to `owner`'s subscribed (S) items.
  virtual bool subscribed(std::string_view subject, std::string_view owner) = 0;
};

// Relationships kept in memory. Thread-safe.
class MemoryRelationships final : public Relationships {
 public:
  void follow(std::string subject, std::string owner);
  void unfollow(std::string_view subject, std::string_view owner);
  void connect(std::string a, std::string b);  // symmetric
  void subscribe(std::string subject, std::string owner);

  bool following(std::string_view subject, std::string_view owner) override;
  bool connected(std::string_view subject, std::string_view owner) override;
  bool subscribed(std::string_view subject, std::string_view owner) override;

 private:
  std::mutex mu_;
  std::set<std::pair<std::string, std::string>, std::less<>> follows_, connections_, subscriptions_;
};

class AccessService {
 public:
  AccessService(PolicyStore& store, audit::AuditLog& audit, Env& env,
                Relationships* relationships = nullptr);

  // Validates and stores the tenant's policy (canonical form), auditing the change as `actor`.
  // Errors: INVALID_ARGUMENT / ACCESS_POLICY_INVALID (nothing stored), ACCESS_TENANT_INVALID;
  // the audit log's errors (fail-closed: the policy is not stored if it cannot be audited).
  Status set_policy(std::string_view tenant, std::string_view document, std::string_view actor);
  // The tenant's policy, or nullopt.
  Result<std::optional<Policy>> policy(std::string_view tenant);
  // Removes the tenant's policy (auditing it). Errors: NOT_FOUND / ACCESS_POLICY_NOT_FOUND.
  Status remove_policy(std::string_view tenant, std::string_view actor);

  // check() with the tenant's policy and the relationships filled in.
  Result<Decision> check(std::string_view tenant, Subject subject, std::string_view action,
                         Resource resource, const Environment& env = {});

  // Sets (or clears, with nullptr) the relationships source.
  void set_relationships(Relationships* relationships);

 private:
  PolicyStore& store_;
  audit::AuditLog& audit_;
  Env& env_;
  std::mutex mu_;
  Relationships* relationships_;
  std::map<std::string, std::shared_ptr<const Policy>, std::less<>> cache_;
};

}  // namespace cairn::access
