"""sieve_sync with provider google or microsoft: the Gmail and Graph emulators (tests/servers/provider_api.py, from
the documented answers in tests/data/sieve_sources/) -> one converted script -> the Mailcow emulator's filter API.
The converted script is then compiled by the real Dovecot Pigeonhole (PUTSCRIPT over ManageSieve compiles it)."""
from __future__ import annotations

import json
import secrets

import pytest
import requests

from tests.servers.managesieve import put_scripts
from tests.servers.provider_api import GmailApi, GraphApi

USER = "anna@alpha.test"


def _mailbox(mailcow, user=USER):
    headers = {"X-API-Key": mailcow.rw_key}
    local, domain = user.split("@")
    requests.post(mailcow.url + "/api/v1/add/domain", json={"domain": domain}, headers=headers, timeout=30)
    answer = requests.post(mailcow.url + "/api/v1/add/mailbox", headers=headers, timeout=30,
                           json={"local_part": local, "domain": domain, "password": "Pw-123456",
                                 "password2": "Pw-123456"})
    assert "mailbox_added" in answer.text, answer.text


def _filters(mailcow, user=USER):
    data = requests.get(mailcow.url + f"/api/v1/get/filters/{user}", headers={"X-API-Key": mailcow.rw_key},
                        timeout=30).json()
    return [] if data == {} else data


@pytest.fixture(params=["google", "microsoft"])
def provider(request):
    token = "ya29." + secrets.token_urlsafe(24)
    api = (GmailApi if request.param == "google" else GraphApi)(USER, token).start()
    api.provider, api.option = request.param, "gmail_url" if request.param == "google" else "graph_url"
    try:
        yield api
    finally:
        api.stop()


def _args(mailcow, api, token=None):
    return mailcow.api_args(mailbox=USER, source={"provider": api.provider, "user": USER,
                                                  "oauth2_token": token or api.token, api.option: api.url})


def test_rules_converted_written_verified_and_rerun_changes_nothing(run_module, mailcow, provider, dovecot_sieve):
    _mailbox(mailcow)
    args = _args(mailcow, provider)
    name = "gmail-filters" if provider.provider == "google" else "microsoft-rules"

    setup_writes = len(mailcow.writes())
    predicted = run_module("sieve_sync", args, check_mode=True, diff=True)
    assert not predicted.failed and predicted.changed, predicted
    assert len(mailcow.writes()) == setup_writes
    assert predicted["diff"][1]["before"] == "" and predicted["diff"][1]["after"].startswith("# Converted by mailwave")

    first = run_module("sieve_sync", args)
    assert not first.failed and first.changed, first
    assert first["filters"] == {"source": 1, "copied": 1, "updated": 0, "already_there": 0, "errors": 0,
                                "verified": 1, "deactivated": []}
    conversion = first["conversion"]
    assert conversion["script"] == name
    stored = {f["script_desc"]: f for f in _filters(mailcow)}
    script = stored[name]["script_data"]
    assert stored[name]["active"] == 1 and script == predicted["diff"][1]["after"]
    if provider.provider == "google":
        # 7 filters + the vacation responder (auto-forwarding is off in the recorded answer)
        assert (conversion["rules"], conversion["converted"]) == (8, 7)
        assert {"rule": "Gmail filter ANe1BmjA6", "what": "the whole filter: criterion query 'is:unread "
                "older_than:2d': Gmail search operator is:"} in conversion["not_converted"]
        assert 'fileinto :create "Invoices";' in script and 'redirect :copy "archive@backup.example";' in script
        assert 'vacation :days 4 :subject "Out of office"' in script
    else:
        # 5 rules + the internal and external automatic replies; the disabled rule and isAutomaticReply stay comments
        assert (conversion["rules"], conversion["converted"]) == (7, 5)
        whole = sorted(n["rule"] for n in conversion["not_converted"] if n["what"].startswith("the whole rule"))
        assert whole == ["Microsoft 365 rule 'Auto replies' (sequence 4)",
                         "Microsoft 365 rule 'Old rule' (sequence 5)"]
        assert 'fileinto :create :copy "Projects/Apollo 2027";' in script  # childFolders resolved to a path
        assert 'fileinto :create "INBOX/Partners";' in script
        assert script.index("'Important from partner'") < script.index("'From partner'")  # sequence order
        # two runs so far (check mode, then the real one); each reads the 5 rules in pages of 2 (three requests,
        # following @odata.nextLink) and walks both folders that have children
        assert provider.requests.count("/v1.0/users/anna@alpha.test/mailFolders/inbox/messageRules") == 6
        assert sorted(set(r for r in provider.requests if r.endswith("/childFolders"))) == [
            "/v1.0/users/anna@alpha.test/mailFolders/AAMkAGInbox%3D/childFolders",
            "/v1.0/users/anna@alpha.test/mailFolders/AAMkAGProjects%3D/childFolders"]
    assert provider.token not in json.dumps(first) + first.stderr

    # the real Pigeonhole compiles what was written (PUTSCRIPT refuses a script that does not compile)
    password = secrets.token_urlsafe(10)
    sieve_user = f"conv-{secrets.token_hex(3)}@example.org"
    dovecot_sieve.add_user(sieve_user, password)
    put_scripts(dovecot_sieve, sieve_user, password, {name: script}, active=name)

    writes = len(mailcow.writes())
    again = run_module("sieve_sync", args, diff=True)
    assert not again.failed and not again.changed, again
    assert again["filters"]["already_there"] == 1 and len(mailcow.writes()) == writes

    # a change at the source: one edit of the same filter
    if provider.provider == "google":
        provider.answers["autoforwarding.json"] = {"enabled": True, "emailAddress": "me@elsewhere.example",
                                                   "disposition": "archive"}
    else:
        provider.answers["automaticRepliesSetting.json"] = {"status": "disabled", "externalAudience": "all"}
    changed = run_module("sieve_sync", args)
    assert not changed.failed and changed.changed and changed["filters"]["updated"] == 1, changed
    script = {f["script_desc"]: f for f in _filters(mailcow)}[name]["script_data"]
    if provider.provider == "google":
        assert 'redirect :copy "me@elsewhere.example";' in script
    else:
        assert "vacation" not in script


def test_refused_token_fails_with_what_to_do(run_module, mailcow, provider):
    _mailbox(mailcow)
    result = run_module("sieve_sync", _args(mailcow, provider, token="expired-token-123"))
    assert result.failed and not result.get("crashed"), result
    assert "HTTP 401" in result["msg"] and "get a new one" in result["msg"], result
    assert "expired-token-123" not in result.stdout + result.stderr
    assert not [w for w in mailcow.writes() if w["category"] == "filter"]


def test_token_is_required(run_module, mailcow):
    result = run_module("sieve_sync", mailcow.api_args(mailbox=USER, source={"provider": "google", "user": USER}))
    assert result.failed and "source.oauth2_token" in result["msg"] and not result.get("crashed"), result


def test_an_answer_of_an_unknown_shape_fails_without_a_traceback(run_module, mailcow):
    token = "tok-" + secrets.token_hex(8)
    api = GraphApi(USER, token, answers={"messageRules.json": {"value": [{"id": "R", "sequence": "first"}]}}).start()
    api.provider, api.option = "microsoft", "graph_url"
    try:
        _mailbox(mailcow)
        result = run_module("sieve_sync", _args(mailcow, api))
        assert result.failed and not result.get("crashed"), result
        assert "could not be converted (ValueError" in result["msg"] and "nothing was written" in result["msg"]
        assert token not in result.stdout + result.stderr
    finally:
        api.stop()
