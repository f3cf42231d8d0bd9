# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""A provider's day limit on what one account may download (Gmail: 2,500 MB a day), and the pause it calls for.

``DayBudget`` counts the bytes fetched from the source account over the last 24 hours (a sliding window,
as Google's limit is) in buckets of a minute, kept in ``state_dir`` between runs, so that a wave run the
next morning knows what yesterday's run took. Before each batch the copy asks ``take``; when the batch
would pass the limit the copy pauses: it finishes what is in flight, verifies what it copied, and says
when it can go on (``resume_after``). A server that says it itself (Gmail's ``[OVERQUOTA] Account exceeded
command or bandwidth limits`` on a FETCH) pauses the copy the same way (``provider_pause``).

No I/O but ``load``/``save`` and no clock of its own (callers pass ``now``): decisions tested row by row.
"""

from __future__ import annotations

import json
import os
import re
import threading

from ansible_collections.mailwave.migrate.plugins.module_utils._common.files import write_private_file

WINDOW = 86400.0       # Google: "per day" is a sliding 24 hours
BUCKET = 60.0          # seconds per bucket kept on disk
FILE_NAME = "downloads.json"
# Gmail does not say when the limit lifts; its help page says up to 24 hours.
PROVIDER_PAUSE = WINDOW

# Gmail's answer to a FETCH past the day limit (seen in imapclient users' reports:
# "FETCH => [OVERQUOTA] Account exceeded command or bandwidth limits."). OVERQUOTA from the *source*
# is this, never "the box is full" (that is a destination's APPEND answer).
_PROVIDER_LIMIT_RE = re.compile(r"bandwidth limit|exceeded command|download limit|daily limit", re.I)


def is_provider_limit(code, text):
    """A NO/BAD of the source that means "no more downloads for today" (not a fault of the message)."""
    return (code or "").upper() == "OVERQUOTA" or bool(_PROVIDER_LIMIT_RE.search(text or ""))


class DayBudget:
    """Bytes downloaded from one source account in the last WINDOW seconds, against ``limit`` (None: no limit)."""

    def __init__(self, limit=None, buckets=None):
        self.limit = int(limit) if limit else None
        self.buckets = {}  # bucket start (epoch seconds) -> bytes
        for start, nbytes in (buckets or {}).items():
            self.buckets[float(start)] = int(nbytes)
        self._lock = threading.Lock()

    def used(self, now):
        return sum(n for start, n in self.buckets.items() if start + BUCKET > now - WINDOW)

    def take(self, nbytes, now):
        """Count nbytes as downloaded now, if they fit in the limit; False (nothing counted) when they do not.

        A batch bigger than a whole day's limit is let through on an unused day, or it would never go.
        """
        with self._lock:
            used = self.used(now)
            if self.limit is not None and used + nbytes > self.limit and used > 0:
                return False
            start = now - now % BUCKET
            self.buckets[start] = self.buckets.get(start, 0) + int(nbytes)
            return True

    def resume_after(self, nbytes, now):
        """Epoch seconds from when nbytes fit again: the buckets age out of the window, oldest first."""
        if self.limit is None:
            return now
        used = self.used(now)
        for start in sorted(s for s in self.buckets if s + BUCKET > now - WINDOW):
            if used + nbytes <= self.limit or used == 0:
                break
            used -= self.buckets[start]
            now = max(now, start + BUCKET + WINDOW)
        return now

    def to_json(self, now):
        return {"version": 1, "window": WINDOW,
                "buckets": {"%d" % s: n for s, n in sorted(self.buckets.items()) if s + BUCKET > now - WINDOW}}


def path_of(state_dir):
    return os.path.join(state_dir, FILE_NAME)


def load(state_dir, limit):
    """The budget kept in state_dir (a missing or unreadable file: nothing downloaded yet)."""
    try:
        with open(path_of(state_dir), encoding="utf-8") as handle:
            data = json.load(handle)
        buckets = data.get("buckets") if isinstance(data, dict) and data.get("version") == 1 else {}
    except (OSError, ValueError):
        buckets = {}
    return DayBudget(limit, buckets)


def save(state_dir, budget, now):
    write_private_file(path_of(state_dir), json.dumps(budget.to_json(now), sort_keys=True).encode("utf-8"))
