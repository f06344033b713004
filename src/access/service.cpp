#include "cairn/access/service.hpp"

#include <algorithm>

#include "cairn/core/encoding.hpp"

namespace cairn::access {

void MemoryRelationships::follow(std::string subject, std::string owner) {
  std::lock_guard lock(mu_);
  follows_.emplace(std::move(subject), std::move(owner));
}
void MemoryRelationships::unfollow(std::string_view subject, std::string_view owner) {
  std::lock_guard lock(mu_);
  follows_.erase(std::pair<std::string, std::string>(subject, owner));
}
void MemoryRelationships::connect(std::string a, std::string b) {
  std::lock_guard lock(mu_);
  connections_.emplace(a, b);
  connections_.emplace(std::move(b), std::move(a));
}
void MemoryRelationships::subscribe(std::string subject, std::string owner) {
  std::lock_guard lock(mu_);
  subscriptions_.emplace(std::move(subject), std::move(owner));
}
bool MemoryRelationships::following(std::string_view subject, std::string_view owner) {
  std::lock_guard lock(mu_);
  return follows_.contains(std::pair<std::string, std::string>(subject, owner));
}
bool MemoryRelationships::connected(std::string_view subject, std::string_view owner) {
  std::lock_guard lock(mu_);
  return connections_.contains(std::pair<std::string, std::string>(subject, owner));
}
bool MemoryRelationships::subscribed(std::string_view subject, std::string_view owner) {
  std::lock_guard lock(mu_);
  return subscriptions_.contains(std::pair<std::string, std::string>(subject, owner));
}

namespace {

Status check_tenant(std::string_view tenant) {
  if (tenant.empty() || tenant.size() > 256 || !encoding::is_valid_utf8(tenant)) {
    return fail(ErrorCode::kInvalidArgument, "ACCESS_TENANT_INVALID",
                "a tenant is 1 to 256 bytes of UTF-8");
  }
  return ok_status();
}

audit::EntryInput policy_entry(std::string_view action, std::string_view tenant,
                               std::string_view actor) {
  audit::EntryInput e;
  e.actor_id = actor.empty() ? "system" : std::string(actor);
  e.actor_type = actor.empty() ? "system" : "user";
  e.action = std::string(action);
  e.resource_type = "policy";
  e.resource_id = std::string(tenant);
  return e;
}

}  // namespace

AccessService::AccessService(PolicyStore& store, audit::AuditLog& audit, Env& env,
                             Relationships* relationships)
    : store_(store), audit_(audit), env_(env), relationships_(relationships) {}

Status AccessService::set_policy(std::string_view tenant, std::string_view document,
                                 std::string_view actor) {
  CAIRN_TRY(check_tenant(tenant));
  CAIRN_ASSIGN_OR_RETURN(Policy parsed, Policy::from_json(document));
  // Audit first, fail closed: a change that cannot be recorded is not made.
  CAIRN_TRY(audit_.record(policy_entry("access.policy.set", tenant, actor)));
  CAIRN_TRY(store_.put(tenant, parsed.to_json(), env_.now()));
  std::lock_guard lock(mu_);
  cache_[std::string(tenant)] = std::make_shared<const Policy>(std::move(parsed));
  return ok_status();
}

Result<std::optional<Policy>> AccessService::policy(std::string_view tenant) {
  CAIRN_TRY(check_tenant(tenant));
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(tenant);
    if (it != cache_.end()) {
      return it->second ? std::optional<Policy>(*it->second) : std::optional<Policy>();
    }
  }
  CAIRN_ASSIGN_OR_RETURN(std::optional<std::string> document, store_.get(tenant));
  std::shared_ptr<const Policy> parsed;
  if (document) {
    auto p = Policy::from_json(*document);
    if (!p) {
      return fail(ErrorCode::kDataLoss, "STORAGE_CORRUPT",
                  "the stored policy of a tenant no longer parses");
    }
    parsed = std::make_shared<const Policy>(std::move(*p));
  }
  std::lock_guard lock(mu_);
  cache_[std::string(tenant)] = parsed;
  return parsed ? std::optional<Policy>(*parsed) : std::optional<Policy>();
}

Status AccessService::remove_policy(std::string_view tenant, std::string_view actor) {
  CAIRN_TRY(check_tenant(tenant));
  CAIRN_ASSIGN_OR_RETURN(std::optional<std::string> existing, store_.get(tenant));
  if (!existing) {
    return fail(ErrorCode::kNotFound, "ACCESS_POLICY_NOT_FOUND", "the tenant has no policy");
  }
  CAIRN_TRY(audit_.record(policy_entry("access.policy.remove", tenant, actor)));
  CAIRN_TRY(store_.remove(tenant));
  std::lock_guard lock(mu_);
  cache_.erase(std::string(tenant));
  return ok_status();
}

Result<Decision> AccessService::check(std::string_view tenant, Subject subject,
                                      std::string_view action, Resource resource,
                                      const Environment& env) {
  CAIRN_TRY(check_tenant(tenant));
  std::shared_ptr<const Policy> tenant_policy;
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(tenant);
    if (it != cache_.end()) tenant_policy = it->second;
  }
  if (!tenant_policy) {
    CAIRN_ASSIGN_OR_RETURN(std::optional<Policy> loaded, policy(tenant));
    if (loaded) tenant_policy = std::make_shared<const Policy>(std::move(*loaded));
  }
  Relationships* relationships = nullptr;
  {
    std::lock_guard lock(mu_);
    relationships = relationships_;
  }
  if (relationships != nullptr && !subject.id_tag.empty()) {
    subject.following =
        subject.following || relationships->following(subject.id_tag, resource.owner);
    subject.connected =
        subject.connected || relationships->connected(subject.id_tag, resource.owner);
    if (resource.visibility == Visibility::kSubscribed &&
        relationships->subscribed(subject.id_tag, resource.owner)) {
      resource.audience.push_back(subject.id_tag);
    }
  }
  if (!subject.tenant) subject.tenant = std::string(tenant);
  return access::check(subject, action, resource, env, tenant_policy.get());
}

void AccessService::set_relationships(Relationships* relationships) {
  std::lock_guard lock(mu_);
  relationships_ = relationships;
}

}  // namespace cairn::access
