# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""What the stages of one imap_sync run share: a folder pair's record (PairWork) and a worker's connections."""

from __future__ import annotations

import threading

from ansible_collections.mailwave.migrate.plugins.module_utils._imap import connection as conn
from ansible_collections.mailwave.migrate.plugins.module_utils._imap import wire as wire_mod
from ansible_collections.mailwave.migrate.plugins.module_utils._imap.planner import FlagFilter

COUNTERS = ("source_messages", "source_selected", "destination_messages_before", "destination_messages_after",
            "copied", "skipped", "source_duplicates", "cross_duplicates", "filtered", "flags_updated",
            "deleted_source", "deleted_destination", "missing", "errors", "bytes")


class PairWork:
    """Everything about one folder pair during a run."""

    def __init__(self, src, dst):
        self.src = src
        self.dst = dst
        self.stats = dict.fromkeys(COUNTERS, 0)
        self.stats.update(source=src, destination=dst, created=False, unchanged=False)
        self.flag_filter = FlagFilter(None)
        self.src_msgs = {}          # uid -> Msg (selected source messages)
        self.matched = {}           # source uid -> destination Msg (present on the destination)
        self.copied = {}            # source uid -> destination uid (None when the server did not say)
        self.pending = set()        # source uids sent or to send, not yet confirmed
        self.to_copy = []           # Msg list for the next copy round
        self.delete_destination = []  # destination uids the plan deletes (delete2 / delete2duplicates)
        self.cross_skipped = set()  # source uids left out by skip_cross_duplicates
        self.cross_keys = None      # keys of all selected source messages, once read for skip_cross_duplicates
        self.flag_updates = []      # (destination uid, flags tuple)
        self.flag_differences = 0   # matched messages whose flags differ (even when not re-synced)
        self.recheck = False        # a batch failed: skip the pair's other batches, look again after the round
        self.needs_look = False     # copies without APPENDUID: look again after the round to pair them up
        self.pstate = None
        self.src_uidvalidity = None
        self.dst_uidvalidity = None
        self.src_status = None
        self.pre_status = None      # (source status, destination status) read ahead for the first look
        self.pre_dst_status = None
        self.finished = False       # the finish is done (verified, recorded)
        self.pre_listing = None     # {"src": (metas, window), "dst": (metas, window, PERMANENTFLAGS)} read ahead
        self.dst_exists = True
        self.lock = threading.Lock()


def both(first, second, cleanup=None):
    """Run two independent calls (one per server) at the same time; return both results or raise the first
    error (after calling cleanup on the other call's result, if it succeeded)."""
    box = {}

    def run_second():
        try:
            box["value"] = second()
        except BaseException as exc:  # noqa: BLE001 - handed over to the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=run_second, daemon=True)
    thread.start()
    try:
        value = first()
    except BaseException:
        thread.join()
        if cleanup is not None and "value" in box:
            cleanup(box["value"])
        raise
    thread.join()
    if "error" in box:
        if cleanup is not None:
            cleanup(value)
        raise box["error"]
    return value, box["value"]


class Session:
    """One worker's pair of connections (source reads, destination writes)."""

    def __init__(self, engine):
        self.engine = engine
        self.src = self.dst = None
        self.src_wire = self.dst_wire = None
        self.src_selected = None

    def ensure(self):
        if self.src is None and self.dst is None:
            # both logins at once: the two servers answer in parallel
            self.src, self.dst = both(lambda: self.engine.connect("source"),
                                      lambda: self.engine.connect("destination"), cleanup=conn.close_quietly)
            self.src_wire, self.dst_wire = wire_mod.Wire(self.src), wire_mod.Wire(self.dst)
            self.src_selected = None
        if self.src is None:
            self.src = self.engine.connect("source")
            self.src_wire = wire_mod.Wire(self.src)
            self.src_selected = None
        if self.dst is None:
            self.dst = self.engine.connect("destination")
            self.dst_wire = wire_mod.Wire(self.dst)

    def drop(self):
        for client in (self.src, self.dst):
            if client is not None:
                try:
                    client.shutdown()
                except Exception:  # noqa: BLE001 - the connection may be dead already
                    pass
        self.src = self.dst = self.src_wire = self.dst_wire = None
        self.src_selected = None

    def close(self):
        close_all([self])


def close_all(sessions):
    """Log every connection of these sessions out at once: one round trip for all, not one per connection."""
    clients = [c for session in sessions for c in (session.src, session.dst) if c is not None]
    for session in sessions:
        session.src = session.dst = session.src_wire = session.dst_wire = None
        session.src_selected = None
    threads = [threading.Thread(target=conn.close_quietly, args=(client,), daemon=True) for client in clients[1:]]
    for thread in threads:
        thread.start()
    if clients:
        conn.close_quietly(clients[0])
    for thread in threads:
        thread.join()
