// A WebSocket load client for benchmarks/websocket_echo.mjs: wrk's role for WebSocket echo
// servers. Plain POSIX sockets and one epoll loop, no WebSocket library: it opens --connections
// connections to ws://127.0.0.1:PORT/PATH (checking the 101 and its Sec-WebSocket-Accept), then
// each sends --messages masked messages with at most --window unanswered, and checks every echo:
// the opcode, FIN, no mask, the length, the sequence number (so the order) and every other byte.
// Frames are built from a template masked once per connection (a random key per connection, as
// RFC 6455 section 5.3 asks), so a message costs the client a copy and a few bytes, far less than
// any server it measures: the server, not the client, limits the rate.
//
//   websocket_load --port N [--path /ws/echo] [--kind text32|binary4k] [--connections 16]
//                  [--messages 10000] [--window 64] [--timeout 120]
//
// text32: 32-byte text messages, ten digits of sequence number then filler; binary4k: 4096-byte
// binary messages, the sequence number in the first four bytes (little-endian), random bytes
// after. With --connections 1 --window 1 every round trip is timed. Prints one JSON line:
// {"messages":N,"seconds":S,"client_cpu":S[,"p50_us":X,"p99_us":Y]}; exit status 1 with a
// message on stderr for a wrong echo, a closed connection or the --timeout (seconds, whole run).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "websocket_load: %s\n", message.c_str());
  std::exit(1);
}

struct Options {
  int port = 0;
  std::string path = "/ws/echo";
  std::string kind = "text32";
  int connections = 16;
  long messages = 10000;
  long window = 64;
  int timeout_seconds = 120;
};

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (i + 1 >= argc) die("missing value for " + std::string(flag));
    const char* value = argv[++i];
    if (flag == "--port") {
      o.port = std::atoi(value);
    } else if (flag == "--path") {
      o.path = value;
    } else if (flag == "--kind") {
      o.kind = value;
    } else if (flag == "--connections") {
      o.connections = std::atoi(value);
    } else if (flag == "--messages") {
      o.messages = std::atol(value);
    } else if (flag == "--window") {
      o.window = std::atol(value);
    } else if (flag == "--timeout") {
      o.timeout_seconds = std::atoi(value);
    } else {
      die("unknown option " + std::string(flag));
    }
  }
  if (o.port <= 0 || o.port > 65535) die("--port is required (1-65535)");
  if (o.kind != "text32" && o.kind != "binary4k") die("--kind is text32 or binary4k");
  if (o.connections < 1 || o.messages < 1 || o.window < 1 || o.timeout_seconds < 1) {
    die("--connections, --messages, --window and --timeout must be positive");
  }
  return o;
}

// The message every connection sends, before its sequence number is written in.
struct Kind {
  bool text = true;
  std::string payload;
};

Kind make_kind(const std::string& name, std::mt19937_64& rng) {
  Kind k;
  if (name == "text32") {
    k.payload = std::string(10, '0') + "abcdefghijklmnopqrstuv";
  } else {
    k.text = false;
    k.payload.resize(4096);
    for (char& c : k.payload) c = static_cast<char>(rng());
  }
  return k;
}

// Writes `seq` into a payload (or its masked copy: `key` then applies, from offset 0).
void put_seq(const Kind& kind, uint64_t seq, char* payload, const std::array<uint8_t, 4>& key) {
  if (kind.text) {
    for (int i = 9; i >= 0; --i) {
      payload[i] = static_cast<char>(('0' + seq % 10) ^ key[static_cast<std::size_t>(i) % 4]);
      seq /= 10;
    }
  } else {
    for (std::size_t i = 0; i < 4; ++i) {
      payload[i] = static_cast<char>(static_cast<uint8_t>(seq >> (8 * i)) ^ key[i]);
    }
  }
}

struct Connection {
  int fd = -1;
  std::array<uint8_t, 4> key{};
  std::string frame;  // header + masked template: copied, then the sequence number is written in
  std::size_t payload_at = 0;
  std::string out;  // frames not yet written, from out_at
  std::size_t out_at = 0;
  std::vector<char> in;  // bytes read and not yet parsed, in[in_at, in_end)
  std::size_t in_at = 0;
  std::size_t in_end = 0;
  long sent = 0;
  long received = 0;
  Clock::time_point sent_at;
  bool want_write = false;
};

void set_nonblocking(int fd) {
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) die("fcntl failed");
}

// Connects and upgrades; bytes after the 101's headers stay in c.in.
void open_connection(Connection& c, const Options& o) {
  c.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (c.fd < 0) die("socket failed");
  int one = 1;
  setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(o.port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{5, 0};
  setsockopt(c.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (connect(c.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    die("cannot connect to 127.0.0.1:" + std::to_string(o.port) + ": " + std::strerror(errno));
  }
  // RFC 6455 section 1.3's example key, and the accept value it gives.
  std::string request = "GET " + o.path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(o.port) +
                        "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                        "Sec-WebSocket-Version: 13\r\n\r\n";
  if (send(c.fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    die("cannot send the upgrade request");
  }
  std::string head;
  std::array<char, 4096> buf{};
  std::size_t end = std::string::npos;
  while (end == std::string::npos) {
    ssize_t n = recv(c.fd, buf.data(), buf.size(), 0);
    if (n <= 0) die("no answer to the upgrade request");
    head.append(buf.data(), static_cast<std::size_t>(n));
    if (head.size() > 65536) die("an upgrade answer over 64 KiB");
    end = head.find("\r\n\r\n");
  }
  if (head.rfind("HTTP/1.1 101", 0) != 0 ||
      head.find("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") == std::string::npos) {
    die("not a WebSocket upgrade: " + head.substr(0, head.find("\r\n")));
  }
  c.in.resize(1 << 18);
  std::string rest = head.substr(end + 4);
  std::memcpy(c.in.data(), rest.data(), rest.size());
  c.in_end = rest.size();
  set_nonblocking(c.fd);
}

void build_frame(Connection& c, const Kind& kind, std::mt19937_64& rng) {
  for (uint8_t& b : c.key) b = static_cast<uint8_t>(rng());
  std::size_t n = kind.payload.size();
  c.frame.push_back(static_cast<char>(kind.text ? 0x81 : 0x82));
  if (n < 126) {
    c.frame.push_back(static_cast<char>(0x80 | n));
  } else {
    c.frame.push_back(static_cast<char>(0x80 | 126));
    c.frame.push_back(static_cast<char>(n >> 8));
    c.frame.push_back(static_cast<char>(n & 0xff));
  }
  c.frame.append(reinterpret_cast<const char*>(c.key.data()), 4);
  c.payload_at = c.frame.size();
  for (std::size_t i = 0; i < n; ++i) {
    c.frame.push_back(static_cast<char>(static_cast<uint8_t>(kind.payload[i]) ^ c.key[i % 4]));
  }
}

// Queues frames while the window allows.
void fill(Connection& c, const Kind& kind, const Options& o) {
  while (c.sent < o.messages && c.sent - c.received < o.window) {
    std::size_t at = c.out.size();
    c.out += c.frame;
    put_seq(kind, static_cast<uint64_t>(c.sent), c.out.data() + at + c.payload_at, c.key);
    if (c.sent == c.received) c.sent_at = Clock::now();
    ++c.sent;
  }
}

// Writes what it can; true when everything queued is written.
bool flush(Connection& c) {
  while (c.out_at < c.out.size()) {
    ssize_t n = send(c.fd, c.out.data() + c.out_at, c.out.size() - c.out_at, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return false;
      die(std::string("send failed: ") + std::strerror(errno));
    }
    c.out_at += static_cast<std::size_t>(n);
  }
  c.out.clear();
  c.out_at = 0;
  return true;
}

// Checks the echoes read so far; returns how many were complete.
long take_echoes(Connection& c, const Kind& kind, std::vector<double>* round_trips) {
  static const std::array<uint8_t, 4> kNoKey{};
  std::string expected_seq(kind.text ? 10 : 4, '\0');
  long taken = 0;
  const std::size_t n = kind.payload.size();
  const std::size_t header = n < 126 ? 2 : 4;
  while (c.in_end - c.in_at >= header) {
    const auto* p = reinterpret_cast<const uint8_t*>(c.in.data() + c.in_at);
    bool ok = p[0] == (kind.text ? 0x81 : 0x82) &&
              (n < 126 ? p[1] == n : (p[1] == 126 && p[2] == (n >> 8) && p[3] == (n & 0xff)));
    if (!ok) {
      die("connection " + std::to_string(c.fd) + ", echo " + std::to_string(c.received) +
          ": unexpected frame header");
    }
    if (c.in_end - c.in_at < header + n) break;
    const char* payload = c.in.data() + c.in_at + header;
    put_seq(kind, static_cast<uint64_t>(c.received), expected_seq.data(), kNoKey);
    std::size_t seq_bytes = expected_seq.size();
    if (std::memcmp(payload, expected_seq.data(), seq_bytes) != 0 ||
        std::memcmp(payload + seq_bytes, kind.payload.data() + seq_bytes, n - seq_bytes) != 0) {
      die("connection " + std::to_string(c.fd) + ", echo " + std::to_string(c.received) +
          ": wrong or out-of-order payload");
    }
    if (round_trips != nullptr) {
      round_trips->push_back(
          std::chrono::duration<double, std::micro>(Clock::now() - c.sent_at).count());
    }
    c.in_at += header + n;
    ++c.received;
    ++taken;
  }
  if (c.in_at == c.in_end) {
    c.in_at = c.in_end = 0;
  } else if (c.in_at > c.in.size() / 2) {
    std::memmove(c.in.data(), c.in.data() + c.in_at, c.in_end - c.in_at);
    c.in_end -= c.in_at;
    c.in_at = 0;
  }
  return taken;
}

// Sends a masked close (1000) and waits up to a second for the server's close or EOF.
void close_connection(Connection& c) {
  const std::array<uint8_t, 4> key = c.key;
  std::array<char, 8> frame = {static_cast<char>(0x88),          static_cast<char>(0x82),
                               static_cast<char>(key[0]),        static_cast<char>(key[1]),
                               static_cast<char>(key[2]),        static_cast<char>(key[3]),
                               static_cast<char>(0x03 ^ key[0]), static_cast<char>(0xe8 ^ key[1])};
  int flags = fcntl(c.fd, F_GETFL);
  fcntl(c.fd, F_SETFL, flags & ~O_NONBLOCK);
  timeval tv{1, 0};
  setsockopt(c.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (send(c.fd, frame.data(), frame.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(frame.size())) {
    std::array<char, 4096> buf{};
    for (int i = 0; i < 64; ++i) {
      ssize_t n = recv(c.fd, buf.data(), buf.size(), 0);
      if (n <= 0) break;
      if (n >= 2 && static_cast<uint8_t>(buf[0]) == 0x88) break;
    }
  }
  close(c.fd);
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_options(argc, argv);
  std::mt19937_64 rng(std::random_device{}());
  const Kind kind = make_kind(o.kind, rng);
  const bool timed = o.connections == 1 && o.window == 1;
  std::vector<double> round_trips;
  if (timed) round_trips.reserve(static_cast<std::size_t>(o.messages));

  std::vector<Connection> conns(static_cast<std::size_t>(o.connections));
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) die("epoll_create1 failed");
  for (std::size_t i = 0; i < conns.size(); ++i) {
    open_connection(conns[i], o);
    build_frame(conns[i], kind, rng);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev) != 0) die("epoll_ctl failed");
  }

  const Clock::time_point deadline = Clock::now() + std::chrono::seconds(o.timeout_seconds);
  const double cpu0 = cpu_seconds();
  const Clock::time_point t0 = Clock::now();
  const long total = o.messages * o.connections;
  long done = 0;
  auto pump = [&](std::size_t i) {
    Connection& c = conns[i];
    fill(c, kind, o);
    bool written = flush(c);
    if (written != !c.want_write) return;
    c.want_write = !written;
    epoll_event ev{};
    ev.events = EPOLLIN | (c.want_write ? EPOLLOUT : 0U);
    ev.data.u64 = i;
    if (epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev) != 0) die("epoll_ctl failed");
  };
  for (std::size_t i = 0; i < conns.size(); ++i) {
    done += take_echoes(conns[i], kind, timed ? &round_trips : nullptr);
    pump(i);
  }
  std::array<epoll_event, 64> events{};
  while (done < total) {
    if (Clock::now() > deadline) {
      die("timed out after " + std::to_string(o.timeout_seconds) + " s with " +
          std::to_string(done) + " of " + std::to_string(total) + " echoes");
    }
    int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 1000);
    if (n < 0 && errno != EINTR) die("epoll_wait failed");
    for (int e = 0; e < n; ++e) {
      std::size_t i = events[static_cast<std::size_t>(e)].data.u64;
      Connection& c = conns[i];
      if ((events[static_cast<std::size_t>(e)].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0) {
        for (;;) {
          if (c.in_end == c.in.size()) break;  // a full buffer: take echoes first
          ssize_t got = recv(c.fd, c.in.data() + c.in_end, c.in.size() - c.in_end, 0);
          if (got > 0) {
            c.in_end += static_cast<std::size_t>(got);
            if (c.in_end < c.in.size()) break;
            continue;
          }
          if (got == 0) {
            die("connection " + std::to_string(i) + " closed after " + std::to_string(c.received) +
                " echoes");
          }
          if (errno == EAGAIN || errno == EWOULDBLOCK) break;
          die(std::string("recv failed: ") + std::strerror(errno));
        }
        done += take_echoes(c, kind, timed ? &round_trips : nullptr);
      }
      pump(i);
    }
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  const double cpu = cpu_seconds() - cpu0;
  for (Connection& c : conns) close_connection(c);
  close(ep);

  std::string json = "{\"messages\":" + std::to_string(total) +
                     ",\"seconds\":" + std::to_string(seconds) +
                     ",\"client_cpu\":" + std::to_string(cpu);
  if (timed) {
    std::sort(round_trips.begin(), round_trips.end());
    auto pick = [&](double q) {
      return round_trips[std::min(
          round_trips.size() - 1,
          static_cast<std::size_t>(q * static_cast<double>(round_trips.size())))];
    };
    json +=
        ",\"p50_us\":" + std::to_string(pick(0.5)) + ",\"p99_us\":" + std::to_string(pick(0.99));
  }
  json += "}";
  std::puts(json.c_str());
  return 0;
}
