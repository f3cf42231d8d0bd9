# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Run many mailbox copies from one process: each copy in a child process of its own, started when the
scheduler (``schedule.py``) says so, its result sent back on a pipe.

Why processes and not threads: one copy already keeps a core busy parsing FETCH responses, and a
child that ends gives its memory back, so the batch's memory is bounded by ``parallel``, not by the
number of mailboxes. Why one batch and not one Ansible task per mailbox: a module run costs about
0.5 CPU-second of Ansible start-up, more than a small mailbox's whole copy.

Each child takes an exclusive lock in its mailbox's ``state_dir`` before it copies, so two copies of
one mailbox never run at once (a copy left running by a killed run holds it until it ends), and asks
the kernel to stop it when the batch process dies, so a killed controller leaves no copy running
unwatched. The copy state makes the next run resume where the stopped one was.

With ``shared_budget_dir``, the batches of one host (one per domain, run by parallel Ansible forks)
keep one ledger there (``ledger.py``): a copy starts only when the copies and connections of every
batch leave room for it, so ``parallel`` and the server budgets bound the host, not each batch.
"""

from __future__ import annotations

import datetime
import fcntl
import json
import multiprocessing
import os
import signal
import threading
import time
from multiprocessing.connection import wait as wait_for_pipes

from ansible_collections.mailwave.migrate.plugins.module_utils._common.files import (
    ensure_private_dir,
    write_private_file,
)
from ansible_collections.mailwave.migrate.plugins.module_utils._imap import ledger as ledger_mod
from ansible_collections.mailwave.migrate.plugins.module_utils._imap import schedule as sched_mod
from ansible_collections.mailwave.migrate.plugins.module_utils._imap.connection import ImapError

LOCK_NAME = ".copy.lock"
SHARED_POLL = 0.25  # seconds between two looks at a shared ledger while a copy waits for room


def _utc(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _die_with_parent():
    """Linux: SIGTERM this process when its parent dies (best effort elsewhere)."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass


class CopyJob:
    """What one child needs: the endpoints, the engine options, and the scheduler's view of it."""

    def __init__(self, job_id, domain, source, destination, options):
        self.source = source
        self.destination = destination
        self.options = dict(options)
        wanted = int(self.options.get("connections") or 4)
        for endpoint in (source, destination):  # a provider's per-account cap (presets), as the engine does
            if endpoint.preset.get("max_connections"):
                wanted = min(wanted, int(endpoint.preset["max_connections"]))
        self.sched = sched_mod.Job(job_id, domain, "%s:%s" % (source.host, source.port),
                                   "%s:%s" % (destination.host, destination.port), wanted)
        self.record = {"id": job_id, "domain": domain, "status": sched_mod.WAITING, "attempts": 0}


def _report_progress(engine, pipe, send_lock, interval, stop):
    """In the child, beside the copy: what it has done so far, to the batch, every interval."""
    while not stop.wait(interval):
        try:
            live = engine.live()
            with send_lock:
                pipe.send(("progress", live, 0.0))
        except (OSError, ValueError, RuntimeError):  # the batch is gone, or the engine is between states
            return


def _child(job, connections, check_mode, pipe, engine_class, interval=None):
    _die_with_parent()
    waited = 0.0
    lock = None
    send_lock = threading.Lock()
    stop = threading.Event()
    reporter = None
    try:
        state_dir = job.options.get("state_dir")
        if state_dir:
            ensure_private_dir(state_dir)
            lock = open(os.path.join(state_dir, LOCK_NAME), "a")  # pylint: disable=consider-using-with
            started = time.monotonic()
            fcntl.flock(lock, fcntl.LOCK_EX)  # another copy of this box (a killed run's) may hold it
            waited = time.monotonic() - started
        options = dict(job.options, connections=connections)
        engine = engine_class(job.source, job.destination, options, check_mode=check_mode)
        if interval and hasattr(engine, "live"):
            reporter = threading.Thread(target=_report_progress, args=(engine, pipe, send_lock, interval, stop),
                                        daemon=True)
            reporter.start()
        result = engine.run()
        stop.set()
        with send_lock:
            pipe.send(("ok", result, waited))
    except ImapError as exc:
        stop.set()
        with send_lock:
            pipe.send(("error", {"kind": exc.kind, "msg": str(exc), "backoff": exc.backoff}, waited))
    except Exception as exc:  # noqa: BLE001 - reported per box, never a traceback
        stop.set()
        text = job.source.redact(job.destination.redact("%s: %s" % (type(exc).__name__, exc)))
        with send_lock:
            pipe.send(("error", {"kind": "internal", "msg": "imap_sync failed unexpectedly: " + text}, waited))
    finally:
        stop.set()
        if reporter is not None:
            reporter.join(5)
        pipe.close()
        if lock is not None:
            lock.close()


def _progress_entry(live, seconds):
    """A running copy's line in the progress file: what it did of what it knows of, its rate and ETA."""
    entry = dict(live, seconds=round(seconds, 1))
    rate = live["bytes"] / seconds if seconds > 0 else 0.0
    entry["bytes_per_second"] = int(rate)
    left = live["bytes_total"] - live["bytes"]
    entry["eta_seconds"] = int(left / rate) if rate > 0 and live.get("phase") == "copying" else None
    return entry


def copy_end(outcome, payload):
    """What one copy's end makes of its record (no I/O): (fields for the record, the scheduler's error kind, its
    backoff, paused). The error kind is None for a copy that is done; paused is set here, where the provider's
    day limit is seen: the copy ended there without errors, it is done for this run (not failed) and a later
    run goes on."""
    if outcome != "ok":
        return {"msg": payload["msg"], "error_kind": payload["kind"]}, payload["kind"], payload.get("backoff"), False
    fields, kind, paused = {"result": payload}, None, False
    if payload.get("paused") and not (payload.get("totals") or {}).get("errors"):
        fields["msg"], paused = payload.get("verdict"), True  # the provider's day limit: ends here, a later run goes on
    elif not payload.get("complete"):
        fields["msg"], kind = payload.get("verdict"), "incomplete"
    return fields, kind, None, paused


class BatchRunner:
    def __init__(self, jobs, parallel=4, server_connections=40, server_limits=None, max_attempts=3,
                 check_mode=False, progress_file=None, progress_interval=2.0, engine_class=None,
                 clock=time.monotonic, wall=time.time, shared_budget_dir=None, progress_token=None):
        if engine_class is None:
            from ansible_collections.mailwave.migrate.plugins.module_utils._imap.engine import SyncEngine
            engine_class = SyncEngine
        self.jobs = list(jobs)
        self.by_id = {job.sched.id: job for job in self.jobs}
        self.scheduler = sched_mod.Scheduler([job.sched for job in self.jobs], parallel, server_connections,
                                             server_limits, max_attempts)
        self.check_mode = check_mode
        self.progress_file = progress_file
        self.progress_interval = progress_interval
        self.progress_token = progress_token  # names this batch in its progress file (imap_sync_wait shows only its own)
        self.engine_class = engine_class
        self.clock = clock
        self.wall = wall
        self.started = wall()
        self.peak_running = 0
        self._running = {}  # pipe -> (job, process, started monotonic)
        self._context = multiprocessing.get_context("fork")
        self.ledger = ledger_mod.Ledger(shared_budget_dir) if shared_budget_dir else None
        self.pid = os.getpid()
        self.pid_start = ledger_mod.process_start(self.pid)

    def run(self):
        """Copy every job; return their records in the order given."""
        last_progress = None
        try:
            while not self.scheduler.finished():
                now = self.clock()
                self._admit(now)
                self.peak_running = max(self.peak_running, len(self._running))
                if last_progress is None or now - last_progress >= self.progress_interval:
                    self._write_progress()
                    last_progress = now
                self._collect(self._wait_time(now))
        finally:
            self._stop_all()
        self._write_progress()
        return [job.record for job in self.jobs]

    def _admit(self, now):
        """Start every copy there is room for: in this batch, or in the host's shared ledger."""
        if self.ledger is None:
            while True:
                nxt = self.scheduler.next_job(now)
                if nxt is None:
                    return
                self._start(self.by_id[nxt.id], now)
        if not self.scheduler.has_ready(now):
            return
        with self.ledger.locked() as holders:
            holders[:] = sched_mod.live_holders(holders, ledger_mod.is_alive)
            others = sched_mod.held_by_others(holders, self.pid)
            while True:
                nxt = self.scheduler.next_job(now, others)
                if nxt is None:
                    return
                process = self._start(self.by_id[nxt.id], now)
                entry = {"pid": self.pid, "start": self.pid_start, "job": nxt.id,
                         "child": process.pid, "child_start": ledger_mod.process_start(process.pid),
                         "servers": sched_mod.demand_of(nxt)}
                holders.append(entry)
                self.ledger.log_start(entry, holders)

    def _release(self, job_ids):
        """Give the shared ledger back the room of these ended copies."""
        if self.ledger is None or not job_ids:
            return
        with self.ledger.locked() as holders:
            holders[:] = [entry for entry in holders
                          if not (entry.get("pid") == self.pid and entry.get("job") in job_ids)]

    def _wait_time(self, now):
        """Until a copy ends, a waiting copy is due, or the progress file is due, whichever comes first."""
        wake = self.scheduler.next_wake(now)
        wait = min(self.progress_interval, (wake - now) if wake is not None else self.progress_interval)
        if self.ledger is not None and self.scheduler.has_ready(now):
            wait = min(wait, SHARED_POLL)  # another batch may end a copy: nothing would wake us
        return max(0.05, wait)

    def _start(self, job, now):
        parent_end, child_end = self._context.Pipe(duplex=False)
        child_args = (job, job.sched.connections, self.check_mode, child_end, self.engine_class,
                      self.progress_interval if self.progress_file else None)
        process = self._context.Process(target=_child, args=child_args, daemon=True)
        process.start()
        child_end.close()
        job.record.update(status=sched_mod.RUNNING, attempts=job.sched.attempts,
                          connections=job.sched.connections, started_at=_utc(self.wall()))
        job.record.setdefault("first_started_at", job.record["started_at"])
        self._running[parent_end] = (job, process, now)
        return process

    def _collect(self, timeout):
        if not self._running:
            time.sleep(timeout)
            return
        ended = []
        for pipe in wait_for_pipes(list(self._running), timeout=timeout):
            job, process, started = self._running[pipe]
            try:
                outcome, payload, waited = pipe.recv()
                if outcome == "progress":
                    job.record["progress"] = _progress_entry(payload, self.clock() - started)
                    continue
            except (EOFError, OSError):
                process.join(5)
                outcome, payload, waited = "error", {
                    "kind": "internal", "msg": "the copy process ended without a result (exit code %s)"
                                               % process.exitcode}, 0.0
            del self._running[pipe]
            ended.append(job)
            pipe.close()
            process.join(30)
            job.record.pop("progress", None)
            self._finish(job, outcome, payload, waited, self.clock() - started)
        self._release({job.sched.id for job in ended})

    def _finish(self, job, outcome, payload, waited, seconds):
        record = job.record
        record.update(finished_at=_utc(self.wall()), seconds=round(seconds, 3), lock_wait=round(waited, 3))
        fields, kind, backoff, paused = copy_end(outcome, payload)
        if outcome == "ok":
            record.pop("msg", None)
            record.pop("error_kind", None)
        record.update(fields)
        state = self.scheduler.finish(job.sched, self.clock(), error_kind=kind, backoff=backoff,
                                      message=record.get("msg"))
        record["status"] = "paused" if paused else state
        if state == sched_mod.WAITING:
            record["retry_at"] = _utc(self.wall() + max(0.0, job.sched.not_before - self.clock()))
        else:
            record.pop("retry_at", None)

    def _stop_all(self):
        """On an error or interruption of the batch itself: stop the children (their state is journalled)."""
        for job, process, _started in list(self._running.values()):
            if process.is_alive():
                process.terminate()
            process.join(30)
            job.record.update(status=sched_mod.FAILED, msg="stopped: the batch was interrupted")
        self._release({job.sched.id for job, _process, _started in self._running.values()})
        self._running.clear()

    def progress(self):
        """The batch's live state: counts, MB copied, rate, and one entry per box."""
        counts = self.scheduler.counts()
        copied = sum(int(((job.record.get("result") or {}).get("totals") or {}).get("bytes") or 0)
                     + int((job.record.get("progress") or {}).get("bytes") or 0) for job in self.jobs)
        elapsed = max(self.wall() - self.started, 1e-6)
        line = "%d/%d mailboxes done, %d running, %d waiting, %d failed; %.1f MB copied, %.2f MB/s" % (
            counts["done"], len(self.jobs), counts["running"], counts["waiting"], counts["failed"],
            copied / 1e6, copied / 1e6 / elapsed)
        return {"updated": _utc(self.wall()), "token": self.progress_token, "summary": line, "counts": counts,
                "bytes": copied,
                "elapsed": round(elapsed, 1),
                "boxes": {job.sched.id: {k: v for k, v in job.record.items() if k != "result"}
                          for job in self.jobs}}

    def _write_progress(self):
        if self.progress_file:
            ensure_private_dir(os.path.dirname(os.path.abspath(self.progress_file)))
            write_private_file(self.progress_file, json.dumps(self.progress(), indent=1, sort_keys=True) + "\n")
