#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The long version of the crash loop (tests/test-crash-loop.c): many rounds
# of a batch of downloads with ferryd killed by SIGKILL at random moments,
# each round with its own seed. Every round checks that the files are
# byte-identical, that no .part is left, that the database passes
# PRAGMA integrity_check, and what each kill cost in bytes fetched again.
#
#   tests/crash-soak.sh BUILDDIR [ROUNDS] [KILLS-PER-ROUND]
#
# ROUNDS defaults to 20 and KILLS-PER-ROUND to 150: 3000 kills in about 20
# minutes (a round of 150 takes about a minute). A round must stay under the
# fixture's 240 s per test, so raise ROUNDS rather than KILLS-PER-ROUND. For
# an ASan build, export ASAN_OPTIONS and FERRY_TEST_FERRYD_ASAN_OPTIONS as
# tools/test.sh does. FERRY_CRASH_SEED sets the first seed
# (default: the clock); round n uses seed + n, so a failed round can be
# replayed alone:
#
#   FERRY_CRASH_SEED=<seed> FERRY_CRASH_KILLS=<kills> \
#     meson test -C BUILDDIR crash-loop --print-errorlogs
#
# FERRY_CRASH_CHECKPOINT_MS and FERRY_CRASH_MAX_DELAY_MS pass through (see
# the test). The output of failed rounds is kept in BUILDDIR/crash-soak/.
set -eu

builddir=${1:?usage: $0 BUILDDIR [ROUNDS] [KILLS-PER-ROUND]}
rounds=${2:-20}
kills=${3:-150}
srcdir=$(cd "$(dirname "$0")" && pwd)
seed=${FERRY_CRASH_SEED:-$(date +%s)}
logdir="$builddir/crash-soak"
mkdir -p "$logdir"

export G_TEST_SRCDIR="$srcdir"
export G_TEST_BUILDDIR="$builddir/tests"
export G_DEBUG=gc-friendly,fatal-criticals
export GSETTINGS_BACKEND=memory
export GSETTINGS_SCHEMA_DIR="$builddir/data"
export LC_ALL=C.UTF-8
export FERRYD="$builddir/src/ferryd"
export FERRY_TEST_SERVICE_DIR="$builddir/tests/services"
export FERRY_TEST_QUIET=1
export FERRY_CRASH_KILLS="$kills"

failed=0
total=0
round=1
while [ "$round" -le "$rounds" ]; do
  round_seed=$((seed + round))
  log="$logdir/round-$round_seed.log"
  status=0
  FERRY_CRASH_SEED="$round_seed" "$builddir/tests/test-crash-loop" >"$log" 2>&1 || status=$?
  # The summary comes once the files, the database and the costs are
  # known; a round that got there survived all its kills.
  summary=$(grep -o '[0-9]* kills mid-transfer.*' "$log" | head -n 1 || true)
  [ -n "$summary" ] && total=$((total + kills))
  if [ "$status" -eq 0 ]; then
    echo "ok $round - seed $round_seed: $summary"
    rm -f "$log"
  else
    reason=$(grep -o 'ERROR:.*' "$log" | head -n 1 || true)
    echo "not ok $round - seed $round_seed: ${summary:-no summary}; $reason; see $log"
    failed=$((failed + 1))
  fi
  round=$((round + 1))
done
echo "1..$rounds"
echo "# $total kills survived; $failed of $rounds rounds failed"
[ "$failed" -eq 0 ]
