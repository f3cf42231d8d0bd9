# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Copy what the plan says is missing: batches spread over K workers, each FETCH of bodies read straight off
the socket and one pipelined MULTIAPPEND with LITERAL+ (the next batch's FETCH overlaps the last APPEND),
a shared byte budget, journalled confirmations, rounds after connection trouble.
"""

from __future__ import annotations

import collections
import queue
import threading
import time

from ansible_collections.mailwave.migrate.plugins.module_utils._imap import connection as conn
from ansible_collections.mailwave.migrate.plugins.module_utils._imap import wire as wire_mod

BATCH_MESSAGES = 50
BATCH_BYTES = 8 * 1024 * 1024
STREAM_THRESHOLD = 4 * 1024 * 1024  # bigger messages are piped through, never held whole in memory
MEMORY_BUDGET = 24 * 1024 * 1024  # message bytes held by all workers at once (a bigger message runs alone)
MAX_ROUNDS = 6


class ByteBudget:
    """Bounds the message bytes held in memory by all workers together (a batch waits for room).

    A batch bigger than the whole budget (one huge message) waits until nothing else is held, then runs
    alone, so peak memory stays about max(budget, biggest message).
    """

    def __init__(self, limit):
        self.limit = limit
        self.used = 0
        self._cond = threading.Condition()

    def acquire(self, nbytes, blocking=True):
        """Take nbytes; wait for room, or with blocking=False return False at once when there is none.

        A caller that already holds bytes must not wait: if every worker held a batch and waited for room
        for its next one, none would ever release (hold and wait). It asks without blocking, and on False
        releases what it holds before it waits.
        """
        with self._cond:
            while self.used and self.used + nbytes > self.limit:
                if not blocking:
                    return False
                self._cond.wait()
            self.used += nbytes
            return True

    def release(self, nbytes):
        with self._cond:
            self.used -= nbytes
            self._cond.notify_all()


class FolderQueue:
    """The batches of a round, grouped by folder pair, handed out so that workers spread over folders.

    A worker stays on its pair while that pair has batches, then moves to the pair with the fewest
    workers and the most bytes left. Workers on different folders do not contend for the same mailbox
    locks on the destination (Dovecot serialises APPENDs to one mailbox) and SELECT less on the source.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._batches = collections.OrderedDict()  # pair -> deque of batches (plan order)
        self._bytes_left = {}
        self._workers_on = {}
        self.total = 0

    def put(self, work, batch):
        self._batches.setdefault(work, collections.deque()).append(batch)
        self._bytes_left[work] = self._bytes_left.get(work, 0) + sum(m.size for m in batch)
        self._workers_on.setdefault(work, 0)
        self.total += 1

    def take(self, previous=None):
        """(pair, batch) for a worker that last worked on previous; raises queue.Empty when all are taken."""
        with self._lock:
            if previous is not None:
                self._workers_on[previous] -= 1
            if previous is not None and self._batches.get(previous):
                work = previous
            else:
                waiting = [w for w, batches in self._batches.items() if batches]
                if not waiting:
                    raise queue.Empty
                work = min(waiting, key=lambda w: (self._workers_on[w], -self._bytes_left[w]))
            batch = self._batches[work].popleft()
            self._bytes_left[work] -= sum(m.size for m in batch)
            self._workers_on[work] += 1
            return work, batch


class Transfer:
    """The copy stage of one SyncEngine run."""

    def __init__(self, engine):
        self.engine = engine

    def batches(self, work):
        # under a rate limit, smaller batches keep the rate smooth (O365's 4 messages/s: 4 per batch)
        max_msgs, max_bytes = BATCH_MESSAGES, BATCH_BYTES
        if self.engine.throttle.max_mps:
            max_msgs = min(max_msgs, max(1, int(self.engine.throttle.max_mps)))
        if self.engine.throttle.max_bps:
            max_bytes = min(max_bytes, max(262144, int(self.engine.throttle.max_bps)))
        batch, size = [], 0
        for msg in work.to_copy:
            if msg.size > STREAM_THRESHOLD:
                yield [msg]  # alone: it may be streamed
                continue
            if batch and (len(batch) >= max_msgs or size + msg.size > max_bytes):
                yield batch
                batch, size = [], 0
            batch.append(msg)
            size += msg.size
        if batch:
            yield batch

    def copy_rounds(self, works, sessions):
        for round_no in range(1, MAX_ROUNDS + 1):
            tasks = FolderQueue()
            for work in works:
                work.recheck = work.needs_look = False
                for batch in self.batches(work):
                    tasks.put(work, batch)
            total = tasks.total
            if not total:
                break
            self.engine.log("round %d: %d batches" % (round_no, total))
            threads = [threading.Thread(target=self.worker, args=(tasks, session), daemon=True)
                       for session in sessions[:min(len(sessions), total)]]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            if self.engine.fatal is not None:
                raise self.engine.fatal
            rework = [w for w in works if w.recheck or w.needs_look]
            for work in works:
                work.to_copy = []
            if not rework:
                break
            self.engine._parallel(sessions, rework, self.engine._look_again)
            if self.engine.stopped:
                break  # errors_max reached: what was copied is paired up and verified, the rest is reported missing
            if round_no == MAX_ROUNDS:
                for work in rework:
                    for msg in work.to_copy:
                        self.engine.error(work, "not copied after %d attempts (connection problems)" % MAX_ROUNDS,
                                          uid=msg.uid, key=msg.key, size=msg.size)

    def worker(self, tasks, session):
        """Copy batches; the APPEND of one batch overlaps with the FETCH of the next (LITERAL+ servers)."""
        inflight = None  # the batch whose APPEND was sent and not yet answered
        work = None
        while True:
            try:
                work, batch = tasks.take(work)
            except queue.Empty:
                work = batch = None
            if work is not None and (work.recheck or self.engine.fatal is not None or self.engine.stopped):
                continue  # this pair is looked at again after this round anyway (or the copy stops)
            current = landing = None
            try:
                if work is None:
                    if inflight is not None:
                        self.land(session, inflight)
                    return
                # Never wait for memory while this worker's own APPEND holds some: land it first.
                current = self.hold(work, batch, blocking=inflight is None)
                if current is None:
                    inflight, landing = None, inflight
                    self.land(session, landing)
                    current = self.hold(work, batch)
                session.ensure()
                if len(batch) == 1 and batch[0].size > STREAM_THRESHOLD and session.dst_wire.literal_plus:
                    if inflight is not None:
                        inflight, landing = None, inflight
                        self.land(session, landing)
                    self.select_source(session, work)
                    self.stream_one(session, work, batch[0])
                    continue
                present, items = self.fetch_batch(session, work, batch)
                if inflight is not None:
                    inflight, landing = None, inflight
                    self.land(session, landing)
                if not present:
                    continue
                current["present"], current["items"] = present, items
                self.engine.throttle.account(sum(len(i[0]) for i in items), len(items))
                dst_wire = session.dst_wire
                if dst_wire.literal_plus and (len(items) == 1 or dst_wire.multiappend):
                    current["tag"] = dst_wire.append_send(work.dst, items)
                    inflight, current = current, None
                else:
                    self.append_each(session, work, present, items)
            except Exception as exc:  # noqa: BLE001 - dropped connection, SELECT refused ...: recheck later
                trouble = work
                for held in (inflight, landing):
                    if held is not None and not held["released"]:
                        held["work"].recheck = True  # its APPEND may or may not have landed: look again
                        trouble = trouble or held["work"]
                        self.release(held)
                inflight = None
                if trouble is not None:
                    self.connection_trouble(session, trouble, exc)
                if work is None:
                    return
            finally:
                if current is not None:
                    self.release(current)

    def hold(self, work, batch, blocking=True):
        """Reserve the batch's bytes in the memory budget; None when blocking=False and there is no room."""
        nbytes = sum(m.size for m in batch)
        if len(batch) == 1 and nbytes > STREAM_THRESHOLD:
            nbytes = 2 * 1048576  # streamed by chunks
        if not self.engine.budget.acquire(nbytes, blocking=blocking):
            return None
        return {"work": work, "nbytes": nbytes, "released": False, "present": None, "items": None, "tag": None}

    def release(self, held):
        if not held["released"]:
            held["released"] = True
            held["items"] = held["present"] = None
            self.engine.budget.release(held["nbytes"])

    def land(self, session, held):
        """Read the answer of an APPEND sent earlier; on NO, append its messages one by one."""
        work, present, items = held["work"], held["present"], held["items"]
        try:
            uids = session.dst_wire.append_finish(held["tag"], len(items))
        except wire_mod.CommandFailed as exc:
            self.raise_if_throttled(exc)
            self.append_each(session, work, present, items)
        else:
            self.confirm(work, present, items, uids)
        self.release(held)

    def select_source(self, session, work):
        if session.src_selected != work.src:
            session.src.select_folder(work.src, readonly=True)
            session.src_selected = work.src

    def connection_trouble(self, session, work, exc):
        err = exc if isinstance(exc, conn.ImapError) else conn.translate_error(exc, self.engine.destination)
        self.engine.log("batch of %r failed: %s" % (work.src, err))
        with self.engine._lock:
            self.engine.reconnections += 1
        work.recheck = True
        session.drop()
        if not err.transient and err.kind in ("auth", "tls", "config"):
            # e.g. the password changed mid-run: stop, report after the round
            self.engine.fatal = self.engine.fatal or err
            return
        time.sleep(min(err.backoff, 600.0) if err.backoff else 0.2)

    def fetch_batch(self, session, work, batch):
        """FETCH the bodies of a batch: (present Msgs, [(body, filtered flags, internaldate)])."""
        self.select_source(session, work)
        bodies = {}

        def keep(data):
            uid = data.get("UID")
            if uid is not None and "BODY" in data:
                bodies[uid] = (data["BODY"], data.get("FLAGS", ()), data.get("INTERNALDATE"))

        session.src_wire.fetch([m.uid for m in batch], "UID FLAGS INTERNALDATE BODY.PEEK[]", keep)
        present = []
        for msg in batch:
            if msg.uid in bodies:
                present.append(msg)
            else:
                with work.lock:
                    work.pending.discard(msg.uid)  # expunged on the source meanwhile: nothing to copy
        items = []
        for msg in present:
            body, flags, date = bodies[msg.uid]
            items.append((body, work.flag_filter(flags), date))
        return present, items

    def append_each(self, session, work, present, items):
        """Append one message at a time (after a batch was refused, or without LITERAL+/MULTIAPPEND)."""
        for msg, item in zip(present, items):
            if self.engine.stopped:
                return
            try:
                uids = session.dst_wire.append(work.dst, [item])
            except wire_mod.CommandFailed as exc:
                self.raise_if_throttled(exc)
                with work.lock:
                    work.pending.discard(msg.uid)
                self.engine.error(work, "the destination refused the message: %s" % exc, uid=msg.uid, key=msg.key,
                                  size=len(item[0]))
                continue
            self.confirm(work, [msg], [item], uids)

    def raise_if_throttled(self, exc):
        """A NO/BAD that says "slow down" (Microsoft's Suggested Backoff Time, [LIMIT], [UNAVAILABLE]) is not
        the message's fault: back off and retry the batch in the next round instead of reporting it."""
        text = "%s %s" % (exc.code or "", exc.text)
        backoff = conn.backoff_from_text(text)
        if backoff is not None or exc.code in ("LIMIT", "UNAVAILABLE", "INUSE") or "throttl" in text.lower():
            raise conn.ImapError("the destination asks to slow down: %s" % exc.text, kind="throttled",
                                 transient=True, backoff=backoff if backoff is not None else 5.0)

    def stream_one(self, session, work, msg):
        flags = work.flag_filter(msg.flags)
        self.engine.throttle.account(msg.size, 1)
        try:
            done = wire_mod.stream_copy(session.src_wire, session.dst_wire, msg.uid, work.dst, flags, msg.date)
        except wire_mod.CommandFailed as exc:
            self.raise_if_throttled(exc)
            with work.lock:
                work.pending.discard(msg.uid)
            self.engine.error(work, "the destination refused the message: %s" % exc, uid=msg.uid, key=msg.key,
                              size=msg.size)
            return
        if done is None:
            with work.lock:
                work.pending.discard(msg.uid)  # expunged on the source meanwhile
            return
        size, uids = done
        self.confirm(work, [msg], [(b"", flags, msg.date)], uids, sizes=[size])

    def confirm(self, work, msgs, items, uids, sizes=None):
        pairs = []
        with work.lock:
            for i, msg in enumerate(msgs):
                duid = uids[i] if uids else None
                work.copied[msg.uid] = duid
                work.pending.discard(msg.uid)
                work.stats["copied"] += 1
                work.stats["bytes"] += sizes[i] if sizes else len(items[i][0])
                if duid is not None:
                    pairs.append((msg.uid, duid))
        if work.pstate is not None and pairs:
            self.engine.state.record(work.pstate, pairs)
        if not uids:
            work.needs_look = True  # no APPENDUID: a look after this round pairs them up by identity
