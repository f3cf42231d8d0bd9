"""pytest fixtures for the Mailcow API emulator (tests/servers/mailcow/emulator.py).

- ``mailcow``: a fresh emulator on a free 127.0.0.1 port, with a read-write and a read-only key
  (``mailcow.rw_key``, ``mailcow.ro_key``, ``mailcow.url``, ``mailcow.api_args()`` for module args).
  Mail backend: none (quota usage comes from ``mailcow.set_usage``). For speed, the DKIM key that every
  new domain gets automatically is 1024 bits here (Mailcow: 2048); ``add/dkim`` honours ``key_size``.
- ``mailcow_dovecot``: the same, wired to the session ``dovecot`` fixture (engineer A2's real test
  Dovecot): mailboxes created through the API become real IMAP accounts, usage is read from Dovecot, and
  ``mailcow_dovecot.tick()`` runs the due sync jobs as real IMAP copies (sources trusted via the test CA).
Both stop their server when the test ends, even on failure.
"""
from __future__ import annotations

import secrets

import pytest

from tests.lib.ports import free_port, wait_for_port
from tests.servers.mailcow.emulator import MailcowEmulator


def start_emulator(backend=None, **kwargs):
    rw_key = "RW-" + secrets.token_hex(16)
    ro_key = "RO-" + secrets.token_hex(16)
    emulator = MailcowEmulator(port=free_port(), rw_keys=[rw_key], ro_keys=[ro_key], backend=backend,
                               dkim_bits=kwargs.pop("dkim_bits", 1024), **kwargs)
    emulator.start()
    wait_for_port(emulator.port)
    emulator.rw_key, emulator.ro_key = rw_key, ro_key

    def api_args(key=None, **extra):
        args = {"api_url": emulator.url, "api_key": key or rw_key}
        args.update(extra)
        return args

    emulator.api_args = api_args
    return emulator


@pytest.fixture
def mailcow():
    emulator = start_emulator()
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def mailcow_dovecot(request):
    dovecot = request.getfixturevalue("dovecot")
    emulator = start_emulator(backend=dovecot, source_ca_file=dovecot.ca_file)
    try:
        yield emulator
    finally:
        emulator.stop()
        for user in list(emulator.state.mailboxes):  # the session Dovecot outlives this test
            dovecot.remove_user(user)
