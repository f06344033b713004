#include "cairn/mcp/schema.hpp"

#include <gtest/gtest.h>

#include <string>

namespace cairn::mcp {
namespace {

using json = nlohmann::json;

Schema compiled(const json& document) {
  Result<Schema> schema = Schema::compile(document);
  EXPECT_TRUE(schema.has_value()) << (schema ? "" : schema.error().message);
  if (!schema) return *Schema::compile(true);
  return *schema;
}

// The violation of `value` against `document` as "path|message", or "ok".
std::string check(const json& document, const json& value) {
  std::optional<SchemaViolation> v = compiled(document).validate(value);
  return v ? v->path + "|" + v->message : "ok";
}

// The reason compile() refuses `document` with, or "ok".
std::string refusal(const json& document) {
  Result<Schema> schema = Schema::compile(document);
  if (schema) return "ok";
  EXPECT_EQ(schema.error().code, ErrorCode::kInvalidArgument);
  return schema.error().reason;
}

// `depth` arrays nested inside one another around 1.
json nested_arrays(std::size_t depth) {
  json value = 1;
  for (std::size_t i = 0; i < depth; ++i) value = json::array({std::move(value)});
  return value;
}

TEST(SchemaTest, HeaderExampleReportsPathOfWrongType) {
  json doc = {{"type", "object"},
              {"properties", {{"text", {{"type", "string"}, {"maxLength", 1000}}}}},
              {"required", {"text"}},
              {"additionalProperties", false}};
  EXPECT_EQ(check(doc, {{"text", 5}}), "/text|must be a string");
  EXPECT_EQ(check(doc, {{"text", "hi"}}), "ok");
  EXPECT_EQ(compiled(doc).document(), doc);
}

TEST(SchemaTest, ChecksEachType) {
  EXPECT_EQ(check({{"type", "string"}}, "a"), "ok");
  EXPECT_EQ(check({{"type", "string"}}, 1), "|must be a string");
  EXPECT_EQ(check({{"type", "number"}}, 1.5), "ok");
  EXPECT_EQ(check({{"type", "number"}}, "1"), "|must be a number");
  EXPECT_EQ(check({{"type", "boolean"}}, false), "ok");
  EXPECT_EQ(check({{"type", "boolean"}}, 0), "|must be a boolean");
  EXPECT_EQ(check({{"type", "null"}}, nullptr), "ok");
  EXPECT_EQ(check({{"type", "null"}}, 0), "|must be null");
  EXPECT_EQ(check({{"type", "object"}}, json::object()), "ok");
  EXPECT_EQ(check({{"type", "object"}}, json::array()), "|must be an object");
  EXPECT_EQ(check({{"type", "array"}}, json::array()), "ok");
  EXPECT_EQ(check({{"type", "array"}}, json::object()), "|must be an array");
}

TEST(SchemaTest, IntegerAcceptsIntegralFloats) {
  EXPECT_EQ(check({{"type", "integer"}}, 3), "ok");
  EXPECT_EQ(check({{"type", "integer"}}, 18446744073709551615ULL), "ok");
  EXPECT_EQ(check({{"type", "integer"}}, 1.0), "ok");
  EXPECT_EQ(check({{"type", "integer"}}, 1.5), "|must be an integer");
  EXPECT_EQ(check({{"type", "integer"}}, "1"), "|must be an integer");
}

TEST(SchemaTest, TypeListAcceptsAnyListedType) {
  json doc = {{"type", {"string", "null"}}};
  EXPECT_EQ(check(doc, "x"), "ok");
  EXPECT_EQ(check(doc, nullptr), "ok");
  EXPECT_EQ(check(doc, 1), "|must be a string or null");
  EXPECT_EQ(check({{"type", {"integer", "array", "boolean"}}}, "x"),
            "|must be an integer, a boolean or an array");
}

TEST(SchemaTest, EnumComparesJsonValues) {
  json doc = {{"enum", {"open", "done", 1}}};
  EXPECT_EQ(check(doc, "open"), "ok");
  EXPECT_EQ(check(doc, 1.0), "ok");
  EXPECT_EQ(check(doc, "closed"), "|must be one of: open, done, 1");
  EXPECT_EQ(check({{"enum", {{{"a", 1}}}}}, {{"a", 1}}), "ok");
}

TEST(SchemaTest, EnumMessageIsCapped) {
  json values = json::array();
  for (int i = 0; i < 50; ++i) values.push_back(i);
  EXPECT_EQ(check({{"enum", values}}, 99), "|must be one of: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, ...");
}

TEST(SchemaTest, ConstComparesJsonValues) {
  EXPECT_EQ(check({{"const", 2}}, 2.0), "ok");
  EXPECT_EQ(check({{"const", {1, 2}}}, {1, 2}), "ok");
  EXPECT_EQ(check({{"const", "v"}}, "w"), "|must be equal to v");
}

TEST(SchemaTest, RequiredReportsMissingPropertyPath) {
  json doc = {{"type", "object"}, {"required", {"a", "b/c"}}};
  EXPECT_EQ(check(doc, {{"a", 1}, {"b/c", 2}}), "ok");
  EXPECT_EQ(check(doc, {{"b/c", 2}}), "/a|is required");
  EXPECT_EQ(check(doc, {{"a", 1}}), "/b~1c|is required");
}

TEST(SchemaTest, AdditionalPropertiesFalseRefusesUnknownNames) {
  json doc = {{"properties", {{"a", {{"type", "integer"}}}}}, {"additionalProperties", false}};
  EXPECT_EQ(check(doc, {{"a", 1}}), "ok");
  EXPECT_EQ(check(doc, {{"a", 1}, {"x~y", 2}}), "/x~0y|is not allowed");
}

TEST(SchemaTest, AdditionalPropertiesSchemaChecksUnknownNames) {
  json doc = {{"properties", {{"a", true}}}, {"additionalProperties", {{"type", "string"}}}};
  EXPECT_EQ(check(doc, {{"a", 1}, {"b", "x"}}), "ok");
  EXPECT_EQ(check(doc, {{"a", 1}, {"b", 2}}), "/b|must be a string");
}

TEST(SchemaTest, PropertiesIgnoreNonObjects) {
  json doc = {{"properties", {{"a", {{"type", "string"}}}}}, {"required", {"a"}}};
  EXPECT_EQ(check(doc, 5), "ok");
}

TEST(SchemaTest, ChecksPropertyCounts) {
  json doc = {{"minProperties", 1}, {"maxProperties", 2}};
  EXPECT_EQ(check(doc, {{"a", 1}}), "ok");
  EXPECT_EQ(check(doc, json::object()), "|must have at least 1 property");
  EXPECT_EQ(check(doc, {{"a", 1}, {"b", 2}, {"c", 3}}), "|must have at most 2 properties");
}

TEST(SchemaTest, ChecksItemsAndTheirPaths) {
  json doc = {{"type", "array"}, {"items", {{"type", "integer"}}}};
  EXPECT_EQ(check(doc, {1, 2, 3}), "ok");
  EXPECT_EQ(check(doc, {1, "x", "y"}), "/1|must be an integer");
}

TEST(SchemaTest, ChecksItemCounts) {
  json doc = {{"minItems", 1}, {"maxItems", 10}};
  EXPECT_EQ(check(doc, {1}), "ok");
  EXPECT_EQ(check(doc, json::array()), "|must have at least 1 item");
  json eleven = json::array();
  for (int i = 0; i < 11; ++i) eleven.push_back(i);
  EXPECT_EQ(check(doc, eleven), "|must have at most 10 items");
}

TEST(SchemaTest, UniqueItemsFindsFirstRepeat) {
  json doc = {{"uniqueItems", true}};
  EXPECT_EQ(check(doc, {1, 2, "1", {{"a", 1}}}), "ok");
  EXPECT_EQ(check(doc, {"b", 1, "a", 1.0, "b"}), "/3|is a duplicate (items must be unique)");
  EXPECT_EQ(check(doc, {{{"a", {1}}}, 2, {{"a", {1}}}}),
            "/2|is a duplicate (items must be unique)");
  EXPECT_EQ(check({{"uniqueItems", false}}, {1, 1}), "ok");
}

TEST(SchemaTest, LengthsCountCodePoints) {
  json doc = {{"minLength", 3}, {"maxLength", 4}};
  EXPECT_EQ(check(doc, "h\xC3\xA9h"), "ok");  // "héh": 4 bytes, 3 code points
  EXPECT_EQ(check(doc, "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"), "ok");  // 8 bytes, 4 code points
  EXPECT_EQ(check(doc, "ab"), "|must be at least 3 characters long");
  EXPECT_EQ(check(doc, "abcde"), "|must be at most 4 characters long");
  EXPECT_EQ(check({{"maxLength", 1}}, "ab"), "|must be at most 1 character long");
}

TEST(SchemaTest, PatternIsNotAnchored) {
  EXPECT_EQ(check({{"pattern", "[0-9]"}}, "ab1c"), "ok");
  EXPECT_EQ(check({{"pattern", "^[a-z]+$"}}, "abc"), "ok");
  EXPECT_EQ(check({{"pattern", "^[a-z]+$"}}, "ab1"), "|must match the pattern ^[a-z]+$");
  EXPECT_EQ(check({{"pattern", "^[a-z]+$"}}, 5), "ok");  // applies to strings only
}

TEST(SchemaTest, RefusesLongStringAgainstPattern) {
  json doc = {{"pattern", "a"}};
  EXPECT_EQ(check(doc, std::string(kMaxPatternSubjectBytes, 'a')), "ok");
  EXPECT_EQ(check(doc, std::string(kMaxPatternSubjectBytes + 1, 'a')),
            "|is too long to match against the pattern");
}

TEST(SchemaTest, ChecksInclusiveBounds) {
  json doc = {{"minimum", 1}, {"maximum", 100}};
  EXPECT_EQ(check(doc, 1), "ok");
  EXPECT_EQ(check(doc, 100.0), "ok");
  EXPECT_EQ(check(doc, 0), "|must be at least 1");
  EXPECT_EQ(check(doc, 0.5), "|must be at least 1");
  EXPECT_EQ(check(doc, 101), "|must be at most 100");
  EXPECT_EQ(check({{"minimum", -1.5}}, -2), "|must be at least -1.5");
}

TEST(SchemaTest, ChecksExclusiveBounds) {
  json doc = {{"exclusiveMinimum", 0}, {"exclusiveMaximum", 10}};
  EXPECT_EQ(check(doc, 5), "ok");
  EXPECT_EQ(check(doc, 0), "|must be greater than 0");
  EXPECT_EQ(check(doc, 10.0), "|must be less than 10");
}

TEST(SchemaTest, ComparesLargeIntegersExactly) {
  // As doubles these two are equal; as integers the value is one above the maximum.
  json doc = {{"maximum", 9007199254740992LL}};
  EXPECT_EQ(check(doc, 9007199254740992LL), "ok");
  EXPECT_EQ(check(doc, 9007199254740993LL), "|must be at most 9007199254740992");
  EXPECT_EQ(check({{"minimum", -1}}, 18446744073709551615ULL), "ok");
  EXPECT_EQ(check({{"maximum", -1}}, 18446744073709551615ULL), "|must be at most -1");
}

TEST(SchemaTest, ChecksMultipleOf) {
  EXPECT_EQ(check({{"multipleOf", 3}}, 9), "ok");
  EXPECT_EQ(check({{"multipleOf", 3}}, -9), "ok");
  EXPECT_EQ(check({{"multipleOf", 3}}, 10), "|must be a multiple of 3");
  EXPECT_EQ(check({{"multipleOf", 0.01}}, 0.29), "ok");
  EXPECT_EQ(check({{"multipleOf", 0.01}}, 0.295), "|must be a multiple of 0.01");
  EXPECT_EQ(check({{"multipleOf", 2}}, 4.0), "ok");
}

TEST(SchemaTest, AnyOfNeedsOneMatch) {
  json doc = {{"anyOf", {{{"type", "string"}}, {{"type", "integer"}, {"minimum", 5}}}}};
  EXPECT_EQ(check(doc, "x"), "ok");
  EXPECT_EQ(check(doc, 7), "ok");
  EXPECT_EQ(check(doc, 3), "|must match at least one of the schemas in anyOf");
}

TEST(SchemaTest, OneOfNeedsExactlyOneMatch) {
  json doc = {{"oneOf", {{{"type", "integer"}}, {{"type", "number"}, {"minimum", 10}}}}};
  EXPECT_EQ(check(doc, 3), "ok");
  EXPECT_EQ(check(doc, 10.5), "ok");
  EXPECT_EQ(check(doc, 12), "|must match exactly one of the schemas in oneOf (it matches 2)");
  EXPECT_EQ(check(doc, "x"), "|must match exactly one of the schemas in oneOf (it matches 0)");
}

TEST(SchemaTest, BooleanSchemas) {
  EXPECT_EQ(check(true, {{"anything", {1, 2}}}), "ok");
  EXPECT_EQ(check(false, 1), "|is not allowed");
  json doc = {{"properties", {{"old", false}}}};
  EXPECT_EQ(check(doc, {{"new", 1}}), "ok");
  EXPECT_EQ(check(doc, {{"old", 1}}), "/old|is not allowed");
  EXPECT_EQ(check({{"items", false}}, json::array()), "ok");
  EXPECT_EQ(check({{"items", false}}, {1}), "/0|is not allowed");
}

TEST(SchemaTest, NestedObjectsAndArraysReportEscapedPaths) {
  json doc = {{"type", "object"},
              {"properties",
               {{"a/b",
                 {{"type", "array"},
                  {"items",
                   {{"type", "object"},
                    {"properties", {{"m~n", {{"type", "string"}, {"enum", {"x", "y"}}}}}}}}}}}}};
  EXPECT_EQ(check(doc, {{"a/b", {{{"m~n", "x"}}, {{"m~n", "y"}}}}}), "ok");
  EXPECT_EQ(check(doc, {{"a/b", {{{"m~n", "x"}}, {{"m~n", "z"}}}}}),
            "/a~1b/1/m~0n|must be one of: x, y");
}

TEST(SchemaTest, ReportsFirstViolationInOrder) {
  json doc = {
      {"type", "object"},
      {"properties",
       {{"a", {{"type", "string"}}}, {"b", {{"type", "string"}}}, {"c", {{"type", "string"}}}}},
      {"required", {"c"}},
      {"additionalProperties", false}};
  // required first, even though /a and /b are also wrong
  EXPECT_EQ(check(doc, {{"a", 1}, {"b", 2}, {"z", 0}}), "/c|is required");
  // then properties in the value's order
  EXPECT_EQ(check(doc, {{"a", 1}, {"b", 2}, {"c", "x"}}), "/a|must be a string");
  EXPECT_EQ(check(doc, {{"a", "x"}, {"b", 2}, {"c", "x"}}), "/b|must be a string");
  // then additional properties, after every known property is fine
  EXPECT_EQ(check(doc, {{"0", 0}, {"a", "x"}, {"b", 2}, {"c", "x"}}), "/b|must be a string");
  EXPECT_EQ(check(doc, {{"0", 0}, {"a", "x"}, {"b", "x"}, {"c", "x"}}), "/0|is not allowed");
  // the type of the value comes before anything inside it
  EXPECT_EQ(check(doc, json::array()), "|must be an object");
}

TEST(SchemaTest, RefusesDeepValuesCompared) {
  json doc = {{"enum", {1}}};
  EXPECT_EQ(check(doc, nested_arrays(kMaxSchemaDepth)), "|must be one of: 1");
  EXPECT_EQ(check(doc, nested_arrays(kMaxSchemaDepth + 1)), "|must not be deeper than 64 levels");
  EXPECT_EQ(check(doc, nested_arrays(100000)), "|must not be deeper than 64 levels");
  EXPECT_EQ(
      check({{"properties", {{"a", {{"const", 1}}}}}}, {{"a", nested_arrays(kMaxSchemaDepth)}}),
      "/a|must not be deeper than 64 levels");
  EXPECT_EQ(check({{"uniqueItems", true}}, {nested_arrays(100000), 1}),
            "|must not be deeper than 64 levels");
}

TEST(SchemaTest, DeepValuesOutsideTheSchemaAreNotWalked) {
  EXPECT_EQ(check({{"type", "object"}}, {{"a", nested_arrays(100000)}}), "ok");
}

TEST(SchemaTest, CompilesSchemasUpToTheDepthLimit) {
  json ok = true;
  for (std::size_t i = 0; i < kMaxSchemaDepth; ++i) ok = {{"items", std::move(ok)}};
  EXPECT_EQ(refusal(ok), "ok");
  json deep = {{"items", ok}};
  EXPECT_EQ(refusal(deep), "MCP_SCHEMA_INVALID");
  json deeper = true;
  for (int i = 0; i < 10000; ++i) deeper = {{"items", std::move(deeper)}};
  EXPECT_EQ(refusal(deeper), "MCP_SCHEMA_INVALID");
}

TEST(SchemaTest, ValidatesAtTheSchemaDepthLimit) {
  json doc = {{"type", "integer"}};
  for (std::size_t i = 0; i < kMaxSchemaDepth; ++i) doc = {{"items", std::move(doc)}};
  EXPECT_EQ(check(doc, nested_arrays(kMaxSchemaDepth)), "ok");
  json bad = "x";
  for (std::size_t i = 0; i < kMaxSchemaDepth; ++i) bad = json::array({std::move(bad)});
  std::string path;
  for (std::size_t i = 0; i < kMaxSchemaDepth; ++i) path += "/0";
  EXPECT_EQ(check(doc, bad), path + "|must be an integer");
}

TEST(SchemaTest, RefusesUnsupportedKeywordsNamingThem) {
  for (const char* keyword : {"$ref", "allOf", "not", "if", "patternProperties", "prefixItems",
                              "dependentRequired", "contains", "$defs", "nullable"}) {
    SCOPED_TRACE(keyword);
    json doc = {{"type", "object"}, {"properties", {{"x", {{keyword, json::object()}}}}}};
    Result<Schema> schema = Schema::compile(doc);
    ASSERT_FALSE(schema.has_value());
    EXPECT_EQ(schema.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(schema.error().reason, "MCP_SCHEMA_UNSUPPORTED");
    EXPECT_NE(schema.error().message.find(keyword), std::string::npos) << schema.error().message;
    EXPECT_NE(schema.error().message.find("/properties/x"), std::string::npos)
        << schema.error().message;
  }
}

TEST(SchemaTest, KeepsAnnotations) {
  json doc = {{"$schema", "https://json-schema.org/draft/2020-12/schema"},
              {"$id", "urn:x"},
              {"title", "T"},
              {"description", "D"},
              {"default", 1},
              {"examples", {1}},
              {"format", "uri"},
              {"deprecated", false},
              {"readOnly", false},
              {"writeOnly", false},
              {"$comment", "c"}};
  EXPECT_EQ(check(doc, "not-a-uri"), "ok");
}

TEST(SchemaTest, RefusesIllTypedKeywordValues) {
  for (const json& doc : {json{{"type", "text"}},
                          json{{"type", 1}},
                          json{{"type", json::array()}},
                          json{{"enum", 1}},
                          json{{"properties", {1}}},
                          json{{"properties", {{"a", 1}}}},
                          json{{"required", "a"}},
                          json{{"required", {1}}},
                          json{{"additionalProperties", "no"}},
                          json{{"items", {true}}},
                          json{{"uniqueItems", 1}},
                          json{{"pattern", 1}},
                          json{{"minLength", -1}},
                          json{{"maxItems", 1.5}},
                          json{{"minProperties", "1"}},
                          json{{"minimum", "0"}},
                          json{{"exclusiveMinimum", true}},
                          json{{"multipleOf", 0}},
                          json{{"multipleOf", -2}},
                          json{{"anyOf", json::array()}},
                          json{{"oneOf", {1}}},
                          json(1),
                          json("schema"),
                          json(nullptr)}) {
    SCOPED_TRACE(doc.dump());
    EXPECT_EQ(refusal(doc), "MCP_SCHEMA_INVALID");
  }
}

TEST(SchemaTest, AcceptsIntegralFloatCounts) {
  EXPECT_EQ(check({{"maxItems", 2.0}}, {1, 2, 3}), "|must have at most 2 items");
}

TEST(SchemaTest, RefusesBadPatterns) {
  Result<Schema> schema = Schema::compile({{"properties", {{"p", {{"pattern", "([a-z"}}}}}});
  ASSERT_FALSE(schema.has_value());
  EXPECT_EQ(schema.error().reason, "MCP_SCHEMA_INVALID");
  EXPECT_NE(schema.error().message.find("/properties/p/pattern"), std::string::npos);
}

// Counts std::regex would overflow on (found by the mcp_schema fuzz target: UBSan, a signed
// overflow in libstdc++'s regex compiler) or expand into millions of states are refused when the
// schema is compiled; ordinary counts and literal braces compile and match.
TEST(SchemaTest, RefusesPatternCountsPastTheLimits) {
  for (const char* pattern : {"a{1001}", "a{2,1001}", "a{99999999999999999999}", "(a)\\1001",
                              "x\\5555555555555555277", "(a{100}){100}{100}", "a{1000}b{101}"}) {
    SCOPED_TRACE(pattern);
    Result<Schema> schema = Schema::compile({{"type", "string"}, {"pattern", pattern}});
    ASSERT_FALSE(schema.has_value());
    EXPECT_EQ(schema.error().reason, "MCP_SCHEMA_INVALID");
    EXPECT_NE(schema.error().message.find("/pattern"), std::string::npos);
  }
  EXPECT_EQ(check({{"pattern", "^\\d{4}-\\d{2}$"}}, "2026-12"), "ok");
  EXPECT_EQ(check({{"pattern", "^a{1000}$"}}, std::string(1000, 'a')), "ok");
  EXPECT_EQ(check({{"pattern", "^(ab){2,}$"}}, "ababab"), "ok");
  EXPECT_EQ(check({{"pattern", "^(a)\\1$"}}, "aa"), "ok");
  EXPECT_EQ(check({{"pattern", "^a\\{b$"}}, "a{b"), "ok");
}

TEST(SchemaTest, CopiesOutliveTheOriginal) {
  Schema a = compiled({{"type", "string"}});
  Schema b = a;
  a = compiled({{"type", "integer"}});
  ASSERT_TRUE(b.validate(1).has_value());
  EXPECT_EQ(b.validate(1)->message, "must be a string");
  EXPECT_EQ(b.document(), json({{"type", "string"}}));
  EXPECT_EQ(a.validate("x")->message, "must be an integer");
}

}  // namespace
}  // namespace cairn::mcp
