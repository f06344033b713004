// libFuzzer target for the records service's JSON validation (records/service.hpp): arbitrary
// text put as a record's value on a memory: engine, in a collection with a unique and three
// indexed fields, beside a fixed record holding the unique value "taken".
//
// Properties (a broken one aborts):
// - a put succeeds exactly when an independent reading says it should: the text is a JSON object
//   (no raw NUL byte: nlohmann's parser stops there) nested at most 128 deep, at most
//   kMaxRecordBytes as compact JSON, whose indexed fields hold null, a boolean, an integer (or an
//   integral float) within 64 bits or a string of at most kMaxIndexedStringBytes, and whose
//   unique field is not "taken"; a refusal names one of the documented reasons;
// - after a successful put, get() returns the compact JSON of the text (nlohmann's canonical
//   dump), which parses to exactly the same value (no number changes type or value), at the next
//   version; a count() on each indexed field's value finds the record;
// - a failed put changes nothing: get() returns the record as it was;
// - putting the same text again gives the same value at the next version (deterministic).
//
// The first input byte is ignored (kept for future options, so corpora stay compatible); the rest
// is the value's text. Seeds: corpus/records_json/ (records of docs/records.md and
// tests/records, and broken ones); tokens: records_json.dict. See tests/fuzz/CMakeLists.txt.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cairn/engine.hpp"
#include "cairn/records/service.hpp"
#include "fuzz/json_support.hpp"

namespace {

namespace records = cairn::records;
using json = nlohmann::json;
using cairn::fuzz::json_depth;
using cairn::fuzz::same_json;

constexpr std::size_t kMaxInputBytes = std::size_t{64} * 1024;
// The service's own limit on nesting (src/records/service.cpp).
constexpr std::size_t kMaxJsonDepth = 128;
constexpr std::string_view kCollection = "things";
constexpr std::string_view kId = "r1";
const char* const kIndexed[] = {"name", "state", "n", "flag"};

// The indexed value of `v` as the service documents it, or nullopt when it may not be indexed.
std::optional<records::FieldValue> indexed_value(const json& v) {
  if (v.is_boolean()) return records::FieldValue(v.get<bool>());
  if (v.is_number_unsigned()) {
    if (v.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
    return records::FieldValue(static_cast<std::int64_t>(v.get<std::uint64_t>()));
  }
  if (v.is_number_integer()) return records::FieldValue(v.get<std::int64_t>());
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::trunc(d) != d || d < -9223372036854775808.0 || d >= 9223372036854775808.0) {
      return std::nullopt;
    }
    return records::FieldValue(static_cast<std::int64_t>(d));
  }
  if (v.is_string() && v.get_ref<const std::string&>().size() <= records::kMaxIndexedStringBytes) {
    return records::FieldValue(v.get<std::string>());
  }
  return std::nullopt;
}

struct Fixture {
  cairn::FakeEnv env;
  std::unique_ptr<cairn::Engine> engine;

  Fixture() {
    cairn::EngineOptions options;
    options.env = &env;
    auto opened = cairn::Engine::open("memory:", options);
    if (!opened) std::abort();
    engine = std::move(*opened);
    records::RecordsService& r = engine->records();
    if (!r.define(kCollection, {.unique = {"name"}, .indexes = {"state", "n", "flag"}})) {
      std::abort();
    }
    if (!r.put(kCollection, "r2", R"({"name":"taken"})")) std::abort();
  }
};

Fixture& fixture() {
  static Fixture* f = new Fixture();  // never destroyed: libFuzzer may exit at any point
  return *f;
}

std::optional<records::Record> current(records::RecordsService& r) {
  cairn::Result<std::optional<records::Record>> got = r.get(kCollection, kId);
  if (!got) std::abort();
  return *got;
}

bool same_record(const std::optional<records::Record>& a, const std::optional<records::Record>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || (a->version == b->version && a->value == b->value);
}

// Whether the service must take `text`, read independently.
bool acceptable(std::string_view text, json* parsed) {
  if (text.find('\0') != std::string_view::npos) return false;
  *parsed = json::parse(text, nullptr, false);
  if (parsed->is_discarded() || !parsed->is_object()) return false;
  if (json_depth(*parsed) > kMaxJsonDepth) return false;
  if (parsed->dump().size() > records::kMaxRecordBytes) return false;
  for (const char* field : kIndexed) {
    auto it = parsed->find(field);
    if (it == parsed->end() || it->is_null()) continue;
    std::optional<records::FieldValue> v = indexed_value(*it);
    if (!v) return false;
    if (std::string_view(field) == "name" && *v == records::FieldValue(std::string("taken"))) {
      return false;
    }
  }
  return true;
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, std::size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(bytes + 1),
                        std::min(size - 1, kMaxInputBytes));
  records::RecordsService& r = fixture().engine->records();
  const std::optional<records::Record> before = current(r);

  json parsed;
  const bool should_take = acceptable(text, &parsed);
  cairn::Result<std::int64_t> put = r.put(kCollection, kId, text);
  const std::optional<records::Record> after = current(r);
  if (put.has_value() != should_take) std::abort();
  if (!put) {
    const std::string& reason = put.error().reason;
    if (reason != "RECORDS_VALUE_INVALID" && reason != "RECORDS_VALUE_TOO_LARGE" &&
        reason != "RECORDS_FIELD_VALUE_INVALID" && reason != "RECORDS_UNIQUE_VIOLATION") {
      std::abort();
    }
    if (!same_record(before, after)) std::abort();
    return 0;
  }

  if (!after || after->version != *put || *put != (before ? before->version + 1 : 1)) {
    std::abort();
  }
  if (after->value != parsed.dump()) std::abort();
  json stored = json::parse(after->value, nullptr, false);
  if (stored.is_discarded() || !same_json(stored, parsed)) std::abort();
  for (const char* field : kIndexed) {
    auto it = parsed.find(field);
    if (it == parsed.end() || it->is_null()) continue;
    cairn::Result<std::int64_t> found = r.count(kCollection, {{field, *indexed_value(*it)}});
    if (!found || *found < 1) std::abort();
  }

  cairn::Result<std::int64_t> again = r.put(kCollection, kId, text);
  const std::optional<records::Record> last = current(r);
  if (!again || *again != *put + 1 || !last || last->value != after->value) std::abort();
  return 0;
}
