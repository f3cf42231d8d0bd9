"""Connection layer: endpoint defaults, refusal of plain text, user-ready errors, back-off parsing."""
from __future__ import annotations

import socket

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._imap import connection as conn
from ansible_collections.mailwave.migrate.plugins.module_utils._imap.options import endpoint_argument, endpoint_spec
from tests.lib.ports import free_port


def ep(**kw):
    params = dict(host="127.0.0.1", user="alice", password="s3cr3t-pass")
    params.update(kw)
    return conn.Endpoint.from_params(params, role="source")


def test_defaults_and_ports():
    e = ep()
    assert (e.security, e.port, e.validate_certs, e.timeout) == ("tls", 993, True, 120.0)
    assert ep(security="starttls").port == 143
    assert ep(security="plain", port=1143).port == 1143
    assert "s3cr3t" not in repr(e) and "s3cr3t" not in e.label


def test_spec_marks_secrets_no_log():
    spec = endpoint_spec()
    assert spec["password"]["no_log"] and spec["oauth2_token"]["no_log"]
    assert spec["validate_certs"]["default"] is True
    assert endpoint_argument()["mutually_exclusive"] == [["password", "oauth2_token"]]


@pytest.mark.parametrize("params, words", [
    (dict(host=None), "no host"),
    (dict(password=None), "password or source.oauth2_token"),
    (dict(security="ssl"), "security must be one of"),
])
def test_bad_settings(params, words):
    with pytest.raises(conn.ImapError) as info:
        ep(**params)
    assert words in str(info.value)


def test_plain_needs_opt_in():
    with pytest.raises(conn.ImapError) as info:
        conn.connect(ep(security="plain", port=free_port()))
    assert "allow_plaintext" in str(info.value) and info.value.kind == "config"


def test_refused_is_clear_and_transient():
    with pytest.raises(conn.ImapError) as info:
        conn.connect(ep(security="plain", allow_plaintext=True, port=free_port(), timeout=3))
    assert info.value.kind == "refused" and info.value.transient
    assert "connection refused" in str(info.value) and "s3cr3t" not in str(info.value)


def test_timeout_on_silent_server():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    try:
        with pytest.raises(conn.ImapError) as info:
            conn.connect(ep(security="plain", allow_plaintext=True, port=srv.getsockname()[1], timeout=0.5))
        assert info.value.kind == "timeout" and "timed out" in str(info.value)
    finally:
        srv.close()


def test_backoff_parsing_and_redaction():
    assert conn.backoff_from_text("BAD Request is throttled. Suggested Backoff Time: 299961 milliseconds") == 299.961
    assert conn.backoff_from_text("OK fine") is None
    e = ep()
    err = conn.translate_error(RuntimeError("NO bad s3cr3t-pass here"), e)
    assert "s3cr3t" not in str(err)
    err = conn.translate_error(ConnectionResetError("BYE Session expired, please login again"), e)
    assert err.transient and err.kind == "throttled"


def test_call_with_retry_retries_transient_only():
    e = ep()
    calls, slept = [], []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionResetError("reset")
        return "ok"

    assert conn.call_with_retry(flaky, e, sleep=slept.append) == "ok"
    assert len(calls) == 3 and slept == [0.5, 1.0]

    def broken():
        raise ValueError("NO [AUTHENTICATIONFAILED] nope")

    with pytest.raises(conn.ImapError):
        conn.call_with_retry(broken, e, sleep=slept.append)


@pytest.mark.parametrize("text, busy", [
    ("command: LOGIN => socket error: EOF", True),           # Dovecot 2.3 at its imap process_limit
    ("command: LOGIN => Connection queue full", True),
    ("[UNAVAILABLE] Internal login failure. Refer to server log", False),  # a subsystem down: short retry only
    ("[LIMIT] Too many connections from your IP", True),
    ("Maximum number of connections from user+IP exceeded", True),
    ("[AUTHENTICATIONFAILED] Authentication failed.", False),
    ("[AUTHENTICATIONFAILED] Too many invalid attempts", False),  # a credentials problem, whatever else it says
    ("Invalid credentials (Failure)", False),
])
def test_busy_login_is_told_apart_from_bad_credentials(text, busy):
    from imapclient.exceptions import LoginError
    err = conn.translate_error(LoginError(text), ep())
    assert conn.is_busy_login(text) is busy
    assert (err.kind, err.transient) == (("busy", True) if busy else ("auth", False))
    if busy:
        assert "for want of room, not for the credentials" in str(err) and "password" not in str(err)
    else:
        assert "Check source.user and the password" in str(err)


def _scripted_connect(monkeypatch, outcomes):
    """Make connect()'s single attempt play the given outcomes (an ImapError to raise, or a client)."""
    calls = []

    def once(endpoint):
        calls.append(endpoint)
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome
    monkeypatch.setattr(conn, "_connect_once", once)
    return calls


def test_connect_waits_for_a_busy_server_with_growing_delays(monkeypatch):
    busy = conn.ImapError("full", kind="busy", transient=True)
    calls = _scripted_connect(monkeypatch, [busy, busy, busy, "client"])
    slept = []
    assert conn.connect(ep(), sleep=slept.append, clock=lambda: 0.0) == "client"
    assert len(calls) == 4 and slept == [1.0, 2.0, 4.0]


def test_connect_gives_up_on_a_busy_server_after_its_patience(monkeypatch):
    busy = conn.ImapError("full", kind="busy", transient=True)
    _scripted_connect(monkeypatch, [busy] * 50)
    now = [0.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds
    with pytest.raises(conn.ImapError) as info:
        conn.connect(ep(), sleep=sleep, clock=lambda: now[0])
    assert info.value is busy
    assert sum(slept) <= conn.BUSY_PATIENCE and max(slept) == conn.BUSY_MAX_DELAY


def test_connect_does_not_retry_other_failures(monkeypatch):
    auth = conn.ImapError("bad password", kind="auth")
    calls = _scripted_connect(monkeypatch, [auth, "client"])
    with pytest.raises(conn.ImapError):
        conn.connect(ep(), sleep=lambda s: pytest.fail("slept"), clock=lambda: 0.0)
    assert len(calls) == 1


def test_connect_gives_an_unavailable_login_a_short_second_look(monkeypatch):
    """[UNAVAILABLE] (Dovecot's answer to an unknown OAuth2 token too) is tried twice more, then reported."""
    from imapclient.exceptions import LoginError
    unavailable = conn.translate_error(LoginError("[UNAVAILABLE] Temporary authentication failure."), ep())
    assert unavailable.kind == "auth" and "login failed" in str(unavailable)
    calls = _scripted_connect(monkeypatch, [unavailable] * 5)
    slept = []
    with pytest.raises(conn.ImapError) as info:
        conn.connect(ep(), sleep=slept.append, clock=lambda: 0.0)
    assert info.value is unavailable
    assert len(calls) == 1 + conn.UNAVAILABLE_RETRIES and slept == [1.0, 2.0]

    calls = _scripted_connect(monkeypatch, [unavailable, "client"])
    assert conn.connect(ep(), sleep=slept.append, clock=lambda: 0.0) == "client"
