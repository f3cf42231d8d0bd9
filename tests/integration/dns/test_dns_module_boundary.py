"""The module boundary with real servers: credentials from the environment, unreachable servers, secrets
kept out of results."""
from __future__ import annotations

from tests.lib.ports import free_port


def test_tsig_secret_from_environment(bind_backend, run_module):
    args = bind_backend.module_args()
    secret = args.pop("key_secret")
    params = dict(args, record="@", type="MX", ttl=300, value=["10 mail.new.test"])
    result = run_module("dns_record_set", params, env={"MAILWAVE_DNS_KEY_SECRET": secret})
    assert result.changed and not result.failed, result
    assert secret not in result.stdout and secret not in result.stderr
    assert bind_backend.rrset("@", "MX").values == ("10 mail.new.test.",)
    # Without it, key_name alone is refused before anything is sent.
    lonely = run_module("dns_record_set", params, env={"MAILWAVE_DNS_KEY_SECRET": ""})
    assert lonely.failed and "key_name" in lonely["msg"] and not lonely.get("crashed")
    assert bind_backend.write_count() == 1


def test_powerdns_url_and_key_from_environment(powerdns_backend, run_module):
    args = powerdns_backend.module_args()
    env = {"PDNS_API_URL": args.pop("api_url"), "PDNS_API_KEY": args.pop("api_key")}
    result = run_module("dns_zone_backup", dict(args, dest="/nonexistent-never-written"), check_mode=True, env=env)
    assert not result.failed and result.changed, result
    assert result["serial"] == powerdns_backend.serial()
    assert env["PDNS_API_KEY"] not in result.stdout
    missing = run_module("dns_zone_backup", dict(args, dest="/x"), env={"PDNS_API_URL": "", "PDNS_API_KEY": "k"})
    assert missing.failed and "api_url" in missing["msg"] and not missing.get("crashed")


def test_unreachable_servers_fail_cleanly(run_module):
    port = free_port(udp_too=True)
    dns = run_module("dns_record_set", {"provider": "rfc2136", "zone": "example.test", "server": "127.0.0.1",
                                        "port": port, "record": "@", "type": "MX", "value": ["10 a.test"],
                                        "request_timeout": 1})
    assert dns.failed and not dns.get("crashed") and dns["error"] == "DNSConnectionError"
    assert "127.0.0.1 port %d" % port in dns["msg"]
    api = run_module("dns_zone_backup", {"provider": "powerdns", "zone": "example.test", "dest": "/x",
                                         "api_url": "http://127.0.0.1:%d" % free_port(), "api_key": "k",
                                         "request_timeout": 1})
    assert api.failed and not api.get("crashed") and api["error"] == "DNSConnectionError"
    assert "cannot reach the PowerDNS API" in api["msg"]
