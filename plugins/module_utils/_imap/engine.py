# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""The IMAP copy engine behind imap_sync: imapsync semantics, parallel, resumable, verified.

Per run: LIST both accounts, plan the folder pairs (folders.plan), create what is missing, STATUS every
folder (this module: the *survey*), then per pair, one stage per module. Commands that do not wait for
each other's answers are pipelined: per side one write for all folders' STATUS, one for every look's
SELECT + UID FETCH (look.prefetch_listings), one per session for its pairs' verification; the workers
log in while the folders are listed, and all connections log out at once.

1. *Look* (look.py): STATUS both sides. With a state map whose UIDVALIDITYs and recorded statuses still
   match, recorded by a run whose plan covers this one's, the pair is unchanged and costs nothing more.
   Otherwise read sizes, flags, dates, the age window of both sides and the identity headers the UID map
   does not make unnecessary, and hand them to the *planner* (planner.py, no I/O), which says what to
   copy, re-flag and delete on each side.
2. *Copy* (transfer.py): batches (<= 50 messages, <= 8 MB) go to K workers, each with its own source and
   destination connection: one UID FETCH of bodies read straight off the socket (wire.py), one
   MULTIAPPEND with LITERAL+. A batch counts as done only when the destination confirms it (APPENDUID)
   and is journalled in the state at once. A dropped connection or refused SELECT (normal under parallel
   load) costs a reconnect; the pair is then looked at again (round 2, 3 ...) and only what is still
   missing is sent.
3. *Finish* (finish.py): the plan's flag re-sync and deletions on the destination, VERIFY every copied
   message (size, flags, INTERNALDATE on the destination), delete1 on the source (only what is verified
   present), record the new statuses.
4. *Result* (result.py): totals, verdict, errors.

Check mode runs step 1 only and reports exactly what the planner says a real run does; it writes nothing.
"""

from __future__ import annotations

import gc
import queue
import threading
import time

from ansible_collections.mailwave.migrate.plugins.module_utils._imap import connection as conn
from ansible_collections.mailwave.migrate.plugins.module_utils._imap import day_quota
from ansible_collections.mailwave.migrate.plugins.module_utils._imap import planner
from ansible_collections.mailwave.migrate.plugins.module_utils._imap import result as result_mod
from ansible_collections.mailwave.migrate.plugins.module_utils._imap import wire as wire_mod
from ansible_collections.mailwave.migrate.plugins.module_utils._imap.finish import Finisher
from ansible_collections.mailwave.migrate.plugins.module_utils._imap.look import Looker
from ansible_collections.mailwave.migrate.plugins.module_utils._imap.session import PairWork, Session, both, close_all
from ansible_collections.mailwave.migrate.plugins.module_utils._imap.state import SyncState
from ansible_collections.mailwave.migrate.plugins.module_utils._imap.throttle import Throttle
from ansible_collections.mailwave.migrate.plugins.module_utils._imap.transfer import MEMORY_BUDGET, ByteBudget, Transfer

MAX_ERRORS_LISTED = 500


class SyncEngine:
    """Run one source account -> destination account sync. ``run()`` returns the result dict.

    The engine holds the run (options, state, errors, sessions) and the survey (folders, their creation,
    STATUS); the stages are look.Looker (listings -> planner), transfer.Transfer, finish.Finisher and
    result (see each module).
    """

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
            from ansible_collections.mailwave.migrate.plugins.module_utils._imap.identity import Identity
            identity = Identity(self.opts.get("useheader"))  # one key set for both sides (--useheader)
        self.folders = folders
        self.identity = identity
        self.log = log or (lambda msg: None)
        self.errors = []
        self.error_count = 0
        self.over_quota = {"messages": 0, "bytes": 0}  # refused as OVERQUOTA (RFC 5530): the caller may raise it
        self.live_works = None  # the folder pairs once planned, for live()
        self.reconnections = 0
        self.warnings = []
        self.created_folders = []
        self.subscribed_folders = []
        self._lock = threading.Lock()
        self.state = None
        self.fatal = None
        self.stopped = False  # errors_max reached: no further copy is started
        self.paused = None  # a provider's day limit reached: {by, reason, resume_after}; no further copy is started
        self.day = day_quota.DayBudget(self.day_limit())
        self.folders_first = list(self.opts.get("folders_first") or ())
        self.folders_last = []  # source folders of the preset's last_special_use roles, set by _plan
        self.budget = ByteBudget(MEMORY_BUDGET)
        self.throttle = Throttle(self._opt("max_bytes_per_second"), self._opt("max_messages_per_second"))
        self.plan_options = planner.PlanOptions(
            max_size=self._max_size(), resync_flags=self.opts.get("resync_flags", True),
            delete1=self.opts.get("delete1"), delete2=self.opts.get("delete2"),
            delete2duplicates=self.opts.get("delete2duplicates"))
        self.looker, self.transfer, self.finisher = Looker(self), Transfer(self), Finisher(self)
        self.signature = planner.plan_signature(
            self.opts.get("max_age"), self.opts.get("min_age"), self._max_size(), self.opts.get("delete2"),
            self.opts.get("delete2duplicates"), self._opt("skip_cross_duplicates", False),
            useheader=self.identity.describe())

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
            errors_max = self.opts.get("errors_max")
            if errors_max and self.error_count >= errors_max and not self.stopped:
                self.stopped = True  # imapsync's --errorsmax: a destination refusing everything is not tried to the end
                self.warnings.append("the copy stopped after %d errors (errors_max); the messages not attempted are "
                                     "counted as missing, a re-run copies them" % self.error_count)

    def live(self):
        """The copy so far, read from another thread while it runs (a batch's progress lines): messages and
        bytes copied, and the totals, which grow while folders are still being looked at."""
        works = self.live_works or ()
        done = sum(w.stats["copied"] for w in works)
        done_bytes = sum(w.stats["bytes"] for w in works)
        left = left_bytes = 0
        for work in works:
            with work.lock:
                pending = list(work.pending)
            left += len(pending)
            left_bytes += sum(work.src_msgs[uid].size for uid in pending if uid in work.src_msgs)
        return {"phase": "copying" if self.live_works is not None else "listing", "messages": done,
                "messages_total": done + left, "bytes": done_bytes, "bytes_total": done_bytes + left_bytes}

    def day_limit(self):
        """Bytes the source account may download in 24 hours: max_bytes_per_day (0: none), else its preset's."""
        limit = self.opts.get("max_bytes_per_day")
        if limit is None:
            limit = self.source.preset.get("download_bytes_per_day")
        return limit or None

    def day_take(self, nbytes):
        """Count a batch against the day limit before fetching it; False (and the copy pauses) when it would pass."""
        now = time.time()
        if self.day.take(nbytes, now):
            return True
        self.pause("day_limit", "the source account's download limit (max_bytes_per_day, %d MB in 24 hours) is "
                   "reached" % (self.day.limit // 1000000), self.day.resume_after(nbytes, now))
        return False

    def pause(self, by, reason, resume_after):
        """Stop starting copies: what is in flight lands and what was copied is verified; a later run goes on."""
        with self._lock:
            if self.paused is None:
                self.paused = {"by": by, "reason": self.source.redact(reason),
                               "resume_after": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(resume_after)),
                               "downloaded_24h": self.day.used(time.time())}
                self.log("paused: %s; resume after %s" % (reason, self.paused["resume_after"]))

    def count_over_quota(self, size):
        with self._lock:
            self.over_quota["messages"] += 1
            self.over_quota["bytes"] += size

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
                self.day = day_quota.load(self.opts["state_dir"], self.day_limit())
            main = Session(self)
            sessions.append(main)
            main.ensure()  # wrong password, untrusted certificate ...: fail here, once, clearly
            extra = [Session(self) for _index in range(self.workers() - 1)]
            sessions.extend(extra)
            quick = self.state is not None and bool(self.state.pairs)
            if not quick:
                # a first copy: the other workers log in while the folders are listed and planned
                opener = threading.Thread(target=self._open_sessions, args=(extra,), daemon=True)
                opener.start()
            plan, works, todo = self._survey(main, quick)
            self.live_works = works
            # every look's SELECT + FETCH, all folders in one pipelined burst per side (while the others log in)
            self.looker.prefetch_listings(main, todo)
            if opener is not None:
                opener.join()
                opener = None
            self._parallel(sessions, todo, self._look_first)
            self.looker.cross_duplicates(sessions, works)
            if not self.check_mode:
                self.transfer.copy_rounds(works, sessions)
                self._parallel(sessions, self._finish_groups(sessions, works), self._finish_in)
            else:
                result_mod.predict(self, works)
            result = result_mod.build(self, works, plan, started)
            if self.state is not None and not self.check_mode:
                self.state.save()
            return result
        finally:
            if opener is not None:
                opener.join()
            if self.state is not None:
                self.state.close()
                if not self.check_mode and self.day.limit:
                    day_quota.save(self.opts["state_dir"], self.day, time.time())
            close_all(sessions)  # every LOGOUT at once
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
                todo = [w for w in works if not self.looker.look(main.src, main.dst, w, first=True, quick=True)]
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
        self.looker.look(session.src, session.dst, work, first=True)

    def _look_again(self, session, work):
        self.looker.look(session.src, session.dst, work)

    def _finish_in(self, session, group):
        self.finisher.finish_many(session.src, session.dst, group)

    @staticmethod
    def _finish_groups(sessions, works):
        """The pairs to finish, in one group per session (each group's verifications are one pipelined
        burst), the pairs with the most copied messages spread first."""
        todo = sorted((w for w in works if not w.stats["unchanged"]), key=lambda w: -len(w.copied))
        count = max(1, min(len(sessions), len(todo)))
        groups = [todo[index::count] for index in range(count)]
        return [group for group in groups if group]

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
                strip_prefixes=self.source.preset.get("strip_prefixes"),
                regextrans2=self.opts.get("regextrans2") or None,
                role_targets=self.source.preset.get("automap_targets"))
        except ValueError as exc:
            raise conn.ImapError("folder plan: %s" % exc, kind="config")
        self.warnings.extend(getattr(plan, "warnings", []) or [])
        last_roles = {role.lower() for role in self.source.preset.get("last_special_use") or ()}
        self.folders_last = [folder.name for folder in src_listing.folders
                             if (src_listing.role_of(folder)[0] or "").lower() in last_roles]
        for name in self.folders_first:
            if plan.destination_for(name) is None:
                self.warnings.append("folders_first: %r is not a copied source folder; entry ignored" % name)
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

    def _max_size(self):
        value = self.opts.get("max_size")
        if value is None:
            value = self.destination.preset.get("max_message_size")
        return int(value) if value else 0

    def workers(self):
        wanted = int(self.opts.get("connections") or 4)
        for endpoint in (self.source, self.destination):
            cap = endpoint.preset.get("max_connections")
            if cap:
                wanted = min(wanted, int(cap))
        return max(1, wanted)
