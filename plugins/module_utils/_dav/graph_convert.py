# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Microsoft Graph v1.0 contacts and events to vCard 3.0 / iCalendar (pure: no I/O).

vCard 3.0, not 4.0: SOGo 5.8, the destination, stores every vCard as 3.0 and damages a 4.0 PHOTO data: URI
(it escapes the ';' as text); the 3.0 form of each property is what it keeps unchanged (measured in
tests/integration/groupware/test_graph_convert_sogo.py).

Microsoft 365 has no CardDAV/CalDAV, so dav_sync reads Graph JSON and writes vCard/iCalendar into
SOGo. Every Graph field is either converted, ignored by design (server ids and values derived from
converted ones, listed below with the reason), or reported in the notes the functions return:
nothing is dropped silently.

Shapes, from the Graph v1.0 reference (learn.microsoft.com/graph/api/resources/<page>):
- "contact resource type" (contact): the contact fields; "profilePhoto resource type" (profilephoto):
  the photo is binary from GET /contacts/{id}/photo/$value, passed in here as bytes.
- "event resource type" (event): the event fields; "dateTimeTimeZone resource type"
  (datetimetimezone): start/end {dateTime, timeZone}; "patternedRecurrence", "recurrencePattern",
  "recurrenceRange" resource types: recurrence; "attendee resource type" (attendee) with
  "responseStatus" and "emailAddress"; "itemBody" (body {contentType text|html, content});
  "location resource type"; "onlineMeetingInfo resource type" (joinUrl); "fileAttachment resource
  type" (name, contentType, contentBytes base64).
- cancelledOccurrences, exceptionOccurrences and occurrenceId are documented on the *beta*
  "event resource type" page only (they were removed from the v1.0 page in Dec 2021, see
  microsoftgraph/microsoft-graph-docs PR #14928): occurrenceId is
  "OID.{seriesMasterId-value}.{occurrence-start-date}", the date in the recurrenceRange's
  recurrenceTimeZone. We read them when present.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import html.parser
import json
import re

from ansible_collections.mailwave.migrate.plugins.module_utils._dav.content import fold
from ansible_collections.mailwave.migrate.plugins.module_utils._dav.graph_zones import (
    UTC_NAMES, iana_zone, vtimezone, zone)

__all__ = ["contact_to_vcard", "event_to_ical", "ical_uid", "iana_zone"]

PRODID = "-//Mailwave//Graph//EN"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _empty(value) -> bool:
    # False counts as empty: Graph's booleans default to false and then say nothing worth keeping.
    if isinstance(value, dict):
        return not any(not _empty(v) for v in value.values())
    return value in (None, "", [], {}, False)


def _esc(value) -> str:
    """TEXT escaping (RFC 5545 3.3.11, RFC 6350 3.4); CR/LF become \\n, other control characters go
    (both RFCs forbid them in values)."""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _param(value) -> str:
    """A parameter value (RFC 5545 3.2): DQUOTE cannot be escaped, so it becomes ', and values
    with ':', ';' or ',' are quoted."""
    text = _CONTROL.sub("", str(value).replace("\r", " ").replace("\n", " ")).replace('"', "'")
    return f'"{text}"' if any(c in text for c in ":;,") else text


def _brief(value) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 120 else text[:117] + "..."


def _unconverted(obj: dict, known: set[str], notes: list[str], prefix: str = "") -> None:
    for key in sorted(obj):
        if key not in known and not _empty(obj[key]):
            notes.append(f"{prefix}{key}: not converted ({_brief(obj[key])})")


def _lines_to_text(lines: list[str]) -> str:
    return "".join(fold(line) for line in lines)


# ------------------------------------------------------------------------------------------ contacts

# Converted contact fields, and the ones ignored by design: id is the UID; changeKey, @odata.* and
# parentFolderId are Exchange's bookkeeping (the folder is the address book we write to);
# createdDateTime has no vCard property (REV carries lastModifiedDateTime). "_source" is our
# fixtures' provenance key.
_CONTACT_KNOWN = {
    "id", "changeKey", "@odata.etag", "@odata.context", "@odata.type", "parentFolderId", "createdDateTime",
    "_source", "lastModifiedDateTime", "givenName", "surname", "middleName", "title", "generation", "displayName",
    "nickName", "initials", "fileAs", "emailAddresses", "businessPhones", "homePhones", "mobilePhone",
    "companyName", "department", "jobTitle", "profession", "officeLocation", "birthday", "homeAddress",
    "businessAddress", "otherAddress", "businessHomePage", "imAddresses", "categories", "personalNotes",
    "spouseName", "children", "manager", "assistantName", "yomiGivenName", "yomiSurname", "yomiCompanyName"}

# Fields with no vCard property: kept as X- properties (RFC 6350 6.10) so the data survives in
# SOGo, and reported. X-PHONETIC-* are the names Apple's Contacts reads; X-MAILWAVE-* are ours.
_CONTACT_X = (("yomiGivenName", "X-PHONETIC-FIRST-NAME"), ("yomiSurname", "X-PHONETIC-LAST-NAME"),
              ("yomiCompanyName", "X-PHONETIC-ORG"), ("initials", "X-MAILWAVE-INITIALS"),
              ("fileAs", "X-MAILWAVE-FILE-AS"), ("officeLocation", "X-MAILWAVE-OFFICE-LOCATION"),
              ("manager", "X-MAILWAVE-MANAGER"))


def _adr(addr: dict) -> str:
    # physicalAddress (Graph "physicalAddress resource type"): street, city, state, postalCode,
    # countryOrRegion -> ADR's street;locality;region;code;country (RFC 6350 6.3.1).
    parts = ["", "", addr.get("street", ""), addr.get("city", ""), addr.get("state", ""),
             addr.get("postalCode", ""), addr.get("countryOrRegion", "")]
    return ";".join(_esc(p or "") for p in parts)


def _stamp(value: str) -> _dt.datetime | None:
    """A Graph DateTimeOffset ('2014-01-01T00:00:00Z', up to 7 fractional digits) as aware UTC."""
    match = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.\d+)?(Z|[+-]\d\d:\d\d)?$", (value or "").strip())
    if not match:
        return None
    base = _dt.datetime.fromisoformat(match.group(1))
    suffix = match.group(2) or "Z"
    offset = _dt.timedelta(0) if suffix == "Z" else _dt.timedelta(
        hours=int(suffix[1:3]), minutes=int(suffix[4:6])) * (1 if suffix[0] == "+" else -1)
    return (base - offset).replace(tzinfo=_dt.timezone.utc)


def contact_to_vcard(contact: dict, photo: bytes | None = None, photo_type: str = "image/jpeg") -> tuple[str, list[str]]:
    """(vCard 3.0 text, notes) for one Graph contact; photo is the $value of its profilePhoto.

    notes: one 'field: what happened' per field that has no vCard equivalent or was approximated.
    """
    notes: list[str] = []
    given, family = contact.get("givenName") or "", contact.get("surname") or ""
    middle = contact.get("middleName") or ""
    fn = (contact.get("displayName") or " ".join(p for p in (given, middle, family) if p)
          or contact.get("companyName") or contact.get("id", ""))
    # N: family;given;additional;prefix;suffix (RFC 6350 6.2.2); Graph's title is the honorific
    # ("Mr."), generation the suffix ("Jr."): jobTitle is TITLE below.
    lines = ["BEGIN:VCARD", "VERSION:3.0", f"UID:{_esc(contact['id'])}", f"FN:{_esc(fn)}",
             "N:" + ";".join(_esc(p) for p in (family, given, middle, contact.get("title") or "",
                                               contact.get("generation") or ""))]
    if contact.get("nickName"):
        lines.append(f"NICKNAME:{_esc(contact['nickName'])}")
    for email in contact.get("emailAddresses") or []:
        if email.get("address"):
            lines.append(f"EMAIL:{_esc(email['address'])}")
            name = email.get("name") or ""
            if name and name not in (email["address"], fn):
                notes.append(f"emailAddresses: the name {name!r} of {email['address']} has no vCard place")
    for key, kind in (("businessPhones", "work"), ("homePhones", "home")):
        for number in contact.get(key) or []:
            lines.append(f"TEL;TYPE={kind},voice:{_esc(number)}")
    if contact.get("mobilePhone"):
        lines.append(f"TEL;TYPE=cell:{_esc(contact['mobilePhone'])}")
    if contact.get("companyName") or contact.get("department"):
        # ORG: organization name;unit (RFC 6350 6.6.4)
        org = _esc(contact.get("companyName") or "")
        lines.append(f"ORG:{org};{_esc(contact['department'])}" if contact.get("department") else f"ORG:{org}")
    if contact.get("jobTitle"):
        lines.append(f"TITLE:{_esc(contact['jobTitle'])}")
    if contact.get("profession"):
        lines.append(f"ROLE:{_esc(contact['profession'])}")
        notes.append("profession: written as ROLE (the vCard 'function or part played', the closest)")
    if contact.get("birthday"):
        lines.append(f"BDAY:{contact['birthday'][:10].replace('-', '')}")
    for key, kind in (("homeAddress", "home"), ("businessAddress", "work"), ("otherAddress", "")):
        addr = contact.get(key) or {}
        if not _empty(addr):
            # vCard TYPE for ADR is home or work only: "other" has none.
            lines.append((f"ADR;TYPE={kind}:" if kind else "ADR:") + _adr(addr))
    if contact.get("businessHomePage"):
        lines.append(f"URL;TYPE=work:{_esc(contact['businessHomePage'])}")
    for address in contact.get("imAddresses") or []:
        # IMPP takes a URI (RFC 6350 6.4.3); Exchange's IM addresses are SIP, often without the scheme.
        if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", address):
            lines.append(f"IMPP:{address}")
        else:
            lines.append(f"IMPP:sip:{address}")
            notes.append(f"imAddresses: {address!r} written as sip:{address} (IMPP needs a URI)")
    if contact.get("categories"):
        lines.append("CATEGORIES:" + ",".join(_esc(c) for c in contact["categories"]))
    if contact.get("spouseName"):
        lines.append(f"RELATED;TYPE=spouse;VALUE=text:{_esc(contact['spouseName'])}")
    for child in contact.get("children") or []:
        lines.append(f"RELATED;TYPE=child;VALUE=text:{_esc(child)}")
    if contact.get("assistantName"):
        # RFC 6350 6.6.6: "agent", a person who acts on behalf of the entity: the nearest to assistant.
        lines.append(f"RELATED;TYPE=agent;VALUE=text:{_esc(contact['assistantName'])}")
        notes.append("assistantName: written as RELATED;TYPE=agent (vCard has no assistant)")
    for key, prop in _CONTACT_X:
        if contact.get(key):
            lines.append(f"{prop}:{_esc(contact[key])}")
            notes.append(f"{key}: no vCard property, kept as {prop}")
    if contact.get("personalNotes"):
        lines.append(f"NOTE:{_esc(contact['personalNotes'])}")
    revised = _stamp(contact.get("lastModifiedDateTime") or "")
    if revised:
        lines.append(f"REV:{revised:%Y%m%dT%H%M%SZ}")
    if photo:
        # vCard 3.0 inline binary (RFC 2426 3.1.4): what SOGo keeps; TYPE is the image's subtype
        kind = photo_type.split("/")[-1].upper()
        lines.append(f"PHOTO;ENCODING=b;TYPE={kind}:{base64.b64encode(photo).decode('ascii')}")
    lines.append("END:VCARD")
    _unconverted(contact, _CONTACT_KNOWN, notes)
    return _lines_to_text(lines), notes


# -------------------------------------------------------------------------------------------- events

def ical_uid(event: dict) -> str:
    """The UID event_to_ical gives the object: iCalUId (the id 'unique across calendars', event
    resource type page), else the Graph id."""
    return event.get("iCalUId") or event["id"]


class _Html(html.parser.HTMLParser):
    """Plain text of an HTML body: text nodes, a line break per block element, no head/style/script."""

    _BLOCKS = {"br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "blockquote"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("head", "style", "script", "title"):
            self._skip += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("head", "style", "script", "title"):
            self._skip = max(0, self._skip - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)

    def text(self) -> str:
        raw = "".join(self.parts).replace("\xa0", " ")
        lines = [re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in raw.split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(markup: str) -> str:
    """The readable text of an HTML event body (for DESCRIPTION; the HTML itself goes to X-ALT-DESC)."""
    parser = _Html()
    parser.feed(markup)
    parser.close()
    return parser.text()


class _Ctx:
    """What one conversion collects: notes and, per TZID written, the years it must cover."""

    def __init__(self):
        self.notes: list[str] = []
        self.years: dict[str, list] = {}  # tzid -> [first year, last year, open-ended]

    def use(self, tzid: str, moment: _dt.datetime, open_ended: bool = False) -> None:
        if tzid in UTC_NAMES:
            return
        span = self.years.setdefault(tzid, [moment.year, moment.year, False])
        span[0], span[1], span[2] = min(span[0], moment.year), max(span[1], moment.year), span[2] or open_ended


def _graph_time(value: dict | None, ctx: _Ctx, what: str) -> _dt.datetime | None:
    """A dateTimeTimeZone as aware UTC. Without a Prefer: outlook.timezone header its timeZone is
    UTC; any other zone is honoured the same way."""
    if not value or not value.get("dateTime"):
        return None
    match = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)", value["dateTime"])
    if not match:
        ctx.notes.append(f"{what}: unreadable dateTime {value['dateTime']!r}")
        return None
    name, known = iana_zone(value.get("timeZone") or "UTC")
    if not known:
        ctx.notes.append(f"{what}: unknown timeZone {value.get('timeZone')!r}, read as UTC")
    local = _dt.datetime.fromisoformat(match.group(1)).replace(tzinfo=zone(name))
    return local.astimezone(_dt.timezone.utc)


def _event_zone(event: dict, key: str, ctx: _Ctx, prefix: str) -> str:
    """The TZID for the event's start or end: its original{Start,End}TimeZone (what the organizer
    chose), so local wall-clock times survive DST. Unknown or custom zones keep UTC, reported."""
    name = event.get(key)
    if not name:
        if event.get("recurrence") and key == "originalStartTimeZone":
            # a series kept in UTC drifts by an hour at each DST change of the organizer's zone
            ctx.notes.append(f"{prefix}{key}: missing, the series is written in UTC")
        return "UTC"
    tzid, known = iana_zone(name)
    if not known:
        ctx.notes.append(f"{prefix}{key}: {name!r} has no IANA equivalent we know: times written in UTC")
    return tzid


def _all_day_date(moment: _dt.datetime, tzid: str, ctx: _Ctx, what: str) -> _dt.date:
    """The date of an all-day boundary. Brought back to the event's zone, an all-day start is
    midnight; if instead the UTC value itself is midnight, Graph gave the floating date as such.
    Anything else is taken in the event's zone and reported."""
    local = moment.astimezone(zone(tzid))
    if local.time() == _dt.time(0):
        return local.date()
    if moment.time() == _dt.time(0):
        return moment.date()
    ctx.notes.append(f"{what}: all-day boundary {moment:%Y-%m-%dT%H:%M:%SZ} is not midnight; date taken in {tzid}")
    return local.date()


def _when(name: str, moment: _dt.datetime, tzid: str, ctx: _Ctx, all_day: bool = False,
          day: _dt.date | None = None) -> str:
    """A DATE-TIME (or DATE) property: local time with TZID, or UTC with Z for UTC zones."""
    if all_day:
        return f"{name};VALUE=DATE:{day:%Y%m%d}"
    if tzid in UTC_NAMES:
        return f"{name}:{moment.astimezone(_dt.timezone.utc):%Y%m%dT%H%M%SZ}"
    ctx.use(tzid, moment)
    return f"{name};TZID={_param(tzid)}:{moment.astimezone(zone(tzid)):%Y%m%dT%H%M%S}"


_DAYS = {"sunday": "SU", "monday": "MO", "tuesday": "TU", "wednesday": "WE", "thursday": "TH", "friday": "FR",
         "saturday": "SA"}
_INDEX = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}


def _rrule(recurrence: dict, start: _dt.datetime, tzid: str, all_day: bool, ctx: _Ctx) -> str | None:
    """RRULE (RFC 5545 3.3.10) for a patternedRecurrence, per the recurrencePattern and
    recurrenceRange pages; None (reported) for what it cannot express."""
    pattern, rng = recurrence.get("pattern") or {}, recurrence.get("range") or {}
    local = start.astimezone(zone(tzid))  # defaults (weekday, day, month) are the organizer's, not UTC's
    kind, interval = pattern.get("type"), int(pattern.get("interval") or 1)
    days = [_DAYS[d.lower()] for d in pattern.get("daysOfWeek") or [] if d and d.lower() in _DAYS]
    index = _INDEX.get((pattern.get("index") or "first").lower())
    freq = {"daily": "DAILY", "weekly": "WEEKLY", "absoluteMonthly": "MONTHLY", "relativeMonthly": "MONTHLY",
            "absoluteYearly": "YEARLY", "relativeYearly": "YEARLY"}.get(kind)
    if not freq:
        ctx.notes.append(f"recurrence: pattern type {kind!r} unknown, no RRULE written ({_brief(recurrence)})")
        return None
    parts = [f"FREQ={freq}"] + ([f"INTERVAL={interval}"] if interval != 1 else [])
    if kind == "weekly":
        parts.append("BYDAY=" + ",".join(days) if days else f"BYDAY={_DAYS[local.strftime('%A').lower()]}")
        # firstDayOfWeek matters with INTERVAL > 1 (which week a day belongs to): WKST. Graph's default is sunday.
        parts.append(f"WKST={_DAYS.get((pattern.get('firstDayOfWeek') or 'sunday').lower(), 'SU')}")
    elif kind in ("absoluteMonthly", "absoluteYearly"):
        if kind == "absoluteYearly":
            parts.append(f"BYMONTH={int(pattern.get('month') or local.month)}")
        parts.append(f"BYMONTHDAY={int(pattern.get('dayOfMonth') or local.day)}")
    elif kind in ("relativeMonthly", "relativeYearly"):
        if kind == "relativeYearly":
            parts.append(f"BYMONTH={int(pattern.get('month') or local.month)}")
        if index is None:
            ctx.notes.append(f"recurrence: index {pattern.get('index')!r} unknown, no RRULE written")
            return None
        if len(days) == 1:
            parts.append(f"BYDAY={index}{days[0]}")
        else:
            # Several days: "the event falls on the first day that satisfies the pattern"
            # (recurrencePattern page), i.e. the index-th of all those days in the month: BYSETPOS.
            parts += ["BYDAY=" + ",".join(days), f"BYSETPOS={index}"]
    range_type, bounded = rng.get("type"), False
    if range_type == "endDate" and rng.get("endDate"):
        until, bounded = _dt.date.fromisoformat(rng["endDate"][:10]), True
        if all_day:
            parts.append(f"UNTIL={until:%Y%m%d}")
        else:
            # endDate is a date in recurrenceTimeZone (else the event's zone), inclusive: the whole
            # day counts. With a TZID DTSTART, UNTIL must be UTC (RFC 5545 3.3.10).
            last = _dt.datetime.combine(until, _dt.time(23, 59, 59), tzinfo=zone(_range_zone(rng, tzid, ctx)))
            parts.append(f"UNTIL={last.astimezone(_dt.timezone.utc):%Y%m%dT%H%M%SZ}")
            ctx.use(tzid, last)
    elif range_type == "numbered" and int(rng.get("numberOfOccurrences") or 0) > 0:
        count, bounded = int(rng["numberOfOccurrences"]), True
        parts.append(f"COUNT={count}")
        unit = {"DAILY": 1, "WEEKLY": 7, "MONTHLY": 31, "YEARLY": 366}[freq]  # an upper bound, for VTIMEZONE
        ctx.use(tzid, start + _dt.timedelta(days=unit * interval * count))
    elif range_type != "noEnd":
        ctx.notes.append(f"recurrence: range {_brief(rng)} not understood, written without an end")
    if not bounded:
        # No end: the VTIMEZONE's rules must hold for good; ten years of transitions pin them down.
        ctx.use(tzid, start + _dt.timedelta(days=3653), open_ended=True)
    # SOGo rewrites rule parts into this order (measured, tests/integration/groupware/
    # test_graph_convert_sogo.py); writing it so spares a spurious "altered" on every series.
    order = ("FREQ", "INTERVAL", "UNTIL", "COUNT", "BYMONTH", "BYMONTHDAY", "BYDAY", "BYSETPOS", "WKST")
    return ";".join(sorted(parts, key=lambda part: order.index(part.split("=", 1)[0])))


def _range_zone(rng: dict, tzid: str, ctx: _Ctx) -> str:
    if not rng.get("recurrenceTimeZone"):
        return tzid
    rzone, known = iana_zone(rng["recurrenceTimeZone"])
    if not known:
        ctx.notes.append(f"recurrence.range.recurrenceTimeZone: {rng['recurrenceTimeZone']!r} unknown, "
                         f"the event's zone used")
        return tzid
    return rzone


def _address(entry: dict) -> str:
    return ((entry or {}).get("emailAddress") or {}).get("address") or ""


def _cn(entry: dict) -> str:
    name = ((entry or {}).get("emailAddress") or {}).get("name") or ""
    return f";CN={_param(name)}" if name else ""


# attendee.type -> (CUTYPE, ROLE). A resource (room or equipment, attendee page) is not a
# participant; Graph does not say which kind of resource, so CUTYPE=RESOURCE rather than ROOM.
_ATTENDEE_TYPE = {"required": ("INDIVIDUAL", "REQ-PARTICIPANT"), "optional": ("INDIVIDUAL", "OPT-PARTICIPANT"),
                  "resource": ("RESOURCE", "NON-PARTICIPANT")}
# responseStatus.response -> PARTSTAT (RFC 5545 3.2.12). "organizer" marks the organizer's own entry.
_PARTSTAT = {"none": "NEEDS-ACTION", "notResponded": "NEEDS-ACTION", "organizer": "ACCEPTED",
             "accepted": "ACCEPTED", "tentativelyAccepted": "TENTATIVE", "declined": "DECLINED"}
_SHOW_AS = {"free": "FREE", "busy": "BUSY", "tentative": "TENTATIVE", "oof": "OOF",
            "workingElsewhere": "WORKINGELSEWHERE"}
_CLASS = {"normal": "PUBLIC", "private": "PRIVATE", "confidential": "CONFIDENTIAL", "personal": "PRIVATE"}
_PRIORITY = {"high": 1, "normal": 5, "low": 9}  # RFC 5545 3.8.1.9: 1 highest, 5 medium, 9 lowest

# Event fields converted, used, or ignored by design: ids and Exchange bookkeeping (id, changeKey,
# @odata.*, transactionId, occurrenceId, seriesMasterId, calendar links), values derived from
# converted fields (bodyPreview from body, hasAttachments from the attachments, isOrganizer and
# isOnlineMeeting from organizer/onlineMeeting, type from recurrence), and our fixtures' "_source".
_EVENT_KNOWN = {
    "id", "changeKey", "@odata.etag", "@odata.context", "@odata.type", "transactionId", "occurrenceId",
    "seriesMasterId", "calendar@odata.associationLink", "calendar@odata.navigationLink", "bodyPreview",
    "hasAttachments", "isOrganizer", "isOnlineMeeting", "type", "_source", "iCalUId", "subject", "body",
    "start", "end", "isAllDay", "originalStartTimeZone", "originalEndTimeZone", "originalStart", "recurrence",
    "cancelledOccurrences", "exceptionOccurrences", "organizer", "attendees", "responseRequested",
    "isReminderOn", "reminderMinutesBeforeStart", "location", "locations", "categories", "showAs",
    "sensitivity", "importance", "isCancelled", "createdDateTime", "lastModifiedDateTime", "onlineMeeting",
    "onlineMeetingUrl", "onlineMeetingProvider", "allowNewTimeProposals", "attachments", "responseStatus"}
# onlineMeetingInfo fields besides joinUrl: dial-in details with no iCalendar property.
_ONLINE_OTHER = ("conferenceId", "tollNumber", "tollFreeNumbers", "quickDial", "phones")


def _description(event: dict, lines: list[str], ctx: _Ctx, prefix: str) -> None:
    body = event.get("body") or {}
    content, kind = body.get("content") or "", (body.get("contentType") or "text").lower()
    if not content.strip():
        return
    if kind == "html":
        # DESCRIPTION must be plain text; the HTML is kept as X-ALT-DESC (what Outlook itself writes).
        lines.append(f"DESCRIPTION:{_esc(html_to_text(content))}")
        lines.append(f"X-ALT-DESC;FMTTYPE=text/html:{_esc(content)}")
    else:
        if kind != "text":
            ctx.notes.append(f"{prefix}body: contentType {kind!r} taken as text")
        lines.append(f"DESCRIPTION:{_esc(content)}")


def _location(event: dict, lines: list[str], ctx: _Ctx, prefix: str) -> None:
    # location and locations "always correspond" (event page); location.displayName is the one
    # iCalendar LOCATION (a single property per VEVENT). Extra detail is reported, not lost.
    loc = event.get("location") or {}
    name = loc.get("displayName") or ""
    address = loc.get("address") or {}
    if not name and not _empty(address):
        name = ", ".join(address.get(k) for k in ("street", "city", "state", "postalCode", "countryOrRegion")
                         if address.get(k))
    elif not _empty(address):
        ctx.notes.append(f"{prefix}location.address: not converted ({_brief(address)})")
    if name:
        lines.append(f"LOCATION:{_esc(name)}")
    coords = loc.get("coordinates") or {}
    if coords.get("latitude") is not None and coords.get("longitude") is not None:
        lines.append(f"GEO:{float(coords['latitude'])};{float(coords['longitude'])}")
    if loc.get("locationUri"):
        ctx.notes.append(f"{prefix}location.locationUri: not converted ({loc['locationUri']!r})")
    for other in event.get("locations") or []:
        label = other.get("displayName") or ""
        if label and label not in name:
            ctx.notes.append(f"{prefix}locations: {label!r} is not in LOCATION (one LOCATION per event)")


def _people(event: dict, lines: list[str], ctx: _Ctx, prefix: str) -> None:
    organizer = event.get("organizer") or {}
    if _address(organizer):
        lines.append(f"ORGANIZER{_cn(organizer)}:mailto:{_address(organizer)}")
    rsvp = event.get("responseRequested", True) is not False  # "Default is true" (event page)
    for attendee in event.get("attendees") or []:
        address = _address(attendee)
        if not address:
            ctx.notes.append(f"{prefix}attendees: one without an address dropped ({_brief(attendee)})")
            continue
        kind = (attendee.get("type") or "required")
        cutype, role = _ATTENDEE_TYPE.get(kind, ("INDIVIDUAL", "REQ-PARTICIPANT"))
        if kind not in _ATTENDEE_TYPE:
            ctx.notes.append(f"{prefix}attendees: type {kind!r} of {address} taken as required")
        response = (attendee.get("status") or {}).get("response") or "none"
        partstat = _PARTSTAT.get(response, "NEEDS-ACTION")
        if response not in _PARTSTAT:
            ctx.notes.append(f"{prefix}attendees: response {response!r} of {address} taken as NEEDS-ACTION")
        params = f"{_cn(attendee)};CUTYPE={cutype};ROLE={role};PARTSTAT={partstat}"
        # RSVP says whether the organizer asked for replies: Graph's responseRequested, for every attendee
        # (SOGo adds RSVP=TRUE where it is missing, so it is always written)
        params += ";RSVP=TRUE" if rsvp else ";RSVP=FALSE"
        lines.append(f"ATTENDEE{params}:mailto:{address}")
        if attendee.get("proposedNewTime"):
            ctx.notes.append(f"{prefix}attendees: {address} proposed a new time, not converted "
                             f"({_brief(attendee['proposedNewTime'])})")
    own = (event.get("responseStatus") or {}).get("response")
    if own not in (None, "none", "organizer", "notResponded"):
        ctx.notes.append(f"{prefix}responseStatus: the calendar owner's own response {own!r} is not converted "
                         "(Graph does not say which attendee the owner is)")


def _status_lines(event: dict, lines: list[str], ctx: _Ctx, prefix: str) -> None:
    if event.get("categories"):
        lines.append("CATEGORIES:" + ",".join(_esc(c) for c in event["categories"]))
    show_as = event.get("showAs")
    if show_as:
        if show_as == "free":
            lines.append("TRANSP:TRANSPARENT")
        elif show_as in _SHOW_AS:
            lines.append("TRANSP:OPAQUE")
        if show_as in _SHOW_AS:
            # TRANSP only knows busy or not; Outlook's own property keeps the finer status.
            lines.append(f"X-MICROSOFT-CDO-BUSYSTATUS:{_SHOW_AS[show_as]}")
        if show_as not in ("free", "busy"):
            ctx.notes.append(f"{prefix}showAs: {show_as!r} has no iCalendar equivalent"
                             + (": TRANSP:OPAQUE, kept as X-MICROSOFT-CDO-BUSYSTATUS" if show_as in _SHOW_AS else ""))
    sensitivity = event.get("sensitivity") or "normal"  # Graph's default; SOGo adds CLASS:PUBLIC without one
    if sensitivity in _CLASS:
        lines.append(f"CLASS:{_CLASS[sensitivity]}")
        if sensitivity == "personal":
            ctx.notes.append(f"{prefix}sensitivity: 'personal' has no iCalendar equivalent, written as CLASS:PRIVATE")
    elif sensitivity:
        ctx.notes.append(f"{prefix}sensitivity: {sensitivity!r} not understood")
    importance = event.get("importance")
    if importance in _PRIORITY:
        lines.append(f"PRIORITY:{_PRIORITY[importance]}")
    elif importance:
        ctx.notes.append(f"{prefix}importance: {importance!r} not understood")
    if event.get("isCancelled"):
        lines.append("STATUS:CANCELLED")
    if event.get("allowNewTimeProposals") is False:
        lines.append("X-MICROSOFT-DISALLOW-COUNTER:TRUE")  # Outlook's property for "no new time proposals"


def _online(event: dict, lines: list[str], ctx: _Ctx, prefix: str) -> None:
    meeting = event.get("onlineMeeting") or {}
    url = meeting.get("joinUrl") or event.get("onlineMeetingUrl")
    if url:
        # CONFERENCE (RFC 7986 5.11) is the standard place; SOGo's editor shows URL, so both.
        provider = event.get("onlineMeetingProvider")
        label = f";LABEL={_param(provider)}" if provider and provider != "unknown" else ""
        lines.append(f"CONFERENCE;VALUE=URI;FEATURE=VIDEO{label}:{url}")
        lines.append(f"URL:{url}")
    for key in _ONLINE_OTHER:
        if not _empty(meeting.get(key)):
            ctx.notes.append(f"{prefix}onlineMeeting.{key}: not converted ({_brief(meeting[key])})")


def _attach(attachments: list[dict], lines: list[str], ctx: _Ctx, prefix: str) -> None:
    for item in attachments:
        kind = (item.get("@odata.type") or "#microsoft.graph.fileAttachment").rsplit(".", 1)[-1]
        name = item.get("name") or ""
        if kind != "fileAttachment":
            ctx.notes.append(f"{prefix}attachments: {kind} {name!r} has no iCalendar form, not converted")
            continue
        try:
            data = base64.b64decode(item.get("contentBytes") or "", validate=True)
        except (binascii.Error, ValueError):
            ctx.notes.append(f"{prefix}attachments: {name!r} has no valid base64 contentBytes, not converted")
            continue
        params = ";FMTTYPE=" + _param(item["contentType"]) if item.get("contentType") else ""
        params += ";ENCODING=BASE64;VALUE=BINARY" + (f";X-FILENAME={_param(name)}" if name else "")
        # RFC 5545 3.8.1.1: inline binary ATTACH; SOGo keeps it in the object (no managed attachments).
        lines.append(f"ATTACH{params}:{base64.b64encode(data).decode('ascii')}")


def _cancelled_dates(event: dict, start: _dt.datetime, tzid: str, all_day: bool, ctx: _Ctx) -> list[str]:
    """EXDATE lines for cancelledOccurrences. Each is an occurrenceId, OID.{seriesMasterId}.{date}
    (beta event page); the date is in the recurrence time zone and the occurrence's time of day is
    the series' start time there."""
    rzone = _range_zone((event.get("recurrence") or {}).get("range") or {}, tzid, ctx)
    out = []
    for occurrence in event.get("cancelledOccurrences") or []:
        match = re.search(r"\.(\d{4}-\d\d-\d\d)[^.]*$", occurrence or "")
        if not match:
            ctx.notes.append(f"cancelledOccurrences: {occurrence!r} has no date we can read, not excluded")
            continue
        day = _dt.date.fromisoformat(match.group(1))
        if all_day:
            out.append(f"EXDATE;VALUE=DATE:{day:%Y%m%d}")
            continue
        local = _dt.datetime.combine(day, start.astimezone(zone(rzone)).time(), tzinfo=zone(rzone))
        out.append(_when("EXDATE", local.astimezone(_dt.timezone.utc), tzid, ctx))
    return out


def _vevent(event: dict, uid: str, ctx: _Ctx, prefix: str = "", attachments: list[dict] | None = None,
            recurrence_id: tuple | None = None) -> tuple[list[str], str, bool]:
    """(content lines of one VEVENT, its DTSTART TZID, all-day) for a master, single event or exception."""
    all_day = bool(event.get("isAllDay"))
    start = _graph_time(event.get("start"), ctx, prefix + "start")
    if start is None:
        raise ValueError(f"Graph event {event.get('id')!r}: no start, cannot be an iCalendar VEVENT")
    end = _graph_time(event.get("end"), ctx, prefix + "end")
    tzid = _event_zone(event, "originalStartTimeZone", ctx, prefix)
    end_tzid = _event_zone(event, "originalEndTimeZone", ctx, prefix) if event.get("originalEndTimeZone") else tzid
    stamp = _stamp(event.get("lastModifiedDateTime") or "") or _stamp(event.get("createdDateTime") or "")
    if stamp is None:
        ctx.notes.append(f"{prefix}lastModifiedDateTime: missing, DTSTAMP is the start")
    lines = ["BEGIN:VEVENT", f"UID:{_esc(uid)}", f"DTSTAMP:{(stamp or start):%Y%m%dT%H%M%SZ}"]
    if all_day:
        first = _all_day_date(start, tzid, ctx, prefix + "start")
        last = _all_day_date(end, end_tzid, ctx, prefix + "end") if end else first + _dt.timedelta(days=1)
        lines += [_when("DTSTART", start, tzid, ctx, True, first),
                  _when("DTEND", start, tzid, ctx, True, max(last, first + _dt.timedelta(days=1)))]
    else:
        lines.append(_when("DTSTART", start, tzid, ctx))
        if end:
            lines.append(_when("DTEND", end, end_tzid, ctx))
    if recurrence_id:
        original, master_tzid, master_all_day = recurrence_id
        day = _all_day_date(original, master_tzid, ctx, prefix + "originalStart") if master_all_day else None
        # RECURRENCE-ID takes the master DTSTART's value type and zone (RFC 5545 3.8.4.4).
        lines.append(_when("RECURRENCE-ID", original, master_tzid, ctx, master_all_day, day))
    elif event.get("recurrence"):
        rule = _rrule(event["recurrence"], start, tzid, all_day, ctx)
        if rule:
            lines.append(f"RRULE:{rule}")
            lines += _cancelled_dates(event, start, tzid, all_day, ctx)
    created = _stamp(event.get("createdDateTime") or "")
    if created:
        lines.append(f"CREATED:{created:%Y%m%dT%H%M%SZ}")
    if stamp:
        lines.append(f"LAST-MODIFIED:{stamp:%Y%m%dT%H%M%SZ}")
    if event.get("subject"):
        lines.append(f"SUMMARY:{_esc(event['subject'])}")
    _description(event, lines, ctx, prefix)
    _location(event, lines, ctx, prefix)
    _status_lines(event, lines, ctx, prefix)
    _online(event, lines, ctx, prefix)
    _people(event, lines, ctx, prefix)
    _attach(attachments or [], lines, ctx, prefix)
    if event.get("isReminderOn"):
        minutes = int(event.get("reminderMinutesBeforeStart") or 0)
        trigger = f"-PT{minutes}M" if minutes > 0 else "PT0M"
        lines += ["BEGIN:VALARM", "ACTION:DISPLAY", f"DESCRIPTION:{_esc(event.get('subject') or 'Reminder')}",
                  f"TRIGGER:{trigger}", "END:VALARM"]
    _unconverted(event, _EVENT_KNOWN, ctx.notes, prefix)
    lines.append("END:VEVENT")
    return lines, tzid, all_day


def event_to_ical(event: dict, attachments: list[dict] | None = None) -> tuple[str, list[str]]:
    """(VCALENDAR text, notes) for one Graph event as GET /users/{id}/calendars/{id}/events returns it
    WITHOUT a Prefer: outlook.timezone header (so start/end come in UTC), with $expand=exceptionOccurrences
    on series masters, and with its fileAttachments (name, contentType, contentBytes base64) when
    hasAttachments. notes: per field/item what has no iCalendar equivalent or was approximated, never silent."""
    ctx = _Ctx()
    uid = ical_uid(event)
    if attachments is None and event.get("attachments"):
        attachments = event["attachments"]  # $expand=attachments puts them on the event itself
    elif attachments is None and event.get("hasAttachments"):
        ctx.notes.append("attachments: hasAttachments is true but none were given, none converted")
    master, tzid, all_day = _vevent(event, uid, ctx, attachments=attachments)
    components = [master]
    for exception in event.get("exceptionOccurrences") or []:
        original = _stamp(exception.get("originalStart") or "")
        prefix = f"exceptionOccurrences[{(exception.get('originalStart') or '?')[:10]}]: "
        if original is None:
            ctx.notes.append(f"{prefix}no originalStart, so no RECURRENCE-ID: exception not converted")
            continue
        # An exception's own iCalUId differs from the master's ("different for each occurrence",
        # event page); in iCalendar it must share the master's UID and is told apart by RECURRENCE-ID.
        lines, _tz, _day = _vevent(exception, uid, ctx, prefix, recurrence_id=(original, tzid, all_day))
        components.append(lines)
    out = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN"]
    for name, (first, last, open_ended) in sorted(ctx.years.items()):
        out += vtimezone(name, first, last, open_ended)
    for lines in components:
        out += lines
    out.append("END:VCALENDAR")
    return _lines_to_text(out), ctx.notes
