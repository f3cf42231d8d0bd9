"""The Gandi LiveDNS provider against the LiveDNS emulator: exact RRset requests, Bearer auth, errors."""
from __future__ import annotations

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._dns import gandi
from ansible_collections.mailwave.migrate.plugins.module_utils._dns.provider import (
    Change,
    DNSAuthError,
    DNSError,
    DNSUnsupported,
    DNSZoneNotFound,
)
from ansible_collections.mailwave.migrate.plugins.module_utils._dns.records import RRset, zone_from_text

ZONE = "example.test."


def make(emu, zone="example.test", **over):
    params = {"api_url": emu.base_url, "api_token": emu.token, "validate_certs": True, "request_timeout": 5}
    params.update(over)
    return gandi.Provider(zone, params)


def test_read_zone_matches_emulator(gandi_emulator):
    with make(gandi_emulator) as provider:
        zone = provider.read_zone()
    want = {key: RRset.from_values(key[0], key[1], ttl, values)
            for key, (ttl, values) in gandi_emulator.rrsets("example.test").items()}
    assert {rr.key: rr for rr in zone.rrsets} == want
    assert zone.serial is None
    req = gandi_emulator.requests[0]
    assert (req.method, req.path) == ("GET", "/v5/livedns/domains/example.test/records")
    assert req.headers["authorization"] == "Bearer emu-gandi-pat"


def test_single_changes_are_rrset_puts_and_deletes(gandi_emulator):
    dkim = RRset.from_values("dkim._domainkey.example.test.", "TXT", 3600, ["v=DKIM1; k=rsa; p=" + "Z" * 300])
    with make(gandi_emulator) as provider:
        zone = provider.read_zone()
        provider.apply_changes([Change("replace", new=RRset.from_values(ZONE, "MX", 300, ["10 mail.new.test",
                                                                                          "20 mail2.new.test."]),
                                       old=zone.get(ZONE, "MX"))])
        provider.apply_changes([Change("replace", new=dkim)])
        provider.apply_changes([Change("delete", old=zone.get("www.example.test.", "A"))])
    writes = [(r.method, r.path, r.json) for r in gandi_emulator.writes()]
    assert writes == [
        ("PUT", "/v5/livedns/domains/example.test/records/@/MX",
         {"rrset_values": ["10 mail.new.test.", "20 mail2.new.test."], "rrset_ttl": 300}),
        ("PUT", "/v5/livedns/domains/example.test/records/dkim._domainkey/TXT",
         {"rrset_values": list(dkim.values), "rrset_ttl": 3600}),
        ("DELETE", "/v5/livedns/domains/example.test/records/www/A", None),
    ]
    assert dkim.values[0].count('"') == 4  # two quoted strings: 255 + rest
    state = gandi_emulator.rrsets("example.test")
    assert state[(ZONE, "MX")] == (300, ["10 mail.new.test.", "20 mail2.new.test."])
    assert state[("dkim._domainkey.example.test.", "TXT")] == (3600, list(dkim.values))
    assert ("www.example.test.", "A") not in state


def test_several_changes_are_one_zone_put(gandi_emulator):
    before = gandi_emulator.rrsets("example.test")
    with make(gandi_emulator) as provider:
        zone = provider.read_zone()
        gandi_emulator.clear_requests()
        provider.apply_changes([
            Change("replace", new=RRset.from_values(ZONE, "MX", 300, ["10 mail.new.test"]), old=zone.get(ZONE, "MX")),
            Change("delete", old=zone.get("www.example.test.", "A")),
        ])
    assert [(r.method, r.path) for r in gandi_emulator.requests] == [
        ("GET", "/v5/livedns/domains/example.test/records"),     # fresh read just before the write
        ("PUT", "/v5/livedns/domains/example.test/records")]
    items = gandi_emulator.writes()[0].json["items"]
    assert {"rrset_name": "@", "rrset_type": "MX", "rrset_ttl": 300, "rrset_values": ["10 mail.new.test."]} in items
    assert not any(i["rrset_name"] == "www" for i in items)
    after = gandi_emulator.rrsets("example.test")
    expected = dict(before)
    expected[(ZONE, "MX")] = (300, ["10 mail.new.test."])
    del expected[("www.example.test.", "A")]
    assert after == expected


def test_export_uses_text_plain(gandi_emulator):
    with make(gandi_emulator) as provider:
        text = provider.export_zone_text()
        zone = provider.read_zone()
    assert gandi_emulator.requests[0].headers["accept"] == "text/plain"
    parsed = zone_from_text(text, ZONE)
    assert {rr.key: rr for rr in parsed.rrsets if rr.type != "SOA"} == {rr.key: rr for rr in zone.rrsets}


def test_wrong_token(gandi_emulator):
    with pytest.raises(DNSAuthError, match="HTTP 401") as err:
        with make(gandi_emulator, api_token="bad-token-123") as provider:
            provider.read_zone()
    assert "bad-token-123" not in str(err.value)


def test_token_of_another_organisation(gandi_emulator):
    with pytest.raises(DNSAuthError, match="HTTP 403"):
        with make(gandi_emulator, api_token=gandi_emulator.foreign_token) as provider:
            provider.read_zone()


def test_unknown_zone(gandi_emulator):
    with pytest.raises(DNSZoneNotFound, match="no domain nowhere.test"):
        with make(gandi_emulator, zone="nowhere.test") as provider:
            provider.read_zone()


def test_token_from_environment(gandi_emulator, monkeypatch):
    monkeypatch.setenv("GANDI_API_TOKEN", gandi_emulator.token)
    with make(gandi_emulator, api_token=None) as provider:
        assert provider.read_zone().get(ZONE, "MX") is not None


def test_no_token_at_all(gandi_emulator, monkeypatch):
    monkeypatch.delenv("GANDI_API_TOKEN", raising=False)
    monkeypatch.delenv("MAILWAVE_DNS_API_TOKEN", raising=False)
    with pytest.raises(DNSError, match="needs api_token"):
        make(gandi_emulator, api_token=None)


def test_ttl_below_gandi_minimum_refused_without_write(gandi_emulator):
    with make(gandi_emulator) as provider:
        with pytest.raises(DNSUnsupported, match="300"):
            provider.apply_changes([Change("replace", new=RRset.from_values(ZONE, "MX", 60, ["10 a.test."]))])
    assert not gandi_emulator.writes()


def test_powerdns_environment_does_not_redirect_gandi(monkeypatch):
    monkeypatch.setenv("PDNS_API_URL", "http://pdns.invalid:8081")
    provider = gandi.Provider("example.test", {"api_token": "t"})
    assert provider.http.base_url == gandi.DEFAULT_API_URL
    provider = gandi.Provider("example.test", {"api_url": "http://127.0.0.1:1/v5/livedns", "api_token": "t"})
    assert provider.http.base_url == "http://127.0.0.1:1/v5/livedns"
