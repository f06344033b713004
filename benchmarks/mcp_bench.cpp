// MCP benchmarks: one tools/call round trip of an `echo` tool (about 100 bytes of text), each
// figure paired with the peer it is judged against in the same binary:
//
//   BM_McpToolsCallInProcess        Session::handle() of the tools/call line on a session
//                                   initialized once: decode, lifecycle, lookup, schema check of
//                                   the arguments, the handler, the result, encode
//   BM_JsonParseSerializeBaseline   the bare JSON work of the same call with nlohmann/json alone:
//                                   parse the same line, build the same response object the
//                                   server sends (checked equal at set-up) and dump it
//   BM_McpToolsCallStdio            serve_stdio() on a thread over two pipes; each iteration
//                                   writes the line and reads the one-line answer
//   BM_PipeRoundTripBaseline        the same bytes through the same kind of pipe pair, answered
//                                   by an echo thread that sends the recorded reply line back
//                                   for each line it reads (no JSON)
//
// The issue's goal: the protocol layer costs at most 2x the bare JSON work.
//   in-process ratio = InProcess / JsonBaseline
//   stdio ratio      = (Stdio - PipeBaseline) / JsonBaseline
// Run pinned to one CPU (taskset -c 0 build/benchmarks/mcp_bench ...): unpinned, the pipe figures
// swing with thread placement. Results: docs/performance.md ("MCP").
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstddef>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include "cairn/mcp/server.hpp"
#include "cairn/mcp/stdio.hpp"

namespace {

using namespace cairn;  // NOLINT(google-build-using-namespace): benchmark file
using nlohmann::json;

// ~100 bytes of text for the echo tool.
constexpr std::size_t kTextBytes = 100;

std::string call_line() {
  return json{
      {"jsonrpc", "2.0"},
      {"id", 2},
      {"method", "tools/call"},
      {"params", {{"name", "echo"}, {"arguments", {{"text", std::string(kTextBytes, 'x')}}}}}}
      .dump();
}

const char kInitializeLine[] =
    R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18",)"
    R"("capabilities":{},"clientInfo":{"name":"mcp_bench","version":"1"}}})";
const char kInitializedLine[] = R"({"jsonrpc":"2.0","method":"notifications/initialized"})";

// A server with the one `echo` tool ({text: string} -> {text}), as cairn-mcp-example has it.
std::unique_ptr<mcp::Server> make_server() {
  mcp::ServerOptions options;
  options.info.name = "mcp_bench";
  auto server = std::make_unique<mcp::Server>(std::move(options));
  mcp::Tool echo;
  echo.name = "echo";
  echo.description = "Answers with the text it was given.";
  echo.input_schema = {{"type", "object"},
                       {"properties", {{"text", {{"type", "string"}}}}},
                       {"required", {"text"}},
                       {"additionalProperties", false}};
  echo.output_schema = json{
      {"type", "object"}, {"properties", {{"text", {{"type", "string"}}}}}, {"required", {"text"}}};
  echo.read_only = true;
  echo.handler = [](const json& args, const mcp::Context&) -> Result<json> {
    return json{{"text", args.at("text")}};
  };
  if (auto added = server->add_tool(std::move(echo)); !added) return nullptr;
  return server;
}

// A session through initialize and notifications/initialized; null when that fails.
std::shared_ptr<mcp::Session> initialized_session(mcp::Server& server) {
  mcp::SessionOptions who;
  who.subject = "bench";
  auto session = server.open_session(std::move(who));
  std::string reply = session->handle(kInitializeLine);
  if (reply.find("\"result\"") == std::string::npos) return nullptr;
  session->handle(kInitializedLine);
  return session->initialized() ? session : nullptr;
}

// The answer the server gives to call_line(), or "" when it is not a successful echo.
std::string reference_reply() {
  auto server = make_server();
  if (!server) return "";
  auto session = initialized_session(*server);
  if (!session) return "";
  std::string reply = session->handle(call_line());
  json parsed = json::parse(reply, nullptr, false);
  if (parsed.is_discarded() || !parsed.contains("result")) return "";
  if (parsed["result"].value("isError", false)) return "";
  return reply;
}

// The response the baseline builds for `request`, by hand with nlohmann/json: the same object
// Session sends for the echo tool (content text = the structured result, compact).
json baseline_response(const json& request) {
  json structured = {{"text", request["params"]["arguments"]["text"]}};
  json content = json::array({{{"type", "text"}, {"text", structured.dump()}}});
  return json{{"jsonrpc", "2.0"},
              {"id", request["id"]},
              {"result",
               {{"content", std::move(content)},
                {"structuredContent", std::move(structured)},
                {"isError", false}}}};
}

// NOLINTNEXTLINE(readability-identifier-naming): Google Benchmark's BM_ names
void BM_McpToolsCallInProcess(benchmark::State& state) {
  auto server = make_server();
  auto session = server ? initialized_session(*server) : nullptr;
  if (!session) {
    state.SkipWithError("could not set up an initialized session");
    return;
  }
  const std::string line = call_line();
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores)
    std::string reply = session->handle(line);
    benchmark::DoNotOptimize(reply);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_McpToolsCallInProcess);

// NOLINTNEXTLINE(readability-identifier-naming): Google Benchmark's BM_ names
void BM_JsonParseSerializeBaseline(benchmark::State& state) {
  const std::string line = call_line();
  // The peer must do the same JSON work: its output must be the server's answer.
  std::string reference = reference_reply();
  if (reference.empty() || json::parse(reference) != baseline_response(json::parse(line))) {
    state.SkipWithError("the baseline's response differs from the server's");
    return;
  }
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores)
    json request = json::parse(line);
    std::string reply = baseline_response(request).dump();
    benchmark::DoNotOptimize(reply);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_JsonParseSerializeBaseline);

// Two pipes: requests flow to_server (the bench writes, the server reads), answers
// from_server (the server writes, the bench reads).
struct PipePair {
  std::array<int, 2> to_server{-1, -1};
  std::array<int, 2> from_server{-1, -1};

  bool open() { return ::pipe(to_server.data()) == 0 && ::pipe(from_server.data()) == 0; }
  static void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  ~PipePair() {
    for (int* fd : {&to_server[0], &to_server[1], &from_server[0], &from_server[1]}) close_fd(*fd);
  }
  PipePair() = default;
  PipePair(const PipePair&) = delete;
  PipePair& operator=(const PipePair&) = delete;
};

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Reads newline-terminated lines from a descriptor, keeping what follows a line for the next.
class LineReader {
 public:
  explicit LineReader(int fd) : fd_(fd) {}
  // The next line without its newline; false at EOF or on an error.
  bool next(std::string& line) {
    for (;;) {
      if (auto nl = buffer_.find('\n', scanned_); nl != std::string::npos) {
        line.assign(buffer_, 0, nl);
        buffer_.erase(0, nl + 1);
        scanned_ = 0;
        return true;
      }
      scanned_ = buffer_.size();
      std::array<char, 65536> chunk{};
      ssize_t n = ::read(fd_, chunk.data(), chunk.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      buffer_.append(chunk.data(), static_cast<size_t>(n));
    }
  }

 private:
  int fd_;
  std::string buffer_;
  size_t scanned_ = 0;
};

// NOLINTNEXTLINE(readability-identifier-naming): Google Benchmark's BM_ names
void BM_McpToolsCallStdio(benchmark::State& state) {
  std::signal(SIGPIPE, SIG_IGN);
  auto server = make_server();
  PipePair pipes;
  if (!server || !pipes.open()) {
    state.SkipWithError("could not set up the server or the pipes");
    return;
  }
  mcp::StdioOptions stdio;
  stdio.input_fd = pipes.to_server[0];
  stdio.output_fd = pipes.from_server[1];
  std::thread serving([&] { (void)mcp::serve_stdio(*server, {}, stdio); });
  LineReader answers(pipes.from_server[0]);
  std::string reply;
  bool ready = write_all(pipes.to_server[1], std::string(kInitializeLine) + "\n") &&
               answers.next(reply) && reply.find("\"result\"") != std::string::npos &&
               write_all(pipes.to_server[1], std::string(kInitializedLine) + "\n");
  const std::string line = call_line() + "\n";
  // The first call also proves the answer is a successful echo.
  ready = ready && write_all(pipes.to_server[1], line) && answers.next(reply) &&
          reply.find("\"isError\":false") != std::string::npos;
  if (!ready) {
    state.SkipWithError("serve_stdio did not answer initialize and one call");
  } else {
    for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores)
      if (!write_all(pipes.to_server[1], line) || !answers.next(reply)) {
        state.SkipWithError("the pipe round trip failed");
        break;
      }
      benchmark::DoNotOptimize(reply);
    }
    state.SetItemsProcessed(state.iterations());
  }
  PipePair::close_fd(pipes.to_server[1]);  // EOF: serve_stdio finishes and returns
  serving.join();
}
BENCHMARK(BM_McpToolsCallStdio)->UseRealTime();

// NOLINTNEXTLINE(readability-identifier-naming): Google Benchmark's BM_ names
void BM_PipeRoundTripBaseline(benchmark::State& state) {
  std::signal(SIGPIPE, SIG_IGN);
  std::string answer = reference_reply();
  PipePair pipes;
  if (answer.empty() || !pipes.open()) {
    state.SkipWithError("could not record the reply or open the pipes");
    return;
  }
  answer += "\n";
  // The echo thread: for every line read, the recorded reply line back.
  std::thread echo([&] {
    LineReader requests(pipes.to_server[0]);
    std::string request;
    while (requests.next(request)) {
      if (!write_all(pipes.from_server[1], answer)) break;
    }
  });
  LineReader answers(pipes.from_server[0]);
  const std::string line = call_line() + "\n";
  std::string reply;
  for (auto _ : state) {  // NOLINT(clang-analyzer-deadcode.DeadStores)
    if (!write_all(pipes.to_server[1], line) || !answers.next(reply)) {
      state.SkipWithError("the pipe round trip failed");
      break;
    }
    benchmark::DoNotOptimize(reply);
  }
  state.SetItemsProcessed(state.iterations());
  PipePair::close_fd(pipes.to_server[1]);  // EOF: the echo thread returns
  echo.join();
}
BENCHMARK(BM_PipeRoundTripBaseline)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
