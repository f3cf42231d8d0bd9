"""The optional `lexicon` provider (issue 8, "the long tail"), end to end against the suite's real PowerDNS through
dns-lexicon's own PowerDNS backend: backup, an RRset change, idempotence, restore, roll-back, and the guard rails."""
from __future__ import annotations

import pathlib

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._dns.provider import Change, DNSError
from ansible_collections.mailwave.migrate.plugins.module_utils._dns.records import RRset
from ansible_collections.mailwave.migrate.plugins.module_utils._dns.registry import (
    common_argument_spec,
    create_provider,
)

pytest.importorskip("lexicon", reason="dns-lexicon is in requirements-dev.txt; make deps installs it")

APEX = "example.test."
DKIM = "v=DKIM1; k=rsa; t=s; s=email; p=" + "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" * 9


def lexicon_args(backend, **extra):
    server = backend.server
    args = {"provider": "lexicon", "zone": "example.test", "lexicon_provider": "powerdns",
            "lexicon_options": {"auth_token": server.api_key, "pdns_server": server.api_url,
                                "pdns_server_id": "localhost"}}
    args.update(extra)
    return args


def provider_for(backend):
    params = {k: v.get("default") for k, v in common_argument_spec().items()}
    params.update(lexicon_args(backend))
    return create_provider(params)


def without_soa(records):
    return {k: v for k, v in records.items() if k[1] != "SOA"}


def test_backup_change_idempotence_restore(powerdns_backend, run_module, tmp_path):
    before = without_soa(powerdns_backend.records())
    backup = run_module("dns_zone_backup", lexicon_args(powerdns_backend, dest=str(tmp_path)))
    assert not backup.failed, backup
    assert backup["records"] == sum(len(rr.values) for rr in before.values())
    assert powerdns_backend.server.api_key not in backup.stdout + backup.stderr

    sets = [{"record": "@", "type": "MX", "ttl": 300, "value": ["10 mail.new.test"]},
            {"record": "dkim._domainkey", "type": "TXT", "value": [DKIM]},
            {"record": "@", "type": "TXT", "value": ["v=spf1 mx -all"]}]
    change = run_module("dns_record_sets", lexicon_args(powerdns_backend, record_sets=sets))
    assert change.changed and not change.failed, change
    assert change["atomic"] is False                                   # flagged in the result
    now = without_soa(powerdns_backend.records())
    assert now[(APEX, "MX")] == RRset.from_values(APEX, "MX", 300, ["10 mail.new.test."])
    assert now[("dkim._domainkey.example.test.", "TXT")].same_values(
        RRset.from_values("dkim._domainkey.example.test.", "TXT", 3600, [DKIM]))
    touched = {k for k in set(before) | set(now) if before.get(k) != now.get(k)}
    assert touched == {(APEX, "MX"), (APEX, "TXT"), ("dkim._domainkey.example.test.", "TXT")}

    serial = powerdns_backend.serial()
    again = run_module("dns_record_sets", lexicon_args(powerdns_backend, record_sets=sets))
    assert not again.changed and powerdns_backend.serial() == serial   # nothing sent

    restore = run_module("dns_zone_restore", lexicon_args(powerdns_backend, src=backup["path"]))
    assert restore.changed and not restore.failed, restore
    assert without_soa(powerdns_backend.records()) == before


def test_failed_write_is_rolled_back(powerdns_backend):
    """PowerDNS refuses a CNAME beside the A of www (422): the MX already written is put back."""
    before = without_soa(powerdns_backend.records())
    with provider_for(powerdns_backend) as provider:
        zone = provider.read_zone()
        with pytest.raises(DNSError) as err:
            provider.apply_changes([
                Change("replace", new=RRset.from_values(APEX, "MX", 300, ["10 mail.new.test"]), old=zone.get(APEX, "MX")),
                Change("replace", new=RRset.from_values("www.example.test.", "CNAME", 300, ["mail.new.test"]))])
    assert "Rolled back: example.test. MX" in str(err.value)
    assert powerdns_backend.server.api_key not in str(err.value)
    assert without_soa(powerdns_backend.records()) == before


def test_wrong_key_and_unknown_backend(powerdns_backend, run_module):
    bad = run_module("dns_zone_backup", dict(lexicon_args(powerdns_backend, dest="/nonexistent"),
                                             lexicon_options={"auth_token": "wrong-key-77",
                                                              "pdns_server": powerdns_backend.server.api_url}))
    assert bad.failed and bad["error"] == "DNSAuthError" and "wrong-key-77" not in bad.stdout + bad.stderr
    unknown = run_module("dns_zone_backup", lexicon_args(powerdns_backend, dest="/nonexistent",
                                                         lexicon_provider="no-such-host"))
    assert unknown.failed and "dns-lexicon has no provider 'no-such-host'" in unknown["msg"]


def test_lexicon_is_not_a_runtime_requirement():
    root = pathlib.Path(__file__).resolve().parents[3]
    assert "lexicon" not in (root / "requirements.txt").read_text()
    assert "dns-lexicon==" in (root / "requirements-dev.txt").read_text()
