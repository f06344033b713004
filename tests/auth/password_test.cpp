#include "cairn/crypto/password.hpp"

#include <gtest/gtest.h>

#include "cairn/core/bytes.hpp"

namespace cairn::crypto {
namespace {

// Made by argon2-cffi 21.1 (Debian python3-argon2), an independent binding:
//   argon2.low_level.hash_secret(b"password", b"somesalt", time_cost=2, memory_cost=19456,
//                                parallelism=1, hash_len=32, type=Type.ID)
constexpr const char* kPasswordSomesalt =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$PL01amPyeUuxG7H0vIr5X+qHkZvWnHmGBGXFYvh8z2E";
// ... hash_secret(b"correct horse", b"0123456789abcdef", time_cost=3, memory_cost=12288, ...)
constexpr const char* kCorrectHorse =
    "$argon2id$v=19$m=12288,t=3,p=1$MDEyMzQ1Njc4OWFiY2RlZg$W2CvwLK2LDlk3BoCN5Nmrigs/"
    "uLQ3VdCUrYzjKQtTqo";

TEST(PasswordTest, MatchesAnIndependentImplementationByteForByte) {
  auto phc = hash_password("password", PasswordParams{}, as_bytes("somesalt"));
  ASSERT_TRUE(phc) << phc.error().to_string();
  EXPECT_EQ(*phc, kPasswordSomesalt);
}

TEST(PasswordTest, VerifiesHashesMadeElsewhere) {
  EXPECT_TRUE(*verify_password(kPasswordSomesalt, "password"));
  EXPECT_FALSE(*verify_password(kPasswordSomesalt, "Password"));
  EXPECT_TRUE(*verify_password(kCorrectHorse, "correct horse"));
  EXPECT_FALSE(*verify_password(kCorrectHorse, ""));
}

TEST(PasswordTest, RandomSaltsMakeDifferentHashesThatBothVerify) {
  auto a = hash_password("hunter2hunter2");
  auto b = hash_password("hunter2hunter2");
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(a->starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
  EXPECT_TRUE(*verify_password(*a, "hunter2hunter2"));
  EXPECT_TRUE(*verify_password(*b, "hunter2hunter2"));
}

TEST(PasswordTest, RefusesParametersBelowOwasp) {
  auto weak = hash_password("x", PasswordParams{4096, 1, 1});
  ASSERT_FALSE(weak);
  EXPECT_EQ(weak.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(weak.error().reason, "CRYPTO_PASSWORD_PARAMS_WEAK");
  EXPECT_TRUE(check_password_params({47104, 1, 1}));
  EXPECT_TRUE(check_password_params({12288, 3, 1}));
  EXPECT_FALSE(check_password_params({12288, 2, 1}));
  EXPECT_EQ(check_password_params({19456, 2, 0}).error().reason, "CRYPTO_PASSWORD_PARAMS_INVALID");
}

TEST(PasswordTest, RejectsMalformedAndOtherVariants) {
  for (const char* bad :
       {"", "$argon2id$", "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ",
        "$argon2id$v=19$m=19456,t=2$c29tZXNhbHQ$PL01amPyeUuxG7H0vIr5X",
        "$argon2id$v=19$m=x,t=2,p=1$c29tZXNhbHQ$PL01amPyeUuxG7H0vIr5X+qHkZvWnHmGBGXFYvh8z2E",
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ=$PL01amPyeUuxG7H0vIr5X+qHkZvWnHmGBGXFYvh8z2E",
        "$2b$12$abcdefghijklmnopqrstuv"}) {
    auto r = verify_password(bad, "password");
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().reason, "CRYPTO_PASSWORD_HASH_INVALID") << bad;
  }
  auto argon2i = verify_password(
      "$argon2i$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$ZQtVoIvv4LCxG3PDoH8q01Z7lZKnNcPd0LDCITjwEmQ",
      "password");
  ASSERT_FALSE(argon2i);
  EXPECT_EQ(argon2i.error().reason, "CRYPTO_PASSWORD_HASH_UNSUPPORTED");
  auto v16 = verify_password(
      "$argon2id$v=16$m=19456,t=2,p=1$c29tZXNhbHQ$PL01amPyeUuxG7H0vIr5X+qHkZvWnHmGBGXFYvh8z2E",
      "password");
  EXPECT_EQ(v16.error().reason, "CRYPTO_PASSWORD_HASH_UNSUPPORTED");
}

TEST(PasswordTest, RefusesOverlongPasswordsInsteadOfTruncating) {
  std::string long_password(kMaxPasswordBytes + 1, 'a');
  EXPECT_EQ(hash_password(long_password).error().reason, "CRYPTO_PASSWORD_TOO_LONG");
  EXPECT_EQ(verify_password(kPasswordSomesalt, long_password).error().reason,
            "CRYPTO_PASSWORD_TOO_LONG");
}

TEST(PasswordTest, NeedsRehashWhenParametersWereRaised) {
  EXPECT_FALSE(needs_rehash(kPasswordSomesalt, PasswordParams{}));
  EXPECT_TRUE(needs_rehash(kPasswordSomesalt, PasswordParams{47104, 2, 1}));
  EXPECT_TRUE(needs_rehash(kCorrectHorse, PasswordParams{}));  // m=12288 < 19456
  EXPECT_TRUE(needs_rehash("garbage", PasswordParams{}));
  auto params = password_hash_params(kCorrectHorse);
  ASSERT_TRUE(params);
  EXPECT_EQ(params->memory_kib, 12288u);
  EXPECT_EQ(params->iterations, 3u);
  EXPECT_EQ(params->parallelism, 1u);
}

}  // namespace
}  // namespace cairn::crypto
