# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Decide, for one collection, what to write: source objects + destination objects + state -> actions.

No I/O. Objects are matched by UID (resource names differ between servers). The state (what the
last run wrote: per UID the source ETag it copied, the destination href and the ETag the destination
gave) makes a re-run free: same source ETag and same destination ETag means nothing to do, even when
the destination stores the object differently from how we sent it (SOGo does: it upper-cases
groups, gives floating times a zone). Without state, the content decides (``content.differences``).
Nothing is ever deleted at the destination, and an object changed there since our copy (or there
before us, different) is a conflict: kept unless ``on_conflict='overwrite'``.
"""

from __future__ import annotations

import dataclasses

from ansible_collections.mailwave.migrate.plugins.module_utils._dav import content

CREATE, UPDATE, UNCHANGED, ALREADY_THERE, CONFLICT, ERROR = (
    "create", "update", "unchanged", "already_there", "conflict", "error")


@dataclasses.dataclass(frozen=True)
class SourceObject:
    href: str
    etag: str
    data: str  # the object as the source serves it


@dataclasses.dataclass(frozen=True)
class DestObject:
    href: str
    etag: str
    data: str | None = None  # None: not read (only needed when there is no state for its UID)


@dataclasses.dataclass(frozen=True)
class Action:
    kind: str
    uid: str | None
    source_href: str
    dest_href: str | None = None
    dest_etag: str | None = None  # for If-Match on update
    data: str | None = None  # what to write (create/update)
    reason: str = ""
    source_etag: str = ""


def prepare(data: str) -> str:
    """What we write for a source object: iCalendar without server-side scheduling, vCards as they are.

    Line ends become CRLF (RFC 5545/6350): a multiget's XML parser has turned them into LF.
    """
    if content.kind_of(data) == "vcalendar":
        return content.without_scheduling(data)
    return data.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")


def plan(source: list[SourceObject], dest: dict[str, DestObject], state: dict[str, dict],
         collection_href: str, extension: str, on_conflict: str = "keep") -> list[Action]:
    """Actions for every source object, in source order.

    ``dest`` maps UID -> the destination object; ``state`` maps UID -> {"source_etag", "dest_href",
    "dest_etag"} as the last run recorded; ``collection_href`` ends with '/'.
    """
    actions: list[Action] = []
    seen: dict[str, str] = {}
    for obj in source:
        uid = content.uid_of(obj.data)
        if content.kind_of(obj.data) == "":
            actions.append(Action(ERROR, uid, obj.href, reason="not a vCard or iCalendar object"))
            continue
        if uid is None:
            actions.append(Action(ERROR, None, obj.href, reason="no UID (or components with different UIDs)"))
            continue
        if uid in seen:
            actions.append(Action(ERROR, uid, obj.href, reason=f"UID also used by {seen[uid]}"))
            continue
        seen[uid] = obj.href
        action = _plan_one(obj, uid, dest.get(uid), state.get(uid), collection_href, extension, on_conflict)
        actions.append(dataclasses.replace(action, source_etag=obj.etag))
    return actions


def _plan_one(obj: SourceObject, uid: str, there: DestObject | None, recorded: dict | None,
              collection_href: str, extension: str, on_conflict: str) -> Action:
    data = prepare(obj.data)
    if there is None:
        href = (recorded or {}).get("dest_href") or collection_href + content.resource_name(uid, extension)
        why = "deleted at the destination since the last run" if recorded else ""
        return Action(CREATE, uid, obj.href, href, None, data, why)
    ours = recorded is not None and recorded.get("dest_etag") == there.etag
    if ours and recorded.get("source_etag") == obj.etag:
        return Action(UNCHANGED, uid, obj.href, there.href, there.etag)
    if ours:
        return Action(UPDATE, uid, obj.href, there.href, there.etag, data, "changed at the source")
    if there.data is not None and not content.differences(data, there.data):
        return Action(ALREADY_THERE, uid, obj.href, there.href, there.etag)
    why = "changed at the destination since the last copy" if recorded else "a different version is at the destination"
    if on_conflict == "overwrite":
        return Action(UPDATE, uid, obj.href, there.href, there.etag, data, why + " (overwritten)")
    return Action(CONFLICT, uid, obj.href, there.href, there.etag, None, why + " (kept)")


def summary(actions: list[Action]) -> dict[str, int]:
    counts = {CREATE: 0, UPDATE: 0, UNCHANGED: 0, ALREADY_THERE: 0, CONFLICT: 0, ERROR: 0}
    for action in actions:
        counts[action.kind] += 1
    return counts
