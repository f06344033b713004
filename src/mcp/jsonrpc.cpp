// The JSON-RPC 2.0 codec. Parsing never throws: nlohmann's non-throwing parse is used, and on
// failure a second, SAX-only pass recovers the parser's reason without building anything.
#include "cairn/mcp/jsonrpc.hpp"

#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include "cairn/core/json_text.hpp"

namespace cairn::mcp::jsonrpc {
namespace {

using json = nlohmann::json;

// Parse error messages are cut to this length (they never echo the input).
constexpr std::size_t kMaxParseReasonBytes = 160;

ErrorObject make_error_object(int code, const char* reason, std::string message) {
  ErrorObject error;
  error.code = code;
  error.reason = reason;
  error.message = std::move(message);
  return error;
}

ErrorObject invalid_request(std::string message) {
  return make_error_object(kInvalidRequest, "MCP_INVALID_REQUEST", std::move(message));
}

// A SAX handler that builds nothing and keeps the parser's explanation of the first error.
class ErrorCollector {
 public:
  bool null() { return true; }
  bool boolean(bool /*value*/) { return true; }
  bool number_integer(json::number_integer_t /*value*/) { return true; }
  bool number_unsigned(json::number_unsigned_t /*value*/) { return true; }
  bool number_float(json::number_float_t /*value*/, const json::string_t& /*text*/) { return true; }
  bool string(json::string_t& /*value*/) { return true; }
  bool binary(json::binary_t& /*value*/) { return true; }
  bool start_object(std::size_t /*size*/) { return true; }
  bool key(json::string_t& /*value*/) { return true; }
  bool end_object() { return true; }
  bool start_array(std::size_t /*size*/) { return true; }
  bool end_array() { return true; }
  bool parse_error(std::size_t /*position*/, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& ex) {
    what_ = ex.what();
    return false;
  }

  [[nodiscard]] const std::string& what() const { return what_; }

 private:
  std::string what_;
};

// "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error while parsing
// value - invalid literal; last read: 'tru'" -> "line 1, column 5: syntax error while parsing
// value - invalid literal". The "last read" part echoes input and is dropped.
std::string short_parse_reason(std::string_view text) {
  ErrorCollector collector;
  // NOLINTNEXTLINE(bugprone-unused-return-value): the collector holds the outcome
  static_cast<void>(json::sax_parse(text, &collector, json::input_format_t::json, true, false));
  std::string what = collector.what();
  if (what.empty()) return "not valid JSON";
  if (const auto pos = what.find("; last read:"); pos != std::string::npos) what.resize(pos);
  if (const auto pos = what.find("parse error at "); pos != std::string::npos) {
    what.erase(0, pos + std::string_view("parse error at ").size());
  } else if (const auto bracket = what.find("] "); bracket != std::string::npos) {
    what.erase(0, bracket + 2);
  }
  if (what.size() > kMaxParseReasonBytes) what.resize(kMaxParseReasonBytes);
  return what;
}

// A request id: a string or an integer. Out of range for JSON integers, nlohmann already made
// a float of it, which is refused like any other type.
bool is_valid_id(const json& id) { return id.is_string() || id.is_number_integer(); }

// Reads {"code","message","data"} of an incoming error response.
std::optional<ErrorObject> read_error_object(const json& error) {
  if (!error.is_object()) return std::nullopt;
  const auto code = error.find("code");
  const auto message = error.find("message");
  if (code == error.end() || !code->is_number_integer()) return std::nullopt;
  if (message == error.end() || !message->is_string()) return std::nullopt;
  ErrorObject out;
  if (code->is_number_unsigned()) {
    const auto value = code->get<std::uint64_t>();
    if (value > static_cast<std::uint64_t>(std::numeric_limits<int>::max())) return std::nullopt;
    out.code = static_cast<int>(value);
  } else {
    const auto value = code->get<std::int64_t>();
    if (value < std::numeric_limits<int>::min() || value > std::numeric_limits<int>::max()) {
      return std::nullopt;
    }
    out.code = static_cast<int>(value);
  }
  out.message = message->get<std::string>();
  if (const auto data = error.find("data"); data != error.end()) {
    out.data = *data;
    if (data->is_object()) {
      if (const auto reason = data->find("reason"); reason != data->end() && reason->is_string()) {
        out.reason = reason->get<std::string>();
      }
    }
  }
  return out;
}

Incoming invalid(json id, std::string message) {
  Incoming out;
  out.kind = Kind::kInvalid;
  out.id = std::move(id);
  out.error = invalid_request(std::move(message));
  return out;
}

}  // namespace

json ErrorObject::to_json() const {
  json out_data = json::object();
  if (data.is_object()) {
    out_data = data;
  } else if (!data.is_null()) {
    out_data["detail"] = data;
  }
  // The stable reason is the contract; a "reason" inside `data` only fills in when none is set.
  if (!reason.empty() || !out_data.contains("reason")) out_data["reason"] = reason;
  json out = json::object();
  out["code"] = code;
  out["message"] = message;
  out["data"] = std::move(out_data);
  return out;
}

Incoming classify(json message) {
  if (!message.is_object()) return invalid(nullptr, "message must be a JSON object");

  json id;  // null when absent or unreadable
  const auto id_it = message.find("id");
  const bool has_id = id_it != message.end();
  const bool id_valid = has_id && is_valid_id(*id_it);
  if (id_valid) id = *id_it;

  const auto version = message.find("jsonrpc");
  if (version == message.end() || !version->is_string() ||
      version->get_ref<const std::string&>() != "2.0") {
    return invalid(std::move(id), "\"jsonrpc\" must be \"2.0\"");
  }

  const auto method = message.find("method");
  const auto result = message.find("result");
  const auto error = message.find("error");
  const bool has_result = result != message.end();
  const bool has_error = error != message.end();

  if (method != message.end()) {
    if (has_result || has_error) {
      return invalid(std::move(id),
                     "a message cannot have both \"method\" and \"result\" or \"error\"");
    }
    if (!method->is_string() || method->get_ref<const std::string&>().empty()) {
      return invalid(std::move(id), "\"method\" must be a non-empty string");
    }
    if (has_id && !id_valid) {
      return invalid(nullptr, id_it->is_null() ? "\"id\" must not be null"
                                               : "\"id\" must be a string or an integer");
    }
    Incoming out;
    if (const auto params = message.find("params"); params != message.end()) {
      if (!params->is_object() && !params->is_array()) {
        return invalid(std::move(id), "\"params\" must be an object or an array");
      }
      out.params = std::move(*params);
    }
    out.kind = has_id ? Kind::kRequest : Kind::kNotification;
    out.id = std::move(id);
    out.method = std::move(method->get_ref<std::string&>());
    return out;
  }

  if (has_result || has_error) {
    if (has_result && has_error) {
      return invalid(std::move(id), "a response cannot have both \"result\" and \"error\"");
    }
    if (!has_id) return invalid(nullptr, "a response must have an \"id\"");
    // JSON-RPC answers a message it could not read with an error whose id is null; that is
    // still a response (matching nothing we sent), not something to answer.
    const bool null_error_id = has_error && id_it->is_null();
    if (!id_valid && !null_error_id) {
      return invalid(nullptr, "\"id\" must be a string or an integer");
    }
    Incoming out;
    out.kind = Kind::kResponse;
    out.id = std::move(id);
    if (has_result) {
      out.result = std::move(*result);
    } else {
      out.error = read_error_object(*error);
      if (!out.error) {
        return invalid(std::move(out.id),
                       "\"error\" must be an object with an integer \"code\" and a string "
                       "\"message\"");
      }
    }
    return out;
  }

  return invalid(std::move(id), "message must have \"method\", \"result\" or \"error\"");
}

Decoded decode(std::string_view text, std::size_t max_bytes) {
  Decoded out;
  if (text.size() > max_bytes) {
    out.error =
        make_error_object(kInvalidRequest, "MCP_MESSAGE_TOO_LARGE",
                          "message too large (max " + std::to_string(max_bytes) + " bytes)");
    return out;
  }
  if (std::optional<std::string> why = json_text_refusal(text, kMaxNestingDepth)) {
    out.error = make_error_object(kParseError, "MCP_PARSE_ERROR", "Parse error: " + *why);
    return out;
  }
  json parsed = json::parse(text, nullptr, false);
  if (parsed.is_discarded()) {
    out.error = make_error_object(kParseError, "MCP_PARSE_ERROR",
                                  "Parse error: " + short_parse_reason(text));
    return out;
  }
  if (parsed.is_object()) {
    out.items.push_back(classify(std::move(parsed)));
    return out;
  }
  if (parsed.is_array()) {
    out.batch = true;
    if (parsed.empty()) {
      out.error = invalid_request("empty batch");
      return out;
    }
    out.items.reserve(parsed.size());
    for (json& element : parsed) out.items.push_back(classify(std::move(element)));
    return out;
  }
  out.error = invalid_request("message must be a JSON object or an array of them");
  return out;
}

json make_result(const json& id, json result) {
  json out = json::object();
  out["jsonrpc"] = "2.0";
  out["id"] = id;
  out["result"] = std::move(result);
  return out;
}

json make_error(const json& id, const ErrorObject& error) {
  json out = json::object();
  out["jsonrpc"] = "2.0";
  out["id"] = id;
  out["error"] = error.to_json();
  return out;
}

json make_request(const json& id, std::string_view method, json params) {
  json out = json::object();
  out["jsonrpc"] = "2.0";
  out["id"] = id;
  out["method"] = method;
  if (!params.is_null()) out["params"] = std::move(params);
  return out;
}

json make_notification(std::string_view method, json params) {
  json out = json::object();
  out["jsonrpc"] = "2.0";
  out["method"] = method;
  if (!params.is_null()) out["params"] = std::move(params);
  return out;
}

std::string encode(const json& message) {
  return message.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace cairn::mcp::jsonrpc
