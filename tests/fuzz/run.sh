#!/bin/sh
# Runs every libFuzzer target of a CAIRN_FUZZ build for SECONDS each (`make fuzz`), starting from
# a scratch copy of its committed corpus (new inputs libFuzzer finds stay out of the tree; a crash
# input is written to BUILD_DIR/fuzz-findings/<target>/ and fails the run).
#   sh tests/fuzz/run.sh BUILD_DIR SECONDS [TARGET...]
set -eu
build=$1
seconds=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
targets=${*:-$(for f in "$here"/*_fuzz.cpp; do basename "$f" _fuzz.cpp; done)}
status=0
for t in $targets; do
  work="$build/fuzz-work/$t"
  findings="$build/fuzz-findings/$t"
  rm -rf "$work"
  mkdir -p "$work" "$findings"
  cp "$here/corpus/$t/"* "$work/" 2>/dev/null || true
  dict=""
  [ -f "$here/$t.dict" ] && dict="-dict=$here/$t.dict"
  echo "fuzz: $t for ${seconds}s"
  # shellcheck disable=SC2086
  if ! "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$findings/" -print_final_stats=1 $dict "$work" 2>"$build/fuzz-$t.log"; then
    echo "fuzz: $t FAILED (log: $build/fuzz-$t.log, input in $findings/)"
    status=1
  fi
  grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$build/fuzz-$t.log" | sed "s/^/fuzz: $t /" || true
done
exit $status
