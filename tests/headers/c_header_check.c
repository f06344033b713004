/* cairn.h must compile as strict C99 (this file is built with -std=c99 -Wall -Wextra -Wpedantic
 * -Werror) and every declaration must be usable from C. */
#include "cairn.h"
#include "cairn.h" /* include guard */

int cairn_header_check_c(void);

/* A blob stream callback as C code writes one. */
static int cairn_header_check_read(void* ctx, uint8_t* buf, size_t cap, size_t* out_read) {
  (void)ctx;
  (void)buf;
  (void)cap;
  *out_read = 0;
  return 0;
}

int cairn_header_check_c(void) {
  cairn_engine_options opts = CAIRN_ENGINE_OPTIONS_INIT;
  cairn_status status = CAIRN_NOT_FOUND;
  cairn_content_blob_read_fn reader = cairn_header_check_read;
  char ids[2 * CAIRN_CONTENT_BLOB_ID_SIZE];
  ids[0] = '\0';
  return (int)opts.version + (int)status + (reader != NULL) + (int)sizeof ids + ids[0];
}
