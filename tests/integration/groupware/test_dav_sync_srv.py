"""dav_sync finds the source in the DNS (RFC 6764): a real BIND serves the SRV and TXT records (source.resolver
points at it, as for split DNS), the service behind is the real Radicale, the destination the real SOGo."""
from __future__ import annotations

import pytest

from tests.integration.groupware import corpus
from tests.integration.groupware.test_dav_sync import _problems, _sogo_objects
from tests.lib.ports import free_port
from tests.servers.bind import BindServer, new_tsig_secret


def _zone(name: str, records: str) -> str:
    return (f"$ORIGIN {name}.\n$TTL 60\n@ IN SOA ns.{name}. hostmaster.{name}. ( 1 7200 900 1209600 60 )\n"
            f"@ IN NS ns.{name}.\nns IN A 127.0.0.1\n{records}")


@pytest.fixture
def dav_dns(tmp_path, radicale):
    port = int(radicale.base_url.rsplit(":", 1)[1])
    zones = {
        # CardDAV: plain only (Radicale here speaks http), with its path; CalDAV: two priorities, no TXT
        "srv.test.": (_zone("srv.test", f"_carddav._tcp IN SRV 0 0 {port} localhost.\n"
                                        '_carddav._tcp IN TXT "path=/"\n'
                                        f"_caldav._tcp IN SRV 10 0 {port} localhost.\n"
                                        "_caldav._tcp IN SRV 20 0 1 nowhere.invalid.\n"), "static"),
        # '.' targets: decidedly no service
        "none.test.": (_zone("none.test", "_carddavs._tcp IN SRV 0 0 0 .\n_caldavs._tcp IN SRV 0 0 0 .\n"), "static"),
    }
    server = BindServer(tmp_path / "bind", "127.0.0.1", free_port(udp_too=True), new_tsig_secret(), zones)
    server.start()
    try:
        yield f"127.0.0.1:{server.port}"
    finally:
        server.stop()


def test_source_found_through_srv_and_txt(run_module, dav_dns, radicale, radicale_account, sogo, sogo_account, tmp_path):
    src_user, src_password = radicale_account()
    session = radicale.session(src_user)
    home = radicale.home_url(src_user)
    corpus.make_collection(session, home + "contacts/", "addressbook", "Contacts")
    corpus.make_collection(session, home + "cal/", "calendar", "Agenda", "#3366CCFF")
    cards = dict(list(corpus.vcards().items())[:3])
    events = corpus.calendar_objects(large=False)
    corpus.put(session, home + "contacts/", cards, "addressbook")
    corpus.put(session, home + "cal/", events, "calendar")
    user, password = sogo_account()
    args = {"source": {"url": "srv.test", "user": src_user, "password": src_password, "resolver": [dav_dns]},
            "destination": {"url": sogo.base_url, "user": user, "password": password},
            "state_file": str(tmp_path / "state.json")}

    predicted = run_module("dav_sync", args, check_mode=True)
    assert not predicted.failed, predicted
    assert predicted["requests"]["writes"] == 0 and not (tmp_path / "state.json").exists()

    first = run_module("dav_sync", args)
    assert not first.failed, first
    base = radicale.base_url.replace("127.0.0.1", "localhost")
    assert first["discovery"]["addressbook"] == base + "/" and first["discovery"]["calendar"] == base + "/"
    notes = first["discovery"]["notes"]
    assert any("_caldav._tcp.srv.test. has no TXT path=" in n for n in notes), notes
    assert any("plain-text (http)" in n for n in notes), notes
    assert _problems(first) == []
    assert first["contacts"]["copied"] == len(cards) == predicted["contacts"]["copied"]
    assert first["calendars"]["copied"] == len(events) == predicted["calendars"]["copied"]
    assert set(_sogo_objects(sogo, user, password, "Contacts/personal/")) == set(cards)
    assert set(_sogo_objects(sogo, user, password, "Calendar/personal/")) == set(events)

    again = run_module("dav_sync", args)
    assert not again.failed and not again.changed, again
    assert again["requests"]["writes"] == 0


def test_no_service_in_the_dns_says_what_to_do(run_module, dav_dns, sogo, sogo_account, tmp_path):
    user, password = sogo_account()
    args = {"source": {"user": "alice@none.test", "password": "x", "resolver": [dav_dns]},
            "destination": {"url": sogo.base_url, "user": user, "password": password},
            "state_file": str(tmp_path / "state.json")}
    result = run_module("dav_sync", args)
    assert result.failed and not result.get("crashed"), result
    assert "no CardDAV/CalDAV service for none.test" in result["msg"] and "give source.url" in result["msg"]
    assert "target '.'" in result["msg"]
    bad = run_module("dav_sync", {**args, "source": {**args["source"], "resolver": ["127.0.0.1:x"]}})
    assert bad.failed and "source.resolver" in bad["msg"] and "Traceback" not in bad.stderr
