"""The DNS modules on the emulated cloud providers (OVH, Gandi LiveDNS, Cloudflare), run as Ansible runs them:
the exact requests each provider receives (OVH signatures and the one refresh after writes, one Cloudflare batch,
one Gandi zone PUT), no write on a re-run or in check mode, credentials from the environment, clean failures."""
from __future__ import annotations

import os

import pytest

from ansible_collections.mailwave.migrate.plugins.filter.mail_dns_records import mail_dns_records
from ansible_collections.mailwave.migrate.plugins.module_utils._dns.ovh import signature
from ansible_collections.mailwave.migrate.plugins.module_utils._dns.records import RRset
from tests.lib.ports import free_port

APEX = "example.test."
KEY = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" + "q83vEjWb" * 40
MAIL_SETS = mail_dns_records("example.test", mailcow_host="mail.example.net", zone="example.test",
                             dkim={"dkim_selector": "dkim", "dkim_txt": "v=DKIM1;k=rsa;t=s;s=email;p=" + KEY},
                             dmarc_policy="quarantine", dmarc_rua=["dmarc@example.test"],
                             srv=["autodiscover", "imaps", "submission"], ttl=3600)


def ovh_args(emu, **extra):
    args = {"provider": "ovh", "zone": "example.test", "endpoint": emu.base_url,
            "application_key": emu.application_key, "application_secret": emu.application_secret,
            "consumer_key": emu.consumer_key}
    args.update(extra)
    return args


def token_args(provider, emu, **extra):
    args = {"provider": provider, "zone": "example.test", "api_url": emu.base_url, "api_token": emu.token}
    args.update(extra)
    return args


def no_secret(result, *secrets):
    assert not result.get("crashed"), result.stderr or result
    for secret in secrets:
        assert secret not in result.stdout and secret not in result.stderr


def test_ovh_mx_switch_signed_then_one_refresh_then_nothing(ovh_emulator, run_module):
    args = ovh_args(ovh_emulator, record="@", type="MX", ttl=300, value=["10 mail.example.net"])
    first = run_module("dns_record_set", args, diff=True)
    no_secret(first, "emu-as", "emu-ck")
    assert first.changed and not first.failed, first
    writes = ovh_emulator.writes()
    assert [(w.method, w.path.rsplit("/", 1)[-1] if w.method == "DELETE" else w.path) for w in writes][0] == \
        ("POST", "/1.0/domain/zone/example.test/record")
    assert writes[0].json == {"fieldType": "MX", "subDomain": "", "target": "10 mail.example.net.", "ttl": 300}
    assert [w.method for w in writes[1:3]] == ["DELETE", "DELETE"]
    assert (writes[-1].method, writes[-1].path) == ("POST", "/1.0/domain/zone/example.test/refresh")
    assert len(writes) == 4
    # every request (but /auth/time) carries a valid signature; the secret itself never travels
    for req in ovh_emulator.requests:
        assert b"emu-as" not in req.body and all("emu-as" not in v for v in req.headers.values())
        if req.path != "/1.0/auth/time":
            url = "http://127.0.0.1:%d%s" % (ovh_emulator.port, req.raw_path)
            assert req.headers["x-ovh-signature"] == signature("emu-as", "emu-ck", req.method, url,
                                                               req.body.decode(), req.headers["x-ovh-timestamp"])
    assert ovh_emulator.rrsets("example.test")[(APEX, "MX")] == (300, ["10 mail.example.net."])
    ovh_emulator.clear_requests()
    second = run_module("dns_record_set", args)
    assert not second.changed and not second.failed, second
    assert ovh_emulator.writes() == [] and ovh_emulator.requests  # it did read


def test_ovh_check_mode_writes_nothing(ovh_emulator, run_module):
    before = ovh_emulator.rrsets("example.test", live=False)
    result = run_module("dns_record_sets", ovh_args(ovh_emulator, record_sets=MAIL_SETS), check_mode=True)
    no_secret(result, "emu-as")
    assert result.changed and not result.failed, result
    assert ovh_emulator.writes() == []
    assert ovh_emulator.rrsets("example.test", live=False) == before


def test_ovh_mail_set_published_by_one_refresh(ovh_emulator, run_module):
    result = run_module("dns_record_sets", ovh_args(ovh_emulator, record_sets=MAIL_SETS))
    no_secret(result, "emu-as")
    assert result.changed and not result.failed, result
    assert len(ovh_emulator.refreshes("example.test")) == 1
    assert ovh_emulator.writes()[-1].path.endswith("/refresh")
    live = ovh_emulator.rrsets("example.test")
    dkim = RRset.from_values("dkim._domainkey.example.test.", "TXT", 3600, [MAIL_SETS[2]["value"][0]])
    ttl, values = live[("dkim._domainkey.example.test.", "TXT")]
    assert RRset.from_values("dkim._domainkey.example.test.", "TXT", ttl, values) == dkim
    assert live[("_imaps._tcp.example.test.", "SRV")] == (3600, ["0 1 993 mail.example.net."])
    ovh_emulator.clear_requests()
    again = run_module("dns_record_sets", ovh_args(ovh_emulator, record_sets=MAIL_SETS))
    assert not again.changed and ovh_emulator.writes() == []


def test_ovh_credentials_from_environment(ovh_emulator, run_module):
    env = {"OVH_APPLICATION_KEY": "emu-ak", "OVH_APPLICATION_SECRET": "emu-as", "OVH_CONSUMER_KEY": "emu-ck",
           "OVH_ENDPOINT": ovh_emulator.base_url}
    result = run_module("dns_record_set", {"provider": "ovh", "zone": "example.test", "record": "www", "type": "A",
                                           "value": ["192.0.2.10"]}, env=env)
    no_secret(result, "emu-as", "emu-ck")
    assert not result.failed and not result.changed, result


def test_ovh_bad_signature_is_a_clean_failure(ovh_emulator, run_module):
    result = run_module("dns_record_set", ovh_args(ovh_emulator, application_secret="wrong-secret-42",
                                                   record="@", type="MX", value=["10 mail.example.net"]))
    no_secret(result, "wrong-secret-42", "emu-ck")
    assert result.failed and "INVALID_SIGNATURE" in result["msg"] and "application_secret" in result["msg"]
    assert ovh_emulator.writes() == []


def test_cloudflare_mail_set_is_one_batch(cloudflare_emulator, run_module):
    result = run_module("dns_record_sets", token_args("cloudflare", cloudflare_emulator, record_sets=MAIL_SETS),
                        diff=True)
    no_secret(result, "emu-cf-token")
    assert result.changed and not result.failed, result
    writes = cloudflare_emulator.writes()
    assert [w.path.rsplit("/", 1)[-1] for w in writes] == ["batch"]
    body = writes[0].json
    # The old SPF, DMARC and autodiscover CNAME and one of the two old MX get their new value in place
    # (PATCH on their id, so comments and tags stay); only the second old MX is deleted.
    assert len(body["deletes"]) == 1 and len(body["patches"]) == 4
    assert {"type": "SRV", "name": "_imaps._tcp.example.test", "ttl": 3600,
            "data": {"priority": 0, "weight": 1, "port": 993, "target": "mail.example.net"}} in body["posts"]
    assert {"type": "MX", "name": "example.test", "ttl": 3600, "priority": 10,
            "content": "mail.example.net"} in [{k: v for k, v in p.items() if k != "id"} for p in body["patches"]]
    state = cloudflare_emulator.rrsets("example.test")
    assert state[("autoconfig.example.test.", "CNAME")] == (3600, ["mail.example.net."])
    cloudflare_emulator.clear_requests()
    again = run_module("dns_record_sets", token_args("cloudflare", cloudflare_emulator, record_sets=MAIL_SETS))
    assert not again.changed and cloudflare_emulator.writes() == []


def test_cloudflare_token_from_environment_and_wrong_token(cloudflare_emulator, run_module):
    args = token_args("cloudflare", cloudflare_emulator, record="www", type="A", value=["192.0.2.10"])
    del args["api_token"]
    ok = run_module("dns_record_set", args, env={"CLOUDFLARE_API_TOKEN": "emu-cf-token"})
    no_secret(ok, "emu-cf-token")
    assert not ok.failed and not ok.changed, ok
    bad = run_module("dns_record_set", dict(args, api_token="not-the-token-9"))
    no_secret(bad, "not-the-token-9")
    assert bad.failed and "Cloudflare refused the API token" in bad["msg"]


def test_gandi_mail_set_sends_only_the_named_rrsets(gandi_emulator, run_module):
    result = run_module("dns_record_sets", token_args("gandi", gandi_emulator, record_sets=MAIL_SETS))
    no_secret(result, "emu-gandi-pat")
    assert result.changed and not result.failed, result
    writes = gandi_emulator.writes()
    assert writes and all(w.method in ("PUT", "DELETE") for w in writes)
    assert "/v5/livedns/domains/example.test/records" not in [w.path for w in writes]   # never the whole zone
    sent = {w.path.rsplit("/records/", 1)[1] for w in writes}
    wanted = {"%s/%s" % (s.get("record") or "@", s["type"]) for s in MAIL_SETS}
    assert sent <= wanted, sent - wanted
    mx = next(w for w in writes if w.path.endswith("/@/MX"))
    assert mx.json["rrset_values"] == ["10 mail.example.net."]
    assert gandi_emulator.rrsets("example.test")[("www.example.test.", "A")][1] == ["192.0.2.10"]
    gandi_emulator.clear_requests()
    again = run_module("dns_record_sets", token_args("gandi", gandi_emulator, record_sets=MAIL_SETS))
    assert not again.changed and gandi_emulator.writes() == []


def test_gandi_unknown_zone_and_env_token(gandi_emulator, run_module):
    args = {"provider": "gandi", "zone": "nowhere.test", "api_url": gandi_emulator.base_url, "record": "@",
            "type": "MX", "value": ["10 mail.example.net"]}
    result = run_module("dns_record_set", args, env={"GANDI_API_TOKEN": "emu-gandi-pat"})
    no_secret(result, "emu-gandi-pat")
    assert result.failed and "no domain nowhere.test" in result["msg"]


@pytest.mark.parametrize("provider", ["gandi", "cloudflare"])
def test_unreachable_api(provider, run_module):
    port = free_port()
    result = run_module("dns_record_set", {"provider": provider, "zone": "example.test",
                                           "api_url": "http://127.0.0.1:%d/api" % port, "api_token": "t0k3n-x",
                                           "record": "www", "type": "A", "value": ["192.0.2.1"],
                                           "request_timeout": 2})
    no_secret(result, "t0k3n-x")
    assert result.failed and "cannot reach 127.0.0.1:%d" % port in result["msg"]


@pytest.mark.parametrize("name", ["ovh", "gandi", "cloudflare"])
def test_backup_is_written_once(name, request, run_module, tmp_path):
    backend = request.getfixturevalue("dns_backend_%s" % name)
    args = dict(backend.module_args(), dest=str(tmp_path / "backups"))
    first = run_module("dns_zone_backup", args)
    no_secret(first, "emu-as", "emu-gandi-pat", "emu-cf-token")
    assert first.changed and not first.failed, first
    assert oct(os.stat(first["path"]).st_mode & 0o777) == "0o600"
    text = open(first["path"], encoding="utf-8").read()
    assert "mx1.oldprovider.test." in text
    second = run_module("dns_zone_backup", args)
    assert not second.changed and second["path"] == first["path"]
    assert backend.write_count() == 0


@pytest.mark.slow
def test_through_ansible_playbook_with_module_defaults(ovh_emulator, tmp_path):
    """A real ansible-playbook run: AnsiballZ packages the provider, the credentials come once from
    module_defaults on the action group, the second task changes nothing, no secret in the output."""
    import subprocess
    import sys

    from tests.lib.collection import COLLECTIONS_PATH, ensure_collection_link

    ensure_collection_link()
    playbook = tmp_path / "dns.yml"
    playbook.write_text("""
- hosts: localhost
  gather_facts: false
  module_defaults:
    group/mailwave.migrate.dns:
      provider: ovh
      zone: example.test
      endpoint: "%s"
      application_key: emu-ak
      application_secret: emu-as
      consumer_key: emu-ck
  tasks:
    - name: Switch the MX
      mailwave.migrate.dns_record_set:
        record: "@"
        type: MX
        ttl: 300
        value: ["10 mail.example.net"]
      register: first
    - name: Again
      mailwave.migrate.dns_record_set:
        record: "@"
        type: MX
        ttl: 300
        value: ["10 mail.example.net."]
      register: second
    - name: Both results
      ansible.builtin.assert:
        that:
          - first is changed
          - second is not changed
""" % ovh_emulator.base_url)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS_PATH), ANSIBLE_HOME=str(tmp_path),
               ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false")
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-v", "-i",
                           "localhost,", "-c", "local", "-e", "ansible_python_interpreter=" + sys.executable,
                           str(playbook)], capture_output=True, text=True, env=env, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "emu-as" not in proc.stdout and "emu-ck" not in proc.stdout
    assert ovh_emulator.rrsets("example.test")[(APEX, "MX")] == (300, ["10 mail.example.net."])
    assert len(ovh_emulator.refreshes("example.test")) == 1


def test_cloudflare_rate_limit_wait_is_reported_in_the_result(cloudflare_emulator, run_module):
    """Issue 8 #6, the way users run it: a 429 with Retry-After is waited and the wait is in the task's result."""
    from tests.servers.dns_api.cloudflare import rate_limited
    cloudflare_emulator.fail_next.append(rate_limited(1))
    result = run_module("dns_record_set", token_args("cloudflare", cloudflare_emulator, record="www", type="A",
                                                     value=["192.0.2.10"]))
    assert not result.failed and not result.changed, result
    assert result["api_waits"] == [{"method": "GET", "path": "/client/v4/zones", "status": 429, "seconds": 1.0}]
    cloudflare_emulator.fail_next.append(rate_limited(300))
    capped = run_module("dns_record_set", token_args("cloudflare", cloudflare_emulator, record="www", type="A",
                                                     value=["192.0.2.10"], max_retry_wait=5))
    assert capped.failed and "Retry-After 300 s, more than max_retry_wait=5 s" in capped["msg"]


@pytest.mark.parametrize("name", ["ovh", "gandi"])
def test_failed_dkim_write_rolls_back_the_mx_run_as_ansible_runs_it(name, request, run_module):
    """Issue 8 #4 as reported: the MX is written, the DKIM write fails; the task fails saying the MX was put back,
    nothing of the change is served, and OVH gets no refresh."""
    from tests.servers.dns_api.base import Response
    emu = request.getfixturevalue("%s_emulator" % name)
    before = emu.rrsets("example.test")
    is_dkim = (lambda r: r.method == "POST" and (r.json or {}).get("subDomain") == "dkim._domainkey") if name == "ovh" \
        else (lambda r: r.method == "PUT" and "/dkim._domainkey/" in r.path)
    emu.fail_when.append((is_dkim, Response(400, {"message": "refused by the test", "code": 400})))
    sets = [{"record": "@", "type": "MX", "value": ["10 mail.example.net"]},
            {"record": "dkim._domainkey", "type": "TXT", "value": ["v=DKIM1; k=rsa; p=" + "Q" * 300]}]
    args = ovh_args(emu, record_sets=sets) if name == "ovh" else token_args(name, emu, record_sets=sets)
    result = run_module("dns_record_sets", args)
    assert result.failed and "refused by the test" in result["msg"], result
    assert "Rolled back: example.test. MX" in result["msg"] and result["atomic"] is False
    assert emu.rrsets("example.test") == before
    if name == "ovh":
        assert not emu.refreshes("example.test") and "No refresh was sent" in result["msg"]
        assert emu.rrsets("example.test", live=False) == before
