"""A real PowerDNS Authoritative server for tests: sqlite3 backend, HTTP API, TSIG AXFR/UPDATE."""
from __future__ import annotations

import os
import pathlib
import subprocess
import time

import dns.rdatatype
import dns.zone
import requests

from tests.lib.ports import wait_for_port
from tests.servers.bind import KEY_NAME, DaemonProcess, wait_for_soa

SCHEMA = "/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql"


class PowerDNSServer:
    def __init__(self, workdir, dns_port, api_port, secret, api_key=None):
        self.dir = pathlib.Path(workdir)
        self.port = dns_port
        self.api_port = api_port
        self.secret = secret
        self.api_key = api_key or os.urandom(12).hex()
        self.address = "127.0.0.1"
        self.process = None

    @property
    def api_url(self):
        return "http://127.0.0.1:%d" % self.api_port

    def _config(self):
        return "\n".join([
            "launch=gsqlite3",
            "gsqlite3-database=%s/pdns.sqlite3" % self.dir,
            "local-address=127.0.0.1",
            "local-port=%d" % self.port,
            "socket-dir=%s" % self.dir,
            "daemon=no", "guardian=no", "setuid=", "setgid=",
            "api=yes", "api-key=%s" % self.api_key,
            "webserver=yes", "webserver-address=127.0.0.1", "webserver-port=%d" % self.api_port,
            "webserver-allow-from=127.0.0.1/32",
            "disable-axfr=no", "allow-axfr-ips=",
            "dnsupdate=yes", "allow-dnsupdate-from=127.0.0.1/32",
            "query-cache-ttl=0", "cache-ttl=0", "negquery-cache-ttl=0", "zone-cache-refresh-interval=0",
            "loglevel=4",
        ]) + "\n"

    def start(self):
        self.dir.mkdir(parents=True, exist_ok=True)
        db = self.dir / "pdns.sqlite3"
        if not db.exists():
            with open(SCHEMA, "rb") as schema:
                subprocess.run(["sqlite3", str(db)], stdin=schema, check=True)
        (self.dir / "pdns.conf").write_text(self._config())
        subprocess.run(["pdnsutil", "--config-dir=%s" % self.dir, "import-tsig-key", KEY_NAME, "hmac-sha256",
                        self.secret], check=True, capture_output=True)
        self.process = DaemonProcess(["pdns_server", "--config-dir=%s" % self.dir], self.dir / "pdns.log").start()
        try:
            wait_for_port(self.api_port, timeout=15)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        if self.process is not None:
            self.process.stop()

    # -- API helpers (plain requests, independent of the collection's provider) ----------------
    def api(self, method, path, **kwargs):
        resp = requests.request(method, self.api_url + "/api/v1/servers/localhost" + path,
                                headers={"X-API-Key": self.api_key}, timeout=10, **kwargs)
        if resp.status_code >= 400:
            raise AssertionError("PowerDNS API %s %s: %s %s" % (method, path, resp.status_code, resp.text))
        return resp

    def create_zone(self, zone, text):
        """(Re)create zone from BIND text, with TSIG AXFR/UPDATE allowed for the test key."""
        try:
            self.api("DELETE", "/zones/%s" % zone)
        except AssertionError:
            pass
        z = dns.zone.from_text(text, origin=zone, relativize=False)
        rrsets = []
        for name, node in z.nodes.items():
            for rds in node.rdatasets:
                rrsets.append({"name": name.to_text(), "type": dns.rdatatype.to_text(rds.rdtype), "ttl": rds.ttl,
                               "records": [{"content": rd.to_text(origin=None, relativize=False), "disabled": False}
                                           for rd in rds]})
        self.api("POST", "/zones", json={"name": zone, "kind": "Native", "nameservers": [],
                                         "soa_edit_api": "INCREASE", "rrsets": rrsets})
        self.api("PUT", "/zones/%s" % zone, json={"master_tsig_key_ids": [KEY_NAME + "."]})
        self.api("PUT", "/zones/%s/metadata/TSIG-ALLOW-DNSUPDATE" % zone,
                 json={"kind": "TSIG-ALLOW-DNSUPDATE", "metadata": [KEY_NAME]})
        self.api("PUT", "/zones/%s/metadata/SOA-EDIT-DNSUPDATE" % zone,
                 json={"kind": "SOA-EDIT-DNSUPDATE", "metadata": ["INCREASE"]})
        deadline = time.monotonic() + 5
        while True:
            try:
                wait_for_soa("127.0.0.1", self.port, zone, timeout=1, proc=self.process)
                return
            except TimeoutError:
                if time.monotonic() > deadline:
                    raise

    def zone_records(self, zone):
        """{(name, type): (ttl, frozenset(contents))} as the API holds the zone."""
        data = self.api("GET", "/zones/%s" % zone).json()
        out = {}
        for item in data["rrsets"]:
            contents = [r["content"] for r in item["records"] if not r.get("disabled")]
            if contents:
                out[(item["name"].lower(), item["type"])] = (item["ttl"], frozenset(contents))
        return out

    def serial(self, zone):
        return self.api("GET", "/zones/%s" % zone).json()["serial"]
