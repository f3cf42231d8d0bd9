"""Behaviour suite of the DNS modules, run as Ansible runs them, against every backend of `dns_backend`:
real BIND, Knot and PowerDNS here, the emulated cloud providers when registered (see dns_fixtures.py)."""
from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._dns.records import RRset
from ansible_collections.mailwave.migrate.plugins.module_utils._dns.registry import load_provider_module

APEX = "example.test."
DKIM = "v=DKIM1; k=rsa; t=s; s=email; p=" + "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" * 9


def args_with(backend, **extra):
    args = backend.module_args()
    args.update(extra)
    return args


def assert_clean(result, backend=None):
    assert not result.get("crashed"), result.stderr or result
    if backend is not None:
        for secret_opt in ("key_secret", "api_key", "api_token", "application_secret", "consumer_key"):
            secret = backend.module_args().get(secret_opt)
            if secret:
                assert secret not in result.stdout and secret not in result.stderr


def supports(backend, rtype):
    supported = load_provider_module(backend.module_args()["provider"]).Provider.CAPABILITIES.supported_types
    return supported is None or rtype in supported


def test_mx_switch_then_idempotent(dns_backend, run_module):
    serial0 = dns_backend.serial()
    args = args_with(dns_backend, record="@", type="MX", ttl=300, value=["10 mail.new.test", "20 mail2.new.test."])
    first = run_module("dns_record_set", args, diff=True)
    assert_clean(first, dns_backend)
    assert first.changed and not first.failed, first
    assert first["changes"][0]["action"] == "update"
    assert "10 mx1.oldprovider.test." in first["diff"]["before"] and "mail.new.test." in first["diff"]["after"]
    want = RRset.from_values(APEX, "MX", 300, ["10 mail.new.test.", "20 mail2.new.test."])
    assert dns_backend.rrset("@", "MX") == want
    assert dns_backend.write_count() == 1
    serial1 = dns_backend.serial()
    if serial0 is not None:
        assert serial1 != serial0
    # Same arguments, values in another order and case: nothing to do, nothing sent.
    args["value"] = ["20 MAIL2.new.test", "10 mail.new.test."]
    second = run_module("dns_record_set", args)
    assert_clean(second, dns_backend)
    assert not second.changed and not second.failed, second
    assert second["changes"] == []
    assert dns_backend.write_count() == 1
    assert dns_backend.serial() == serial1


def test_check_mode_sends_nothing(dns_backend, run_module):
    before = dns_backend.records()
    serial = dns_backend.serial()
    args = args_with(dns_backend, record="@", type="MX", ttl=300, value=["10 mail.new.test"])
    result = run_module("dns_record_set", args, check_mode=True, diff=True)
    assert_clean(result, dns_backend)
    assert result.changed and not result.failed
    assert result["record_set"]["value"] == ["10 mail.new.test."]
    assert dns_backend.write_count() == 0
    assert dns_backend.serial() == serial
    assert dns_backend.records() == before


def test_ttl_only_change(dns_backend, run_module):
    args = args_with(dns_backend, record="@", type="MX", ttl=900,
                     value=["10 mx1.oldprovider.test", "20 mx2.oldprovider.test"])
    result = run_module("dns_record_set", args)
    assert_clean(result)
    assert result.changed
    assert result["changes"][0]["before"]["ttl"] == 3600 and result["changes"][0]["after"]["ttl"] == 900
    rr = dns_backend.rrset("@", "MX")
    assert rr.ttl == 900 and len(rr.values) == 2
    again = run_module("dns_record_set", args)
    assert not again.changed and dns_backend.write_count() == 1


def test_ttl_defaults_to_current(dns_backend, run_module):
    result = run_module("dns_record_set", args_with(dns_backend, record="www", type="A", value=["192.0.2.10"]))
    assert_clean(result)
    assert not result.changed and dns_backend.write_count() == 0


def test_long_dkim_txt_split_and_idempotent(dns_backend, run_module):
    args = args_with(dns_backend, record="dkim._domainkey", type="TXT", ttl=3600, value=[DKIM])
    first = run_module("dns_record_set", args)
    assert_clean(first, dns_backend)
    assert first.changed, first
    rr = dns_backend.rrset("dkim._domainkey", "TXT")
    assert rr is not None
    strings = rr.rdatas[0].strings
    assert len(strings) > 1 and all(len(s) <= 255 for s in strings)
    assert b"".join(strings).decode() == DKIM
    second = run_module("dns_record_set", args)
    assert not second.changed and dns_backend.write_count() == 1
    # The same key given pre-split differently is the same TXT for resolvers: no write.
    presplit = '"%s" "%s"' % (DKIM[:100], DKIM[100:])
    third = run_module("dns_record_set", args_with(dns_backend, record="dkim._domainkey", type="TXT", ttl=3600,
                                                   value=[presplit]))
    assert not third.changed and dns_backend.write_count() == 1


def test_mail_record_sets_one_write_and_prune(dns_backend, run_module):
    sets = [
        {"record": "@", "type": "MX", "ttl": 300, "value": ["10 mail.new.test"]},
        {"record": "@", "type": "TXT", "value": ["v=spf1 mx a -all"]},
        {"record": "_dmarc", "type": "TXT", "value": ["v=DMARC1; p=quarantine"]},
        {"record": "autoconfig", "type": "CNAME", "value": ["mail.new.test"]},
        {"record": "autodiscover", "type": "CNAME", "value": ["mail.new.test"]},
        {"record": "_autodiscover._tcp", "type": "SRV", "value": ["0 1 443 mail.new.test"]},
        {"record": "_imaps._tcp", "type": "SRV", "ttl": 600, "value": ["0 1 993 mail.new.test"]},
        {"record": "mail", "type": "A", "value": ["192.0.2.25"]},
        {"record": "mail", "type": "AAAA", "value": ["2001:DB8:0::25"]},
        {"record": "www", "type": "A", "state": "absent"},
    ]
    args = args_with(dns_backend, record_sets=sets)
    check = run_module("dns_record_sets", args, check_mode=True)
    assert_clean(check, dns_backend)
    assert check.changed and dns_backend.write_count() == 0
    first = run_module("dns_record_sets", args, diff=True)
    assert_clean(first, dns_backend)
    assert first.changed and not first.failed, first
    assert dns_backend.write_count() == 1, "all the changes go in one write"
    assert len(first["changes"]) == 10
    recs = dns_backend.records()
    assert recs[(APEX, "MX")] == RRset.from_values(APEX, "MX", 300, ["10 mail.new.test."])
    assert recs[("autodiscover.example.test.", "CNAME")].values == ("mail.new.test.",)
    assert recs[("_imaps._tcp.example.test.", "SRV")].ttl == 600
    assert recs[("mail.example.test.", "AAAA")].values == ("2001:db8::25",)
    assert ("www.example.test.", "A") not in recs
    assert recs[("_dmarc.example.test.", "TXT")].values == ('"v=DMARC1; p=quarantine"',)
    second = run_module("dns_record_sets", args)
    assert not second.changed and dns_backend.write_count() == 1
    # prune: another RRset at a managed name goes, the apex NS and SOA stay.
    pruned = run_module("dns_record_sets", args_with(dns_backend, prune=True, record_sets=[
        {"record": "@", "type": "MX", "ttl": 300, "value": ["10 mail.new.test"]},
        {"record": "mail", "type": "A", "value": ["192.0.2.25"]}]))
    assert_clean(pruned)
    assert pruned.changed
    assert sorted((c["name"], c["type"]) for c in pruned["changes"]) == [("@", "TXT"), ("mail", "AAAA")]
    recs = dns_backend.records()
    assert (APEX, "NS") in recs and (APEX, "TXT") not in recs and ("mail.example.test.", "AAAA") not in recs
    assert ("_dmarc.example.test.", "TXT") in recs


def test_cname_swapped_for_address_in_one_change(dns_backend, run_module):
    args = args_with(dns_backend, record_sets=[
        {"record": "autodiscover", "type": "A", "value": ["192.0.2.25"]},
        {"record": "autodiscover", "type": "CNAME", "state": "absent"}])
    result = run_module("dns_record_sets", args)
    assert_clean(result)
    assert result.changed and not result.failed, result
    recs = dns_backend.records()
    assert ("autodiscover.example.test.", "CNAME") not in recs
    assert recs[("autodiscover.example.test.", "A")].values == ("192.0.2.25",)
    assert dns_backend.write_count() == 1
    assert not run_module("dns_record_sets", args).changed


def test_absent_values_and_rrset(dns_backend, run_module):
    one = run_module("dns_record_set", args_with(dns_backend, record="@", type="MX", state="absent",
                                                 value=["20 mx2.oldprovider.test"]))
    assert_clean(one)
    assert one.changed
    assert dns_backend.rrset("@", "MX").values == ("10 mx1.oldprovider.test.",)
    whole = run_module("dns_record_set", args_with(dns_backend, record="@", type="MX", state="absent"))
    assert whole.changed and dns_backend.rrset("@", "MX") is None
    again = run_module("dns_record_set", args_with(dns_backend, record="@", type="MX", state="absent"))
    assert not again.changed and dns_backend.write_count() == 2


@pytest.mark.parametrize("rtype,record,value,canonical", [
    ("TLSA", "_25._tcp.mail", "3 1 1 " + "AB" * 32, "3 1 1 " + "ab" * 32),
    ("CAA", "@", '0 issue "letsencrypt.org"', '0 issue "letsencrypt.org"'),
])
def test_tlsa_caa(dns_backend, run_module, rtype, record, value, canonical):
    if not supports(dns_backend, rtype):
        pytest.skip("%s does not support %s" % (dns_backend.name, rtype))
    args = args_with(dns_backend, record=record, type=rtype, ttl=600, value=[value])
    first = run_module("dns_record_set", args)
    assert_clean(first)
    assert first.changed, first
    assert dns_backend.rrset(record, rtype).values == (canonical,)
    assert not run_module("dns_record_set", args).changed
    assert dns_backend.write_count() == 1


@pytest.mark.slow
def test_backup_change_restore_gives_back_the_zone(dns_backend, run_module, tmp_path):
    dest = tmp_path / "backups"
    saved = dns_backend.records()
    backup = run_module("dns_zone_backup", args_with(dns_backend, dest=str(dest)))
    assert_clean(backup, dns_backend)
    assert backup.changed and not backup.failed, backup
    path = backup["path"]
    assert os.path.dirname(path) == str(dest)
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert backup["checksum"].startswith("sha256:") and backup["records"] >= 10
    text = open(path).read()
    assert "; checksum: %s" % backup["checksum"] in text and "$ORIGIN example.test." in text
    if backup["serial"] is not None:
        assert path.endswith("-%s.zone" % backup["serial"])
    # An unchanged zone: no new file.
    again = run_module("dns_zone_backup", args_with(dns_backend, dest=str(dest)))
    assert not again.changed and again["path"] == path and len(os.listdir(dest)) == 1

    run_module("dns_record_sets", args_with(dns_backend, record_sets=[
        {"record": "@", "type": "MX", "ttl": 300, "value": ["10 mail.new.test"]},
        {"record": "@", "type": "TXT", "value": ["v=spf1 mx -all"]},
        {"record": "dkim._domainkey", "type": "TXT", "value": [DKIM]},
        {"record": "autodiscover", "type": "CNAME", "value": ["mail.new.test"]},
        {"record": "www", "type": "A", "value": ["192.0.2.99"]}]))
    assert dns_backend.records() != saved

    check = run_module("dns_zone_restore", args_with(dns_backend, src=path), check_mode=True, diff=True)
    assert_clean(check)
    assert check.changed and len(check["changes"]) == 4  # mail records only: www A is not one
    assert "mail.new.test." in check["diff"]["before"]
    writes = dns_backend.write_count()
    restore = run_module("dns_zone_restore", args_with(dns_backend, src=path))
    assert_clean(restore, dns_backend)
    assert restore.changed and dns_backend.write_count() == writes + 1
    whole = run_module("dns_zone_restore", args_with(dns_backend, src=path, whole_zone=True))
    assert whole.changed and [c["type"] for c in whole["changes"]] == ["A"]
    now = dns_backend.records()
    assert {k: v for k, v in now.items() if k[1] != "SOA"} == {k: v for k, v in saved.items() if k[1] != "SOA"}
    final = run_module("dns_zone_restore", args_with(dns_backend, src=path, whole_zone=True))
    assert not final.changed and final["changes"] == []


def test_restore_threshold_and_tampered_backup(dns_backend, run_module, tmp_path):
    backup = run_module("dns_zone_backup", args_with(dns_backend, dest=str(tmp_path)))
    path = backup["path"]
    run_module("dns_record_sets", args_with(dns_backend, record_sets=[
        {"record": "@", "type": "MX", "value": ["10 mail.new.test"]},
        {"record": "_dmarc", "type": "TXT", "value": ["v=DMARC1; p=reject"]},
        {"record": "autoconfig", "type": "CNAME", "value": ["mail.new.test"]}]))
    writes = dns_backend.write_count()
    refused = run_module("dns_zone_restore", args_with(dns_backend, src=path, max_changes=2))
    assert_clean(refused)
    assert refused.failed and "max_changes=2" in refused["msg"] and "force=true" in refused["msg"]
    assert len(refused["changes"]) == 3 and dns_backend.write_count() == writes
    forced = run_module("dns_zone_restore", args_with(dns_backend, src=path, max_changes=2, force=True))
    assert forced.changed and not forced.failed
    with open(path, "a") as handle:
        handle.write("evil 60 IN A 192.0.2.66\n")
    tampered = run_module("dns_zone_restore", args_with(dns_backend, src=path))
    assert_clean(tampered)
    assert tampered.failed and "checksum" in tampered["msg"]


def test_wrong_credentials_fail_cleanly(dns_backend, run_module):
    result = run_module("dns_record_set", dict(dns_backend.bad_auth_args(), record="@", type="MX",
                                               value=["10 mail.new.test"]))
    assert_clean(result)
    assert result.failed and result["error"] == "DNSAuthError", result
    assert dns_backend.write_count() == 0


def test_unknown_zone_fails_cleanly(dns_backend, run_module):
    result = run_module("dns_zone_backup", args_with(dns_backend, zone="nosuchzone.test", dest="/nonexistent/x"))
    assert_clean(result)
    assert result.failed and result["error"] == "DNSZoneNotFound", result
    assert "nosuchzone.test" in result["msg"]


def test_bad_input_fails_cleanly(dns_backend, run_module):
    bad = run_module("dns_record_set", args_with(dns_backend, record="@", type="MX", value=["mail.new.test"]))
    assert_clean(bad)
    assert bad.failed and "not a valid MX" in bad["msg"]
    outside = run_module("dns_record_set", args_with(dns_backend, record="www.other.test.", type="A",
                                                     value=["192.0.2.1"]))
    assert outside.failed and "not inside zone" in outside["msg"]
    conflict = run_module("dns_record_set", args_with(dns_backend, record="www", type="CNAME", value=["x.test"]))
    assert conflict.failed and "CNAME" in conflict["msg"]
    assert dns_backend.write_count() == 0


def test_powerdns_keeps_disabled_records(powerdns_backend, run_module):
    """Records an admin disabled on PowerDNS are not served, but a switch or a deletion must not erase them."""
    server, zone = powerdns_backend.server, powerdns_backend.zone
    server.api("PATCH", "/zones/%s" % zone, json={"rrsets": [
        {"name": APEX, "type": "MX", "ttl": 3600, "changetype": "REPLACE",
         "records": [{"content": "10 mx1.oldprovider.test.", "disabled": False},
                     {"content": "50 parked.oldprovider.test.", "disabled": True}]},
        {"name": "old." + APEX, "type": "TXT", "ttl": 3600, "changetype": "REPLACE",
         "records": [{"content": '"live"', "disabled": False}, {"content": '"parked"', "disabled": True}]}]})

    def records(name, rtype):
        for item in server.api("GET", "/zones/%s" % zone).json()["rrsets"]:
            if item["name"] == name and item["type"] == rtype:
                return sorted((r["content"], r["disabled"]) for r in item["records"])
        return []

    switched = run_module("dns_record_set", args_with(powerdns_backend, record="@", type="MX",
                                                      value=["10 mail.new.test."]))
    assert_clean(switched, powerdns_backend)
    assert switched.changed and not switched.failed, switched
    assert records(APEX, "MX") == [("10 mail.new.test.", False), ("50 parked.oldprovider.test.", True)]
    assert powerdns_backend.rrset("@", "MX") == RRset.from_values(APEX, "MX", 3600, ["10 mail.new.test."])
    again = run_module("dns_record_set", args_with(powerdns_backend, record="@", type="MX",
                                                   value=["10 mail.new.test."]))
    assert not again.changed and not again.failed, again

    gone = run_module("dns_record_set", args_with(powerdns_backend, record="old", type="TXT", state="absent"))
    assert gone.changed and not gone.failed, gone
    assert powerdns_backend.rrset("old", "TXT") is None
    assert records("old." + APEX, "TXT") == [('"parked"', True)]
