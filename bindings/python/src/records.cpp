// placeholder
#include "engine.hpp"

namespace cairn::python {
void bind_records(py::module_& /*m*/, py::class_<PyEngine>& /*engine_class*/) {}
}  // namespace cairn::python
