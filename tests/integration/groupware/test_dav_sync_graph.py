"""dav_sync from Microsoft 365: the Graph emulator (tests/servers/graph_dav.py) serves the recorded objects of
tests/data/dav/graph, dav_sync converts them and writes them into the real SOGo; every object is read back.
Then a re-run writes nothing, an exception edited at the source is copied again, and refusals are sentences."""
from __future__ import annotations

import json

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._dav import content, graph_convert
from tests.integration.groupware.test_dav_sync import _problems, _sogo_objects
from tests.servers.graph_dav import GraphDavApi, recorded_account

TOKEN = "eyJ0eXAiOiJKV1Qi.graph-access-token"


def _uids(objects, convert):
    return {content.uid_of(convert(o)[0]) for o in objects}


@pytest.fixture
def m365(sogo_account):
    user, password = sogo_account()
    account = recorded_account(user)
    api = GraphDavApi(user, TOKEN, account, page_size=3, retry_after="0").start()
    yield user, password, account, api
    api.stop()


def _args(api, user, password, sogo, tmp_path):
    return {"source": {"provider": "microsoft", "url": api.url, "user": user, "oauth2_token": TOKEN},
            "destination": {"url": sogo.base_url, "user": user, "password": password},
            "state_file": str(tmp_path / "state.json")}


def test_microsoft_365_contacts_and_calendars_into_sogo(run_module, sogo, m365, tmp_path):
    user, password, account, api = m365
    args = _args(api, user, password, sogo, tmp_path)
    default_cal, projets, _shared = account["calendars"]
    contacts = account["contacts"] + account["contactFolders"][0]["_contacts"]
    events = default_cal["_events"] + projets["_events"]
    assert len(events) >= 5 and len(contacts) >= 3, "the recorded fixtures are missing"

    predicted = run_module("dav_sync", args, check_mode=True)
    assert not predicted.failed, (predicted, predicted.stderr[-3000:])
    assert predicted.changed and predicted["requests"]["writes"] == 0
    assert not (tmp_path / "state.json").exists()

    first = run_module("dav_sync", args)
    assert not first.failed, (first.get("msg"), first.stderr[-3000:])
    assert _problems(first) == []
    assert first["contacts"]["copied"] == len(contacts) == predicted["contacts"]["copied"]
    assert first["calendars"]["copied"] == len(events) == predicted["calendars"]["copied"]
    # every object read back as sent: the converter writes what SOGo keeps (test_graph_convert_sogo.py)
    altered = [a for c in first["collections"] for a in c.get("altered", [])]
    assert altered == []
    for kind in ("contacts", "calendars"):
        assert first[kind]["verified"] == first[kind]["copied"]
    # the calendar shared by Dan is not copied, and said so
    assert [s["owner"] for s in first["skipped"]] == ["dan@" + user.split("@")[1]]
    assert TOKEN not in json.dumps(dict(first))

    stored_contacts = _sogo_objects(sogo, user, password, "Contacts/personal/")
    assert set(stored_contacts) == _uids(account["contacts"], graph_convert.contact_to_vcard)
    clients = [c["destination"] for c in first["collections"] if c["displayname"] == "Clients"]
    assert clients and clients[0].endswith("/Contacts/clients/")
    in_clients = _sogo_objects(sogo, user, password, "Contacts/clients/")
    assert set(in_clients) == _uids(account["contactFolders"][0]["_contacts"], graph_convert.contact_to_vcard)
    assert all("PHOTO" in card for card in in_clients.values())  # the folder's contact has a photo

    stored = _sogo_objects(sogo, user, password, "Calendar/personal/")
    assert set(stored) == {graph_convert.ical_uid(e) for e in default_cal["_events"]}
    in_projets = _sogo_objects(sogo, user, password, "Calendar/projets/")
    assert set(in_projets) == {graph_convert.ical_uid(e) for e in projets["_events"]}
    series = [e for e in events if e.get("type") == "seriesMaster" and e.get("exceptionOccurrences")]
    assert series, "the fixtures need a series with an exception"
    for event in series:
        ics = (stored.get(graph_convert.ical_uid(event)) or
               _sogo_objects(sogo, user, password, "Calendar/projets/")[graph_convert.ical_uid(event)])
        assert "RRULE:" in ics and "RECURRENCE-ID" in ics and "BEGIN:VTIMEZONE" in ics
        assert ics.count("BEGIN:VEVENT") == 1 + len(event["exceptionOccurrences"])
        if event.get("cancelledOccurrences"):
            assert "EXDATE" in ics

    again = run_module("dav_sync", args)
    assert not again.failed and not again.changed, again
    assert again["requests"]["writes"] == 0
    assert again["calendars"]["unchanged"] == len(events) and again["contacts"]["unchanged"] == len(contacts)

    # an occurrence moved at the source: only the master's exceptions change, the series is copied again
    moved = series[0]["exceptionOccurrences"][0]
    moved["changeKey"] = (moved.get("changeKey") or "") + "-edited"
    moved["subject"] = "Moved by the organizer"
    edited = run_module("dav_sync", args)
    assert not edited.failed and edited.changed, edited
    assert edited["calendars"]["updated"] == 1 and edited["requests"]["writes"] == 1
    uid = graph_convert.ical_uid(series[0])
    ics = {**stored, **_sogo_objects(sogo, user, password, "Calendar/projets/"),
           **_sogo_objects(sogo, user, password, "Calendar/personal/")}[uid]
    assert "Moved by the organizer" in ics


def test_microsoft_365_refusals_say_what_to_do(run_module, sogo, m365, tmp_path):
    user, password, _account, api = m365
    args = _args(api, user, password, sogo, tmp_path)
    wrong = run_module("dav_sync", {**args, "source": {**args["source"], "oauth2_token": "expired-token"}})
    assert wrong.failed and "HTTP 401" in wrong["msg"] and "get a new one" in wrong["msg"], wrong
    assert "expired-token" not in json.dumps(dict(wrong)) and "Traceback" not in wrong.stderr
    no_token = run_module("dav_sync", {**args, "source": {"provider": "microsoft", "user": user, "password": "pw"}})
    assert no_token.failed and "needs source.oauth2_token" in no_token["msg"] and "Contacts.Read" in no_token["msg"]
    api.throttle["/v1.0/users/%s/calendars" % user] = 1
    throttled = run_module("dav_sync", {**args, "kinds": ["calendars"]})
    assert not throttled.failed and throttled["calendars"]["copied"] > 0, throttled
