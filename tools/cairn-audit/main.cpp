// cairn-audit: checks an exported audit log offline and proves entries in it.
//
//   cairn-audit verify FILE --key PUB                 is the export intact?
//   cairn-audit verify FILE --key PUB --against HEAD  ... and does it extend a head saved earlier?
//   cairn-audit prove FILE --index I [--size N]       inclusion proof of entry I in tree size N
//   cairn-audit prove FILE --consistency M [--size N] consistency proof between sizes M and N
//
// FILE is a JSON Lines export (AuditLog::export_jsonl, format at the top of src/audit/export.cpp),
// or "-" for standard input, so an export streamed by a server needs no file in between:
//   curl -H "Authorization: Bearer $T" $URL/api/audit/export | cairn-audit verify - --key log.pub
// (PUB and HEAD may be "-" too; standard input can be read once.)
// PUB holds the log's public key, as SPKI PEM or the one-line PEM body. It must come from a
// trusted place, not from the export itself: the export names a key too, but whoever could rewrite
// the export could rewrite that.
//
// verify prints "intact: ..." or "damaged: <damage> at sequence <seq>: <detail>". prove prints one
// line of JSON with hex hashes; N defaults to the export's tree head size. prove needs no key: it
// rebuilds the tree from the entries themselves, so its roots are only as good as the export (run
// verify first to tie them to the signed tree head).
//
// --against HEAD checks the export against a tree head saved earlier outside the database (see
// docs/audit.md): whoever can rewrite the database, and sign with the log's key, can make a new
// export verify, but cannot make its first M entries hash to a root saved before. HEAD is a JSON
// file with "size" and "root" (hex), at the top level or under "tree_head": the answer of
// cairn-vault's GET /api/audit/verify, an export's last line, or {"size": M, "root": "..."}.
// verify then also prints "consistent: ..." with the consistency proof from the saved size M to
// the export's size N (RFC 9162, hex), or "inconsistent: ..." (status 1) when the export is
// shorter than M entries or its first M entries have another root.
//
// Exit status: 0 intact (and consistent) or proof printed, 1 damaged or inconsistent, 2 usage
// errors, unreadable files, malformed exports, keys or heads, and indexes out of range. Errors go
// to stderr with the cairn error's code and reason. Only public values are ever printed: hashes,
// sequence numbers, sizes.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/audit/entry.hpp"
#include "cairn/audit/log.hpp"
#include "cairn/audit/merkle.hpp"
#include "cairn/core/encoding.hpp"
#include "cairn/crypto/sign.hpp"

namespace {

using cairn::audit::Hash;

constexpr int kExitOk = 0;
constexpr int kExitDamaged = 1;
constexpr int kExitError = 2;

// Reports a failure on stderr and returns the error exit status.
int report_error(const std::string& what) {
  std::fprintf(stderr, "cairn-audit: %s\n", what.c_str());
  return kExitError;
}

// "FILE: CODE REASON: message". The library's messages never carry secrets.
int report_error(const std::string& context, const cairn::Error& error) {
  return report_error(context + ": " + error.to_string());
}

// Reads a whole file ("-": standard input). On failure returns false and describes why in `why`.
// (stdio rather than streams: it reports errno, so a directory fails as "Is a directory" instead
// of reading as empty.)
bool read_file(const std::string& path, std::string& out, std::string& why) {
  const bool stdin_path = path == "-";
  std::FILE* in = stdin_path ? stdin : std::fopen(path.c_str(), "rb");
  if (in == nullptr) {
    why = "cannot open " + path + ": " + std::strerror(errno);
    return false;
  }
  out.clear();
  char buffer[1 << 16];
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, in)) > 0;) out.append(buffer, n);
  bool failed = std::ferror(in) != 0;
  int error = errno;
  if (!stdin_path) std::fclose(in);
  if (failed) {
    why = "cannot read " + path + ": " + std::strerror(error);
    return false;
  }
  return true;
}

std::string hex(const Hash& hash) { return cairn::encoding::hex_encode(hash); }

// A JSON array of hex strings (hex needs no escaping, so this is written by hand).
std::string hex_array(const std::vector<Hash>& hashes) {
  std::string out = "[";
  for (size_t i = 0; i < hashes.size(); ++i) {
    if (i > 0) out += ',';
    out += '"' + hex(hashes[i]) + '"';
  }
  return out + "]";
}

// The last non-empty line of an export: its tree head.
std::string_view last_line(std::string_view text) {
  while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  size_t start = text.rfind('\n');
  return start == std::string_view::npos ? text : text.substr(start + 1);
}

// The export's entries rebuilt as a Merkle tree, leaf i being entry i's recomputed leaf hash.
struct RebuiltLog {
  cairn::audit::MemoryTree tree;
  cairn::audit::TreeHead head;
};

// Parses `file` and rebuilds its tree. The leaves are recomputed from the entries, never taken
// from their "leaf" fields, so a proof is a statement about the entries as they are. Entries
// must be in sequence order (entry i has seq i), or no leaf index would mean anything.
bool rebuild(const std::string& file, RebuiltLog& out) {
  std::string text;
  std::string why;
  if (!read_file(file, text, why)) {
    report_error(why);
    return false;
  }
  auto log = cairn::audit::parse_export(text);
  if (!log) {
    report_error(file, log.error());
    return false;
  }
  for (size_t i = 0; i < log->entries.size(); ++i) {
    const cairn::audit::Entry& entry = log->entries[i].entry;
    if (entry.seq != i) {
      report_error(file + ": entry " + std::to_string(i) + " has sequence number " +
                   std::to_string(entry.seq) + "; the export is damaged (see cairn-audit verify)");
      return false;
    }
    out.tree.append(cairn::audit::leaf_hash(cairn::audit::encode(entry)));
  }
  out.head = log->head;
  return true;
}

// The error for an index or size the export does not reach, as the Merkle functions word it.
cairn::Error out_of_range(const std::string& message) {
  return {cairn::ErrorCode::kOutOfRange, "AUDIT_INDEX_OUT_OF_RANGE", message};
}

// A tree of `size` leaves needs that many entries in the export.
bool check_size(const std::string& file, const RebuiltLog& log, uint64_t size) {
  if (size <= log.tree.size()) return true;
  report_error(file, out_of_range("size " + std::to_string(size) + " is beyond the " +
                                  std::to_string(log.tree.size()) + " entries in the export"));
  return false;
}

// Warns when the rebuilt tree disagrees with the export's own (signed) tree head.
void check_against_head(const std::string& file, const RebuiltLog& log, uint64_t size,
                        const Hash& root) {
  if (size == log.head.size && root != log.head.root) {
    std::fprintf(stderr,
                 "cairn-audit: warning: %s: the entries' root of size %llu differs from the "
                 "export's tree head; run cairn-audit verify\n",
                 file.c_str(), static_cast<unsigned long long>(size));
  }
}

int run_prove_inclusion(const std::string& file, uint64_t index, bool size_given, uint64_t size) {
  RebuiltLog log;
  if (!rebuild(file, log)) return kExitError;
  if (!size_given) size = log.head.size;
  if (index >= size) {
    return report_error(file, out_of_range("entry " + std::to_string(index) +
                                           " is not in a tree of size " + std::to_string(size)));
  }
  if (!check_size(file, log, size)) return kExitError;
  auto proof = cairn::audit::inclusion_proof(log.tree, index, size);
  if (!proof) return report_error(file, proof.error());
  auto root = cairn::audit::root(log.tree, size);
  if (!root) return report_error(file, root.error());
  auto leaf = log.tree.node(0, index);
  if (!leaf) return report_error(file, leaf.error());
  check_against_head(file, log, size, *root);
  std::printf("{\"index\":%llu,\"size\":%llu,\"leaf\":\"%s\",\"root\":\"%s\",\"proof\":%s}\n",
              static_cast<unsigned long long>(index), static_cast<unsigned long long>(size),
              hex(*leaf).c_str(), hex(*root).c_str(), hex_array(*proof).c_str());
  return kExitOk;
}

int run_prove_consistency(const std::string& file, uint64_t m, bool size_given, uint64_t n) {
  RebuiltLog log;
  if (!rebuild(file, log)) return kExitError;
  if (!size_given) n = log.head.size;
  if (m > n) {
    return report_error(file, out_of_range("a consistency proof needs m <= n, got m=" +
                                           std::to_string(m) + " n=" + std::to_string(n)));
  }
  if (!check_size(file, log, n)) return kExitError;
  auto proof = cairn::audit::consistency_proof(log.tree, m, n);
  if (!proof) return report_error(file, proof.error());
  auto root_m = cairn::audit::root(log.tree, m);
  if (!root_m) return report_error(file, root_m.error());
  auto root_n = cairn::audit::root(log.tree, n);
  if (!root_n) return report_error(file, root_n.error());
  check_against_head(file, log, n, *root_n);
  std::printf("{\"m\":%llu,\"n\":%llu,\"root_m\":\"%s\",\"root_n\":\"%s\",\"proof\":%s}\n",
              static_cast<unsigned long long>(m), static_cast<unsigned long long>(n),
              hex(*root_m).c_str(), hex(*root_n).c_str(), hex_array(*proof).c_str());
  return kExitOk;
}

// A tree head saved earlier, outside the database.
struct SavedHead {
  uint64_t size = 0;
  Hash root{};
};

// Reads HEAD (see the top of this file). On failure reports why and returns nullopt.
std::optional<SavedHead> read_saved_head(const std::string& path) {
  std::string text;
  std::string why;
  if (!read_file(path, text, why)) {
    report_error(why);
    return std::nullopt;
  }
  const nlohmann::json parsed = nlohmann::json::parse(text, nullptr, false);
  const nlohmann::json& doc =
      parsed.is_object() && parsed.contains("tree_head") ? parsed.at("tree_head") : parsed;
  SavedHead head;
  bool ok = doc.is_object() && doc.contains("size") && doc.at("size").is_number_unsigned() &&
            doc.contains("root") && doc.at("root").is_string();
  if (ok) {
    head.size = doc.at("size").get<uint64_t>();
    auto root = cairn::encoding::hex_decode(doc.at("root").get<std::string>());
    ok = root && root->size() == head.root.size();
    if (ok) std::copy(root->begin(), root->end(), head.root.begin());
  }
  if (!ok) {
    report_error(path +
                 ": not a saved tree head: it needs \"size\" (an integer) and \"root\" (64 hex "
                 "characters), at the top level or under \"tree_head\"");
    return std::nullopt;
  }
  return head;
}

// The second half of verify --against: whether the (intact) export extends the saved head.
int check_against(const std::string& file, const SavedHead& saved) {
  RebuiltLog log;
  if (!rebuild(file, log)) return kExitError;
  uint64_t n = log.head.size;
  if (saved.size > n) {
    std::printf(
        "inconsistent: the export has %llu entries, fewer than the saved tree head's %llu: "
        "entries were removed\n",
        static_cast<unsigned long long>(n), static_cast<unsigned long long>(saved.size));
    return kExitDamaged;
  }
  auto root_m = cairn::audit::root(log.tree, saved.size);
  if (!root_m) return report_error(file, root_m.error());
  if (*root_m != saved.root) {
    std::printf(
        "inconsistent: the export's first %llu entries have root %s, not the saved tree head's "
        "%s: the log was rewritten\n",
        static_cast<unsigned long long>(saved.size), hex(*root_m).c_str(), hex(saved.root).c_str());
    return kExitDamaged;
  }
  auto proof = cairn::audit::consistency_proof(log.tree, saved.size, n);
  if (!proof) return report_error(file, proof.error());
  // A self-check: the proof printed is one any RFC 9162 verifier accepts.
  if (!cairn::audit::verify_consistency(saved.size, n, saved.root, log.head.root, *proof)) {
    return report_error(file + ": the consistency proof does not verify");
  }
  std::printf(
      "consistent: the saved tree head (size %llu root %s) is a prefix of size %llu; "
      "proof %s\n",
      static_cast<unsigned long long>(saved.size), hex(saved.root).c_str(),
      static_cast<unsigned long long>(n), hex_array(*proof).c_str());
  return kExitOk;
}

int run_verify(const std::string& file, const std::string& key_file,
               const std::string& against_file) {
  std::optional<SavedHead> saved;
  if (!against_file.empty()) {
    saved = read_saved_head(against_file);
    if (!saved) return kExitError;
  }
  std::string key_text;
  std::string export_text;
  std::string why;
  if (!read_file(key_file, key_text, why)) return report_error(why);
  auto key = cairn::crypto::PublicKey::from_pem(key_text);
  if (!key) return report_error("key " + key_file, key.error());
  if (!read_file(file, export_text, why)) return report_error(why);

  auto report = cairn::audit::verify_export(export_text, *key);
  if (!report) return report_error(file, report.error());
  if (!report->intact) {
    std::printf("damaged: %s at sequence %llu: %s\n",
                std::string(cairn::audit::damage_name(report->damage)).c_str(),
                static_cast<unsigned long long>(report->first_bad_seq), report->detail.c_str());
    return kExitDamaged;
  }
  // The whole export parsed above, so its last line parses alone as a log of no entries and
  // that tree head; this avoids parsing every entry a second time.
  auto head = cairn::audit::parse_export(last_line(export_text));
  if (!head) return report_error(file, head.error());
  std::printf("intact: %llu entries, tree head size %llu root %s\n",
              static_cast<unsigned long long>(report->entries),
              static_cast<unsigned long long>(head->head.size), hex(head->head.root).c_str());
  if (saved) return check_against(file, *saved);
  return kExitOk;
}

// Accepts a decimal uint64_t only: CLI11 alone reads "-1" (and anything too large) as 2^64 - 1.
CLI::Validator decimal_number() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        uint64_t value = 0;
        const char* end = text.data() + text.size();
        auto [stop, error] = std::from_chars(text.data(), end, value);
        if (!text.empty() && error == std::errc() && stop == end) return {};
        return "expected an integer from 0 to 2^64 - 1, got " + text;
      },
      "", "decimal");
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // a closed pipe is an error on write, not a silent exit
  CLI::App app{"Verifies exported cairn audit logs offline and proves entries in them.",
               "cairn-audit"};
  app.footer(
      "Exit status: 0 intact or proof printed, 1 damaged, 2 error (usage, unreadable or malformed "
      "input, index out of range).");
  app.require_subcommand(1);

  std::string file;
  CLI::App* verify = app.add_subcommand(
      "verify", "Check an export's tree head signature, every entry, the hash chain and the root");
  std::string key_file;
  verify->add_option("FILE", file, "JSON Lines export of the log")->required();
  verify
      ->add_option("--key", key_file,
                   "File holding the log's public key (SPKI PEM or its one-line body), from a "
                   "trusted source")
      ->type_name("PUB")
      ->required();
  std::string against_file;
  verify
      ->add_option("--against", against_file,
                   "File holding a tree head saved earlier (JSON with size and root): also "
                   "check that the export extends it, and print the consistency proof")
      ->type_name("HEAD");

  CLI::App* prove = app.add_subcommand(
      "prove", "Print an inclusion or consistency proof, as JSON, from an export's entries");
  uint64_t index = 0;
  uint64_t m = 0;
  uint64_t size = 0;
  prove->add_option("FILE", file, "JSON Lines export of the log")->required();
  CLI::Option_group* which = prove->add_option_group("proof", "Which proof (exactly one)");
  CLI::Option* index_option =
      which->add_option("--index", index, "Prove that entry I is in the tree of size N")
          ->type_name("I")
          ->check(decimal_number());
  which
      ->add_option("--consistency", m,
                   "Prove that the tree of size M is a prefix of the tree of size N")
      ->type_name("M")
      ->check(decimal_number());
  which->require_option(1);
  CLI::Option* size_option =
      prove->add_option("--size", size, "Tree size N (default: the export's tree head size)")
          ->type_name("N")
          ->check(decimal_number());

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help exits 0 through here; every usage error is status 2.
    int status = app.exit(e);
    return status == 0 ? kExitOk : kExitError;
  }

  if (verify->parsed()) return run_verify(file, key_file, against_file);
  bool size_given = size_option->count() > 0;
  if (index_option->count() > 0) return run_prove_inclusion(file, index, size_given, size);
  return run_prove_consistency(file, m, size_given, size);
}
