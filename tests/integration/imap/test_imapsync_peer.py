"""Our identity key against the real imapsync 2.229 on a real Dovecot (issue 11 defect 5).

imapsync is a peer tool kept in ``../shared/peers/`` (``MAILWAVE_PEERS`` elsewhere), with its Perl modules
from Debian (../shared/peers/README.md); every test here skips cleanly without them. The vectors that
pin the algorithm live in tests/unit/plugins/module_utils/_imap/test_identity.py and run everywhere.
"""
from __future__ import annotations

import os
import pathlib
import re
import subprocess

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._imap import identity
from tests.integration.imap.test_server_matrix import raw_append
from tests.servers.dovecot import _logout
from tests.unit.plugins.module_utils._imap.test_identity import IMAPSYNC_VECTORS

REPO = pathlib.Path(__file__).resolve().parents[3]
PEER_IMAPSYNC = pathlib.Path(os.environ.get("MAILWAVE_PEERS", REPO.parent / "shared" / "peers")) / "imapsync"


def _imapsync_runs() -> str | None:
    if not PEER_IMAPSYNC.exists():
        return f"imapsync is absent ({PEER_IMAPSYNC})"
    try:
        proc = subprocess.run(["perl", str(PEER_IMAPSYNC), "--version"], capture_output=True, text=True,
                              timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"imapsync does not run: {exc}"
    if proc.returncode != 0:
        return "imapsync's Perl modules are missing (../shared/peers/README.md): " + proc.stderr.strip()[-300:]
    return None


pytestmark = pytest.mark.skipif(_imapsync_runs() is not None, reason=str(_imapsync_runs()))


def imapsync(server, src, dst, tmp_path, *extra):
    """Run imapsync from src to dst on server (passwords in 0600 files, never on the command line)."""
    files = []
    for n, (_user, password) in enumerate((src, dst), 1):
        path = tmp_path / f"pass{n}"
        path.write_text(password, encoding="utf-8")
        path.chmod(0o600)
        files.append(str(path))
    cmd = ["perl", str(PEER_IMAPSYNC), "--nolog", "--noreleasecheck", "--addheader",
           "--host1", server.host, "--port1", str(server.port_tls), "--ssl1", "--sslargs1", f"SSL_ca_file={server.ca_file}",
           "--user1", src[0], "--passfile1", files[0],
           "--host2", server.host, "--port2", str(server.port_tls), "--ssl2", "--sslargs2", f"SSL_ca_file={server.ca_file}",
           "--user2", dst[0], "--passfile2", files[1], *extra]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    return proc.stdout


def test_our_key_is_imapsyncs_signature_on_every_vector(dovecot, mail_account, tmp_path):
    src, dst = mail_account(dovecot), mail_account(dovecot)
    appended = []
    for what, header, _key in IMAPSYNC_VECTORS:
        if not header.strip():
            continue
        body = header if header.endswith((b"\r\n\r\n", b"\n\n")) else header + b"\r\n"
        assert raw_append(dovecot, *src, "INBOX", body + b"body\r\n")[0] == "OK", what
        appended.append(what)
    out = imapsync(dovecot, src, dst, tmp_path, "--dry", "--debug", "--folder", "INBOX")
    # a second message with the same signature is printed "sig KEY#1" (a duplicate in the folder)
    theirs = {int(uid): sig for uid, sig in re.findall(r"^Host1: folder/uid INBOX/(\d+) sig ([^\s#]+)", out, re.M)}
    client = dovecot.client(*src)
    try:
        client.select_folder("INBOX", readonly=True)
        fetched = client.fetch("1:*", [identity.HEADER_FETCH_ITEM])
    finally:
        _logout(client)
    ours = {}
    for uid, data in fetched.items():
        # imapsync --addheader keys a message without Message-Id and Received by its UID
        ours[uid] = identity.imapsync_key(identity.header_from_fetch(data)) or identity.imapsync_key(
            b"Message-Id: <%d@imapsync>" % uid)
    assert len(ours) == len(appended)
    assert ours == theirs


def test_a_box_copied_by_imapsync_addheader_gets_nothing_twice(dovecot, mail_account, run_module, tmp_path):
    # what a Mailcow sync job leaves behind: imapsync --addheader copies, header-less mail included
    src, dst = mail_account(dovecot), mail_account(dovecot)
    messages = [
        b"Message-ID:<a:b@c>\r\nSubject: no space after the colon\r\n\r\n1\r\n",
        b"Received: from x\r\n\tby z.example\r\nReceived: from x by b.example\r\nSubject: refolded\r\n\r\n2\r\n",
        b"From: c@example.test\r\nSubject: header-light\r\nDate: Tue, 03 Mar 2015 11:00:00 +0000\r\n\r\n3\r\n",
        b"Message-Id: <plain@example.test>\r\nSubject: plain\r\n\r\n4\r\n",
    ]
    for body in messages:
        assert raw_append(dovecot, *src, "INBOX", body, ("\\Seen",))[0] == "OK"
    imapsync(dovecot, src, dst, tmp_path, "--folder", "INBOX")
    copied = dovecot.fetch_all(*dst)["INBOX"]
    assert len(copied) == len(messages)
    assert any(body.startswith(b"Message-Id: <3@imapsync>\r\n") for body, _f, _d in copied)
    result = run_module("imap_sync", {"source": dovecot.settings(*src), "destination": dovecot.settings(*dst),
                                      "folders_include": ["^INBOX$"]})
    assert not result.failed, result.get("msg")
    assert result["totals"]["copied"] == 0 and result["totals"]["skipped"] == len(messages), result["totals"]
    assert len(dovecot.fetch_all(*dst)["INBOX"]) == len(messages)
