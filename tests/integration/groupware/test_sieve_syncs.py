"""sieve_syncs: two ManageSieve accounts (real Dovecot Pigeonhole) into the Mailcow emulator's filters in one run,
one of them refused."""
from __future__ import annotations

import secrets

from tests.integration.groupware.test_sieve_sync import RULES, VACATION, _filters, _mailcow_mailbox
from tests.servers.managesieve import put_scripts


def _account(dovecot, user, password):
    return {"id": user, "mailbox": user,
            "source": {"host": "127.0.0.1", "port": dovecot.port_sieve, "user": user, "password": password,
                       "ca_file": dovecot.ca_file}}


def test_two_accounts_one_refused_in_one_run_and_rerun_unchanged(run_module, dovecot_sieve, mailcow):
    good, good_password = f"svs-{secrets.token_hex(3)}@example.org", secrets.token_urlsafe(10)
    refused, refused_password = f"svs-{secrets.token_hex(3)}@example.org", secrets.token_urlsafe(10)
    for user, password in ((good, good_password), (refused, refused_password)):
        dovecot_sieve.add_user(user, password)
        put_scripts(dovecot_sieve, user, password, {"rules": RULES, "vacation": VACATION}, active="rules")
        _mailcow_mailbox(mailcow, user)
    args = mailcow.api_args(accounts=[_account(dovecot_sieve, good, good_password),
                                      _account(dovecot_sieve, refused, "Wrong-Sieve-Pw")], parallel=2)

    writes = len(mailcow.writes())
    predicted = run_module("sieve_syncs", args, check_mode=True, diff=True)
    assert not predicted.failed and not predicted.get("crashed"), (predicted, predicted.stderr[-3000:])
    ok, bad = predicted["accounts"]
    assert predicted.changed and ok["changed"] and ok["filters"]["copied"] == 2
    assert bad["id"] == refused and bad["failed"] and bad["msg"] and not bad["changed"]
    assert len(mailcow.writes()) == writes

    first = run_module("sieve_syncs", args, diff=True)
    assert not first.failed, first
    ok, bad = first["accounts"]
    # exactly sieve_sync's fields for the account (its diff is in the module's), plus id
    assert set(ok) == {"id", "changed", "filters", "scripts"}
    assert ok["filters"] == {"source": 2, "copied": 2, "updated": 0, "already_there": 0, "errors": 0, "verified": 2,
                             "deactivated": []}
    stored = {f["script_desc"]: f for f in _filters(mailcow, good)}
    assert stored["rules"]["script_data"] == RULES and stored["rules"]["active"] == 1
    assert stored["vacation"]["active"] == 0
    assert bad["failed"] and _filters(mailcow, refused) == []
    assert [(d["before_header"], d["after"]) for d in first["diff"]] == [
        (f"{good}: filters (active)", {"rules": True, "vacation": False})]
    assert "Wrong-Sieve-Pw" not in first.stdout and good_password not in first.stdout

    writes = len(mailcow.writes())
    again = run_module("sieve_syncs", args)
    assert not again.failed and not again.changed, again
    ok, bad = again["accounts"]
    assert ok["filters"]["already_there"] == 2 and not ok["changed"] and bad["failed"]
    assert len(mailcow.writes()) == writes
