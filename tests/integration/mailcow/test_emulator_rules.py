"""Emulator rules that json_api.php has and the transcripts do not record (or record without headers)."""
from __future__ import annotations

import requests


def test_bad_key_answers_401_text_html(mailcow):
    status = 401
    answer = requests.get(mailcow.url + "/api/v1/get/domain/all", headers={"X-API-Key": "nope"}, timeout=10)
    assert answer.status_code == status
    assert answer.headers["Content-Type"].startswith("text/html")
    assert answer.json() == {"type": "error", "msg": "authentication failed"}


def test_api_allow_from_refuses_other_addresses():
    """sessions.inc.php: a known key used from an address outside API_ALLOW_FROM gets 401 (text/html)."""
    from tests.servers.mailcow_fixtures import start_emulator

    for allow_from, allowed in (("10.1.2.3, 192.168.0.0/16", False), ("10.1.2.3;127.0.0.0/8", True),
                                ("127.0.0.1", True)):
        emulator = start_emulator(allow_from=allow_from)
        try:
            answer = requests.get(emulator.url + "/api/v1/get/domain/all", headers={"X-API-Key": emulator.rw_key},
                                  timeout=10)
            if allowed:
                assert answer.status_code == 200, (allow_from, answer.text)
            else:
                assert answer.status_code == 401 and answer.headers["Content-Type"].startswith("text/html")
                assert answer.json() == {"type": "error", "msg": "api access denied for ip 127.0.0.1"}
            # an unknown key is refused as such whatever the address
            bad = requests.get(emulator.url + "/api/v1/get/domain/all", headers={"X-API-Key": "nope"}, timeout=10)
            assert bad.json()["msg"] == "authentication failed"
        finally:
            emulator.stop()


def test_routing_rules_beyond_the_transcripts(mailcow):
    """json_api.php rules the transcripts do not record: no key on edit/delete, JSON content type with an empty
    body, Sec-Fetch-Dest, get without a key on an unknown route."""
    url = mailcow.url + "/api/v1/"
    answer = requests.post(url + "edit/domain", json={"items": ["a.test"], "attr": {}}, timeout=10)
    assert (answer.status_code, answer.json()["msg"]) == (403, "API read/write access denied")
    answer = requests.post(url + "delete/domain", json=["a.test"], timeout=10)
    assert (answer.status_code, answer.json()["msg"]) == (403, "API read/write access denied")
    json_headers = {"X-API-Key": mailcow.rw_key, "Content-Type": "application/json"}
    answer = requests.post(url + "add/domain", data=b"", headers=json_headers, timeout=10)
    assert (answer.status_code, answer.json()["msg"]) == (400, "Request body doesn't contain valid json!")
    answer = requests.get(url + "get/domain/all", headers={"X-API-Key": mailcow.rw_key, "Sec-Fetch-Dest": "document"},
                          timeout=10)
    assert (answer.status_code, answer.text) == (403, "")
    answer = requests.post(url + "delete/domain", data="x=1", headers={"X-API-Key": mailcow.rw_key}, timeout=10)
    assert answer.json() == {"type": "error", "msg": "Cannot find attributes in post data"}
    answer = requests.post(url + "delete/syncjob", json=["abc"], headers={"X-API-Key": mailcow.rw_key}, timeout=10)
    assert answer.json() == {"type": "error", "msg": "Cannot delete item"}


def test_add_domain_restart_sogo_answers():
    """functions.mailbox.inc.php (add 'domain'): restart_sogo makes dockerapi restart sogo-mailcow; success ends in
    domain_added, a failed restart in the warning domain_added_sogo_failed, and the domain is added either way."""
    from tests.servers.mailcow.emulator import MailcowState

    state = MailcowState(dkim_bits_override=1024)
    assert state.add_domain({"domain": "a.test", "restart_sogo": 1})[-1]["msg"] == ["domain_added", "a.test"]
    assert state.add_domain({"domain": "b.test", "restart_sogo": 0})[-1]["msg"] == ["domain_added", "b.test"]
    assert state.sogo_restarts == 1
    state.sogo_restart_fails = True
    last = state.add_domain({"domain": "c.test", "restart_sogo": "1"})[-1]
    assert (last["type"], last["msg"]) == ("warning", "domain_added_sogo_failed")
    assert sorted(state.domains) == ["a.test", "b.test", "c.test"] and state.sogo_restarts == 2
