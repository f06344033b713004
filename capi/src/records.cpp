// The C ABI's records: engine.records() behind cairn_records_*. JSON text goes in and out; this
// file only translates it (a spec's field lists, where values, a batch's writes) into the C++
// types, and every rule -- names, ids, values, sizes, versions, uniqueness -- is
// cairn::records::RecordsService's.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cairn/records/record.hpp"
#include "cairn/records/service.hpp"
#include "engine_handle.hpp"
#include "entry_point.hpp"

using cairn::capi::Json;
using cairn::capi::none;
using cairn::capi::put;
using cairn::capi::put_array;
using cairn::capi::put_json;
using cairn::capi::put_value;
using cairn::capi::set_error;
using cairn::capi::set_ok;
using cairn::capi::view;
namespace records = cairn::records;
using Records = records::RecordsService;

namespace {

// ---- JSON arguments in

cairn_status json_invalid(const char* what, const char* shape) {
  return set_error({cairn::ErrorCode::kInvalidArgument, "CAPI_JSON_INVALID",
                    std::string(what) + " must be " + shape});
}

// Parses text (NULL: `absent`); nullopt when it is not valid JSON.
std::optional<Json> parse(const char* text, Json absent) {
  if (text == nullptr) return absent;
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

// A list of field names: a JSON array of text (absent: none).
bool names_of(const Json& j, std::vector<std::string>& out) {
  if (!j.is_array()) return false;
  for (const Json& item : j) {
    if (!item.is_string()) return false;
    out.push_back(item.get<std::string>());
  }
  return true;
}

cairn_status spec_of(const char* spec_json, records::CollectionSpec& out) {
  static constexpr const char* kShape =
      R"(a JSON object {"unique": [text, ...], "indexes": [text, ...]})";
  std::optional<Json> j = parse(spec_json, Json::object());
  if (!j || !j->is_object()) return json_invalid("spec_json", kShape);
  for (const auto& [key, value] : j->items()) {
    std::vector<std::string>* list = key == "unique"    ? &out.unique
                                     : key == "indexes" ? &out.indexes
                                                        : nullptr;
    if (list == nullptr || !names_of(value, *list)) return json_invalid("spec_json", kShape);
  }
  return set_ok();
}

// A where value as the engine compares it: text, an integer (a JSON number without a fraction
// that fits in 64 bits) or a boolean.
bool field_value_of(const Json& j, records::FieldValue& out) {
  if (j.is_boolean()) {
    out = j.get<bool>();
  } else if (j.is_number_integer() && !j.is_number_unsigned()) {
    out = j.get<int64_t>();
  } else if (j.is_number_unsigned() && j.get<uint64_t>() <= uint64_t{INT64_MAX}) {
    out = static_cast<int64_t>(j.get<uint64_t>());
  } else if (j.is_string()) {
    out = j.get<std::string>();
  } else {
    return false;
  }
  return true;
}

cairn_status where_of(const char* where_json, records::Where& out) {
  static constexpr const char* kShape = "a JSON object whose values are text, integers or booleans";
  std::optional<Json> j = parse(where_json, Json::object());
  if (!j || !j->is_object()) return json_invalid("where_json", kShape);
  for (const auto& [field, value] : j->items()) {
    records::FieldValue v;
    if (!field_value_of(value, v)) return json_invalid("where_json", kShape);
    out.emplace_back(field, std::move(v));
  }
  return set_ok();
}

cairn_status writes_of(const char* writes_json, std::vector<records::RecordWrite>& out) {
  static constexpr const char* kShape =
      R"(a JSON array of {"id": text, "value": object, "expected_version": null or an integer})";
  std::optional<Json> j = parse(writes_json, Json());
  if (!j || !j->is_array()) return json_invalid("writes_json", kShape);
  out.reserve(j->size());
  for (const Json& item : *j) {
    if (!item.is_object()) return json_invalid("writes_json", kShape);
    records::RecordWrite write;
    bool has_id = false;
    bool has_value = false;
    for (const auto& [key, value] : item.items()) {
      if (key == "id" && value.is_string()) {
        write.id = value.get<std::string>();
        has_id = true;
      } else if (key == "value") {
        // Passed on as text whatever it holds: whether it is an acceptable record value is the
        // engine's decision (RECORDS_VALUE_INVALID).
        write.value = value.dump();
        has_value = true;
      } else if (key == "expected_version" && value.is_null()) {
        write.expected_version.reset();
      } else if (key == "expected_version" && value.is_number_integer() &&
                 !value.is_number_unsigned()) {
        write.expected_version = value.get<int64_t>();
      } else if (key == "expected_version" && value.is_number_unsigned() &&
                 value.get<uint64_t>() <= uint64_t{INT64_MAX}) {
        write.expected_version = static_cast<int64_t>(value.get<uint64_t>());
      } else {
        return json_invalid("writes_json", kShape);
      }
    }
    if (!has_id || !has_value) return json_invalid("writes_json", kShape);
    out.push_back(std::move(write));
  }
  return set_ok();
}

std::optional<int64_t> version_of(const int64_t* expected_version) {
  if (expected_version == nullptr) return std::nullopt;
  return *expected_version;
}

// ---- JSON out (cairn.h lists the same members in the same order)

// A record's JSON, built as text: the value is already the engine's compact JSON object and goes
// in unchanged (no second parse, no change to its numbers).
void append_record(std::string& out, const records::Record& r) {
  out += R"({"id":)";
  out += Json(r.id).dump();
  out += R"(,"version":)";
  out += std::to_string(r.version);
  out += R"(,"value":)";
  out += r.value;
  out += R"(,"created_at_micros":)";
  out += std::to_string(cairn::to_unix_micros(r.created_at));
  out += R"(,"updated_at_micros":)";
  out += std::to_string(cairn::to_unix_micros(r.updated_at));
  out += '}';
}

char* record_text(const std::optional<records::Record>& record) {
  if (!record) return nullptr;
  std::string out;
  out.reserve(record->value.size() + record->id.size() + 112);
  append_record(out, *record);
  return cairn::capi::copy_string(out);
}

char* page_text(const records::Page& page) {
  std::string out = R"({"items":[)";
  for (size_t i = 0; i < page.items.size(); ++i) {
    if (i != 0) out += ',';
    append_record(out, page.items[i]);
  }
  out += R"(],"next_cursor":)";
  out += cairn::capi::text_or_null(page.next_cursor).dump();
  out += '}';
  return cairn::capi::copy_string(out);
}

Json spec_to_json(const records::CollectionSpec& spec) {
  return {{"unique", spec.unique}, {"indexes", spec.indexes}};
}

// ---- The entry point on the engine's records

template <class Body>
cairn_status on_records(cairn::capi::Check outs, cairn::capi::Check ins, cairn_engine* engine,
                        Body&& body) noexcept {
  return cairn::capi::service_entry(
      outs, ins, [&] { return cairn::Result<Records*>(&engine->engine->records()); }, body);
}

}  // namespace

cairn_status cairn_records_define(cairn_engine* engine, const char* collection,
                                  const char* spec_json) {
  return on_records(none(), CAIRN_CAPI_IN(engine, collection), engine,
                    [&](Records& r) -> cairn_status {
                      records::CollectionSpec spec;
                      if (cairn_status st = spec_of(spec_json, spec); st != CAIRN_OK) return st;
                      return cairn::capi::from_status(r.define(collection, spec));
                    });
}

cairn_status cairn_records_spec(char** out_json, cairn_engine* engine, const char* collection) {
  return on_records(
      CAIRN_CAPI_OUT(out_json), CAIRN_CAPI_IN(engine, collection), engine,
      [&](Records& r) { return put_json(out_json, r.spec(collection), spec_to_json); });
}

cairn_status cairn_records_collections(char** out_json, cairn_engine* engine) {
  return on_records(CAIRN_CAPI_OUT(out_json), CAIRN_CAPI_IN(engine), engine, [&](Records& r) {
    return put_array(out_json, r.collections(), cairn::capi::string_json);
  });
}

cairn_status cairn_records_put(int64_t* out_version, cairn_engine* engine, const char* collection,
                               const char* id, const char* value_json,
                               const int64_t* expected_version) {
  return on_records(CAIRN_CAPI_OUT(out_version), CAIRN_CAPI_IN(engine, collection, id, value_json),
                    engine, [&](Records& r) {
                      return put_value(out_version, r.put(collection, id, value_json,
                                                          version_of(expected_version)));
                    });
}

cairn_status cairn_records_get(char** out_json, cairn_engine* engine, const char* collection,
                               const char* id) {
  return on_records(CAIRN_CAPI_OUT(out_json), CAIRN_CAPI_IN(engine, collection, id), engine,
                    [&](Records& r) { return put(out_json, r.get(collection, id), record_text); });
}

cairn_status cairn_records_delete(cairn_engine* engine, const char* collection, const char* id,
                                  const int64_t* expected_version) {
  return on_records(none(), CAIRN_CAPI_IN(engine, collection, id), engine, [&](Records& r) {
    return r.remove(collection, id, version_of(expected_version));
  });
}

cairn_status cairn_records_list(char** out_json, cairn_engine* engine, const char* collection,
                                const cairn_records_list_options* options) {
  return on_records(
      CAIRN_CAPI_OUT(out_json), CAIRN_CAPI_IN(engine, collection), engine,
      [&](Records& r) -> cairn_status {
        records::ListOptions o;
        if (options != nullptr) {
          if (options->version == 0 || options->version > CAIRN_RECORDS_LIST_OPTIONS_VERSION) {
            return set_error(
                {cairn::ErrorCode::kInvalidArgument, "CAPI_OPTIONS_VERSION_UNSUPPORTED",
                 "cairn_records_list_options version " + std::to_string(options->version) +
                     " is not supported by this library"});
          }
          if (cairn_status st = where_of(options->where_json, o.where); st != CAIRN_OK) return st;
          o.order_by = view(options->order_by);
          o.descending = options->descending != 0;
          o.limit = options->limit;
          o.cursor = view(options->cursor);
        }
        return put(out_json, r.list(collection, o), page_text);
      });
}

cairn_status cairn_records_count(int64_t* out_count, cairn_engine* engine, const char* collection,
                                 const char* where_json) {
  return on_records(CAIRN_CAPI_OUT(out_count), CAIRN_CAPI_IN(engine, collection), engine,
                    [&](Records& r) -> cairn_status {
                      records::Where where;
                      if (cairn_status st = where_of(where_json, where); st != CAIRN_OK) return st;
                      return put_value(out_count, r.count(collection, where));
                    });
}

cairn_status cairn_records_put_many(char** out_json, cairn_engine* engine, const char* collection,
                                    const char* writes_json) {
  return on_records(CAIRN_CAPI_OUT(out_json), CAIRN_CAPI_IN(engine, collection, writes_json),
                    engine, [&](Records& r) -> cairn_status {
                      std::vector<records::RecordWrite> writes;
                      if (cairn_status st = writes_of(writes_json, writes); st != CAIRN_OK)
                        return st;
                      return put(out_json, r.put_many(collection, writes),
                                 [](const std::vector<int64_t>& v) {
                                   return cairn::capi::copy_string(Json(v).dump());
                                 });
                    });
}
