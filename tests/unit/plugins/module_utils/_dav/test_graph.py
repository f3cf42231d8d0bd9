"""The Graph source's requests against the Graph emulator (paging, throttling, series completion, attachments,
photos, shared calendars, ETags), with the converters replaced by recorders: what they make is tested in
test_graph_convert.py, and end to end into SOGo in tests/integration/groupware/test_dav_sync_graph.py."""
from __future__ import annotations

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._dav import graph, graph_convert
from ansible_collections.mailwave.migrate.plugins.module_utils._dav.webdav import DavError
from tests.servers.graph_dav import GraphDavApi

USER, TOKEN = "carol@contoso.example", "eyJ0eXAi.graph-token"


def account():
    return {
        "calendars": [
            {"id": "AAMkCal1=", "name": "Calendar", "hexColor": "#a4b8ff", "isDefaultCalendar": True,
             "owner": {"name": "Carol", "address": USER}, "changeKey": "k1",
             "_events": [
                 {"id": "ev1", "iCalUId": "uid-1", "changeKey": "c1", "type": "singleInstance", "hasAttachments": True},
                 {"id": "ev2", "iCalUId": "uid-2", "changeKey": "c2", "type": "seriesMaster", "hasAttachments": False,
                  "cancelledOccurrences": ["OID.ev2.2026-01-12"],
                  "exceptionOccurrences": [{"id": "ev2x", "changeKey": "x1", "type": "exception"}]},
                 {"id": "ev3", "iCalUId": "uid-3", "changeKey": "c3", "type": "singleInstance", "hasAttachments": False},
             ]},
            {"id": "AAMkCal2=", "name": "Équipe projets", "hexColor": "", "isDefaultCalendar": False,
             "owner": {"name": "Carol", "address": USER.upper()}, "_events": []},
            {"id": "AAMkShared=", "name": "Dan's calendar", "owner": {"name": "Dan", "address": "dan@contoso.example"},
             "_events": [{"id": "ev9", "iCalUId": "uid-9", "changeKey": "c9", "type": "singleInstance"}]},
        ],
        "contacts": [{"id": "ct1", "changeKey": "a1", "displayName": "Ann"},
                     {"id": "ct2", "changeKey": "a2", "displayName": "Ben"},
                     {"id": "ct3", "changeKey": "a3", "displayName": "Cy"}],
        "contactFolders": [{"id": "F1=", "displayName": "Clients", "_contacts": [{"id": "ct4", "changeKey": "a4"}],
                            "_childFolders": [{"id": "F2=", "displayName": "Paris", "_contacts": []}]}],
        "photos": {"ct2": b"\x89PNG\r\n\x1a\nfake-png"},
        "attachments": {"ev1": [{"@odata.type": "#microsoft.graph.fileAttachment", "name": "agenda.txt",
                                 "contentType": "text/plain", "contentBytes": "aGVsbG8="}]},
    }


@pytest.fixture
def api():
    server = GraphDavApi(USER, TOKEN, account(), page_size=2, retry_after="0").start()
    yield server
    server.stop()


@pytest.fixture
def converted(monkeypatch):
    """Record what the converters are given; answer minimal objects."""
    seen = {"contacts": [], "events": []}

    def contact(item, photo=None, photo_type="image/jpeg"):
        seen["contacts"].append((item["id"], photo, photo_type))
        return "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:%s\r\nEND:VCARD\r\n" % item["id"], []

    def event(item, attachments=None):
        seen["events"].append((item, attachments))
        notes = ["something approximated"] if item["id"] == "ev3" else []
        return "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:%s\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n" % item["iCalUId"], notes

    monkeypatch.setattr(graph_convert, "contact_to_vcard", contact)
    monkeypatch.setattr(graph_convert, "event_to_ical", event)
    monkeypatch.setattr(graph_convert, "ical_uid", lambda item: item.get("iCalUId") or item["id"])
    return seen


def test_calendars_owned_by_the_user_only_with_the_default_marked(api, converted):
    source = graph.GraphSource(USER, TOKEN, api.url)
    calendars = source.source_collections("calendar")
    assert [(c.href, c.displayname, c.default, c.name, c.color) for c in calendars] == [
        ("/graph/calendars/AAMkCal1%3D/", "Calendar", True, "calendar", "#a4b8ff"),
        ("/graph/calendars/AAMkCal2%3D/", "Équipe projets", False, "quipe-projets", "")]
    assert source.skipped == [{"kind": "calendars", "name": "Dan's calendar", "owner": "dan@contoso.example",
                               "why": "shared by its owner: it moves with the owner's account"}]


def test_events_every_page_series_completed_attachments_read(api, converted):
    source = graph.GraphSource(USER, TOKEN, api.url)
    href = source.source_collections("calendar")[0].href
    etags = source.etags(href)
    assert sorted(etags) == [href + "ev1", href + "ev2", href + "ev3"]  # two pages of two
    given = {item["id"]: (item, attachments) for item, attachments in converted["events"]}
    master = given["ev2"][0]
    assert master["cancelledOccurrences"] == ["OID.ev2.2026-01-12"]
    assert master["exceptionOccurrences"] == [{"id": "ev2x", "changeKey": "x1", "type": "exception"}]
    assert given["ev1"][1] == [{"@odata.type": "#microsoft.graph.fileAttachment", "name": "agenda.txt",
                                "contentType": "text/plain", "contentBytes": "aGVsbG8="}]
    assert given["ev3"][1] is None  # no attachments request for an event without
    assert not any("/events/ev1?" in p or p.endswith("/ev3/attachments") for p in api.requests)
    # the series' ETag moves when only an exception changes (the master's change key does not)
    assert etags[href + "ev1"] == "c1" and etags[href + "ev2"].startswith("c2+")
    api.account["calendars"][0]["_events"][1]["exceptionOccurrences"][0]["changeKey"] = "x2"
    again = graph.GraphSource(USER, TOKEN, api.url)
    again.source_collections("calendar")
    assert again.etags(href)[href + "ev2"] not in ("c2", etags[href + "ev2"])
    assert again.etags(href)[href + "ev1"] == "c1"
    fetched = source.multiget(href, "calendar", [href + "ev3"])
    assert fetched == {href + "ev3": ("c3", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:uid-3\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")}
    assert source.conversions == [{"collection": href, "id": "ev3", "uid": "uid-3", "notes": ["something approximated"]}]


def test_contact_folders_nested_with_photos(api, converted):
    source = graph.GraphSource(USER, TOKEN, api.url)
    folders = source.source_collections("addressbook")
    assert [(c.href, c.displayname, c.name, c.default) for c in folders] == [
        ("/graph/contacts/", "Contacts", "personal", True),
        ("/graph/contactFolders/F1%3D/", "Clients", "clients", False),
        ("/graph/contactFolders/F2%3D/", "Clients / Paris", "clients-paris", False)]
    assert sorted(source.etags("/graph/contacts/").values()) == ["a1", "a2", "a3"]
    assert sorted(source.etags("/graph/contactFolders/F1%3D/")) == ["/graph/contactFolders/F1%3D/ct4"]
    photos = {cid: (photo, kind) for cid, photo, kind in converted["contacts"]}
    assert photos["ct2"] == (b"\x89PNG\r\n\x1a\nfake-png", "image/png")
    assert photos["ct1"] == (None, "image/jpeg") and photos["ct4"][0] is None


def test_throttling_is_waited_out(api, converted):
    api.throttle["/v1.0/users/%s/calendars" % USER] = 2
    source = graph.GraphSource(USER, TOKEN, api.url)
    assert len(source.source_collections("calendar")) == 2
    assert api.requests.count("/v1.0/users/%s/calendars" % USER) == 4  # two 429s, then the two pages


@pytest.mark.parametrize("user, token, match", [
    (USER, "wrong", "HTTP 401 to /users/carol@contoso.example/calendars\\?\\$top=100 .*InvalidAuthenticationToken.*get a new one"),
    ("nobody@contoso.example", TOKEN, "HTTP 404 .*ErrorInvalidUser.*check the address"),
])
def test_refusals_are_sentences_without_the_token(api, converted, user, token, match):
    source = graph.GraphSource(user, token, api.url)
    with pytest.raises(DavError, match=match) as raised:
        source.source_collections("calendar")
    assert token not in str(raised.value)


def test_the_scope_named_in_a_refusal_is_the_kind_s():
    source = graph.GraphSource(USER, TOKEN)
    assert source.apis["addressbook"].scope == "Contacts.Read" and source.apis["calendar"].scope == "Calendars.Read"
    assert source.apis["calendar"].base == graph.GRAPH_URL


def test_an_object_that_cannot_be_converted_is_an_error_with_its_reason(api):
    # the real converter: an event without a start cannot be a VEVENT
    api.account["calendars"][0]["_events"] = [{"id": "bad1", "iCalUId": "uid-bad", "changeKey": "b1",
                                               "type": "singleInstance", "subject": "no start"}]
    source = graph.GraphSource(USER, TOKEN, api.url)
    href = source.source_collections("calendar")[0].href
    assert source.multiget(href, "calendar", [href + "bad1"]) == {href + "bad1": ("b1", "")}
    assert source.conversions[0]["id"] == "bad1" and source.conversions[0]["notes"][0].startswith("not converted: ")
    assert "no start" in source.conversions[0]["notes"][0]


def test_an_endpoint_without_the_series_fields_gets_the_exceptions_from_the_instances(api, converted):
    api.series_fields = False
    master = api.account["calendars"][0]["_events"][1]
    master.update(start={"dateTime": "2026-01-05T08:00:00.0000000", "timeZone": "UTC"},
                  recurrence={"pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]},
                              "range": {"type": "endDate", "startDate": "2026-01-05", "endDate": "2026-06-29"}})
    master["exceptionOccurrences"][0]["originalStart"] = "2026-03-30T07:00:00Z"
    source = graph.GraphSource(USER, TOKEN, api.url)
    href = source.source_collections("calendar")[0].href
    source.etags(href)
    given = {item["id"]: item for item, _attachments in converted["events"]}
    assert [e["id"] for e in given["ev2"]["exceptionOccurrences"]] == ["ev2x"]
    assert given["ev2"]["cancelledOccurrences"] == []
    assert api.windows == [("2026-01-04T08:00:00Z", "2026-07-01T00:00:00Z")]
    said = [c for c in source.conversions if c["id"] == "ev2"]
    assert said and said[0]["collection"] == href and "cancelled at the source are not excluded" in said[0]["notes"][0]


@pytest.mark.parametrize("recurrence, window, note", [
    ({"pattern": {"type": "daily", "interval": 2}, "range": {"type": "numbered", "numberOfOccurrences": 10}},
     ("2026-01-04T08:00:00Z", "2026-01-26T08:00:00Z"), ""),
    ({"pattern": {"type": "absoluteMonthly", "interval": 1}, "range": {"type": "numbered", "numberOfOccurrences": 3}},
     ("2026-01-04T08:00:00Z", "2026-04-09T08:00:00Z"), ""),
    ({"pattern": {"type": "weekly"}, "range": {"type": "noEnd"}},
     ("2026-01-04T08:00:00Z", "2029-12-01T12:00:00Z"), "series without an end: exceptions read until 2029-12-01 only"),
])
def test_instances_window(recurrence, window, note):
    import datetime as dt
    event = {"start": {"dateTime": "2026-01-05T08:00:00.0000000", "timeZone": "UTC"}, "recurrence": recurrence}
    now = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.timezone.utc)
    assert graph.instances_window(event, now) == (*window, note)
