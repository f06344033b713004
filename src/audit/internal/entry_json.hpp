// The one JSON form of an audit entry and a tree head: the lines of an export (see the top of
// src/audit/export.cpp), reused by the C ABI and the Python module so that every edge writes
// entries alike. Internal: nlohmann/json is not part of cairn's installed interface; capi/ and
// bindings/ reach this header through the private src/ include path.
//
// Thread-safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "cairn/audit/log.hpp"

namespace cairn::audit::internal {

// {"seq", "time" (µs since the epoch), "actor_type", "actor_id", "action", "resource_type",
// "resource_id", "outcome", "details" (the stored JSON object; the stored text itself for a row
// damaged in storage; null when empty), "ip", "user_agent", "request_id" (null when empty),
// "leaf", "link" (hex)}.
nlohmann::json entry_json(const StoredEntry& stored);

// {"size", "root", "chain_head" (hex), "time" (µs), "signature" (base64url), "algorithm":
// "Ed25519", "public_key" (the one-line PEM body of `key`)}.
nlohmann::json tree_head_json(const TreeHead& head, const crypto::PublicKey& key);

// One line of JSON text for `j`; invalid UTF-8 from a damaged row becomes U+FFFD instead of
// throwing.
std::string dump_line(const nlohmann::json& j);

}  // namespace cairn::audit::internal
