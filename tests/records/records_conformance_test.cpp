// RecordStore on every backend, through RecordsService.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <set>
#include <thread>

#include "cairn/records/service.hpp"
#include "cairn/records/store.hpp"
#include "storage/internal/stores.hpp"
#include "support/conformance.hpp"

namespace cairn::testing {
namespace {

using records::CollectionSpec;
using records::FieldValue;
using records::ListOptions;
using records::Page;
using records::Record;
using records::RecordsService;
using records::RecordWrite;
using records::Where;
using std::chrono::seconds;
using V = std::vector<std::string>;

class RecordsConformance : public StoreConformanceTest {
 protected:
  void SetUp() override {
    StoreConformanceTest::SetUp();
    open_service(database());
    ASSERT_TRUE(r().define("people", spec_of(V{"email"}, {"team", "age", "admin"})));
  }

  void open_service(storage::Database& db) {
    service_.reset();
    store_ = storage::internal::make_records_store(db);
    service_ = std::make_unique<RecordsService>(*store_, env_);
  }

  RecordsService& r() { return *service_; }

  static CollectionSpec spec_of(std::vector<std::string> unique, std::vector<std::string> indexes) {
    CollectionSpec spec;
    spec.unique = std::move(unique);
    spec.indexes = std::move(indexes);
    return spec;
  }
  static ListOptions opts(Where where, std::string order_by = "", bool descending = false,
                          int32_t limit = 100, std::string cursor = "") {
    ListOptions o;
    o.where = std::move(where);
    o.order_by = std::move(order_by);
    o.descending = descending;
    o.limit = limit;
    o.cursor = std::move(cursor);
    return o;
  }

  // Puts a record one second after the previous one; returns its version.
  int64_t put(const std::string& id, const std::string& value,
              std::optional<int64_t> expected = std::nullopt) {
    env_.advance(seconds(1));
    auto v = r().put("people", id, value, expected);
    EXPECT_TRUE(v) << id << ": " << v.error().to_string();
    return v ? *v : -1;
  }

  void expect_error(const Status& s, ErrorCode code, const char* reason) {
    ASSERT_FALSE(s) << reason;
    EXPECT_EQ(s.error().code, code) << reason << " / " << s.error().to_string();
    EXPECT_EQ(s.error().reason, reason) << s.error().to_string();
  }
  template <class T>
  void expect_error(const Result<T>& s, ErrorCode code, const char* reason) {
    ASSERT_FALSE(s) << reason;
    EXPECT_EQ(s.error().code, code) << reason << " / " << s.error().to_string();
    EXPECT_EQ(s.error().reason, reason) << s.error().to_string();
  }

  std::vector<std::string> ids(const std::vector<Record>& items) {
    std::vector<std::string> out;
    out.reserve(items.size());
    for (const Record& rec : items) out.push_back(rec.id);
    return out;
  }

  // Every page of a listing, following cursors (at most 100 pages).
  std::vector<std::string> walk(ListOptions options) {
    std::vector<std::string> out;
    for (int i = 0; i < 100; ++i) {
      auto page = r().list("people", options);
      EXPECT_TRUE(page) << page.error().to_string();
      if (!page) return out;
      EXPECT_LE(page->items.size(), static_cast<std::size_t>(options.limit));
      for (const Record& rec : page->items) out.push_back(rec.id);
      if (page->next_cursor.empty()) return out;
      options.cursor = page->next_cursor;
    }
    ADD_FAILURE() << "more than 100 pages";
    return out;
  }

  std::vector<std::string> first_page(const ListOptions& options) {
    auto page = r().list("people", options);
    EXPECT_TRUE(page) << page.error().to_string();
    return page ? ids(page->items) : V{};
  }

  int64_t count(const Where& where = {}) {
    auto n = r().count("people", where);
    EXPECT_TRUE(n) << n.error().to_string();
    return n ? *n : -1;
  }

  // Six people: teams, ages and admin flags with ties and gaps (f has none of the fields).
  void seed() {
    put("a", R"({"email":"a@x","team":"red","age":30,"admin":true})");
    put("b", R"({"email":"b@x","team":"blue","age":25,"admin":false})");
    put("c", R"({"email":"c@x","team":"red","age":41,"admin":false})");
    put("d", R"({"email":"d@x","team":"green","age":25})");
    put("e", R"({"email":"e@x","team":"red","age":-3,"admin":true})");
    put("f", R"({"note":"no indexed fields","team":null})");
  }

  FakeEnv env_;
  std::unique_ptr<records::RecordStore> store_;
  std::unique_ptr<RecordsService> service_;
};

TEST_P(RecordsConformance, DefineIsIdempotentAndRefusesAnotherSpec) {
  EXPECT_TRUE(r().define("people", spec_of(V{"email"}, {"admin", "age", "team"})));
  expect_error(r().define("people", spec_of(V{"email"}, {"team"})), ErrorCode::kFailedPrecondition,
               "RECORDS_COLLECTION_SPEC_MISMATCH");
  expect_error(r().define("people", spec_of({}, {"email", "team", "age", "admin"})),
               ErrorCode::kFailedPrecondition, "RECORDS_COLLECTION_SPEC_MISMATCH");
  auto spec = r().spec("people");
  ASSERT_TRUE(spec) << spec.error().to_string();
  EXPECT_EQ(spec->unique, V{"email"});
  EXPECT_EQ(spec->indexes, (V{"admin", "age", "team"}));
  EXPECT_TRUE(r().define("empty", {}));
  EXPECT_TRUE(r().define("empty", {}));
  auto all = r().collections();
  ASSERT_TRUE(all);
  EXPECT_EQ(*all, (V{"empty", "people"}));
  expect_error(r().spec("nope"), ErrorCode::kNotFound, "RECORDS_COLLECTION_NOT_FOUND");

  // A second service on the same store (another process) sees the declaration, and its cache
  // does not hide a mismatch.
  RecordsService other(*store_, env_);
  expect_error(other.define("people", spec_of({}, {"team"})), ErrorCode::kFailedPrecondition,
               "RECORDS_COLLECTION_SPEC_MISMATCH");
  EXPECT_TRUE(other.put("empty", "x", "{}"));
}

TEST_P(RecordsConformance, DefineRefusesBadNamesAndSpecs) {
  for (const std::string& name :
       V{"", "People", "1abc", "_a", "a-b", "a b", std::string(65, 'a')}) {
    expect_error(r().define(name, {}), ErrorCode::kInvalidArgument,
                 "RECORDS_COLLECTION_NAME_INVALID");
  }
  EXPECT_TRUE(r().define(std::string(64, 'a'), {}));
  EXPECT_TRUE(r().define("a_1", spec_of(V{"Name_2"}, {"_x"})));
  for (const std::string& field :
       V{"", "1a", "a-b", "a.b", "id", "created_at", "updated_at", std::string(65, 'f')}) {
    expect_error(r().define("c1", spec_of({}, {field})), ErrorCode::kInvalidArgument,
                 "RECORDS_FIELD_NAME_INVALID");
  }
  expect_error(r().define("c1", spec_of({}, {"a", "a"})), ErrorCode::kInvalidArgument,
               "RECORDS_SPEC_INVALID");
  expect_error(r().define("c1", spec_of(V{"a"}, {"a"})), ErrorCode::kInvalidArgument,
               "RECORDS_SPEC_INVALID");
  std::vector<std::string> many;
  many.reserve(17);
  for (int i = 0; i < 17; ++i) many.push_back("f" + std::to_string(i));
  expect_error(r().define("c1", spec_of({}, many)), ErrorCode::kInvalidArgument,
               "RECORDS_SPEC_INVALID");
  many.pop_back();
  EXPECT_TRUE(r().define("c1", spec_of({}, many)));
  auto all = r().collections();
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 4u);  // people, aaa..., a_1, c1
}

TEST_P(RecordsConformance, PutAndGetRoundTripWithVersionsAndTimes) {
  const Timestamp t0 = env_.now();
  EXPECT_EQ(put("a", R"( { "team" : "red", "email":"a@x", "nested": {"k": [1, 2.5, "é"]} } )"), 1);
  auto got = r().get("people", "a");
  ASSERT_TRUE(got) << got.error().to_string();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->id, "a");
  EXPECT_EQ((*got)->version, 1);
  EXPECT_EQ((*got)->value, R"({"email":"a@x","nested":{"k":[1,2.5,"é"]},"team":"red"})");
  EXPECT_EQ((*got)->created_at, t0 + seconds(1));
  EXPECT_EQ((*got)->updated_at, t0 + seconds(1));

  EXPECT_EQ(put("a", R"({"team":"blue"})"), 2);
  got = r().get("people", "a");
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ((*got)->version, 2);
  EXPECT_EQ((*got)->value, R"({"team":"blue"})");
  EXPECT_EQ((*got)->created_at, t0 + seconds(1));
  EXPECT_EQ((*got)->updated_at, t0 + seconds(2));

  auto missing = r().get("people", "zz");
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing->has_value());
  // The id alphabet and length limits.
  EXPECT_EQ(put(std::string(128, 'i'), "{}"), 1);
  EXPECT_EQ(put("A-z.0_9:x@y", "{}"), 1);
}

TEST_P(RecordsConformance, ExpectedVersionsAreCompareAndSwap) {
  EXPECT_EQ(put("a", R"({"team":"red"})", 0), 1);
  expect_error(r().put("people", "a", R"({"team":"x"})", 0), ErrorCode::kAborted,
               "RECORDS_VERSION_CONFLICT");
  expect_error(r().put("people", "a", R"({"team":"x"})", 2), ErrorCode::kAborted,
               "RECORDS_VERSION_CONFLICT");
  expect_error(r().put("people", "new", R"({"team":"x"})", 1), ErrorCode::kAborted,
               "RECORDS_VERSION_CONFLICT");
  EXPECT_EQ(put("a", R"({"team":"green"})", 1), 2);
  EXPECT_EQ(put("a", R"({"team":"blue"})"), 3);
  auto got = r().get("people", "a");
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ((*got)->version, 3);
  EXPECT_EQ((*got)->value, R"({"team":"blue"})");
  EXPECT_FALSE(r().get("people", "new")->has_value());
  EXPECT_EQ(count({{"team", std::string("x")}}), 0);

  expect_error(r().remove("people", "a", 2), ErrorCode::kAborted, "RECORDS_VERSION_CONFLICT");
  expect_error(r().remove("people", "a", 0), ErrorCode::kAborted, "RECORDS_VERSION_CONFLICT");
  EXPECT_TRUE(r().get("people", "a")->has_value());
  EXPECT_TRUE(r().remove("people", "a", 3));
  EXPECT_FALSE(r().get("people", "a")->has_value());
}

TEST_P(RecordsConformance, RemoveDeletesForGoodAndTheIdStartsAgain) {
  put("a", R"({"email":"a@x","team":"red"})");
  put("a", R"({"email":"a@x","team":"red"})");
  EXPECT_TRUE(r().remove("people", "a"));
  EXPECT_FALSE(r().get("people", "a")->has_value());
  EXPECT_EQ(count(), 0);
  EXPECT_EQ(count({{"team", std::string("red")}}), 0);
  EXPECT_TRUE(first_page(opts(Where{}, "team", false, 100, "")).empty());
  expect_error(r().remove("people", "a"), ErrorCode::kNotFound, "RECORDS_RECORD_NOT_FOUND");
  expect_error(r().remove("people", "a", 1), ErrorCode::kNotFound, "RECORDS_RECORD_NOT_FOUND");
  // The unique value is free again, and the id starts at version 1.
  EXPECT_EQ(put("b", R"({"email":"a@x"})"), 1);
  EXPECT_EQ(put("a", R"({"email":"other@x"})", 0), 1);
}

TEST_P(RecordsConformance, UniqueViolationChangesNothing) {
  put("a", R"({"email":"a@x","team":"red"})");
  put("b", R"({"email":"b@x","team":"blue"})");
  auto clash = r().put("people", "b", R"({"email":"a@x","team":"green"})");
  expect_error(clash, ErrorCode::kAlreadyExists, "RECORDS_UNIQUE_VIOLATION");
  EXPECT_NE(clash.error().message.find("email"), std::string::npos) << clash.error().message;
  EXPECT_EQ(clash.error().message.find("a@x"), std::string::npos) << clash.error().message;
  expect_error(r().put("people", "c", R"({"email":"a@x"})"), ErrorCode::kAlreadyExists,
               "RECORDS_UNIQUE_VIOLATION");
  auto b = r().get("people", "b");
  ASSERT_TRUE(b && b->has_value());
  EXPECT_EQ((*b)->version, 1);
  EXPECT_EQ((*b)->value, R"({"email":"b@x","team":"blue"})");
  EXPECT_FALSE(r().get("people", "c")->has_value());
  EXPECT_EQ(count(), 2);
  EXPECT_EQ(count({{"team", std::string("green")}}), 0);
  EXPECT_EQ(count({{"team", std::string("blue")}}), 1);
  // A record keeps its own value; absent and null values never clash; types are distinct.
  EXPECT_EQ(put("a", R"({"email":"a@x","team":"x"})"), 2);
  put("c", R"({"team":"x"})");
  put("d", R"({"email":null})");
  put("e", R"({"email":1})");
  put("g", R"({"email":"1"})");
  put("h", R"({"email":true})");
  expect_error(r().put("people", "i", R"({"email":1.0})"), ErrorCode::kAlreadyExists,
               "RECORDS_UNIQUE_VIOLATION");
  // Moving a value from one record to another in order is fine.
  EXPECT_EQ(put("a", R"({"email":"moved@x"})"), 3);
  put("b", R"({"email":"a@x"})");
}

TEST_P(RecordsConformance, BadInputIsRefusedAndChangesNothing) {
  put("a", R"({"email":"a@x","team":"red"})");
  auto bad_put = [&](const std::string& id, const std::string& value, const char* reason) {
    expect_error(r().put("people", id, value), ErrorCode::kInvalidArgument, reason);
  };
  expect_error(r().put("nope", "a", "{}"), ErrorCode::kNotFound, "RECORDS_COLLECTION_NOT_FOUND");
  expect_error(r().put("Bad", "a", "{}"), ErrorCode::kInvalidArgument,
               "RECORDS_COLLECTION_NAME_INVALID");
  for (const std::string& id : V{"", "a b", "a/b", "../x", "é", std::string(129, 'i')}) {
    bad_put(id, "{}", "RECORDS_ID_INVALID");
  }
  for (const std::string& value :
       V{"", "[]", "1", "\"s\"", "null", "{", R"({"a":})", "{} {}", "{\"a\":\"\xff\"}",
         std::string(200, '[') + std::string(200, ']')}) {
    bad_put("a", value, "RECORDS_VALUE_INVALID");
  }
  bad_put("a", R"({"deep":)" + std::string(130, '[') + std::string(130, ']') + "}",
          "RECORDS_VALUE_INVALID");
  const std::string big = R"({"x":")" + std::string(records::kMaxRecordBytes, 'x') + "\"}";
  bad_put("a", big, "RECORDS_VALUE_TOO_LARGE");
  bad_put("a", std::string(9 * records::kMaxRecordBytes, ' '), "RECORDS_VALUE_TOO_LARGE");
  // Exactly at the limit is fine.
  const std::string fits = R"({"x":")" + std::string(records::kMaxRecordBytes - 8, 'x') + "\"}";
  ASSERT_EQ(fits.size(), records::kMaxRecordBytes);
  EXPECT_EQ(put("big", fits), 1);
  for (const std::string& value :
       V{R"({"team":{"a":1}})", R"({"team":[1]})", R"({"age":2.5})", R"({"age":1e300})",
         R"({"age":18446744073709551615})",
         R"({"team":")" + std::string(records::kMaxIndexedStringBytes + 1, 't') + "\"}"}) {
    bad_put("a", value, "RECORDS_FIELD_VALUE_INVALID");
  }
  // Indexed values at their limits, and fields that are not indexed may hold anything.
  EXPECT_EQ(put("lim", R"({"team":")" + std::string(records::kMaxIndexedStringBytes, 't') +
                           R"(","age":-9223372036854775808,"other":[{"x":2.5}]})"),
            1);
  EXPECT_EQ(put("float", R"({"age":4.0})"), 1);
  EXPECT_EQ(count({{"age", int64_t{4}}}), 1);

  auto a = r().get("people", "a");
  ASSERT_TRUE(a && a->has_value());
  EXPECT_EQ((*a)->version, 1);
  EXPECT_EQ((*a)->value, R"({"email":"a@x","team":"red"})");
  EXPECT_EQ(count(), 4);

  expect_error(r().get("nope", "a"), ErrorCode::kNotFound, "RECORDS_COLLECTION_NOT_FOUND");
  expect_error(r().get("people", "a b"), ErrorCode::kInvalidArgument, "RECORDS_ID_INVALID");
  expect_error(r().remove("people", ""), ErrorCode::kInvalidArgument, "RECORDS_ID_INVALID");
  expect_error(r().remove("nope", "a"), ErrorCode::kNotFound, "RECORDS_COLLECTION_NOT_FOUND");
  expect_error(r().list("nope"), ErrorCode::kNotFound, "RECORDS_COLLECTION_NOT_FOUND");
  expect_error(r().count("nope"), ErrorCode::kNotFound, "RECORDS_COLLECTION_NOT_FOUND");
  expect_error(r().list("people", opts(Where{{"note", std::string("x")}}, "", false, 100, "")),
               ErrorCode::kInvalidArgument, "RECORDS_FIELD_NOT_INDEXED");
  expect_error(r().count("people", {{"note", std::string("x")}}), ErrorCode::kInvalidArgument,
               "RECORDS_FIELD_NOT_INDEXED");
  expect_error(r().list("people", opts(Where{}, "note", false, 100, "")),
               ErrorCode::kInvalidArgument, "RECORDS_FIELD_NOT_INDEXED");
  for (int32_t limit : {0, -1, records::kMaxListLimit + 1}) {
    expect_error(r().list("people", opts(Where{}, "", false, limit, "")),
                 ErrorCode::kInvalidArgument, "RECORDS_LIMIT_INVALID");
  }
  EXPECT_TRUE(r().list("people", opts(Where{}, "", false, records::kMaxListLimit, "")));
  for (const std::string& cursor : V{"!!", "AAAA", "QQ==", "x"}) {
    expect_error(r().list("people", opts(Where{}, "", false, 100, cursor)),
                 ErrorCode::kInvalidArgument, "RECORDS_CURSOR_INVALID");
  }
}

TEST_P(RecordsConformance, ListFiltersOnStringIntegerAndBoolean) {
  seed();
  EXPECT_EQ(first_page(opts(Where{{"team", std::string("red")}}, "", false, 100, "")),
            (V{"a", "c", "e"}));
  EXPECT_EQ(first_page(opts(Where{{"age", int64_t{25}}}, "", false, 100, "")), (V{"b", "d"}));
  EXPECT_EQ(first_page(opts(Where{{"admin", true}}, "", false, 100, "")), (V{"a", "e"}));
  EXPECT_EQ(first_page(opts(Where{{"admin", false}}, "", false, 100, "")), (V{"b", "c"}));
  EXPECT_EQ(
      first_page(opts(Where{{"team", std::string("red")}, {"admin", true}}, "", false, 100, "")),
      (V{"a", "e"}));
  EXPECT_EQ(first_page(opts(Where{{"team", std::string("red")}, {"age", int64_t{25}}}, "", false,
                            100, "")),
            V{});
  // Types are distinct: true is not 1, "25" is not 25.
  EXPECT_TRUE(first_page(opts(Where{{"admin", int64_t{1}}}, "", false, 100, "")).empty());
  EXPECT_TRUE(first_page(opts(Where{{"age", std::string("25")}}, "", false, 100, "")).empty());
  EXPECT_TRUE(first_page(opts(Where{{"team", std::string("")}}, "", false, 100, "")).empty());
  EXPECT_EQ(first_page(opts(Where{{"email", std::string("d@x")}}, "", false, 100, "")), V{"d"});
  EXPECT_EQ(count(), 6);
  EXPECT_EQ(count({{"team", std::string("red")}}), 3);
  EXPECT_EQ(count({{"team", std::string("red")}, {"admin", true}}), 2);
  EXPECT_EQ(count({{"admin", false}}), 2);
  EXPECT_EQ(count({{"age", int64_t{-3}}}), 1);
  EXPECT_EQ(count({{"team", std::string("none")}}), 0);
  // A changed value moves the record between filters.
  put("d", R"({"email":"d@x","team":"red","age":25})");
  EXPECT_EQ(count({{"team", std::string("red")}}), 4);
  EXPECT_EQ(count({{"team", std::string("green")}}), 0);
}

TEST_P(RecordsConformance, ListOrdersByEveryKindWithAbsentValuesFirst) {
  seed();
  EXPECT_EQ(first_page({}), (V{"a", "b", "c", "d", "e", "f"}));
  EXPECT_EQ(first_page(opts(Where{}, "", true, 100, "")), (V{"f", "e", "d", "c", "b", "a"}));
  EXPECT_EQ(first_page(opts(Where{}, "team", false, 100, "")), (V{"f", "b", "d", "a", "c", "e"}));
  EXPECT_EQ(first_page(opts(Where{}, "team", true, 100, "")), (V{"e", "c", "a", "d", "b", "f"}));
  EXPECT_EQ(first_page(opts(Where{}, "age", false, 100, "")), (V{"f", "e", "b", "d", "a", "c"}));
  EXPECT_EQ(first_page(opts(Where{}, "admin", false, 100, "")), (V{"d", "f", "b", "c", "a", "e"}));
  EXPECT_EQ(first_page(opts(Where{}, "admin", true, 100, "")), (V{"e", "a", "c", "b", "f", "d"}));
  EXPECT_EQ(first_page(opts(Where{{"team", std::string("red")}}, "age", false, 100, "")),
            (V{"e", "a", "c"}));
  // Mixed kinds in one field: absent, bool, integer, string.
  put("g", R"({"team":7})");
  put("h", R"({"team":false})");
  EXPECT_EQ(first_page(opts(Where{}, "team", false, 100, "")),
            (V{"f", "h", "g", "b", "d", "a", "c", "e"}));
  // updated_at follows writes; id is the record id; ties in time are broken by id.
  put("a", R"({"email":"a@x"})");
  EXPECT_EQ(first_page(opts(Where{}, "updated_at", true, 2, "")), (V{"a", "h"}));
  EXPECT_EQ(first_page(opts(Where{}, "created_at", false, 2, "")), (V{"a", "b"}));
  EXPECT_EQ(first_page(opts(Where{}, "id", true, 3, "")), (V{"h", "g", "f"}));
  env_.advance(seconds(1));
  ASSERT_TRUE(r().put("people", "z2", "{}"));
  ASSERT_TRUE(r().put("people", "z1", "{}"));
  EXPECT_EQ(first_page(opts(Where{}, "", true, 2, "")), (V{"z2", "z1"}));
  EXPECT_EQ(first_page(opts(Where{}, "updated_at", true, 2, "")), (V{"z2", "z1"}));
}

TEST_P(RecordsConformance, PagesOfTwoWalkToTheEndWithoutRepeatsOrSkips) {
  seed();
  put("g", R"({"team":"red","age":30})");
  put("h", R"({"team":"red","age":30})");
  env_.advance(seconds(1));
  ASSERT_TRUE(r().put("people", "j", R"({"team":"blue","age":30})"));
  ASSERT_TRUE(r().put("people", "i", R"({"team":"blue","age":30})"));
  for (const std::string& order : V{"", "updated_at", "id", "team", "age", "admin", "email"}) {
    for (bool desc : {false, true}) {
      for (const Where& where :
           {Where{}, Where{{"team", std::string("red")}}, Where{{"age", int64_t{30}}}}) {
        ListOptions all = opts(where, order, desc, records::kMaxListLimit, "");
        auto expected = first_page(all);
        ListOptions paged = all;
        paged.limit = 2;
        EXPECT_EQ(walk(paged), expected) << order << (desc ? " desc" : "");
        EXPECT_EQ(static_cast<int64_t>(expected.size()), count(where));
      }
    }
  }
  EXPECT_EQ(walk(opts(Where{}, "", false, 2, "")).size(), 10u);
  // An exact multiple of the page size ends with an empty cursor on the last full page.
  auto p = r().list("people", opts(Where{{"admin", true}}, "", false, 2, ""));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->items.size(), 2u);
  EXPECT_TRUE(p->next_cursor.empty());
}

TEST_P(RecordsConformance, CursorsAreStableWhileRecordsArrive) {
  seed();
  auto p1 = r().list("people", opts(Where{}, "age", false, 3, ""));
  ASSERT_TRUE(p1);
  EXPECT_EQ(ids(p1->items), (V{"f", "e", "b"}));
  // Written meanwhile: one before the cursor (not shown), one after (shown), one removed.
  put("y", R"({"age":-100})");
  put("z", R"({"age":100})");
  ASSERT_TRUE(r().remove("people", "a"));
  auto rest = walk(opts(Where{}, "age", false, 2, p1->next_cursor));
  EXPECT_EQ(rest, (V{"d", "c", "z"}));
  // The cursor's record itself may be deleted: the position still holds.
  ASSERT_TRUE(r().remove("people", "b"));
  EXPECT_EQ(walk(opts(Where{}, "age", false, 2, p1->next_cursor)), (V{"d", "c", "z"}));
}

TEST_P(RecordsConformance, ACursorOfAnotherListingIsRefused) {
  seed();
  auto p = r().list("people", opts(Where{{"team", std::string("red")}}, "age", false, 1, ""));
  ASSERT_TRUE(p);
  ASSERT_FALSE(p->next_cursor.empty());
  const std::string c = p->next_cursor;
  EXPECT_TRUE(r().list("people", opts(Where{{"team", std::string("red")}}, "age", false, 5, c)));
  for (ListOptions other : {
           opts(Where{{"team", std::string("blue")}}, "age", false, 100, ""),
           opts(Where{}, "age", false, 100, ""),
           opts(Where{{"team", std::string("red")}}, "team", false, 100, ""),
           opts(Where{{"team", std::string("red")}}, "", false, 100, ""),
           opts(Where{{"team", std::string("red")}}, "age", true, 100, ""),
       }) {
    other.cursor = c;
    expect_error(r().list("people", other), ErrorCode::kInvalidArgument, "RECORDS_CURSOR_INVALID");
  }
  ASSERT_TRUE(r().define("others", spec_of({}, {"team", "age"})));
  expect_error(r().list("others", opts(Where{{"team", std::string("red")}}, "age", false, 100, c)),
               ErrorCode::kInvalidArgument, "RECORDS_CURSOR_INVALID");
  // A damaged cursor is refused too, never read with another meaning.
  std::string damaged = c;
  damaged[3] = damaged[3] == 'A' ? 'B' : 'A';  // inside the fingerprint
  expect_error(
      r().list("people", opts(Where{{"team", std::string("red")}}, "age", false, 100, damaged)),
      ErrorCode::kInvalidArgument, "RECORDS_CURSOR_INVALID");
  expect_error(r().list("people", opts(Where{{"team", std::string("red")}}, "age", false, 100,
                                       c.substr(0, c.size() - 3))),
               ErrorCode::kInvalidArgument, "RECORDS_CURSOR_INVALID");
}

TEST_P(RecordsConformance, PutManyIsAllOrNothing) {
  put("a", R"({"email":"a@x","team":"red"})");
  std::vector<RecordWrite> writes = {
      {"n1", R"({"email":"n1@x"})", 0},
      {"a", R"({"email":"a2@x","team":"blue"})", 1},
      {"n2", R"({"email":"a@x"})", std::nullopt},  // clashes with a's old value, which a frees
      {"n3", R"({"team":"green"})", std::nullopt},
  };
  env_.advance(seconds(1));
  auto versions = r().put_many("people", writes);
  ASSERT_TRUE(versions) << versions.error().to_string();
  EXPECT_EQ(*versions, (std::vector<int64_t>{1, 2, 1, 1}));
  EXPECT_EQ(count(), 4);
  EXPECT_EQ((*r().get("people", "a"))->value, R"({"email":"a2@x","team":"blue"})");

  auto refused = [&](std::vector<RecordWrite> batch, ErrorCode code, const char* reason,
                     const std::string& failing_id) {
    auto result = r().put_many("people", batch);
    expect_error(result, code, reason);
    if (!result && !failing_id.empty()) {
      EXPECT_NE(result.error().message.find("'" + failing_id + "'"), std::string::npos)
          << result.error().message;
    }
    EXPECT_EQ(count(), 4);
    EXPECT_FALSE(r().get("people", "m1")->has_value());
    EXPECT_EQ((*r().get("people", "a"))->version, 2);
    EXPECT_EQ(count({{"team", std::string("pink")}}), 0);
  };
  refused({{"m1", R"({"team":"pink"})", std::nullopt},
           {"a", R"({"team":"pink"})", 1},
           {"m2", R"({"team":"pink"})", std::nullopt}},
          ErrorCode::kAborted, "RECORDS_VERSION_CONFLICT", "a");
  refused({{"m1", R"({"team":"pink"})", std::nullopt},
           {"a", R"({"team":"pink"})", std::nullopt},
           {"m2", R"({"email":"n1@x","team":"pink"})", std::nullopt}},
          ErrorCode::kAlreadyExists, "RECORDS_UNIQUE_VIOLATION", "m2");
  refused({{"m1", R"({"email":"same@x","team":"pink"})", std::nullopt},
           {"m2", R"({"email":"same@x"})", std::nullopt}},
          ErrorCode::kAlreadyExists, "RECORDS_UNIQUE_VIOLATION", "m2");
  refused({{"m1", R"({"team":"pink"})", std::nullopt}, {"m2", "[]", std::nullopt}},
          ErrorCode::kInvalidArgument, "RECORDS_VALUE_INVALID", "m2");
  refused({{"m1", R"({"team":"pink"})", std::nullopt}, {"m 2", "{}", std::nullopt}},
          ErrorCode::kInvalidArgument, "RECORDS_ID_INVALID", "");
  refused({}, ErrorCode::kInvalidArgument, "RECORDS_BATCH_INVALID", "");
  refused({{"m1", R"({"team":"pink"})", std::nullopt}, {"m1", "{}", std::nullopt}},
          ErrorCode::kInvalidArgument, "RECORDS_BATCH_INVALID", "m1");
  std::vector<RecordWrite> too_many(records::kMaxBatchRecords + 1);
  for (std::size_t i = 0; i < too_many.size(); ++i) {
    too_many[i] = {"m" + std::to_string(i), R"({"team":"pink"})", std::nullopt};
  }
  refused(too_many, ErrorCode::kInvalidArgument, "RECORDS_BATCH_INVALID", "");
  too_many.pop_back();
  auto full = r().put_many("people", too_many);
  ASSERT_TRUE(full) << full.error().to_string();
  EXPECT_EQ(full->size(), records::kMaxBatchRecords);
  EXPECT_EQ(count({{"team", std::string("pink")}}),
            static_cast<int64_t>(records::kMaxBatchRecords));
  expect_error(r().put_many("nope", writes), ErrorCode::kNotFound, "RECORDS_COLLECTION_NOT_FOUND");
}

TEST_P(RecordsConformance, EverythingSurvivesReopening) {
  if (!persistent()) GTEST_SKIP() << "memory: keeps nothing across reopening";
  seed();
  put("a", R"({"email":"a@x","team":"red","age":31,"admin":true})");
  auto before = r().get("people", "a");
  ASSERT_TRUE(before && before->has_value());
  open_service(reopen());
  auto spec = r().spec("people");
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec->unique, V{"email"});
  auto after = r().get("people", "a");
  ASSERT_TRUE(after && after->has_value());
  EXPECT_EQ((*after)->version, 2);
  EXPECT_EQ((*after)->value, (*before)->value);
  EXPECT_EQ((*after)->created_at, (*before)->created_at);
  EXPECT_EQ((*after)->updated_at, (*before)->updated_at);
  EXPECT_EQ(count({{"team", std::string("red")}}), 3);
  EXPECT_EQ(first_page(opts(Where{}, "age", false, 100, "")), (V{"f", "e", "b", "d", "a", "c"}));
  expect_error(r().put("people", "z", R"({"email":"b@x"})"), ErrorCode::kAlreadyExists,
               "RECORDS_UNIQUE_VIOLATION");
  expect_error(r().define("people", spec_of({}, {"team"})), ErrorCode::kFailedPrecondition,
               "RECORDS_COLLECTION_SPEC_MISMATCH");
}

TEST_P(RecordsConformance, ConcurrentCompareAndSwapHasExactlyOneWinner) {
  put("doc", R"({"n":0})");
  for (int round = 0; round < 20; ++round) {
    const int64_t version = round + 1;
    std::array<Result<int64_t>, 2> results = {Result<int64_t>(0), Result<int64_t>(0)};
    std::array<std::thread, 2> threads;
    for (int t = 0; t < 2; ++t) {
      threads[t] = std::thread([&, t] {
        results[t] = r().put("people", "doc", "{\"n\":" + std::to_string(t) + "}", version);
      });
    }
    for (auto& th : threads) th.join();
    int wins = 0;
    for (const auto& res : results) {
      if (res) {
        ++wins;
        EXPECT_EQ(*res, version + 1);
      } else {
        EXPECT_EQ(res.error().reason, "RECORDS_VERSION_CONFLICT");
      }
    }
    EXPECT_EQ(wins, 1) << "round " << round;
  }
  EXPECT_EQ((*r().get("people", "doc"))->version, 21);
}

CAIRN_INSTANTIATE_CONFORMANCE(RecordsConformance);

}  // namespace
}  // namespace cairn::testing
