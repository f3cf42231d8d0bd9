"""The Cloudflare provider against the API v4 emulator: one batch per apply, envelope errors, pagination."""
from __future__ import annotations

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._dns import cloudflare
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
    return cloudflare.Provider(zone, params)


def ids_of(emu, name, rtype):
    zid = emu.zone_id("example.test")
    return sorted(r["id"] for r in emu.zones[zid]["records"].values() if r["name"] == name and r["type"] == rtype)


def test_read_zone_matches_emulator(cloudflare_emulator):
    with make(cloudflare_emulator) as provider:
        zone = provider.read_zone()
    want = {key: RRset.from_values(key[0], key[1], ttl, values)
            for key, (ttl, values) in cloudflare_emulator.rrsets("example.test").items()}
    assert {rr.key: rr for rr in zone.rrsets} == want
    assert zone.get(ZONE, "MX").values == ("10 mx1.oldprovider.test.", "20 mx2.oldprovider.test.")
    first = cloudflare_emulator.requests[0]
    assert (first.method, first.path, first.query) == ("GET", "/client/v4/zones", {"name": ["example.test"]})
    assert first.headers["authorization"] == "Bearer emu-cf-token"


def test_mx_switch_is_one_batch(cloudflare_emulator):
    old_ids = ids_of(cloudflare_emulator, "example.test", "MX")
    with make(cloudflare_emulator) as provider:
        zone = provider.read_zone()
        provider.apply_changes([
            Change("replace", new=RRset.from_values(ZONE, "MX", 300, ["10 mail.new.test"]), old=zone.get(ZONE, "MX")),
            Change("replace", new=RRset.from_values("_imaps._tcp.example.test.", "SRV", 3600,
                                                    ["0 1 993 mail.new.test."])),
        ])
    writes = cloudflare_emulator.writes()
    assert len(writes) == 1
    zid = cloudflare_emulator.zone_id("example.test")
    assert writes[0].path == "/client/v4/zones/%s/dns_records/batch" % zid
    body = writes[0].json
    # Two old MX, one new: one old record is updated in place (same id), the other deleted.
    assert len(body["patches"]) == 1 and len(body["deletes"]) == 1
    assert sorted([body["patches"][0]["id"], body["deletes"][0]["id"]]) == old_ids
    assert {k: v for k, v in body["patches"][0].items() if k != "id"} == \
        {"type": "MX", "name": "example.test", "ttl": 300, "priority": 10, "content": "mail.new.test"}
    assert body["posts"] == [
        {"type": "SRV", "name": "_imaps._tcp.example.test", "ttl": 3600,
         "data": {"priority": 0, "weight": 1, "port": 993, "target": "mail.new.test"}},
    ]
    state = cloudflare_emulator.rrsets("example.test")
    assert state[(ZONE, "MX")] == (300, ["10 mail.new.test."])
    assert state[("_imaps._tcp.example.test.", "SRV")] == (3600, ["0 1 993 mail.new.test."])


def test_ttl_only_change_is_a_patch(cloudflare_emulator):
    with make(cloudflare_emulator) as provider:
        zone = provider.read_zone()
        mx = zone.get(ZONE, "MX")
        provider.apply_changes([Change("replace", new=mx.with_ttl(300), old=mx)])
    body = cloudflare_emulator.writes()[0].json
    assert list(body) == ["patches"]
    assert sorted(body["patches"], key=lambda p: p["id"]) == \
        [{"id": i, "ttl": 300} for i in ids_of(cloudflare_emulator, "example.test", "MX")]
    assert cloudflare_emulator.rrsets("example.test")[(ZONE, "MX")][0] == 300


def test_long_txt_is_sent_quoted_and_reads_back_equal(cloudflare_emulator):
    dkim = RRset.from_values("dkim._domainkey.example.test.", "TXT", 3600, ["v=DKIM1; k=rsa; p=" + "K" * 390])
    with make(cloudflare_emulator) as provider:
        provider.apply_changes([Change("replace", new=dkim)])
        assert provider.read_zone().get("dkim._domainkey.example.test.", "TXT") == dkim
    post = cloudflare_emulator.writes()[0].json["posts"][0]
    assert post["content"] == dkim.values[0] and post["content"].startswith('"v=DKIM1')


def test_failed_batch_changes_nothing(cloudflare_emulator):
    before = cloudflare_emulator.rrsets("example.test")
    with make(cloudflare_emulator) as provider:
        zone = provider.read_zone()
        with pytest.raises(DNSError, match="81053"):
            provider.apply_changes([
                Change("replace", new=RRset.from_values(ZONE, "MX", 300, ["10 mail.new.test"]),
                       old=zone.get(ZONE, "MX")),
                Change("replace", new=RRset.from_values("www.example.test.", "CNAME", 300, ["mail.new.test."])),
            ])
    assert cloudflare_emulator.rrsets("example.test") == before


def test_pagination(cloudflare_emulator, monkeypatch):
    monkeypatch.setattr(cloudflare, "PAGE_SIZE", 3)
    with make(cloudflare_emulator) as provider:
        zone = provider.read_zone()
    pages = [r.query["page"][0] for r in cloudflare_emulator.requests if r.path.endswith("/dns_records")]
    total = sum(len(v[1]) for v in cloudflare_emulator.rrsets("example.test").values())
    assert pages == [str(i) for i in range(1, -(-total // 3) + 1)]
    assert sum(len(rr.values) for rr in zone.rrsets) == total


def test_export(cloudflare_emulator):
    with make(cloudflare_emulator) as provider:
        text = provider.export_zone_text()
        zone = provider.read_zone()
    parsed = zone_from_text(text, ZONE)
    assert {rr.key: rr for rr in parsed.rrsets if rr.type != "SOA"} == {rr.key: rr for rr in zone.rrsets}


def test_wrong_token(cloudflare_emulator):
    with pytest.raises(DNSAuthError, match="9109") as err:
        with make(cloudflare_emulator, api_token="bad-token-456") as provider:
            provider.read_zone()
    assert "bad-token-456" not in str(err.value)


def test_unknown_zone(cloudflare_emulator):
    with pytest.raises(DNSZoneNotFound, match="no zone nowhere.test"):
        with make(cloudflare_emulator, zone="nowhere.test") as provider:
            provider.read_zone()


def test_auto_ttl_reads_as_300(cloudflare_emulator):
    zid = cloudflare_emulator.zone_id("example.test")
    for rec in cloudflare_emulator.zones[zid]["records"].values():
        if rec["type"] == "MX":
            rec["ttl"] = 1
    with make(cloudflare_emulator) as provider:
        assert provider.read_zone().get(ZONE, "MX").ttl == 300


def test_value_conversions_round_trip():
    for rtype, value in (("MX", "10 mx.example.net."), ("SRV", "0 1 443 mail.example.net."),
                         ("CNAME", "mail.example.net."), ("TLSA", "3 1 1 " + "ab" * 32),
                         ("CAA", '0 issue "letsencrypt.org"'), ("A", "192.0.2.1")):
        rr = RRset.from_values("x.example.test.", rtype, 300, [value])
        body = cloudflare.value_to_record(rr.name, rtype, 300, rr.rdatas[0], rr.values[0])
        body.setdefault("content", None)
        assert cloudflare.record_to_value(body) == rr.values[0], rtype


def test_read_of_records_written_outside_the_collection():
    """Shapes Cloudflare returns for records made in its dashboard: SRV/URI priority apart, content forms."""
    assert cloudflare.record_to_value({"type": "SRV", "priority": 5, "content": "1 443 sip.example.net",
                                       "data": {}}) == "5 1 443 sip.example.net."
    assert cloudflare.record_to_value({"type": "URI", "priority": 10, "content": '1 "https://x.example/"',
                                       "data": {"weight": 1, "target": "https://x.example/"}}) == \
        '10 1 "https://x.example/"'
    assert cloudflare.record_to_value({"type": "SSHFP", "content": "4 2 " + "ab" * 32}) == "4 2 " + "ab" * 32
    assert cloudflare.record_to_value({"type": "CNAME", "content": "target.example.net"}) == "target.example.net."


def test_malformed_token_is_an_auth_error_too(cloudflare_emulator):
    with pytest.raises(DNSAuthError, match=r"HTTP 400: 6003 Invalid request headers") as err:
        with make(cloudflare_emulator, api_token="has space") as provider:
            provider.read_zone()
    assert "has space" not in str(err.value)


def test_proxied_rrset_stays_proxied(cloudflare_emulator):
    zid = cloudflare_emulator.zone_id("example.test")
    for rec in cloudflare_emulator.zones[zid]["records"].values():
        if rec["name"] == "www.example.test":
            rec.update(proxied=True, ttl=1)
    with make(cloudflare_emulator) as provider:
        zone = provider.read_zone()
        www = zone.get("www.example.test.", "A")
        assert www.ttl == 300
        provider.apply_changes([Change("replace", new=RRset.from_values(www.name, "A", 300, ["192.0.2.77"]),
                                       old=www)])
    patch = cloudflare_emulator.writes()[0].json["patches"][0]
    assert {k: v for k, v in patch.items() if k != "id"} == \
        {"type": "A", "name": "www.example.test", "ttl": 1, "content": "192.0.2.77"}
    www_recs = [r for r in cloudflare_emulator.zones[zid]["records"].values() if r["name"] == "www.example.test"]
    assert [(r["content"], r["proxied"], r["ttl"]) for r in www_recs] == [("192.0.2.77", True, 1)]
    # a TTL cannot be set on a proxied record: refused up front instead of a diff on every run
    with make(cloudflare_emulator) as provider:
        www = provider.read_zone().get("www.example.test.", "A")
        with pytest.raises(DNSUnsupported, match="proxied by Cloudflare"):
            provider.apply_changes([Change("replace", new=www.with_ttl(3600), old=www)])
    assert len(cloudflare_emulator.writes()) == 1


def test_value_replacement_updates_in_place_keeping_comment_tags_and_settings(cloudflare_emulator):
    """Issue 8 #6: a new value for a one-record RRset is a PATCH of that record (same id), not delete + create."""
    zid = cloudflare_emulator.zone_id("example.test")
    www = [r for r in cloudflare_emulator.zones[zid]["records"].values() if r["name"] == "www.example.test"][0]
    www.update(comment="web front, ticket 42", tags=["team:web"], settings={"ipv4_only": True})
    with make(cloudflare_emulator) as provider:
        zone = provider.read_zone()
        provider.apply_changes([Change("replace", new=RRset.from_values("www.example.test.", "A", 300, ["192.0.2.99"]),
                                       old=zone.get("www.example.test.", "A"))])
    body = cloudflare_emulator.writes()[0].json
    assert "deletes" not in body and "posts" not in body and body["patches"][0]["id"] == www["id"]
    after = cloudflare_emulator.zones[zid]["records"][www["id"]]
    assert (after["content"], after["comment"], after["tags"], after["settings"]) == \
        ("192.0.2.99", "web front, ticket 42", ["team:web"], {"ipv4_only": True})


def test_429_retry_after_is_honoured_up_to_the_cap_and_reported(cloudflare_emulator, monkeypatch):
    """Issue 8 #6: Retry-After 300 (Cloudflare's 5-minute block) is waited once, in full, and reported."""
    from tests.servers.dns_api.cloudflare import rate_limited
    slept = []
    with make(cloudflare_emulator) as provider:
        provider.http.sleep = slept.append
        cloudflare_emulator.fail_next.append(rate_limited(300))
        assert provider.read_zone().get(ZONE, "MX") is not None
        assert slept == [300.0]
        assert provider.report()["api_waited_seconds"] == 300.0
        assert provider.report()["api_waits"][0]["status"] == 429


def test_429_retry_after_above_the_cap_fails_at_once_with_the_wait(cloudflare_emulator):
    from ansible_collections.mailwave.migrate.plugins.module_utils._dns.http_client import DNSRateLimited
    from tests.servers.dns_api.cloudflare import rate_limited
    slept = []
    with make(cloudflare_emulator, max_retry_wait=60) as provider:
        provider.http.sleep = slept.append
        cloudflare_emulator.fail_next.append(rate_limited(300))
        with pytest.raises(DNSRateLimited, match="Retry-After 300 s, more than max_retry_wait=60") as err:
            provider.read_zone()
    assert slept == [] and err.value.retry_after == 300


def test_bad_token_is_9109(cloudflare_emulator):
    with pytest.raises(DNSAuthError, match="9109"):
        with make(cloudflare_emulator, api_token="wellformed-but-unknown") as provider:
            provider.read_zone()


def test_failed_later_batch_rolls_back_the_earlier_ones(cloudflare_emulator):
    """More operations than one batch takes: each group of RRsets is one batch; a failed group puts back the others."""
    from ansible_collections.mailwave.migrate.plugins.module_utils._dns import cloudflare
    from tests.servers.dns_api.base import Response
    before = cloudflare_emulator.rrsets("example.test")
    changes = [Change("replace", new=RRset.from_values("n%d.example.test." % i, "A", 300, ["192.0.2.%d" % (i + 1)]))
               for i in range(cloudflare.BATCH_LIMIT + 5)]
    batches = []

    def second_batch(req):
        if req.path.endswith("/batch"):
            batches.append(req)
        return len(batches) == 2

    cloudflare_emulator.fail_when.append((second_batch, Response(400, {
        "success": False, "errors": [{"code": 1004, "message": "DNS Validation Error"}], "messages": [],
        "result": None})))
    with make(cloudflare_emulator) as provider:
        provider.read_zone()
        with pytest.raises(DNSError, match="1004") as err:
            provider.apply_changes(changes)
    assert "Rolled back" in str(err.value)
    assert cloudflare_emulator.rrsets("example.test") == before
