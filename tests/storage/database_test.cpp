#include "cairn/storage/database.hpp"

#include <gtest/gtest.h>

namespace cairn::storage {
namespace {

TEST(ParseUriTest, MemoryUri) {
  auto r = parse_uri("memory:");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->backend, Backend::kMemory);
  EXPECT_EQ(r->path, "");
}

TEST(ParseUriTest, SqlitePathForms) {
  struct Case {
    const char* uri;
    const char* path;
  };
  for (const Case& c :
       {Case{"sqlite:/abs/file.db", "/abs/file.db"}, Case{"sqlite:rel/file.db", "rel/file.db"},
        Case{"sqlite:file.db", "file.db"}, Case{"sqlite:///abs/file.db", "/abs/file.db"},
        Case{"sqlite:./data/x.db", "./data/x.db"}}) {
    auto r = parse_uri(c.uri);
    ASSERT_TRUE(r) << c.uri << ": " << r.error().to_string();
    EXPECT_EQ(r->backend, Backend::kSqlite) << c.uri;
    EXPECT_EQ(r->path, c.path) << c.uri;
  }
}

TEST(ParseUriTest, PostgresUrisNameThePostgresBackend) {
  for (const char* uri : {"postgresql://localhost/app", "postgres://u@h:5432/db"}) {
    auto r = parse_uri(uri);
    ASSERT_TRUE(r) << uri;
    EXPECT_EQ(r->backend, Backend::kPostgres);
  }
}

TEST(ParseUriTest, RejectsMalformedUris) {
  for (std::string_view bad :
       {std::string_view(""), std::string_view("memory"), std::string_view("memory:x"),
        std::string_view("sqlite:"), std::string_view("sqlite://"),
        std::string_view("sqlite://host/file.db"), std::string_view("sqlite:dir/"),
        std::string_view("mysql://db/app"), std::string_view("/abs/file.db"),
        std::string_view("SQLITE:file.db"), std::string_view("sqlite:a\0b", 10),
        std::string_view("sqlite:/tmp/\xff.db")}) {
    auto r = parse_uri(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << bad;
    EXPECT_EQ(r.error().reason, "STORAGE_URI_INVALID") << bad;
  }
}

TEST(BackendNameTest, NamesEveryBackend) {
  EXPECT_EQ(backend_name(Backend::kMemory), "memory");
  EXPECT_EQ(backend_name(Backend::kSqlite), "sqlite");
  EXPECT_EQ(backend_name(Backend::kPostgres), "postgresql");
}

TEST(OpenTest, MemoryDatabaseIsAtTheLatestSchema) {
  auto db = open("memory:");
  ASSERT_TRUE(db);
  EXPECT_EQ((*db)->backend(), Backend::kMemory);
  EXPECT_EQ((*db)->uri(), "memory:");
  EXPECT_EQ((*db)->schema_version(), latest_schema_version());
  EXPECT_GE(latest_schema_version(), 1);
}

TEST(OpenTest, PostgresIsUnavailableInThisBuild) {
  auto db = open("postgresql://localhost/app");
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code, ErrorCode::kUnimplemented);
  EXPECT_EQ(db.error().reason, "STORAGE_BACKEND_UNAVAILABLE");
}

TEST(OpenTest, BadUriIsRejectedBeforeAnythingHappens) {
  auto db = open("sqlite://host/x.db");
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().reason, "STORAGE_URI_INVALID");
}

}  // namespace
}  // namespace cairn::storage
