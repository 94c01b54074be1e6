#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs the Debian packages Ferry builds and tests with, if any is missing.
set -euo pipefail

packages=(
  gcc libc6-dev pkg-config meson ninja-build gettext
  libglib2.0-dev libglib2.0-dev-bin libsoup-3.0-dev libsqlite3-dev libjson-glib-dev libnm-dev
  glib-networking dbus dbus-daemon valgrind
  python3 python3-gi python3-dbusmock
  gobject-introspection libgirepository1.0-dev gir1.2-glib-2.0 libglib2.0-bin systemd
  gi-docgen valac
  nginx-light curl wget aria2 strace time
  clang libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
