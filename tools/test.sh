#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every test on a fresh Debian machine: install what is missing, build with
# AddressSanitizer and UndefinedBehaviorSanitizer, run the suite. The last
# line printed is "N passed, N failed[, N skipped]".
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build-tests}

"$top/tools/install-deps.sh" || exit 1
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" "$top" -Dsanitizers=true -Dbuildtype=debug >/dev/null || exit 1
fi
ninja -C "$build" || exit 1

# Leaks are checked in ferryd (every test stops it and asserts a clean exit),
# not in the short-lived test programs.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}
export FERRY_TEST_FERRYD_ASAN_OPTIONS=${FERRY_TEST_FERRYD_ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
meson test -C "$build" --num-processes 2 --print-errorlogs "$@"
/usr/bin/python3 "$top/tests/count-results.py" "$build"
