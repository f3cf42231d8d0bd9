"""The OVH provider against the OVH API emulator: exact requests, signatures, staged writes + refresh."""
from __future__ import annotations

import hashlib
import time

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._dns import ovh
from ansible_collections.mailwave.migrate.plugins.module_utils._dns.provider import (
    Change,
    DNSAuthError,
    DNSError,
    DNSUnsupported,
    DNSZoneNotFound,
)
from ansible_collections.mailwave.migrate.plugins.module_utils._dns.records import RRset, zone_from_text
from tests.servers.dns_api.base import Response

ZONE = "example.test."


def make(emu, **over):
    params = {"endpoint": emu.base_url, "application_key": emu.application_key,
              "application_secret": emu.application_secret, "consumer_key": emu.consumer_key,
              "validate_certs": True, "request_timeout": 5}
    params.update(over)
    return ovh.Provider("example.test", params)


def test_signature_known_vector():
    # sha1("AS+CK+GET+https://eu.api.ovh.com/1.0/domain/zone/x/record++1366560945"), computed independently
    data = "AS+CK+GET+https://eu.api.ovh.com/1.0/domain/zone/x/record++1366560945"
    assert ovh.signature("AS", "CK", "GET", "https://eu.api.ovh.com/1.0/domain/zone/x/record", "", 1366560945) \
        == "$1$" + hashlib.sha1(data.encode()).hexdigest()


def test_endpoints():
    assert ovh.base_url_for("ovh-eu") == "https://eu.api.ovh.com/1.0"
    assert ovh.base_url_for("ovh-ca") == "https://ca.api.ovh.com/1.0"
    assert ovh.base_url_for("https://example.net/1.0/") == "https://example.net/1.0"
    with pytest.raises(DNSError, match="unknown OVH endpoint 'ovh-mars'"):
        ovh.base_url_for("ovh-mars")


def test_read_zone_matches_emulator(ovh_emulator):
    with make(ovh_emulator) as provider:
        zone = provider.read_zone()
    got = {rr.key: rr for rr in zone.rrsets if rr.type != "SOA"}
    want = {key: RRset.from_values(key[0], key[1], ttl, values)
            for key, (ttl, values) in ovh_emulator.rrsets("example.test").items()}
    assert got == want
    assert got[("autodiscover.example.test.", "CNAME")].ttl == 600
    assert zone.serial == ovh_emulator.zones["example.test"]["serial"]
    # every request after /auth/time is signed with the secret over the exact URL and body
    first, rest = ovh_emulator.requests[0], ovh_emulator.requests[1:]
    assert (first.method, first.path) == ("GET", "/1.0/auth/time")
    assert "x-ovh-signature" not in first.headers
    assert [r.path for r in rest[:2]] == ["/1.0/domain/zone/example.test/soa", "/1.0/domain/zone/example.test/record"]
    for req in rest:
        h = req.headers
        url = ovh_emulator.base_url.replace("/1.0", "") + req.raw_path
        assert h["x-ovh-application"] == "emu-ak" and h["x-ovh-consumer"] == "emu-ck"
        assert h["x-ovh-signature"] == ovh.signature("emu-as", "emu-ck", req.method, url, "", h["x-ovh-timestamp"])
    assert not ovh_emulator.writes()


def test_replace_mx_posts_deletes_then_one_refresh(ovh_emulator):
    with make(ovh_emulator) as provider:
        zone = provider.read_zone()
        old_ids = sorted(rid for rid, rec in ovh_emulator.zones["example.test"]["records"].items()
                         if rec["fieldType"] == "MX")
        ovh_emulator.clear_requests()
        new = RRset.from_values(ZONE, "MX", 300, ["10 mail.new.test"])
        provider.apply_changes([Change("replace", new=new, old=zone.get(ZONE, "MX"))])
    writes = [(r.method, r.path, r.json) for r in ovh_emulator.writes()]
    assert writes == [
        ("POST", "/1.0/domain/zone/example.test/record",
         {"fieldType": "MX", "subDomain": "", "target": "10 mail.new.test.", "ttl": 300}),
        ("DELETE", "/1.0/domain/zone/example.test/record/%d" % old_ids[0], None),
        ("DELETE", "/1.0/domain/zone/example.test/record/%d" % old_ids[1], None),
        ("POST", "/1.0/domain/zone/example.test/refresh", None),
    ]
    # the POST body that was signed is the body that was sent
    post = ovh_emulator.writes()[0]
    url = ovh_emulator.base_url.replace("/1.0", "") + post.raw_path
    assert post.headers["x-ovh-signature"] == ovh.signature("emu-as", "emu-ck", "POST", url, post.body.decode(),
                                                            post.headers["x-ovh-timestamp"])
    assert ovh_emulator.rrsets("example.test")[(ZONE, "MX")] == (300, ["10 mail.new.test."])


def test_writes_are_invisible_until_refresh(ovh_emulator):
    """The emulator's staged/live split, driven through the provider's signed transport."""
    with make(ovh_emulator) as provider:
        provider._call("POST", "/domain/zone/example.test/record",
                       body={"fieldType": "A", "subDomain": "new", "target": "192.0.2.99", "ttl": 300})
        assert ("new.example.test.", "A") not in ovh_emulator.rrsets("example.test", live=True)
        assert ("new.example.test.", "A") in ovh_emulator.rrsets("example.test", live=False)
        provider._call("POST", "/domain/zone/example.test/refresh")
    assert ovh_emulator.rrsets("example.test")[("new.example.test.", "A")] == (300, ["192.0.2.99"])


def test_ttl_only_change_is_one_put_per_record(ovh_emulator):
    with make(ovh_emulator) as provider:
        zone = provider.read_zone()
        cname = zone.get("autodiscover.example.test.", "CNAME")
        ovh_emulator.clear_requests()
        provider.apply_changes([Change("replace", new=cname.with_ttl(300), old=cname)])
    rid = next(r for r, rec in ovh_emulator.zones["example.test"]["records"].items() if rec["fieldType"] == "CNAME")
    assert [(r.method, r.path, r.json) for r in ovh_emulator.writes()] == [
        ("PUT", "/1.0/domain/zone/example.test/record/%d" % rid, {"ttl": 300}),
        ("POST", "/1.0/domain/zone/example.test/refresh", None)]


def test_long_txt_and_delete(ovh_emulator):
    dkim = RRset.from_values("dkim._domainkey.example.test.", "TXT", 3600, ["v=DKIM1; k=rsa; p=" + "Q" * 400])
    with make(ovh_emulator) as provider:
        zone = provider.read_zone()
        provider.apply_changes([Change("replace", new=dkim),
                                Change("delete", old=zone.get("www.example.test.", "A"))])
        again = provider.read_zone()
    assert again.get("dkim._domainkey.example.test.", "TXT") == dkim
    assert again.get("www.example.test.", "A") is None
    post = [r for r in ovh_emulator.writes() if r.method == "POST" and r.path.endswith("/record")][0]
    assert post.json["subDomain"] == "dkim._domainkey"
    # Issue 8 #3: one unquoted logical string (OVH refuses a DKIM key sent as quoted strings, and quotes it itself)
    assert post.json["target"] == "v=DKIM1; k=rsa; p=" + "Q" * 400
    assert len(ovh_emulator.refreshes("example.test")) == 1


def test_long_dkim_is_idempotent_against_what_ovh_gives_back(ovh_emulator):
    """OVH answers the 2048-bit key as ONE quoted string of 400+ bytes: read as the same value, no re-write."""
    from ansible_collections.mailwave.migrate.plugins.module_utils._dns.engine import plan_record_sets
    value = "v=DKIM1; k=rsa; p=" + "Q" * 400
    item = {"record": "dkim._domainkey", "type": "TXT", "ttl": 3600, "value": [value]}
    with make(ovh_emulator) as provider:
        changes = plan_record_sets(provider.read_zone(), [item])
        provider.apply_changes(changes)
        answered = [r for r in ovh_emulator.zones["example.test"]["records"].values()
                    if r["subDomain"] == "dkim._domainkey"]
        assert ovh_emulator.answered(answered[0])["target"] == '"%s"' % value
        assert plan_record_sets(provider.read_zone(), [item]) == []


def test_emulator_refuses_dkim_sent_as_quoted_strings(ovh_emulator):
    """What the old code sent ("..." "..."): OVH's 400 'Invalid subfield found in DKIM'."""
    with make(ovh_emulator) as provider:
        with pytest.raises(DNSError, match="Invalid subfield found in DKIM"):
            provider._call("POST", provider._zone_path("/record"),
                           body={"fieldType": "TXT", "subDomain": "dkim._domainkey", "ttl": 3600,
                                 "target": '"v=DKIM1; k=rsa; p=' + "Q" * 250 + '" "' + "Q" * 150 + '"'})


def test_id_zero_answer_is_harmless(ovh_emulator):
    ovh_emulator.id_zero_once = True
    new = RRset.from_values("new.example.test.", "A", 300, ["192.0.2.5"])
    with make(ovh_emulator) as provider:
        provider.apply_changes([Change("replace", new=new)])
        assert provider.read_zone().get("new.example.test.", "A") == new


def test_wrong_secret_is_an_auth_error_without_secret(ovh_emulator):
    with pytest.raises(DNSAuthError) as err:
        with make(ovh_emulator, application_secret="not-the-secret") as provider:
            provider.read_zone()
    assert "INVALID_SIGNATURE" in str(err.value)
    assert "not-the-secret" not in str(err.value) and "emu-ck" not in str(err.value)
    assert ovh_emulator.requests[-1].path == "/1.0/domain/zone/example.test/soa"


def test_wrong_consumer_key(ovh_emulator):
    with pytest.raises(DNSAuthError, match="INVALID_CREDENTIAL"):
        with make(ovh_emulator, consumer_key="other-ck") as provider:
            provider.read_zone()


def test_server_clock_offset_is_used(ovh_emulator):
    ovh_emulator.time_skew = 3600  # OVH's clock one hour ahead: only /auth/time makes this work
    with make(ovh_emulator) as provider:
        assert provider.read_zone().get(ZONE, "MX") is not None
    stamp = int(ovh_emulator.requests[-1].headers["x-ovh-timestamp"])
    assert abs(stamp - (time.time() + 3600)) < 60


def test_unknown_zone(ovh_emulator):
    with pytest.raises(DNSZoneNotFound, match="no DNS zone nowhere.test"):
        with ovh.Provider("nowhere.test", {"endpoint": ovh_emulator.base_url, "application_key": "emu-ak",
                                           "application_secret": "emu-as", "consumer_key": "emu-ck"}) as p:
            p.read_zone()


def test_ttl_below_minimum_is_refused_before_any_write(ovh_emulator):
    with make(ovh_emulator) as provider:
        with pytest.raises(DNSUnsupported, match="60 seconds"):
            provider.apply_changes([Change("replace", new=RRset.from_values("x.example.test.", "A", 30,
                                                                            ["192.0.2.1"]))])
    assert not ovh_emulator.writes()


def test_retry_on_503_with_retry_after(ovh_emulator):
    ovh_emulator.fail_next.append(Response(503, {"message": "busy"}, headers={"Retry-After": "0"}))
    with make(ovh_emulator) as provider:
        assert provider.read_zone().get(ZONE, "MX") is not None
    assert [r.path for r in ovh_emulator.requests[:2]] == ["/1.0/auth/time", "/1.0/auth/time"]


def test_export_is_the_zone_file(ovh_emulator):
    with make(ovh_emulator) as provider:
        text = provider.export_zone_text()
        zone = provider.read_zone()
    parsed = zone_from_text(text, ZONE)
    assert {rr.key: rr for rr in parsed.rrsets if rr.type != "SOA"} == \
        {rr.key: rr for rr in zone.rrsets if rr.type != "SOA"}


def test_failure_half_way_rolls_back_and_publishes_nothing(ovh_emulator):
    """Issue 8 #4: the MX is staged, the DKIM POST fails: the MX is put back, no refresh is sent, the error says so."""
    before_live = ovh_emulator.rrsets("example.test")
    before_staged = ovh_emulator.rrsets("example.test", live=False)
    ovh_emulator.fail_when.append((lambda r: r.method == "POST" and (r.json or {}).get("subDomain") == "dkim._domainkey",
                                   Response(400, {"class": "Client::BadRequest", "message": "record locked"})))
    with make(ovh_emulator) as provider:
        zone = provider.read_zone()
        with pytest.raises(DNSError, match="record locked") as err:
            provider.apply_changes([
                Change("replace", new=RRset.from_values(ZONE, "MX", 300, ["10 mail.new.test"]), old=zone.get(ZONE, "MX")),
                Change("replace", new=RRset.from_values("dkim._domainkey.example.test.", "TXT", 3600, ["v=DKIM1; p=x"]))])
    assert "Rolled back: example.test. MX" in str(err.value) and "No refresh was sent" in str(err.value)
    assert not ovh_emulator.refreshes("example.test")
    assert ovh_emulator.rrsets("example.test") == before_live
    assert ovh_emulator.rrsets("example.test", live=False) == before_staged


def test_failed_roll_back_is_reported(ovh_emulator):
    ovh_emulator.fail_when.append((lambda r: r.method == "DELETE",
                                   Response(400, {"class": "Client::BadRequest", "message": "record locked"})))
    ovh_emulator.fail_when.append((lambda r: r.method == "DELETE",
                                   Response(400, {"class": "Client::BadRequest", "message": "still locked"})))
    with make(ovh_emulator) as provider:
        zone = provider.read_zone()
        with pytest.raises(DNSError) as err:
            provider.apply_changes([Change("replace", new=RRset.from_values(ZONE, "MX", 300, ["10 mail.new.test"]),
                                           old=zone.get(ZONE, "MX"))])
    assert "Roll-back INCOMPLETE" in str(err.value) and "still locked" in str(err.value)
    assert not ovh_emulator.refreshes("example.test")


def test_invalid_ttl_refused_before_the_first_write(ovh_emulator):
    with make(ovh_emulator) as provider:
        zone = provider.read_zone()
        with pytest.raises(DNSUnsupported):
            provider.apply_changes([
                Change("replace", new=RRset.from_values(ZONE, "MX", 300, ["10 mail.new.test"]), old=zone.get(ZONE, "MX")),
                Change("replace", new=RRset.from_values("x.example.test.", "A", 30, ["192.0.2.1"]))])
    assert not ovh_emulator.writes()


def test_emulator_signature_covers_url_body_and_method(ovh_emulator):
    """A request signed for another body, URL or method is refused with OVH's error, and changes nothing."""
    import requests

    stamp = str(int(time.time()))
    url = ovh_emulator.base_url + "/domain/zone/example.test/record"
    body = '{"fieldType":"A","subDomain":"x","target":"192.0.2.1","ttl":300}'
    good = ovh.signature("emu-as", "emu-ck", "POST", url, body, stamp)
    headers = {"X-Ovh-Application": "emu-ak", "X-Ovh-Consumer": "emu-ck", "X-Ovh-Timestamp": stamp,
               "Content-Type": "application/json"}
    for method, target, data, sig in (
            ("POST", url, body.replace("192.0.2.1", "192.0.2.66"), good),   # body tampered
            ("POST", url + "?x=1", body, good),                             # URL differs
            ("PUT", url, body, good)):                                      # method differs
        resp = requests.request(method, target, data=data, headers=dict(headers, **{"X-Ovh-Signature": sig}),
                                timeout=5)
        assert resp.status_code == 400
        assert resp.json() == {"errorCode": "INVALID_SIGNATURE", "httpCode": "400 Bad Request",
                               "message": "Invalid signature"}
    assert ovh_emulator.writes() and not [k for k in ovh_emulator.rrsets("example.test", live=False)
                                          if k[0] == "x.example.test."]
    resp = requests.post(url, data=body, headers=dict(headers, **{"X-Ovh-Signature": good}), timeout=5)
    assert resp.status_code == 200 and resp.json()["subDomain"] == "x"


def test_ovh_dkim_field_type_is_read_as_txt_and_not_rewritten(ovh_emulator):
    """OVH files a DKIM key under its own fieldType DKIM (octoDNS issue #114), unquoted: read as the TXT it
    publishes, equal to the same value asked as TXT, so nothing is written."""
    from ansible_collections.mailwave.migrate.plugins.module_utils._dns.engine import plan_record_sets
    value = "v=DKIM1; k=rsa; p=" + "K" * 380
    with ovh_emulator.lock:
        records = ovh_emulator.zones["example.test"]["records"]
        records[9000001] = {"id": 9000001, "zone": "example.test", "subDomain": "mail._domainkey", "fieldType": "DKIM",
                            "target": value, "ttl": 3600}
    with make(ovh_emulator) as provider:
        zone = provider.read_zone()
        got = zone.get("mail._domainkey.example.test.", "TXT")
        assert got is not None and got.same_values(RRset.from_values(got.name, "TXT", 3600, [value]))
        item = {"record": "mail._domainkey", "type": "TXT", "ttl": 3600, "value": [value]}
        assert plan_record_sets(zone, [item]) == []
