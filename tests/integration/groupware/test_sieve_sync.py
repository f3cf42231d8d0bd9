"""sieve_sync: real Dovecot Pigeonhole ManageSieve -> the Mailcow emulator's filter API."""
from __future__ import annotations

import json
import secrets

import requests

from tests.servers.managesieve import put_scripts

RULES = ('require ["fileinto", "imap4flags"];\r\n# sort the lists\r\nif header :contains "list-id" "dev.example.org" '
         '{\r\n  fileinto "Listes/Dév";\r\n  addflag "\\\\Seen";\r\n}\r\n')
VACATION = ('require "vacation";\r\nvacation :days 7 :subject "Absent" text:\r\nJe suis absent jusqu\'au 3 janvier.\r\n'
            "{ pas de souci }\r\n.\r\n;\r\n")
FORWARD = 'redirect :copy "alice@elsewhere.example";\r\n'.replace("redirect :copy", "redirect")


def _mailcow_mailbox(mailcow, user):
    headers = {"X-API-Key": mailcow.rw_key}
    local, domain = user.split("@")
    requests.post(mailcow.url + "/api/v1/add/domain", json={"domain": domain}, headers=headers, timeout=30)
    answer = requests.post(mailcow.url + "/api/v1/add/mailbox", headers=headers, timeout=30,
                           json={"local_part": local, "domain": domain, "password": "Pw-123456", "password2": "Pw-123456"})
    assert "mailbox_added" in answer.text, answer.text


def _filters(mailcow, user):
    answer = requests.get(mailcow.url + f"/api/v1/get/filters/{user}", headers={"X-API-Key": mailcow.rw_key}, timeout=30)
    data = answer.json()
    return [] if data == {} else data


def _args(mailcow, dovecot, user, password):
    return mailcow.api_args(source={"host": "127.0.0.1", "port": dovecot.port_sieve, "user": user,
                                    "password": password, "ca_file": dovecot.ca_file}, mailbox=user)


def test_scripts_move_with_active_state_and_rerun_changes_nothing(run_module, dovecot_sieve, mailcow):
    user, password = f"sv-{secrets.token_hex(3)}@example.org", secrets.token_urlsafe(10)
    dovecot_sieve.add_user(user, password)
    put_scripts(dovecot_sieve, user, password, {"rules": RULES, "vacation": VACATION, "forward": FORWARD},
                active="rules")
    _mailcow_mailbox(mailcow, user)
    # a filter the admin made at Mailcow, active: copying the source's active script deactivates it (reported)
    requests.post(mailcow.url + "/api/v1/add/filter", headers={"X-API-Key": mailcow.rw_key}, timeout=30,
                  json={"username": user, "script_desc": "admin", "script_data": "keep;", "active": 1,
                        "filter_type": "prefilter"})
    args = _args(mailcow, dovecot_sieve, user, password)

    predicted = run_module("sieve_sync", args, check_mode=True)
    assert not predicted.failed, predicted
    writes_before = len(mailcow.writes())
    assert predicted.changed and predicted["filters"]["copied"] == 3
    assert len(mailcow.writes()) == writes_before

    first = run_module("sieve_sync", args, diff=True)
    assert not first.failed, first
    assert first.changed
    assert first["filters"] == {"source": 3, "copied": 3, "updated": 0, "already_there": 0, "errors": 0,
                                "verified": 3, "deactivated": ["admin"]}
    assert first["filters"] == {**predicted["filters"], "verified": 3}
    stored = {f["script_desc"]: f for f in _filters(mailcow, user)}
    assert stored["rules"]["script_data"] == RULES and stored["rules"]["active"] == 1
    assert stored["vacation"]["script_data"] == VACATION and stored["vacation"]["active"] == 0
    assert stored["forward"]["active"] == 0 and stored["admin"]["active"] == 0
    assert first["diff"]["after"]["admin"] is False and first["diff"]["after"]["rules"] is True
    assert password not in json.dumps(first)

    writes = len(mailcow.writes())
    second = run_module("sieve_sync", args)
    assert not second.failed and not second.changed, second
    assert second["filters"]["already_there"] == 3 and len(mailcow.writes()) == writes

    # the user switches to the vacation script at the source: one edit each, vacation ends active
    put_scripts(dovecot_sieve, user, password, {}, active="vacation")
    third = run_module("sieve_sync", args)
    assert not third.failed and third.changed, third
    assert third["filters"]["updated"] == 2 and third["filters"]["verified"] == 3
    stored = {f["script_desc"]: f for f in _filters(mailcow, user)}
    assert stored["vacation"]["active"] == 1 and stored["rules"]["active"] == 0


def test_wrong_source_password_fails_clearly(run_module, dovecot_sieve, mailcow):
    user = f"sv-{secrets.token_hex(3)}@example.org"
    dovecot_sieve.add_user(user, "right-pass")
    result = run_module("sieve_sync", _args(mailcow, dovecot_sieve, user, "wrong-pass"))
    assert result.failed and "refused the ManageSieve login" in result["msg"], result
    assert "wrong-pass" not in json.dumps(result) and not mailcow.writes()


def test_plaintext_needs_the_opt_in(run_module, dovecot_sieve, mailcow):
    args = _args(mailcow, dovecot_sieve, "x@example.org", "pw")
    args["source"]["security"] = "plain"
    result = run_module("sieve_sync", args)
    assert result.failed and "allow_plaintext" in result["msg"]
