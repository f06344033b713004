#include "cairn/net/form.hpp"

#include "cairn/core/encoding.hpp"

namespace cairn::net {
namespace {

bool is_unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

std::string encode(std::string_view text, bool space_as_plus) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (is_unreserved(c)) {
      out += c;
    } else if (c == ' ' && space_as_plus) {
      out += '+';
    } else {
      auto byte = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    }
  }
  return out;
}

// One side of a pair: percent_decode is the only decoder; a form is text, so the result must be
// UTF-8 as well (what a browser sends for a UTF-8 page, and what handlers compare and store).
std::optional<std::string> decode_component(std::string_view text) {
  std::optional<std::string> decoded = percent_decode(text, /*plus_as_space=*/true);
  if (!decoded || !encoding::is_valid_utf8(*decoded)) return std::nullopt;
  return decoded;
}

}  // namespace

std::optional<std::string_view> FormData::get(std::string_view name) const {
  for (const FormField& f : fields_) {
    if (f.name == name) return std::string_view(f.value);
  }
  return std::nullopt;
}

std::vector<std::string_view> FormData::all(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const FormField& f : fields_) {
    if (f.name == name) out.emplace_back(f.value);
  }
  return out;
}

void FormData::add(std::string name, std::string value) {
  fields_.push_back(FormField{std::move(name), std::move(value)});
}

std::string percent_encode(std::string_view text) { return encode(text, false); }

std::string form_encode_component(std::string_view text) { return encode(text, true); }

std::string encode_form(const FormData& form) {
  std::string out;
  bool first = true;
  for (const FormField& f : form.fields()) {
    if (!first) out += '&';
    first = false;
    out += form_encode_component(f.name);
    out += '=';
    out += form_encode_component(f.value);
  }
  return out;
}

Result<FormData> parse_form(std::string_view text) {
  FormData form;
  std::size_t position = 0;
  std::string_view rest = text;
  while (!rest.empty()) {
    std::size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;  // "a=1&&b=2", a trailing '&'
    ++position;
    std::size_t eq = pair.find('=');
    std::optional<std::string> name = decode_component(pair.substr(0, eq));
    std::optional<std::string> value =
        eq == std::string_view::npos ? std::string() : decode_component(pair.substr(eq + 1));
    if (!name || !value) {
      return fail(ErrorCode::kInvalidArgument, "HTTP_FORM_INVALID",
                  "form pair " + std::to_string(position) +
                      " has a malformed %-sequence, a %00 or text that is not UTF-8");
    }
    form.add(std::move(*name), std::move(*value));
  }
  return form;
}

Result<FormData> query_params(const Request& req) { return parse_form(req.query); }

Result<FormData> form_body(const Request& req) {
  static constexpr std::string_view kFormType = "application/x-www-form-urlencoded";
  std::string_view type = req.header("Content-Type").value_or("");
  type = type.substr(0, type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  if (!iequals(type, kFormType)) {
    return fail(ErrorCode::kInvalidArgument, "HTTP_FORM_CONTENT_TYPE",
                "the request body must be application/x-www-form-urlencoded");
  }
  return parse_form(req.body);
}

}  // namespace cairn::net
