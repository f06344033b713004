// libFuzzer target for cairn's WebSocket frame parser (RFC 6455): arbitrary bytes, in arbitrary
// chunks, for both roles and a small and the default message cap. The parser must never crash,
// never yield a frame that breaks the rules it checks, and give the same result however the
// bytes are chunked. Encoding what it yields must give frames it parses back unchanged.
//
// The first input byte picks the role (bit 0: server), the cap (bit 1: 64 bytes) and the chunk
// size (the rest, plus one). Seeds: corpus/websocket_frame/ (the RFC's section 5.7 examples);
// tokens: websocket_frame.dict. See tests/fuzz/CMakeLists.txt for how it is built and run.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "cairn/net/websocket.hpp"

namespace {

namespace ws = cairn::net::websocket;

// Every message, then "!REASON/close" if the parser failed, as one comparable string.
std::string run(ws::ParserOptions options, std::string_view data, std::size_t chunk) {
  ws::MessageParser parser(options);
  std::string log;
  for (std::size_t at = 0; at < data.size() || at == 0; at += chunk) {
    parser.feed(data.substr(at, chunk));
    // Each successful turn consumes at least two bytes, so this bounds the loop.
    for (std::size_t turn = 0; turn <= data.size(); ++turn) {
      cairn::Result<std::optional<ws::Message>> m = parser.next();
      if (!m) {
        uint16_t code = parser.close_code();
        if (code != ws::kCloseProtocolError && code != ws::kCloseInvalidPayload &&
            code != ws::kCloseTooBig) {
          std::abort();
        }
        return log + "!" + m.error().reason + "/" + std::to_string(code);
      }
      if (!m->has_value()) break;
      const ws::Message& msg = **m;
      if (msg.opcode == ws::Opcode::kContinuation) std::abort();
      if (msg.opcode != ws::Opcode::kText && msg.opcode != ws::Opcode::kBinary &&
          msg.payload.size() > ws::kMaxControlPayload) {
        std::abort();
      }
      if ((msg.opcode == ws::Opcode::kText || msg.opcode == ws::Opcode::kBinary) &&
          msg.payload.size() > options.max_message_bytes) {
        std::abort();
      }
      log += std::to_string(static_cast<int>(msg.opcode)) + ":" + std::to_string(msg.close_code) +
             ":" + msg.payload + "|";
    }
    if (data.empty()) break;
  }
  return log;
}

// Frames the frame parser yields are re-encoded and must parse back to themselves.
void round_trip(ws::ParserOptions options, std::string_view data) {
  ws::FrameParser parser(options);
  parser.feed(data);
  std::vector<ws::Frame> frames;
  for (std::size_t turn = 0; turn <= data.size(); ++turn) {
    cairn::Result<std::optional<ws::Frame>> f = parser.next();
    if (!f || !f->has_value()) break;
    frames.push_back(std::move(**f));
  }
  std::string wire;
  for (const ws::Frame& frame : frames) {
    std::optional<ws::MaskKey> mask;
    if (options.role == ws::Role::kServer) mask = ws::MaskKey{1, 2, 3, 4};
    cairn::Result<std::string> encoded = ws::encode_frame(frame, mask);
    if (!encoded) std::abort();
    wire += *encoded;
  }
  ws::FrameParser again(options);
  again.feed(wire);
  for (const ws::Frame& frame : frames) {
    cairn::Result<std::optional<ws::Frame>> f = again.next();
    if (!f || !f->has_value()) std::abort();
    const ws::Frame& back = **f;
    if (back.opcode != frame.opcode || back.fin != frame.fin || back.payload != frame.payload) {
      std::abort();
    }
  }
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer looks for
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, std::size_t size) {
  if (size == 0) return 0;
  // The first byte picks the role, the cap and the chunk size; the rest is the stream.
  uint8_t control = bytes[0];
  std::string_view data(reinterpret_cast<const char*>(bytes + 1), size - 1);
  ws::ParserOptions options;
  options.role = (control & 1) != 0 ? ws::Role::kServer : ws::Role::kClient;
  options.max_message_bytes = (control & 2) != 0 ? 64 : ws::kDefaultMaxMessageBytes;
  std::size_t chunk = 1 + (control >> 2);

  std::string whole = run(options, data, data.size() == 0 ? 1 : data.size());
  std::string chunked = run(options, data, chunk);
  if (whole != chunked) std::abort();
  round_trip(options, data);
  (void)ws::parse_close_payload(data.substr(0, 125));
  return 0;
}
