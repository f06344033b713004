// cairn-audit (tools/cairn-audit), run as a program on exports of a real SQLite-backed log: exit
// statuses, the sequence numbers it names, and proofs checked against the log's own roots.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "cairn/audit/entry.hpp"
#include "cairn/audit/log.hpp"
#include "cairn/audit/merkle.hpp"
#include "cairn/core/encoding.hpp"
#include "cairn/crypto/sign.hpp"
#include "cairn/engine.hpp"
#include "support/temp_dir.hpp"

namespace cairn::audit {
namespace {

using cairn::testing::TempDir;
using encoding::hex_encode;
using nlohmann::json;

// What one run of the program did.
struct CliRun {
  int status = -1;  // exit status, or -1 when it did not exit normally
  std::string out;
  std::string err;
};

// `text` as one shell word.
std::string quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

Hash unhex_hash(const std::string& hex) {
  Hash out{};
  auto bytes = encoding::hex_decode(hex);
  EXPECT_TRUE(bytes && bytes->size() == out.size()) << hex;
  if (bytes && bytes->size() == out.size()) std::copy(bytes->begin(), bytes->end(), out.begin());
  return out;
}

std::vector<Hash> unhex_hashes(const json& array) {
  std::vector<Hash> out;
  for (const json& item : array) out.push_back(unhex_hash(item.get<std::string>()));
  return out;
}

class AuditCliTest : public ::testing::Test {
 protected:
  static constexpr uint64_t kEntries = 7;  // not a power of two: proofs have uneven right edges

  void SetUp() override {
    auto engine = Engine::open("sqlite:" + dir_.file("a.db"));
    ASSERT_TRUE(engine) << engine.error().to_string();
    engine_ = std::move(*engine);
    for (uint64_t i = 0; i < kEntries; ++i) {
      EntryInput e;
      e.actor_id = "user-" + std::to_string(i);
      e.action = i % 2 == 0 ? "secret.write" : "secret.read";
      e.resource_type = "secret";
      e.resource_id = "DB_URL";
      // Non-ASCII text and unsorted keys: details must survive the export's JSON round trip.
      e.details = R"({"note":"café","attempt":)" + std::to_string(i) + "}";
      e.ip = "192.0.2.1";
      e.request_id = "req-" + std::to_string(i);
      auto seq = log().append(e);
      ASSERT_TRUE(seq) << seq.error().to_string();
      ASSERT_EQ(*seq, i);
    }
    export_path_ = dir_.file("a.jsonl");
    key_path_ = dir_.file("a.pub");
    auto exported = log().export_jsonl(export_path_);
    ASSERT_TRUE(exported) << exported.error().to_string();
    write_text(key_path_, log().public_key_pem());
  }

  AuditLog& log() { return engine_->audit(); }

  // Runs cairn-audit with `args` (already shell-quoted where needed).
  CliRun run(const std::string& args) {
    std::string err_path = dir_.file("stderr.txt");
    std::string command = quote(CAIRN_AUDIT_CLI) + " " + args + " 2>" + quote(err_path);
    CliRun result;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) {
      ADD_FAILURE() << "popen failed: " << command;
      return result;
    }
    char buffer[4096];
    for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) {
      result.out.append(buffer, n);
    }
    int status = ::pclose(pipe);
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result.err = read_text(err_path);
    return result;
  }

  CliRun verify(const std::string& export_path, const std::string& key_path) {
    return run("verify " + quote(export_path) + " --key " + quote(key_path));
  }
  CliRun verify(const std::string& export_path) { return verify(export_path, key_path_); }

  // A copy of the export with its lines changed by `edit`; returns the copy's path.
  std::string tampered(const std::string& name,
                       const std::function<void(std::vector<std::string>&)>& edit) {
    std::vector<std::string> lines = split_lines(read_text(export_path_));
    EXPECT_EQ(lines.size(), kEntries + 1);  // the entries, then the tree head
    edit(lines);
    std::string text;
    for (const std::string& line : lines) text += line + "\n";
    std::string path = dir_.file(name);
    write_text(path, text);
    return path;
  }

  Hash log_root(uint64_t size) {
    auto r = log().root(size);
    EXPECT_TRUE(r) << r.error().to_string();
    return r ? *r : Hash{};
  }

  TempDir dir_;
  std::unique_ptr<Engine> engine_;
  std::string export_path_;
  std::string key_path_;
};

TEST_F(AuditCliTest, VerifyAcceptsAnIntactExport) {
  CliRun r = verify(export_path_);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out,
            "intact: 7 entries, tree head size 7 root " + hex_encode(log_root(kEntries)) + "\n");
  EXPECT_EQ(r.err, "");
}

TEST_F(AuditCliTest, StreamedExportsMatchTheFileAndVerifyFromStandardInput) {
  std::ostringstream stream;
  ASSERT_TRUE(log().export_jsonl(stream));
  std::string via_sink;
  size_t chunks = 0;
  ASSERT_TRUE(log().export_jsonl([&](std::string_view chunk) -> Status {
    EXPECT_TRUE(chunk.ends_with('\n'));
    via_sink.append(chunk);
    ++chunks;
    return ok_status();
  }));
  EXPECT_EQ(chunks, 1U);  // a small log fits one chunk
  // Entry lines are the file's; only the tree head line (signed at its own time) may differ.
  auto file_lines = split_lines(read_text(export_path_));
  for (const std::string& text : {stream.str(), via_sink}) {
    auto lines = split_lines(text);
    ASSERT_EQ(lines.size(), kEntries + 1);
    for (size_t i = 0; i < kEntries; ++i) EXPECT_EQ(lines[i], file_lines[i]) << i;
    auto report = verify_export(text, log().public_key());
    ASSERT_TRUE(report);
    EXPECT_TRUE(report->intact) << report->detail;
  }
  std::string piped = dir_.file("piped.jsonl");
  write_text(piped, via_sink);
  CliRun r = run("verify - --key " + quote(key_path_) + " < " + quote(piped));
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out,
            "intact: 7 entries, tree head size 7 root " + hex_encode(log_root(kEntries)) + "\n");
  // A sink that fails stops the export with its error.
  Status stopped = log().export_jsonl([](std::string_view) -> Status {
    return fail(ErrorCode::kUnavailable, "TEST_SINK_FULL", "no room");
  });
  ASSERT_FALSE(stopped);
  EXPECT_EQ(stopped.error().reason, "TEST_SINK_FULL");
  std::ostringstream broken;
  broken.setstate(std::ios::badbit);
  Status bad_stream = log().export_jsonl(broken);
  ASSERT_FALSE(bad_stream);
  EXPECT_EQ(bad_stream.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(bad_stream.error().reason, "AUDIT_EXPORT_FAILED");
}

TEST_F(AuditCliTest, VerifyAcceptsTheOneLinePemBody) {
  std::string body_path = dir_.file("body.pub");
  write_text(body_path, log().public_key().to_pem_body() + "\n");
  CliRun r = verify(export_path_, body_path);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("intact: 7 entries")) << r.out;
}

TEST_F(AuditCliTest, VerifyNamesTheSequenceOfAnEditedField) {
  std::string path = tampered("edited.jsonl", [](std::vector<std::string>& lines) {
    json line = json::parse(lines[2]);
    line["actor_id"] = "mallory";
    lines[2] = line.dump();
  });
  CliRun r = verify(path);
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_TRUE(r.out.starts_with("damaged: modified at sequence 2: ")) << r.out;
}

TEST_F(AuditCliTest, VerifyNamesTheSequenceOfADeletedLine) {
  std::string path = tampered(
      "deleted.jsonl", [](std::vector<std::string>& lines) { lines.erase(lines.begin() + 3); });
  CliRun r = verify(path);
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_TRUE(r.out.starts_with("damaged: deleted at sequence 3: ")) << r.out;
}

TEST_F(AuditCliTest, VerifyReportsSwappedLines) {
  std::string path = tampered(
      "swapped.jsonl", [](std::vector<std::string>& lines) { std::swap(lines[2], lines[3]); });
  CliRun r = verify(path);
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_TRUE(r.out.starts_with("damaged: reordered at sequence 2: ")) << r.out;
}

TEST_F(AuditCliTest, VerifyReportsATruncatedExport) {
  // The last three entries dropped, the signed tree head (size 7) kept.
  std::string path = tampered("truncated.jsonl", [](std::vector<std::string>& lines) {
    lines.erase(lines.begin() + 4, lines.begin() + kEntries);
  });
  CliRun r = verify(path);
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_TRUE(r.out.starts_with("damaged: truncated at sequence 4: ")) << r.out;
}

TEST_F(AuditCliTest, VerifyRejectsTheTreeHeadUnderAnotherKey) {
  auto other = crypto::PrivateKey::generate(crypto::SignatureAlgorithm::kEd25519);
  ASSERT_TRUE(other) << other.error().to_string();
  std::string other_path = dir_.file("other.pub");
  write_text(other_path, other->public_key().to_pem());
  CliRun r = verify(export_path_, other_path);
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_TRUE(r.out.starts_with("damaged: tree_head at sequence ")) << r.out;
}

TEST_F(AuditCliTest, VerifyFailsOnAMalformedExport) {
  std::string path = dir_.file("malformed.jsonl");
  write_text(path, "this is not an export\n");
  CliRun r = verify(path);
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("INVALID_ARGUMENT AUDIT_EXPORT_MALFORMED"), std::string::npos) << r.err;
}

TEST_F(AuditCliTest, VerifyFailsOnAMissingFile) {
  CliRun r = verify(dir_.file("missing.jsonl"));
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err, "");
}

TEST_F(AuditCliTest, VerifyFailsOnAKeyThatIsNotAKey) {
  std::string path = dir_.file("garbage.pub");
  write_text(path, "not a key\n");
  CliRun r = verify(export_path_, path);
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("INVALID_ARGUMENT CRYPTO_KEY_INVALID"), std::string::npos) << r.err;
}

TEST_F(AuditCliTest, VerifyNeverPrintsAPrivateKeyPassedAsTheKey) {
  auto secret = crypto::PrivateKey::generate(crypto::SignatureAlgorithm::kEd25519);
  ASSERT_TRUE(secret) << secret.error().to_string();
  std::string path = dir_.file("secret.pem");
  write_text(path, secret->to_pem());
  CliRun r = verify(export_path_, path);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("CRYPTO_KEY_INVALID"), std::string::npos) << r.err;
  std::string body = secret->to_pem_body();
  EXPECT_EQ((r.out + r.err).find(body.substr(0, 16)), std::string::npos);
}

TEST_F(AuditCliTest, ProveIndexVerifiesAgainstTheLogRoot) {
  std::vector<std::pair<uint64_t, uint64_t>> cases;  // index, size
  for (uint64_t i = 0; i < kEntries; ++i) cases.emplace_back(i, kEntries);
  cases.emplace_back(2, 5);
  cases.emplace_back(0, 1);
  cases.emplace_back(4, 5);
  for (const auto& [index, size] : cases) {
    // The export's tree head size is the default; give --size only for the others.
    std::string args = " --index " + std::to_string(index);
    if (size != kEntries) args += " --size " + std::to_string(size);
    CliRun r = run("prove " + quote(export_path_) + args);
    ASSERT_EQ(r.status, 0) << args << ": " << r.err;
    json out = json::parse(r.out);
    EXPECT_EQ(out["index"].get<uint64_t>(), index);
    EXPECT_EQ(out["size"].get<uint64_t>(), size);
    auto stored = log().entry(index);
    ASSERT_TRUE(stored) << stored.error().to_string();
    Hash leaf = unhex_hash(out["leaf"]);
    EXPECT_EQ(leaf, leaf_hash(encode(stored->entry)));
    Hash root = log_root(size);
    EXPECT_EQ(unhex_hash(out["root"]), root);
    std::vector<Hash> proof = unhex_hashes(out["proof"]);
    EXPECT_TRUE(verify_inclusion(leaf, index, size, proof, root)) << args;
    auto expected = log().prove_inclusion(index, size);
    ASSERT_TRUE(expected) << expected.error().to_string();
    EXPECT_EQ(proof, *expected);
  }
}

TEST_F(AuditCliTest, ProveIndexIgnoresTheRecordedLeafField) {
  // A forged "leaf" field does not change the proof: leaves are recomputed from the entries.
  std::string path = tampered("leaf.jsonl", [](std::vector<std::string>& lines) {
    json line = json::parse(lines[2]);
    line["leaf"] = std::string(64, '0');
    lines[2] = line.dump();
  });
  CliRun r = run("prove " + quote(path) + " --index 2");
  ASSERT_EQ(r.status, 0) << r.err;
  json out = json::parse(r.out);
  auto stored = log().entry(2);
  ASSERT_TRUE(stored) << stored.error().to_string();
  EXPECT_EQ(unhex_hash(out["leaf"]), leaf_hash(encode(stored->entry)));
  EXPECT_EQ(unhex_hash(out["root"]), log_root(kEntries));
}

TEST_F(AuditCliTest, ProveIndexOutOfRangeFails) {
  for (const std::string& args : {std::string(" --index 7"), std::string(" --index 5 --size 5"),
                                  std::string(" --index 1 --size 8")}) {
    CliRun r = run("prove " + quote(export_path_) + args);
    EXPECT_EQ(r.status, 2) << args;
    EXPECT_EQ(r.out, "") << args;
    EXPECT_NE(r.err.find("OUT_OF_RANGE AUDIT_INDEX_OUT_OF_RANGE"), std::string::npos)
        << args << ": " << r.err;
  }
}

TEST_F(AuditCliTest, ProveRefusesEntriesOutOfOrder) {
  std::string path = tampered(
      "swapped.jsonl", [](std::vector<std::string>& lines) { std::swap(lines[2], lines[3]); });
  CliRun r = run("prove " + quote(path) + " --index 0");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "");
}

TEST_F(AuditCliTest, ProveConsistencyVerifiesAgainstTheLogRoots) {
  std::vector<std::pair<uint64_t, uint64_t>> cases;  // m, n
  for (uint64_t m = 0; m <= kEntries; ++m) cases.emplace_back(m, kEntries);
  cases.emplace_back(2, 5);
  cases.emplace_back(3, 3);
  cases.emplace_back(1, 4);
  for (const auto& [m, n] : cases) {
    std::string args = " --consistency " + std::to_string(m);
    if (n != kEntries) args += " --size " + std::to_string(n);
    CliRun r = run("prove " + quote(export_path_) + args);
    ASSERT_EQ(r.status, 0) << args << ": " << r.err;
    json out = json::parse(r.out);
    EXPECT_EQ(out["m"].get<uint64_t>(), m);
    EXPECT_EQ(out["n"].get<uint64_t>(), n);
    Hash root_m = log_root(m);
    Hash root_n = log_root(n);
    EXPECT_EQ(unhex_hash(out["root_m"]), root_m) << args;
    EXPECT_EQ(unhex_hash(out["root_n"]), root_n) << args;
    std::vector<Hash> proof = unhex_hashes(out["proof"]);
    EXPECT_TRUE(verify_consistency(m, n, root_m, root_n, proof)) << args;
    auto expected = log().prove_consistency(m, n);
    ASSERT_TRUE(expected) << expected.error().to_string();
    EXPECT_EQ(proof, *expected) << args;
  }
}

TEST_F(AuditCliTest, ProveConsistencyRejectsMAboveN) {
  CliRun r = run("prove " + quote(export_path_) + " --consistency 5 --size 3");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("OUT_OF_RANGE AUDIT_INDEX_OUT_OF_RANGE"), std::string::npos) << r.err;
}

TEST_F(AuditCliTest, HelpWorksForTheProgramAndEachSubcommand) {
  for (const std::string& args :
       {std::string("--help"), std::string("verify --help"), std::string("prove --help")}) {
    CliRun r = run(args);
    EXPECT_EQ(r.status, 0) << args << ": " << r.err;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << args;
  }
  EXPECT_NE(run("verify --help").out.find("--key"), std::string::npos);
  EXPECT_NE(run("verify --help").out.find("--against"), std::string::npos);
  EXPECT_NE(run("prove --help").out.find("--consistency"), std::string::npos);
}

TEST_F(AuditCliTest, UsageErrorsExitTwo) {
  for (const std::string& args :
       {std::string(""), std::string("frobnicate"), std::string("verify " + quote(export_path_)),
        "prove " + quote(export_path_),
        "prove " + quote(export_path_) + " --index 1 --consistency 1",
        "prove " + quote(export_path_) + " --index -1"}) {
    CliRun r = run(args);
    EXPECT_EQ(r.status, 2) << args;
    EXPECT_EQ(r.out, "") << args;
  }
}

// ---- verify --against: the export checked against a tree head saved earlier outside the database

// A tree head as cairn-vault's GET /api/audit/verify answers it.
std::string vault_verify_answer(AuditLog& log) {
  auto head = log.tree_head();
  EXPECT_TRUE(head) << head.error().to_string();
  return json{{"intact", true},
              {"entries", head->size},
              {"tree_head",
               {{"size", head->size},
                {"root", hex_encode(head->root)},
                {"chain_head", hex_encode(head->chain_head)},
                {"time", "2026-01-01T00:00:00.000000Z"},
                {"signature", hex_encode(head->signature)}}},
              {"public_key", log.public_key_pem()}}
      .dump();
}

EntryInput later_entry(uint64_t i) {
  EntryInput e;
  e.actor_id = "later-" + std::to_string(i);
  e.action = "secret.read";
  e.resource_type = "secret";
  e.resource_id = "API_KEY";
  return e;
}

TEST_F(AuditCliTest, VerifyAgainstASavedHeadPrintsAConsistencyProof) {
  std::string saved = dir_.file("head.json");
  write_text(saved, vault_verify_answer(log()));
  std::string saved_line = dir_.file("head-line.json");
  write_text(saved_line, split_lines(read_text(export_path_)).back());
  Hash old_root = log_root(kEntries);
  for (uint64_t i = 0; i < 4; ++i) ASSERT_TRUE(log().append(later_entry(i)));
  std::string later = dir_.file("later.jsonl");
  ASSERT_TRUE(log().export_jsonl(later));

  for (const std::string& head : {saved, saved_line}) {
    CliRun r =
        run("verify " + quote(later) + " --key " + quote(key_path_) + " --against " + quote(head));
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    std::vector<std::string> lines = split_lines(r.out);
    ASSERT_EQ(lines.size(), 2u) << r.out;
    EXPECT_TRUE(lines[0].starts_with("intact: 11 entries")) << lines[0];
    std::string prefix = "consistent: the saved tree head (size 7 root " + hex_encode(old_root) +
                         ") is a prefix of size 11; proof ";
    ASSERT_TRUE(lines[1].starts_with(prefix)) << lines[1];
    std::vector<Hash> proof = unhex_hashes(json::parse(lines[1].substr(prefix.size())));
    EXPECT_TRUE(verify_consistency(kEntries, 11, old_root, log_root(11), proof));
    EXPECT_EQ(proof, *log().prove_consistency(kEntries, 11));
  }
  // A head of the export's own size: an empty proof.
  std::string same = dir_.file("same.json");
  write_text(same, json{{"size", 11}, {"root", hex_encode(log_root(11))}}.dump());
  CliRun r =
      run("verify " + quote(later) + " --key " + quote(key_path_) + " --against " + quote(same));
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("is a prefix of size 11; proof []\n"), std::string::npos) << r.out;
}

TEST_F(AuditCliTest, VerifyAgainstASavedHeadDetectsARewrittenOrShortenedLog) {
  std::string saved = dir_.file("head.json");
  write_text(saved, vault_verify_answer(log()));
  // Another history of the same length, signed by its own key: what someone who can rewrite the
  // database and sign with its key would produce. It verifies; only the saved head tells.
  auto other = Engine::open("sqlite:" + dir_.file("other.db"));
  ASSERT_TRUE(other) << other.error().to_string();
  for (uint64_t i = 0; i < kEntries; ++i) ASSERT_TRUE((*other)->audit().append(later_entry(i)));
  std::string rewritten = dir_.file("rewritten.jsonl");
  ASSERT_TRUE((*other)->audit().export_jsonl(rewritten));
  std::string other_key = dir_.file("other.pub");
  write_text(other_key, (*other)->audit().public_key_pem());
  ASSERT_EQ(verify(rewritten, other_key).status, 0);
  CliRun r = run("verify " + quote(rewritten) + " --key " + quote(other_key) + " --against " +
                 quote(saved));
  EXPECT_EQ(r.status, 1) << r.err;
  std::vector<std::string> lines = split_lines(r.out);
  ASSERT_EQ(lines.size(), 2u) << r.out;
  EXPECT_TRUE(lines[1].starts_with("inconsistent: the export's first 7 entries have root "))
      << r.out;

  std::string longer = dir_.file("longer.json");
  write_text(longer, json{{"size", 9}, {"root", hex_encode(log_root(kEntries))}}.dump());
  r = run("verify " + quote(export_path_) + " --key " + quote(key_path_) + " --against " +
          quote(longer));
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(
      r.out.find("inconsistent: the export has 7 entries, fewer than the saved tree head's 9"),
      std::string::npos)
      << r.out;

  // A damaged export is reported as damaged, before any comparison.
  std::string edited = tampered("edited.jsonl", [](std::vector<std::string>& l) {
    json line = json::parse(l[1]);
    line["actor_id"] = "mallory";
    l[1] = line.dump();
  });
  r = run("verify " + quote(edited) + " --key " + quote(key_path_) + " --against " + quote(saved));
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(r.out.starts_with("damaged: modified at sequence 1")) << r.out;
}

TEST_F(AuditCliTest, VerifyAgainstRefusesAFileThatIsNotATreeHead) {
  int n = 0;
  std::vector<std::string> bad_heads{"not json",
                                     "{}",
                                     R"({"size":-1,"root":"00"})",
                                     R"({"size":7,"root":"zz"})",
                                     R"({"tree_head":{"size":7}})",
                                     R"({"size":7,"root":")" + std::string(62, 'a') + "\"}"};
  for (const std::string& text : bad_heads) {
    std::string head = dir_.file("bad" + std::to_string(n++) + ".json");
    write_text(head, text);
    CliRun r = run("verify " + quote(export_path_) + " --key " + quote(key_path_) + " --against " +
                   quote(head));
    EXPECT_EQ(r.status, 2) << text;
    EXPECT_EQ(r.out, "") << text;
    EXPECT_NE(r.err.find("not a saved tree head"), std::string::npos) << r.err;
  }
  CliRun missing = run("verify " + quote(export_path_) + " --key " + quote(key_path_) +
                       " --against " + quote(dir_.file("nope.json")));
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.err.find("cannot open"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace cairn::audit
