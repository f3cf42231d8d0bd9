"""Every converted Graph fixture (tests/data/dav/graph) PUT into a real SOGo, read back, compared.

What SOGo changes is asserted property by property (content.differences), so a change in SOGo's
handling of our output shows up here rather than in a migration.
"""
from __future__ import annotations

import base64

import json
import pathlib
import time

import requests

from ansible_collections.mailwave.migrate.plugins.module_utils._dav import content
from ansible_collections.mailwave.migrate.plugins.module_utils._dav.graph_convert import (
    contact_to_vcard, event_to_ical, ical_uid)

GRAPH = pathlib.Path(__file__).resolve().parents[2] / "data" / "dav" / "graph"
PRINT = False  # True prints sent/stored lines of each altered property (pytest -s)
PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00 not a real picture"


def _converted():
    for path in sorted((GRAPH / "events").glob("*.json")):
        if path.name.endswith(".attachments.json"):
            continue
        event = json.loads(path.read_text(encoding="utf-8"))
        extra = path.with_name(path.stem + ".attachments.json")
        attachments = json.loads(extra.read_text(encoding="utf-8"))["value"] if extra.exists() else None
        text, _notes = event_to_ical(event, attachments)
        yield f"events/{path.stem}", "Calendar/personal/", ical_uid(event), "ics", text, "text/calendar"
    for path in sorted((GRAPH / "contacts").glob("*.json")):
        contact = json.loads(path.read_text(encoding="utf-8"))
        text, _notes = contact_to_vcard(contact, PHOTO if path.stem == "full" else None)
        yield f"contacts/{path.stem}", "Contacts/personal/", contact["id"], "vcf", text, "text/vcard"


CONVERTED = list(_converted())

# What SOGo 5.8 altered in what we first sent (measured), and what the converter does since:
# - CLASS:PUBLIC added to a VEVENT without CLASS: we write Graph's default sensitivity, normal, as PUBLIC;
# - RSVP=TRUE added to every ATTENDEE without RSVP: we write responseRequested on every attendee;
# - a vCard 4.0 came back as VERSION:3.0, with the ';' of a PHOTO data: URI escaped as text
#   ("data:image/jpeg\\;base64,..."), a broken picture: we write vCard 3.0 and its inline PHOTO form;
# - RRULE parts are rewritten in SOGo's own order: content.differences does not count their order.
# So nothing should be altered now.
ALTERED = {}


def _request(session, method, url, **kwargs):
    # sogod (one worker, no web server in front) now and then resets a connection between requests
    # (seen about once in five runs): one retry after a pause, not a loop.
    try:
        return session.request(method, url, **kwargs)
    except requests.ConnectionError:
        time.sleep(1)
        return session.request(method, url, **kwargs)


def test_sogo_stores_every_converted_object(sogo, sogo_account):
    user, password = sogo_account()
    session = requests.Session()
    session.auth = (user, password)
    # sogod (one worker, no web server in front) drops kept-alive connections after a PUT
    session.headers["Connection"] = "close"
    altered = {}
    for name, collection, uid, extension, text, mime in CONVERTED:
        # as the engine writes them: no scheduling by SOGo (RFC 6638 SCHEDULE-AGENT=CLIENT)
        data = content.without_scheduling(text)
        url = sogo.dav_url(user) + collection + content.resource_name(uid, extension)
        headers = {"Content-Type": f"{mime}; charset=utf-8", "If-None-Match": "*"}
        put = _request(session, "PUT", url, data=data.encode("utf-8"), headers=headers)
        assert put.status_code in (201, 204), (name, put.status_code, put.text[:500])
        got = _request(session, "GET", url)
        assert got.status_code == 200, name
        stored = got.content.decode("utf-8")
        assert content.uid_of(stored) == uid, name
        differences = content.differences(data, stored)
        if differences:
            altered[name] = differences
        if name == "contacts/full":
            (photo,) = [line for line in content.unfold(stored) if line.startswith("PHOTO")]
            head = photo.split(":", 1)[0].upper().split(";")
            assert sorted(head) == ["ENCODING=B", "PHOTO", "TYPE=JPEG"], photo[:80]  # the picture SOGo keeps intact
            assert base64.b64decode(photo.split(":", 1)[1]) == PHOTO
        if name == "events/meeting-html":
            assert all("RSVP=TRUE" in line for line in content.unfold(stored) if line.startswith("ATTENDEE"))
        if PRINT:
            want, have = content.fingerprint(data), content.fingerprint(stored)
            for key in differences:
                print(name, key, "\n  sent:", [v[:150] for v in want.get(key, [])], "\n  got: ", [v[:150] for v in have.get(key, [])])
    assert altered == ALTERED
