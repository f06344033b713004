// libFuzzer target for cairn::mcp::jsonrpc, the JSON-RPC 2.0 codec under MCP: arbitrary text is
// decoded under a size cap, and what it yields is checked against an independent parse of the
// same text (nlohmann's, without limits) and against its own re-encoding.
//
// Properties (a broken one aborts):
// - decoding is deterministic (the same text twice gives the same items and error);
// - a text over the cap is refused with MCP_MESSAGE_TOO_LARGE and nothing else is; a text that
//   is not JSON (a raw NUL byte included), or nests deeper than kMaxNestingDepth, is refused with
//   MCP_PARSE_ERROR (-32700), and JSON within the limits never is; a refused text has no items;
// - a batch has one item per element, a single message one item;
// - ids are kept exactly: a non-null id is the element's "id" member, same type and same text
//   ("7" stays a string, 7 an integer, 18446744073709551615 unsigned);
// - every request, notification and response rebuilt with make_request, make_notification,
//   make_result or make_error and encode()d decodes to the same message (kind, id, method,
//   params, result, error object), compared exactly (an integer is not a float, inf is not null);
// - the whole text re-encoded from its parse decodes to the same items.
//
// The first input byte picks the size cap (bits 0-2: the default 1 MiB, 16, 256, 4096, exactly
// the text's size, one byte less); the rest is the text. Seeds: corpus/jsonrpc/ (the messages of
// docs/mcp.md and tests/mcp/jsonrpc_test.cpp, and broken ones); tokens: jsonrpc.dict. See
// tests/fuzz/CMakeLists.txt for how it is built and run.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cairn/core/json_text.hpp"
#include "cairn/mcp/jsonrpc.hpp"
#include "fuzz/json_support.hpp"

namespace {

namespace rpc = cairn::mcp::jsonrpc;
using json = nlohmann::json;
using cairn::fuzz::json_depth;
using cairn::fuzz::same_json;

// Inputs are cut to this size: enough for every shape, and each run stays fast.
constexpr std::size_t kMaxInputBytes = std::size_t{64} * 1024;

std::string dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// One comparable line per decoded text.
std::string describe(const rpc::Decoded& decoded) {
  std::string out = decoded.batch ? "batch" : "single";
  if (decoded.error) {
    out += "!" + std::to_string(decoded.error->code) + "/" + decoded.error->reason + "/" +
           decoded.error->message;
  }
  for (const rpc::Incoming& m : decoded.items) {
    out += "|" + std::to_string(static_cast<int>(m.kind)) + " id=" + dump(m.id) +
           " method=" + m.method + " params=" + dump(m.params) + " result=" + dump(m.result);
    if (m.error) out += " error=" + dump(m.error->to_json());
  }
  return out;
}

// A decoded message rebuilt with the codec's own builders must decode back to itself.
void check_round_trip(const rpc::Incoming& m) {
  json rebuilt;
  switch (m.kind) {
    case rpc::Kind::kRequest:
      rebuilt = rpc::make_request(m.id, m.method, m.params);
      break;
    case rpc::Kind::kNotification:
      rebuilt = rpc::make_notification(m.method, m.params);
      break;
    case rpc::Kind::kResponse:
      rebuilt = m.error ? rpc::make_error(m.id, *m.error) : rpc::make_result(m.id, m.result);
      break;
    case rpc::Kind::kInvalid:
      // What to answer: always an invalid-request error, to an id that is null or readable.
      if (!m.error || m.error->code != rpc::kInvalidRequest ||
          m.error->reason != "MCP_INVALID_REQUEST") {
        std::abort();
      }
      if (!m.id.is_null() && !m.id.is_string() && !m.id.is_number_integer()) std::abort();
      return;
  }
  rpc::Decoded again = rpc::decode(rpc::encode(rebuilt));
  if (again.error || again.batch || again.items.size() != 1) std::abort();
  const rpc::Incoming& b = again.items.front();
  if (b.kind != m.kind || b.method != m.method) std::abort();
  if (!same_json(b.id, m.id) || b.id.is_string() != m.id.is_string()) std::abort();
  if (!same_json(b.params, m.params) || !same_json(b.result, m.result)) std::abort();
  if (b.error.has_value() != m.error.has_value()) std::abort();
  if (m.error) {
    if (b.error->code != m.error->code || b.error->message != m.error->message ||
        !same_json(b.error->to_json(), m.error->to_json())) {
      std::abort();
    }
  }
}

// Each item against the element it came from, in an independent parse.
void check_item(const rpc::Incoming& m, const json& raw) {
  if (m.kind == rpc::Kind::kRequest || m.kind == rpc::Kind::kNotification) {
    if (!raw.is_object() || !raw.contains("method") || !raw["method"].is_string() ||
        raw["method"].get<std::string>() != m.method || m.method.empty()) {
      std::abort();
    }
    if (m.kind == rpc::Kind::kNotification && raw.contains("id")) std::abort();
  }
  if (m.kind != rpc::Kind::kInvalid && m.kind != rpc::Kind::kNotification) {
    // Requests always have an id; responses too (null only for an error answering nothing).
    if (!raw.is_object() || !raw.contains("id")) std::abort();
  }
  if (!m.id.is_null()) {
    if (!raw.is_object() || !raw.contains("id")) std::abort();
    const json& sent = raw["id"];
    if (!sent.is_string() && !sent.is_number_integer()) std::abort();
    if (dump(sent) != dump(m.id) || sent.type() != m.id.type()) std::abort();
  }
  check_round_trip(m);
}

std::size_t pick_cap(std::uint8_t control, std::size_t size) {
  switch (control & 7U) {
    case 1:
      return 16;
    case 2:
      return 256;
    case 3:
      return 4096;
    case 4:
      return size;
    case 5:
      return size == 0 ? 0 : size - 1;
    default:
      return rpc::kDefaultMaxMessageBytes;
  }
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t control = bytes[0];
  std::string_view text(reinterpret_cast<const char*>(bytes + 1),
                        std::min(size - 1, kMaxInputBytes));
  const std::size_t cap = pick_cap(control, text.size());

  rpc::Decoded decoded = rpc::decode(text, cap);
  if (describe(decoded) != describe(rpc::decode(text, cap))) std::abort();
  if (decoded.error && !decoded.items.empty()) std::abort();
  if (decoded.error && decoded.error->reason.empty()) std::abort();

  // The size cap comes first.
  const bool too_large = text.size() > cap;
  const bool refused_as_large = decoded.error && decoded.error->reason == "MCP_MESSAGE_TOO_LARGE";
  if (too_large != refused_as_large) std::abort();
  if (too_large) {
    if (decoded.error->code != rpc::kInvalidRequest) std::abort();
    return 0;
  }

  // Within the cap: compare with an independent parse. nlohmann's parser stops at a NUL byte as
  // if the text ended there; JSON text never holds a raw NUL, so such a text is not JSON.
  json parsed = json::parse(text, nullptr, false);
  const bool refused_as_parse = decoded.error && decoded.error->reason == "MCP_PARSE_ERROR";
  if (refused_as_parse && decoded.error->code != rpc::kParseError) std::abort();
  if (parsed.is_discarded() || text.find('\0') != std::string_view::npos) {
    if (!refused_as_parse) std::abort();
    return 0;
  }
  const bool too_deep = json_depth(parsed) > rpc::kMaxNestingDepth;
  if (too_deep != refused_as_parse) std::abort();
  if (too_deep != cairn::json_nested_deeper_than(text, rpc::kMaxNestingDepth)) std::abort();
  if (too_deep) return 0;

  if (decoded.batch != parsed.is_array()) std::abort();
  if (decoded.error) {
    // Only a whole text that is neither an object nor a non-empty array is refused now.
    const bool shape_ok = parsed.is_object() || (parsed.is_array() && !parsed.empty());
    if (shape_ok || decoded.error->code != rpc::kInvalidRequest ||
        decoded.error->reason != "MCP_INVALID_REQUEST") {
      std::abort();
    }
    return 0;
  }
  if (parsed.is_array()) {
    if (decoded.items.size() != parsed.size()) std::abort();
    for (std::size_t i = 0; i < parsed.size(); ++i) check_item(decoded.items[i], parsed[i]);
  } else {
    if (decoded.items.size() != 1) std::abort();
    check_item(decoded.items.front(), parsed);
  }

  // The text re-encoded from its parse reads the same.
  if (describe(rpc::decode(rpc::encode(parsed))) != describe(decoded)) std::abort();
  return 0;
}
