// The C handle behind cairn_engine, shared by the C ABI's files.
#pragma once

#include <memory>

#include "cairn.h"
#include "cairn/engine.hpp"

struct cairn_engine {
  std::unique_ptr<cairn::Engine> engine;
};
