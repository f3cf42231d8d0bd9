"""A real Knot DNS for tests: a primary (TSIG UPDATE/AXFR) or a secondary of a BIND primary (NOTIFY/AXFR)."""
from __future__ import annotations

import pathlib
import subprocess

from tests.servers.bind import KEY_NAME, DaemonProcess, wait_for_soa


class KnotServer:
    """knotd on address:port for one zone. primary=(address, port) makes it a secondary of that server."""

    def __init__(self, workdir, address, port, secret, zone, zone_text=None, primary=None):
        self.dir = pathlib.Path(workdir)
        self.address = address
        self.port = port
        self.secret = secret
        self.zone = zone
        self.zone_text = zone_text
        self.primary = primary
        self.process = None
        self.conf = self.dir / "knot.conf"

    def _config(self):
        zone = self.zone.rstrip(".")
        lines = [
            "server:",
            '    rundir: "%s"' % self.dir,
            "    listen: %s@%d" % (self.address, self.port),
            "log:",
            "  - target: stderr",
            "    any: info",
            "database:",
            '    storage: "%s/db"' % self.dir,
            "control:",
            '    listen: "%s/knot.sock"' % self.dir,
            "key:",
            "  - id: %s" % KEY_NAME,
            "    algorithm: hmac-sha256",
            "    secret: %s" % self.secret,
        ]
        if self.primary:
            lines += [
                "remote:",
                "  - id: primary",
                "    address: %s@%d" % self.primary,
                "    key: %s" % KEY_NAME,
                "acl:",
                "  - id: notify_from_primary",
                "    address: %s" % self.primary[0],
                "    action: notify",
                "  - id: tsig_rw",
                "    key: %s" % KEY_NAME,
                "    action: transfer",
                "zone:",
                "  - domain: %s" % zone,
                '    storage: "%s"' % self.dir,
                '    file: "%s.secondary.zone"' % zone,
                "    master: primary",
                "    acl: [notify_from_primary, tsig_rw]",
                "    zonefile-sync: -1",
            ]
        else:
            lines += [
                "acl:",
                "  - id: tsig_rw",
                "    key: %s" % KEY_NAME,
                "    action: [transfer, update]",
                "zone:",
                "  - domain: %s" % zone,
                '    storage: "%s"' % self.dir,
                '    file: "%s.zone"' % zone,
                "    zonefile-sync: -1",
                "    semantic-checks: on",
                "    acl: tsig_rw",
            ]
        return "\n".join(lines) + "\n"

    def start(self):
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "db").mkdir(exist_ok=True)
        if self.zone_text is not None:
            (self.dir / (self.zone.rstrip(".") + ".zone")).write_text(self.zone_text)
        self.conf.write_text(self._config())
        check = subprocess.run(["knotc", "-c", str(self.conf), "conf-check"], capture_output=True, text=True,
                               check=False)
        if check.returncode:
            raise RuntimeError("knot.conf invalid: %s%s" % (check.stdout, check.stderr))
        self.process = DaemonProcess(["knotd", "-c", str(self.conf)], self.dir / "knot.log").start()
        try:
            wait_for_soa(self.address, self.port, self.zone, proc=self.process)
        except BaseException:
            self.stop()
            raise
        return self

    def knotc(self, *args):
        return subprocess.run(["knotc", "-c", str(self.conf), "-s", str(self.dir / "knot.sock")] + list(args),
                              capture_output=True, text=True, check=False, timeout=20)

    def stop(self):
        if self.process is not None:
            self.process.stop()

    def log_text(self):
        return self.process.log_text() if self.process else ""

    def update_count(self):
        """DDNS messages Knot processed for the zone (from its log)."""
        return self.log_text().count("DDNS, processing")
