# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""The few WebDAV/CardDAV/CalDAV requests the sync needs, over requests and the standard XML parser.

PROPFIND, REPORT (addressbook-multiget, calendar-multiget, sync-collection), GET, PUT with
If-Match/If-None-Match, MKCOL (extended, RFC 5689) and discovery (RFC 6764 well-known URIs,
current-user-principal, *-home-set). Every request opens a fresh connection: SOGo closes idle
keep-alive connections without telling, and a reused one then fails with a reset.
"""

from __future__ import annotations

import dataclasses
import re
import urllib.parse
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

try:
    import requests
    HAS_REQUESTS = True
except ImportError:  # reported by the module with missing_required_lib
    requests = None
    HAS_REQUESTS = False

DAV, CARDDAV, CALDAV = "DAV:", "urn:ietf:params:xml:ns:carddav", "urn:ietf:params:xml:ns:caldav"
APPLE, CS = "http://apple.com/ns/ical/", "http://calendarserver.org/ns/"
NS = {"d": DAV, "card": CARDDAV, "cal": CALDAV, "apple": APPLE}
MULTIGET_BATCH = 100


class DavError(Exception):
    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


@dataclasses.dataclass
class Collection:
    href: str  # absolute path, ends with '/'
    kind: str  # 'addressbook' or 'calendar'
    displayname: str = ""
    color: str = ""
    sync_token: str = ""
    components: tuple[str, ...] = ()
    name: str = ""  # the destination collection's name when the href makes a poor one (Graph's opaque ids)
    default: bool = False  # the source says it is the account's default (Graph's isDefaultCalendar)


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


class DavClient:
    """One DAV server. Authenticates with HTTP Basic (user, password) or, given token, with an OAuth2
    bearer token. fixed: {kind: [collection URL]} when the provider's collections are known (Google):
    then no discovery for those kinds.

    The source interface the engine uses (also implemented by ``PerKindSource`` and the Graph source):
    ``source_collections(kind)``, ``client(kind)`` and ``requests``.
    """

    def __init__(self, url: str, user: str, password: str | None = None, verify: bool | str = True, timeout: float = 60,
                 token: str | None = None, fixed: dict[str, list[str]] | None = None):
        self.url = url if url.endswith("/") else url + "/"
        parts = urllib.parse.urlsplit(self.url)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.user = user
        self.token = token
        self.auth = None if token else (user, password or "")
        self.fixed = fixed or {}
        self._homes: dict[str, str] | None = None
        self.verify = verify
        self.timeout = timeout
        self.requests = 0
        self.writes = 0

    def absolute(self, href: str) -> str:
        return urllib.parse.urljoin(self.origin + "/", href)

    def request(self, method: str, href: str, body: str | bytes | None = None, headers: dict | None = None,
                ok: tuple[int, ...] = (200, 201, 204, 207)) -> requests.Response:
        headers = {"Connection": "close", **(headers or {})}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.requests += 1
        if method in ("PUT", "MKCOL", "MKCALENDAR", "PROPPATCH", "DELETE"):
            self.writes += 1
        try:
            response = requests.request(method, self.absolute(href), data=body, headers=headers, auth=self.auth,
                                        verify=self.verify, timeout=self.timeout, allow_redirects=False)
        except requests.exceptions.SSLError as exc:
            raise DavError(f"TLS error talking to {self.origin}: {exc}. Check ca_file/validate_certs.") from None
        except requests.RequestException as exc:
            raise DavError(f"cannot reach {self.origin}: {exc}") from None
        if response.status_code in (301, 302, 307, 308) and method in ("PROPFIND", "GET"):
            location = urllib.parse.urljoin(self.absolute(href), response.headers.get("Location", ""))
            if urllib.parse.urlsplit(location).netloc == urllib.parse.urlsplit(self.origin).netloc:
                return self.request(method, urllib.parse.urlsplit(location).path or "/", body, headers, ok)
            raise DavError(f"{method} {href} redirects to another host ({location}); give that URL instead",
                           response.status_code)
        if response.status_code == 401 and self.token:
            raise DavError(f"{self.origin} refused the OAuth2 token of {self.user} (401): it is wrong, expired or lacks "
                           "a scope; get a new access token for this account (see the module's notes for the scopes)", 401)
        if response.status_code == 401:
            raise DavError(f"{self.origin} refused the login of {self.user} (401): check user and password", 401)
        if response.status_code not in ok:
            raise DavError(f"{method} {href}: HTTP {response.status_code} {response.text[:300].strip()}",
                           response.status_code)
        return response

    # ----------------------------------------------------------------- reading
    def propfind(self, href: str, props: str, depth: str = "0") -> list[tuple[str, ET.Element]]:
        """[(href, merged <prop> of the 200 propstats)] of a PROPFIND."""
        body = f'<?xml version="1.0" encoding="utf-8"?><d:propfind {_xmlns()}><d:prop>{props}</d:prop></d:propfind>'
        response = self.request("PROPFIND", href, body, {"Depth": depth, "Content-Type": "application/xml; charset=utf-8"})
        return [(h, prop) for h, prop, _status in _responses(response.content)]

    def report(self, href: str, body: str, depth: str = "1") -> list[tuple[str, ET.Element, int]]:
        response = self.request("REPORT", href, body, {"Depth": depth, "Content-Type": "application/xml; charset=utf-8"})
        return _responses(response.content)

    # ----------------------------------------------------------------- the source interface
    def client(self, kind: str) -> "DavClient":
        return self

    def source_collections(self, kind: str) -> list[Collection] | None:
        """The account's collections of a kind; None when the account has no home of that kind."""
        if kind in self.fixed:
            found = []
            for url in self.fixed[kind]:
                found.extend(self.collections(urllib.parse.urlsplit(url).path, depth="0"))
            return [c for c in found if c.kind == kind]
        if self._homes is None:
            self._homes = self.discover_homes()
        if kind not in self._homes:
            return None
        return [c for c in self.collections(self._homes[kind]) if c.kind == kind]

    def collections(self, home: str, depth: str = "1") -> list[Collection]:
        """The address books and calendars directly under home (depth 0: home itself, when it is one)."""
        found = []
        props = ("<d:resourcetype/><d:displayname/><d:sync-token/><apple:calendar-color/>"
                 "<cal:supported-calendar-component-set/>")
        for href, prop in self.propfind(home, props, depth):
            rtype = prop.find("d:resourcetype", NS)
            if rtype is None:
                continue
            kind = ("addressbook" if rtype.find("card:addressbook", NS) is not None else
                    "calendar" if rtype.find("cal:calendar", NS) is not None else "")
            if not kind:
                continue
            comps = tuple(c.get("name", "").upper() for c in prop.iterfind("cal:supported-calendar-component-set/cal:comp", NS))
            found.append(Collection(_dir(href), kind, _text(prop, "d:displayname"), _text(prop, "apple:calendar-color"),
                                    _text(prop, "d:sync-token"), comps))
        return sorted(found, key=lambda c: c.href)

    def etags(self, collection: str) -> dict[str, str]:
        """{href: etag} of the objects in a collection."""
        result = {}
        for href, prop in self.propfind(collection, "<d:getetag/><d:resourcetype/>", "1"):
            rtype = prop.find("d:resourcetype", NS)
            if _dir(href) == collection or (rtype is not None and rtype.find("d:collection", NS) is not None):
                continue
            result[href] = _text(prop, "d:getetag")
        return result

    def multiget(self, collection: str, kind: str, hrefs: list[str]) -> dict[str, tuple[str, str]]:
        """{href: (etag, data)} for hrefs, in batches (addressbook-multiget / calendar-multiget)."""
        ns, root, data_tag = ((CARDDAV, "addressbook-multiget", "address-data") if kind == "addressbook"
                              else (CALDAV, "calendar-multiget", "calendar-data"))
        result: dict[str, tuple[str, str]] = {}
        for start in range(0, len(hrefs), MULTIGET_BATCH):
            batch = hrefs[start:start + MULTIGET_BATCH]
            body = (f'<?xml version="1.0" encoding="utf-8"?><x:{root} xmlns:x="{ns}" xmlns:d="DAV:">'
                    f"<d:prop><d:getetag/><x:{data_tag}/></d:prop>"
                    + "".join(f"<d:href>{escape(h)}</d:href>" for h in batch) + f"</x:{root}>")
            for href, prop, status in self.report(collection, body):
                data = prop.find(_q(ns, data_tag))
                if status == 200 and data is not None and data.text:
                    result[href] = (_text(prop, "d:getetag"), data.text)
        missing = [h for h in hrefs if h not in result]
        for href in missing:  # a server that answers multiget only in part: GET the rest
            response = self.request("GET", href, ok=(200,))
            result[href] = (response.headers.get("ETag", ""), response.content.decode("utf-8", "replace"))
        return result

    def sync_collection(self, collection: str, token: str) -> tuple[dict[str, str], list[str], str]:
        """RFC 6578: ({href: etag} changed, [href] removed, new token) since token; DavError 403/409 when
        the token is no longer valid (then list everything)."""
        body = ('<?xml version="1.0" encoding="utf-8"?><d:sync-collection xmlns:d="DAV:">'
                f"<d:sync-token>{escape(token)}</d:sync-token><d:sync-level>1</d:sync-level>"
                "<d:prop><d:getetag/></d:prop></d:sync-collection>")
        response = self.request("REPORT", collection, body, {"Content-Type": "application/xml; charset=utf-8"})
        changed, removed = {}, []
        for href, prop, status in _responses(response.content):
            if _dir(href) == collection:
                continue
            if status == 404:
                removed.append(href)
            else:
                changed[href] = _text(prop, "d:getetag")
        root = ET.fromstring(response.content)
        return changed, removed, (root.findtext("d:sync-token", "", NS) or "").strip()

    # ----------------------------------------------------------------- discovery
    def discover_homes(self) -> dict[str, str]:
        """{'addressbook': home href, 'calendar': home href} from self.url (a server root, principal or home)."""
        homes: dict[str, str] = {}
        for kind, well_known, prop, tag in (("addressbook", "/.well-known/carddav", "card:addressbook-home-set", CARDDAV),
                                            ("calendar", "/.well-known/caldav", "cal:calendar-home-set", CALDAV)):
            start = urllib.parse.urlsplit(self.url).path or "/"
            principal = self._principal(start) or self._principal(well_known, soft=True)
            if not principal:
                continue
            answers = self.propfind(principal, f"<{prop}/>")
            for _href, found in answers:
                home = found.find(f"{{{tag}}}{prop.split(':')[1]}/d:href", NS)
                if home is not None and home.text:
                    homes[kind] = _dir(urllib.parse.urlsplit(home.text.strip()).path)
        return homes

    def _principal(self, href: str, soft: bool = False) -> str:
        try:
            answers = self.propfind(href, "<d:current-user-principal/>")
        except DavError as exc:
            if soft and exc.status in (404, 405, 403, 400, 501):
                return ""
            if exc.status in (404, 405):
                return ""
            raise
        for _href, prop in answers:
            found = prop.find("d:current-user-principal/d:href", NS)
            if found is not None and found.text:
                return urllib.parse.urlsplit(found.text.strip()).path
        return ""

    # ----------------------------------------------------------------- writing
    def put(self, href: str, data: str, content_type: str, etag: str | None) -> requests.Response:
        headers = {"Content-Type": content_type + "; charset=utf-8"}
        headers["If-Match" if etag else "If-None-Match"] = etag or "*"
        return self.request("PUT", href, data, headers, ok=(200, 201, 204))

    def get(self, href: str) -> tuple[str, str]:
        response = self.request("GET", href, ok=(200,))
        return response.headers.get("ETag", ""), response.content.decode("utf-8", "replace")

    def make_collection(self, href: str, kind: str, displayname: str, color: str = "") -> None:
        rtype = "<card:addressbook/>" if kind == "addressbook" else "<cal:calendar/>"
        props = f"<d:resourcetype><d:collection/>{rtype}</d:resourcetype>"
        if displayname:
            props += f"<d:displayname>{escape(displayname)}</d:displayname>"
        color = calendar_color(color)
        if color and kind == "calendar":
            props += f"<apple:calendar-color>{escape(color)}</apple:calendar-color>"
        body = (f'<?xml version="1.0" encoding="utf-8"?><d:mkcol {_xmlns()}><d:set><d:prop>{props}</d:prop>'
                "</d:set></d:mkcol>")
        self.request("MKCOL", href, body, {"Content-Type": "application/xml; charset=utf-8"}, ok=(200, 201))
        # SOGo makes the collection but ignores the properties of an extended MKCOL: set them again.
        props = props.split("</d:resourcetype>", 1)[1]
        if props:
            body = (f'<?xml version="1.0" encoding="utf-8"?><d:propertyupdate {_xmlns()}><d:set><d:prop>{props}'
                    "</d:prop></d:set></d:propertyupdate>")
            self.request("PROPPATCH", href, body, {"Content-Type": "application/xml; charset=utf-8"}, ok=(200, 207))


def calendar_color(color: str) -> str:
    """The colour as SOGo takes it, #RRGGBBAA ("Bad color format (should be '#XXXXXXXX')" otherwise): #RRGGBB
    (Graph's hexColor, any source that sends six digits) gets an opaque alpha; what is not a hex colour is left out."""
    color = (color or "").strip()
    if re.fullmatch(r"#[0-9A-Fa-f]{8}", color):
        return color
    if re.fullmatch(r"#[0-9A-Fa-f]{6}", color):
        return color + "FF"
    return ""


class PerKindSource:
    """A source whose address books and calendars are on different servers (Google): {kind: DavClient}."""

    def __init__(self, clients: dict[str, DavClient]):
        self.clients = clients

    def client(self, kind: str) -> DavClient:
        return self.clients[kind]

    def source_collections(self, kind: str) -> list[Collection] | None:
        return self.clients[kind].source_collections(kind) if kind in self.clients else None

    @property
    def requests(self) -> int:
        return sum(c.requests for c in {id(c): c for c in self.clients.values()}.values())


def _xmlns() -> str:
    return " ".join(f'xmlns:{p}="{u}"' for p, u in NS.items())


def _dir(href: str) -> str:
    path = urllib.parse.unquote(urllib.parse.urlsplit(href).path)
    return urllib.parse.quote(path if path.endswith("/") else path + "/", safe="/@:+,;=$!*'()~")


def _text(prop: ET.Element, path: str) -> str:
    found = prop.find(path, NS)
    return (found.text or "").strip() if found is not None else ""


def _status_code(text: str | None) -> int:
    try:
        return int((text or "").split()[1])
    except (IndexError, ValueError):
        return 0


def _responses(body: bytes) -> list[tuple[str, ET.Element, int]]:
    """[(href, merged 200 <prop>, status)] of a multistatus; status is the response's own or 200."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise DavError(f"the server's multistatus is not XML: {exc}") from None
    result = []
    for response in root.iterfind("d:response", NS):
        href = urllib.parse.urlsplit((response.findtext("d:href", "", NS) or "").strip()).path
        merged = ET.Element(_q(DAV, "prop"))
        status = _status_code(response.findtext("d:status", None, NS)) or 200
        for propstat in response.iterfind("d:propstat", NS):
            if _status_code(propstat.findtext("d:status", "", NS)) == 200:
                prop = propstat.find("d:prop", NS)
                if prop is not None:
                    merged.extend(list(prop))
        result.append((href, merged, status))
    return result
