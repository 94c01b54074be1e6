#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Prints the network and power state the Ferry service sees, and with
--follow every change of it.

    examples/network.py [--follow]

Ferry.Manager mirrors the service's org.freedesktop.Ferry1.Manager
properties; each change emits notify:: on it. One line per property:

    connectivity: full
    metered: False
    ...

With --follow it then prints "name: value" for each change until Ctrl-C.
"""

import argparse
import sys

import gi

gi.require_version('Ferry', '1')
from gi.repository import Ferry, GLib  # noqa: E402

PROPERTIES = (
    'connectivity', 'metered', 'roaming', 'network-connection', 'network-source',
    'data-usage', 'data-limit', 'billing-cycle-start-day', 'on-track-to-exceed',
    'over-limit', 'restrict-background-data', 'power-saver', 'battery-low',
)


def main():
    parser = argparse.ArgumentParser(description='Show what the Ferry service sees.')
    parser.add_argument('--follow', action='store_true', help='print changes until Ctrl-C')
    args = parser.parse_args()

    try:
        manager = Ferry.Manager.new_sync(None, None)
    except GLib.Error as error:
        print(f'Cannot reach the Ferry service: {error.message}', file=sys.stderr)
        return 1

    for name in PROPERTIES:
        print(f'{name}: {manager.get_property(name)}')
    if not args.follow:
        return 0

    def on_notify(manager, pspec):
        print(f'{pspec.name}: {manager.get_property(pspec.name)}', flush=True)

    for name in PROPERTIES:
        manager.connect(f'notify::{name}', on_notify)
    loop = GLib.MainLoop()
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, 2, loop.quit)  # SIGINT
    loop.run()
    return 0


if __name__ == '__main__':
    sys.exit(main())
