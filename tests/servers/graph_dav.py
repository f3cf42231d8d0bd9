"""Emulator of the Microsoft Graph v1.0 reads dav_sync makes for a Microsoft 365 account's contacts and
calendars (no real endpoint is reachable here). Shapes and behaviour from Microsoft's reference pages
(learn.microsoft.com/graph/api/...):
- user-list-calendars: ``{"value": [calendar]}``; calendar-list-events: single events and series masters
  only, times in UTC when no ``Prefer: outlook.timezone`` header is sent; the master's
  ``cancelledOccurrences`` and ``exceptionOccurrences`` only when asked with ``$select`` / ``$expand``
  (resources/event; the shape of the answer as in the Graph blog post that the fixtures' README cites);
- event-list-attachments: ``{"value": [fileAttachment]}`` with ``contentBytes``;
- user-list-contacts, user-list-contactfolders, contactfolder-list-childfolders,
  contactfolder-list-contacts: paged collections;
- profilephoto-get: ``GET .../contacts/{id}/photo/$value`` answers the image bytes, or 404
  ``ErrorItemNotFound`` when the contact has no photo;
- paging (graph/paging): pages of ``page_size`` items with an absolute ``@odata.nextLink`` ($skiptoken);
- throttling (graph/throttling): 429 ``TooManyRequests`` with ``Retry-After`` (seconds) for the paths
  listed in ``throttle`` (path -> how many times), then the answer;
- errors (graph/errors): 401 ``InvalidAuthenticationToken``, 404 ``ErrorInvalidUser`` for another user,
  404 ``ErrorItemNotFound`` for an unknown id.

The account is a dict: ``calendars`` [calendar with ``_events``], ``contacts`` (the default folder),
``contactFolders`` [folder with ``_contacts`` and ``_childFolders``], ``photos`` {contact id: bytes},
``attachments`` {event id: [attachment]}. Tests change it between runs to play a user's edits.
"""
from __future__ import annotations

import json
import pathlib
import urllib.parse

from tests.servers.provider_api import _Api

SERIES_ONLY = ("cancelledOccurrences", "exceptionOccurrences")


def _not_found(what):
    return 404, {"error": {"code": "ErrorItemNotFound", "message": "The specified object was not found in the store. "
                           "(%s)" % what}}


class GraphDavApi(_Api):
    kind = "graph-dav"

    def __init__(self, user, token, account, page_size=2, retry_after="1"):
        super().__init__(user, token, page_size=page_size)
        self.account = account
        self.throttle: dict[str, int] = {}
        self.retry_after = retry_after
        self.series_fields = True  # False: answer $select=cancelledOccurrences as an endpoint without them
        self.windows: list[tuple[str, str]] = []  # instances windows asked

    @property
    def url(self):
        return "http://127.0.0.1:%d/v1.0" % self.port

    def _page(self, items, path, query):
        start = int((query.get("$skiptoken") or ["0"])[0])
        body = {"@odata.context": "%s/$metadata#%s" % (self.url, path.split("/v1.0/", 1)[-1]),
                "value": [{k: v for k, v in item.items() if not k.startswith("_") and k not in SERIES_ONLY}
                          for item in items[start:start + self.page_size]]}
        if start + self.page_size < len(items):
            rest = {k: v[0] for k, v in query.items() if k != "$skiptoken"}
            rest["$skiptoken"] = str(start + self.page_size)
            body["@odata.nextLink"] = "http://127.0.0.1:%d%s?%s" % (self.port, path, urllib.parse.urlencode(rest))
        return 200, body

    def _instances(self, event, path, query):
        """event-list-instances: startDateTime and endDateTime are required; the exceptions whose
        originalStart falls in the window (the occurrences that follow the pattern are not made up here:
        dav_sync only reads the exceptions)."""
        try:
            start, end = (query[k][0].replace("Z", "+00:00") for k in ("startDateTime", "endDateTime"))
        except KeyError:
            return 400, {"error": {"code": "ErrorInvalidParameter", "message": "This request requires a time window "
                                   "specified by the query string parameters StartDateTime and EndDateTime."}}
        self.windows.append((query["startDateTime"][0], query["endDateTime"][0]))
        found = [dict(e, type="exception") for e in event.get("exceptionOccurrences", [])
                 if start <= (e.get("originalStart") or "")[:19] + "+00:00" <= end]
        return self._page(found, path, query)

    def _folders(self):
        found, todo = {}, list(self.account.get("contactFolders", []))
        while todo:
            folder = todo.pop()
            found[folder["id"]] = folder
            todo.extend(folder.get("_childFolders", []))
        return found

    def _events(self):
        return {e["id"]: e for cal in self.account.get("calendars", []) for e in cal.get("_events", [])}

    def answer(self, path, query, auth):
        if auth != "Bearer " + self.token:
            return 401, {"error": {"code": "InvalidAuthenticationToken", "message": "Access token is empty."}}
        if self.throttle.get(path, 0) > 0:
            self.throttle[path] -= 1
            return 429, {"error": {"code": "TooManyRequests", "message": "Please retry again later."}}, \
                {"Retry-After": self.retry_after}
        prefix = "/v1.0/users/"
        user, _sep, rest = path[len(prefix):].partition("/") if path.startswith(prefix) else ("", "", "")
        if user.lower() != self.user.lower():
            return 404, {"error": {"code": "ErrorInvalidUser", "message": "The requested user '%s' is invalid." % user}}
        parts = rest.split("/")
        if parts == ["calendars"]:
            return self._page(self.account.get("calendars", []), path, query)
        if len(parts) == 3 and parts[0] == "calendars" and parts[2] == "events":
            cals = [c for c in self.account.get("calendars", []) if c["id"] == parts[1]]
            return self._page(cals[0].get("_events", []), path, query) if cals else _not_found(parts[1])
        if len(parts) in (2, 3) and parts[0] == "events":
            event = self._events().get(parts[1])
            if event is None:
                return _not_found(parts[1])
            if len(parts) == 3 and parts[2] == "attachments":
                return self._page(self.account.get("attachments", {}).get(parts[1], []), path, query)
            if len(parts) == 3 and parts[2] == "instances":
                return self._instances(event, path, query)
            if len(parts) == 2:
                selected = (query.get("$select") or [""])[0].split(",")
                if not self.series_fields and ("cancelledOccurrences" in selected or "exceptionOccurrences" in selected):
                    # OData's answer for a property the endpoint's schema lacks (the v1.0 event page
                    # does not list them; the beta page does)
                    return 400, {"error": {"code": "BadRequest", "message": "Could not find a property named "
                                           "'cancelledOccurrences' on type 'microsoft.graph.event'."}}
                answer = {"id": event["id"]}
                if "cancelledOccurrences" in selected:
                    answer["cancelledOccurrences"] = event.get("cancelledOccurrences", [])
                if "exceptionOccurrences" in (query.get("$expand") or [""])[0].split(","):
                    answer["exceptionOccurrences"] = event.get("exceptionOccurrences", [])
                return 200, answer
        if parts == ["contacts"]:
            return self._page(self.account.get("contacts", []), path, query)
        if len(parts) == 4 and parts[0] == "contacts" and parts[2:] == ["photo", "$value"]:
            photo = self.account.get("photos", {}).get(parts[1])
            missing = {"error": {"code": "ErrorItemNotFound", "message": "The photo wasn't found."}}
            return (200, photo) if photo else (404, missing)
        if parts == ["contactFolders"]:
            return self._page(self.account.get("contactFolders", []), path, query)
        if len(parts) == 3 and parts[0] == "contactFolders" and parts[2] in ("childFolders", "contacts"):
            folder = self._folders().get(parts[1])
            if folder is None:
                return _not_found(parts[1])
            return self._page(folder.get("_" + parts[2], []), path, query)
        return 400, {"error": {"code": "BadRequest", "message": "Resource not found for the segment '%s'." % rest}}


DATA = pathlib.Path(__file__).resolve().parents[1] / "data" / "dav" / "graph"
# a 1x1 PNG: contact photos are served as Exchange stores them, bytes behind .../photo/$value
PHOTO = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                      "1f15c4890000000d49444154789c6360f8cf00000301010018dd8db00000000049454e44ae426082")


def recorded_account(user):
    """An account made of the recorded objects in tests/data/dav/graph (events/, contacts/): every event in the
    default calendar but the last, which goes to a second calendar; every contact in the default folder but the
    last, which goes to a "Clients" folder (with a photo); and a calendar shared by another user."""
    def load(kind):
        files = sorted(p for p in (DATA / kind).glob("*.json") if not p.name.endswith(".attachments.json"))
        return [(p, json.loads(p.read_text(encoding="utf-8"))) for p in files]

    events, contacts = load("events"), load("contacts")
    attachments = {}
    for path, event in events:
        extra = path.with_name(path.stem + ".attachments.json")
        if extra.exists():
            answer = json.loads(extra.read_text(encoding="utf-8"))
            attachments[event["id"]] = answer.get("value", answer) if isinstance(answer, dict) else answer
    owner = {"name": "Owner", "address": user}
    return {
        "calendars": [
            {"id": "AAMkCalendarDefault=", "name": "Calendar", "color": "auto", "hexColor": "", "isDefaultCalendar": True,
             "canEdit": True, "owner": owner, "_events": [e for _p, e in events[:-1]]},
            {"id": "AAMkCalendarProjets=", "name": "Projets", "color": "lightGreen", "hexColor": "#87d28e",
             "isDefaultCalendar": False, "canEdit": True, "owner": owner, "_events": [e for _p, e in events[-1:]]},
            {"id": "AAMkCalendarShared=", "name": "Dan's calendar", "isDefaultCalendar": False, "canEdit": False,
             "owner": {"name": "Dan", "address": "dan@" + user.split("@")[1]}, "_events": [e for _p, e in events[:1]]},
        ],
        "contacts": [c for _p, c in contacts[:-1]],
        "contactFolders": [{"id": "AAMkFolderClients=", "displayName": "Clients", "parentFolderId": "AAMkRoot=",
                            "_contacts": [c for _p, c in contacts[-1:]], "_childFolders": []}],
        "photos": {c["id"]: PHOTO for _p, c in contacts[-1:]},
        "attachments": attachments,
    }
