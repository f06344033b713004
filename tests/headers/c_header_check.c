/* cairn.h must compile as strict C99 (this file is built with -std=c99 -Wall -Wextra -Wpedantic
 * -Werror) and every declaration must be usable from C. */
#include "cairn.h"
#include "cairn.h" /* include guard */

int cairn_header_check_c(void);

int cairn_header_check_c(void) {
  cairn_engine_options opts = CAIRN_ENGINE_OPTIONS_INIT;
  cairn_status status = CAIRN_NOT_FOUND;
  return (int)opts.version + (int)status;
}
