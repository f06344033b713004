#!/bin/sh
# The tree under test is a Release build with warnings as errors (as `make test` configures it),
# and the libraries and servers came out of it: so passing the build step of `make test` proves
# that the Release build of the library and servers is warning-free with this compiler.
# Arguments: the build directory, then the built files to check (libraries, then programs).
set -eu
build=$1
shift
failed=0
fail() {
  echo "$*" >&2
  failed=1
}
cache="$build/CMakeCache.txt"
grep -qx 'CMAKE_BUILD_TYPE:STRING=Release' "$cache" ||
  fail "not a Release build: $(grep '^CMAKE_BUILD_TYPE:' "$cache") (make test configures Release)"
grep -qx 'CAIRN_WARNINGS_AS_ERRORS:BOOL=ON' "$cache" || fail "CAIRN_WARNINGS_AS_ERRORS is not ON"
[ "$failed" -ne 0 ] || echo "configuration: Release, warnings are errors"

# Every compile command of the library, the C ABI, the Python module and the servers.
commands="$build/compile_commands.json"
ours='/(src|capi/src|bindings/python/src|servers)/'
checked=$(grep '"command"' "$commands" | grep -c -E "$ours" || true)
[ "$checked" -gt 0 ] || fail "no compile commands for the library and servers"
lacking=0
for flag in -O3 -DNDEBUG -Werror -ffunction-sections; do
  missing=$(grep '"command"' "$commands" | grep -E "$ours" | grep -c -v -- " $flag " || true)
  [ "$missing" -eq 0 ] || { fail "$missing of $checked compile commands lack $flag"; lacking=1; }
done
[ "$lacking" -ne 0 ] || echo "compile commands: $checked, each with -O3 -DNDEBUG -Werror -ffunction-sections"

for file in "$@"; do
  if [ ! -s "$file" ]; then
    fail "not built: $file"
  elif readelf --wide --section-headers "$file" | grep -q ' \.debug_info '; then
    fail "has debug info (not Release): $file"
  else
    echo "built: $(basename "$file") ($(stat -c %s "$file") bytes)"
  fi
done
# The last argument is cairn-vault: the Release server runs.
for last in "$@"; do :; done
"$last" --version

if [ "$failed" -ne 0 ]; then
  echo "0 passed, 1 failed"
  exit 1
fi
echo "1 passed, 0 failed"
