"""sync_filters: sieve_sync's per-account work without AnsibleModule (sieve_sync and sieve_syncs both call it)."""
from __future__ import annotations

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.errors import MailcowError
from ansible_collections.mailwave.migrate.plugins.module_utils._sieve import account, planner
from ansible_collections.mailwave.migrate.plugins.module_utils._sieve.account import FilterSyncError
from ansible_collections.mailwave.migrate.plugins.module_utils._sieve.managesieve import SieveError


def src(**kw):
    return dict({"provider": "managesieve", "host": "imap.example.net", "port": 4190, "security": "starttls",
                 "allow_plaintext": False, "user": "anna", "password": "pw", "oauth2_token": None,
                 "gmail_url": "https://gmail.googleapis.com", "graph_url": "https://graph.microsoft.com/v1.0",
                 "ca_file": None, "validate_certs": True}, **kw)


@pytest.mark.parametrize("source, problem", [
    (src(), None),
    (src(security="plain"), "sends the password in clear text"),
    (src(security="plain", allow_plaintext=True), None),
    (src(host=None), "source.provider=managesieve needs source.host"),
    (src(host=None, password=None), "needs source.host and source.password"),
    (src(provider="google", host=None, password=None), "source.provider=google needs source.oauth2_token"),
    (src(provider="microsoft", host=None, password=None, oauth2_token="t"), None),
])
def test_source_problem(source, problem):
    got = account.source_problem(source)
    assert (got is None) if problem is None else (problem in got), got


class FakeMailcow:
    """The filter calls of MailcowClient, on a list of rows."""

    def __init__(self, rows=(), refuse=False):
        self.rows, self.refuse, self.writes = [dict(r) for r in rows], refuse, []

    def get_list(self, what, mailbox):
        assert what == "filters"
        return [dict(r) for r in self.rows if r["username"] == mailbox]

    def add(self, what, attrs):
        if self.refuse:
            raise MailcowError("mailbox unknown")
        self.writes.append(("add", attrs["script_desc"]))
        self.rows.append(dict(attrs, id=len(self.rows) + 1))

    def edit(self, what, ids, attrs):
        self.writes.append(("edit", ids))
        for row in self.rows:
            if row["id"] in ids:
                row.update(attrs)


@pytest.fixture
def scripts(monkeypatch):
    got = [planner.Script("rules", 'require "fileinto";\r\nfileinto "Lists";\r\n', True),
           planner.Script("old", "keep;\r\n", False)]
    monkeypatch.setattr(account, "read_scripts", lambda params: list(got))
    return got


def test_copies_verifies_and_the_second_run_writes_nothing(scripts):
    client = FakeMailcow()
    result, warnings = account.sync_filters(src(), " Anna@Example.org ", "prefilter", client)
    assert result["changed"] and warnings == []
    assert result["filters"] == {"source": 2, "copied": 2, "updated": 0, "already_there": 0, "errors": 0,
                                 "verified": 2, "deactivated": []}
    assert {r["username"] for r in client.rows} == {"anna@example.org"}  # the mailbox lower-cased, stripped
    assert result["diff"] == {"before": {}, "after": {"rules": True, "old": False}}
    again, _warnings = account.sync_filters(src(), "anna@example.org", "prefilter", client)
    assert not again["changed"] and again["filters"]["already_there"] == 2 and len(client.writes) == 2


def test_check_mode_writes_nothing(scripts):
    client = FakeMailcow()
    result, _warnings = account.sync_filters(src(), "anna@example.org", "prefilter", client, check_mode=True)
    assert result["changed"] and result["filters"]["copied"] == 2 and client.writes == []


def test_a_refused_write_is_an_error_of_its_script_not_a_failure(scripts):
    result, _warnings = account.sync_filters(src(), "anna@example.org", "prefilter", FakeMailcow(refuse=True))
    assert not result["changed"] and result["filters"]["errors"] == 2
    assert all(s["problem"].startswith("refused by Mailcow") for s in result["scripts"])


def test_includes_are_warned(monkeypatch):
    monkeypatch.setattr(account, "read_scripts", lambda params: [planner.Script("main", 'include "x";\r\n', True)])
    _result, warnings = account.sync_filters(src(), "anna@example.org", "prefilter", FakeMailcow())
    assert warnings == ["script 'main' includes other scripts: Mailcow filters cannot include the user's personal scripts"]


def test_failures_raise_with_sieve_sync_s_message(monkeypatch):
    with pytest.raises(FilterSyncError, match="needs source.host"):
        account.sync_filters(src(host=None), "anna@example.org", "prefilter", FakeMailcow())

    def refused(params):
        raise SieveError("login refused for anna")
    monkeypatch.setattr(account, "read_scripts", refused)
    with pytest.raises(FilterSyncError, match="login refused for anna"):
        account.sync_filters(src(), "anna@example.org", "prefilter", FakeMailcow())

    def odd(params):
        raise KeyError("filter")
    monkeypatch.setattr(account, "converted_script", odd)
    with pytest.raises(FilterSyncError, match="the google answers of anna could not be converted"):
        account.sync_filters(src(provider="google", oauth2_token="t"), "anna@example.org", "prefilter", FakeMailcow())
