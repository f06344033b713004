// The engine as Python holds it: the clocks, the Engine handle, and the one wrapper through which
// every domain reaches its engine service.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "cairn/cairn.hpp"
#include "conversions.hpp"

namespace cairn::python {

// A FakeEnv owned by Python (cairn.FakeEnv). Engines opened with it keep the Python object alive.
class PyFakeEnv {
 public:
  PyFakeEnv(Timestamp start, uint64_t seed) : env_(std::make_shared<FakeEnv>(start, seed)) {}
  Timestamp now() { return env_->now(); }
  void set_now(Timestamp t) { env_->set_now(t); }
  void advance(std::chrono::microseconds d) { env_->advance(d); }
  py::bytes random_bytes(size_t n) {
    std::string out(n, '\0');
    env_->random_bytes({reinterpret_cast<uint8_t*>(out.data()), out.size()});
    return py::bytes(out);
  }
  const std::shared_ptr<FakeEnv>& env() const { return env_; }

 private:
  std::shared_ptr<FakeEnv> env_;
};

// An Env whose clock is a Python callable returning an aware datetime and whose randomness is
// Env::system()'s. now() may be called from any thread, with or without the GIL: it takes the GIL
// to call the callable. If the callable raises or returns something that is not an aware
// datetime, the error goes to sys.unraisablehook and now() answers with the system clock (domain
// code cannot take an error from a clock). Created and destroyed with the GIL held.
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

// The Env for a `clock` argument: checks that it is callable and that a first call returns an
// aware datetime (TypeError otherwise; an exception the call raises propagates).
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

// The one path from a Python method to an engine service, used by every domain. Service is the
// C++ service and Get how the engine hands it out (throwing ErrorException when it cannot, as
// engine.secrets does without a master key). call(f):
//   1. checks the engine is open (FailedPreconditionError ENGINE_CLOSED otherwise) and holds a
//      reference to it for the call, so close() from another thread frees nothing in use;
//   2. takes the service (its error raised as mapped);
//   3. runs f(service) without the GIL: services take store locks that a thread waiting for the
//      GIL in a Python clock may hold;
//   4. raises a failed Result or Status as its cairn.errors class, and returns the value, which
//      pybind11 converts through the domain's record types and the casters of conversions.hpp.
// The handle borrows the PyEngine inside the Python Engine object; bind_service_property keeps
// that object alive for as long as the handle lives.
template <class Service, Service& (*Get)(Engine&)>
class ServiceHandle {
 public:
  // Raises at once what call() would (ENGINE_CLOSED, a missing service).
  explicit ServiceHandle(PyEngine& engine) : engine_(&engine) { (void)Get(*engine.get()); }

  template <class F>
  auto call(F&& f) {
    using R = std::invoke_result_t<F&, Service&>;
    std::shared_ptr<Engine> engine = engine_->get();
    Service& service = Get(*engine);
    if constexpr (std::is_void_v<R>) {
      py::gil_scoped_release release;
      f(service);
    } else {
      R result = [&] {
        py::gil_scoped_release release;
        return f(service);
      }();
      return Unwrapped<R>::take(std::move(result));
    }
  }

  PyEngine& engine() const { return *engine_; }

 private:
  PyEngine* engine_;
};

// Defines the read-only property Engine.<name> returning a ServiceHandle<...>. The getter is a
// cpp_function with keep_alive<0, 1>, so the handle keeps its Engine object alive (keep_alive
// passed to def_property_readonly next to a bare lambda never reaches the getter).
template <class Handle>
void bind_service_property(py::class_<PyEngine>& engine_class, const char* name, const char* doc) {
  engine_class.def_property_readonly(
      name, py::cpp_function([](PyEngine& e) { return Handle(e); }, py::keep_alive<0, 1>()), doc);
}

// The engine itself, for services that are several of its parts (engine.access).
inline Engine& whole_engine(Engine& engine) { return engine; }

// The engine's database (Engine.snapshot).
inline storage::Database& database_of(Engine& engine) { return engine.database(); }

// ---- the bind functions module.cpp calls, one per domain

void bind_crypto(py::module_& m);
void bind_encoding(py::module_& m);
void bind_access(py::module_& m);
void bind_content(py::module_& m);

// Binds the property Engine.access (the per-tenant policy service).
void bind_engine_access(py::module_& m, py::class_<PyEngine>& engine_class);

// Binds cairn._core.audit and the property Engine.audit.
void bind_audit(py::module_& m, py::class_<PyEngine>& engine_class);

// Binds cairn._core.auth and the property Engine.auth.
void bind_auth(py::module_& m, py::class_<PyEngine>& engine_class);

// Binds cairn._core.secrets and the property Engine.secrets.
// engine.records: JSON records in named collections (records.cpp).
void bind_records(py::module_& m, py::class_<PyEngine>& engine_class);
void bind_secrets(py::module_& m, py::class_<PyEngine>& engine_class);

// Binds cairn._core.board and the property Engine.board.
void bind_board(py::module_& m, py::class_<PyEngine>& engine_class);

// Binds cairn._core.jobs (cron schedules, retry backoff, the in-memory DAG executor).
void bind_jobs(py::module_& m);

// Binds cairn._core.jobs.Scheduler, Task, TaskEvent and the property Engine.jobs (after
// bind_jobs).
void bind_job_scheduler(py::module_& m, py::class_<PyEngine>& engine_class);

// A master key argument: 32 bytes-like bytes, or a str of 64 hex characters. Errors:
// InvalidArgumentError SECRETS_MASTER_KEY_INVALID for any other length or non-hex text,
// TypeError for other types.
secrets::MasterKey master_key_arg(const py::handle& key);

// Overwrites a string holding key material before it is freed.
void wipe(std::string& text) noexcept;

}  // namespace cairn::python
