// The C ABI's audit log: RFC 6962 functions over raw leaves, and the engine's log.
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "audit/internal/entry_json.hpp"
#include "cairn/audit/log.hpp"
#include "cairn/audit/merkle.hpp"
#include "cairn/core/encoding.hpp"
#include "engine_handle.hpp"
#include "entry_point.hpp"

using cairn::ByteView;
using cairn::capi::Json;
using cairn::capi::none;
using cairn::capi::null_argument;
using cairn::capi::set_error;
using cairn::capi::set_ok;
using cairn::capi::text;
using cairn::capi::view_of;
namespace audit = cairn::audit;

namespace {

// Builds an in-memory tree over raw leaves; false when a pointer is NULL with a length.
bool tree_of(const uint8_t* const* leaves, const size_t* lengths, size_t count,
             audit::MemoryTree& tree) {
  if (count > 0 && (leaves == nullptr || lengths == nullptr)) return false;
  for (size_t i = 0; i < count; ++i) {
    ByteView leaf;
    if (!view_of(leaves[i], lengths[i], leaf)) return false;
    tree.append(audit::leaf_hash(leaf));
  }
  return true;
}

cairn_status hand_out_hashes(const cairn::Result<std::vector<audit::Hash>>& hashes, uint8_t** out,
                             size_t* out_count) {
  if (!hashes) return set_error(hashes.error());
  size_t n = hashes->size();
  auto* buffer = static_cast<uint8_t*>(cairn::capi::allocate(n * 32));
  for (size_t i = 0; i < n; ++i) std::memcpy(buffer + 32 * i, (*hashes)[i].data(), 32);
  *out = buffer;
  *out_count = n;
  return set_ok();
}

std::vector<audit::Hash> hashes_from(const uint8_t* data, size_t count) {
  std::vector<audit::Hash> out(count);
  for (size_t i = 0; i < count; ++i) std::memcpy(out[i].data(), data + 32 * i, 32);
  return out;
}

audit::Hash hash_from(const uint8_t* data) {
  audit::Hash h;
  std::memcpy(h.data(), data, 32);
  return h;
}

bool entry_input(const cairn_audit_entry* e, audit::EntryInput& out) {
  if (e->version < 1 || e->version > CAIRN_AUDIT_ENTRY_VERSION) return false;
  out.actor_type = e->actor_type != nullptr ? e->actor_type : "user";
  out.actor_id = text(e->actor);
  out.action = text(e->action);
  out.resource_type = text(e->resource_type);
  out.resource_id = text(e->resource);
  out.outcome = e->outcome != nullptr ? e->outcome : "ok";
  out.details = text(e->details_json);
  out.ip = text(e->ip);
  out.user_agent = text(e->user_agent);
  out.request_id = text(e->request_id);
  for (size_t i = 0; i < e->sensitive_count; ++i) {
    if (e->sensitive == nullptr || e->sensitive[i] == nullptr) return false;
    out.sensitive.emplace_back(e->sensitive[i]);
  }
  return true;
}

cairn_status bad_entry() {
  return set_error({cairn::ErrorCode::kInvalidArgument, "CAPI_NULL_ARGUMENT",
                    "the audit entry has an unknown version or a NULL sensitive key"});
}

// ---- The audit records' JSON: the engine's export line of an entry (the one writer every edge
// uses), with its time under the C edge's name for times, "time_micros".
nlohmann::json entry_json(const audit::StoredEntry& stored) {
  nlohmann::json j = audit::internal::entry_json(stored);
  j["time_micros"] = j["time"];
  j.erase("time");
  return j;
}

// An entry of a query page: it carries no chain link, so none is written.
nlohmann::json queried_entry_json(const audit::Entry& e) {
  nlohmann::json j = entry_json({e, audit::leaf_hash(audit::encode(e)), {}});
  j.erase("link");
  return j;
}

std::optional<uint64_t> size_arg(int64_t size) {
  return size < 0 ? std::nullopt : std::optional<uint64_t>(static_cast<uint64_t>(size));
}

}  // namespace

extern "C" {

cairn_status cairn_audit_leaf_hash(uint8_t out[CAIRN_AUDIT_HASH_SIZE], const uint8_t* data,
                                   size_t len) {
  return cairn::capi::entry(CAIRN_CAPI_OUT(out), none(), [&]() -> cairn_status {
    ByteView d;
    if (!view_of(data, len, d)) return null_argument("data");
    auto h = audit::leaf_hash(d);
    std::memcpy(out, h.data(), h.size());
    return set_ok();
  });
}

cairn_status cairn_audit_merkle_root(uint8_t out[CAIRN_AUDIT_HASH_SIZE],
                                     const uint8_t* const* leaves, const size_t* lengths,
                                     size_t count) {
  return cairn::capi::entry(CAIRN_CAPI_OUT(out), none(), [&]() -> cairn_status {
    audit::MemoryTree tree;
    if (!tree_of(leaves, lengths, count, tree)) return null_argument("leaves");
    auto r = audit::root(tree, tree.size());
    if (!r) return set_error(r.error());
    std::memcpy(out, r->data(), r->size());
    return set_ok();
  });
}

cairn_status cairn_audit_inclusion_proof(uint8_t** out, size_t* out_count,
                                         const uint8_t* const* leaves, const size_t* lengths,
                                         size_t count, uint64_t index, uint64_t size) {
  return cairn::capi::entry(CAIRN_CAPI_OUT(out, out_count), none(), [&]() -> cairn_status {
    audit::MemoryTree tree;
    if (!tree_of(leaves, lengths, count, tree)) return null_argument("leaves");
    if (size > count) {
      return set_error({cairn::ErrorCode::kOutOfRange, "AUDIT_INDEX_OUT_OF_RANGE",
                        "size is larger than the number of leaves"});
    }
    return hand_out_hashes(audit::inclusion_proof(tree, index, size), out, out_count);
  });
}

cairn_status cairn_audit_consistency_proof(uint8_t** out, size_t* out_count,
                                           const uint8_t* const* leaves, const size_t* lengths,
                                           size_t count, uint64_t m, uint64_t n) {
  return cairn::capi::entry(CAIRN_CAPI_OUT(out, out_count), none(), [&]() -> cairn_status {
    audit::MemoryTree tree;
    if (!tree_of(leaves, lengths, count, tree)) return null_argument("leaves");
    if (n > count) {
      return set_error({cairn::ErrorCode::kOutOfRange, "AUDIT_INDEX_OUT_OF_RANGE",
                        "n is larger than the number of leaves"});
    }
    return hand_out_hashes(audit::consistency_proof(tree, m, n), out, out_count);
  });
}

cairn_status cairn_audit_verify_inclusion(int* out_valid, const uint8_t* leaf_data, size_t len,
                                          uint64_t index, uint64_t size, const uint8_t* proof,
                                          size_t proof_count,
                                          const uint8_t root[CAIRN_AUDIT_HASH_SIZE]) {
  return cairn::capi::entry(CAIRN_CAPI_OUT(out_valid), none(), [&]() -> cairn_status {
    ByteView leaf;
    if (!view_of(leaf_data, len, leaf)) return null_argument("leaf_data");
    if (root == nullptr) return null_argument("root");
    if (proof == nullptr && proof_count != 0) return null_argument("proof");
    auto path = hashes_from(proof, proof_count);
    *out_valid =
        audit::verify_inclusion(audit::leaf_hash(leaf), index, size, path, hash_from(root)) ? 1 : 0;
    return set_ok();
  });
}

cairn_status cairn_audit_verify_consistency(int* out_valid, uint64_t m, uint64_t n,
                                            const uint8_t root_m[CAIRN_AUDIT_HASH_SIZE],
                                            const uint8_t root_n[CAIRN_AUDIT_HASH_SIZE],
                                            const uint8_t* proof, size_t proof_count) {
  return cairn::capi::entry(
      CAIRN_CAPI_OUT(out_valid), CAIRN_CAPI_IN(root_m, root_n), [&]() -> cairn_status {
        if (proof == nullptr && proof_count != 0) return null_argument("proof");
        auto path = hashes_from(proof, proof_count);
        *out_valid =
            audit::verify_consistency(m, n, hash_from(root_m), hash_from(root_n), path) ? 1 : 0;
        return set_ok();
      });
}

cairn_status cairn_audit_append(uint64_t* out_seq, cairn_engine* engine,
                                const cairn_audit_entry* entry, int64_t expected_size) {
  return cairn::capi::entry(
      CAIRN_CAPI_OUT(out_seq), CAIRN_CAPI_IN(engine, entry), [&]() -> cairn_status {
        audit::EntryInput input;
        if (!entry_input(entry, input)) return bad_entry();
        auto seq = engine->engine->audit().append(input, size_arg(expected_size));
        if (!seq) return set_error(seq.error());
        *out_seq = *seq;
        return set_ok();
      });
}

cairn_status cairn_audit_record(cairn_engine* engine, const cairn_audit_entry* entry) {
  return cairn::capi::entry(none(), CAIRN_CAPI_IN(engine, entry), [&]() -> cairn_status {
    audit::EntryInput input;
    if (!entry_input(entry, input)) return bad_entry();
    return cairn::capi::from_status(engine->engine->audit().record(input));
  });
}

cairn_status cairn_audit_flush(cairn_engine* engine) {
  return cairn::capi::entry(none(), CAIRN_CAPI_IN(engine), [&] {
    return cairn::capi::from_status(engine->engine->audit().flush());
  });
}

cairn_status cairn_audit_dropped(uint64_t* out, cairn_engine* engine) {
  return cairn::capi::entry(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(engine), [&]() -> cairn_status {
    *out = engine->engine->audit().dropped();
    return set_ok();
  });
}

cairn_status cairn_audit_size(uint64_t* out, cairn_engine* engine) {
  return cairn::capi::entry(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(engine), [&]() -> cairn_status {
    auto size = engine->engine->audit().size();
    if (!size) return set_error(size.error());
    *out = *size;
    return set_ok();
  });
}

cairn_status cairn_audit_sign_tree_head(cairn_audit_tree_head* out, cairn_engine* engine) {
  return cairn::capi::entry(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(engine), [&]() -> cairn_status {
    auto head = engine->engine->audit().tree_head();
    if (!head) return set_error(head.error());
    out->size = head->size;
    std::memcpy(out->root, head->root.data(), 32);
    std::memcpy(out->chain_head, head->chain_head.data(), 32);
    out->time_micros = cairn::to_unix_micros(head->time);
    std::memset(out->signature, 0, sizeof out->signature);
    std::memcpy(out->signature, head->signature.data(),
                std::min(head->signature.size(), sizeof out->signature));
    return set_ok();
  });
}

cairn_status cairn_audit_verify_tree_head(int* out_valid, const cairn_audit_tree_head* head,
                                          const char* public_key_pem) {
  return cairn::capi::entry(
      CAIRN_CAPI_OUT(out_valid), CAIRN_CAPI_IN(head, public_key_pem), [&]() -> cairn_status {
        auto key = cairn::crypto::PublicKey::from_pem(public_key_pem);
        if (!key) return set_error(key.error());
        audit::TreeHead th;
        th.size = head->size;
        th.root = hash_from(head->root);
        th.chain_head = hash_from(head->chain_head);
        th.time = cairn::from_unix_micros(head->time_micros);
        th.signature.assign(head->signature, head->signature + sizeof head->signature);
        *out_valid = audit::verify_tree_head(th, *key) ? 1 : 0;
        return set_ok();
      });
}

cairn_status cairn_audit_prove_inclusion(uint8_t** out, size_t* out_count, cairn_engine* engine,
                                         uint64_t seq, int64_t size) {
  return cairn::capi::entry(CAIRN_CAPI_OUT(out, out_count), CAIRN_CAPI_IN(engine), [&] {
    return hand_out_hashes(engine->engine->audit().prove_inclusion(seq, size_arg(size)), out,
                           out_count);
  });
}

cairn_status cairn_audit_prove_consistency(uint8_t** out, size_t* out_count, cairn_engine* engine,
                                           uint64_t m, int64_t n) {
  return cairn::capi::entry(CAIRN_CAPI_OUT(out, out_count), CAIRN_CAPI_IN(engine), [&] {
    return hand_out_hashes(engine->engine->audit().prove_consistency(m, size_arg(n)), out,
                           out_count);
  });
}

cairn_status cairn_audit_entry_json(char** out, cairn_engine* engine, uint64_t seq) {
  return cairn::capi::entry(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(engine), [&] {
    return cairn::capi::put(
        out, engine->engine->audit().entry(seq), [](const audit::StoredEntry& stored) {
          nlohmann::json j = entry_json(stored);
          j["encoded"] = cairn::encoding::hex_encode(audit::encode(stored.entry));
          return cairn::capi::copy_string(j.dump());
        });
  });
}

cairn_status cairn_audit_query_json(char** out, cairn_engine* engine,
                                    const cairn_audit_query* query) {
  return cairn::capi::entry(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(engine), [&]() -> cairn_status {
    audit::EntryQuery q;
    std::string cursor;
    if (query != nullptr) {
      if (query->version < 1 || query->version > CAIRN_AUDIT_QUERY_VERSION) {
        return set_error({cairn::ErrorCode::kInvalidArgument, "CAPI_OPTIONS_VERSION_UNSUPPORTED",
                          "unknown cairn_audit_query version"});
      }
      if (query->actor != nullptr) q.actor_id = query->actor;
      if (query->action != nullptr) q.action = query->action;
      if (query->resource != nullptr) q.resource_id = query->resource;
      if (query->since_micros != 0) q.since = cairn::from_unix_micros(query->since_micros);
      if (query->until_micros != 0) q.until = cairn::from_unix_micros(query->until_micros);
      q.limit = query->limit;
      cursor = text(query->cursor);
    }
    return cairn::capi::put(
        out, engine->engine->audit().query(q, cursor), [](const audit::QueryPage& page) {
          nlohmann::json entries = nlohmann::json::array();
          for (const audit::Entry& e : page.entries) {
            entries.push_back(queried_entry_json(e));
          }
          nlohmann::json result = {
              {"entries", entries},
              {"next_cursor", page.next_cursor.empty() ? nlohmann::json(nullptr)
                                                       : nlohmann::json(page.next_cursor)}};
          return cairn::capi::copy_string(result.dump());
        });
  });
}

cairn_status cairn_audit_verify(uint64_t* out_bad_seq, cairn_engine* engine) {
  return cairn::capi::entry(none(), CAIRN_CAPI_IN(engine), [&]() -> cairn_status {
    auto report = engine->engine->audit().check();
    if (!report) return set_error(report.error());
    if (out_bad_seq != nullptr) *out_bad_seq = report->intact ? 0 : report->first_bad_seq;
    if (!report->intact) return set_error(audit::chain_broken(*report));
    return set_ok();
  });
}

cairn_status cairn_audit_export(cairn_engine* engine, const char* path) {
  return cairn::capi::entry(none(), CAIRN_CAPI_IN(engine, path), [&] {
    return cairn::capi::from_status(engine->engine->audit().export_jsonl(path));
  });
}

cairn_status cairn_audit_public_key_pem(char** out, cairn_engine* engine) {
  return cairn::capi::entry(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(engine), [&]() -> cairn_status {
    *out = cairn::capi::copy_string(engine->engine->audit().public_key_pem());
    return set_ok();
  });
}

cairn_status cairn_audit_verify_export(int* out_intact, uint64_t* out_bad_seq, const char* path,
                                       const char* public_key_pem) {
  return cairn::capi::entry(
      CAIRN_CAPI_OUT(out_intact), CAIRN_CAPI_IN(path, public_key_pem), [&]() -> cairn_status {
        auto key = cairn::crypto::PublicKey::from_pem(public_key_pem);
        if (!key) return set_error(key.error());
        std::ifstream in(path, std::ios::binary);
        if (!in) {
          return set_error({cairn::ErrorCode::kUnavailable, "AUDIT_EXPORT_FAILED",
                            "cannot read " + std::string(path)});
        }
        std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        auto report = audit::verify_export(text, *key);
        if (!report) return set_error(report.error());
        *out_intact = report->intact ? 1 : 0;
        if (out_bad_seq != nullptr) *out_bad_seq = report->intact ? 0 : report->first_bad_seq;
        return set_ok();
      });
}

}  // extern "C"
