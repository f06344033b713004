// Test driver for tests/net/forms_peer_test.py: runs cairn::net's cookie, form and
// percent-encoding functions on commands read from stdin, one per line, and prints one JSON
// object per command, so that Python's http.cookies and urllib.parse can check the answers.
//
//   cookie-parse <Cookie header>     {"ok": [[name, value], ...]}
//   set-cookie <JSON options>        {"ok": "<Set-Cookie value>"} or {"error": {...}}
//                                    options: name, value, path, domain, max_age (seconds),
//                                    expires (Unix seconds), http_only, secure,
//                                    same_site ("Strict" | "Lax" | "None")
//   percent-encode <JSON string>     {"ok": "<text>"}
//   form-component <JSON string>     {"ok": "<text>"}
//   percent-decode <text>            {"ok": "<hex of the bytes>"} or {"error": null}
//   form-encode <JSON [[n, v], ...]> {"ok": "<text>"}
//   form-decode <text>               {"ok": [[name, value], ...]} or {"error": {...}}
//   query <text>                     as form-decode, through Request::query, plus
//                                    "first": {name: Request::query_param(name)}
// A line that is not a command gets {"error": {"reason": "DRIVER_BAD_COMMAND"}}.
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "cairn/core/encoding.hpp"
#include "cairn/net/cookies.hpp"
#include "cairn/net/form.hpp"

namespace {

using nlohmann::json;
namespace net = cairn::net;

json error_json(const cairn::Error& e) {
  return {{"error", {{"code", std::string(cairn::code_name(e.code))}, {"reason", e.reason}}}};
}

json pairs_json(const net::FormData& form) {
  json out = json::array();
  for (const net::FormField& f : form.fields()) out.push_back({f.name, f.value});
  return out;
}

json set_cookie(const json& in) {
  net::SetCookie c;
  c.name = in.value("name", "");
  c.value = in.value("value", "");
  c.path = in.value("path", "");
  c.domain = in.value("domain", "");
  if (in.contains("max_age")) c.max_age = std::chrono::seconds(in["max_age"].get<int64_t>());
  if (in.contains("expires")) {
    c.expires = cairn::from_unix_micros(in["expires"].get<int64_t>() * 1000000);
  }
  c.http_only = in.value("http_only", false);
  c.secure = in.value("secure", false);
  std::string same_site = in.value("same_site", "");
  if (same_site == "Strict") c.same_site = net::SameSite::kStrict;
  if (same_site == "Lax") c.same_site = net::SameSite::kLax;
  if (same_site == "None") c.same_site = net::SameSite::kNone;
  cairn::Result<std::string> r = net::format_set_cookie(c);
  if (!r) return error_json(r.error());
  return {{"ok", *r}};
}

json run(const std::string& command, const std::string& arg) {
  if (command == "cookie-parse") {
    json out = json::array();
    for (const net::Cookie& c : net::parse_cookie_header(arg).items()) {
      out.push_back({c.name, c.value});
    }
    return {{"ok", out}};
  }
  if (command == "set-cookie") return set_cookie(json::parse(arg));
  if (command == "percent-encode") {
    return {{"ok", net::percent_encode(json::parse(arg).get<std::string>())}};
  }
  if (command == "form-component") {
    return {{"ok", net::form_encode_component(json::parse(arg).get<std::string>())}};
  }
  if (command == "percent-decode") {
    std::optional<std::string> bytes = net::percent_decode(arg);
    if (!bytes) return {{"error", nullptr}};
    return {{"ok", cairn::encoding::hex_encode(cairn::ByteView(
                       reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size()))}};
  }
  if (command == "form-encode") {
    net::FormData form;
    for (const json& pair : json::parse(arg)) {
      form.add(pair.at(0).get<std::string>(), pair.at(1).get<std::string>());
    }
    return {{"ok", net::encode_form(form)}};
  }
  if (command == "form-decode") {
    cairn::Result<net::FormData> form = net::parse_form(arg);
    if (!form) return error_json(form.error());
    return {{"ok", pairs_json(*form)}};
  }
  if (command == "query") {
    net::Request req;
    req.query = arg;
    cairn::Result<net::FormData> form = net::query_params(req);
    if (!form) return error_json(form.error());
    json first = json::object();
    for (const net::FormField& f : form->fields()) {
      if (!first.contains(f.name)) first[f.name] = req.query_param(f.name).value_or("(missing)");
    }
    return {{"ok", pairs_json(*form)}, {"first", first}};
  }
  return {{"error", {{"reason", "DRIVER_BAD_COMMAND"}}}};
}

}  // namespace

int main() {
  std::string line;
  while (std::getline(std::cin, line)) {
    std::size_t space = line.find(' ');
    std::string command = line.substr(0, space);
    std::string arg = space == std::string::npos ? std::string() : line.substr(space + 1);
    json out;
    try {
      out = run(command, arg);
    } catch (const std::exception& e) {
      out = {{"error", {{"reason", "DRIVER_BAD_INPUT"}, {"message", e.what()}}}};
    }
    std::cout << out.dump(-1, ' ', false, json::error_handler_t::replace) << '\n' << std::flush;
  }
  return 0;
}
