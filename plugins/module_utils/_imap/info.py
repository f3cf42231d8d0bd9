# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Inventory of one IMAP account (read-only): what is in each folder, what to clean up, is it abandoned.

Cost: LIST (+ NAMESPACE, LSUB), then per folder one read-only SELECT (EXAMINE) and one UID FETCH of
``RFC822.SIZE INTERNALDATE FLAGS`` in batches (nothing else, so 20,000 messages take about a second),
then one FETCH of ``ENVELOPE`` for the few largest messages. Nothing is ever written and no message is
marked read.
"""

from __future__ import annotations

import datetime
import email.errors
import email.header
import heapq

from ansible_collections.mailwave.migrate.plugins.module_utils._imap import folders as _folders
from ansible_collections.mailwave.migrate.plugins.module_utils._imap.connection import (
    call_with_retry,
    close_quietly,
    connect,
)

FETCH_BATCH = 5000
UTC = datetime.timezone.utc


def _utc(value):
    """INTERNALDATE (aware, or naive local time as imapclient may give it) -> aware UTC datetime."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.astimezone()  # naive = local time
    return value.astimezone(UTC)


def _iso(value):
    return value.isoformat() if value is not None else None


def _days(now, value):
    if value is None:
        return None
    return int((now - value).total_seconds() // 86400)


def _decode_words(raw):
    """RFC 2047 encoded words (bytes or str) -> str; never raises."""
    if raw is None:
        return None
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    try:
        return str(email.header.make_header(email.header.decode_header(raw)))
    except (ValueError, LookupError, email.errors.HeaderParseError):
        return raw


def _address(envelope):
    """First From address of an ENVELOPE as 'Name <mailbox@host>' (or just the address)."""
    addresses = getattr(envelope, "from_", None) or ()
    if not addresses:
        return None
    addr = addresses[0]
    mailbox = (addr.mailbox or b"").decode("utf-8", "replace") if isinstance(addr.mailbox, bytes) else (addr.mailbox or "")
    host = (addr.host or b"").decode("utf-8", "replace") if isinstance(addr.host, bytes) else (addr.host or "")
    address = "%s@%s" % (mailbox, host) if host else mailbox
    name = _decode_words(addr.name) if addr.name else None
    return "%s <%s>" % (name, address) if name else address


class FolderStats:
    """Counters of one folder."""

    def __init__(self, name):
        self.name = name
        self.messages = 0
        self.bytes = 0
        self.unseen = 0
        self.oldest = None
        self.newest = None
        self.big_messages = 0
        self.big_bytes = 0
        self.old_messages = 0
        self.old_bytes = 0
        self.recent_unseen = 0   # unseen among the messages newer than abandoned_days
        self.recent = 0

    def as_dict(self, now):
        return {
            "messages": self.messages, "bytes": self.bytes, "unseen": self.unseen,
            "oldest": _iso(self.oldest), "newest": _iso(self.newest), "newest_days": _days(now, self.newest),
            "big_messages": self.big_messages, "big_bytes": self.big_bytes,
            "old_messages": self.old_messages, "old_bytes": self.old_bytes,
        }


def scan_folder(client, name, *, now, big_message_size, old_before, recent_after, largest, heap):
    """EXAMINE one folder and count; push (size, folder, uid, date) of the largest messages onto heap."""
    stats = FolderStats(name)
    status = client.select_folder(name, readonly=True)
    exists = int(status.get(b"EXISTS", 0) or 0)
    if not exists:
        return stats
    uids = sorted(client.search(["ALL"]))
    for start in range(0, len(uids), FETCH_BATCH):
        batch = uids[start:start + FETCH_BATCH]
        # SEARCH ALL gave every UID, so "first:last" names exactly this batch, in a short command line.
        data = client.fetch("%d:%d" % (batch[0], batch[-1]), [b"RFC822.SIZE", b"INTERNALDATE", b"FLAGS"])
        for uid, item in data.items():
            size = int(item.get(b"RFC822.SIZE", 0) or 0)
            date = _utc(item.get(b"INTERNALDATE"))
            seen = any(f.lower() == b"\\seen" if isinstance(f, bytes) else str(f).lower() == "\\seen"
                       for f in item.get(b"FLAGS", ()))
            stats.messages += 1
            stats.bytes += size
            if not seen:
                stats.unseen += 1
            if date is not None:
                if stats.oldest is None or date < stats.oldest:
                    stats.oldest = date
                if stats.newest is None or date > stats.newest:
                    stats.newest = date
                if date < old_before:
                    stats.old_messages += 1
                    stats.old_bytes += size
                if date >= recent_after:
                    stats.recent += 1
                    if not seen:
                        stats.recent_unseen += 1
            if size >= big_message_size:
                stats.big_messages += 1
                stats.big_bytes += size
            if largest > 0:
                entry = (size, -uid, name, uid, date)
                if len(heap) < largest:
                    heapq.heappush(heap, entry)
                elif entry > heap[0]:
                    heapq.heapreplace(heap, entry)
    return stats


def _describe_largest(client, heap):
    """The largest messages, biggest first, with subject and sender from one ENVELOPE fetch per folder."""
    entries = sorted(heap, reverse=True)
    by_folder = {}
    for _size, _neg, folder, uid, _date in entries:
        by_folder.setdefault(folder, []).append(uid)
    envelopes = {}
    for folder, uids in by_folder.items():
        client.select_folder(folder, readonly=True)
        for uid, item in client.fetch(uids, [b"ENVELOPE"]).items():
            envelopes[(folder, uid)] = item.get(b"ENVELOPE")
    result = []
    for size, _neg, folder, uid, date in entries:
        env = envelopes.get((folder, uid))
        result.append({"folder": folder, "uid": uid, "size": size, "date": _iso(date),
                       "subject": _decode_words(env.subject) if env is not None and env.subject else None,
                       "from": _address(env) if env is not None else None})
    return result


def abandonment(now, inbox, sent, abandoned_days, sent_folder):
    """(looks_abandoned, [reasons]) from the INBOX and Sent statistics (see docs/imap_mailbox_info.md).

    A box looks abandoned when nothing was sent for abandoned_days AND either no mail arrived in INBOX for
    abandoned_days or every INBOX message of that period is still unread. The reasons list the facts.
    """
    facts = []
    nothing_sent = sent is None or sent.newest is None or _days(now, sent.newest) >= abandoned_days
    if sent_folder is None:
        facts.append("no Sent folder found")
    elif sent is None or sent.newest is None:
        facts.append("nothing in the Sent folder %r" % sent_folder)
    elif nothing_sent:
        facts.append("nothing sent for %d days (newest in %r: %s)" % (_days(now, sent.newest), sent_folder,
                                                                      sent.newest.date().isoformat()))
    no_new_mail = inbox is None or inbox.newest is None or _days(now, inbox.newest) >= abandoned_days
    unread = (not no_new_mail) and inbox.recent > 0 and inbox.recent_unseen == inbox.recent
    if inbox is None or inbox.newest is None:
        facts.append("INBOX is empty")
    elif no_new_mail:
        facts.append("no new mail in INBOX for %d days (newest: %s)"
                     % (_days(now, inbox.newest), inbox.newest.date().isoformat()))
    elif unread:
        facts.append("none of the %d INBOX messages of the last %d days has been read"
                     % (inbox.recent, abandoned_days))
    looks = nothing_sent and (no_new_mail or unread)
    return looks, facts if looks else []


def _folder_error(name, exc):
    """A folder the server refuses to open (NO/BAD) is reported and skipped; a dropped connection is raised."""
    try:
        from imapclient.exceptions import IMAPClientAbortError, IMAPClientError
    except ImportError:  # pragma: no cover
        raise exc
    if isinstance(exc, IMAPClientAbortError) or not isinstance(exc, IMAPClientError):
        raise exc
    text = exc.args[0] if exc.args else str(exc)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return {"folder": name, "error": str(text)}


def inventory(client, *, include=None, exclude=None, exclude_special_use=None, big_message_size=10485760,
              old_message_days=730, largest=10, abandoned_days=180, now=None):
    """Read-only inventory of the account behind a logged-in imapclient client; returns a JSON-ready dict.

    Raises folders.FolderPlanError on a bad regular expression; IMAP errors propagate to the caller.
    """
    now = now or datetime.datetime.now(UTC)
    client.normalise_times = False
    capabilities = sorted(c.decode("ascii", "replace") if isinstance(c, bytes) else str(c)
                          for c in client.capabilities())
    listing = _folders.list_folders(client)
    selected, excluded = _folders.select(listing, include=include, exclude=exclude,
                                         exclude_special_use=exclude_special_use)
    old_before = now - datetime.timedelta(days=old_message_days)
    recent_after = now - datetime.timedelta(days=abandoned_days)
    heap = []
    stats = {}
    kwargs = dict(now=now, big_message_size=big_message_size, old_before=old_before, recent_after=recent_after)
    folder_errors = []
    for folder in selected:
        try:
            stats[folder.name] = scan_folder(client, folder.name, largest=largest, heap=heap, **kwargs)
        except Exception as exc:  # noqa: BLE001 - sorted out by _folder_error()
            folder_errors.append(_folder_error(folder.name, exc))

    special = {}
    for role in _folders.SPECIAL_USE_FLAGS:
        name = listing.find_role(role)
        if name:
            special[role] = name
    inbox_name = next((f.name for f in listing.folders if f.name.upper() == "INBOX"), None)
    sent_name = special.get("\\Sent")

    def stats_for(name):
        # INBOX and Sent are scanned for the abandonment check even when the filters leave them out.
        if name is None:
            return None
        if name not in stats:
            return scan_folder(client, name, largest=0, heap=[], **kwargs)
        return stats[name]

    inbox = stats_for(inbox_name)
    sent = stats_for(sent_name)
    looks, reasons = abandonment(now, inbox, sent, abandoned_days, sent_name)
    largest_list = _describe_largest(client, heap) if heap else []

    totals = {"folders": len(stats), "messages": 0, "bytes": 0, "unseen": 0, "big_messages": 0, "big_bytes": 0,
              "old_messages": 0, "old_bytes": 0}
    oldest = newest = None
    for item in stats.values():
        for key in ("messages", "bytes", "unseen", "big_messages", "big_bytes", "old_messages", "old_bytes"):
            totals[key] += getattr(item, key)
        if item.oldest is not None and (oldest is None or item.oldest < oldest):
            oldest = item.oldest
        if item.newest is not None and (newest is None or item.newest > newest):
            newest = item.newest
    totals["oldest"], totals["newest"] = _iso(oldest), _iso(newest)

    return {
        "capabilities": capabilities,
        "delimiter": listing.delimiter,
        "prefix": listing.prefix,
        "folders": {name: dict(item.as_dict(now), special_use=listing.role_of(name)[0],
                               subscribed=listing.get(name).subscribed)
                    for name, item in stats.items()},
        "excluded_folders": excluded,
        "folder_errors": folder_errors,
        "totals": totals,
        "special_use": special,
        "largest_messages": largest_list,
        "inbox_newest": _iso(inbox.newest) if inbox else None,
        "inbox_newest_days": _days(now, inbox.newest) if inbox else None,
        "sent_folder": sent_name,
        "sent_newest": _iso(sent.newest) if sent else None,
        "sent_newest_days": _days(now, sent.newest) if sent else None,
        "looks_abandoned": looks,
        "abandoned_reasons": reasons,
        "abandoned_reason": "; ".join(reasons) if reasons else None,
        "checked_at": _iso(now),
    }


def inventory_options():
    """The inventory options of imap_mailbox_info and imap_mailboxes_info (besides the accounts)."""
    return dict(
        folders_include=dict(type="list", elements="str"),
        folders_exclude=dict(type="list", elements="str"),
        big_message_size=dict(type="int", default=10485760),
        old_message_days=dict(type="int", default=730),
        largest=dict(type="int", default=10),
        abandoned_days=dict(type="int", default=180),
    )


def inventory_options_problem(params):
    """A sentence saying which inventory option is out of range, or None."""
    for name in ("big_message_size", "old_message_days", "largest", "abandoned_days"):
        if params[name] < 0:
            return "%s must be 0 or more, not %s" % (name, params[name])
    return None


def inventory_of(endpoint, params, connector=connect):
    """Log in to endpoint and take its inventory with the modules' options (params); read-only, so a
    dropped connection is answered by taking the whole inventory again. Raises ImapError/FolderPlanError."""
    preset = endpoint.preset or {}
    exclude = list(params.get("folders_exclude") or []) + list(preset.get("folders_exclude") or [])

    def take():
        client = connector(endpoint)
        try:
            return inventory(
                client,
                include=params.get("folders_include"),
                exclude=exclude,
                exclude_special_use=list(preset.get("exclude_special_use") or [])
                + list(preset.get("last_special_use") or []),
                big_message_size=params["big_message_size"],
                old_message_days=params["old_message_days"],
                largest=params["largest"],
                abandoned_days=params["abandoned_days"],
            )
        finally:
            close_quietly(client)

    return call_with_retry(take, endpoint, attempts=3, passthrough=(_folders.FolderPlanError,))
