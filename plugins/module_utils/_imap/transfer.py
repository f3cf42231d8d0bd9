# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Copy what the plan says is missing: batches spread over K workers, each FETCH of bodies read straight off
the socket and one pipelined MULTIAPPEND with LITERAL+ (the next batch's FETCH overlaps the last APPEND),
a shared byte budget, journalled confirmations, rounds after connection trouble.

What servers do to a message on APPEND is noted here for the finish's verification (``checks``): a message
without a final line end (Courier ends it with CRLF), a header with 8-bit bytes (Cyrus's munge8bit turns
them into ``X``, same size: only a digest of what the destination serves shows it), every body with
``verify: full``. A destination's ``APPENDLIMIT`` (RFC 7889) is read up front: bigger messages are
reported, never sent; ``NO [TOOBIG]`` on a batch sends its messages one by one, on one message it is that
message's error. Cyrus's "Too many user flags" is retried with fewer keywords, and what was dropped reported.
"""

from __future__ import annotations

import collections
import hashlib
import queue
import re
import threading
import time

from ansible_collections.mailwave.migrate.plugins.module_utils._imap import connection as conn
from ansible_collections.mailwave.migrate.plugins.module_utils._imap import day_quota
from ansible_collections.mailwave.migrate.plugins.module_utils._imap import wire as wire_mod

BATCH_MESSAGES = 50
BATCH_BYTES = 8 * 1024 * 1024
STREAM_THRESHOLD = 4 * 1024 * 1024  # bigger messages are piped through, never held whole in memory
MEMORY_BUDGET = 24 * 1024 * 1024  # message bytes held by all workers at once (a bigger message runs alone)
MAX_ROUNDS = 6
# A server asking to wait longer than this (seconds) pauses the copy instead of holding the box's slot.
PAUSE_AFTER_BACKOFF = 900.0
_HIGH_RE = re.compile(rb"[\x80-\xff]")
_APPENDLIMIT_RE = re.compile(rb"^APPENDLIMIT=(\d+)$", re.I)


def header_block(body):
    """The header of a message: up to its first blank line (CRLF or bare LF), without it."""
    ends = [i for i in (body.find(b"\r\n\r\n"), body.find(b"\n\n")) if i >= 0]
    return body[:min(ends)] if ends else body


def digest(data):
    return hashlib.sha1(data).hexdigest()


def what_to_check(body, full=False):
    """What the finish must check of a message sent as body beyond size, flags and date (None: nothing).

    {"unended": bool, "header": the header when it holds 8-bit bytes (else None), "digests": acceptable
    digests of the whole message (verify: full; with the CRLF a server may add to an unended one)}.
    """
    unended = not body.endswith(b"\n")
    head = header_block(body)
    eight_bit = _HIGH_RE.search(head) is not None
    if not (unended or eight_bit or full):
        return None
    digests = None
    if full:
        digests = {digest(body)} | ({digest(body + b"\r\n")} if unended else set())
    return {"unended": unended, "header": head if eight_bit else None, "digests": digests}


def too_many_keywords(exc):
    """Cyrus: "NO Too many user flags in mailbox" (its per-folder keyword limit), while PERMANENTFLAGS has \\*."""
    return "too many user flags" in exc.text.lower() or "too many keywords" in exc.text.lower()


def append_limit(client):
    """The destination's APPENDLIMIT=N capability (RFC 7889) in bytes, or 0 when it announces none."""
    try:
        caps = client.capabilities()
    except Exception:  # noqa: BLE001 - no limit known: the per-message TOOBIG handling still applies
        return 0
    for cap in caps or ():
        match = _APPENDLIMIT_RE.match(cap if isinstance(cap, bytes) else str(cap).encode("ascii", "replace"))
        if match:
            return int(match.group(1))
    return 0


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
        self.full = (engine.opts.get("verify") or "standard") == "full"
        self.checks = {}        # work -> {source uid: what_to_check()} for the finish's verification
        self.dropped = {}       # work -> {source uid: keywords the destination could not hold}
        self.keywords = {}      # work -> keywords (lowercase) the destination folder took in this run
        self.solo = set()       # (work, source uid): sent alone (their batch got NO [TOOBIG])
        self.too_big = set()    # (work, source uid): over APPENDLIMIT, reported once
        self.limit = None       # the destination's APPENDLIMIT (0: none announced), read once
        self._lock = threading.Lock()

    def batches(self, work):
        # under a rate limit, smaller batches keep the rate smooth (O365's 4 messages/s: 4 per batch)
        max_msgs, max_bytes = BATCH_MESSAGES, BATCH_BYTES
        if self.engine.throttle.max_mps:
            max_msgs = min(max_msgs, max(1, int(self.engine.throttle.max_mps)))
        if self.engine.throttle.max_bps:
            max_bytes = min(max_bytes, max(262144, int(self.engine.throttle.max_bps)))
        if self.engine.day.limit:
            # a day limit is checked per batch: batches of a twentieth of it stop the copy close to it
            max_bytes = min(max_bytes, max(16384, self.engine.day.limit // 20))
        batch, size = [], 0
        for msg in work.to_copy:
            if msg.size > STREAM_THRESHOLD or (work, msg.uid) in self.solo:
                yield [msg]  # alone: it may be streamed (or its batch was refused as too big)
                continue
            if batch and (len(batch) >= max_msgs or size + msg.size > max_bytes):
                yield batch
                batch, size = [], 0
            batch.append(msg)
            size += msg.size
        if batch:
            yield batch

    def refuse_too_big(self, works, sessions):
        """Leave out (and report once) the messages over the destination's APPENDLIMIT: sending them would
        only get NO [TOOBIG] (Cyrus then drops the connection)."""
        if self.limit is None:
            self.limit = 0
            for session in sessions:
                if session.dst is not None:
                    self.limit = append_limit(session.dst)
                    break
        if not self.limit:
            return
        for work in works:
            fit = []
            for msg in work.to_copy:
                if msg.size <= self.limit:
                    fit.append(msg)
                    continue
                with work.lock:
                    work.pending.discard(msg.uid)
                if (work, msg.uid) not in self.too_big:
                    self.too_big.add((work, msg.uid))
                    self.engine.error(work, "not copied: %d bytes, over the destination's limit of %d bytes per message "
                                      "(APPENDLIMIT); raise the server's limit (Cyrus: maxmessagesize) or leave "
                                      "such messages out with max_size" % (msg.size, self.limit),
                                      uid=msg.uid, key=msg.key, size=msg.size)
            work.to_copy = fit

    def copy_rounds(self, works, sessions):
        for round_no in range(1, MAX_ROUNDS + 1):
            self.refuse_too_big(works, sessions)
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
            if self.engine.stopped or self.engine.paused is not None:
                break  # errors_max or a day limit reached: what was copied is paired up and verified, the rest is reported missing
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
            if work is not None and (work.recheck or self.engine.fatal is not None or self.engine.stopped
                                     or self.engine.paused is not None):
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
                if (len(batch) == 1 and batch[0].size > STREAM_THRESHOLD and session.dst_wire.literal_plus
                        and not self.full):  # verify: full needs the bytes for their digest
                    if inflight is not None:
                        inflight, landing = None, inflight
                        self.land(session, landing)
                    self.select_source(session, work)
                    self.stream_one(session, work, batch[0])
                    continue
                if not self.engine.day_take(sum(m.size for m in batch)):
                    continue  # the day limit: the copy pauses, what is in flight lands
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
            if exc.code == "TOOBIG" and len(present) > 1:
                with self._lock:  # the server may drop the connection now: later rounds send these alone
                    self.solo.update((work, m.uid) for m in present)
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
        if err.backoff and err.backoff > PAUSE_AFTER_BACKOFF:
            # "come back in an hour" (Microsoft's Suggested Backoff Time): pause, a later run goes on
            self.engine.pause("provider", "the source provider asks to wait %d s: %s" % (err.backoff, err),
                              time.time() + err.backoff)
            return
        if not err.transient and err.kind in ("auth", "tls", "config"):
            # e.g. the password changed mid-run: stop, report after the round
            self.engine.fatal = self.engine.fatal or err
            return
        time.sleep(min(err.backoff, 600.0) if err.backoff else 0.2)

    def fetch_batch(self, session, work, batch):
        """FETCH the bodies of a batch: (present Msgs, [(body, filtered flags, internaldate)])."""
        bodies = {}

        def keep(data):
            uid = data.get("UID")
            if uid is not None and "BODY" in data:
                bodies[uid] = (data["BODY"], data.get("FLAGS", ()), data.get("INTERNALDATE"))

        uids, items = [m.uid for m in batch], "UID FLAGS INTERNALDATE BODY.PEEK[]"
        try:
            if session.src_selected != work.src:
                # a worker's first batch of a folder: its EXAMINE and FETCH in one round trip
                session.src_selected = None
                wire_mod.examine_and_fetch(session.src_wire, work.src, uids, items, keep)
                session.src_selected = work.src
            else:
                session.src_wire.fetch(uids, items, keep)
        except wire_mod.CommandFailed as exc:
            if not day_quota.is_provider_limit(exc.code, exc.text):
                raise
            # Gmail's day limit: the messages stay pending (not errors); a later run copies them
            self.engine.pause("provider", "the source provider refuses downloads: %s" % exc.text,
                              time.time() + day_quota.PROVIDER_PAUSE)
            return [], []
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
                if too_many_keywords(exc):
                    done = self.append_fewer_keywords(session, work, msg, item, exc)
                    if done is not None:
                        item, uids = done
                        self.confirm(work, [msg], [item], uids)
                        continue
                self.raise_if_throttled(exc)
                with work.lock:
                    work.pending.discard(msg.uid)
                self.engine.error(work, "the destination refused the message: %s%s" % (exc, refusal_hint(exc)),
                                  uid=msg.uid, key=msg.key, size=len(item[0]))
                if exc.code == "OVERQUOTA":
                    self.engine.count_over_quota(len(item[0]))
                continue
            self.confirm(work, [msg], [item], uids)

    def append_fewer_keywords(self, session, work, msg, item, exc):
        """The folder cannot take the message's new keywords (Cyrus's per-folder limit): append it with the
        keywords the folder already has and as many new ones as fit (halving), report the rest.
        Returns (item sent, destination uids) or None when even that is refused."""
        body, flags, date = item
        known = set(work.flag_filter.keywords) | self.keywords.get(work, set())
        system = [f for f in flags if f.startswith("\\")]
        old = [f for f in flags if not f.startswith("\\") and f.lower() in known]
        new = [f for f in flags if not f.startswith("\\") and f.lower() not in known]
        tries = []
        count = len(new) // 2
        while True:
            tries.append(new[:count])
            if not count:
                break
            count //= 2
        if old:
            tries.append(None)  # last: no keyword at all
        for extra in tries:
            kept = tuple(system + (old + extra if extra is not None else []))
            try:
                uids = session.dst_wire.append(work.dst, [(body, kept, date)])
            except wire_mod.CommandFailed as again:
                if too_many_keywords(again):
                    continue
                return None
            dropped = [f for f in flags if f not in kept]
            with self._lock:
                self.dropped.setdefault(work, {})[msg.uid] = {f.lower() for f in dropped}
            self.engine.error(work, "copied without %d keyword(s) the destination folder cannot hold (%s): %s"
                              % (len(dropped), exc.text, " ".join(dropped)), uid=msg.uid, key=msg.key, size=len(body))
            return (body, kept, date), uids
        return None

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
        checks = {}
        for msg, item in zip(msgs, items):
            if item[0]:
                check = what_to_check(item[0], self.full)
                if check is not None:
                    checks[msg.uid] = check
        with self._lock:
            if checks:
                self.checks.setdefault(work, {}).update(checks)
            self.keywords.setdefault(work, set()).update(
                f.lower() for item in items for f in item[1] if not f.startswith("\\"))
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


def refusal_hint(exc):
    """What to do about a refusal, when the server's answer says it."""
    if exc.code == "TOOBIG":
        return " (the message is over the destination's size limit; raise it, or leave such messages out with max_size)"
    if exc.code == "OVERQUOTA":
        return " (the destination mailbox is full: raise its quota)"
    return ""
