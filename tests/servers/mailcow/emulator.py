"""A Mailcow HTTP API emulator that answers as the recorded transcripts show.

It implements the routes, auth, status codes, defaults, validation, message keys and response shapes of
Mailcow's ``/api/v1`` (mailcow-dockerized 06424670, see ../shared/reference/mailcow-api.md and the
transcripts next to it), quirks included: business errors are HTTP 200 lists of ``{type, log, msg}``,
side-effect entries (``rl_saved``, ``dkim_added``), quotas in MiB in and bytes out, ``{}`` for "not
found", an EMPTY 200 body when a sync job is added without ``exclude`` (and nothing is created), 401
with a text/html content type for a bad key, 403 for a read-only key that writes, 404/405 routing.
The production-only difference listed in the transcripts README is NOT emulated: ``delete/domain`` and
``delete/mailbox`` answer only their ``success`` entry (no "garbage collector" warning).

Optional mail backend: an object with ``add_user(user, password, quota_mb)``, ``remove_user(user)``,
``set_quota(user, quota_mb)`` and ``usage(user) -> {"bytes", "messages"}`` (the test Dovecot,
tests/servers/dovecot.py). When given, creating/deleting a mailbox creates/removes the account there
and quota used / message counts are read from it. Without it, usage comes from ``set_usage()``.

Sync jobs: ``tick()`` is one run of Mailcow's runner (selection logic of imapsync_runner.pl, one job at a
time); with the Dovecot backend a job really copies mail from its source over IMAP (syncrunner.py) and
stores an imapsync-style report as its log; ``runner_interval`` ticks automatically (the CLI: every 60 s).

Test hooks (Python): ``requests`` (every request seen: method, path, action, category, status),
``writes()`` (the add/edit/delete ones), ``set_usage()``, ``set_syncjob_result()``, ``tick()``,
``fail_next_runs()`` (the next runs end with that imapsync status).
Over HTTP (no key needed, only on 127.0.0.1): ``POST /_emulator/tick``, ``GET /_emulator/requests``.

Command line (the demo sandbox starts it as a process; stops on SIGTERM/SIGINT)::

    python -m tests.servers.mailcow.emulator --port N --api-key-file RW_FILE \
        [--read-only-key-file RO_FILE] [--hostname mail.example.org] \
        [--dovecot-config JSON_FILE] [--tls-cert CERT --tls-key KEY] [--info-file F]
        [--source-ca-file CA] [--runner-interval SECONDS]

``--dovecot-config`` names a JSON file ``{"module": "tests.servers.dovecot", "class": "DovecotServer",
"kwargs": {"workdir": "/tmp/sandbox/dovecot"}, "start": false}``: with ``"start": false`` (the default) the
emulator attaches to the Dovecot another process started in that workdir (``DovecotServer.attach``); with
``"start": true`` it constructs and starts its own (and stops it on exit). ``--info-file F`` writes
``{"url", "dovecot": {"host", "port", "port_tls", "ca_file"}}`` as JSON once everything listens. The process then prints ``READY <url>`` on stdout.

This module is the HTTP shell (routing, auth, envelope, runner ticks, CLI); the API functions are one module
per area over one store (``MailcowState``, state.py): domains.py (domains, rate limits), mailboxes.py,
aliases.py, transports.py (relay hosts, transports), syncjobs.py, dkim.py, filters.py (Sieve), with the PHP
semantics and ``Reply`` in common.py. Every name tests import from here is still importable from here.
"""
from __future__ import annotations

import argparse
import datetime
import importlib
import ipaddress
import json
import os
import re
import signal
import ssl
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.servers.mailcow import syncrunner
from tests.servers.mailcow.common import DEFAULT_HOSTNAME, Reply, _Crash, intval, pcre_valid
from tests.servers.mailcow.state import MailcowState

# What tests and the sandbox import from here (pcre_valid: the validator parity test).
__all__ = ["MailcowEmulator", "MailcowState", "main", "pcre_valid"]


class MailcowEmulator:
    """The HTTP front controller: routing, auth, envelope. Start with start(), stop with stop()."""

    ADD = {"domain": "add_domain", "mailbox": "add_mailbox", "alias": "add_alias", "syncjob": "add_syncjob",
           "dkim": "add_dkim", "relayhost": "add_relayhost", "transport": "add_transport",
           "filter": "add_filter"}
    EDIT = {"domain": "edit_domain", "mailbox": "edit_mailbox", "alias": "edit_alias", "syncjob": "edit_syncjob",
            "tls_policy": "edit_tls_policy", "transport": "edit_transport", "filter": "edit_filter"}
    DELETE = {"domain": "delete_domain", "mailbox": "delete_mailbox", "alias": "delete_alias",
              "syncjob": "delete_syncjob", "dkim": "delete_dkim", "transport": "delete_transport",
              "filter": "delete_filter"}

    def __init__(self, port=0, rw_keys=("RW-KEY-1234567890",), ro_keys=("RO-KEY-1234567890",),
                 hostname=DEFAULT_HOSTNAME, backend=None, host="127.0.0.1", tls_cert=None, tls_key=None,
                 dkim_bits=None, source_ca_file=None, runner_interval=None, allow_from=None):
        self.state = MailcowState(hostname=hostname, backend=backend, dkim_bits_override=dkim_bits)
        # API_ALLOW_FROM of the keys (None: skip_ip_check, any client address is accepted)
        self.allow_from = allow_from
        self.rw_keys, self.ro_keys = set(rw_keys), set(ro_keys or ())
        self.host, self.port = host, port
        self.tls_cert, self.tls_key = tls_cert, tls_key
        self.requests = []
        self.lock = threading.RLock()
        self._tick_lock = threading.Lock()
        self.source_ca_file = source_ca_file  # CA that sync jobs trust for the source server (None: system CAs)
        self.runner_interval = runner_interval  # seconds between automatic runner ticks (None: only tick())
        self._stop_runner = threading.Event()
        self._runner = None
        self._server = None
        self._thread = None

    # -- test hooks
    @property
    def url(self):
        scheme = "https" if self.tls_cert else "http"
        return "%s://%s:%d" % (scheme, self.host, self.port)

    def writes(self):
        return [r for r in self.requests if r["action"] in ("add", "edit", "delete")]

    def set_usage(self, user, bytes_used, messages):
        with self.lock:
            self.state.usage[user] = (int(bytes_used), int(messages))

    def set_syncjob_result(self, job_id, **kwargs):
        with self.lock:
            self.state.set_syncjob_result(job_id, **kwargs)

    def fail_next_runs(self, *statuses):
        with self.lock:
            self.state.failing_runs.extend(statuses)

    def tick(self, when=None):
        """One run of Mailcow's sync-job runner: the due jobs, one after another. With a Dovecot backend that
        has ``client(user, password)``, jobs really copy mail (syncrunner.py); otherwise an empty run is
        reported. A tick while another runs returns [] at once ("imapsync is active, exiting")."""
        if not self._tick_lock.acquire(blocking=False):
            return []
        try:
            when = when or datetime.datetime.now()
            with self.lock:
                due = self.state.due_jobs(when)
            ran = []
            for job_id in due:
                with self.lock:
                    job = self.state.start_run(job_id)
                if job is None:
                    continue
                text, code, status = self._run_one(job)
                with self.lock:
                    self.state.finish_run(job_id, text, code, status, when)
                ran.append(job_id)
            return ran
        finally:
            self._tick_lock.release()

    def _run_one(self, job):
        if job["forced_failure"]:
            status = job["forced_failure"]
            text = ("Host1: IMAP server [%s] port [%s] user [%s]\nHost1 failure: Error login on [%s] with user "
                    "[%s]\nExiting with return value 16 (%s: authentication failure) 1/50 nb_errors/max_errors\n"
                    % (job["host1"], job["port1"], job["user1"], job["host1"], job["user1"], status))
            return text, 16, status
        backend = self.state.backend
        destination = None
        if backend is not None and hasattr(backend, "client") and job["password2"]:
            def destination():
                return backend.client(job["user2"], job["password2"])
        return syncrunner.run_job(job, destination, ca_file=self.source_ca_file)

    def _runner_loop(self, interval):
        while not self._stop_runner.wait(interval):
            try:
                self.tick()
            except Exception:  # pylint: disable=broad-except
                pass

    # -- request handling
    def handle(self, method, raw_path, headers, body: bytes, client_ip="127.0.0.1") -> Reply:
        parsed = urllib.parse.urlsplit(raw_path)
        path = urllib.parse.unquote(parsed.path)
        query = urllib.parse.parse_qs(parsed.query)
        if path.startswith("/_emulator/"):
            return self._control(method, path)
        match = re.match(r"^/api/v1/(.*)$", path)
        record = {"method": method, "path": raw_path, "action": None, "category": None, "status": None}
        self.requests.append(record)
        reply = self._dispatch(method, match.group(1) if match else None, headers, body, query, record, client_ip)
        record["status"] = reply.status
        return reply

    def _control(self, method, path):
        if path == "/_emulator/tick" and method == "POST":
            return Reply.json({"ran": self.tick()})
        if path == "/_emulator/requests" and method == "GET":
            return Reply.json(self.requests)
        return Reply.error(404, "route not found")

    def _ip_allowed(self, client_ip):
        """sessions.inc.php: the client address must be one of allow_from (split on space, comma, ';', newline)."""
        if self.allow_from is None:
            return True
        address = ipaddress.ip_address(client_ip)
        for entry in re.split(r"[\s,;]+", self.allow_from.strip()):
            if not entry:
                continue
            try:
                if address in ipaddress.ip_network(entry, strict=False):
                    return True
            except ValueError:
                continue
        return False

    def _dispatch(self, method, query_path, headers, body, query, record, client_ip="127.0.0.1"):
        if query_path is None:
            return Reply(404, b"", "text/html; charset=UTF-8")
        parts = query_path.split("/")
        action = parts[0]
        category = parts[1] if len(parts) > 1 else ""
        obj = parts[2] if len(parts) > 2 else None
        extra = "/".join(parts[3:]) if len(parts) > 3 else None
        record.update(action=action, category=category)
        # sessions.inc.php: key check first (401 answered before the JSON header is set)
        raw_key = headers.get("X-API-Key")
        access = None
        if raw_key is not None:
            key = re.sub(r"[^a-zA-Z0-9-]", "", raw_key)
            if key in self.rw_keys:
                access = "rw"
            elif key in self.ro_keys:
                access = "ro"
            else:
                return Reply.error(401, "authentication failed", content_type="text/html; charset=UTF-8")
            if not self._ip_allowed(client_ip):
                return Reply.error(401, "api access denied for ip %s" % client_ip,
                                   content_type="text/html; charset=UTF-8")
        if headers.get("Sec-Fetch-Dest") not in (None, "empty"):
            return Reply(403, b"", "application/json")
        content_type = headers.get("Content-Type") or ""
        data = None
        if action != "get" and "application/json" in content_type:
            try:
                data = json.loads(body.decode("utf-8"))
            except ValueError:
                return Reply.error(400, "Request body doesn't contain valid json!")
            data = {"__json__": data}
        elif action != "get" and body:  # legacy form encoding: attr=<json>&items=<json>
            form = urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
            data = {}
            for name in ("attr", "items"):
                if name in form:
                    try:
                        data[name] = json.loads(form[name][0])
                    except ValueError:
                        data[name] = form[name][0]
        with self.lock:
            if action == "get":
                return self._get(method, access, category, obj, extra, query)
            if action in ("add", "edit", "delete"):
                return self._write(method, access, action, category, data)
            return Reply.error(404, "route not found")

    def _get(self, method, access, category, obj, extra, query):
        if method != "GET":
            return Reply.error(405, "only GET method is allowed")
        if access is None:
            return Reply(200, b"", "application/json")
        value = self.state.get(category, obj, extra, query)
        if value is NotImplemented:
            return Reply.error(404, "route not found")
        if not value:
            return Reply(200, b"{}", "application/json")
        return Reply.json(value, pretty=True)

    def _write(self, method, access, action, category, data):
        if access == "ro" or (access is None and action != "add"):
            return Reply.error(403, "API read/write access denied")
        if data is None or (action == "edit" and "__json__" not in data and "attr" not in data) or (
                action == "delete" and "__json__" not in data and "items" not in data):
            return Reply.error(200, "Cannot find attributes in post data")
        if method != "POST":
            return Reply.error(405, "only POST method is allowed")
        table = {"add": self.ADD, "edit": self.EDIT, "delete": self.DELETE}[action]
        special = action == "edit" and category in ("rl-domain", "rl-mbox", "passwordpolicy")
        if category not in table and not special:
            return Reply.error(404, "route not found")
        attr, items = self._body_parts(action, data)
        if action == "add" and access is None:
            fn = "dkim" if category == "dkim" else category if category in ("relayhost", "transport") else "mailbox"
            return Reply.json([{"type": "danger", "log": [fn, "add", category, attr, None], "msg": "access_denied"}])
        try:
            if action == "add":
                result = getattr(self.state, table[category])(attr if isinstance(attr, dict) else {})
            elif special and category == "passwordpolicy":
                result = self._edit_password_policy(attr)
            elif special:
                result = self.state.edit_ratelimit("domain" if category == "rl-domain" else "mailbox",
                                                   items, attr if isinstance(attr, dict) else {})
            elif action == "edit":
                result = getattr(self.state, table[category])(items, attr if isinstance(attr, dict) else {})
            else:
                result = getattr(self.state, table[category])(items)
        except _Crash:
            return Reply(200, b"", "application/json")
        if result is None or result == []:
            word = {"add": "add", "edit": "edit", "delete": "delete"}[action]
            return Reply.error(200, "Cannot %s item" % word)
        return Reply.json(result)

    def _edit_password_policy(self, attr):
        log = ["password_policy", "edit", attr]
        for key in ("length", "chars", "special_chars", "lowerupper", "numbers"):
            if key in (attr or {}):
                self.state.password_policy[key] = str(intval(attr[key]))
        return [{"type": "success", "log": log, "msg": "password_policy_saved"}]

    @staticmethod
    def _body_parts(action, data):
        """(attr, items) from a JSON or form body, the way json_api.php maps them."""
        if "__json__" in data:
            payload = data["__json__"]
            if action == "add":
                return payload, None
            if action == "delete":
                items = payload if isinstance(payload, list) else [payload]
                return None, items
            if not isinstance(payload, dict):
                return {}, []
            items = payload.get("items", [])
            return payload.get("attr") or {}, items if isinstance(items, list) else [items]
        items = data.get("items", [])
        return data.get("attr") or {}, items if isinstance(items, list) else [items]

    # -- server lifecycle
    def start(self):
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                try:
                    reply = emulator.handle(self.command, self.path, self.headers, body, self.client_address[0])
                except Exception as exc:  # pylint: disable=broad-except
                    reply = Reply(500, ("emulator bug: %r" % exc).encode(), "text/plain")
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                self.send_header("Access-Control-Allow-Headers", "Accept, Content-Type, X-Api-Key, Origin")
                self.end_headers()
                self.wfile.write(reply.body)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

            def log_message(self, format, *args):  # pylint: disable=redefined-builtin
                pass

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        if self.tls_cert:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(self.tls_cert, self.tls_key)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="mailcow-emulator", daemon=True)
        self._thread.start()
        if self.runner_interval:
            self._runner = threading.Thread(target=self._runner_loop, args=(self.runner_interval,),
                                            name="mailcow-syncjob-runner", daemon=True)
            self._runner.start()
        return self

    def stop(self):
        self._stop_runner.set()
        if self._runner is not None:
            self._runner.join(timeout=60)
            self._runner = None
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=10)
            self._server = None


def _read_key(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read().strip()


def _load_backend(path):
    """(backend, started_here) from the --dovecot-config JSON file."""
    with open(path, encoding="utf-8") as handle:
        conf = json.load(handle)
    cls = getattr(importlib.import_module(conf.get("module", "tests.servers.dovecot")),
                  conf.get("class", "DovecotServer"))
    kwargs = conf.get("kwargs", {})
    if conf.get("start"):
        backend = cls(**kwargs)
        backend.start()
        return backend, True
    if hasattr(cls, "attach"):
        return cls.attach(**kwargs), False
    return cls(**kwargs), False


def main(argv=None):
    parser = argparse.ArgumentParser(description="Mailcow API emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api-key-file", required=True, help="file holding the read-write API key")
    parser.add_argument("--read-only-key-file", help="file holding the read-only API key")
    parser.add_argument("--hostname", default=DEFAULT_HOSTNAME, help="MAILCOW_HOSTNAME")
    parser.add_argument("--dovecot-config", help="JSON file describing the Dovecot backend to attach to")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--info-file", help="write {url, dovecot: {host, port, port_tls, ca_file}} there (JSON)")
    parser.add_argument("--source-ca-file", help="CA file sync jobs trust for source servers (default: system CAs)")
    parser.add_argument("--allow-from", help="API_ALLOW_FROM: addresses or networks the API keys may be used from "
                                             "(default: any, like skip_ip_check)")
    parser.add_argument("--runner-interval", type=float, default=60.0,
                        help="seconds between sync-job runner ticks (Mailcow: 60); 0 = only POST /_emulator/tick")
    args = parser.parse_args(argv)
    backend, owned = _load_backend(args.dovecot_config) if args.dovecot_config else (None, False)
    emulator = MailcowEmulator(port=args.port, rw_keys=[_read_key(args.api_key_file)],
                               ro_keys=[_read_key(args.read_only_key_file)] if args.read_only_key_file else [],
                               hostname=args.hostname, backend=backend, host=args.host,
                               tls_cert=args.tls_cert, tls_key=args.tls_key, source_ca_file=args.source_ca_file,
                               runner_interval=args.runner_interval or None, allow_from=args.allow_from)
    emulator.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    if args.info_file:
        info = {"url": emulator.url}
        if backend is not None:
            info["dovecot"] = {key: getattr(backend, key, None) for key in ("host", "port", "port_tls")}
            info["dovecot"]["ca_file"] = str(getattr(backend, "ca_file", "") or "") or None
        tmp = args.info_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(info, handle)
        os.replace(tmp, args.info_file)
    print("READY " + emulator.url, flush=True)
    try:
        stop.wait()
    finally:
        emulator.stop()
        if owned:
            backend.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
