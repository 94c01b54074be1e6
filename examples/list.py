#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Lists an application's current downloads, and with --wait follows them.

    examples/list.py [--app-id ID] [--group NAME] [--wait]

This is what an application does when it starts again: the service kept
its downloads, and Ferry.Downloader.get_current_downloads() gives them back
attached, so their progress and status arrive live. One line per download:

    ID  STATUS  PROGRESS  URI

With --wait, it then prints each change of status and the progress (at most
once a second per download) until every download has ended, and exits 0 if
they all completed, 1 otherwise.
"""

import argparse
import sys
import time

import gi

gi.require_version('Ferry', '1')
from gi.repository import Ferry, GLib  # noqa: E402

APP_ID = 'org.freedesktop.Ferry.Example'


def progress_text(transfer):
    done = transfer.props.bytes_received
    total = transfer.props.total_bytes_to_receive
    if total == 0:
        return GLib.format_size(done)
    return f'{100 * done // total}%'


def status_text(transfer):
    return Ferry.transfer_status_to_string(transfer.props.status)


class Watcher:
    """Follows transfers until each has ended."""

    def __init__(self, transfers):
        self.loop = GLib.MainLoop()
        self.pending = set()
        self.last_line = {}
        for transfer in transfers:
            self.pending.add(transfer)
            transfer.connect('progress', self.on_progress)
            transfer.wait(None, self.on_ended)

    def on_progress(self, transfer, done, total):
        now = time.monotonic()
        if now - self.last_line.get(transfer.props.id, 0) < 1 and done != total:
            return
        self.last_line[transfer.props.id] = now
        print(f'{transfer.props.id}  progress {progress_text(transfer)}', flush=True)

    def on_ended(self, transfer, result):
        try:
            transfer.wait_finish(result)
        except GLib.Error as e:
            print(f'{transfer.props.id}  cannot follow: {e.message}', flush=True)
        line = f'{transfer.props.id}  {status_text(transfer)}'
        if transfer.props.status == Ferry.TransferStatus.ERROR:
            line += f'  {transfer.props.error_name}: {transfer.props.error_message}'
        print(line, flush=True)
        self.pending.discard(transfer)
        if not self.pending:
            self.loop.quit()

    def run(self):
        if self.pending:
            self.loop.run()


def main():
    parser = argparse.ArgumentParser(description="List an application's Ferry downloads.")
    parser.add_argument('--app-id', default=APP_ID,
                        help=f'the application id to act as (default: {APP_ID})')
    parser.add_argument('--group', help='only the downloads of this group')
    parser.add_argument('--wait', action='store_true',
                        help='follow the downloads until they have all ended')
    args = parser.parse_args()

    try:
        downloader = Ferry.Downloader.new_sync(args.app_id, None)
        transfers = downloader.get_current_downloads_sync(args.group, None)
    except GLib.Error as e:
        print(f'list.py: {e.message}', file=sys.stderr)
        return 1

    for transfer in transfers:
        print(f'{transfer.props.id}  {status_text(transfer)}  {progress_text(transfer)}  '
              f'{transfer.props.uri}', flush=True)
    if not args.wait:
        return 0

    Watcher(transfers).run()
    completed = all(t.props.status == Ferry.TransferStatus.COMPLETED for t in transfers)
    return 0 if completed else 1


if __name__ == '__main__':
    sys.exit(main())
