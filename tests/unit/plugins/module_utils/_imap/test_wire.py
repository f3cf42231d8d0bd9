"""wire.py: FETCH response parsing, literals read by size, MULTIAPPEND, on a real socket pair."""
from __future__ import annotations

import socket
import threading

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._imap import wire


class FakeClient:
    """Just what Wire needs of an imapclient.IMAPClient: capabilities and the imaplib object's sock/file."""

    def __init__(self, sock, caps):
        self._imap = type("I", (), {})()
        self._imap.sock = sock
        self._imap.file = sock.makefile("rb")
        self._caps = caps

    def capabilities(self):
        return self._caps


def serve(script):
    """A fake server: for each expected client line prefix, send the canned answer. Returns (client, thread, got)."""
    a, b = socket.socketpair()
    got = []

    def run():
        f = b.makefile("rb")
        for expect_len, answer in script:
            data = b""
            while len(data) < expect_len:
                chunk = f.read1(65536)
                if not chunk:
                    break
                data += chunk
            got.append(data)
            b.sendall(answer)
        b.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return a, thread, got


def test_uid_sets():
    assert wire.uid_set([7, 1, 2, 3, 9, 10]) == "1:3,7,9:10"
    assert wire.parse_uid_set("4:6,9") == [4, 5, 6, 9]
    assert wire.uid_set([]) == ""


def test_fetch_parses_literals_flags_and_dates():
    body1 = b"Subject: a\r\n\r\n)( \"{5}\r\nweird\r\n"
    body2 = b"x" * 100_000
    answer = (b"* 1 FETCH (UID 11 FLAGS (\\Seen $Custom) INTERNALDATE \" 2-Mar-2015 10:00:00 +0100\" "
              b"BODY[] {%d}\r\n" % len(body1) + body1 + b")\r\n"
              b"* 1 EXISTS\r\n"
              b"* 2 FETCH (BODY[] {%d}\r\n" % len(body2) + body2 + b" UID 12 FLAGS () INTERNALDATE "
              b"\"01-Jan-2020 00:00:00 +0000\")\r\n"
              b"* 3 FETCH (UID 13 RFC822.SIZE 42 BODY[HEADER.FIELDS (MESSAGE-ID)] NIL)\r\n"
              b"MW1 OK Fetch completed.\r\n")
    sock, thread, got = serve([(10, answer)])
    w = wire.Wire(FakeClient(sock, (b"IMAP4REV1", b"LITERAL+")))
    out = w.fetch_list([11, 12, 13], "UID FLAGS INTERNALDATE BODY.PEEK[]")
    thread.join()
    assert got[0] == b"MW1 UID FETCH 11:13 (UID FLAGS INTERNALDATE BODY.PEEK[])\r\n"
    assert out[0]["UID"] == 11 and out[0]["BODY"] == body1 and out[0]["FLAGS"] == (b"\\Seen", b"$Custom")
    assert out[0]["INTERNALDATE"] == " 2-Mar-2015 10:00:00 +0100"
    assert out[1]["UID"] == 12 and out[1]["BODY"] == body2 and out[1]["FLAGS"] == ()
    assert out[2] == {"UID": 13, "RFC822.SIZE": 42, "HEADER": b"", "SEQ": 3}
    assert w.untagged == [b"* 1 EXISTS"]


def test_multiappend_literal_plus_and_appenduid():
    msgs = [(b"A" * 10, ("\\Seen",), "02-Mar-2015 10:00:00 +0100"), (b"B" * 300_000, (), None)]
    expected = (b'MW1 APPEND "Dossier/&AMk-t&AOk-" (\\Seen) "02-Mar-2015 10:00:00 +0100" {10+}\r\n' + b"A" * 10
                + b" () {300000+}\r\n" + b"B" * 300_000 + b"\r\n")
    sock, thread, got = serve([(len(expected), b"MW1 OK [APPENDUID 77 5:6] Append completed.\r\n")])
    w = wire.Wire(FakeClient(sock, (b"MULTIAPPEND", b"LITERAL+", b"UIDPLUS")))
    assert w.append("Dossier/Été", msgs) == [5, 6]
    thread.join()
    assert got[0] == expected


def test_append_refused_and_sync_literals():
    sock, thread, got = serve([(27, b"+ OK\r\n"), (5, b"MW1 NO [OVERQUOTA] Quota exceeded (mailbox for user is full)\r\n")])
    w = wire.Wire(FakeClient(sock, (b"IMAP4REV1",)))
    with pytest.raises(wire.CommandFailed) as info:
        w.append("INBOX", [(b"abc", (), None)])
    thread.join()
    assert got[0] == b'MW1 APPEND "INBOX" () {3}\r\n'
    assert info.value.code == "OVERQUOTA" and "Quota exceeded" in info.value.text
    with pytest.raises(ValueError):
        w.append("INBOX", [(b"a", (), None), (b"b", (), None)])  # no MULTIAPPEND


def test_connection_closed_mid_literal():
    sock, thread, _got = serve([(10, b"* 1 FETCH (UID 1 BODY[] {100}\r\nonly a part")])
    w = wire.Wire(FakeClient(sock, ()))
    with pytest.raises(wire.WireError):
        w.fetch_list("1:*", "UID BODY.PEEK[]")
    thread.join()


def test_status_many_is_pipelined():
    answer = (b'* STATUS "INBOX" (MESSAGES 3 UIDNEXT 9 UIDVALIDITY 77)\r\nMW1 OK done\r\n'
              b'MW2 NO Mailbox does not exist\r\n'
              b'* STATUS "&AMk-t&AOk-" (MESSAGES 0 UIDNEXT 1 UIDVALIDITY 78 HIGHESTMODSEQ 1)\r\nMW3 OK done\r\n')
    expected = (b'MW1 STATUS "INBOX" (MESSAGES UIDNEXT)\r\nMW2 STATUS "Gone" (MESSAGES UIDNEXT)\r\n'
                b'MW3 STATUS "&AMk-t&AOk-" (MESSAGES UIDNEXT)\r\n')
    sock, thread, got = serve([(len(expected), answer)])
    w = wire.Wire(FakeClient(sock, ()))
    result = wire.status_many(w, ["INBOX", "Gone", "Été"], ["MESSAGES", "UIDNEXT"])
    thread.join()
    assert got[0] == expected  # all commands sent before any answer is read
    assert result == {"INBOX": {"MESSAGES": 3, "UIDNEXT": 9, "UIDVALIDITY": 77}, "Gone": None,
                      "Été": {"MESSAGES": 0, "UIDNEXT": 1, "UIDVALIDITY": 78, "HIGHESTMODSEQ": 1}}


def test_stream_copy_pipes_the_literal():
    body = b"Subject: big\r\n\r\n" + b"q" * 3_000_000
    src_sock, src_thread, src_got = serve([(10, b"* 4 FETCH (UID 42 BODY[] {%d}\r\n" % len(body) + body
                                           + b")\r\nMW1 OK Fetch completed.\r\n")])
    head = b'MW1 APPEND "INBOX" (\\Seen) "02-Mar-2015 10:00:00 +0100" {%d+}\r\n' % len(body)
    dst_sock, dst_thread, dst_got = serve([(len(head) + len(body) + 2, b"MW1 OK [APPENDUID 5 17] done\r\n")])
    src = wire.Wire(FakeClient(src_sock, ()))
    dst = wire.Wire(FakeClient(dst_sock, (b"LITERAL+",)))
    assert wire.stream_copy(src, dst, 42, "INBOX", ("\\Seen",), "02-Mar-2015 10:00:00 +0100",
                            chunk=65536) == (len(body), [17])
    src_thread.join()
    dst_thread.join()
    assert src_got[0] == b"MW1 UID FETCH 42 (UID BODY.PEEK[])\r\n"
    assert dst_got[0] == head + body + b"\r\n"


def test_simple_many_pipelines_create_and_subscribe():
    expected = b'MW1 CREATE "A/&AMk-"\r\nMW2 CREATE "B"\r\nMW3 SUBSCRIBE "B"\r\n'
    answer = b"MW1 OK Create completed.\r\nMW2 NO [ALREADYEXISTS] Mailbox already exists\r\nMW3 OK done\r\n"
    sock, thread, got = serve([(len(expected), answer)])
    w = wire.Wire(FakeClient(sock, ()))
    assert wire.simple_many(w, [("CREATE", "A/É"), ("CREATE", "B"), ("SUBSCRIBE", "B")]) == [
        None, "NO [ALREADYEXISTS] Mailbox already exists", None]
    thread.join()
    assert got[0] == expected
