"""The powerdns provider's answers to what a real server can say but the suite's PowerDNS 4.7 does not."""
from __future__ import annotations

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._dns import powerdns
from ansible_collections.mailwave.migrate.plugins.module_utils._dns.provider import DNSError, DNSZoneNotFound
from tests.servers.dns_api.base import ApiEmulator, Response


class OldPowerDNS(ApiEmulator):
    """Older PowerDNS servers answer an unknown zone with 422 {"error": "Could not find domain '<zone>'"} (newer
    ones 404): the shape octoDNS's octodns-powerdns provider handles in populate()/_apply() (its
    check_status_not_found switch), and PowerDNS's API spec error body {"error": ...}."""

    def __init__(self, status=422, error="Could not find domain 'nowhere.test.'"):
        super().__init__()
        self.status, self.error = status, error

    def handle(self, request):
        return Response(self.status, {"error": self.error})


@pytest.mark.parametrize("status, error, cls", [
    (422, "Could not find domain 'nowhere.test.'", DNSZoneNotFound),
    (404, "Not Found", DNSZoneNotFound),
    (422, "RRset x.nowhere.test. IN A: Conflicts with pre-existing RRset", DNSError),
])
def test_zone_not_found_answers(status, error, cls):
    with OldPowerDNS(status, error) as server:
        url = "http://127.0.0.1:%d" % server.port
        provider = powerdns.Provider("nowhere.test", {"api_url": url, "api_key": "k"})
        with pytest.raises(cls) as err:
            provider.read_zone()
        provider.close()
    assert isinstance(err.value, DNSZoneNotFound) == (cls is DNSZoneNotFound)
