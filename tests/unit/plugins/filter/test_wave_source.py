"""source_endpoint: the presets reach the Mailcow sync-job path (defect 5: OVH is STARTTLS on 143)."""
from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.mailwave.migrate.plugins.filter.wave_source import source_endpoint


@pytest.mark.parametrize("source, expected", [
    ({"provider": "ovh"}, ("ssl0.ovh.net", 143, "starttls", "tls")),
    ({"provider": "ovh", "host": "imap.example.org"}, ("imap.example.org", 143, "starttls", "tls")),
    ({"provider": "ovh", "security": "tls"}, ("ssl0.ovh.net", 993, "tls", "ssl")),
    ({"host": "imap.example.net"}, ("imap.example.net", 993, "tls", "ssl")),
    ({"host": "imap.example.net", "security": "starttls"}, ("imap.example.net", 143, "starttls", "tls")),
    ({"host": "127.0.0.1", "port": 10143, "security": "plain"}, ("127.0.0.1", 10143, "plain", "plain")),
])
def test_source_endpoint(source, expected):
    got = source_endpoint(source)
    assert (got["host"], got["port"], got["security"], got["mailcow_encryption"]) == expected


def test_bad_sources():
    with pytest.raises(AnsibleFilterError, match="unknown provider"):
        source_endpoint({"provider": "nope"})
    with pytest.raises(AnsibleFilterError, match="no host"):
        source_endpoint({})
    with pytest.raises(AnsibleFilterError, match="use tls, starttls or plain"):
        source_endpoint({"host": "x.example", "security": "ssl"})
