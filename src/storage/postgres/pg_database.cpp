#include "storage/postgres/pg_database.hpp"

#include <charconv>
#include <cstring>

#include "cairn/core/encoding.hpp"
#include "storage/postgres/meta_store.hpp"

namespace cairn::storage::postgres {
namespace {

// The database's schema, in order. Version numbers are PostgreSQL's own while the backend grows;
// each migration is applied in a transaction of its own and recorded in schema_migrations.
struct Migration {
  int64_t version;
  const char* name;
  const char* sql;
};

const Migration kMigrations[] = {
    // The engine's settings (MetaStore). Values are bytea: MetaStore takes any UTF-8, NUL
    // included, which PostgreSQL's text refuses.
    {1, "meta: settings",
     "CREATE TABLE cairn_meta (\n"
     "  key   TEXT PRIMARY KEY COLLATE \"C\",\n"
     "  value BYTEA NOT NULL\n"
     ");"},
};

std::string_view sqlstate_of(const PGresult* result) {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  return state != nullptr ? std::string_view(state) : std::string_view();
}

// libpq's messages end with a newline; the last line is the useful one.
// libpq's messages may span lines ("...failed: Connection refused\n\tIs the server running..."):
// one line, for logs.
std::string trimmed(const char* message) {
  std::string out;
  for (const char* p = message != nullptr ? message : ""; *p != '\0'; ++p) {
    bool space = *p == '\n' || *p == '\t' || *p == ' ';
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : *p;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace

std::string redacted_uri(std::string_view uri) {
  std::string out(uri);
  // postgresql://user:password@host/...: the password ends at the last '@' of the authority.
  std::size_t scheme = out.find("://");
  if (scheme != std::string::npos) {
    std::size_t start = scheme + 3;
    std::size_t end = out.find_first_of("/?", start);
    if (end == std::string::npos) end = out.size();
    std::size_t at = out.rfind('@', end);
    if (at != std::string::npos && at >= start) {
      std::size_t colon = out.find(':', start);
      if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // ...?password=secret&...: the value runs to the next '&'.
  for (std::size_t pos = out.find("password="); pos != std::string::npos;
       pos = out.find("password=", pos + 1)) {
    if (pos > 0 && out[pos - 1] != '?' && out[pos - 1] != '&' && out[pos - 1] != ' ') continue;
    std::size_t value = pos + std::strlen("password=");
    std::size_t end = out.find_first_of("& ", value);
    if (end == std::string::npos) end = out.size();
    out.replace(value, end - value, "***");
  }
  return out;
}

Error error_from_pg(const PGresult* result, PGconn* conn, std::string_view doing) {
  std::string detail = trimmed(result != nullptr ? PQresultErrorMessage(result) : nullptr);
  if (detail.empty() && conn != nullptr) detail = trimmed(PQerrorMessage(conn));
  std::string message = "postgresql: " + std::string(doing) + ": " + detail;
  std::string_view state = sqlstate_of(result);
  if (state == "40001" || state == "40P01") {
    return {ErrorCode::kAborted, "STORAGE_CONFLICT", std::move(message)};
  }
  if (state.starts_with("08") || (conn != nullptr && PQstatus(conn) != CONNECTION_OK)) {
    return {ErrorCode::kUnavailable, "STORAGE_UNAVAILABLE", std::move(message)};
  }
  if (state == "53100") return {ErrorCode::kResourceExhausted, "STORAGE_FULL", std::move(message)};
  if (state.starts_with("53")) {
    return {ErrorCode::kUnavailable, "STORAGE_BUSY", std::move(message)};
  }
  if (state == "57014" || state == "55P03") {
    return {ErrorCode::kUnavailable, "STORAGE_BUSY", std::move(message)};
  }
  if (state.starts_with("23")) {
    return {ErrorCode::kFailedPrecondition, "STORAGE_CONSTRAINT", std::move(message)};
  }
  if (state == "25006") {
    return {ErrorCode::kFailedPrecondition, "STORAGE_READ_ONLY", std::move(message)};
  }
  if (state == "54000") {
    return {ErrorCode::kInvalidArgument, "STORAGE_VALUE_TOO_BIG", std::move(message)};
  }
  if (state.starts_with("XX")) return {ErrorCode::kDataLoss, "STORAGE_CORRUPT", std::move(message)};
  return {ErrorCode::kInternal, "STORAGE_ERROR", std::move(message)};
}

// Rows

std::string Rows::text(int row, int column) const {
  return {PQgetvalue(result_.get(), row, column),
          static_cast<std::size_t>(PQgetlength(result_.get(), row, column))};
}

int64_t Rows::int64(int row, int column) const {
  const char* value = PQgetvalue(result_.get(), row, column);
  int64_t out = 0;
  std::from_chars(value, value + PQgetlength(result_.get(), row, column), out);
  return out;
}

std::vector<uint8_t> Rows::bytes(int row, int column) const {
  const char* value = PQgetvalue(result_.get(), row, column);
  auto n = static_cast<std::size_t>(PQgetlength(result_.get(), row, column));
  std::string_view text(value, n);
  if (!text.starts_with("\\x")) return {};  // bytea_output is hex (Connection::connect)
  Result<Bytes> decoded = encoding::hex_decode(text.substr(2));
  return decoded ? std::move(*decoded) : std::vector<uint8_t>();
}

int64_t Rows::affected() const {
  const char* n = PQcmdTuples(result_.get());
  int64_t out = 0;
  std::from_chars(n, n + std::strlen(n), out);
  return out;
}

// Connection

Result<std::unique_ptr<Connection>> Connection::connect(const std::string& conninfo) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (conn == nullptr) {
    return fail(ErrorCode::kResourceExhausted, "STORAGE_OPEN_FAILED",
                "postgresql: out of memory opening a connection");
  }
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = "postgresql: cannot connect: " + trimmed(PQerrorMessage(conn));
    PQfinish(conn);
    return fail(ErrorCode::kUnavailable, "STORAGE_OPEN_FAILED", std::move(message));
  }
  // libpq prints the server's notices ("schema ... already exists, skipping") to stderr by
  // default: a library must not write to its host's stderr.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  auto c = std::unique_ptr<Connection>(new Connection(conn));
  // Text results are parsed by this code: their formats must not depend on server settings.
  CAIRN_TRY(
      c->exec("SET bytea_output = 'hex'; SET client_encoding = 'UTF8'; "
              "SET TIME ZONE 'UTC'; SET client_min_messages = warning"));
  return c;
}

Connection::~Connection() { PQfinish(conn_); }

Result<Rows> Connection::query(std::string_view sql, std::initializer_list<Param> params) {
  auto it = prepared_.find(std::string(sql));
  if (it == prepared_.end()) {
    std::string name = "cairn_" + std::to_string(prepared_.size() + 1);
    Rows prepared(PQprepare(conn_, name.c_str(), std::string(sql).c_str(),
                            static_cast<int>(params.size()), nullptr));
    if (PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) {
      return fail(error_from_pg(prepared.get(), conn_, "preparing a statement"));
    }
    it = prepared_.emplace(std::string(sql), std::move(name)).first;
  }
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
  values.reserve(params.size());
  lengths.reserve(params.size());
  formats.reserve(params.size());
  for (const Param& p : params) {
    values.push_back(p.data());
    lengths.push_back(p.length());
    formats.push_back(p.format());
  }
  PGresult* result = PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(params.size()),
                                    values.data(), lengths.data(), formats.data(), 0);
  ExecStatusType status = PQresultStatus(result);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    Error error = error_from_pg(result, conn_, "running a statement");
    PQclear(result);
    return fail(std::move(error));
  }
  return Rows(result);
}

Status Connection::exec(std::string_view sql) {
  Rows result(PQexec(conn_, std::string(sql).c_str()));
  ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return fail(error_from_pg(result.get(), conn_, "running a statement"));
  }
  return ok_status();
}

Result<std::string> Connection::quote_identifier(std::string_view name) {
  char* quoted = PQescapeIdentifier(conn_, name.data(), name.size());
  if (quoted == nullptr) {
    return fail(ErrorCode::kInvalidArgument, "STORAGE_URI_INVALID",
                "postgresql: not a schema name: " + trimmed(PQerrorMessage(conn_)));
  }
  std::string out(quoted);
  PQfreemem(quoted);
  return out;
}

// PgDatabase

PgDatabase::PgDatabase(std::string redacted, std::string conninfo)
    : Database(Backend::kPostgres, std::move(redacted)), conninfo_(std::move(conninfo)) {}

PgDatabase::~PgDatabase() = default;

PgDatabase::Lease::~Lease() {
  if (owner != nullptr && connection) owner->give_back(std::move(connection));
}

Result<PgDatabase::Lease> PgDatabase::acquire() {
  std::unique_lock lock(mu_);
  available_.wait(lock, [&] { return !idle_.empty() || open_ < kMaxConnections; });
  if (!idle_.empty()) {
    std::unique_ptr<Connection> c = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(c));
  }
  ++open_;
  lock.unlock();
  auto c = Connection::connect(conninfo_);
  if (!c) {
    {
      std::lock_guard relock(mu_);
      --open_;
    }
    available_.notify_one();
    return fail(std::move(c).error());
  }
  return Lease(this, std::move(*c));
}

void PgDatabase::give_back(std::unique_ptr<Connection> c) {
  {
    std::lock_guard lock(mu_);
    if (c->healthy()) {
      idle_.push_back(std::move(c));
    } else {
      --open_;  // closed when `c` goes out of scope, after the lock is released
    }
  }
  available_.notify_one();
}

Result<std::shared_ptr<PgDatabase>> PgDatabase::open(std::string uri, const OpenOptions&) {
  std::string redacted = redacted_uri(uri);
  auto db = std::shared_ptr<PgDatabase>(new PgDatabase(std::move(redacted), std::move(uri)));
  CAIRN_TRY(db->migrate());
  db->meta_ = std::make_unique<PgMetaStore>(*db);
  return db;
}

Status PgDatabase::migrate() {
  return read([&](Connection& c) -> Status {
    // The schema the tables go into: the first of search_path, created when missing.
    CAIRN_ASSIGN_OR_RETURN(Rows current, c.query("SELECT current_schema()"));
    std::string schema;
    if (current.size() == 1 && !current.is_null(0, 0)) {
      schema = current.text(0, 0);
    } else {
      CAIRN_ASSIGN_OR_RETURN(
          Rows first,
          c.query("SELECT btrim(split_part(current_setting('search_path'), ',', 1), ' \"')"));
      schema = first.size() == 1 ? first.text(0, 0) : std::string();
      if (schema.empty() || schema == "$user") {
        return fail(ErrorCode::kFailedPrecondition, "STORAGE_OPEN_FAILED",
                    "postgresql: the connection's search_path names no schema to keep tables in");
      }
    }
    // One migrator per schema at a time, across processes; the lock ends with the session if
    // this process dies.
    std::string lock_key = "cairn.migrate:" + schema;
    CAIRN_TRY(c.query("SELECT pg_advisory_lock(hashtextextended($1, 0))", {Param::text(lock_key)}));
    auto unlock = [&] {
      (void)c.query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", {Param::text(lock_key)});
    };
    auto migrated = [&]() -> Status {
      CAIRN_ASSIGN_OR_RETURN(std::string quoted, c.quote_identifier(schema));
      CAIRN_TRY(c.exec("CREATE SCHEMA IF NOT EXISTS " + quoted));
      CAIRN_TRY(c.exec("SET search_path TO " + quoted));
      CAIRN_TRY(
          c.exec("CREATE TABLE IF NOT EXISTS schema_migrations (\n"
                 "  version    BIGINT PRIMARY KEY,\n"
                 "  name       TEXT NOT NULL,\n"
                 "  applied_at TIMESTAMPTZ NOT NULL DEFAULT now()\n"
                 ")"));
      CAIRN_ASSIGN_OR_RETURN(Rows applied,
                             c.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
      int64_t version = applied.int64(0, 0);
      if (version > latest_migration_version()) {
        return fail(ErrorCode::kFailedPrecondition, "STORAGE_SCHEMA_TOO_NEW",
                    "postgresql: the database has schema version " + std::to_string(version) +
                        ", newer than this build of cairn knows (" +
                        std::to_string(latest_migration_version()) + ")");
      }
      for (const Migration& m : kMigrations) {
        if (m.version <= version) continue;
        auto apply = [&]() -> Status {
          CAIRN_TRY(c.exec(m.sql));
          CAIRN_TRY(c.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                            {Param::text(std::to_string(m.version)), Param::text(m.name)}));
          return c.exec("COMMIT");
        };
        CAIRN_TRY(c.exec("BEGIN"));
        Status step = apply();
        if (!step) {
          (void)c.exec("ROLLBACK");
          return step;
        }
        version = m.version;
      }
      schema_version_ = version;
      return ok_status();
    };
    Status result = migrated();
    unlock();
    return result;
  });
}

MetaStore& PgDatabase::meta() { return *meta_; }

Status PgDatabase::snapshot_to(const std::string&) {
  return fail(ErrorCode::kUnimplemented, "STORAGE_SNAPSHOT_UNSUPPORTED",
              "a PostgreSQL database is backed up with pg_dump, not snapshot_to() "
              "(docs/storage.md)");
}

int64_t latest_migration_version() noexcept {
  return kMigrations[std::size(kMigrations) - 1].version;
}

}  // namespace cairn::storage::postgres
