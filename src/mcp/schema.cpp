// The JSON Schema subset of schema.hpp. compile() turns the document into a tree of Node whose
// keyword values are already checked and converted (regexes built, bounds read), so validate()
// only walks the tree. Recursion is bounded by the schema's depth (at most kMaxSchemaDepth);
// comparisons that walk a value (enum, const, uniqueItems) first check that value's depth
// without recursion, because they recurse (compare_values: numbers by exact value).
#include "cairn/mcp/schema.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <exception>
#include <limits>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cairn::mcp {
namespace {

using json = nlohmann::json;

// Type names, as bits.
enum TypeBit : unsigned {
  kTypeNull = 1U << 0U,
  kTypeBoolean = 1U << 1U,
  kTypeObject = 1U << 2U,
  kTypeArray = 1U << 3U,
  kTypeNumber = 1U << 4U,
  kTypeString = 1U << 5U,
  kTypeInteger = 1U << 6U,
};

struct TypeName {
  std::string_view name;
  unsigned bit;
  std::string_view phrase;  // "must be <phrase>"
};

// In the order type_message() lists them.
constexpr TypeName kTypeNames[] = {
    {"string", kTypeString, "a string"},  {"integer", kTypeInteger, "an integer"},
    {"number", kTypeNumber, "a number"},  {"boolean", kTypeBoolean, "a boolean"},
    {"object", kTypeObject, "an object"}, {"array", kTypeArray, "an array"},
    {"null", kTypeNull, "null"},
};

// Keywords kept and ignored.
constexpr std::string_view kAnnotations[] = {
    "$schema", "$id",        "title",    "description", "default",  "examples",
    "format",  "deprecated", "readOnly", "writeOnly",   "$comment",
};

// enum lists at most this many values in its message.
constexpr std::size_t kMaxEnumListed = 10;
// A value quoted in a message (const) is cut to this many bytes.
constexpr std::size_t kMaxQuotedBytes = 80;
// The largest integer a double holds exactly; keyword counts above it are refused.
constexpr double kMaxExactDouble = 9007199254740992.0;

}  // namespace

struct Schema::Node {
  json document;  // the root's document only (document())

  // Boolean schema: true accepts everything, false nothing.
  bool is_boolean = false;
  bool boolean_value = true;

  unsigned types = 0;  // 0: any type
  std::optional<std::vector<json>> enum_values;
  std::optional<json> const_value;

  // Objects.
  std::map<std::string, std::unique_ptr<const Node>, std::less<>> properties;
  std::vector<std::string> required;
  std::unique_ptr<const Node> additional_properties;  // null: any
  std::optional<std::size_t> min_properties;
  std::optional<std::size_t> max_properties;

  // Arrays.
  std::unique_ptr<const Node> items;  // null: any
  std::optional<std::size_t> min_items;
  std::optional<std::size_t> max_items;
  bool unique_items = false;

  // Strings.
  std::optional<std::size_t> min_length;
  std::optional<std::size_t> max_length;
  std::optional<std::regex> pattern;
  std::string pattern_source;

  // Numbers (each a JSON number).
  std::optional<json> minimum;
  std::optional<json> maximum;
  std::optional<json> exclusive_minimum;
  std::optional<json> exclusive_maximum;
  std::optional<json> multiple_of;

  std::vector<std::unique_ptr<const Node>> any_of;
  std::vector<std::unique_ptr<const Node>> one_of;
};

namespace {

using Node = Schema::Node;

// Appends `token` to a JSON Pointer, escaped as RFC 6901 says.
void append_pointer_token(std::string& path, std::string_view token) {
  path += '/';
  for (const char c : token) {
    if (c == '~') {
      path += "~0";
    } else if (c == '/') {
      path += "~1";
    } else {
      path += c;
    }
  }
}

std::string schema_location(const std::string& pointer) { return "#" + pointer; }

// Why `pattern` must not reach std::regex, or nullopt: a repetition count ({n}, {n,}, {n,m}) or
// back-reference number over kMaxPatternCount (std::regex reads such digit runs into a long
// without checking, and copies the repeated part once per count), or counts whose product is over
// kMaxPatternExpansion. Conservative: a digit run after any '{' or '\\' counts, even where the
// pattern would take it literally.
std::optional<std::string> pattern_count_refusal(std::string_view pattern) {
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  std::size_t i = 0;
  // Reads the digit run at i (possibly empty); false when it is over kMaxPatternCount.
  auto read_count = [&](std::size_t& value) {
    value = 0;
    for (; i < pattern.size() && is_digit(pattern[i]); ++i) {
      value = value * 10 + static_cast<std::size_t>(pattern[i] - '0');
      if (value > kMaxPatternCount) return false;
    }
    return true;
  };
  const std::string limit = std::to_string(kMaxPatternCount);
  std::size_t expansion = 1;
  while (i < pattern.size()) {
    const char c = pattern[i++];
    std::size_t value = 0;
    if (c == '\\') {
      if (!read_count(value)) return "a back-reference number over " + limit;
      if (i < pattern.size() && !is_digit(pattern[i])) ++i;  // the escaped character
    } else if (c == '{') {
      const std::size_t start = i;
      if (!read_count(value)) return "a repetition count over " + limit;
      if (i == start) continue;  // a literal '{'
      std::size_t bound = value;
      if (i < pattern.size() && pattern[i] == ',') {
        ++i;
        const std::size_t upper_start = i;
        if (!read_count(value)) return "a repetition count over " + limit;
        if (i > upper_start) bound = value;
      }
      expansion *= std::max<std::size_t>(bound, 1);
      if (expansion > kMaxPatternExpansion) {
        return "repetition counts that multiply to over " + std::to_string(kMaxPatternExpansion);
      }
    }
  }
  return std::nullopt;
}

Unexpected<Error> schema_invalid(const std::string& pointer, const std::string& what) {
  return fail(ErrorCode::kInvalidArgument, "MCP_SCHEMA_INVALID",
              "invalid schema at " + schema_location(pointer) + ": " + what);
}

bool is_integral(const json& value) {
  if (value.is_number_integer()) return true;
  if (!value.is_number_float()) return false;
  const double d = value.get<double>();
  return std::isfinite(d) && std::floor(d) == d;
}

// A keyword's non-negative integer value (minLength, maxItems, ...).
Result<std::size_t> read_count(const json& value, const std::string& pointer) {
  if (value.is_number_unsigned()) return static_cast<std::size_t>(value.get<std::uint64_t>());
  if (value.is_number_integer() && value.get<std::int64_t>() >= 0) {
    return static_cast<std::size_t>(value.get<std::int64_t>());
  }
  if (value.is_number_float() && is_integral(value) && value.get<double>() >= 0 &&
      value.get<double>() <= kMaxExactDouble) {
    return static_cast<std::size_t>(value.get<double>());
  }
  return schema_invalid(pointer, "must be a non-negative integer");
}

Result<json> read_number(const json& value, const std::string& pointer) {
  if (!value.is_number()) return schema_invalid(pointer, "must be a number");
  return value;
}

// JSON Schema compares instances by value (2020-12, section 4.2.2): numbers by their
// mathematical value, whatever their representation. nlohmann's operators cast an unsigned to a
// signed integer and an integer to a double, so -1 would equal 18446744073709551615 and
// 9007199254740993 would equal 9007199254740992.0; these compare exactly instead. long double
// holds every int64, uint64 and double exactly on the platforms cairn builds for.
static_assert(std::numeric_limits<long double>::digits >= 64,
              "exact number comparison needs a 64-bit long double mantissa");

long double exact_number(const json& value) {
  if (value.is_number_unsigned()) return static_cast<long double>(value.get<std::uint64_t>());
  if (value.is_number_integer()) return static_cast<long double>(value.get<std::int64_t>());
  return static_cast<long double>(value.get<double>());
}

// The rank of a value's kind in the order below: null, boolean, number, string, array, object.
int kind_rank(const json& value) {
  if (value.is_null()) return 0;
  if (value.is_boolean()) return 1;
  if (value.is_number()) return 2;
  if (value.is_string()) return 3;
  if (value.is_array()) return 4;
  return 5;
}

// A total order on JSON values consistent with schema equality: -1, 0 or 1. Recursive; callers
// check deeper_than() first.
int compare_values(const json& a, const json& b) {
  const int ka = kind_rank(a);
  const int kb = kind_rank(b);
  if (ka != kb) return ka < kb ? -1 : 1;
  switch (ka) {
    case 0:
      return 0;
    case 1:
      return a.get<bool>() == b.get<bool>() ? 0 : (a.get<bool>() ? 1 : -1);
    case 2: {
      const long double x = exact_number(a);
      const long double y = exact_number(b);
      return x < y ? -1 : (y < x ? 1 : 0);
    }
    case 3: {
      const int c = a.get_ref<const std::string&>().compare(b.get_ref<const std::string&>());
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    case 4: {
      for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
        if (int c = compare_values(a[i], b[i]); c != 0) return c;
      }
      return a.size() == b.size() ? 0 : (a.size() < b.size() ? -1 : 1);
    }
    default: {
      // Objects keep their members sorted by key, so a walk in step compares them.
      auto ia = a.items().begin();
      auto ib = b.items().begin();
      for (; ia != a.items().end() && ib != b.items().end(); ++ia, ++ib) {
        if (int c = ia.key().compare(ib.key()); c != 0) return c < 0 ? -1 : 1;
        if (int c = compare_values(ia.value(), ib.value()); c != 0) return c;
      }
      return a.size() == b.size() ? 0 : (a.size() < b.size() ? -1 : 1);
    }
  }
}

bool same_value(const json& a, const json& b) { return compare_values(a, b) == 0; }

// True when `value` nests deeper than `limit` levels below itself. Iterative.
bool deeper_than(const json& value, std::size_t limit) {
  std::vector<std::pair<const json*, std::size_t>> stack;
  stack.emplace_back(&value, 0);
  while (!stack.empty()) {
    const auto [node, depth] = stack.back();
    stack.pop_back();
    if (!node->is_structured()) continue;
    if (depth + 1 > limit && !node->empty()) return true;
    for (const json& child : *node) stack.emplace_back(&child, depth + 1);
  }
  return false;
}

Result<std::unique_ptr<Node>> compile_node(const json& schema, std::string& pointer,
                                           std::size_t depth);

// Compiles the subschema `schema` found at `pointer` + "/" + `token`.
Result<std::unique_ptr<Node>> compile_child(const json& schema, std::string& pointer,
                                            std::string_view token, std::size_t depth) {
  const std::size_t size = pointer.size();
  append_pointer_token(pointer, token);
  auto child = compile_node(schema, pointer, depth + 1);
  pointer.resize(size);
  return child;
}

Status compile_schema_list(const json& value, std::string& pointer, std::string_view keyword,
                           std::size_t depth, std::vector<std::unique_ptr<const Node>>& out) {
  if (!value.is_array() || value.empty()) {
    return schema_invalid(pointer, std::string(keyword) + " must be a non-empty array of schemas");
  }
  const std::size_t size = pointer.size();
  append_pointer_token(pointer, keyword);
  for (std::size_t i = 0; i < value.size(); ++i) {
    auto child = compile_child(value[i], pointer, std::to_string(i), depth);
    if (!child) {
      pointer.resize(size);
      return fail(std::move(child).error());
    }
    out.push_back(std::move(*child));
  }
  pointer.resize(size);
  return ok_status();
}

Status compile_keyword(Node& node, const std::string& key, const json& value, std::string& pointer,
                       std::size_t depth) {
  const auto where = [&]() {
    std::string p = pointer;
    append_pointer_token(p, key);
    return p;
  };
  if (key == "type") {
    const auto add = [&](const json& name) -> Status {
      if (name.is_string()) {
        for (const TypeName& t : kTypeNames) {
          if (name.get_ref<const std::string&>() == t.name) {
            node.types |= t.bit;
            return ok_status();
          }
        }
      }
      return schema_invalid(where(), "not a type name");
    };
    if (value.is_array()) {
      if (value.empty()) return schema_invalid(where(), "must not be empty");
      for (const json& name : value) CAIRN_TRY(add(name));
      return ok_status();
    }
    return add(value);
  }
  if (key == "enum") {
    if (!value.is_array()) return schema_invalid(where(), "must be an array");
    node.enum_values = value.get<std::vector<json>>();
    return ok_status();
  }
  if (key == "const") {
    node.const_value = value;
    return ok_status();
  }
  if (key == "properties") {
    if (!value.is_object()) return schema_invalid(where(), "must be an object");
    const std::size_t size = pointer.size();
    append_pointer_token(pointer, key);
    for (const auto& [name, sub] : value.items()) {
      auto child = compile_child(sub, pointer, name, depth);
      if (!child) {
        pointer.resize(size);
        return fail(std::move(child).error());
      }
      node.properties.emplace(name, std::move(*child));
    }
    pointer.resize(size);
    return ok_status();
  }
  if (key == "required") {
    if (!value.is_array()) return schema_invalid(where(), "must be an array of strings");
    for (const json& name : value) {
      if (!name.is_string()) return schema_invalid(where(), "must be an array of strings");
      node.required.push_back(name.get<std::string>());
    }
    return ok_status();
  }
  if (key == "additionalProperties") {
    CAIRN_ASSIGN_OR_RETURN(node.additional_properties, compile_child(value, pointer, key, depth));
    return ok_status();
  }
  if (key == "items") {
    CAIRN_ASSIGN_OR_RETURN(node.items, compile_child(value, pointer, key, depth));
    return ok_status();
  }
  if (key == "uniqueItems") {
    if (!value.is_boolean()) return schema_invalid(where(), "must be a boolean");
    node.unique_items = value.get<bool>();
    return ok_status();
  }
  if (key == "pattern") {
    if (!value.is_string()) return schema_invalid(where(), "must be a string");
    node.pattern_source = value.get<std::string>();
    if (std::optional<std::string> why = pattern_count_refusal(node.pattern_source)) {
      return schema_invalid(where(), *why);
    }
    try {
      node.pattern.emplace(node.pattern_source, std::regex::ECMAScript);
    } catch (const std::regex_error&) {
      return schema_invalid(where(), "not a valid ECMAScript regular expression");
    }
    return ok_status();
  }
  if (key == "multipleOf") {
    if (!value.is_number() || !(value.get<double>() > 0)) {
      return schema_invalid(where(), "must be a number greater than 0");
    }
    node.multiple_of = value;
    return ok_status();
  }
  struct CountKeyword {
    std::string_view name;
    std::optional<std::size_t> Node::*field;
  };
  static constexpr CountKeyword kCounts[] = {
      {"minProperties", &Node::min_properties}, {"maxProperties", &Node::max_properties},
      {"minItems", &Node::min_items},           {"maxItems", &Node::max_items},
      {"minLength", &Node::min_length},         {"maxLength", &Node::max_length},
  };
  for (const CountKeyword& k : kCounts) {
    if (key == k.name) {
      CAIRN_ASSIGN_OR_RETURN(node.*k.field, read_count(value, where()));
      return ok_status();
    }
  }
  struct BoundKeyword {
    std::string_view name;
    std::optional<json> Node::*field;
  };
  static const BoundKeyword kBounds[] = {
      {"minimum", &Node::minimum},
      {"maximum", &Node::maximum},
      {"exclusiveMinimum", &Node::exclusive_minimum},
      {"exclusiveMaximum", &Node::exclusive_maximum},
  };
  for (const BoundKeyword& k : kBounds) {
    if (key == k.name) {
      CAIRN_ASSIGN_OR_RETURN(node.*k.field, read_number(value, where()));
      return ok_status();
    }
  }
  if (key == "anyOf") return compile_schema_list(value, pointer, key, depth, node.any_of);
  if (key == "oneOf") return compile_schema_list(value, pointer, key, depth, node.one_of);
  for (const std::string_view annotation : kAnnotations) {
    if (key == annotation) return ok_status();
  }
  return fail(ErrorCode::kInvalidArgument, "MCP_SCHEMA_UNSUPPORTED",
              "keyword \"" + key + "\" at " + schema_location(pointer) + " is not supported");
}

Result<std::unique_ptr<Node>> compile_node(const json& schema, std::string& pointer,
                                           std::size_t depth) {
  if (depth > kMaxSchemaDepth) {
    return schema_invalid(pointer,
                          "nested deeper than " + std::to_string(kMaxSchemaDepth) + " levels");
  }
  auto node = std::make_unique<Node>();
  if (schema.is_boolean()) {
    node->is_boolean = true;
    node->boolean_value = schema.get<bool>();
    return node;
  }
  if (!schema.is_object())
    return schema_invalid(pointer, "a schema must be an object or a boolean");
  for (const auto& [key, value] : schema.items()) {
    CAIRN_TRY(compile_keyword(*node, key, value, pointer, depth));
  }
  return node;
}

// ---- validation ----------------------------------------------------------------------------

using Violation = std::optional<SchemaViolation>;

Violation violation(const std::string& path, std::string message) {
  return SchemaViolation{path, std::move(message)};
}

bool has_type(const json& value, unsigned types) {
  switch (value.type()) {
    case json::value_t::null:
      return (types & kTypeNull) != 0;
    case json::value_t::boolean:
      return (types & kTypeBoolean) != 0;
    case json::value_t::object:
      return (types & kTypeObject) != 0;
    case json::value_t::array:
      return (types & kTypeArray) != 0;
    case json::value_t::string:
      return (types & kTypeString) != 0;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return (types & kTypeNumber) != 0 || ((types & kTypeInteger) != 0 && is_integral(value));
    default:
      return false;
  }
}

// "must be a string", "must be a string or null", "must be an object, an array or null".
std::string type_message(unsigned types) {
  std::vector<std::string_view> phrases;
  for (const TypeName& t : kTypeNames) {
    if ((types & t.bit) != 0) phrases.push_back(t.phrase);
  }
  std::string out = "must be ";
  for (std::size_t i = 0; i < phrases.size(); ++i) {
    if (i > 0) out += (i + 1 == phrases.size()) ? " or " : ", ";
    out += phrases[i];
  }
  return out;
}

std::string quote_value(const json& value) {
  std::string text = value.is_string() ? value.get<std::string>()
                                       : value.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > kMaxQuotedBytes) {
    text.resize(kMaxQuotedBytes);
    text += "...";
  }
  return text;
}

std::string enum_message(const std::vector<json>& values) {
  std::string out = "must be one of: ";
  for (std::size_t i = 0; i < values.size() && i < kMaxEnumListed; ++i) {
    if (i > 0) out += ", ";
    out += quote_value(values[i]);
  }
  if (values.size() > kMaxEnumListed) out += ", ...";
  return out;
}

// -1, 0 or 1 as a < b, a == b, a > b, for two JSON numbers. Integers compare exactly with
// integers; anything else compares as double.
int compare_numbers(const json& a, const json& b) {
  if (a.is_number_integer() && b.is_number_integer()) {
    const bool a_negative = !a.is_number_unsigned() && a.get<std::int64_t>() < 0;
    const bool b_negative = !b.is_number_unsigned() && b.get<std::int64_t>() < 0;
    if (a_negative != b_negative) return a_negative ? -1 : 1;
    if (a_negative) {
      const auto x = a.get<std::int64_t>();
      const auto y = b.get<std::int64_t>();
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    const auto x = a.get<std::uint64_t>();
    const auto y = b.get<std::uint64_t>();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  const double x = a.get<double>();
  const double y = b.get<double>();
  return x < y ? -1 : (x > y ? 1 : 0);
}

bool is_multiple_of(const json& value, const json& divisor) {
  if (value.is_number_integer() && divisor.is_number_integer()) {
    const std::uint64_t d = divisor.get<std::uint64_t>();  // > 0, checked at compile
    if (value.is_number_unsigned()) return value.get<std::uint64_t>() % d == 0;
    const std::int64_t v = value.get<std::int64_t>();
    const std::uint64_t magnitude =
        v < 0 ? static_cast<std::uint64_t>(-(v + 1)) + 1 : static_cast<std::uint64_t>(v);
    return magnitude % d == 0;
  }
  const double q = value.get<double>() / divisor.get<double>();
  if (!std::isfinite(q)) return false;
  // Decimal divisors (0.1, 0.01) are inexact in binary; accept quotients within a small
  // relative distance of an integer.
  return std::abs(q - std::round(q)) <= 1e-9 * std::max(1.0, std::abs(q));
}

std::size_t code_points(const std::string& text) {
  std::size_t count = 0;
  for (const char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0U) != 0x80U) ++count;
  }
  return count;
}

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

std::string depth_message() {
  return "must not be deeper than " + std::to_string(kMaxSchemaDepth) + " levels";
}

Violation validate_node(const Node& node, const json& value, std::string& path, std::size_t depth);

Violation validate_child(const Node& node, const json& value, std::string& path,
                         std::string_view token, std::size_t depth) {
  const std::size_t size = path.size();
  append_pointer_token(path, token);
  Violation out = validate_node(node, value, path, depth + 1);
  path.resize(size);
  return out;
}

Violation validate_object(const Node& node, const json& value, std::string& path,
                          std::size_t depth) {
  for (const std::string& name : node.required) {
    if (!value.contains(name)) {
      std::string missing = path;
      append_pointer_token(missing, name);
      return violation(missing, "is required");
    }
  }
  if (node.min_properties && value.size() < *node.min_properties) {
    return violation(
        path, "must have at least " + plural(*node.min_properties, "property", "properties"));
  }
  if (node.max_properties && value.size() > *node.max_properties) {
    return violation(path,
                     "must have at most " + plural(*node.max_properties, "property", "properties"));
  }
  // nlohmann's default object keeps keys sorted, which is the order the value is walked in.
  if (!node.properties.empty()) {
    for (const auto& [name, member] : value.items()) {
      const auto it = node.properties.find(name);
      if (it == node.properties.end()) continue;
      if (Violation v = validate_child(*it->second, member, path, name, depth)) return v;
    }
  }
  if (node.additional_properties) {
    for (const auto& [name, member] : value.items()) {
      if (node.properties.find(name) != node.properties.end()) continue;
      if (Violation v = validate_child(*node.additional_properties, member, path, name, depth)) {
        return v;
      }
    }
  }
  return std::nullopt;
}

Violation validate_array(const Node& node, const json& value, std::string& path,
                         std::size_t depth) {
  if (node.min_items && value.size() < *node.min_items) {
    return violation(path, "must have at least " + plural(*node.min_items, "item", "items"));
  }
  if (node.max_items && value.size() > *node.max_items) {
    return violation(path, "must have at most " + plural(*node.max_items, "item", "items"));
  }
  if (node.items) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (Violation v = validate_child(*node.items, value[i], path, std::to_string(i), depth)) {
        return v;
      }
    }
  }
  if (node.unique_items && value.size() > 1) {
    if (deeper_than(value, kMaxSchemaDepth - std::min(depth, kMaxSchemaDepth))) {
      return violation(path, depth_message());
    }
    // Sorted indexes find duplicates in n log n; stable_sort stays in bounds even for an
    // imperfect ordering. Within a run of equal items the indexes keep their order, so the
    // second of each run is that value's first repeat.
    std::vector<std::size_t> order(value.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return compare_values(value[a], value[b]) < 0;
    });
    std::optional<std::size_t> first_repeat;
    for (std::size_t i = 1; i < order.size(); ++i) {
      if (same_value(value[order[i]], value[order[i - 1]])) {
        const std::size_t repeat = std::max(order[i], order[i - 1]);
        if (!first_repeat || repeat < *first_repeat) first_repeat = repeat;
      }
    }
    if (first_repeat) {
      std::string at = path;
      append_pointer_token(at, std::to_string(*first_repeat));
      return violation(at, "is a duplicate (items must be unique)");
    }
  }
  return std::nullopt;
}

Violation validate_string(const Node& node, const std::string& text, const std::string& path) {
  if (node.min_length || node.max_length) {
    const std::size_t length = code_points(text);
    if (node.min_length && length < *node.min_length) {
      return violation(path, "must be at least " +
                                 plural(*node.min_length, "character", "characters") + " long");
    }
    if (node.max_length && length > *node.max_length) {
      return violation(
          path, "must be at most " + plural(*node.max_length, "character", "characters") + " long");
    }
  }
  if (node.pattern) {
    if (text.size() > kMaxPatternSubjectBytes) {
      return violation(path, "is too long to match against the pattern");
    }
    bool matched = false;
    try {
      matched = std::regex_search(text, *node.pattern);
    } catch (const std::exception&) {
      return violation(path, "could not be matched against the pattern " + node.pattern_source);
    }
    if (!matched) return violation(path, "must match the pattern " + node.pattern_source);
  }
  return std::nullopt;
}

Violation validate_number(const Node& node, const json& value, const std::string& path) {
  if (node.minimum && compare_numbers(value, *node.minimum) < 0) {
    return violation(path, "must be at least " + node.minimum->dump());
  }
  if (node.maximum && compare_numbers(value, *node.maximum) > 0) {
    return violation(path, "must be at most " + node.maximum->dump());
  }
  if (node.exclusive_minimum && compare_numbers(value, *node.exclusive_minimum) <= 0) {
    return violation(path, "must be greater than " + node.exclusive_minimum->dump());
  }
  if (node.exclusive_maximum && compare_numbers(value, *node.exclusive_maximum) >= 0) {
    return violation(path, "must be less than " + node.exclusive_maximum->dump());
  }
  if (node.multiple_of && !is_multiple_of(value, *node.multiple_of)) {
    return violation(path, "must be a multiple of " + node.multiple_of->dump());
  }
  return std::nullopt;
}

Violation validate_node(const Node& node, const json& value, std::string& path, std::size_t depth) {
  if (node.is_boolean) {
    if (node.boolean_value) return std::nullopt;
    return violation(path, "is not allowed");
  }
  if (depth > kMaxSchemaDepth) return violation(path, depth_message());
  if (node.types != 0 && !has_type(value, node.types)) {
    return violation(path, type_message(node.types));
  }
  if (node.enum_values || node.const_value) {
    if (deeper_than(value, kMaxSchemaDepth - depth)) return violation(path, depth_message());
    if (node.const_value && !same_value(value, *node.const_value)) {
      return violation(path, "must be equal to " + quote_value(*node.const_value));
    }
    if (node.enum_values &&
        std::none_of(node.enum_values->begin(), node.enum_values->end(),
                     [&](const json& allowed) { return same_value(value, allowed); })) {
      return violation(path, enum_message(*node.enum_values));
    }
  }
  Violation out;
  if (value.is_object()) {
    out = validate_object(node, value, path, depth);
  } else if (value.is_array()) {
    out = validate_array(node, value, path, depth);
  } else if (value.is_string()) {
    out = validate_string(node, value.get_ref<const std::string&>(), path);
  } else if (value.is_number()) {
    out = validate_number(node, value, path);
  }
  if (out) return out;

  if (!node.any_of.empty()) {
    const bool any = std::any_of(node.any_of.begin(), node.any_of.end(), [&](const auto& sub) {
      return !validate_node(*sub, value, path, depth).has_value();
    });
    if (!any) return violation(path, "must match at least one of the schemas in anyOf");
  }
  if (!node.one_of.empty()) {
    std::size_t matches = 0;
    for (const auto& sub : node.one_of) {
      if (!validate_node(*sub, value, path, depth)) ++matches;
    }
    if (matches != 1) {
      return violation(path, "must match exactly one of the schemas in oneOf (it matches " +
                                 std::to_string(matches) + ")");
    }
  }
  return std::nullopt;
}

}  // namespace

Result<Schema> Schema::compile(const nlohmann::json& schema) {
  std::string pointer;
  CAIRN_ASSIGN_OR_RETURN(std::unique_ptr<Node> root, compile_node(schema, pointer, 0));
  root->document = schema;
  return Schema(std::shared_ptr<const Node>(std::move(root)));
}

std::optional<SchemaViolation> Schema::validate(const nlohmann::json& value) const {
  std::string path;
  return validate_node(*root_, value, path, 0);
}

const nlohmann::json& Schema::document() const { return root_->document; }

}  // namespace cairn::mcp
