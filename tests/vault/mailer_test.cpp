// The vault's mail sender: log mode, header injection refused, an unreachable relay.
#include "vault/mailer.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace cairn::vault {
namespace {

TEST(VaultMailerTest, LogModeWritesTheMessageAndHeadersCannotBeInjected) {
  std::string logged;
  Mailer log_mailer({}, [&](std::string_view line) { logged = std::string(line); });
  EXPECT_TRUE(log_mailer.logs_only());
  ASSERT_TRUE(log_mailer.send({"ada@acme.io", "Your code", "Your sign-in code is 123456."}));
  EXPECT_NE(logged.find("ada@acme.io"), std::string::npos);
  EXPECT_NE(logged.find("123456"), std::string::npos);
  for (const char* to : {"a@b.io\r\nBcc: eve@x.io", "a b@c.io", "<a@b.io>", ""}) {
    EXPECT_EQ(log_mailer.send({to, "s", "b"}).error().reason, "VAULT_MAIL_ADDRESS_INVALID");
  }
  EXPECT_EQ(log_mailer.send({"a@b.io", "s\r\nBcc: eve@x.io", "b"}).error().reason,
            "VAULT_MAIL_ADDRESS_INVALID");
}

TEST(VaultMailerTest, AnUnreachableRelayIsUnavailable) {
  // Port 1 on loopback: nothing listens there.
  Mailer mailer({"127.0.0.1", 1, "vault@localhost", std::chrono::milliseconds(2000)}, nullptr);
  auto sent = mailer.send({"ada@acme.io", "s", "b"});
  EXPECT_EQ(sent.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(sent.error().reason, "VAULT_MAIL_FAILED");
}

}  // namespace
}  // namespace cairn::vault
