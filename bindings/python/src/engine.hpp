// Python-side handles shared between the module's files: the fake clock and the engine.
#pragma once

#include <memory>

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

// An Engine as Python sees it: closeable, usable as a context manager. Calls take a reference to
// the engine before doing work, so close() from another thread never frees an engine in use.
class PyEngine {
 public:
  PyEngine(std::shared_ptr<Engine> engine, std::shared_ptr<FakeEnv> env)
      : env_(std::move(env)), engine_(std::move(engine)) {}

  std::shared_ptr<Engine> get() const {
    if (!engine_) {
      throw ErrorException{
          {ErrorCode::kFailedPrecondition, "ENGINE_CLOSED", "the engine is closed"}};
    }
    return engine_;
  }
  void close() { engine_.reset(); }
  bool closed() const { return !engine_; }

 private:
  // The clock is declared first so it is destroyed last: the engine borrows it.
  std::shared_ptr<FakeEnv> env_;
  std::shared_ptr<Engine> engine_;
};

// Binds the property Engine.access (the per-tenant policy service).
void bind_engine_access(py::module_& m, py::class_<PyEngine>& engine_class);

// Binds cairn._core.audit and the property Engine.audit.
void bind_audit(py::module_& m, py::class_<PyEngine>& engine_class);

}  // namespace cairn::python
