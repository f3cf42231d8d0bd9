# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""The sync state kept in ``state_dir``: a UID map per folder pair, scoped by both UIDVALIDITYs.

One JSON file per (source account, destination account) plus an append-only journal next to it.
Each copied batch is journalled as soon as the destination confirmed it (APPENDUID), so a run killed
half-way loses nothing and the next run does not copy those messages again. ``save()`` folds the
journal into the JSON file (written atomically, 0600, directory 0700) and empties the journal.

A folder pair's entry also records the folder status seen on both sides (UIDVALIDITY, UIDNEXT,
MESSAGES, HIGHESTMODSEQ); when both sides still show exactly that status, nothing changed and the
pair needs no further look. A UIDVALIDITY change on either side drops the pair's map: the engine
then matches by header keys again (safe, just slower).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading

from ansible_collections.mailwave.migrate.plugins.module_utils._common.files import (
    ensure_private_dir,
    write_private_file,
)

STATE_VERSION = 1


def _pair_id(src_name, dst_name):
    return "%s\x00%s" % (src_name, dst_name)


class PairState:
    """What we know about one folder pair."""

    __slots__ = ("src", "dst", "src_uidvalidity", "dst_uidvalidity", "src_status", "dst_status", "map")

    def __init__(self, src, dst, src_uidvalidity=None, dst_uidvalidity=None, src_status=None, dst_status=None,
                 uid_map=None):
        self.src = src
        self.dst = dst
        self.src_uidvalidity = src_uidvalidity
        self.dst_uidvalidity = dst_uidvalidity
        self.src_status = src_status or {}
        self.dst_status = dst_status or {}
        self.map = uid_map or {}  # source UID -> destination UID

    def to_json(self):
        return {"src": self.src, "dst": self.dst, "src_uidvalidity": self.src_uidvalidity,
                "dst_uidvalidity": self.dst_uidvalidity, "src_status": self.src_status,
                "dst_status": self.dst_status, "map": [[s, d] for s, d in sorted(self.map.items())]}

    @classmethod
    def from_json(cls, data):
        return cls(data["src"], data["dst"], data.get("src_uidvalidity"), data.get("dst_uidvalidity"),
                   data.get("src_status"), data.get("dst_status"),
                   {int(s): int(d) for s, d in data.get("map", [])})

    def valid_for(self, src_uidvalidity, dst_uidvalidity):
        return (self.src_uidvalidity == src_uidvalidity and self.dst_uidvalidity == dst_uidvalidity
                and src_uidvalidity is not None and dst_uidvalidity is not None)

    def unchanged(self, src_status, dst_status):
        """True when both sides show exactly the status recorded at the end of the last complete run."""
        return (bool(self.src_status) and bool(self.dst_status)
                and self.src_status == src_status and self.dst_status == dst_status)


class SyncState:
    """The state of one source account -> destination account sync (thread-safe)."""

    def __init__(self, state_dir, source_id, destination_id):
        self.state_dir = state_dir
        digest = hashlib.sha256(("%s\n%s" % (source_id, destination_id)).encode("utf-8")).hexdigest()[:24]
        self.path = os.path.join(state_dir, "imap-sync-%s.json" % digest)
        self.journal_path = self.path[:-5] + ".journal"
        self.source_id = source_id
        self.destination_id = destination_id
        self.pairs = {}
        self._lock = threading.Lock()
        self._journal_fd = None

    # ---------------------------------------------------------------- load / save
    def load(self):
        if os.path.exists(self.path):
            try:
                with open(self.path, "rb") as handle:
                    data = json.loads(handle.read().decode("utf-8"))
            except (OSError, ValueError):
                data = {}  # a damaged state file is only a lost shortcut: matching by headers is still safe
            if data.get("version") == STATE_VERSION:
                for entry in data.get("pairs", []):
                    pair = PairState.from_json(entry)
                    self.pairs[_pair_id(pair.src, pair.dst)] = pair
        if os.path.exists(self.journal_path):
            with open(self.journal_path, "rb") as handle:
                for raw in handle:
                    try:
                        src, dst, src_uv, dst_uv, items = json.loads(raw.decode("utf-8"))
                    except ValueError:
                        continue  # a line cut by a kill: its batch is found again by header matching
                    pair = self.pairs.get(_pair_id(src, dst))
                    if pair is None or not pair.valid_for(src_uv, dst_uv):
                        # the journal is newer than the JSON file: its UIDVALIDITYs win
                        pair = self.pairs[_pair_id(src, dst)] = PairState(src, dst, src_uv, dst_uv)
                    # a journalled batch means the last recorded status is stale
                    pair.src_status, pair.dst_status = {}, {}
                    for s, d in items:
                        pair.map[int(s)] = int(d)
        return self

    def save(self):
        with self._lock:
            ensure_private_dir(self.state_dir)
            data = {"version": STATE_VERSION, "source": self.source_id, "destination": self.destination_id,
                    "pairs": [p.to_json() for _k, p in sorted(self.pairs.items())]}
            write_private_file(self.path, json.dumps(data, separators=(",", ":")))
            self._close_journal()
            if os.path.exists(self.journal_path):
                os.unlink(self.journal_path)

    def close(self):
        with self._lock:
            self._close_journal()

    def _close_journal(self):
        if self._journal_fd is not None:
            os.close(self._journal_fd)
            self._journal_fd = None

    # ---------------------------------------------------------------- access
    def get(self, src, dst):
        return self.pairs.get(_pair_id(src, dst))

    def reset_pair(self, src, dst, src_uidvalidity, dst_uidvalidity):
        """Start a fresh map for a pair (first time, or after a UIDVALIDITY change)."""
        with self._lock:
            pair = PairState(src, dst, src_uidvalidity, dst_uidvalidity)
            self.pairs[_pair_id(src, dst)] = pair
            return pair

    def record(self, pair, items):
        """Journal confirmed copies [(source UID, destination UID)] of a pair at once (append, 0600)."""
        if not items:
            return
        line = json.dumps([pair.src, pair.dst, pair.src_uidvalidity, pair.dst_uidvalidity,
                           [[int(s), int(d)] for s, d in items]], separators=(",", ":")) + "\n"
        with self._lock:
            for s, d in items:
                pair.map[int(s)] = int(d)
            pair.src_status, pair.dst_status = {}, {}
            if self._journal_fd is None:
                ensure_private_dir(self.state_dir)
                self._journal_fd = os.open(self.journal_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            os.write(self._journal_fd, line.encode("utf-8"))

    def set_status(self, pair, src_status, dst_status):
        with self._lock:
            pair.src_status = dict(src_status or {})
            pair.dst_status = dict(dst_status or {})
