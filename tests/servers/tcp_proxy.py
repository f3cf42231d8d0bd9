"""A small TCP proxy for tests and the benchmark: latency each way, connection drops and cuts.

``TcpProxy(target_host, target_port, latency_ms=20).start()`` listens on 127.0.0.1:``port`` and relays
every connection to the target. It runs an asyncio loop in a background thread.

- Latency is a delay line: each chunk read is stamped and written ``latency_ms`` later, while the
  reader keeps reading. Throughput is not serialised by the delay (a round trip costs 2 x latency,
  a long transfer costs one latency plus its transfer time).
- ``drop_all()`` closes every live connection abruptly (RST to both ends).
- ``cut_after_bytes(n, direction="down")`` arms a one-shot cut: the connection whose traffic makes the
  total bytes relayed in that direction since the call pass ``n`` gets the bytes up to ``n`` and is
  then dropped; later connections work again ("a run cut off mid-way resumes").
  ``down`` is server -> client, ``up`` is client -> server.
"""
from __future__ import annotations

import asyncio
import socket
import struct
import threading

from tests.lib.ports import free_port

_CHUNK = 256 * 1024


class _Conn:
    def __init__(self, proxy: "TcpProxy", client_writer: asyncio.StreamWriter):
        self.proxy = proxy
        self.client_writer = client_writer
        self.server_writer: asyncio.StreamWriter | None = None
        self.closed = False
        self.tasks: list[asyncio.Task] = []

    def abort(self) -> None:
        if self.closed:
            return
        self.closed = True
        for writer in (self.client_writer, self.server_writer):
            if writer is None:
                continue
            sock = writer.get_extra_info("socket")
            try:
                if sock is not None:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
            writer.transport.abort()
        current = asyncio.current_task()
        for task in self.tasks:
            if task is not current:
                task.cancel()


class TcpProxy:
    host = "127.0.0.1"

    def __init__(self, target_host: str, target_port: int, *, latency_ms: float = 0):
        self.target_host = target_host
        self.target_port = target_port
        self.latency = max(0.0, float(latency_ms)) / 1000.0
        self.port = 0
        self.connections = 0  # connections accepted so far
        self.peak_live = 0  # most connections open at once
        self.cuts = 0  # connections dropped by cut_after_bytes
        self.bytes = {"down": 0, "up": 0}  # relayed so far
        self._cut: dict | None = None
        self._conns: set[_Conn] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # ----------------------------------------------------------------- lifecycle
    def __enter__(self) -> "TcpProxy":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> "TcpProxy":
        if self._thread is not None:
            return self
        ready = threading.Event()
        errors: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                for _attempt in range(5):
                    port = free_port()
                    try:
                        self._server = loop.run_until_complete(
                            asyncio.start_server(self._handle, self.host, port, limit=_CHUNK, backlog=128))
                        self.port = port
                        break
                    except OSError as exc:
                        errors.append(exc)
                else:
                    return
                errors.clear()
            finally:
                ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

        self._thread = threading.Thread(target=run, name=f"tcp-proxy-{self.target_port}", daemon=True)
        self._thread.start()
        ready.wait(10)
        if errors or not self.port:
            self.stop()
            raise RuntimeError(f"tcp proxy could not listen: {errors[-1] if errors else 'timeout'}")
        return self

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            self._thread = None
            return

        async def shutdown() -> None:
            if self._server is not None:
                self._server.close()
            for conn in list(self._conns):
                conn.abort()
            self._conns.clear()
            await asyncio.sleep(0)

        if loop.is_running():
            try:
                asyncio.run_coroutine_threadsafe(shutdown(), loop).result(10)
            except Exception:  # pylint: disable=broad-except
                pass
            loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        self._thread = None
        self._loop = None
        self._server = None

    # ----------------------------------------------------------------- faults
    @property
    def live(self) -> int:
        """Connections open right now."""
        return len(self._conns)

    def drop_all(self) -> int:
        """Close every live connection abruptly; return how many were dropped."""
        async def drop() -> int:
            conns = list(self._conns)
            for conn in conns:
                conn.abort()
            self._conns.clear()
            return len(conns)

        return self._call(drop())

    def cut_after_bytes(self, n: int, direction: str = "down") -> None:
        """Arm a one-shot cut after n more bytes in direction ("down": server->client, "up")."""
        if direction not in ("down", "up"):
            raise ValueError("direction must be 'down' or 'up'")
        with self._lock:
            self._cut = {"direction": direction, "left": int(n)}

    def cancel_cut(self) -> None:
        with self._lock:
            self._cut = None

    @property
    def cut_pending(self) -> bool:
        return self._cut is not None

    def _call(self, coro):
        if self._loop is None:
            coro.close()
            return 0
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)

    # ----------------------------------------------------------------- relay
    async def _handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        conn = _Conn(self, client_writer)
        self._conns.add(conn)
        self.peak_live = max(self.peak_live, len(self._conns))
        try:
            server_reader, server_writer = await asyncio.open_connection(
                self.target_host, self.target_port, limit=_CHUNK)
        except OSError:
            conn.abort()
            self._conns.discard(conn)
            return
        conn.server_writer = server_writer
        for writer in (client_writer, server_writer):
            sock = writer.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn.tasks = [asyncio.ensure_future(self._pump(conn, client_reader, server_writer, "up")),
                      asyncio.ensure_future(self._pump(conn, server_reader, client_writer, "down"))]
        try:
            await asyncio.gather(*conn.tasks, return_exceptions=True)
        finally:
            self._conns.discard(conn)
            if not conn.closed:  # both directions ended normally: close gracefully, nothing is lost
                conn.closed = True
                for writer in (client_writer, server_writer):
                    writer.close()

    def _take_cut(self, direction: str, size: int) -> int | None:
        """Count size bytes; return how many of them may pass before a cut, or None for no cut."""
        with self._lock:
            self.bytes[direction] += size
            cut = self._cut
            if cut is None or cut["direction"] != direction:
                return None
            if size <= cut["left"]:
                cut["left"] -= size
                return None
            allowed = cut["left"]
            self._cut = None
            self.cuts += 1
            return allowed

    async def _pump(self, conn: _Conn, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    direction: str) -> None:
        loop = asyncio.get_running_loop()
        # bounded: a slow reader on one side pushes back on the other instead of filling memory
        queue: asyncio.Queue | None = asyncio.Queue(maxsize=256) if self.latency else None
        sender = asyncio.ensure_future(self._delayed_writer(conn, queue, writer)) if queue is not None else None
        if sender is not None:
            conn.tasks.append(sender)
        try:
            cut = False
            while not conn.closed and not cut:
                data = await reader.read(_CHUNK)
                if not data:
                    # orderly end of one direction: pass the half-close on (after the delay)
                    if queue is not None:
                        await queue.put((loop.time() + self.latency, b"", False))
                    elif not conn.closed and writer.can_write_eof():
                        writer.write_eof()
                    break
                allowed = self._take_cut(direction, len(data))
                cut = allowed is not None
                if cut:
                    data = data[:allowed]
                if queue is not None:
                    await queue.put((loop.time() + self.latency, data, cut))
                    continue
                if data:
                    writer.write(data)
                    await writer.drain()
                if cut:
                    conn.abort()
            if sender is not None and not conn.closed:
                await sender  # deliver what is still in the delay line
        except (ConnectionError, OSError, asyncio.IncompleteReadError):
            conn.abort()

    async def _delayed_writer(self, conn: _Conn, queue: asyncio.Queue, writer: asyncio.StreamWriter) -> None:
        loop = asyncio.get_running_loop()
        try:
            while not conn.closed:
                due, data, cut = await queue.get()
                wait = due - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                if data:
                    writer.write(data)
                    await writer.drain()
                if cut:
                    conn.abort()
                    return
                if not data:
                    if writer.can_write_eof():
                        writer.write_eof()
                    return
        except (ConnectionError, OSError):
            conn.abort()
