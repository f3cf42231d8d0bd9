# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""The IMAP copy engine behind imap_sync: imapsync semantics, parallel, resumable, verified.

Per run: LIST both accounts, plan the folder pairs (folders.plan), then per pair:

1. *Look*: STATUS both sides. With a state map whose UIDVALIDITYs and recorded statuses still match,
   the pair is unchanged and costs nothing more. Otherwise read sizes, flags, dates of both sides and
   the identity headers of every message the UID map does not already pair up, and match source to
   destination as a MULTISET of identity keys (two identical messages on the source and one on the
   destination: one is copied).
2. *Copy*: batches (<= 50 messages, <= 8 MB) go to K workers, each with its own source and destination
   connection: one UID FETCH of bodies read straight off the socket (wire.py), one MULTIAPPEND with
   LITERAL+. A batch counts as done only when the destination confirms it (APPENDUID) and is journalled
   in the state at once. A dropped connection or refused SELECT (normal under parallel load) costs a
   reconnect; the pair is then looked at again (round 2, 3 ...) and only what is still missing is sent.
3. *Finish*: flag re-sync, delete2 / delete2duplicates on the destination, VERIFY every copied message
   (size, flags, INTERNALDATE on the destination), delete1 on the source (only what is verified present),
   record the new statuses.

Check mode runs step 1 only and reports what would be done; it writes nothing anywhere.
"""

from __future__ import annotations

import collections
import gc
import queue
import threading
import time

from ansible_collections.mailwave.migrate.plugins.module_utils._imap import connection as conn
from ansible_collections.mailwave.migrate.plugins.module_utils._imap import planner
from ansible_collections.mailwave.migrate.plugins.module_utils._imap import wire as wire_mod
from ansible_collections.mailwave.migrate.plugins.module_utils._imap.state import SyncState
from ansible_collections.mailwave.migrate.plugins.module_utils._imap.planner import (  # noqa: F401 - re-exported
    FlagFilter,
    Msg,
    flagset as _flagset,
    internaldate_epoch,
)
from ansible_collections.mailwave.migrate.plugins.module_utils._imap.throttle import Throttle

BATCH_MESSAGES = 50
BATCH_BYTES = 8 * 1024 * 1024
STREAM_THRESHOLD = 4 * 1024 * 1024  # bigger messages are piped through, never held whole in memory
MEMORY_BUDGET = 24 * 1024 * 1024  # message bytes held by all workers at once (a bigger message runs alone)
MAX_ROUNDS = 6
MAX_ERRORS_LISTED = 500
META_ITEMS = "UID RFC822.SIZE FLAGS INTERNALDATE"
COUNTERS = ("source_messages", "source_selected", "destination_messages_before", "destination_messages_after",
            "copied", "skipped", "source_duplicates", "cross_duplicates", "filtered", "flags_updated",
            "deleted_source", "deleted_destination", "missing", "errors", "bytes")


def _b(text):
    return text if isinstance(text, bytes) else str(text).encode("utf-8")


def _s(data):
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)


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
        for client in (self.src, self.dst):
            if client is not None:
                conn.close_quietly(client)
        self.src = self.dst = None


class SyncEngine:
    """Run one source account -> destination account sync. ``run()`` returns the result dict."""

    def __init__(self, source, destination, options=None, check_mode=False, connect=conn.connect, folders=None,
                 identity=None, log=None):
        self.source = source            # connection.Endpoint
        self.destination = destination  # connection.Endpoint
        self.opts = dict(options or {})
        self.check_mode = check_mode
        self._connect = connect
        if folders is None:
            from ansible_collections.mailwave.migrate.plugins.module_utils._imap import folders
        if identity is None:
            from ansible_collections.mailwave.migrate.plugins.module_utils._imap import identity
        self.folders = folders
        self.identity = identity
        self.log = log or (lambda msg: None)
        self.errors = []
        self.error_count = 0
        self.reconnections = 0
        self.warnings = []
        self.created_folders = []
        self.subscribed_folders = []
        self._lock = threading.Lock()
        self.state = None
        self.fatal = None
        self.budget = ByteBudget(MEMORY_BUDGET)
        self.throttle = Throttle(self._opt("max_bytes_per_second"), self._opt("max_messages_per_second"))
        self.plan_options = planner.PlanOptions(
            max_size=self._max_size(), resync_flags=self.opts.get("resync_flags", True),
            delete1=self.opts.get("delete1"), delete2=self.opts.get("delete2"),
            delete2duplicates=self.opts.get("delete2duplicates"))
        self.signature = planner.plan_signature(
            self.opts.get("max_age"), self.opts.get("min_age"), self._max_size(), self.opts.get("delete2"),
            self.opts.get("delete2duplicates"), self._opt("skip_cross_duplicates", False))

    # ------------------------------------------------------------------ options
    def _opt(self, name, default=None):
        """An option, else the source then destination preset's value, else default."""
        value = self.opts.get(name)
        if value is not None:
            return value
        for endpoint in (self.source, self.destination):
            if endpoint.preset.get(name) is not None:
                return endpoint.preset[name]
        return default

    def connect(self, role):
        endpoint = self.source if role == "source" else self.destination
        return conn.call_with_retry(lambda: self._connect(endpoint), endpoint, attempts=3)

    def error(self, work, message, uid=None, key=None, size=None):
        with self._lock:
            self.error_count += 1
            if work is not None:
                work.stats["errors"] += 1
            if len(self.errors) < MAX_ERRORS_LISTED:
                self.errors.append({"folder": work.src if work is not None else None, "uid": uid, "key": key,
                                    "size": size, "message": self.source.redact(self.destination.redact(message))})

    # ------------------------------------------------------------------ run
    def run(self):
        started = time.monotonic()
        gc_was_enabled = gc.isenabled()
        gc.disable()
        sessions = []
        opener = None
        try:
            self._check_options()
            if self.opts.get("state_dir"):
                src_id = "%s@%s:%s" % (self.source.user, self.source.host, self.source.port)
                dst_id = "%s@%s:%s" % (self.destination.user, self.destination.host, self.destination.port)
                self.state = SyncState(self.opts["state_dir"], src_id, dst_id).load()
            main = Session(self)
            sessions.append(main)
            main.ensure()  # wrong password, untrusted certificate ...: fail here, once, clearly
            extra = [Session(self) for _index in range(self._workers() - 1)]
            sessions.extend(extra)
            quick = self.state is not None and bool(self.state.pairs)
            if not quick:
                # a first copy: the other workers log in while the folders are listed and planned
                opener = threading.Thread(target=self._open_sessions, args=(extra,), daemon=True)
                opener.start()
            plan, works, todo = self._survey(main, quick)
            if opener is not None:
                opener.join()
                opener = None
            self._parallel(sessions, todo, self._look_first)
            self._cross_duplicates(sessions, works)
            if not self.check_mode:
                self._copy_rounds(works, sessions)
                self._parallel(sessions, [w for w in works if not w.stats["unchanged"]], self._finish_in)
            else:
                self._predict(works)
            result = self._result(works, plan, started)
            if self.state is not None and not self.check_mode:
                self.state.save()
            return result
        finally:
            if opener is not None:
                opener.join()
            if self.state is not None:
                self.state.close()
            for session in sessions:
                session.close()
            if gc_was_enabled:
                gc.enable()

    def _survey(self, main, quick, attempts=3):
        """List, plan, create folders and read every STATUS on the main session: (plan, works, to look at).

        Every step can be redone, so a connection the server drops here (Dovecot's lock panics under
        concurrent logins, a provider's BYE) costs a reconnection, not the run.
        """
        warnings_before = len(self.warnings)

        def survey():
            main.ensure()
            plan, src_listing, dst_listing = self._plan(main.src, main.dst)
            works = [PairWork(s, d) for s, d in plan.pairs]
            self._prepare_folders(main, works, src_listing, dst_listing)
            # every folder's STATUS in one pipelined round trip per side, on one connection (Dovecot may
            # panic when parallel connections make it create its lazy special-use folders at once)
            self._prefetch_status(main, works)
            todo = works
            if quick:
                # with a state, most pairs of a re-run are unchanged: the other workers only log in when
                # there is something to do
                todo = [w for w in works if not self._look(main.src, main.dst, w, first=True, quick=True)]
                for work in todo:
                    if work.src_status is not None and work.pre_dst_status is not None:
                        work.pre_status = (work.src_status, work.pre_dst_status)
            return plan, works, todo

        def start_again(err, attempt):
            self.log("survey attempt %d failed: %s" % (attempt, err))
            main.drop()
            del self.warnings[warnings_before:]
            with self._lock:
                self.reconnections += 1

        return conn.call_with_retry(survey, self.source, attempts=attempts, base_delay=0.2, on_retry=start_again)

    def _prefetch_status(self, session, works):
        items = ["MESSAGES", "UIDNEXT", "UIDVALIDITY"]
        src_items = items + (["HIGHESTMODSEQ"] if session.src.has_capability("CONDSTORE") else [])
        dst_items = items + (["HIGHESTMODSEQ"] if session.dst.has_capability("CONDSTORE") else [])
        src_status, dst_status = both(
            lambda: self._on(self.source, "reading the folders of", wire_mod.status_many, session.src_wire,
                             [w.src for w in works], src_items),
            lambda: self._on(self.destination, "reading the folders of", wire_mod.status_many, session.dst_wire,
                             [w.dst for w in works if w.dst_exists], dst_items))
        for work in works:
            s_st = src_status.get(work.src)
            d_st = dst_status.get(work.dst, {}) if work.dst_exists else {}
            if s_st is None or d_st is None:
                continue  # refused: the look reads it again (and reports the server's words)
            work.pre_status = (s_st, d_st)
            work.pre_dst_status = d_st

    def _look_first(self, session, work):
        self._look(session.src, session.dst, work, first=True)

    def _look_again(self, session, work):
        self._look(session.src, session.dst, work)

    def _finish_in(self, session, work):
        self._finish_pair(session.src, session.dst, work)

    def _open_sessions(self, sessions):
        threads = [threading.Thread(target=self._open_one, args=(session,), daemon=True) for session in sessions]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    @staticmethod
    def _open_one(session):
        try:
            session.ensure()
        except Exception:  # noqa: BLE001 - that worker retries when it gets work
            session.drop()

    def _parallel(self, sessions, items, func, attempts=3):
        """Run func(session, item) for every item, spread over the sessions; retry on fresh connections."""
        if not items:
            return
        tasks = queue.Queue()
        for item in items:
            tasks.put(item)
        failures = []

        def loop(session):
            while not failures:
                try:
                    item = tasks.get_nowait()
                except queue.Empty:
                    return
                for attempt in range(1, attempts + 1):
                    try:
                        session.ensure()
                        session.src_selected = None
                        func(session, item)
                        break
                    except Exception as exc:  # noqa: BLE001 - classified below
                        err = exc if isinstance(exc, conn.ImapError) else conn.translate_error(exc, self.destination)
                        session.drop()
                        self.log("attempt %d on %r failed: %s" % (attempt, getattr(item, "src", item), err))
                        if err.kind in ("auth", "tls", "config") or attempt == attempts:
                            failures.append(err)
                            return
                        with self._lock:
                            self.reconnections += 1
                        time.sleep(min(err.backoff, 600.0) if err.backoff else 0.2 * attempt)

        threads = [threading.Thread(target=loop, args=(session,), daemon=True)
                   for session in sessions[:max(1, min(len(sessions), len(items)))]]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if failures:
            raise failures[0]

    def _check_options(self):
        if self.opts.get("delete1") and self.opts.get("delete2"):
            raise conn.ImapError("delete1 and delete2 together are refused (imapsync refuses them too): the source "
                                 "would be emptied while the destination mirrors it; run delete2 first, then delete1",
                                 kind="config")
        if self.opts.get("delete1") and not self.opts.get("delete1_confirm") and not self.check_mode:
            raise conn.ImapError("delete1 deletes messages on the source once they are verified on the destination; "
                                 "set delete1_confirm=true to confirm (or run in check mode to see what it would "
                                 "delete)", kind="config")

    # ------------------------------------------------------------------ planning
    @staticmethod
    def _on(endpoint, doing, func, *args):
        """func(*args), its failure named after the server it talked to."""
        try:
            return func(*args)
        except Exception as exc:  # noqa: BLE001 - translated for the user
            raise conn.translate_error(exc, endpoint, doing=doing)

    def _plan(self, main_src, main_dst):
        src_listing, dst_listing = both(
            lambda: self._on(self.source, "listing folders of", self.folders.list_folders, main_src),
            lambda: self._on(self.destination, "listing folders of", self.folders.list_folders, main_dst))
        exclude = list(self.opts.get("folders_exclude") or [])
        exclude += list(self.source.preset.get("folders_exclude") or [])
        try:
            plan = self.folders.plan(
                src_listing, dst_listing,
                include=self.opts.get("folders_include") or None,
                exclude=exclude or None,
                folder_map=self.opts.get("folder_map") or None,
                automap=bool(self._opt("automap", False)),
                subfolder=self.opts.get("subfolder") or None,
                exclude_special_use=self.source.preset.get("exclude_special_use"),
                strip_prefixes=self.source.preset.get("strip_prefixes"))
        except ValueError as exc:
            raise conn.ImapError("folder plan: %s" % exc, kind="config")
        self.warnings.extend(getattr(plan, "warnings", []) or [])
        return plan, src_listing, dst_listing

    def _prepare_folders(self, main, works, src_listing, dst_listing):
        """CREATE missing destination folders and SUBSCRIBE, all pipelined in one round trip."""
        subscribe_all = bool(self.opts.get("subscribe_all"))
        creates, subscribes = [], []
        for work in works:
            exists = work.dst in dst_listing
            work.dst_exists = exists
            src_folder = src_listing.get(work.src)
            dst_folder = dst_listing.get(work.dst)
            want_sub = subscribe_all or bool(src_folder is not None and src_folder.subscribed)
            is_sub = bool(dst_folder is not None and dst_folder.subscribed)
            # a survey redone after a dropped connection may find what its first attempt created
            work.stats["created"] = work.dst in self.created_folders
            if not exists:
                work.stats["created"] = True
                if work.dst not in self.created_folders:
                    self.created_folders.append(work.dst)
                creates.append(work)
            if want_sub and not is_sub:
                if work.dst not in self.subscribed_folders:
                    self.subscribed_folders.append(work.dst)
                subscribes.append(work.dst)
        if self.check_mode or not (creates or subscribes):
            return
        commands = [("CREATE", w.dst) for w in creates] + [("SUBSCRIBE", name) for name in subscribes]
        try:
            answers = wire_mod.simple_many(main.dst_wire, commands)
        except Exception as exc:  # noqa: BLE001
            raise conn.translate_error(exc, self.destination, doing="creating folders on")
        for work, answer in zip(creates, answers[:len(creates)]):
            if answer is not None and not main.dst.folder_exists(work.dst):
                raise conn.ImapError("cannot create folder %r on the destination: %s"
                                     % (work.dst, self.destination.redact(answer)))
            work.dst_exists = True
        for name, answer in zip(subscribes, answers[len(creates):]):
            if answer is not None:  # a missing subscription is not worth failing for
                self.warnings.append("cannot subscribe to %r on the destination: %s"
                                     % (name, self.destination.redact(answer)))

    # ------------------------------------------------------------------ look at one pair
    def _status(self, client, folder):
        what = ["MESSAGES", "UIDNEXT", "UIDVALIDITY"]
        if client.has_capability("CONDSTORE"):
            what.append("HIGHESTMODSEQ")
        status = client.folder_status(folder, what)
        return {_s(k).upper(): int(v) for k, v in status.items()}

    @staticmethod
    def _read_metas(wire):
        """{uid: Msg} (size, flags, INTERNALDATE; no key yet) of the selected folder."""
        msgs = {}
        for data in wire.fetch_list("1:*", META_ITEMS):
            uid = data.get("UID")
            if uid is not None:
                msgs[uid] = Msg(uid, data.get("RFC822.SIZE", 0), tuple(_s(f) for f in data.get("FLAGS", ())),
                                data.get("INTERNALDATE"))
        return msgs

    def _age_window(self, client):
        """UIDs of the selected folder inside the max_age / min_age window (None: no window), by SEARCH."""
        criteria = planner.age_criteria(self.opts.get("max_age"), self.opts.get("min_age"))
        if criteria is None:
            return None
        return set(client.search(criteria))

    def _unchanged(self, pstate, src_status, dst_status):
        """The state's shortcut: both statuses as recorded, by a run whose plan covers this one's."""
        recorded = dict(pstate.dst_status or {})
        signature = recorded.pop(planner.PLAN_MARK, None)
        return (bool(pstate.src_status) and bool(recorded) and pstate.src_status == src_status
                and recorded == dst_status and planner.shortcut_allowed(signature, self.signature))

    def _look(self, src, dst, work, first=False, quick=False):
        """Status, match, plan the copy of one pair (see module docstring, step 1).

        With quick=True only the statuses are read: returns True when the state says the pair is unchanged.
        """
        stats = work.stats
        pre, work.pre_status = work.pre_status, None
        if pre is not None:
            src_status, dst_status = pre
        else:
            try:
                src_status = self._status(src, work.src)
            except Exception as exc:  # noqa: BLE001
                raise conn.translate_error(exc, self.source, doing="reading folder %r of" % work.src)
            dst_status = self._status(dst, work.dst) if work.dst_exists else {}
        work.src_status = src_status
        work.src_uidvalidity = src_status.get("UIDVALIDITY")
        work.dst_uidvalidity = dst_status.get("UIDVALIDITY")
        if first:
            stats["source_messages"] = src_status.get("MESSAGES", 0)
            stats["destination_messages_before"] = dst_status.get("MESSAGES", 0)
        pstate = None
        if self.state is not None and work.dst_exists:
            pstate = self.state.get(work.src, work.dst)
            if pstate is not None and not pstate.valid_for(work.src_uidvalidity, work.dst_uidvalidity):
                pstate = None
            if pstate is None and not self.check_mode:
                pstate = self.state.reset_pair(work.src, work.dst, work.src_uidvalidity, work.dst_uidvalidity)
        work.pstate = pstate
        age_or_size = self.opts.get("max_age") or self.opts.get("min_age") or self._max_size()
        # A flags-only change moves no STATUS item but HIGHESTMODSEQ: without CONDSTORE on the source, the
        # flags must be read again (one FETCH FLAGS pass) before a pair can be called unchanged.
        flags_visible = "HIGHESTMODSEQ" in src_status or not self.opts.get("resync_flags", True)
        if (first and pstate is not None and flags_visible and self._unchanged(pstate, src_status, dst_status)
                and not self.opts.get("delete1")):
            stats["unchanged"] = True
            stats["source_selected"] = len(pstate.map) if age_or_size else src_status.get("MESSAGES", 0)
            stats["skipped"] = stats["source_selected"]
            stats["destination_messages_after"] = dst_status.get("MESSAGES", 0)
            return True
        if quick:
            return False
        mapped = dict(pstate.map) if pstate is not None else {}

        # source side (read-only)
        src.select_folder(work.src, readonly=True)
        src_wire = wire_mod.Wire(src)
        src_all = self._read_metas(src_wire)
        src_window = self._age_window(src)

        # destination side: the same window (imapsync runs the same SEARCH on both sides)
        dst_all, dst_window, dst_wire = {}, None, None
        if work.dst_exists:
            # SELECT (not EXAMINE) for PERMANENTFLAGS, which a read-only mailbox reports empty; SELECT writes nothing
            info = dst.select_folder(work.dst, readonly=self.check_mode)
            work.flag_filter = FlagFilter(info.get(b"PERMANENTFLAGS"))
            dst_wire = wire_mod.Wire(dst)
            dst_all = self._read_metas(dst_wire)
            dst_window = self._age_window(dst)
        src_need, dst_need = planner.keys_needed(src_all, dst_all, mapped, src_window, dst_window,
                                                 always_source=bool(self._opt("skip_cross_duplicates", False)),
                                                 duplicates=self.plan_options.delete2duplicates)
        if dst_wire is not None:
            self._fill_keys(dst_wire, dst_all, dst_need)
        self._fill_keys(src_wire, src_all, src_need)
        plan = planner.plan_pair(src_all, dst_all, self.plan_options, mapped, src_window, dst_window,
                                 work.flag_filter)
        selected = plan.selected
        work.src_msgs = selected
        if first:
            stats["filtered"] = plan.filtered
            stats["source_selected"] = len(selected)
        if pstate is not None and not self.check_mode and plan.newly_matched:
            self.state.record(pstate, plan.newly_matched)
        matched = plan.matched
        to_copy = plan.to_copy
        if first:
            stats["source_duplicates"] = plan.source_duplicates
            stats["skipped"] = len(matched)
            work.pending = {m.uid for m in to_copy}
        else:
            # a later round: what was pending and is now found on the destination did arrive
            still = {m.uid for m in to_copy}
            for uid in list(work.pending):
                if uid not in still and uid in matched:
                    work.pending.discard(uid)
                    with work.lock:
                        if uid not in work.copied:
                            work.copied[uid] = matched[uid].uid
                            stats["copied"] += 1
                            stats["bytes"] += selected[uid].size
            to_copy = [m for m in to_copy if m.uid in work.pending]
            with work.lock:
                for uid, duid in list(work.copied.items()):
                    if duid is None and uid in matched:
                        work.copied[uid] = matched[uid].uid  # no APPENDUID: found by identity, verified below
        work.matched = matched
        work.to_copy = to_copy
        work.delete_destination = plan.delete_destination
        work.flag_updates = plan.flag_updates
        work.flag_differences = plan.flag_differences

    def _cross_duplicates(self, sessions, works):
        """skip_cross_duplicates: drop from the copy what an earlier folder pair (folder_order) already holds.

        The keys of every earlier pair are needed, also of pairs the state marks unchanged and of messages
        the UID map pairs up (their keys were not read): read them only when a later pair has something to copy.
        """
        if not self._opt("skip_cross_duplicates", False):
            return
        ordered = sorted(works, key=lambda w: planner.folder_order(w.src))
        last = max([i for i, w in enumerate(ordered) if w.to_copy] or [-1])
        incomplete = [w for w in ordered[:max(last, 0)]
                      if w.cross_keys is None and (w.stats["unchanged"]
                                                   or any(m.key is None for m in w.src_msgs.values()))]
        self._parallel(sessions, incomplete, self._complete_keys)
        decided = planner.skip_cross_duplicates(
            [(w.to_copy, w.cross_keys if w.cross_keys is not None else [m.key for m in w.src_msgs.values()])
             for w in ordered])
        for work, (kept, skipped) in zip(ordered, decided):
            kept_uids = {m.uid for m in kept}
            for msg in work.to_copy:
                if msg.uid not in kept_uids:
                    work.pending.discard(msg.uid)
                    work.cross_skipped.add(msg.uid)
            work.stats["cross_duplicates"] += skipped
            work.to_copy = kept

    def _complete_keys(self, session, work):
        """The keys of all selected source messages of a pair (for skip_cross_duplicates), into work.cross_keys."""
        session.src.select_folder(work.src, readonly=True)
        wire = wire_mod.Wire(session.src)
        if work.stats["unchanged"]:
            listing = self._read_metas(wire)
            window = self._age_window(session.src)
            max_size = self._max_size()
            msgs = {u: m for u, m in listing.items()
                    if (window is None or u in window) and not (max_size and m.size >= max_size)}
        else:
            msgs = work.src_msgs
        self._fill_keys(wire, msgs, {u for u, m in msgs.items() if m.key is None})
        work.cross_keys = [m.key for m in msgs.values()]

    def _fill_keys(self, wire, msgs, uids):
        if not uids:
            return
        header_item = _s(self.identity.HEADER_FETCH_ITEM)
        need = sorted(uids)
        for start in range(0, len(need), 5000):
            for data in wire.fetch_list(need[start:start + 5000], "UID " + header_item):
                msg = msgs.get(data.get("UID"))
                if msg is not None:
                    msg.key = self.identity.message_key(data.get("HEADER", b""), msg.size,
                                                        internaldate_epoch(msg.date))

    def _max_size(self):
        value = self.opts.get("max_size")
        if value is None:
            value = self.destination.preset.get("max_message_size")
        return int(value) if value else 0

    # ------------------------------------------------------------------ copy
    def _batches(self, work):
        # under a rate limit, smaller batches keep the rate smooth (O365's 4 messages/s: 4 per batch)
        max_msgs, max_bytes = BATCH_MESSAGES, BATCH_BYTES
        if self.throttle.max_mps:
            max_msgs = min(max_msgs, max(1, int(self.throttle.max_mps)))
        if self.throttle.max_bps:
            max_bytes = min(max_bytes, max(262144, int(self.throttle.max_bps)))
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

    def _workers(self):
        wanted = int(self.opts.get("connections") or 4)
        for endpoint in (self.source, self.destination):
            cap = endpoint.preset.get("max_connections")
            if cap:
                wanted = min(wanted, int(cap))
        return max(1, wanted)

    def _copy_rounds(self, works, sessions):
        for round_no in range(1, MAX_ROUNDS + 1):
            tasks = FolderQueue()
            for work in works:
                work.recheck = work.needs_look = False
                for batch in self._batches(work):
                    tasks.put(work, batch)
            total = tasks.total
            if not total:
                break
            self.log("round %d: %d batches" % (round_no, total))
            threads = [threading.Thread(target=self._worker, args=(tasks, session), daemon=True)
                       for session in sessions[:min(len(sessions), total)]]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            if self.fatal is not None:
                raise self.fatal
            rework = [w for w in works if w.recheck or w.needs_look]
            for work in works:
                work.to_copy = []
            if not rework:
                break
            self._parallel(sessions, rework, self._look_again)
            if round_no == MAX_ROUNDS:
                for work in rework:
                    for msg in work.to_copy:
                        self.error(work, "not copied after %d attempts (connection problems)" % MAX_ROUNDS,
                                   uid=msg.uid, key=msg.key, size=msg.size)

    def _worker(self, tasks, session):
        """Copy batches; the APPEND of one batch overlaps with the FETCH of the next (LITERAL+ servers)."""
        inflight = None  # the batch whose APPEND was sent and not yet answered
        work = None
        while True:
            try:
                work, batch = tasks.take(work)
            except queue.Empty:
                work = batch = None
            if work is not None and (work.recheck or self.fatal is not None):
                continue  # this pair is looked at again after this round anyway
            current = landing = None
            try:
                if work is None:
                    if inflight is not None:
                        self._land(session, inflight)
                    return
                # Never wait for memory while this worker's own APPEND holds some: land it first.
                current = self._hold(work, batch, blocking=inflight is None)
                if current is None:
                    inflight, landing = None, inflight
                    self._land(session, landing)
                    current = self._hold(work, batch)
                session.ensure()
                if len(batch) == 1 and batch[0].size > STREAM_THRESHOLD and session.dst_wire.literal_plus:
                    if inflight is not None:
                        inflight, landing = None, inflight
                        self._land(session, landing)
                    self._select_source(session, work)
                    self._stream_one(session, work, batch[0])
                    continue
                present, items = self._fetch_batch(session, work, batch)
                if inflight is not None:
                    inflight, landing = None, inflight
                    self._land(session, landing)
                if not present:
                    continue
                current["present"], current["items"] = present, items
                self.throttle.account(sum(len(i[0]) for i in items), len(items))
                dst_wire = session.dst_wire
                if dst_wire.literal_plus and (len(items) == 1 or dst_wire.multiappend):
                    current["tag"] = dst_wire.append_send(work.dst, items)
                    inflight, current = current, None
                else:
                    self._append_each(session, work, present, items)
            except Exception as exc:  # noqa: BLE001 - dropped connection, SELECT refused ...: recheck later
                trouble = work
                for held in (inflight, landing):
                    if held is not None and not held["released"]:
                        held["work"].recheck = True  # its APPEND may or may not have landed: look again
                        trouble = trouble or held["work"]
                        self._release(held)
                inflight = None
                if trouble is not None:
                    self._connection_trouble(session, trouble, exc)
                if work is None:
                    return
            finally:
                if current is not None:
                    self._release(current)

    def _hold(self, work, batch, blocking=True):
        """Reserve the batch's bytes in the memory budget; None when blocking=False and there is no room."""
        nbytes = sum(m.size for m in batch)
        if len(batch) == 1 and nbytes > STREAM_THRESHOLD:
            nbytes = 2 * 1048576  # streamed by chunks
        if not self.budget.acquire(nbytes, blocking=blocking):
            return None
        return {"work": work, "nbytes": nbytes, "released": False, "present": None, "items": None, "tag": None}

    def _release(self, held):
        if not held["released"]:
            held["released"] = True
            held["items"] = held["present"] = None
            self.budget.release(held["nbytes"])

    def _land(self, session, held):
        """Read the answer of an APPEND sent earlier; on NO, append its messages one by one."""
        work, present, items = held["work"], held["present"], held["items"]
        try:
            uids = session.dst_wire.append_finish(held["tag"], len(items))
        except wire_mod.CommandFailed as exc:
            self._raise_if_throttled(exc)
            self._append_each(session, work, present, items)
        else:
            self._confirm(work, present, items, uids)
        self._release(held)

    def _select_source(self, session, work):
        if session.src_selected != work.src:
            session.src.select_folder(work.src, readonly=True)
            session.src_selected = work.src

    def _connection_trouble(self, session, work, exc):
        err = exc if isinstance(exc, conn.ImapError) else conn.translate_error(exc, self.destination)
        self.log("batch of %r failed: %s" % (work.src, err))
        with self._lock:
            self.reconnections += 1
        work.recheck = True
        session.drop()
        if not err.transient and err.kind in ("auth", "tls", "config"):
            self.fatal = self.fatal or err  # e.g. the password changed mid-run: stop, report after the round
            return
        time.sleep(min(err.backoff, 600.0) if err.backoff else 0.2)

    def _fetch_batch(self, session, work, batch):
        """FETCH the bodies of a batch: (present Msgs, [(body, filtered flags, internaldate)])."""
        self._select_source(session, work)
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

    def _append_each(self, session, work, present, items):
        """Append one message at a time (after a batch was refused, or without LITERAL+/MULTIAPPEND)."""
        for msg, item in zip(present, items):
            try:
                uids = session.dst_wire.append(work.dst, [item])
            except wire_mod.CommandFailed as exc:
                self._raise_if_throttled(exc)
                with work.lock:
                    work.pending.discard(msg.uid)
                self.error(work, "the destination refused the message: %s" % exc, uid=msg.uid, key=msg.key,
                           size=len(item[0]))
                continue
            self._confirm(work, [msg], [item], uids)

    def _raise_if_throttled(self, exc):
        """A NO/BAD that says "slow down" (Microsoft's Suggested Backoff Time, [LIMIT], [UNAVAILABLE]) is not
        the message's fault: back off and retry the batch in the next round instead of reporting it."""
        text = "%s %s" % (exc.code or "", exc.text)
        backoff = conn.backoff_from_text(text)
        if backoff is not None or exc.code in ("LIMIT", "UNAVAILABLE", "INUSE") or "throttl" in text.lower():
            raise conn.ImapError("the destination asks to slow down: %s" % exc.text, kind="throttled",
                                 transient=True, backoff=backoff if backoff is not None else 5.0)

    def _stream_one(self, session, work, msg):
        flags = work.flag_filter(msg.flags)
        self.throttle.account(msg.size, 1)
        try:
            done = wire_mod.stream_copy(session.src_wire, session.dst_wire, msg.uid, work.dst, flags, msg.date)
        except wire_mod.CommandFailed as exc:
            self._raise_if_throttled(exc)
            with work.lock:
                work.pending.discard(msg.uid)
            self.error(work, "the destination refused the message: %s" % exc, uid=msg.uid, key=msg.key,
                       size=msg.size)
            return
        if done is None:
            with work.lock:
                work.pending.discard(msg.uid)  # expunged on the source meanwhile
            return
        size, uids = done
        self._confirm(work, [msg], [(b"", flags, msg.date)], uids, sizes=[size])

    def _confirm(self, work, msgs, items, uids, sizes=None):
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
            self.state.record(work.pstate, pairs)
        if not uids:
            work.needs_look = True  # no APPENDUID: a look after this round pairs them up by identity

    # ------------------------------------------------------------------ finish
    def _finish_pair(self, src, dst, work):
        stats = work.stats
        if stats["unchanged"]:
            return
        to_delete = list(work.delete_destination)
        # read-write only when something is to change (a no-change run sends no write at all)
        dst.select_folder(work.dst, readonly=not (work.flag_updates or to_delete))
        # flag re-sync on messages that were already there
        if work.flag_updates:
            groups = {}
            for duid, flags in work.flag_updates:
                groups.setdefault(flags, []).append(duid)
            for flags, duids in groups.items():
                dst.set_flags(duids, [_b(f) for f in flags], silent=True)
            stats["flags_updated"] = len(work.flag_updates)
            work.flag_updates = []
        # deletions on the destination
        if to_delete:
            self._delete(dst, to_delete)
            stats["deleted_destination"] = len(to_delete)
        # verify what we copied
        copied_uids = {s: d for s, d in work.copied.items() if d is not None}
        verified = set()
        if copied_uids:
            dwire = wire_mod.Wire(dst)
            by_duid = {d: s for s, d in copied_uids.items()}
            seen = {}
            for data in dwire.fetch_list(list(by_duid), META_ITEMS):
                seen[data.get("UID")] = data
            for duid, suid in by_duid.items():
                smsg = work.src_msgs.get(suid)
                data = seen.get(duid)
                if data is None:
                    self.error(work, "copied message not found on the destination when verifying", uid=suid,
                               key=smsg.key if smsg else None, size=smsg.size if smsg else None)
                    continue
                problems = []
                if smsg is not None:
                    if data.get("RFC822.SIZE") != smsg.size:
                        problems.append("size %s instead of %s" % (data.get("RFC822.SIZE"), smsg.size))
                    if internaldate_epoch(data.get("INTERNALDATE")) != internaldate_epoch(smsg.date):
                        problems.append("INTERNALDATE %s instead of %s" % (data.get("INTERNALDATE"), smsg.date))
                    if _flagset(data.get("FLAGS", ())) != _flagset(work.flag_filter(smsg.flags)):
                        problems.append("flags %s instead of %s" % (" ".join(_s(f) for f in data.get("FLAGS", ())),
                                                                    " ".join(work.flag_filter(smsg.flags))))
                if problems:
                    self.error(work, "verification failed: " + "; ".join(problems), uid=suid,
                               key=smsg.key if smsg else None, size=smsg.size if smsg else None)
                else:
                    verified.add(suid)
        # what is still missing
        missing = [u for u in work.src_msgs
                   if u not in work.matched and u not in work.copied and u not in work.cross_skipped]
        stats["missing"] = len(missing)
        # delete1: only what is verified present on the destination
        if self.opts.get("delete1"):
            present = [u for u in work.src_msgs if u in work.matched or u in verified]
            if present:
                src.select_folder(work.src, readonly=False)
                self._delete(src, present)
                stats["deleted_source"] = len(present)
        dst_status = self._status(dst, work.dst)
        stats["destination_messages_after"] = dst_status.get("MESSAGES", 0)
        if (work.pstate is not None and not missing and not stats["errors"] and not self.opts.get("delete1")
                and (self.opts.get("resync_flags", True) or not work.flag_differences)):
            self.state.set_status(work.pstate, work.src_status, dict(dst_status, **{planner.PLAN_MARK: self.signature}))

    @staticmethod
    def _delete(client, uids):
        client.add_flags(uids, [b"\\Deleted"], silent=True)
        if client.has_capability("UIDPLUS"):
            client.uid_expunge(uids)
        else:
            client.expunge()

    # ------------------------------------------------------------------ check mode and result
    def _predict(self, works):
        for work in works:
            stats = work.stats
            if stats["unchanged"]:
                continue
            stats["copied"] = len(work.to_copy)
            stats["bytes"] = sum(m.size for m in work.to_copy)
            stats["flags_updated"] = len(work.flag_updates)
            stats["deleted_destination"] = len(work.delete_destination)
            if self.opts.get("delete1"):
                # a real run deletes what is there now and what it copies (once verified)
                stats["deleted_source"] = len(work.matched) + len(work.to_copy)
            stats["destination_messages_after"] = (stats["destination_messages_before"] + stats["copied"]
                                                   - stats["deleted_destination"])

    def _result(self, works, plan, started):
        elapsed = max(time.monotonic() - started, 1e-6)
        totals = {key: 0 for key in COUNTERS}
        folders = []
        for work in works:
            for key in COUNTERS:
                totals[key] += work.stats[key]
            folders.append(dict(work.stats))
        totals["errors"] = self.error_count
        changed = bool(totals["copied"] or totals["flags_updated"] or totals["deleted_source"]
                       or totals["deleted_destination"] or self.created_folders or self.subscribed_folders)
        selected = totals["source_selected"] - totals["cross_duplicates"]
        if self.check_mode:
            missing = totals["copied"]
            verdict = ("check mode: all %d messages of the source are on the destination" % selected if not missing
                       else "check mode: %d of %d messages of the source would be copied" % (missing, selected))
        else:
            missing = totals["missing"]
            verdict = ("all %d messages of the source are on the destination" % selected if not missing
                       else "%d of %d messages of the source are missing on the destination" % (missing, selected))
        if self.error_count:
            verdict += "; %d error(s)" % self.error_count
        return {
            "changed": changed,
            "verdict": verdict,
            "complete": (not missing or self.check_mode) and not self.error_count,
            "totals": totals,
            "folders": folders,
            "errors": self.errors,
            "renamed_folders": list(getattr(plan, "renamed", []) or []),
            "excluded_folders": list(getattr(plan, "excluded", []) or []),
            "automapped_folders": list(getattr(plan, "automapped", []) or []),
            "created_folders": list(self.created_folders),
            "subscribed_folders": list(self.subscribed_folders),
            "warnings": list(self.warnings),
            "elapsed": round(elapsed, 3),
            "bytes_per_second": int(totals["bytes"] / elapsed) if not self.check_mode else 0,
            "messages_per_second": round(totals["copied"] / elapsed, 1) if not self.check_mode else 0.0,
            "reconnections": self.reconnections,
            "connections": self._workers(),
        }
