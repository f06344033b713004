// libFuzzer target for cairn::net's URL encoding (form.hpp, and percent_decode in http.hpp):
// application/x-www-form-urlencoded text and percent-encoding of arbitrary bytes.
//
// Properties (a broken one aborts):
// - parse_form is deterministic; it succeeds or fails with HTTP_FORM_INVALID, and every name and
//   value it yields is UTF-8 without a NUL byte (a %00 is refused, so a NUL must not get in
//   another way);
// - parse_form -> encode_form -> parse_form gives the same pairs, in order;
// - encode_form, percent_encode and form_encode_component write only RFC 3986 unreserved
//   characters, '%' with two upper-case hex digits, and ('+' | '=' | '&' where they belong);
// - percent_decode(percent_encode(b)) == b for bytes without NUL, with and without '+' as space;
//   percent_decode(form_encode_component(b), true) == b likewise; and a one-pair form of
//   form_encode_component(name) "=" form_encode_component(value) parses back to exactly that pair
//   when both are UTF-8 without NUL.
//
// The first input byte picks how the rest is used: bit 0 off, as form text; on, also split at the
// first '\n' into a name and a value to encode. Seeds: corpus/form/ (tests/net/form_test.cpp's
// forms); tokens: form.dict. See tests/fuzz/CMakeLists.txt for how it is built and run.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "cairn/core/encoding.hpp"
#include "cairn/net/form.hpp"
#include "cairn/net/http.hpp"

namespace {

namespace net = cairn::net;

constexpr std::size_t kMaxInputBytes = std::size_t{16} * 1024;

bool is_unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

bool is_upper_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); }

// `encoded` holds only unreserved characters, %XX (upper-case) and the characters in `extra`.
void check_encoded(std::string_view encoded, std::string_view extra) {
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    const char c = encoded[i];
    if (is_unreserved(c) || extra.find(c) != std::string_view::npos) continue;
    if (c != '%' || i + 2 >= encoded.size() || !is_upper_hex(encoded[i + 1]) ||
        !is_upper_hex(encoded[i + 2])) {
      std::abort();
    }
    i += 2;
  }
}

bool form_text(std::string_view s) {
  return s.find('\0') == std::string_view::npos && cairn::encoding::is_valid_utf8(s);
}

void check_form(std::string_view text) {
  cairn::Result<net::FormData> form = net::parse_form(text);
  cairn::Result<net::FormData> again = net::parse_form(text);
  if (form.has_value() != again.has_value()) std::abort();
  if (!form) {
    if (form.error().reason != "HTTP_FORM_INVALID" ||
        form.error().message != again.error().message) {
      std::abort();
    }
    return;
  }
  if (form->fields() != again->fields()) std::abort();
  for (const net::FormField& f : form->fields()) {
    if (!form_text(f.name) || !form_text(f.value)) std::abort();
  }
  const std::string encoded = net::encode_form(*form);
  check_encoded(encoded, "+=&");
  cairn::Result<net::FormData> back = net::parse_form(encoded);
  if (!back || back->fields() != form->fields()) std::abort();
}

void check_components(std::string_view name, std::string_view value) {
  for (std::string_view bytes : {name, value}) {
    const std::string encoded = net::percent_encode(bytes);
    check_encoded(encoded, "");
    const std::string plus = net::form_encode_component(bytes);
    check_encoded(plus, "+");
    if (bytes.find('\0') != std::string_view::npos) continue;
    for (bool plus_as_space : {false, true}) {
      std::optional<std::string> decoded = net::percent_decode(encoded, plus_as_space);
      if (!decoded || *decoded != bytes) std::abort();
    }
    std::optional<std::string> decoded = net::percent_decode(plus, true);
    if (!decoded || *decoded != bytes) std::abort();
  }
  const std::string pair =
      net::form_encode_component(name) + "=" + net::form_encode_component(value);
  cairn::Result<net::FormData> form = net::parse_form(pair);
  if (form_text(name) && form_text(value)) {
    if (!form || form->size() != 1 || form->fields().front().name != name ||
        form->fields().front().value != value) {
      std::abort();
    }
  } else if (form) {
    std::abort();  // bytes that are not form text must not read back as a form
  }
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t control = bytes[0];
  std::string_view text(reinterpret_cast<const char*>(bytes + 1),
                        std::min(size - 1, kMaxInputBytes));
  check_form(text);
  if ((control & 1U) != 0) {
    const std::size_t newline = text.find('\n');
    check_components(text.substr(0, newline), newline == std::string_view::npos
                                                  ? std::string_view()
                                                  : text.substr(newline + 1));
  }
  return 0;
}
