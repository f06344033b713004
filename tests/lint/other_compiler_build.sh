#!/bin/sh
# Builds the engine, the C ABI and the C++ tests with the other compiler (clang), warnings as errors.
set -eu
src=$1
build=$2
cc=$3
cxx=$4
cmake -S "$src" -B "$build" -G Ninja -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_BUILD_TYPE=Debug -DCAIRN_BUILD_PYTHON=OFF -DCAIRN_BUILD_BENCHMARKS=OFF \
  -DCAIRN_BUILD_EXAMPLES=OFF -DCAIRN_BUILD_SERVERS=OFF -DCAIRN_BUILD_TESTS=ON >/dev/null
cmake --build "$build" --target cairn cairn_c cairn_header_check -j 2
echo "clang build: ok"
