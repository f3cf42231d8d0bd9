# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Finish a folder pair after its copy: flag re-sync, the plan's deletions on the destination, VERIFY every
copied message (size, flags, INTERNALDATE as the destination serves them), delete1 of what is verified
present, and the statuses recorded in the state (with the plan signature the shortcut checks).

Beyond size, flags and date, a digest of what the destination serves is compared where a server is
known to change content at the same size: the header of a message with 8-bit header bytes (Cyrus's
munge8bit), every whole message with ``verify: full``. Those FETCHes are pipelined behind the metadata
FETCH, and only sent for such messages. A final CRLF added to a message that had no final line end
(Courier, size +2) is recognised, not an error. Every error of the pair gets the message's identity
(key, Message-ID) read from the source, one FETCH for all, only when there are errors.
"""

from __future__ import annotations

import re

from ansible_collections.mailwave.migrate.plugins.module_utils._imap import connection as conn
from ansible_collections.mailwave.migrate.plugins.module_utils._imap import planner
from ansible_collections.mailwave.migrate.plugins.module_utils._imap import wire as wire_mod
from ansible_collections.mailwave.migrate.plugins.module_utils._imap.look import META_ITEMS
from ansible_collections.mailwave.migrate.plugins.module_utils._imap.planner import flagset as _flagset
from ansible_collections.mailwave.migrate.plugins.module_utils._imap.planner import internaldate_epoch
from ansible_collections.mailwave.migrate.plugins.module_utils._imap.transfer import digest, header_block

_HIGH_RE = re.compile(rb"[\x80-\xff]")
_MESSAGE_ID_RE = re.compile(rb"^message-id:[ \t]*(.*?)[ \t\r]*$", re.I | re.M)


def _b(text):
    return text if isinstance(text, bytes) else str(text).encode("utf-8")


def _s(data):
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)


class Finisher:
    """The finish stage of one SyncEngine run."""

    def __init__(self, engine):
        self.engine = engine
        self.changed = 0      # copied messages the destination serves otherwise than sent (reported as errors)
        self.line_ended = 0   # messages the destination ended with CRLF (Courier): recognised, not errors

    def finish_pair(self, src, dst, work):
        if work.stats["unchanged"]:
            return
        self.finish_many(src, dst, [work])

    def finish_many(self, src, dst, works):
        """Finish these pairs on one session. The writes of a pair (flag re-sync, deletions) come first, on
        its folder selected read-write; then the verification and STATUS of every pair in ONE pipelined
        burst (per pair: EXAMINE unless just selected, the FETCHes, STATUS); then each pair's verdict."""
        works = [w for w in works if not w.stats["unchanged"] and not w.finished]
        segments = []
        verifications = []
        for work in works:
            verification = Verification(self, work)
            verifications.append(verification)
            if work.flag_updates or work.delete_destination:
                # read-write only when something is to change (a no-change run sends no write at all); the
                # pair's verification follows at once, on its folder still selected
                self.run_segments(dst, segments)
                segments = []
                self.write_pair(dst, work)
                self.run_segments(dst, [(verification, None, status_items(dst))])
            else:
                segments.append((verification, work.dst, status_items(dst)))
        self.run_segments(dst, segments)
        for verification in verifications:
            self.after_verification(src, verification)

    def run_segments(self, dst, segments):
        if not segments:
            return
        parts = [(index, select, v.requests(), (v.work.dst, items)) for index, (v, select, items) in enumerate(segments)]
        statuses = fetch_pipelined(wire_mod.Wire(dst), parts, lambda index, data: segments[index][0].on_fetch(data))
        for index, (verification, _select, _items) in enumerate(segments):
            verification.status = statuses.get(index) or {}

    def write_pair(self, dst, work):
        """The plan's writes on the destination folder: flag re-sync, then deletions (selected read-write)."""
        stats = work.stats
        to_delete = list(work.delete_destination)
        dst.select_folder(work.dst, readonly=False)
        # flag re-sync on messages that were already there
        if work.flag_updates:
            groups = {}
            for duid, flags in work.flag_updates:
                groups.setdefault(flags, []).append(duid)
            updated = 0
            for flags, duids in groups.items():
                if self.set_flags(dst, work, duids, flags):
                    updated += len(duids)
            stats["flags_updated"] = updated
            work.flag_updates = []
        # deletions on the destination
        if to_delete:
            self.delete(dst, to_delete)
            stats["deleted_destination"] = len(to_delete)

    def after_verification(self, src, verification):
        work = verification.work
        stats = work.stats
        verified = verification.judge()
        dst_status = verification.status
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
        self.identify_errors(src, work)
        stats["destination_messages_after"] = dst_status.get("MESSAGES", 0)
        if (work.pstate is not None and not missing and not stats["errors"] and not self.engine.opts.get("delete1")
                and (self.engine.opts.get("resync_flags", True) or not work.flag_differences)):
            recorded = dict(dst_status, **{planner.PLAN_MARK: self.engine.signature,
                                           planner.CROSS_MARK: len(work.cross_skipped)})
            self.engine.state.set_status(work.pstate, work.src_status, recorded)
        work.finished = True  # a group retried on a fresh connection does not finish it twice

    def set_flags(self, dst, work, duids, flags):
        """STORE flags on duids; a refusal (Cyrus's keyword limit) is a warning, not the end of the run."""
        try:
            dst.set_flags(duids, [_b(f) for f in flags], silent=True)
            return True
        except Exception as exc:  # noqa: BLE001 - imapclient raises its error class for a NO
            if conn.imap_exceptions is None or isinstance(exc, conn.imap_exceptions.IMAPClientAbortError) \
                    or not isinstance(exc, conn.imap_exceptions.IMAPClientError):
                raise  # a dropped connection: the finish is retried on a fresh one
            with self.engine._lock:
                self.engine.warnings.append("%s: the destination refused to set the flags %s on %d message(s): %s"
                                            % (work.dst, " ".join(flags), len(duids),
                                               self.engine.destination.redact(str(exc))))
            return False

    def identify_errors(self, src, work):
        """Fill in the identity (key, Message-ID) of this pair's per-message errors, read from the source."""
        with self.engine._lock:
            todo = [e for e in self.engine.errors if e.get("folder") == work.src and e.get("uid") is not None
                    and (e.get("key") is None or "message_id" not in e)]
        if not todo:
            return
        src.select_folder(work.src, readonly=True)
        found = {}
        identity = self.engine.identity
        for data in wire_mod.Wire(src).fetch_list(sorted({e["uid"] for e in todo}),
                                                  "UID RFC822.SIZE INTERNALDATE " + _s(identity.header_fetch_item)):
            header = data.get("HEADER", b"") or b""
            match = _MESSAGE_ID_RE.search(header)
            found[data.get("UID")] = (identity.message_key(header, data.get("RFC822.SIZE", 0),
                                                           internaldate_epoch(data.get("INTERNALDATE"))),
                                      _s(match.group(1)) if match else None)
        with self.engine._lock:
            for error in todo:
                key, message_id = found.get(error["uid"], (None, None))
                if error.get("key") is None:
                    error["key"] = key
                error["message_id"] = message_id

    @staticmethod
    def delete(client, uids):
        client.add_flags(uids, [b"\\Deleted"], silent=True)
        if client.has_capability("UIDPLUS"):
            client.uid_expunge(uids)
        else:
            client.expunge()


def header_change(sent, served):
    """What a destination did to a header, in words a server admin can act on."""
    if len(sent) == len(served) and served == _HIGH_RE.sub(b"X", sent):
        return ("the destination replaced the 8-bit bytes of the header by 'X' (Cyrus IMAP's munge8bit: set "
                "'munge8bit: no' in imapd.conf, then copy these messages again)")
    return "the destination serves another header than was sent (%d bytes instead of %d)" % (len(served), len(sent))


def status_items(client):
    """The STATUS items a look and the state compare (HIGHESTMODSEQ where the server has CONDSTORE)."""
    items = ["MESSAGES", "UIDNEXT", "UIDVALIDITY"]
    if client.has_capability("CONDSTORE"):
        items.append("HIGHESTMODSEQ")
    return items


class Verification:
    """One pair's verification: what to FETCH from the destination, what it served, and the verdict.

    Every copied message is checked as the destination serves it (size, flags, INTERNALDATE); headers and
    bodies are fetched only where a server is known to change content at the same size (see what_to_check).
    """

    def __init__(self, finisher, work):
        self.finisher = finisher
        self.engine = finisher.engine
        self.work = work
        transfer = self.engine.transfer
        self.checks = transfer.checks.get(work, {})
        self.dropped = transfer.dropped.get(work, {})
        self.by_duid = {d: s for s, d in work.copied.items() if d is not None}
        self.header_duids = [d for d, s in self.by_duid.items() if (self.checks.get(s) or {}).get("header") is not None]
        self.body_duids = [d for d, s in self.by_duid.items() if (self.checks.get(s) or {}).get("digests")]
        self.seen, self.headers, self.bodies = {}, {}, {}
        self.status = {}  # the destination folder's STATUS after the copy

    def requests(self):
        """[(destination uids, FETCH items)]: metadata of all, headers/bodies only where needed."""
        requests = [(list(self.by_duid), META_ITEMS)]
        if self.header_duids:
            requests.append((self.header_duids, "UID BODY.PEEK[HEADER]"))
        if self.body_duids:
            requests.append((self.body_duids, "UID BODY.PEEK[]"))
        return requests

    def on_fetch(self, data):
        # Dovecot runs pipelined FETCHes at once and interleaves their untagged answers, so an answer is
        # told by what it holds, never by the command it seems to follow.
        uid = data.get("UID")
        if uid is None:
            return
        if "HEADER" in data:
            self.headers[uid] = data["HEADER"]
        if "BODY" in data:  # each body is digested as it arrives, never kept
            self.bodies[uid] = digest(data["BODY"])
        if "RFC822.SIZE" in data or "INTERNALDATE" in data:
            self.seen.setdefault(uid, {}).update(data)

    def judge(self):
        """Report each difference; return the source uids verified."""
        work, engine, checks, dropped = self.work, self.engine, self.checks, self.dropped
        verified = set()
        for duid, suid in self.by_duid.items():
            smsg = work.src_msgs.get(suid)
            data = self.seen.get(duid)
            if data is None:
                engine.error(work, "copied message not found on the destination when verifying", uid=suid,
                             key=smsg.key if smsg else None, size=smsg.size if smsg else None)
                continue
            check = checks.get(suid) or {}
            problems = []
            if smsg is not None:
                size = data.get("RFC822.SIZE")
                if size != smsg.size and not (check.get("unended") and size == smsg.size + 2):
                    problems.append("size %s instead of %s" % (size, smsg.size))
                elif size != smsg.size:
                    with engine._lock:
                        self.finisher.line_ended += 1
                if internaldate_epoch(data.get("INTERNALDATE")) != internaldate_epoch(smsg.date):
                    problems.append("INTERNALDATE %s instead of %s" % (data.get("INTERNALDATE"), smsg.date))
                want = _flagset(work.flag_filter(smsg.flags)) - dropped.get(suid, set())
                if _flagset(data.get("FLAGS", ())) != want:
                    problems.append("flags %s instead of %s" % (" ".join(_s(f) for f in data.get("FLAGS", ())),
                                                                " ".join(sorted(want))))
            sent_header = check.get("header")
            if sent_header is not None and duid in self.headers:
                served = header_block(self.headers[duid]).rstrip(b"\r\n")
                if served != sent_header.rstrip(b"\r\n"):
                    problems.append(header_change(sent_header.rstrip(b"\r\n"), served))
            if check.get("digests") and duid in self.bodies and self.bodies[duid] not in check["digests"]:
                problems.append("the destination serves other bytes than were sent (digest differs)")
            if problems:
                with engine._lock:
                    self.finisher.changed += 1
                engine.error(work, "verification failed: " + "; ".join(problems), uid=suid,
                             key=smsg.key if smsg else None, size=smsg.size if smsg else None)
            else:
                verified.add(suid)
        return verified


def status_items(client):
    """The STATUS items a look and the state compare (HIGHESTMODSEQ where the server has CONDSTORE)."""
    items = ["MESSAGES", "UIDNEXT", "UIDVALIDITY"]
    if client.has_capability("CONDSTORE"):
        items.append("HIGHESTMODSEQ")
    return items


def fetch_pipelined(wire, segments, on_fetch):
    """Several folders' UID FETCHes sent at once, every answer given to on_fetch(segment key, data): one
    round trip for all.

    segments: [(key, folder to EXAMINE first or None (the one selected), [(uids, items)], (folder, STATUS
    items) or None)]; the EXAMINE is only sent when the segment has something to fetch. Returns {key:
    {ITEM: int}} of the STATUS asked. Servers finish a folder's commands before the next EXAMINE (RFC 3501
    5.5), so each answer belongs to the segment whose command is the oldest unanswered; within a segment a
    server may interleave the answers of its FETCHes (Dovecot does), so on_fetch must tell them apart by
    their items. Every answer is read before a refusal is raised, so the connection stays usable."""
    commands = []
    for key, select, requests, status in segments:
        fetches = [((key, index), b"UID FETCH " + wire_mod.uid_set(uids).encode("ascii") + b" ("
                    + items.encode("ascii") + b")") for index, (uids, items) in enumerate(requests) if uids]
        if fetches and select is not None:
            commands.append(((key, "select"), b"EXAMINE " + wire_mod.mailbox_arg(select)))
        commands.extend(fetches)
        if status is not None:
            commands.append(((key, "status"), b"STATUS " + wire_mod.mailbox_arg(status[0]) + b" ("
                             + " ".join(status[1]).encode("ascii") + b")"))
    found = {}
    # a STATUS of a segment without EXAMINE may be answered while an earlier segment's FETCH runs (Dovecot
    # runs such commands at once): its answer is told by the folder it names
    by_name = {wire_mod.wire_name(status[0]): key for key, _select, _requests, status in segments if status}

    def on_untagged(command_key, line, data):
        key = command_key[0]
        if data is not None:
            on_fetch(key, data)
        elif line[:9].upper() == b"* STATUS ":
            name = wire_mod.status_mailbox(line)
            if name is not None:
                key = by_name.get(b"INBOX" if name.upper() == b"INBOX" else name, key)
            found.setdefault(key, {}).update(wire_mod.status_items(line))

    answers = wire_mod.pipeline(wire, commands, on_untagged)
    if any(key[1] == "select" for key, _command in commands):
        wire_mod.selected(wire, readonly=True)
    failure = next((answers[key] for key, _command in commands if answers.get(key) is not None), None)
    if failure is not None:
        raise failure
    return {key: found.get(key, {}) for key, _select, _requests, status in segments if status is not None}
