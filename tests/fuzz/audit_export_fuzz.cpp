// libFuzzer target for cairn::audit's export format (log.hpp: parse_export, verify_export; the
// JSON Lines written by AuditLog::export_jsonl). At start it builds a reference export: a log on
// a memory store whose keys are fixed (an Ed25519 key from a constant seed, given to the store
// before AuditLog::open finds them), four entries appended under a fixed clock, exported.
// Ed25519 signs deterministically, so the reference is the same on every run.
//
// Properties (a broken one aborts):
// - the reference verifies intact with the log's key (a sanity check of the fixture);
// - verification is deterministic, and fails only with AUDIT_EXPORT_MALFORMED;
// - an export verifies intact only when it says exactly what the reference says: the same
//   entries (every field, leaf and link) and the same tree head (size, root, chain head, time,
//   signature). Any change that matters is caught, whatever else the bytes look like;
// - with another key nothing verifies intact;
// - an export that parses, written again with the exporter's own JSON forms (entry_json,
//   tree_head_json), parses to the same entries and head (for entries whose details are empty or
//   a canonical JSON object, the forms AuditLog writes).
//
// The first input byte picks the mode: bit 0 off, the rest is an export to read (seed the
// fuzzer with real exports); on, the rest is an edit script applied to the reference export:
// 4-byte steps (op, position high, position low, argument) that flip, set, insert or delete
// bytes, delete, duplicate or swap lines, or truncate. Seeds: corpus/audit_export/ (exports and
// edit scripts); tokens: audit_export.dict. See tests/fuzz/CMakeLists.txt.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/internal/entry_json.hpp"
#include "cairn/audit/log.hpp"
#include "cairn/crypto/sign.hpp"
#include "storage/memory/audit_store.hpp"

namespace {

namespace audit = cairn::audit;
namespace crypto = cairn::crypto;

constexpr std::size_t kMaxInputBytes = std::size_t{64} * 1024;
constexpr std::size_t kMaxEditSteps = 64;

crypto::PrivateKey fixed_key(std::uint8_t first) {
  cairn::Bytes seed(32);
  for (std::size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<std::uint8_t>(first + i);
  auto key = crypto::PrivateKey::from_raw(crypto::SignatureAlgorithm::kEd25519, seed);
  if (!key) std::abort();
  return *key;
}

struct Reference {
  std::string text;
  audit::ExportedLog log;
  crypto::PublicKey key;
  crypto::PublicKey other_key;
};

Reference build_reference() {
  cairn::FakeEnv env;
  cairn::storage::memory::MemoryAuditStore store;
  crypto::PrivateKey signing = fixed_key(1);
  audit::LogKeys keys;
  keys.signing_key_pem = signing.to_pem();
  keys.redaction_key = cairn::Bytes(32, 0x5a);
  keys.created_at = env.now();
  if (!store.open_log("fuzz", keys)) std::abort();
  auto log = audit::AuditLog::open(store, "fuzz", env);
  if (!log) std::abort();

  std::vector<audit::EntryInput> inputs(4);
  inputs[0].actor_id = "alice@example.com";
  inputs[0].action = "secret.read";
  inputs[0].resource_type = "secret";
  inputs[0].resource_id = "acme/billing/prod/DB_URL";
  inputs[0].ip = "192.0.2.7";
  inputs[1].actor_type = "service";
  inputs[1].actor_id = "ci";
  inputs[1].action = "secret.set";
  inputs[1].details = R"({"token":"s3cret","count":2,"tags":["a","\u00e9"],"ok":true})";
  inputs[1].sensitive = {"token"};
  inputs[1].user_agent = "cairn-vault/1.0";
  inputs[1].request_id = "req-42";
  inputs[2].actor_type = "system";
  inputs[2].actor_id = "scheduler";
  inputs[2].action = "backup.create";
  inputs[2].outcome = "failed";
  inputs[2].details = R"({"reason":"STORAGE_BUSY","n":-1.5})";
  inputs[2].ip = "2001:db8::1";
  inputs[3].actor_id = "bob";
  inputs[3].action = "login";
  inputs[3].outcome = "denied";
  for (const audit::EntryInput& input : inputs) {
    if (!(*log)->append(input)) std::abort();
    env.advance(std::chrono::seconds(90));
  }
  Reference ref{
      .text = {}, .log = {}, .key = (*log)->public_key(), .other_key = fixed_key(101).public_key()};
  cairn::Status exported = (*log)->export_jsonl([&ref](std::string_view chunk) -> cairn::Status {
    ref.text.append(chunk);
    return cairn::ok_status();
  });
  if (!exported) std::abort();
  auto parsed = audit::parse_export(ref.text);
  if (!parsed || parsed->entries.size() != inputs.size()) std::abort();
  ref.log = std::move(*parsed);
  auto report = audit::verify_export(ref.text, ref.key);
  if (!report || !report->intact || report->entries != inputs.size()) std::abort();
  return ref;
}

const Reference& reference() {
  static const Reference* ref = new Reference(build_reference());  // lives to the end
  return *ref;
}

bool same_head(const audit::TreeHead& a, const audit::TreeHead& b) {
  return a.size == b.size && a.root == b.root && a.chain_head == b.chain_head && a.time == b.time &&
         a.signature == b.signature;
}

bool same_log(const audit::ExportedLog& a, const audit::ExportedLog& b) {
  if (a.entries.size() != b.entries.size() || !same_head(a.head, b.head)) return false;
  for (std::size_t i = 0; i < a.entries.size(); ++i) {
    const audit::StoredEntry& x = a.entries[i];
    const audit::StoredEntry& y = b.entries[i];
    if (!(x.entry == y.entry) || x.leaf != y.leaf || x.link != y.link) return false;
  }
  return true;
}

std::string describe(const cairn::Result<audit::VerifyReport>& r) {
  if (!r) return "!" + r.error().reason + ":" + r.error().message;
  return std::to_string(static_cast<int>(r->intact)) + ":" + std::to_string(r->entries) + ":" +
         std::string(audit::damage_name(r->damage)) + ":" + std::to_string(r->first_bad_seq) + ":" +
         r->detail;
}

// Lines of `text` as [begin, end) offsets, each end at (not past) its '\n'.
std::vector<std::pair<std::size_t, std::size_t>> lines_of(const std::string& text) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  std::size_t begin = 0;
  while (begin < text.size()) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    out.emplace_back(begin, end);
    begin = end + 1;
  }
  return out;
}

std::string apply_edits(std::string text, std::string_view script) {
  for (std::size_t step = 0; step + 4 <= script.size() && step / 4 < kMaxEditSteps; step += 4) {
    const auto op = static_cast<std::uint8_t>(script[step]) % 8U;
    const std::size_t raw =
        (static_cast<std::size_t>(static_cast<std::uint8_t>(script[step + 1])) << 8U) |
        static_cast<std::uint8_t>(script[step + 2]);
    const auto arg = static_cast<std::uint8_t>(script[step + 3]);
    const std::size_t pos = text.empty() ? 0 : raw % text.size();
    if (text.empty() && op != 2) continue;
    auto lines = lines_of(text);
    auto line = std::find_if(lines.begin(), lines.end(),
                             [pos](const auto& l) { return pos >= l.first && pos <= l.second; });
    switch (op) {
      case 0:
        text[pos] = static_cast<char>(text[pos] ^ (arg == 0 ? 1 : arg));
        break;
      case 1:
        text[pos] = static_cast<char>(arg);
        break;
      case 2:
        text.insert(text.begin() + static_cast<std::ptrdiff_t>(pos), static_cast<char>(arg));
        break;
      case 3:
        text.erase(pos, std::size_t{arg % 16U} + 1);
        break;
      case 4:
        if (line != lines.end()) text.erase(line->first, line->second - line->first + 1);
        break;
      case 5:
        if (line != lines.end()) {
          text.insert(line->first, text.substr(line->first, line->second - line->first) + "\n");
        }
        break;
      case 6:
        if (line != lines.end() && line + 1 != lines.end()) {
          const auto next = line + 1;
          std::string first = text.substr(line->first, line->second - line->first);
          std::string swapped = text.substr(next->first, next->second - next->first);
          swapped += '\n';
          swapped += first;
          text.replace(line->first, next->second - line->first, swapped);
        }
        break;
      default:
        text.resize(pos);
        break;
    }
    if (text.size() > kMaxInputBytes) text.resize(kMaxInputBytes);
  }
  return text;
}

// Details as AuditLog writes them: none, or a JSON object in canonical form.
bool canonical_details(const std::string& details) {
  if (details.empty()) return true;
  nlohmann::json parsed = nlohmann::json::parse(details, nullptr, false);
  return !parsed.is_discarded() && parsed.is_object() &&
         parsed.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) == details;
}

void check_rewrite(const audit::ExportedLog& log, const crypto::PublicKey& key) {
  std::string again;
  for (const audit::StoredEntry& e : log.entries) {
    if (!canonical_details(e.entry.details)) return;
    again += audit::internal::dump_line(audit::internal::entry_json(e)) + "\n";
  }
  again += nlohmann::json{{"tree_head", audit::internal::tree_head_json(log.head, key)}}.dump();
  again += "\n";
  auto back = audit::parse_export(again);
  if (!back || !same_log(*back, log)) std::abort();
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, std::size_t size) {
  const Reference& ref = reference();
  if (size == 0) return 0;
  std::string_view rest(reinterpret_cast<const char*>(bytes + 1),
                        std::min(size - 1, kMaxInputBytes));
  const std::string text = (bytes[0] & 1U) != 0 ? apply_edits(ref.text, rest) : std::string(rest);

  cairn::Result<audit::VerifyReport> report = audit::verify_export(text, ref.key);
  if (describe(report) != describe(audit::verify_export(text, ref.key))) std::abort();
  cairn::Result<audit::ExportedLog> parsed = audit::parse_export(text);
  if (parsed.has_value() != report.has_value()) std::abort();
  if (!report) {
    if (report.error().reason != "AUDIT_EXPORT_MALFORMED") std::abort();
    return 0;
  }
  if (report->intact) {
    if (report->damage != audit::Damage::kNone || !same_log(*parsed, ref.log)) std::abort();
  } else if (report->damage == audit::Damage::kNone) {
    std::abort();
  }
  if (text == ref.text && !report->intact) std::abort();
  cairn::Result<audit::VerifyReport> other = audit::verify_export(text, ref.other_key);
  if (!other || other->intact) std::abort();
  check_rewrite(*parsed, ref.key);
  return 0;
}
