// cairn._core.records: engine.records, JSON records in named collections.
//
// Values cross this edge as dicts (json.dumps in, json.loads out, conversions.hpp); where values
// as str, int or bool; times as aware datetimes. This file only translates: whether a value is an
// acceptable record, a field indexed or a version current is RecordsService's decision, raised as
// its cairn.errors class. Every call that reaches the engine goes through ServiceHandle.
#include <pybind11/stl.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cairn/records/record.hpp"
#include "cairn/records/service.hpp"
#include "conversions.hpp"
#include "engine.hpp"

namespace cairn::python {
namespace {

using records::CollectionSpec;
using records::Page;
using records::Record;
using records::RecordsService;
using records::RecordWrite;

RecordsService& records_of(Engine& engine) { return engine.records(); }

// engine.records.
using PyRecords = ServiceHandle<RecordsService, &records_of>;

std::string type_name(const py::handle& value) {
  return py::str(py::type::handle_of(value).attr("__name__"));
}

[[noreturn]] void raise_overflow(const std::string& what) {
  PyErr_SetString(PyExc_OverflowError, (what + " does not fit in 64 bits").c_str());
  throw py::error_already_set();
}

// A where value: bool before int (a bool is an int in Python), then int (64 bits), then str.
records::FieldValue field_value_arg(const py::handle& value, const std::string& field) {
  if (py::isinstance<py::bool_>(value)) return value.cast<bool>();
  if (py::isinstance<py::int_>(value)) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
    if (overflow != 0) raise_overflow("where[" + field + "]");
    return static_cast<int64_t>(v);
  }
  if (py::isinstance<py::str>(value)) return value.cast<std::string>();
  throw py::type_error("where[" + field + "] must be a str, int or bool, not " + type_name(value));
}

records::Where where_arg(const py::object& where) {
  records::Where out;
  if (where.is_none()) return out;
  py::dict conditions;
  if (py::isinstance<py::dict>(where)) {
    conditions = where.cast<py::dict>();
  } else if (py::isinstance(where, py::module_::import("collections.abc").attr("Mapping"))) {
    conditions = py::dict(where);
  } else {
    throw py::type_error("where must be a mapping of field names to values, not " +
                         type_name(where));
  }
  for (auto [key, value] : conditions) {
    if (!py::isinstance<py::str>(key)) {
      throw py::type_error("where's keys must be field names (str), not " + type_name(key));
    }
    auto field = key.cast<std::string>();
    records::FieldValue v = field_value_arg(value, field);
    out.emplace_back(std::move(field), std::move(v));
  }
  return out;
}

std::optional<int64_t> version_arg(const py::handle& version) {
  if (version.is_none()) return std::nullopt;
  if (py::isinstance<py::bool_>(version) || !py::isinstance<py::int_>(version)) {
    throw py::type_error("expected_version must be an int or None, not " + type_name(version));
  }
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(version.ptr(), &overflow);
  if (overflow != 0) raise_overflow("expected_version");
  return static_cast<int64_t>(v);
}

// put_many's writes: (id, value) or (id, value, expected_version) each.
std::vector<RecordWrite> writes_arg(const py::iterable& writes) {
  std::vector<RecordWrite> out;
  for (const py::handle item : writes) {
    if (!py::isinstance<py::tuple>(item) && !py::isinstance<py::list>(item)) {
      throw py::type_error("each write must be a tuple (id, value, expected_version), not " +
                           type_name(item));
    }
    auto fields = py::reinterpret_borrow<py::sequence>(item);
    if (fields.size() != 2 && fields.size() != 3) {
      throw py::type_error(
          "each write must be a tuple (id, value) or (id, value, expected_version)");
    }
    py::object id = fields[0];
    if (!py::isinstance<py::str>(id)) {
      throw py::type_error("a write's id must be a str, not " + type_name(id));
    }
    RecordWrite write;
    write.id = id.cast<std::string>();
    py::object value = fields[1];
    write.value = to_json(value);
    if (fields.size() == 3) {
      py::object expected = fields[2];
      write.expected_version = version_arg(expected);
    }
    out.push_back(std::move(write));
  }
  return out;
}

py::object text_or_none(const std::string& text) {
  if (text.empty()) return py::none();
  return py::str(text);
}

}  // namespace

void bind_records(py::module_& core, py::class_<PyEngine>& engine_class) {
  py::module_ m = core.def_submodule(
      "records", "JSON records in named collections (engine.records); see cairn.records.");

  // The limits the service enforces (cairn/records/record.hpp), read from the one place;
  // cairn.records exposes them as MAX_* constants.
  py::dict limits;
  limits["max_collection_name_bytes"] = records::kMaxCollectionNameBytes;
  limits["max_id_bytes"] = records::kMaxIdBytes;
  limits["max_record_bytes"] = records::kMaxRecordBytes;
  limits["max_field_name_bytes"] = records::kMaxFieldNameBytes;
  limits["max_indexed_fields"] = records::kMaxIndexedFields;
  limits["max_indexed_string_bytes"] = records::kMaxIndexedStringBytes;
  limits["max_list_limit"] = records::kMaxListLimit;
  limits["max_batch_records"] = records::kMaxBatchRecords;
  m.attr("limits") = limits;

  py::class_<CollectionSpec>(m, "CollectionSpec", "How a collection was declared.")
      .def_readonly("unique", &CollectionSpec::unique,
                    "Fields no two records share a value of (indexed too).")
      .def_readonly("indexes", &CollectionSpec::indexes,
                    "Fields that may be filtered and ordered by.")
      .def("__repr__", [](const CollectionSpec& s) {
        return "<cairn.records.CollectionSpec unique=" + std::string(py::repr(py::cast(s.unique))) +
               " indexes=" + std::string(py::repr(py::cast(s.indexes))) + ">";
      });

  py::class_<Record>(m, "Record", "One record: its id, version, value (a dict) and times.")
      .def_readonly("id", &Record::id)
      .def_readonly("version", &Record::version, "1 when created, +1 per write.")
      .def_property_readonly(
          "value", [](const Record& r) { return from_json(r.value); },
          "The record's JSON object as a new dict (json.loads of the stored text).")
      .def_readonly("created_at", &Record::created_at)
      .def_readonly("updated_at", &Record::updated_at)
      .def("__repr__", [](const Record& r) {
        return "<cairn.records.Record " + r.id + " v" + std::to_string(r.version) + ">";
      });

  py::class_<Page>(m, "Page", "One page of records and the cursor of the next (None at the end).")
      .def_readonly("items", &Page::items)
      .def_property_readonly("next_cursor",
                             [](const Page& p) { return text_or_none(p.next_cursor); })
      .def("__len__", [](const Page& p) { return p.items.size(); })
      .def(
          "__iter__",
          [](const Page& p) { return py::make_iterator(p.items.begin(), p.items.end()); },
          py::keep_alive<0, 1>());

  using Str = const std::string&;
  using OptStr = const std::optional<std::string>&;
  py::class_<PyRecords>(m, "RecordsService",
                        "JSON records in named collections, on the engine's database. Every call "
                        "is atomic: it fully happens or changes nothing.")
      .def(
          "define",
          [](PyRecords& s, Str collection, const std::vector<std::string>& unique,
             const std::vector<std::string>& indexes) {
            CollectionSpec spec{unique, indexes};
            s.call([&](RecordsService& r) { return r.define(collection, spec); });
          },
          py::arg("collection"), py::arg("unique") = std::vector<std::string>(),
          py::arg("indexes") = std::vector<std::string>(),
          "Declares collection with its unique and indexed fields; again with the same spec is a "
          "no-op, with another FailedPreconditionError (RECORDS_COLLECTION_SPEC_MISMATCH).")
      .def(
          "spec",
          [](PyRecords& s, Str collection) {
            return s.call([&](RecordsService& r) { return r.spec(collection); });
          },
          py::arg("collection"),
          "The spec collection was declared with. NotFoundError (RECORDS_COLLECTION_NOT_FOUND).")
      .def(
          "collections",
          [](PyRecords& s) { return s.call([&](RecordsService& r) { return r.collections(); }); },
          "Every declared collection's name, sorted.")
      .def(
          "put",
          [](PyRecords& s, Str collection, Str id, const py::object& value,
             const py::object& expected_version) {
            std::string json = to_json(value);
            std::optional<int64_t> expected = version_arg(expected_version);
            return s.call([&](RecordsService& r) { return r.put(collection, id, json, expected); });
          },
          py::arg("collection"), py::arg("id"), py::arg("value"),
          py::arg("expected_version") = py::none(),
          "Creates or replaces record id with value (a dict); returns its new version. "
          "expected_version 0: must not exist; n: must be at version n (AbortedError, "
          "RECORDS_VERSION_CONFLICT).")
      .def(
          "get",
          [](PyRecords& s, Str collection, Str id) {
            return s.call([&](RecordsService& r) { return r.get(collection, id); });
          },
          py::arg("collection"), py::arg("id"), "Record id, or None.")
      .def(
          "delete",
          [](PyRecords& s, Str collection, Str id, const py::object& expected_version) {
            std::optional<int64_t> expected = version_arg(expected_version);
            s.call([&](RecordsService& r) { return r.remove(collection, id, expected); });
          },
          py::arg("collection"), py::arg("id"), py::arg("expected_version") = py::none(),
          "Deletes record id for good. NotFoundError (RECORDS_RECORD_NOT_FOUND); AbortedError "
          "(RECORDS_VERSION_CONFLICT).")
      .def(
          "list",
          [](PyRecords& s, Str collection, const py::object& where, OptStr order_by,
             bool descending, int32_t limit, OptStr cursor) {
            records::ListOptions options;
            options.where = where_arg(where);
            options.order_by = order_by.value_or(std::string());
            options.descending = descending;
            options.limit = limit;
            options.cursor = cursor.value_or(std::string());
            return s.call([&](RecordsService& r) { return r.list(collection, options); });
          },
          py::arg("collection"), py::arg("where") = py::none(), py::arg("order_by") = py::none(),
          py::arg("descending") = false, py::arg("limit") = 100, py::arg("cursor") = py::none(),
          "One page of the records matching where (a dict: field -> str, int or bool), ordered "
          "by order_by (None: created_at; updated_at, id, or an indexed field).")
      .def(
          "count",
          [](PyRecords& s, Str collection, const py::object& where) {
            records::Where w = where_arg(where);
            return s.call([&](RecordsService& r) { return r.count(collection, w); });
          },
          py::arg("collection"), py::arg("where") = py::none(), "How many records match where.")
      .def(
          "put_many",
          [](PyRecords& s, Str collection, const py::iterable& writes) {
            std::vector<RecordWrite> batch = writes_arg(writes);
            return s.call([&](RecordsService& r) { return r.put_many(collection, batch); });
          },
          py::arg("collection"), py::arg("writes"),
          "Writes [(id, value, expected_version), ...] at once, or none of them; returns their "
          "new versions in order.");

  bind_service_property<PyRecords>(engine_class, "records",
                                   "JSON records in named collections (cairn.records).");
}

}  // namespace cairn::python
