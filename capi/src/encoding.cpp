// The C ABI's encodings: hex, base64, base64url.
#include "cairn/core/encoding.hpp"

#include "entry_point.hpp"

using cairn::ByteView;
using cairn::capi::bytes;
using cairn::capi::entry;
using cairn::capi::set_ok;

namespace {

template <class Encode>
cairn_status encode(char** out, const uint8_t* data, size_t len, Encode encode_fn) {
  return entry(CAIRN_CAPI_OUT(out), CAIRN_CAPI_IN(bytes(data, len)), [&] {
    *out = cairn::capi::copy_string(encode_fn(data == nullptr ? ByteView() : ByteView(data, len)));
    return set_ok();
  });
}

template <class Decode>
cairn_status decode(uint8_t** out, size_t* out_len, const char* text, Decode decode_fn) {
  return entry(CAIRN_CAPI_OUT(out, out_len), CAIRN_CAPI_IN(text), [&] {
    return cairn::capi::put(out, decode_fn(text), [&](const cairn::Bytes& decoded) {
      uint8_t* buffer = nullptr;
      cairn::capi::copy_bytes(decoded, &buffer, out_len);
      return buffer;
    });
  });
}

}  // namespace

extern "C" {

cairn_status cairn_encoding_hex_encode(char** out, const uint8_t* data, size_t len) {
  return encode(out, data, len, [](ByteView b) { return cairn::encoding::hex_encode(b); });
}

cairn_status cairn_encoding_hex_decode(uint8_t** out, size_t* out_len, const char* text) {
  return decode(out, out_len, text, cairn::encoding::hex_decode);
}

cairn_status cairn_encoding_b64_encode(char** out, const uint8_t* data, size_t len) {
  return encode(out, data, len, [](ByteView b) { return cairn::encoding::b64_encode(b); });
}

cairn_status cairn_encoding_b64_decode(uint8_t** out, size_t* out_len, const char* text) {
  return decode(out, out_len, text, cairn::encoding::b64_decode);
}

cairn_status cairn_encoding_b64url_encode(char** out, const uint8_t* data, size_t len, int pad) {
  return encode(out, data, len,
                [pad](ByteView b) { return cairn::encoding::b64url_encode(b, pad != 0); });
}

cairn_status cairn_encoding_b64url_decode(uint8_t** out, size_t* out_len, const char* text) {
  return decode(out, out_len, text, cairn::encoding::b64url_decode);
}

}  // extern "C"
