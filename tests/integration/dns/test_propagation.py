"""dns_propagation against a real delegation: BIND parent -> BIND primary + Knot secondary (NOTIFY/AXFR)."""
from __future__ import annotations

import os
import signal

import pytest


@pytest.fixture
def lab(bind_backend, knot_secondary, dns_parent, dns_lab_port):
    return {"backend": bind_backend, "knot": knot_secondary, "parent": "127.0.0.1:%d" % dns_parent.port,
            "port": dns_lab_port}


def prop_args(lab, **extra):
    args = {"zone": "example.test", "record": "@", "type": "MX", "value": ["10 mail.new.test"], "ttl": 300,
            "parent_servers": [lab["parent"]], "port": lab["port"], "timeout": 20, "interval": 0.3,
            "request_timeout": 1}
    args.update(extra)
    return args


def switch_mx(run_module, lab):
    result = run_module("dns_record_set", dict(lab["backend"].module_args(), record="@", type="MX", ttl=300,
                                               value=["10 mail.new.test"]))
    assert result.changed and not result.failed, result


def test_primary_and_secondary_converge(run_module, lab):
    switch_mx(run_module, lab)
    result = run_module("dns_propagation", prop_args(lab))
    assert not result.get("crashed"), result.stderr
    assert not result.failed and result["converged"], result
    assert not result.changed
    assert result["source"] == "delegation"
    assert result["nameservers"] == ["ns1.example.test.", "ns2.example.test."]
    rows = result["servers"]
    assert sorted(r["address"] for r in rows) == ["127.0.0.1", "127.0.0.3"]
    assert all(r["ok"] and r["answer"] == ["10 mail.new.test."] and r["ttl"] == 300 for r in rows)
    assert rows[0]["serial"] == rows[1]["serial"] == lab["backend"].serial()


def test_wrong_ttl_is_not_converged(run_module, lab):
    switch_mx(run_module, lab)
    # first every server serves the new MX (the secondary may take a moment under load to transfer it) ...
    ready = run_module("dns_propagation", prop_args(lab))
    assert not ready.failed and ready["converged"], ready
    # ... then asking for another TTL than the one served never converges
    result = run_module("dns_propagation", prop_args(lab, ttl=3600, timeout=1, interval=0.5))
    assert result.failed and not result["converged"]
    assert all(not r["ok"] and r["ttl"] == 300 for r in result["servers"])
    assert "did not converge" in result["msg"]


@pytest.mark.slow
def test_frozen_secondary_is_reported_then_catches_up(run_module, lab):
    knot = lab["knot"]
    # Let the secondary have the pristine zone, then freeze its transfers.
    assert not run_module("dns_propagation", prop_args(lab, value=["10 mx1.oldprovider.test",
                                                                   "20 mx2.oldprovider.test"],
                                                       ttl=3600)).failed
    frozen = knot.knotc("-b", "zone-freeze", "example.test")
    assert frozen.returncode == 0, frozen.stderr
    try:
        switch_mx(run_module, lab)
        result = run_module("dns_propagation", prop_args(lab, timeout=2, interval=0.5))
        assert not result.get("crashed"), result.stderr
        assert result.failed and not result["converged"]
        rows = {r["address"]: r for r in result["servers"]}
        assert rows["127.0.0.1"]["ok"] and rows["127.0.0.1"]["answer"] == ["10 mail.new.test."]
        stale = rows["127.0.0.3"]
        assert not stale["ok"] and stale["error"] is None
        assert stale["answer"] == ["10 mx1.oldprovider.test.", "20 mx2.oldprovider.test."]
        assert stale["serial"] < rows["127.0.0.1"]["serial"]
        assert "ns2.example.test. (127.0.0.3)" in result["msg"]
    finally:
        knot.knotc("-b", "zone-thaw", "example.test")
    knot.knotc("zone-refresh", "example.test")
    caught_up = run_module("dns_propagation", prop_args(lab))
    assert caught_up["converged"], caught_up


@pytest.mark.slow
def test_stopped_secondary_times_out_with_table(run_module, lab):
    knot = lab["knot"]
    os.kill(knot.process.pid, signal.SIGSTOP)
    try:
        result = run_module("dns_propagation", prop_args(lab, timeout=1, interval=0.5, request_timeout=0.5,
                                                         value=["10 mx1.oldprovider.test",
                                                                "20 mx2.oldprovider.test"], ttl=3600))
    finally:
        os.kill(knot.process.pid, signal.SIGCONT)
    assert not result.get("crashed"), result.stderr
    assert result.failed and not result["converged"]
    rows = {r["address"]: r for r in result["servers"]}
    assert rows["127.0.0.1"]["ok"]
    assert not rows["127.0.0.3"]["ok"] and "timeout" in rows["127.0.0.3"]["error"]


def test_pinned_nameservers_and_absent(run_module, lab):
    result = run_module("dns_propagation", {"zone": "example.test", "record": "nosuchname", "type": "A",
                                            "state": "absent", "timeout": 5, "interval": 0.3, "request_timeout": 1,
                                            "nameservers": ["127.0.0.1:%d" % lab["port"],
                                                            "127.0.0.3:%d" % lab["port"]]})
    assert not result.failed and result["converged"] and result["source"] == "nameservers"
    assert len(result["servers"]) == 2


def test_unreachable_parent_fails_cleanly(run_module, lab):
    from tests.lib.ports import free_port

    result = run_module("dns_propagation", prop_args(lab, parent_servers=["127.0.0.1:%d" % free_port(udp_too=True)],
                                                     timeout=0))
    assert not result.get("crashed"), result.stderr
    assert result.failed and "gave no delegation" in result["msg"]


def test_large_rrset_is_fetched_over_tcp(run_module, lab):
    values = ["chunk-%02d-" % i + "x" * 240 for i in range(8)]  # about 2 KB: over the 1232-byte EDNS payload
    set_result = run_module("dns_record_set", dict(lab["backend"].module_args(), record="big", type="TXT",
                                                   ttl=300, value=values))
    assert set_result.changed and not set_result.failed, set_result
    result = run_module("dns_propagation", prop_args(lab, record="big", type="TXT", value=values))
    assert not result.failed and result["converged"], result
    assert all(len(row["answer"]) == 8 for row in result["servers"])


def test_server_that_is_not_authoritative_is_reported(run_module, lab):
    # The parent server only refers to the zone (no AA): a lame server for example.test.
    result = run_module("dns_propagation", prop_args(lab, nameservers=[lab["parent"]], parent_servers=None,
                                                     timeout=0))
    assert not result.get("crashed"), result.stderr
    assert result.failed and not result["converged"]
    (row,) = result["servers"]
    assert not row["ok"] and "not authoritative" in row["error"]
