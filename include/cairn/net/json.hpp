// JSON request and response helpers on nlohmann/json, for handlers. Header-only, so that
// nlohmann/json (nlohmann-json3-dev) is needed only by code that includes this header; the rest of
// cairn::net does not depend on it.
//
// Example:
//   net::Router router;
//   auto put_item = [](const net::Request& req, net::Response& res) {
//     auto body = net::json_body(req);               // 400 with a clear reason when it is not JSON
//     if (!body) return res.error(body.error());
//     net::json(res, {{"id", req.param("id")}, {"name", (*body)["name"]}}, 201);
//   };
//   CAIRN_TRY(router.add("PUT", "/api/items/{id}", put_item));
//
// Thread-safety: pure functions of their arguments.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "cairn/core/json_text.hpp"
#include "cairn/core/result.hpp"
#include "cairn/net/http.hpp"

namespace cairn::net {

// The request body parsed as JSON. An empty body or one that is not JSON (or is not valid
// UTF-8) is INVALID_ARGUMENT / HTTP_BODY_NOT_JSON; with `want_object`, anything but an object is
// too. The Content-Type is not checked (clients get it wrong too often to be worth a refusal).
inline Result<nlohmann::json> json_body(const Request& req, bool want_object = true) {
  if (std::optional<std::string> why = json_text_refusal(req.body)) {
    return fail(ErrorCode::kInvalidArgument, "HTTP_BODY_NOT_JSON",
                "the request body is not acceptable JSON: " + *why);
  }
  nlohmann::json value = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    return fail(ErrorCode::kInvalidArgument, "HTTP_BODY_NOT_JSON",
                "the request body is not valid JSON");
  }
  if (want_object && !value.is_object()) {
    return fail(ErrorCode::kInvalidArgument, "HTTP_BODY_NOT_JSON",
                "the request body must be a JSON object");
  }
  return value;
}

// Answers with `value` as compact JSON (invalid UTF-8 in strings is replaced, never sent).
inline void json(Response& res, const nlohmann::json& value, int status = 200) {
  res.json_text(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), status);
}

}  // namespace cairn::net
