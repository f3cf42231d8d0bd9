# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""The ledger of a budget shared by the batches of one host: which copies run and what they hold.

One JSON file (``budget.json``) in the shared directory, read and rewritten under an exclusive
``fcntl`` lock on ``budget.lock``, so every batch decides on the same counts. Each entry names the
batch's pid and the copy's pid with their start times (a pid alone may be reused), so the room of a
killed batch is taken back by the next batch that reads the ledger. ``history.jsonl`` keeps one line
per copy started with what all batches held at that moment (for audits and tests of the bound).
What may start is decided in ``schedule.py``; this file only reads, locks and writes.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time

from ansible_collections.mailwave.migrate.plugins.module_utils._common.files import ensure_private_dir

LEDGER_NAME = "budget.json"
LOCK_NAME = "budget.lock"
HISTORY_NAME = "history.jsonl"
HISTORY_MAX_BYTES = 4 * 1024 * 1024  # then rotated once to history.jsonl.1


def process_start(pid):
    """The kernel's start time of pid (clock ticks since boot), or None when it is not running."""
    try:
        with open("/proc/%d/stat" % int(pid), encoding="ascii", errors="replace") as handle:
            fields = handle.read().rsplit(") ", 1)[1].split()
    except (OSError, IndexError, ValueError, TypeError):
        return None
    if fields[0] in ("Z", "X"):  # a zombie holds no connection
        return None
    return int(fields[19])


def is_alive(pid, start):
    """Whether pid still runs and is the process that was recorded (same start time)."""
    if not pid:
        return False
    if not os.path.isdir("/proc/self"):  # pragma: no cover - not Linux: pid reuse is not detected
        try:
            os.kill(int(pid), 0)
        except (OSError, ValueError, TypeError):
            return False
        return True
    now = process_start(pid)
    return now is not None and (start is None or now == start)


class Ledger:
    def __init__(self, directory):
        self.directory = directory
        ensure_private_dir(directory)
        self.path = os.path.join(directory, LEDGER_NAME)

    @contextlib.contextmanager
    def locked(self):
        """Hold the ledger's lock; yield its entries, written back when the block ends without error."""
        with open(os.path.join(self.directory, LOCK_NAME), "a", encoding="utf-8") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                holders = self._read()
                before = list(holders)
                yield holders
                if holders != before:
                    self._write(holders)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _read(self):
        try:
            with open(self.path, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError):
            return []  # absent (first batch) or unreadable: nobody holds anything yet
        return list(data.get("holders") or []) if isinstance(data, dict) else []

    def _write(self, holders):
        temporary = self.path + ".tmp"
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump({"holders": holders}, handle, sort_keys=True)
        os.chmod(temporary, 0o600)
        os.replace(temporary, self.path)

    def log_start(self, entry, holders):
        """Append to the history what every batch holds now that entry started (called under the lock)."""
        totals = {}
        for holder in holders:
            for server, connections in (holder.get("servers") or {}).items():
                totals[server] = totals.get(server, 0) + int(connections)
        path = os.path.join(self.directory, HISTORY_NAME)
        try:
            if os.path.getsize(path) > HISTORY_MAX_BYTES:
                os.replace(path, path + ".1")
        except OSError:
            pass
        line = {"time": round(time.time(), 3), "pid": entry["pid"], "job": entry["job"],
                "copies": len(holders), "connections": totals,
                "batches": len({holder.get("pid") for holder in holders})}
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(line, sort_keys=True) + "\n")
        os.chmod(path, 0o600)
