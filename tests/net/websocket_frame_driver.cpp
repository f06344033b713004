// websocket_frame_driver: cairn's WebSocket codec on stdin/stdout, for cross-checks against an
// independent implementation (tests/net/websocket_peer_test.py drives it against Python's
// websockets). One line in, one or more JSON lines out; bytes travel as hex.
//
//   websocket_frame_driver frames server|client [max_message_bytes]
//       each line: a hex chunk of the stream, fed to a FrameParser; prints
//       {"opcode":1,"fin":true,"payload":"<hex>"} per frame, or
//       {"error":"REASON","close_code":1002} and stops
//   websocket_frame_driver messages server|client [max_message_bytes]
//       the same with a MessageParser: {"opcode":8,"payload":"<hex>","close_code":1000} per message
//   websocket_frame_driver encode
//       each line: "<opcode> <fin 0|1> <payload hex or -> [<mask hex>]"; prints {"wire":"<hex>"}
//       or {"error":"REASON"}
//   websocket_frame_driver close
//       each line: a close payload in hex (or -); prints {"code":1000,"reason":"<hex>"} or
//       {"error":"REASON"}
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cairn/core/encoding.hpp"
#include "cairn/net/websocket.hpp"

namespace {

using cairn::Result;
using nlohmann::json;
namespace ws = cairn::net::websocket;

std::string hex(std::string_view bytes) {
  return cairn::encoding::hex_encode(cairn::as_bytes(bytes));
}

std::optional<std::string> unhex(std::string_view text) {
  if (text == "-") return std::string();
  Result<cairn::Bytes> bytes = cairn::encoding::hex_decode(text);
  if (!bytes) return std::nullopt;
  return cairn::to_string(*bytes);
}

void print(const json& value) { std::cout << value.dump() << '\n' << std::flush; }

int usage() {
  std::cerr
      << "usage: websocket_frame_driver frames|messages server|client [max] | encode | close\n";
  return 2;
}

template <class Parser, class Emit>
int parse_stream(ws::ParserOptions options, Emit emit) {
  Parser parser(options);
  std::string line;
  while (std::getline(std::cin, line)) {
    std::optional<std::string> chunk = unhex(line);
    if (!chunk) return usage();
    parser.feed(*chunk);
    for (;;) {
      auto item = parser.next();
      if (!item) {
        print({{"error", item.error().reason}, {"close_code", parser.close_code()}});
        return 0;
      }
      if (!item->has_value()) break;
      emit(**item);
    }
  }
  return 0;
}

int encode() {
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    int opcode = 0;
    int fin = 1;
    std::string payload_hex;
    std::string mask_hex;
    if (!(in >> opcode >> fin >> payload_hex)) return usage();
    in >> mask_hex;  // optional
    std::optional<std::string> payload = unhex(payload_hex);
    if (!payload || opcode < 0 || opcode > 15) return usage();
    std::optional<ws::MaskKey> mask;
    if (!mask_hex.empty()) {
      std::optional<std::string> key = unhex(mask_hex);
      if (!key || key->size() != 4) return usage();
      mask = ws::MaskKey{};
      for (std::size_t i = 0; i < 4; ++i) (*mask)[i] = static_cast<uint8_t>((*key)[i]);
    }
    ws::Frame frame{static_cast<ws::Opcode>(opcode), fin != 0, std::move(*payload)};
    Result<std::string> wire = ws::encode_frame(frame, mask);
    if (wire) {
      print({{"wire", hex(*wire)}});
    } else {
      print({{"error", wire.error().reason}});
    }
  }
  return 0;
}

int close_payloads() {
  std::string line;
  while (std::getline(std::cin, line)) {
    std::optional<std::string> payload = unhex(line);
    if (!payload) return usage();
    Result<ws::ClosePayload> close = ws::parse_close_payload(*payload);
    if (close) {
      print({{"code", close->code}, {"reason", hex(close->reason)}});
    } else {
      print({{"error", close.error().reason}});
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  std::string mode = argv[1];
  if (mode == "encode") return encode();
  if (mode == "close") return close_payloads();
  if (argc < 3) return usage();
  ws::ParserOptions options;
  std::string role = argv[2];
  if (role != "server" && role != "client") return usage();
  options.role = role == "server" ? ws::Role::kServer : ws::Role::kClient;
  if (argc > 3) options.max_message_bytes = std::stoull(argv[3]);
  if (mode == "frames") {
    return parse_stream<ws::FrameParser>(options, [](const ws::Frame& f) {
      print({{"opcode", static_cast<int>(f.opcode)}, {"fin", f.fin}, {"payload", hex(f.payload)}});
    });
  }
  if (mode == "messages") {
    return parse_stream<ws::MessageParser>(options, [](const ws::Message& m) {
      print({{"opcode", static_cast<int>(m.opcode)},
             {"payload", hex(m.payload)},
             {"close_code", m.close_code}});
    });
  }
  return usage();
}
