# SPDX-License-Identifier: LGPL-2.1-or-later
"""What the Python tests of libferry share: a private dbus-daemon, the real
ferryd, an HTTP server on 127.0.0.1 with predictable content, waits with
deadlines, and a unittest runner that prints TAP for tests/count-results.py.

The environment (set by tests/meson.build): FERRYD, the ferryd to test;
FERRY_EXAMPLES_DIR; GI_TYPELIB_PATH and LD_LIBRARY_PATH pointing at the
build tree's libferry; under the sanitizers LD_PRELOAD with libasan (which
must come first in a process that was not built with it) and
FERRY_TEST_FERRYD_ASAN_OPTIONS for ferryd.
"""

import ctypes
import faulthandler
import hashlib
import http.server
import os
import re
import shutil
import signal
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import unittest

# Generous: a passing test never waits this long, and ASan builds are slow.
TIMEOUT = 60

FERRYD_ARGS = ['--idle-timeout=0', '--retry-delay=50', '--checkpoint-interval=100',
               '--connect-timeout=10', '--response-timeout=20']


def content(size, seed=1):
    """The body of /file/<size>: the same bytes for the same size and seed."""
    block = hashlib.sha256(f'ferry-{seed}'.encode()).digest() * 2048  # 64 KiB
    reps = size // len(block) + 1
    return (block * reps)[:size]


def sha256_file(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def die_with_parent():
    """Run in a child before exec: a test killed at its timeout takes its
    dbus-daemon and ferryd with it."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def child_env(keep_preload=False):
    """The environment for a child: libasan is preloaded only into Python."""
    env = dict(os.environ)
    if not keep_preload:
        env.pop('LD_PRELOAD', None)
    return env


class Server(http.server.ThreadingHTTPServer):
    """Serves /file/<size> with an ETag, ranges (with If-Range) and a
    throttle, and /status/<code>; records every request."""

    daemon_threads = True

    def __init__(self):
        super().__init__(('127.0.0.1', 0), Handler)
        self.throttle = 0            # bytes per second, 0: as fast as possible
        self.requests = []           # (path, Range header or None)
        self.uploads = {}            # path → the body received
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    def uri(self, path):
        return f'http://127.0.0.1:{self.server_address[1]}{path}'

    def stop(self):
        self.shutdown()
        self.server_close()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        with self.server.lock:
            self.server.requests.append((self.path, self.headers.get('Range')))
        match = re.fullmatch(r'/file/(\d+)', self.path)
        if match:
            self.send_file(int(match.group(1)))
            return
        match = re.fullmatch(r'/status/(\d+)', self.path)
        code = int(match.group(1)) if match else 404
        self.send_response(code)
        self.send_header('Content-Length', '0')
        self.end_headers()

    def do_PUT(self):
        with self.server.lock:
            self.server.requests.append((self.path, None))
        body = self.read_body()
        with self.server.lock:
            self.server.uploads[self.path] = body
        reply = f'stored {len(body)} bytes'.encode()
        self.send_response(201)
        self.send_header('Content-Type', 'text/plain')
        self.send_header('Content-Length', str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    do_POST = do_PUT

    def read_body(self):
        """The request body, by Content-Length or chunked, read at the
        throttle's pace so that the sender sees its progress."""
        if self.headers.get('Transfer-Encoding', '').lower() == 'chunked':
            parts = []
            while True:
                size = int(self.rfile.readline().split(b';')[0].strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    return b''.join(parts)
                parts.append(self.read_exactly(size))
                self.rfile.readline()
        return self.read_exactly(int(self.headers.get('Content-Length', 0)))

    def read_exactly(self, size):
        chunk, parts, left = 16 * 1024, [], size
        while left > 0:
            data = self.rfile.read(min(chunk, left))
            if not data:
                break
            parts.append(data)
            left -= len(data)
            if self.server.throttle:
                time.sleep(len(data) / self.server.throttle)
        return b''.join(parts)

    def send_file(self, size):
        body = content(size)
        etag = f'"{size}-1"'
        start = 0
        range_header = self.headers.get('Range')
        if_range = self.headers.get('If-Range')
        match = re.fullmatch(r'bytes=(\d+)-', range_header or '')
        if match and (if_range is None or if_range == etag) and int(match.group(1)) < size:
            start = int(match.group(1))
            self.send_response(206)
            self.send_header('Content-Range', f'bytes {start}-{size - 1}/{size}')
        else:
            self.send_response(200)
        self.send_header('ETag', etag)
        self.send_header('Accept-Ranges', 'bytes')
        self.send_header('Content-Length', str(size - start))
        self.end_headers()
        self.write_body(body[start:])

    def write_body(self, body):
        chunk = 16 * 1024
        try:
            for offset in range(0, len(body), chunk):
                self.wfile.write(body[offset:offset + chunk])
                throttle = self.server.throttle
                if throttle:
                    time.sleep(chunk / throttle)
        except (BrokenPipeError, ConnectionResetError):
            pass


class Service:
    """A private session bus with ferryd on it, in a temporary directory."""

    def __init__(self):
        self.tmpdir = tempfile.mkdtemp(prefix='ferry-pytest-')
        self.downloads = os.path.join(self.tmpdir, 'downloads')
        os.makedirs(self.downloads)
        self.bus = subprocess.Popen(['dbus-daemon', '--session', '--nofork', '--print-address=1'],
                                    stdout=subprocess.PIPE, env=child_env(), text=True,
                                    preexec_fn=die_with_parent)
        self.address = self.bus.stdout.readline().strip()
        if not self.address:
            raise RuntimeError('dbus-daemon did not start')
        # Before libferry first asks GIO for the session bus.
        os.environ['DBUS_SESSION_BUS_ADDRESS'] = self.address
        self.ferryd = None
        self.start_ferryd()

    def ferryd_env(self):
        env = child_env()
        for name in ('DATA', 'CONFIG', 'CACHE'):
            path = os.path.join(self.tmpdir, name.lower())
            os.makedirs(path, exist_ok=True)
            env[f'XDG_{name}_HOME'] = path
        env['XDG_RUNTIME_DIR'] = self.tmpdir
        if 'FERRY_TEST_FERRYD_ASAN_OPTIONS' in env:
            env['ASAN_OPTIONS'] = env['FERRY_TEST_FERRYD_ASAN_OPTIONS']
        return env

    def start_ferryd(self):
        self.ferryd = subprocess.Popen([os.environ['FERRYD']] + FERRYD_ARGS,
                                       env=self.ferryd_env(), stdout=sys.stderr,
                                       preexec_fn=die_with_parent)
        wait_until(lambda: self.has_owner() or self.ferryd.poll() is not None,
                   'ferryd to take its bus name')
        if self.ferryd.poll() is not None:
            raise RuntimeError(f'ferryd exited with {self.ferryd.returncode} at startup')

    def has_owner(self):
        result = subprocess.run(['gdbus', 'call', '--session', '--dest', 'org.freedesktop.DBus',
                                 '--object-path', '/org/freedesktop/DBus', '--method',
                                 'org.freedesktop.DBus.NameHasOwner', 'org.freedesktop.Ferry1'],
                                capture_output=True, text=True, env=child_env())
        return result.stdout.strip() == '(true,)'

    def stop_ferryd(self):
        """SIGTERM, and a clean exit: under ASan that also means no leak."""
        self.ferryd.send_signal(signal.SIGTERM)
        code = self.ferryd.wait(timeout=TIMEOUT)
        self.ferryd = None
        return code

    def dest(self, name):
        return os.path.join(self.downloads, name)

    def close(self):
        code = self.stop_ferryd() if self.ferryd else 0
        self.bus.terminate()
        self.bus.wait(timeout=TIMEOUT)
        shutil.rmtree(self.tmpdir, ignore_errors=True)
        return code


def wait_until(condition, what, timeout=TIMEOUT):
    """Polls @condition (a few ms apart) until it holds; fails at the deadline."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f'timed out waiting for {what}')
        time.sleep(0.01)


def run_loop_until(condition, what, timeout=TIMEOUT):
    """Iterates the default GLib main context until @condition holds."""
    from gi.repository import GLib

    context = GLib.MainContext.default()
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f'timed out waiting for {what}')
        context.iteration(False) or time.sleep(0.005)


class TAPResult(unittest.TestResult):
    """Prints a TAP line for each test as it ends."""

    def __init__(self):
        super().__init__()
        self.number = 0

    def startTest(self, test):
        super().startTest(test)
        # A hung test shows where it hangs, and the others still run.
        faulthandler.dump_traceback_later(2 * TIMEOUT, exit=True)

    def stopTest(self, test):
        faulthandler.cancel_dump_traceback_later()
        super().stopTest(test)

    def line(self, test, ok, directive=''):
        self.number += 1
        print(f'{"ok" if ok else "not ok"} {self.number} - {test.id()}{directive}', flush=True)

    def diagnose(self, err):
        for text in traceback.format_exception(*err):
            for row in text.rstrip().splitlines():
                print(f'# {row}', flush=True)

    def addSuccess(self, test):
        super().addSuccess(test)
        self.line(test, True)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.line(test, False)
        self.diagnose(err)

    def addError(self, test, err):
        super().addError(test, err)
        if test.id().startswith('unittest.suite._ErrorHolder'):
            # setUpClass or tearDownClass failed: it is not a test of its own.
            self.number += 1
            print(f'not ok {self.number} - {test.description}', flush=True)
        else:
            self.line(test, False)
        self.diagnose(err)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.line(test, True, f' # SKIP {reason}')


def main(module):
    suite = unittest.defaultTestLoader.loadTestsFromModule(module)
    print(f'1..{suite.countTestCases()}', flush=True)
    result = TAPResult()
    suite.run(result)
    sys.exit(0 if result.wasSuccessful() else 1)
