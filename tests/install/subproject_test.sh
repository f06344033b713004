#!/bin/sh
# A project that adds cairn with add_subdirectory gets just the libraries (checked when it is
# configured, see subproject/CMakeLists.txt), their usage requirements reach its own code (its
# main.cpp compiles against cairn::net), and cairn's sources compile there without -Werror. Only
# the outer program's object and one cairn object are built: the rest is the main build's job.
set -eu
src=$1
cxx=$2
cc=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake -S "$src/tests/install/subproject" -B "$work/build" -G Ninja -DCAIRN_SOURCE_DIR="$src" \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=Release >"$work/configure.log" 2>&1 \
  || { cat "$work/configure.log"; echo "0 passed, 1 failed"; exit 1; }
echo "configure: the libraries only, no -Werror"
cmake --build "$work/build" --target CMakeFiles/embedder.dir/main.cpp.o \
  cairn/CMakeFiles/cairn.dir/src/core/error.cpp.o >/dev/null
commands="$work/build/compile_commands.json"
grep -q 'src/core/error.cpp' "$commands" || { echo "no compile command for cairn's sources" >&2; exit 1; }
if grep -q -- '-Werror' "$commands"; then
  echo "a compile command has -Werror" >&2
  echo "1 passed, 1 failed"
  exit 1
fi
echo "build: the embedder's main.cpp and a cairn source compile with cairn's usage requirements"
echo "2 passed, 0 failed"
