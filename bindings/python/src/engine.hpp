// Python-side handles shared between the module's files: the clocks and the engine.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cairn/cairn.hpp"
#include "common.hpp"

namespace cairn::python {

// A FakeEnv owned by Python. Engines opened with it keep the Python object alive.
class PyFakeEnv {
 public:
  PyFakeEnv(int64_t start_unix_micros, uint64_t seed)
      : env_(std::make_shared<FakeEnv>(from_unix_micros(start_unix_micros), seed)) {}
  int64_t now_unix_micros() { return to_unix_micros(env_->now()); }
  void set_now_unix_micros(int64_t micros) { env_->set_now(from_unix_micros(micros)); }
  void advance_micros(int64_t micros) { env_->advance(std::chrono::microseconds(micros)); }
  py::bytes random_bytes(size_t n) {
    std::string out(n, '\0');
    env_->random_bytes({reinterpret_cast<uint8_t*>(out.data()), out.size()});
    return py::bytes(out);
  }
  const std::shared_ptr<FakeEnv>& env() const { return env_; }

 private:
  std::shared_ptr<FakeEnv> env_;
};

// An Env whose clock is a Python callable returning unix seconds (int or float) and whose
// randomness is Env::system()'s. now() may be called from any thread, with or without the GIL: it
// takes the GIL to call the callable. If the callable raises or returns something that is not a
// finite number of seconds, the error goes to sys.unraisablehook and now() answers with the system
// clock (domain code cannot take an error from a clock). Created and destroyed with the GIL held.
class PyClockEnv final : public Env {
 public:
  explicit PyClockEnv(py::object clock) : clock_(std::move(clock)) {}
  PyClockEnv(const PyClockEnv&) = delete;
  PyClockEnv& operator=(const PyClockEnv&) = delete;
  ~PyClockEnv() override;

  Timestamp now() override;
  void random_bytes(std::span<uint8_t> out) override { Env::system().random_bytes(out); }

 private:
  py::object clock_;
};

// Unix seconds (an int, counted exactly, or anything float() accepts, rounded to the nearest
// microsecond) as unix microseconds; nullopt for anything else, NaN, infinities and values outside
// the int64 microsecond range. Needs the GIL; leaves no Python error set.
std::optional<int64_t> seconds_to_micros(py::handle seconds);

// Unix microseconds as float unix seconds, the way cairn.auth shows times.
inline double micros_to_seconds(int64_t micros) { return static_cast<double>(micros) / 1e6; }
inline double seconds_of(Timestamp t) { return micros_to_seconds(to_unix_micros(t)); }

// A unix-seconds argument named `name`; TypeError for anything but a finite int or float.
inline Timestamp timestamp_arg(const py::handle& value, const char* name) {
  std::optional<int64_t> micros = seconds_to_micros(value);
  if (!micros) {
    throw py::type_error(std::string(name) + " must be unix seconds (a finite int or float)");
  }
  return from_unix_micros(*micros);
}

// The Env for a `clock` argument: checks that it is callable and that a first call returns a
// number of seconds (TypeError otherwise; an exception the call raises propagates).
std::shared_ptr<Env> clock_env(const py::object& clock);

// An Engine as Python sees it: closeable, usable as a context manager. Calls take a reference to
// the engine before doing work, so close() from another thread never frees an engine in use.
class PyEngine {
 public:
  PyEngine(std::shared_ptr<Engine> engine, std::shared_ptr<Env> env)
      : env_(std::move(env)), engine_(std::move(engine)) {}

  std::shared_ptr<Engine> get() const {
    if (!engine_) {
      throw ErrorException{
          {ErrorCode::kFailedPrecondition, "ENGINE_CLOSED", "the engine is closed"}};
    }
    return engine_;
  }
  PyEngine(const PyEngine&) = delete;
  PyEngine& operator=(const PyEngine&) = delete;
  PyEngine(PyEngine&&) = default;
  PyEngine& operator=(PyEngine&&) = default;
  ~PyEngine() {
    if (engine_ && engine_->jobs().on_worker_thread()) {
      // Dropped inside one of its own handlers: the scheduler cannot join the thread it runs on,
      // so the engine is kept (leaked) rather than destroyed under its own feet.
      static std::mutex mu;
      static std::vector<std::shared_ptr<Engine>> kept;
      std::lock_guard lock(mu);
      kept.push_back(std::move(engine_));
      return;
    }
    close();
  }

  // Stops engine.jobs' workers first, without the GIL: they may be waiting for it to call a
  // Python handler.
  void close() {
    if (engine_ && engine_->jobs().on_worker_thread()) {
      throw ErrorException{{ErrorCode::kFailedPrecondition, "JOB_SCHEDULER_SELF_STOP",
                            "an engine cannot be closed from one of its own job handlers"}};
    }
    if (engine_ && PyGILState_Check() != 0) {
      py::gil_scoped_release release;
      engine_->jobs().stop();
    }
    engine_.reset();
  }
  bool closed() const { return !engine_; }

 private:
  // The clock is declared first so it is destroyed last: the engine borrows it.
  std::shared_ptr<Env> env_;
  std::shared_ptr<Engine> engine_;
};

// The services (engine.audit, engine.access, engine.auth, engine.secrets) borrow the PyEngine
// inside the Python Engine object, so each getter is a cpp_function with keep_alive<0, 1>: the
// service keeps its Engine object alive. (keep_alive passed to def_property_readonly next to a
// bare lambda never reaches the getter.)

// Binds the property Engine.access (the per-tenant policy service).
void bind_engine_access(py::module_& m, py::class_<PyEngine>& engine_class);

// Binds cairn._core.audit and the property Engine.audit.
void bind_audit(py::module_& m, py::class_<PyEngine>& engine_class);

// Binds cairn._core.auth and the property Engine.auth.
void bind_auth(py::module_& m, py::class_<PyEngine>& engine_class);

// Binds cairn._core.secrets and the property Engine.secrets.
void bind_secrets(py::module_& m, py::class_<PyEngine>& engine_class);

// Binds cairn._core.board and the property Engine.board.
void bind_board(py::module_& m, py::class_<PyEngine>& engine_class);

// Binds cairn._core.jobs (cron schedules, retry backoff, the in-memory DAG executor).
void bind_jobs(py::module_& m);

// Binds cairn._core.jobs.Scheduler and the properties Engine.jobs and Engine._jobs (after
// bind_jobs).
void bind_job_scheduler(py::module_& m, py::class_<PyEngine>& engine_class);

// The text of a master key argument (32 bytes-like bytes, or a str of 64 hex characters) for
// secrets::MasterKey::parse. Errors: InvalidArgumentError SECRETS_MASTER_KEY_INVALID for any other
// length, TypeError for other types. The caller wipes the result.
std::string master_key_arg(const py::handle& key);

// Overwrites a string holding key material before it is freed.
void wipe(std::string& text) noexcept;

}  // namespace cairn::python
