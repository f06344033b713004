// cairn-http-example: the smallest useful embedding of cairn::net, and the server that
// benchmarks/http_wrk.py measures against nginx. It serves the TechEmpower pair:
//
//   GET /plaintext       Hello, World!                  (text/plain)
//   GET /json            {"message":"Hello, World!"}    (application/json, serialized per request)
//
// and one route for each of the other pieces of cairn::net:
//
//   GET /ws/echo         a WebSocket (RFC 6455) that echoes text messages as text and binary
//                        messages as binary
//   GET /files/{rest...} the files under --files DIR, with ranges (206, 416), ETags (304) and
//                        HEAD; absent (404) without --files
//   GET /whoami          who is at the other end: {"uid":N,"gid":N,"pid":N} of the peer process
//                        on the --unix listener, {"cn":"...","sha256":"..."} of the verified
//                        client certificate on a TLS listener with --client-ca, else 404
//                        (NOT_FOUND / HTTP_ROUTE_NOT_FOUND, as if the route were absent)
//
// plus the server's built-in /health and /metrics, until SIGTERM or SIGINT (then it drains).
//
//   cairn-http-example [--listen HOST:PORT]... [--unix PATH] [--threads N] [--files DIR]
//                      [--tls-cert FILE --tls-key FILE [--client-ca FILE]]
//
// --listen defaults to 127.0.0.1:8080 when neither it nor --unix is given; IPv6 is written
// [::1]:8080, and port 0 takes any free port. --threads defaults to one per core. With
// --tls-cert and --tls-key (PEM files) every --listen endpoint serves TLS instead; --client-ca
// (a PEM file of CA certificates) then requires each client to present a certificate signed by
// one of them. The unix socket never uses TLS. The bound endpoints are printed on startup, one per
// line, as "listening on http://127.0.0.1:8080", "listening on https://127.0.0.1:8443" or
// "listening on unix:/path", so a script can start it on port 0 and read the port back.
//
// Exit status: 0 after a signal, 2 for a bad command line or a listener that cannot be opened.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "cairn/net/body.hpp"
#include "cairn/net/server.hpp"
#include "cairn/net/websocket_session.hpp"

namespace net = cairn::net;

namespace {

struct HostPort {
  std::string host;
  uint16_t port = 0;
};

// "127.0.0.1:8080" or "[::1]:8080"; nullopt when malformed.
std::optional<HostPort> parse_host_port(std::string_view text) {
  std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  std::string_view host = text.substr(0, colon);
  std::string_view port = text.substr(colon + 1);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return std::nullopt;
    host = host.substr(1, host.size() - 2);
  }
  HostPort out{std::string(host), 0};
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), out.port);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size()) return std::nullopt;
  return out;
}

int fail(const std::string& what) {
  std::fprintf(stderr, "cairn-http-example: %s\n", what.c_str());
  return 2;
}

// GET /ws/echo: every message goes back as it came, text as text and binary as binary. The
// session does the rest (pings, the close handshake, the 1 MiB message cap).
void websocket_echo(const net::Request& req, net::Response& res) {
  auto session = std::make_shared<net::WebSocketSession>();
  session->on_message([](net::WebSocketSession& s, const cairn::net::websocket::Message& m) {
    if (m.opcode == net::websocket::Opcode::kText) {
      s.send_text(m.payload);
    } else {
      s.send_binary(m.payload);
    }
  });
  // A request that is not a valid upgrade leaves its 400 or 426 in `res`.
  (void)net::accept_websocket(req, res, session);
}

// GET /whoami: the identity the connection carries, if any.
void whoami(const net::Request& req, net::Response& res) {
  if (req.peer_credentials) {
    const net::PeerCredentials& peer = *req.peer_credentials;
    res.json_text("{\"uid\":" + std::to_string(peer.uid) + ",\"gid\":" + std::to_string(peer.gid) +
                  ",\"pid\":" + std::to_string(peer.pid) + "}");
  } else if (req.client_certificate) {
    const net::PeerCertificate& cert = *req.client_certificate;
    res.json_text("{\"cn\":" + net::json_quote(cert.subject_cn) +
                  ",\"sha256\":" + net::json_quote(cert.sha256) + "}");
  } else {
    // A plain TCP client (or TLS without a client certificate) has no identity to show: the
    // route behaves as if it did not exist there.
    res.error(cairn::ErrorCode::kNotFound, "HTTP_ROUTE_NOT_FOUND",
              "/whoami answers on a unix socket or to a TLS client certificate");
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // a closed pipe is an error on write, not a silent exit
  std::vector<std::string> listen;
  std::string unix_path;
  unsigned threads = 0;
  std::string files;
  net::TlsOptions tls;
  CLI::App app{"cairn::net example server: GET /plaintext, /json, /ws/echo, /files/..., /whoami"};
  app.add_option("--listen", listen, "HOST:PORT to listen on, [::1]:PORT for IPv6 (repeatable)");
  app.add_option("--unix", unix_path, "unix-domain socket to listen on (created 0600)");
  app.add_option("--threads", threads, "server threads (default: one per core)");
  app.add_option("--files", files, "serve the files under DIR as GET /files/{path}");
  auto* cert = app.add_option("--tls-cert", tls.certificate_file,
                              "PEM certificate chain: every --listen endpoint serves TLS");
  auto* key = app.add_option("--tls-key", tls.private_key_file, "PEM private key for --tls-cert");
  auto* client_ca = app.add_option("--client-ca", tls.client_ca_file,
                                   "PEM CA certificates: TLS clients must present one they signed");
  cert->needs(key);
  key->needs(cert);
  client_ca->needs(cert);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help prints and exits 0; any other command-line error exits 2 (not CLI11's own codes).
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (listen.empty() && unix_path.empty()) listen.emplace_back("127.0.0.1:8080");
  const bool use_tls = !tls.certificate_file.empty();
  tls.require_client_certificate = !tls.client_ca_file.empty();

  std::string files_root;
  if (!files.empty()) {
    std::error_code ec;
    std::filesystem::path root = std::filesystem::canonical(files, ec);
    if (ec || !std::filesystem::is_directory(root, ec)) {
      return fail("--files wants an existing directory, not " + files);
    }
    files_root = root.string();
  }

  net::Router router;
  auto plaintext = [](const net::Request&, net::Response& res) { res.text("Hello, World!"); };
  // TechEmpower's rules ask for the JSON to be serialized on each request, so it is.
  auto json = [](const net::Request&, net::Response& res) {
    res.json_text("{\"message\":" + net::json_quote("Hello, World!") + "}");
  };
  if (auto s = router.add("GET", "/plaintext", plaintext); !s) return fail(s.error().to_string());
  if (auto s = router.add("GET", "/json", json); !s) return fail(s.error().to_string());
  if (auto s = router.add("GET", "/ws/echo", websocket_echo); !s) {
    return fail(s.error().to_string());
  }
  if (auto s = router.add("GET", "/whoami", whoami); !s) return fail(s.error().to_string());
  if (!files_root.empty()) {
    // serve_from_directory refuses "..", empty segments and symbolic links out of the root.
    auto serve = [files_root](const net::Request& req, net::Response& res) {
      net::serve_from_directory(req, res, files_root, req.param("rest"));
    };
    if (auto s = router.add("GET", "/files/{rest...}", serve); !s) {
      return fail(s.error().to_string());
    }
  }

  net::Server server(std::move(router));
  for (const std::string& where : listen) {
    std::optional<HostPort> address = parse_host_port(where);
    if (!address) return fail("--listen wants HOST:PORT or [IPV6]:PORT, not " + where);
    auto s = use_tls ? server.listen_tls(address->host, address->port, tls)
                     : server.listen_tcp(address->host, address->port);
    if (!s) return fail(s.error().to_string());
  }
  if (!unix_path.empty()) {
    if (auto s = server.listen_unix(unix_path); !s) return fail(s.error().to_string());
  }

  server.stop_on_signals();
  if (auto s = server.start(threads); !s) return fail(s.error().to_string());
  if (threads == 0) threads = std::max(1U, std::thread::hardware_concurrency());
  for (const std::string& endpoint : server.endpoints()) {
    bool is_unix = endpoint.starts_with("unix:");
    const char* scheme = is_unix ? "" : (use_tls ? "https://" : "http://");
    std::printf("listening on %s%s\n", scheme, endpoint.c_str());
  }
  std::printf(
      "threads: %u; routes: GET /plaintext, GET /json, GET /ws/echo, GET /whoami%s, /health, "
      "/metrics; Ctrl-C stops\n",
      threads, files_root.empty() ? "" : ", GET /files/{rest...}");
  std::fflush(stdout);
  server.wait();
  std::printf("stopped after %llu requests\n",
              static_cast<unsigned long long>(server.stats().requests));
  return 0;
}
