"""mail_dns_records: exact RRsets for Mailcow, input validation, and the filter through Ansible's templating."""
from __future__ import annotations

import base64
import json
import os
import subprocess
import sys

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.mailwave.migrate.plugins.filter.mail_dns_records import FilterModule, mail_dns_records
from tests.lib.collection import COLLECTIONS_PATH, ensure_collection_link

KEY = base64.b64encode(bytes(range(256)) + bytes(38)).decode()   # 294 bytes, the size of a 2048-bit SPKI
DKIM_TXT = "v=DKIM1;k=rsa;t=s;s=email;p=" + KEY
HOST = "mail.example.net"

SRV_ALL = [
    ("_autodiscover._tcp", "0 1 443 mail.example.net."),
    ("_caldavs._tcp", "0 1 443 mail.example.net."),
    ("_carddavs._tcp", "0 1 443 mail.example.net."),
    ("_imap._tcp", "0 1 143 mail.example.net."),
    ("_imaps._tcp", "0 1 993 mail.example.net."),
    ("_pop3._tcp", "0 1 110 mail.example.net."),
    ("_pop3s._tcp", "0 1 995 mail.example.net."),
    ("_sieve._tcp", "0 1 4190 mail.example.net."),
    ("_smtps._tcp", "0 1 465 mail.example.net."),
    ("_submission._tcp", "0 1 587 mail.example.net."),
    ("_submissions._tcp", "0 1 465 mail.example.net."),
]


def rr(record, rtype, value, ttl=3600):
    return {"record": record, "type": rtype, "ttl": ttl, "value": value}


def test_full_set_exact():
    got = mail_dns_records("Example.ORG", mailcow_host=HOST, dkim_selector="dkim", dkim_public_key=DKIM_TXT,
                           spf="v=spf1 mx a -all", dmarc_policy="quarantine", dmarc_rua="dmarc@example.org",
                           mx_priority=10, autodiscover=True, srv=True, ttl=3600)
    want = [
        rr("example.org.", "MX", ["10 mail.example.net."]),
        rr("example.org.", "TXT", ["v=spf1 mx a -all"]),
        rr("dkim._domainkey.example.org.", "TXT", [DKIM_TXT]),
        rr("_dmarc.example.org.", "TXT", ["v=DMARC1; p=quarantine; rua=mailto:dmarc@example.org"]),
        rr("autodiscover.example.org.", "CNAME", ["mail.example.net."]),
        rr("autoconfig.example.org.", "CNAME", ["mail.example.net."]),
    ]
    for name, value in SRV_ALL:
        want.append(rr(name + ".example.org.", "SRV", [value]))
        if name in ("_caldavs._tcp", "_carddavs._tcp"):
            want.append(rr(name + ".example.org.", "TXT", ["path=/SOGo/dav/"]))
    assert got == want
    assert len(DKIM_TXT) > 255  # one logical string: the DNS layer splits it


def test_minimal_relative_to_zone_with_mailcow_dkim_answer():
    dkim = {"dkim_selector": "s2026", "dkim_txt": DKIM_TXT, "length": "2048", "privkey": "", "pubkey": KEY}
    got = mail_dns_records("example.org", mailcow_host="mail.example.org", zone="example.org", dkim=dkim,
                           srv=["autodiscover", "submission"], dmarc="v=DMARC1; p=none", ttl=300, mx_priority=5)
    assert got == [
        rr("@", "MX", ["5 mail.example.org."], 300),
        rr("@", "TXT", ["v=spf1 mx a -all"], 300),
        rr("s2026._domainkey", "TXT", [DKIM_TXT], 300),
        rr("_dmarc", "TXT", ["v=DMARC1; p=none"], 300),
        rr("autodiscover", "CNAME", ["mail.example.org."], 300),
        rr("autoconfig", "CNAME", ["mail.example.org."], 300),
        rr("_autodiscover._tcp", "SRV", ["0 1 443 mail.example.org."], 300),
        rr("_submission._tcp", "SRV", ["0 1 587 mail.example.org."], 300),
    ]


def test_mailcow_dkim_module_result():
    """The dkim result of mailwave.migrate.mailcow_dkim, and its check-mode prediction (no key yet)."""
    result = {"domain": "example.org", "selector": "mc1", "length": "2048", "public_key": KEY,
              "txt_name": "mc1._domainkey.example.org", "txt_value": DKIM_TXT}
    got = mail_dns_records("example.org", mailcow_host=HOST, dkim=result, srv=False, autodiscover=False)
    assert got[2] == rr("mc1._domainkey.example.org.", "TXT", [DKIM_TXT])
    predicted = dict(result, public_key=None, txt_value=None)
    got = mail_dns_records("example.org", mailcow_host=HOST, dkim=predicted, srv=False, autodiscover=False)
    assert [r["type"] for r in got] == ["MX", "TXT"]


def test_bare_public_key_gets_mailcow_tags():
    got = mail_dns_records("example.org", mailcow_host=HOST, dkim_public_key=KEY, srv=False, autodiscover=False)
    assert got[2] == rr("dkim._domainkey.example.org.", "TXT", [DKIM_TXT])


def test_spf_merges_existing_includes_and_keeps_other_txt():
    existing = ['"google-site-verification=abc"', '"v=spf1 include:mx.ovh.com include:_spf.google.com ~all"']
    got = mail_dns_records("example.org", mailcow_host=HOST, spf="v=spf1 mx a -all", existing_txt=existing,
                           spf_include=["spf.partner.example", "mx.ovh.com"], srv=False, autodiscover=False)
    assert got[1] == rr("example.org.", "TXT", [
        '"google-site-verification=abc"',
        "v=spf1 mx a include:mx.ovh.com include:_spf.google.com include:spf.partner.example -all"])
    no_merge = mail_dns_records("example.org", mailcow_host=HOST, existing_txt=existing, spf_keep_includes=False,
                                srv=False, autodiscover=False)
    assert no_merge[1]["value"] == ['"google-site-verification=abc"', "v=spf1 mx a -all"]


def test_split_existing_spf_is_joined_before_merge():
    got = mail_dns_records("example.org", mailcow_host=HOST, existing_txt=['"v=spf1 include:a.example" " -all"'],
                           srv=False, autodiscover=False)
    assert got[1]["value"] == ["v=spf1 mx a include:a.example -all"]


def test_no_spf_no_dmarc_no_dkim():
    got = mail_dns_records("example.org", mailcow_host=HOST, spf="", dkim={}, srv=False, autodiscover=False)
    assert got == [rr("example.org.", "MX", ["10 mail.example.net."])]


def test_ports_not_provided_mta_sts_tlsrpt_tlsa():
    digest = "ab" * 32
    got = mail_dns_records("example.net", mailcow_host="mail.example.net", srv=["imaps", "pop3", "pop3s"],
                           srv_ports={"imaps": 10993}, srv_not_provided=["pop3", "pop3s"], spf="",
                           autodiscover=False, mta_sts_id="20261122", tlsrpt_rua=["mailto:tls@example.net"],
                           tlsa=["3 1 1 " + digest.upper()], ttl=600)
    assert got[1:] == [
        rr("_imaps._tcp.example.net.", "SRV", ["0 1 10993 mail.example.net."], 600),
        rr("_pop3._tcp.example.net.", "SRV", ["0 0 0 ."], 600),
        rr("_pop3s._tcp.example.net.", "SRV", ["0 0 0 ."], 600),
        rr("mta-sts.example.net.", "CNAME", ["mail.example.net."], 600),
        rr("_mta-sts.example.net.", "TXT", ["v=STSv1; id=20261122"], 600),
        rr("_smtp._tls.example.net.", "TXT", ["v=TLSRPTv1; rua=mailto:tls@example.net"], 600),
        rr("_25._tcp.mail.example.net.", "TLSA", ["3 1 1 " + digest], 600),
    ]


@pytest.mark.parametrize("kwargs, message", [
    ({"mailcow_host": None}, "mailcow_host must be a host name"),
    ({"mailcow_host": "mail"}, "not a valid fully qualified host name"),
    ({"mailcow_host": "bad host.example"}, "not a valid fully qualified host name"),
    ({"ttl": -1}, "ttl must be between 0 and 2147483647"),
    ({"ttl": "soon"}, "ttl must be an integer"),
    ({"mx_priority": 70000}, "mx_priority must be between 0 and 65535"),
    ({"spf": "mx -all"}, "spf must be an SPF record starting with 'v=spf1'"),
    ({"dmarc_policy": "block"}, "dmarc_policy must be one of none, quarantine, reject"),
    ({"dmarc_rua": "x@example.org"}, "dmarc_rua needs dmarc_policy"),
    ({"dmarc_policy": "none", "dmarc_rua": "not-an-address"}, "is not an e-mail address"),
    ({"dmarc": "v=DMARC1; p=none", "dmarc_policy": "none"}, "either dmarc"),
    ({"dkim_public_key": "v=DKIM1;k=rsa;p=@@@"}, "not valid base64"),
    ({"dkim": {"dkim_selector": "dkim"}}, "dkim has no key (dkim_txt, txt_value, pubkey or public_key)"),
    ({"dkim": "v=DKIM1;p=x"}, "dkim must be a dict"),
    ({"dkim_public_key": KEY, "dkim_selector": "bad selector"}, "dkim_selector 'bad selector'"),
    ({"srv": ["imaps", "gopher"]}, "unknown service(s) gopher"),
    ({"srv_ports": {"imaps": 0}}, "srv_ports.imaps must be between 1 and 65535"),
    ({"tlsa": "3 1 1 abcd"}, "needs a 64-digit hex digest"),
    ({"tlsa": "3 1 1 zz"}, "must be '<usage> <selector> <matching type> <hex data>'"),
    ({"zone": "other.test"}, "the domain example.org is not inside zone other.test"),
    ({"mta_sts_id": "has space"}, "mta_sts_id must be 1 to 32 letters or digits"),
])
def test_bad_input(kwargs, message):
    args = {"mailcow_host": HOST}
    args.update(kwargs)
    with pytest.raises(AnsibleFilterError) as err:
        mail_dns_records("example.org", **args)
    assert message in str(err.value)
    assert str(err.value).startswith("mail_dns_records: ")


def test_bad_domain():
    with pytest.raises(AnsibleFilterError, match="the domain"):
        mail_dns_records("not a domain", mailcow_host=HOST)


def test_tlsa_host_outside_zone():
    with pytest.raises(AnsibleFilterError, match="_25._tcp.mail.example.net is not inside zone example.org"):
        mail_dns_records("example.org", mailcow_host=HOST, zone="example.org", tlsa=["3 1 1 " + "ab" * 32])


def test_registered():
    assert FilterModule().filters()["mail_dns_records"] is mail_dns_records


@pytest.mark.slow
def test_through_ansible_templating(tmp_path):
    """The FQCN resolves and the result is the same list when Ansible templates it."""
    ensure_collection_link()
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS_PATH), ANSIBLE_LOCALHOST_WARNING="false",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="false", ANSIBLE_HOME=str(tmp_path))
    out = tmp_path / "out.json"
    playbook = tmp_path / "p.yml"
    playbook.write_text(
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n"
        "    - ansible.builtin.copy:\n"
        "        dest: %s\n"
        "        mode: '0600'\n"
        "        content: \"{{ 'example.org' | mailwave.migrate.mail_dns_records(mailcow_host='mail.example.net',"
        " srv=['imaps'], dmarc_policy='reject') | to_json }}\"\n" % out)
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,",
                           "-c", "local", "-e", "ansible_python_interpreter=" + sys.executable, str(playbook)],
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert json.loads(out.read_text()) == mail_dns_records("example.org", mailcow_host="mail.example.net",
                                                           srv=["imaps"], dmarc_policy="reject")
