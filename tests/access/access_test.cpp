// cairn::access against Cloudillo's published behaviour (reference cloudillo.md 3.1-3.4).
#include <gtest/gtest.h>

#include <random>

#include "cairn/access/check.hpp"

namespace cairn::access {
namespace {

Subject subject(std::string id, std::vector<std::string> roles = {}) {
  Subject s;
  s.id_tag = std::move(id);
  s.roles = std::move(roles);
  return s;
}

TEST(VisibilityTest, CharactersNamesAndLeniency) {
  for (char c : std::string("PV2FCSD")) EXPECT_EQ(visibility_char(visibility_from_char(c)), c);
  EXPECT_EQ(visibility_from_char('x'), Visibility::kDirect);
  EXPECT_EQ(visibility_from_char('\0'), Visibility::kDirect);
  EXPECT_EQ(*parse_visibility("second_degree"), Visibility::kSecondDegree);
  EXPECT_EQ(*parse_visibility("S"), Visibility::kSubscribed);
  EXPECT_EQ(parse_visibility("x").error().reason, "ACCESS_VISIBILITY_UNKNOWN");
  EXPECT_EQ(parse_level("boss").error().reason, "ACCESS_LEVEL_UNKNOWN");
}

TEST(VisibilityTest, CanAccessTableAndVisibleLevels) {
  // Section 3.2: a follower reads 2 items; connected reads 2, F and C; S and D need owner.
  EXPECT_TRUE(can_access(Level::kFollower, Visibility::kSecondDegree));
  EXPECT_TRUE(can_access(Level::kConnected, Visibility::kConnected));
  EXPECT_FALSE(can_access(Level::kFollower, Visibility::kConnected));
  for (Level l : {Level::kConnected, Level::kFollower, Level::kVerified, Level::kPublic}) {
    EXPECT_FALSE(can_access(l, Visibility::kSubscribed)) << level_name(l);
  }
  EXPECT_TRUE(can_access(Level::kOwner, Visibility::kSubscribed));
  EXPECT_TRUE(can_access(Level::kNone, Visibility::kPublic));
  auto names = [](Level l) {
    std::string out;
    for (Visibility v : visible_levels(l)) out += visibility_char(v);
    return out;
  };
  EXPECT_EQ(names(Level::kNone), "P");
  EXPECT_EQ(names(Level::kPublic), "P");
  EXPECT_EQ(names(Level::kVerified), "PV");
  EXPECT_EQ(names(Level::kSecondDegree), "PV2");
  EXPECT_EQ(names(Level::kFollower), "PV2F");
  EXPECT_EQ(names(Level::kConnected), "PV2FC");
  EXPECT_EQ(names(Level::kOwner), "PV2FCSD");
}

TEST(RolesTest, ExpansionAndManagement) {
  std::vector<std::string> moderator{"moderator", "SADM"};
  EXPECT_EQ(expand_roles(moderator),
            (std::vector<std::string>{"public", "follower", "supporter", "contributor", "moderator",
                                      "SADM"}));
  EXPECT_TRUE(expand_roles(std::vector<std::string>{}).empty());
  std::vector<std::string> leader{"leader"}, mod{"moderator"}, contrib{"contributor"};
  EXPECT_TRUE(can_manage_member(mod, contrib));
  EXPECT_FALSE(can_manage_member(mod, mod));
  EXPECT_TRUE(can_manage_member(leader, leader));
  EXPECT_FALSE(can_manage_member(contrib, std::vector<std::string>{"public"}));
  EXPECT_TRUE(can_assign_role(leader, "leader"));
  EXPECT_TRUE(can_assign_role(mod, "contributor"));
  EXPECT_FALSE(can_assign_role(mod, "moderator"));
  EXPECT_FALSE(can_assign_role(leader, "SADM"));
}

TEST(FileAccessTest, ResolutionOrderFromTheReference) {
  FileAccessFacts f;
  f.subject = "alice";
  f.file_owner = "bob";
  f.tenant = "home";
  EXPECT_EQ(resolve_file_access(f), AccessLevel::kNone);
  f.share_action = "COMMENT";
  EXPECT_EQ(resolve_file_access(f), AccessLevel::kComment);
  f.share_action = "SOMETHING";
  EXPECT_EQ(resolve_file_access(f), AccessLevel::kRead);
  f.share_action = "DEL";
  EXPECT_EQ(resolve_file_access(f), AccessLevel::kNone);
  f.folder_shares = {std::nullopt, AccessLevel::kWrite, AccessLevel::kRead};
  EXPECT_EQ(resolve_file_access(f), AccessLevel::kWrite);  // the nearest share wins
  f.direct_share = access_level_from_perm_char('C');
  EXPECT_EQ(resolve_file_access(f), AccessLevel::kComment);  // direct beats inherited
  f.subject = "bob";
  EXPECT_EQ(resolve_file_access(f), AccessLevel::kAdmin);  // the owner, first of all

  FileAccessFacts tenant_file;
  tenant_file.subject = "carol";
  tenant_file.tenant = "home";  // no owner: the tenant's file
  EXPECT_EQ(resolve_file_access(tenant_file), AccessLevel::kNone);
  for (auto [role, level] :
       {std::pair{"leader", AccessLevel::kAdmin}, std::pair{"moderator", AccessLevel::kWrite},
        std::pair{"contributor", AccessLevel::kWrite}, std::pair{"supporter", AccessLevel::kRead},
        std::pair{"public", AccessLevel::kRead}}) {
    tenant_file.subject_roles = {role};
    EXPECT_EQ(resolve_file_access(tenant_file), level) << role;
  }
  EXPECT_EQ(access_level_from_perm_char('A'), AccessLevel::kAdmin);
  EXPECT_EQ(access_level_from_perm_char('W'), AccessLevel::kWrite);
  EXPECT_EQ(access_level_from_perm_char('?'), AccessLevel::kRead);
}

TEST(CheckTest, AccessLevelTableFromTheReference) {
  // Subject alice, no roles; the object has only an access level (section 3.4).
  struct Row {
    const char* level;
    bool read, update, del;
  };
  for (const Row& row : {Row{"admin", true, true, true}, Row{"write", true, true, true},
                         Row{"read", true, false, false}, Row{"bogus", false, false, false},
                         Row{"none", false, false, false}}) {
    Resource file;
    file.visibility = Visibility::kDirect;
    file.access_level = parse_access_level(row.level);
    Subject alice = subject("alice");
    EXPECT_EQ(check(alice, "file:read", file).allowed, row.read) << row.level;
    EXPECT_EQ(check(alice, "file:update", file).allowed, row.update) << row.level;
    EXPECT_EQ(check(alice, "file:delete", file).allowed, row.del) << row.level;
  }
}

TEST(CheckTest, SubscribedItemsOpenToAudienceOwnerAndTenant) {
  Resource item;
  item.owner = "bob.example.com";
  item.visibility = Visibility::kSubscribed;
  auto as = [&](const char* who, std::vector<std::string> audience) {
    item.audience = std::move(audience);
    Subject s = subject(who);
    s.tenant = "home.example.com";
    return check(s, "action:read", item);
  };
  Decision alice = as("alice.example.com", {"alice.example.com"});
  EXPECT_TRUE(alice.allowed);
  EXPECT_EQ(alice.step, "audience");
  EXPECT_FALSE(as("carol.example.com", {}).allowed);
  EXPECT_TRUE(as("bob.example.com", {}).allowed);
  EXPECT_TRUE(as("home.example.com", {}).allowed);
}

// The nine seeded posts of the reference's SQL visibility test, seen by one viewer.
int visible_posts(Subject viewer, bool subscribed) {
  std::vector<Resource> posts;
  for (char c : std::string("PV2FCSD")) {
    Resource r;
    r.owner = "carol";
    r.visibility = visibility_from_char(c);
    if (c == 'S' && subscribed) r.audience = {"viewer"};
    posts.push_back(r);
  }
  Resource own;
  own.owner = "viewer";
  own.visibility = Visibility::kDirect;
  posts.push_back(own);
  Resource addressed;
  addressed.owner = "carol";
  addressed.visibility = Visibility::kDirect;
  addressed.audience = {"viewer"};
  posts.push_back(addressed);
  int n = 0;
  for (const Resource& p : posts) n += check(viewer, "action:read", p).allowed ? 1 : 0;
  return n;
}

TEST(CheckTest, NineRowVisibilityScenario) {
  Subject guest = subject("guest");
  EXPECT_EQ(visible_posts(guest, false), 1);
  Subject viewer = subject("viewer");
  EXPECT_EQ(visible_posts(viewer, false), 4);
  Subject following = viewer;
  following.following = true;
  EXPECT_EQ(visible_posts(following, false), 6);
  Subject connected = viewer;
  connected.connected = true;
  EXPECT_EQ(visible_posts(connected, false), 7);
  EXPECT_EQ(visible_posts(viewer, true), 5);
  Subject tenant = subject("home");
  tenant.tenant = "home";
  EXPECT_EQ(visible_posts(tenant, false), 9);
}

TEST(CheckTest, DefaultRulesAndTheirSteps) {
  Resource r;
  r.owner = "bob";
  EXPECT_EQ(check(subject("x", {"leader"}), "file:delete", r).step, "leader");
  EXPECT_EQ(check(subject("bob"), "file:write", r).step, "owner");
  EXPECT_FALSE(check(subject("alice"), "file:write", r).allowed);
  EXPECT_EQ(check(subject("alice"), "file", r).step, "malformed_action");
  EXPECT_EQ(check(subject("alice"), "a:b:c", r).step, "malformed_action");
  EXPECT_TRUE(check(subject("alice"), "post:create", r).allowed);
  EXPECT_FALSE(check(subject("alice", {"contributor"}), "profile:admin", r).allowed);
  EXPECT_TRUE(check(subject("alice", {"moderator"}), "profile:admin", r).allowed);
  EXPECT_EQ(check(subject("alice"), "profile:frobnicate", r).step, "default_deny");
}

TEST(PolicyTest, TopDeniesAndBottomGrantsWithExplanations) {
  auto policy = Policy::from_json(R"({
    "top": [
      {"effect": "deny", "actions": ["file:read"], "when": [{"attr": "resource.attrs.classification", "op": "eq", "value": "secret"},
                                                           {"attr": "subject.roles", "op": "has_role", "value": "moderator", "negate_hint": 1}]},
      {"effect": "deny", "actions": ["file:delete"], "when": [{"attr": "subject.id_tag", "op": "ne", "value": "bob"}]}
    ],
    "bottom": [
      {"effect": "allow", "actions": ["file:read"], "when": [{"attr": "subject.department", "op": "in", "value": ["legal", "audit"]}]},
      {"effect": "allow", "when": [{"attr": "env.time", "op": "gt", "value": 4000000000}]}
    ]})");
  ASSERT_TRUE(policy) << policy.error().to_string();
  Resource secret;
  secret.owner = "bob";
  secret.visibility = Visibility::kPublic;
  secret.attrs["classification"] = std::string("secret");
  Decision d = check(subject("m", {"moderator"}), "file:read", secret, {}, &*policy);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.step, "top_policy");
  EXPECT_EQ(d.rule(), "top[0]");
  // The leader override does not beat a TOP deny.
  EXPECT_FALSE(check(subject("l", {"leader"}), "file:delete", secret, {}, &*policy).allowed);
  EXPECT_TRUE(check(subject("bob"), "file:delete", secret, {}, &*policy).allowed);

  Resource hidden;
  hidden.owner = "bob";
  hidden.visibility = Visibility::kDirect;
  Subject lawyer = subject("lina");
  lawyer.attrs["department"] = std::string("legal");
  Decision granted = check(lawyer, "file:read", hidden, {}, &*policy);
  EXPECT_TRUE(granted.allowed);
  EXPECT_EQ(granted.rule(), "bottom[0]");
  EXPECT_FALSE(check(subject("eve"), "file:read", hidden, {}, &*policy).allowed);
  Environment later;
  later.time = 4100000000;
  EXPECT_EQ(check(subject("eve"), "file:read", hidden, later, &*policy).rule(), "bottom[1]");
  // A missing attribute makes even 'ne' false.
  auto ne = Policy::from_json(
      R"({"top":[{"effect":"deny","when":[{"attr":"subject.team","op":"ne","value":"x"}]}]})");
  EXPECT_TRUE(check(subject("bob"), "file:write", hidden, {}, &*ne).allowed);
}

TEST(PolicyTest, WeeklyWindows) {
  auto policy = Policy::from_json(R"({"bottom": [{"effect": "allow", "actions": ["door:open"],
    "when": [{"attr": "env.time", "op": "weekly",
              "value": {"days": ["mon","tue","wed","thu","fri"], "from": "09:00", "to": "17:30", "utc_offset": "+01:00"}}]}]})");
  ASSERT_TRUE(policy) << policy.error().to_string();
  Resource door;
  door.owner = "office";
  auto at = [&](int64_t t) {
    Environment env;
    env.time = t;
    return check(subject("alice"), "door:open", door, env, &*policy).allowed;
  };
  // 2026-01-05 is a Monday. 08:00Z = 09:00 +01:00.
  const int64_t monday = 1767571200;
  EXPECT_FALSE(at(monday + 7 * 3600 + 59 * 60));     // 08:59 local
  EXPECT_TRUE(at(monday + 8 * 3600));                // 09:00 local
  EXPECT_TRUE(at(monday + 16 * 3600 + 29 * 60));     // 17:29 local
  EXPECT_FALSE(at(monday + 16 * 3600 + 30 * 60));    // 17:30 local
  EXPECT_FALSE(at(monday + 5 * 86400 + 10 * 3600));  // Saturday
  Environment none;
  EXPECT_FALSE(check(subject("alice"), "door:open", door, none, &*policy).allowed);
  WeeklyWindow night{0b1, 22 * 60, 6 * 60, 0};  // Monday 22:00 to Tuesday 06:00, UTC
  EXPECT_TRUE(night.contains(monday + 23 * 3600));
  EXPECT_TRUE(night.contains(monday + 86400 + 5 * 3600));
  EXPECT_FALSE(night.contains(monday + 5 * 3600));
}

TEST(PolicyTest, InvalidDocumentsNameThePath) {
  struct Case {
    const char* doc;
    const char* path;
  };
  for (
      const Case& c : {
          Case{"[]", "$"},
          Case{"{nope", "$"},
          Case{R"({"top": {}})", "top"},
          Case{R"({"top": [{"effect": "maybe"}]})", "top[0].effect"},
          Case{R"({"bottom": [{"effect": "allow"}, {"effect": "deny", "actions": ["read"]}]})",
               "bottom[1].actions[0]"},
          Case{
              R"({"top": [{"effect": "deny", "when": [{"attr": "user.name", "op": "eq", "value": 1}]}]})",
              "top[0].when[0].attr"},
          Case{
              R"({"top": [{"effect": "deny", "when": [{"attr": "env.x", "op": "like", "value": 1}]}]})",
              "top[0].when[0].op"},
          Case{
              R"({"top": [{"effect": "deny", "when": [{"attr": "env.x", "op": "in", "value": "a"}]}]})",
              "top[0].when[0].value"},
          Case{
              R"({"top": [{"effect": "deny", "when": [{"attr": "env.time", "op": "weekly", "value": {"days": ["mon"], "from": "25:00", "to": "10:00"}}]}]})",
              "top[0].when[0].value.from"},
          Case{
              R"({"top": [{"effect": "deny", "when": [{"attr": "env.time", "op": "weekly", "value": {"days": ["someday"], "from": "01:00", "to": "10:00"}}]}]})",
              "top[0].when[0].value.days[0]"},
      }) {
    auto p = Policy::from_json(c.doc);
    ASSERT_FALSE(p) << c.doc;
    EXPECT_EQ(p.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(p.error().reason, "ACCESS_POLICY_INVALID");
    EXPECT_EQ(p.error().message.rfind(std::string(c.path) + ":", 0), 0u) << p.error().message;
  }
}

TEST(PolicyTest, CanonicalJsonRoundTrips) {
  const char* doc =
      R"({"bottom":[{"actions":["a:b"],"effect":"allow","when":[{"attr":"env.time","op":"weekly","value":{"days":["sat","sun"],"from":"00:00","to":"24:00","utc_offset":"-05:30"}}]}],"top":[{"effect":"deny","when":[{"attr":"subject.roles","op":"has_role","value":"leader"}]}]})";
  auto p = Policy::from_json(doc);
  ASSERT_TRUE(p) << p.error().to_string();
  auto again = Policy::from_json(p->to_json());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->to_json(), p->to_json());
  EXPECT_EQ(p->to_json(), doc);
}

TEST(PolicyTest, RulesAreIndexedByActionInDocumentOrder) {
  auto p = Policy::from_json(R"({"top": [
    {"effect": "deny", "actions": ["a:x"]}, {"effect": "deny"}, {"effect": "deny", "actions": ["a:x", "b:y"]},
    {"effect": "deny", "actions": ["b:y"]}]})");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->candidates(true, "a:x"), (std::vector<uint32_t>{0, 1, 2}));
  EXPECT_EQ(p->candidates(true, "b:y"), (std::vector<uint32_t>{1, 2, 3}));
  EXPECT_EQ(p->candidates(true, "c:z"), (std::vector<uint32_t>{1}));
  EXPECT_TRUE(p->candidates(false, "a:x").empty());
}

TEST(PolicyTest, CollectionPoliciesDefaultToDenyOnceDefined) {
  auto p = Policy::from_json(R"({"bottom": [{"effect": "allow", "actions": ["post:create"],
    "when": [{"attr": "subject.roles", "op": "has_role", "value": "contributor"}]}]})");
  ASSERT_TRUE(p);
  EXPECT_TRUE(check_collection(subject("a", {"contributor"}), "post:create", {}, *p).allowed);
  EXPECT_FALSE(check_collection(subject("a", {"follower"}), "post:create", {}, *p).allowed);
  EXPECT_TRUE(check_collection(subject("a"), "file:create", {}, *p).allowed);  // no rule for it
}

TEST(CheckPropertyTest, RaisingTheRelationshipNeverRemovesAccess) {
  std::mt19937 rng(7);
  const char* ops[] = {"action:read", "file:write", "post:create", "profile:admin"};
  for (int trial = 0; trial < 5000; ++trial) {
    Resource r;
    r.owner = "owner";
    r.visibility = static_cast<Visibility>(rng() % 7);
    if (rng() % 3 == 0) r.audience = {"viewer"};
    if (rng() % 4 == 0) r.access_level = static_cast<AccessLevel>(rng() % 5);
    std::vector<std::string> roles;
    if (rng() % 3 == 0) roles.emplace_back(kRoles[rng() % 6]);
    const char* action = ops[rng() % 4];
    // The ladder, lowest first: guest, authenticated, following, connected, owner.
    std::vector<Subject> ladder;
    ladder.push_back(subject("guest", roles));
    ladder.push_back(subject("viewer", roles));
    ladder.push_back(ladder.back());
    ladder.back().following = true;
    ladder.push_back(ladder.back());
    ladder.back().connected = true;
    ladder.push_back(subject("owner", roles));
    bool before = false;
    for (size_t i = 0; i < ladder.size(); ++i) {
      bool now = check(ladder[i], action, r).allowed;
      if (i > 0 && before && !now) {
        ADD_FAILURE() << "access lost at rung " << i << " for " << action;
      }
      before = now;
    }
  }
}

}  // namespace
}  // namespace cairn::access
