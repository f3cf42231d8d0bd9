"""The ManageSieve client's response reader on recorded-style server answers (RFC 5804 examples)."""
from __future__ import annotations

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._sieve.managesieve import ManageSieveClient, SieveError


class FakeSocket:
    def __init__(self, data: bytes):
        self.data, self.sent = data, b""

    def recv(self, _size):
        chunk, self.data = self.data[:7], self.data[7:]  # small chunks: literals split across reads
        return chunk

    def sendall(self, data):
        self.sent += data


def client(answer: bytes) -> ManageSieveClient:
    c = ManageSieveClient("sieve.example.com")
    c.sock = FakeSocket(answer)
    return c


def test_listscripts_quoted_literal_and_active():
    c = client(b'"summer_script"\r\n"vac\\"ation"\r\n{13}\r\nclever"script\r\n"main" ACTIVE\r\nOK\r\n')
    assert c.list_scripts() == [("summer_script", False), ('vac"ation', False), ('clever"script', False),
                                ("main", True)]
    assert c.sock.sent == b"LISTSCRIPTS\r\n"


def test_getscript_literal_keeps_bytes_and_crlf():
    script = 'require "fileinto";\r\nif true { fileinto "Dév"; }\r\n'.encode()
    c = client(b"{%d}\r\n" % len(script) + script + b"\r\nOK \"Getscript completed.\"\r\n")
    assert c.get_script('my "x"') == script.decode()
    assert c.sock.sent == b'GETSCRIPT "my \\"x\\""\r\n'


def test_no_answer_is_an_error_with_the_servers_words():
    c = client(b'NO (NONEXISTENT) "There is no script by that name"\r\n')
    with pytest.raises(SieveError, match="There is no script by that name"):
        c.get_script("missing")


def test_capabilities_are_read():
    c = client(b'"IMPLEMENTATION" "Example1 ManageSieved v001"\r\n"SASL" "PLAIN"\r\n"STARTTLS"\r\n'
               b'"VERSION" "1.0"\r\nOK\r\n')
    c._read_capabilities(c._read_response())  # pylint: disable=protected-access
    assert c.capabilities["SASL"] == "PLAIN" and "STARTTLS" in c.capabilities
