// cairn-vault's configuration and master key loading (the mail sender is in mailer_test.cpp; the
// SMTP conversation itself is tested end to end against aiosmtpd in tests/vault/test_vault.py).
#include "vault/config.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "support/temp_dir.hpp"

namespace cairn::vault {
namespace {

int mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return static_cast<int>(st.st_mode & 0777);
}

// Sets (or with nullptr unsets) an environment variable for one test.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;  // NOLINT(concurrency-mt-unsafe)
    if (value != nullptr) {
      ::setenv(name, value, 1);  // NOLINT(concurrency-mt-unsafe)
    } else {
      ::unsetenv(name);  // NOLINT(concurrency-mt-unsafe)
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);  // NOLINT(concurrency-mt-unsafe)
    } else {
      ::unsetenv(name_);  // NOLINT(concurrency-mt-unsafe)
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(VaultConfigTest, ListenAddressesAreHostAndPort) {
  EXPECT_EQ(parse_host_port("127.0.0.1:7100")->port, 7100);
  EXPECT_EQ(parse_host_port("[::1]:0")->host, "::1");
  for (const char* bad : {"127.0.0.1", ":80", "[::1:80", "host:99999", "host:8x"}) {
    EXPECT_EQ(parse_host_port(bad).error().reason, "VAULT_CONFIG_INVALID") << bad;
  }
  ServerConfig c;
  EXPECT_TRUE(validate(c));
  c.tls_cert = "cert.pem";
  EXPECT_EQ(validate(c).error().reason, "VAULT_CONFIG_INVALID");
}

TEST(VaultConfigTest, EnvironmentOverridesDefaultsAndBadNumbersAreRefused) {
  ScopedEnv port("SMTP_PORT", "2525");
  ScopedEnv hours("BACKUP_SCHEDULE_HOURS", "6");
  ScopedEnv dir("CAIRN_VAULT_DATA_DIR", "/srv/vault");
  auto c = config_from_environment();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->smtp_port, 2525);
  EXPECT_EQ(c->backup_hours, 6);
  EXPECT_EQ(c->database_path(), "/srv/vault/vault.db");
  ScopedEnv bad("SMTP_PORT", "70000");
  EXPECT_EQ(config_from_environment().error().reason, "VAULT_CONFIG_INVALID");
}

TEST(VaultConfigTest, MasterKeyComesFromTheEnvironmentOrAPrivateKeyFile) {
  testing::TempDir tmp;
  ServerConfig c;
  c.data_dir = tmp.file("data/nested");
  {
    ScopedEnv key("CAIRN_MASTER_KEY", nullptr);
    EXPECT_EQ(load_master_key(c, false, nullptr).error().reason, "VAULT_MASTER_KEY_MISSING");
    bool created = false;
    auto made = load_master_key(c, true, &created);
    ASSERT_TRUE(made) << made.error().to_string();
    EXPECT_TRUE(created);
    EXPECT_EQ(made->size(), 64U);
    EXPECT_EQ(mode_of(c.key_file()), 0600);
    EXPECT_EQ(mode_of(c.data_dir), 0700);
    EXPECT_EQ(mode_of(tmp.file("data")), 0700);
    auto again = load_master_key(c, true, &created);
    EXPECT_FALSE(created);
    EXPECT_EQ(*again, *made);
    // A key file others can read is refused, as ssh refuses such private keys.
    ::chmod(c.key_file().c_str(), 0644);
    EXPECT_EQ(load_master_key(c, true, nullptr).error().reason, "AUTH_TOKEN_FILE_MODE");
  }
  ScopedEnv key("CAIRN_MASTER_KEY",
                "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
  EXPECT_EQ(load_master_key(c, false, nullptr)->substr(0, 4), "0011");
  ScopedEnv short_key("CAIRN_MASTER_KEY", "0011");
  EXPECT_EQ(load_master_key(c, false, nullptr).error().reason, "SECRETS_MASTER_KEY_INVALID");
}

}  // namespace
}  // namespace cairn::vault
