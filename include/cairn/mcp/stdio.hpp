// cairn::mcp::serve_stdio: the stdio transport. One session; newline-delimited JSON-RPC in on a
// file descriptor (stdin), answers out on another (stdout), one message per line, each written
// whole and flushed at once. Nothing but protocol goes to the output: servers log to stderr.
//
// Example:
//   mcp::Server server({.info = {.name = "cairn-board"}});
//   mcp::Tool ping{.name = "ping_board", .read_only = true};
//   ping.handler = [](const nlohmann::json&, const mcp::Context&) -> Result<nlohmann::json> {
//     return nlohmann::json{{"ok", true}};
//   };
//   CAIRN_TRY(server.add_tool(std::move(ping)));
//   CAIRN_TRY(mcp::serve_stdio(server, {.subject = "local"}));  // returns at end of input
//
// Lines are read in order and accepted in order (Session::accept), so the lifecycle and
// notifications/cancelled see what the client sent when it sent it; tool handlers then run on
// worker threads, up to StdioOptions::max_concurrent_calls at once, and their answers are written
// as they finish. Reading goes on while calls run: lines that need no handler (ping,
// notifications/cancelled, other notifications, errors) are handled within a millisecond or two
// even when every worker is busy; accepted calls beyond the limit wait in a bounded queue (64
// calls), and only when that queue is full does the reader wait for a call to finish. Blank lines
// are skipped. A line longer than the server's max_message_bytes is read to its end without being
// kept and answered -32600 (MCP_MESSAGE_TOO_LARGE) with id null. At end of input the calls in
// flight finish, their answers are written, and serve_stdio returns.
//
// Thread-safety: serve_stdio blocks its caller; call it once per pair of descriptors.
#pragma once

#include "cairn/core/result.hpp"
#include "cairn/mcp/server.hpp"

namespace cairn::mcp {

struct StdioOptions {
  int input_fd = 0;   // read until EOF
  int output_fd = 1;  // written with write(2); SIGPIPE is the caller's to ignore
  // Tool and resource handlers running at once (1 to 256; one worker thread each, started when
  // serving begins); further calls wait in the queue for a free worker.
  unsigned max_concurrent_calls = 4;
};

// Serves one session for `session` until end of input. Returns OK at EOF. Errors: UNAVAILABLE /
// MCP_STDIO_FAILED (reading or writing failed: the client went away), after the calls in flight
// have finished.
Status serve_stdio(Server& server, SessionOptions session = {}, StdioOptions options = {});

}  // namespace cairn::mcp
