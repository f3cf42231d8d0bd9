"""Fixtures for the groupware tests: real DAV and Sieve servers.

- ``smtp_sink`` (session): the SMTP server SOGo sends invitations to (``smtp_sink.messages``).
- ``sogo`` (session): one SOGo + PostgreSQL + memcached for the whole session (about 9 s to start);
  tests make their own users with ``sogo_account``.
- ``sogo_account`` (function): ``sogo_account() -> (user, password)``, a fresh SOGo user (removed after).
- ``radicale`` (session) and ``xandikos`` (function: one principal, so a fresh server per test, <1 s).
- ``dovecot_sieve`` (session): a Dovecot with Pigeonhole ManageSieve.
"""
from __future__ import annotations

import itertools
import secrets

import pytest

from tests.servers.dovecot import DovecotServer
from tests.servers.radicale import RadicaleServer
from tests.servers.sogo import SmtpSink, SogoServer
from tests.servers.xandikos import XandikosServer

_counter = itertools.count(1)


@pytest.fixture(scope="session")
def smtp_sink():
    sink = SmtpSink()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def sogo(smtp_sink):
    with SogoServer(smtp_url=smtp_sink.url) as server:
        yield server


@pytest.fixture
def sogo_account(sogo):
    made = []

    def make(name: str = "") -> tuple[str, str]:
        user = f"gw{next(_counter)}-{secrets.token_hex(3)}@example.org"
        password = secrets.token_urlsafe(12)
        sogo.add_user(user, password, name)
        made.append(user)
        return user, password

    yield make
    for user in made:
        sogo.remove_user(user)


@pytest.fixture(scope="session")
def radicale(tmp_path_factory):
    with RadicaleServer(tmp_path_factory.mktemp("radicale")) as server:
        yield server


@pytest.fixture
def radicale_account(radicale):
    def make() -> tuple[str, str]:
        user = f"src{next(_counter)}-{secrets.token_hex(3)}"
        password = secrets.token_urlsafe(12)
        radicale.add_user(user, password)
        return user, password

    return make


@pytest.fixture
def xandikos(tmp_path):
    with XandikosServer(tmp_path / "xandikos") as server:
        yield server


@pytest.fixture(scope="session")
def dovecot_sieve(tmp_path_factory):
    with DovecotServer(tmp_path_factory.mktemp("dovecot-sieve"), managesieve=True, quota=False) as server:
        yield server
