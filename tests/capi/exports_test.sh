#!/bin/sh
# libcairn_c.so must export the C ABI and nothing else: every defined dynamic symbol is cairn_*.
set -eu
lib=$1
symbols=$(nm -D --defined-only "$lib" | awk '{print $3}' | sed 's/@.*//' | sort -u)
bad=$(echo "$symbols" | grep -v '^cairn_' || true)
count=$(echo "$symbols" | grep -c '^cairn_' || true)
if [ -n "$bad" ]; then
  echo "symbols exported by $lib outside the C ABI:" >&2
  echo "$bad" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
for required in cairn_version cairn_error_last cairn_free cairn_engine_open cairn_engine_close; do
  echo "$symbols" | grep -qx "$required" || { echo "missing export: $required" >&2; exit 1; }
done
echo "exports: $count cairn_* symbols, nothing else"
echo "1 passed, 0 failed"
