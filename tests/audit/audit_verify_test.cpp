// Tamper detection: damage done to a stored log (through SQL, as an attacker with file access
// would) or to an export is found, with the right kind and the first bad sequence number.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <iterator>
#include <sstream>

#include "cairn/core/encoding.hpp"
#include "cairn/engine.hpp"
#include "support/sqlite_file.hpp"
#include "support/temp_dir.hpp"

namespace cairn::audit {
namespace {

using cairn::testing::TempDir;

EntryInput entry(int i) {
  EntryInput e;
  e.actor_id = "user" + std::to_string(i);
  e.action = "secret.read";
  e.resource_type = "secret";
  e.resource_id = "KEY_" + std::to_string(i);
  e.ip = "10.0.0." + std::to_string(i % 250);
  e.user_agent = "test/1.0";
  e.request_id = "req-" + std::to_string(i);
  e.details = R"({"n":)" + std::to_string(i) + "}";
  return e;
}

class AuditVerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("audit.db");
    engine_ = std::move(Engine::open("sqlite:" + path_).value());
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(engine_->audit().append(entry(i)));
  }

  // The row id of entry `seq` of the engine's log (log id 1; see sqlite/audit_store.cpp).
  static std::string row(uint64_t seq) { return std::to_string((int64_t{1} << 40) + int64_t(seq)); }

  void sql(const std::string& statement) { cairn::testing::exec_sql(path_, statement); }

  VerifyReport expect_damage(Damage damage, uint64_t seq) {
    auto report = engine_->audit().check();
    EXPECT_TRUE(report) << report.error().to_string();
    EXPECT_FALSE(report->intact);
    EXPECT_EQ(damage_name(report->damage), damage_name(damage)) << report->detail;
    EXPECT_EQ(report->first_bad_seq, seq) << report->detail;
    Status s = engine_->audit().verify();
    EXPECT_FALSE(s);
    EXPECT_EQ(s.error().code, ErrorCode::kDataLoss);
    EXPECT_EQ(s.error().reason, "AUDIT_CHAIN_BROKEN");
    EXPECT_NE(s.error().message.find("sequence " + std::to_string(seq)), std::string::npos);
    return *report;
  }

  TempDir dir_;
  std::string path_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(AuditVerifyTest, IntactLogVerifies) {
  auto report = engine_->audit().check();
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->intact);
  EXPECT_EQ(report->entries, 20u);
}

TEST_F(AuditVerifyTest, FindsAModifiedField) {
  sql("UPDATE audit_entries SET actor_id = 'mallory' WHERE id = " + row(7));
  expect_damage(Damage::kModified, 7);
}

TEST_F(AuditVerifyTest, FindsAModifiedIpAndUserAgent) {
  sql("UPDATE audit_entries SET user_agent = 'other' WHERE id = " + row(11));
  expect_damage(Damage::kModified, 11);
}

TEST_F(AuditVerifyTest, FindsAModificationWithRecomputedLeafAndLink) {
  // The attacker fixes the row's own leaf and link; the persisted tree leaf still disagrees.
  StoredEntry e = engine_->audit().entry(4).value();
  e.entry.actor_id = "mallory";
  Hash leaf = leaf_hash(encode(e.entry));
  Hash link = chain_link(engine_->audit().entry(3)->link, leaf);
  sql("UPDATE audit_entries SET actor_id = 'mallory', leaf = x'" + encoding::hex_encode(leaf) +
      "', link = x'" + encoding::hex_encode(link) + "' WHERE id = " + row(4));
  expect_damage(Damage::kModified, 4);
}

TEST_F(AuditVerifyTest, ExportsAndReportsRowsDamagedBeyondParsing) {
  sql("UPDATE audit_entries SET details = '{not json' WHERE id = " + row(2));
  sql("UPDATE audit_entries SET user_agent = CAST(x'ff00ff' AS TEXT) WHERE id = " + row(3));
  expect_damage(Damage::kModified, 2);
  std::string path = dir_.file("damaged.jsonl");
  ASSERT_TRUE(engine_->audit().export_jsonl(path));
  std::ifstream in(path);
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  auto key = crypto::PublicKey::from_pem(engine_->audit().public_key_pem()).value();
  auto report = verify_export(text, key);
  ASSERT_TRUE(report) << report.error().to_string();
  EXPECT_EQ(damage_name(report->damage), "modified");
  EXPECT_EQ(report->first_bad_seq, 2u);
}

TEST_F(AuditVerifyTest, FindsADeletedEntry) {
  sql("DELETE FROM audit_entries WHERE id = " + row(5));
  expect_damage(Damage::kDeleted, 5);
}

TEST_F(AuditVerifyTest, FindsATruncatedLog) {
  sql("DELETE FROM audit_entries WHERE id >= " + row(17));
  expect_damage(Damage::kTruncated, 17);
}

TEST_F(AuditVerifyTest, FindsAnInsertedEntry) {
  sql("INSERT INTO audit_entries SELECT id + 1, time, actor_type, actor_id, action, "
      "resource_type, resource_id, outcome, details, ip, user_agent, request_id, leaf, link "
      "FROM audit_entries WHERE id = " +
      row(19));
  expect_damage(Damage::kInserted, 20);
}

TEST_F(AuditVerifyTest, TwoHandlesOnOneFileAppendWithoutForking) {
  auto other = Engine::open("sqlite:" + path_);
  ASSERT_TRUE(other);
  EXPECT_EQ(*(*other)->audit().append(entry(100)), 20u);
  EXPECT_EQ(*engine_->audit().append(entry(101)), 21u);
  auto stale = (*other)->audit().append(entry(102), 21);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().reason, "AUDIT_SIZE_MISMATCH");
  EXPECT_TRUE(engine_->audit().verify());
  EXPECT_EQ((*other)->audit().tree_head()->root, engine_->audit().tree_head()->root);
}

class AuditExportTest : public AuditVerifyTest {
 protected:
  std::vector<std::string> exported_lines() {
    std::string path = dir_.file("export.jsonl");
    EXPECT_TRUE(engine_->audit().export_jsonl(path));
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }
  static std::string join(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
  }
  VerifyReport verify(const std::vector<std::string>& lines) {
    auto key = crypto::PublicKey::from_pem(engine_->audit().public_key_pem()).value();
    auto report = verify_export(join(lines), key);
    EXPECT_TRUE(report) << report.error().to_string();
    return *report;
  }
};

TEST_F(AuditExportTest, IntactExportVerifiesOffline) {
  auto lines = exported_lines();
  ASSERT_EQ(lines.size(), 21u);
  EXPECT_NE(lines.back().find("\"tree_head\""), std::string::npos);
  auto report = verify(lines);
  EXPECT_TRUE(report.intact) << report.detail;
  EXPECT_EQ(report.entries, 20u);
}

TEST_F(AuditExportTest, FindsEachKindOfDamage) {
  auto lines = exported_lines();
  auto edited = lines;
  edited[3].replace(edited[3].find("user3"), 5, "userX");
  auto r = verify(edited);
  EXPECT_EQ(damage_name(r.damage), "modified");
  EXPECT_EQ(r.first_bad_seq, 3u);

  auto deleted = lines;
  deleted.erase(deleted.begin() + 6);
  r = verify(deleted);
  EXPECT_EQ(damage_name(r.damage), "deleted");
  EXPECT_EQ(r.first_bad_seq, 6u);

  auto reordered = lines;
  std::swap(reordered[8], reordered[9]);
  r = verify(reordered);
  EXPECT_EQ(damage_name(r.damage), "reordered");
  EXPECT_EQ(r.first_bad_seq, 8u);

  auto duplicated = lines;
  duplicated.insert(duplicated.begin() + 10, lines[9]);
  r = verify(duplicated);
  EXPECT_EQ(damage_name(r.damage), "inserted");
  EXPECT_EQ(r.first_bad_seq, 9u);

  auto truncated = lines;
  truncated.erase(truncated.begin() + 15, truncated.end() - 1);
  r = verify(truncated);
  EXPECT_EQ(damage_name(r.damage), "truncated");
  EXPECT_EQ(r.first_bad_seq, 15u);
}

TEST_F(AuditExportTest, ATreeHeadNotSignedByTheKeyFails) {
  auto lines = exported_lines();
  auto other = crypto::PrivateKey::generate(crypto::SignatureAlgorithm::kEd25519).value();
  auto r = verify_export(join(lines), other.public_key());
  ASSERT_TRUE(r);
  EXPECT_EQ(damage_name(r->damage), "tree_head");
  auto forged = lines;
  forged.back().replace(forged.back().find("\"size\":20"), 9, "\"size\":19");
  EXPECT_EQ(damage_name(verify(forged).damage), "tree_head");
}

TEST_F(AuditExportTest, MalformedExportsAreInvalidArgument) {
  auto key = crypto::PublicKey::from_pem(engine_->audit().public_key_pem()).value();
  for (std::string bad : {std::string(""), std::string("not json\n"),
                          std::string("{\"seq\":0}\n{\"tree_head\":{}}\n")}) {
    auto r = verify_export(bad, key);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().reason, "AUDIT_EXPORT_MALFORMED");
  }
}

TEST_F(AuditExportTest, MalformedLinesAreNamedByTheirLineNumber) {
  auto lines = exported_lines();
  lines.insert(lines.begin() + 2, "");  // a blank line: tolerated, but counted
  lines[5] = "{broken";
  auto key = crypto::PublicKey::from_pem(engine_->audit().public_key_pem()).value();
  auto r = verify_export(join(lines), key);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, "AUDIT_EXPORT_MALFORMED");
  EXPECT_NE(r.error().message.find("line 6:"), std::string::npos) << r.error().message;
  auto huge = exported_lines();
  huge[1].replace(huge[1].find("\"time\":"), 7, "\"time\":18446744073709551615,\"x\":");
  auto h = verify_export(join(huge), key);
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error().reason, "AUDIT_EXPORT_MALFORMED");
}

TEST_F(AuditExportTest, ExportFileIsPrivate) {
  std::string path = dir_.file("private.jsonl");
  ASSERT_TRUE(engine_->audit().export_jsonl(path));
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(engine_->audit().export_jsonl(dir_.file("no/such/dir.jsonl")).error().reason,
            "AUDIT_EXPORT_FAILED");
}

}  // namespace
}  // namespace cairn::audit
