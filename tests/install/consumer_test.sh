#!/bin/sh
# `cmake --install` yields a tree that other projects can build against, both ways:
# find_package(cairn) for C++ and C, and `pkg-config cairn` for C. Each consumer then runs.
set -eu
src=$1
build=$2
cxx=$3
cc=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null

for tool in cairn-quickstart cairn-audit cairn-http-example; do
  test -x "$prefix/bin/$tool" || { echo "missing installed program: $tool" >&2; exit 1; }
done
test -f "$prefix/include/cairn.h"
test -f "$prefix/include/cairn/cairn.hpp"

# 1. find_package(cairn)
cmake -S "$src/examples/consumer" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_C_COMPILER="$cc" >/dev/null
cmake --build "$work/cmake-build" >/dev/null
"$work/cmake-build/consumer_cpp" "sqlite:$work/db/cpp.db"
"$work/cmake-build/consumer_c" "sqlite:$work/db/c.db"

# 2. pkg-config cairn (the C library)
pcdir=$(dirname "$(find "$prefix" -name cairn.pc | head -n 1)")
flags=$(PKG_CONFIG_PATH="$pcdir" pkg-config --cflags --libs cairn)
libdir=$(PKG_CONFIG_PATH="$pcdir" pkg-config --variable=libdir cairn)
# shellcheck disable=SC2086
"$cc" -std=c99 -Wall -Wextra -pedantic -Werror -o "$work/pc_consumer" "$src/examples/consumer/main.c" \
  $flags -Wl,-rpath,"$libdir"
"$work/pc_consumer" memory:
echo "3 passed, 0 failed"
