// A program of a project that embeds cairn with add_subdirectory: the engine and cairn::net.
#include <cstdio>

#include "cairn/cairn.hpp"
#include "cairn/net/router.hpp"

int main() {
  cairn::net::Router router;
  std::printf("cairn %s embedded\n", cairn::version());
  return 0;
}
