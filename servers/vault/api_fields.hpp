// The fields of cairn-vault's requests and answers: JSON bodies, string fields, the client's
// address and agent, and times in RFC 3339 UTC.
//
// Thread-safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "cairn/auth/service.hpp"
#include "cairn/core/env.hpp"
#include "cairn/net/http.hpp"
#include "cairn/net/json.hpp"

namespace cairn::vault::internal {

// The request's JSON object body. Errors: INVALID_ARGUMENT / HTTP_BODY_NOT_JSON.
Result<nlohmann::json> body_of(const net::Request& req);
// body[name] as a non-empty string. Errors: INVALID_ARGUMENT / VAULT_FIELD_INVALID.
Result<std::string> string_field(const nlohmann::json& body, std::string_view name);
// body[name] as a string, or "" when absent. Errors: VAULT_FIELD_INVALID (present, not a string).
Result<std::string> optional_string_field(const nlohmann::json& body, std::string_view name);

// The client's address without its port, and its User-Agent (for sessions and audit).
auth::RequestInfo request_info(const net::Request& req);

// "2026-11-22T10:15:00.123456Z": cairn::format_rfc3339() (cairn/core/time.hpp).
std::string format_time(Timestamp t);
// cairn::parse_rfc3339(), its error worded for the field. Errors: INVALID_ARGUMENT /
// VAULT_FIELD_INVALID.
Result<Timestamp> parse_time(std::string_view text, std::string_view field);

}  // namespace cairn::vault::internal
