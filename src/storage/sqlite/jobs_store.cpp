#include "storage/sqlite/jobs_store.hpp"

#include <charconv>
#include <map>
#include <nlohmann/json.hpp>

#include "storage/internal/jobs_rules.hpp"
#include "storage/sqlite/rows.hpp"
#include "storage/sqlite/sqlite_database.hpp"

namespace cairn::storage::sqlite {
namespace {

using jobs::Task;
using jobs::TaskState;
namespace internal = storage::internal;

constexpr const char* kTaskColumns =
    "SELECT id, kind, input, coalesce(key, ''), state, priority, run_at, created_at, updated_at, "
    "retry, cron, cron_offset, timeout_ms, on_dependency_failure, attempts, failures, output, "
    "worker, lease_expires, cancel_requested, rerun_requested FROM jobs_tasks ";

// "min_ms,max_ms,attempts,jitter": the retry column, NULL when the task has no policy.
std::string format_retry(const jobs::RetryPolicy& p) {
  return std::to_string(p.min_delay.count()) + "," + std::to_string(p.max_delay.count()) + "," +
         std::to_string(p.attempts) + "," + (p.jitter ? "1" : "0");
}

std::optional<jobs::RetryPolicy> parse_retry(std::string_view text) {
  int64_t parts[4] = {0, 0, 0, 0};
  const char* p = text.data();
  const char* end = text.data() + text.size();
  for (int i = 0; i < 4; ++i) {
    auto [next, ec] = std::from_chars(p, end, parts[i]);
    if (ec != std::errc()) return std::nullopt;
    p = next;
    if (i < 3) {
      if (p == end || *p != ',') return std::nullopt;
      ++p;
    }
  }
  if (p != end) return std::nullopt;
  jobs::RetryPolicy policy;
  policy.min_delay = std::chrono::milliseconds(parts[0]);
  policy.max_delay = std::chrono::milliseconds(parts[1]);
  policy.attempts = static_cast<int32_t>(parts[2]);
  policy.jitter = parts[3] != 0;
  return policy;
}

Result<Task> read_task(const Statement& s) {
  Task t;
  t.id = s.column_int64(0);
  t.kind = s.column_text(1);
  t.input = s.column_text(2);
  t.key = s.column_text(3);
  CAIRN_ASSIGN_OR_RETURN(t.state, jobs::parse_task_state(s.column_text(4)));
  t.priority = static_cast<jobs::Priority>(s.column_int64(5));
  t.run_at = from_unix_micros(s.column_int64(6));
  t.created_at = from_unix_micros(s.column_int64(7));
  t.updated_at = from_unix_micros(s.column_int64(8));
  if (!s.column_is_null(9)) {
    t.retry = parse_retry(s.column_text(9));
    if (!t.retry) {
      return fail(ErrorCode::kDataLoss, "STORAGE_CORRUPT",
                  "task " + std::to_string(t.id) + " has an unreadable retry policy");
    }
  }
  t.cron = s.column_text(10);
  t.cron_utc_offset = std::chrono::minutes(s.column_int64(11));
  t.timeout = std::chrono::milliseconds(s.column_int64(12));
  CAIRN_ASSIGN_OR_RETURN(t.on_dependency_failure,
                         jobs::parse_dependency_failure(s.column_text(13)));
  t.attempts = static_cast<int32_t>(s.column_int64(14));
  t.failures = static_cast<int32_t>(s.column_int64(15));
  t.output = s.column_text(16);
  t.worker = s.column_text(17);
  t.lease_expires = from_unix_micros(s.column_int64(18));
  t.cancel_requested = s.column_int64(19) != 0;
  t.rerun_requested = s.column_int64(20) != 0;
  return t;
}

// The task with its dependencies and errors, or nullopt.
Result<std::optional<Task>> load(Connection& c, int64_t id) {
  CAIRN_ASSIGN_OR_RETURN(Statement s, c.prepare(std::string(kTaskColumns) + "WHERE id = ?"));
  s.bind(1, id);
  CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
  if (!row) return std::optional<Task>();
  CAIRN_ASSIGN_OR_RETURN(Task t, read_task(s));
  CAIRN_ASSIGN_OR_RETURN(
      Statement deps,
      c.prepare("SELECT dep_id FROM jobs_dependencies WHERE task_id = ? ORDER BY dep_id"));
  deps.bind(1, id);
  CAIRN_ASSIGN_OR_RETURN(
      t.depends_on, all_rows<int64_t>(deps, [](const Statement& r) { return r.column_int64(0); }));
  CAIRN_ASSIGN_OR_RETURN(Statement errors,
                         c.prepare("SELECT error FROM jobs_errors WHERE task_id = ? ORDER BY seq"));
  errors.bind(1, id);
  CAIRN_ASSIGN_OR_RETURN(
      t.errors, all_rows<std::string>(errors, [](const Statement& r) { return r.column_text(0); }));
  return std::optional<Task>(std::move(t));
}

Result<Task> load_existing(Connection& c, int64_t id) {
  CAIRN_ASSIGN_OR_RETURN(std::optional<Task> t, load(c, id));
  if (!t) return internal::task_not_found(id);
  return std::move(*t);
}

Status add_error(Connection& c, int64_t id, std::string_view error) {
  CAIRN_ASSIGN_OR_RETURN(
      Statement s,
      c.prepare("INSERT INTO jobs_errors (task_id, seq, error) VALUES (?1, (SELECT "
                "coalesce(max(seq), 0) + 1 FROM jobs_errors WHERE task_id = ?1), ?2)"));
  s.bind(1, id).bind(2, error);
  return s.run();
}

// Cancels, transitively, the pending dependents of `id` that cancel when a dependency fails.
Status cancel_dependents(Connection& c, int64_t id, Timestamp now,
                         std::vector<int64_t>& cancelled) {
  std::vector<int64_t> frontier{id};
  while (!frontier.empty()) {
    int64_t dep = frontier.back();
    frontier.pop_back();
    CAIRN_ASSIGN_OR_RETURN(
        Statement s,
        c.prepare("SELECT t.id FROM jobs_dependencies d JOIN jobs_tasks t ON t.id = d.task_id "
                  "WHERE d.dep_id = ? AND t.state = 'pending' AND "
                  "t.on_dependency_failure = 'cancel'"));
    s.bind(1, dep);
    CAIRN_ASSIGN_OR_RETURN(
        std::vector<int64_t> children,
        all_rows<int64_t>(s, [](const Statement& r) { return r.column_int64(0); }));
    for (int64_t child : children) {
      CAIRN_ASSIGN_OR_RETURN(Statement u,
                             c.prepare("UPDATE jobs_tasks SET state = 'cancelled', updated_at = ? "
                                       "WHERE id = ?"));
      u.bind(1, to_unix_micros(now)).bind(2, child);
      CAIRN_TRY(u.run());
      CAIRN_TRY(add_error(c, child, internal::dependency_failed_error(dep)));
      cancelled.push_back(child);
      frontier.push_back(child);
    }
  }
  return ok_status();
}

Status set_dependencies(Connection& c, int64_t id, const std::vector<int64_t>& deps) {
  CAIRN_ASSIGN_OR_RETURN(Statement del,
                         c.prepare("DELETE FROM jobs_dependencies WHERE task_id = ?"));
  del.bind(1, id);
  CAIRN_TRY(del.run());
  for (int64_t dep : deps) {
    CAIRN_ASSIGN_OR_RETURN(
        Statement ins, c.prepare("INSERT INTO jobs_dependencies (task_id, dep_id) VALUES (?, ?)"));
    ins.bind(1, id).bind(2, dep);
    CAIRN_TRY(ins.run());
  }
  return ok_status();
}

std::string kinds_json(const std::vector<std::string>& kinds) {
  return nlohmann::json(kinds).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void bind_retry(Statement& s, int index, const std::optional<jobs::RetryPolicy>& retry) {
  if (retry) {
    s.bind(index, format_retry(*retry));
  } else {
    s.bind_null(index);
  }
}

// "a pending task waits on a dependency that is pending or running", for a task aliased t.
constexpr const char* kBlocked =
    "EXISTS (SELECT 1 FROM jobs_dependencies d JOIN jobs_tasks p ON p.id = d.dep_id "
    "WHERE d.task_id = t.id AND p.state IN ('pending', 'running'))";

// The condition on a task aliased t for `state`; ?2 is now.
std::string state_condition(jobs::ListState state) {
  using jobs::ListState;
  switch (state) {
    case ListState::kPending:
      return "t.state = 'pending'";
    case ListState::kScheduled:
      return std::string("t.state = 'pending' AND t.run_at > ?2 AND NOT ") + kBlocked;
    case ListState::kBlocked:
      return std::string("t.state = 'pending' AND ") + kBlocked;
    case ListState::kRunning:
      return "t.state = 'running'";
    case ListState::kLeaseExpired:
      return "t.state = 'running' AND t.lease_expires < ?2";
    case ListState::kDone:
      return "t.state = 'done'";
    case ListState::kFailed:
      return "t.state = 'failed'";
    case ListState::kCancelled:
      return "t.state = 'cancelled'";
  }
  return "0";
}

// The smallest byte string above every string that starts with `prefix`, or nullopt when there
// is none (the prefix is all 0xff bytes). Keys compare bytewise (BINARY collation; on PostgreSQL
// the column needs COLLATE "C"), so key >= prefix AND key < this selects exactly the keys that
// start with prefix, with no LIKE pattern for '%' or '_' to leak into.
std::optional<std::string> prefix_successor(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xff) prefix.pop_back();
  if (prefix.empty()) return std::nullopt;
  prefix.back() = static_cast<char>(static_cast<unsigned char>(prefix.back()) + 1);
  return prefix;
}

}  // namespace

Result<jobs::EnqueueOutcome> SqliteJobStore::enqueue(const jobs::NewTask& task) {
  return db_.write([&](Connection& c) -> Result<jobs::EnqueueOutcome> {
    std::optional<int64_t> existing;
    TaskState existing_state = TaskState::kPending;
    if (!task.key.empty()) {
      CAIRN_ASSIGN_OR_RETURN(
          Statement s, c.prepare("SELECT id, state, kind FROM jobs_tasks WHERE key = ? AND state "
                                 "IN ('pending', 'running')"));
      s.bind(1, task.key);
      CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
      if (row) {
        existing = s.column_int64(0);
        CAIRN_ASSIGN_OR_RETURN(existing_state, jobs::parse_task_state(s.column_text(1)));
        if (s.column_text(2) != task.kind) return internal::key_conflict();
      }
    }
    if (existing && !task.cron.empty()) {
      CAIRN_ASSIGN_OR_RETURN(
          Statement s,
          c.prepare("SELECT 1 FROM jobs_dependencies d JOIN jobs_tasks t ON t.id = d.task_id "
                    "WHERE d.dep_id = ? AND t.state IN ('pending', 'running') LIMIT 1"));
      s.bind(1, *existing);
      CAIRN_ASSIGN_OR_RETURN(bool has_dependents, s.step());
      if (has_dependents) return internal::cron_with_dependents(*existing);
    }
    bool dependency_failed = false;
    int64_t failed_dep = 0;
    for (int64_t dep : task.depends_on) {
      CAIRN_ASSIGN_OR_RETURN(Statement s,
                             c.prepare("SELECT state, cron FROM jobs_tasks WHERE id = ?"));
      s.bind(1, dep);
      CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
      if (!row) return internal::task_not_found(dep);
      if (!s.column_text(1).empty()) return internal::depends_on_cron(dep);
      std::string state = s.column_text(0);
      if (state == "failed" || state == "cancelled") {
        if (!dependency_failed) failed_dep = dep;
        dependency_failed = true;
      }
    }
    if (existing && !task.depends_on.empty()) {
      // Would the task reach itself through its new dependencies?
      CAIRN_ASSIGN_OR_RETURN(
          Statement s,
          c.prepare("WITH RECURSIVE reach(id) AS (SELECT value FROM json_each(?1) UNION "
                    "SELECT d.dep_id FROM jobs_dependencies d JOIN reach r ON d.task_id = r.id) "
                    "SELECT 1 FROM reach WHERE id = ?2 LIMIT 1"));
      s.bind(1, nlohmann::json(task.depends_on).dump()).bind(2, *existing);
      CAIRN_ASSIGN_OR_RETURN(bool cycle, s.step());
      if (cycle) return internal::dependency_cycle(*existing);
    }
    bool cancel_now =
        dependency_failed && task.on_dependency_failure == jobs::DependencyFailure::kCancel;
    const int64_t now = to_unix_micros(task.now);

    if (existing) {
      int64_t id = *existing;
      CAIRN_ASSIGN_OR_RETURN(
          Statement u,
          c.prepare("UPDATE jobs_tasks SET input = ?2, priority = ?3, retry = ?4, cron = ?5, "
                    "cron_offset = ?6, timeout_ms = ?7, on_dependency_failure = ?8, "
                    "updated_at = ?9, "
                    "run_at = CASE WHEN state = 'pending' THEN ?10 ELSE run_at END, "
                    "rerun_requested = (state = 'running') WHERE id = ?1"));
      u.bind(1, id).bind(2, task.input).bind(3, static_cast<int64_t>(task.priority));
      bind_retry(u, 4, task.retry);
      u.bind(5, task.cron)
          .bind(6, static_cast<int64_t>(task.cron_utc_offset.count()))
          .bind(7, static_cast<int64_t>(task.timeout.count()))
          .bind(8, jobs::to_string(task.on_dependency_failure))
          .bind(9, now)
          .bind(10, to_unix_micros(task.run_at));
      CAIRN_TRY(u.run());
      CAIRN_TRY(set_dependencies(c, id, task.depends_on));
      TaskState state = existing_state;
      if (existing_state == TaskState::kPending && cancel_now) {
        CAIRN_ASSIGN_OR_RETURN(Statement x,
                               c.prepare("UPDATE jobs_tasks SET state = 'cancelled' WHERE id = ?"));
        x.bind(1, id);
        CAIRN_TRY(x.run());
        CAIRN_TRY(add_error(c, id, internal::dependency_failed_error(failed_dep)));
        std::vector<int64_t> cancelled;
        CAIRN_TRY(cancel_dependents(c, id, task.now, cancelled));
        state = TaskState::kCancelled;
      }
      return jobs::EnqueueOutcome{id, false, state};
    }

    CAIRN_ASSIGN_OR_RETURN(
        Statement ins,
        c.prepare("INSERT INTO jobs_tasks (kind, input, key, state, priority, run_at, created_at, "
                  "updated_at, retry, cron, cron_offset, timeout_ms, on_dependency_failure) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9, ?10, ?11, ?12)"));
    ins.bind(1, task.kind).bind(2, task.input);
    if (task.key.empty()) {
      ins.bind_null(3);
    } else {
      ins.bind(3, task.key);
    }
    TaskState state = cancel_now ? TaskState::kCancelled : TaskState::kPending;
    ins.bind(4, jobs::to_string(state))
        .bind(5, static_cast<int64_t>(task.priority))
        .bind(6, to_unix_micros(task.run_at))
        .bind(7, now);
    bind_retry(ins, 8, task.retry);
    ins.bind(9, task.cron)
        .bind(10, static_cast<int64_t>(task.cron_utc_offset.count()))
        .bind(11, static_cast<int64_t>(task.timeout.count()))
        .bind(12, jobs::to_string(task.on_dependency_failure));
    CAIRN_TRY(ins.run());
    CAIRN_ASSIGN_OR_RETURN(Statement last, c.prepare("SELECT last_insert_rowid()"));
    CAIRN_TRY(last.step());
    int64_t id = last.column_int64(0);
    CAIRN_TRY(set_dependencies(c, id, task.depends_on));
    if (cancel_now) CAIRN_TRY(add_error(c, id, internal::dependency_failed_error(failed_dep)));
    return jobs::EnqueueOutcome{id, true, state};
  });
}

Result<std::optional<Task>> SqliteJobStore::get(int64_t id) {
  return db_.snapshot([&](Connection& c) { return load(c, id); });
}

// Why claim() is safe across processes. Every process that opens the file has its own
// connection (its threads share it under SqliteDatabase's mutex); claim() runs inside
// db_.write(), i.e. BEGIN IMMEDIATE ... COMMIT. BEGIN IMMEDIATE
// takes SQLite's RESERVED lock on the database file at once, and SQLite lets one connection, in
// any process, hold it at a time: a second claimer waits in BEGIN IMMEDIATE (busy timeout) until
// the first has committed, or fails with STORAGE_BUSY and changes nothing. So the running count
// per kind, the SELECT of the first due task and the UPDATE that makes it running happen with no
// other write in between, and the next claimer starts from a snapshot in which the task is
// already running: no task is handed out twice and no kind exceeds its cap. (A deferred BEGIN
// would not do: two readers could both choose the task before either upgrades to a writer.)
// WAL readers never block this and never see the half-done claim. The UPDATE records worker and
// attempts; settle() and renew() accept the run only if both still match (and, for a rescue,
// only if the lease is still expired), in their own IMMEDIATE transactions, so a run rescued
// and claimed again cannot be settled by the worker that lost it.
Result<std::optional<Task>> SqliteJobStore::claim(const jobs::ClaimRequest& request) {
  return db_.write([&](Connection& c) -> Result<std::optional<Task>> {
    std::map<std::string, int64_t, std::less<>> running;
    if (!request.kind_limits.empty()) {
      CAIRN_ASSIGN_OR_RETURN(
          Statement s, c.prepare("SELECT kind, count(*) FROM jobs_tasks WHERE state = 'running' "
                                 "GROUP BY kind"));
      while (true) {
        CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
        if (!row) break;
        running[s.column_text(0)] = s.column_int64(1);
      }
    }
    // The kinds this worker may claim now: its own, less those at their cap.
    std::vector<std::string> kinds;
    for (const std::string& kind : request.kinds) {
      auto limit = request.kind_limits.find(kind);
      if (limit == request.kind_limits.end() || running[kind] < limit->second)
        kinds.push_back(kind);
    }
    if (kinds.empty()) return std::optional<Task>();
    CAIRN_ASSIGN_OR_RETURN(
        Statement s,
        c.prepare("SELECT id FROM jobs_tasks t WHERE state = 'pending' AND run_at <= ?1 "
                  "AND ((1 << priority) & ?2) != 0 "
                  "AND kind IN (SELECT value FROM json_each(?3)) "
                  "AND NOT EXISTS (SELECT 1 FROM jobs_dependencies d JOIN jobs_tasks p ON "
                  "p.id = d.dep_id WHERE d.task_id = t.id AND p.state IN ('pending', 'running')) "
                  "ORDER BY priority, run_at, id LIMIT 1"));
    s.bind(1, to_unix_micros(request.now))
        .bind(2, static_cast<int64_t>(request.priorities))
        .bind(3, kinds_json(kinds));
    CAIRN_ASSIGN_OR_RETURN(bool found, s.step());
    std::optional<int64_t> chosen;
    if (found) chosen = s.column_int64(0);
    s.reset();
    if (!chosen) return std::optional<Task>();
    CAIRN_ASSIGN_OR_RETURN(
        Statement u,
        c.prepare("UPDATE jobs_tasks SET state = 'running', attempts = attempts + 1, worker = ?2, "
                  "lease_expires = ?3, run_at = ?4, updated_at = ?4, cancel_requested = 0, "
                  "rerun_requested = 0 WHERE id = ?1"));
    u.bind(1, *chosen)
        .bind(2, request.worker)
        .bind(3, to_unix_micros(request.lease_expires))
        .bind(4, to_unix_micros(request.now));
    CAIRN_TRY(u.run());
    return load(c, *chosen);
  });
}

Result<jobs::Transition> SqliteJobStore::settle(int64_t id, std::string_view worker,
                                                int32_t attempt,
                                                const jobs::Settlement& settlement) {
  return db_.write([&](Connection& c) -> Result<jobs::Transition> {
    CAIRN_ASSIGN_OR_RETURN(
        Statement s, c.prepare("SELECT state, worker, attempts, cancel_requested, rerun_requested, "
                               "lease_expires FROM jobs_tasks WHERE id = ?"));
    s.bind(1, id);
    CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
    if (!row) return internal::task_not_found(id);
    if (s.column_text(0) != "running" || s.column_text(1) != worker ||
        s.column_int64(2) != attempt ||
        (settlement.rescue && s.column_int64(5) >= to_unix_micros(settlement.now))) {
      return internal::lease_lost(id);
    }
    internal::SettledState to =
        internal::settled_state(s.column_int64(3) != 0, s.column_int64(4) != 0, settlement.outcome);
    s.reset();
    using Outcome = jobs::Settlement::Outcome;
    if (!settlement.error.empty()) {
      CAIRN_TRY(add_error(c, id, settlement.error));
    } else if (to.state == TaskState::kCancelled) {
      CAIRN_TRY(add_error(c, id, internal::cancelled_error()));
    }
    bool keep_output = settlement.outcome == Outcome::kDone ||
                       (settlement.outcome == Outcome::kReschedule && settlement.error.empty());
    bool failed_run =
        (settlement.outcome == Outcome::kRetry || settlement.outcome == Outcome::kFailed) &&
        !to.rerun;
    bool reset_failures = to.rerun || settlement.outcome == Outcome::kReschedule;
    Timestamp run_at = to.rerun ? settlement.now : settlement.next_run;
    CAIRN_ASSIGN_OR_RETURN(
        Statement u,
        c.prepare("UPDATE jobs_tasks SET state = ?2, worker = '', cancel_requested = 0, "
                  "rerun_requested = 0, updated_at = ?3, "
                  "output = CASE WHEN ?4 THEN ?5 ELSE output END, "
                  "failures = CASE WHEN ?6 THEN 0 WHEN ?7 THEN failures + 1 ELSE failures END, "
                  "run_at = CASE WHEN ?2 = 'pending' THEN ?8 ELSE run_at END WHERE id = ?1"));
    u.bind(1, id)
        .bind(2, jobs::to_string(to.state))
        .bind(3, to_unix_micros(settlement.now))
        .bind(4, int64_t{keep_output})
        .bind(5, settlement.output)
        .bind(6, int64_t{reset_failures})
        .bind(7, int64_t{failed_run})
        .bind(8, to_unix_micros(run_at));
    CAIRN_TRY(u.run());
    jobs::Transition out;
    out.changed = true;
    if (to.state == TaskState::kFailed || to.state == TaskState::kCancelled) {
      CAIRN_TRY(cancel_dependents(c, id, settlement.now, out.cancelled));
    }
    CAIRN_ASSIGN_OR_RETURN(out.task, load_existing(c, id));
    return out;
  });
}

Result<jobs::Transition> SqliteJobStore::cancel(int64_t id, Timestamp now) {
  return db_.write([&](Connection& c) -> Result<jobs::Transition> {
    CAIRN_ASSIGN_OR_RETURN(Task t, load_existing(c, id));
    jobs::Transition out;
    if (t.state == TaskState::kPending) {
      CAIRN_ASSIGN_OR_RETURN(Statement u,
                             c.prepare("UPDATE jobs_tasks SET state = 'cancelled', updated_at = ? "
                                       "WHERE id = ?"));
      u.bind(1, to_unix_micros(now)).bind(2, id);
      CAIRN_TRY(u.run());
      CAIRN_TRY(add_error(c, id, internal::cancelled_error()));
      CAIRN_TRY(cancel_dependents(c, id, now, out.cancelled));
      out.changed = true;
    } else if (t.state == TaskState::kRunning) {
      CAIRN_ASSIGN_OR_RETURN(Statement u,
                             c.prepare("UPDATE jobs_tasks SET cancel_requested = 1, "
                                       "rerun_requested = 0, updated_at = ? WHERE id = ?"));
      u.bind(1, to_unix_micros(now)).bind(2, id);
      CAIRN_TRY(u.run());
      out.changed = true;
    } else {
      out.task = std::move(t);
      return out;
    }
    CAIRN_ASSIGN_OR_RETURN(out.task, load_existing(c, id));
    return out;
  });
}

Result<std::vector<jobs::Renewal>> SqliteJobStore::renew(
    std::string_view worker, const std::vector<std::pair<int64_t, int32_t>>& runs, Timestamp now,
    Timestamp lease_expires) {
  if (runs.empty()) return std::vector<jobs::Renewal>();
  return db_.write([&](Connection& c) -> Result<std::vector<jobs::Renewal>> {
    std::vector<jobs::Renewal> renewed;
    for (const auto& [id, attempt] : runs) {
      CAIRN_ASSIGN_OR_RETURN(
          Statement u,
          c.prepare("UPDATE jobs_tasks SET lease_expires = ?1 WHERE id = ?2 AND "
                    "state = 'running' AND worker = ?3 AND attempts = ?4 AND lease_expires >= ?5 "
                    "RETURNING cancel_requested"));
      u.bind(1, to_unix_micros(lease_expires))
          .bind(2, id)
          .bind(3, worker)
          .bind(4, int64_t{attempt})
          .bind(5, to_unix_micros(now));
      CAIRN_ASSIGN_OR_RETURN(bool row, u.step());
      if (row) renewed.push_back({id, u.column_int64(0) != 0});
      u.reset();
    }
    return renewed;
  });
}

Result<std::vector<Task>> SqliteJobStore::expired(Timestamp now, int32_t limit) {
  return db_.snapshot([&](Connection& c) -> Result<std::vector<Task>> {
    CAIRN_ASSIGN_OR_RETURN(Statement s,
                           c.prepare("SELECT id FROM jobs_tasks WHERE state = 'running' AND "
                                     "lease_expires < ? ORDER BY id LIMIT ?"));
    s.bind(1, to_unix_micros(now)).bind(2, static_cast<int64_t>(limit));
    CAIRN_ASSIGN_OR_RETURN(std::vector<int64_t> ids, all_rows<int64_t>(s, [](const Statement& r) {
                             return r.column_int64(0);
                           }));
    std::vector<Task> out;
    for (int64_t id : ids) {
      CAIRN_ASSIGN_OR_RETURN(std::optional<Task> t, load(c, id));
      if (t) out.push_back(std::move(*t));
    }
    return out;
  });
}

Result<std::optional<Timestamp>> SqliteJobStore::next_run_at(
    uint32_t priorities, const std::vector<std::string>& kinds) {
  return db_.read([&](Connection& c) -> Result<std::optional<Timestamp>> {
    CAIRN_ASSIGN_OR_RETURN(
        Statement s,
        c.prepare("SELECT min(run_at) FROM jobs_tasks WHERE state = 'pending' AND "
                  "((1 << priority) & ?1) != 0 AND kind IN (SELECT value FROM json_each(?2))"));
    s.bind(1, static_cast<int64_t>(priorities)).bind(2, kinds_json(kinds));
    CAIRN_TRY(s.step());
    if (s.column_is_null(0)) return std::optional<Timestamp>();
    return std::optional<Timestamp>(from_unix_micros(s.column_int64(0)));
  });
}

Result<int64_t> SqliteJobStore::purge_finished(Timestamp finished_before, std::string_view kind,
                                               int32_t limit) {
  return db_.write([&](Connection& c) -> Result<int64_t> {
    // Oldest first, through the partial index on finished tasks (migration 11). The task with
    // the highest id stays: a new row gets max(id) + 1, so deleting it would hand its id out again.
    // An empty string_view may bind as NULL (its data() is null), hence the ifnull.
    CAIRN_ASSIGN_OR_RETURN(
        Statement s,
        c.prepare("SELECT id FROM jobs_tasks t WHERE state IN ('done', 'failed', 'cancelled') "
                  "AND updated_at < ?1 AND (ifnull(?2, '') = '' OR kind = ?2) "
                  "AND id < (SELECT max(id) FROM jobs_tasks) "
                  "AND NOT EXISTS (SELECT 1 FROM jobs_dependencies d JOIN jobs_tasks w ON "
                  "w.id = d.task_id WHERE d.dep_id = t.id AND w.state IN ('pending', 'running')) "
                  "ORDER BY updated_at, id LIMIT ?3"));
    s.bind(1, to_unix_micros(finished_before)).bind(2, kind).bind(3, int64_t{limit});
    CAIRN_ASSIGN_OR_RETURN(std::vector<int64_t> ids, all_rows<int64_t>(s, [](const Statement& r) {
                             return r.column_int64(0);
                           }));
    if (ids.empty()) return int64_t{0};
    const std::string doomed = nlohmann::json(ids).dump();
    // Children first: the foreign keys of jobs_errors and jobs_dependencies point at the task.
    for (const char* sql :
         {"DELETE FROM jobs_errors WHERE task_id IN (SELECT value FROM json_each(?1))",
          "DELETE FROM jobs_dependencies WHERE task_id IN (SELECT value FROM json_each(?1))",
          "DELETE FROM jobs_dependencies WHERE dep_id IN (SELECT value FROM json_each(?1))",
          "DELETE FROM jobs_tasks WHERE id IN (SELECT value FROM json_each(?1))"}) {
      CAIRN_ASSIGN_OR_RETURN(Statement d, c.prepare(sql));
      d.bind(1, doomed);
      CAIRN_TRY(d.run());
    }
    return static_cast<int64_t>(ids.size());
  });
}

Result<std::vector<Task>> SqliteJobStore::list(const jobs::TaskQuery& query) {
  // The statement has only the conditions asked for, so that each is a plain comparison an index
  // can serve; the parameters keep fixed numbers: ?1 after_id, ?2 now, ?3 limit, ?4 kind,
  // ?5 key prefix, ?6 its successor.
  std::string sql = std::string(kTaskColumns) + "t WHERE t.id > ?1";
  if (!query.kind.empty()) sql += " AND t.kind = ?4";
  std::optional<std::string> successor;
  if (!query.key_prefix.empty()) {
    sql += " AND t.key >= ?5";
    successor = prefix_successor(query.key_prefix);
    if (successor) sql += " AND t.key < ?6";
  }
  if (query.state) sql += " AND " + state_condition(*query.state);
  sql += " ORDER BY t.id LIMIT ?3";
  return db_.snapshot([&](Connection& c) -> Result<std::vector<Task>> {
    CAIRN_ASSIGN_OR_RETURN(Statement s, c.prepare(sql));
    s.bind(1, query.after_id).bind(3, static_cast<int64_t>(query.limit));
    if (query.state == jobs::ListState::kScheduled ||
        query.state == jobs::ListState::kLeaseExpired) {
      s.bind(2, to_unix_micros(query.now));
    }
    if (!query.kind.empty()) s.bind(4, query.kind);
    if (!query.key_prefix.empty()) s.bind(5, query.key_prefix);
    if (successor) s.bind(6, *successor);
    std::vector<Task> tasks;
    while (true) {
      CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
      if (!row) break;
      CAIRN_ASSIGN_OR_RETURN(Task t, read_task(s));
      tasks.push_back(std::move(t));
    }
    if (tasks.empty()) return tasks;
    // Dependencies and errors of the whole page in two statements, not two per task.
    std::map<int64_t, std::size_t> index;
    std::vector<int64_t> ids;
    for (std::size_t i = 0; i < tasks.size(); ++i) {
      index.emplace(tasks[i].id, i);
      ids.push_back(tasks[i].id);
    }
    const std::string page = nlohmann::json(ids).dump();
    CAIRN_ASSIGN_OR_RETURN(
        Statement deps, c.prepare("SELECT task_id, dep_id FROM jobs_dependencies WHERE task_id IN "
                                  "(SELECT value FROM json_each(?1)) ORDER BY task_id, dep_id"));
    deps.bind(1, page);
    while (true) {
      CAIRN_ASSIGN_OR_RETURN(bool row, deps.step());
      if (!row) break;
      tasks[index.at(deps.column_int64(0))].depends_on.push_back(deps.column_int64(1));
    }
    CAIRN_ASSIGN_OR_RETURN(Statement errors,
                           c.prepare("SELECT task_id, error FROM jobs_errors WHERE task_id IN "
                                     "(SELECT value FROM json_each(?1)) ORDER BY task_id, seq"));
    errors.bind(1, page);
    while (true) {
      CAIRN_ASSIGN_OR_RETURN(bool row, errors.step());
      if (!row) break;
      tasks[index.at(errors.column_int64(0))].errors.push_back(errors.column_text(1));
    }
    return tasks;
  });
}

Result<jobs::TaskCounts> SqliteJobStore::counts(Timestamp now) {
  return db_.read([&](Connection& c) -> Result<jobs::TaskCounts> {
    // One statement, so one snapshot. CASE evaluates the dependency check for pending tasks only.
    CAIRN_ASSIGN_OR_RETURN(
        Statement s,
        c.prepare(std::string("SELECT t.state, count(*), "
                              "sum(CASE WHEN t.state = 'pending' AND ") +
                  kBlocked +
                  " THEN 1 ELSE 0 END), "
                  "sum(CASE WHEN t.state = 'pending' AND t.run_at > ?1 AND NOT " +
                  kBlocked +
                  " THEN 1 ELSE 0 END), "
                  "sum(CASE WHEN t.state = 'running' AND t.lease_expires < ?1 THEN 1 ELSE 0 END) "
                  "FROM jobs_tasks t GROUP BY t.state"));
    s.bind(1, to_unix_micros(now));
    jobs::TaskCounts out;
    while (true) {
      CAIRN_ASSIGN_OR_RETURN(bool row, s.step());
      if (!row) break;
      CAIRN_ASSIGN_OR_RETURN(TaskState state, jobs::parse_task_state(s.column_text(0)));
      const int64_t n = s.column_int64(1);
      switch (state) {
        case TaskState::kPending:
          out.pending = n;
          out.blocked = s.column_int64(2);
          out.scheduled = s.column_int64(3);
          break;
        case TaskState::kRunning:
          out.running = n;
          out.lease_expired = s.column_int64(4);
          break;
        case TaskState::kDone:
          out.done = n;
          break;
        case TaskState::kFailed:
          out.failed = n;
          break;
        case TaskState::kCancelled:
          out.cancelled = n;
          break;
      }
    }
    return out;
  });
}

}  // namespace cairn::storage::sqlite
