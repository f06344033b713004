// cairn.h must also compile as C++ under the same warnings.
#include "cairn.h"

int cairn_header_check_cxx();

int cairn_header_check_cxx() {
  cairn_engine_options opts = CAIRN_ENGINE_OPTIONS_INIT;
  return static_cast<int>(opts.version) + static_cast<int>(CAIRN_UNAUTHENTICATED);
}
