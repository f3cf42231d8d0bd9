"""A real SOGo 5.8 (Debian's ``sogo``) for tests: the groupware Mailcow runs, as a CardDAV/CalDAV destination.

``SogoServer`` starts, in a private /tmp directory (the ``sogo`` and ``postgres`` users must reach it;
pytest's tmp dirs are 0700 root):

- a PostgreSQL cluster of its own (``initdb`` + ``pg_ctl``, trust auth, 127.0.0.1 on a free port,
  its Unix socket in that directory, ``fsync=off``), with database ``sogo`` and the SQL user source
  table ``sogo_users`` (c_uid, c_name, c_password, c_cn, mail: the columns of Mailcow's
  ``_sogo_static_view``; passwords in clear, ``userPasswordAlgorithm = plain``);
- memcached on a free port (SOGo caches users and sessions there);
- ``sogod`` in the foreground (``-WONoDetach YES``), one worker, on 127.0.0.1 at a free port, as the
  ``sogo`` user (sogod refuses root), in its own process group. Every setting is passed on the command
  line (GNUstep's argument domain beats ``/etc/sogo/sogo.conf``, which stays untouched; sogod reads the
  user defaults from the ``sogo`` user's passwd home, not $HOME, so a private defaults file is no option).

No web server: DAV is ``http://127.0.0.1:<port>/SOGo/dav/<user>/``. Measured on 2 shared cores: initdb
and PostgreSQL about 3 s, sogod answers DAV under 1 s after exec; so one server per test session.
``stop()`` kills sogod's process group (its SIGTERM shutdown waits about 10 s for the worker), stops
PostgreSQL (immediate) and memcached, and removes the directory.

Invitations: ``SOGoAppointmentSendEMailNotifications = YES`` with ``SOGoSMTPServer`` pointed at
``smtp_url`` (by default a closed port), so an event written without SCHEDULE-AGENT=CLIENT would make
SOGo mail its attendees (measured: it does, when the user is the organizer); ``SmtpSink`` is the
server that catches those mails.
"""
from __future__ import annotations

import os
import pathlib
import shutil
import signal
import socketserver
import subprocess
import tempfile
import threading
import time

import requests

from tests.lib.ports import free_port, wait_for_port

SOGOD = "/usr/sbin/sogod"
# Debian's postgresql-<major>: the newest installed (bookworm has 15)
PG_BIN = max(pathlib.Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name),
             default=pathlib.Path("/usr/lib/postgresql/15/bin"))
PSQL = shutil.which("psql") or "/usr/bin/psql"
MEMCACHED = shutil.which("memcached") or "/usr/bin/memcached"


def _ids(name: str) -> tuple[int, int]:
    import pwd  # pylint: disable=import-outside-toplevel

    entry = pwd.getpwnam(name)
    return entry.pw_uid, entry.pw_gid


def _sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class SmtpSink:
    """A minimal SMTP server on 127.0.0.1 that accepts every message and keeps it (``messages``): it sees
    the invitations SOGo sends, so a test can assert that none went out."""

    def __init__(self):
        self.messages: list[bytes] = []
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                self.wfile.write(b"220 mailwave-sink\r\n")
                data: list[bytes] | None = None
                for line in self.rfile:
                    if data is not None:
                        if line == b".\r\n":
                            sink.messages.append(b"".join(data))
                            data = None
                            self.wfile.write(b"250 ok\r\n")
                        else:
                            data.append(line)
                        continue
                    verb = line[:4].upper()
                    if verb == b"DATA":
                        data = []
                        self.wfile.write(b"354 go on\r\n")
                    elif verb == b"QUIT":
                        self.wfile.write(b"221 bye\r\n")
                        return
                    else:
                        self.wfile.write(b"250 ok\r\n")

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class SogoServer:
    """A private SOGo + PostgreSQL + memcached (see the module docstring). Context manager or start()/stop()."""

    host = "127.0.0.1"

    def __init__(self, smtp_url: str | None = None):
        self.smtp_url = smtp_url
        self.dir: pathlib.Path | None = None
        self.port = 0
        self.pg_port = 0
        self.memcached_port = 0
        self.startup_seconds = 0.0  # exec of sogod until DAV answers
        self._sogo: subprocess.Popen | None = None
        self._memcached: subprocess.Popen | None = None
        self._pg_started = False
        self._users: dict[str, str] = {}

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def dav_url(self, user: str) -> str:
        return f"{self.base_url}/SOGo/dav/{user}/"

    @property
    def log_file(self) -> pathlib.Path:
        assert self.dir is not None
        return self.dir / "sogo.log"

    def __enter__(self) -> "SogoServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ----------------------------------------------------------------- lifecycle
    def start(self) -> "SogoServer":
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="mw-sogo-", dir="/tmp"))
        os.chmod(self.dir, 0o755)
        try:
            self._start_postgres()
            self._start_memcached()
            self._start_sogod()
        except BaseException:
            self.stop()
            raise
        return self

    def _start_postgres(self) -> None:
        pg_uid, pg_gid = _ids("postgres")
        pgdir = self.dir / "pg"
        pgdir.mkdir()
        os.chown(pgdir, pg_uid, pg_gid)
        self.pg_port = free_port()
        as_postgres = {"user": pg_uid, "group": pg_gid, "extra_groups": []}
        subprocess.run([str(PG_BIN / "initdb"), "-D", str(pgdir / "data"), "-A", "trust", "-U", "postgres",
                        "--no-sync", "-E", "UTF8", "--locale=C"], check=True, capture_output=True, **as_postgres)
        subprocess.run([str(PG_BIN / "pg_ctl"), "-D", str(pgdir / "data"), "-l", str(pgdir / "log"), "-w", "-o",
                        f"-c listen_addresses=127.0.0.1 -p {self.pg_port} -k {pgdir} -c fsync=off "
                        "-c full_page_writes=off -c synchronous_commit=off", "start"],
                       check=True, capture_output=True, **as_postgres)
        self._pg_started = True
        self._psql("CREATE USER sogo", db="postgres", user="postgres")
        self._psql("CREATE DATABASE sogo OWNER sogo", db="postgres", user="postgres")
        self._psql("CREATE TABLE sogo_users (c_uid varchar(255) PRIMARY KEY, c_name varchar(255), "
                   "c_password varchar(255), c_cn varchar(255), mail varchar(255))")

    def _psql(self, sql: str, db: str = "sogo", user: str = "sogo") -> str:
        proc = subprocess.run([PSQL, "-h", self.host, "-p", str(self.pg_port), "-U", user, "-d", db, "-qAt",
                               "-v", "ON_ERROR_STOP=1", "-c", sql], capture_output=True, text=True, check=False,
                              env={**os.environ, "PGCONNECT_TIMEOUT": "10"})
        if proc.returncode != 0:
            raise RuntimeError(f"psql failed: {proc.stderr.strip()}")
        return proc.stdout

    def _start_memcached(self) -> None:
        self.memcached_port = free_port()
        self._memcached = subprocess.Popen(
            [MEMCACHED, "-l", self.host, "-p", str(self.memcached_port), "-U", "0", "-u", "nobody", "-m", "16"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        wait_for_port(self.memcached_port)

    def _start_sogod(self) -> None:
        sogo_uid, sogo_gid = _ids("sogo")
        self.port = free_port()
        db = f"postgresql://sogo@{self.host}:{self.pg_port}/sogo"
        smtp = self.smtp_url or f"smtp://{self.host}:{free_port()}"
        settings = {
            "WONoDetach": "YES",
            "WOLogFile": "-",
            "WOPidFile": str(self.dir / "sogo.pid"),
            "WOPort": f"{self.host}:{self.port}",
            "WOWorkersCount": "1",
            "SOGoProfileURL": f"{db}/sogo_user_profile",
            "OCSFolderInfoURL": f"{db}/sogo_folder_info",
            "OCSSessionsFolderURL": f"{db}/sogo_sessions_folder",
            "OCSEMailAlarmsFolderURL": f"{db}/sogo_alarms_folder",
            "OCSStoreURL": f"{db}/sogo_store",
            "OCSAclURL": f"{db}/sogo_acl",
            "OCSCacheFolderURL": f"{db}/sogo_cache_folder",
            "SOGoMemcachedHost": f"{self.host}:{self.memcached_port}",
            "SOGoTimeZone": "UTC",
            "SOGoAppointmentSendEMailNotifications": "YES",
            "SOGoMailingMechanism": "smtp",
            "SOGoSMTPServer": smtp,
            "SOGoIMAPServer": f"imap://{self.host}:{free_port()}",
            "SOGoUserSources": ("({type = sql; id = users; canAuthenticate = YES; isAddressBook = NO; "
                                f'userPasswordAlgorithm = plain; viewURL = "{db}/sogo_users";}})'),
        }
        args = [SOGOD]
        for key, value in settings.items():
            args += [f"-{key}", value]
        os.chown(self.dir, sogo_uid, sogo_gid)
        log = open(self.log_file, "wb")  # pylint: disable=consider-using-with
        started = time.monotonic()
        self._sogo = subprocess.Popen(args, cwd=self.dir, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                      user=sogo_uid, group=sogo_gid, extra_groups=[], start_new_session=True,
                                      env={"PATH": "/usr/bin:/bin", "HOME": str(self.dir), "LANG": "C.UTF-8"})
        log.close()
        deadline = started + 60
        while True:
            if self._sogo.poll() is not None:
                raise RuntimeError(f"sogod exited ({self._sogo.returncode}): {self.log_file.read_text(errors='replace')[-2000:]}")
            try:
                # 401 for a user nobody knows: the worker is up and the user source answers.
                if requests.request("PROPFIND", self.base_url + "/SOGo/dav/nobody/", timeout=5).status_code in (401, 207):
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"sogod did not answer DAV within 60 s: {self.log_file.read_text(errors='replace')[-2000:]}")
            time.sleep(0.05)
        self.startup_seconds = time.monotonic() - started

    def stop(self) -> None:
        for proc in (self._sogo, self._memcached):
            if proc is not None and proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(timeout=30)
        self._sogo = self._memcached = None
        if self._pg_started:
            pg_uid, pg_gid = _ids("postgres")
            subprocess.run([str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "pg" / "data"), "-m", "immediate", "-w",
                            "stop"], check=False, capture_output=True, user=pg_uid, group=pg_gid, extra_groups=[])
            self._pg_started = False
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    # ----------------------------------------------------------------- users
    def add_user(self, user: str, password: str, name: str = "") -> None:
        """Create (or update) a SOGo user; its DAV home and personal collections exist at first login."""
        values = ", ".join(_sql_literal(v) for v in (user, user, password, name or user, user))
        self._psql(f"INSERT INTO sogo_users VALUES ({values}) ON CONFLICT (c_uid) DO UPDATE SET "
                   "c_password = EXCLUDED.c_password, c_cn = EXCLUDED.c_cn")
        if user in self._users and self._users[user] != password:
            self.flush_cache()
        self._users[user] = password

    def flush_cache(self) -> None:
        """Empty memcached: SOGo keeps a user's checked password there, so a changed password is refused
        (and the old one accepted) until the entry expires."""
        import socket  # pylint: disable=import-outside-toplevel

        with socket.create_connection((self.host, self.memcached_port), timeout=10) as conn:
            conn.sendall(b"flush_all\r\n")
            assert conn.recv(64).startswith(b"OK")

    def remove_user(self, user: str) -> None:
        self._psql(f"DELETE FROM sogo_users WHERE c_uid = {_sql_literal(user)}")
        if self._users.pop(user, None) is not None:
            self.flush_cache()

    def users(self) -> list[str]:
        return sorted(line for line in self._psql("SELECT c_uid FROM sogo_users").splitlines() if line)

    def session(self, user: str) -> requests.Session:
        """A requests session logged in (Basic) as user."""
        session = requests.Session()
        session.auth = (user, self._users[user])
        return session


class MailAndSogoBackend:
    """A Mailcow emulator backend (``MailcowEmulator(backend=...)``) that is a mail backend (the test Dovecot)
    plus SOGo: a mailbox made, re-passworded or deleted through the API is made, changed or removed in SOGo's
    user source too, as Mailcow's ``_sogo_static_view`` does (it is a view on Mailcow's mailbox table).
    Everything else (quota, usage, IMAP clients) is the mail backend's. A new password arrives through
    ``add_user`` (the emulator's fallback when a backend has no ``set_password``)."""

    def __init__(self, mail, sogo: SogoServer):
        self.mail, self.sogo = mail, sogo

    def __getattr__(self, name):
        return getattr(self.mail, name)

    def add_user(self, user, password, quota_mb=None):
        self.mail.add_user(user, password, quota_mb)
        self.sogo.add_user(user, password)

    def remove_user(self, user):
        self.mail.remove_user(user)
        self.sogo.remove_user(user)
