#!/bin/sh
# Fails when a C or C++ file in the tree differs from what .clang-format would make of it.
set -eu
root=$1
clang_format=$2
cd "$root"
files=$(find include src capi tests examples benchmarks bindings/python/src servers tools \
  \( -name '*.hpp' -o -name '*.cpp' -o -name '*.h' -o -name '*.c' \) 2>/dev/null | sort)
"$clang_format" --dry-run -Werror $files
echo "format: $(echo "$files" | wc -l) files clean"
