#include "cairn/core/error.hpp"

#include <gtest/gtest.h>

#include <set>

namespace cairn {
namespace {

TEST(ErrorCodeTest, TableFollowsGoogleRpcNumbering) {
  auto table = error_code_table();
  ASSERT_EQ(table.size(), 17u);
  EXPECT_EQ(static_cast<int>(ErrorCode::kOk), 0);
  EXPECT_EQ(static_cast<int>(ErrorCode::kInvalidArgument), 3);
  EXPECT_EQ(static_cast<int>(ErrorCode::kNotFound), 5);
  EXPECT_EQ(static_cast<int>(ErrorCode::kPermissionDenied), 7);
  EXPECT_EQ(static_cast<int>(ErrorCode::kFailedPrecondition), 9);
  EXPECT_EQ(static_cast<int>(ErrorCode::kUnauthenticated), 16);
  for (size_t i = 0; i < table.size(); ++i) {
    EXPECT_EQ(static_cast<size_t>(table[i].code), i);
  }
}

TEST(ErrorCodeTest, WireNamesRoundTrip) {
  std::set<std::string_view> seen;
  for (const ErrorCodeInfo& info : error_code_table()) {
    EXPECT_EQ(code_name(info.code), info.wire_name);
    EXPECT_EQ(code_from_name(info.wire_name), info.code);
    EXPECT_EQ(code_from_number(static_cast<int64_t>(info.code)), info.code);
    EXPECT_TRUE(seen.insert(info.wire_name).second) << info.wire_name;
  }
  EXPECT_EQ(code_name(ErrorCode::kNotFound), "NOT_FOUND");
  EXPECT_EQ(code_name(ErrorCode::kUnauthenticated), "UNAUTHENTICATED");
  EXPECT_FALSE(code_from_name("not_found"));
  EXPECT_FALSE(code_from_name("NOPE"));
  EXPECT_FALSE(code_from_number(17));
  EXPECT_FALSE(code_from_number(-1));
}

TEST(ErrorCodeTest, RetryableSaysWhetherTheSameCallCanSucceedLater) {
  // Failures of the moment: trying again can succeed.
  for (ErrorCode code : {ErrorCode::kCancelled, ErrorCode::kUnknown, ErrorCode::kDeadlineExceeded,
                         ErrorCode::kResourceExhausted, ErrorCode::kAborted, ErrorCode::kInternal,
                         ErrorCode::kUnavailable, ErrorCode::kDataLoss}) {
    EXPECT_TRUE(retryable(code)) << code_name(code);
  }
  // The input or the caller is wrong: only a different call can succeed.
  for (ErrorCode code :
       {ErrorCode::kOk, ErrorCode::kInvalidArgument, ErrorCode::kNotFound,
        ErrorCode::kAlreadyExists, ErrorCode::kPermissionDenied, ErrorCode::kFailedPrecondition,
        ErrorCode::kOutOfRange, ErrorCode::kUnimplemented, ErrorCode::kUnauthenticated}) {
    EXPECT_FALSE(retryable(code)) << code_name(code);
  }
  for (const ErrorCodeInfo& info : error_code_table()) {
    EXPECT_EQ(retryable(info.code), info.retryable) << info.wire_name;
  }
  EXPECT_FALSE(retryable(static_cast<ErrorCode>(17)));
  EXPECT_FALSE(retryable(static_cast<ErrorCode>(-1)));
  EXPECT_TRUE(retryable(Error{ErrorCode::kUnavailable, "STORAGE_BUSY", "busy"}));
  EXPECT_FALSE(retryable(Error{ErrorCode::kNotFound, "SECRET_NOT_FOUND", "no such secret"}));
}

TEST(ErrorCodeTest, HttpStatusesMatchTheTable) {
  EXPECT_EQ(http_status(ErrorCode::kOk), 200);
  EXPECT_EQ(http_status(ErrorCode::kInvalidArgument), 400);
  EXPECT_EQ(http_status(ErrorCode::kNotFound), 404);
  EXPECT_EQ(http_status(ErrorCode::kAlreadyExists), 409);
  EXPECT_EQ(http_status(ErrorCode::kPermissionDenied), 403);
  EXPECT_EQ(http_status(ErrorCode::kResourceExhausted), 429);
  EXPECT_EQ(http_status(ErrorCode::kUnimplemented), 501);
  EXPECT_EQ(http_status(ErrorCode::kUnavailable), 503);
  EXPECT_EQ(http_status(ErrorCode::kDeadlineExceeded), 504);
  EXPECT_EQ(http_status(ErrorCode::kUnauthenticated), 401);
}

TEST(ErrorCodeTest, ValuesOutsideTheTableAreUnknownAndServerErrors) {
  auto bogus = static_cast<ErrorCode>(99);
  EXPECT_EQ(code_name(bogus), "UNKNOWN");
  EXPECT_EQ(http_status(bogus), 500);
}

TEST(ErrorTest, ToStringShowsCodeReasonAndMessage) {
  Error e{ErrorCode::kNotFound, "SECRET_NOT_FOUND", "secret DB_URL not found"};
  EXPECT_EQ(e.to_string(), "NOT_FOUND SECRET_NOT_FOUND: secret DB_URL not found");
  EXPECT_EQ((Error{ErrorCode::kInternal, "", ""}).to_string(), "INTERNAL");
}

}  // namespace
}  // namespace cairn
