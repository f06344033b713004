// cairn-http-example: the smallest useful embedding of cairn::net, and the server that
// benchmarks/http_wrk.py measures against nginx. It serves the TechEmpower pair:
//
//   GET /plaintext   Hello, World!                  (text/plain)
//   GET /json        {"message":"Hello, World!"}    (application/json, serialized per request)
//
// plus the server's built-in /health and /metrics, until SIGTERM or SIGINT (then it drains).
//
//   cairn-http-example [--listen HOST:PORT]... [--unix PATH] [--threads N]
//
// --listen defaults to 127.0.0.1:8080 when neither it nor --unix is given; IPv6 is written
// [::1]:8080, and port 0 takes any free port. --threads defaults to one per core. The bound
// endpoints are printed on startup, one per line, as "listening on http://127.0.0.1:8080" or
// "listening on unix:/path", so a script can start it on port 0 and read the port back.
//
// Exit status: 0 after a signal, 2 for a bad command line or a listener that cannot be opened.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "cairn/net/server.hpp"

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

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // a closed pipe is an error on write, not a silent exit
  std::vector<std::string> listen;
  std::string unix_path;
  unsigned threads = 0;
  CLI::App app{"cairn::net example server: GET /plaintext and GET /json"};
  app.add_option("--listen", listen, "HOST:PORT to listen on, [::1]:PORT for IPv6 (repeatable)");
  app.add_option("--unix", unix_path, "unix-domain socket to listen on (created 0600)");
  app.add_option("--threads", threads, "server threads (default: one per core)");
  CLI11_PARSE(app, argc, argv);
  if (listen.empty() && unix_path.empty()) listen.emplace_back("127.0.0.1:8080");

  net::Router router;
  auto plaintext = [](const net::Request&, net::Response& res) { res.text("Hello, World!"); };
  // TechEmpower's rules ask for the JSON to be serialized on each request, so it is.
  auto json = [](const net::Request&, net::Response& res) {
    res.json_text("{\"message\":" + net::json_quote("Hello, World!") + "}");
  };
  if (auto s = router.add("GET", "/plaintext", plaintext); !s) return fail(s.error().to_string());
  if (auto s = router.add("GET", "/json", json); !s) return fail(s.error().to_string());

  net::Server server(std::move(router));
  for (const std::string& where : listen) {
    std::optional<HostPort> address = parse_host_port(where);
    if (!address) return fail("--listen wants HOST:PORT or [IPV6]:PORT, not " + where);
    if (auto s = server.listen_tcp(address->host, address->port); !s) {
      return fail(s.error().to_string());
    }
  }
  if (!unix_path.empty()) {
    if (auto s = server.listen_unix(unix_path); !s) return fail(s.error().to_string());
  }

  server.stop_on_signals();
  if (auto s = server.start(threads); !s) return fail(s.error().to_string());
  if (threads == 0) threads = std::max(1U, std::thread::hardware_concurrency());
  for (const std::string& endpoint : server.endpoints()) {
    bool is_unix = endpoint.starts_with("unix:");
    std::printf("listening on %s%s\n", is_unix ? "" : "http://", endpoint.c_str());
  }
  std::printf("threads: %u; routes: GET /plaintext, GET /json, /health, /metrics; Ctrl-C stops\n",
              threads);
  std::fflush(stdout);
  server.wait();
  std::printf("stopped after %llu requests\n",
              static_cast<unsigned long long>(server.stats().requests));
  return 0;
}
