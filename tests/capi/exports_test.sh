#!/bin/sh
# libcairn_c.so must export the C ABI and nothing else: every defined dynamic symbol is cairn_*,
# every function cairn.h declares is exported (none is missing or misspelt), and nothing is
# exported that cairn.h does not declare.
set -eu
lib=$1
header=${2:-$(dirname "$0")/../../capi/include/cairn.h}
symbols=$(nm -D --defined-only "$lib" | awk '{print $3}' | sed 's/@.*//' | sort -u)
bad=$(echo "$symbols" | grep -v '^cairn_' || true)
count=$(echo "$symbols" | grep -c '^cairn_' || true)
if [ -n "$bad" ]; then
  echo "symbols exported by $lib outside the C ABI:" >&2
  echo "$bad" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
# The declared functions: the identifier before the first '(' of each CAIRN_API declaration
# (declarations span lines: preprocessor lines dropped, the rest joined).
declared=$(grep -v '^ *#' "$header" | tr '\n' ' ' | grep -o 'CAIRN_API [^;(]*(' |
  sed 's/($//; s/.*[ *]\([a-z_0-9]*\)$/\1/' | sort -u)
missing=$(printf '%s\n' "$declared" | grep -vxF "$symbols" || true)
extra=$(printf '%s\n' "$symbols" | grep -vxF "$declared" || true)
if [ -n "$missing" ] || [ -n "$extra" ]; then
  [ -z "$missing" ] || { echo "declared in cairn.h but not exported:" >&2; echo "$missing" >&2; }
  [ -z "$extra" ] || { echo "exported but not declared in cairn.h:" >&2; echo "$extra" >&2; }
  echo "0 passed, 1 failed"
  exit 1
fi
echo "exports: $count cairn_* symbols, each declared in cairn.h, nothing else"
echo "1 passed, 0 failed"
