"""The engine in-process against real Dovecot, with server features taken away (no APPENDUID, no LITERAL+,
no MULTIAPPEND) to exercise the fallback paths a real provider may force."""
from __future__ import annotations

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._imap import finish, wire
from ansible_collections.mailwave.migrate.plugins.module_utils._imap.connection import Endpoint
from ansible_collections.mailwave.migrate.plugins.module_utils._imap.engine import SyncEngine
from tests.integration.imap.test_imap_sync import msg, snapshot


def run(dovecot, src, dst, **opts):
    source = Endpoint.from_params(dovecot.settings(*src), role="source")
    destination = Endpoint.from_params(dovecot.settings(*dst), role="destination")
    return SyncEngine(source, destination, opts).run()


@pytest.mark.parametrize("no_appenduid, no_literal_plus", [(True, False), (False, True), (True, True)])
def test_fallbacks_copy_everything_once(dovecot, mail_account, monkeypatch, no_appenduid, no_literal_plus):
    src, dst = mail_account(dovecot), mail_account(dovecot)
    dovecot.append_many(*src, "INBOX", [(msg(i, size=3000), ("\\Seen",) if i % 3 else (), None) for i in range(120)])
    dovecot.append_many(*src, "Other", [(msg(500 + i), (), None) for i in range(7)] + [(msg(500), (), None)])
    dovecot.append(*src, "Big", msg(900, size=5_000_000))
    if no_appenduid:
        original = wire.Wire.append_finish
        monkeypatch.setattr(wire.Wire, "append_finish", lambda self, tag, count: original(self, tag, count) and None)
    if no_literal_plus:
        original_init = wire.Wire.__init__

        def init(self, client):
            original_init(self, client)
            self.literal_plus = self.multiappend = False

        monkeypatch.setattr(wire.Wire, "__init__", init)
    result = run(dovecot, src, dst, connections=3)
    assert result["complete"], result["errors"]
    assert result["totals"]["copied"] == 129 and result["totals"]["missing"] == 0
    assert snapshot(dovecot, *dst) == snapshot(dovecot, *src)
    again = run(dovecot, src, dst, connections=3)
    assert not again["changed"] and again["totals"]["copied"] == 0


def test_copies_without_appenduid_are_still_verified(dovecot, mail_account, monkeypatch):
    src, dst = mail_account(dovecot), mail_account(dovecot)
    dovecot.append_many(*src, "INBOX", [(msg(i), ("$Kw",), None) for i in range(10)])
    original = wire.Wire.append_finish
    monkeypatch.setattr(wire.Wire, "append_finish", lambda self, tag, count: original(self, tag, count) and None)
    verified = []
    real_fetch_pipelined = finish.fetch_pipelined

    def spy(wire_, segments, on_fetch):
        def seen(key, data):
            if "RFC822.SIZE" in data:
                verified.append(data["UID"])
            on_fetch(key, data)
        return real_fetch_pipelined(wire_, segments, seen)

    monkeypatch.setattr(finish, "fetch_pipelined", spy)
    result = run(dovecot, src, dst, connections=1)
    assert result["complete"] and result["totals"]["copied"] == 10
    assert len(verified) == 10
