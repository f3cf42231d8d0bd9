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


def test_pipeline_sends_every_command_before_reading_and_attributes_answers():
    """Issue 11 (small mailboxes): per folder SELECT + FETCH + SEARCH, all folders in one write."""
    expected = (b'MW1 EXAMINE "A"\r\nMW2 UID FETCH 1:* (UID FLAGS)\r\nMW3 UID SEARCH ALL\r\n'
                b'MW4 EXAMINE "Gone"\r\nMW5 UID FETCH 1:* (UID FLAGS)\r\n'
                b'MW6 EXAMINE "B"\r\nMW7 UID FETCH 1:* (UID FLAGS)\r\n')
    answer = (b"* 2 EXISTS\r\n* OK [PERMANENTFLAGS (\\Seen $Kw \\*)] Flags permitted.\r\nMW1 OK [READ-ONLY] done\r\n"
              b"* 1 FETCH (UID 5 FLAGS (\\Seen))\r\n* SEARCH 5 6\r\n* 2 FETCH (UID 6 FLAGS ())\r\n"
              b"MW3 OK Search done\r\nMW2 OK Fetch done\r\n"  # tagged answers out of order
              b"MW4 NO Mailbox does not exist\r\nMW5 BAD No mailbox selected\r\n"
              b"* 1 FETCH (UID 9 FLAGS ($Kw))\r\nMW6 OK done\r\nMW7 OK done\r\n")
    sock, thread, got = serve([(len(expected), answer)])
    w = wire.Wire(FakeClient(sock, ()))
    seen = []
    commands = [(("A", "select"), b'EXAMINE "A"'), (("A", "meta"), b"UID FETCH 1:* (UID FLAGS)"),
                (("A", "window"), b"UID SEARCH ALL"), (("Gone", "select"), b'EXAMINE "Gone"'),
                (("Gone", "meta"), b"UID FETCH 1:* (UID FLAGS)"), (("B", "select"), b'EXAMINE "B"'),
                (("B", "meta"), b"UID FETCH 1:* (UID FLAGS)")]
    answers = wire.pipeline(w, commands, lambda key, line, data: seen.append((key[0], data["UID"] if data else line)))
    thread.join()
    assert got[0] == expected  # every command was sent before any answer was read
    assert [key for key, value in answers.items() if value is None] == [
        ("A", "select"), ("A", "window"), ("A", "meta"), ("B", "select"), ("B", "meta")]
    assert answers[("Gone", "select")].status == "NO" and answers[("Gone", "meta")].status == "BAD"
    uids = [(folder, value) for folder, value in seen if isinstance(value, int)]
    assert uids == [("A", 5), ("A", 6), ("B", 9)]
    lines = [value for folder, value in seen if folder == "A" and not isinstance(value, int)]
    assert wire.search_uids(lines[-1]) == {5, 6}
    assert wire.ok_code(lines[1]) == ("PERMANENTFLAGS", b"(\\Seen $Kw \\*)")
    assert wire.flag_list(wire.ok_code(lines[1])[1]) == (b"\\Seen", b"$Kw", b"\\*")


def test_examine_and_fetch_in_one_round_trip():
    expected = b'MW1 EXAMINE "Sent"\r\nMW2 UID FETCH 3:4 (UID BODY.PEEK[])\r\n'
    answer = (b"* 9 FETCH (FLAGS (\\Seen))\r\n"  # news of the folder selected before: not for on_fetch
              b"* 3 EXISTS\r\nMW1 OK [READ-ONLY] done\r\n* 1 FETCH (UID 3 BODY[] {2}\r\nhi)\r\nMW2 OK done\r\n")
    sock, thread, got = serve([(len(expected), answer)])
    w = wire.Wire(FakeClient(sock, ()))
    bodies = []
    wire.examine_and_fetch(w, "Sent", [3, 4], "UID BODY.PEEK[]", bodies.append)
    thread.join()
    assert got[0] == expected
    assert [(d["UID"], d["BODY"]) for d in bodies] == [(3, b"hi")]
    assert w._imap.state == "SELECTED"


def test_examine_and_fetch_refused_select_reads_both_answers():
    expected = b'MW1 EXAMINE "Gone"\r\nMW2 UID FETCH 3 (UID)\r\n'
    answer = b"MW1 NO Mailbox does not exist\r\nMW2 BAD No mailbox selected\r\n"
    sock, thread, got = serve([(len(expected), answer), (len(b"MW3 NOOP\r\n"), b"MW3 OK noop\r\n")])
    w = wire.Wire(FakeClient(sock, ()))
    with pytest.raises(wire.CommandFailed) as refused:
        wire.examine_and_fetch(w, "Gone", [3], "UID", lambda data: None)
    assert refused.value.status == "NO"
    tag = w._tag()
    w._send(tag + b" NOOP\r\n")
    assert w._finish(tag) == "noop"  # both answers were read: the connection is still in step
    thread.join()


def test_status_mailbox_names():
    assert wire.status_mailbox(b'* STATUS "Labels/Work" (MESSAGES 1)\r\n') == b"Labels/Work"
    assert wire.status_mailbox(b"* STATUS INBOX (MESSAGES 1)\r\n") == b"INBOX"
    assert wire.status_mailbox(b'* STATUS "a\\"b" (MESSAGES 1)\r\n') == b'a"b'
    assert wire.status_mailbox(b"* STATUS \x000\x00 (MESSAGES 1)\r\n") is None
    assert wire.wire_name("Clients/Été") == b"Clients/&AMk-t&AOk-" and wire.wire_name("inbox") == b"INBOX"


def test_finish_burst_tells_a_status_by_the_folder_it_names():
    """The finish's verification of several pairs is one burst; a STATUS of a pair without EXAMINE may be
    answered while an earlier pair's FETCH runs (Dovecot), and still goes to its own pair."""
    from ansible_collections.mailwave.migrate.plugins.module_utils._imap import finish

    expected = (b'MW1 EXAMINE "Work"\r\nMW2 UID FETCH 7 (UID RFC822.SIZE)\r\nMW3 STATUS "Work" (MESSAGES)\r\n'
                b'MW4 STATUS "Empty" (MESSAGES)\r\n')
    answer = (b"MW1 OK [READ-ONLY] done\r\n* STATUS \"Empty\" (MESSAGES 0)\r\n"
              b"* 1 FETCH (UID 7 RFC822.SIZE 120)\r\nMW2 OK done\r\n* STATUS \"Work\" (MESSAGES 1)\r\n"
              b"MW3 OK done\r\nMW4 OK done\r\n")
    sock, thread, got = serve([(len(expected), answer)])
    w = wire.Wire(FakeClient(sock, ()))
    seen = []
    statuses = finish.fetch_pipelined(w, [("work", "Work", [([7], "UID RFC822.SIZE")], ("Work", ["MESSAGES"])),
                                          ("empty", "Empty", [([], "UID RFC822.SIZE")], ("Empty", ["MESSAGES"]))],
                                      lambda key, data: seen.append((key, data["UID"])))
    thread.join()
    assert got[0] == expected  # one write; no EXAMINE for a pair with nothing to fetch
    assert statuses == {"work": {"MESSAGES": 1}, "empty": {"MESSAGES": 0}}
    assert seen == [("work", 7)]
