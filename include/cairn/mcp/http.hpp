// cairn::mcp::HttpTransport: MCP's Streamable HTTP transport on cairn::net. One endpoint
// (HttpOptions::path, "/mcp"):
//   POST    one JSON-RPC message or batch. Requests are answered with application/json, or with
//           a text/event-stream carrying the answer (HttpOptions::sse_responses, when the client
//           accepts it); only notifications or responses: 202 with no body.
//   GET     a text/event-stream for server-to-client messages of the session (resource updates,
//           log messages); one per session (another: 409).
//   DELETE  ends the session (200); later requests naming it get 404.
// `initialize` (sent without a session) opens a session and the answer carries its
// Mcp-Session-Id header; every later request must send it (missing: 400, unknown or ended: 404,
// belonging to another caller -- another subject, or other scopes or mode from authorize: 404).
// The MCP-Protocol-Version header, when sent, must be a supported version and the session's (else
// 400). An Origin header must be allowed (else 403: DNS rebinding protection). Transport-level
// refusals, an authorize refusal included, carry a JSON-RPC error with id null and data.reason
// (a 401 also WWW-Authenticate: Bearer).
//
// Example:
//   mcp::Server mcp_server({.info = {.name = "cairn-control"}});
//   net::Router router;
//   mcp::HttpTransport mcp_http(mcp_server, {.authorize = [](const net::Request& req)
//       -> Result<mcp::SessionOptions> { return mcp::SessionOptions{.subject = req.subject}; }});
//   CAIRN_TRY(mcp_http.mount(router));
//   net::Server http(std::move(router));
//   http.use(net::authenticate(engine.auth()));      // bearer auth: the server's own middleware
//
// Thread-safety: mount() before the net::Server starts; everything else from any thread. The
// transport must outlive the net::Server it is mounted on (stop the server first).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cairn/core/result.hpp"
#include "cairn/mcp/server.hpp"
#include "cairn/net/http.hpp"
#include "cairn/net/router.hpp"

namespace cairn::mcp {

struct HttpOptions {
  std::string path = "/mcp";
  // Origins (scheme://host[:port]) a browser may call from. Requests without an Origin header
  // (non-browser clients) always pass. Empty: only loopback origins (http or https on localhost,
  // 127.0.0.1 or [::1], any port).
  std::vector<std::string> allowed_origins;
  // Who a request acts for, called for every request after the server's middleware ran (so
  // Request::subject is set). Returns the session options, or an error: UNAUTHENTICATED (401)
  // or PERMISSION_DENIED (403), answered with the error's status and a JSON-RPC error (id null,
  // data.reason = the error's reason). A session keeps the options of its initialize request;
  // a later request whose options differ (subject, scopes or mode) is answered 404
  // MCP_SESSION_NOT_FOUND, as for a session of another subject. Null: subject =
  // Request::subject, scopes {"*"}, read-write.
  std::function<Result<SessionOptions>(const net::Request& request)> authorize;
  // Answer POSTed requests with an SSE stream (when the Accept header allows it) instead of JSON.
  bool sse_responses = false;
  // Sessions at once. An initialize beyond this first ends sessions idle longer than
  // session_idle_timeout, then the least recently used session with no request in flight (GET
  // streams do not count); refused with 503 only when every session has a request in flight.
  std::size_t max_sessions = 1000;
  // Sessions at once for one subject (all anonymous callers share subject ""); an initialize
  // beyond it first ends that subject's least recently used session with no request in flight
  // (none: 503). 0: no per-subject limit.
  std::size_t max_sessions_per_subject = 100;
  std::chrono::seconds session_idle_timeout{3600};
};

class HttpTransport {
 public:
  HttpTransport(Server& server, HttpOptions options = {});
  ~HttpTransport();  // close()
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  // Adds POST, GET and DELETE routes for options.path (POST bodies up to the server's
  // max_message_bytes). Errors: those of net::Router::add.
  Status mount(net::Router& router);
  // Open sessions.
  std::size_t session_count() const;
  // Ends every session and stream, and waits for calls in flight (before net::Server::stop()
  // returns, or in the destructor).
  void close();

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace cairn::mcp
