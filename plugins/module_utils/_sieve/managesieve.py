# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""A read-only ManageSieve client (RFC 5804): STARTTLS or implicit TLS, AUTHENTICATE PLAIN, LISTSCRIPTS,
GETSCRIPT, LOGOUT, over the standard library (socket, ssl). Certificates are verified unless told not to.

We read scripts and never write them; four commands do not justify a dependency on the controller.
"""

from __future__ import annotations

import base64
import re
import socket
import ssl

_LITERAL = re.compile(rb"\{(\d+)\+?\}\r\n")


class SieveError(Exception):
    pass


class ManageSieveClient:
    def __init__(self, host: str, port: int = 4190, security: str = "starttls", ca_file: str | None = None,
                 validate_certs: bool = True, timeout: float = 30):
        self.host, self.port, self.security = host, port, security
        self.timeout = timeout
        self.context = ssl.create_default_context(cafile=ca_file)
        if not validate_certs:
            self.context.check_hostname = False
            self.context.verify_mode = ssl.CERT_NONE
        self.sock: socket.socket | None = None
        self._buffer = b""
        self.capabilities: dict[str, str] = {}

    # ----------------------------------------------------------------- wire
    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise SieveError(f"{self.host}:{self.port} closed the ManageSieve connection")
        self._buffer += chunk

    def _line(self) -> bytes:
        while b"\r\n" not in self._buffer:
            self._fill()
        line, self._buffer = self._buffer.split(b"\r\n", 1)
        return line

    def _read_response(self) -> tuple[list[list[str]], str, str]:
        """(data lines as lists of strings/atoms, OK|NO|BYE, the rest of the status line)."""
        lines: list[list[str]] = []
        while True:
            items, raw = self._read_items()
            head = items[0].upper() if items and raw[:1] not in (b'"', b"{") else ""
            if head in ("OK", "NO", "BYE"):
                return lines, head, " ".join(items[1:])
            lines.append(items)

    def _read_items(self) -> tuple[list[str], bytes]:
        """One response line, its literals read in, split into strings and atoms."""
        line = self._line()
        first = line
        items: list[str] = []
        while True:
            pos = 0
            while pos < len(line):
                char = line[pos:pos + 1]
                if char == b" ":
                    pos += 1
                elif char == b'"':
                    end, value = pos + 1, bytearray()
                    while end < len(line) and line[end:end + 1] != b'"':
                        if line[end:end + 1] == b"\\":
                            end += 1
                        value += line[end:end + 1]
                        end += 1
                    items.append(value.decode("utf-8", "replace"))
                    pos = end + 1
                elif char == b"{" and _LITERAL.match(line[pos:] + b"\r\n"):
                    size = int(_LITERAL.match(line[pos:] + b"\r\n").group(1))
                    while len(self._buffer) < size:
                        self._fill()
                    items.append(self._buffer[:size].decode("utf-8", "replace"))
                    self._buffer = self._buffer[size:]
                    line = self._line()  # what follows the literal on the same logical line
                    break
                elif char == b"(":
                    end = line.find(b")", pos)
                    end = len(line) if end < 0 else end + 1
                    items.append(line[pos:end].decode("utf-8", "replace"))
                    pos = end
                else:
                    end = line.find(b" ", pos)
                    end = len(line) if end < 0 else end
                    items.append(line[pos:end].decode("utf-8", "replace"))
                    pos = end
            else:
                return items, first

    def _command(self, text: str) -> list[list[str]]:
        self.sock.sendall(text.encode("utf-8") + b"\r\n")
        lines, status, rest = self._read_response()
        if status != "OK":
            raise SieveError(f"{self.host} answered {status} to {text.split(' ', 1)[0]}: {rest}")
        return lines

    @staticmethod
    def _quote(value: str) -> str:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'

    # ----------------------------------------------------------------- session
    def connect(self) -> "ManageSieveClient":
        try:
            raw = socket.create_connection((self.host, self.port), timeout=self.timeout)
        except OSError as exc:
            raise SieveError(f"cannot reach ManageSieve at {self.host}:{self.port}: {exc}") from None
        self.sock = self.context.wrap_socket(raw, server_hostname=self.host) if self.security == "tls" else raw
        try:
            self._read_capabilities(self._read_response())
            if self.security == "starttls":
                if "STARTTLS" not in self.capabilities:
                    raise SieveError(f"{self.host} offers no STARTTLS on ManageSieve; use security=tls or plain")
                self._command("STARTTLS")
                self.sock = self.context.wrap_socket(self.sock, server_hostname=self.host)
                self._buffer = b""
                self._read_capabilities(self._read_response())  # RFC 5804 2.2: capabilities again
        except ssl.SSLError as exc:
            self.close()
            raise SieveError(f"TLS with {self.host}:{self.port} failed: {exc}; check ca_file/validate_certs") from None
        return self

    def _read_capabilities(self, response) -> None:
        lines, status, rest = response
        if status != "OK":
            raise SieveError(f"{self.host} refused the ManageSieve session: {rest}")
        self.capabilities = {items[0].upper(): (items[1] if len(items) > 1 else "") for items in lines if items}

    def login(self, user: str, password: str) -> None:
        token = base64.b64encode(b"\0" + user.encode("utf-8") + b"\0" + password.encode("utf-8")).decode("ascii")
        self.sock.sendall(f'AUTHENTICATE "PLAIN" "{token}"\r\n'.encode("ascii"))
        _lines, status, rest = self._read_response()
        if status != "OK":
            raise SieveError(f"{self.host} refused the ManageSieve login of {user}: {rest or status}; "
                             "check user and password")

    def list_scripts(self) -> list[tuple[str, bool]]:
        return [(items[0], len(items) > 1 and items[1].upper() == "ACTIVE") for items in self._command("LISTSCRIPTS")
                if items]

    def get_script(self, name: str) -> str:
        lines = self._command("GETSCRIPT " + self._quote(name))
        return lines[0][0] if lines and lines[0] else ""

    def close(self) -> None:
        if self.sock is not None:
            try:
                self.sock.sendall(b"LOGOUT\r\n")
            except OSError:
                pass
            try:
                self.sock.close()
            except OSError:
                pass
            self.sock = None
