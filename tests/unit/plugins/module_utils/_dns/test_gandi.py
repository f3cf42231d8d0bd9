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


def test_several_changes_are_rrset_writes_only(gandi_emulator):
    """Issue 8 #1: a multi-RRset change sends only the RRsets it names (never the whole-zone PUT)."""
    before = gandi_emulator.rrsets("example.test")
    with make(gandi_emulator) as provider:
        zone = provider.read_zone()
        gandi_emulator.clear_requests()
        provider.apply_changes([
            Change("delete", old=zone.get("www.example.test.", "A")),
            Change("replace", new=RRset.from_values(ZONE, "MX", 300, ["10 mail.new.test"]), old=zone.get(ZONE, "MX")),
        ])
    assert [(r.method, r.path, r.json) for r in gandi_emulator.writes()] == [
        ("DELETE", "/v5/livedns/domains/example.test/records/www/A", None),
        ("PUT", "/v5/livedns/domains/example.test/records/@/MX",
         {"rrset_values": ["10 mail.new.test."], "rrset_ttl": 300})]
    expected = dict(before)
    expected[(ZONE, "MX")] = (300, ["10 mail.new.test."])
    del expected[("www.example.test.", "A")]
    assert gandi_emulator.rrsets("example.test") == expected


def _seed_big(emu, count=536):
    extra = [{"name": "h%d" % i, "type": "A", "ttl": 3600, "values": ["192.0.2.%d" % (i % 250 + 1)]}
             for i in range(count)]
    with emu.lock:
        zone = emu.zones["example.test"]["rrsets"]
        for item in extra:
            zone[(item["name"], "A")] = {"ttl": 3600, "values": item["values"]}


def test_read_zone_reads_every_page(gandi_emulator):
    """Issue 8 #1: 536 rrsets (more than LiveDNS's default page of 500) are all read, page by page."""
    _seed_big(gandi_emulator)
    total = len(gandi_emulator.zones["example.test"]["rrsets"])
    with make(gandi_emulator) as provider:
        zone = provider.read_zone()
    assert len(zone.rrsets) == total > 536
    pages = [r for r in gandi_emulator.requests if r.method == "GET"]
    assert len(pages) == -(-total // gandi.PER_PAGE)
    assert [r.arg("page") for r in pages] == [str(i) for i in range(1, len(pages) + 1)]
    assert all(r.arg("per_page") == str(gandi.PER_PAGE) for r in pages)


def test_pages_followed_by_link_header_without_total_count(gandi_emulator):
    _seed_big(gandi_emulator, count=250)
    gandi_emulator.send_total_count = False
    total = len(gandi_emulator.zones["example.test"]["rrsets"])
    with make(gandi_emulator) as provider:
        assert len(provider.read_zone().rrsets) == total
    assert len([r for r in gandi_emulator.requests if r.method == "GET"]) == -(-total // gandi.PER_PAGE)


def test_change_on_a_big_zone_keeps_every_other_rrset(gandi_emulator):
    _seed_big(gandi_emulator)
    before = gandi_emulator.rrsets("example.test")
    with make(gandi_emulator) as provider:
        zone = provider.read_zone()
        provider.apply_changes([
            Change("replace", new=RRset.from_values(ZONE, "MX", 300, ["10 mail.new.test"]), old=zone.get(ZONE, "MX")),
            Change("replace", new=RRset.from_values("h7.example.test.", "A", 300, ["192.0.2.77"]),
                   old=zone.get("h7.example.test.", "A")),
        ])
    after = gandi_emulator.rrsets("example.test")
    assert len(after) == len(before)
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {(ZONE, "MX"), ("h7.example.test.", "A")}
    assert all(w.path.rsplit("/", 2)[-2:] in (["@", "MX"], ["h7", "A"]) for w in gandi_emulator.writes())


def test_short_read_is_an_error_not_a_partial_backup(gandi_emulator):
    from tests.servers.dns_api.base import Response
    gandi_emulator.fail_when.append((lambda r: r.method == "GET",
                                     Response(200, [], headers={"Total-Count": "12"})))
    with make(gandi_emulator) as provider:
        with pytest.raises(DNSError, match="Total-Count"):
            provider.read_zone()


def test_values_without_final_dot_are_relative_and_untouched_rrsets_stay_byte_for_byte(gandi_emulator):
    """Issue 8 #2: 'web' in a Gandi CNAME is web.<zone>.; records the change does not name are never sent."""
    cds = "2371 13 2 ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789"
    with gandi_emulator.lock:
        rrsets = gandi_emulator.zones["example.test"]["rrsets"]
        rrsets[("shop", "CNAME")] = {"ttl": 3600, "values": ["web"]}
        rrsets[("@", "CDS")] = {"ttl": 3600, "values": [cds]}
        rrsets[("@", "NS")] = {"ttl": 3600, "values": ["ns1", "ns2.gandi.net."]}
    with make(gandi_emulator) as provider:
        zone = provider.read_zone()
        assert zone.get("shop.example.test.", "CNAME").values == ("web.example.test.",)
        assert zone.get(ZONE, "NS").values == ("ns1.example.test.", "ns2.gandi.net.")
        provider.apply_changes([
            Change("replace", new=RRset.from_values(ZONE, "MX", 300, ["10 mail.new.test"]), old=zone.get(ZONE, "MX")),
            Change("replace", new=RRset.from_values(ZONE, "TXT", 300, ["v=spf1 -all"]), old=zone.get(ZONE, "TXT"))])
    raw = gandi_emulator.zones["example.test"]["rrsets"]
    assert raw[("shop", "CNAME")]["values"] == ["web"]
    assert raw[("@", "CDS")]["values"] == [cds]
    assert raw[("@", "NS")]["values"] == ["ns1", "ns2.gandi.net."]


def test_failed_write_rolls_back_what_the_task_changed(gandi_emulator):
    """Issue 8 #4: MX written, then the DKIM PUT refused: the MX is put back and the error says so."""
    from tests.servers.dns_api.base import Response
    before = gandi_emulator.rrsets("example.test")
    gandi_emulator.fail_when.append((lambda r: r.method == "PUT" and "dkim" in r.path,
                                     Response(400, {"code": 400, "message": "invalid value", "object": "HTTPBadRequest",
                                                    "cause": "Bad Request"})))
    with make(gandi_emulator) as provider:
        zone = provider.read_zone()
        with pytest.raises(DNSError) as err:
            provider.apply_changes([
                Change("replace", new=RRset.from_values(ZONE, "MX", 300, ["10 mail.new.test"]),
                       old=zone.get(ZONE, "MX")),
                Change("replace", new=RRset.from_values("dkim._domainkey.example.test.", "TXT", 3600, ["v=DKIM1; p=x"])),
            ])
    assert "Rolled back: example.test. MX" in str(err.value)
    assert gandi_emulator.rrsets("example.test") == before


def test_invalid_record_is_refused_before_the_first_write(gandi_emulator):
    with make(gandi_emulator) as provider:
        zone = provider.read_zone()
        with pytest.raises(DNSUnsupported):
            provider.apply_changes([
                Change("replace", new=RRset.from_values(ZONE, "MX", 300, ["10 mail.new.test"]), old=zone.get(ZONE, "MX")),
                Change("replace", new=RRset.from_values("x.example.test.", "A", 60, ["192.0.2.1"]))])
    assert not gandi_emulator.writes()


def test_emulator_accepts_the_deprecated_apikey_scheme(gandi_emulator):
    import requests
    url = gandi_emulator.base_url + "/domains/example.test/records"
    assert requests.get(url, headers={"Authorization": "Apikey " + gandi_emulator.api_key}, timeout=5).status_code == 200
    assert requests.get(url, headers={"Authorization": "Apikey nope"}, timeout=5).status_code == 401


def test_emulator_quotes_unquoted_txt(gandi_emulator):
    import requests
    url = gandi_emulator.base_url + "/domains/example.test/records/t/TXT"
    auth = {"Authorization": "Bearer " + gandi_emulator.token}
    assert requests.put(url, json={"rrset_values": ["hello world"], "rrset_ttl": 300}, headers=auth,
                        timeout=5).status_code == 201
    assert requests.get(url, headers=auth, timeout=5).json()["rrset_values"] == ['"hello world"']


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
