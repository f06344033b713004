// Embeds the engine through its C++ API: opens a database and prints what it knows of itself.
#include <csignal>
#include <cstdio>

#include "cairn/cairn.hpp"

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // a closed pipe is an error on write, not a silent exit
  const char* uri = argc > 1 ? argv[1] : "memory:";
  auto engine = cairn::Engine::open(uri);
  if (!engine) {
    std::fprintf(stderr, "%s\n", engine.error().to_string().c_str());
    return 1;
  }
  std::printf("cairn %s (C++): %s instance %s schema %lld\n", cairn::version(),
              std::string(cairn::storage::backend_name((*engine)->backend())).c_str(),
              (*engine)->instance_id().c_str(),
              static_cast<long long>((*engine)->schema_version()));
  return 0;
}
