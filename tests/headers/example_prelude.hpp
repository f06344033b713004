// The names a header example may use without declaring them (see check_examples.py). Each example
// is compiled as the body of
//
//   Status header_example_N(Engine& engine, Timestamp now) { <example> return ok_status(); }
//
// inside namespace cairn, after every public header and this file. Keep this list short: an
// example that needs anything else declares it, so that a reader can copy it.
#pragma once

#include <string_view>

namespace cairn::example_prelude {

// Stands for whatever the caller does with a value ("use(res.body);").
template <class... T>
void use(const T&... /*values*/) {}

// Stands for the program's logger.
inline void log(std::string_view /*text*/) {}

}  // namespace cairn::example_prelude
