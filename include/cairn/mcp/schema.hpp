// cairn::mcp::Schema: the JSON Schema (2020-12) subset MCP tools describe their arguments with,
// compiled once and checked against every call's arguments.
//
// Example:
//   CAIRN_ASSIGN_OR_RETURN(mcp::Schema schema, mcp::Schema::compile({
//       {"type", "object"},
//       {"properties", {{"text", {{"type", "string"}, {"maxLength", 1000}}}}},
//       {"required", {"text"}},
//       {"additionalProperties", false}}));
//   std::optional<mcp::SchemaViolation> bad = schema.validate({{"text", 5}});
//   // bad->path == "/text", bad->message == "must be a string"
//
// Validation keywords understood: type (a name or a list of names; "integer" means a number with
// no fraction), enum, const, properties, required, additionalProperties (true, false or a
// schema), minProperties, maxProperties, items (one schema for every element), minItems,
// maxItems, uniqueItems, minLength and maxLength (in Unicode code points), pattern (ECMAScript,
// not anchored, like JSON Schema; strings longer than kMaxPatternSubjectBytes are refused rather
// than matched), minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf, anyOf, oneOf.
// Annotations are kept and ignored: $schema, $id, title, description, default, examples, format,
// deprecated, readOnly, writeOnly, $comment. Any other keyword ($ref, allOf, not, if/then/else,
// patternProperties, prefixItems, dependentRequired, ...) is refused at compile time, so a tool
// never believes a constraint is checked when it is not.
//
// Thread-safety: a compiled Schema is immutable; validate() may run on many threads at once.
// Ownership: Schema owns a copy of the schema document.
#pragma once

#include <cstddef>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cairn/core/result.hpp"

namespace cairn::mcp {

// Schemas nest at most this deep, and values are checked at most this deep (deeper is a
// violation, not a stack overflow).
inline constexpr std::size_t kMaxSchemaDepth = 64;
// A string checked against a `pattern` may be at most this long (std::regex backtracks
// recursively).
inline constexpr std::size_t kMaxPatternSubjectBytes = std::size_t{4} * 1024;
// In a `pattern`, a repetition count ({n}, {n,}, {n,m}) or back-reference number (\n) may be at
// most this, and the counts multiplied together at most kMaxPatternExpansion: std::regex builds
// one copy of the repeated part per count (and overflows on long digit runs), so larger ones
// would let a schema exhaust memory when it is compiled.
inline constexpr std::size_t kMaxPatternCount = 1000;
inline constexpr std::size_t kMaxPatternExpansion = 100000;

// Where a value breaks its schema, and how.
struct SchemaViolation {
  std::string path;     // a JSON Pointer (RFC 6901) into the value: "" for the root, "/items/0"
  std::string message;  // "must be a string", "is required", "must be one of: open, done"
};

class Schema {
 public:
  // Compiles `schema` (an object, or true/false). Errors: INVALID_ARGUMENT /
  // MCP_SCHEMA_INVALID (not an object or boolean; a keyword with a value of the wrong type; a
  // pattern that does not compile or has counts over kMaxPatternCount / kMaxPatternExpansion;
  // nested deeper than kMaxSchemaDepth) and
  // MCP_SCHEMA_UNSUPPORTED (a validation keyword this validator does not implement).
  static Result<Schema> compile(const nlohmann::json& schema);

  // The first violation of `value`, in document order, or nullopt when it conforms.
  [[nodiscard]] std::optional<SchemaViolation> validate(const nlohmann::json& value) const;

  // The schema document as given.
  [[nodiscard]] const nlohmann::json& document() const;

  struct Node;  // the compiled form (src/mcp/schema.cpp)

 private:
  explicit Schema(std::shared_ptr<const Node> root) : root_(std::move(root)) {}
  std::shared_ptr<const Node> root_;
};

}  // namespace cairn::mcp
