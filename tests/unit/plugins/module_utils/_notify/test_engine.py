"""The send engine row by row, with a recording transport (the real SMTP server: tests/integration/notify)."""
from __future__ import annotations

import contextlib
import datetime as dt
import json

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._notify import engine, message, sentlog
from ansible_collections.mailwave.migrate.plugins.module_utils._notify.transport import TransportError

SENDER = "migration@example.org"
NOW = dt.datetime(2026, 5, 4, 9, 0, 2, tzinfo=dt.timezone.utc)


class Recorder:
    def __init__(self, fail_for=(), fail_open=None):
        self.sent, self.opened, self.fail_for, self.fail_open = [], 0, set(fail_for), fail_open

    @contextlib.contextmanager
    def __call__(self):
        self.opened += 1
        if self.fail_open:
            raise TransportError(self.fail_open)
        yield self

    def send(self, msg, sender, recipients):
        if recipients[0] in self.fail_for:
            raise TransportError("550 refused")
        self.sent.append((msg, sender, list(recipients)))


def msgs(*ids, text="Subject: Hello é\n\nBody with a password: s3cret\n"):
    return [{"id": i, "to": [i.split(":")[1]], "text": text, "kind": i.split(":")[0], "mailbox": i.split(":")[1]}
            for i in ids]


def run(log, messages, transport, check=False):
    return engine.run(messages, SENDER, str(log), check, transport, now=lambda: NOW)


def test_sends_each_once_and_records_no_text(tmp_path):
    log, rec = tmp_path / "n" / "sent.json", Recorder()
    first = run(log, msgs("announce:a@x.test", "announce:b@x.test"), rec)
    assert first["changed"] and [r["action"] for r in first["messages"]] == ["sent", "sent"]
    assert [r["at"] for r in first["messages"]] == ["2026-05-04T09:00:02Z"] * 2
    assert [s[2] for s in rec.sent] == [["a@x.test"], ["b@x.test"]]
    assert oct(log.stat().st_mode & 0o777) == "0o600" and oct(log.parent.stat().st_mode & 0o777) == "0o700"
    assert "s3cret" not in log.read_text() and set(json.loads(log.read_text())["sent"]) == {
        "announce:a@x.test", "announce:b@x.test"}
    again = run(log, msgs("announce:a@x.test", "announce:b@x.test"), Recorder())
    assert not again["changed"] and [r["action"] for r in again["messages"]] == ["already_sent"] * 2
    assert all(r["sent"] and not r["changed_since_sent"] for r in again["messages"])


def test_nothing_to_send_opens_no_session(tmp_path):
    log = tmp_path / "sent.json"
    run(log, msgs("announce:a@x.test"), Recorder())
    rec = Recorder()
    run(log, msgs("announce:a@x.test"), rec)
    assert rec.opened == 0


def test_changed_text_is_not_resent_but_said(tmp_path):
    log = tmp_path / "sent.json"
    run(log, msgs("announce:a@x.test"), Recorder())
    rec = Recorder()
    res = run(log, msgs("announce:a@x.test", text="Subject: Other\n\nNew date\n"), rec)
    assert not rec.sent and not res["changed"] and res["messages"][0]["changed_since_sent"]


def test_check_mode_sends_and_writes_nothing(tmp_path):
    log, rec = tmp_path / "sent.json", Recorder()
    run(log, msgs("announce:a@x.test"), Recorder())
    res = run(log, msgs("announce:a@x.test", "credentials:a@x.test"), rec, check=True)
    assert rec.opened == 0 and res["changed"]
    assert [r["action"] for r in res["messages"]] == ["already_sent", "would_send"]
    assert set(sentlog.load(str(log))) == {"announce:a@x.test"}


def test_a_refused_message_is_reported_and_the_others_go_on(tmp_path):
    log = tmp_path / "sent.json"
    res = run(log, msgs("announce:a@x.test", "announce:b@x.test"), Recorder(fail_for={"a@x.test"}))
    assert [r["action"] for r in res["messages"]] == ["not_sent", "sent"]
    assert "550" in res["messages"][0]["error"] and len(res["errors"]) == 1
    assert set(sentlog.load(str(log))) == {"announce:b@x.test"}
    retry = run(log, msgs("announce:a@x.test", "announce:b@x.test"), Recorder())
    assert [r["action"] for r in retry["messages"]] == ["sent", "already_sent"]


def test_a_session_that_cannot_open_sends_nothing_and_says_why(tmp_path):
    log = tmp_path / "sent.json"
    res = run(log, msgs("announce:a@x.test"), Recorder(fail_open="certificate not trusted"))
    assert res["messages"][0]["action"] == "not_sent" and "certificate" in res["messages"][0]["error"]
    sent, pending = sentlog.load_all(str(log))
    assert sent == {} and "certificate" in pending["announce:a@x.test"]["reason"]


@pytest.mark.parametrize("bad, match", [
    (msgs("announce:a@x.test", "announce:a@x.test"), "share the id"),
    ([{"id": "x", "to": [], "text": "Subject: s\n\nb"}], "no recipient"),
    ([{"id": "x", "to": ["a@x.test"], "text": "Hello\n\nb"}], "Subject"),
])
def test_bad_input_is_refused_before_sending(tmp_path, bad, match):
    rec = Recorder()
    with pytest.raises(ValueError, match=match):
        run(tmp_path / "sent.json", bad, rec)
    assert rec.opened == 0


def test_a_corrupt_log_is_refused(tmp_path):
    log = tmp_path / "sent.json"
    log.write_text("[]")
    with pytest.raises(sentlog.SentLogError, match="not a Mailwave sent-log"):
        run(log, msgs("announce:a@x.test"), Recorder())


def test_message_is_utf8_and_automatic():
    msg = message.build(SENDER, ["élise@x.test"], "Subject: Réunion — déménagement\n\nBonjour Élise,\n")
    raw = msg.as_bytes()
    assert msg["Subject"] == "Réunion — déménagement" and msg["Auto-Submitted"] == "auto-generated"
    assert msg["Message-ID"].endswith("@example.org>") and msg.get_content() == "Bonjour Élise,\n"
    assert b"\r\n" in raw


def test_without_smtp_nothing_is_sent_and_the_log_says_pending(tmp_path):
    log = tmp_path / "sent.json"
    res = engine.run(msgs("announce:a@x.test"), SENDER, str(log), False, None, now=lambda: NOW)
    assert res["changed"] and res["messages"][0]["action"] == "not_sent" and not res["errors"]
    sent, pending = sentlog.load_all(str(log))
    assert sent == {} and pending["announce:a@x.test"]["reason"].startswith("no SMTP server")
    again = engine.run(msgs("announce:a@x.test"), SENDER, str(log), False, None, now=lambda: NOW)
    assert not again["changed"]
    run(log, msgs("announce:a@x.test", "credentials:a@x.test"), Recorder())
    sent, pending = sentlog.load_all(str(log))
    assert set(sent) == {"announce:a@x.test", "credentials:a@x.test"} and pending == {}


@pytest.mark.parametrize("text, subject", [("Subject: Hi\n\nb\n", "Hi"), ("Objet : Votre boîte\n\nb\n", "Votre boîte"),
                                           ("\nSUBJECT:x: y\nb\n", "x: y")])
def test_split_text(text, subject):
    assert message.split_text(text)[0] == subject
