// libFuzzer target for cairn::mcp::Schema, the JSON Schema subset MCP tools declare their
// arguments with: an arbitrary schema is compiled and an arbitrary value validated against it,
// and against schemas built from the value whose verdict is known.
//
// Properties (a broken one aborts):
// - compiling and validating never crash and are deterministic (twice, and with a second
//   compilation of the same document, give the same error or violation);
// - a violation's path is a JSON Pointer into the value: it resolves, or, for "is required",
//   its parent does;
// - wrapping a schema in {"anyOf":[S]} or {"oneOf":[S]} keeps its verdict;
// - {"const": v} and {"enum": [v]} accept v, and {"type": <v's type>} accepts v;
// - equality is JSON Schema's (numbers by mathematical value): {"const": a} accepts b, and
//   {"uniqueItems": true} accepts an array, exactly when an independent comparison says so; a
//   duplicate is reported at the first repeated index.
//
// The input is the schema's JSON text, a newline, and the value's JSON text (without a newline:
// the value is null). Both are taken as MCP delivers them: valid JSON (nlohmann's parse, which
// would stop at a NUL byte, so texts holding one are skipped) nested at most
// jsonrpc::kMaxNestingDepth deep. Seeds: corpus/mcp_schema/ (the schemas of docs/mcp.md and
// tests/mcp/schema_test.cpp with values); tokens: mcp_schema.dict. See tests/fuzz/CMakeLists.txt.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cairn/core/json_text.hpp"
#include "cairn/mcp/jsonrpc.hpp"
#include "cairn/mcp/schema.hpp"
#include "fuzz/json_support.hpp"

namespace {

using json = nlohmann::json;
using cairn::fuzz::json_depth;
using cairn::mcp::Schema;
using cairn::mcp::SchemaViolation;

constexpr std::size_t kMaxInputBytes = std::size_t{16} * 1024;
// Arrays longer than this skip the quadratic uniqueItems cross-check.
constexpr std::size_t kMaxCrossCheckedItems = 256;

std::optional<json> parse(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) return std::nullopt;
  if (cairn::json_nested_deeper_than(text, cairn::mcp::jsonrpc::kMaxNestingDepth)) {
    return std::nullopt;
  }
  json value = json::parse(text, nullptr, false);
  if (value.is_discarded()) return std::nullopt;
  return value;
}

// `f` equals the integer `i` (signed or unsigned) exactly.
bool float_equals_integer(double f, const json& i) {
  if (!std::isfinite(f) || std::trunc(f) != f) return false;
  if (i.is_number_unsigned()) {
    return f >= 0 && f < 18446744073709551616.0 &&
           static_cast<std::uint64_t>(f) == i.get<std::uint64_t>();
  }
  return f >= -9223372036854775808.0 && f < 9223372036854775808.0 &&
         static_cast<std::int64_t>(f) == i.get<std::int64_t>();
}

// JSON Schema's equality (section 4.2.2 of the core spec): numbers by mathematical value, objects
// by members, arrays by items in order. Recursive: called on values at most 64 deep.
bool schema_equal(const json& a, const json& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_number_float() && b.is_number_float()) return a.get<double>() == b.get<double>();
    if (a.is_number_float()) return float_equals_integer(a.get<double>(), b);
    if (b.is_number_float()) return float_equals_integer(b.get<double>(), a);
    if (a.is_number_unsigned() == b.is_number_unsigned()) {
      return a.is_number_unsigned() ? a.get<std::uint64_t>() == b.get<std::uint64_t>()
                                    : a.get<std::int64_t>() == b.get<std::int64_t>();
    }
    const json& s = a.is_number_unsigned() ? b : a;
    const json& u = a.is_number_unsigned() ? a : b;
    return s.get<std::int64_t>() >= 0 &&
           static_cast<std::uint64_t>(s.get<std::int64_t>()) == u.get<std::uint64_t>();
  }
  if (a.type() != b.type()) return false;
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto it = a.begin(); it != a.end(); ++it) {
      auto other = b.find(it.key());
      if (other == b.end() || !schema_equal(it.value(), *other)) return false;
    }
    return true;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!schema_equal(a[i], b[i])) return false;
    }
    return true;
  }
  return a == b;
}

std::string describe(const std::optional<SchemaViolation>& v) {
  return v ? v->path + "|" + v->message : std::string("ok");
}

// The value at RFC 6901 pointer `path` in `value`, or nullptr.
const json* resolve(const json& value, std::string_view path) {
  const json* at = &value;
  while (!path.empty()) {
    if (path.front() != '/') return nullptr;
    path.remove_prefix(1);
    const std::size_t end = path.find('/');
    std::string_view raw = path.substr(0, end);
    path = end == std::string_view::npos ? std::string_view() : path.substr(end);
    std::string token;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '~' && i + 1 < raw.size() && (raw[i + 1] == '0' || raw[i + 1] == '1')) {
        token += raw[i + 1] == '0' ? '~' : '/';
        ++i;
      } else {
        token += raw[i];
      }
    }
    if (at->is_object()) {
      auto it = at->find(token);
      if (it == at->end()) return nullptr;
      at = &*it;
    } else if (at->is_array()) {
      if (token.empty() || token.size() > 9 ||
          token.find_first_not_of("0123456789") != std::string::npos ||
          (token.size() > 1 && token[0] == '0')) {
        return nullptr;
      }
      const std::size_t index = std::stoul(token);
      if (index >= at->size()) return nullptr;
      at = &(*at)[index];
    } else {
      return nullptr;
    }
  }
  return at;
}

void check_path(const SchemaViolation& v, const json& value) {
  if (resolve(value, v.path) != nullptr) return;
  if (v.message == "is required") {
    const std::size_t slash = v.path.rfind('/');
    if (slash != std::string::npos) {
      const json* parent = resolve(value, std::string_view(v.path).substr(0, slash));
      if (parent != nullptr && parent->is_object()) return;
    }
  }
  std::abort();
}

// The verdict of schema document `doc` on `value`, or nullopt when it does not compile.
std::optional<bool> verdict(const json& doc, const json& value) {
  cairn::Result<Schema> schema = Schema::compile(doc);
  if (!schema) return std::nullopt;
  return !schema->validate(value).has_value();
}

// A schema that must accept `value`.
void expect_accepts(const json& doc, const json& value) {
  std::optional<bool> accepted = verdict(doc, value);
  if (!accepted || !*accepted) std::abort();
}

const char* type_name(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "boolean";
    case json::value_t::object:
      return "object";
    case json::value_t::array:
      return "array";
    case json::value_t::string:
      return "string";
    default:
      return "number";
  }
}

void check_known_verdicts(const json& value) {
  expect_accepts(json{{"type", type_name(value)}}, value);
  if (value.is_number_integer()) expect_accepts(json{{"type", "integer"}}, value);
  if (json_depth(value) > cairn::mcp::kMaxSchemaDepth) return;
  expect_accepts(json{{"const", value}}, value);
  expect_accepts(json{{"enum", json::array({value})}}, value);

  if (!value.is_array() || value.size() < 2 || value.size() > kMaxCrossCheckedItems) return;
  // {"const": a} accepts b exactly when they are equal.
  std::optional<bool> same = verdict(json{{"const", value[0]}}, value[1]);
  if (!same || *same != schema_equal(value[0], value[1])) std::abort();
  // uniqueItems: the first index that repeats an earlier item.
  std::optional<std::size_t> first_repeat;
  for (std::size_t j = 1; j < value.size() && !first_repeat; ++j) {
    for (std::size_t i = 0; i < j; ++i) {
      if (schema_equal(value[i], value[j])) {
        first_repeat = j;
        break;
      }
    }
  }
  cairn::Result<Schema> unique = Schema::compile(json{{"uniqueItems", true}});
  if (!unique) std::abort();
  std::optional<SchemaViolation> v = unique->validate(value);
  if (v.has_value() != first_repeat.has_value()) std::abort();
  if (v && v->path != "/" + std::to_string(*first_repeat)) std::abort();
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(bytes), std::min(size, kMaxInputBytes));
  const std::size_t newline = input.find('\n');
  std::optional<json> doc = parse(input.substr(0, newline));
  std::optional<json> value = newline == std::string_view::npos ? std::optional<json>(json(nullptr))
                                                                : parse(input.substr(newline + 1));
  if (!value) return 0;
  check_known_verdicts(*value);
  if (!doc) return 0;

  cairn::Result<Schema> schema = Schema::compile(*doc);
  cairn::Result<Schema> again = Schema::compile(*doc);
  if (schema.has_value() != again.has_value()) std::abort();
  if (!schema) {
    const cairn::Error& e = schema.error();
    if (e.reason != again.error().reason || e.message != again.error().message) std::abort();
    if (e.reason != "MCP_SCHEMA_INVALID" && e.reason != "MCP_SCHEMA_UNSUPPORTED") std::abort();
    return 0;
  }
  if (schema->document() != *doc) std::abort();
  std::optional<SchemaViolation> v = schema->validate(*value);
  if (describe(v) != describe(schema->validate(*value))) std::abort();
  if (describe(v) != describe(again->validate(*value))) std::abort();
  if (v) check_path(*v, *value);

  const bool accepted = !v.has_value();
  for (const char* wrapper : {"anyOf", "oneOf"}) {
    std::optional<bool> wrapped = verdict(json{{wrapper, json::array({*doc})}}, *value);
    if (wrapped && *wrapped != accepted) std::abort();
  }
  return 0;
}
