"""A real headless Chromium driven over the DevTools protocol (``--remote-debugging-pipe``), for tests of
pages we write (report.html): load a file, collect console errors and uncaught exceptions, evaluate
script in the page. No extra Python package: the protocol is NUL-separated JSON on two pipes.

``Browser.available()`` says whether Debian's chromium is installed (scripts/install-deps.sh installs it).
"""
from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Flags for a closed network and a root user (the browser's sandbox needs user namespaces we may lack).
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--disable-dev-shm-usage", "--remote-debugging-pipe")


def _onto_3_and_4(read_end, write_end):
    """In the child: the browser's command pipe on fd 3, its answer pipe on fd 4 (copies first, so that
    neither dup2 overwrites the other's source)."""
    commands, answers = os.dup(read_end), os.dup(write_end)
    os.dup2(commands, 3)
    os.dup2(answers, 4)


class BrowserError(RuntimeError):
    pass


class Browser:
    """One Chromium process with one page. Use as a context manager."""

    def __init__(self, timeout: float = 60.0):
        self.timeout = timeout
        self.events: list[dict] = []
        self._replies: dict[int, dict] = {}
        self._inbox: queue.Queue = queue.Queue()
        self._next_id = 0
        self._session = None
        self._profile = tempfile.mkdtemp(prefix="mailwave-chromium-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        # the browser reads commands on fd 3 and writes answers on fd 4
        self.proc = subprocess.Popen(
            [CHROMIUM, *FLAGS, "--user-data-dir=" + self._profile, "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            pass_fds=(3, 4), preexec_fn=lambda: _onto_3_and_4(to_browser_r, from_browser_w))
        os.close(to_browser_r)
        os.close(from_browser_w)
        threading.Thread(target=self._read, daemon=True).start()

    @staticmethod
    def available() -> bool:
        return os.access(CHROMIUM, os.X_OK)

    def __enter__(self) -> "Browser":
        targets = self.call("Target.getTargets")["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        self._session = self.call("Target.attachToTarget", targetId=page["targetId"], flatten=True)["sessionId"]
        for domain in ("Runtime", "Log", "Page"):
            self.call(domain + ".enable")
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.call("Browser.close", session=None)
        except BrowserError:
            pass
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_browser)
        shutil.rmtree(self._profile, ignore_errors=True)

    def _read(self) -> None:
        buf = b""
        with os.fdopen(self._from_browser, "rb", buffering=0) as pipe:
            while True:
                chunk = pipe.read(65536)
                if not chunk:
                    self._inbox.put(None)
                    return
                buf += chunk
                while b"\0" in buf:
                    raw, buf = buf.split(b"\0", 1)
                    self._inbox.put(json.loads(raw))

    def _pump(self, deadline: float) -> None:
        try:
            msg = self._inbox.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            return
        if msg is None:
            raise BrowserError("chromium exited: %s" % self.proc.stderr.read().decode(errors="replace")[-2000:])
        if "id" in msg:
            self._replies[msg["id"]] = msg
        else:
            self.events.append(msg)

    def call(self, method: str, session: str | None | bool = True, **params) -> dict:
        """Send one DevTools command (to the page unless session=None) and return its result."""
        self._next_id += 1
        msg = {"id": self._next_id, "method": method, "params": params}
        if session is True and self._session:
            msg["sessionId"] = self._session
        os.write(self._to_browser, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while self._next_id not in self._replies:
            if time.monotonic() > deadline:
                raise BrowserError("no answer to %s in %ss" % (method, self.timeout))
            self._pump(deadline)
        reply = self._replies.pop(self._next_id)
        if "error" in reply:
            raise BrowserError("%s: %s" % (method, reply["error"]))
        return reply.get("result", {})

    def open(self, url: str) -> None:
        """Navigate and wait for the load event."""
        seen = len(self.events)
        self.call("Page.navigate", url=url)
        deadline = time.monotonic() + self.timeout
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events[seen:]):
            if time.monotonic() > deadline:
                raise BrowserError("%s did not load in %ss" % (url, self.timeout))
            self._pump(deadline)

    def evaluate(self, expression: str):
        """The value of a script expression in the page (JSON-able values only)."""
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise BrowserError("script failed: %s" % result["exceptionDetails"])
        return result["result"].get("value")

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and error log entries seen so far."""
        while not self._inbox.empty():
            self._pump(time.monotonic())
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append("exception: %s" % params.get("exceptionDetails", {}).get("text"))
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append("console: %s" % [a.get("value", a.get("description")) for a in params.get("args", [])])
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                found.append("log: %s %s" % (params["entry"].get("text"), params["entry"].get("url", "")))
        return found
