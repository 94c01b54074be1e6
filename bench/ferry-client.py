#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The benchmark's D-Bus client of ferryd (bench/run starts it; not an API).

One GDBus connection, calls pipelined with a bounded window, signals counted
on the same connection (ferryd sends them unicast to the owning app's
connections). Every subcommand prints one JSON object on stdout; times are
time.monotonic() (CLOCK_MONOTONIC, the same clock as bench/run's).

  watch-name          print "ready", then the time the bus name gets an owner
  create              CreateDownload (+ Start, + wait for the end) of many transfers
  list                time GetCurrentDownloads("") a few times
  uploader            does org.freedesktop.Ferry1.Uploader exist? (introspection)
  upload              CreateUpload + Start one file, wait for the end
"""
import argparse
import json
import sys
import time
import xml.etree.ElementTree as ET

import gi

gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib  # noqa: E402

BUS_NAME = "org.freedesktop.Ferry1"
DOWNLOADER_PATH = "/org/freedesktop/Ferry1/Downloader"
DOWNLOADER_IFACE = "org.freedesktop.Ferry1.Downloader"
UPLOADER_PATH = "/org/freedesktop/Ferry1/Uploader"
UPLOADER_IFACE = "org.freedesktop.Ferry1.Uploader"
TRANSFER_IFACE = "org.freedesktop.Ferry1.Transfer"
FINAL = {"completed", "error", "canceled"}
CALL_TIMEOUT_MS = 120_000


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def connect():
    return Gio.bus_get_sync(Gio.BusType.SESSION, None)


class SignalCounter:
    """Counts every signal from ferryd on this connection and tracks final statuses."""

    def __init__(self, con, all_signals=False):
        self.by_member = {}
        self.final = {}          # path -> status
        self.errors = []
        self.first = None
        self.last = None
        # Only StatusChanged unless asked: every signal that reaches Python
        # costs the client CPU that a C client would not spend.
        self.sub = con.signal_subscribe(None, None if all_signals else TRANSFER_IFACE,
                                        None if all_signals else "StatusChanged", None, None,
                                        Gio.DBusSignalFlags.NONE, self._on_signal)

    def _on_signal(self, con, sender, path, iface, member, params):
        if iface == "org.freedesktop.DBus":
            return
        now = time.monotonic()
        self.first = self.first or now
        self.last = now
        key = f"{iface.rsplit('.', 1)[-1]}.{member}"
        self.by_member[key] = self.by_member.get(key, 0) + 1
        if iface == TRANSFER_IFACE and member == "StatusChanged":
            status, err_name, err_msg = params.unpack()
            if status in FINAL:
                self.final[path] = status
                if status != "completed" and len(self.errors) < 5:
                    self.errors.append(f"{path}: {status} {err_name} {err_msg}")


def iterate_until(ctx, done, deadline):
    while not done():
        if time.monotonic() > deadline:
            return False
        ctx.iteration(True)
    return True


def add_timeout_wakeup(ms=100):
    # ctx.iteration(True) blocks; a periodic source lets the deadline be checked.
    return GLib.timeout_add(ms, lambda: True)


def cmd_watch_name(args):
    con = connect()
    ctx = GLib.MainContext.default()
    state = {"at": None, "owner": None}

    def on_owner_changed(con_, sender, path, iface, member, params):
        name, old, new = params.unpack()
        if name == BUS_NAME and new and state["at"] is None:
            state["at"] = time.monotonic()
            state["owner"] = new

    con.signal_subscribe("org.freedesktop.DBus", "org.freedesktop.DBus", "NameOwnerChanged",
                         "/org/freedesktop/DBus", BUS_NAME, Gio.DBusSignalFlags.NONE,
                         on_owner_changed)
    # The match rule is in place once a round trip after it returned.
    owner = con.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                          "NameHasOwner", GLib.Variant("(s)", (BUS_NAME,)), None,
                          Gio.DBusCallFlags.NONE, -1, None).unpack()[0]
    if owner:
        emit({"already_owned": True, "owned_at": time.monotonic()})
        return 0
    print("ready", flush=True)
    add_timeout_wakeup()
    ok = iterate_until(ctx, lambda: state["at"] is not None, time.monotonic() + args.timeout)
    emit({"owned_at": state["at"], "owner": state["owner"], "timed_out": not ok})
    return 0 if ok else 1


def read_jobs(args):
    jobs = []
    if args.list:
        with open(args.list) as f:
            for line in f:
                line = line.rstrip("\n")
                if line:
                    uri, dest = line.split("\t")
                    jobs.append((uri, dest))
    else:
        for i in range(args.count):
            jobs.append((args.url, f"{args.dest_dir}/{args.prefix}{i:06d}"))
    return jobs


def cmd_create(args):
    """CreateDownload for every job, at most --window calls in flight; with
    --start each reply is followed by Start; with --wait, runs until every
    transfer has a final StatusChanged."""
    t_begin = time.monotonic()
    jobs = read_jobs(args)
    con = connect()
    ctx = GLib.MainContext.default()
    counter = SignalCounter(con, args.count_signals) if args.wait else None
    st = {"next": 0, "inflight": 0, "created": 0, "started": 0, "failed_calls": 0,
          "call_errors": [], "t_last_create": None, "t_first_call": None}
    paths = []
    create_times = []

    def note_error(what, e):
        st["failed_calls"] += 1
        if len(st["call_errors"]) < 5:
            st["call_errors"].append(f"{what}: {e.message if hasattr(e, 'message') else e}")

    def on_started(con_, res, _):
        st["inflight"] -= 1
        try:
            con_.call_finish(res)
            st["started"] += 1
        except GLib.Error as e:
            note_error("Start", e)
        pump()

    def on_created(con_, res, _):
        st["inflight"] -= 1
        try:
            path = con_.call_finish(res).unpack()[0]
        except GLib.Error as e:
            note_error("CreateDownload", e)
            pump()
            return
        st["created"] += 1
        st["t_last_create"] = time.monotonic()
        create_times.append(st["t_last_create"])
        paths.append(path)
        if args.start:
            st["inflight"] += 1
            con_.call(BUS_NAME, path, TRANSFER_IFACE, "Start", None, None,
                      Gio.DBusCallFlags.NONE, CALL_TIMEOUT_MS, None, on_started, None)
        pump()

    def pump():
        while st["inflight"] < args.window and st["next"] < len(jobs):
            uri, dest = jobs[st["next"]]
            st["next"] += 1
            st["inflight"] += 1
            con.call(BUS_NAME, DOWNLOADER_PATH, DOWNLOADER_IFACE, "CreateDownload",
                     GLib.Variant("(ssa{sv})", (uri, dest, {})), GLib.VariantType("(o)"),
                     Gio.DBusCallFlags.NONE, CALL_TIMEOUT_MS, None, on_created, None)

    t0 = time.monotonic()
    pump()
    add_timeout_wakeup()
    deadline = t0 + args.timeout
    n = len(jobs)

    def calls_done():
        return st["next"] >= n and st["inflight"] == 0

    ok = iterate_until(ctx, calls_done, deadline)
    t_calls = time.monotonic()
    if ok and args.wait:
        ok = iterate_until(ctx, lambda: len(counter.final) >= st["created"], deadline)
    t_end = time.monotonic()
    out = {
        "jobs": n, "created": st["created"], "started": st["started"],
        "failed_calls": st["failed_calls"], "call_errors": st["call_errors"],
        "create_seconds": (st["t_last_create"] or t_calls) - t0,
        "calls_seconds": t_calls - t0,
        "seconds": t_end - t0,
        "seconds_with_connect": t_end - t_begin,
        "timed_out": not ok,
    }
    tenth = len(create_times) // 10
    if tenth >= 10:
        # Creations per second over the first and the last tenth: does the
        # cost of a creation grow with the number of stored transfers?
        out["first_tenth_per_s"] = (tenth - 1) / (create_times[tenth - 1] - create_times[0])
        out["last_tenth_per_s"] = (tenth - 1) / (create_times[-1] - create_times[-tenth])
    if counter is not None:
        final = list(counter.final.values())
        out.update({
            "completed": final.count("completed"),
            "not_completed": len(final) - final.count("completed"),
            "transfer_errors": counter.errors,
            "signals": counter.by_member,
        })
    emit(out)
    return 0 if ok and st["failed_calls"] == 0 else 1


def cmd_list(args):
    con = connect()
    times = []
    count = 0
    for _ in range(args.repeat):
        t0 = time.monotonic()
        reply = con.call_sync(BUS_NAME, DOWNLOADER_PATH, DOWNLOADER_IFACE, "GetCurrentDownloads",
                              GLib.Variant("(s)", ("",)), GLib.VariantType("(ao)"),
                              Gio.DBusCallFlags.NONE, CALL_TIMEOUT_MS, None)
        times.append(time.monotonic() - t0)
        count = len(reply.unpack()[0])
    emit({"count": count, "seconds": times})
    return 0


def introspect(con, path):
    xml = con.call_sync(BUS_NAME, path, "org.freedesktop.DBus.Introspectable", "Introspect",
                        None, GLib.VariantType("(s)"), Gio.DBusCallFlags.NONE, 10_000, None)
    return ET.fromstring(xml.unpack()[0])


def find_uploader(con):
    """The Uploader interface and its methods, wherever under /org/freedesktop/Ferry1."""
    for path in (UPLOADER_PATH, "/org/freedesktop/Ferry1"):
        try:
            node = introspect(con, path)
        except GLib.Error:
            continue
        for iface in node.findall("interface"):
            if iface.get("name") == UPLOADER_IFACE:
                methods = {}
                for m in iface.findall("method"):
                    methods[m.get("name")] = "".join(
                        a.get("type") for a in m.findall("arg") if a.get("direction", "in") == "in")
                return {"path": path, "methods": methods}
    return None


def cmd_uploader(args):
    info = find_uploader(connect())
    emit({"uploader": info is not None, **(info or {})})
    return 0


def cmd_upload(args):
    con = connect()
    info = find_uploader(con)
    if info is None or info["methods"].get("CreateUpload") != "ssa{sv}":
        emit({"error": "no-uploader", "uploader": info})
        return 2
    ctx = GLib.MainContext.default()
    counter = SignalCounter(con)
    t0 = time.monotonic()
    path = con.call_sync(BUS_NAME, info["path"], UPLOADER_IFACE, "CreateUpload",
                         GLib.Variant("(ssa{sv})", (args.url, args.source, {})),
                         GLib.VariantType("(o)"), Gio.DBusCallFlags.NONE,
                         CALL_TIMEOUT_MS, None).unpack()[0]
    con.call_sync(BUS_NAME, path, TRANSFER_IFACE, "Start", None, None,
                  Gio.DBusCallFlags.NONE, CALL_TIMEOUT_MS, None)
    add_timeout_wakeup()
    ok = iterate_until(ctx, lambda: path in counter.final, t0 + args.timeout)
    emit({"seconds": time.monotonic() - t0, "status": counter.final.get(path),
          "errors": counter.errors, "signals": counter.by_member, "timed_out": not ok})
    return 0 if ok and counter.final.get(path) == "completed" else 1


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("watch-name")
    w.add_argument("--timeout", type=float, default=30)
    c = sub.add_parser("create")
    c.add_argument("--list", help="file of URI<TAB>DESTINATION lines")
    c.add_argument("--url")
    c.add_argument("--dest-dir")
    c.add_argument("--prefix", default="queued-")
    c.add_argument("--count", type=int, default=0)
    c.add_argument("--window", type=int, default=64, help="calls in flight at most")
    c.add_argument("--start", action="store_true")
    c.add_argument("--wait", action="store_true")
    c.add_argument("--count-signals", action="store_true",
                   help="count every signal, not only StatusChanged")
    c.add_argument("--timeout", type=float, default=600)
    ls = sub.add_parser("list")
    ls.add_argument("--repeat", type=int, default=5)
    sub.add_parser("uploader")
    u = sub.add_parser("upload")
    u.add_argument("--url", required=True)
    u.add_argument("--source", required=True)
    u.add_argument("--timeout", type=float, default=600)
    args = p.parse_args()
    return {"watch-name": cmd_watch_name, "create": cmd_create, "list": cmd_list,
            "uploader": cmd_uploader, "upload": cmd_upload}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
