"""pytest fixtures for the DNS API emulators (OVH, Gandi LiveDNS, Cloudflare) and their behaviour-suite backends.

* `ovh_api`, `gandi_api`, `cloudflare_api`: the emulator servers, session-scoped (one thread each per
  test process, stopped at the end even on failure).
* `ovh_emulator`, `gandi_emulator`, `cloudflare_emulator`: the same, with the zone example.test seeded
  from the behaviour suite's PRISTINE_ZONE and the request log emptied, for one test.
* `dns_backend_ovh`, `dns_backend_gandi`, `dns_backend_cloudflare`: the DNSBackend objects that
  tests/servers/dns_fixtures.py adds to the `dns_backend` parametrisation (names in DNS_BACKENDS).
"""
from __future__ import annotations

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._dns.records import (
    RRset,
    relative_name,
    zone_from_text,
)
from tests.servers.dns_api.cloudflare import CloudflareEmulator
from tests.servers.dns_api.gandi import GandiEmulator
from tests.servers.dns_api.ovh import OvhEmulator

DNS_BACKENDS = ["ovh", "gandi", "cloudflare"]

ZONE = "example.test."


def pristine_zone_text() -> str:
    from tests.servers.bind import PRISTINE_ZONE
    return PRISTINE_ZONE


def zone_seed(text: str, zone: str = ZONE) -> list[dict]:
    """A zone file -> emulator seed [{name (relative), type, ttl, values}], SOA left out (providers own it)."""
    seed = []
    for rrset in zone_from_text(text, zone).rrsets:
        if rrset.type == "SOA":
            continue
        seed.append({"name": relative_name(rrset.name, zone), "type": rrset.type, "ttl": rrset.ttl,
                     "values": list(rrset.values)})
    return seed


def _to_rrsets(raw):
    return {key: RRset.from_values(key[0], key[1], ttl, values) for key, (ttl, values) in raw.items()}


def _start(emulator):
    emulator.start()
    return emulator


@pytest.fixture(scope="session")
def ovh_api():
    emulator = _start(OvhEmulator())
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture(scope="session")
def gandi_api():
    emulator = _start(GandiEmulator())
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture(scope="session")
def cloudflare_api():
    emulator = _start(CloudflareEmulator())
    try:
        yield emulator
    finally:
        emulator.stop()


def _reset(emulator, text=None):
    with emulator.lock:
        emulator.zones.clear()
        emulator.fail_next.clear()
        emulator.fail_when.clear()
        emulator.seed(ZONE.rstrip("."), zone_seed(text or pristine_zone_text()))
        emulator.clear_requests()
    return emulator


@pytest.fixture
def ovh_emulator(ovh_api):
    ovh_api.time_skew = 0
    ovh_api.id_zero_once = False
    return _reset(ovh_api)


@pytest.fixture
def gandi_emulator(gandi_api):
    gandi_api.send_total_count = True
    return _reset(gandi_api)


@pytest.fixture
def cloudflare_emulator(cloudflare_api):
    return _reset(cloudflare_api)


class EmulatorBackend:
    """The DNSBackend interface of tests/servers/dns_fixtures.py over one emulator."""

    zone = ZONE
    serial_bumps_on_noop = False

    def __init__(self, name, emulator, args, bad_args):
        self.name = name
        self.emulator = emulator
        self._args = args
        self._bad = bad_args

    def module_args(self):
        return dict(self._args, provider=self.name, zone=self.zone.rstrip("."), request_timeout=5)

    def bad_auth_args(self):
        return dict(self.module_args(), **self._bad)

    def records(self):
        """What the provider's name servers would serve (OVH: the refreshed zone), read from the emulator."""
        return _to_rrsets(self.emulator.rrsets(self.zone.rstrip("."), live=True))

    def serial(self):
        zone = self.zone.rstrip(".")
        if isinstance(self.emulator, CloudflareEmulator):
            return self.emulator.zones[self.emulator.zone_id(zone)]["serial"]
        return self.emulator.zones[zone]["serial"]

    def write_count(self):
        """Write transactions since reset(): HTTP writes (a Cloudflare batch, a Gandi PUT/DELETE are one each);
        for OVH, publications (POST .../refresh), plus one if record writes are staged after the last refresh
        (so a write that was never published still counts)."""
        writes = self.emulator.writes()
        if isinstance(self.emulator, GandiEmulator):
            # LiveDNS has no multi-RRset transaction: one task's change is a run of RRset writes with no
            # read between them; each run counts as one write step.
            steps, in_run = 0, False
            with self.emulator.log_lock:
                log = list(self.emulator.requests)
            for req in log:
                is_write = req.method in ("POST", "PUT", "PATCH", "DELETE")
                steps += 1 if is_write and not in_run else 0
                in_run = is_write
            return steps
        if not isinstance(self.emulator, OvhEmulator):
            return len(writes)
        count, pending = 0, False
        for req in writes:
            if req.path.endswith("/refresh"):
                count, pending = count + 1, False
            else:
                pending = True
        return count + (1 if pending else 0)

    def reset(self):
        _reset(self.emulator)

    def load(self, text):
        """Seed the emulated zone from zone text (SOA aside), as a zone already at the provider."""
        _reset(self.emulator, text)

    def rrset(self, record, rtype):
        name = record if record.endswith(".") else (ZONE if record in ("", "@") else record + "." + ZONE)
        return self.records().get((name.lower(), rtype))


@pytest.fixture
def dns_backend_ovh(ovh_emulator):
    return EmulatorBackend(
        "ovh", ovh_emulator,
        {"endpoint": ovh_emulator.base_url, "application_key": ovh_emulator.application_key,
         "application_secret": ovh_emulator.application_secret, "consumer_key": ovh_emulator.consumer_key},
        {"application_secret": "wrong-secret"})


@pytest.fixture
def dns_backend_gandi(gandi_emulator):
    return EmulatorBackend("gandi", gandi_emulator,
                           {"api_url": gandi_emulator.base_url, "api_token": gandi_emulator.token},
                           {"api_token": "wrong-token"})


@pytest.fixture
def dns_backend_cloudflare(cloudflare_emulator):
    return EmulatorBackend("cloudflare", cloudflare_emulator,
                           {"api_url": cloudflare_emulator.base_url, "api_token": cloudflare_emulator.token},
                           {"api_token": "wrong-token"})
