// PolicyStore on every backend, and AccessService on top of it.
#include <gtest/gtest.h>

#include "cairn/access/service.hpp"
#include "storage/internal/stores.hpp"
#include "support/conformance.hpp"

namespace cairn::testing {
namespace {

using access::AccessService;
using access::Policy;

constexpr const char* kDenyReads =
    R"({"top": [{"effect": "deny", "actions": ["file:read"],
                 "when": [{"attr": "resource.attrs.label", "op": "eq", "value": "secret"}]}]})";

class PolicyStoreConformance : public StoreConformanceTest {
 protected:
  void SetUp() override {
    StoreConformanceTest::SetUp();
    store_ = storage::internal::make_policy_store(database());
  }
  std::unique_ptr<access::PolicyStore> store_;
};

TEST_P(PolicyStoreConformance, PutGetRemoveAndList) {
  EXPECT_FALSE(store_->get("t1")->has_value());
  ASSERT_TRUE(store_->put("t1", "{\"top\":[]}", FakeEnv::kDefaultStart));
  ASSERT_TRUE(store_->put("t0", "{}", FakeEnv::kDefaultStart));
  ASSERT_TRUE(store_->put("t1", "{\"bottom\":[]}", FakeEnv::kDefaultStart));
  EXPECT_EQ(**store_->get("t1"), "{\"bottom\":[]}");
  EXPECT_EQ(*store_->tenants(), (std::vector<std::string>{"t0", "t1"}));
  EXPECT_TRUE(*store_->remove("t1"));
  EXPECT_FALSE(*store_->remove("t1"));
  EXPECT_FALSE(store_->get("t1")->has_value());
}

TEST_P(PolicyStoreConformance, ServiceValidatesAuditsAndApplies) {
  FakeEnv env;
  auto audit_store = storage::internal::make_audit_store(database());
  auto log = audit::AuditLog::open(*audit_store, "main", env).value();
  access::MemoryRelationships relationships;
  AccessService service(*store_, *log, env, &relationships);

  auto bad = service.set_policy("home", R"({"top": [{"effect": "perhaps"}]})", "admin");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().reason, "ACCESS_POLICY_INVALID");
  EXPECT_FALSE(store_->get("home")->has_value());
  EXPECT_EQ(*log->size(), 0u);
  EXPECT_EQ(service.set_policy("", "{}", "admin").error().reason, "ACCESS_TENANT_INVALID");

  ASSERT_TRUE(service.set_policy("home", kDenyReads, "admin"));
  EXPECT_EQ(*log->size(), 1u);
  EXPECT_EQ(log->entry(0)->entry.action, "access.policy.set");
  EXPECT_EQ(log->entry(0)->entry.resource_id, "home");
  EXPECT_EQ(**store_->get("home"), Policy::from_json(kDenyReads)->to_json());

  access::Subject alice;
  alice.id_tag = "alice";
  access::Resource secret;
  secret.owner = "bob";
  secret.visibility = access::Visibility::kPublic;
  secret.attrs["label"] = std::string("secret");
  auto d = service.check("home", alice, "file:read", secret);
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->allowed);
  EXPECT_EQ(d->rule(), "top[0]");
  EXPECT_TRUE(service.check("elsewhere", alice, "file:read", secret)->allowed);

  // Relationships come from the host: following bob opens his follower items.
  access::Resource followers_only;
  followers_only.owner = "bob";
  followers_only.visibility = access::Visibility::kFollower;
  EXPECT_FALSE(service.check("home", alice, "action:read", followers_only)->allowed);
  relationships.follow("alice", "bob");
  EXPECT_TRUE(service.check("home", alice, "action:read", followers_only)->allowed);
  access::Resource subscribers;
  subscribers.owner = "bob";
  subscribers.visibility = access::Visibility::kSubscribed;
  EXPECT_FALSE(service.check("home", alice, "action:read", subscribers)->allowed);
  relationships.subscribe("alice", "bob");
  EXPECT_EQ(service.check("home", alice, "action:read", subscribers)->step, "audience");

  ASSERT_TRUE(service.remove_policy("home", "admin"));
  EXPECT_EQ(log->entry(1)->entry.action, "access.policy.remove");
  EXPECT_TRUE(service.check("home", alice, "file:read", secret)->allowed);
  EXPECT_EQ(service.remove_policy("home", "admin").error().reason, "ACCESS_POLICY_NOT_FOUND");
  EXPECT_TRUE(log->verify());
}

TEST_P(PolicyStoreConformance, PoliciesSurviveReopenOnPersistentBackends) {
  ASSERT_TRUE(store_->put("t", "{}", FakeEnv::kDefaultStart));
  store_.reset();
  store_ = storage::internal::make_policy_store(reopen());
  EXPECT_EQ(store_->get("t")->has_value(), persistent());
}

CAIRN_INSTANTIATE_CONFORMANCE(PolicyStoreConformance);

}  // namespace
}  // namespace cairn::testing
