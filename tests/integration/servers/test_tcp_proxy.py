"""The TCP proxy: relays bytes intact, adds latency without serialising throughput, drops and cuts."""
from __future__ import annotations

import hashlib
import socket
import ssl
import threading
import time

import imapclient
import pytest


class _BlobServer:
    """A tiny TCP server: reads a request line "<n>\\n" and answers n pseudo-random bytes, then closes;
    "echo\\n" echoes every byte back until EOF."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(32)
        self.port = self.sock.getsockname()[1]
        self._stop = False
        threading.Thread(target=self._serve, daemon=True).start()

    @staticmethod
    def blob(n: int) -> bytes:
        out, seed = bytearray(), b"seed"
        while len(out) < n:
            seed = hashlib.sha256(seed).digest()
            out += seed * 64
        return bytes(out[:n])

    def _serve(self):
        while not self._stop:
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn):
        with conn:
            line = b""
            while not line.endswith(b"\n"):
                data = conn.recv(1)
                if not data:
                    return
                line += data
            if line == b"echo\n":
                try:
                    while True:
                        data = conn.recv(65536)
                        if not data:
                            return
                        conn.sendall(data)
                except OSError:
                    return
            try:
                conn.sendall(self.blob(int(line)))
            except OSError:
                pass

    def close(self):
        self._stop = True
        self.sock.close()


@pytest.fixture
def blob_server():
    server = _BlobServer()
    yield server
    server.close()


def _get(port: int, n: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"%d\n" % n)
        chunks = []
        while True:
            data = sock.recv(1 << 20)
            if not data:
                break
            chunks.append(data)
    return b"".join(chunks)


def test_relays_bytes_intact_and_counts(blob_server, tcp_proxy):
    proxy = tcp_proxy("127.0.0.1", blob_server.port)
    assert _get(proxy.port, 3_000_000) == _BlobServer.blob(3_000_000)
    assert _get(proxy.port, 10) == _BlobServer.blob(10)
    assert proxy.connections == 2
    assert proxy.bytes["down"] == 3_000_010
    deadline = time.monotonic() + 2
    while proxy.live and time.monotonic() < deadline:  # the proxy closes its side just after the client
        time.sleep(0.01)
    assert proxy.live == 0


def test_latency_each_way_without_serialising(blob_server, tcp_proxy):
    proxy = tcp_proxy("127.0.0.1", blob_server.port, latency_ms=50)
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as sock:
        sock.sendall(b"echo\n")
        time.sleep(0.2)
        rtts = []
        for _attempt in range(3):
            start = time.monotonic()
            sock.sendall(b"x")
            assert sock.recv(10) == b"x"
            rtts.append(time.monotonic() - start)
    assert 0.095 <= min(rtts) < 0.3, rtts  # 50 ms each way
    # 8 MB through the delay line: one latency plus transfer time, not a delay per chunk
    start = time.monotonic()
    assert len(_get(proxy.port, 8_000_000)) == 8_000_000
    elapsed = time.monotonic() - start
    assert elapsed < 1.5, elapsed  # 32 chunks of 256 KB delayed one after another would take > 1.6 s


def test_drop_all(blob_server, tcp_proxy):
    proxy = tcp_proxy("127.0.0.1", blob_server.port)
    sock = socket.create_connection(("127.0.0.1", proxy.port), timeout=5)
    sock.sendall(b"echo\nabc")
    assert sock.recv(10) == b"abc"
    assert proxy.drop_all() == 1
    with pytest.raises(OSError):
        for _attempt in range(3):
            sock.sendall(b"more")
            if not sock.recv(10):
                raise ConnectionResetError("closed")
            time.sleep(0.05)
    sock.close()
    assert _get(proxy.port, 1000) == _BlobServer.blob(1000)  # new connections still work


def test_cut_after_bytes_down_then_works_again(blob_server, tcp_proxy):
    proxy = tcp_proxy("127.0.0.1", blob_server.port)
    proxy.cut_after_bytes(1_000_000)
    got = b""
    with pytest.raises(OSError):
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as sock:
            sock.sendall(b"5000000\n")
            while True:
                data = sock.recv(1 << 20)
                if not data:
                    raise ConnectionResetError("closed early")
                got += data
    assert len(got) <= 1_000_000
    assert got == _BlobServer.blob(len(got))
    assert proxy.cuts == 1 and not proxy.cut_pending
    assert _get(proxy.port, 5_000_000) == _BlobServer.blob(5_000_000)


def test_cut_with_latency_counts_total_across_connections(blob_server, tcp_proxy):
    proxy = tcp_proxy("127.0.0.1", blob_server.port, latency_ms=5)
    proxy.cut_after_bytes(150_000)
    assert len(_get(proxy.port, 100_000)) == 100_000  # under the limit: intact
    with pytest.raises(OSError):
        with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as sock:
            sock.sendall(b"100000\n")
            total = 0
            while True:
                data = sock.recv(1 << 20)
                if not data:
                    raise ConnectionResetError("closed early")
                total += len(data)
                assert total <= 50_000
    assert proxy.cuts == 1


def test_imap_tls_through_proxy_and_cut(dovecot, mail_account, tcp_proxy):
    user, password = mail_account(dovecot)
    dovecot.append(user, password, "INBOX", b"Subject: big\r\n\r\n" + b"y" * 2_000_000 + b"\r\n")
    proxy = tcp_proxy(dovecot.host, dovecot.port_tls, latency_ms=5)
    ctx = ssl.create_default_context(cafile=dovecot.ca_file)
    client = imapclient.IMAPClient("127.0.0.1", port=proxy.port, ssl=True, ssl_context=ctx, timeout=10)
    client.login(user, password)
    client.select_folder("INBOX", readonly=True)
    proxy.cut_after_bytes(500_000)
    with pytest.raises((OSError, imapclient.exceptions.IMAPClientAbortError, ssl.SSLError)):
        client.fetch([1], ["BODY.PEEK[]"])
    client.shutdown()
    # a new connection through the same proxy works: the cut was one-shot
    client = imapclient.IMAPClient("127.0.0.1", port=proxy.port, ssl=True, ssl_context=ctx, timeout=10)
    try:
        client.login(user, password)
        client.select_folder("INBOX", readonly=True)
        body = client.fetch([1], ["BODY.PEEK[]"])[1][b"BODY[]"]
        assert len(body) > 2_000_000
    finally:
        client.logout()
