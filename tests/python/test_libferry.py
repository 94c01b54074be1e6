#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""libferry through GObject Introspection, as a Python application uses it:
downloads with progress callbacks, pause and resume, a second process that
finds a running download and follows it to the end, errors, and the
examples. Prints TAP.

    tests/python/test_libferry.py     (with the environment of ferrytest.py)
"""

import hashlib
import os
import select
import subprocess
import sys
import time
import unittest

import gi

gi.require_version('Ferry', '1')
from gi.repository import Ferry, GLib  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ferrytest  # noqa: E402
from ferrytest import TIMEOUT, content, run_loop_until  # noqa: E402

APP_ID = 'org.freedesktop.FerryTest.Python'
KiB = 1024
MiB = 1024 * 1024


def expected_sha256(size):
    return hashlib.sha256(content(size)).hexdigest()


class LibferryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = ferrytest.Server()
        cls.service = ferrytest.Service()
        cls.downloader = Ferry.Downloader.new_sync(APP_ID, None)
        # The same connection, the same app: declared once, shared.
        cls.uploader = Ferry.Uploader.new_sync(APP_ID, None)

    @classmethod
    def tearDownClass(cls):
        cls.downloader = cls.uploader = None
        cls.server.stop()
        code = cls.service.close()
        if code != 0:
            raise AssertionError(f'ferryd exited with {code} on SIGTERM')

    def setUp(self):
        self.server.throttle = 0

    def wait_transfer(self, transfer):
        """Runs the main loop until the transfer ends; returns its status."""
        outcome = []
        transfer.wait(None, lambda t, result: outcome.append(t.wait_finish(result)))
        run_loop_until(lambda: outcome, f'{transfer.props.id} to end')
        return outcome[0]

    def call(self, start, finish, *args):
        """Calls an async method and runs the main loop until it finishes."""
        outcome = []
        start(*args, None, lambda source, result: outcome.append(finish(result)))
        run_loop_until(lambda: outcome, getattr(start, '__name__', 'a call'))
        return outcome[0]

    def assert_file(self, path, size):
        self.assertEqual(ferrytest.sha256_file(path), expected_sha256(size))
        self.assertFalse(os.path.exists(path + '.part'))

    def test_download_reports_progress_and_status(self):
        size = 2 * MiB
        self.server.throttle = 4 * MiB
        dest = self.service.dest('progress.bin')
        transfer = self.call(self.downloader.create_download,
                             self.downloader.create_download_finish,
                             self.server.uri(f'/file/{size}'), dest, None)
        self.assertEqual(transfer.props.status, Ferry.TransferStatus.IDLE)
        self.assertEqual(transfer.props.kind, Ferry.TransferKind.DOWNLOAD)
        self.assertEqual(transfer.props.destination, dest)

        progress, statuses = [], []
        transfer.connect('progress', lambda t, done, total: progress.append((done, total)))
        transfer.connect('notify::status', lambda t, pspec: statuses.append(t.props.status))
        self.assertTrue(self.call(transfer.start, transfer.start_finish))

        self.assertEqual(self.wait_transfer(transfer), Ferry.TransferStatus.COMPLETED)
        self.assertEqual(statuses, [Ferry.TransferStatus.RUNNING, Ferry.TransferStatus.COMPLETED])
        self.assertGreaterEqual(len(progress), 2)
        self.assertEqual(progress[-1], (size, size))
        self.assertEqual([p[0] for p in progress], sorted(p[0] for p in progress))
        self.assertEqual(transfer.props.bytes_received, size)
        self.assertEqual(transfer.props.total_bytes_to_receive, size)
        self.assertEqual(transfer.props.http_status, 200)
        self.assertEqual(transfer.props.error_name, '')
        self.assert_file(dest, size)

    def test_pause_and_resume(self):
        size = 4 * MiB
        self.server.throttle = 1 * MiB
        dest = self.service.dest('paused.bin')
        transfer = self.downloader.create_download_sync(self.server.uri(f'/file/{size}'), dest,
                                                        None, None)
        progress = []
        transfer.connect('progress', lambda t, done, total: progress.append(done))
        transfer.start_sync(None)
        run_loop_until(lambda: transfer.props.bytes_received >= 256 * KiB, 'some bytes')

        self.assertTrue(self.call(transfer.pause, transfer.pause_finish))
        run_loop_until(lambda: transfer.props.status == Ferry.TransferStatus.PAUSED_BY_APPLICATION,
                       'the pause')
        kept = transfer.props.bytes_received
        self.assertGreater(kept, 0)

        self.server.throttle = 0
        self.assertTrue(self.call(transfer.resume, transfer.resume_finish))
        self.assertEqual(self.wait_transfer(transfer), Ferry.TransferStatus.COMPLETED)
        self.assert_file(dest, size)
        # It went on from where it stopped, with a range request.
        ranges = [r for p, r in self.server.requests if p == f'/file/{size}' and r]
        self.assertTrue(ranges, 'no Range request after the resume')
        self.assertEqual(progress[-1], size)

    def test_second_process_attaches_and_sees_completion(self):
        size = 6 * MiB
        self.server.throttle = 1 * MiB
        dest = self.service.dest('shared.bin')
        transfer = self.downloader.create_download_sync(self.server.uri(f'/file/{size}'), dest,
                                                        None, None)
        transfer.start_sync(None)
        run_loop_until(lambda: transfer.props.bytes_received > 0, 'some bytes')

        # What an application that starts again does: list, attach, follow.
        child = subprocess.Popen([sys.executable, os.path.join(os.environ['FERRY_EXAMPLES_DIR'],
                                                               'list.py'),
                                  '--app-id', APP_ID, '--wait'],
                                 stdout=subprocess.PIPE, text=True,
                                 env=ferrytest.child_env(keep_preload=True))
        try:
            first = self.read_line(child)
            self.assertTrue(first.startswith(f'{transfer.props.id}  running  '), first)
            # It is attached and listening: let the download finish.
            self.server.throttle = 0
            rest, _ = child.communicate(timeout=TIMEOUT)
        finally:
            child.kill()
        self.assertEqual(child.returncode, 0, rest)
        self.assertIn(f'{transfer.props.id}  completed', rest.splitlines())
        self.assertEqual(self.wait_transfer(transfer), Ferry.TransferStatus.COMPLETED)
        self.assert_file(dest, size)

    def read_line(self, child):
        ready, _, _ = select.select([child.stdout], [], [], TIMEOUT)
        self.assertTrue(ready, 'the second process printed nothing')
        return child.stdout.readline()

    def test_current_downloads_come_attached(self):
        size = 3 * MiB
        self.server.throttle = 1 * MiB
        dest = self.service.dest('current.bin')
        options = GLib.Variant('a{sv}', {'group': GLib.Variant('s', 'py')})
        created = self.downloader.create_download_sync(self.server.uri(f'/file/{size}'), dest,
                                                       options, None)
        created.start_sync(None)

        current = self.call(self.downloader.get_current_downloads,
                            self.downloader.get_current_downloads_finish, 'py')
        self.assertEqual([t.props.id for t in current], [created.props.id])
        found = current[0]
        self.assertEqual(found.props.group, 'py')
        self.assertEqual(found.props.uri, self.server.uri(f'/file/{size}'))
        progress = []
        found.connect('progress', lambda t, done, total: progress.append(done))
        run_loop_until(lambda: progress, 'progress on the attached transfer')
        self.server.throttle = 0
        self.assertEqual(self.wait_transfer(found), Ferry.TransferStatus.COMPLETED)
        self.assertEqual(self.downloader.get_current_downloads_sync('py', None), [])

    def test_errors_are_ferry_errors(self):
        with self.assertRaises(GLib.Error) as raised:
            self.downloader.create_download_sync(self.server.uri('/file/1'), 'relative.bin',
                                                 None, None)
        self.assertTrue(raised.exception.matches(Ferry.error_quark(),
                                                 Ferry.Error.INVALID_ARGUMENT))
        self.assertNotIn('GDBus.Error', raised.exception.message)

        with self.assertRaises(GLib.Error) as raised:
            self.downloader.get_transfer_sync('0123456789abcdef0123456789abcdef', None)
        self.assertTrue(raised.exception.matches(Ferry.error_quark(), Ferry.Error.NOT_FOUND))

    def test_failed_download_names_its_error(self):
        dest = self.service.dest('missing.bin')
        transfer = self.downloader.create_download_sync(self.server.uri('/status/404'), dest,
                                                        None, None)
        transfer.start_sync(None)
        self.assertEqual(self.wait_transfer(transfer), Ferry.TransferStatus.ERROR)
        self.assertEqual(transfer.props.error_name, 'not-found')
        self.assertEqual(transfer.props.http_status, 404)
        self.assertNotEqual(transfer.props.error_message, '')
        # A failed download stays current (it can be resumed) until canceled.
        transfer.cancel_sync(None)
        self.assertEqual(self.downloader.get_current_downloads_sync(None, None), [])

    def test_upload_reports_progress_and_the_answer(self):
        size = 4 * MiB
        self.server.throttle = 8 * MiB
        source = self.service.dest('upload-source.bin')
        with open(source, 'wb') as f:
            f.write(content(size, seed=7))
        transfer = self.call(self.uploader.create_upload, self.uploader.create_upload_finish,
                             self.server.uri('/upload/file.bin'), source, None)
        self.assertEqual(transfer.props.kind, Ferry.TransferKind.UPLOAD)
        self.assertEqual(transfer.props.source, source)
        self.assertEqual(transfer.props.destination, '')

        progress = []
        transfer.connect('progress', lambda t, done, total: progress.append((done, total)))
        self.assertTrue(self.call(transfer.start, transfer.start_finish))
        self.assertEqual(self.wait_transfer(transfer), Ferry.TransferStatus.COMPLETED)

        # Socket buffers on the loopback swallow much of the body at once, so
        # the number of reports is not predictable; their order is.
        self.assertGreaterEqual(len(progress), 1)
        self.assertEqual([p[0] for p in progress], sorted(p[0] for p in progress))
        self.assertEqual(progress[-1], (size, size))
        self.assertEqual(transfer.props.bytes_sent, size)
        self.assertEqual(transfer.props.total_bytes_to_send, size)
        self.assertEqual(transfer.props.bytes_received, 0)
        self.assertEqual(self.server.uploads['/upload/file.bin'], content(size, seed=7))

        ok, status, headers, actual_uri, resumable = \
            transfer.get_response_information_sync(None)
        self.assertEqual(status, 201)
        self.assertEqual(headers['content-type'], 'text/plain')
        stream = transfer.open_response_body_sync(None)
        self.assertEqual(stream.read_bytes(4096, None).get_data(), f'stored {size} bytes'.encode())
        stream.close(None)

    def test_upload_from_a_pipe(self):
        data = content(300 * KiB, seed=9)
        read_end, write_end = os.pipe()
        try:
            transfer = self.uploader.create_upload_from_stream_sync(
                self.server.uri('/upload/stream.bin'), read_end,
                GLib.Variant('a{sv}', {'method': GLib.Variant('s', 'POST')}), None)
        finally:
            os.close(read_end)     # the service has its own copy
        transfer.start_sync(None)
        with os.fdopen(write_end, 'wb') as pipe:
            pipe.write(data)
        self.assertEqual(self.wait_transfer(transfer), Ferry.TransferStatus.COMPLETED)
        self.assertEqual(transfer.props.bytes_sent, len(data))
        self.assertEqual(self.server.uploads['/upload/stream.bin'], data)

    def test_cost_policy_and_priority(self):
        dest = self.service.dest('policy.bin')
        options = GLib.Variant('a{sv}', {'priority': GLib.Variant('s', 'high')})
        transfer = self.downloader.create_download_sync(self.server.uri('/file/1000'), dest,
                                                       options, None)
        self.assertEqual(transfer.props.priority, Ferry.Priority.HIGH)
        changed = []
        transfer.connect('notify::cost-policy', lambda t, pspec: changed.append(t.props.cost_policy))
        transfer.set_cost_policy_sync(Ferry.CostPolicy.UNRESTRICTED_ONLY, None)
        transfer.refresh_sync(None)
        self.assertEqual(transfer.props.cost_policy, Ferry.CostPolicy.UNRESTRICTED_ONLY)
        self.assertEqual(changed[-1], Ferry.CostPolicy.UNRESTRICTED_ONLY)
        transfer.set_priority_sync(Ferry.Priority.LOW, None)
        transfer.refresh_sync(None)
        self.assertEqual(transfer.props.priority, Ferry.Priority.LOW)
        transfer.cancel_sync(None)

        self.downloader.set_default_cost_policy_sync(Ferry.CostPolicy.ALWAYS, None)
        ok, policy = self.downloader.get_default_cost_policy_sync(None)
        self.assertEqual(policy, Ferry.CostPolicy.ALWAYS)
        self.downloader.set_default_cost_policy_sync(Ferry.CostPolicy.DEFAULT, None)

    def test_manager_groups_and_new_transfer_calls(self):
        manager = Ferry.Manager.new_sync(APP_ID, None)
        # No NetworkManager on this bus: GNetworkMonitor tells.
        self.assertEqual(manager.props.network_source, 'gio')
        self.assertEqual(manager.get_network_source(), 'gio')
        self.assertIn(manager.props.connectivity, ('none', 'limited', 'portal', 'full', 'unknown'))
        for name in ('metered', 'roaming', 'network_connection', 'data_usage', 'data_limit',
                     'billing_cycle_start_day', 'on_track_to_exceed', 'over_limit',
                     'restrict_background_data', 'power_saver', 'battery_low'):
            getattr(manager.props, name)

        changed = []
        manager.connect('notify::restrict-background-data',
                        lambda m, pspec: changed.append(m.props.restrict_background_data))
        manager.set_restrict_background_data_sync(True, None)
        run_loop_until(lambda: changed, 'notify::restrict-background-data')
        self.assertEqual(changed, [True])
        manager.set_restrict_background_data_sync(False, None)

        self.downloader.set_group_behavior_sync('py-batch', Ferry.GroupBehavior.SERIALIZED, None)

        dest = self.service.dest('grouped.bin')
        options = GLib.Variant('a{sv}', {'completion-group': GLib.Variant('s', 'py-done')})
        transfer = self.downloader.create_download_sync(self.server.uri('/file/2000'), dest,
                                                       options, None)
        self.assertEqual(transfer.props.completion_group, 'py-done')
        transfer.set_requested_uri_sync(self.server.uri('/file/2000'), None)
        transfer.start_sync(None)
        self.assertEqual(self.wait_transfer(transfer), Ferry.TransferStatus.COMPLETED)
        manager.enable_completion_group_sync('py-done', None, None)
        results, complete = manager.get_completion_group_results_sync('py-done', None)
        self.assertTrue(complete)
        self.assertEqual(results.unpack(),
                         [(transfer.props.object_path, 'completed', '')])

        stream = transfer.open_result_sync(None)
        self.assertEqual(len(stream.read_bytes(10000, None).get_data()), 2000)

    def run_example(self, *args):
        return subprocess.run([sys.executable,
                               os.path.join(os.environ['FERRY_EXAMPLES_DIR'], 'download.py'),
                               *args], capture_output=True, text=True, timeout=TIMEOUT,
                              env=ferrytest.child_env(keep_preload=True))

    def test_example_network_py(self):
        result = subprocess.run([sys.executable,
                                 os.path.join(os.environ['FERRY_EXAMPLES_DIR'], 'network.py')],
                                capture_output=True, text=True, timeout=TIMEOUT,
                                env=ferrytest.child_env(keep_preload=True))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn('network-source: gio', result.stdout)
        self.assertIn('connectivity: ', result.stdout)

    def test_example_download_py(self):
        size = 1 * MiB
        dest = self.service.dest('example.bin')
        result = self.run_example(self.server.uri(f'/file/{size}'), dest)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(f'Downloaded {dest}', result.stdout)
        self.assert_file(dest, size)

        result = self.run_example(self.server.uri('/status/404'), self.service.dest('no.bin'))
        self.assertEqual(result.returncode, 1)
        self.assertIn('not-found', result.stderr)


if __name__ == '__main__':
    ferrytest.main(sys.modules[__name__])
