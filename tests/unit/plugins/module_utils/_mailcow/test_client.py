"""The client against real HTTP servers: the emulator, and a small flaky server for the retry rules."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.client import (
    MailcowClient, bytes_to_mib, mib_to_bytes, success_args)
from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.errors import MailcowError
from tests.lib.ports import free_port


def client_for(mailcow, key=None, **kwargs):
    kwargs.setdefault("sleep", lambda seconds: None)
    return MailcowClient(mailcow.url + "/api/v1/", key or mailcow.rw_key, **kwargs)


def test_envelope_and_not_found(mailcow):
    client = client_for(mailcow)
    assert client.get("domain", "nope.test") is None
    assert client.get_list("domain", "all") == []
    entries = client.add("domain", {"domain": "a.test", "rl_value": 5, "rl_frame": "m"})
    assert success_args(entries, "domain_added") == ["a.test"]
    assert success_args(entries, "rl_saved") == ["a.test"]  # side-effect entries are not failures
    assert client.get("domain", "a.test")["max_quota_for_domain"] == mib_to_bytes(10240)
    with pytest.raises(MailcowError) as exc:
        client.add("domain", {"domain": "a.test"})
    assert exc.value.key == "domain_exists" and "a.test already exists" in str(exc.value)


def test_empty_body_of_a_write_is_an_error(mailcow):
    client = client_for(mailcow)
    client.add("domain", {"domain": "a.test"})
    client.add("mailbox", {"local_part": "u", "domain": "a.test", "quota": 1, "password": "abcdef1",
                           "password2": "abcdef1"})
    with pytest.raises(MailcowError) as exc:
        client.add("syncjob", {"username": "u@a.test", "host1": "h.test", "port1": 143, "user1": "u",
                               "password1": "p", "enc1": "TLS", "mins_interval": 20})
    assert "empty body" in str(exc.value) and "exclude" in str(exc.value)
    assert client.get("syncjobs", "u@a.test") is None


def test_http_errors_and_key_never_in_messages(mailcow):
    with pytest.raises(MailcowError) as exc:
        client_for(mailcow, key="Secret-Wrong-Key").get("domain", "all")
    assert exc.value.status == 401 and "Secret-Wrong-Key" not in str(exc.value)
    with pytest.raises(MailcowError) as exc:
        client_for(mailcow, key=mailcow.ro_key).add("domain", {"domain": "b.test"})
    assert exc.value.status == 403 and "read-only" in str(exc.value) and mailcow.ro_key not in str(exc.value)
    with pytest.raises(MailcowError) as exc:
        client_for(mailcow).get("nonsense")
    assert exc.value.status == 404 and "api_url" in str(exc.value)


def test_quota_conversions():
    assert mib_to_bytes(1024) == 1073741824 and bytes_to_mib("3758096384") == 3584 and bytes_to_mib(None) is None


class Flaky:
    """Answers the first `failures` requests with `status` (or drops the connection), then a valid answer."""

    def __init__(self, failures, status):
        self.failures, self.status, self.seen = failures, status, []
        flaky = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                flaky.seen.append(self.command)
                if len(flaky.seen) <= flaky.failures:
                    if flaky.status is None:
                        self.close_connection = True
                        self.connection.shutdown(2)
                        return
                    self.send_response(flaky.status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = json.dumps([{"type": "success", "log": [], "msg": ["domain_added", "x.test"]}] if
                                  self.command == "POST" else {"domain_name": "x.test"}).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _serve

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("method, status, failures, attempts, ok", [
    ("GET", 503, 2, 3, True),
    ("GET", 500, 3, 4, True),
    ("GET", 500, 4, 4, False),
    ("POST", 502, 1, 2, True),
    ("POST", 500, 1, 1, False),  # a 500 may have applied the write: never retried
])
def test_bounded_retries_with_backoff(method, status, failures, attempts, ok):
    flaky = Flaky(failures, status)
    sleeps = []
    try:
        client = MailcowClient(flaky.url, "k", retries=3, backoff=0.5, sleep=sleeps.append)
        call = (lambda: client.get("domain", "x.test")) if method == "GET" else (
            lambda: client.add("domain", {"domain": "x.test"}))
        if ok:
            call()
        else:
            with pytest.raises(MailcowError) as exc:
                call()
            assert exc.value.status == status
        assert len(flaky.seen) == attempts
        assert sleeps == [0.5 * 2 ** i for i in range(attempts - 1)]
    finally:
        flaky.stop()


def test_connection_refused_is_retried_then_reported():
    sleeps = []
    client = MailcowClient("http://127.0.0.1:%d" % free_port(), "Key-Not-Shown", retries=2, sleep=sleeps.append)
    with pytest.raises(MailcowError) as exc:
        client.get("domain", "all")
    assert "cannot reach Mailcow" in str(exc.value) and "3 attempt(s)" in str(exc.value)
    assert sleeps == [1.0, 2.0] and "Key-Not-Shown" not in str(exc.value)


def test_bad_api_url_is_explained():
    with pytest.raises(MailcowError) as exc:
        MailcowClient("mail.example.org", "k")
    assert "not an http(s) URL" in str(exc.value)
    with pytest.raises(MailcowError) as exc:
        MailcowClient("https://mail.example.org", "")
    assert "api_key is required" in str(exc.value)


def test_redirect_is_explained():
    class Redirect(BaseHTTPRequestHandler):
        def do_GET(self):  # pylint: disable=invalid-name
            self.send_response(301)
            self.send_header("Location", "https://mail.example.org/api/v1/get/domain/all")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Redirect)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.raises(MailcowError) as exc:
            MailcowClient("http://127.0.0.1:%d" % server.server_address[1], "k").get("domain", "all")
        assert exc.value.status == 301 and "redirects" in str(exc.value) and "https://mail.example.org" in str(exc.value)
    finally:
        server.shutdown()
        server.server_close()
