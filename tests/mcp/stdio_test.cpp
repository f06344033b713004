// cairn::mcp::serve_stdio over real pipes: serve_stdio runs on a thread of its own, the test writes
// lines into its input and reads lines from its output. Every read waits at most a few seconds
// (hang protection, not a timing assertion).
#include "cairn/mcp/stdio.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cairn/mcp/jsonrpc.hpp"

namespace cairn::mcp {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr int kReadWaitMillis = 5000;

// Something a handler waits for, opened by the test.
struct Gate {
  std::atomic<bool> open{false};
  std::atomic<int> started{0};
  std::atomic<int> running{0};
  std::atomic<int> most_running{0};
  std::atomic<int> finished{0};
  std::atomic<bool> saw_cancel{false};

  // Waits (at most ~10 s) until opened or `ctx` is cancelled.
  void wait(const Context& ctx) {
    started.fetch_add(1);
    int now = running.fetch_add(1) + 1;
    int most = most_running.load();
    while (now > most && !most_running.compare_exchange_weak(most, now)) {
    }
    for (int i = 0; i < 10000 && !open.load() && !ctx.cancelled(); ++i) {
      std::this_thread::sleep_for(1ms);
    }
    if (ctx.cancelled()) saw_cancel.store(true);
    running.fetch_sub(1);
    finished.fetch_add(1);
  }
};

// Polls `done` up to `tries` times, 1 ms apart.
template <class F>
bool eventually(F done, int tries = 5000) {
  for (int i = 0; i < tries; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(1ms);
  }
  return done();
}

json object_schema(const json& properties, const json& required) {
  return json{{"type", "object"}, {"properties", properties}, {"required", required}};
}

// A server with an echo tool, a slow tool waiting on a gate, and a tool that logs.
std::unique_ptr<Server> make_server(Gate& gate, std::size_t max_message_bytes) {
  ServerOptions options;
  options.info.name = "stdio-test";
  options.max_message_bytes = max_message_bytes;
  auto server = std::make_unique<Server>(options);

  Tool echo;
  echo.name = "echo";
  echo.description = "Answers with its text.";
  echo.input_schema = object_schema({{"text", {{"type", "string"}}}}, {"text"});
  echo.read_only = true;
  echo.handler = [](const json& args, const Context&) -> Result<json> {
    return json{{"text", args.at("text")}};
  };
  EXPECT_TRUE(server->add_tool(std::move(echo)));

  Tool slow;
  slow.name = "slow";
  slow.description = "Waits for the test.";
  slow.handler = [&gate](const json&, const Context& ctx) -> Result<json> {
    gate.wait(ctx);
    return json{{"done", true}};
  };
  EXPECT_TRUE(server->add_tool(std::move(slow)));

  Tool chatty;
  chatty.name = "chatty";
  chatty.description = "Logs a warning, then answers.";
  chatty.handler = [](const json&, const Context& ctx) -> Result<json> {
    ctx.log(LogLevel::kWarning, json{{"note", "careful"}});
    return json{{"ok", true}};
  };
  EXPECT_TRUE(server->add_tool(std::move(chatty)));
  return server;
}

// serve_stdio on a thread, between two pipes.
class StdioHarness {
 public:
  explicit StdioHarness(Server& server, unsigned max_concurrent_calls = 4) {
    EXPECT_EQ(::pipe2(in_, O_CLOEXEC), 0);
    EXPECT_EQ(::pipe2(out_, O_CLOEXEC), 0);
    StdioOptions options;
    options.input_fd = in_[0];
    options.output_fd = out_[1];
    options.max_concurrent_calls = max_concurrent_calls;
    SessionOptions session;
    session.subject = "local";
    session.scopes = {"*"};
    thread_ = std::thread([this, &server, session, options] {
      status_ = serve_stdio(server, session, options);
      returned_.store(true);
    });
  }
  ~StdioHarness() {
    close_input();
    if (thread_.joinable()) thread_.join();
    for (int fd : {in_[0], out_[0], out_[1]}) {
      if (fd >= 0) ::close(fd);
    }
  }
  StdioHarness(const StdioHarness&) = delete;
  StdioHarness& operator=(const StdioHarness&) = delete;

  void write_raw(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::write(in_[1], bytes.data(), bytes.size());
      if (n <= 0) return;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  void send(const json& message) { write_raw(message.dump() + "\n"); }

  // The next output line, or nullopt when none comes within `wait_ms` (or the output ended).
  std::optional<std::string> read_line(int wait_ms = kReadWaitMillis) {
    for (int round = 0; round < 1000; ++round) {
      std::size_t nl = pending_.find('\n');
      if (nl != std::string::npos) {
        std::string line = pending_.substr(0, nl);
        pending_.erase(0, nl + 1);
        return line;
      }
      pollfd p{out_[0], POLLIN, 0};
      if (::poll(&p, 1, wait_ms) <= 0) return std::nullopt;
      char buf[4096];
      ssize_t n = ::read(out_[0], buf, sizeof buf);
      if (n <= 0) return std::nullopt;
      pending_.append(buf, static_cast<std::size_t>(n));
    }
    return std::nullopt;
  }
  // The next output line as JSON (null when none came or it is not JSON).
  json read_message(int wait_ms = kReadWaitMillis) {
    std::optional<std::string> line = read_line(wait_ms);
    if (!line) return nullptr;
    json parsed = json::parse(*line, nullptr, false);
    return parsed.is_discarded() ? json(nullptr) : parsed;
  }

  void close_input() {
    if (in_[1] >= 0) ::close(in_[1]);
    in_[1] = -1;
  }
  void close_output_reader() {
    ::close(out_[0]);
    out_[0] = -1;
  }
  // Waits for serve_stdio to return; then the output is closed so that reads end.
  Status join() {
    thread_.join();
    ::close(out_[1]);
    out_[1] = -1;
    return status_;
  }
  bool returned() const { return returned_.load(); }

  // initialize and notifications/initialized; the initialize result.
  json handshake() {
    send(jsonrpc::make_request(0, "initialize",
                               {{"protocolVersion", "2025-06-18"},
                                {"capabilities", json::object()},
                                {"clientInfo", {{"name", "test"}, {"version", "1"}}}}));
    json reply = read_message();
    send(jsonrpc::make_notification("notifications/initialized"));
    return reply;
  }

 private:
  int in_[2] = {-1, -1};
  int out_[2] = {-1, -1};
  std::thread thread_;
  Status status_;
  std::atomic<bool> returned_{false};
  std::string pending_;
};

std::string reason_of(const json& reply) {
  const json* reason = nullptr;
  if (reply.is_object() && reply.contains("error") && reply["error"].contains("data")) {
    reason = &reply["error"]["data"]["reason"];
  }
  return reason != nullptr && reason->is_string() ? reason->get<std::string>() : "";
}

TEST(StdioTest, InitializeListAndCallRoundTrip) {
  Gate gate;
  auto server = make_server(gate, jsonrpc::kDefaultMaxMessageBytes);
  StdioHarness io(*server);
  json init = io.handshake();
  EXPECT_EQ(init["id"], 0);
  EXPECT_EQ(init["result"]["protocolVersion"], "2025-06-18");
  EXPECT_EQ(init["result"]["serverInfo"]["name"], "stdio-test");

  io.send(jsonrpc::make_request("list-1", "tools/list", json::object()));
  json list = io.read_message();
  EXPECT_EQ(list["id"], "list-1");
  ASSERT_TRUE(list["result"]["tools"].is_array()) << list;
  bool has_echo = false;
  for (const json& tool : list["result"]["tools"]) has_echo = has_echo || tool["name"] == "echo";
  EXPECT_TRUE(has_echo) << list;

  io.send(
      jsonrpc::make_request(7, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "hi"}}}}));
  json call = io.read_message();
  EXPECT_EQ(call["id"], 7);
  EXPECT_EQ(call["result"]["structuredContent"]["text"], "hi") << call;
  EXPECT_NE(call["result"].value("isError", false), true);

  io.close_input();
  Status status = io.join();
  EXPECT_TRUE(status.has_value());
  EXPECT_FALSE(io.read_line(100).has_value());  // nothing else was written
}

TEST(StdioTest, SkipsBlankLinesAndAcceptsCrLf) {
  Gate gate;
  auto server = make_server(gate, jsonrpc::kDefaultMaxMessageBytes);
  StdioHarness io(*server);
  io.write_raw("\n   \n\r\n\t\n");
  io.write_raw(R"({"jsonrpc":"2.0","id":"p","method":"ping"})"
               "\r\n");
  json pong = io.read_message();
  EXPECT_EQ(pong["id"], "p");
  EXPECT_TRUE(pong["result"].is_object()) << pong;
  io.close_input();
  EXPECT_TRUE(io.join().has_value());
}

TEST(StdioTest, TooLongLineIsRefusedAndTheNextLineStillWorks) {
  Gate gate;
  auto server = make_server(gate, 256);
  StdioHarness io(*server);
  // Far longer than the pipe's buffer, so it arrives in many reads.
  std::string huge = R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":")" +
                     std::string(300000, 'x') + "\"}}\n";
  io.write_raw(huge);
  json refused = io.read_message();
  EXPECT_EQ(refused["error"]["code"], jsonrpc::kInvalidRequest) << refused;
  EXPECT_EQ(reason_of(refused), "MCP_MESSAGE_TOO_LARGE");
  EXPECT_TRUE(refused["id"].is_null());

  // Just over the limit (257 bytes): refused too.
  std::string prefix = R"({"jsonrpc":"2.0","id":2,"method":"ping","params":{"pad":")";
  std::string suffix = "\"}}";
  std::string over = prefix + std::string(257 - prefix.size() - suffix.size(), 'y') + suffix;
  ASSERT_EQ(over.size(), 257U);
  io.write_raw(over + "\n");
  json refused_again = io.read_message();
  EXPECT_EQ(reason_of(refused_again), "MCP_MESSAGE_TOO_LARGE") << refused_again;

  // Exactly at the limit, with "\r\n": taken.
  std::string at = R"({"jsonrpc":"2.0","id":3,"method":"ping","params":{"pad":")" +
                   std::string(256 - prefix.size() - suffix.size(), 'z') + suffix;
  ASSERT_EQ(at.size(), 256U);
  io.write_raw(at + "\r\n");
  json pong = io.read_message();
  EXPECT_EQ(pong["id"], 3) << pong;
  EXPECT_TRUE(pong.contains("result")) << pong;

  io.send(jsonrpc::make_request(4, "ping"));
  EXPECT_EQ(io.read_message()["id"], 4);
  io.close_input();
  EXPECT_TRUE(io.join().has_value());
}

TEST(StdioTest, TooLongLineErrorPassesThroughTheDialectsRewrite) {
  Gate gate;
  auto server = make_server(gate, 256);
  Dialect dialect;
  dialect.dispatch = [](const jsonrpc::Incoming&, Session&, std::optional<json>&) { return false; };
  dialect.rewrite_error = [](jsonrpc::ErrorObject& error) {
    if (error.reason == "MCP_MESSAGE_TOO_LARGE") {
      error.code = -1;
      error.message = "too long";
    }
  };
  server->set_dialect(std::move(dialect));
  StdioHarness io(*server);
  io.write_raw(std::string(1000, ' ') + "x\n");
  json refused = io.read_message();
  EXPECT_EQ(refused["error"]["code"], -1) << refused;
  EXPECT_EQ(refused["error"]["message"], "too long");
  EXPECT_EQ(reason_of(refused), "MCP_MESSAGE_TOO_LARGE");
  io.close_input();
  EXPECT_TRUE(io.join().has_value());
}

TEST(StdioTest, TooLongLastLineWithoutNewlineIsRefusedAtEndOfInput) {
  Gate gate;
  auto server = make_server(gate, 256);
  StdioHarness io(*server);
  io.write_raw(std::string(1000, '{'));
  io.close_input();
  json refused = io.read_message();
  EXPECT_EQ(reason_of(refused), "MCP_MESSAGE_TOO_LARGE") << refused;
  EXPECT_TRUE(io.join().has_value());
}

TEST(StdioTest, TruncatedJsonIsAParseError) {
  Gate gate;
  auto server = make_server(gate, jsonrpc::kDefaultMaxMessageBytes);
  StdioHarness io(*server);
  io.write_raw(R"({"jsonrpc":"2.0","id":1,"method":"pi)"
               "\n");
  json error = io.read_message();
  EXPECT_EQ(error["error"]["code"], jsonrpc::kParseError) << error;
  EXPECT_EQ(reason_of(error), "MCP_PARSE_ERROR");
  EXPECT_TRUE(error["id"].is_null());
  io.send(jsonrpc::make_request(2, "ping"));
  EXPECT_EQ(io.read_message()["id"], 2);
  io.close_input();
  EXPECT_TRUE(io.join().has_value());
}

TEST(StdioTest, LastLineWithoutNewlineIsAnswered) {
  Gate gate;
  auto server = make_server(gate, jsonrpc::kDefaultMaxMessageBytes);
  StdioHarness io(*server);
  io.write_raw(R"({"jsonrpc":"2.0","id":"last","method":"ping"})");
  io.close_input();
  EXPECT_EQ(io.read_message()["id"], "last");
  EXPECT_TRUE(io.join().has_value());
}

TEST(StdioTest, EndOfInputWaitsForCallsInFlightAndWritesTheirAnswers) {
  Gate gate;
  auto server = make_server(gate, jsonrpc::kDefaultMaxMessageBytes);
  StdioHarness io(*server);
  io.handshake();
  io.send(
      jsonrpc::make_request(9, "tools/call", {{"name", "slow"}, {"arguments", json::object()}}));
  ASSERT_TRUE(eventually([&] { return gate.started.load() == 1; }));
  io.close_input();
  // serve_stdio must still be running while the call is: give a wrong one a moment to return.
  EXPECT_FALSE(eventually([&] { return io.returned(); }, 300));
  gate.open.store(true);
  Status status = io.join();
  EXPECT_TRUE(status.has_value());
  json answer = io.read_message();
  EXPECT_EQ(answer["id"], 9) << answer;
  EXPECT_EQ(answer["result"]["structuredContent"]["done"], true) << answer;
}

TEST(StdioTest, CancelledCallIsNotAnswered) {
  Gate gate;
  auto server = make_server(gate, jsonrpc::kDefaultMaxMessageBytes);
  StdioHarness io(*server);
  io.handshake();
  io.send(
      jsonrpc::make_request(5, "tools/call", {{"name", "slow"}, {"arguments", json::object()}}));
  ASSERT_TRUE(eventually([&] { return gate.started.load() == 1; }));
  io.send(jsonrpc::make_notification("notifications/cancelled", {{"requestId", 5}}));
  ASSERT_TRUE(eventually([&] { return gate.finished.load() == 1; }));
  EXPECT_TRUE(gate.saw_cancel.load());
  io.send(jsonrpc::make_request(6, "ping"));
  io.close_input();
  EXPECT_TRUE(io.join().has_value());
  json only = io.read_message();
  EXPECT_EQ(only["id"], 6) << only;
  EXPECT_FALSE(io.read_line(100).has_value());  // no answer for id 5, ever
}

TEST(StdioTest, HandlerLogMessagesReachTheOutput) {
  Gate gate;
  auto server = make_server(gate, jsonrpc::kDefaultMaxMessageBytes);
  StdioHarness io(*server);
  io.handshake();
  io.send(
      jsonrpc::make_request(3, "tools/call", {{"name", "chatty"}, {"arguments", json::object()}}));
  json log = io.read_message();
  EXPECT_EQ(log["method"], "notifications/message") << log;
  EXPECT_EQ(log["params"]["level"], "warning");
  EXPECT_EQ(log["params"]["data"]["note"], "careful");
  EXPECT_FALSE(log.contains("id"));
  json answer = io.read_message();
  EXPECT_EQ(answer["id"], 3) << answer;
  EXPECT_EQ(answer["result"]["structuredContent"]["ok"], true);
  io.close_input();
  EXPECT_TRUE(io.join().has_value());
}

TEST(StdioTest, NeverRunsMoreCallsThanAllowed) {
  Gate gate;
  auto server = make_server(gate, jsonrpc::kDefaultMaxMessageBytes);
  StdioHarness io(*server, 2);
  io.handshake();
  for (int id = 1; id <= 3; ++id) {
    io.send(
        jsonrpc::make_request(id, "tools/call", {{"name", "slow"}, {"arguments", json::object()}}));
  }
  io.send(jsonrpc::make_request(4, "ping"));
  ASSERT_TRUE(eventually([&] { return gate.started.load() == 2; }));
  // Both workers are busy: the third call waits in the queue, but the reader goes on, so the
  // ping that follows it is answered at once.
  json pong = io.read_message();
  EXPECT_EQ(pong["id"], 4) << pong;
  EXPECT_TRUE(pong["result"].is_object()) << pong;
  EXPECT_EQ(gate.started.load(), 2);
  gate.open.store(true);
  int answered = 0;
  for (int i = 0; i < 3; ++i) answered += io.read_message().contains("id") ? 1 : 0;
  EXPECT_EQ(answered, 3);
  EXPECT_EQ(gate.started.load(), 3);
  EXPECT_EQ(gate.most_running.load(), 2);
  io.close_input();
  EXPECT_TRUE(io.join().has_value());
}

TEST(StdioTest, CancelReachesARunningCallWhileEveryWorkerIsBusy) {
  Gate gate;
  auto server = make_server(gate, jsonrpc::kDefaultMaxMessageBytes);
  StdioHarness io(*server, 1);
  io.handshake();
  io.send(
      jsonrpc::make_request(1, "tools/call", {{"name", "slow"}, {"arguments", json::object()}}));
  ASSERT_TRUE(eventually([&] { return gate.started.load() == 1; }));
  // The only worker is busy; this call waits in the queue.
  io.send(
      jsonrpc::make_request(2, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "b"}}}}));
  io.send(jsonrpc::make_notification("notifications/cancelled", {{"requestId", 1}}));
  // The gate stays shut: only the cancel can end call 1.
  ASSERT_TRUE(eventually([&] { return gate.finished.load() == 1; }));
  EXPECT_TRUE(gate.saw_cancel.load());
  json answer = io.read_message();
  EXPECT_EQ(answer["id"], 2) << answer;
  EXPECT_EQ(answer["result"]["structuredContent"]["text"], "b") << answer;
  io.close_input();
  EXPECT_TRUE(io.join().has_value());
  EXPECT_FALSE(io.read_line(100).has_value());  // no answer for id 1
}

TEST(StdioTest, QueuedCallCancelledBeforeItStartsIsNotAnswered) {
  Gate gate;
  auto server = make_server(gate, jsonrpc::kDefaultMaxMessageBytes);
  StdioHarness io(*server, 1);
  io.handshake();
  io.send(
      jsonrpc::make_request(1, "tools/call", {{"name", "slow"}, {"arguments", json::object()}}));
  ASSERT_TRUE(eventually([&] { return gate.started.load() == 1; }));
  io.send(
      jsonrpc::make_request(2, "tools/call", {{"name", "slow"}, {"arguments", json::object()}}));
  io.send(jsonrpc::make_notification("notifications/cancelled", {{"requestId", 2}}));
  io.send(jsonrpc::make_request(3, "ping"));
  EXPECT_EQ(io.read_message()["id"], 3);  // read while call 1 runs and call 2 waits
  gate.open.store(true);
  json answer = io.read_message();
  EXPECT_EQ(answer["id"], 1) << answer;
  io.close_input();
  EXPECT_TRUE(io.join().has_value());
  EXPECT_FALSE(io.read_line(100).has_value());  // no answer for id 2
  EXPECT_EQ(gate.most_running.load(), 1);
}

TEST(StdioTest, ManyQueuedCallsAreAllAnswered) {
  Gate gate;
  auto server = make_server(gate, jsonrpc::kDefaultMaxMessageBytes);
  StdioHarness io(*server, 2);
  io.handshake();
  // More calls than workers and queue together: the reader waits for room, then goes on.
  constexpr int kCalls = 200;
  std::thread writer([&] {
    for (int id = 1; id <= kCalls; ++id) {
      io.send(jsonrpc::make_request(
          id, "tools/call", {{"name", "echo"}, {"arguments", {{"text", std::to_string(id)}}}}));
    }
    io.close_input();
  });
  std::vector<bool> seen(kCalls + 1, false);
  int answered = 0;
  for (int i = 0; i < kCalls; ++i) {
    json answer = io.read_message();
    if (!answer.contains("id") || !answer["id"].is_number_integer()) break;
    int id = answer["id"].get<int>();
    ASSERT_TRUE(id >= 1 && id <= kCalls) << answer;
    EXPECT_FALSE(seen[id]) << id;
    EXPECT_EQ(answer["result"]["structuredContent"]["text"], std::to_string(id)) << answer;
    seen[id] = true;
    ++answered;
  }
  writer.join();
  EXPECT_EQ(answered, kCalls);
  EXPECT_TRUE(io.join().has_value());
}

TEST(StdioTest, BrokenOutputEndsWithStdioFailed) {
  std::signal(SIGPIPE, SIG_IGN);  // the caller's job, per stdio.hpp
  Gate gate;
  auto server = make_server(gate, jsonrpc::kDefaultMaxMessageBytes);
  StdioHarness io(*server);
  io.close_output_reader();
  io.send(jsonrpc::make_request(1, "ping"));
  Status status = io.join();
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(status.error().reason, "MCP_STDIO_FAILED");
}

TEST(StdioTest, UnreadableInputEndsWithStdioFailed) {
  Gate gate;
  auto server = make_server(gate, jsonrpc::kDefaultMaxMessageBytes);
  int write_only = ::open("/dev/null", O_WRONLY | O_CLOEXEC);  // polls readable, cannot be read
  ASSERT_GE(write_only, 0);
  StdioOptions options;
  options.input_fd = write_only;
  options.output_fd = write_only;
  Status status = serve_stdio(*server, {}, options);
  ::close(write_only);
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().reason, "MCP_STDIO_FAILED");
}

}  // namespace
}  // namespace cairn::mcp
