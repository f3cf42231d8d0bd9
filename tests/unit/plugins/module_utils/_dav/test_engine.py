"""Engine decisions without a server: where each source collection goes; reading multistatus answers."""
from __future__ import annotations

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._dav import engine, webdav
from ansible_collections.mailwave.migrate.plugins.module_utils._dav.webdav import Collection

HOME = "/SOGo/dav/u@example.org/Contacts/"


def coll(href, name=""):
    return Collection(href, "addressbook", name)


ROWS = [
    ("one collection -> personal", [coll("/u/4f1c/")], [], [(HOME + "personal/", True)]),
    ("personal already exists", [coll("/u/4f1c/")], [coll(HOME + "personal/")], [(HOME + "personal/", False)]),
    ("a default name wins over href order", [coll("/u/a-work/"), coll("/u/contacts/")], [coll(HOME + "personal/")],
     [(HOME + "personal/", False), (HOME + "a-work/", True)]),
    ("display name counts as default", [coll("/u/aaa/"), coll("/u/zzz/", "Personal")], [],
     [(HOME + "personal/", True), (HOME + "aaa/", True)]),
    ("a source named personal that is not first", [coll("/u/default/"), coll("/u/personal/")], [],
     [(HOME + "personal/", True), (HOME + "personal-2/", True)]),
    ("odd characters slugged, second run finds it", [coll("/u/contacts/"), coll("/u/Amis%20%26%20famille/")],
     [coll(HOME + "personal/"), coll(HOME + "amis-famille/")],
     [(HOME + "personal/", False), (HOME + "amis-famille/", False)]),
    ("the source's own default flag wins over a default-looking name (Graph's isDefaultCalendar)",
     [Collection("/graph/calendars/AAMk1/", "addressbook", "Calendar", name="calendar"),
      Collection("/graph/calendars/AAMk2/", "addressbook", "Agenda perso", default=True)], [],
     [(HOME + "personal/", True), (HOME + "calendar/", True)]),
    ("an opaque href takes its given name (Graph ids)",
     [Collection("/graph/contacts/", "addressbook", "Contacts", default=True),
      Collection("/graph/contactFolders/AAMkAGI2TGuLAAA%3D/", "addressbook", "Clients", name="clients")], [],
     [(HOME + "personal/", True), (HOME + "clients/", True)]),
]


@pytest.mark.parametrize("name,source,dest,expected", ROWS, ids=[r[0] for r in ROWS])
def test_map_collections(name, source, dest, expected):
    got = [(href, create) for _coll, href, create in engine.map_collections(source, HOME, dest)]
    assert got == expected, name


def test_sogo_home_from_a_server_or_dav_root():
    client = webdav.DavClient("https://mail.example.org", "a+b@example.org", "pw")
    assert engine.sogo_home(client, "a+b@example.org", "calendar") == "/SOGo/dav/a+b@example.org/Calendar/"
    client = webdav.DavClient("https://mail.example.org/SOGo/dav/", "u@x", "pw")
    assert engine.sogo_home(client, "u@x", "addressbook") == "/SOGo/dav/u@x/Contacts/"


def test_multistatus_merges_200_propstats_and_keeps_response_status():
    body = b"""<?xml version="1.0"?><d:multistatus xmlns:d="DAV:"><d:response><d:href>/c/a.vcf</d:href>
      <d:propstat><d:prop><d:getetag>"1"</d:getetag></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>
      <d:propstat><d:prop><d:displayname/></d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat>
      </d:response><d:response><d:href>http://h/c/gone.vcf</d:href><d:status>HTTP/1.1 404 Not Found</d:status>
      </d:response></d:multistatus>"""
    [(href, prop, status), (gone, _p, gone_status)] = webdav._responses(body)  # pylint: disable=protected-access
    assert (href, status, prop.findtext("{DAV:}getetag")) == ("/c/a.vcf", 200, '"1"')
    assert prop.find("{DAV:}displayname") is None
    assert (gone, gone_status) == ("/c/gone.vcf", 404)


def test_not_xml_is_a_dav_error():
    with pytest.raises(webdav.DavError, match="not XML"):
        webdav._responses(b"<html>proxy error")  # pylint: disable=protected-access


@pytest.mark.parametrize("given, written", [
    ("#3366CCFF", "#3366CCFF"), ("#87d28e", "#87d28eFF"), (" #87D28E ", "#87D28EFF"), ("", ""),
    ("auto", ""), ("#abc", ""), ("lightGreen", "")])
def test_calendar_colour_as_sogo_takes_it(given, written):
    # SOGo 5.8 answers PROPPATCH calendar-color "#87d28e" with 400 "Bad color format (should be '#XXXXXXXX')"
    assert webdav.calendar_color(given) == written
