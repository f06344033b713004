// cairn-vault's mail: login codes sent by SMTP to a relay (no TLS, no AUTH: point it at a local
// relay such as Postfix or a provider's submission proxy), or with the host "log" written to the
// server log instead (development, Coldrune's SMTP_HOST=log).
//
// Thread-safety: send() may be called from many threads; each call opens its own connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "cairn/core/result.hpp"

namespace cairn::vault {

struct MailOptions {
  std::string host = "log";  // "log": no mail, a log line
  uint16_t port = 25;
  std::string from = "cairn-vault@localhost";
  std::chrono::milliseconds timeout{10000};  // per connect, read and write
};

// One message: plain text, UTF-8.
struct Mail {
  std::string to;
  std::string subject;
  std::string body;
};

class Mailer {
 public:
  // `log` receives one line per message in "log" mode (and nothing else).
  Mailer(MailOptions options, std::function<void(std::string_view)> log);

  bool logs_only() const noexcept { return options_.host == "log"; }

  // Delivers `mail` (EHLO, MAIL FROM, RCPT TO, DATA with dot-stuffing, QUIT). Errors:
  // INVALID_ARGUMENT / VAULT_MAIL_ADDRESS_INVALID (CR, LF, '<' or '>' in an address);
  // UNAVAILABLE / VAULT_MAIL_FAILED (cannot connect, timeout, or a reply other than the one
  // expected; the message names the step and the server's reply).
  Status send(const Mail& mail);

 private:
  MailOptions options_;
  std::function<void(std::string_view)> log_;
};

}  // namespace cairn::vault
