"""A real Xandikos (Debian's ``xandikos``, Git-backed) for tests: a second CardDAV/CalDAV source.

Xandikos has no authentication of its own (it expects a reverse proxy to do it) and one principal,
``/user/``; ``--defaults`` makes ``/user/contacts/addressbook/`` and ``/user/calendars/calendar/``.
Every collection is a Git repository, ETags are blob ids and sync-tokens commit ids, unlike Radicale's.
``/.well-known/carddav`` and ``caldav`` redirect (302) to ``/``, whose current-user-principal is
``/user/``. Runs in the foreground on 127.0.0.1 at a free port in its own process group.
"""
from __future__ import annotations

import os
import pathlib
import signal
import subprocess
import time

import requests

from tests.lib.ports import free_port

XANDIKOS = "/usr/bin/xandikos"


class XandikosServer:
    host = "127.0.0.1"
    principal = "/user/"

    def __init__(self, workdir: pathlib.Path | str):
        self.workdir = pathlib.Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = 0
        self.log_file = self.workdir / "xandikos.log"
        self._proc: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def home_url(self) -> str:
        return self.base_url + self.principal

    def __enter__(self) -> "XandikosServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> "XandikosServer":
        self.port = free_port()
        log = open(self.log_file, "wb")  # pylint: disable=consider-using-with
        self._proc = subprocess.Popen(
            [XANDIKOS, "-d", str(self.workdir / "data"), "-l", self.host, "-p", str(self.port), "--defaults"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(self.workdir)})
        log.close()
        deadline = time.monotonic() + 30
        while True:
            if self._proc.poll() is not None:
                raise RuntimeError(f"xandikos exited: {self.log_file.read_text(errors='replace')[-2000:]}")
            try:
                requests.request("PROPFIND", self.home_url, headers={"Depth": "0"}, timeout=2)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise TimeoutError("xandikos did not answer within 30 s") from None
                time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            try:
                os.killpg(self._proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self._proc.wait(timeout=30)
        self._proc = None

    def session(self) -> requests.Session:
        return requests.Session()
