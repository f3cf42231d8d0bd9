"""A small threaded HTTP server that emulates a vendor API and records every request it receives.

Each emulator subclasses ApiEmulator and implements `handle(request) -> Response`. The server binds a
free 127.0.0.1 port, serves in a daemon thread, and `stop()` shuts it down and closes the socket.
Requests are recorded (method, path, query, headers, raw body, parsed JSON body) before they are
handled, so tests can assert the exact traffic, including what an emulator rejected.
"""
from __future__ import annotations

import dataclasses
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.lib.ports import free_port

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclasses.dataclass
class Request:
    method: str
    path: str                    # path without the query string, e.g. /1.0/domain/zone/x/record
    query: dict[str, list[str]]  # parsed query string
    raw_path: str                # path as sent, with the query string
    headers: dict[str, str]      # header names lower-cased
    body: bytes

    @property
    def json(self) -> Any:
        if not self.body:
            return None
        try:
            return json.loads(self.body.decode("utf-8"))
        except ValueError:
            return None

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default


@dataclasses.dataclass
class Response:
    status: int = 200
    body: Any = None             # JSON-able value, or bytes/str with content_type set
    content_type: str = "application/json"
    headers: dict[str, str] = dataclasses.field(default_factory=dict)

    def payload(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if self.content_type.startswith("application/json"):
            return json.dumps(self.body).encode("utf-8")
        return str(self.body if self.body is not None else "").encode("utf-8")


class ApiEmulator:
    """Base: run with start()/stop() (or as a context manager); subclasses implement handle()."""

    prefix = ""  # API path prefix, e.g. "/1.0"

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.lock = threading.RLock()          # the emulated state (zones), held while a request is handled
        self.log_lock = threading.Lock()       # the request log only, so slow handling does not delay it
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0
        # Test knobs: answer the next N requests with these responses (to exercise retries), and
        # fail_when: [(predicate(request) -> bool, Response)], each rule used once, on its first match.
        self.fail_next: list[Response] = []
        self.fail_when: list[tuple[Any, Response]] = []

    # -- life cycle ---------------------------------------------------------------------------
    #: (certfile, keyfile) to serve HTTPS instead of HTTP (set before start()).
    tls: tuple[str, str] | None = None

    @property
    def base_url(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.port}{self.prefix}"

    def start(self) -> "ApiEmulator":
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # header and body go out in two writes: no 40 ms delayed-ACK stall

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parsed = urllib.parse.urlsplit(self.path)
                request = Request(
                    method=self.command, path=urllib.parse.unquote(parsed.path),
                    query=urllib.parse.parse_qs(parsed.query, keep_blank_values=True), raw_path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()}, body=body)
                with emulator.log_lock:
                    emulator.requests.append(request)   # recorded at once, even if handling is slow
                with emulator.lock:
                    rule = next((r for r in emulator.fail_when if r[0](request)), None)
                    if rule is not None:
                        emulator.fail_when.remove(rule)
                        response = rule[1]
                    elif emulator.fail_next:
                        response = emulator.fail_next.pop(0)
                    else:
                        try:
                            response = emulator.handle(request)
                        except Exception as exc:  # an emulator bug must show up as a 500, not a hang
                            response = Response(500, {"emulator_error": repr(exc)})
                payload = response.payload() if self.command != "HEAD" else b""
                if response.status in (204, 304):
                    payload = b""
                try:
                    self.send_response(response.status)
                    self.send_header("Content-Type", response.content_type)
                    self.send_header("Content-Length", str(len(payload)))
                    for key, value in response.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    if payload:
                        self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
                    self.close_connection = True

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

            def log_message(self, format, *args):  # noqa: A002 - quiet server
                pass

        self.port = free_port()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._httpd.daemon_threads = True
        if self.tls:
            import ssl

            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self.tls)
            self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), name=type(self).__name__, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- for tests ----------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:  # pragma: no cover - abstract
        raise NotImplementedError

    def clear_requests(self) -> None:
        with self.log_lock:
            self.requests.clear()

    def writes(self) -> list[Request]:
        """The requests that change something (POST/PUT/PATCH/DELETE), in order."""
        with self.log_lock:
            return [r for r in self.requests if r.method in WRITE_METHODS]

    def api_path(self, request: Request) -> str | None:
        """The request path below the API prefix, or None if it is outside the API."""
        if not request.path.startswith(self.prefix + "/") and request.path != self.prefix:
            return None
        return request.path[len(self.prefix):] or "/"
