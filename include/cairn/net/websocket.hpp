// cairn::net::websocket: WebSocket framing (RFC 6455) without I/O. The opening handshake's header
// checks, an incremental parser that turns received bytes into frames and messages, and the frame
// encoder. A connection (the server's upgrade route or the client; their integration is pending,
// see docs/http.md) feeds the parser what it reads and writes what the encoder returns.
//
// Example:
//   net::websocket::MessageParser parser({.role = net::websocket::Role::kServer});
//   parser.feed("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58");  // a client's masked "Hello"
//   for (int i = 0; i < 100; ++i) {                 // drain after every feed
//     Result<std::optional<net::websocket::Message>> m = parser.next();
//     if (!m) {                                     // send this close frame, then close
//       use(net::websocket::close_frame(parser.close_code()));
//       break;
//     }
//     if (!m->has_value()) break;                   // needs more bytes
//     use((*m)->opcode, (*m)->payload);             // kText, "Hello"
//   }
//
// Every violation of RFC 6455 that the parser finds fails it with an INVALID_ARGUMENT (close code
// 1002 or 1007) or RESOURCE_EXHAUSTED (1009) error whose reason names the rule (docs/errors.md);
// close_code() then says which code to close the connection with. No extension is supported, so
// any RSV bit is an error.
//
// Thread-safety: the free functions are safe from any thread; a parser is used by one thread at a
// time. Ownership: parsers own their buffers; results are new values.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "cairn/core/bytes.hpp"
#include "cairn/core/result.hpp"
#include "cairn/net/http.hpp"

namespace cairn::net::websocket {

// Close codes (RFC 6455 section 7.4.1).
inline constexpr uint16_t kCloseNormal = 1000;
inline constexpr uint16_t kCloseGoingAway = 1001;  // also: the server drains
inline constexpr uint16_t kCloseProtocolError = 1002;
inline constexpr uint16_t kCloseUnsupportedData = 1003;
// Never on the wire: what a close frame without a payload is reported as.
inline constexpr uint16_t kCloseNoStatus = 1005;
inline constexpr uint16_t kCloseInvalidPayload = 1007;  // e.g. a text message that is not UTF-8
inline constexpr uint16_t kClosePolicyViolation = 1008;
inline constexpr uint16_t kCloseTooBig = 1009;
inline constexpr uint16_t kCloseInternalError = 1011;

// The largest payload of a control frame (close, ping, pong).
inline constexpr std::size_t kMaxControlPayload = 125;
// The default per-message cap: 1 MiB.
inline constexpr std::size_t kDefaultMaxMessageBytes = std::size_t{1} << 20;

// Frame opcodes (section 5.2). Others are reserved and fail the parser.
enum class Opcode : uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

// The endpoint that parses or sends. A server receives masked frames and sends unmasked ones; a
// client the other way round (section 5.1).
enum class Role : uint8_t { kServer, kClient };

// The key of a masked frame.
using MaskKey = std::array<uint8_t, 4>;

// One frame, unmasked. RSV bits are always 0 (no extensions).
struct Frame {
  Opcode opcode = Opcode::kText;
  bool fin = true;
  std::string payload;
};

// A whole message, or one control frame.
struct Message {
  Opcode opcode = Opcode::kText;  // kText, kBinary, kClose, kPing or kPong; never kContinuation
  // kText (valid UTF-8) and kBinary: the reassembled data. kPing, kPong: the application data.
  // kClose: the reason (valid UTF-8, possibly empty).
  std::string payload;
  uint16_t close_code = 0;  // kClose only: the peer's code, or kCloseNoStatus for an empty frame
};

struct ParserOptions {
  Role role = Role::kServer;  // who parses: kServer requires masked frames, kClient unmasked ones
  // A message (the sum of its fragments) larger than this fails with 1009, detected from the frame
  // header before its payload is buffered.
  std::size_t max_message_bytes = kDefaultMaxMessageBytes;
};

// True for the codes a close frame may carry (section 7.4): 1000-1003, 1007-1014 (1012-1014 were
// registered with IANA after the RFC) and 3000-4999. False for 0-999, 1004-1006, 1015-2999 and
// 5000 up.
bool is_valid_close_code(uint16_t code) noexcept;

// The opening handshake (sections 1.3, 4.1, 4.2).

// The Sec-WebSocket-Accept value for a Sec-WebSocket-Key: base64(SHA-1(key + the RFC's GUID)).
// "dGhlIHNhbXBsZSBub25jZQ==" gives "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=".
std::string accept_key(std::string_view key);

// Checks that `request` is a WebSocket opening handshake a server can accept and returns the
// Sec-WebSocket-Accept value to answer 101 with. Errors: INVALID_ARGUMENT /
// WEBSOCKET_UPGRADE_INVALID (answer 400) when the method is not GET, the version is below
// HTTP/1.1, Upgrade does not list "websocket", Connection has no "upgrade" token, or
// Sec-WebSocket-Key is missing, repeated or not the base64 of 16 bytes; FAILED_PRECONDITION /
// WEBSOCKET_VERSION_UNSUPPORTED (answer 426) when Sec-WebSocket-Version is missing or not 13.
Result<std::string> check_upgrade(const Request& request);

// Fills `response` with the refusal for an error of check_upgrade: 426 with
// `Sec-WebSocket-Version: 13` and `Upgrade: websocket` for WEBSOCKET_VERSION_UNSUPPORTED, else
// 400; the body is the common error body.
void refuse_upgrade(const Error& error, Response& response);

// The subprotocol to answer with: the first of `server_preference` that the client offered in its
// Sec-WebSocket-Protocol header fields (comma-separated, possibly several fields; names compare
// exactly), or nullopt when none matches (answer without the header).
std::optional<std::string> select_subprotocol(const Headers& request_headers,
                                              std::span<const std::string> server_preference);

// A new random Sec-WebSocket-Key for a client (base64 of 16 random bytes).
std::string make_client_key();

// Checks a server's answer to a client's opening handshake sent with `key` and offering
// `offered_protocols`, and returns the subprotocol the server chose ("" for none). Errors:
// UNAVAILABLE / WEBSOCKET_HANDSHAKE_FAILED when the status is not 101, Upgrade is not "websocket",
// Connection has no "upgrade" token, Sec-WebSocket-Accept does not match the key, the server chose
// a subprotocol that was not offered, or it answered with extensions (none are offered).
Result<std::string> check_upgrade_response(int status, const Headers& headers, std::string_view key,
                                           std::span<const std::string> offered_protocols);

// Frames and messages (sections 5, 7.4).

// Parses a stream of frames one at a time, checking the rules of sections 5.2-5.5 that frames
// carry on their own and in sequence: RSV bits, reserved opcodes, masking for the role, minimal
// lengths and the 64-bit length's top bit, control frames (<= 125 bytes, never fragmented),
// continuations only inside a fragmented message and no new message inside one, and the
// per-message cap. It does not look into payloads (UTF-8, close codes): MessageParser does.
class FrameParser {
 public:
  explicit FrameParser(ParserOptions options = {});

  // Appends received bytes, in any chunking. Call next() until it yields nothing after each feed:
  // the parser then holds at most one incomplete frame.
  void feed(std::string_view bytes);
  void feed(ByteView bytes) {
    feed(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  }

  // The next whole frame, unmasked; nullopt when more bytes are needed. Errors: INVALID_ARGUMENT
  // with WEBSOCKET_RESERVED_BITS, WEBSOCKET_OPCODE_RESERVED, WEBSOCKET_MASK_INVALID,
  // WEBSOCKET_LENGTH_INVALID, WEBSOCKET_CONTROL_FRAME_INVALID or WEBSOCKET_FRAGMENT_UNEXPECTED
  // (close code 1002); RESOURCE_EXHAUSTED / WEBSOCKET_MESSAGE_TOO_BIG (1009). After an error the
  // parser stays failed and returns the same error.
  Result<std::optional<Frame>> next();

  // The close code for the error next() returned (1002 or 1009); 0 while it has not failed.
  uint16_t close_code() const noexcept { return close_code_; }
  // True while a fragmented message has begun and its final fragment has not arrived.
  bool in_message() const noexcept { return in_message_; }

 private:
  struct Header {
    Opcode opcode;
    bool fin;
    bool masked;
    MaskKey mask;
    uint64_t length;
    std::size_t size;  // header bytes
  };
  Result<std::optional<Header>> parse_header();
  Unexpected<Error> fail_with(uint16_t close_code, ErrorCode code, const char* reason,
                              std::string message);

  ParserOptions options_;
  std::string buffer_;
  std::size_t offset_ = 0;  // bytes of buffer_ already consumed
  bool in_message_ = false;
  uint64_t message_bytes_ = 0;  // payload bytes of the fragmented message so far
  uint16_t close_code_ = 0;
  std::optional<Error> error_;
};

// Parses a stream of frames into messages: FrameParser's checks, plus reassembly of fragmented
// messages (control frames may come between fragments and are yielded at once), UTF-8 of text
// messages checked fragment by fragment as they arrive (1007), and close payloads (a 1-byte
// payload or a code is_valid_close_code refuses: 1002; a reason that is not UTF-8: 1007). After a
// close message it yields nothing more and ignores further bytes.
class MessageParser {
 public:
  explicit MessageParser(ParserOptions options = {});

  // As FrameParser::feed.
  void feed(std::string_view bytes) { frames_.feed(bytes); }
  void feed(ByteView bytes) { frames_.feed(bytes); }

  // The next message or control frame; nullopt when more bytes are needed (or after a close).
  // Errors: those of FrameParser::next, INVALID_ARGUMENT / WEBSOCKET_UTF8_INVALID (1007) and
  // INVALID_ARGUMENT / WEBSOCKET_CLOSE_INVALID (1002). After an error the parser stays failed.
  Result<std::optional<Message>> next();

  // The close code for the error next() returned (1002, 1007 or 1009); 0 while it has not failed.
  uint16_t close_code() const noexcept { return close_code_; }
  // True once a close message was yielded.
  bool closed() const noexcept { return closed_; }

 private:
  struct Utf8State {
    uint8_t need = 0;  // continuation bytes still expected
    uint8_t low = 0x80;
    uint8_t high = 0xBF;
  };
  // Checks `bytes` as the continuation of a UTF-8 text from `state`; false at the first bad byte.
  static bool advance_utf8(Utf8State& state, std::string_view bytes) noexcept;

  FrameParser frames_;
  Opcode message_opcode_ = Opcode::kText;
  std::string message_;
  Utf8State utf8_;
  bool closed_ = false;
  uint16_t close_code_ = 0;
  std::optional<Error> error_;
};

// The close code and reason of a close frame's payload: code kCloseNoStatus and "" for an empty
// payload. Errors: INVALID_ARGUMENT / WEBSOCKET_CLOSE_INVALID for a 1-byte payload or a code that
// is_valid_close_code refuses; INVALID_ARGUMENT / WEBSOCKET_UTF8_INVALID for a reason that is not
// UTF-8.
struct ClosePayload {
  uint16_t code = kCloseNoStatus;
  std::string reason;
};
Result<ClosePayload> parse_close_payload(std::string_view payload);

// The wire form of `frame`: unmasked without `mask` (a server's frames), masked with it (a
// client's; see random_mask_key). Errors: INVALID_ARGUMENT / WEBSOCKET_FRAME_INVALID for an opcode
// outside the enumeration, or a control frame that is not final or carries over 125 bytes.
Result<std::string> encode_frame(const Frame& frame, std::optional<MaskKey> mask = std::nullopt);
// The same from its parts, without copying `payload` into a Frame first.
Result<std::string> encode_frame(Opcode opcode, std::string_view payload, bool fin = true,
                                 std::optional<MaskKey> mask = std::nullopt);

// A new random masking key (section 5.3 wants it unpredictable).
MaskKey random_mask_key();

// A close frame with `code` and `reason`; the reason is cut to fit the 125-byte payload at a UTF-8
// character boundary, and left out when it is not UTF-8. kCloseNoStatus gives an empty payload.
// REQUIRES: code == kCloseNoStatus or is_valid_close_code(code).
Frame close_frame(uint16_t code = kCloseNormal, std::string_view reason = {});
// A ping or pong frame carrying `payload` (encode_frame refuses more than 125 bytes).
Frame ping_frame(std::string_view payload = {});
Frame pong_frame(std::string_view payload = {});

}  // namespace cairn::net::websocket
