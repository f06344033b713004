// Test driver for the WebSocket interop tests (tests/net/websocket_interop_test.py with Python's
// websockets, tests/net/interop/websocket_ws.test.mjs with npm's ws). Two modes, both speaking
// JSON lines:
//
//   websocket_client_driver serve [--tls CERT KEY] [--unix PATH]
//     A cairn net::Server on 127.0.0.1:0 (or the unix socket PATH) with GET /ws/echo: subprotocols
//     {"chat.v2", "chat"}; text is echoed as text and binary as binary; the text "close-me" makes
//     the server close with 4001 "asked". Prints {"port": N} (or {"path": PATH}) once listening
//     and serves until stdin closes.
//
//   websocket_client_driver client [--ca FILE] [--target PATH] URL [PROTOCOL...]
//     Connects with HttpClient::websocket to URL (ws://host:port/path, wss://..., http(s)://...,
//     or unix:/socket with --target), offering the PROTOCOLs, and prints {"open": true,
//     "subprotocol": "..."} or {"error": {...}} (then exits 1). Then one command per stdin line,
//     one JSON answer each:
//       {"op":"send_text","data":S}                  {"ok":true}
//       {"op":"send_binary","hex":H}                 {"ok":true}
//       {"op":"send_frame","opcode":N,"fin":B,"hex":H}  {"ok":true}  (any frame, masked)
//       {"op":"ping","data":S}                       {"ok":true}
//       {"op":"receive","timeout_ms":N}              {"opcode":"text","data":S}
//                                                    {"opcode":"binary","hex":H}
//                                                    {"opcode":"pong","hex":H}
//                                                    {"opcode":"close","code":N,"reason":S}
//       {"op":"close","code":N,"reason":S,"timeout_ms":N}  {"code":N} (the peer's close code)
//     A failed command answers {"error":{"code":"DEADLINE_EXCEEDED","reason":"NET_TIMEOUT",...}};
//     a line that is not a command {"error":{"reason":"DRIVER_BAD_COMMAND"}}.
#include <chrono>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cairn/core/bytes.hpp"
#include "cairn/core/encoding.hpp"
#include "cairn/net/client.hpp"
#include "cairn/net/server.hpp"
#include "cairn/net/websocket.hpp"
#include "cairn/net/websocket_client.hpp"
#include "cairn/net/websocket_session.hpp"

namespace {

using nlohmann::json;
namespace net = cairn::net;
namespace ws = cairn::net::websocket;

void print(const json& out) {
  std::cout << out.dump(-1, ' ', false, json::error_handler_t::replace) << '\n' << std::flush;
}

json error_json(const cairn::Error& e) {
  return {{"error",
           {{"code", std::string(cairn::code_name(e.code))},
            {"reason", e.reason},
            {"message", e.message}}}};
}

std::string hex(std::string_view bytes) {
  return cairn::encoding::hex_encode(
      cairn::ByteView(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

std::optional<std::string> unhex(const std::string& text) {
  auto bytes = cairn::encoding::hex_decode(text);
  if (!bytes) return std::nullopt;
  return std::string(bytes->begin(), bytes->end());
}

// ---- serve

int serve(const std::vector<std::string>& args) {
  std::optional<net::TlsOptions> tls;
  std::string unix_path;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--tls" && i + 2 < args.size()) {
      tls = net::TlsOptions{args[i + 1], args[i + 2]};
      i += 2;
    } else if (args[i] == "--unix" && i + 1 < args.size()) {
      unix_path = args[++i];
    } else {
      std::cerr << "serve: unknown argument " << args[i] << '\n';
      return 2;
    }
  }
  net::Router router;
  auto added = router.add("GET", "/ws/echo", [](const net::Request& req, net::Response& res) {
    net::WebSocketOptions options;
    options.subprotocols = {"chat.v2", "chat"};
    auto session = std::make_shared<net::WebSocketSession>(options);
    session->on_message([](net::WebSocketSession& s, const ws::Message& m) {
      if (m.opcode == ws::Opcode::kText && m.payload == "close-me") {
        s.close(4001, "asked");
      } else if (m.opcode == ws::Opcode::kText) {
        s.send_text(m.payload);
      } else {
        s.send_binary(m.payload);
      }
    });
    (void)net::accept_websocket(req, res, session);  // a bad upgrade: 400 or 426 in `res`
  });
  if (!added) {
    print(error_json(added.error()));
    return 1;
  }
  net::Server server(std::move(router));
  cairn::Status listening = unix_path.empty() ? (tls ? server.listen_tls("127.0.0.1", 0, *tls)
                                                     : server.listen_tcp("127.0.0.1", 0))
                                              : server.listen_unix(unix_path);
  if (!listening) {
    print(error_json(listening.error()));
    return 1;
  }
  if (auto started = server.start(2); !started) {
    print(error_json(started.error()));
    return 1;
  }
  print(unix_path.empty() ? json{{"port", server.port()}} : json{{"path", unix_path}});
  std::string line;
  while (std::getline(std::cin, line)) {
  }
  server.stop(std::chrono::seconds(2));
  return 0;
}

// ---- client

json message_json(const ws::Message& m) {
  switch (m.opcode) {
    case ws::Opcode::kText:
      return {{"opcode", "text"}, {"data", m.payload}};
    case ws::Opcode::kBinary:
      return {{"opcode", "binary"}, {"hex", hex(m.payload)}};
    case ws::Opcode::kPong:
      return {{"opcode", "pong"}, {"hex", hex(m.payload)}};
    case ws::Opcode::kClose:
      return {{"opcode", "close"}, {"code", m.close_code}, {"reason", m.payload}};
    default:
      return {{"opcode", static_cast<int>(m.opcode)}, {"hex", hex(m.payload)}};
  }
}

json status_json(const cairn::Status& s) { return s ? json{{"ok", true}} : error_json(s.error()); }

json bad_command() { return {{"error", {{"reason", "DRIVER_BAD_COMMAND"}}}}; }

json run(net::WebSocketClient& client, const json& cmd) {
  std::string op = cmd.value("op", "");
  auto millis = [&](int fallback) {
    return std::chrono::milliseconds(cmd.value("timeout_ms", fallback));
  };
  if (op == "send_text") return status_json(client.send_text(cmd.value("data", "")));
  if (op == "ping") return status_json(client.ping(cmd.value("data", "")));
  if (op == "send_binary" || op == "send_frame") {
    std::optional<std::string> bytes = unhex(cmd.value("hex", ""));
    if (!bytes) return bad_command();
    if (op == "send_binary") return status_json(client.send_binary(*bytes));
    ws::Frame frame{.opcode = static_cast<ws::Opcode>(cmd.value("opcode", 1)),
                    .fin = cmd.value("fin", true),
                    .payload = std::move(*bytes)};
    return status_json(client.send_frame(frame));
  }
  if (op == "receive") {
    auto m = client.receive(millis(5000));
    return m ? message_json(*m) : error_json(m.error());
  }
  if (op == "close") {
    auto code =
        client.close(cmd.value("code", ws::kCloseNormal), cmd.value("reason", ""), millis(5000));
    return code ? json{{"code", *code}} : error_json(code.error());
  }
  return bad_command();
}

int client(const std::vector<std::string>& args) {
  net::ClientOptions options;
  std::string target;
  std::vector<std::string> rest;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--ca" && i + 1 < args.size()) {
      options.ca_file = args[++i];
    } else if (args[i] == "--target" && i + 1 < args.size()) {
      target = args[++i];
    } else {
      rest.push_back(args[i]);
    }
  }
  if (rest.empty()) {
    std::cerr << "client: a URL is needed\n";
    return 2;
  }
  // ws://host:port/path -> http://host:port and /path (wss -> https).
  std::string url = rest[0];
  if (url.starts_with("ws://")) url = "http://" + url.substr(5);
  if (url.starts_with("wss://")) url = "https://" + url.substr(6);
  if (std::size_t scheme = url.find("://"); scheme != std::string::npos) {
    std::size_t slash = url.find('/', scheme + 3);
    if (slash != std::string::npos) {
      if (target.empty()) target = url.substr(slash);
      url.resize(slash);
    }
  }
  if (target.empty()) target = "/";
  net::WebSocketClientOptions ws_options;
  ws_options.subprotocols.assign(rest.begin() + 1, rest.end());

  auto http = net::HttpClient::connect(url, options);
  if (!http) {
    print(error_json(http.error()));
    return 1;
  }
  auto socket = http->websocket(target, ws_options);
  if (!socket) {
    print(error_json(socket.error()));
    return 1;
  }
  print({{"open", true}, {"subprotocol", socket->subprotocol()}});
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;
    json cmd = json::parse(line, nullptr, /*allow_exceptions=*/false);
    json out;
    try {
      out = cmd.is_object() ? run(*socket, cmd) : bad_command();
    } catch (const json::exception& e) {  // a field of the wrong type
      out = {{"error", {{"reason", "DRIVER_BAD_COMMAND"}, {"message", e.what()}}}};
    }
    print(out);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "serve") return serve({args.begin() + 1, args.end()});
  if (!args.empty() && args[0] == "client") return client({args.begin() + 1, args.end()});
  std::cerr << "usage: websocket_client_driver serve [--tls CERT KEY] [--unix PATH]\n"
               "       websocket_client_driver client [--ca FILE] [--target PATH] URL "
               "[PROTOCOL...]\n";
  return 2;
}
