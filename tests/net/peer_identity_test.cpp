// Who is calling, as a handler sees it: TLS client certificates (TlsOptions::client_ca_file,
// require_client_certificate; ClientOptions::certificate_file, private_key_file), reaching the
// handler as Request::client_certificate, and unix-socket peer credentials (SO_PEERCRED) as
// Request::peer_credentials. The CAs and certificates are made here with OpenSSL's C API, and
// the expected fingerprint is computed from the DER independently of the server.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cairn/net/client.hpp"
#include "cairn/net/server.hpp"
#include "support/temp_dir.hpp"

namespace cairn::net {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// ---- Certificates

struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CertFree {
  void operator()(X509* x) const { X509_free(x); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Cert = std::unique_ptr<X509, CertFree>;

bool add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

struct Issued {
  Key key;
  Cert cert;
};

// A P-256 key and a certificate for it, valid for a day: a CA when `issuer` is null (self-signed),
// else a leaf signed by `issuer`. `cn` empty: a subject with only an O. `san` and `eku` may be
// null.
Issued issue(const std::string& cn, const Issued* issuer, const char* san, const char* eku) {
  static long serial = 1;
  Issued out{Key(EVP_EC_gen("P-256")), Cert(X509_new())};
  EXPECT_TRUE(out.key && out.cert);
  X509* cert = out.cert.get();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), ++serial);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 24L * 3600);
  X509_set_pubkey(cert, out.key.get());
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("cairn tests"), -1, -1, 0);
  if (!cn.empty()) {
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  }
  X509* issuer_cert = issuer == nullptr ? cert : issuer->cert.get();
  EVP_PKEY* signer = issuer == nullptr ? out.key.get() : issuer->key.get();
  X509_set_issuer_name(cert, X509_get_subject_name(issuer_cert));
  if (issuer == nullptr) {
    EXPECT_TRUE(add_extension(cert, cert, NID_basic_constraints, "critical,CA:TRUE"));
    EXPECT_TRUE(add_extension(cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign"));
  } else {
    EXPECT_TRUE(add_extension(cert, issuer_cert, NID_basic_constraints, "critical,CA:FALSE"));
    EXPECT_TRUE(add_extension(cert, issuer_cert, NID_key_usage, "critical,digitalSignature"));
  }
  EXPECT_TRUE(add_extension(cert, issuer_cert, NID_subject_key_identifier, "hash"));
  if (san != nullptr) {
    EXPECT_TRUE(add_extension(cert, issuer_cert, NID_subject_alt_name, san));
  }
  if (eku != nullptr) {
    EXPECT_TRUE(add_extension(cert, issuer_cert, NID_ext_key_usage, eku));
  }
  EXPECT_GT(X509_sign(cert, signer, EVP_sha256()), 0);
  return out;
}

void write_file(const std::string& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0600);
  ASSERT_GE(fd, 0) << path;
  ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  ::close(fd);
}

std::string pem_of(const std::function<int(BIO*)>& write) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  EXPECT_EQ(write(bio.get()), 1);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

// Writes `issued` as <name>.pem and <name>.key into `dir`.
void write_pair(const testing::TempDir& dir, const std::string& name, const Issued& issued) {
  write_file(dir.file(name + ".pem"),
             pem_of([&](BIO* b) { return PEM_write_bio_X509(b, issued.cert.get()); }));
  write_file(dir.file(name + ".key"), pem_of([&](BIO* b) {
               return PEM_write_bio_PrivateKey(b, issued.key.get(), nullptr, nullptr, 0, nullptr,
                                               nullptr);
             }));
}

// SHA-256 of the certificate's DER, lower-case hex: computed from i2d_X509 and EVP_Digest, not
// through the server's code path.
std::string der_sha256(X509* cert) {
  unsigned char* der = nullptr;
  int n = i2d_X509(cert, &der);
  EXPECT_GT(n, 0);
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int length = 0;
  EXPECT_EQ(EVP_Digest(der, static_cast<std::size_t>(n), md.data(), &length, EVP_sha256(), nullptr),
            1);
  OPENSSL_free(der);
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    static constexpr char kHex[] = "0123456789abcdef";
    hex += kHex[md[i] >> 4];
    hex += kHex[md[i] & 0xF];
  }
  return hex;
}

// ---- The server under test

// GET /whoami answers what the request carried about its peer, null where it carried nothing.
Router whoami_router() {
  Router router;
  Status added = router.add("GET", "/whoami", [](const Request& req, Response& res) {
    json out = {{"cn", nullptr}, {"sha256", nullptr}, {"uid", nullptr}};
    if (req.client_certificate) {
      out["cn"] = req.client_certificate->subject_cn;
      out["sha256"] = req.client_certificate->sha256;
    }
    if (req.peer_credentials) {
      out["uid"] = req.peer_credentials->uid;
      out["gid"] = req.peer_credentials->gid;
      out["pid"] = req.peer_credentials->pid;
    }
    res.json_text(out.dump());
  });
  EXPECT_TRUE(added);
  return router;
}

class PeerIdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ca_ = issue("cairn test CA", nullptr, nullptr, nullptr);
    other_ca_ = issue("another CA", nullptr, nullptr, nullptr);
    Issued server = issue("localhost", &ca_, "IP:127.0.0.1,DNS:localhost", "serverAuth");
    agent_ = issue("agent-7", &ca_, nullptr, "clientAuth");
    Issued intruder = issue("agent-7", &other_ca_, nullptr, "clientAuth");
    Issued nameless = issue("", &ca_, nullptr, "clientAuth");
    write_pair(dir_, "ca", ca_);
    write_pair(dir_, "other-ca", other_ca_);
    write_pair(dir_, "server", server);
    write_pair(dir_, "agent", agent_);
    write_pair(dir_, "intruder", intruder);
    write_pair(dir_, "nameless", nameless);
    nameless_sha256_ = der_sha256(nameless.cert.get());
  }
  void TearDown() override {
    if (server_) server_->stop(1s);
  }

  // A TLS server on 127.0.0.1 with the test CA's server certificate.
  Status start(const std::string& client_ca, bool require) {
    server_ = std::make_unique<Server>(whoami_router());
    TlsOptions tls;
    tls.certificate_file = dir_.file("server.pem");
    tls.private_key_file = dir_.file("server.key");
    tls.client_ca_file = client_ca;
    tls.require_client_certificate = require;
    CAIRN_TRY(server_->listen_tls("127.0.0.1", 0, tls));
    return server_->start(2);
  }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(server_->port()); }
  // Trusts the test CA; presents the certificate <name>.pem / <name>.key unless `name` is "".
  ClientOptions as(const std::string& name) const {
    ClientOptions options;
    options.ca_file = dir_.file("ca.pem");
    options.connect_timeout = 5s;
    options.request_timeout = 10s;
    if (!name.empty()) {
      options.certificate_file = dir_.file(name + ".pem");
      options.private_key_file = dir_.file(name + ".key");
    }
    return options;
  }
  // Connects with `options` and asks GET /whoami: the parsed body, or the first error.
  Result<json> whoami(const ClientOptions& options, std::size_t requests = 1) const {
    CAIRN_ASSIGN_OR_RETURN(auto client, HttpClient::connect(url(), options));
    json body;
    for (std::size_t i = 0; i < requests; ++i) {
      CAIRN_ASSIGN_OR_RETURN(auto res, client.get("/whoami"));
      EXPECT_EQ(res.status, 200);
      body = json::parse(res.body);
    }
    EXPECT_EQ(client.connections_opened(), 1U);
    return body;
  }
  // A refused client certificate fails the handshake (TLS 1.2), or under TLS 1.3 -- where the
  // server decides after the client has finished its side -- the first request.
  static void expect_refused(const Result<json>& got) {
    ASSERT_FALSE(got) << got->dump();
    EXPECT_EQ(got.error().code, ErrorCode::kUnavailable);
    EXPECT_TRUE(got.error().reason == "NET_TLS_FAILED" ||
                got.error().reason == "NET_CONNECTION_LOST")
        << got.error().reason;
  }

  testing::TempDir dir_;
  Issued ca_;
  Issued other_ca_;
  Issued agent_;
  std::string nameless_sha256_;
  std::unique_ptr<Server> server_;
};

TEST_F(PeerIdentityTest, RequiredCertificateReachesEveryRequestOfTheConnection) {
  ASSERT_TRUE(start(dir_.file("ca.pem"), true));
  auto got = whoami(as("agent"), 3);
  ASSERT_TRUE(got) << got.error().to_string();
  EXPECT_EQ((*got)["cn"], "agent-7");
  std::string expected = der_sha256(agent_.cert.get());
  EXPECT_EQ(expected.size(), 64U);
  EXPECT_EQ((*got)["sha256"], expected);
  EXPECT_TRUE((*got)["uid"].is_null());
}

TEST_F(PeerIdentityTest, RequiredRefusesAClientWithoutACertificate) {
  ASSERT_TRUE(start(dir_.file("ca.pem"), true));
  expect_refused(whoami(as("")));
}

TEST_F(PeerIdentityTest, RequiredRefusesACertificateFromAnotherCa) {
  ASSERT_TRUE(start(dir_.file("ca.pem"), true));
  expect_refused(whoami(as("intruder")));
}

TEST_F(PeerIdentityTest, OptionalModeServesClientsWithoutACertificate) {
  ASSERT_TRUE(start(dir_.file("ca.pem"), false));
  auto anonymous = whoami(as(""));
  ASSERT_TRUE(anonymous) << anonymous.error().to_string();
  EXPECT_TRUE((*anonymous)["cn"].is_null());
  EXPECT_TRUE((*anonymous)["sha256"].is_null());

  auto agent = whoami(as("agent"));
  ASSERT_TRUE(agent) << agent.error().to_string();
  EXPECT_EQ((*agent)["cn"], "agent-7");
  EXPECT_EQ((*agent)["sha256"], der_sha256(agent_.cert.get()));
}

TEST_F(PeerIdentityTest, OptionalModeStillRefusesACertificateFromAnotherCa) {
  ASSERT_TRUE(start(dir_.file("ca.pem"), false));
  expect_refused(whoami(as("intruder")));
}

TEST_F(PeerIdentityTest, CertificateWithoutCommonNameHasAnEmptyCn) {
  ASSERT_TRUE(start(dir_.file("ca.pem"), true));
  auto got = whoami(as("nameless"));
  ASSERT_TRUE(got) << got.error().to_string();
  EXPECT_EQ((*got)["cn"], "");
  EXPECT_EQ((*got)["sha256"], nameless_sha256_);
}

TEST_F(PeerIdentityTest, WithoutClientCaNoCertificateIsAskedFor) {
  ASSERT_TRUE(start("", false));
  auto got = whoami(as("agent"));
  ASSERT_TRUE(got) << got.error().to_string();
  EXPECT_TRUE((*got)["cn"].is_null());
  EXPECT_TRUE((*got)["sha256"].is_null());
}

TEST_F(PeerIdentityTest, ListenTlsRefusesABadClientCaConfiguration) {
  write_file(dir_.file("garbage.pem"), "not a certificate\n");
  TlsOptions tls;
  tls.certificate_file = dir_.file("server.pem");
  tls.private_key_file = dir_.file("server.key");
  for (const std::string& ca : {dir_.file("missing.pem"), dir_.file("garbage.pem")}) {
    Server server(whoami_router());
    tls.client_ca_file = ca;
    Status s = server.listen_tls("127.0.0.1", 0, tls);
    ASSERT_FALSE(s) << ca;
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(s.error().reason, "NET_TLS_CONFIG_INVALID");
    EXPECT_TRUE(server.endpoints().empty());
  }
  Server server(whoami_router());
  tls.client_ca_file.clear();
  tls.require_client_certificate = true;
  Status s = server.listen_tls("127.0.0.1", 0, tls);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.error().reason, "NET_TLS_CONFIG_INVALID");
}

TEST_F(PeerIdentityTest, ClientRefusesUnusableCertificateFiles) {
  ASSERT_TRUE(start(dir_.file("ca.pem"), true));
  ClientOptions missing = as("agent");
  missing.certificate_file = dir_.file("missing.pem");
  ClientOptions only_certificate = as("agent");
  only_certificate.private_key_file.clear();
  ClientOptions only_key = as("agent");
  only_key.certificate_file.clear();
  ClientOptions mismatched = as("agent");
  mismatched.private_key_file = dir_.file("nameless.key");
  ClientOptions key_as_certificate = as("agent");
  key_as_certificate.certificate_file = dir_.file("agent.key");
  for (const ClientOptions& options :
       {missing, only_certificate, only_key, mismatched, key_as_certificate}) {
    auto client = HttpClient::connect(url(), options);
    ASSERT_FALSE(client) << options.certificate_file << " " << options.private_key_file;
    EXPECT_EQ(client.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(client.error().reason, "NET_TLS_CONFIG_INVALID");
  }
}

TEST(PeerCredentialsTest, UnixSocketReportsTheConnectingProcess) {
  testing::TempDir dir;
  std::string path = dir.file("run/api.sock");
  Server server(whoami_router());
  ASSERT_TRUE(server.listen_unix(path));
  ASSERT_TRUE(server.start(1));
  auto client = HttpClient::connect("unix:" + path);
  ASSERT_TRUE(client) << client.error().to_string();
  for (int i = 0; i < 2; ++i) {
    auto res = client->get("/whoami");
    ASSERT_TRUE(res) << res.error().to_string();
    ASSERT_EQ(res->status, 200);
    json body = json::parse(res->body);
    EXPECT_EQ(body["uid"], ::getuid());
    EXPECT_EQ(body["gid"], ::getgid());
    EXPECT_EQ(body["pid"], ::getpid());
    EXPECT_TRUE(body["cn"].is_null());
  }
  EXPECT_EQ(client->connections_opened(), 1U);
  server.stop(1s);
}

TEST(PeerCredentialsTest, TcpRequestsCarryNoPeerIdentity) {
  Server server(whoami_router());
  ASSERT_TRUE(server.listen_tcp("127.0.0.1", 0));
  ASSERT_TRUE(server.start(1));
  auto client = HttpClient::connect("http://127.0.0.1:" + std::to_string(server.port()));
  ASSERT_TRUE(client) << client.error().to_string();
  auto res = client->get("/whoami");
  ASSERT_TRUE(res) << res.error().to_string();
  json body = json::parse(res->body);
  EXPECT_TRUE(body["uid"].is_null());
  EXPECT_TRUE(body["cn"].is_null());
  server.stop(1s);
}

}  // namespace
}  // namespace cairn::net
