"""engine.py planning rules on in-memory zones (the same rules run against real servers in
tests/integration/dns/)."""
from __future__ import annotations

import os

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._dns import engine as e
from ansible_collections.mailwave.migrate.plugins.module_utils._dns.provider import Change, DNSProvider
from ansible_collections.mailwave.migrate.plugins.module_utils._dns.records import zone_from_text

ZONE_TEXT = """$ORIGIN example.test.
$TTL 3600
@ IN SOA ns1 hostmaster ( 7 7200 900 1209600 300 )
@ IN NS ns1
ns1 IN A 127.0.0.1
@ IN MX 10 mx1.old.test.
@ IN MX 20 mx2.old.test.
@ IN TXT "v=spf1 include:old.test ~all"
_dmarc IN TXT "v=DMARC1; p=none"
www IN A 192.0.2.10
mail IN A 192.0.2.25
autodiscover IN CNAME autodiscover.old.test.
_imaps._tcp IN SRV 0 1 993 mail.old.test.
_25._tcp.mail IN TLSA 3 1 1 abcd
dkim._domainkey IN TXT "v=DKIM1; p=abc"
_xmpp._tcp IN SRV 0 1 5222 chat.old.test.
ftp IN CNAME www
"""


class MemoryProvider(DNSProvider):
    """A zone in memory: only for planning rules; writes are recorded."""

    NAME = "memory"

    def __init__(self, text=ZONE_TEXT):
        super(MemoryProvider, self).__init__("example.test", {})
        self.data = zone_from_text(text, "example.test")
        self.applied = []

    def read_zone(self):
        return self.data

    def apply_changes(self, changes):
        self.applied.append(list(changes))
        index = self.data.index()
        for c in changes:
            if c.action == Change.DELETE:
                index.pop(c.key)
            else:
                index[c.key] = c.new
        self.data = type(self.data)(self.data.name, list(index.values()))


def plan(items, prune=False):
    return e.plan_record_sets(zone_from_text(ZONE_TEXT, "example.test"), items, prune=prune)


def test_identical_is_no_change_and_ttl_defaults_to_current():
    assert plan([{"record": "@", "type": "MX", "value": ["20 mx2.old.test", "10 MX1.old.test."]}]) == []


def test_new_rrset_gets_default_ttl():
    (change,) = plan([{"record": "autoconfig", "type": "CNAME", "value": ["mail.new.test"]}])
    assert change.kind == "create" and change.new.ttl == 3600


def test_absent_values_and_whole():
    (change,) = plan([{"record": "@", "type": "MX", "state": "absent", "value": ["10 mx1.old.test"]}])
    assert change.kind == "update" and change.new.values == ("20 mx2.old.test.",)
    (change,) = plan([{"record": "@", "type": "MX", "state": "absent"}])
    assert change.kind == "delete"
    assert plan([{"record": "nothere", "type": "A", "state": "absent"}]) == []
    assert plan([{"record": "@", "type": "MX", "state": "absent", "value": ["30 other.test"]}]) == []


def test_prune_keeps_apex_ns_and_soa_and_other_names():
    changes = plan([{"record": "@", "type": "MX", "value": ["10 mail.new.test"]}], prune=True)
    assert sorted((c.kind, c.name, c.type) for c in changes) == [
        ("delete", "example.test.", "TXT"), ("update", "example.test.", "MX")]


def test_duplicates_soa_and_missing_value_refused():
    with pytest.raises(e.EngineError, match="given twice"):
        plan([{"record": "@", "type": "MX", "value": ["1 a.test"]},
              {"record": "example.test.", "type": "mx", "value": ["1 a.test"]}])
    with pytest.raises(e.EngineError, match="SOA"):
        plan([{"record": "@", "type": "SOA", "value": ["x"]}])
    with pytest.raises(e.EngineError, match="at least one value"):
        plan([{"record": "@", "type": "MX", "value": []}])


def test_cname_conflict_detected():
    with pytest.raises(e.EngineError, match="CNAME must be alone"):
        plan([{"record": "www", "type": "CNAME", "value": ["x.test"]}])
    # ...but fine when the other RRset goes in the same change.
    changes = plan([{"record": "www", "type": "CNAME", "value": ["x.test"]},
                    {"record": "www", "type": "A", "state": "absent"}])
    assert len(changes) == 2


def test_run_record_sets_check_mode_writes_nothing_and_diff():
    provider = MemoryProvider()
    result = e.run_record_sets(provider, [{"record": "@", "type": "MX", "ttl": 300, "value": ["10 mail.new.test"]}],
                               check_mode=True, want_diff=True)
    assert result["changed"] and provider.applied == []
    assert "mx1.old.test." in result["diff"]["before"] and "mail.new.test." in result["diff"]["after"]
    assert result["record_sets"][0]["value"] == ["10 mail.new.test."]
    result = e.run_record_sets(provider, [{"record": "@", "type": "MX", "ttl": 300, "value": ["10 mail.new.test"]}])
    assert result["changed"] and len(provider.applied) == 1
    again = e.run_record_sets(provider, [{"record": "@", "type": "MX", "ttl": 300, "value": ["10 mail.new.test"]}])
    assert not again["changed"] and len(provider.applied) == 1


def test_mail_record_selection():
    zone = zone_from_text(ZONE_TEXT, "example.test")
    mail = sorted((rr.name, rr.type) for rr in zone.rrsets if e.is_mail_record(rr, zone.name))
    assert mail == sorted([
        ("example.test.", "MX"), ("example.test.", "TXT"), ("_dmarc.example.test.", "TXT"),
        ("autodiscover.example.test.", "CNAME"), ("_imaps._tcp.example.test.", "SRV"),
        ("_25._tcp.mail.example.test.", "TLSA"), ("dkim._domainkey.example.test.", "TXT")])


def test_backup_then_unchanged_then_restore(tmp_path):
    provider = MemoryProvider()
    dest = str(tmp_path / "b")
    first = e.run_backup(provider, dest)
    assert first["changed"] and os.path.exists(first["path"]) and first["serial"] == 7
    assert oct(os.stat(dest).st_mode & 0o777) == "0o700" and oct(os.stat(first["path"]).st_mode & 0o777) == "0o600"
    assert not e.run_backup(provider, dest)["changed"]
    e.run_record_sets(provider, [{"record": "@", "type": "MX", "value": ["10 mail.new.test"]},
                                 {"record": "www", "type": "A", "value": ["192.0.2.99"]}])
    check = e.run_backup(provider, dest, check_mode=True)
    assert check["changed"] and not os.path.exists(check["path"])
    restore = e.run_restore(provider, first["path"])
    assert [(c["type"], c["action"]) for c in restore["changes"]] == [("MX", "update")]
    whole = e.run_restore(provider, first["path"], whole_zone=True)
    assert [(c["name"], c["action"]) for c in whole["changes"]] == [("www", "update")]
    assert provider.read_zone().checksum() == zone_from_text(ZONE_TEXT, "example.test").checksum()
    by_type = e.run_restore(provider, first["path"], types=["a"])
    assert by_type["changes"] == [] and not by_type["changed"]


def test_restore_refuses_other_zone_and_threshold(tmp_path):
    provider = MemoryProvider()
    path = e.run_backup(provider, str(tmp_path))["path"]
    other = MemoryProvider()
    other.zone = "other.test."
    with pytest.raises(e.EngineError, match="not of other.test."):
        e.run_restore(other, path)
    e.run_record_sets(provider, [{"record": "@", "type": "MX", "value": ["10 mail.new.test"]},
                                 {"record": "_dmarc", "type": "TXT", "state": "absent"}])
    with pytest.raises(e.EngineError, match="max_changes=1") as err:
        e.run_restore(provider, path, max_changes=1)
    assert len(err.value.result["changes"]) == 2 and err.value.result["changed"] is False
    assert e.run_restore(provider, path, max_changes=1, force=True)["changed"]
