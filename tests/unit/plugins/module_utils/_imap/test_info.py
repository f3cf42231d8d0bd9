"""Inventory engine pieces that need no server: the abandonment rule and header decoding."""
from __future__ import annotations

import datetime as dt

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._imap import info

NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.timezone.utc)


def stats(newest_days=None, recent=0, recent_unseen=0):
    item = info.FolderStats("x")
    if newest_days is not None:
        item.newest = NOW - dt.timedelta(days=newest_days)
        item.messages = max(recent, 1)
    item.recent, item.recent_unseen = recent, recent_unseen
    return item


@pytest.mark.parametrize("inbox, sent, sent_folder, looks, facts", [
    # in daily use
    (stats(1, recent=5, recent_unseen=2), stats(3), "Sent", False, []),
    # receives and reads, never sends: a reading box, not abandoned
    (stats(1, recent=5, recent_unseen=0), stats(None), "Sent", False, []),
    # sends, receives nothing: alive
    (stats(400), stats(2), "Sent", False, []),
    # nothing in, nothing out
    (stats(400), stats(900), "Sent", True, ["nothing sent for 900 days", "no new mail in INBOX for 400 days"]),
    # mail arrives, nobody reads, nobody sends
    (stats(3, recent=4, recent_unseen=4), stats(None), "Sent", True,
     ["nothing in the Sent folder 'Sent'", "none of the 4 INBOX messages of the last 180 days has been read"]),
    # no Sent folder at all and an empty INBOX
    (stats(None), None, None, True, ["no Sent folder found", "INBOX is empty"]),
    # exactly on the limit counts as old
    (stats(180), stats(180), "Sent", True, ["nothing sent for 180 days", "no new mail in INBOX for 180 days"]),
    (stats(179), stats(180), "Sent", False, []),
])
def test_abandonment(inbox, sent, sent_folder, looks, facts):
    result, reasons = info.abandonment(NOW, inbox, sent, 180, sent_folder)
    assert result is looks
    assert len(reasons) == len(facts)
    for reason, fact in zip(reasons, facts):
        assert reason.startswith(fact), (reason, fact)


def test_decode_words():
    assert info._decode_words(b"=?utf-8?q?Photos_de_vacances_=C3=A9t=C3=A9?=") == "Photos de vacances été"
    assert info._decode_words(b"=?iso-8859-1?b?Q2Fm6Q==?= noir") == "Café noir"
    assert info._decode_words(b"plain") == "plain"
    assert info._decode_words(b"=?unknown-charset?q?x?=") is not None
    assert info._decode_words(None) is None


def test_address():
    class Addr:
        def __init__(self, name, mailbox, host):
            self.name, self.mailbox, self.host = name, mailbox, host

    class Env:
        def __init__(self, from_):
            self.from_ = from_

    assert info._address(Env((Addr(b"=?utf-8?q?Ren=C3=A9e?=", b"renee", b"example.org"),))) == \
        "Renée <renee@example.org>"
    assert info._address(Env((Addr(None, b"bob", b"example.test"),))) == "bob@example.test"
    assert info._address(Env(())) is None


def test_utc_from_naive_and_aware():
    aware = dt.datetime(2024, 1, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert info._utc(aware) == dt.datetime(2024, 1, 1, 10, 0, tzinfo=dt.timezone.utc)
    naive_local = aware.astimezone().replace(tzinfo=None)
    assert info._utc(naive_local) == info._utc(aware)
    assert info._utc(None) is None
