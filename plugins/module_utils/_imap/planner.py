# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""The decisions of imap_sync, without I/O: what to copy, re-flag and delete on each side of a folder pair.

The engine reads the two listings (UID, size, flags, INTERNALDATE, identity key), the UIDs the age
window selects on each side (SEARCH, see ``age_criteria``) and the state's UID map, and hands them to
``plan_pair``; it then carries out exactly the returned plan, and check mode reports exactly it.

imapsync 2.229 semantics, and where we differ on purpose:

* ``max_age`` / ``min_age`` select messages on BOTH sides (imapsync runs the same SEARCH on host1 and
  host2): only messages inside the window are compared, copied, re-flagged or deleted. Both set with
  ``min_age > max_age``: the union (everything but the messages between the two ages), as imapsync.
* ``max_size`` only skips the copy: a bigger source message still counts as present, so its copy
  already on the destination is neither extra (``delete2``) nor a duplicate; its flags are not re-synced
  (imapsync's size_filtered_flag).
* Matching is a MULTISET of identity keys (imapsync keeps one of several identical source messages;
  we copy each), first through the state's UID map, then by key preferring the same size and date.
* ``delete2`` deletes the in-window destination messages matched by no source message;
  ``delete2duplicates`` only those of them whose key is already present on the destination. A
  destination message the UID map pairs with any source message is never deleted.
* ``delete1`` deletes the selected source messages present on the destination: those matched now and
  those this run copies and verifies (check mode counts both).
* ``skip_cross_duplicates``: a message is not copied when an earlier folder pair (INBOX first, then by
  name) holds the same key on the source.
"""

from __future__ import annotations

import calendar
import collections
import datetime
import json

_MONTHS = {m: i for i, m in enumerate(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                                      "Dec"], 1)}
_SYSTEM_FLAGS = {f.lower(): f for f in ("\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft")}
PLAN_MARK = "PLAN"  # the key under which the state's recorded destination status keeps the plan signature
CROSS_MARK = "CROSS"  # ... and the number of messages skip_cross_duplicates left out (for an unchanged pair's counts)


def internaldate_epoch(text):
    """'22-Nov-2026 17:04:06 +0100' -> seconds since the epoch (None if unparsable)."""
    try:
        day_month_year, clock, zone = str(text).strip().split(" ")
        day, mon, year = day_month_year.split("-")
        hh, mm, ss = (int(x) for x in clock.split(":"))
        offset = (int(zone[1:3]) * 3600 + int(zone[3:5]) * 60) * (-1 if zone[0] == "-" else 1)
        return calendar.timegm((int(year), _MONTHS[mon.capitalize()], int(day), hh, mm, ss)) - offset
    except (ValueError, KeyError, IndexError):
        return None


def _s(data):
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)


class Msg:
    """One message as seen in a folder (no body)."""

    __slots__ = ("uid", "size", "flags", "date", "key")

    def __init__(self, uid, size, flags, date, key=None):
        self.uid = uid
        self.size = size
        self.flags = flags
        self.date = date
        self.key = key

    def __repr__(self):
        return "Msg(%r, %r, %r, %r, %r)" % (self.uid, self.size, self.flags, self.date, self.key)


class FlagFilter:
    """Source flags -> what the destination folder keeps (PERMANENTFLAGS; keywords only with \\*)."""

    def __init__(self, permanent):
        perm = [_s(f) for f in (permanent or ())]
        self.any_keyword = "\\*" in perm
        self.system = {f.lower() for f in perm if f.startswith("\\") and f != "\\*"}
        self.keywords = {f.lower() for f in perm if not f.startswith("\\")}
        self.unknown = not perm  # no PERMANENTFLAGS given: keep everything but \Recent

    def __call__(self, flags):
        out = []
        for flag in flags:
            flag = _s(flag)
            low = flag.lower()
            if low == "\\recent":
                continue
            if flag.startswith("\\"):
                flag = _SYSTEM_FLAGS.get(low, flag)
                if self.unknown or low in self.system:
                    out.append(flag)
            elif self.unknown or self.any_keyword or low in self.keywords:
                out.append(flag)
        return tuple(sorted(set(out), key=lambda f: f.lower()))


def flagset(flags):
    return frozenset(_s(f).lower() for f in flags if _s(f).lower() != "\\recent")


class PlanOptions:
    """The options that shape a pair's plan (a plain record; the engine builds it from the module options)."""

    __slots__ = ("max_size", "resync_flags", "delete1", "delete2", "delete2duplicates")

    def __init__(self, max_size=0, resync_flags=True, delete1=False, delete2=False, delete2duplicates=False):
        self.max_size = int(max_size or 0)
        self.resync_flags = bool(resync_flags)
        self.delete1 = bool(delete1)
        self.delete2 = bool(delete2)
        self.delete2duplicates = bool(delete2duplicates)


def age_criteria(max_age=None, min_age=None, today=None):
    """The IMAP SEARCH criteria of the age window (None: no window), imapsync's select_msgs_by_age.

    max_age alone: SENTSINCE; min_age alone: SENTBEFORE; both with min_age <= max_age: both (intersection);
    both with min_age > max_age: OR of the two (union: all but the messages between the two ages).
    """
    if not max_age and not min_age:
        return None
    today = today or datetime.date.today()
    since = ["SENTSINCE", today - datetime.timedelta(days=float(max_age))] if max_age else None
    before = ["SENTBEFORE", today - datetime.timedelta(days=float(min_age))] if min_age else None
    if since and before:
        if float(min_age) > float(max_age):
            return ["OR", since, before]
        return since + before
    return since or before


class PairPlan:
    """What one folder pair needs: the engine carries it out, check mode reports it."""

    def __init__(self):
        self.selected = {}          # source uid -> Msg: inside the window and under max_size (copied if missing)
        self.filtered = 0           # source messages left out by the window or by max_size
        self.matched = {}           # selected source uid -> destination Msg that holds it
        self.to_copy = []           # selected source Msgs missing on the destination (uid order)
        self.flag_updates = []      # (destination uid, flags tuple) to set (empty without resync_flags)
        self.flag_differences = 0   # matched messages whose flags differ (even when not re-synced)
        self.extra = []             # in-window destination Msgs that no source message accounts for
        self.duplicates = []        # those of extra whose key is already on the destination
        self.delete_destination = []  # destination uids to delete (delete2 / delete2duplicates)
        self.source_duplicates = 0  # selected source messages whose key another selected one has
        self.newly_matched = []     # (source uid, destination uid) found by key: to journal in the state

    def deleted_source(self, copied_and_verified=()):
        """Source uids delete1 removes: matched now, plus those copied and verified (check mode: all to copy)."""
        return sorted(set(self.matched) | set(copied_and_verified))


def keys_needed(src_all, dst_all, mapped=None, src_window=None, dst_window=None, always_source=False,
                duplicates=False):
    """(source uids, destination uids) whose identity key plan_pair needs.

    Messages the UID map pairs up need none; the others on the destination need one; those of the source
    only when there are destination messages to match them with (a first copy into an empty folder reads
    no header) or always_source (skip_cross_duplicates compares keys across folders). With duplicates
    (delete2duplicates), an unmapped destination message is compared with the mapped ones too: when there
    is one, every destination message in the window needs its key.
    """
    live = _live_map(src_all, dst_all, mapped)
    mapped_dst = set(live.values())
    dst_need = {u for u in dst_all if u not in mapped_dst and (dst_window is None or u in dst_window)}
    if duplicates and dst_need:
        dst_need = {u for u in dst_all if dst_window is None or u in dst_window}
    src_need = set()
    if dst_need or always_source:
        src_need = {u for u in src_all if u not in live and (src_window is None or u in src_window)}
    return src_need, dst_need


def _live_map(src_all, dst_all, mapped):
    return {s: d for s, d in (mapped or {}).items() if s in src_all and d in dst_all}


def plan_pair(src_all, dst_all, options, mapped=None, src_window=None, dst_window=None, flag_filter=None):
    """Plan one folder pair (see the module docstring for the semantics).

    src_all, dst_all: {uid: Msg} of each side (keys filled where keys_needed says); mapped: the state's
    {source uid: destination uid}; src_window, dst_window: the uids the age window keeps on each side
    (None: no window); flag_filter: what the destination keeps of the source flags.
    """
    flag_filter = flag_filter or FlagFilter(None)
    plan = PairPlan()
    live = _live_map(src_all, dst_all, mapped)
    considered = {u: m for u, m in src_all.items() if src_window is None or u in src_window}
    oversized = {u for u, m in considered.items() if options.max_size and m.size >= options.max_size}
    plan.selected = {u: m for u, m in considered.items() if u not in oversized}
    plan.filtered = len(src_all) - len(plan.selected)

    # a destination message the map pairs with ANY existing source message is accounted for
    mapped_dst = {d for s, d in (mapped or {}).items() if s in src_all}
    candidates = {u: m for u, m in dst_all.items()
                  if u not in mapped_dst and (dst_window is None or u in dst_window)}

    matched_any = {}  # considered source uid -> destination Msg (oversized ones too: their copy is accounted for)
    for s_uid, d_uid in live.items():
        if s_uid in considered:
            matched_any[s_uid] = dst_all[d_uid]
    # Identity keys can collide for different messages (imapsync's known weakness): prefer the
    # candidate with the same size and date, then the same size, then any with the key.
    tiers = ({}, {}, {})
    for d_uid in sorted(candidates):
        msg = candidates[d_uid]
        if msg.key is None:
            continue
        epoch = internaldate_epoch(msg.date)
        tiers[0].setdefault((msg.key, msg.size, epoch), collections.deque()).append(msg)
        tiers[1].setdefault((msg.key, msg.size), collections.deque()).append(msg)
        tiers[2].setdefault(msg.key, collections.deque()).append(msg)
    taken = set()
    key_count = {}
    for uid in sorted(considered):
        msg = considered[uid]
        if uid in plan.selected and msg.key is not None:
            key_count[msg.key] = key_count.get(msg.key, 0) + 1
        if uid in matched_any:
            continue
        found = None
        if msg.key is not None:
            for tier, index in zip(tiers, ((msg.key, msg.size, internaldate_epoch(msg.date)), (msg.key, msg.size),
                                           msg.key)):
                candidates_left = tier.get(index)
                while candidates_left:
                    cand = candidates_left.popleft()
                    if cand.uid not in taken:
                        found = cand
                        break
                if found is not None:
                    break
        if found is not None:
            taken.add(found.uid)
            matched_any[uid] = found
            if (mapped or {}).get(uid) != found.uid:
                plan.newly_matched.append((uid, found.uid))
        elif uid in plan.selected:
            plan.to_copy.append(msg)
    plan.source_duplicates = sum(c - 1 for c in key_count.values() if c > 1)
    plan.matched = {u: m for u, m in matched_any.items() if u in plan.selected}

    matched_dst = {m.uid for m in matched_any.values()}
    plan.extra = [m for u, m in sorted(candidates.items()) if u not in matched_dst]
    present_keys = {m.key for m in matched_any.values() if m.key is not None}
    seen = set()
    for msg in plan.extra:
        if msg.key is not None and (msg.key in present_keys or msg.key in seen):
            plan.duplicates.append(msg)
        elif msg.key is not None:
            seen.add(msg.key)
    if options.delete2:
        plan.delete_destination = [m.uid for m in plan.extra]
    elif options.delete2duplicates:
        plan.delete_destination = [m.uid for m in plan.duplicates]

    updates = []
    for uid, dmsg in sorted(plan.matched.items()):
        want = flag_filter(plan.selected[uid].flags)
        if flagset(want) != flagset(dmsg.flags):
            updates.append((dmsg.uid, want))
    plan.flag_differences = len(updates)
    plan.flag_updates = updates if options.resync_flags else []
    return plan


def folder_order(name, first=(), last=()):
    """Sort key of the order skip_cross_duplicates goes through folders (a message is kept in the first that
    holds it): the folders of ``first`` (folders_first, the user's label precedence) in their order, then
    INBOX, then the others by name, then those of ``last`` (a Gmail source's All Mail, as imapsync's
    --folderlast: only what no other folder holds is copied from it)."""
    if name in first:
        return (0, list(first).index(name), "")
    if name in last:
        return (3, 0, name)
    return (1 if name.upper() == "INBOX" else 2, 0, name)


def skip_cross_duplicates(pairs):
    """pairs: [(to_copy Msgs, keys of the pair's selected source messages)] in folder_order.

    Returns [(kept Msgs, number skipped)]: a message is skipped when an earlier pair's source holds its key.
    """
    seen = set()
    out = []
    for to_copy, keys in pairs:
        kept = [m for m in to_copy if m.key is None or m.key not in seen]
        out.append((kept, len(to_copy) - len(kept)))
        seen.update(k for k in keys if k is not None)
    return out


def plan_signature(max_age=None, min_age=None, max_size=0, delete2=False, delete2duplicates=False,
                   skip_cross=False, today=None, useheader=None):
    """What a recorded "unchanged" status is valid for, as a string kept in the state.

    The age window and max_size change which messages a run selects; a min_age window moves every day
    (messages age into it), so its cutoff date is part of it; the deletions say what the destination was
    cleaned of; skip_cross_duplicates says messages were left out on purpose; useheader (None: imapsync's
    default headers) says which keys matched and found duplicates.
    """
    today = today or datetime.date.today()
    cutoff = (today - datetime.timedelta(days=float(min_age))).isoformat() if min_age else None
    deletions = "delete2" if delete2 else ("delete2duplicates" if delete2duplicates else "")
    return json.dumps({"max_age": max_age or None, "min_age": cutoff, "max_size": int(max_size or 0),
                       "deleted": deletions, "skip_cross": bool(skip_cross), "useheader": useheader or None},
                      sort_keys=True)


def shortcut_allowed(recorded, current):
    """May a pair whose statuses match the recorded ones be skipped? recorded/current: plan_signature()s.

    Only when the recorded run selected the same messages, cleaned the destination at least as much
    (delete2 covers delete2duplicates) and left nothing out on purpose that this run would copy.
    """
    if not recorded:
        return False
    try:
        old, new = json.loads(recorded), json.loads(current)
    except ValueError:
        return False
    if any(old.get(k) != new.get(k) for k in ("max_age", "min_age", "max_size", "useheader")):
        return False
    strength = {"": 0, "delete2duplicates": 1, "delete2": 2}
    if strength.get(old.get("deleted"), -1) < strength[new["deleted"]]:
        return False
    if old.get("skip_cross") and not new["skip_cross"]:
        return False
    return True
