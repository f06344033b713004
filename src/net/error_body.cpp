// Turning an HTTP error response back into a cairn::Error: the common error body
// {"error":{"code","reason","message"}} when there is one, else the code that the error table maps
// to the HTTP status; a Retry-After in seconds becomes Error::retry_after.
#include <charconv>
#include <nlohmann/json.hpp>

#include "cairn/core/json_text.hpp"
#include "cairn/net/client.hpp"

namespace cairn::net {

std::optional<Error> parse_error_body(std::string_view body) {
  if (json_text_refusal(body)) return std::nullopt;
  nlohmann::json doc = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
  auto error = doc.find("error");
  if (error == doc.end() || !error->is_object()) return std::nullopt;
  auto code = error->find("code");
  auto reason = error->find("reason");
  auto message = error->find("message");
  if (code == error->end() || !code->is_string()) return std::nullopt;
  if (reason == error->end() || !reason->is_string()) return std::nullopt;
  if (message != error->end() && !message->is_string()) return std::nullopt;
  std::optional<ErrorCode> known = code_from_name(code->get_ref<const std::string&>());
  if (!known) return std::nullopt;
  Error out;
  out.code = *known;
  out.reason = reason->get<std::string>();
  if (message != error->end()) out.message = message->get<std::string>();
  return out;
}

Status response_status(const ClientResponse& response) {
  if (response.status < 400) return ok_status();
  std::optional<Error> error = parse_error_body(response.body);
  if (!error) {
    ErrorCode code = ErrorCode::kUnknown;
    for (const ErrorCodeInfo& info : error_code_table()) {
      if (info.code != ErrorCode::kOk && info.http_status == response.status) {
        code = info.code;
        break;
      }
    }
    error = Error{code,
                  "NET_HTTP_STATUS",
                  "HTTP " + std::to_string(response.status) + " " +
                      std::string(status_phrase(response.status)),
                  {}};
  }
  if (auto retry = response.headers.get("Retry-After")) {
    uint64_t seconds = 0;
    auto [ptr, ec] = std::from_chars(retry->data(), retry->data() + retry->size(), seconds);
    if (ec == std::errc() && ptr == retry->data() + retry->size() &&
        seconds <= uint64_t{86400} * 365) {
      error->retry_after = std::chrono::seconds(seconds);
    }
  }
  return fail(std::move(*error));
}

}  // namespace cairn::net
