#include "vault/api_fields.hpp"

#include "cairn/core/time.hpp"
#include "cairn/net/json.hpp"

namespace cairn::vault::internal {

namespace {

Error field_error(std::string_view name, std::string_view what) {
  return {ErrorCode::kInvalidArgument, "VAULT_FIELD_INVALID",
          "field \"" + std::string(name) + "\" " + std::string(what)};
}

}  // namespace

Result<nlohmann::json> body_of(const net::Request& req) { return net::json_body(req); }

Result<std::string> string_field(const nlohmann::json& body, std::string_view name) {
  auto it = body.find(name);
  if (it == body.end()) return fail(field_error(name, "is required"));
  if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
    return fail(field_error(name, "must be a non-empty string"));
  }
  return it->get<std::string>();
}

Result<std::string> optional_string_field(const nlohmann::json& body, std::string_view name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::string();
  if (!it->is_string()) return fail(field_error(name, "must be a string"));
  return it->get<std::string>();
}

auth::RequestInfo request_info(const net::Request& req) {
  auth::RequestInfo info;
  // The client's address as the server decided it (trusted proxies included), never a header the
  // client wrote itself.
  if (req.client_address != "unix" && req.client_address != "unknown") {
    info.ip = req.client_address;
  }
  if (auto agent = req.header("User-Agent")) info.user_agent = std::string(agent->substr(0, 512));
  return info;
}

std::string format_time(Timestamp t) { return format_rfc3339(t); }

Result<Timestamp> parse_time(std::string_view text, std::string_view field) {
  auto t = parse_rfc3339(text);
  if (!t) return fail(field_error(field, "must be an RFC 3339 time like 2026-11-22T10:15:00Z"));
  return *t;
}

}  // namespace cairn::vault::internal
