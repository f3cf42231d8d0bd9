"""dav_sync from a Google-shaped source: an OAuth2 bearer token, Google's endpoint paths, no URL given
but the proxy's origin; the DAV behind is the real Radicale, the destination the real SOGo."""
from __future__ import annotations

import json

from tests.integration.groupware import corpus
from tests.integration.groupware.bearer_proxy import BearerProxy
from tests.integration.groupware.test_dav_sync import _problems, _sogo_objects

TOKEN = "ya29.test-token-0123456789"


def _google(radicale, src_user, src_password, email, second_calendar):
    session = radicale.session(src_user)
    home = radicale.home_url(src_user)
    corpus.make_collection(session, home + "contacts/", "addressbook", "Contacts")
    corpus.make_collection(session, home + "cal/", "calendar", "Bob", "#3366CCFF")
    corpus.make_collection(session, home + "team/", "calendar", "Team", "#00AA00FF")
    cards = corpus.vcards()
    small = corpus.calendar_objects(large=False)
    events = {u: d for u, d in small.items() if "VTODO" not in d}  # Google's CalDAV has no tasks
    team = dict(list(events.items())[:1])
    mine = dict(list(events.items())[1:])
    corpus.put(session, home + "contacts/", cards, "addressbook")
    corpus.put(session, home + "cal/", mine, "calendar")
    corpus.put(session, home + "team/", team, "calendar")
    paths = {f"/carddav/v1/principals/{email}/lists/default/": f"/{src_user}/contacts/",
             f"/caldav/v2/{email}/events/": f"/{src_user}/cal/",
             f"/caldav/v2/{second_calendar}/events/": f"/{src_user}/team/"}
    return cards, mine, team, BearerProxy(radicale.base_url, TOKEN, (src_user, src_password), paths)


def test_google_source_with_a_bearer_token(run_module, radicale, radicale_account, sogo, sogo_account, tmp_path):
    src_user, src_password = radicale_account()
    user, password = sogo_account()
    email, team_id = "bob@example.org", "c_team01@group.calendar.google.com"
    cards, mine, team, proxy = _google(radicale, src_user, src_password, email, team_id)
    with proxy:
        args = {"source": {"provider": "google", "url": proxy.url, "user": email, "oauth2_token": TOKEN,
                           "calendar_ids": [email, team_id]},
                "destination": {"url": sogo.base_url, "user": user, "password": password},
                "state_file": str(tmp_path / "state.json")}
        predicted = run_module("dav_sync", args, check_mode=True)
        assert not predicted.failed, predicted
        assert predicted.changed and predicted["requests"]["writes"] == 0
        assert not (tmp_path / "state.json").exists()

        first = run_module("dav_sync", args)
        assert not first.failed, first
        assert _problems(first) == []
        assert first["contacts"]["copied"] == len(cards) == predicted["contacts"]["copied"]
        assert first["calendars"]["copied"] == len(mine) + len(team) == predicted["calendars"]["copied"]
        for kind in ("contacts", "calendars"):
            assert first[kind]["verified"] + first[kind]["altered"] == first[kind]["copied"]
        # the token went on every request, never a password
        assert proxy.seen and set(proxy.seen) == {"Bearer " + TOKEN}
        assert TOKEN not in json.dumps(dict(first))
        sources = sorted(c["source"] for c in first["collections"])
        assert sources == sorted([f"/carddav/v1/principals/{email}/lists/default/",
                                  f"/caldav/v2/{email}/events/", f"/caldav/v2/{team_id}/events/"])
        assert set(_sogo_objects(sogo, user, password, "Contacts/personal/")) == set(cards)
        stored = {**_sogo_objects(sogo, user, password, "Calendar/personal/")}
        others = [c["destination"] for c in first["collections"] if c["source"].startswith(f"/caldav/v2/{team_id}/")]
        assert others and set(_sogo_objects(sogo, user, password, others[0].split(f"/{user}/", 1)[1])) == set(team)
        assert set(stored) == set(mine)

        second = run_module("dav_sync", args)
        assert not second.failed and not second.changed, second
        assert second["requests"]["writes"] == 0

        wrong = run_module("dav_sync", {**args, "source": {**args["source"], "oauth2_token": "ya29.expired"}})
        assert wrong.failed and "refused the OAuth2 token of bob@example.org (401)" in wrong["msg"], wrong
        assert "new access token" in wrong["msg"] and "Traceback" not in wrong.stderr
        assert "ya29.expired" not in json.dumps(dict(wrong))


def test_google_source_needs_a_token_not_a_password(run_module, sogo, sogo_account, tmp_path):
    user, password = sogo_account()
    args = {"source": {"provider": "google", "user": "bob@example.org", "password": "secret"},
            "destination": {"url": sogo.base_url, "user": user, "password": password},
            "state_file": str(tmp_path / "state.json")}
    result = run_module("dav_sync", args)
    assert result.failed and "oauth2_token" in result["msg"] and "auth/carddav" in result["msg"], result
    both = run_module("dav_sync", {**args, "source": {**args["source"], "oauth2_token": TOKEN}})
    assert both.failed and "mutually exclusive" in both["msg"], both
    neither = run_module("dav_sync", {**args, "source": {"url": sogo.base_url, "user": "x"}})
    assert neither.failed and "one of the following is required" in neither["msg"], neither
