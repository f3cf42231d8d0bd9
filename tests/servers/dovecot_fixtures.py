"""pytest fixtures for real Dovecot servers (see tests/servers/dovecot.py).

- ``test_ca`` (session): a throwaway CA; ``test_ca.ca_file`` is its PEM.
- ``dovecot`` (session): a Dovecot with separator "/", SPECIAL-USE folders and quota.
- ``dovecot_dot`` (session): separator ".", no SPECIAL-USE folders (tests make localised folders by APPEND).
- ``oauth2_introspection`` (session): a token introspection endpoint (``OAuth2Introspection``), and
  ``dovecot_oauth2`` (session): a Dovecot like ``dovecot`` (no quota) that also accepts XOAUTH2/OAUTHBEARER
  logins checked against it; ``oauth2_token(user) -> token`` (function) issues a fresh token for an
  account, revoked after the test.
- ``mail_account`` (function): ``mail_account(server, quota_mb=None) -> (user, password)``; the account
  and its mail are removed after the test.
- ``load_corpus(server, user, password, folder="INBOX")``: appends the corpus: 100 generated nasty
  messages (tests/lib/mailgen.py, always there) followed, where present, by the real-world fixtures of
  ``../shared/corpus/mail-gem/**/*.eml`` (103 files, an extra check), with deterministic flags and
  INTERNALDATEs; ``corpus_files()`` lists the shared files and ``require_corpus()`` skips a test that
  needs them when they are absent (no test of the suite does).
- ``tcp_proxy`` (function): ``tcp_proxy(host, port, latency_ms=0) -> TcpProxy`` (tests/servers/tcp_proxy.py),
  started; stopped after the test. Point a client at ``proxy.port`` (TLS still verifies: SAN 127.0.0.1).
"""
from __future__ import annotations

import datetime as _dt
import itertools
import os
import pathlib
import secrets

import pytest

from tests.lib import mailgen
from tests.servers.dovecot import DovecotServer, OAuth2Introspection, TestCA
from tests.servers.tcp_proxy import TcpProxy

REPO = pathlib.Path(__file__).resolve().parents[2]
CORPUS_DIR = pathlib.Path(os.environ.get("MAILWAVE_CORPUS", REPO.parent / "shared" / "corpus")) / "mail-gem"

# Flag sets cycled over the corpus: system flags, $Forwarded, and custom keywords that mbsync drops.
CORPUS_FLAGS = (
    (),
    ("\\Seen",),
    ("\\Seen", "\\Flagged"),
    ("\\Answered", "\\Seen", "$Forwarded"),
    ("$Label1", "Work"),
    ("\\Seen", "\\Draft"),
    ("\\Seen", "$MDNSent", "Projet_2019"),
)
_TZS = (_dt.timezone(_dt.timedelta(hours=1)), _dt.timezone(_dt.timedelta(hours=-5)), _dt.timezone.utc,
        _dt.timezone(_dt.timedelta(hours=5, minutes=30)))
_BASE_DATE = _dt.datetime(2015, 3, 1, 9, 15, 7)

_account_counter = itertools.count(1)


def corpus_files() -> list[pathlib.Path]:
    """The corpus .eml files, sorted by path relative to the corpus (empty list when absent)."""
    if not CORPUS_DIR.is_dir():
        return []
    return sorted(CORPUS_DIR.rglob("*.eml"), key=lambda p: p.relative_to(CORPUS_DIR).as_posix())


def require_corpus() -> list[pathlib.Path]:
    files = corpus_files()
    if not files:
        pytest.skip(f"the shared mail corpus is absent (looked in {CORPUS_DIR}; set MAILWAVE_CORPUS to "
                    "the directory holding mail-gem/)")
    return files


def corpus_entries() -> list[dict]:
    """What load_corpus appends: [{"path", "kind", "message", "flags", "internaldate"}], deterministic.

    The generated messages first ("path" None), then the shared fixtures when present ("kind" "shared").
    """
    entries = [{"path": None, "kind": m.kind, "message": m.raw, "flags": m.flags, "internaldate": m.internaldate}
               for m in mailgen.generate()]
    for index, path in enumerate(corpus_files()):
        date = (_BASE_DATE + _dt.timedelta(hours=37 * index, minutes=11 * index)).replace(
            tzinfo=_TZS[index % len(_TZS)])
        entries.append({"path": path, "kind": "shared", "message": path.read_bytes(),
                        "flags": CORPUS_FLAGS[index % len(CORPUS_FLAGS)], "internaldate": date})
    return entries


def load_corpus(server: DovecotServer, user: str, password: str, folder: str = "INBOX") -> list[dict]:
    """Append every corpus message to folder; return the entries."""
    entries = corpus_entries()
    server.append_many(user, password, folder,
                       [(e["message"], e["flags"], e["internaldate"]) for e in entries])
    return entries


@pytest.fixture(scope="session")
def test_ca(tmp_path_factory) -> TestCA:
    return TestCA(tmp_path_factory.mktemp("test-ca"))


def _running(tmp_path_factory, name, **settings):
    """A started DovecotServer in a fresh session directory, stopped when the session ends."""
    server = DovecotServer(tmp_path_factory.mktemp(name), **settings)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def dovecot(tmp_path_factory, test_ca):
    yield from _running(tmp_path_factory, "dovecot", separator="/", special_use=True, quota=True, ca=test_ca)


@pytest.fixture(scope="session")
def dovecot_dot(tmp_path_factory, test_ca):
    yield from _running(tmp_path_factory, "dovecot-dot", separator=".", special_use=False, quota=True, ca=test_ca)


# Dovecot 2.3's own list without CONDSTORE and QRESYNC: a server like many providers', where a flag
# change leaves every STATUS item as it was.
NO_CONDSTORE_CAPABILITY = (
    "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY THREAD=REFERENCES THREAD=REFS "
    "THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS "
    "LIST-EXTENDED I18NLEVEL=1 ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE "
    "SNIPPET=FUZZY PREVIEW=FUZZY STATUS=SIZE SAVEDATE LITERAL+ NOTIFY SPECIAL-USE")


@pytest.fixture(scope="session")
def dovecot_no_condstore(tmp_path_factory, test_ca):
    yield from _running(tmp_path_factory, "dovecot-nocs", separator="/", special_use=True, quota=False, ca=test_ca,
                        capability=NO_CONDSTORE_CAPABILITY)


@pytest.fixture(scope="session")
def oauth2_introspection():
    endpoint = OAuth2Introspection().start()
    try:
        yield endpoint
    finally:
        endpoint.stop()


@pytest.fixture(scope="session")
def dovecot_oauth2(tmp_path_factory, test_ca, oauth2_introspection):
    yield from _running(tmp_path_factory, "dovecot-oauth2", separator="/", special_use=True, quota=False, ca=test_ca,
                        oauth2_introspection_url=oauth2_introspection.url)


@pytest.fixture
def oauth2_token(oauth2_introspection):
    """Factory: oauth2_token(user) -> a fresh random access token for user; revoked after the test."""
    issued: list[str] = []

    def make(user: str) -> str:
        token = oauth2_introspection.issue(user)
        issued.append(token)
        return token

    yield make
    for token in issued:
        oauth2_introspection.revoke(token)


@pytest.fixture
def mail_account():
    """Factory: mail_account(server, quota_mb=None) -> (user, password); removed after the test."""
    made: list[tuple[DovecotServer, str]] = []

    def make(server: DovecotServer, quota_mb: int | None = None) -> tuple[str, str]:
        user = f"u{next(_account_counter)}@example.test"
        password = "pw-" + secrets.token_urlsafe(12)
        server.add_user(user, password, quota_mb=quota_mb)
        made.append((server, user))
        return user, password

    yield make
    for server, user in made:
        server.remove_user(user)


@pytest.fixture
def tcp_proxy():
    """Factory: tcp_proxy(target_host, target_port, latency_ms=0) -> a started TcpProxy, stopped after."""
    proxies: list[TcpProxy] = []

    def make(target_host: str, target_port: int, latency_ms: float = 0) -> TcpProxy:
        proxy = TcpProxy(target_host, target_port, latency_ms=latency_ms)
        proxies.append(proxy)
        return proxy.start()

    yield make
    for proxy in proxies:
        proxy.stop()
