#include "cairn/core/result.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace cairn {
namespace {

Result<int> parse_digit(char c) {
  if (c < '0' || c > '9') return fail(ErrorCode::kInvalidArgument, "NOT_A_DIGIT", "not a digit");
  return c - '0';
}

Result<int> sum_two(char a, char b) {
  CAIRN_ASSIGN_OR_RETURN(int x, parse_digit(a));
  CAIRN_ASSIGN_OR_RETURN(int y, parse_digit(b));
  return x + y;
}

Status check_digit(char c) {
  CAIRN_TRY(parse_digit(c));
  return ok_status();
}

Result<std::unique_ptr<int>> make_boxed(int v) { return std::make_unique<int>(v); }

Result<int> unbox(int v) {
  CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<int> box, make_boxed(v));
  return *box;
}

TEST(ResultTest, HoldsAValue) {
  Result<int> r = parse_digit('7');
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(static_cast<bool>(r));
  EXPECT_EQ(*r, 7);
  EXPECT_EQ(r.value(), 7);
  EXPECT_EQ(r.value_or(0), 7);
}

TEST(ResultTest, HoldsAnError) {
  Result<int> r = parse_digit('x');
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().reason, "NOT_A_DIGIT");
  EXPECT_EQ(r.value_or(-1), -1);
}

TEST(ResultTest, AssignOrReturnPropagatesTheFirstError) {
  EXPECT_EQ(*sum_two('3', '4'), 7);
  Result<int> r = sum_two('3', 'z');
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, "NOT_A_DIGIT");
}

TEST(ResultTest, TryPropagatesIntoStatus) {
  EXPECT_TRUE(check_digit('1'));
  Status s = check_digit('?');
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
}

TEST(ResultTest, CarriesMoveOnlyValues) { EXPECT_EQ(*unbox(42), 42); }

TEST(ResultTest, ArrowReachesMembers) {
  Result<std::string> r = std::string("cairn");
  EXPECT_EQ(r->size(), 5u);
}

}  // namespace
}  // namespace cairn
