/* Embeds the engine through its C ABI: opens a database and prints its description. */
#include <cairn.h>
#include <stdio.h>

int main(int argc, char** argv) {
  const char* uri = argc > 1 ? argv[1] : "memory:";
  cairn_engine* engine = NULL;
  char* description = NULL;
  if (cairn_abi_check(CAIRN_ABI_VERSION) != CAIRN_OK ||
      cairn_engine_open(&engine, uri, NULL) != CAIRN_OK) {
    const cairn_error* err = cairn_error_last();
    fprintf(stderr, "%s %s: %s\n", cairn_status_name(err->code), err->reason, err->message);
    return 1;
  }
  if (cairn_engine_describe(&description, engine) == CAIRN_OK) {
    printf("cairn %s (C): %s\n", cairn_version(), description);
  }
  cairn_free(description);
  cairn_engine_close(engine);
  return 0;
}
