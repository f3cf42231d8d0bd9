"""A real BIND (named) for tests: primary for one zone (TSIG UPDATE + AXFR), or a plain parent zone server.

Also the small helpers the DNS server classes share: a daemon process that is always stopped, a free
port that is free on several loopback addresses, and zone reading/resetting with plain dnspython
(independent of the collection's provider code, so tests check the server, not our own reading).
"""
from __future__ import annotations

import base64
import os
import pathlib
import re
import signal
import socket
import subprocess
import time

import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.tsig
import dns.tsigkeyring
import dns.update
import dns.xfr
import dns.zone

from tests.lib.ports import free_port

KEY_NAME = "migration-key"
ZONE = "example.test."

PRISTINE_ZONE = """$ORIGIN example.test.
$TTL 3600
@       IN SOA  ns1.example.test. hostmaster.example.test. ( 2024010101 7200 900 1209600 300 )
@       IN NS   ns1.example.test.
@       IN NS   ns2.example.test.
ns1     IN A    127.0.0.1
ns2     IN A    127.0.0.3
@       IN MX   10 mx1.oldprovider.test.
@       IN MX   20 mx2.oldprovider.test.
@       IN TXT  "v=spf1 include:_spf.oldprovider.test ~all"
_dmarc  IN TXT  "v=DMARC1; p=none"
www     IN A    192.0.2.10
autodiscover 600 IN CNAME autodiscover.oldprovider.test.
"""


def new_tsig_secret() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def free_port_on(addresses=("127.0.0.1",)) -> int:
    """A port free for TCP and UDP on every given loopback address (servers sharing a port number)."""
    for _attempt in range(100):
        port = free_port(udp_too=True)
        ok = True
        for addr in addresses:
            for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                with socket.socket(socket.AF_INET, kind) as sock:
                    try:
                        sock.bind((addr, port))
                    except OSError:
                        ok = False
        if ok:
            return port
    raise RuntimeError("no port free on %s" % (addresses,))


class DaemonProcess:
    """A server process in the foreground, its output in a log file; stop() always works."""

    def __init__(self, argv, log_path, cwd=None):
        self.argv = list(argv)
        self.log_path = pathlib.Path(log_path)
        self.cwd = cwd
        self.proc = None

    def start(self):
        log = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT, cwd=self.cwd,
                                         start_new_session=True)
        finally:
            log.close()
        return self

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def log_text(self):
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self, timeout=8.0):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, signal.SIGCONT)  # in case a test froze it
                self.proc.terminate()
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
            except ProcessLookupError:
                pass
        self.proc = None


def wait_for_soa(address, port, zone, timeout=15.0, proc=None):
    """Block until the server answers the zone's SOA with AA (it has loaded the zone)."""
    deadline = time.monotonic() + timeout
    query = dns.message.make_query(zone, "SOA")
    query.flags &= ~dns.flags.RD
    last = None
    while time.monotonic() < deadline:
        if proc is not None and not proc.running():
            raise RuntimeError("server exited early:\n%s" % proc.log_text()[-3000:])
        try:
            resp = dns.query.udp(query, address, port=port, timeout=0.5)
            if resp.rcode() == dns.rcode.NOERROR and resp.answer and resp.flags & dns.flags.AA:
                return
            last = dns.rcode.to_text(resp.rcode())
        except (dns.exception.Timeout, OSError) as exc:
            last = repr(exc)
        time.sleep(0.05)
    log = proc.log_text()[-3000:] if proc is not None else ""
    raise TimeoutError("no SOA for %s from %s:%s (%s)\n%s" % (zone, address, port, last, log))


def tsig_kwargs(secret, key_name=KEY_NAME):
    return dict(keyring=dns.tsigkeyring.from_text({key_name: secret}), keyname=dns.name.from_text(key_name),
                keyalgorithm=dns.tsig.HMAC_SHA256)


def axfr(address, port, zone, secret):
    """The zone as the server holds it: {(name, type): (ttl, frozenset(rdata texts))} via TSIG AXFR."""
    z = dns.zone.Zone(dns.name.from_text(zone), relativize=False)
    query, _serial = dns.xfr.make_query(z, **tsig_kwargs(secret))
    dns.query.inbound_xfr(address, z, query, port=port, timeout=5)
    return zone_dict(z)


def zone_dict(z):
    out = {}
    for name, node in z.nodes.items():
        for rds in node.rdatasets:
            out[(name.to_text().lower(), dns.rdatatype.to_text(rds.rdtype))] = (
                rds.ttl, frozenset(rd.to_text(origin=None, relativize=False) for rd in rds))
    return out


def soa_serial(address, port, zone):
    query = dns.message.make_query(zone, "SOA")
    query.flags &= ~dns.flags.RD
    resp = dns.query.tcp(query, address, port=port, timeout=5)
    for rrset in resp.answer:
        if rrset.rdtype == dns.rdatatype.SOA:
            return rrset[0].serial
    raise AssertionError("no SOA in answer from %s:%s" % (address, port))


def reset_by_update(address, port, zone, secret, pristine_text):
    """Make the served zone equal to pristine_text (SOA aside) with ONE plain dnspython UPDATE."""
    want_zone = dns.zone.from_text(pristine_text, origin=zone, relativize=False)
    z = dns.zone.Zone(dns.name.from_text(zone), relativize=False)
    query, _serial = dns.xfr.make_query(z, **tsig_kwargs(secret))
    dns.query.inbound_xfr(address, z, query, port=port, timeout=5)
    have = {(n, rds.rdtype): rds for n, node in z.nodes.items() for rds in node.rdatasets}
    want = {(n, rds.rdtype): rds for n, node in want_zone.nodes.items() for rds in node.rdatasets}
    update = dns.update.UpdateMessage(zone, **tsig_kwargs(secret))
    count = 0
    for key, rds in have.items():
        if key[1] == dns.rdatatype.SOA or key in want:
            continue
        update.delete(key[0], key[1])
        count += 1
    for key, rds in want.items():
        if key[1] == dns.rdatatype.SOA:
            continue
        cur = have.get(key)
        if cur is not None and cur == rds and cur.ttl == rds.ttl:
            continue
        if key[1] == dns.rdatatype.NS:
            update.add(key[0], rds)
            for rd in (cur or []):
                if rd not in rds:
                    update.delete(key[0], rd)
        else:
            update.delete(key[0], key[1])
            update.add(key[0], rds)
        count += 1
    if count:
        resp = dns.query.tcp(update, address, port=port, timeout=5)
        assert resp.rcode() == dns.rcode.NOERROR, dns.rcode.to_text(resp.rcode())
    return count


class BindServer:
    """named in the foreground on address:port, serving `zones` {name: (text, role)}.

    role 'primary': dynamic zone (TSIG UPDATE, TSIG AXFR, NOTIFY to also_notify);
    role 'static': a plain authoritative zone (the parent of the test zone).
    """

    def __init__(self, workdir, address, port, secret, zones, also_notify=()):
        self.dir = pathlib.Path(workdir)
        self.address = address
        self.port = port
        self.secret = secret
        self.zones = zones
        self.also_notify = list(also_notify)
        self.process = None

    def _config(self):
        lines = [
            'key "%s" { algorithm hmac-sha256; secret "%s"; };' % (KEY_NAME, self.secret),
            "options {",
            '  directory "%s"; pid-file none; session-keyfile none;' % self.dir,
            "  listen-on port %d { %s; }; listen-on-v6 { none; };" % (self.port, self.address),
            "  recursion no; allow-query { any; }; dnssec-validation no;",
            "  notify-delay 0; min-refresh-time 1; max-refresh-time 5;",
        ]
        if self.also_notify:
            lines.append("  notify explicit; also-notify { %s };"
                         % " ".join("%s port %d;" % (a, p) for a, p in self.also_notify))
        else:
            lines.append("  notify no;")
        lines += [
            "};",
            "controls { };",
            "logging { channel main { stderr; severity info; print-time yes; print-category yes; };",
            "  category default { main; }; category update { main; }; category update-security { main; }; category xfer-out { main; };"
            "  category notify { main; }; };",
        ]
        for name, (_text, role) in self.zones.items():
            fname = name.rstrip(".") + ".zone"
            if role == "primary":
                lines.append('zone "%s" { type primary; file "%s/%s"; allow-transfer { key "%s"; }; '
                             'update-policy { grant "%s" zonesub ANY; }; };'
                             % (name.rstrip("."), self.dir, fname, KEY_NAME, KEY_NAME))
            else:
                lines.append('zone "%s" { type primary; file "%s/%s"; };' % (name.rstrip("."), self.dir, fname))
        return "\n".join(lines) + "\n"

    def start(self):
        self.dir.mkdir(parents=True, exist_ok=True)
        for name, (text, _role) in self.zones.items():
            (self.dir / (name.rstrip(".") + ".zone")).write_text(text)
            for jnl in self.dir.glob("*.jnl"):
                jnl.unlink()
        conf = self.dir / "named.conf"
        conf.write_text(self._config())
        check = subprocess.run(["named-checkconf", str(conf)], capture_output=True, text=True, check=False)
        if check.returncode:
            raise RuntimeError("named.conf invalid: %s%s" % (check.stdout, check.stderr))
        self.process = DaemonProcess(["named", "-f", "-c", str(conf), "-u", "root"], self.dir / "named.log").start()
        try:
            for name in self.zones:
                wait_for_soa(self.address, self.port, name, proc=self.process)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        if self.process is not None:
            self.process.stop()

    def log_text(self):
        return self.process.log_text() if self.process else ""

    def update_count(self, zone=ZONE):
        """UPDATE messages BIND processed for zone (from its log: one client connection each), since start."""
        pattern = re.compile(r"update(?:-security)?: client @(\S+) ([0-9.]+#\d+)/key [^:]+: (?:updating )?zone '%s/IN'"
                             % re.escape(zone.rstrip(".")))
        pattern2 = re.compile(r"update(?:-security)?: client @(\S+) ([0-9.]+#\d+)[^:]*: .*'%s/IN'"
                              % re.escape(zone.rstrip(".")))
        seen = set()
        for line in self.log_text().splitlines():
            match = pattern.search(line) or pattern2.search(line)
            if match:
                seen.add(match.groups())
        return len(seen)
