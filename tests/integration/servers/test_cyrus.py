"""The Cyrus IMAP 3.6 fixture itself: TLS and STARTTLS with the test CA, users, Debian's namespace, and
the behaviours a migration meets there (munge8bit, the user-flag limit, TOOBIG/APPENDLIMIT, bare LF)."""
from __future__ import annotations

import os
import ssl

import imapclient
import pytest

from tests.servers.cyrus import CyrusServer, available, cyrus, imap_account  # noqa: F401  # pylint: disable=unused-import

pytestmark = pytest.mark.skipif(available() is not None, reason=str(available()))


def test_tls_verifies_and_starttls_works(cyrus, imap_account):
    user, password = imap_account(cyrus)
    client = cyrus.client(user, password)
    try:
        sans = {value for _kind, value in client.socket().getpeercert()["subjectAltName"]}
        assert "127.0.0.1" in sans
    finally:
        client.logout()
    with pytest.raises(ssl.SSLCertVerificationError):
        imapclient.IMAPClient(cyrus.host, port=cyrus.port_tls, ssl=True, ssl_context=ssl.create_default_context(),
                              timeout=20)
    plain = imapclient.IMAPClient(cyrus.host, port=cyrus.port, ssl=False, timeout=20)
    try:
        assert b"STARTTLS" in plain.capabilities()
        plain.starttls(cyrus.ssl_context())
        assert plain.login(user, password)
    finally:
        plain.logout()


def test_wrong_password_and_removed_user_are_refused(cyrus, imap_account):
    user, password = imap_account(cyrus)
    with pytest.raises(imapclient.exceptions.LoginError):
        cyrus.client(user, password + "x")
    cyrus.remove_user(user)
    with pytest.raises(imapclient.exceptions.LoginError):
        cyrus.client(user, password)


def test_debian_namespace_and_roundtrip(cyrus, imap_account):
    user, password = imap_account(cyrus)
    msg = b"From: a@example.test\r\nSubject: plain\r\n\r\nbody\r\n"
    cyrus.append(user, password, "INBOX.Dossiers.2019", msg, flags=("\\Seen", "$Label1"))
    client = cyrus.client(user, password)
    try:
        assert client.namespace().personal[0] == ("INBOX.", ".")
        names = {name for _f, _s, name in client.list_folders()}
        caps = client.capabilities()
    finally:
        client.logout()
    assert {"INBOX", "INBOX.Dossiers", "INBOX.Dossiers.2019"} <= names  # the parent is a real folder
    assert {b"LITERAL+", b"MULTIAPPEND", b"UIDPLUS", b"CONDSTORE", b"QRESYNC", b"SPECIAL-USE"} <= set(caps)
    boxes = cyrus.fetch_all(user, password)
    assert [(m, f) for m, f, _d in boxes["INBOX.Dossiers.2019"]] == [(msg, frozenset({"\\Seen", "$Label1"}))]


def test_munge8bit_rewrites_8bit_header_bytes_same_size(cyrus, imap_account):
    user, password = imap_account(cyrus)
    msg = b"Subject: caf\xc3\xa9\r\n\r\nbody \xc3\xa9\r\n"
    cyrus.append(user, password, "INBOX", msg)
    served = cyrus.fetch_all(user, password)["INBOX"][0][0]
    assert served == b"Subject: cafXX\r\n\r\nbody \xc3\xa9\r\n" and len(served) == len(msg)


def test_munge8bit_off_keeps_bytes(tmp_path, test_ca):
    with CyrusServer(tmp_path, ca=test_ca, munge8bit=False) as server:
        server.add_user("kept", "pw-kept")
        msg = b"Subject: caf\xc3\xa9\r\n\r\nbody\r\n"
        server.append("kept", "pw-kept", "INBOX", msg)
        assert server.fetch_all("kept", "pw-kept")["INBOX"][0][0] == msg


def test_user_flag_limit_while_permanentflags_says_any(cyrus, imap_account):
    user, password = imap_account(cyrus)
    client = cyrus.client(user, password)
    try:
        client.append("INBOX", b"Subject: k\r\n\r\nk\r\n", flags=tuple(f"kw{i}" for i in range(90)))
        assert b"\\*" in client.select_folder("INBOX")[b"PERMANENTFLAGS"]
        with pytest.raises(imapclient.exceptions.IMAPClientError, match="Too many user flags"):
            client.append("INBOX", b"Subject: k2\r\n\r\nk\r\n", flags=tuple(f"other{i}" for i in range(20)))
    finally:
        client.logout()


def test_maxmessagesize_announces_appendlimit_and_says_toobig(tmp_path, test_ca):
    with CyrusServer(tmp_path, ca=test_ca, maxmessagesize=20000) as server:
        server.add_user("small", "pw-small")
        client = server.client("small", "pw-small")
        try:
            assert b"APPENDLIMIT=20000" in client.capabilities()
            with pytest.raises(imapclient.exceptions.IMAPClientError, match="TOOBIG"):
                client.append("INBOX", b"Subject: big\r\n\r\n" + b"x" * 30000 + b"\r\n")
        finally:
            try:
                client.logout()
            except Exception:  # pylint: disable=broad-except  # Cyrus resets the connection after TOOBIG
                pass


def test_bare_lf_is_refused(cyrus, imap_account):
    user, password = imap_account(cyrus)
    client = cyrus.client(user, password)
    try:
        # imaplib turns LF into CRLF in append(): send the literal as is
        imap = client._imap  # noqa: SLF001
        imap.literal = b"Subject: lf\n\nbare\n"
        typ, data = imap._simple_command("APPEND", "INBOX")  # noqa: SLF001
    finally:
        client.logout()
    assert typ == "NO", data


def test_stop_leaves_no_process_and_no_files(tmp_path, test_ca):
    server = CyrusServer(tmp_path, ca=test_ca).start()
    server.add_user("gone", "pw-gone")
    run_dir, pid = server._run_dir, server._proc.pid  # noqa: SLF001
    server.stop()
    assert not run_dir.exists()
    alive = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = open(f"/proc/{entry}/stat", "rb").read()  # noqa: SIM115
        except OSError:
            continue
        fields = stat[stat.rindex(b")") + 2:].split()
        if int(fields[3]) == pid and fields[0] != b"Z":
            alive.append(int(entry))
    assert alive == []
