#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every test on a fresh Debian machine: install what is missing, build with
# AddressSanitizer and UndefinedBehaviorSanitizer and run the whole suite,
# then run the core integration tests again with ferryd under valgrind
# memcheck. The last line printed is "N passed, N failed[, N skipped]".
#
# Last, clang's libFuzzer runs each fuzz target of tests/fuzz for a bounded
# time (FERRY_FUZZ_SECONDS, 10 by default).
#
#   tools/test.sh                 everything
#   FERRY_SKIP_VALGRIND=1 FERRY_SKIP_FUZZ=1 tools/test.sh    the sanitizer run only
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build-tests}
vgbuild=${VALGRIND_BUILD_DIR:-$top/build-valgrind}
fuzzbuild=${FUZZ_BUILD_DIR:-$top/build-fuzz}
# Cheap enough under valgrind, and between them they drive every part of
# ferryd: downloads, resumes, restarts, isolation, completion groups.
valgrind_suites=(isolation resume lifecycle completion)

"$top/tools/install-deps.sh" || exit 1

if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" "$top" -Dsanitizers=true -Dbuildtype=debug >/dev/null || exit 1
fi
ninja -C "$build" || exit 1

# Leaks are checked in ferryd (every test stops it and asserts a clean exit),
# not in the short-lived test programs.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export FERRY_TEST_FERRYD_ASAN_OPTIONS=${FERRY_TEST_FERRYD_ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
meson test -C "$build" --num-processes 2 --print-errorlogs "$@"
results=("$build")

if [ -z "${FERRY_SKIP_VALGRIND:-}" ]; then
  if [ ! -f "$vgbuild/build.ninja" ]; then
    meson setup "$vgbuild" "$top" -Dbuildtype=debugoptimized >/dev/null || exit 1
  fi
  ninja -C "$vgbuild" || exit 1
  # A definite leak or a memory error makes valgrind exit 99, and the
  # fixture fails any test whose ferryd does not exit cleanly.
  FERRY_TEST_FERRYD_WRAPPER="valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite --num-callers=30" \
  G_SLICE=always-malloc \
    meson test -C "$vgbuild" --num-processes 2 --print-errorlogs "${valgrind_suites[@]}"
  results+=("$vgbuild")
fi

if [ -z "${FERRY_SKIP_FUZZ:-}" ]; then
  if [ ! -f "$fuzzbuild/build.ninja" ]; then
    CC=clang meson setup "$fuzzbuild" "$top" -Dfuzzing=true -Dbuildtype=debugoptimized \
      -Dintrospection=disabled -Dvapi=disabled -Ddocs=disabled >/dev/null || exit 1
  fi
  ninja -C "$fuzzbuild" || exit 1
  meson test -C "$fuzzbuild" --num-processes 2 --print-errorlogs --suite fuzz
  results+=("$fuzzbuild")
fi

/usr/bin/python3 "$top/tests/count-results.py" "${results[@]}"
