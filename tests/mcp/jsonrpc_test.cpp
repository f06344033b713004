#include "cairn/mcp/jsonrpc.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace cairn::mcp::jsonrpc {
namespace {

using json = nlohmann::json;

// The one item of a single-message text.
Incoming decode_one(std::string_view text) {
  Decoded d = decode(text);
  EXPECT_FALSE(d.error.has_value()) << (d.error ? d.error->message : "");
  EXPECT_FALSE(d.batch);
  EXPECT_EQ(d.items.size(), 1U);
  return d.items.empty() ? Incoming{} : d.items.front();
}

// Asserts `in` is kInvalid with MCP_INVALID_REQUEST and the given id.
void expect_invalid(const Incoming& in, const json& id) {
  EXPECT_EQ(in.kind, Kind::kInvalid);
  ASSERT_TRUE(in.error.has_value());
  EXPECT_EQ(in.error->code, kInvalidRequest);
  EXPECT_EQ(in.error->reason, "MCP_INVALID_REQUEST");
  EXPECT_FALSE(in.error->message.empty());
  EXPECT_EQ(in.id, id);
  EXPECT_EQ(in.id.is_string(), id.is_string());  // "7" is not 7
  EXPECT_EQ(in.id.is_null(), id.is_null());
}

TEST(JsonRpcDecodeTest, DecodesRequestWithIntegerId) {
  Incoming in = decode_one(R"({"jsonrpc":"2.0","id":7,"method":"tools/list","params":{"a":1}})");
  EXPECT_EQ(in.kind, Kind::kRequest);
  EXPECT_TRUE(in.id.is_number_integer());
  EXPECT_EQ(in.id.get<int>(), 7);
  EXPECT_EQ(in.method, "tools/list");
  EXPECT_EQ(in.params, json({{"a", 1}}));
  EXPECT_FALSE(in.error.has_value());
}

TEST(JsonRpcDecodeTest, EchoesStringIdExactly) {
  Incoming in = decode_one(R"({"jsonrpc":"2.0","id":"7","method":"ping"})");
  EXPECT_EQ(in.kind, Kind::kRequest);
  ASSERT_TRUE(in.id.is_string());
  EXPECT_EQ(in.id.get<std::string>(), "7");
  EXPECT_EQ(encode(make_result(in.id, json::object())),
            R"({"id":"7","jsonrpc":"2.0","result":{}})");
}

TEST(JsonRpcDecodeTest, EchoesIntegerIdExactly) {
  Incoming in = decode_one(R"({"jsonrpc":"2.0","id":7,"method":"ping"})");
  EXPECT_EQ(encode(make_result(in.id, json::object())), R"({"id":7,"jsonrpc":"2.0","result":{}})");
}

TEST(JsonRpcDecodeTest, EchoesLargestUnsignedId) {
  Incoming in = decode_one(R"({"jsonrpc":"2.0","id":18446744073709551615,"method":"ping"})");
  EXPECT_EQ(in.kind, Kind::kRequest);
  ASSERT_TRUE(in.id.is_number_unsigned());
  EXPECT_EQ(in.id.get<std::uint64_t>(), UINT64_MAX);
  EXPECT_EQ(encode(make_result(in.id, nullptr)),
            R"({"id":18446744073709551615,"jsonrpc":"2.0","result":null})");
}

TEST(JsonRpcDecodeTest, EchoesNegativeId) {
  Incoming in = decode_one(R"({"jsonrpc":"2.0","id":-9223372036854775808,"method":"ping"})");
  EXPECT_EQ(in.kind, Kind::kRequest);
  EXPECT_EQ(in.id.get<std::int64_t>(), INT64_MIN);
  EXPECT_EQ(encode(make_result(in.id, 1)),
            R"({"id":-9223372036854775808,"jsonrpc":"2.0","result":1})");
}

TEST(JsonRpcDecodeTest, TreatsMessageWithoutIdAsNotification) {
  Incoming in = decode_one(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  EXPECT_EQ(in.kind, Kind::kNotification);
  EXPECT_TRUE(in.id.is_null());
  EXPECT_EQ(in.method, "notifications/initialized");
  EXPECT_TRUE(in.params.is_null());
}

TEST(JsonRpcDecodeTest, AcceptsArrayParams) {
  Incoming in = decode_one(R"({"jsonrpc":"2.0","id":1,"method":"m","params":[1,2]})");
  EXPECT_EQ(in.kind, Kind::kRequest);
  EXPECT_EQ(in.params, json::array({1, 2}));
}

TEST(JsonRpcDecodeTest, DecodesResultResponse) {
  Incoming in = decode_one(R"({"jsonrpc":"2.0","id":"s1","result":{"roots":[]}})");
  EXPECT_EQ(in.kind, Kind::kResponse);
  EXPECT_EQ(in.id, "s1");
  EXPECT_EQ(in.result, json({{"roots", json::array()}}));
  EXPECT_FALSE(in.error.has_value());
}

TEST(JsonRpcDecodeTest, DecodesErrorResponseKeepingData) {
  Incoming in = decode_one(
      R"({"jsonrpc":"2.0","id":3,"error":{"code":-32601,"message":"nope","data":{"reason":"X_Y","k":1}}})");
  EXPECT_EQ(in.kind, Kind::kResponse);
  EXPECT_EQ(in.id, 3);
  ASSERT_TRUE(in.error.has_value());
  EXPECT_EQ(in.error->code, kMethodNotFound);
  EXPECT_EQ(in.error->message, "nope");
  EXPECT_EQ(in.error->reason, "X_Y");
  EXPECT_EQ(in.error->data, json({{"reason", "X_Y"}, {"k", 1}}));
}

TEST(JsonRpcDecodeTest, AcceptsErrorResponseWithNullId) {
  Incoming in =
      decode_one(R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"bad"}})");
  EXPECT_EQ(in.kind, Kind::kResponse);
  EXPECT_TRUE(in.id.is_null());
  ASSERT_TRUE(in.error.has_value());
  EXPECT_EQ(in.error->code, kParseError);
}

TEST(JsonRpcDecodeTest, RefusesResultResponseWithNullId) {
  expect_invalid(decode_one(R"({"jsonrpc":"2.0","id":null,"result":{}})"), nullptr);
}

TEST(JsonRpcDecodeTest, RefusesMalformedErrorObject) {
  expect_invalid(decode_one(R"({"jsonrpc":"2.0","id":4,"error":{"code":"x","message":"m"}})"), 4);
  expect_invalid(decode_one(R"({"jsonrpc":"2.0","id":4,"error":{"code":1}})"), 4);
  expect_invalid(decode_one(R"({"jsonrpc":"2.0","id":4,"error":"boom"})"), 4);
  expect_invalid(decode_one(R"({"jsonrpc":"2.0","id":4,"error":{"code":1.5,"message":"m"}})"), 4);
}

TEST(JsonRpcDecodeTest, RefusesResponseWithResultAndError) {
  expect_invalid(
      decode_one(R"({"jsonrpc":"2.0","id":4,"result":1,"error":{"code":1,"message":"m"}})"), 4);
}

TEST(JsonRpcDecodeTest, RefusesResponseWithoutId) {
  expect_invalid(decode_one(R"({"jsonrpc":"2.0","result":1})"), nullptr);
}

TEST(JsonRpcDecodeTest, RefusesWrongOrMissingVersionKeepingId) {
  expect_invalid(decode_one(R"({"jsonrpc":"1.0","id":5,"method":"ping"})"), 5);
  expect_invalid(decode_one(R"({"id":"a","method":"ping"})"), "a");
  expect_invalid(decode_one(R"({"jsonrpc":2.0,"id":5,"method":"ping"})"), 5);
}

TEST(JsonRpcDecodeTest, RefusesInvalidIdTypesWithNullId) {
  for (const char* id : {"1.5", "true", "{}", "[1]", "null"}) {
    SCOPED_TRACE(id);
    const std::string text = std::string(R"({"jsonrpc":"2.0","method":"ping","id":)") + id + "}";
    expect_invalid(decode_one(text), nullptr);
  }
}

TEST(JsonRpcDecodeTest, RefusesIdTooLargeForAnInteger) {
  // Beyond uint64 the parser makes a float of it, which is not a valid id.
  expect_invalid(decode_one(R"({"jsonrpc":"2.0","id":18446744073709551616,"method":"ping"})"),
                 nullptr);
}

TEST(JsonRpcDecodeTest, RefusesNonStringOrEmptyMethod) {
  expect_invalid(decode_one(R"({"jsonrpc":"2.0","id":1,"method":5})"), 1);
  expect_invalid(decode_one(R"({"jsonrpc":"2.0","id":1,"method":""})"), 1);
  expect_invalid(decode_one(R"({"jsonrpc":"2.0","id":1,"method":null})"), 1);
}

TEST(JsonRpcDecodeTest, RefusesParamsThatAreNotObjectOrArray) {
  for (const char* params : {"1", "\"x\"", "null", "true"}) {
    SCOPED_TRACE(params);
    const std::string text =
        std::string(R"({"jsonrpc":"2.0","id":"q","method":"m","params":)") + params + "}";
    expect_invalid(decode_one(text), "q");
  }
}

TEST(JsonRpcDecodeTest, RefusesMessageWithMethodAndResult) {
  expect_invalid(decode_one(R"({"jsonrpc":"2.0","id":1,"method":"m","result":1})"), 1);
}

TEST(JsonRpcDecodeTest, RefusesObjectWithNeitherMethodNorResult) {
  expect_invalid(decode_one(R"({"jsonrpc":"2.0","id":1})"), 1);
}

TEST(JsonRpcDecodeTest, AnswersTruncatedJsonWithParseError) {
  Decoded d = decode(R"({"jsonrpc":"2.0","id":1,"method":"pi)");
  ASSERT_TRUE(d.error.has_value());
  EXPECT_EQ(d.error->code, kParseError);
  EXPECT_EQ(d.error->reason, "MCP_PARSE_ERROR");
  EXPECT_EQ(d.error->message.rfind("Parse error: ", 0), 0U) << d.error->message;
  EXPECT_TRUE(d.items.empty());
}

TEST(JsonRpcDecodeTest, ParseErrorDoesNotEchoInput) {
  const std::string secret(5000, 'z');
  Decoded d = decode("{\"a\": " + secret);
  ASSERT_TRUE(d.error.has_value());
  EXPECT_EQ(d.error->reason, "MCP_PARSE_ERROR");
  EXPECT_EQ(d.error->message.find("zzz"), std::string::npos) << d.error->message;
  EXPECT_LT(d.error->message.size(), 300U);
}

TEST(JsonRpcDecodeTest, AnswersInvalidUtf8WithParseError) {
  Decoded d = decode("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"a\xff\"}");
  ASSERT_TRUE(d.error.has_value());
  EXPECT_EQ(d.error->code, kParseError);
  EXPECT_EQ(d.error->reason, "MCP_PARSE_ERROR");
  EXPECT_TRUE(d.items.empty());
}

TEST(JsonRpcDecodeTest, AnswersEmptyTextWithParseError) {
  Decoded d = decode("");
  ASSERT_TRUE(d.error.has_value());
  EXPECT_EQ(d.error->code, kParseError);
  EXPECT_EQ(d.error->reason, "MCP_PARSE_ERROR");
}

// A valid request padded with spaces to exactly `size` bytes.
std::string padded_request(std::size_t size) {
  std::string text = R"({"jsonrpc":"2.0","id":1,"method":"ping"})";
  text.insert(text.size() - 1, size - text.size(), ' ');
  return text;
}

TEST(JsonRpcDecodeTest, RefusesMessageOneByteOverTheCap) {
  const std::string text = padded_request(kDefaultMaxMessageBytes + 1);
  ASSERT_EQ(text.size(), kDefaultMaxMessageBytes + 1);
  Decoded d = decode(text);
  ASSERT_TRUE(d.error.has_value());
  EXPECT_EQ(d.error->code, kInvalidRequest);
  EXPECT_EQ(d.error->reason, "MCP_MESSAGE_TOO_LARGE");
  EXPECT_NE(d.error->message.find("1048576"), std::string::npos) << d.error->message;
  EXPECT_TRUE(d.items.empty());
}

TEST(JsonRpcDecodeTest, AcceptsMessageExactlyAtTheCap) {
  const std::string text = padded_request(kDefaultMaxMessageBytes);
  ASSERT_EQ(text.size(), kDefaultMaxMessageBytes);
  Incoming in = decode_one(text);
  EXPECT_EQ(in.kind, Kind::kRequest);
  EXPECT_EQ(in.method, "ping");
}

TEST(JsonRpcDecodeTest, HonoursACustomCap) {
  Decoded d = decode(R"({"jsonrpc":"2.0","method":"ping"})", 10);
  ASSERT_TRUE(d.error.has_value());
  EXPECT_EQ(d.error->reason, "MCP_MESSAGE_TOO_LARGE");
}

TEST(JsonRpcDecodeTest, RefusesEmptyBatch) {
  Decoded d = decode("[]");
  EXPECT_TRUE(d.batch);
  ASSERT_TRUE(d.error.has_value());
  EXPECT_EQ(d.error->code, kInvalidRequest);
  EXPECT_EQ(d.error->reason, "MCP_INVALID_REQUEST");
  EXPECT_TRUE(d.items.empty());
}

TEST(JsonRpcDecodeTest, ClassifiesEachElementOfABatch) {
  Decoded d = decode(
      R"([{"jsonrpc":"2.0","id":1,"method":"a"},
          {"jsonrpc":"2.0","method":"b"},
          1,
          {"jsonrpc":"2.0","id":"x","method":7},
          {"jsonrpc":"2.0","id":2,"result":true}])");
  ASSERT_FALSE(d.error.has_value());
  EXPECT_TRUE(d.batch);
  ASSERT_EQ(d.items.size(), 5U);
  EXPECT_EQ(d.items[0].kind, Kind::kRequest);
  EXPECT_EQ(d.items[0].method, "a");
  EXPECT_EQ(d.items[1].kind, Kind::kNotification);
  expect_invalid(d.items[2], nullptr);
  expect_invalid(d.items[3], "x");
  EXPECT_EQ(d.items[4].kind, Kind::kResponse);
  EXPECT_EQ(d.items[4].result, true);
}

TEST(JsonRpcDecodeTest, RefusesNonObjectTopLevelValues) {
  for (const char* text : {"1", "\"ping\"", "null", "true"}) {
    SCOPED_TRACE(text);
    Decoded d = decode(text);
    ASSERT_TRUE(d.error.has_value());
    EXPECT_EQ(d.error->code, kInvalidRequest);
    EXPECT_EQ(d.error->reason, "MCP_INVALID_REQUEST");
    EXPECT_FALSE(d.batch);
    EXPECT_TRUE(d.items.empty());
  }
}

TEST(JsonRpcDecodeTest, SurvivesDeeplyNestedArrays) {
  const std::string open(100000, '[');
  Decoded unclosed = decode(open);
  ASSERT_TRUE(unclosed.error.has_value());
  EXPECT_EQ(unclosed.error->code, kParseError);
  EXPECT_EQ(unclosed.error->reason, "MCP_PARSE_ERROR");

  Decoded closed = decode(open + std::string(100000, ']'));
  ASSERT_TRUE(closed.error.has_value());
  EXPECT_EQ(closed.error->code, kParseError);
  EXPECT_TRUE(closed.items.empty());
}

TEST(JsonRpcDecodeTest, RefusesDeepParamsButNotBracketsInStrings) {
  const std::string deep = R"({"jsonrpc":"2.0","id":1,"method":"m","params":{"a":)" +
                           std::string(5000, '[') + std::string(5000, ']') + "}}";
  Decoded d = decode(deep);
  ASSERT_TRUE(d.error.has_value());
  EXPECT_EQ(d.error->reason, "MCP_PARSE_ERROR");

  const std::string quoted = R"({"jsonrpc":"2.0","id":1,"method":"m","params":{"a":")" +
                             std::string(5000, '[') + R"(\"{"}})";
  Incoming in = decode_one(quoted);
  EXPECT_EQ(in.kind, Kind::kRequest);
  EXPECT_EQ(in.params["a"].get<std::string>().size(), 5002U);
}

TEST(JsonRpcClassifyTest, RefusesNonObject) {
  expect_invalid(classify(json::array()), nullptr);
  expect_invalid(classify("x"), nullptr);
}

TEST(JsonRpcErrorObjectTest, PutsReasonIntoData) {
  ErrorObject e{kInvalidParams, "MCP_ARGUMENTS_INVALID", "bad", json{{"path", "/text"}}};
  EXPECT_EQ(e.to_json(),
            json({{"code", -32602},
                  {"message", "bad"},
                  {"data", {{"reason", "MCP_ARGUMENTS_INVALID"}, {"path", "/text"}}}}));
}

TEST(JsonRpcErrorObjectTest, PutsNonObjectDataUnderDetail) {
  ErrorObject e{kInternalError, "MCP_INTERNAL_ERROR", "oops", "more"};
  EXPECT_EQ(e.to_json()["data"], json({{"reason", "MCP_INTERNAL_ERROR"}, {"detail", "more"}}));
}

TEST(JsonRpcErrorObjectTest, ReasonOverridesDataReason) {
  ErrorObject e{kInternalError, "MCP_INTERNAL_ERROR", "oops", json{{"reason", "OTHER"}}};
  EXPECT_EQ(e.to_json()["data"], json({{"reason", "MCP_INTERNAL_ERROR"}}));
}

TEST(JsonRpcErrorObjectTest, NullDataHasOnlyReason) {
  ErrorObject e{kMethodNotFound, "MCP_METHOD_NOT_FOUND", "Method not found", nullptr};
  EXPECT_EQ(e.to_json()["data"], json({{"reason", "MCP_METHOD_NOT_FOUND"}}));
}

TEST(JsonRpcMakeTest, BuildsEveryKindOfMessage) {
  EXPECT_EQ(make_result("a", {{"x", 1}}),
            json({{"jsonrpc", "2.0"}, {"id", "a"}, {"result", {{"x", 1}}}}));
  ErrorObject e{kResourceNotFound, "MCP_RESOURCE_NOT_FOUND", "no such resource", nullptr};
  EXPECT_EQ(make_error(nullptr, e), json({{"jsonrpc", "2.0"},
                                          {"id", nullptr},
                                          {"error",
                                           {{"code", -32002},
                                            {"message", "no such resource"},
                                            {"data", {{"reason", "MCP_RESOURCE_NOT_FOUND"}}}}}}));
  EXPECT_EQ(make_request(9, "roots/list"),
            json({{"jsonrpc", "2.0"}, {"id", 9}, {"method", "roots/list"}}));
  EXPECT_EQ(make_request(9, "m", json::array({1})),
            json({{"jsonrpc", "2.0"}, {"id", 9}, {"method", "m"}, {"params", {1}}}));
  EXPECT_EQ(make_notification("notifications/tools/list_changed"),
            json({{"jsonrpc", "2.0"}, {"method", "notifications/tools/list_changed"}}));
  EXPECT_EQ(make_notification("n", {{"k", true}}),
            json({{"jsonrpc", "2.0"}, {"method", "n"}, {"params", {{"k", true}}}}));
}

TEST(JsonRpcMakeTest, RoundTripsThroughDecode) {
  Incoming in = decode_one(encode(make_request("r-1", "tools/call", {{"name", "echo"}})));
  EXPECT_EQ(in.kind, Kind::kRequest);
  EXPECT_EQ(in.id, "r-1");
  EXPECT_EQ(in.method, "tools/call");
  EXPECT_EQ(in.params, json({{"name", "echo"}}));
}

TEST(JsonRpcEncodeTest, WritesOneCompactLineAndReplacesInvalidUtf8) {
  json message = make_result(1, std::string("a\xff") + "\nb");
  const std::string text = encode(message);
  EXPECT_EQ(text, "{\"id\":1,\"jsonrpc\":\"2.0\",\"result\":\"a\xEF\xBF\xBD\\nb\"}");
  EXPECT_EQ(text.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace cairn::mcp::jsonrpc
