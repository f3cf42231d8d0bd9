"""mail_send against a real SMTP server (aiosmtpd) on 127.0.0.1: STARTTLS and implicit TLS verified against
the suite's CA, AUTH, one send per message across re-runs, check mode, refusals, secrets kept out."""
from __future__ import annotations

import json

import pytest

from tests.integration.notify.conftest import SMTP_PASSWORD, SMTP_USER

TEXT = "Subject: Votre boîte anna@alpha.test déménage\n\nBonjour Anna,\nvotre nouveau mot de passe : Pw-9kQz\n"


def params(server, tmp_path, messages=None, **smtp):
    settings = {"host": server.host, "port": server.port, "security": server.security, "username": SMTP_USER,
                "password": SMTP_PASSWORD, "ca_file": server.ca_file}
    settings.update(smtp)
    return {"smtp": settings, "from_address": "migration@alpha.test", "sent_log": str(tmp_path / "n" / "sent.json"),
            "messages": messages if messages is not None else [
                {"id": "credentials:anna@alpha.test", "kind": "credentials", "mailbox": "anna@alpha.test",
                 "to": ["anna.perso@example.net"], "text": TEXT}]}


def assert_no_secret(result):
    for secret in (SMTP_PASSWORD, "Pw-9kQz"):
        assert secret not in result.stdout and secret not in result.stderr


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_sends_once_over_verified_tls_with_auth(smtp_server, run_module, tmp_path, security):
    server = smtp_server(security)
    first = run_module("mail_send", params(server, tmp_path), diff=True)
    assert not first.failed, first.get("msg")
    assert first.changed and first["sent"] == 1 and first["messages"][0]["action"] == "sent"
    assert "anna.perso@example.net" in first["diff"]["after"] and "Pw-9kQz" not in json.dumps(first["diff"])
    assert_no_secret(first)
    (got,) = server.wait_for(1)
    assert got.rcpt_tos == ("anna.perso@example.net",) and got.mail_from == "migration@alpha.test"
    assert got.login == SMTP_USER
    mail = got.message()
    assert mail["Subject"] == "Votre boîte anna@alpha.test déménage" and "Pw-9kQz" in mail.get_content()
    assert mail["Auto-Submitted"] == "auto-generated"
    log = tmp_path / "n" / "sent.json"
    assert oct(log.stat().st_mode & 0o777) == "0o600" and "Pw-9kQz" not in log.read_text()

    again = run_module("mail_send", params(server, tmp_path))
    assert not again.failed and not again.changed and again["sent"] == 0
    assert again["messages"][0]["action"] == "already_sent" and again["messages"][0]["sent"]
    assert len(server.messages) == 1


def test_check_mode_sends_nothing_and_says_what_it_would(smtp_server, run_module, tmp_path):
    server = smtp_server()
    res = run_module("mail_send", params(server, tmp_path), check_mode=True, diff=True)
    assert not res.failed and res.changed and res["messages"][0]["action"] == "would_send"
    assert "credentials:anna@alpha.test -> anna.perso@example.net" in res["diff"]["after"]
    assert server.messages == [] and not (tmp_path / "n" / "sent.json").exists()


def test_an_untrusted_certificate_is_refused(smtp_server, run_module, tmp_path):
    server = smtp_server("tls")
    res = run_module("mail_send", params(server, tmp_path, ca_file=None))
    assert res.failed and "not trusted" in res["msg"] and "ca_file" in res["msg"]
    assert server.messages == []
    assert_no_secret(res)


def test_a_wrong_password_says_so(smtp_server, run_module, tmp_path):
    server = smtp_server()
    res = run_module("mail_send", params(server, tmp_path, password="wrong-pw"))
    assert res.failed and "refused the login of relay@example.org" in res["msg"] and server.messages == []
    assert "wrong-pw" not in res.stdout


def test_a_refused_recipient_fails_that_message_only(smtp_server, run_module, tmp_path):
    server = smtp_server(refuse={"gone@example.net"})
    messages = [{"id": "announce:%s" % to, "kind": "announce", "to": [to], "text": TEXT}
                for to in ("gone@example.net", "bruno@example.net")]
    res = run_module("mail_send", params(server, tmp_path, messages))
    assert res.failed and "1 message(s) not sent" in res["msg"] and "550" in res["msg"]
    assert [m["action"] for m in res["messages"]] == ["not_sent", "sent"]
    assert [m.rcpt_tos for m in server.wait_for(1)] == [("bruno@example.net",)]
    server.refuse.clear()
    retry = run_module("mail_send", params(server, tmp_path, messages))
    assert not retry.failed and [m["action"] for m in retry["messages"]] == ["sent", "already_sent"]
    assert len(server.wait_for(2)) == 2


def test_starttls_missing_is_an_error_not_a_plain_session(smtp_server, run_module, tmp_path):
    server = smtp_server("none", users={})
    res = run_module("mail_send", params(server, tmp_path, security="starttls", username=None, password=None))
    assert res.failed and "does not offer STARTTLS" in res["msg"] and server.messages == []


def test_without_smtp_the_messages_are_pending_not_failed(run_module, tmp_path, smtp_server):
    server = smtp_server()
    base = params(server, tmp_path)
    del base["smtp"]
    res = run_module("mail_send", base)
    assert not res.failed and res.changed and res["messages"][0]["action"] == "not_sent"
    assert json.loads((tmp_path / "n" / "sent.json").read_text())["pending"]["credentials:anna@alpha.test"]
    again = run_module("mail_send", base)
    assert not again.failed and not again.changed
    sent = run_module("mail_send", params(server, tmp_path))
    assert sent["messages"][0]["action"] == "sent" and len(server.wait_for(1)) == 1
    assert json.loads((tmp_path / "n" / "sent.json").read_text())["pending"] == {}
