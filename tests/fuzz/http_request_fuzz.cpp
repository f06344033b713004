// libFuzzer target for the server's HTTP/1.x request parser (src/net/internal/request_parser.hpp):
// arbitrary bytes as one connection's input, fed whole, one byte at a time, in chunks, and split
// in two at every boundary (at 200 boundaries for inputs over 512 bytes). Properties:
//  - the sequence of requests (method, target, path, query, version, headers, body, keep-alive,
//    upgrade, 100-continue) and the refusal (status, reason, message) are the same however the
//    bytes are split -- with one exception, by design: a request that http-parser finds malformed
//    and that also breaks a header or body limit may be refused for the limit (431, 413) when the
//    bytes are split, and as malformed (400) when they come at once, because http-parser hands
//    over a field's or a body's bytes only when it ends or the buffer does (same_outcome());
//  - no request breaks a limit: header fields <= max_headers, target + names + values <=
//    max_header_bytes, body (kept or streamed) <= the body limit; its path starts with '/' and
//    has no dot segments, its raw path no encoded slash, its version is 1.0 or 1.1;
//  - a refusal is one of the parser's own (400, 413, 417, 431, 505 with their reasons), comes at
//    most once, and nothing reaches the sink after a refusal or after a hook said stop.
//
// The first input byte picks the set-up: bit 0 small limits (256 header bytes, 8 fields, 64 body
// bytes) or the server's defaults; bit 1 streams the bodies of paths under /up into a sink; bit 2
// makes the sink refuse requests for paths under /deny itself; the rest (plus one) is the chunk
// size. Seeds: corpus/http_request/; tokens: http_request.dict. See tests/fuzz/CMakeLists.txt for
// how it is built and run.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "cairn/net/body.hpp"
#include "cairn/net/server.hpp"
#include "net/internal/request_parser.hpp"

namespace {

namespace net = cairn::net;
namespace internal = cairn::net::internal;

struct Setup {
  internal::RequestLimits limits;
  std::size_t body_limit = 0;
  bool stream = false;
  bool deny = false;
};

// A marker sink: the fuzz sink takes the pieces itself (on_body_piece).
class NullBodySink final : public net::BodySink {
 public:
  cairn::Status write(std::string_view /*piece*/) override { return cairn::ok_status(); }
};

bool is_hex_id(std::string_view id) {
  return id.size() == 32 && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

bool has_dot_segment(std::string_view path) {
  return path.find("/./") != std::string_view::npos ||
         path.find("/../") != std::string_view::npos || path.ends_with("/.") ||
         path.ends_with("/..");
}

// Records everything the parser tells it as one comparable string, checking each step.
class FuzzSink final : public internal::RequestSink {
 public:
  explicit FuzzSink(const Setup& setup) : setup_(setup) {}

  std::string log;

  void on_begin() override {
    check_live();
    log += "B|";
    streamed_ = 0;
  }

  std::size_t body_limit(const net::Request& /*req*/) override {
    check_live();
    return setup_.body_limit;
  }

  bool on_head(net::Request& req, const internal::RequestHead& head) override {
    check_live();
    log += "H" + std::to_string(static_cast<int>(head.upgrade)) +
           std::to_string(static_cast<int>(head.expects_continue)) + "|";
    if (setup_.deny && req.path.starts_with("/deny")) {
      log += "D|";
      stopped_ = true;
      return false;
    }
    if (setup_.stream && !head.upgrade && req.path.starts_with("/up")) {
      req.body_sink = std::make_shared<NullBodySink>();
    }
    return true;
  }

  bool on_body_piece(net::Request& req, std::string_view piece) override {
    check_live();
    if (!req.body_sink || piece.empty()) std::abort();
    streamed_ += piece.size();
    if (streamed_ > setup_.body_limit) std::abort();
    streamed_body_.append(piece);
    return true;
  }

  bool on_body_end(net::Request& req) override {
    check_live();
    if (!req.body_sink) std::abort();
    return true;
  }

  void on_request(net::Request&& req, bool keep_alive, bool upgrade) override {
    check_live();
    check_request(req);
    if (req.body_sink) {
      if (!req.body.empty()) std::abort();
      req.body = std::move(streamed_body_);
    }
    streamed_body_.clear();
    log += "R " + req.method + " " + req.target + " " + req.path + " ?" + req.query + " " +
           std::to_string(req.version_major) + "." + std::to_string(req.version_minor) + " ";
    for (const auto& [name, value] : req.headers.fields()) {
      log.append(name).append("=").append(value).append(";");
    }
    auto given = req.headers.get("X-Request-Id");
    bool kept = given && internal::is_sane_request_id(*given);
    if (kept ? req.request_id != *given : !is_hex_id(req.request_id)) std::abort();
    log += " id:" + (kept ? req.request_id : std::string("new"));
    log += " body:" + req.body + " ka:" + std::to_string(static_cast<int>(keep_alive)) +
           " up:" + std::to_string(static_cast<int>(upgrade)) + "|";
    if (upgrade) upgraded_ = true;
  }

  void on_refused(const internal::Refusal& refusal) override {
    check_live();
    bool known = (refusal.status == 400 && refusal.reason == "HTTP_REQUEST_MALFORMED") ||
                 (refusal.status == 413 && refusal.reason == "HTTP_BODY_TOO_LARGE") ||
                 (refusal.status == 417 && refusal.reason == "HTTP_EXPECTATION_FAILED") ||
                 (refusal.status == 431 && (refusal.reason == "HTTP_HEADERS_TOO_LARGE" ||
                                            refusal.reason == "HTTP_HEADERS_TOO_MANY")) ||
                 (refusal.status == 505 && refusal.reason == "HTTP_VERSION_UNSUPPORTED");
    if (!known) std::abort();
    log += "!" + std::to_string(refusal.status) + " " + refusal.reason + " " + refusal.message;
    stopped_ = true;
  }

 private:
  // Nothing reaches the sink after a refusal, a hook's stop, or an upgrade request.
  void check_live() const {
    if (stopped_ || upgraded_) std::abort();
  }

  void check_request(const net::Request& req) const {
    if (req.headers.size() > setup_.limits.max_headers) std::abort();
    std::size_t header_bytes = req.target.size();
    for (const auto& [name, value] : req.headers.fields()) {
      header_bytes += name.size() + value.size();
    }
    if (header_bytes > setup_.limits.max_header_bytes) std::abort();
    if (req.body.size() > setup_.body_limit) std::abort();
    if (req.path.empty() || req.path.front() != '/' || has_dot_segment(req.path)) std::abort();
    std::string_view raw_path = std::string_view(req.target).substr(0, req.target.find('?'));
    if (raw_path.find("%2F") != std::string_view::npos ||
        raw_path.find("%2f") != std::string_view::npos) {
      std::abort();
    }
    if (req.version_major != 1 || req.version_minor > 1) std::abort();
  }

  Setup setup_;
  uint64_t streamed_ = 0;
  std::string streamed_body_;
  bool stopped_ = false;
  bool upgraded_ = false;
};

// Whether `split` (the log of a split feed) tells the same as `whole`: equal, or equal up to the
// refusal, where the whole feed's is http-parser's own 400 and the split feed's a limit's.
bool same_outcome(const std::string& whole, const std::string& split) {
  if (split == whole) return true;
  std::size_t refused = whole.find('!');
  if (refused == std::string::npos || split.compare(0, refused, whole, 0, refused) != 0) {
    return false;
  }
  std::string_view whole_refusal = std::string_view(whole).substr(refused);
  std::string_view split_refusal = std::string_view(split).substr(refused);
  return whole_refusal.starts_with("!400 HTTP_REQUEST_MALFORMED malformed request: HPE_") &&
         (split_refusal.starts_with("!431 HTTP_HEADERS_TOO_LARGE ") ||
          split_refusal.starts_with("!431 HTTP_HEADERS_TOO_MANY ") ||
          split_refusal.starts_with("!413 HTTP_BODY_TOO_LARGE "));
}

// Feeds `data` in the pieces that start at `cuts` (ascending, each in (0, size)), then returns
// the log. Never feeds an empty piece.
template <class Cuts>
std::string run(const Setup& setup, std::string_view data, const Cuts& cuts) {
  FuzzSink sink(setup);
  internal::RequestParser parser(setup.limits, sink);
  std::size_t at = 0;
  for (std::size_t cut : cuts) {
    if (cut <= at || cut >= data.size()) continue;
    parser.feed(data.data() + at, cut - at);
    at = cut;
  }
  if (at < data.size()) parser.feed(data.data() + at, data.size() - at);
  return sink.log;
}

struct Every {
  std::size_t step;
  std::size_t size;
  // The cuts step, 2*step, ... below size, as a range.
  struct Iterator {
    std::size_t value;
    std::size_t step;
    std::size_t operator*() const { return value; }
    Iterator& operator++() {
      value += step;
      return *this;
    }
    bool operator!=(const Iterator& other) const { return value < other.value; }
  };
  Iterator begin() const { return Iterator{step, step}; }
  Iterator end() const { return Iterator{size, step}; }
};

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer looks for
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, std::size_t size) {
  if (size == 0) return 0;
  uint8_t control = bytes[0];
  std::string_view data(reinterpret_cast<const char*>(bytes + 1), size - 1);
  Setup setup;
  if ((control & 1) != 0) {
    setup.limits = internal::RequestLimits{256, 8};
    setup.body_limit = 64;
  } else {
    net::ServerLimits defaults;
    setup.limits = internal::RequestLimits{defaults.max_header_bytes, defaults.max_headers};
    setup.body_limit = defaults.max_body_bytes;
  }
  setup.stream = (control & 2) != 0;
  setup.deny = (control & 4) != 0;
  std::size_t chunk = 1 + (control >> 3);

  const std::size_t none[] = {0};
  std::string whole = run(setup, data, none);
  if (!same_outcome(whole, run(setup, data, Every{1, data.size()}))) std::abort();
  if (!same_outcome(whole, run(setup, data, Every{chunk, data.size()}))) std::abort();
  // Split in two: at every boundary of a small input, at 200 spread boundaries of a large one.
  constexpr std::size_t kEveryBoundaryUpTo = 512;
  constexpr std::size_t kBoundaries = 200;
  bool small = data.size() <= kEveryBoundaryUpTo;
  std::size_t count = small ? data.size() : kBoundaries;
  for (std::size_t i = 1; i < count; ++i) {
    const std::size_t cut[] = {small ? i : i * data.size() / kBoundaries};
    if (!same_outcome(whole, run(setup, data, cut))) std::abort();
  }
  return 0;
}
