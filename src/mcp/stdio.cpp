// The stdio transport (stdio.hpp). The caller's thread reads the input, splits it into lines and
// hands each to Session::accept in arrival order; tool and resource handlers run on a small pool
// of workers that write their own answers.
//
// Invariants: every byte written to output_fd goes through LineWriter::write, one whole message
// and its newline under the writer's mutex, so answers from workers and notifications never
// interleave. The reader waits only for input or for a free worker; workers never wait for the
// reader. Lock order: CallPool::mu_ is never held while writing (LineWriter::mu_).
#include "cairn/mcp/stdio.hpp"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
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
// -- reads the input and accepts its lines in order. When a line needs a handler, the leader
// hands the reading over to an idle thread and runs the call itself, so a call's answer never
// waits for a thread to wake up; calls that come together in one read go to idle threads.
//
// Invariants (under mu_): at most one leader (has_leader_); `calls_` counts the calls accepted
// and not yet answered (queued, held by the leader, or running) and never exceeds `limit_` -- the
// leader waits for a free slot before it accepts the next line's call, as stdio.hpp promises;
// threads_ holds at most limit_ + 1 threads (the runners and a leader). Only the leader touches
// splitter_ and buffer_.
class StdioLoop {
 public:
  StdioLoop(Session& session, LineWriter& writer, int input_fd, std::size_t max_bytes,
            unsigned max_calls)
      : session_(session),
        writer_(writer),
        input_fd_(input_fd),
        max_bytes_(max_bytes),
        limit_(std::max(1U, max_calls)),
        splitter_(max_bytes),
        buffer_(kReadChunkBytes, '\0') {}
  StdioLoop(const StdioLoop&) = delete;
  StdioLoop& operator=(const StdioLoop&) = delete;

  // Serves until the input ends or fails and every call has been answered. The errno of a failed
  // read, or 0.
  int serve() {
    std::vector<std::thread> threads;
    {
      std::unique_lock lock(mu_);
      if (!spawn_locked()) {
        lock.unlock();
        return lead_inline();
      }
      done_.wait(lock, [&] { return input_done_ && !has_leader_ && calls_ == 0; });
      finished_ = true;
      threads.swap(threads_);
    }
    wake_.notify_all();
    for (std::thread& t : threads) t.join();
    return read_error_;
  }

 private:
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
      {
        std::unique_lock lock(mu_);
        ++idle_;
        wake_.wait(lock,
                   [&] { return finished_ || !jobs_.empty() || (!has_leader_ && !input_done_); });
        --idle_;
        if (!jobs_.empty()) {
          job = std::move(jobs_.front());
          jobs_.pop_front();
        } else if (!has_leader_ && !input_done_) {
          has_leader_ = true;
        } else {
          return;  // finished_
        }
      }
      if (job) {
        run(job);
      } else {
        while (lead()) {
        }
      }
    }
  }

  // Runs one call, writes its answer and frees its slot.
  void run(const std::function<std::string()>& job) {
    std::string answer;
    try {
      answer = job();
    } catch (const std::exception&) {
      // The session turns handler exceptions into answers; this is only out of memory and the
      // like, with no id left to answer.
    }
    if (!answer.empty()) writer_.write(answer);
    {
      std::lock_guard lock(mu_);
      --calls_;
    }
    wake_.notify_all();
    done_.notify_all();
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
    {
      std::lock_guard lock(mu_);
      if (ended) {
        input_done_ = true;
        has_leader_ = false;
      } else if (inline_only_ || (idle_ <= jobs_.size() && !spawn_locked())) {
        keep_leading = true;  // nobody to take over the reading: run the call, then read on
      } else {
        has_leader_ = false;
      }
    }
    wake_.notify_all();
    done_.notify_all();
    if (mine) run(mine);
    return keep_leading;
  }

  // Accepts a line; a call it brings is held for the leader to run after the chunk, and one held
  // already goes to an idle thread first.
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
      std::unique_lock lock(mu_);
      if (!inline_only_ && (idle_ > jobs_.size() || spawn_locked())) {
        jobs_.push_back(std::move(earlier));
        lock.unlock();
        wake_.notify_all();
      } else {
        lock.unlock();
        run(earlier);  // no thread to give it to
      }
    }
    {
      std::unique_lock lock(mu_);
      done_.wait(lock, [&] { return calls_ < limit_; });
      ++calls_;
    }
    held_ = std::move(job);
  }

  // Starts a thread unless limit_ + 1 run already; false when none could be started.
  bool spawn_locked() {
    if (threads_.size() > limit_) return true;  // one of them will be free soon
    try {
      threads_.emplace_back([this] { thread_main(); });
    } catch (const std::system_error&) {
      return !threads_.empty();
    }
    return true;
  }

  Session& session_;
  LineWriter& writer_;
  const int input_fd_;
  const std::size_t max_bytes_;
  const unsigned limit_;

  std::mutex mu_;
  std::condition_variable wake_;  // a job was queued, the leadership is free, or finished_
  std::condition_variable done_;  // a call finished, or the input ended
  std::deque<std::function<std::string()>> jobs_;
  std::vector<std::thread> threads_;
  unsigned calls_ = 0;    // accepted and not yet answered
  std::size_t idle_ = 0;  // threads waiting on wake_ (jobs_.size() of them are spoken for)
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
