// A test-only TLS server for client_cert_curl_test.sh: listens on 127.0.0.1:0 with the given
// certificate, key and client CA, prints "listening on https://127.0.0.1:PORT" once it is
// ready, and answers GET /whoami with {"cn","sha256"} of the client's verified certificate (null
// when none). SIGTERM or SIGINT stops it.
//
// Usage: net_tls_peer_server CERT KEY CLIENT_CA [optional]
//   "optional": ask for a client certificate without requiring one.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "cairn/net/server.hpp"

int main(int argc, char** argv) {
  namespace net = cairn::net;
  if (argc != 4 && !(argc == 5 && std::string(argv[4]) == "optional")) {
    std::cerr << "usage: net_tls_peer_server CERT KEY CLIENT_CA [optional]\n";
    return 2;
  }
  net::Router router;
  auto added = router.add("GET", "/whoami", [](const net::Request& req, net::Response& res) {
    nlohmann::json out = {{"cn", nullptr}, {"sha256", nullptr}};
    if (req.client_certificate) {
      out["cn"] = req.client_certificate->subject_cn;
      out["sha256"] = req.client_certificate->sha256;
    }
    res.json_text(out.dump());
  });
  if (!added) {
    std::cerr << added.error().to_string() << "\n";
    return 1;
  }
  net::TlsOptions tls;
  tls.certificate_file = argv[1];
  tls.private_key_file = argv[2];
  tls.client_ca_file = argv[3];
  tls.require_client_certificate = argc == 4;
  net::Server server(std::move(router));
  if (auto listening = server.listen_tls("127.0.0.1", 0, tls); !listening) {
    std::cerr << listening.error().to_string() << "\n";
    return 2;
  }
  if (auto started = server.start(1); !started) {
    std::cerr << started.error().to_string() << "\n";
    return 1;
  }
  server.stop_on_signals();
  std::cout << "listening on https://127.0.0.1:" << server.port() << std::endl;
  server.wait();
  return 0;
}
