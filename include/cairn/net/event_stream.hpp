// cairn::net::EventStream: server-sent events (the HTML standard's text/event-stream) from any
// thread to one client. A handler makes a stream, hands it to whatever produces events (a job
// or audit subscription), and answers with it:
//
// Example:
//   net::Router router;
//   std::mutex mu;                     // handlers run on the server's threads
//   std::vector<std::shared_ptr<net::EventStream>> streams;  // later: s->send("job", json)
//   CAIRN_TRY(router.add("GET", "/api/events", [&](const net::Request&, net::Response& res) {
//     auto stream = std::make_shared<net::EventStream>();
//     std::lock_guard lock(mu);
//     streams.push_back(stream);
//     res.events = stream;             // the connection now belongs to the stream
//   }));
//
// The server answers 200 with Content-Type text/event-stream, then writes each event as it is
// sent. When the client goes away, or the server drains, the stream closes: send() returns false
// from then on, which is the producer's cue to drop it. Events sent before the connection takes
// the stream are kept and written first.
//
// Thread-safety: send() and close() may be called from any thread, concurrently.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <string_view>

namespace cairn::net {

class EventStream {
 public:
  EventStream() = default;
  EventStream(const EventStream&) = delete;
  EventStream& operator=(const EventStream&) = delete;

  // Queues one event: "event: <event>" (when not empty), "id: <id>" (when not empty), and one
  // "data:" line per line of `data`. False when the stream is closed (nothing is queued).
  bool send(std::string_view event, std::string_view data, std::string_view id = {});
  // A comment line (": <text>"), for keep-alives that let dead connections be noticed.
  bool comment(std::string_view text);
  // Ends the stream: the server closes the connection after what was queued.
  void close();
  bool closed() const;

  // For the server: attaches the writer that carries text to the client (what was queued so far
  // goes at once) and the hook that ends the connection. detach() on disconnect closes the
  // stream.
  void attach(const std::function<void(std::string)>& writer,
              const std::function<void()>& on_close);
  void detach();

 private:
  bool write(std::string text);

  mutable std::mutex mu_;
  bool closed_ = false;
  std::string pending_;  // queued before attach()
  std::function<void(std::string)> writer_;
  std::function<void()> on_close_;
};

}  // namespace cairn::net
