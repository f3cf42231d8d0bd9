"""The DNS providers' HTTP client: bounded retries (connection errors, 429 + Retry-After, 5xx), no secrets."""
from __future__ import annotations

import email.utils
import time

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._dns.http_client import (
    HttpClient,
    retry_after_seconds,
)
from ansible_collections.mailwave.migrate.plugins.module_utils._dns.provider import DNSConnectionError
from tests.lib.ports import free_port
from tests.servers.dns_api.base import ApiEmulator, Response


class Echo(ApiEmulator):
    def handle(self, request):
        if request.path == "/slow":
            time.sleep(1.0)
        return Response(200, {"path": request.path, "body": request.json})


@pytest.fixture
def echo():
    with Echo() as server:
        yield server


def client(base, sleeps):
    return HttpClient(base, retries=3, backoff=0.25, max_delay=5, sleep=sleeps.append)


def test_retry_after_parsing():
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds(None) is None and retry_after_seconds("soon") is None
    later = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= retry_after_seconds(later) <= 31


def test_429_honours_retry_after_then_succeeds(echo):
    sleeps = []
    echo.fail_next += [Response(429, {"error": "slow down"}, headers={"Retry-After": "2"}),
                       Response(503, {"error": "busy"})]
    resp = client(echo.base_url, sleeps).request("PUT", "/x", json_body={"a": 1})
    assert resp.status == 200 and resp.json() == {"path": "/x", "body": {"a": 1}}
    assert sleeps == [2.0, 0.5]           # Retry-After, then exponential back-off (2nd attempt)
    assert len(echo.requests) == 3 and all(r.body == b'{"a":1}' for r in echo.requests)


def test_retries_are_bounded(echo):
    sleeps = []
    echo.fail_next += [Response(503, {})] * 10
    resp = client(echo.base_url, sleeps).request("GET", "/x")
    assert resp.status == 503 and len(echo.requests) == 4 and len(sleeps) == 3


@pytest.mark.parametrize("status", [500, 502, 504])
def test_post_is_not_retried_when_it_may_have_been_applied(echo, status):
    sleeps = []
    echo.fail_next.append(Response(status, {"error": "boom"}))
    resp = client(echo.base_url, sleeps).request("POST", "/x", json_body={})
    assert resp.status == status and len(echo.requests) == 1 and sleeps == []


def test_put_is_retried_on_502(echo):
    sleeps = []
    echo.fail_next.append(Response(502, {"error": "gateway"}))
    assert client(echo.base_url, sleeps).request("PUT", "/x", json_body={}).status == 200
    assert len(echo.requests) == 2


def test_post_read_timeout_is_not_resent_but_get_is(echo):
    sleeps = []
    quick = HttpClient(echo.base_url, timeout=0.3, retries=2, sleep=sleeps.append)
    with pytest.raises(DNSConnectionError, match=r"\(POST /slow\) after 1 attempts: ReadTimeout"):
        quick.request("POST", "/slow", json_body={})
    assert len(echo.requests) == 1
    with pytest.raises(DNSConnectionError, match=r"\(GET /slow\) after 3 attempts"):
        quick.request("GET", "/slow")
    assert len(echo.requests) == 4


def test_refused_post_is_retried_because_it_never_left():
    sleeps = []
    port = free_port()
    with pytest.raises(DNSConnectionError, match="after 4 attempts"):
        client("http://127.0.0.1:%d" % port, sleeps).request("POST", "/x", json_body={"a": 1})
    assert len(sleeps) == 3


def test_connection_refused_is_a_clear_error():
    sleeps = []
    port = free_port()  # nothing listens there
    with pytest.raises(DNSConnectionError, match=r"cannot reach 127\.0\.0\.1:%d \(GET /zones\) after 4 attempts" % port):
        client("http://127.0.0.1:%d" % port, sleeps).request("GET", "/zones", headers={"Authorization": "Bearer s3cr3t"})
    assert len(sleeps) == 3


def test_tls_is_verified_by_default():
    assert HttpClient("https://api.example.net").validate_certs is True


def test_sign_callback_sees_exact_url_and_body(echo):
    seen = []

    def sign(method, url, body):
        seen.append((method, url, body))
        return {"X-Sig": "1"}

    HttpClient(echo.base_url).request("POST", "/a", query=[("q", "x y"), ("skip", None)],
                                      json_body={"b": 2, "a": 1}, sign=sign)
    assert seen == [("POST", echo.base_url + "/a?q=x+y", '{"a":1,"b":2}')]
    assert echo.requests[0].headers["x-sig"] == "1"


@pytest.fixture(scope="module")
def https_echo(tmp_path_factory):
    """The echo server over HTTPS with a self-signed certificate for 127.0.0.1 (a private test CA)."""
    import subprocess

    where = tmp_path_factory.mktemp("tls")
    cert, key = str(where / "cert.pem"), str(where / "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    server = Echo()
    server.tls = (cert, key)
    with server:
        yield server, cert


def test_tls_unknown_ca_is_refused_by_default(https_echo, monkeypatch):
    server, _cert = https_echo
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    with pytest.raises(DNSConnectionError, match=r"TLS error talking to 127\.0\.0\.1:\d+: SSLError"):
        HttpClient(server.base_url, sleep=lambda s: None).request("GET", "/x")


@pytest.mark.filterwarnings("ignore:Unverified HTTPS request")
def test_tls_with_the_test_ca_or_verification_off(https_echo, monkeypatch):
    server, cert = https_echo
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", cert)   # how a private CA is trusted, verification stays on
    assert HttpClient(server.base_url).request("GET", "/x").json()["path"] == "/x"
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    assert HttpClient(server.base_url, validate_certs=False).request("GET", "/y").status == 200


def test_ovh_provider_over_https_with_test_ca(tmp_path, https_echo, monkeypatch):
    """The OVH signature is computed over the https URL the emulator sees."""
    from ansible_collections.mailwave.migrate.plugins.module_utils._dns import ovh
    from tests.servers.dns_api.ovh import OvhEmulator
    from tests.servers.dns_api_fixtures import pristine_zone_text, zone_seed

    _server, cert = https_echo
    emulator = OvhEmulator()
    emulator.tls = _server.tls
    with emulator:
        emulator.seed("example.test", zone_seed(pristine_zone_text()))
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", cert)
        with ovh.Provider("example.test", {"endpoint": emulator.base_url, "application_key": "emu-ak",
                                           "application_secret": "emu-as", "consumer_key": "emu-ck"}) as p:
            assert p.read_zone().get("example.test.", "MX") is not None
    assert emulator.base_url.startswith("https://")


@pytest.mark.parametrize("token", ["line\nbreak-s3cr3t", "caf\u00e9-\u20ac-s3cr3t"])
def test_unsendable_header_is_a_clean_error_without_the_token(echo, token):
    from ansible_collections.mailwave.migrate.plugins.module_utils._dns.provider import DNSError

    with pytest.raises(DNSError, match="could not be sent") as err:
        HttpClient(echo.base_url).request("GET", "/x", headers={"Authorization": "Bearer " + token})
    assert "s3cr3t" not in str(err.value)
