#!/bin/sh
# clang-tidy (.clang-tidy, warnings as errors) over every source of the library, the C ABI, the
# Python module and the servers, two files at a time (ctest gives this test both cores).
set -eu
src=$1
build=$2
tidy=$3
log="$build/clang-tidy.log"
files="$(cd "$src" && pwd)/(src|capi/src|bindings/python/src|servers)/"
if "$tidy" -quiet -j 2 -p "$build" "$files" >"$log" 2>&1; then
  echo "clang-tidy: clean, $(grep '"file"' "$build/compile_commands.json" | grep -c -E "$files") files"
  echo "1 passed, 0 failed"
else
  grep -E 'warning:|error:' "$log" | sort -u
  echo "0 passed, 1 failed"
  exit 1
fi
