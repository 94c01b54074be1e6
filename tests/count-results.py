#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Counts the results of the last `meson test` run, test case by test case.

    /usr/bin/python3 tests/count-results.py <builddir> [<builddir> ...]

With several build directories (the sanitizer run and the valgrind run),
the counts are added up.

Reads <builddir>/meson-logs/testlog.json and counts the TAP lines of each
test program's stdout: "ok" passed, "not ok" failed, "ok ... # SKIP" (and
"not ok ... # TODO") skipped. A program that crashed, timed out or exited
with an error without saying "not ok" counts as failed: once, or once for
every planned test case it never reported ("1..N" with fewer lines).

The very last line printed is "N passed, N failed", with ", N skipped"
when any were skipped. Exits 1 if anything failed (or nothing ran).
"""

import json
import os
import re
import sys

TAP_RESULT = re.compile(r"^(not ok|ok)\b(?:\s+\d+)?\s*(.*)$")
TAP_PLAN = re.compile(r"^1\.\.(\d+)")
# Meson's results for a whole test program.
GOOD_RESULTS = {"OK", "SKIP", "EXPECTEDFAIL"}


def directive(description):
    """The TAP directive (SKIP or TODO) of a result line, if any."""
    match = re.search(r"#\s*(SKIP|TODO)\b", description, re.IGNORECASE)
    return match.group(1).upper() if match else None


def count_program(entry):
    """Returns (passed, failed, skipped, failed_names) for one test program."""
    passed = failed = skipped = 0
    failed_names = []
    planned = None
    seen = 0

    for line in (entry.get("stdout") or "").splitlines():
        plan = TAP_PLAN.match(line)
        if plan:
            planned = int(plan.group(1))
            continue
        result = TAP_RESULT.match(line)
        if not result:
            continue
        seen += 1
        status, description = result.groups()
        kind = directive(description)
        if kind == "SKIP" or (status == "not ok" and kind == "TODO"):
            skipped += 1
        elif status == "ok":
            passed += 1
        else:
            failed += 1
            failed_names.append(description.split(" #")[0].strip())

    result = entry.get("result", "ERROR")
    if result not in GOOD_RESULTS:
        # Crashed, timed out or failed without a "not ok" for every case:
        # what it never reported did not pass.
        missing = planned - seen if planned is not None and planned > seen else 0
        if missing > 0:
            failed += missing
            failed_names.append(f"{missing} unreported test case(s) ({result})")
        if failed == 0:
            failed = 1
            failed_names.append(f"the whole program ({result}, exit code {entry.get('returncode')})")
    elif seen == 0:
        # A program that does not speak TAP counts as one test.
        if result == "SKIP":
            skipped += 1
        else:
            passed += 1

    return passed, failed, skipped, failed_names


def read_entries(where):
    log = where if where.endswith(".json") else os.path.join(where, "meson-logs", "testlog.json")
    try:
        with open(log, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]
    except OSError as e:
        print(f"cannot read {log}: {e.strerror}", file=sys.stderr)
        return None


def main(argv):
    places = argv[1:] or ["."]
    total_passed = total_failed = total_skipped = 0
    for where in places:
        entries = read_entries(where)
        if entries is None:
            total_failed += 1
            continue
        label = f"{os.path.basename(os.path.normpath(where))}: " if len(places) > 1 else ""
        for entry in entries:
            passed, failed, skipped, failed_names = count_program(entry)
            total_passed += passed
            total_failed += failed
            total_skipped += skipped
            line = f"{label}{entry.get('name', '?')}: {passed} passed, {failed} failed"
            if skipped:
                line += f", {skipped} skipped"
            print(line)
            for name in failed_names:
                print(f"  FAILED {name}")

    summary = f"{total_passed} passed, {total_failed} failed"
    if total_skipped:
        summary += f", {total_skipped} skipped"
    print(summary)
    return 1 if total_failed > 0 or total_passed + total_skipped == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
