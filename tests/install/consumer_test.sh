#!/bin/sh
# `cmake --install` yields a tree that other projects can build against, both ways:
# find_package(cairn) for C++ (cairn::cairn, cairn::net, cairn::mcp) and C (cairn::cairn_c), and
# `pkg-config cairn` for C. Each consumer then runs. What is installed is sized like a release
# (debug info split off or stripped, unused code not linked): upper bounds below, measured in
# docs/building.md ("Installed sizes").
set -eu
src=$1
build=$2
cxx=$3
cc=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null

for tool in cairn-quickstart cairn-audit cairn-http-example cairn-mcp-example cairn-vault; do
  test -x "$prefix/bin/$tool" || { echo "missing installed program: $tool" >&2; exit 1; }
done
test -f "$prefix/include/cairn.h"
test -f "$prefix/include/cairn/cairn.hpp"
test -f "$prefix/include/cairn/net/server.hpp"
test -f "$prefix/include/cairn/mcp/server.hpp"
libdir=$(dirname "$(find "$prefix" -name libcairn.a | head -n 1)")
for lib in libcairn.a libcairn_net.a libcairn_mcp.a libcairn_c.so; do
  test -f "$libdir/$lib" || { echo "missing installed library: $lib" >&2; exit 1; }
done

# size_at_most FILE MIB: the file exists and is at most MIB mebibytes.
failed=0
size_at_most() {
  bytes=$(stat -c %s "$1")
  if [ "$bytes" -gt $(($2 * 1024 * 1024)) ]; then
    echo "too large: $1 is $bytes bytes, more than $2 MiB" >&2
    failed=1
  fi
}

# 1. find_package(cairn): the engine, the HTTP layer, MCP and the C ABI
cmake -S "$src/examples/consumer" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_C_COMPILER="$cc" >/dev/null
cmake --build "$work/cmake-build" >/dev/null
"$work/cmake-build/consumer_cpp" "sqlite:$work/db/cpp.db"
"$work/cmake-build/consumer_c" "sqlite:$work/db/c.db"
"$work/cmake-build/consumer_net"
"$work/cmake-build/consumer_mcp" | tail -n 1 | grep -qx OK || { echo "consumer_mcp failed" >&2; exit 1; }

# 2. pkg-config cairn (the C library)
pcdir=$(dirname "$(find "$prefix" -name cairn.pc | head -n 1)")
flags=$(PKG_CONFIG_PATH="$pcdir" pkg-config --cflags --libs cairn)
pclibdir=$(PKG_CONFIG_PATH="$pcdir" pkg-config --variable=libdir cairn)
# shellcheck disable=SC2086
"$cc" -std=c99 -Wall -Wextra -pedantic -Werror -o "$work/pc_consumer" "$src/examples/consumer/main.c" \
  $flags -Wl,-rpath,"$pclibdir"
"$work/pc_consumer" memory:

# 3. sizes: the installed libraries and programs, and a consumer's hello-world
size_at_most "$libdir/libcairn.a" 24
size_at_most "$libdir/libcairn_net.a" 10
size_at_most "$libdir/libcairn_mcp.a" 6
size_at_most "$(readlink -f "$libdir/libcairn_c.so")" 10
size_at_most "$prefix/bin/cairn-vault" 10
size_at_most "$work/cmake-build/consumer_cpp" 4
size_at_most "$work/cmake-build/consumer_net" 4
size_at_most "$work/cmake-build/consumer_mcp" 4
[ "$failed" -eq 0 ] || { echo "3 passed, 1 failed"; exit 1; }
echo "4 passed, 0 failed"
