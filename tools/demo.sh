#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The main job on a fresh Debian machine: install what is missing, build,
# make sure a session bus exists, start ferryd and download a real file over
# HTTP with ferryctl's progress bar, then check it byte for byte.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
size_mib=${DEMO_SIZE_MIB:-512}

"$top/tools/install-deps.sh"
[ -f "$build/build.ninja" ] || meson setup "$build" "$top" >/dev/null
ninja -C "$build" >/dev/null

# No session bus (a fresh machine, a CI job, ssh)? Run inside a private one.
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ] && [ -z "${FERRY_DEMO_IN_BUS:-}" ]; then
  export FERRY_DEMO_IN_BUS=1
  exec dbus-run-session -- "$0" "$@"
fi

work=$(mktemp -d)
cleanup() { kill "${server_pid:-}" "${ferryd_pid:-}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

mkdir -p "$work/www" "$work/data"
echo "Making a ${size_mib} MiB test file…"
head -c "$((size_mib * 1024 * 1024))" /dev/urandom > "$work/www/demo.bin"

/usr/bin/python3 -m http.server --bind 127.0.0.1 0 --directory "$work/www" > "$work/http.log" 2>&1 &
server_pid=$!
port=""
for _ in $(seq 100); do
  port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$work/http.log" | head -n1)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "the HTTP server did not start" >&2; exit 1; }

XDG_DATA_HOME="$work/data" "$build/src/ferryd" --replace --idle-timeout 10 2> "$work/ferryd.log" &
ferryd_pid=$!
gdbus wait --session --timeout 10 org.freedesktop.Ferry1

"$build/ferryctl/ferryctl" download "http://127.0.0.1:$port/demo.bin" "$work/demo.bin" --wait

want=$(sha256sum < "$work/www/demo.bin")
got=$(sha256sum < "$work/demo.bin")
if [ "$want" = "$got" ]; then
  echo "SHA-256 matches: ${got%% *}"
else
  echo "SHA-256 differs!" >&2
  exit 1
fi
