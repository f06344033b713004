#!/bin/sh
# clang-tidy (.clang-tidy, warnings as errors) over the library and C ABI sources.
set -eu
src=$1
build=$2
tidy=$3
log="$build/clang-tidy.log"
if "$tidy" -quiet -p "$build" "$(cd "$src" && pwd)/(src|capi/src|bindings/python/src|servers)/" >"$log" 2>&1; then
  echo "clang-tidy: clean"
  echo "1 passed, 0 failed"
else
  grep -E 'warning:|error:' "$log" | sort -u
  echo "0 passed, 1 failed"
  exit 1
fi
