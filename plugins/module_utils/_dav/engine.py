# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Copy one account's address books and calendars from a CardDAV/CalDAV source to SOGo.

Per source collection: list (incrementally with the sync-token of the last run when the source has
one, else everything), list the destination collection, ``planner.plan``, then write (PUT with
If-None-Match/If-Match), read each written object back and compare it with what was sent. The
state (sync-tokens, per UID the ETags copied) is returned for the caller to save; a sync-token only
moves on when every change behind it was copied, so an error or a conflict is seen again next run.
"""

from __future__ import annotations

import re
import urllib.parse

from ansible_collections.mailwave.migrate.plugins.module_utils._dav import content, planner
from ansible_collections.mailwave.migrate.plugins.module_utils._dav.webdav import Collection, DavClient, DavError

KINDS = {"contacts": "addressbook", "calendars": "calendar"}
SOGO_HOMES = {"addressbook": "Contacts", "calendar": "Calendar"}
EXTENSION = {"addressbook": "vcf", "calendar": "ics"}
MEDIA_TYPE = {"addressbook": "text/vcard", "calendar": "text/calendar"}


def sogo_home(dest: DavClient, user: str, kind: str) -> str:
    path = urllib.parse.urlsplit(dest.url).path
    if "/SOGo/dav" not in path:
        path = path.rstrip("/") + "/SOGo/dav/"
    return path.rstrip("/") + "/" + urllib.parse.quote(user, safe="@+") + "/" + SOGO_HOMES[kind] + "/"


def _slug(href: str) -> str:
    name = urllib.parse.unquote(href.rstrip("/").rsplit("/", 1)[-1])
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-").lower()
    return name or "imported"


DEFAULT_NAMES = frozenset(("default", "personal", "contacts", "addressbook", "calendar", "agenda", "home",
                           "carnet", "kalender"))


def _is_default(coll: Collection) -> bool:
    return coll.default or _slug(coll.href) in DEFAULT_NAMES or coll.displayname.strip().lower() in DEFAULT_NAMES


def map_collections(source: list[Collection], dest_home: str, dest: list[Collection]) -> list[tuple[Collection, str, bool]]:
    """[(source collection, destination href, must be created)]: the source's default collection goes
    to SOGo's ``personal``, each other to a collection of its own name (made unique) under the home.

    The default is the one the source marks so (Graph), else the first (in href order) whose name or
    display name is a usual default's (``DEFAULT_NAMES``), else the first: CardDAV has no "default
    address book" property.
    """
    existing = {c.href for c in dest}
    used = {dest_home + "personal/"}
    result = []
    source = sorted(source, key=lambda c: (not c.default, not _is_default(c), c.href))
    for index, coll in enumerate(source):
        if index == 0:
            href = dest_home + "personal/"
        else:
            base, href, n = _slug(coll.name or coll.href), "", 1
            while not href or href in used:
                href = dest_home + (base if n == 1 else f"{base}-{n}") + "/"
                n += 1
        used.add(href)
        result.append((coll, href, href not in existing))
    return result


def _empty_counts() -> dict:
    return {"source": 0, "copied": 0, "updated": 0, "already_there": 0, "unchanged": 0, "conflicts": 0,
            "errors": 0, "verified": 0, "altered": 0, "removed_at_source": 0}


class AccountSync:
    def __init__(self, source, dest: DavClient, dest_user: str, state: dict, check_mode: bool = False,
                 on_conflict: str = "keep", verify: bool = True):
        self.source, self.dest, self.dest_user = source, dest, dest_user
        self.state = state if state.get("version") == 1 else {"version": 1, "collections": {}}
        self.check_mode, self.on_conflict, self.verify = check_mode, on_conflict, verify
        self.result: dict = {"collections": [], "problems": []}
        self.changed = False

    def run(self, kinds: list[str]) -> dict:
        for name in kinds:
            kind = KINDS[name]
            counts = self.result.setdefault(name, _empty_counts())
            sources = self.source.source_collections(kind)
            if sources is None:
                self.result["problems"].append({"kind": name, "problem": f"the source has no {kind} home "
                                                "(no CardDAV/CalDAV for this account?)"})
                continue
            dest_home = sogo_home(self.dest, self.dest_user, kind)
            dests = [c for c in self.dest.collections(dest_home) if c.kind == kind]
            for coll, dest_href, create in map_collections(sources, dest_home, dests):
                self._sync_collection(name, kind, coll, dest_href, create, counts)
        return self.result

    def _sync_collection(self, name: str, kind: str, coll: Collection, dest_href: str, create: bool, counts: dict) -> None:
        key = f"{kind}:{coll.href}"
        saved = self.state["collections"].setdefault(key, {"dest": dest_href, "sync_token": "", "objects": {}})
        report = {"kind": name, "source": coll.href, "destination": dest_href, "displayname": coll.displayname,
                  "created": False, "incremental": False}
        self.result["collections"].append(report)
        if create:
            report["created"] = True
            self.changed = True
            if self.check_mode:
                # nothing there yet: everything would be created
                listing = self._source_full(coll)
                actions = planner.plan(listing, {}, {}, dest_href, EXTENSION[kind], self.on_conflict)
                self._account(actions, counts, report, len(listing))
                return
            self.dest.make_collection(dest_href, kind, coll.displayname, coll.color)
        listing, removed, token = self._source_listing(coll, saved, report)
        for href in removed:
            for uid, obj in list(saved["objects"].items()):
                if obj.get("source_href") == href:
                    del saved["objects"][uid]  # never deleted at the destination: only forgotten
                    counts["removed_at_source"] += 1
        dest_objects = self._dest_listing(kind, dest_href)
        actions = planner.plan(listing, dest_objects, saved["objects"], dest_href, EXTENSION[kind], self.on_conflict)
        clean = self._apply(kind, actions, saved, report)
        # incremental: the objects known from earlier runs plus those this run could not record
        total = (len(saved["objects"]) + sum(1 for a in actions if a.uid not in saved["objects"])
                 if report["incremental"] else len(listing))
        self._account(actions, counts, report, total)
        if clean and not self.check_mode and token:
            saved["sync_token"] = token

    def _source_full(self, coll: Collection) -> list[planner.SourceObject]:
        source = self.source.client(coll.kind)
        etags = source.etags(coll.href)
        fetched = source.multiget(coll.href, coll.kind, sorted(etags))
        return [planner.SourceObject(href, etags[href] or etag, data) for href, (etag, data) in sorted(fetched.items())]

    def _source_listing(self, coll: Collection, saved: dict, report: dict):
        token = saved.get("sync_token")
        if token:
            try:
                changed, removed, new_token = self.source.client(coll.kind).sync_collection(coll.href, token)
            except DavError as exc:
                if exc.status not in (400, 403, 409, 412, 501):
                    raise
                # the token expired or the server forgot it: list everything (the state keeps it cheap)
            else:
                report["incremental"] = True
                fetched = self.source.client(coll.kind).multiget(coll.href, coll.kind, sorted(changed))
                listing = [planner.SourceObject(h, changed[h] or e, d) for h, (e, d) in sorted(fetched.items())]
                return listing, removed, new_token
        listing = self._source_full(coll)
        return listing, [], coll.sync_token or self._current_token(coll)

    def _current_token(self, coll: Collection) -> str:
        try:
            props = self.source.client(coll.kind).propfind(coll.href, "<d:sync-token/>")
        except DavError:
            return ""
        for _href, prop in props:
            found = prop.find("{DAV:}sync-token")
            if found is not None and found.text:
                return found.text.strip()
        return ""

    def _dest_listing(self, kind: str, dest_href: str) -> dict[str, planner.DestObject]:
        etags = self.dest.etags(dest_href)
        fetched = self.dest.multiget(dest_href, kind, sorted(etags)) if etags else {}
        result = {}
        for href, (etag, data) in fetched.items():
            uid = content.uid_of(data)
            if uid:
                result[uid] = planner.DestObject(href, etags.get(href) or etag, data)
        return result

    def _apply(self, kind: str, actions: list[planner.Action], saved: dict, report: dict) -> bool:
        """Carry out the actions (unless check mode); False when something was left undone."""
        clean = True
        for action in actions:
            if action.kind in (planner.ERROR, planner.CONFLICT):
                clean = False
                self._problem(report, action, action.reason)
                continue
            source_etag = action.source_etag
            if action.kind in (planner.UNCHANGED, planner.ALREADY_THERE):
                if not self.check_mode:
                    saved["objects"][action.uid] = {"source_href": action.source_href, "source_etag": source_etag,
                                                    "dest_href": action.dest_href, "dest_etag": action.dest_etag}
                continue
            if self.check_mode:
                self.changed = True  # predicted: a refusal cannot be known without writing
                continue
            try:
                self.dest.put(action.dest_href, action.data, MEDIA_TYPE[kind], action.dest_etag)
                dest_etag, stored = self.dest.get(action.dest_href)
            except DavError as exc:
                clean = False
                hint = (" (a new Mailcow domain's SOGo answers 403 until SOGo restarts: add/domain restart_sogo)"
                        if exc.status == 403 else "")
                self._problem(report, action, f"refused by the destination: {exc}{hint}", status=exc.status)
                report.setdefault("failed", []).append(action.uid)
                continue
            self.changed = True
            saved["objects"][action.uid] = {"source_href": action.source_href, "source_etag": source_etag,
                                            "dest_href": action.dest_href, "dest_etag": dest_etag}
            changes = content.differences(action.data, stored)
            if changes:
                report.setdefault("altered", []).append({"uid": action.uid, "properties": changes})
            else:
                report.setdefault("verified", []).append(action.uid)
        return clean

    @staticmethod
    def _problem(report: dict, action: planner.Action, why: str, status: int | None = None) -> None:
        entry = {"uid": action.uid, "source_href": action.source_href, "problem": why, "kind": action.kind}
        if status:
            entry["status"] = status
        report.setdefault("problems", []).append(entry)

    def _account(self, actions: list[planner.Action], counts: dict, report: dict, total: int) -> None:
        tally = planner.summary(actions)
        failed = len(report.get("failed", []))
        verified = len(report.get("verified", []))
        altered = len(report.get("altered", []))
        report["counts"] = tally
        counts["source"] += total
        counts["copied"] += tally[planner.CREATE] - sum(1 for a in actions if a.kind == planner.CREATE and a.uid in report.get("failed", []))
        counts["updated"] += tally[planner.UPDATE] - sum(1 for a in actions if a.kind == planner.UPDATE and a.uid in report.get("failed", []))
        counts["already_there"] += tally[planner.ALREADY_THERE]
        counts["unchanged"] += tally[planner.UNCHANGED]
        counts["conflicts"] += tally[planner.CONFLICT]
        counts["errors"] += tally[planner.ERROR] + failed
        counts["verified"] += verified + tally[planner.ALREADY_THERE]
        counts["altered"] += altered
        report.pop("failed", None)
