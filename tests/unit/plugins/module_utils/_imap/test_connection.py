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
