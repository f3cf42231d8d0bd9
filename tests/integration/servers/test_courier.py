"""The Courier-IMAP 5.0 fixture itself: TLS and STARTTLS with the test CA, users, Maildir++ and the
INBOX. namespace, the CRLF it appends to a message without a final line end, a clean stop."""
from __future__ import annotations

import os
import ssl

import imapclient
import pytest

from tests.servers.courier import CourierServer, available, courier  # noqa: F401  # pylint: disable=unused-import
from tests.servers.cyrus import imap_account  # noqa: F401  # pylint: disable=unused-import

pytestmark = pytest.mark.skipif(available() is not None, reason=str(available()))


def test_tls_verifies_and_starttls_works(courier, imap_account):
    user, password = imap_account(courier)
    client = courier.client(user, password)
    try:
        sans = {value for _kind, value in client.socket().getpeercert()["subjectAltName"]}
        assert "127.0.0.1" in sans
    finally:
        client.logout()
    with pytest.raises(ssl.SSLCertVerificationError):
        imapclient.IMAPClient(courier.host, port=courier.port_tls, ssl=True, ssl_context=ssl.create_default_context(),
                              timeout=20)
    plain = imapclient.IMAPClient(courier.host, port=courier.port, ssl=False, timeout=20)
    try:
        assert b"STARTTLS" in plain.capabilities()
        plain.starttls(courier.ssl_context())
        assert plain.login(user, password)
    finally:
        plain.logout()


def test_full_address_users_and_wrong_password(courier):
    courier.add_user("alice@example.test", "pw-alice")
    try:
        courier.client("alice@example.test", "pw-alice").logout()
        with pytest.raises(imapclient.exceptions.LoginError):
            courier.client("alice@example.test", "wrong")
    finally:
        courier.remove_user("alice@example.test")
    with pytest.raises(imapclient.exceptions.LoginError):
        courier.client("alice@example.test", "pw-alice")


def test_maildirplusplus_namespace_and_capabilities(courier, imap_account):
    user, password = imap_account(courier)
    msg = b"From: a@example.test\r\nSubject: x\r\n\r\nbody\r\n"
    courier.append(user, password, "INBOX.Dossiers.2019", msg, flags=("\\Seen", "$Label1"))
    client = courier.client(user, password)
    try:
        assert client.namespace().personal[0] == ("INBOX.", ".")
        caps = set(client.capabilities())
    finally:
        client.logout()
    assert not caps & {b"LITERAL+", b"MULTIAPPEND", b"CONDSTORE", b"SPECIAL-USE"}
    assert (courier.maildir(user) / ".Dossiers.2019" / "cur").is_dir()  # Maildir++ on disk
    boxes = courier.fetch_all(user, password)
    assert [(m, f) for m, f, _d in boxes["INBOX.Dossiers.2019"]] == [(msg, frozenset({"\\Seen", "$Label1"}))]


def test_appends_crlf_to_a_message_without_final_line_end(courier, imap_account):
    user, password = imap_account(courier)
    courier.append(user, password, "INBOX", b"Subject: open\r\n\r\nno final newline")
    assert courier.fetch_all(user, password)["INBOX"][0][0] == b"Subject: open\r\n\r\nno final newline\r\n"


def test_stop_leaves_no_process_and_no_files(tmp_path, test_ca):
    server = CourierServer(tmp_path, ca=test_ca).start()
    server.add_user("gone", "pw-gone")
    server.client("gone", "pw-gone").logout()
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
    assert not os.path.exists("/etc/courier/userdb.dat")  # the system's /etc/courier was never written
