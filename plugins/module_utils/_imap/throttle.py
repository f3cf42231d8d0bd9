# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Average-rate limits shared by every copy worker (imapsync's --maxbytespersecond / --maxmessagespersecond)."""

from __future__ import annotations

import threading
import time


class Throttle:
    """Keep the average rate since start under max_bytes_per_second and max_messages_per_second.

    ``account(nbytes, nmessages)`` is called before a batch is sent; it sleeps until the time at which the
    totals so far, this batch included, respect the limits (so the average over the run never exceeds
    them, even counting the first batch). A limit of 0/None is no limit.
    """

    def __init__(self, max_bytes_per_second=None, max_messages_per_second=None, clock=time.monotonic,
                 sleep=time.sleep):
        self.max_bps = float(max_bytes_per_second or 0)
        self.max_mps = float(max_messages_per_second or 0)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._start = None
        self._bytes = 0
        self._messages = 0
        self.slept = 0.0

    @property
    def active(self):
        return self.max_bps > 0 or self.max_mps > 0

    def account(self, nbytes, nmessages=1):
        if not self.active:
            return 0.0
        with self._lock:
            now = self._clock()
            if self._start is None:
                self._start = now
            self._bytes += nbytes
            self._messages += nmessages
            due = 0.0
            if self.max_bps > 0:
                due = max(due, self._bytes / self.max_bps)
            if self.max_mps > 0:
                due = max(due, self._messages / self.max_mps)
            wait = self._start + due - now
        if wait > 0:
            self._sleep(wait)
            with self._lock:
                self.slept += wait
            return wait
        return 0.0
