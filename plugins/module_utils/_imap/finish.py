# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Finish a folder pair after its copy: flag re-sync, the plan's deletions on the destination, VERIFY every
copied message (size, flags, INTERNALDATE as the destination serves them), delete1 of what is verified
present, and the statuses recorded in the state (with the plan signature the shortcut checks).
"""

from __future__ import annotations

from ansible_collections.mailwave.migrate.plugins.module_utils._imap import planner
from ansible_collections.mailwave.migrate.plugins.module_utils._imap import wire as wire_mod
from ansible_collections.mailwave.migrate.plugins.module_utils._imap.look import META_ITEMS
from ansible_collections.mailwave.migrate.plugins.module_utils._imap.planner import flagset as _flagset
from ansible_collections.mailwave.migrate.plugins.module_utils._imap.planner import internaldate_epoch


def _b(text):
    return text if isinstance(text, bytes) else str(text).encode("utf-8")


def _s(data):
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)


class Finisher:
    """The finish stage of one SyncEngine run."""

    def __init__(self, engine):
        self.engine = engine

    def finish_pair(self, src, dst, work):
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
            self.delete(dst, to_delete)
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
                    self.engine.error(work, "copied message not found on the destination when verifying", uid=suid,
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
                    self.engine.error(work, "verification failed: " + "; ".join(problems), uid=suid,
                                      key=smsg.key if smsg else None, size=smsg.size if smsg else None)
                else:
                    verified.add(suid)
        # what is still missing
        missing = [u for u in work.src_msgs
                   if u not in work.matched and u not in work.copied and u not in work.cross_skipped]
        stats["missing"] = len(missing)
        # delete1: only what is verified present on the destination
        if self.engine.opts.get("delete1"):
            present = [u for u in work.src_msgs if u in work.matched or u in verified]
            if present:
                src.select_folder(work.src, readonly=False)
                self.delete(src, present)
                stats["deleted_source"] = len(present)
        dst_status = self.engine.looker.status(dst, work.dst)
        stats["destination_messages_after"] = dst_status.get("MESSAGES", 0)
        if (work.pstate is not None and not missing and not stats["errors"] and not self.engine.opts.get("delete1")
                and (self.engine.opts.get("resync_flags", True) or not work.flag_differences)):
            recorded = dict(dst_status, **{planner.PLAN_MARK: self.engine.signature,
                                           planner.CROSS_MARK: len(work.cross_skipped)})
            self.engine.state.set_status(work.pstate, work.src_status, recorded)

    @staticmethod
    def delete(client, uids):
        client.add_flags(uids, [b"\\Deleted"], silent=True)
        if client.has_capability("UIDPLUS"):
            client.uid_expunge(uids)
        else:
            client.expunge()
