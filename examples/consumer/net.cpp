// Embeds cairn::net through the installed package: serves one route on 127.0.0.1 (any free port),
// asks it once with the client, and prints the answer.
#include <csignal>
#include <cstdio>
#include <string>

#include "cairn/net/client.hpp"
#include "cairn/net/server.hpp"

namespace net = cairn::net;

int main() {
  std::signal(SIGPIPE, SIG_IGN);  // a closed pipe is an error on write, not a silent exit
  net::Router router;
  auto hello = [](const net::Request&, net::Response& res) { res.text("hello from cairn::net"); };
  if (auto added = router.add("GET", "/hello", hello); !added) {
    std::fprintf(stderr, "%s\n", added.error().to_string().c_str());
    return 1;
  }
  net::Server server(std::move(router));
  if (auto listening = server.listen_tcp("127.0.0.1", 0); !listening) {
    std::fprintf(stderr, "%s\n", listening.error().to_string().c_str());
    return 1;
  }
  if (auto started = server.start(1); !started) {
    std::fprintf(stderr, "%s\n", started.error().to_string().c_str());
    return 1;
  }
  std::string url = "http://127.0.0.1:" + std::to_string(server.port());
  auto client = net::HttpClient::connect(url);
  if (!client) {
    std::fprintf(stderr, "%s\n", client.error().to_string().c_str());
    return 1;
  }
  auto response = client->get("/hello");
  server.stop();
  if (!response) {
    std::fprintf(stderr, "%s\n", response.error().to_string().c_str());
    return 1;
  }
  std::printf("cairn::net: GET /hello -> %d %s\n", response->status, response->body.c_str());
  return response->status == 200 && response->body == "hello from cairn::net" ? 0 : 1;
}
