// URL-encoded text as HTTP carries it: percent-encoding (RFC 3986 section 2.1) and the
// application/x-www-form-urlencoded pairs of HTML forms and query strings (WHATWG URL, section 5),
// read into an ordered FormData whose repeated names keep every value in order.
//
// Example:
//   net::Router router;
//   auto sign_in = [](const net::Request& req, net::Response& res) {
//     Result<net::FormData> form = net::form_body(req);  // 400 HTTP_FORM_INVALID when malformed
//     if (!form) return res.error(form.error());
//     std::string_view user = form->get("user").value_or("");
//     std::vector<std::string_view> scopes = form->all("scope");  // ?scope=a&scope=b, in order
//     use(user, scopes);
//     res.text("next=" + net::percent_encode("/home page"));  // "next=%2Fhome%20page"
//   };
//   CAIRN_TRY(router.add("POST", "/login", sign_in));
//
// Decoding is strict where it matters and lenient where browsers are: '+' is a space, a pair
// without '=' has an empty value, empty pairs ("a=1&&b=2") are skipped, ';' is not a separator;
// a malformed %-sequence, a %00 and text that is not UTF-8 after decoding are refused
// (percent_decode in http.hpp is the one decoder). Encoding keeps exactly RFC 3986's unreserved
// characters (A-Z a-z 0-9 - . _ ~) and writes upper-case hex, as Python's urllib.parse does, so
// an encoded form reads back as the same pairs everywhere.
//
// Thread-safety: plain values and pure functions; a FormData is read concurrently safely, written
// by one thread at a time. Ownership: a FormData owns its strings; views it returns live as long
// as it is unchanged.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cairn/core/result.hpp"
#include "cairn/net/http.hpp"

namespace cairn::net {

// One name=value pair of a form or query string, decoded.
struct FormField {
  std::string name;
  std::string value;
  bool operator==(const FormField&) const = default;
};

// The pairs of a form or query string, in order; names may repeat and compare exactly.
class FormData {
 public:
  FormData() = default;
  explicit FormData(std::vector<FormField> fields) : fields_(std::move(fields)) {}

  // The first value of `name`, or nullopt when the form has no such field.
  std::optional<std::string_view> get(std::string_view name) const;
  // Every value of `name`, in order (empty when there is none).
  std::vector<std::string_view> all(std::string_view name) const;
  bool contains(std::string_view name) const { return get(name).has_value(); }
  // Appends a pair (an existing `name` keeps its values).
  void add(std::string name, std::string value);
  std::size_t size() const { return fields_.size(); }
  bool empty() const { return fields_.empty(); }
  const std::vector<FormField>& fields() const& { return fields_; }
  // From a temporary (`for (auto& f : parse_form(t)->fields())`), the fields themselves, so
  // the loop does not read a destroyed object.
  std::vector<FormField> fields() && { return std::move(fields_); }

 private:
  std::vector<FormField> fields_;
};

// `text` percent-encoded byte by byte: RFC 3986 unreserved characters are kept, every other byte
// becomes %XX (upper-case hex), so the result is safe in a path segment, a query or a form.
std::string percent_encode(std::string_view text);

// As percent_encode, except that a space becomes '+': the form encoding of one name or value
// (Python's urllib.parse.quote_plus with safe="").
std::string form_encode_component(std::string_view text);

// The form as application/x-www-form-urlencoded text: "name=value" pairs joined by '&', in order,
// each side form-encoded ("q=a+b&tag=x&tag=y"). Always succeeds.
std::string encode_form(const FormData& form);

// The pairs of application/x-www-form-urlencoded `text` (a request body or a query string without
// its '?'), decoded as described at the top of this file. Returns the pairs in order. Errors:
// INVALID_ARGUMENT / HTTP_FORM_INVALID for a malformed %-sequence ("%zz", a trailing "%4"), a %00,
// or a name or value that is not UTF-8 once decoded; the message names the pair's position.
Result<FormData> parse_form(std::string_view text);

// The request's query string as pairs: parse_form(req.query), with its errors. Request::
// query_param reads through the same parser (and sees no parameters in a malformed query).
Result<FormData> query_params(const Request& req);

// The request body as form pairs. Returns parse_form(req.body) when the Content-Type is
// application/x-www-form-urlencoded (any case, parameters such as "; charset=UTF-8" allowed).
// Errors: INVALID_ARGUMENT / HTTP_FORM_CONTENT_TYPE when the Content-Type is missing or another
// type; parse_form's errors.
Result<FormData> form_body(const Request& req);

}  // namespace cairn::net
