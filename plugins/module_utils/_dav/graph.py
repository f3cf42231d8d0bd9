# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""A Microsoft 365 account's contacts and calendars read from Microsoft Graph v1.0, served to the engine as
if they were CardDAV/CalDAV collections (the source interface: ``source_collections``, ``client``,
``etags``, ``multiget``, ``requests``). graph_convert does the vCard/iCalendar conversion.

Requests (learn.microsoft.com/graph/api/...):
- address books: the default contacts folder (``user-list-contacts``: GET /users/{id}/contacts) and every
  folder under it (``user-list-contactfolders``, ``contactfolder-list-childfolders``), each folder's
  contacts (``contactfolder-list-contacts``), a contact's photo (``profilephoto-get``: GET
  .../contacts/{id}/photo/$value, 404 when it has none);
- calendars: ``user-list-calendars``; a calendar's events (``calendar-list-events``: single events and
  series masters, times in UTC without a Prefer header); per series master its exceptions and cancelled
  occurrences (GET /users/{id}/events/{id}?$select=cancelledOccurrences,exceptionOccurrences
  &$expand=exceptionOccurrences, the event resource's cancelledOccurrences property and
  exceptionOccurrences relationship, documented on the beta page; an endpoint that refuses them gets
  ``event-list-instances`` over the series' span instead, whose exceptions are read and whose cancelled
  occurrences cannot be: that is said in ``conversions``); per event with hasAttachments its attachments
  (``event-list-attachments``).
Calendars another user owns (shared with this one: their ``owner`` is someone else) are not copied: they
move with their owner's account. They are listed in ``skipped``.

Graph has no collection sync-token that the engine could keep (its delta queries are per folder and
expire); every run lists everything, and the state's change keys make the rest of a re-run free. An
object's ETag is its ``changeKey``; a series' also covers its exceptions and cancellations, which change
without the master's key changing.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import re
import time
import urllib.parse

from ansible_collections.mailwave.migrate.plugins.module_utils._common.json_api import ApiReader, SourceError
from ansible_collections.mailwave.migrate.plugins.module_utils._dav import graph_convert
from ansible_collections.mailwave.migrate.plugins.module_utils._dav.webdav import Collection, DavError

GRAPH_URL = "https://graph.microsoft.com/v1.0"
SCOPES = {"addressbook": "Contacts.Read", "calendar": "Calendars.Read"}
PAGE = 100  # $top: Graph's pages are 10 items by default


def _q(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def _name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-").lower()


def _photo_type(data: bytes) -> str:
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    return "image/jpeg"  # what Exchange stores contact photos as


def series_etag(event: dict) -> str:
    """The change key, plus a digest of the exceptions' keys and the cancelled occurrences for a series."""
    key = event.get("changeKey") or event.get("@odata.etag") or ""
    if event.get("type") != "seriesMaster":
        return key
    extra = [sorted(e.get("changeKey") or e.get("id", "") for e in event.get("exceptionOccurrences") or []),
             sorted(event.get("cancelledOccurrences") or [])]
    return key + "+" + hashlib.sha256(json.dumps(extra).encode()).hexdigest()[:16]


class GraphSource:
    """One Microsoft 365 account, read with an OAuth2 access token (Contacts.Read, Calendars.Read)."""

    def __init__(self, user: str, token: str, base: str | None = None, ca_file: str | None = None,
                 validate_certs: bool = True, timeout: float = 60, sleep=time.sleep):
        self.user = user
        self.root = "/users/" + urllib.parse.quote(user, safe="@")
        self.apis = {kind: ApiReader(base or GRAPH_URL, token, "Microsoft Graph API", scope, ca_file=ca_file,
                                     validate_certs=validate_certs, timeout=timeout, sleep=sleep)
                     for kind, scope in SCOPES.items()}
        self._paths: dict[str, str] = {}  # collection href -> the Graph path of its items
        self._objects: dict[str, dict[str, tuple[str, str]]] = {}  # collection href -> {href: (etag, data)}
        self.conversions: list[dict] = []  # per object, what graph_convert noted (approximations, unconverted)
        self.skipped: list[dict] = []  # calendars not copied, with why

    # ------------------------------------------------------------------ the source interface
    @property
    def requests(self) -> int:
        return sum(api.requests for api in self.apis.values())

    def client(self, kind: str) -> "GraphSource":
        return self

    def propfind(self, href: str, props: str, depth: str = "0") -> list:
        return []  # no sync-token (see the module's docstring)

    def source_collections(self, kind: str) -> list[Collection]:
        try:
            return self._contact_folders() if kind == "addressbook" else self._calendars()
        except SourceError as exc:
            raise DavError(str(exc)) from None

    def etags(self, collection: str) -> dict[str, str]:
        if collection not in self._objects:
            try:
                self._objects[collection] = self._load(collection)
            except SourceError as exc:
                raise DavError(str(exc)) from None
        return {href: etag for href, (etag, _data) in self._objects[collection].items()}

    def multiget(self, collection: str, kind: str, hrefs: list[str]) -> dict[str, tuple[str, str]]:
        self.etags(collection)
        return {href: self._objects[collection][href] for href in hrefs if href in self._objects[collection]}

    # ------------------------------------------------------------------ listing
    def _contact_folders(self) -> list[Collection]:
        api = self.apis["addressbook"]
        found = [Collection("/graph/contacts/", "addressbook", "Contacts", name="personal", default=True)]
        self._paths[found[0].href] = self.root + "/contacts"

        def walk(path: str, parents: list[str]) -> None:
            for folder in api.pages(path):
                names = parents + [folder.get("displayName") or folder["id"]]
                href = "/graph/contactFolders/%s/" % _q(folder["id"])
                found.append(Collection(href, "addressbook", " / ".join(names), name=_name("-".join(names))))
                self._paths[href] = "%s/contactFolders/%s/contacts" % (self.root, _q(folder["id"]))
                walk("%s/contactFolders/%s/childFolders?$top=%d" % (self.root, _q(folder["id"]), PAGE), names)

        walk("%s/contactFolders?$top=%d" % (self.root, PAGE), [])
        return found

    def _calendars(self) -> list[Collection]:
        found = []
        for cal in self.apis["calendar"].pages("%s/calendars?$top=%d" % (self.root, PAGE)):
            owner = ((cal.get("owner") or {}).get("address") or "").lower()
            if owner and owner != self.user.lower():
                self.skipped.append({"kind": "calendars", "name": cal.get("name", ""), "owner": owner,
                                     "why": "shared by its owner: it moves with the owner's account"})
                continue
            href = "/graph/calendars/%s/" % _q(cal["id"])
            color = cal.get("hexColor") or ""
            found.append(Collection(href, "calendar", cal.get("name") or "", color if color.startswith("#") else "",
                                    components=("VEVENT",), name=_name(cal.get("name") or ""),
                                    default=bool(cal.get("isDefaultCalendar"))))
            self._paths[href] = "%s/calendars/%s/events" % (self.root, _q(cal["id"]))
        return found

    # ------------------------------------------------------------------ reading and converting
    def _load(self, collection: str) -> dict[str, tuple[str, str]]:
        if collection not in self._paths:
            raise DavError("unknown Graph collection %s" % collection)
        kind = "addressbook" if collection.startswith(("/graph/contacts/", "/graph/contactFolders/")) else "calendar"
        api = self.apis[kind]
        result = {}
        for item in api.pages("%s?$top=%d" % (self._paths[collection], PAGE)):
            href = collection + _q(item["id"])
            try:
                if kind == "addressbook":
                    photo = api.raw("%s/contacts/%s/photo/$value" % (self.root, _q(item["id"])), missing_ok=True)
                    data, notes = graph_convert.contact_to_vcard(item, photo=photo or None,
                                                                 photo_type=_photo_type(photo or b""))
                    etag = item.get("changeKey") or item.get("@odata.etag") or ""
                else:
                    item = self._complete_event(api, item, collection)
                    attachments = (api.pages("%s/events/%s/attachments" % (self.root, _q(item["id"])))
                                   if item.get("hasAttachments") else None)
                    data, notes = graph_convert.event_to_ical(item, attachments)
                    etag = series_etag(item)
            except (ValueError, KeyError, TypeError) as exc:
                # an object Graph serves in a shape we cannot convert: the engine reports it as an error
                # (empty data is "not a vCard or iCalendar object"), its reason goes in conversions
                data, notes, etag = "", ["not converted: %s" % exc], item.get("changeKey") or ""
            if notes:
                self.conversions.append({"collection": collection, "id": item["id"],
                                         "uid": graph_convert.ical_uid(item) if kind == "calendar" else item["id"],
                                         "notes": notes})
            result[href] = (etag, data)
        return result

    def _complete_event(self, api: ApiReader, event: dict, collection: str) -> dict:
        if event.get("type") != "seriesMaster":
            return event
        try:
            extra = api.get("%s/events/%s?$select=cancelledOccurrences,exceptionOccurrences"
                            "&$expand=exceptionOccurrences" % (self.root, _q(event["id"])))
        except SourceError as exc:
            if exc.status != 400:
                raise
            # The reference documents both on the beta event page only: an endpoint that refuses them
            # ("Could not find a property named ...") still lists the series' instances.
            return self._series_from_instances(api, event, collection)
        return dict(event, cancelledOccurrences=extra.get("cancelledOccurrences") or [],
                    exceptionOccurrences=extra.get("exceptionOccurrences") or [])

    def _series_from_instances(self, api: ApiReader, event: dict, collection: str) -> dict:
        """The exceptions from event-list-instances over the series' span (for a series without an end: until
        INSTANCES_YEARS from now). Cancelled occurrences are simply absent there: said, not guessed."""
        start, end, note = instances_window(event, _dt.datetime.now(_dt.timezone.utc))
        items = api.pages("%s/events/%s/instances?startDateTime=%s&endDateTime=%s&$top=%d"
                          % (self.root, _q(event["id"]), start, end, PAGE))
        notes = ["Graph did not give cancelledOccurrences: occurrences cancelled at the source are not excluded "
                 "(check this series at the destination)"] + ([note] if note else [])
        self.conversions.append({"collection": collection, "id": event["id"], "uid": graph_convert.ical_uid(event),
                                 "notes": notes})
        return dict(event, cancelledOccurrences=[],
                    exceptionOccurrences=[i for i in items if i.get("type") == "exception"])


INSTANCES_YEARS = 3


def instances_window(event: dict, now: _dt.datetime) -> tuple[str, str, str]:
    """(startDateTime, endDateTime, note) covering a series for event-list-instances: from its first start to
    its range's end (endDate, or an upper bound of numbered occurrences), else INSTANCES_YEARS from now."""
    first = _dt.datetime.fromisoformat(((event.get("start") or {}).get("dateTime") or now.isoformat())[:19])
    first = first.replace(tzinfo=_dt.timezone.utc) - _dt.timedelta(days=1)
    recurrence = event.get("recurrence") or {}
    rng, pattern = recurrence.get("range") or {}, recurrence.get("pattern") or {}
    note = ""
    if rng.get("type") == "endDate" and rng.get("endDate"):
        last = _dt.datetime.fromisoformat(rng["endDate"][:10]).replace(tzinfo=_dt.timezone.utc) + _dt.timedelta(days=2)
    elif rng.get("type") == "numbered" and int(rng.get("numberOfOccurrences") or 0) > 0:
        unit = {"daily": 1, "weekly": 7}.get(pattern.get("type"), 31 if "Monthly" in (pattern.get("type") or "") else 366)
        span = unit * int(pattern.get("interval") or 1) * int(rng["numberOfOccurrences"])
        last = first + _dt.timedelta(days=span + 2)
    else:
        last = max(now, first) + _dt.timedelta(days=365 * INSTANCES_YEARS)
        note = "series without an end: exceptions read until %s only" % last.date().isoformat()
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    return first.strftime(fmt), last.strftime(fmt), note
