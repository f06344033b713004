// Session::State (server.hpp): one session's lifecycle and calls in flight. Shared by
// session.cpp (which owns it) and server.cpp (resource-update notifications, the session id).
//
// Thread-safety: every field is guarded by `mutex`; Session::close() also sets Session::closed_
// under it, so a call registered in in_flight is either cancelled by close() or starts cancelled.
// Lock order: Server::Registry::mutex is never taken while holding a State::mutex, and no
// State::mutex is held while calling a sink or a handler.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <unordered_map>

#include "cairn/mcp/context.hpp"
#include "cairn/mcp/server.hpp"

namespace cairn::mcp {

struct Session::State {
  std::mutex mutex;
  std::string version;           // negotiated; "" before initialize
  bool initialize_seen = false;  // initialize answered
  bool initialized = false;      // notifications/initialized came after it
  nlohmann::json client_info;    // null before initialize
  LogLevel level = LogLevel::kInfo;
  // Resource URIs this session could read when it subscribed; at most 1000 (session.cpp).
  std::set<std::string, std::less<>> subscriptions;
  // Calls in flight, keyed by their id's dump(): their cancel flags.
  std::unordered_map<std::string, std::shared_ptr<std::atomic<bool>>> in_flight;
  std::shared_ptr<const Session::Sink> sink;
};

// A new session id: 16 random bytes as 32 lower-case hex digits.
std::string new_session_id();

}  // namespace cairn::mcp
