// cairn::net::Server with streamed bodies (body.hpp) end to end, on 127.0.0.1, a unix socket and
// TLS: uploads into a FileBodySink (the body never in memory, 413 past the route's cap, the
// middleware and the sink factory refusing before the body is read), files served whole, by
// range and conditionally (sendfile on plain sockets, copies under TLS), generated bodies sent
// chunked, and pipelining and keep-alive around a streamed answer.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cairn/core/encoding.hpp"
#include "cairn/crypto/hash.hpp"
#include "cairn/net/body.hpp"
#include "cairn/net/client.hpp"
#include "cairn/net/server.hpp"
#include "support/temp_dir.hpp"

namespace cairn::net {
namespace {

using namespace std::chrono_literals;
using cairn::testing::TempDir;

constexpr std::size_t kMiB = std::size_t{1} << 20;

std::string hex_sha256(crypto::Sha256& hasher) { return encoding::hex_encode(hasher.finish()); }

std::string sha256_of(std::string_view data) {
  crypto::Sha256 hasher;
  hasher.update(as_bytes(data));
  return hex_sha256(hasher);
}

// The `index`-th MiB of the test content: pseudo-random bytes, different in every block.
std::string content_block(std::size_t index) {
  std::mt19937_64 rng(0x5eed0000 + index);
  std::string block(kMiB, '\0');
  for (std::size_t i = 0; i < block.size(); i += 8) {
    uint64_t v = rng();
    std::memcpy(block.data() + i, &v, 8);
  }
  return block;
}

// Writes `mib` blocks of test content to `path`; returns the file's SHA-256.
std::string write_content_file(const std::string& path, std::size_t mib) {
  std::ofstream out(path, std::ios::binary);
  crypto::Sha256 hasher;
  for (std::size_t i = 0; i < mib; ++i) {
    std::string block = content_block(i);
    out.write(block.data(), static_cast<std::streamsize>(block.size()));
    hasher.update(as_bytes(block));
  }
  return hex_sha256(hasher);
}

void write_file(const std::string& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

// ---- A raw HTTP client, for exact bytes, pipelining, HTTP/1.0 and bodies too large to hold.

struct RawResponse {
  int status = 0;
  Headers headers;
  std::string body;  // unless an on_body callback took it
  uint64_t body_bytes = 0;
  bool chunked = false;
  bool complete = false;  // the whole body arrived as framed
};

class RawClient {
 public:
  explicit RawClient(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    set_timeouts();
  }
  explicit RawClient(const std::string& unix_path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", unix_path.c_str());
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    set_timeouts();
  }
  ~RawClient() { ::close(fd_); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }
  int fd() const { return fd_; }

  // False when the server stopped taking bytes (closed, reset, or the send timeout).
  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // One response (1xx skipped). The body is framed by Content-Length, chunked encoding or the
  // end of the connection; `head` for an answer to HEAD (no body). With `on_body`, the body
  // goes there piece by piece instead of into RawResponse::body. nullopt when the connection
  // ended (or timed out) before the headers did.
  std::optional<RawResponse> read_response(
      bool head = false, const std::function<void(std::string_view)>& on_body = {}) {
    RawResponse res;
    for (int interim = 0; interim < 8; ++interim) {
      std::size_t end = 0;
      while ((end = pending_.find("\r\n\r\n")) == std::string::npos) {
        if (!fill()) return std::nullopt;
      }
      std::string_view head_text(pending_.data(), end);
      std::size_t line_end = head_text.find("\r\n");
      std::string_view status_line = head_text.substr(0, line_end);
      if (status_line.size() < 12 || !status_line.starts_with("HTTP/1.")) return std::nullopt;
      res = RawResponse();
      std::from_chars(status_line.data() + 9, status_line.data() + 12, res.status);
      std::string_view rest =
          line_end == std::string_view::npos ? std::string_view() : head_text.substr(line_end + 2);
      while (!rest.empty()) {
        std::size_t eol = rest.find("\r\n");
        std::string_view line = rest.substr(0, eol);
        std::size_t colon = line.find(':');
        if (colon != std::string_view::npos) {
          std::string_view value = line.substr(colon + 1);
          while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
          res.headers.add(std::string(line.substr(0, colon)), std::string(value));
        }
        rest = eol == std::string_view::npos ? std::string_view() : rest.substr(eol + 2);
      }
      pending_.erase(0, end + 4);
      if (res.status >= 200) break;
    }
    auto deliver = [&](std::string_view piece) {
      res.body_bytes += piece.size();
      if (on_body) {
        on_body(piece);
      } else {
        res.body.append(piece);
      }
    };
    if (head || res.status == 204 || res.status == 304) {
      res.complete = true;
      return res;
    }
    auto te = res.headers.get("Transfer-Encoding");
    if (te && *te == "chunked") {
      res.chunked = true;
      for (int chunks = 0; chunks < 10'000'000; ++chunks) {
        std::size_t eol = 0;
        while ((eol = pending_.find("\r\n")) == std::string::npos) {
          if (!fill()) return res;
        }
        uint64_t size = 0;
        std::from_chars(pending_.data(), pending_.data() + eol, size, 16);
        pending_.erase(0, eol + 2);
        if (size == 0) {
          while (pending_.find("\r\n") == std::string::npos) {
            if (!fill()) return res;
          }
          pending_.erase(0, pending_.find("\r\n") + 2);  // no trailers are sent
          res.complete = true;
          return res;
        }
        if (!take(
                size + 2, [&](std::string_view piece) { deliver(piece); }, 2))
          return res;
      }
      return res;
    }
    if (auto length = res.headers.get("Content-Length")) {
      uint64_t size = 0;
      std::from_chars(length->data(), length->data() + length->size(), size);
      res.complete = take(size, deliver, 0);
      return res;
    }
    // Delimited by the end of the connection.
    if (!pending_.empty()) deliver(pending_);
    pending_.clear();
    std::vector<char> buffer(std::size_t{256} * 1024);
    for (;;) {
      ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
      if (n == 0) {
        res.complete = true;
        return res;
      }
      if (n < 0) return res;
      deliver(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
    }
  }

  // Whether the server closed the connection (EOF or reset) before sending anything more.
  bool closed_by_server() {
    if (!pending_.empty()) return false;
    char c = 0;
    ssize_t n = ::recv(fd_, &c, 1, 0);
    if (n > 0) pending_.push_back(c);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
  }

 private:
  void set_timeouts() {
    timeval tv{};
    tv.tv_sec = 20;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  }

  bool fill() {
    char buffer[65536];
    ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n <= 0) return false;
    pending_.append(buffer, static_cast<std::size_t>(n));
    return true;
  }

  // Passes `n` bytes on (the last `drop` of them are framing, not passed), reading as needed.
  bool take(uint64_t n, const std::function<void(std::string_view)>& out, uint64_t drop) {
    uint64_t body = n - drop;
    std::vector<char> buffer(std::size_t{256} * 1024);
    while (n > 0) {
      if (pending_.empty()) {
        ssize_t got = ::recv(fd_, buffer.data(), buffer.size(), 0);
        if (got <= 0) return false;
        pending_.assign(buffer.data(), static_cast<std::size_t>(got));
      }
      std::size_t step = static_cast<std::size_t>(std::min<uint64_t>(n, pending_.size()));
      std::size_t to_body = static_cast<std::size_t>(std::min<uint64_t>(step, body));
      if (to_body > 0) out(std::string_view(pending_.data(), to_body));
      body -= to_body;
      n -= step;
      pending_.erase(0, step);
    }
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string pending_;
};

std::string error_reason(const std::string& body) {
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded() || !json.contains("error")) return "";
  return json["error"].value("reason", "");
}

// ---- TLS material made here (a self-signed P-256 certificate for 127.0.0.1).

void write_pem(const std::string& path, const std::function<int(BIO*)>& write) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  ASSERT_EQ(write(bio.get()), 1);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, data, static_cast<std::size_t>(n)), n);
  ::close(fd);
}

void make_certificate(const std::string& cert_path, const std::string& key_path) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
  ASSERT_TRUE(key);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), &X509_free);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24L * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  ASSERT_GT(X509_sign(cert.get(), key.get(), EVP_sha256()), 0);
  write_pem(cert_path, [&](BIO* b) { return PEM_write_bio_X509(b, cert.get()); });
  write_pem(key_path, [&](BIO* b) {
    return PEM_write_bio_PrivateKey(b, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
}

// ---- The server under test

class StreamingServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    files_ = dir_.file("files");
    incoming_ = dir_.file("incoming");
    stored_ = dir_.file("stored");
    for (const std::string& d : {files_, incoming_, stored_}) std::filesystem::create_directory(d);
    write_file(files_ + "/hello.txt", "Hello, streamed world!\n");
    write_file(files_ + "/page.html", "<!doctype html><p>hi</p>");
  }
  void TearDown() override {
    if (server_) server_->stop(2s);
  }

  // The routes every test shares: uploads (PUT /upload/{name}, cap upload_cap_), files
  // (GET /files/{rest...}), a generated body (GET /gen?pieces=N[&fail_after=K]) and /hello.
  Router make_router() {
    Router router;
    RouteOptions upload;
    upload.max_body_bytes = upload_cap_;
    upload.stream_body = [this](const Request& req) -> Result<std::shared_ptr<BodySink>> {
      factory_calls_.fetch_add(1);
      if (req.headers.contains("X-Forbid")) {
        return fail(ErrorCode::kPermissionDenied, "TEST_UPLOAD_FORBIDDEN", "no uploads for you");
      }
      if (sink_maker_) return sink_maker_();
      CAIRN_ASSIGN_OR_RETURN(auto sink, FileBodySink::create(incoming_));
      return std::shared_ptr<BodySink>(std::move(sink));
    };
    EXPECT_TRUE(router.add(
        "PUT", "/upload/{name}",
        [this](const Request& req, Response& res) {
          handler_calls_.fetch_add(1);
          auto* file = dynamic_cast<FileBodySink*>(req.body_sink.get());
          if (file == nullptr) {
            res.json_text("{\"sink\":false,\"body_bytes\":" + std::to_string(req.body.size()) +
                          "}");
            return;
          }
          if (Status s = file->commit(stored_ + "/" + std::string(req.param("name"))); !s) {
            return res.error(s.error());
          }
          res.json_text("{\"size\":" + std::to_string(file->size()) + ",\"sha256\":\"" +
                            file->sha256_hex() +
                            "\",\"body_bytes\":" + std::to_string(req.body.size()) + "}",
                        201);
        },
        upload));
    EXPECT_TRUE(router.add("GET", "/files/{rest...}", [this](const Request& req, Response& res) {
      serve_from_directory(req, res, files_, req.param("rest"));
    }));
    EXPECT_TRUE(router.add("GET", "/gen", [](const Request& req, Response& res) {
      int pieces = std::stoi(req.query_param("pieces").value_or("10"));
      int fail_after = std::stoi(req.query_param("fail_after").value_or("-1"));
      auto count = std::make_shared<int>(0);
      auto source = generator_source([=]() -> Result<std::optional<std::string>> {
        if (*count == fail_after) {
          return fail(ErrorCode::kUnavailable, "TEST_GENERATOR_FAILED", "the generator broke");
        }
        if (*count == pieces) return std::optional<std::string>();
        return std::optional<std::string>("piece " + std::to_string((*count)++) + ";");
      });
      res.headers.set("Content-Type", "text/plain");
      res.body_source = *source;
    }));
    EXPECT_TRUE(
        router.add("GET", "/hello", [](const Request&, Response& res) { res.text("hello"); }));
    return router;
  }

  void start(ServerOptions options = {}, bool tls = false) {
    server_ = std::make_unique<Server>(make_router(), std::move(options));
    server_->use([](Request& req, Response& res) {
      if (!req.path.starts_with("/upload/") || req.headers.contains("Authorization")) return true;
      res.error(ErrorCode::kUnauthenticated, "AUTH_CREDENTIALS_MISSING", "log in first");
      return false;
    });
    if (tls) {
      make_certificate(dir_.file("cert.pem"), dir_.file("key.pem"));
      ASSERT_TRUE(server_->listen_tls("127.0.0.1", 0,
                                      TlsOptions{dir_.file("cert.pem"), dir_.file("key.pem")}));
    } else {
      ASSERT_TRUE(server_->listen_tcp("127.0.0.1", 0));
    }
    unix_path_ = dir_.file("sock/api.sock");
    ASSERT_TRUE(server_->listen_unix(unix_path_));
    ASSERT_TRUE(server_->start(2));
  }

  HttpClient client(bool tls = false) {
    ClientOptions options;
    options.verify_peer = false;
    auto c = HttpClient::connect(
        (tls ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(server_->port(0)),
        options);
    EXPECT_TRUE(c) << c.error().to_string();
    return std::move(*c);
  }

  // Sends an upload of `size` bytes of test content with Content-Length; returns the answer
  // and (in `sha256`) the hash of what was sent.
  std::optional<RawResponse> upload(RawClient& raw, const std::string& name, std::size_t size,
                                    std::string* sha256, const std::string& extra_headers = "") {
    std::string head = "PUT /upload/" + name + " HTTP/1.1\r\nHost: x\r\nAuthorization: yes\r\n" +
                       extra_headers + "Content-Length: " + std::to_string(size) + "\r\n\r\n";
    if (!raw.send(head)) return std::nullopt;
    crypto::Sha256 hasher;
    for (std::size_t sent = 0, block = 0; sent < size; ++block) {
      std::string data = content_block(block);
      data.resize(std::min(data.size(), size - sent));
      hasher.update(as_bytes(data));
      if (!raw.send(data)) break;
      sent += data.size();
    }
    if (sha256 != nullptr) *sha256 = hex_sha256(hasher);
    return raw.read_response();
  }

  std::size_t entries(const std::string& dir) {
    std::size_t n = 0;
    for (auto it = std::filesystem::directory_iterator(dir);
         it != std::filesystem::directory_iterator(); ++it) {
      ++n;
    }
    return n;
  }

  TempDir dir_;
  std::string files_;
  std::string incoming_;
  std::string stored_;
  std::string unix_path_;
  std::size_t upload_cap_ = 128 * kMiB;
  std::function<Result<std::shared_ptr<BodySink>>()> sink_maker_;
  std::atomic<int> factory_calls_{0};
  std::atomic<int> handler_calls_{0};
  std::unique_ptr<Server> server_;
};

// ---- Uploads

TEST_F(StreamingServerTest, UploadsA64MiBBodyIntoAFileSink) {
  start();
  RawClient raw(server_->port());
  ASSERT_TRUE(raw.connected());
  std::string sent_sha;
  std::optional<RawResponse> res = upload(raw, "big.bin", 64 * kMiB, &sent_sha);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 201) << res->body;
  auto json = nlohmann::json::parse(res->body);
  EXPECT_EQ(json["size"], 64 * kMiB);
  EXPECT_EQ(json["sha256"], sent_sha);
  EXPECT_EQ(json["body_bytes"], 0);  // the body never reached Request::body
  EXPECT_EQ(std::filesystem::file_size(stored_ + "/big.bin"), 64 * kMiB);
  EXPECT_EQ(entries(incoming_), 0U);
  EXPECT_EQ(factory_calls_.load(), 1);

  // The connection stays usable.
  ASSERT_TRUE(raw.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::optional<RawResponse> hello = raw.read_response();
  ASSERT_TRUE(hello);
  EXPECT_EQ(hello->status, 200);
  EXPECT_EQ(hello->body, "hello");
}

TEST_F(StreamingServerTest, UploadsAChunkedBodyWithExpectContinue) {
  start();
  RawClient raw(server_->port());
  std::string body;
  for (int i = 0; i < 300; ++i) body += "line " + std::to_string(i) + "\n";
  ASSERT_TRUE(
      raw.send("PUT /upload/chunked.txt HTTP/1.1\r\nHost: x\r\nAuthorization: yes\r\n"
               "Expect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n"));
  std::string framed;
  for (std::size_t at = 0; at < body.size(); at += 1000) {
    std::string piece = body.substr(at, 1000);
    char size[16];
    std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
    framed += size + piece + "\r\n";
  }
  framed += "0\r\n\r\n";
  ASSERT_TRUE(raw.send(framed));
  std::optional<RawResponse> res = raw.read_response();  // the 100 is skipped
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 201);
  auto json = nlohmann::json::parse(res->body);
  EXPECT_EQ(json["size"], body.size());
  EXPECT_EQ(json["sha256"], sha256_of(body));
  std::ifstream in(stored_ + "/chunked.txt", std::ios::binary);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), body);
}

TEST_F(StreamingServerTest, RefusesABodyOverTheRouteCapFromItsLength) {
  upload_cap_ = kMiB;
  start();
  RawClient raw(server_->port());
  ASSERT_TRUE(
      raw.send("PUT /upload/x HTTP/1.1\r\nHost: x\r\nAuthorization: yes\r\nContent-Length: "
               "1048577\r\n\r\n"));
  std::optional<RawResponse> res = raw.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
  EXPECT_EQ(error_reason(res->body), "HTTP_BODY_TOO_LARGE");
  EXPECT_EQ(factory_calls_.load(), 0);
  EXPECT_EQ(entries(incoming_), 0U);
}

TEST_F(StreamingServerTest, RefusesAChunkedBodyOverTheCapAndLeavesNothingBehind) {
  upload_cap_ = kMiB;
  start();
  RawClient raw(server_->port());
  ASSERT_TRUE(
      raw.send("PUT /upload/x HTTP/1.1\r\nHost: x\r\nAuthorization: yes\r\nTransfer-Encoding: "
               "chunked\r\n\r\n"));
  std::string chunk(std::size_t{64} * 1024, 'x');
  std::string framed = "10000\r\n" + chunk + "\r\n";
  for (int i = 0; i < 24; ++i) {  // 1.5 MiB; the server stops reading after the refusal
    if (!raw.send(framed)) break;
  }
  std::optional<RawResponse> res = raw.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
  EXPECT_EQ(error_reason(res->body), "HTTP_BODY_TOO_LARGE");
  EXPECT_EQ(factory_calls_.load(), 1);
  EXPECT_EQ(handler_calls_.load(), 0);
  EXPECT_EQ(entries(stored_), 0U);
  // The sink was dropped without finish(): its temporary file is gone once the answer is out.
  EXPECT_EQ(entries(incoming_), 0U);
}

TEST_F(StreamingServerTest, AnswersAMiddlewareRefusalBeforeMakingTheSink) {
  start();
  RawClient raw(server_->port());
  // Announces 10 MiB and sends none of it: the answer comes without the body being read.
  ASSERT_TRUE(raw.send("PUT /upload/x HTTP/1.1\r\nHost: x\r\nContent-Length: 10485760\r\n\r\n"));
  std::optional<RawResponse> res = raw.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(error_reason(res->body), "AUTH_CREDENTIALS_MISSING");
  EXPECT_EQ(res->headers.get("Connection"), "close");
  EXPECT_EQ(factory_calls_.load(), 0);
  EXPECT_EQ(handler_calls_.load(), 0);
}

TEST_F(StreamingServerTest, AnswersASinkFactoryErrorWithoutReadingTheBody) {
  start();
  RawClient raw(server_->port());
  ASSERT_TRUE(
      raw.send("PUT /upload/x HTTP/1.1\r\nHost: x\r\nAuthorization: yes\r\nX-Forbid: 1\r\n"
               "Content-Length: 10485760\r\n\r\n"));
  std::optional<RawResponse> res = raw.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403);
  EXPECT_EQ(error_reason(res->body), "TEST_UPLOAD_FORBIDDEN");
  EXPECT_EQ(factory_calls_.load(), 1);
  EXPECT_EQ(handler_calls_.load(), 0);
}

// A sink that fails: on the write that passes `fail_at` bytes, or in finish().
class FailingSink final : public BodySink {
 public:
  FailingSink(std::size_t fail_at, Error error) : fail_at_(fail_at), error_(std::move(error)) {}
  Status write(std::string_view piece) override {
    seen_ += piece.size();
    if (seen_ > fail_at_) return fail(error_);
    return ok_status();
  }
  Status finish() override { return fail(error_); }

 private:
  std::size_t fail_at_;
  Error error_;
  std::size_t seen_ = 0;
};

TEST_F(StreamingServerTest, AnswersASinkWriteErrorWithItsStatus) {
  sink_maker_ = []() -> Result<std::shared_ptr<BodySink>> {
    return std::shared_ptr<BodySink>(std::make_shared<FailingSink>(
        1000, Error{ErrorCode::kResourceExhausted, "TEST_DISK_FULL", "the disk is full", {}}));
  };
  start();
  RawClient raw(server_->port());
  std::optional<RawResponse> res = upload(raw, "x", 4 * kMiB, nullptr);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 429);
  EXPECT_EQ(error_reason(res->body), "TEST_DISK_FULL");
  EXPECT_EQ(handler_calls_.load(), 0);
}

TEST_F(StreamingServerTest, AnswersASinkFinishErrorAndHidesA5xxMessage) {
  sink_maker_ = []() -> Result<std::shared_ptr<BodySink>> {
    return std::shared_ptr<BodySink>(std::make_shared<FailingSink>(
        SIZE_MAX, Error{ErrorCode::kUnavailable, "TEST_FLUSH_FAILED", "/secret/path failed", {}}));
  };
  start();
  RawClient raw(server_->port());
  std::optional<RawResponse> res = upload(raw, "x", 1000, nullptr);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(error_reason(res->body), "TEST_FLUSH_FAILED");
  EXPECT_EQ(res->body.find("/secret/path"), std::string::npos);
  EXPECT_EQ(handler_calls_.load(), 0);
}

// ---- Files

// The answers every listener must give for files: 200, 206, 416, 304, HEAD and 404.
void check_file_answers(HttpClient& c) {
  std::string hello = "Hello, streamed world!\n";
  auto whole = c.get("/files/hello.txt");
  ASSERT_TRUE(whole) << whole.error().to_string();
  EXPECT_EQ(whole->status, 200);
  EXPECT_EQ(whole->body, hello);
  EXPECT_EQ(whole->headers.get("Content-Length"), std::to_string(hello.size()));
  EXPECT_EQ(whole->headers.get("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(whole->headers.get("Accept-Ranges"), "bytes");
  std::string etag(whole->headers.get("ETag").value_or(""));
  ASSERT_FALSE(etag.empty());

  Headers range;
  range.add("Range", "bytes=7-14");
  auto part = c.get("/files/hello.txt", range);
  ASSERT_TRUE(part);
  EXPECT_EQ(part->status, 206);
  EXPECT_EQ(part->body, "streamed");
  EXPECT_EQ(part->headers.get("Content-Range"), "bytes 7-14/23");
  EXPECT_EQ(part->headers.get("Content-Length"), "8");

  Headers past;
  past.add("Range", "bytes=23-");
  auto refused = c.get("/files/hello.txt", past);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 416);
  EXPECT_EQ(refused->headers.get("Content-Range"), "bytes */23");
  EXPECT_EQ(error_reason(refused->body), "HTTP_RANGE_NOT_SATISFIABLE");

  Headers conditional;
  conditional.add("If-None-Match", etag);
  auto unchanged = c.get("/files/hello.txt", conditional);
  ASSERT_TRUE(unchanged);
  EXPECT_EQ(unchanged->status, 304);
  EXPECT_EQ(unchanged->body, "");
  EXPECT_EQ(unchanged->headers.get("ETag"), etag);

  auto head = c.request("HEAD", "/files/hello.txt");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->body, "");
  EXPECT_EQ(head->headers.get("Content-Length"), std::to_string(hello.size()));
  EXPECT_EQ(head->headers.get("ETag"), etag);

  auto missing = c.get("/files/nope.txt");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(error_reason(missing->body), "HTTP_FILE_NOT_FOUND");

  // Everything above went over one connection.
  EXPECT_EQ(c.connections_opened(), 1U);
}

TEST_F(StreamingServerTest, ServesFilesOverTcp) {
  start();
  HttpClient c = client();
  check_file_answers(c);
}

TEST_F(StreamingServerTest, ServesFilesOverTls) {
  start({}, true);
  HttpClient c = client(true);
  check_file_answers(c);
}

TEST_F(StreamingServerTest, ServesFilesOverAUnixSocket) {
  start();
  auto c = HttpClient::connect("unix:" + unix_path_);
  ASSERT_TRUE(c) << c.error().to_string();
  check_file_answers(*c);
}

TEST_F(StreamingServerTest, ServesA100MiBFileWhole) {
  std::string sha = write_content_file(files_ + "/big.bin", 100);
  start();
  RawClient raw(server_->port());
  ASSERT_TRUE(raw.send("GET /files/big.bin HTTP/1.1\r\nHost: x\r\n\r\n"));
  crypto::Sha256 hasher;
  std::optional<RawResponse> res =
      raw.read_response(false, [&](std::string_view piece) { hasher.update(as_bytes(piece)); });
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_TRUE(res->complete);
  EXPECT_EQ(res->headers.get("Content-Length"), std::to_string(100 * kMiB));
  EXPECT_EQ(res->headers.get("Content-Type"), "application/octet-stream");
  EXPECT_EQ(res->body_bytes, 100 * kMiB);
  EXPECT_EQ(hex_sha256(hasher), sha);
}

TEST_F(StreamingServerTest, ServesALargeRangeOverTls) {
  write_content_file(files_ + "/big.bin", 8);
  start({}, true);
  HttpClient c = client(true);
  Headers range;
  range.add("Range", "bytes=1048570-6291455");
  auto res = c.get("/files/big.bin", range);
  ASSERT_TRUE(res) << res.error().to_string();
  EXPECT_EQ(res->status, 206);
  EXPECT_EQ(res->headers.get("Content-Range"), "bytes 1048570-6291455/8388608");
  std::string expected;
  for (std::size_t block = 0; block < 6; ++block) expected += content_block(block);
  EXPECT_EQ(sha256_of(res->body), sha256_of(expected.substr(1048570)));
  EXPECT_EQ(res->body.size(), 6291456U - 1048570U);
}

TEST_F(StreamingServerTest, AnswersPipelinedRequestsInOrderAfterAStreamedResponse) {
  write_content_file(files_ + "/big.bin", 4);
  start();
  RawClient raw(server_->port());
  ASSERT_TRUE(
      raw.send("GET /files/big.bin HTTP/1.1\r\nHost: x\r\n\r\n"
               "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
               "HEAD /files/hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"
               "GET /gen?pieces=3 HTTP/1.1\r\nHost: x\r\n\r\n"
               "GET /files/hello.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-4\r\n\r\n"));
  std::optional<RawResponse> big = raw.read_response();
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 200);
  EXPECT_EQ(big->body.size(), 4 * kMiB);
  EXPECT_TRUE(big->body.substr(0, kMiB) == content_block(0));
  std::optional<RawResponse> hello = raw.read_response();
  ASSERT_TRUE(hello);
  EXPECT_EQ(hello->body, "hello");
  std::optional<RawResponse> head = raw.read_response(true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->headers.get("Content-Length"), "23");
  std::optional<RawResponse> gen = raw.read_response();
  ASSERT_TRUE(gen);
  EXPECT_TRUE(gen->chunked);
  EXPECT_EQ(gen->body, "piece 0;piece 1;piece 2;");
  std::optional<RawResponse> part = raw.read_response();
  ASSERT_TRUE(part);
  EXPECT_EQ(part->status, 206);
  EXPECT_EQ(part->body, "Hello");
}

TEST_F(StreamingServerTest, AnswersAMalformedRequestOnlyAfterTheStreamedResponseBeforeIt) {
  write_content_file(files_ + "/big.bin", 4);
  start();
  RawClient raw(server_->port());
  ASSERT_TRUE(
      raw.send("GET /files/big.bin HTTP/1.1\r\nHost: x\r\n\r\n"
               "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
               "NOT AN HTTP REQUEST\r\n\r\n"));
  std::optional<RawResponse> big = raw.read_response();
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 200);
  EXPECT_TRUE(big->complete);
  EXPECT_EQ(big->body.size(), 4 * kMiB);
  EXPECT_TRUE(big->body.substr(3 * kMiB) == content_block(3));
  std::optional<RawResponse> hello = raw.read_response();
  ASSERT_TRUE(hello);
  EXPECT_EQ(hello->body, "hello");
  std::optional<RawResponse> refused = raw.read_response();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 400);
  EXPECT_EQ(error_reason(refused->body), "HTTP_REQUEST_MALFORMED");
  EXPECT_EQ(refused->headers.get("Connection"), "close");
  EXPECT_TRUE(raw.closed_by_server());
}

TEST_F(StreamingServerTest, KeepsTheConnectionAliveAfterStreamedResponses) {
  write_content_file(files_ + "/big.bin", 2);
  start();
  HttpClient c = client();
  for (int round = 0; round < 3; ++round) {
    auto big = c.get("/files/big.bin");
    ASSERT_TRUE(big) << big.error().to_string();
    EXPECT_EQ(big->body.size(), 2 * kMiB);
    auto gen = c.get("/gen?pieces=5");
    ASSERT_TRUE(gen);
    EXPECT_EQ(gen->body, "piece 0;piece 1;piece 2;piece 3;piece 4;");
    auto hello = c.get("/hello");
    ASSERT_TRUE(hello);
    EXPECT_EQ(hello->body, "hello");
  }
  EXPECT_EQ(c.connections_opened(), 1U);
}

// ---- Generated bodies

TEST_F(StreamingServerTest, SendsAGeneratedBodyChunked) {
  start();
  RawClient raw(server_->port());
  ASSERT_TRUE(raw.send("GET /gen?pieces=2000 HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::optional<RawResponse> res = raw.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_TRUE(res->chunked);
  EXPECT_TRUE(res->complete);
  EXPECT_FALSE(res->headers.contains("Content-Length"));
  std::string expected;
  for (int i = 0; i < 2000; ++i) expected += "piece " + std::to_string(i) + ";";
  EXPECT_EQ(res->body, expected);

  HttpClient c = client();
  auto decoded = c.get("/gen?pieces=2000");
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->body, expected);
}

TEST_F(StreamingServerTest, EndsAGeneratedBodyToHttp10ByClosing) {
  start();
  RawClient raw(server_->port());
  ASSERT_TRUE(raw.send("GET /gen?pieces=3 HTTP/1.0\r\nHost: x\r\n\r\n"));
  std::optional<RawResponse> res = raw.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_FALSE(res->chunked);
  EXPECT_FALSE(res->headers.contains("Content-Length"));
  EXPECT_EQ(res->headers.get("Connection"), "close");
  EXPECT_TRUE(res->complete);
  EXPECT_EQ(res->body, "piece 0;piece 1;piece 2;");
}

TEST_F(StreamingServerTest, AnswersHeadForAGeneratedBodyWithHeadersOnly) {
  start();
  RawClient raw(server_->port());
  ASSERT_TRUE(raw.send(
      "HEAD /gen?pieces=3 HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::optional<RawResponse> head = raw.read_response(true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  std::optional<RawResponse> hello = raw.read_response();
  ASSERT_TRUE(hello);
  EXPECT_EQ(hello->body, "hello");
}

TEST_F(StreamingServerTest, ClosesTheConnectionWhenASourceFailsMidBody) {
  start();
  RawClient raw(server_->port());
  ASSERT_TRUE(raw.send("GET /gen?pieces=10&fail_after=4 HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::optional<RawResponse> res = raw.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_FALSE(res->complete);  // no last chunk: the client can tell the body is cut short
  EXPECT_EQ(res->body, "piece 0;piece 1;piece 2;piece 3;");
  EXPECT_TRUE(raw.closed_by_server());
}

// ---- Slow clients and draining

TEST_F(StreamingServerTest, DropsAClientThatStopsReadingAfterTheIdleTimeout) {
  write_content_file(files_ + "/big.bin", 64);
  ServerOptions options;
  options.limits.idle_timeout = 300ms;
  start(options);
  {
    RawClient raw(server_->port());
    int small = 4096;
    ::setsockopt(raw.fd(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    ASSERT_TRUE(raw.send("GET /files/big.bin HTTP/1.1\r\nHost: x\r\n\r\n"));
    // Never reads: the server's writes stall, and after idle_timeout without progress it gives
    // up on the connection.
    bool dropped = false;
    for (int i = 0; i < 200 && !dropped; ++i) {
      std::this_thread::sleep_for(50ms);
      dropped = server_->stats().open_connections == 0;
    }
    EXPECT_TRUE(dropped);
  }
}

TEST_F(StreamingServerTest, DrainingLetsAStreamFinish) {
  std::string sha = write_content_file(files_ + "/big.bin", 32);
  start();
  RawClient raw(server_->port());
  ASSERT_TRUE(raw.send("GET /files/big.bin HTTP/1.1\r\nHost: x\r\n\r\n"));
  crypto::Sha256 hasher;
  std::thread stopper;
  bool stop_started = false;
  std::optional<RawResponse> res = raw.read_response(false, [&](std::string_view piece) {
    hasher.update(as_bytes(piece));
    if (!stop_started) {
      stop_started = true;  // the stream is under way: drain now
      stopper = std::thread([this] { server_->stop(20s); });
    }
  });
  ASSERT_TRUE(res);
  EXPECT_TRUE(res->complete);
  EXPECT_EQ(res->body_bytes, 32 * kMiB);
  EXPECT_EQ(hex_sha256(hasher), sha);
  EXPECT_TRUE(raw.closed_by_server());
  if (stopper.joinable()) stopper.join();
}

}  // namespace
}  // namespace cairn::net
