"""sync_account: dav_sync's per-account work without AnsibleModule (dav_sync and dav_syncs both call it)."""
from __future__ import annotations

import json
import os
import stat

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._dav import account
from ansible_collections.mailwave.migrate.plugins.module_utils._dav.account import AccountError
from ansible_collections.mailwave.migrate.plugins.module_utils._dav.webdav import DavClient, DavError


def src(**kw):
    return dict({"provider": "dav", "url": "https://dav.example.net", "user": "anna", "password": "pw", "oauth2_token": None,
                 "calendar_ids": None, "resolver": None, "ca_file": None, "validate_certs": True}, **kw)


def dest(**kw):
    return dict({"url": "https://mail.example.org", "user": "anna@example.org", "password": "new", "ca_file": None,
                 "validate_certs": True}, **kw)


@pytest.mark.parametrize("source, destination, problem", [
    (src(), dest(), None),
    (src(url="example.net"), dest(), None),            # a domain: DNS discovery
    (src(url=None), dest(), None),                     # nothing: the domain of the user
    (src(url="ftp://dav.example.net"), dest(), "source.url must start with https://"),
    (src(), dest(url="mail.example.org"), "destination.url must start with https://"),
    (src(url="http://127.0.0.1:5232"), dest(url="http://127.0.0.1:8800"), None),
])
def test_check_urls(source, destination, problem):
    got = account.check_urls(source, destination)
    assert (got is None) if problem is None else (problem in got), got


def test_read_state(tmp_path):
    assert account.read_state(str(tmp_path / "none.json")) == {}
    (tmp_path / "ok.json").write_text('{"tokens": {}}')
    assert account.read_state(str(tmp_path / "ok.json")) == {"tokens": {}}
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(AccountError, match="cannot read state_file .*fix or remove it"):
        account.read_state(str(tmp_path / "bad.json"))


@pytest.mark.parametrize("params, message", [
    (src(provider="microsoft", url=None, user="anna@example.org", password=None), "needs source.oauth2_token"),
    (src(provider="microsoft", url=None, password=None, oauth2_token="t"), "must be the account's address"),
    (src(provider="google", url=None, user="anna@example.org", password="pw"), "Google refuses passwords"),
    (src(url="dav.example.net/dav/anna", user="anna"), "neither a URL nor a domain"),
])
def test_source_client_refuses(params, message):
    with pytest.raises(AccountError, match=message):
        account.source_client(params, ["contacts"], 60)


def test_source_client_with_a_url_is_one_client():
    client, discovery = account.source_client(src(), ["contacts", "calendars"], 60)
    assert isinstance(client, DavClient) and discovery is None


class FakeSync:
    """AccountSync's surface: run(kinds) -> result, state, changed, result['collections'] when it stops."""
    fail = False

    def __init__(self, source, dest, user, state, check_mode=False, on_conflict="keep"):
        self.state, self.check_mode, self.on_conflict = dict(state, seen=True), check_mode, on_conflict
        self.changed = not check_mode
        self.result = {"collections": [{"source": "/a/", "destination": "/SOGo/dav/u/Contacts/personal/"}]}

    def run(self, kinds):
        if FakeSync.fail:
            raise DavError("401 Unauthorized at the source")
        return {"contacts": {"copied": 1}, "problems": [],
                "collections": [{"destination": "/SOGo/dav/u/Contacts/personal/", "created": False,
                                 "verified": ["b", "a"], "altered": [{"uid": "c"}]},
                                {"destination": "/SOGo/dav/u/Calendar/personal/", "created": False}]}


@pytest.fixture
def fake_sync(monkeypatch):
    FakeSync.fail = False
    monkeypatch.setattr(account, "AccountSync", FakeSync)
    return FakeSync


def test_sync_account_writes_the_state_0600_and_returns_dav_sync_s_result(fake_sync, tmp_path):
    state_file = str(tmp_path / "s.json")
    changed, result, diff = account.sync_account(src(), dest(), ["contacts"], state_file)
    assert changed and result["contacts"] == {"copied": 1}
    assert result["requests"] == {"source": 0, "destination": 0, "writes": 0}
    assert "discovery" not in result and "conversions" not in result
    assert diff == {"before": {}, "after": {"/SOGo/dav/u/Contacts/personal/": ["a", "b", "c"]}}
    assert json.loads(open(state_file, encoding="utf-8").read()) == {"seen": True}
    assert stat.S_IMODE(os.stat(state_file).st_mode) == 0o600


def test_sync_account_check_mode_writes_no_state(fake_sync, tmp_path):
    changed, _result, _diff = account.sync_account(src(), dest(), ["contacts"], str(tmp_path / "s.json"), check_mode=True)
    assert not changed and not (tmp_path / "s.json").exists()


def test_sync_account_failure_keeps_the_state_and_the_collections(fake_sync, tmp_path):
    fake_sync.fail = True
    with pytest.raises(AccountError) as caught:
        account.sync_account(src(), dest(), ["contacts"], str(tmp_path / "s.json"))
    assert caught.value.msg == "401 Unauthorized at the source"
    assert caught.value.extra == {"collections": [{"source": "/a/", "destination": "/SOGo/dav/u/Contacts/personal/"}]}
    assert (tmp_path / "s.json").exists()


def test_sync_account_without_the_state_directory_writes_nothing(fake_sync, tmp_path):
    changed, _result, _diff = account.sync_account(src(), dest(), ["contacts"], str(tmp_path / "no" / "s.json"))
    assert changed and not (tmp_path / "no").exists()
