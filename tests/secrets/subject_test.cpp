#include "cairn/secrets/subject.hpp"

#include <gtest/gtest.h>

#include "cairn/secrets/entities.hpp"
#include "cairn/secrets/limits.hpp"

namespace cairn::secrets {
namespace {

constexpr const char* kOrgId = "0123456789abcdef0123456789abcdef";

TEST(SubjectTest, ParsesAndFormatsEachForm) {
  auto user = Subject::parse("ada@acme.io");
  ASSERT_TRUE(user);
  EXPECT_TRUE(user->is_user());
  EXPECT_EQ(user->name(), "ada@acme.io");
  EXPECT_EQ(user->to_string(), "ada@acme.io");
  EXPECT_EQ(user->in_org(), "ada@acme.io");

  auto unbound = Subject::parse("sa:deploy");
  ASSERT_TRUE(unbound);
  EXPECT_TRUE(unbound->is_service_account());
  EXPECT_EQ(unbound->name(), "deploy");
  EXPECT_EQ(unbound->org_id(), "");
  EXPECT_EQ(unbound->to_string(), "sa:deploy");

  auto bound = Subject::parse(std::string("sa:") + kOrgId + ":deploy");
  ASSERT_TRUE(bound);
  EXPECT_EQ(bound->name(), "deploy");
  EXPECT_EQ(bound->org_id(), kOrgId);
  EXPECT_EQ(bound->to_string(), std::string("sa:") + kOrgId + ":deploy");
  EXPECT_EQ(bound->in_org(), "sa:deploy");
  EXPECT_EQ(*Subject::parse(bound->to_string()), *bound);
  EXPECT_EQ(*Subject::service_account("deploy", kOrgId), *bound);
}

TEST(SubjectTest, RefusesWhatNamesNobody) {
  std::string too_long(kMaxUserBytes + 1, 'a');
  for (std::string_view bad : {std::string_view(""), std::string_view("sa:"),
                               std::string_view("sa:Deploy"), std::string_view("sa::deploy"),
                               std::string_view("sa:abc:deploy"), std::string_view("ada @acme.io"),
                               std::string_view("ada\n@acme.io"), std::string_view(too_long)}) {
    EXPECT_EQ(Subject::parse(bad).error().reason, "SECRETS_SUBJECT_INVALID") << bad;
  }
  // A user's address may not take the service-account form.
  EXPECT_EQ(Subject::user("sa:ci@acme.io").error().reason, "SECRETS_SUBJECT_INVALID");
  EXPECT_TRUE(Subject::names_service_account("sa:anything"));
  EXPECT_FALSE(Subject::names_service_account("ada@acme.io"));
}

TEST(SubjectTest, AServiceAccountActsBoundToItsOrganization) {
  ServiceAccount account{"id", kOrgId, "ci", "", {}};
  EXPECT_EQ(account.subject(), "sa:ci");
  EXPECT_EQ(account.actor().to_string(), std::string("sa:") + kOrgId + ":ci");
}

TEST(LimitsTest, NamesKeysAndValuesFollowThePublishedLimits) {
  EXPECT_TRUE(check_name(std::string(kMaxNameBytes, 'a')));
  EXPECT_EQ(check_name(std::string(kMaxNameBytes + 1, 'a')).error().reason, "SECRETS_NAME_INVALID");
  EXPECT_EQ(check_name("-lead").error().reason, "SECRETS_NAME_INVALID");
  EXPECT_TRUE(check_key(std::string(kMaxKeyBytes, 'K')));
  EXPECT_EQ(check_key(std::string(kMaxKeyBytes + 1, 'K')).error().reason, "SECRETS_KEY_INVALID");
  EXPECT_EQ(check_key("9LIVES").error().reason, "SECRETS_KEY_INVALID");
  EXPECT_TRUE(check_value(std::string(kMaxValueBytes, 'v')));
  EXPECT_EQ(check_value(std::string(kMaxValueBytes + 1, 'v')).error().reason,
            "SECRETS_VALUE_INVALID");
  EXPECT_EQ(check_value("\xff").error().reason, "SECRETS_VALUE_INVALID");
  EXPECT_EQ(kMaxUserBytes, auth::kMaxEmailBytes);
}

}  // namespace
}  // namespace cairn::secrets
