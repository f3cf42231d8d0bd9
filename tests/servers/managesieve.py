"""Seeding a real ManageSieve server (Dovecot Pigeonhole, ``DovecotServer(managesieve=True)``) for tests.

``put_scripts(dovecot, user, password, scripts, active)`` uploads scripts the way a user's client does
(PUTSCRIPT with a literal, then SETACTIVE), through the collection's own read-only client extended
with those two commands, so the scripts pass Pigeonhole's own compile check.
"""
from __future__ import annotations

from ansible_collections.mailwave.migrate.plugins.module_utils._sieve.managesieve import ManageSieveClient


class SeedingClient(ManageSieveClient):
    def put_script(self, name: str, script: str) -> None:
        data = script.encode("utf-8")
        self.sock.sendall(f"PUTSCRIPT {self._quote(name)} {{{len(data)}+}}\r\n".encode("utf-8") + data + b"\r\n")
        _lines, status, rest = self._read_response()
        if status != "OK":
            raise RuntimeError(f"PUTSCRIPT {name}: {status} {rest}")

    def set_active(self, name: str) -> None:
        self._command("SETACTIVE " + self._quote(name))


def put_scripts(dovecot, user: str, password: str, scripts: dict[str, str], active: str | None = None) -> None:
    client = SeedingClient("127.0.0.1", dovecot.port_sieve, security="starttls", ca_file=dovecot.ca_file).connect()
    try:
        client.login(user, password)
        for name, script in scripts.items():
            client.put_script(name, script)
        if active is not None:
            client.set_active(active)
    finally:
        client.close()
