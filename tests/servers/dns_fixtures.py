"""pytest fixtures for DNS: real BIND, Knot and PowerDNS servers, and the `dns_backend` behaviour-suite fixture.

Servers are session-scoped (started once per test process, stopped at the end even on failure);
each test that uses `dns_backend` gets its zone reset to PRISTINE_ZONE first.

Topology (ports from free ports; the two authoritative servers share one port number on two loopback
addresses, because a delegation cannot carry a port):

* `bind_primary`   BIND on 127.0.0.1:P, primary for example.test (TSIG UPDATE + AXFR, NOTIFY to Knot)
* `knot_secondary` Knot on 127.0.0.3:P, secondary of the BIND primary
* `dns_parent`     BIND on 127.0.0.1:Q serving `test.` with the delegation of example.test to ns1/ns2
* `knot_primary`   Knot on 127.0.0.1:K, primary for example.test (its own copy)
* `powerdns_server` PowerDNS on 127.0.0.1 (DNS + API ports), zone example.test

Behaviour suite: tests take `dns_backend`, parametrised over backend names. The built-in names are
BUILTIN_BACKENDS; other engineers add backends WITHOUT editing this file: a module-level list
`DNS_BACKENDS` in tests/servers/dns_api_fixtures.py names them, and for each name `x` a fixture
`dns_backend_x` (in that file) returns an object with the DNSBackend interface below.
"""
from __future__ import annotations

import importlib

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._dns.records import RRset
from tests.servers.bind import (
    KEY_NAME,
    PRISTINE_ZONE,
    ZONE,
    BindServer,
    axfr,
    free_port_on,
    new_tsig_secret,
    reset_by_update,
    soa_serial,
)
from tests.servers.knot import KnotServer
from tests.servers.powerdns import PowerDNSServer
from tests.lib.ports import free_port

BUILTIN_BACKENDS = ["bind", "knot", "powerdns"]

PARENT_ZONE = """$ORIGIN test.
$TTL 3600
@   IN SOA ns.test. hostmaster.test. ( 1 7200 900 1209600 300 )
@   IN NS  ns.test.
ns  IN A   127.0.0.1
example       IN NS ns1.example.test.
example       IN NS ns2.example.test.
ns1.example   IN A  127.0.0.1
ns2.example   IN A  127.0.0.3
"""


def backend_names():
    names = list(BUILTIN_BACKENDS)
    try:
        extra = importlib.import_module("tests.servers.dns_api_fixtures")
        names += [n for n in getattr(extra, "DNS_BACKENDS", []) if n not in names]
    except ImportError:
        pass
    return names


def pytest_generate_tests(metafunc):
    if "dns_backend" in metafunc.fixturenames:
        metafunc.parametrize("dns_backend", backend_names(), indirect=True)


class DNSBackend:
    """What the behaviour suite needs from a backend (B2's emulator backends implement the same)."""

    name = "base"
    zone = ZONE
    #: an identical write moves the serial (PowerDNS) -- informative
    serial_bumps_on_noop = False

    def module_args(self):
        """provider + connection options + zone, ready for run_module."""
        raise NotImplementedError

    def bad_auth_args(self):
        """module_args() with a wrong credential."""
        raise NotImplementedError

    def records(self):
        """{(absolute name, TYPE): RRset} as the SERVER holds the zone (read without our provider code)."""
        raise NotImplementedError

    def serial(self):
        """SOA serial as served (None if the backend has none)."""
        raise NotImplementedError

    def write_count(self):
        """Writes the server received since the last reset()."""
        raise NotImplementedError

    def reset(self):
        """Back to PRISTINE_ZONE."""
        raise NotImplementedError

    def rrset(self, record, rtype):
        name = record if record.endswith(".") else (ZONE if record in ("", "@") else record + "." + ZONE)
        return self.records().get((name.lower(), rtype))


def _to_rrsets(raw):
    """{(name, type): (ttl, values)} -> {(name, type): RRset}."""
    return {key: RRset.from_values(key[0], key[1], ttl, sorted(values)) for key, (ttl, values) in raw.items()}


class _Rfc2136Backend(DNSBackend):
    def __init__(self, name, server, address, port, secret, count):
        self.name = name
        self.server = server
        self.address = address
        self.port = port
        self.secret = secret
        self._count = count
        self._base = 0

    def module_args(self):
        return {"provider": "rfc2136", "zone": self.zone.rstrip("."), "server": self.address, "port": self.port,
                "key_name": KEY_NAME, "key_secret": self.secret, "key_algorithm": "hmac-sha256",
                "request_timeout": 5}

    def bad_auth_args(self):
        args = self.module_args()
        args["key_secret"] = new_tsig_secret()
        return args

    def records(self):
        return _to_rrsets(axfr(self.address, self.port, self.zone, self.secret))

    def serial(self):
        return soa_serial(self.address, self.port, self.zone)

    def write_count(self):
        return self._count() - self._base

    def reset(self):
        reset_by_update(self.address, self.port, self.zone, self.secret, PRISTINE_ZONE)
        self._base = self._count()


class _PowerDNSBackend(DNSBackend):
    name = "powerdns"
    serial_bumps_on_noop = True

    def __init__(self, server):
        self.server = server
        self._base = 0

    def module_args(self):
        return {"provider": "powerdns", "zone": self.zone.rstrip("."), "api_url": self.server.api_url,
                "api_key": self.server.api_key, "request_timeout": 5}

    def bad_auth_args(self):
        args = self.module_args()
        args["api_key"] = "wrong-" + self.server.api_key
        return args

    def records(self):
        return _to_rrsets(self.server.zone_records(self.zone))

    def serial(self):
        return self.server.serial(self.zone)

    def write_count(self):
        # soa_edit_api INCREASE: every PATCH moves the serial by one, even an identical one.
        return self.serial() - self._base

    def reset(self):
        self.server.create_zone(self.zone, PRISTINE_ZONE)
        self._base = self.serial()


@pytest.fixture(scope="session")
def dns_tsig_secret():
    return new_tsig_secret()


@pytest.fixture(scope="session")
def dns_lab_port():
    """One port number free on 127.0.0.1 and 127.0.0.3 (BIND primary and Knot secondary)."""
    return free_port_on(("127.0.0.1", "127.0.0.3"))


@pytest.fixture(scope="session")
def bind_primary(tmp_path_factory, dns_tsig_secret, dns_lab_port):
    server = BindServer(tmp_path_factory.mktemp("bind-primary"), "127.0.0.1", dns_lab_port, dns_tsig_secret,
                        {ZONE: (PRISTINE_ZONE, "primary")}, also_notify=[("127.0.0.3", dns_lab_port)])
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def knot_secondary(tmp_path_factory, bind_primary, dns_tsig_secret, dns_lab_port):
    server = KnotServer(tmp_path_factory.mktemp("knot-secondary"), "127.0.0.3", dns_lab_port, dns_tsig_secret,
                        ZONE, primary=("127.0.0.1", dns_lab_port))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def dns_parent(tmp_path_factory, dns_tsig_secret):
    """BIND serving the parent zone `test.` (delegates example.test to 127.0.0.1 and 127.0.0.3)."""
    port = free_port(udp_too=True)
    server = BindServer(tmp_path_factory.mktemp("bind-parent"), "127.0.0.1", port, dns_tsig_secret,
                        {"test.": (PARENT_ZONE, "static")})
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def knot_primary(tmp_path_factory, dns_tsig_secret):
    port = free_port(udp_too=True)
    server = KnotServer(tmp_path_factory.mktemp("knot-primary"), "127.0.0.1", port, dns_tsig_secret, ZONE,
                        zone_text=PRISTINE_ZONE)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def powerdns_server(tmp_path_factory, dns_tsig_secret):
    server = PowerDNSServer(tmp_path_factory.mktemp("powerdns"), free_port(udp_too=True), free_port(),
                            dns_tsig_secret)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def bind_backend(bind_primary):
    backend = _Rfc2136Backend("bind", bind_primary, bind_primary.address, bind_primary.port, bind_primary.secret,
                              bind_primary.update_count)
    backend.reset()
    return backend


@pytest.fixture
def knot_backend(knot_primary):
    backend = _Rfc2136Backend("knot", knot_primary, knot_primary.address, knot_primary.port, knot_primary.secret,
                              knot_primary.update_count)
    backend.reset()
    return backend


@pytest.fixture
def powerdns_backend(powerdns_server):
    backend = _PowerDNSBackend(powerdns_server)
    backend.reset()
    return backend


@pytest.fixture
def dns_backend(request):
    """A backend with its zone reset to PRISTINE_ZONE; see the module docstring."""
    name = request.param
    if name in BUILTIN_BACKENDS:
        return request.getfixturevalue("%s_backend" % name)
    return request.getfixturevalue("dns_backend_%s" % name)
