// cairn::net::websocket: RFC 6455's examples byte for byte, every failure with its close code,
// every chunking of a stream, and the handshake checks.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cairn/core/encoding.hpp"
#include "cairn/net/websocket.hpp"

namespace cairn::net::websocket {
namespace {

std::string unhex(std::string_view hex) {
  Result<Bytes> bytes = encoding::hex_decode(hex);
  EXPECT_TRUE(bytes.has_value()) << hex;
  return bytes ? to_string(*bytes) : std::string();
}

std::string hex(std::string_view bytes) { return encoding::hex_encode(as_bytes(bytes)); }

// Every message `parser` yields for `input` fed in one piece, or the error as "REASON/close".
std::vector<std::string> parse_all(MessageParser& parser, std::string_view input) {
  parser.feed(input);
  std::vector<std::string> out;
  for (int i = 0; i < 1000; ++i) {
    Result<std::optional<Message>> m = parser.next();
    if (!m) {
      out.push_back(m.error().reason + "/" + std::to_string(parser.close_code()));
      break;
    }
    if (!m->has_value()) break;
    const Message& msg = **m;
    out.push_back(std::to_string(static_cast<int>(msg.opcode)) + ":" +
                  (msg.opcode == Opcode::kClose ? std::to_string(msg.close_code) + ":" : "") +
                  msg.payload);
  }
  return out;
}

// The error `input` fails a fresh parser of `role` with, as "REASON/close", checking the code.
std::string failure(Role role, std::string_view input, std::size_t cap = kDefaultMaxMessageBytes) {
  MessageParser parser({.role = role, .max_message_bytes = cap});
  parser.feed(input);
  for (int i = 0; i < 100; ++i) {
    Result<std::optional<Message>> m = parser.next();
    if (!m) {
      uint16_t close = parser.close_code();
      EXPECT_EQ(m.error().code, close == kCloseTooBig ? ErrorCode::kResourceExhausted
                                                      : ErrorCode::kInvalidArgument);
      // The parser stays failed with the same error.
      Result<std::optional<Message>> again = parser.next();
      EXPECT_FALSE(again.has_value());
      if (!again) {
        EXPECT_EQ(again.error().reason, m.error().reason);
      }
      return m.error().reason + "/" + std::to_string(close);
    }
    if (!m->has_value()) return "needs more";
  }
  return "no failure";
}

// The masked client frame of `payload` with RFC 6455's example key.
constexpr MaskKey kKey = {0x37, 0xfa, 0x21, 0x3d};
std::string client_frame(Opcode opcode, std::string_view payload, bool fin = true) {
  Result<std::string> wire = encode_frame(Frame{opcode, fin, std::string(payload)}, kKey);
  EXPECT_TRUE(wire.has_value());
  return wire ? *wire : std::string();
}

// --- RFC 6455 section 5.7, byte for byte ---

// The masking runs eight bytes at a time with a byte tail: every length around those steps,
// against the byte-by-byte definition of section 5.3, and back through a server's parser.
TEST(WebSocketMaskingTest, EveryLengthMatchesSection53AndParsesBack) {
  for (std::size_t length = 0; length <= 70; ++length) {
    std::string payload;
    for (std::size_t i = 0; i < length; ++i) payload.push_back(static_cast<char>(i * 37 + 11));
    Result<std::string> wire = encode_frame(Opcode::kBinary, payload, true, kKey);
    ASSERT_TRUE(wire.has_value());
    std::size_t header = length < 126 ? 6 : 8;
    ASSERT_EQ(wire->size(), header + length);
    for (std::size_t i = 0; i < length; ++i) {
      ASSERT_EQ(static_cast<uint8_t>((*wire)[header + i]),
                static_cast<uint8_t>(static_cast<uint8_t>(payload[i]) ^ kKey[i % 4]))
          << "length " << length << " byte " << i;
    }
    // The Frame form encodes the same bytes.
    Result<std::string> from_frame = encode_frame(Frame{Opcode::kBinary, true, payload}, kKey);
    ASSERT_TRUE(from_frame.has_value());
    EXPECT_EQ(*from_frame, *wire);
    MessageParser parser({.role = Role::kServer});
    EXPECT_EQ(parse_all(parser, *wire), std::vector<std::string>{"2:" + payload});
  }
}

TEST(WebSocketRfcExamplesTest, SingleFrameUnmaskedText) {
  std::string wire = unhex("810548656c6c6f");
  MessageParser parser({.role = Role::kClient});
  EXPECT_EQ(parse_all(parser, wire), std::vector<std::string>{"1:Hello"});
  Result<std::string> encoded = encode_frame(Frame{Opcode::kText, true, "Hello"});
  ASSERT_TRUE(encoded.has_value());
  EXPECT_EQ(hex(*encoded), "810548656c6c6f");
}

TEST(WebSocketRfcExamplesTest, SingleFrameMaskedText) {
  std::string wire = unhex("818537fa213d7f9f4d5158");
  MessageParser parser({.role = Role::kServer});
  EXPECT_EQ(parse_all(parser, wire), std::vector<std::string>{"1:Hello"});
  EXPECT_EQ(hex(client_frame(Opcode::kText, "Hello")), "818537fa213d7f9f4d5158");
}

TEST(WebSocketRfcExamplesTest, FragmentedUnmaskedText) {
  std::string wire = unhex("010348656c") + unhex("80026c6f");
  FrameParser frames({.role = Role::kClient});
  frames.feed(wire);
  Result<std::optional<Frame>> first = frames.next();
  ASSERT_TRUE(first.has_value() && first->has_value());
  EXPECT_EQ((*first)->opcode, Opcode::kText);
  EXPECT_FALSE((*first)->fin);
  EXPECT_EQ((*first)->payload, "Hel");
  EXPECT_TRUE(frames.in_message());
  Result<std::optional<Frame>> second = frames.next();
  ASSERT_TRUE(second.has_value() && second->has_value());
  EXPECT_EQ((*second)->opcode, Opcode::kContinuation);
  EXPECT_TRUE((*second)->fin);
  EXPECT_EQ((*second)->payload, "lo");
  EXPECT_FALSE(frames.in_message());

  MessageParser parser({.role = Role::kClient});
  EXPECT_EQ(parse_all(parser, wire), std::vector<std::string>{"1:Hello"});
  Result<std::string> a = encode_frame(Frame{Opcode::kText, false, "Hel"});
  Result<std::string> b = encode_frame(Frame{Opcode::kContinuation, true, "lo"});
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_EQ(hex(*a + *b), "010348656c80026c6f");
}

TEST(WebSocketRfcExamplesTest, UnmaskedPingAndMaskedPong) {
  MessageParser client({.role = Role::kClient});
  EXPECT_EQ(parse_all(client, unhex("890548656c6c6f")), std::vector<std::string>{"9:Hello"});
  Result<std::string> ping = encode_frame(ping_frame("Hello"));
  ASSERT_TRUE(ping.has_value());
  EXPECT_EQ(hex(*ping), "890548656c6c6f");

  MessageParser server({.role = Role::kServer});
  EXPECT_EQ(parse_all(server, unhex("8a8537fa213d7f9f4d5158")),
            std::vector<std::string>{"10:Hello"});
  Result<std::string> pong = encode_frame(pong_frame("Hello"), kKey);
  ASSERT_TRUE(pong.has_value());
  EXPECT_EQ(hex(*pong), "8a8537fa213d7f9f4d5158");
}

TEST(WebSocketRfcExamplesTest, BinaryWith16BitLength) {
  std::string payload(256, '\0');
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(i);
  Result<std::string> wire = encode_frame(Frame{Opcode::kBinary, true, payload});
  ASSERT_TRUE(wire.has_value());
  EXPECT_EQ(hex(wire->substr(0, 4)), "827e0100");
  EXPECT_EQ(wire->size(), 4U + 256U);
  MessageParser parser({.role = Role::kClient});
  parser.feed(*wire);
  Result<std::optional<Message>> m = parser.next();
  ASSERT_TRUE(m.has_value() && m->has_value());
  EXPECT_EQ((*m)->opcode, Opcode::kBinary);
  EXPECT_EQ((*m)->payload, payload);
}

TEST(WebSocketRfcExamplesTest, BinaryWith64BitLength) {
  std::string payload(65536, 'x');
  Result<std::string> wire = encode_frame(Frame{Opcode::kBinary, true, payload});
  ASSERT_TRUE(wire.has_value());
  EXPECT_EQ(hex(wire->substr(0, 10)), "827f0000000000010000");
  MessageParser parser({.role = Role::kClient});
  parser.feed(*wire);
  Result<std::optional<Message>> m = parser.next();
  ASSERT_TRUE(m.has_value() && m->has_value());
  EXPECT_EQ((*m)->payload, payload);
}

// --- handshake ---

TEST(WebSocketHandshakeTest, AcceptKeyMatchesRfcExample) {
  EXPECT_EQ(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

Request upgrade_request() {
  Request req;
  req.method = "GET";
  req.target = req.path = "/chat";
  req.headers.add("Host", "server.example.com");
  req.headers.add("Upgrade", "websocket");
  req.headers.add("Connection", "keep-alive, Upgrade");
  req.headers.add("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
  req.headers.add("Sec-WebSocket-Version", "13");
  return req;
}

TEST(WebSocketHandshakeTest, CheckUpgradeAcceptsTheRfcRequest) {
  Result<std::string> accept = check_upgrade(upgrade_request());
  ASSERT_TRUE(accept.has_value()) << accept.error().reason;
  EXPECT_EQ(*accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  Request mixed_case = upgrade_request();
  mixed_case.headers.set("Upgrade", "WebSocket");
  mixed_case.headers.set("Connection", "upgrade");
  EXPECT_TRUE(check_upgrade(mixed_case).has_value());
}

std::string upgrade_failure(const Request& req) {
  Result<std::string> r = check_upgrade(req);
  if (r) return "accepted";
  return std::string(code_name(r.error().code)) + "/" + r.error().reason;
}

TEST(WebSocketHandshakeTest, CheckUpgradeSaysWhatIsWrong) {
  const std::string kBad = "INVALID_ARGUMENT/WEBSOCKET_UPGRADE_INVALID";
  Request req = upgrade_request();
  req.method = "POST";
  EXPECT_EQ(upgrade_failure(req), kBad);
  req = upgrade_request();
  req.version_minor = 0;
  EXPECT_EQ(upgrade_failure(req), kBad);
  req = upgrade_request();
  req.headers.remove("Upgrade");
  EXPECT_EQ(upgrade_failure(req), kBad);
  req.headers.add("Upgrade", "h2c");
  EXPECT_EQ(upgrade_failure(req), kBad);
  req = upgrade_request();
  req.headers.set("Connection", "keep-alive");
  EXPECT_EQ(upgrade_failure(req), kBad);
  req = upgrade_request();
  req.headers.remove("Sec-WebSocket-Key");
  EXPECT_EQ(upgrade_failure(req), kBad);
  req.headers.add("Sec-WebSocket-Key", "not base64!");
  EXPECT_EQ(upgrade_failure(req), kBad);
  req.headers.set("Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAA");  // 15 bytes
  EXPECT_EQ(upgrade_failure(req), kBad);
  req = upgrade_request();
  req.headers.add("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
  EXPECT_EQ(upgrade_failure(req), kBad);

  const std::string kVersion = "FAILED_PRECONDITION/WEBSOCKET_VERSION_UNSUPPORTED";
  req = upgrade_request();
  req.headers.set("Sec-WebSocket-Version", "8");
  EXPECT_EQ(upgrade_failure(req), kVersion);
  req.headers.remove("Sec-WebSocket-Version");
  EXPECT_EQ(upgrade_failure(req), kVersion);
}

TEST(WebSocketHandshakeTest, RefuseUpgradeAnswers426ForTheVersionAnd400Otherwise) {
  Request req = upgrade_request();
  req.headers.set("Sec-WebSocket-Version", "8");
  Result<std::string> r = check_upgrade(req);
  ASSERT_FALSE(r.has_value());
  Response res;
  refuse_upgrade(r.error(), res);
  EXPECT_EQ(res.status, 426);
  EXPECT_EQ(res.headers.get("Sec-WebSocket-Version").value_or(""), "13");
  EXPECT_EQ(res.headers.get("Upgrade").value_or(""), "websocket");
  EXPECT_NE(res.body.find("WEBSOCKET_VERSION_UNSUPPORTED"), std::string::npos);

  req = upgrade_request();
  req.method = "POST";
  r = check_upgrade(req);
  ASSERT_FALSE(r.has_value());
  Response bad;
  refuse_upgrade(r.error(), bad);
  EXPECT_EQ(bad.status, 400);
  EXPECT_FALSE(bad.headers.contains("Sec-WebSocket-Version"));
}

TEST(WebSocketHandshakeTest, SelectSubprotocolFollowsTheServersPreference) {
  Headers h;
  h.add("Sec-WebSocket-Protocol", "superchat, chat");
  h.add("Sec-WebSocket-Protocol", "v2.bus");
  std::vector<std::string> prefs = {"chat", "superchat"};
  EXPECT_EQ(select_subprotocol(h, prefs).value_or("-"), "chat");
  std::vector<std::string> bus = {"v3.bus", "v2.bus"};
  EXPECT_EQ(select_subprotocol(h, bus).value_or("-"), "v2.bus");
  std::vector<std::string> none = {"Chat", "mqtt"};
  EXPECT_FALSE(select_subprotocol(h, none).has_value());
  EXPECT_FALSE(select_subprotocol(Headers{}, prefs).has_value());
}

TEST(WebSocketHandshakeTest, CheckUpgradeResponseVerifiesTheAcceptAndProtocol) {
  const std::string key = "dGhlIHNhbXBsZSBub25jZQ==";
  std::vector<std::string> offered = {"chat", "superchat"};
  Headers h;
  h.add("Upgrade", "websocket");
  h.add("Connection", "Upgrade");
  h.add("Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  Result<std::string> ok = check_upgrade_response(101, h, key, offered);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(*ok, "");
  h.add("Sec-WebSocket-Protocol", "chat");
  ok = check_upgrade_response(101, h, key, offered);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(*ok, "chat");

  auto reason = [&](int status, const Headers& headers) {
    Result<std::string> r = check_upgrade_response(status, headers, key, offered);
    if (r) return std::string("accepted");
    EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
    return r.error().reason;
  };
  EXPECT_EQ(reason(200, h), "WEBSOCKET_HANDSHAKE_FAILED");
  Headers wrong = h;
  wrong.set("Sec-WebSocket-Accept", "AAAAAAAAAAAAAAAAAAAAAAAAAAA=");
  EXPECT_EQ(reason(101, wrong), "WEBSOCKET_HANDSHAKE_FAILED");
  Headers other = h;
  other.set("Sec-WebSocket-Protocol", "mqtt");
  EXPECT_EQ(reason(101, other), "WEBSOCKET_HANDSHAKE_FAILED");
  Headers ext = h;
  ext.add("Sec-WebSocket-Extensions", "permessage-deflate");
  EXPECT_EQ(reason(101, ext), "WEBSOCKET_HANDSHAKE_FAILED");
  Headers no_upgrade = h;
  no_upgrade.remove("Upgrade");
  EXPECT_EQ(reason(101, no_upgrade), "WEBSOCKET_HANDSHAKE_FAILED");

  std::string fresh = make_client_key();
  Result<Bytes> nonce = encoding::b64_decode(fresh);
  ASSERT_TRUE(nonce.has_value());
  EXPECT_EQ(nonce->size(), 16U);
  EXPECT_NE(make_client_key(), fresh);
}

// --- failures, each with its close code ---

TEST(WebSocketParserFailureTest, ReservedBitsAreProtocolErrors) {
  for (uint8_t rsv : {0x40, 0x20, 0x10}) {
    std::string wire = client_frame(Opcode::kText, "Hi");
    wire[0] = static_cast<char>(wire[0] | rsv);
    EXPECT_EQ(failure(Role::kServer, wire), "WEBSOCKET_RESERVED_BITS/1002") << int{rsv};
  }
  // Detected from the first two bytes alone.
  EXPECT_EQ(failure(Role::kClient, unhex("c100")), "WEBSOCKET_RESERVED_BITS/1002");
}

TEST(WebSocketParserFailureTest, ReservedOpcodesAreProtocolErrors) {
  for (int op : {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
    std::string wire = unhex("8000");
    wire[0] = static_cast<char>(0x80 | op);
    EXPECT_EQ(failure(Role::kClient, wire), "WEBSOCKET_OPCODE_RESERVED/1002") << op;
  }
}

TEST(WebSocketParserFailureTest, MaskingIsRequiredBothWays) {
  EXPECT_EQ(failure(Role::kServer, unhex("810548656c6c6f")), "WEBSOCKET_MASK_INVALID/1002");
  EXPECT_EQ(failure(Role::kClient, unhex("818537fa213d7f9f4d5158")), "WEBSOCKET_MASK_INVALID/1002");
}

TEST(WebSocketParserFailureTest, LengthsMustBeMinimalAndBelow2To63) {
  // 16-bit form for 125 bytes; 64-bit form for 65535 bytes; 64-bit length with its top bit set.
  EXPECT_EQ(failure(Role::kClient, unhex("827e007d")), "WEBSOCKET_LENGTH_INVALID/1002");
  EXPECT_EQ(failure(Role::kClient, unhex("827f000000000000ffff")), "WEBSOCKET_LENGTH_INVALID/1002");
  EXPECT_EQ(failure(Role::kClient, unhex("827f8000000000000001")), "WEBSOCKET_LENGTH_INVALID/1002");
  // The smallest lengths of each form are fine.
  EXPECT_EQ(failure(Role::kClient, unhex("827e007e")), "needs more");
  EXPECT_EQ(failure(Role::kClient, unhex("827f0000000000010000")), "needs more");
}

TEST(WebSocketParserFailureTest, ControlFramesAreShortAndWhole) {
  // A ping of 126 bytes (16-bit length), a close of 126 bytes in the 7-bit field, a fragmented
  // ping.
  EXPECT_EQ(failure(Role::kClient, unhex("897e007e")), "WEBSOCKET_CONTROL_FRAME_INVALID/1002");
  EXPECT_EQ(failure(Role::kClient, unhex("887e")), "WEBSOCKET_CONTROL_FRAME_INVALID/1002");
  EXPECT_EQ(failure(Role::kClient, unhex("0900")), "WEBSOCKET_CONTROL_FRAME_INVALID/1002");
  EXPECT_EQ(failure(Role::kServer, unhex("0a8037fa213d")), "WEBSOCKET_CONTROL_FRAME_INVALID/1002");
  // 125 bytes is allowed.
  MessageParser parser({.role = Role::kServer});
  std::string ping(125, 'p');
  EXPECT_EQ(parse_all(parser, client_frame(Opcode::kPing, ping)),
            std::vector<std::string>{"9:" + ping});
}

TEST(WebSocketParserFailureTest, FragmentsMustFollowTheirStart) {
  EXPECT_EQ(failure(Role::kClient, unhex("80026c6f")), "WEBSOCKET_FRAGMENT_UNEXPECTED/1002");
  EXPECT_EQ(failure(Role::kClient, unhex("010348656c") + unhex("810548656c6c6f")),
            "WEBSOCKET_FRAGMENT_UNEXPECTED/1002");
  EXPECT_EQ(failure(Role::kClient, unhex("010348656c") + unhex("0200")),
            "WEBSOCKET_FRAGMENT_UNEXPECTED/1002");
  // After the final fragment, a continuation is unexpected again.
  EXPECT_EQ(failure(Role::kClient, unhex("010348656c80026c6f80026c6f")),
            "WEBSOCKET_FRAGMENT_UNEXPECTED/1002");
}

TEST(WebSocketParserFailureTest, ControlFramesMayComeBetweenFragments) {
  MessageParser parser({.role = Role::kServer});
  std::string wire = client_frame(Opcode::kText, "Hel", false) + client_frame(Opcode::kPing, "p") +
                     client_frame(Opcode::kContinuation, "l", false) +
                     client_frame(Opcode::kPong, "q") +
                     client_frame(Opcode::kContinuation, "o", true);
  EXPECT_EQ(parse_all(parser, wire), (std::vector<std::string>{"9:p", "10:q", "1:Hello"}));
}

TEST(WebSocketParserFailureTest, TextMustBeUtf8) {
  // An invalid byte, an overlong '/', a surrogate, a code point above U+10FFFF, a truncated
  // character at the end of the message.
  for (std::string_view bad : {"ff", "c0af", "eda080", "f4908080", "e282"}) {
    EXPECT_EQ(failure(Role::kServer, client_frame(Opcode::kText, unhex(bad))),
              "WEBSOCKET_UTF8_INVALID/1007")
        << bad;
  }
  // Binary messages are not checked.
  MessageParser parser({.role = Role::kServer});
  EXPECT_EQ(parse_all(parser, client_frame(Opcode::kBinary, unhex("ff"))),
            std::vector<std::string>{"2:" + unhex("ff")});
}

TEST(WebSocketParserFailureTest, Utf8IsCheckedAcrossFragments) {
  // U+20AC (e2 82 ac) split over three fragments is fine.
  MessageParser parser({.role = Role::kServer});
  std::string euro = client_frame(Opcode::kText, unhex("e2"), false) +
                     client_frame(Opcode::kContinuation, unhex("82"), false) +
                     client_frame(Opcode::kContinuation, unhex("ac"), true);
  EXPECT_EQ(parse_all(parser, euro), std::vector<std::string>{"1:" + unhex("e282ac")});
  // A bad continuation fails at its fragment, before the message ends.
  MessageParser early({.role = Role::kServer});
  std::string bad = client_frame(Opcode::kText, unhex("e282"), false) +
                    client_frame(Opcode::kContinuation, "A", false);
  EXPECT_EQ(parse_all(early, bad), std::vector<std::string>{"WEBSOCKET_UTF8_INVALID/1007"});
  // A character left unfinished by the final fragment.
  std::string unfinished = client_frame(Opcode::kText, "ok", false) +
                           client_frame(Opcode::kContinuation, unhex("f09f98"), true);
  EXPECT_EQ(failure(Role::kServer, unfinished), "WEBSOCKET_UTF8_INVALID/1007");
}

TEST(WebSocketParserFailureTest, MessageCapIsCheckedFromTheHeader) {
  // The default cap, from a 64-bit length alone: no payload needs to arrive.
  EXPECT_EQ(failure(Role::kClient, unhex("827f0000000000100001")),
            "WEBSOCKET_MESSAGE_TOO_BIG/1009");
  EXPECT_EQ(failure(Role::kClient, unhex("827f0000000000100000")), "needs more");
  // A configured cap over the fragments of one message.
  std::string part(400, 'a');
  std::string three = client_frame(Opcode::kText, part, false) +
                      client_frame(Opcode::kContinuation, part, false) +
                      client_frame(Opcode::kContinuation, part, true);
  EXPECT_EQ(failure(Role::kServer, three, 1000), "WEBSOCKET_MESSAGE_TOO_BIG/1009");
  MessageParser exact({.role = Role::kServer, .max_message_bytes = 1200});
  EXPECT_EQ(parse_all(exact, three), std::vector<std::string>{"1:" + part + part + part});
  // Control frames do not count against the message.
  MessageParser tight({.role = Role::kServer, .max_message_bytes = 3});
  EXPECT_EQ(parse_all(tight, client_frame(Opcode::kText, "ab", false) +
                                 client_frame(Opcode::kPing, "12345") +
                                 client_frame(Opcode::kContinuation, "c")),
            (std::vector<std::string>{"9:12345", "1:abc"}));
}

TEST(WebSocketParserFailureTest, ClosePayloadsAreChecked) {
  auto close_with = [](std::string_view payload_hex) {
    return client_frame(Opcode::kClose, unhex(payload_hex));
  };
  EXPECT_EQ(failure(Role::kServer, close_with("03")), "WEBSOCKET_CLOSE_INVALID/1002");
  for (int code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535}) {
    std::string payload = {static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
    EXPECT_EQ(failure(Role::kServer, client_frame(Opcode::kClose, payload)),
              "WEBSOCKET_CLOSE_INVALID/1002")
        << code;
  }
  EXPECT_EQ(failure(Role::kServer, close_with("03e8ff")), "WEBSOCKET_UTF8_INVALID/1007");
  for (int code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1014, 3000, 4999}) {
    MessageParser parser({.role = Role::kServer});
    std::string payload = {static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
    EXPECT_EQ(parse_all(parser, client_frame(Opcode::kClose, payload + "bye")),
              std::vector<std::string>{"8:" + std::to_string(code) + ":bye"});
  }
  MessageParser empty({.role = Role::kServer});
  EXPECT_EQ(parse_all(empty, close_with("")), std::vector<std::string>{"8:1005:"});
}

TEST(WebSocketParserFailureTest, NothingIsYieldedAfterClose) {
  MessageParser parser({.role = Role::kServer});
  std::string wire = client_frame(Opcode::kClose, unhex("03e8")) + client_frame(Opcode::kText, "x");
  EXPECT_EQ(parse_all(parser, wire), std::vector<std::string>{"8:1000:"});
  EXPECT_TRUE(parser.closed());
  parser.feed(unhex("ff"));  // even garbage is ignored
  Result<std::optional<Message>> m = parser.next();
  ASSERT_TRUE(m.has_value());
  EXPECT_FALSE(m->has_value());
}

// --- chunking ---

TEST(WebSocketParserChunkingTest, EveryChunkingYieldsTheSameMessages) {
  std::string big(300, 'z');
  std::string wire = client_frame(Opcode::kText, "Hel", false) + client_frame(Opcode::kPing, "") +
                     client_frame(Opcode::kContinuation, "lo", true) +
                     client_frame(Opcode::kBinary, big) +
                     client_frame(Opcode::kText, unhex("e282ac")) +
                     client_frame(Opcode::kClose, unhex("03e9") + "gone");
  const std::vector<std::string> expected = {"9:", "1:Hello", "2:" + big, "1:" + unhex("e282ac"),
                                             "8:1001:gone"};
  MessageParser whole({.role = Role::kServer});
  ASSERT_EQ(parse_all(whole, wire), expected);

  // One byte at a time.
  MessageParser bytewise({.role = Role::kServer});
  std::vector<std::string> got;
  for (char c : wire) {
    std::vector<std::string> part = parse_all(bytewise, std::string_view(&c, 1));
    got.insert(got.end(), part.begin(), part.end());
  }
  EXPECT_EQ(got, expected);

  // Every split into two chunks.
  for (std::size_t cut = 0; cut <= wire.size(); ++cut) {
    MessageParser parser({.role = Role::kServer});
    std::vector<std::string> two = parse_all(parser, std::string_view(wire).substr(0, cut));
    std::vector<std::string> rest = parse_all(parser, std::string_view(wire).substr(cut));
    two.insert(two.end(), rest.begin(), rest.end());
    ASSERT_EQ(two, expected) << "cut at " << cut;
  }
}

TEST(WebSocketParserChunkingTest, FailuresSurviveAnyChunking) {
  std::string wire = client_frame(Opcode::kText, "ok") + client_frame(Opcode::kText, unhex("c0af"));
  for (std::size_t cut = 0; cut <= wire.size(); ++cut) {
    MessageParser parser({.role = Role::kServer});
    std::vector<std::string> got = parse_all(parser, std::string_view(wire).substr(0, cut));
    if (got.size() < 2) {  // not failed yet (a failed parser repeats its error)
      std::vector<std::string> rest = parse_all(parser, std::string_view(wire).substr(cut));
      got.insert(got.end(), rest.begin(), rest.end());
    }
    ASSERT_EQ(got, (std::vector<std::string>{"1:ok", "WEBSOCKET_UTF8_INVALID/1007"}))
        << "cut at " << cut;
  }
}

// --- encoder ---

TEST(WebSocketEncoderTest, CloseFrameCutsTheReasonAtACharacterBoundary) {
  std::string reason;
  for (int i = 0; i < 100; ++i) reason += "\xc3\xa9";  // 200 bytes of U+00E9
  Frame frame = close_frame(kCloseGoingAway, reason);
  EXPECT_EQ(frame.opcode, Opcode::kClose);
  EXPECT_EQ(frame.payload.size(), 2U + 122U);  // 123 would split a character
  Result<ClosePayload> parsed = parse_close_payload(frame.payload);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->code, kCloseGoingAway);
  EXPECT_EQ(parsed->reason, reason.substr(0, 122));

  EXPECT_EQ(hex(close_frame(kCloseNormal, "\xff").payload), "03e8");
  EXPECT_EQ(close_frame(kCloseNoStatus, "ignored").payload, "");
  EXPECT_EQ(hex(close_frame(kCloseTooBig, "big").payload), "03f1626967");
  Result<std::string> wire = encode_frame(close_frame(kCloseNormal, std::string(300, 'r')));
  ASSERT_TRUE(wire.has_value());
  EXPECT_EQ(wire->size(), 2U + 125U);
}

TEST(WebSocketEncoderTest, RefusesInvalidControlFramesAndOpcodes) {
  auto reason = [](const Frame& f) {
    Result<std::string> r = encode_frame(f);
    if (r) return std::string("encoded");
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    return r.error().reason;
  };
  EXPECT_EQ(reason(ping_frame(std::string(126, 'p'))), "WEBSOCKET_FRAME_INVALID");
  EXPECT_EQ(reason(Frame{Opcode::kPong, false, ""}), "WEBSOCKET_FRAME_INVALID");
  EXPECT_EQ(reason(Frame{static_cast<Opcode>(3), true, ""}), "WEBSOCKET_FRAME_INVALID");
  EXPECT_EQ(reason(ping_frame(std::string(125, 'p'))), "encoded");
}

TEST(WebSocketEncoderTest, RandomMasksRoundTrip) {
  std::string payload(70000, 'm');
  payload[12345] = '\0';
  Result<std::string> wire = encode_frame(Frame{Opcode::kBinary, true, payload}, random_mask_key());
  ASSERT_TRUE(wire.has_value());
  EXPECT_EQ(wire->size(), 14U + payload.size());
  FrameParser parser({.role = Role::kServer});
  parser.feed(*wire);
  Result<std::optional<Frame>> frame = parser.next();
  ASSERT_TRUE(frame.has_value() && frame->has_value());
  EXPECT_EQ((*frame)->payload, payload);
}

TEST(WebSocketEncoderTest, CloseCodesAreTheRfcNumbers) {
  EXPECT_EQ(kCloseNormal, 1000);
  EXPECT_EQ(kCloseGoingAway, 1001);
  EXPECT_EQ(kCloseProtocolError, 1002);
  EXPECT_EQ(kCloseUnsupportedData, 1003);
  EXPECT_EQ(kCloseInvalidPayload, 1007);
  EXPECT_EQ(kClosePolicyViolation, 1008);
  EXPECT_EQ(kCloseTooBig, 1009);
  EXPECT_EQ(kCloseInternalError, 1011);
}

}  // namespace
}  // namespace cairn::net::websocket
