// The Streamable HTTP transport (http.hpp): the routes for POST, GET and DELETE at one path, the
// table of sessions it issued, and the workers that answer POSTs with an event stream.
//
// Every request passes, in this order: the Origin check (DNS rebinding), the authorize hook,
// the MCP-Protocol-Version header (a supported version), then the session lookup (the session
// must exist, be open and belong to the caller's subject) and, for a session, the header must
// name the version the session negotiated.
//
// Invariants and lock order: Impl::mu guards `sessions`, `workers`, `handlers_running` and
// `closed`. It is never held while calling into a Session that may run handlers (accept, run) or
// block, nor while calling Session::set_sink or Session::close; it may be held while closing an
// EventStream (which takes only the stream's own mutex). Impl::sink_mu (taken before mu, never
// the other way round) serializes "store a session's GET stream, then point its sink there"
// against other GETs, DELETE and close(), so the sink always names the stream stored last. Once
// `closed` is set no session is registered and no worker is started, so close() can join the
// workers there are and then wait for the route handlers still running (JSON answers run tools on
// the request's thread); hence close() must not be called from a tool handler served by this
// transport.
#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "cairn/mcp/http.hpp"
#include "cairn/mcp/jsonrpc.hpp"
#include "cairn/net/event_stream.hpp"

namespace cairn::mcp {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kTransportError = -32000;  // JSON-RPC "server error": refusals by the transport
constexpr std::string_view kSessionHeader = "Mcp-Session-Id";
constexpr std::string_view kVersionHeader = "MCP-Protocol-Version";
// Worker threads answering POSTs with an event stream at once; beyond, the call runs on the
// request's own thread (the stream then carries the finished answer).
constexpr std::size_t kMaxStreamWorkers = 64;

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Answers a refusal by the transport: `status` and a JSON-RPC error with id null.
void refuse(net::Response& res, int status, std::string_view reason, std::string_view message) {
  jsonrpc::ErrorObject error{kTransportError, std::string(reason), std::string(message), nullptr};
  res.json_text(jsonrpc::encode(jsonrpc::make_error(nullptr, error)), status);
}

// True for "http(s)://localhost", "http(s)://127.0.0.1" and "http(s)://[::1]", with any port.
bool loopback_origin(std::string_view origin) {
  std::string text = lower(origin);
  std::string_view rest(text);
  if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else if (rest.starts_with("https://")) {
    rest.remove_prefix(8);
  } else {
    return false;
  }
  std::string_view host;
  if (rest.starts_with("[")) {
    std::size_t close = rest.find(']');
    if (close == std::string_view::npos) return false;
    host = rest.substr(0, close + 1);
    rest.remove_prefix(close + 1);
  } else {
    std::size_t colon = rest.find(':');
    host = rest.substr(0, colon);
    rest.remove_prefix(colon == std::string_view::npos ? rest.size() : colon);
  }
  if (host != "localhost" && host != "127.0.0.1" && host != "[::1]") return false;
  if (rest.empty()) return true;
  if (rest.front() != ':' || rest.size() < 2 || rest.size() > 6) return false;
  rest.remove_prefix(1);
  return std::all_of(rest.begin(), rest.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// True when some Accept value lists `type` (media-range parameters are not weighed).
bool accepts(const net::Request& req, std::string_view type) {
  for (std::string_view value : req.headers.all("Accept")) {
    if (lower(value).find(type) != std::string::npos) return true;
  }
  return false;
}

bool json_content_type(const net::Request& req) {
  std::optional<std::string_view> value = req.header("Content-Type");
  if (!value) return false;
  std::string_view type = trim(value->substr(0, value->find(';')));
  return net::iequals(type, "application/json");
}

// The answer to send when a session produced both an immediate reply and a deferred one (a batch
// with some calls answered at once): one JSON array holding both.
std::string merge_replies(std::string now, std::string later) {
  if (now.empty()) return later;
  if (later.empty()) return now;
  nlohmann::json first = nlohmann::json::parse(now, nullptr, false);
  nlohmann::json second = nlohmann::json::parse(later, nullptr, false);
  nlohmann::json all = nlohmann::json::array();
  for (nlohmann::json* part : {&first, &second}) {
    if (part->is_array()) {
      for (nlohmann::json& item : *part) all.push_back(std::move(item));
    } else if (!part->is_discarded()) {
      all.push_back(std::move(*part));
    }
  }
  return jsonrpc::encode(all);
}

}  // namespace

struct HttpTransport::Impl {
  struct Entry {
    std::shared_ptr<Session> session;
    SessionOptions options;  // what authorize said at initialize
    Clock::time_point last_used;
    std::shared_ptr<net::EventStream> stream;  // the GET stream, if any
    int requests_in_flight = 0;
  };
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done = std::make_shared<std::atomic<bool>>(false);
  };

  Impl(Server& s, HttpOptions o) : server(s), options(std::move(o)) {}

  Server& server;
  const HttpOptions options;

  mutable std::mutex mu;
  std::mutex sink_mu;  // see the file comment: taken before mu
  bool closed = false;
  int handlers_running = 0;               // route handlers between entry and return
  std::condition_variable handlers_done;  // handlers_running dropped to 0
  std::map<std::string, Entry, std::less<>> sessions;
  std::list<Worker> workers;

  // Counts a route handler while it runs, so that close() can wait for calls answered on the
  // request's own thread.
  class Running {
   public:
    explicit Running(Impl& impl) : impl_(impl) {
      std::lock_guard lock(impl_.mu);
      ++impl_.handlers_running;
    }
    ~Running() {
      std::lock_guard lock(impl_.mu);
      if (--impl_.handlers_running == 0) impl_.handlers_done.notify_all();
    }
    Running(const Running&) = delete;
    Running& operator=(const Running&) = delete;

   private:
    Impl& impl_;
  };

  // ---- the checks every request passes

  bool origin_allowed(const net::Request& req) const {
    std::optional<std::string_view> origin = req.header("Origin");
    if (!origin) return true;
    if (options.allowed_origins.empty()) return loopback_origin(*origin);
    return std::any_of(options.allowed_origins.begin(), options.allowed_origins.end(),
                       [&](const std::string& allowed) { return net::iequals(allowed, *origin); });
  }

  // The origin, authorization and version checks; the caller's session options, or nullopt
  // after answering `res`.
  std::optional<SessionOptions> admit(const net::Request& req, net::Response& res) const {
    if (!origin_allowed(req)) {
      refuse(res, 403, "MCP_ORIGIN_FORBIDDEN", "Forbidden: origin not allowed");
      return std::nullopt;
    }
    SessionOptions caller;
    if (options.authorize) {
      Result<SessionOptions> authorized = call_authorize(req);
      if (!authorized) {
        refuse_with(res, authorized.error());
        return std::nullopt;
      }
      caller = std::move(*authorized);
    } else {
      caller.subject = req.subject;
      caller.scopes = {"*"};
      caller.mode = Mode::kReadWrite;
    }
    std::optional<std::string_view> version = req.header(kVersionHeader);
    if (version && !supported_version(*version)) {
      refuse(res, 400, "MCP_PROTOCOL_VERSION_INVALID",
             "Bad Request: unsupported MCP-Protocol-Version");
      return std::nullopt;
    }
    return caller;
  }

  // An authorize refusal: the error's HTTP status (docs/errors.md) and a JSON-RPC error with id
  // null whose data.reason is the error's reason; 5xx carry only the status phrase. A 401 names
  // the scheme (WWW-Authenticate: Bearer).
  static void refuse_with(net::Response& res, const Error& error) {
    const int status = http_status(error.code);
    refuse(res, status, error.reason,
           status >= 500 ? net::status_phrase(status) : std::string_view(error.message));
    if (status >= 500) res.server_error = std::make_shared<const Error>(error);
    if (status == 401) res.headers.set("WWW-Authenticate", "Bearer");
    if (error.retry_after.count() > 0) {
      res.headers.set("Retry-After", std::to_string((error.retry_after.count() + 999) / 1000));
    }
  }

  Result<SessionOptions> call_authorize(const net::Request& req) const {
    try {
      return options.authorize(req);
    } catch (const std::exception&) {
      return fail(ErrorCode::kInternal, "MCP_INTERNAL_ERROR", "the authorize hook threw");
    }
  }

  // True when a request acting with `caller` may use a session opened with `opened`: the same
  // subject, scopes and mode (a narrower or wider token is another caller: 404).
  static bool same_options(const SessionOptions& opened, const SessionOptions& caller) {
    return opened.subject == caller.subject && opened.scopes == caller.scopes &&
           opened.mode == caller.mode;
  }

  // The session the request names, checked against `caller` and the version header; nullptr
  // after answering `res`. Marks the session used.
  std::shared_ptr<Session> find_session(const net::Request& req, net::Response& res,
                                        const SessionOptions& caller) {
    std::optional<std::string_view> id = req.header(kSessionHeader);
    if (!id) {
      refuse(res, 400, "MCP_SESSION_REQUIRED", "Bad Request: No valid session ID provided");
      return nullptr;
    }
    std::shared_ptr<Session> session;
    {
      std::lock_guard lock(mu);
      auto it = sessions.find(*id);
      if (it != sessions.end() && same_options(it->second.options, caller) &&
          !it->second.session->closed()) {
        it->second.last_used = Clock::now();
        session = it->second.session;
      }
    }
    if (!session) {
      refuse(res, 404, "MCP_SESSION_NOT_FOUND", "Session not found");
      return nullptr;
    }
    std::optional<std::string_view> version = req.header(kVersionHeader);
    if (version && *version != session->protocol_version()) {
      refuse(res, 400, "MCP_PROTOCOL_VERSION_INVALID",
             "Bad Request: MCP-Protocol-Version is not the session's version");
      return nullptr;
    }
    return session;
  }

  // Counts a request in flight on a session, so that it is not taken for idle meanwhile.
  class InFlight {
   public:
    InFlight(Impl& impl, std::string id) : impl_(impl), id_(std::move(id)) { adjust(1); }
    ~InFlight() { adjust(-1); }
    InFlight(const InFlight&) = delete;
    InFlight& operator=(const InFlight&) = delete;

   private:
    void adjust(int by) {
      std::lock_guard lock(impl_.mu);
      auto it = impl_.sessions.find(id_);
      if (it == impl_.sessions.end()) return;
      it->second.requests_in_flight += by;
      it->second.last_used = Clock::now();
    }
    Impl& impl_;
    std::string id_;
  };

  // ---- answering

  // Sends `accepted`'s answer: JSON on this thread, or an event stream (sse) whose deferred part
  // runs on a worker. 202 when there is nothing to answer. `refused`: the body as a whole could
  // not be taken (not JSON, too large, an empty batch), answered 400 with the JSON-RPC error.
  // `counted` (the request's InFlight, if any) is kept until the deferred part is done.
  void answer(const net::Request& req, net::Response& res, Accepted accepted, bool refused = false,
              std::shared_ptr<InFlight> counted = nullptr) {
    if (accepted.reply.empty() && !accepted.run) {
      res.status = 202;
      res.body.clear();
      return;
    }
    const int status = refused ? 400 : 200;
    if (status == 200 && options.sse_responses && accepts(req, "text/event-stream")) {
      answer_with_stream(res, std::move(accepted), std::move(counted));
      return;
    }
    std::string text = std::move(accepted.reply);
    if (accepted.run) text = merge_replies(std::move(text), accepted.run());
    if (text.empty()) {  // every call in it was cancelled
      res.status = 202;
      res.body.clear();
      return;
    }
    res.json_text(std::move(text), status);
  }

  // The deferred part runs on a worker thread, or on this thread when kMaxStreamWorkers are busy
  // or no thread can be started (the stream then carries the finished answer).
  void answer_with_stream(net::Response& res, Accepted accepted,
                          std::shared_ptr<InFlight> counted) {
    auto stream = std::make_shared<net::EventStream>();
    res.events = stream;
    if (!accepted.run) {
      stream->send("message", accepted.reply);
      stream->close();
      return;
    }
    // Shared, so that it survives a thread that could not be started. `counted` is dropped when
    // the answer is out (not when the last copy of the job goes, which may be under `mu`).
    auto job = std::make_shared<std::function<void()>>([stream, reply = std::move(accepted.reply),
                                                        run = std::move(accepted.run),
                                                        counted = std::move(counted)]() mutable {
      std::string text;
      try {
        text = merge_replies(reply, run());
      } catch (const std::exception&) {
        text = reply;
      }
      if (!text.empty()) stream->send("message", text);
      stream->close();
      counted.reset();
    });
    {
      std::lock_guard lock(mu);
      if (closed) {
        stream->close();
        return;
      }
      reap_workers_locked();
      if (workers.size() < kMaxStreamWorkers) {
        Worker& worker = workers.emplace_back();
        try {
          worker.thread = std::thread([job, done = worker.done]() mutable {
            (*job)();
            job.reset();
            done->store(true);
          });
          return;
        } catch (const std::system_error&) {
          workers.pop_back();  // no thread: answer on this one
        }
      }
    }
    (*job)();
  }

  void reap_workers_locked() {
    for (auto it = workers.begin(); it != workers.end();) {
      if (it->done->load()) {
        it->thread.join();
        it = workers.erase(it);
      } else {
        ++it;
      }
    }
  }

  // ---- sessions

  enum class Registration { kRegistered, kLimitReached, kClosed };

  // Registers an initialized session. When the caller's subject already has
  // max_sessions_per_subject sessions, its least recently used one without a request in flight is
  // ended first; when max_sessions are open, sessions idle longer than session_idle_timeout are
  // ended, then (if still full) the least recently used one without a request in flight. Refused
  // (kLimitReached) only when every candidate is busy.
  Registration register_session(const std::shared_ptr<Session>& session,
                                const SessionOptions& caller) {
    std::vector<Entry> ended;
    Registration result = Registration::kClosed;
    {
      std::lock_guard lock(mu);
      if (!closed) {
        result = Registration::kLimitReached;
        const auto evict_lru = [&](const std::function<bool(const Entry&)>& among) {
          auto oldest = sessions.end();
          for (auto it = sessions.begin(); it != sessions.end(); ++it) {
            if (it->second.requests_in_flight != 0 || !among(it->second)) continue;
            if (oldest == sessions.end() || it->second.last_used < oldest->second.last_used) {
              oldest = it;
            }
          }
          if (oldest == sessions.end()) return false;
          ended.push_back(std::move(oldest->second));
          sessions.erase(oldest);
          return true;
        };
        const auto own = [&](const Entry& e) { return e.options.subject == caller.subject; };
        std::size_t mine = static_cast<std::size_t>(std::count_if(
            sessions.begin(), sessions.end(), [&](const auto& item) { return own(item.second); }));
        bool room = true;
        if (options.max_sessions_per_subject != 0 && mine >= options.max_sessions_per_subject) {
          room = evict_lru(own);
        }
        if (room && sessions.size() >= options.max_sessions) {
          const Clock::time_point now = Clock::now();
          for (auto it = sessions.begin(); it != sessions.end();) {
            const Entry& e = it->second;
            bool streaming = e.stream && !e.stream->closed();
            if (!streaming && e.requests_in_flight == 0 &&
                now - e.last_used > options.session_idle_timeout) {
              ended.push_back(std::move(it->second));
              it = sessions.erase(it);
            } else {
              ++it;
            }
          }
          if (sessions.size() >= options.max_sessions) {
            evict_lru([](const Entry&) { return true; });
          }
        }
        if (room && sessions.size() < options.max_sessions) {
          sessions.emplace(session->id(), Entry{session, caller, Clock::now(), nullptr, 0});
          result = Registration::kRegistered;
        }
      }
    }
    if (!ended.empty()) {
      std::lock_guard sink_lock(sink_mu);
      for (const Entry& e : ended) e.session->set_sink(nullptr);
    }
    for (const Entry& e : ended) {
      e.session->close();
      if (e.stream) e.stream->close();
    }
    return result;
  }

  // ---- the routes

  void post(const net::Request& req, net::Response& res) {
    std::optional<SessionOptions> caller = admit(req, res);
    if (!caller) return;
    if (!json_content_type(req)) {
      refuse(res, 415, "MCP_CONTENT_TYPE_INVALID",
             "Unsupported Media Type: Content-Type must be application/json");
      return;
    }
    if (!req.header(kSessionHeader)) {
      initialize(req, res, *caller);
      return;
    }
    std::shared_ptr<Session> session = find_session(req, res, *caller);
    if (!session) return;
    auto counted = std::make_shared<InFlight>(*this, session->id());
    jsonrpc::Decoded decoded = jsonrpc::decode(req.body, server.options().max_message_bytes);
    const bool refused = decoded.error.has_value();
    answer(req, res, session->accept(std::move(decoded)), refused, std::move(counted));
  }

  void initialize(const net::Request& req, net::Response& res, const SessionOptions& caller) {
    jsonrpc::Decoded decoded = jsonrpc::decode(req.body, server.options().max_message_bytes);
    if (decoded.error) {
      res.json_text(jsonrpc::encode(jsonrpc::make_error(nullptr, *decoded.error)), 400);
      return;
    }
    bool is_initialize = !decoded.batch && decoded.items.size() == 1 &&
                         decoded.items[0].kind == jsonrpc::Kind::kRequest &&
                         decoded.items[0].method == "initialize";
    if (!is_initialize) {
      refuse(res, 400, "MCP_SESSION_REQUIRED", "Bad Request: No valid session ID provided");
      return;
    }
    {
      std::lock_guard lock(mu);
      if (closed) {
        refuse(res, 503, "MCP_TRANSPORT_CLOSED", "Service Unavailable: the transport is closed");
        return;
      }
    }
    std::shared_ptr<Session> session = server.open_session(caller);
    Accepted accepted = session->accept(std::move(decoded));
    if (session->protocol_version().empty()) {  // initialize failed: answer it, keep nothing
      answer(req, res, std::move(accepted));
      session->close();
      return;
    }
    Registration registration = register_session(session, caller);
    if (registration != Registration::kRegistered) {
      session->close();
      if (registration == Registration::kClosed) {
        refuse(res, 503, "MCP_TRANSPORT_CLOSED", "Service Unavailable: the transport is closed");
      } else {
        refuse(res, 503, "MCP_SESSION_LIMIT", "Service Unavailable: too many sessions");
      }
      return;
    }
    res.headers.set(std::string(kSessionHeader), session->id());
    answer(req, res, std::move(accepted));
  }

  void get(const net::Request& req, net::Response& res) {
    std::optional<SessionOptions> caller = admit(req, res);
    if (!caller) return;
    std::shared_ptr<Session> session = find_session(req, res, *caller);
    if (!session) return;
    if (!accepts(req, "text/event-stream")) {
      refuse(res, 406, "MCP_ACCEPT_INVALID",
             "Not Acceptable: Accept must include text/event-stream");
      return;
    }
    auto stream = std::make_shared<net::EventStream>();
    std::lock_guard sink_lock(sink_mu);
    {
      std::lock_guard lock(mu);
      auto it = sessions.find(session->id());
      if (it == sessions.end()) {  // deleted meanwhile
        refuse(res, 404, "MCP_SESSION_NOT_FOUND", "Session not found");
        return;
      }
      if (it->second.stream && !it->second.stream->closed()) {
        refuse(res, 409, "MCP_STREAM_EXISTS",
               "Conflict: Only one SSE stream is allowed per session");
        return;
      }
      it->second.stream = stream;
    }
    std::weak_ptr<net::EventStream> weak = stream;
    session->set_sink([weak](const nlohmann::json& message) {
      std::shared_ptr<net::EventStream> s = weak.lock();
      return s && s->send("message", jsonrpc::encode(message));
    });
    res.events = std::move(stream);
  }

  void del(const net::Request& req, net::Response& res) {
    std::optional<SessionOptions> caller = admit(req, res);
    if (!caller) return;
    std::shared_ptr<Session> session = find_session(req, res, *caller);
    if (!session) return;
    std::shared_ptr<net::EventStream> stream;
    {
      std::lock_guard lock(mu);
      auto it = sessions.find(session->id());
      if (it != sessions.end()) {
        stream = std::move(it->second.stream);
        sessions.erase(it);
      }
    }
    {
      std::lock_guard sink_lock(sink_mu);
      session->set_sink(nullptr);
    }
    session->close();
    if (stream) stream->close();
    res.status = 200;
    res.body.clear();
  }

  void close() {
    std::map<std::string, Entry, std::less<>> ended;
    std::list<Worker> running;
    {
      std::lock_guard lock(mu);
      closed = true;
      ended.swap(sessions);
      running.swap(workers);
    }
    for (auto& [id, entry] : ended) {
      {
        std::lock_guard sink_lock(sink_mu);
        entry.session->set_sink(nullptr);
      }
      entry.session->close();
      if (entry.stream) entry.stream->close();
    }
    for (Worker& w : running) {
      if (w.thread.joinable()) w.thread.join();
    }
    std::unique_lock lock(mu);
    handlers_done.wait(lock, [&] { return handlers_running == 0; });
  }
};

HttpTransport::HttpTransport(Server& server, HttpOptions options)
    : impl_(std::make_shared<Impl>(server, std::move(options))) {}

HttpTransport::~HttpTransport() { close(); }

Status HttpTransport::mount(net::Router& router) {
  std::shared_ptr<Impl> impl = impl_;
  net::RouteOptions post_options;
  post_options.max_body_bytes = impl->server.options().max_message_bytes;
  CAIRN_TRY(router.add(
      "POST", impl->options.path,
      [impl](const net::Request& req, net::Response& res) {
        Impl::Running running(*impl);
        impl->post(req, res);
      },
      post_options));
  CAIRN_TRY(
      router.add("GET", impl->options.path, [impl](const net::Request& req, net::Response& res) {
        Impl::Running running(*impl);
        impl->get(req, res);
      }));
  CAIRN_TRY(
      router.add("DELETE", impl->options.path, [impl](const net::Request& req, net::Response& res) {
        Impl::Running running(*impl);
        impl->del(req, res);
      }));
  return ok_status();
}

std::size_t HttpTransport::session_count() const {
  std::lock_guard lock(impl_->mu);
  return impl_->sessions.size();
}

void HttpTransport::close() { impl_->close(); }

}  // namespace cairn::mcp
