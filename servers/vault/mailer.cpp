#include "vault/mailer.hpp"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>
#include <system_error>

namespace cairn::vault {

namespace {

Error mail_failed(std::string message) {
  return {ErrorCode::kUnavailable, "VAULT_MAIL_FAILED", std::move(message)};
}

// One SMTP conversation on a blocking socket whose reads and writes time out.
class SmtpSession {
 public:
  explicit SmtpSession(std::chrono::milliseconds timeout) : timeout_(timeout) {}
  ~SmtpSession() {
    if (fd_ >= 0) ::close(fd_);
  }
  SmtpSession(const SmtpSession&) = delete;
  SmtpSession& operator=(const SmtpSession&) = delete;

  Status connect(const std::string& host, uint16_t port) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    std::string service = std::to_string(port);
    if (int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
      return fail(mail_failed("cannot resolve the SMTP host " + host + ": " + gai_strerror(rc)));
    }
    std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> list(found, &::freeaddrinfo);
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout_.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((timeout_.count() % 1000) * 1000);
    int last_errno = 0;
    for (addrinfo* a = list.get(); a != nullptr; a = a->ai_next) {
      int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
      if (fd < 0) continue;
      // On Linux SO_SNDTIMEO bounds connect() too.
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
        fd_ = fd;
        return ok_status();
      }
      last_errno = errno;
      ::close(fd);
    }
    return fail(mail_failed("cannot connect to the SMTP server " + host + ":" + service + ": " +
                            std::generic_category().message(last_errno)));
  }

  // Reads one reply (every line of a multi-line one) and checks its code.
  Status expect(int code, std::string_view step) {
    while (true) {
      std::string line;
      CAIRN_TRY(read_line(line, step));
      if (line.size() < 3) return fail(mail_failed(std::string(step) + ": malformed reply"));
      if (line.size() > 3 && line[3] == '-') continue;
      if (line.compare(0, 3, std::to_string(code)) != 0) {
        return fail(mail_failed(std::string(step) + " refused: " + line.substr(0, 200)));
      }
      return ok_status();
    }
  }

  Status write(std::string_view text, std::string_view step) {
    while (!text.empty()) {
      ssize_t n = ::send(fd_, text.data(), text.size(), MSG_NOSIGNAL);
      if (n <= 0) {
        if (n < 0 && errno == EINTR) continue;
        return fail(mail_failed(std::string(step) + ": the connection failed"));
      }
      text.remove_prefix(static_cast<size_t>(n));
    }
    return ok_status();
  }

  Status command(std::string_view line, int code, std::string_view step) {
    CAIRN_TRY(write(std::string(line) + "\r\n", step));
    return expect(code, step);
  }

 private:
  Status read_line(std::string& out, std::string_view step) {
    while (true) {
      if (std::size_t eol = buffer_.find("\r\n"); eol != std::string::npos) {
        out = buffer_.substr(0, eol);
        buffer_.erase(0, eol + 2);
        return ok_status();
      }
      if (buffer_.size() > 4096) return fail(mail_failed(std::string(step) + ": reply too long"));
      char chunk[512];
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        return fail(mail_failed(std::string(step) +
                                (n == 0 ? ": the server closed the connection" : ": timed out")));
      }
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }

  std::chrono::milliseconds timeout_;
  int fd_ = -1;
  std::string buffer_;
};

bool address_ok(std::string_view address) {
  if (address.empty() || address.size() > 320) return false;
  for (char c : address) {
    if (c == '\r' || c == '\n' || c == '<' || c == '>' || c == '\0' || c == ' ') return false;
  }
  return true;
}

// RFC 5322 date of now, in UTC.
std::string mail_date() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char text[64];
  std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return text;
}

// The body with CRLF line ends and leading dots doubled (RFC 5321 4.5.2).
std::string dot_stuffed(std::string_view body) {
  std::string out;
  bool line_start = true;
  for (std::size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (line_start && c == '.') out += '.';
    if (c == '\n') {
      if (i == 0 || body[i - 1] != '\r') out += '\r';
      out += '\n';
      line_start = true;
      continue;
    }
    out += c;
    line_start = false;
  }
  if (!out.ends_with("\r\n")) out += "\r\n";
  return out;
}

}  // namespace

Mailer::Mailer(MailOptions options, std::function<void(std::string_view)> log)
    : options_(std::move(options)), log_(std::move(log)) {}

Status Mailer::send(const Mail& mail) {
  if (!address_ok(mail.to) || !address_ok(options_.from)) {
    return fail(ErrorCode::kInvalidArgument, "VAULT_MAIL_ADDRESS_INVALID",
                "a mail address may not contain spaces, CR, LF, '<' or '>'");
  }
  if (mail.subject.find_first_of("\r\n") != std::string::npos) {
    return fail(ErrorCode::kInvalidArgument, "VAULT_MAIL_ADDRESS_INVALID",
                "a mail subject may not contain CR or LF");
  }
  if (logs_only()) {
    if (log_) log_("mail to " + mail.to + ": " + mail.subject + "\n" + mail.body);
    return ok_status();
  }
  SmtpSession smtp(options_.timeout);
  CAIRN_TRY(smtp.connect(options_.host, options_.port));
  CAIRN_TRY(smtp.expect(220, "greeting"));
  CAIRN_TRY(smtp.command("EHLO localhost", 250, "EHLO"));
  CAIRN_TRY(smtp.command("MAIL FROM:<" + options_.from + ">", 250, "MAIL FROM"));
  CAIRN_TRY(smtp.command("RCPT TO:<" + mail.to + ">", 250, "RCPT TO"));
  CAIRN_TRY(smtp.command("DATA", 354, "DATA"));
  std::string message = "From: <" + options_.from + ">\r\nTo: <" + mail.to +
                        ">\r\nSubject: " + mail.subject + "\r\nDate: " + mail_date() +
                        "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                        "Content-Transfer-Encoding: 8bit\r\n\r\n" +
                        dot_stuffed(mail.body) + ".\r\n";
  CAIRN_TRY(smtp.write(message, "message"));
  CAIRN_TRY(smtp.expect(250, "message"));
  // The message is accepted; a failed QUIT changes nothing.
  (void)smtp.command("QUIT", 221, "QUIT");
  return ok_status();
}

}  // namespace cairn::vault
