"""Issue 8, "done when": a zone of 1,000+ records goes through backup, a change and a restore on every backend
(BIND and Knot by RFC 2136, the real PowerDNS, the emulated OVH, Gandi and Cloudflare), run as Ansible runs the
modules, and the zone is compared record by record with what the server holds (read without our provider code):
the change touches only the RRsets it names, the restore brings back exactly the zone as it was."""
from __future__ import annotations

from tests.servers.bind import PRISTINE_ZONE, reset_by_update

HOSTS = 900          # A records, one RRset each
TXT_NAMES = 100      # TXT RRsets of two values each
CNAMES = 50


def big_zone_text():
    lines = [PRISTINE_ZONE.rstrip("\n")]
    lines += ["h%d 3600 IN A 198.51.100.%d" % (i, i % 250 + 1) for i in range(HOSTS)]
    for i in range(TXT_NAMES):
        lines += ['t%d 3600 IN TXT "site-verification=%08d"' % (i, i), 't%d 3600 IN TXT "owner=team-%d"' % (i, i % 7)]
    lines += ["c%d 3600 IN CNAME h%d.example.test." % (i, i) for i in range(CNAMES)]
    return "\n".join(lines) + "\n"


def load(backend, text):
    if hasattr(backend, "load"):              # the emulated providers
        backend.load(text)
    elif backend.name == "powerdns":
        backend.server.create_zone(backend.zone, text)
    else:                                      # BIND, Knot: one UPDATE, as their reset does
        reset_by_update(backend.address, backend.port, backend.zone, backend.secret, text)


def without_soa(records):
    return {k: v for k, v in records.items() if k[1] != "SOA"}


DKIM = "v=DKIM1; k=rsa; t=s; s=email; p=" + "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" * 9
CHANGE = [
    {"record": "@", "type": "MX", "ttl": 300, "value": ["10 mail.new.test"]},
    {"record": "@", "type": "TXT", "value": ["v=spf1 mx -all"]},
    {"record": "dkim._domainkey", "type": "TXT", "value": [DKIM]},
    {"record": "autodiscover", "type": "CNAME", "value": ["mail.new.test"]},
]
NAMED = {("example.test.", "MX"), ("example.test.", "TXT"), ("dkim._domainkey.example.test.", "TXT"),
         ("autodiscover.example.test.", "CNAME")}


def test_thousand_record_zone_round_trips(dns_backend, run_module, tmp_path):
    load(dns_backend, big_zone_text())
    before = without_soa(dns_backend.records())
    assert sum(len(rr.values) for rr in before.values()) >= 1000 + 100

    args = dict(dns_backend.module_args(), dest=str(tmp_path))
    backup = run_module("dns_zone_backup", args)
    assert not backup.failed, backup
    assert backup["records"] >= sum(len(rr.values) for rr in before.values())

    change = run_module("dns_record_sets", dict(dns_backend.module_args(), record_sets=CHANGE))
    assert change.changed and not change.failed, change
    during = without_soa(dns_backend.records())
    touched = {k for k in set(before) | set(during) if before.get(k) != during.get(k)}
    assert touched == NAMED, touched ^ NAMED            # nothing else touched, record by record

    restore = run_module("dns_zone_restore", dict(dns_backend.module_args(), src=backup["path"]))
    assert restore.changed and not restore.failed, restore
    after = without_soa(dns_backend.records())
    differ = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    assert differ == set(), sorted(differ)[:10]
    again = run_module("dns_zone_restore", dict(dns_backend.module_args(), src=backup["path"], whole_zone=True))
    assert not again.changed and again["changes"] == [], again["changes"][:5]
