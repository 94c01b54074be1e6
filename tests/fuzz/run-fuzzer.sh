#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Runs one libFuzzer target for a bounded time and reports it as TAP:
#
#   run-fuzzer.sh FUZZER SEED-CORPUS ARTIFACT-DIR
#
# FERRY_FUZZ_SECONDS (default 10) bounds the run. New inputs go to a
# temporary corpus (the seed corpus in the source tree is only read); a
# crashing input is kept in ARTIFACT-DIR and the test fails.
set -u

fuzzer=$1
seeds=$2
artifacts=$3
seconds=${FERRY_FUZZ_SECONDS:-10}
name=$(basename "$fuzzer")
work=$(mktemp -d "${TMPDIR:-/tmp}/ferry-$name-XXXXXX")
log="$work/log"
trap 'rm -rf "$work"' EXIT
mkdir -p "$artifacts" "$work/corpus"

echo "1..1"
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$artifacts/$name-" "$work/corpus" "$seeds" >"$log" 2>&1
status=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
corpus=$(ls "$work/corpus" | wc -l)
if [ "$status" -eq 0 ]; then
  echo "ok 1 - $name: ${runs:-?} executions in ${seconds} s, $corpus new inputs"
else
  sed 's/^/# /' "$log" | tail -n 60
  echo "not ok 1 - $name: exit status $status after ${runs:-?} executions; artifacts in $artifacts"
fi
exit "$status"
