#include "cairn/net/event_stream.hpp"

namespace cairn::net {
namespace {

// Events kept for a stream no connection has taken yet.
constexpr std::size_t kMaxPendingBytes = std::size_t{1} << 20;

// Field values may not contain line breaks: those would start a new field.
std::string single_line(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return out;
}

}  // namespace

bool EventStream::send(std::string_view event, std::string_view data, std::string_view id) {
  std::string text;
  if (!event.empty()) text += "event: " + single_line(event) + "\n";
  if (!id.empty()) text += "id: " + single_line(id) + "\n";
  // A line ends at CR LF, LF or a lone CR (the event-stream format's own rule), so each becomes
  // its own data: line and no line break in `data` can start another field.
  std::size_t start = 0;
  for (;;) {
    std::size_t end = data.find_first_of("\r\n", start);
    text += "data: ";
    text += data.substr(start, end == std::string_view::npos ? end : end - start);
    text += '\n';
    if (end == std::string_view::npos) break;
    start = end + ((data[end] == '\r' && end + 1 < data.size() && data[end + 1] == '\n') ? 2 : 1);
  }
  text += '\n';
  return write(std::move(text));
}

bool EventStream::comment(std::string_view text) {
  return write(": " + single_line(text) + "\n\n");
}

bool EventStream::write(std::string text) {
  std::function<void(std::string)> writer;
  {
    std::lock_guard lock(mu_);
    if (closed_) return false;
    if (!writer_) {
      if (pending_.size() + text.size() > kMaxPendingBytes) {
        closed_ = true;  // nobody has taken the stream: stop the producer
        pending_.clear();
        return false;
      }
      pending_ += text;
      return true;
    }
    writer = writer_;
  }
  writer(std::move(text));
  return true;
}

void EventStream::close() {
  std::function<void()> on_close;
  {
    std::lock_guard lock(mu_);
    if (closed_) return;
    closed_ = true;
    on_close = std::move(on_close_);
    writer_ = nullptr;
  }
  if (on_close) on_close();
}

bool EventStream::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

void EventStream::attach(const std::function<void(std::string)>& writer,
                         const std::function<void()>& on_close) {
  bool already_closed = false;
  {
    // The queued text goes to the writer under the lock, so no concurrent send() can overtake it
    // (the writer only posts; it never calls back into the stream).
    std::lock_guard lock(mu_);
    already_closed = closed_;
    if (!pending_.empty()) writer(std::move(pending_));
    pending_.clear();
    if (!closed_) {
      writer_ = writer;
      on_close_ = on_close;
    }
  }
  if (already_closed && on_close) on_close();
}

void EventStream::detach() {
  std::lock_guard lock(mu_);
  closed_ = true;
  writer_ = nullptr;
  on_close_ = nullptr;
}

}  // namespace cairn::net
