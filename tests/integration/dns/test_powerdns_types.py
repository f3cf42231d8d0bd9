"""PowerDNS types dnspython cannot parse (LUA, ALIAS) on the real PowerDNS of the suite (issue 8 #5):
backed up byte for byte, never rewritten by a change, never deleted by a restore of other types."""
from __future__ import annotations

from ansible_collections.mailwave.migrate.plugins.module_utils._dns import engine
OPAQUE_PREFIX = "; mailwave-opaque: "   # records.OPAQUE_PREFIX: the backup format, spelt out
from ansible_collections.mailwave.migrate.plugins.module_utils._dns.registry import (
    common_argument_spec,
    create_provider,
)

LUA = 'A "ifportup(443, {\'192.0.2.1\', \'192.0.2.2\'})"'
ALIAS = "web.example.net."


def provider_for(backend):
    spec = common_argument_spec()
    params = {k: v.get("default") for k, v in spec.items()}
    params.update(backend.module_args())
    return create_provider(params)


def add_vendor_types(server, zone):
    server.api("PATCH", "/zones/%s" % zone, json={"rrsets": [
        {"name": "lb." + zone, "type": "LUA", "ttl": 300, "changetype": "REPLACE",
         "records": [{"content": LUA, "disabled": False}]},
        {"name": "shop." + zone, "type": "ALIAS", "ttl": 600, "changetype": "REPLACE",
         "records": [{"content": ALIAS, "disabled": False}]},
    ]})


def vendor_records(server, zone):
    return {k: v for k, v in server.zone_records(zone).items() if k[1] in ("LUA", "ALIAS")}


def test_lua_and_alias_survive_backup_change_and_restore(powerdns_backend, tmp_path):
    server, zone = powerdns_backend.server, powerdns_backend.zone
    add_vendor_types(server, zone)
    before = vendor_records(server, zone)
    assert before == {("lb." + zone, "LUA"): (300, frozenset([LUA])),
                      ("shop." + zone, "ALIAS"): (600, frozenset([ALIAS]))}
    with provider_for(powerdns_backend) as provider:
        backup = engine.run_backup(provider, str(tmp_path))
        text = open(backup["path"], encoding="utf-8").read()
        assert OPAQUE_PREFIX + "lb.%s 300 LUA " % zone in text
        assert OPAQUE_PREFIX + 'shop.%s 600 ALIAS "%s"' % (zone, ALIAS) in text
        data, _header = engine.load_backup(backup["path"], zone)        # the checksum covers them
        assert data.get("lb." + zone, "LUA").values == (LUA,)

        switched = engine.run_record_sets(provider, [{"record": "@", "type": "MX", "value": ["10 mail.new.test"]}])
        assert switched["changed"]
        assert vendor_records(server, zone) == before

        restored = engine.run_restore(provider, backup["path"])
        assert restored["changed"] and [c["type"] for c in restored["changes"]] == ["MX"]
        assert vendor_records(server, zone) == before
        again = engine.run_restore(provider, backup["path"], whole_zone=True)
        assert not again["changed"], again["changes"]
    assert vendor_records(server, zone) == before


def test_whole_zone_restore_puts_back_a_deleted_lua_record(powerdns_backend, tmp_path):
    server, zone = powerdns_backend.server, powerdns_backend.zone
    add_vendor_types(server, zone)
    before = vendor_records(server, zone)
    with provider_for(powerdns_backend) as provider:
        backup = engine.run_backup(provider, str(tmp_path))
        server.api("PATCH", "/zones/%s" % zone, json={"rrsets": [
            {"name": "lb." + zone, "type": "LUA", "changetype": "DELETE"}]})
        mail_only = engine.run_restore(provider, backup["path"])
        assert not mail_only["changed"]                      # a mail restore does not touch LUA
        whole = engine.run_restore(provider, backup["path"], whole_zone=True)
        assert [(c["type"], c["action"]) for c in whole["changes"]] == [("LUA", "create")]
    assert vendor_records(server, zone) == before
