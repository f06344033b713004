// The stdio transport (stdio.hpp). The caller's thread reads the input, splits it into lines and
// hands each to Session::accept in arrival order; tool and resource handlers run on a small pool
// of workers that write their own answers, while the reading goes on.
//
// Invariants: every byte written to output_fd goes through LineWriter::write, one whole message
// and its newline under the writer's mutex, so answers from workers and notifications never
// interleave. The reader waits only for input or for room in the queue of accepted calls; workers
// never wait for the reader. Lock order: CallPool::mu_ is never held while writing
// (LineWriter::mu_).
#include "cairn/mcp/stdio.hpp"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "cairn/mcp/jsonrpc.hpp"

namespace cairn::mcp {
namespace {

constexpr std::size_t kReadChunkBytes = std::size_t{64} * 1024;
// How long the reader waits for input before it looks again whether the output has failed.
constexpr int kPollMillis = 200;

std::string errno_text(int err) { return std::system_category().message(err); }

// Writes whole lines to a descriptor, one at a time.
class LineWriter {
 public:
  explicit LineWriter(int fd) : fd_(fd) {}

  // Writes `message` and a newline, all of it (partial writes and EINTR are retried). False,
  // and nothing written from then on, once a write has failed.
  bool write(std::string_view message) {
    std::string line;
    line.reserve(message.size() + 1);
    line.append(message);
    line.push_back('\n');
    std::lock_guard lock(mu_);
    if (failed_.load()) return false;
    std::string_view rest(line);
    while (!rest.empty()) {
      ssize_t n = ::write(fd_, rest.data(), rest.size());
      if (n < 0) {
        int err = errno;
        if (err == EINTR) continue;
        if (err == EAGAIN || err == EWOULDBLOCK) {  // a non-blocking descriptor: wait for room
          pollfd p{fd_, POLLOUT, 0};
          ::poll(&p, 1, kPollMillis);
          continue;
        }
        error_ = err;
        failed_.store(true);
        return false;
      }
      rest.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  bool failed() const { return failed_.load(); }
  int error() const {
    std::lock_guard lock(mu_);
    return error_;
  }

 private:
  const int fd_;
  mutable std::mutex mu_;
  std::atomic<bool> failed_{false};
  int error_ = 0;  // errno of the failed write
};

bool blank(std::string_view line) {
  return std::all_of(line.begin(), line.end(), [](char c) { return c == ' ' || c == '\t'; });
}

// Splits the input into lines. A line longer than `max` bytes (not counting "\r\n") is not kept:
// the rest of it is skipped as it arrives and it is reported once, at its end.
class LineSplitter {
 public:
  explicit LineSplitter(std::size_t max) : max_(max) {}

  // Calls on_line(line) for every complete line in `bytes` (without '\n' or a trailing '\r')
  // and on_too_large() for every line that was too long.
  template <class OnLine, class OnTooLarge>
  void feed(std::string_view bytes, const OnLine& on_line, const OnTooLarge& on_too_large) {
    while (!bytes.empty()) {
      const void* nl = std::memchr(bytes.data(), '\n', bytes.size());
      if (nl == nullptr) {
        if (!skipping_) {
          pending_.append(bytes);
          // One byte of slack for a '\r' that will be stripped.
          if (pending_.size() > max_ + 1) {
            skipping_ = true;
            pending_.clear();
            pending_.shrink_to_fit();
          }
        }
        return;
      }
      std::size_t at = static_cast<std::size_t>(static_cast<const char*>(nl) - bytes.data());
      if (skipping_) {
        skipping_ = false;
        on_too_large();
      } else if (pending_.empty()) {
        take(bytes.substr(0, at), on_line, on_too_large);
      } else {
        pending_.append(bytes.substr(0, at));
        take(pending_, on_line, on_too_large);
        pending_.clear();
      }
      bytes.remove_prefix(at + 1);
    }
  }

  // End of input: a last line without a newline is taken as a line.
  template <class OnLine, class OnTooLarge>
  void finish(const OnLine& on_line, const OnTooLarge& on_too_large) {
    if (skipping_) {
      skipping_ = false;
      on_too_large();
    } else if (!pending_.empty()) {
      std::string last = std::move(pending_);
      pending_.clear();
      take(last, on_line, on_too_large);
    }
  }

 private:
  template <class OnLine, class OnTooLarge>
  void take(std::string_view line, const OnLine& on_line, const OnTooLarge& on_too_large) const {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (blank(line)) return;
    if (line.size() > max_) {
      on_too_large();
      return;
    }
    on_line(line);
  }

  const std::size_t max_;
  std::string pending_;  // the start of the current line
  bool skipping_ = false;
};

// Reads, accepts and runs calls with leader/follower threads. One thread at a time -- the leader
// -- reads the input and accepts its lines in order. When a line needs a handler and a worker slot
// is free, the leader gives up the reading and runs the call itself, so a call's answer never
// waits for a thread to wake up; the leader takes the reading back when the call is done, or, if
// the call lasts, watch() wakes an idle thread to read on. Calls that come together in one read go
// to idle threads through jobs_. When every slot is taken the call waits in jobs_ and the leader
// reads on, so pings and notifications/cancelled for the running calls are still seen at once;
// the leader waits only when jobs_ holds kMaxQueuedCalls calls.
//
// Invariants (under mu_): at most one leader (has_leader_); running_ counts the calls being run
// and never exceeds limit_; jobs_ holds accepted calls not yet started (at most kMaxQueuedCalls,
// plus the last one at end of input); threads_ holds exactly limit_ + 1 threads, all started
// before the first read (limit_ is lowered to fit when fewer could be started), so whenever the
// leader starts a call there is a thread left over to read, and a queued call always finds a
// thread once a slot frees. Only the leader touches splitter_, buffer_ and held_.
class StdioLoop {
 public:
  StdioLoop(Session& session, LineWriter& writer, int input_fd, std::size_t max_bytes,
            unsigned max_calls)
      : session_(session),
        writer_(writer),
        input_fd_(input_fd),
        max_bytes_(max_bytes),
        limit_(std::clamp(max_calls, 1U, kMaxWorkers)),
        splitter_(max_bytes),
        buffer_(kReadChunkBytes, '\0') {}
  StdioLoop(const StdioLoop&) = delete;
  StdioLoop& operator=(const StdioLoop&) = delete;

  // Serves until the input ends or fails and every call has been answered. The errno of a failed
  // read, or 0.
  int serve() {
    std::vector<std::thread> threads;
    bool inline_only = false;
    {
      std::unique_lock lock(mu_);
      // The threads wait on mu_ until this loop is done, so limit_ is settled before they look.
      for (std::size_t i = 0; i <= limit_; ++i) {
        try {
          threads_.emplace_back([this] { thread_main(); });
        } catch (const std::system_error&) {
          break;  // serve with the threads there are
        }
      }
      if (threads_.size() < 2) {  // no thread to run calls beside a reader
        inline_only = true;
        finished_ = true;
      } else {
        limit_ = static_cast<unsigned>(threads_.size() - 1);
        watch(lock);
        finished_ = true;
      }
      threads.swap(threads_);
    }
    wake_.notify_all();
    for (std::thread& t : threads) t.join();
    return inline_only ? lead_inline() : read_error_;
  }

 private:
  // The most calls run at once, whatever StdioOptions asks (one thread each is started up front).
  static constexpr unsigned kMaxWorkers = 256;
  // At most this many accepted calls wait for a free slot; then the reader waits too.
  static constexpr std::size_t kMaxQueuedCalls = 64;

  // A leader that runs a call frees the leadership without waking anyone: a call answered soon
  // costs no thread switch (the usual one-call-at-a-time case). watch() looks every kWatchMillis
  // and wakes an idle thread to read on when the same hand-off is still pending, so input that
  // comes while a longer call runs is read a tick or two later at most. After kIdleTicks ticks
  // without a hand-off it sleeps until the next one.
  static constexpr int kWatchMillis = 1;
  static constexpr int kIdleTicks = 200;

  bool all_done_locked() const {
    return input_done_ && !has_leader_ && running_ == 0 && jobs_.empty();
  }

  // The caller's thread, while the others serve; returns once everything is done.
  void watch(std::unique_lock<std::mutex>& lock) {
    std::uint64_t seen = hand_offs_;
    bool seen_pending = false;
    int quiet = 0;
    for (;;) {
      if (all_done_locked()) return;
      if (hand_off_pending_ && seen_pending && seen == hand_offs_) {  // it outlasted a tick
        hand_off_pending_ = false;
        if (!has_leader_ && !input_done_) {
          lock.unlock();
          wake_.notify_one();
          lock.lock();
        }
        continue;
      }
      quiet = hand_offs_ == seen ? quiet + 1 : 0;
      seen = hand_offs_;
      seen_pending = hand_off_pending_;
      if (quiet > kIdleTicks && !hand_off_pending_) {
        watcher_asleep_ = true;
        done_.wait(lock, [&] { return all_done_locked() || !watcher_asleep_; });
        watcher_asleep_ = false;
        quiet = 0;
        seen_pending = false;
        continue;
      }
      lock.unlock();
      ::poll(nullptr, 0, kWatchMillis);
      lock.lock();
    }
  }

  // No thread could be started: read and run everything on the caller's thread.
  int lead_inline() {
    inline_only_ = true;
    {
      std::lock_guard lock(mu_);
      has_leader_ = true;
    }
    while (lead()) {
    }
    return read_error_;
  }

  void thread_main() {
    for (;;) {
      std::function<std::string()> job;
      bool room = false;  // the leader waits for room in jobs_
      {
        std::unique_lock lock(mu_);
        wake_.wait(lock, [&] {
          return finished_ || startable_locked() || (!has_leader_ && !input_done_);
        });
        if (finished_) return;
        if (startable_locked()) {
          job = std::move(jobs_.front());
          jobs_.pop_front();
          ++running_;
          room = room_wanted_;
        } else if (!has_leader_ && !input_done_) {
          has_leader_ = true;
          hand_off_pending_ = false;  // the call was short, or watch() woke this thread
        } else {
          return;  // unreachable: the wait ends only for one of the above
        }
      }
      if (job) {
        if (room) room_.notify_one();
        run(job);
      } else {
        while (lead()) {
        }
      }
    }
  }

  bool startable_locked() const { return !jobs_.empty() && running_ < limit_; }

  // Runs one call (its slot taken already), writes its answer and frees the slot.
  void run(const std::function<std::string()>& job) {
    std::string answer;
    try {
      answer = job();
    } catch (...) {
      // The session turns handler exceptions into answers; this is only out of memory and the
      // like, with no id left to answer.
    }
    if (!answer.empty()) writer_.write(answer);
    bool all_done = false;
    {
      std::lock_guard lock(mu_);
      --running_;
      all_done = input_done_ && !has_leader_ && running_ == 0 && jobs_.empty();
    }
    // No wake_: this thread goes back to thread_main and takes a queued call itself.
    if (all_done) done_.notify_all();
  }

  // Reads one chunk and accepts its lines. True to go on leading; false once leadership was
  // given up (a call to run was taken, or the input ended).
  bool lead() {
    auto on_line = [this](std::string_view line) { take_line(line); };
    auto on_too_large = [this] { take_too_large(); };
    bool ended = false;
    if (writer_.failed()) {
      ended = true;
    } else {
      pollfd p{input_fd_, POLLIN, 0};
      int ready = ::poll(&p, 1, kPollMillis);
      if (ready == 0) return true;
      if (ready < 0) {
        if (errno == EINTR) return true;
        read_error_ = errno;
        ended = true;
      } else {
        ssize_t n = ::read(input_fd_, buffer_.data(), buffer_.size());
        if (n < 0) {
          int err = errno;
          if (err == EINTR || err == EAGAIN || err == EWOULDBLOCK) return true;
          read_error_ = err;
          ended = true;
        } else if (n == 0) {
          splitter_.finish(on_line, on_too_large);
          ended = true;
        } else {
          splitter_.feed(std::string_view(buffer_.data(), static_cast<std::size_t>(n)), on_line,
                         on_too_large);
        }
      }
    }
    std::function<std::string()> mine = std::move(held_);
    held_ = nullptr;
    if (!ended && !mine) return true;
    bool keep_leading = false;
    bool wake_watcher = false;
    {
      std::lock_guard lock(mu_);
      if (ended) {
        input_done_ = true;
        has_leader_ = false;
      } else if (inline_only_) {
        keep_leading = true;  // run the call, then read on
      } else {
        keep_leading = running_ >= limit_;  // no slot: queue the call and read on
        if (!keep_leading) {
          has_leader_ = false;
          hand_off_pending_ = true;
          ++hand_offs_;
          wake_watcher = watcher_asleep_;
          watcher_asleep_ = false;
        }
      }
      if (mine && !inline_only_) {
        if (running_ < limit_) {
          ++running_;
        } else {
          jobs_.push_back(std::move(mine));
          mine = nullptr;
        }
      }
    }
    if (ended) {
      wake_.notify_all();
      done_.notify_all();
    } else if (wake_watcher) {
      done_.notify_all();  // the leadership is free: watch() wakes a reader if the call lasts
    }
    if (mine) {
      if (inline_only_) {
        run_inline(mine);
      } else {
        run(mine);
      }
    }
    return keep_leading;
  }

  // Accepts a line; a call it brings is held for the leader to run after the chunk, and one held
  // already is queued for another thread first.
  void take_line(std::string_view line) {
    Accepted accepted = session_.accept(line);
    if (!accepted.reply.empty()) writer_.write(accepted.reply);
    if (accepted.run) hold(std::move(accepted.run));
  }

  // The text is gone, so the session cannot decode it; it is still handed the error, so that a
  // dialect's rewrite_error sees it like any other.
  void take_too_large() {
    jsonrpc::Decoded decoded;
    decoded.error = jsonrpc::ErrorObject{
        jsonrpc::kInvalidRequest, "MCP_MESSAGE_TOO_LARGE",
        "message too large (max " + std::to_string(max_bytes_) + " bytes)", nullptr};
    jsonrpc::ErrorObject fallback = *decoded.error;
    Accepted accepted = session_.accept(std::move(decoded));
    writer_.write(accepted.reply.empty() ? jsonrpc::encode(jsonrpc::make_error(nullptr, fallback))
                                         : accepted.reply);
  }

  void hold(std::function<std::string()> job) {
    if (held_) {
      std::function<std::string()> earlier = std::move(held_);
      held_ = nullptr;
      if (inline_only_) {
        run_inline(earlier);
      } else {
        {
          std::unique_lock lock(mu_);
          room_wanted_ = true;
          room_.wait(lock, [&] { return jobs_.size() < kMaxQueuedCalls; });
          room_wanted_ = false;
          jobs_.push_back(std::move(earlier));
        }
        wake_.notify_one();
      }
    }
    held_ = std::move(job);
  }

  // Inline mode: the only thread runs the call and writes its answer.
  void run_inline(const std::function<std::string()>& job) {
    std::string answer;
    try {
      answer = job();
    } catch (...) {  // as in run()
    }
    if (!answer.empty()) writer_.write(answer);
  }

  Session& session_;
  LineWriter& writer_;
  const int input_fd_;
  const std::size_t max_bytes_;

  std::mutex mu_;
  // Idle threads wait here: notified once per queued call and per freed leadership, and all at
  // once when the input ends or finished_.
  std::condition_variable wake_;
  // watch() waits here: the input ended, the last call finished, or a hand-off while it sleeps.
  std::condition_variable done_;
  std::condition_variable room_;  // a queued call started while room_wanted_
  bool room_wanted_ = false;      // the leader waits on room_
  // The leadership was given up for a call and no thread has taken it yet (see watch()).
  bool hand_off_pending_ = false;
  std::uint64_t hand_offs_ = 0;  // how many times the leadership was given up for a call
  bool watcher_asleep_ = false;  // watch() waits on done_ for the next hand-off
  std::deque<std::function<std::string()>> jobs_;
  std::vector<std::thread> threads_;
  unsigned limit_;        // calls run at once; settled in serve() before any thread looks
  unsigned running_ = 0;  // calls being run
  bool has_leader_ = false;
  bool input_done_ = false;
  bool finished_ = false;
  bool inline_only_ = false;

  // The leader's own.
  LineSplitter splitter_;
  std::string buffer_;
  std::function<std::string()> held_;  // a call accepted in the current chunk, not yet started
  int read_error_ = 0;
};

}  // namespace

Status serve_stdio(Server& server, SessionOptions session, StdioOptions options) {
  // Shared with the sink, which a notifier on another thread may still hold when this returns.
  auto writer = std::make_shared<LineWriter>(options.output_fd);
  std::shared_ptr<Session> conversation = server.open_session(std::move(session));
  conversation->set_sink(
      [writer](const nlohmann::json& message) { return writer->write(jsonrpc::encode(message)); });
  int read_error = 0;
  {
    StdioLoop loop(*conversation, *writer, options.input_fd, server.options().max_message_bytes,
                   options.max_concurrent_calls);
    read_error = loop.serve();  // the calls in flight finish and their answers are written
  }
  conversation->set_sink(nullptr);
  conversation->close();

  if (read_error != 0) {
    return fail(ErrorCode::kUnavailable, "MCP_STDIO_FAILED",
                "reading the input failed: " + errno_text(read_error));
  }
  if (writer->failed()) {
    return fail(ErrorCode::kUnavailable, "MCP_STDIO_FAILED",
                "writing the output failed: " + errno_text(writer->error()));
  }
  return ok_status();
}

}  // namespace cairn::mcp
