// JSON Lines export of an audit log, and its offline verification.
//
// Line i (0-based) is entry i: {"seq", "time" (µs), "actor_type", "actor_id", "action",
// "resource_type", "resource_id", "outcome", "details" (object or null), "ip", "user_agent",
// "request_id" (absent fields are null), "leaf" and "link" (hex)}. The last line is
// {"tree_head": {"size", "root", "chain_head" (hex), "time" (µs), "signature" (base64url),
// "algorithm": "Ed25519", "public_key" (one-line PEM body)}}.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <nlohmann/json.hpp>
#include <ostream>

#include "audit/internal/entry_json.hpp"
#include "audit/internal/verifier.hpp"
#include "cairn/audit/log.hpp"
#include "cairn/core/encoding.hpp"
#include "cairn/core/json_text.hpp"

namespace cairn::audit {
namespace {

using nlohmann::json;

json optional_text(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

// Details as exported: the stored JSON object, or, for a row damaged in storage, the text itself
// (the export must still be written; verification then reports the entry).
json details_json(const std::string& details) {
  if (details.empty()) return nullptr;
  if (json_text_refusal(details)) return json(details);
  json parsed = json::parse(details, nullptr, false);
  return parsed.is_discarded() ? json(details) : parsed;
}

}  // namespace

namespace internal {

std::string dump_line(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

json entry_json(const StoredEntry& s) {
  const Entry& e = s.entry;
  return json{{"seq", e.seq},
              {"time", to_unix_micros(e.time)},
              {"actor_type", e.actor_type},
              {"actor_id", e.actor_id},
              {"action", e.action},
              {"resource_type", optional_text(e.resource_type)},
              {"resource_id", optional_text(e.resource_id)},
              {"outcome", e.outcome},
              {"details", details_json(e.details)},
              {"ip", optional_text(e.ip)},
              {"user_agent", optional_text(e.user_agent)},
              {"request_id", optional_text(e.request_id)},
              {"leaf", encoding::hex_encode(s.leaf)},
              {"link", encoding::hex_encode(s.link)}};
}

json tree_head_json(const TreeHead& head, const crypto::PublicKey& key) {
  return json{{"size", head.size},
              {"root", encoding::hex_encode(head.root)},
              {"chain_head", encoding::hex_encode(head.chain_head)},
              {"time", to_unix_micros(head.time)},
              {"signature", encoding::b64url_encode(head.signature)},
              {"algorithm", "Ed25519"},
              {"public_key", key.to_pem_body()}};
}

}  // namespace internal

namespace {

using internal::dump_line;
using internal::entry_json;

Unexpected<Error> malformed(size_t line, const std::string& what) {
  return fail(ErrorCode::kInvalidArgument, "AUDIT_EXPORT_MALFORMED",
              "export line " + std::to_string(line) + ": " + what);
}

// Reads a text field that may be null (absent).
bool read_text(const json& object, const char* key, std::string& out, bool required) {
  auto it = object.find(key);
  if (it == object.end()) return false;
  if (it->is_null()) return !required;
  if (!it->is_string()) return false;
  out = it->get<std::string>();
  return !required || !out.empty();
}

bool read_hash(const json& object, const char* key, Hash& out) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return false;
  auto bytes = encoding::hex_decode(it->get<std::string>());
  if (!bytes || bytes->size() != out.size()) return false;
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return true;
}

bool read_int(const json& object, const char* key, int64_t& out) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer()) return false;
  // Above INT64_MAX the value would wrap negative: not a valid seq, size or time.
  if (it->is_number_unsigned() && it->get<uint64_t>() > uint64_t{INT64_MAX}) return false;
  out = it->get<int64_t>();
  return true;
}

Result<StoredEntry> parse_entry(const json& line, size_t number) {
  StoredEntry s;
  Entry& e = s.entry;
  int64_t seq = 0;
  int64_t time = 0;
  if (!line.is_object() || !read_int(line, "seq", seq) || seq < 0 ||
      !read_int(line, "time", time)) {
    return malformed(number, "an entry needs integer seq and time");
  }
  e.seq = static_cast<uint64_t>(seq);
  e.time = from_unix_micros(time);
  if (!read_text(line, "actor_type", e.actor_type, true) ||
      !read_text(line, "actor_id", e.actor_id, true) ||
      !read_text(line, "action", e.action, true) ||
      !read_text(line, "resource_type", e.resource_type, false) ||
      !read_text(line, "resource_id", e.resource_id, false) ||
      !read_text(line, "outcome", e.outcome, true) || !read_text(line, "ip", e.ip, false) ||
      !read_text(line, "user_agent", e.user_agent, false) ||
      !read_text(line, "request_id", e.request_id, false)) {
    return malformed(number, "an entry field is missing or not text");
  }
  auto details = line.find("details");
  if (details == line.end() ||
      !(details->is_null() || details->is_object() || details->is_string())) {
    return malformed(number, "details must be an object, a string or null");
  }
  if (details->is_object()) e.details = details->dump();
  if (details->is_string()) e.details = details->get<std::string>();
  if (!read_hash(line, "leaf", s.leaf) || !read_hash(line, "link", s.link)) {
    return malformed(number, "leaf and link must be 64 hex characters");
  }
  return s;
}

Result<TreeHead> parse_tree_head(const json& line, size_t number) {
  auto it = line.find("tree_head");
  if (it == line.end() || !it->is_object())
    return malformed(number, "the last line must be the tree head");
  const json& h = *it;
  TreeHead head;
  int64_t size = 0;
  int64_t time = 0;
  if (!read_int(h, "size", size) || size < 0 || !read_int(h, "time", time) ||
      !read_hash(h, "root", head.root) || !read_hash(h, "chain_head", head.chain_head)) {
    return malformed(number, "the tree head needs size, time, root and chain_head");
  }
  head.size = static_cast<uint64_t>(size);
  head.time = from_unix_micros(time);
  auto sig = h.find("signature");
  if (sig == h.end() || !sig->is_string())
    return malformed(number, "the tree head has no signature");
  auto signature = encoding::b64url_decode(sig->get<std::string>());
  if (!signature) return malformed(number, "the tree head's signature is not base64url");
  head.signature = std::move(*signature);
  return head;
}

}  // namespace

Status AuditLog::export_jsonl(const ExportSink& sink) {
  // Fix the head first: the export covers exactly the entries it signs, even if appends continue.
  CAIRN_ASSIGN_OR_RETURN(TreeHead head, tree_head());
  constexpr size_t kChunkBytes = size_t{1} << 20;
  std::string buffer;
  uint64_t from = 0;
  while (from < head.size) {
    CAIRN_ASSIGN_OR_RETURN(
        std::vector<StoredEntry> chunk,
        entries(from, static_cast<size_t>(std::min<uint64_t>(head.size - from, 4096))));
    if (chunk.empty()) break;
    for (const StoredEntry& s : chunk) {
      buffer += dump_line(entry_json(s));
      buffer += '\n';
    }
    from = chunk.back().entry.seq + 1;
    if (buffer.size() >= kChunkBytes) {
      CAIRN_TRY(sink(buffer));
      buffer.clear();
    }
  }
  buffer += json{{"tree_head", internal::tree_head_json(head, public_key())}}.dump();
  buffer += '\n';
  return sink(buffer);
}

Status AuditLog::export_jsonl(std::ostream& out) {
  return export_jsonl([&out](std::string_view chunk) -> Status {
    out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    if (!out)
      return fail(ErrorCode::kUnavailable, "AUDIT_EXPORT_FAILED", "cannot write the export");
    return ok_status();
  });
}

Status AuditLog::export_jsonl(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || ::fchmod(fd, 0600) != 0) {
    if (fd >= 0) ::close(fd);
    return fail(ErrorCode::kUnavailable, "AUDIT_EXPORT_FAILED", "cannot create " + path);
  }
  auto write_failed = [&path] {
    return fail(ErrorCode::kUnavailable, "AUDIT_EXPORT_FAILED", "cannot write " + path);
  };
  Status written = export_jsonl([&](std::string_view chunk) -> Status {
    size_t done = 0;
    while (done < chunk.size()) {
      ssize_t n = ::write(fd, chunk.data() + done, chunk.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return write_failed();
      done += static_cast<size_t>(n);
    }
    return ok_status();
  });
  bool synced = written && ::fsync(fd) == 0;
  ::close(fd);
  if (!written) return written;
  if (!synced) return write_failed();
  return ok_status();
}

Result<ExportedLog> parse_export(std::string_view jsonl) {
  ExportedLog out;
  // (line number, text) of every non-blank line; blank lines are tolerated but keep their numbers,
  // so errors name the line an editor shows.
  std::vector<std::pair<size_t, std::string_view>> lines;
  size_t pos = 0;
  for (size_t number = 1; pos < jsonl.size(); ++number) {
    size_t end = jsonl.find('\n', pos);
    if (end == std::string_view::npos) end = jsonl.size();
    std::string_view text = jsonl.substr(pos, end - pos);
    if (!text.empty() && text != "\r") lines.emplace_back(number, text);
    pos = end + 1;
  }
  if (lines.empty()) return malformed(1, "the export is empty");
  for (size_t i = 0; i < lines.size(); ++i) {
    auto [number, text] = lines[i];
    if (std::optional<std::string> why = json_text_refusal(text)) {
      return malformed(number, "not acceptable JSON: " + *why);
    }
    json line = json::parse(text, nullptr, false);
    if (line.is_discarded()) return malformed(number, "not JSON");
    if (i + 1 == lines.size()) {
      CAIRN_ASSIGN_OR_RETURN(out.head, parse_tree_head(line, number));
    } else {
      CAIRN_ASSIGN_OR_RETURN(StoredEntry e, parse_entry(line, number));
      out.entries.push_back(std::move(e));
    }
  }
  return out;
}

Result<VerifyReport> verify_export(std::string_view jsonl, const crypto::PublicKey& key) {
  CAIRN_ASSIGN_OR_RETURN(ExportedLog log, parse_export(jsonl));
  if (!verify_tree_head(log.head, key)) {
    VerifyReport report;
    report.intact = false;
    report.damage = Damage::kTreeHead;
    report.first_bad_seq = log.head.size;
    report.detail = "the tree head's signature does not verify with this key";
    return report;
  }
  internal::ChainVerifier verifier(log.head.size);
  for (const StoredEntry& e : log.entries) verifier.add(e, std::nullopt);
  return verifier.finish(log.head.root, log.head.chain_head);
}

}  // namespace cairn::audit
