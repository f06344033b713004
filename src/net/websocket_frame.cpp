// WebSocket framing (RFC 6455): handshake checks, the frame and message parsers, the encoder.
//
// The parsers check a frame's header as soon as its bytes arrive (the first two bytes carry every
// rule but the length's), so a peer that breaks a rule is failed before it sends the rest, and a
// frame that would push its message past the cap is refused before its payload is buffered.
#include <openssl/evp.h>

#include <cassert>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "cairn/core/encoding.hpp"
#include "cairn/crypto/random.hpp"
#include "cairn/net/websocket.hpp"

namespace cairn::net::websocket {
namespace {

// XORs `n` bytes at `data` with `key` repeated (section 5.3), eight bytes at a time: the key is
// spread over a 64-bit word, which works whatever the byte order since both sides are loaded
// and stored the same way.
void apply_mask(char* data, std::size_t n, const MaskKey& key) {
  uint32_t key32 = 0;
  std::memcpy(&key32, key.data(), 4);
  uint64_t key64 = (static_cast<uint64_t>(key32) << 32) | key32;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t word = 0;
    std::memcpy(&word, data + i, 8);
    word ^= key64;
    std::memcpy(data + i, &word, 8);
  }
  for (; i < n; ++i) data[i] = static_cast<char>(static_cast<uint8_t>(data[i]) ^ key[i % 4]);
}

// Section 1.3: appended to the client's key before hashing.
constexpr std::string_view kAcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Calls `visit` with each trimmed, non-empty element of the comma-separated lists in every field
// named `name`; stops early when it returns true, and returns whether it did.
template <class Visit>
bool any_list_element(const Headers& headers, std::string_view name, Visit visit) {
  for (std::string_view value : headers.all(name)) {
    while (!value.empty()) {
      std::size_t comma = value.find(',');
      std::string_view element = trim(value.substr(0, comma));
      if (!element.empty() && visit(element)) return true;
      if (comma == std::string_view::npos) break;
      value.remove_prefix(comma + 1);
    }
  }
  return false;
}

bool has_token(const Headers& headers, std::string_view name, std::string_view token) {
  return any_list_element(headers, name,
                          [&](std::string_view element) { return iequals(element, token); });
}

bool is_control(Opcode opcode) { return (static_cast<uint8_t>(opcode) & 0x8) != 0; }

bool is_known_opcode(uint8_t opcode) { return opcode <= 0x2 || (opcode >= 0x8 && opcode <= 0xA); }

}  // namespace

bool is_valid_close_code(uint16_t code) noexcept {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
         (code >= 3000 && code <= 4999);
}

std::string accept_key(std::string_view key) {
  std::string input(key);
  input += kAcceptGuid;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  // SHA-1 is what the RFC names; its weakness does not matter here (the value only proves that
  // the server understood the handshake).
  if (EVP_Digest(input.data(), input.size(), digest, &size, EVP_sha1(), nullptr) != 1) {
    return {};  // no SHA-1 in this OpenSSL configuration: the peer sees a mismatch
  }
  return encoding::b64_encode(ByteView(digest, size));
}

Result<std::string> check_upgrade(const Request& request) {
  auto invalid = [](std::string message) {
    return fail(ErrorCode::kInvalidArgument, "WEBSOCKET_UPGRADE_INVALID", std::move(message));
  };
  if (request.method != "GET") return invalid("a WebSocket upgrade must be a GET request");
  if (request.version_major < 1 || (request.version_major == 1 && request.version_minor < 1)) {
    return invalid("a WebSocket upgrade needs HTTP/1.1");
  }
  if (!has_token(request.headers, "Upgrade", "websocket")) {
    return invalid("the Upgrade header does not name websocket");
  }
  if (!has_token(request.headers, "Connection", "upgrade")) {
    return invalid("the Connection header has no upgrade token");
  }
  std::vector<std::string_view> versions = request.headers.all("Sec-WebSocket-Version");
  if (versions.size() != 1 || trim(versions[0]) != "13") {
    return fail(ErrorCode::kFailedPrecondition, "WEBSOCKET_VERSION_UNSUPPORTED",
                "only WebSocket version 13 is supported");
  }
  std::vector<std::string_view> keys = request.headers.all("Sec-WebSocket-Key");
  if (keys.size() != 1) return invalid("the request needs exactly one Sec-WebSocket-Key");
  std::string_view key = trim(keys[0]);
  Result<Bytes> nonce = encoding::b64_decode(key);
  if (!nonce || nonce->size() != 16) {
    return invalid("Sec-WebSocket-Key is not the base64 of 16 bytes");
  }
  return accept_key(key);
}

void refuse_upgrade(const Error& error, Response& response) {
  response.error(error);
  if (error.reason == "WEBSOCKET_VERSION_UNSUPPORTED") {
    response.status = 426;
    response.headers.set("Sec-WebSocket-Version", "13");
    response.headers.set("Upgrade", "websocket");
  } else {
    response.status = 400;
  }
}

std::optional<std::string> select_subprotocol(const Headers& request_headers,
                                              std::span<const std::string> server_preference) {
  for (const std::string& wanted : server_preference) {
    if (any_list_element(request_headers, "Sec-WebSocket-Protocol",
                         [&](std::string_view offered) { return offered == wanted; })) {
      return wanted;
    }
  }
  return std::nullopt;
}

std::string make_client_key() { return encoding::b64_encode(crypto::random_bytes(16)); }

Result<std::string> check_upgrade_response(int status, const Headers& headers, std::string_view key,
                                           std::span<const std::string> offered_protocols) {
  auto failed = [](std::string message) {
    return fail(ErrorCode::kUnavailable, "WEBSOCKET_HANDSHAKE_FAILED", std::move(message));
  };
  if (status != 101) {
    return failed("the server answered " + std::to_string(status) + " instead of 101");
  }
  if (!has_token(headers, "Upgrade", "websocket")) {
    return failed("the Upgrade header does not name websocket");
  }
  if (!has_token(headers, "Connection", "upgrade")) {
    return failed("the Connection header has no upgrade token");
  }
  std::vector<std::string_view> accepts = headers.all("Sec-WebSocket-Accept");
  if (accepts.size() != 1 || trim(accepts[0]) != accept_key(key)) {
    return failed("Sec-WebSocket-Accept does not match the key");
  }
  if (headers.contains("Sec-WebSocket-Extensions")) {
    return failed("the server chose an extension that was not offered");
  }
  std::vector<std::string_view> protocols = headers.all("Sec-WebSocket-Protocol");
  if (protocols.empty()) return std::string();
  std::string_view chosen = trim(protocols[0]);
  for (const std::string& offered : offered_protocols) {
    if (protocols.size() == 1 && chosen == offered) return offered;
  }
  return failed("the server chose a subprotocol that was not offered");
}

// FrameParser

FrameParser::FrameParser(ParserOptions options) : options_(options) {}

void FrameParser::feed(std::string_view bytes) {
  if (error_) return;
  if (offset_ == buffer_.size()) {
    buffer_.clear();
    offset_ = 0;
  } else if (offset_ > 4096 && offset_ > buffer_.size() / 2) {
    buffer_.erase(0, offset_);
    offset_ = 0;
  }
  buffer_.append(bytes);
}

Unexpected<Error> FrameParser::fail_with(uint16_t close_code, ErrorCode code, const char* reason,
                                         std::string message) {
  close_code_ = close_code;
  error_ = Error{code, reason, std::move(message)};
  return fail(*error_);
}

Result<std::optional<FrameParser::Header>> FrameParser::parse_header() {
  std::size_t available = buffer_.size() - offset_;
  if (available < 2) return std::optional<Header>();
  const auto* p = reinterpret_cast<const uint8_t*>(buffer_.data()) + offset_;
  Header h{};
  h.fin = (p[0] & 0x80) != 0;
  if ((p[0] & 0x70) != 0) {
    return fail_with(kCloseProtocolError, ErrorCode::kInvalidArgument, "WEBSOCKET_RESERVED_BITS",
                     "a frame sets RSV bits but no extension was negotiated");
  }
  uint8_t opcode = p[0] & 0x0F;
  if (!is_known_opcode(opcode)) {
    return fail_with(kCloseProtocolError, ErrorCode::kInvalidArgument, "WEBSOCKET_OPCODE_RESERVED",
                     "a frame uses the reserved opcode " + std::to_string(opcode));
  }
  h.opcode = static_cast<Opcode>(opcode);
  uint8_t length7 = p[1] & 0x7F;
  bool control = is_control(h.opcode);
  if (control && (!h.fin || length7 > kMaxControlPayload)) {
    return fail_with(
        kCloseProtocolError, ErrorCode::kInvalidArgument, "WEBSOCKET_CONTROL_FRAME_INVALID",
        h.fin ? "a control frame carries more than 125 bytes" : "a control frame is fragmented");
  }
  h.masked = (p[1] & 0x80) != 0;
  if (h.masked != (options_.role == Role::kServer)) {
    return fail_with(kCloseProtocolError, ErrorCode::kInvalidArgument, "WEBSOCKET_MASK_INVALID",
                     h.masked ? "a server sent a masked frame" : "a client sent an unmasked frame");
  }
  if (h.opcode == Opcode::kContinuation && !in_message_) {
    return fail_with(kCloseProtocolError, ErrorCode::kInvalidArgument,
                     "WEBSOCKET_FRAGMENT_UNEXPECTED",
                     "a continuation frame arrived outside a fragmented message");
  }
  if (!control && h.opcode != Opcode::kContinuation && in_message_) {
    return fail_with(kCloseProtocolError, ErrorCode::kInvalidArgument,
                     "WEBSOCKET_FRAGMENT_UNEXPECTED",
                     "a new message began before the fragmented one was finished");
  }
  std::size_t extended = length7 == 126 ? 2 : length7 == 127 ? 8 : 0;
  h.size = 2 + extended + (h.masked ? 4 : 0);
  if (available < h.size) return std::optional<Header>();
  h.length = length7;
  if (extended != 0) {
    h.length = 0;
    for (std::size_t i = 0; i < extended; ++i) h.length = (h.length << 8) | p[2 + i];
    if (extended == 8 && (h.length >> 63) != 0) {
      return fail_with(kCloseProtocolError, ErrorCode::kInvalidArgument, "WEBSOCKET_LENGTH_INVALID",
                       "a 64-bit frame length has its top bit set");
    }
    if (h.length < (extended == 2 ? 126U : 0x10000U)) {
      return fail_with(kCloseProtocolError, ErrorCode::kInvalidArgument, "WEBSOCKET_LENGTH_INVALID",
                       "a frame length is not encoded in the fewest bytes");
    }
  }
  if (!control) {
    uint64_t so_far = h.opcode == Opcode::kContinuation ? message_bytes_ : 0;
    if (h.length > options_.max_message_bytes - so_far) {
      return fail_with(
          kCloseTooBig, ErrorCode::kResourceExhausted, "WEBSOCKET_MESSAGE_TOO_BIG",
          "a message exceeds " + std::to_string(options_.max_message_bytes) + " bytes");
    }
  }
  if (h.masked) std::memcpy(h.mask.data(), p + 2 + extended, 4);
  return std::optional<Header>(h);
}

Result<std::optional<Frame>> FrameParser::next() {
  if (error_) return fail(*error_);
  CAIRN_ASSIGN_OR_RETURN(std::optional<Header> header, parse_header());
  if (!header) return std::optional<Frame>();
  // The cap (or the 125-byte control limit) bounds the length, so it fits in size_t.
  auto length = static_cast<std::size_t>(header->length);
  if (buffer_.size() - offset_ - header->size < length) return std::optional<Frame>();

  Frame frame;
  frame.opcode = header->opcode;
  frame.fin = header->fin;
  frame.payload.assign(buffer_, offset_ + header->size, length);
  if (header->masked) apply_mask(frame.payload.data(), length, header->mask);
  offset_ += header->size + length;

  if (!is_control(frame.opcode)) {
    if (frame.fin) {
      in_message_ = false;
      message_bytes_ = 0;
    } else {
      in_message_ = true;
      message_bytes_ += length;
    }
  }
  return std::optional<Frame>(std::move(frame));
}

// MessageParser

MessageParser::MessageParser(ParserOptions options) : frames_(options) {}

bool MessageParser::advance_utf8(Utf8State& state, std::string_view bytes) noexcept {
  // RFC 3629's table of well-formed sequences: the first byte fixes how many continuation bytes
  // follow and the range of the second (which rules out overlong forms, surrogates and code
  // points above U+10FFFF); the state carries over between fragments.
  for (char c : bytes) {
    auto b = static_cast<uint8_t>(c);
    if (state.need == 0) {
      if (b < 0x80) continue;
      state.low = 0x80;
      state.high = 0xBF;
      if (b >= 0xC2 && b <= 0xDF) {
        state.need = 1;
      } else if (b >= 0xE0 && b <= 0xEF) {
        state.need = 2;
        if (b == 0xE0) state.low = 0xA0;
        if (b == 0xED) state.high = 0x9F;
      } else if (b >= 0xF0 && b <= 0xF4) {
        state.need = 3;
        if (b == 0xF0) state.low = 0x90;
        if (b == 0xF4) state.high = 0x8F;
      } else {
        return false;
      }
      continue;
    }
    if (b < state.low || b > state.high) return false;
    --state.need;
    state.low = 0x80;
    state.high = 0xBF;
  }
  return true;
}

Result<std::optional<Message>> MessageParser::next() {
  if (error_) return fail(*error_);
  if (closed_) return std::optional<Message>();
  auto fail_utf8 = [this](const char* what) {
    close_code_ = kCloseInvalidPayload;
    error_ = Error{ErrorCode::kInvalidArgument, "WEBSOCKET_UTF8_INVALID",
                   std::string(what) + " is not valid UTF-8"};
    return fail(*error_);
  };
  // Each turn consumes one frame; fragments of a message are gathered until its final one.
  for (;;) {
    Result<std::optional<Frame>> next_frame = frames_.next();
    if (!next_frame) {
      close_code_ = frames_.close_code();
      error_ = next_frame.error();
      return fail(*error_);
    }
    if (!next_frame->has_value()) return std::optional<Message>();
    Frame& frame = **next_frame;

    if (frame.opcode == Opcode::kClose) {
      Result<ClosePayload> close = parse_close_payload(frame.payload);
      if (!close) {
        close_code_ = close.error().reason == "WEBSOCKET_UTF8_INVALID" ? kCloseInvalidPayload
                                                                       : kCloseProtocolError;
        error_ = close.error();
        return fail(*error_);
      }
      closed_ = true;
      return std::optional<Message>(Message{Opcode::kClose, std::move(close->reason), close->code});
    }
    if (is_control(frame.opcode)) {
      return std::optional<Message>(Message{frame.opcode, std::move(frame.payload), 0});
    }

    if (frame.opcode != Opcode::kContinuation) {
      message_opcode_ = frame.opcode;
      message_.clear();
      utf8_ = Utf8State{};
    }
    if (message_opcode_ == Opcode::kText) {
      if (!advance_utf8(utf8_, frame.payload) || (frame.fin && utf8_.need != 0)) {
        return fail_utf8("a text message");
      }
    }
    if (!frame.fin) {
      message_ += frame.payload;
      continue;
    }
    if (message_.empty()) {
      message_ = std::move(frame.payload);  // a single frame: no copy
    } else {
      message_ += frame.payload;
    }
    Message message{message_opcode_, std::move(message_), 0};
    message_.clear();
    return std::optional<Message>(std::move(message));
  }
}

Result<ClosePayload> parse_close_payload(std::string_view payload) {
  ClosePayload close;
  if (payload.empty()) return close;
  if (payload.size() == 1) {
    return fail(ErrorCode::kInvalidArgument, "WEBSOCKET_CLOSE_INVALID",
                "a close frame carries a single byte");
  }
  close.code = static_cast<uint16_t>((static_cast<uint8_t>(payload[0]) << 8) |
                                     static_cast<uint8_t>(payload[1]));
  if (!is_valid_close_code(close.code)) {
    return fail(
        ErrorCode::kInvalidArgument, "WEBSOCKET_CLOSE_INVALID",
        "a close frame carries the code " + std::to_string(close.code) + ", which may not be sent");
  }
  std::string_view reason = payload.substr(2);
  if (!encoding::is_valid_utf8(reason)) {
    return fail(ErrorCode::kInvalidArgument, "WEBSOCKET_UTF8_INVALID",
                "a close frame's reason is not valid UTF-8");
  }
  close.reason = std::string(reason);
  return close;
}

Result<std::string> encode_frame(const Frame& frame, std::optional<MaskKey> mask) {
  return encode_frame(frame.opcode, frame.payload, frame.fin, mask);
}

Result<std::string> encode_frame(Opcode opcode_value, std::string_view payload, bool fin,
                                 std::optional<MaskKey> mask) {
  auto opcode = static_cast<uint8_t>(opcode_value);
  if (!is_known_opcode(opcode)) {
    return fail(ErrorCode::kInvalidArgument, "WEBSOCKET_FRAME_INVALID",
                "the opcode " + std::to_string(opcode) + " is reserved");
  }
  std::size_t length = payload.size();
  if (is_control(opcode_value) && (!fin || length > kMaxControlPayload)) {
    return fail(ErrorCode::kInvalidArgument, "WEBSOCKET_FRAME_INVALID",
                "a control frame must be final and carry at most 125 bytes");
  }
  std::string out;
  out.reserve(14 + length);
  out.push_back(static_cast<char>((fin ? 0x80 : 0x00) | opcode));
  uint8_t mask_bit = mask ? 0x80 : 0x00;
  if (length < 126) {
    out.push_back(static_cast<char>(mask_bit | length));
  } else if (length <= 0xFFFF) {
    out.push_back(static_cast<char>(mask_bit | 126));
    for (int shift = 8; shift >= 0; shift -= 8) out.push_back(static_cast<char>(length >> shift));
  } else {
    out.push_back(static_cast<char>(mask_bit | 127));
    auto length64 = static_cast<uint64_t>(length);
    for (int shift = 56; shift >= 0; shift -= 8) {
      out.push_back(static_cast<char>(length64 >> shift));
    }
  }
  if (!mask) {
    out += payload;
    return out;
  }
  out.append(reinterpret_cast<const char*>(mask->data()), mask->size());
  std::size_t start = out.size();
  out += payload;
  apply_mask(out.data() + start, length, *mask);
  return out;
}

MaskKey random_mask_key() {
  MaskKey key{};
  crypto::random_bytes(key);
  return key;
}

Frame close_frame(uint16_t code, std::string_view reason) {
  assert(code == kCloseNoStatus || is_valid_close_code(code));
  Frame frame{Opcode::kClose, true, {}};
  if (code == kCloseNoStatus) return frame;
  if (!encoding::is_valid_utf8(reason)) reason = {};
  if (reason.size() > kMaxControlPayload - 2) {
    std::size_t cut = kMaxControlPayload - 2;
    // Back up over continuation bytes (10xxxxxx) to the start of the character that was cut.
    while (cut > 0 && (static_cast<uint8_t>(reason[cut]) & 0xC0) == 0x80) --cut;
    reason = reason.substr(0, cut);
  }
  frame.payload.push_back(static_cast<char>(code >> 8));
  frame.payload.push_back(static_cast<char>(code & 0xFF));
  frame.payload += reason;
  return frame;
}

Frame ping_frame(std::string_view payload) {
  return Frame{Opcode::kPing, true, std::string(payload)};
}

Frame pong_frame(std::string_view payload) {
  return Frame{Opcode::kPong, true, std::string(payload)};
}

}  // namespace cairn::net::websocket
