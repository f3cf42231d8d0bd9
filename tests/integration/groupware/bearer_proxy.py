"""A Google-shaped front for the real Radicale fixture: checks an OAuth2 bearer token, maps paths.

Google's paths (developers.google.com/people/carddav: /carddav/v1/principals/<email>/lists/default/;
developers.google.com/workspace/calendar/caldav/v2/guide: /caldav/v2/<calendar id>/events/) are mapped to
Radicale collections; the request goes on with the Radicale user's Basic login, and the hrefs of the answer
are mapped back. A missing or wrong token gets Google's 401 with ``WWW-Authenticate: Bearer``. Only the
authentication and the URL layout are emulated: the DAV answers are Radicale's own.
"""
from __future__ import annotations

import http.server
import threading

import requests

from tests.lib.ports import free_port


class BearerProxy:
    def __init__(self, upstream: str, token: str, basic: tuple[str, str], paths: dict[str, str]):
        self.upstream, self.token, self.basic = upstream.rstrip("/"), token, basic
        self.paths = paths  # {google path prefix: radicale path prefix}
        self.seen: list[str] = []  # the Authorization headers received
        self.port = free_port()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "BearerProxy":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _map(self, path: str, back: bool = False) -> str | None:
        for google, local in self.paths.items():
            old, new = (local, google) if back else (google, local)
            if path.startswith(old):
                return new + path[len(old):]
        return None

    def _handler(self):
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _any(self):
                auth = self.headers.get("Authorization", "")
                proxy.seen.append(auth)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if auth != "Bearer " + proxy.token:
                    self._send(401, b'{"error": {"code": 401, "status": "UNAUTHENTICATED"}}',
                               {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"',
                                "Content-Type": "application/json"})
                    return
                local = proxy._map(self.path)
                if local is None:
                    self._send(404, b"not a Google CardDAV/CalDAV path here", {})
                    return
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() in ("depth", "content-type", "if-match", "if-none-match")}
                answer = requests.request(self.command, proxy.upstream + local, data=body, headers=headers,
                                          auth=proxy.basic, allow_redirects=False, timeout=30)
                data = answer.content
                for google, mapped in proxy.paths.items():
                    data = data.replace(mapped.encode(), google.encode())
                keep = {k: v for k, v in answer.headers.items() if k.lower() in ("content-type", "etag")}
                self._send(answer.status_code, data, keep)

            def _send(self, status, data, headers):
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PUT = do_PROPFIND = do_REPORT = do_OPTIONS = _any

        return Handler
