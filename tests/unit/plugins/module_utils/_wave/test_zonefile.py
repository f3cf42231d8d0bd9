"""Reading mail RRsets back from a BIND-format zone backup."""
from __future__ import annotations

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._wave.zonefile import ZoneFileError, read_rrsets

ZONE = """$ORIGIN a.test.
$TTL 3600
@ 3600 IN SOA ns1.a.test. admin.a.test. 7 3600 600 86400 60
@ 3600 IN NS ns1.a.test.
@ 1800 IN MX 10 mx1.old.test.
@ 1800 IN MX 20 mx2.old.test.
@ 300 IN TXT "v=spf1 include:old.test ~all"
www 300 IN A 192.0.2.1
_dmarc 300 IN TXT "v=DMARC1; p=none"
dkim._domainkey 300 IN TXT "v=DKIM1; k=rsa; p=AAAA"
"""


def test_mail_records_only(tmp_path):
    path = tmp_path / "a.test.zone"
    path.write_text(ZONE)
    recs = read_rrsets(str(path), "a.test", ["MX", "TXT", "SRV", "CNAME"], ["@", "_dmarc"])
    assert recs[0] == {"record": "@", "type": "MX", "ttl": 1800, "value": ["10 mx1.old.test.", "20 mx2.old.test."]}
    assert {"record": "@", "type": "TXT", "ttl": 300, "value": ["v=spf1 include:old.test ~all"]} in recs
    names = {(x["record"], x["type"]) for x in recs}
    assert names == {("@", "MX"), ("@", "TXT"), ("_dmarc", "TXT"), ("dkim._domainkey", "TXT")}
    assert len(read_rrsets(str(path), "a.test")) == 7


def test_missing_and_broken_files(tmp_path):
    with pytest.raises(ZoneFileError, match="does not exist"):
        read_rrsets(str(tmp_path / "none"), "a.test")
    bad = tmp_path / "bad"
    bad.write_text("@ IN MX not-a-number\n")
    with pytest.raises(ZoneFileError, match="cannot parse"):
        read_rrsets(str(bad), "a.test")
