"""The DAV corpus (tests/data/dav/) as objects, and seeding a source collection with it."""
from __future__ import annotations

import re

from ansible_collections.mailwave.migrate.plugins.module_utils._dav import content
from tests.lib.dav_corpus import DATA, read


MKCOL = ('<?xml version="1.0" encoding="utf-8"?><d:mkcol xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav" '
         'xmlns:cal="urn:ietf:params:xml:ns:caldav" xmlns:a="http://apple.com/ns/ical/"><d:set><d:prop>'
         "<d:resourcetype><d:collection/>{rtype}</d:resourcetype><d:displayname>{name}</d:displayname>{color}"
         "</d:prop></d:set></d:mkcol>")


def vcards() -> dict[str, str]:
    """{uid: vCard text} of the corpus."""
    return {content.uid_of(read(p)): read(p) for p in sorted(DATA.glob("*.vcf"))}


def calendar_objects(large: bool = True) -> dict[str, str]:
    """{uid: iCalendar object}; large-calendar.ics is split into one object per event."""
    result = {}
    for path in sorted(DATA.glob("*.ics")):
        text = read(path)
        if path.name == "large-calendar.ics":
            if not large:
                continue
            head = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Mailwave//corpus//EN\r\n"
            for event in re.findall(r"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", text, re.S):
                obj = head + event + "END:VCALENDAR\r\n"
                result[content.uid_of(obj)] = obj
        else:
            result[content.uid_of(text)] = text
    return result


def make_collection(session, url: str, kind: str, name: str, color: str = "") -> None:
    rtype = "<card:addressbook/>" if kind == "addressbook" else "<cal:calendar/>"
    color_xml = f"<a:calendar-color>{color}</a:calendar-color>" if color else ""
    response = session.request("MKCOL", url, data=MKCOL.format(rtype=rtype, name=name, color=color_xml).encode(),
                               headers={"Content-Type": "application/xml"})
    assert response.status_code == 201, (url, response.status_code, response.text)


def put(session, collection_url: str, objects: dict[str, str], kind: str) -> dict[str, str]:
    """PUT each object under a name of its own; return {uid: href}."""
    ext, media = ("vcf", "text/vcard") if kind == "addressbook" else ("ics", "text/calendar")
    hrefs = {}
    for index, (uid, data) in enumerate(sorted(objects.items())):
        url = f"{collection_url}obj{index:04d}.{ext}"
        response = session.put(url, data=data.encode("utf-8"), headers={"Content-Type": media + "; charset=utf-8"})
        assert response.status_code in (201, 204), (uid, response.status_code, response.text)
        hrefs[uid] = url
    return hrefs
