// cairn::mcp::jsonrpc: the JSON-RPC 2.0 codec under MCP, on nlohmann/json. It turns one incoming
// text (a line on stdio, a POST body over HTTP) into messages -- requests, notifications,
// responses, or a batch of them -- and builds the objects that go back out.
//
// Example:
//   mcp::jsonrpc::Decoded in = mcp::jsonrpc::decode(R"({"jsonrpc":"2.0","id":7,"method":"ping"})");
//   if (in.error) use(mcp::jsonrpc::encode(mcp::jsonrpc::make_error(nullptr, *in.error)));
//   for (const mcp::jsonrpc::Incoming& m : in.items) {
//     if (m.kind == mcp::jsonrpc::Kind::kRequest)   // id 7 echoed: {"jsonrpc":"2.0","id":7,...}
//       use(mcp::jsonrpc::encode(mcp::jsonrpc::make_result(m.id, nlohmann::json::object())));
//   }
//
// Rules kept here once: a request id is a string or an integer and is echoed exactly as sent
// (7 stays 7, "7" stays "7"); a notification (no "id") is never answered; a message over the
// size cap is refused before it is parsed (-32600); text that is not JSON, not valid UTF-8 or
// nested deeper than kMaxNestingDepth is a parse error (-32700) answered with id null. Every error
// object carries `data: {"reason": "MCP_..."}`, a stable reason listed in docs/errors.md, beside
// the numeric code and a message for people.
//
// Thread-safety: pure functions of their arguments.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::mcp::jsonrpc {

// The JSON-RPC 2.0 error codes MCP uses.
inline constexpr int kParseError = -32700;      // not JSON, or not UTF-8
inline constexpr int kInvalidRequest = -32600;  // JSON, but not a valid message; too large
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
// MCP's own code for a resource URI that names nothing (resources/read).
inline constexpr int kResourceNotFound = -32002;

// The largest message accepted by default: 1 MiB.
inline constexpr std::size_t kDefaultMaxMessageBytes = std::size_t{1} << 20;

// Text nested deeper than this (arrays and objects) is refused as a parse error before it is
// parsed: nlohmann's copy, dump and comparison recurse, so a 1 MiB run of '[' would otherwise
// overflow the stack later, far from the input.
inline constexpr std::size_t kMaxNestingDepth = 256;

// A JSON-RPC error object: {"code", "message", "data"}. `reason` is put into data.reason.
struct ErrorObject {
  int code = kInternalError;
  std::string reason;   // "MCP_PARSE_ERROR", stable; see docs/errors.md
  std::string message;  // for people
  // More detail for the client (the JSON Pointer of a bad argument, ...): merged into `data`
  // beside "reason" when it is an object.
  nlohmann::json data;

  // {"code":..,"message":..,"data":{"reason":..,...}}
  [[nodiscard]] nlohmann::json to_json() const;
};

enum class Kind {
  kRequest,       // has "method" and "id": answered exactly once
  kNotification,  // has "method", no "id": never answered
  kResponse,      // has "result" or "error" and an "id": an answer to something we sent
  kInvalid,       // an element that is not a valid message; `error` says why, `id` is what could
                  // be read of its id (null when none)
};

// One decoded message.
struct Incoming {
  Kind kind = Kind::kInvalid;
  // The id exactly as sent: a string or an integer (null for notifications and when unreadable).
  nlohmann::json id;
  std::string method;                // requests and notifications
  nlohmann::json params;             // object or array; null when absent
  nlohmann::json result;             // responses
  std::optional<ErrorObject> error;  // responses: the error they carry; kInvalid: what to answer
};

// An incoming text, decoded.
struct Decoded {
  // The messages, in order: one for a single message, one per element for a batch.
  std::vector<Incoming> items;
  // True when the text was a JSON array (a batch).
  bool batch = false;
  // Set when the text as a whole cannot be taken: too large (kInvalidRequest,
  // MCP_MESSAGE_TOO_LARGE), not JSON (kParseError, MCP_PARSE_ERROR), an empty batch or a value
  // that is neither an object nor an array (kInvalidRequest, MCP_INVALID_REQUEST). It is answered
  // once, with id null; `items` is then empty.
  std::optional<ErrorObject> error;
};

// Decodes `text`. Never throws; every kind of bad input ends in `error` or a kInvalid item.
Decoded decode(std::string_view text, std::size_t max_bytes = kDefaultMaxMessageBytes);

// Classifies one already-parsed JSON value (an object, or anything else: kInvalid).
Incoming classify(nlohmann::json message);

// {"jsonrpc":"2.0","id":id,"result":result}
nlohmann::json make_result(const nlohmann::json& id, nlohmann::json result);
// {"jsonrpc":"2.0","id":id,"error":error.to_json()}
nlohmann::json make_error(const nlohmann::json& id, const ErrorObject& error);
// {"jsonrpc":"2.0","id":id,"method":method,"params":params} (params left out when null)
nlohmann::json make_request(const nlohmann::json& id, std::string_view method,
                            nlohmann::json params = nullptr);
// {"jsonrpc":"2.0","method":method,"params":params} (params left out when null)
nlohmann::json make_notification(std::string_view method, nlohmann::json params = nullptr);

// `message` as one line of compact JSON (no newline added); invalid UTF-8 in strings is
// replaced, never sent.
std::string encode(const nlohmann::json& message);

}  // namespace cairn::mcp::jsonrpc
