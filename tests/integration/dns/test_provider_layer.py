"""The rfc2136 and powerdns providers against real servers (in-process, below the modules)."""
from __future__ import annotations

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._dns.provider import (
    Change,
    DNSAuthError,
    DNSConnectionError,
    DNSZoneNotFound,
)
from ansible_collections.mailwave.migrate.plugins.module_utils._dns.records import RRset
from ansible_collections.mailwave.migrate.plugins.module_utils._dns.registry import (
    common_argument_spec,
    create_provider,
)
from tests.lib.ports import free_port


def params(args):
    spec = common_argument_spec()
    out = {k: v.get("default") for k, v in spec.items()}
    out.update(args)
    return out


@pytest.fixture(params=["bind", "knot", "powerdns"])
def backend(request):
    return request.getfixturevalue("%s_backend" % request.param)


def test_read_zone_matches_server(backend):
    with create_provider(params(backend.module_args())) as provider:
        zone = provider.read_zone()
    got = {rr.key: rr for rr in zone.rrsets if rr.type != "SOA"}
    want = {k: v for k, v in backend.records().items() if k[1] != "SOA"}
    assert got == want
    assert zone.serial == backend.serial()


def test_apply_replace_create_delete_in_one_batch(backend):
    with create_provider(params(backend.module_args())) as provider:
        zone = provider.read_zone()
        old_mx = zone.get("example.test.", "MX")
        old_www = zone.get("www.example.test.", "A")
        new_mx = RRset.from_values("example.test.", "MX", 300, ["10 mail.new.test"])
        dkim = RRset.from_values("dkim._domainkey.example.test.", "TXT", 3600, ["v=DKIM1; k=rsa; p=" + "B" * 380])
        provider.apply_changes([Change("replace", new=new_mx, old=old_mx), Change("replace", new=dkim),
                                Change("delete", old=old_www)])
    recs = backend.records()
    assert recs[("example.test.", "MX")] == new_mx
    assert recs[("dkim._domainkey.example.test.", "TXT")] == dkim
    assert ("www.example.test.", "A") not in recs
    assert backend.write_count() == 1


def test_wrong_credentials(backend):
    with pytest.raises(DNSAuthError) as err:
        with create_provider(params(backend.bad_auth_args())) as provider:
            provider.read_zone()
    assert "secret" not in str(err.value).lower() or "key_secret" in str(err.value)


def test_unknown_zone(backend):
    args = backend.module_args()
    args["zone"] = "nosuchzone.test"
    with pytest.raises(DNSZoneNotFound):
        with create_provider(params(args)) as provider:
            provider.read_zone()


def test_unreachable_server(backend):
    args = backend.module_args()
    port = free_port(udp_too=True)
    if args["provider"] == "powerdns":
        args["api_url"] = "http://127.0.0.1:%d" % port
    else:
        args["port"] = port
        args["request_timeout"] = 1
    with pytest.raises(DNSConnectionError):
        with create_provider(params(args)) as provider:
            provider.read_zone()
