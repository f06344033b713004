// The persistent scheduler: worker threads that claim tasks from the JobStore, run their
// handlers and settle the runs; a keeper thread that renews leases and rescues lost runs.
//
// ---- Locks
//
// Scheduler::State has four mutexes:
//
//   stop_mu     held by the one stop() that joins the threads, for the whole join;
//   mu          kinds, running (the cancel flags of local runs), threads, thread_ids, started,
//               stopping and work_seq; work_cv sleeps on it;
//   change_mu   change_seq; change_cv (wait()) sleeps on it;
//   events_mu   the subscribers.
//
// Lock order: stop_mu before mu. That is the only nesting: change_mu, events_mu, and mu outside
// stop(), are taken alone and released before any other lock is taken (changed() and
// wake_workers() run one after the other in report(), never one inside the other). With a single
// edge in the lock graph there is no cycle, so the scheduler cannot deadlock on its own locks.
//
// No scheduler mutex is held while calling out: not around a JobStore call (which may wait
// seconds on SQLite's busy timeout, or on another process's write transaction), not around a
// handler, not around an event callback (emit() copies the subscribers under events_mu and calls
// them after releasing it). Handlers and callbacks may therefore call back into the scheduler
// (enqueue, cancel, get, even stop()), and the store's own locks are never ordered against ours.
//
// stop() joins while holding stop_mu, and worker threads never take stop_mu, so a join cannot
// wait on a thread that waits on the joiner. A stop() on a worker thread (from a handler or a
// callback) would join itself: it only sets `stopping` under mu and returns; a later stop() from
// another thread, or the destructor, joins.
//
// Wake-ups are not lost: a waiter reads work_seq (or change_seq) under the lock before it looks
// for work (or at the task), and sleeps only while the sequence number is unchanged; whoever makes
// work due bumps it under the same lock before notifying.
//
// ---- Runs and leases
//
// A run is (task id, attempt): `running` is keyed by it, the store accepts a settle() or renew()
// only for the worker and attempt it handed out, so a late cancel, renewal or settle of a run that
// was rescued and claimed again (a new attempt, maybe in another process) never touches the new
// run. Claiming is atomic in the store (see JobStore::claim and the backends' comments); the
// scheduler never decides who runs a task.
#include "cairn/jobs/scheduler.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "cairn/core/encoding.hpp"
#include "cairn/jobs/cron.hpp"

namespace cairn::jobs {
namespace {

constexpr std::size_t kMaxKindSize = 128;
constexpr std::size_t kMaxKeySize = 256;
constexpr int32_t kMaxWorkers = 256;
constexpr int32_t kRescueBatch = 100;
constexpr std::chrono::minutes kMaxUtcOffset{18 * 60};
// Delays, timeouts and waits are bounded so that adding them to a time cannot overflow.
constexpr std::chrono::milliseconds kMaxDuration{int64_t{100} * 366 * 24 * 3600 * 1000};
// How long a worker keeps retrying to record the end of a run while the store is busy.
constexpr int kSettleTries = 20;
constexpr uint32_t kAllPriorities = 0b111;

// "CODE REASON: message", as kept in Task::errors.
std::string describe(const Error& e) {
  std::string out(code_name(e.code));
  out += ' ';
  out += e.reason;
  out += ": ";
  out += e.message;
  return out;
}

Unexpected<Error> options_invalid(std::string message) {
  return fail(ErrorCode::kInvalidArgument, "JOB_OPTIONS_INVALID", std::move(message));
}

Status check_kind(std::string_view kind) {
  bool printable = std::all_of(kind.begin(), kind.end(), [](char c) {
    return static_cast<unsigned char>(c) >= 0x20 && c != 0x7f;
  });
  if (kind.empty() || kind.size() > kMaxKindSize || !printable || !encoding::is_valid_utf8(kind)) {
    return fail(ErrorCode::kInvalidArgument, "JOB_KIND_INVALID",
                "a task kind is 1 to 128 bytes of UTF-8 without control characters");
  }
  return ok_status();
}

using RunKey = std::pair<int64_t, int32_t>;  // (task id, attempt)

constexpr std::array<std::string_view, kListStates.size()> kListStateNames{
    "pending", "scheduled", "blocked", "running", "lease_expired", "done", "failed", "cancelled"};

// ---- List cursors
//
// A cursor is base64url("j1:" id ":" digest): the id of the last task of the page and a digest of
// the filter it was made for, so that a cursor passed with another filter is refused instead of
// silently starting somewhere meaningless. It is not a secret and not a capability: a forged
// cursor only chooses where a listing the caller may make anyway starts.

// FNV-1a (64 bits) of the filter, each field tagged so that absent and empty differ.
uint64_t filter_digest(const TaskFilter& filter) {
  uint64_t h = 14695981039346656037ULL;
  auto mix = [&](std::string_view bytes) {
    for (char c : bytes) {
      h ^= static_cast<unsigned char>(c);
      h *= 1099511628211ULL;
    }
  };
  auto field = [&](char tag, const std::optional<std::string>& value) {
    const char marker[2] = {tag, static_cast<char>(value ? 1 : 0)};
    mix(std::string_view(marker, 2));
    if (value) {
      mix(std::to_string(value->size()));
      mix(":");
      mix(*value);
    }
  };
  field('k', filter.kind);
  field('s', filter.state ? std::optional<std::string>(std::string(to_string(*filter.state)))
                          : std::nullopt);
  field('p', filter.key_prefix);
  return h;
}

std::string encode_cursor(int64_t last_id, const TaskFilter& filter) {
  std::string text = "j1:" + std::to_string(last_id) + ":" + std::to_string(filter_digest(filter));
  return encoding::b64url_encode(as_bytes(text));
}

Unexpected<Error> cursor_invalid(std::string message) {
  return fail(ErrorCode::kInvalidArgument, "JOB_CURSOR_INVALID", std::move(message));
}

// The id a cursor continues after.
Result<int64_t> decode_cursor(std::string_view cursor, const TaskFilter& filter) {
  constexpr std::size_t kMaxCursorSize = 64;
  if (cursor.size() > kMaxCursorSize) return cursor_invalid("not a task list cursor");
  Result<Bytes> raw = encoding::b64url_decode(cursor);
  if (!raw) return cursor_invalid("not a task list cursor");
  std::string_view text(reinterpret_cast<const char*>(raw->data()), raw->size());
  if (text.substr(0, 3) != "j1:") return cursor_invalid("not a task list cursor");
  text.remove_prefix(3);
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) return cursor_invalid("not a task list cursor");
  int64_t id = 0;
  uint64_t digest = 0;
  std::string_view id_text = text.substr(0, colon);
  std::string_view digest_text = text.substr(colon + 1);
  auto [id_end, id_ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
  auto [digest_end, digest_ec] =
      std::from_chars(digest_text.data(), digest_text.data() + digest_text.size(), digest);
  if (id_ec != std::errc() || id_end != id_text.data() + id_text.size() || id <= 0 ||
      digest_ec != std::errc() || digest_end != digest_text.data() + digest_text.size()) {
    return cursor_invalid("not a task list cursor");
  }
  if (digest != filter_digest(filter)) {
    return cursor_invalid("the cursor was made for another filter (kind, state or key prefix)");
  }
  return id;
}

}  // namespace

std::string_view to_string(ListState state) noexcept {
  auto index = static_cast<std::size_t>(state);
  return index < kListStateNames.size() ? kListStateNames[index] : "unknown";
}

Result<ListState> parse_list_state(std::string_view text) {
  for (std::size_t i = 0; i < kListStateNames.size(); ++i) {
    if (kListStateNames[i] == text) return kListStates[i];
  }
  return fail(ErrorCode::kInvalidArgument, "JOB_STATE_INVALID",
              "unknown task state (expected pending, scheduled, blocked, running, lease_expired, "
              "done, failed or cancelled)");
}

int64_t TaskCounts::of(ListState state) const noexcept {
  switch (state) {
    case ListState::kPending:
      return pending;
    case ListState::kScheduled:
      return scheduled;
    case ListState::kBlocked:
      return blocked;
    case ListState::kRunning:
      return running;
    case ListState::kLeaseExpired:
      return lease_expired;
    case ListState::kDone:
      return done;
    case ListState::kFailed:
      return failed;
    case ListState::kCancelled:
      return cancelled;
  }
  return 0;
}

std::string_view to_string(TaskEventType type) noexcept {
  static constexpr std::array<std::string_view, 6> kNames{"queued", "started", "retrying",
                                                          "done",   "failed",  "cancelled"};
  auto index = static_cast<std::size_t>(type);
  return index < kNames.size() ? kNames[index] : "unknown";
}

TaskContext::TaskContext(const Task& task, Env& env, std::shared_ptr<std::atomic<bool>> cancel_flag)
    : id_(task.id),
      kind_(task.kind),
      input_(task.input),
      attempt_(task.attempts),
      env_(&env),
      cancel_flag_(std::move(cancel_flag)) {
  if (task.timeout.count() > 0) deadline_ = task.run_at + task.timeout;
}

bool TaskContext::cancelled() const {
  if (cancel_flag_ && cancel_flag_->load(std::memory_order_relaxed)) return true;
  return deadline_ && env_->now() > *deadline_;
}

struct Scheduler::State {
  JobStore& store;
  Env& env;
  SchedulerOptions options;

  struct Registration {
    TaskHandler handler;
    KindOptions options;
  };
  // Lock order (see the top of this file): stop_mu, then mu; change_mu and events_mu alone.
  // Guards kinds, running, threads, thread_ids, started, stopping and work_seq.
  std::mutex mu;
  std::map<std::string, Registration, std::less<>> kinds;
  std::map<RunKey, std::shared_ptr<std::atomic<bool>>> running;  // local runs: cancel flags
  std::vector<std::thread> threads;
  std::vector<std::thread::id> thread_ids;
  bool stopping = false;
  bool started = false;
  std::mutex stop_mu;     // held by the stop() that joins the threads
  uint64_t work_seq = 0;  // bumped when local work may have become due
  std::condition_variable work_cv;

  // Guards change_seq; waiters sleep on change_cv until a local change or a poll.
  std::mutex change_mu;
  uint64_t change_seq = 0;
  std::condition_variable change_cv;

  std::mutex events_mu;
  uint64_t next_subscription = 1;
  std::map<uint64_t, std::shared_ptr<EventCallback>> subscribers;

  State(JobStore& s, Env& e, SchedulerOptions o) : store(s), env(e), options(std::move(o)) {}

  void emit(TaskEventType type, const Task& task, std::string error = {}) {
    TaskEvent event{type,
                    task.id,
                    task.kind,
                    type == TaskEventType::kQueued ? 0 : task.attempts,
                    std::move(error),
                    env.now()};
    std::vector<std::shared_ptr<EventCallback>> callbacks;
    {
      std::lock_guard lock(events_mu);
      for (const auto& [id, cb] : subscribers) callbacks.push_back(cb);
    }
    for (const auto& cb : callbacks) {
      try {
        (*cb)(event);
      } catch (...) {  // NOLINT(bugprone-empty-catch): a subscriber's failure is its own
      }
    }
  }

  void changed() {
    {
      std::lock_guard lock(change_mu);
      ++change_seq;
    }
    change_cv.notify_all();
  }

  void wake_workers() {
    {
      std::lock_guard lock(mu);
      ++work_seq;
    }
    work_cv.notify_all();
  }

  // Events for what a settle or cancel did: the task's own, then its cancelled dependents'.
  void report(const Transition& t, TaskEventType own, const std::string& error) {
    emit(own, t.task, error);
    for (int64_t id : t.cancelled) {
      Result<std::optional<Task>> dependent = store.get(id);
      if (dependent && *dependent) {
        emit(TaskEventType::kCancelled, **dependent,
             (*dependent)->errors.empty() ? std::string() : (*dependent)->errors.back());
      }
    }
    changed();
    // Whatever the outcome, work may have become due: dependents of a finished task, a retry, a
    // free slot under a kind's cap.
    wake_workers();
  }

  // Ends a failed run (`error`) of `task`: retry, reschedule (cron) or fail.
  Settlement failure(const Task& task, const Error& error, bool retryable, int32_t max_runs,
                     Timestamp now) {
    Settlement s;
    s.now = now;
    s.error = describe(error);
    if (retryable && task.failures + 1 < max_runs) {
      s.outcome = Settlement::Outcome::kRetry;
      s.next_run = now + (task.retry ? backoff(*task.retry, task.failures, env)
                                     : std::chrono::milliseconds(0));
      return s;
    }
    if (!task.cron.empty()) {
      Result<CronSchedule> cron = CronSchedule::parse(task.cron);
      if (cron) {
        s.outcome = Settlement::Outcome::kReschedule;
        s.next_run = cron->next_after(now, task.cron_utc_offset);
        return s;
      }
    }
    s.outcome = Settlement::Outcome::kFailed;
    return s;
  }

  // The event for a settled run.
  static TaskEventType event_for(const Settlement& s, const Task& after) {
    if (after.state == TaskState::kCancelled) return TaskEventType::kCancelled;
    switch (s.outcome) {
      case Settlement::Outcome::kDone:
        return after.state == TaskState::kDone ? TaskEventType::kDone : TaskEventType::kQueued;
      case Settlement::Outcome::kRetry:
        return TaskEventType::kRetrying;
      case Settlement::Outcome::kReschedule:
        return s.error.empty() ? TaskEventType::kDone : TaskEventType::kFailed;
      default:
        return TaskEventType::kFailed;
    }
  }

  Status settle(const Task& task, const Settlement& s) {
    Result<Transition> t = store.settle(task.id, task.worker, task.attempts, s);
    // A busy store is retried: the run's result must not be lost to a lock held elsewhere (the
    // keeper keeps renewing the lease meanwhile).
    for (int i = 0; !t && t.error().code == ErrorCode::kUnavailable && i < kSettleTries; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5) * (1 << std::min(i, 6)));
      t = store.settle(task.id, task.worker, task.attempts, s);
    }
    if (!t) {
      // Rescued by another process meanwhile: its outcome stands.
      if (t.error().reason == "JOB_LEASE_LOST") return ok_status();
      return fail(std::move(t).error());
    }
    std::string error = t->task.errors.empty() ? std::string() : t->task.errors.back();
    TaskEventType type = event_for(s, t->task);
    report(*t, type, type == TaskEventType::kDone ? std::string() : error);
    return ok_status();
  }

  // Settles the runs of workers that stopped renewing their leases.
  Status rescue() {
    Timestamp now = env.now();
    CAIRN_ASSIGN_OR_RETURN(std::vector<Task> lost, store.expired(now, kRescueBatch));
    for (const Task& task : lost) {
      Error error{ErrorCode::kUnavailable, "JOB_LEASE_EXPIRED",
                  "worker " + task.worker + " stopped renewing its lease"};
      int32_t max_runs = task.retry ? task.retry->attempts : kRescueAttempts;
      Settlement s = failure(task, error, true, max_runs, now);
      s.rescue = true;
      CAIRN_TRY(settle(task, s));
    }
    return ok_status();
  }

  // Claims and runs one due task within `priorities`. False when none was due.
  Result<bool> run_one(uint32_t priorities) {
    ClaimRequest request;
    request.worker = options.worker_id;
    request.priorities = priorities;
    {
      std::lock_guard lock(mu);
      for (const auto& [kind, reg] : kinds) {
        request.kinds.push_back(kind);
        if (reg.options.max_concurrency > 0) {
          request.kind_limits.emplace(kind, reg.options.max_concurrency);
        }
      }
    }
    if (request.kinds.empty()) return false;
    request.now = env.now();
    request.lease_expires = request.now + options.lease;
    CAIRN_ASSIGN_OR_RETURN(std::optional<Task> claimed, store.claim(request));
    if (!claimed) return false;
    const Task& task = *claimed;
    auto flag = std::make_shared<std::atomic<bool>>(false);
    TaskHandler handler;
    const RunKey run{task.id, task.attempts};
    {
      std::lock_guard lock(mu);
      running[run] = flag;
      auto it = kinds.find(task.kind);
      if (it != kinds.end()) handler = it->second.handler;
    }
    emit(TaskEventType::kStarted, task);
    changed();

    Result<std::string> result = fail(ErrorCode::kUnimplemented, "JOB_KIND_UNKNOWN",
                                      "no handler is registered for this kind");
    if (handler) {
      TaskContext context(task, env, flag);
      try {
        result = handler(context);
      } catch (const std::exception& e) {
        result = fail(ErrorCode::kInternal, "JOB_HANDLER_THREW", e.what());
      } catch (...) {
        result = fail(ErrorCode::kInternal, "JOB_HANDLER_THREW", "the handler threw");
      }
    }
    if (result && !encoding::is_valid_utf8(*result)) {
      result = fail(ErrorCode::kInvalidArgument, "JOB_OUTPUT_INVALID",
                    "the handler's output is not UTF-8");
    }

    Timestamp end = env.now();
    Settlement s;
    s.now = end;
    bool timed_out = task.timeout.count() > 0 && end > task.run_at + task.timeout;
    if (flag->load()) {
      s.outcome = Settlement::Outcome::kCancelled;
    } else if (result && !timed_out) {
      s.output = std::move(*result);
      s.outcome = Settlement::Outcome::kDone;
      if (!task.cron.empty()) {
        Result<CronSchedule> cron = CronSchedule::parse(task.cron);
        if (cron) {
          s.outcome = Settlement::Outcome::kReschedule;
          s.next_run = cron->next_after(end, task.cron_utc_offset);
        }
      }
    } else {
      Error error = timed_out ? Error{ErrorCode::kDeadlineExceeded, "JOB_TIMEOUT",
                                      "the run took longer than the task's timeout"}
                              : std::move(result).error();
      int32_t max_runs = task.retry ? task.retry->attempts : 1;
      s = failure(task, error, cairn::retryable(error), max_runs, end);
    }
    Status settled = settle(task, s);
    {
      std::lock_guard lock(mu);
      running.erase(run);
    }
    CAIRN_TRY(settled);
    return true;
  }

  void worker_loop(uint32_t priorities) {
    while (true) {
      uint64_t seen = 0;
      {
        std::lock_guard lock(mu);
        if (stopping) return;
        seen = work_seq;
      }
      Result<bool> ran = run_one(priorities);
      if (ran && *ran) continue;
      // Idle (or the store is busy): sleep until work may be due, a poll, or a local wake-up.
      std::chrono::milliseconds sleep = options.poll_interval;
      if (ran) {
        std::vector<std::string> names;
        {
          std::lock_guard lock(mu);
          for (const auto& [kind, reg] : kinds) names.push_back(kind);
        }
        Result<std::optional<Timestamp>> next = store.next_run_at(priorities, names);
        if (next && *next) {
          // A task due already but not claimed waits on a dependency or a kind's cap: what
          // changes that wakes the workers, so poll at the normal pace meanwhile.
          auto until = std::chrono::duration_cast<std::chrono::milliseconds>(**next - env.now());
          if (until.count() > 0) sleep = std::min(until, sleep);
        }
      }
      std::unique_lock lock(mu);
      work_cv.wait_for(lock, sleep, [&] { return stopping || work_seq != seen; });
    }
  }

  void keeper_loop() {
    auto period = std::min(options.lease / 3, options.poll_interval);
    (void)rescue();
    while (true) {
      std::vector<RunKey> runs;
      {
        std::unique_lock lock(mu);
        if (work_cv.wait_for(lock, period, [&] { return stopping; })) return;
        for (const auto& [run, flag] : running) runs.push_back(run);
      }
      Timestamp now = env.now();
      Result<std::vector<Renewal>> renewed =
          store.renew(options.worker_id, runs, now, now + options.lease);
      if (renewed) {
        // Runs that were cancelled, or whose lease is gone (they may run elsewhere now), stop.
        std::map<int64_t, bool> kept;
        for (const Renewal& r : *renewed) kept[r.id] = r.cancel_requested;
        std::lock_guard lock(mu);
        for (const RunKey& run : runs) {
          auto k = kept.find(run.first);
          if (k != kept.end() && !k->second) continue;
          if (auto it = running.find(run); it != running.end()) it->second->store(true);
        }
      }
      (void)rescue();  // a busy store is retried next period
    }
  }
};

Scheduler::Scheduler(std::unique_ptr<State> state) : state_(std::move(state)) {}

Scheduler::~Scheduler() { stop(); }

Result<std::unique_ptr<Scheduler>> Scheduler::create(JobStore& store, Env& env,
                                                     SchedulerOptions options) {
  if (options.lease.count() <= 0 || options.poll_interval.count() <= 0) {
    return options_invalid("lease and poll_interval must be positive");
  }
  if (options.worker_id.empty()) {
    std::array<uint8_t, 8> bytes{};
    env.random_bytes(bytes);
    options.worker_id = "w-" + encoding::hex_encode(bytes);
  }
  return std::unique_ptr<Scheduler>(
      new Scheduler(std::make_unique<State>(store, env, std::move(options))));
}

Status Scheduler::register_kind(std::string_view kind, TaskHandler handler, KindOptions options) {
  CAIRN_TRY(check_kind(kind));
  if (options.max_concurrency < 0) return options_invalid("max_concurrency must not be negative");
  if (!handler) return options_invalid("a handler is required");
  {
    std::lock_guard lock(state_->mu);
    state_->kinds[std::string(kind)] = State::Registration{std::move(handler), options};
  }
  state_->wake_workers();
  return ok_status();
}

Result<int64_t> Scheduler::enqueue(std::string_view kind, const EnqueueOptions& options) {
  CAIRN_TRY(check_kind(kind));
  if (options.key.size() > kMaxKeySize) return options_invalid("a key is at most 256 bytes");
  if (options.run_at && options.delay) return options_invalid("give run_at or delay, not both");
  if (options.delay && options.delay->count() < 0) {
    return options_invalid("delay must not be negative");
  }
  if (options.timeout.count() < 0) return options_invalid("timeout must not be negative");
  if (options.timeout > kMaxDuration || (options.delay && *options.delay > kMaxDuration)) {
    return options_invalid("delay and timeout are at most 100 years");
  }
  if (!encoding::is_valid_utf8(options.key) || !encoding::is_valid_utf8(options.input)) {
    return options_invalid("key and input must be UTF-8 text");
  }
  if (options.cron_utc_offset > kMaxUtcOffset || options.cron_utc_offset < -kMaxUtcOffset) {
    return options_invalid("cron_utc_offset must be within 18 hours of UTC");
  }
  if (options.retry) CAIRN_TRY(check_retry_policy(*options.retry));
  std::optional<CronSchedule> cron;
  if (!options.cron.empty()) {
    CAIRN_ASSIGN_OR_RETURN(CronSchedule parsed, CronSchedule::parse(options.cron));
    cron = std::move(parsed);
  }
  std::vector<int64_t> deps = options.depends_on;
  std::sort(deps.begin(), deps.end());
  deps.erase(std::unique(deps.begin(), deps.end()), deps.end());
  if (!deps.empty() && deps.front() <= 0) return options_invalid("task ids are positive");
  if (cron && !deps.empty()) {
    return fail(ErrorCode::kInvalidArgument, "JOB_DEPENDENCY_INVALID",
                "a cron task cannot have dependencies");
  }

  NewTask task;
  task.kind = std::string(kind);
  task.input = options.input;
  task.key = options.key;
  task.priority = options.priority;
  task.now = state_->env.now();
  if (options.run_at) {
    task.run_at = *options.run_at;
  } else if (options.delay) {
    task.run_at = task.now + *options.delay;
  } else if (cron) {
    task.run_at = cron->next_after(task.now, options.cron_utc_offset);
  } else {
    task.run_at = task.now;
  }
  task.retry = options.retry;
  task.cron = options.cron;
  task.cron_utc_offset = options.cron_utc_offset;
  task.timeout = options.timeout;
  task.on_dependency_failure = options.on_dependency_failure;
  task.depends_on = std::move(deps);
  CAIRN_ASSIGN_OR_RETURN(EnqueueOutcome outcome, state_->store.enqueue(task));
  Result<std::optional<Task>> stored = state_->store.get(outcome.id);
  if (stored && *stored) {
    const Task& t = **stored;
    if (outcome.state == TaskState::kCancelled) {
      state_->emit(TaskEventType::kCancelled, t,
                   t.errors.empty() ? std::string() : t.errors.back());
    } else {
      state_->emit(TaskEventType::kQueued, t);
    }
  }
  state_->changed();
  state_->wake_workers();
  return outcome.id;
}

Result<Task> Scheduler::get(int64_t id) {
  CAIRN_ASSIGN_OR_RETURN(std::optional<Task> task, state_->store.get(id));
  if (!task) {
    return fail(ErrorCode::kNotFound, "JOB_TASK_NOT_FOUND",
                "no task with id " + std::to_string(id));
  }
  return std::move(*task);
}

Result<TaskState> Scheduler::cancel(int64_t id) {
  CAIRN_ASSIGN_OR_RETURN(Transition t, state_->store.cancel(id, state_->env.now()));
  if (t.task.state == TaskState::kRunning) {
    std::lock_guard lock(state_->mu);
    auto it = state_->running.find(RunKey{id, t.task.attempts});
    if (it != state_->running.end()) it->second->store(true);
    return t.task.state;
  }
  if (t.changed) state_->report(t, TaskEventType::kCancelled, {});
  return t.task.state;
}

Result<Task> Scheduler::wait(int64_t id, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() +
                  std::clamp(timeout, std::chrono::milliseconds(0), kMaxDuration);
  while (true) {
    uint64_t seen = 0;
    {
      std::lock_guard lock(state_->change_mu);
      seen = state_->change_seq;
    }
    CAIRN_ASSIGN_OR_RETURN(Task task, get(id));
    auto now = std::chrono::steady_clock::now();
    if (is_terminal(task.state) || now >= deadline) return task;
    auto slice = std::min<std::chrono::steady_clock::duration>(deadline - now,
                                                               state_->options.poll_interval);
    std::unique_lock lock(state_->change_mu);
    state_->change_cv.wait_for(lock, slice, [&] { return state_->change_seq != seen; });
  }
}

Result<int64_t> Scheduler::purge_finished(std::chrono::milliseconds older_than,
                                          std::string_view kind) {
  if (older_than.count() < 0 || older_than > kMaxDuration) {
    return fail(ErrorCode::kInvalidArgument, "JOB_PURGE_INVALID",
                "older_than must be from 0 to 100 years");
  }
  if (!kind.empty()) CAIRN_TRY(check_kind(kind));
  // One cutoff for every batch: tasks that finish meanwhile are younger than it.
  const Timestamp finished_before = state_->env.now() - older_than;
  int64_t purged = 0;
  while (true) {
    CAIRN_ASSIGN_OR_RETURN(int64_t batch,
                           state_->store.purge_finished(finished_before, kind, kPurgeBatch));
    purged += batch;
    if (batch < kPurgeBatch) return purged;
  }
}

Result<TaskPage> Scheduler::list(const TaskFilter& filter, int32_t limit, std::string_view cursor) {
  if (limit < 1 || limit > kMaxListLimit) {
    return fail(ErrorCode::kInvalidArgument, "JOB_LIST_INVALID",
                "limit must be from 1 to " + std::to_string(kMaxListLimit));
  }
  if (filter.kind) CAIRN_TRY(check_kind(*filter.kind));
  if (filter.key_prefix &&
      (filter.key_prefix->size() > kMaxKeySize || !encoding::is_valid_utf8(*filter.key_prefix))) {
    return fail(ErrorCode::kInvalidArgument, "JOB_LIST_INVALID",
                "a key prefix is at most 256 bytes of UTF-8");
  }
  TaskQuery query;
  if (!cursor.empty()) {
    CAIRN_ASSIGN_OR_RETURN(query.after_id, decode_cursor(cursor, filter));
  }
  query.kind = filter.kind.value_or("");
  query.state = filter.state;
  query.key_prefix = filter.key_prefix.value_or("");
  // One task more than asked for tells whether another page follows.
  query.limit = limit + 1;
  query.now = state_->env.now();
  CAIRN_ASSIGN_OR_RETURN(std::vector<Task> tasks, state_->store.list(query));
  TaskPage page;
  if (tasks.size() > static_cast<std::size_t>(limit)) {
    tasks.resize(static_cast<std::size_t>(limit));
    page.next_cursor = encode_cursor(tasks.back().id, filter);
  }
  page.items = std::move(tasks);
  return page;
}

Result<TaskCounts> Scheduler::counts() { return state_->store.counts(state_->env.now()); }

Result<int32_t> Scheduler::run_pending(std::optional<int32_t> max_tasks) {
  CAIRN_TRY(state_->rescue());
  int32_t ran = 0;
  while (!max_tasks || ran < *max_tasks) {
    CAIRN_ASSIGN_OR_RETURN(bool one, state_->run_one(kAllPriorities));
    if (!one) break;
    ++ran;
  }
  return ran;
}

Status Scheduler::start(WorkerCounts workers) {
  if (workers.high < 0 || workers.medium < 0 || workers.low < 0) {
    return options_invalid("worker counts must not be negative");
  }
  int64_t total = int64_t{workers.high} + workers.medium + workers.low;
  if (total == 0 || total > kMaxWorkers) return options_invalid("1 to 256 workers in all");
  std::lock_guard lock(state_->mu);
  if (state_->started) {
    return fail(ErrorCode::kFailedPrecondition, "JOB_SCHEDULER_RUNNING",
                "the scheduler's workers are already running");
  }
  state_->started = true;
  state_->stopping = false;
  State* s = state_.get();
  auto spawn = [&](int32_t count, uint32_t priorities) {
    for (int32_t i = 0; i < count; ++i) {
      s->threads.emplace_back([s, priorities] { s->worker_loop(priorities); });
    }
  };
  spawn(workers.high, 0b001);
  spawn(workers.medium, 0b011);
  spawn(workers.low, 0b111);
  s->threads.emplace_back([s] { s->keeper_loop(); });
  s->thread_ids.clear();
  for (const std::thread& t : s->threads) s->thread_ids.push_back(t.get_id());
  return ok_status();
}

void Scheduler::stop() {
  if (on_worker_thread()) {
    // From a handler or a callback on a worker: ask, and let the next stop() (or the
    // destructor, from another thread) join.
    {
      std::lock_guard lock(state_->mu);
      state_->stopping = true;
    }
    state_->work_cv.notify_all();
    return;
  }
  std::lock_guard stopping(state_->stop_mu);  // one stop() joins at a time
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(state_->mu);
    if (!state_->started) return;
    state_->stopping = true;
    threads.swap(state_->threads);
  }
  state_->work_cv.notify_all();
  for (std::thread& t : threads) t.join();
  std::lock_guard lock(state_->mu);
  state_->thread_ids.clear();
  state_->started = false;
}

bool Scheduler::on_worker_thread() const {
  std::lock_guard lock(state_->mu);
  const auto& ids = state_->thread_ids;
  return std::find(ids.begin(), ids.end(), std::this_thread::get_id()) != ids.end();
}

bool Scheduler::running() const noexcept {
  std::lock_guard lock(state_->mu);
  return state_->started;
}

uint64_t Scheduler::subscribe(EventCallback callback) {
  std::lock_guard lock(state_->events_mu);
  uint64_t id = state_->next_subscription++;
  state_->subscribers.emplace(id, std::make_shared<EventCallback>(std::move(callback)));
  return id;
}

void Scheduler::unsubscribe(uint64_t subscription) {
  std::lock_guard lock(state_->events_mu);
  state_->subscribers.erase(subscription);
}

const std::string& Scheduler::worker_id() const noexcept { return state_->options.worker_id; }

}  // namespace cairn::jobs
