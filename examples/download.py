#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Downloads URL to DEST through the Ferry service, with a progress line.

    examples/download.py [--app-id ID] URL DEST

The service does the work: the download goes on if this script stops
(Ctrl-C only stops following it). Exits 0 once the file is complete, 1 with
the error when the download fails or is canceled, 2 for bad arguments, 130
when interrupted.

From a build tree (see the README):

    GI_TYPELIB_PATH=build/libferry LD_LIBRARY_PATH=build/libferry \\
        examples/download.py https://example.org/file.iso ~/Downloads/file.iso
"""

import argparse
import os
import signal
import sys

import gi

gi.require_version('Ferry', '1')
from gi.repository import Ferry, GLib  # noqa: E402

APP_ID = 'org.freedesktop.Ferry.Example'


def format_progress(done, total):
    if total == 0:
        return f'{GLib.format_size(done)}'
    percent = 100 * done // total
    return f'{percent:3d}%  {GLib.format_size(done)} of {GLib.format_size(total)}'


class Follower:
    """Follows one transfer to its end, drawing a progress line."""

    def __init__(self, transfer):
        self.transfer = transfer
        self.loop = GLib.MainLoop()
        self.status = None
        self.interrupted = False
        # On a terminal the line is redrawn in place; elsewhere, one a report.
        self.end = '\r' if sys.stdout.isatty() else '\n'
        transfer.connect('progress', self.on_progress)
        transfer.connect('notify::status', self.on_status)

    def on_progress(self, transfer, done, total):
        print(f'{format_progress(done, total)}\033[K' if self.end == '\r'
              else format_progress(done, total), end=self.end, flush=True)

    def on_status(self, transfer, pspec):
        status = transfer.props.status
        if status not in (Ferry.TransferStatus.RUNNING, Ferry.TransferStatus.COMPLETED):
            print(f'[{Ferry.transfer_status_to_string(status)}]', end=self.end, flush=True)

    def on_ended(self, transfer, result):
        try:
            self.status = transfer.wait_finish(result)
        except GLib.Error as e:
            print(f'\ndownload.py: {e.message}', file=sys.stderr)
        self.loop.quit()

    def on_sigint(self):
        self.interrupted = True
        self.loop.quit()
        return GLib.SOURCE_REMOVE

    def run(self):
        self.transfer.wait(None, self.on_ended)
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, self.on_sigint)
        self.loop.run()


def main():
    parser = argparse.ArgumentParser(description='Download URL to DEST through Ferry.')
    parser.add_argument('url', metavar='URL')
    parser.add_argument('dest', metavar='DEST')
    parser.add_argument('--app-id', default=APP_ID,
                        help=f'the application id to act as (default: {APP_ID})')
    args = parser.parse_args()

    try:
        downloader = Ferry.Downloader.new_sync(args.app_id, None)
        transfer = downloader.create_download_sync(args.url, os.path.abspath(args.dest),
                                                   None, None)
        transfer.start_sync(None)
    except GLib.Error as e:
        print(f'download.py: {e.message}', file=sys.stderr)
        return 1

    print(f'{transfer.props.id}: {args.url} → {transfer.props.destination}', flush=True)
    follower = Follower(transfer)
    follower.run()
    if follower.end == '\r':
        print()

    if follower.interrupted:
        print(f'download.py: stopped following; {transfer.props.id} goes on',
              file=sys.stderr)
        return 130
    if follower.status == Ferry.TransferStatus.COMPLETED:
        print(f'Downloaded {transfer.props.destination}: '
              f'{GLib.format_size(transfer.props.bytes_received)}')
        return 0
    if follower.status == Ferry.TransferStatus.CANCELED:
        print('download.py: the download was canceled', file=sys.stderr)
    elif follower.status == Ferry.TransferStatus.ERROR:
        print(f'download.py: {transfer.props.error_name}: {transfer.props.error_message}',
              file=sys.stderr)
    return 1


if __name__ == '__main__':
    sys.exit(main())
