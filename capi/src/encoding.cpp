// The C ABI's encodings: hex, base64, base64url.
#include "cairn/core/encoding.hpp"

#include "common.hpp"

using cairn::ByteView;
using cairn::capi::copy_bytes;
using cairn::capi::guard;
using cairn::capi::null_argument;
using cairn::capi::set_error;
using cairn::capi::set_ok;

namespace {

template <class Encode>
cairn_status encode(char** out, const uint8_t* data, size_t len, Encode encode_fn) {
  return guard([&] {
    if (out == nullptr) return null_argument("out");
    *out = nullptr;
    ByteView bytes;
    if (!cairn::capi::view_of(data, len, bytes)) return null_argument("data");
    *out = cairn::capi::copy_string(encode_fn(bytes));
    return set_ok();
  });
}

template <class Decode>
cairn_status decode(uint8_t** out, size_t* out_len, const char* text, Decode decode_fn) {
  return guard([&] {
    if (out == nullptr || out_len == nullptr) return null_argument("out");
    *out = nullptr;
    *out_len = 0;
    if (text == nullptr) return null_argument("text");
    auto bytes = decode_fn(text);
    if (!bytes) return set_error(bytes.error());
    copy_bytes(*bytes, out, out_len);
    return set_ok();
  });
}

}  // namespace

extern "C" {

cairn_status cairn_hex_encode(char** out, const uint8_t* data, size_t len) {
  return encode(out, data, len, [](ByteView b) { return cairn::encoding::hex_encode(b); });
}

cairn_status cairn_hex_decode(uint8_t** out, size_t* out_len, const char* text) {
  return decode(out, out_len, text, cairn::encoding::hex_decode);
}

cairn_status cairn_b64_encode(char** out, const uint8_t* data, size_t len) {
  return encode(out, data, len, [](ByteView b) { return cairn::encoding::b64_encode(b); });
}

cairn_status cairn_b64_decode(uint8_t** out, size_t* out_len, const char* text) {
  return decode(out, out_len, text, cairn::encoding::b64_decode);
}

cairn_status cairn_b64url_encode(char** out, const uint8_t* data, size_t len, int pad) {
  return encode(out, data, len,
                [pad](ByteView b) { return cairn::encoding::b64url_encode(b, pad != 0); });
}

cairn_status cairn_b64url_decode(uint8_t** out, size_t* out_len, const char* text) {
  return decode(out, out_len, text, cairn::encoding::b64url_decode);
}

}  // extern "C"
