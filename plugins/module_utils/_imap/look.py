# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Look at a folder pair: read both sides' listings (STATUS, sizes, flags, dates, identity keys, the age
window) and let the planner decide; the state's "unchanged" shortcut; skip_cross_duplicates across pairs.

All reads; the only write is the state journal of pairs newly matched by key (not in check mode).
"""

from __future__ import annotations

from ansible_collections.mailwave.migrate.plugins.module_utils._imap import connection as conn
from ansible_collections.mailwave.migrate.plugins.module_utils._imap import planner
from ansible_collections.mailwave.migrate.plugins.module_utils._imap import wire as wire_mod
from ansible_collections.mailwave.migrate.plugins.module_utils._imap.planner import FlagFilter, Msg, internaldate_epoch
from ansible_collections.mailwave.migrate.plugins.module_utils._imap.session import both

try:
    from imapclient.imapclient import _normalise_search_criteria as imapclient_search_args
except ImportError:  # pragma: no cover - connection.py reports the missing library
    imapclient_search_args = None

META_ITEMS = "UID RFC822.SIZE FLAGS INTERNALDATE"


def _s(data):
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)


class Looker:
    """The look stage of one SyncEngine run (engine: its options, state and connections' factory)."""

    def __init__(self, engine):
        self.engine = engine

    def status(self, client, folder):
        what = ["MESSAGES", "UIDNEXT", "UIDVALIDITY"]
        if client.has_capability("CONDSTORE"):
            what.append("HIGHESTMODSEQ")
        status = client.folder_status(folder, what)
        return {_s(k).upper(): int(v) for k, v in status.items()}

    @staticmethod
    def read_metas(wire):
        """{uid: Msg} (size, flags, INTERNALDATE; no key yet) of the selected folder."""
        msgs = {}
        for data in wire.fetch_list("1:*", META_ITEMS):
            uid = data.get("UID")
            if uid is not None:
                msgs[uid] = Msg(uid, data.get("RFC822.SIZE", 0), tuple(_s(f) for f in data.get("FLAGS", ())),
                                data.get("INTERNALDATE"))
        return msgs

    def age_window(self, client):
        """UIDs of the selected folder inside the max_age / min_age window (None: no window), by SEARCH."""
        criteria = planner.age_criteria(self.engine.opts.get("max_age"), self.engine.opts.get("min_age"))
        if criteria is None:
            return None
        return set(client.search(criteria))

    def unchanged(self, pstate, src_status, dst_status):
        """The state's shortcut: both statuses as recorded, by a run whose plan covers this one's."""
        recorded = dict(pstate.dst_status or {})
        signature = recorded.pop(planner.PLAN_MARK, None)
        recorded.pop(planner.CROSS_MARK, None)
        return (bool(pstate.src_status) and bool(recorded) and pstate.src_status == src_status
                and recorded == dst_status and planner.shortcut_allowed(signature, self.engine.signature))

    def look(self, src, dst, work, first=False, quick=False):
        """Status, listings, the planner's decisions for one pair (see engine.py's docstring, step 1).

        With quick=True only the statuses are read: returns True when the state says the pair is unchanged.
        """
        stats = work.stats
        pre, work.pre_status = work.pre_status, None
        # what prefetch_listings read ahead serves this look only, never a later one (round 2 reads afresh)
        listed, work.pre_listing = work.pre_listing or {}, None
        if pre is not None:
            src_status, dst_status = pre
        else:
            try:
                src_status = self.status(src, work.src)
            except Exception as exc:  # noqa: BLE001
                raise conn.translate_error(exc, self.engine.source, doing="reading folder %r of" % work.src)
            dst_status = self.status(dst, work.dst) if work.dst_exists else {}
        work.src_status = src_status
        work.src_uidvalidity = src_status.get("UIDVALIDITY")
        work.dst_uidvalidity = dst_status.get("UIDVALIDITY")
        if first:
            stats["source_messages"] = src_status.get("MESSAGES", 0)
            stats["destination_messages_before"] = dst_status.get("MESSAGES", 0)
        pstate = None
        if self.engine.state is not None and work.dst_exists:
            pstate = self.engine.state.get(work.src, work.dst)
            if pstate is not None and not pstate.valid_for(work.src_uidvalidity, work.dst_uidvalidity):
                pstate = None
            if pstate is None and not self.engine.check_mode:
                pstate = self.engine.state.reset_pair(work.src, work.dst, work.src_uidvalidity, work.dst_uidvalidity)
        work.pstate = pstate
        age_or_size = self.engine.opts.get("max_age") or self.engine.opts.get("min_age") or self.engine._max_size()
        # A flags-only change moves no STATUS item but HIGHESTMODSEQ: without CONDSTORE on the source, the
        # flags must be read again (one FETCH FLAGS pass) before a pair can be called unchanged.
        flags_visible = "HIGHESTMODSEQ" in src_status or not self.engine.opts.get("resync_flags", True)
        if (first and pstate is not None and flags_visible and self.unchanged(pstate, src_status, dst_status)
                and not self.engine.opts.get("delete1")):
            stats["unchanged"] = True
            stats["source_selected"] = len(pstate.map) if age_or_size else src_status.get("MESSAGES", 0)
            if not age_or_size:
                # the messages skip_cross_duplicates left out are part of MESSAGES, not of the map
                stats["cross_duplicates"] = int((pstate.dst_status or {}).get(planner.CROSS_MARK, 0))
            stats["skipped"] = stats["source_selected"] - stats["cross_duplicates"]
            stats["destination_messages_after"] = dst_status.get("MESSAGES", 0)
            return True
        if quick:
            return False
        mapped = dict(pstate.map) if pstate is not None else {}

        # source side (read-only); read ahead for all pairs at once when prefetch_listings could
        src_wire = None
        if "src" in listed:
            src_all, src_window = listed["src"]
        else:
            src.select_folder(work.src, readonly=True)
            src_wire = wire_mod.Wire(src)
            src_all = self.read_metas(src_wire)
            src_window = self.age_window(src)

        # destination side: the same window (imapsync runs the same SEARCH on both sides)
        dst_all, dst_window, dst_wire = {}, None, None
        if work.dst_exists and "dst" in listed:
            dst_all, dst_window, permanent = listed["dst"]
            work.flag_filter = FlagFilter(permanent)
        elif work.dst_exists:
            # SELECT (not EXAMINE) for PERMANENTFLAGS, which a read-only mailbox reports empty; SELECT writes nothing
            info = dst.select_folder(work.dst, readonly=self.engine.check_mode)
            work.flag_filter = FlagFilter(info.get(b"PERMANENTFLAGS"))
            dst_wire = wire_mod.Wire(dst)
            dst_all = self.read_metas(dst_wire)
            dst_window = self.age_window(dst)
        src_need, dst_need = planner.keys_needed(src_all, dst_all, mapped, src_window, dst_window,
                                                 always_source=bool(self.engine._opt("skip_cross_duplicates", False)),
                                                 duplicates=self.engine.plan_options.delete2duplicates)
        if dst_need and work.dst_exists:
            if dst_wire is None:
                dst.select_folder(work.dst, readonly=self.engine.check_mode)
                dst_wire = wire_mod.Wire(dst)
            self.fill_keys(dst_wire, dst_all, dst_need)
        if src_need:
            if src_wire is None:
                src.select_folder(work.src, readonly=True)
                src_wire = wire_mod.Wire(src)
            self.fill_keys(src_wire, src_all, src_need)
        plan = planner.plan_pair(src_all, dst_all, self.engine.plan_options, mapped, src_window, dst_window,
                                 work.flag_filter)
        selected = plan.selected
        work.src_msgs = selected
        if first:
            stats["filtered"] = plan.filtered
            stats["source_selected"] = len(selected)
        if pstate is not None and not self.engine.check_mode and plan.newly_matched:
            self.engine.state.record(pstate, plan.newly_matched)
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

    def prefetch_listings(self, session, works):
        """Read what the look of each pair needs (sizes, flags, dates, the age window; the destination's
        PERMANENTFLAGS) for all pairs at once: per side one pipelined burst of SELECT + UID FETCH (+ UID
        SEARCH) for every folder, one round trip instead of two or three per folder and side.

        A side of a pair whose commands were refused keeps nothing: its look reads it again itself (and
        reports the server's words); a broken connection leaves every pair to its look.
        """
        if not works:
            return
        criteria = planner.age_criteria(self.engine.opts.get("max_age"), self.engine.opts.get("min_age"))
        search = None
        if criteria is not None:
            search = b"UID SEARCH " + b" ".join(imapclient_search_args(criteria))
        meta = b"UID FETCH 1:* (" + META_ITEMS.encode("ascii") + b")"
        dst_verb = b"EXAMINE " if self.engine.check_mode else b"SELECT "  # SELECT: PERMANENTFLAGS (see look)

        def burst(client, verb, pairs):
            wire = wire_mod.Wire(client)
            commands = []
            for index, name in pairs:
                commands.append(((index, "select"), verb + wire_mod.mailbox_arg(name)))
                commands.append(((index, "meta"), meta))
                if search is not None:
                    commands.append(((index, "window"), search))
            found = {}

            def on_untagged(key, line, data):
                index = key[0]
                got = found.setdefault(index, {"metas": {}, "window": None, "permanent": None})
                if data is not None:
                    uid = data.get("UID")
                    if uid is not None and ("RFC822.SIZE" in data or "INTERNALDATE" in data):
                        got["metas"][uid] = Msg(uid, data.get("RFC822.SIZE", 0),
                                                tuple(_s(f) for f in data.get("FLAGS", ())), data.get("INTERNALDATE"))
                    return
                uids = wire_mod.search_uids(line)
                if uids is not None:
                    got["window"] = (got["window"] or set()) | uids
                    return
                code = wire_mod.ok_code(line)
                if code is not None and code[0] == "PERMANENTFLAGS":
                    got["permanent"] = wire_mod.flag_list(code[1])

            answers = wire_mod.pipeline(wire, commands, on_untagged)
            wire_mod.selected(wire, readonly=verb == b"EXAMINE ")
            done = {}
            for index, _name in pairs:
                keys = [(index, "select"), (index, "meta")] + ([(index, "window")] if search is not None else [])
                if all(key in answers and answers[key] is None for key in keys):
                    got = found.get(index) or {"metas": {}, "window": None, "permanent": None}
                    if search is not None and got["window"] is None:
                        got["window"] = set()  # "* SEARCH" with no number: nothing in the window
                    done[index] = got
            return done

        def read(client, verb, pairs):
            try:
                return burst(client, verb, pairs)
            except Exception:  # noqa: BLE001 - every look reads its pair itself, on a fresh connection if need be
                return None

        src_done, dst_done = both(
            lambda: read(session.src, b"EXAMINE ", [(i, w.src) for i, w in enumerate(works)]),
            lambda: read(session.dst, dst_verb, [(i, w.dst) for i, w in enumerate(works) if w.dst_exists]))
        if src_done is None or dst_done is None:
            session.drop()
        session.src_selected = None
        for index, work in enumerate(works):
            listing = {}
            if src_done and index in src_done:
                listing["src"] = (src_done[index]["metas"], src_done[index]["window"] if search is not None else None)
            if dst_done and index in dst_done:
                got = dst_done[index]
                listing["dst"] = (got["metas"], got["window"] if search is not None else None, got["permanent"])
            work.pre_listing = listing or None

    def cross_duplicates(self, sessions, works):
        """skip_cross_duplicates: drop from the copy what an earlier folder pair (folder_order) already holds.

        The keys of every earlier pair are needed, also of pairs the state marks unchanged and of messages
        the UID map pairs up (their keys were not read): read them only when a later pair has something to copy.
        """
        if not self.engine._opt("skip_cross_duplicates", False):
            return
        ordered = sorted(works, key=lambda w: planner.folder_order(w.src, self.engine.folders_first,
                                                                   self.engine.folders_last))
        last = max([i for i, w in enumerate(ordered) if w.to_copy] or [-1])
        incomplete = [w for w in ordered[:max(last, 0)]
                      if w.cross_keys is None and (w.stats["unchanged"]
                                                   or any(m.key is None for m in w.src_msgs.values()))]
        self.engine._parallel(sessions, incomplete, self.complete_keys)
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

    def complete_keys(self, session, work):
        """The keys of all selected source messages of a pair (for skip_cross_duplicates), into work.cross_keys."""
        session.src.select_folder(work.src, readonly=True)
        wire = wire_mod.Wire(session.src)
        if work.stats["unchanged"]:
            listing = self.read_metas(wire)
            window = self.age_window(session.src)
            max_size = self.engine._max_size()
            msgs = {u: m for u, m in listing.items()
                    if (window is None or u in window) and not (max_size and m.size >= max_size)}
        else:
            msgs = work.src_msgs
        self.fill_keys(wire, msgs, {u for u, m in msgs.items() if m.key is None})
        work.cross_keys = [m.key for m in msgs.values()]

    def fill_keys(self, wire, msgs, uids):
        if not uids:
            return
        header_item = _s(self.engine.identity.header_fetch_item)
        need = sorted(uids)
        for start in range(0, len(need), 5000):
            for data in wire.fetch_list(need[start:start + 5000], "UID " + header_item):
                msg = msgs.get(data.get("UID"))
                if msg is not None:
                    msg.key = self.engine.identity.message_key(data.get("HEADER", b""), msg.size,
                                                               internaldate_epoch(msg.date))
