"""A real Courier-IMAP 5.0 server (Debian's) for tests, run privately beside Dovecot.

Debian's ``courier-imap`` Conflicts with ``dovecot-imapd`` (imap-server), so ``scripts/install-deps.sh``
installs courier-base and courier-authlib (they do not conflict) and unpacks ``courier-imap`` into
``.build/imap-servers/root`` (git-ignored). Courier's paths are compiled in (``/etc/courier`` for
``authdaemonrc`` and ``userdb.dat``, ``/run/courier/authdaemon`` for the auth socket), so
``CourierServer`` starts its processes in a private mount namespace (``unshare -m``) where its own dirs
are bind-mounted over those two: the system's are never touched, and the namespace ends with the last
process. In it run ``authdaemond`` (``authuserdb`` only), ``couriertcpd`` with ``imaplogin`` and
``imapd`` (STARTTLS), and again through ``couriertls -server -tcpd`` (implicit TLS), all in the
foreground of one process group that ``stop()`` kills; listeners only on 127.0.0.1 at free ports, a
certificate from the suite's throwaway CA (key and certificate in one PEM owned by the ``courier`` user,
as Debian does: for STARTTLS, imaplogin runs couriertls after dropping to that user).

The settings are Debian's ``/etc/courier/imapd`` and ``imapd-ssl`` (sourced from the unpacked package)
with the listener, TLS and one override: ``IMAP_EMPTYTRASH`` is off (Debian purges Trash messages older
than 7 days at logout, which would drop a test's dated mail; ``empty_trash=True`` keeps Debian's).
Storage is Maildir++ (namespace ``INBOX.``, separator ``.``). Users are a ``userdb`` (``makeuserdb``) with
MD5-crypt passwords; mail belongs to the ``mail`` user in a /tmp dir that ``stop()`` removes.

The IMAP helpers (``settings``, ``client``, ``append``, ``append_many``, ``fetch_all``) are Dovecot's.
"""
from __future__ import annotations

import os
import pathlib
import pwd
import shutil
import signal
import subprocess
import tempfile
import threading
import time

from tests.lib.ports import free_port, wait_for_port
from tests.servers.dovecot import MAIL_GID, MAIL_UID, DovecotServer, TestCA

REPO = pathlib.Path(__file__).resolve().parents[2]
ROOT = REPO / ".build" / "imap-servers" / "root"
IMAPD = ROOT / "usr" / "bin" / "imapd"
IMAPLOGIN = ROOT / "usr" / "lib" / "courier" / "courier" / "imaplogin"
AUTHDAEMOND = pathlib.Path("/usr/lib/courier/courier-authlib/authdaemond")
COURIERTCPD = pathlib.Path("/usr/sbin/couriertcpd")
COURIERTLS = pathlib.Path("/usr/bin/couriertls")
MAKEUSERDB = pathlib.Path("/usr/sbin/makeuserdb")
MAILDIRMAKE = shutil.which("maildirmake.courier") or "/usr/bin/maildirmake.courier"
SYSTEM_DHPARAMS = pathlib.Path("/etc/courier/dhparams.pem")
OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"

# Runs inside the private mount namespace: the bind mounts, then every server process in the foreground.
LAUNCHER = r"""#!/bin/sh
mount --bind "$PRIV/etc" /etc/courier || exit 97
mount --bind "$PRIV/run" /run/courier || exit 97
set -a
. "$ROOT/etc/courier/imapd"
. "$ROOT/etc/courier/imapd-ssl"
. "$PRIV/etc/overrides"
set +a
"$AUTHDAEMOND" &
# imaplogin needs the auth socket: wait for authdaemond to create it
i=0; while [ ! -S /run/courier/authdaemon/socket ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
"$COURIERTCPD" -address=127.0.0.1 -maxprocs=200 -maxperip=200 -nodnslookup -noidentlookup \
  "$PORT" "$IMAPLOGIN" "$IMAPD" Maildir &
IMAP_TLS=1 IMAP_STARTTLS=NO "$COURIERTCPD" -address=127.0.0.1 -maxprocs=200 -maxperip=200 -nodnslookup \
  -noidentlookup "$SSLPORT" "$COURIERTLS" -server -tcpd "$IMAPLOGIN" "$IMAPD" Maildir &
wait
"""


def available() -> str | None:
    """None when Courier can run here, else why not (what to run)."""
    for path in (IMAPD, IMAPLOGIN, AUTHDAEMOND, COURIERTCPD, COURIERTLS, MAKEUSERDB):
        if not path.exists():
            return f"{path} is missing (run scripts/install-deps.sh as root)"
    if os.geteuid() != 0 or not os.path.isdir("/etc/courier") or not os.path.isdir("/run/courier"):
        return "Courier runs here as root in a private mount namespace over /etc/courier and /run/courier"
    return None


class CourierServer:
    """A private Courier-IMAP instance (see the module docstring). Use as a context manager or start()/stop()."""

    host = "127.0.0.1"
    separator = "."
    prefix = "INBOX."

    settings = DovecotServer.settings
    ssl_context = DovecotServer.ssl_context
    client = DovecotServer.client
    append = DovecotServer.append
    append_many = DovecotServer.append_many
    fetch_all = DovecotServer.fetch_all

    def __init__(self, workdir: pathlib.Path | str, *, ca: TestCA | None = None, empty_trash: bool = False):
        self.workdir = pathlib.Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.empty_trash = empty_trash
        self.ca = ca or TestCA(self.workdir / "ca")
        self.ca_file = self.ca.ca_file
        self.port = 0
        self.port_tls = 0
        self._users: dict[str, str] = {}
        self._lock = threading.RLock()
        self._proc: subprocess.Popen | None = None
        self._run_dir: pathlib.Path | None = None

    def __enter__(self) -> "CourierServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def log_file(self) -> pathlib.Path:
        return self.workdir / "courier.log"

    # ----------------------------------------------------------------- lifecycle
    def _write_config(self, run: pathlib.Path) -> None:
        etc, rundir, homes = run / "etc", run / "run", run / "homes"
        for path in (etc, rundir / "authdaemon", homes):
            path.mkdir(parents=True, exist_ok=True)
        os.chmod(run, 0o755)
        os.chmod(homes, 0o755)
        (etc / "authdaemonrc").write_text(
            'authmodulelist="authuserdb"\nauthmodulelistorig="authuserdb"\ndaemons=5\n'
            'authdaemonvar=/run/courier/authdaemon\nDEBUG_LOGIN=0\nDEFAULTOPTIONS=""\nLOGGEROPTS=""\n',
            encoding="ascii")
        cert, key = self.ca.server_cert(directory=self.workdir / "tls")
        pem = etc / "imapd.pem"  # couriertls wants key and certificate in one file
        pem.write_bytes(pathlib.Path(key).read_bytes() + pathlib.Path(cert).read_bytes())
        os.chmod(pem, 0o600)
        # for STARTTLS, imaplogin runs couriertls after dropping to the courier user (Debian's owner)
        try:
            courier_user = pwd.getpwnam("courier")
            os.chown(pem, courier_user.pw_uid, courier_user.pw_gid)
        except KeyError:
            pass
        if SYSTEM_DHPARAMS.exists():
            shutil.copy(SYSTEM_DHPARAMS, etc / "dhparams.pem")
        else:
            subprocess.run([OPENSSL, "dhparam", "-out", str(etc / "dhparams.pem"), "2048"], check=True,
                           capture_output=True)
        (etc / "overrides").write_text(f"""# generated by tests/servers/courier.py
PORT={self.port}
SSLPORT={self.port_tls}
IMAP_STARTTLS=YES
TLS_CERTFILE=/etc/courier/imapd.pem
TLS_DHPARAMS=/etc/courier/dhparams.pem
TLS_CACHEFILE=
IMAP_EMPTYTRASH={"Trash:7" if self.empty_trash else ""}
IMAP_CAPABILITY_TLS="$IMAP_CAPABILITY AUTH=PLAIN"
""", encoding="ascii")
        (run / "launcher.sh").write_text(LAUNCHER, encoding="ascii")
        self._write_userdb()

    def start(self) -> "CourierServer":
        if self.running:
            return self
        why = available()
        if why:
            raise RuntimeError(why)
        last_error: Exception | None = None
        for _attempt in range(3):
            self.port, self.port_tls = free_port(), free_port()
            while self.port_tls == self.port:
                self.port_tls = free_port()
            self._run_dir = pathlib.Path(tempfile.mkdtemp(prefix="mwco-", dir="/tmp"))
            self._write_config(self._run_dir)
            for user in self._users:
                self._make_maildir(user)
            env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "PRIV": str(self._run_dir), "ROOT": str(ROOT),
                   "AUTHDAEMOND": str(AUTHDAEMOND), "COURIERTCPD": str(COURIERTCPD), "COURIERTLS": str(COURIERTLS),
                   "IMAPLOGIN": str(IMAPLOGIN), "IMAPD": str(IMAPD)}
            with open(self.log_file, "ab") as log:
                self._proc = subprocess.Popen(
                    ["unshare", "-m", "--propagation", "private", "/bin/sh", str(self._run_dir / "launcher.sh")],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env, start_new_session=True)
            try:
                deadline = time.monotonic() + 20
                for port in (self.port, self.port_tls):
                    while True:
                        if self._proc.poll() is not None:
                            raise RuntimeError(f"courier exited with {self._proc.returncode}: {self._tail()}")
                        try:
                            wait_for_port(port, timeout=0.2)
                            break
                        except TimeoutError:
                            if time.monotonic() > deadline:
                                raise
                return self
            except (RuntimeError, TimeoutError) as exc:
                last_error = exc
                self.stop()
        raise RuntimeError(f"could not start courier in {self.workdir}: {last_error}")

    def _tail(self) -> str:
        return self.log_file.read_text(errors="replace")[-2000:] if self.log_file.exists() else ""

    def stop(self) -> None:
        """couriertcpd and authdaemond make process groups of their own (in our session): stop them first,
        so that the launcher shell reaps them and ends (no orphan, no zombie), then kill what is left."""
        proc, self._proc = self._proc, None
        if proc is not None:
            for pid in _session_members(proc.pid):
                if pid != proc.pid:
                    _signal(pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            for pid in _session_members(proc.pid):
                _signal(pid, signal.SIGKILL)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        if self._run_dir:
            shutil.rmtree(self._run_dir, ignore_errors=True)
            self._run_dir = None

    # ----------------------------------------------------------------- users
    def _home(self, user: str) -> pathlib.Path:
        return self._run_dir / "homes" / user.replace("/", "_")

    def _make_maildir(self, user: str) -> None:
        home = self._home(user)
        if (home / "Maildir").is_dir():
            return
        home.mkdir(parents=True, exist_ok=True)
        subprocess.run([MAILDIRMAKE, str(home / "Maildir")], check=True, capture_output=True)
        for root, dirs, files in os.walk(home):
            os.chown(root, MAIL_UID, MAIL_GID)
            for name in dirs + files:
                os.lchown(os.path.join(root, name), MAIL_UID, MAIL_GID)

    def _write_userdb(self) -> None:
        """userdb then userdb.dat (authdaemond's userdb module notices a new .dat at the next lookup)."""
        etc = self._run_dir / "etc"
        lines = []
        for user, password in sorted(self._users.items()):
            crypted = subprocess.run([OPENSSL, "passwd", "-1", "-stdin"], input=password, capture_output=True,
                                     text=True, check=True).stdout.strip()
            home = self._home(user)
            lines.append(f"{user}\tuid={MAIL_UID}|gid={MAIL_GID}|home={home}|mail={home}/Maildir|systempw={crypted}\n")
        userdb = etc / "userdb"
        userdb.write_text("".join(lines), encoding="utf-8")
        os.chmod(userdb, 0o600)
        proc = subprocess.run([str(MAKEUSERDB), "-f", str(userdb)], capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"makeuserdb failed: {proc.stderr.strip() or proc.stdout.strip()}")

    def add_user(self, user: str, password: str, quota_mb: int | None = None) -> None:
        """Create user (a full address is fine) or change its password; idempotent."""
        if quota_mb is not None:
            raise ValueError("CourierServer has no quota support")
        if not user or any(c in user for c in "|\t\n/ ") or any(c in password for c in "\n"):
            raise ValueError("user must not contain '|', '/', whitespace; password no newline")
        with self._lock:
            if self._users.get(user) == password:
                return
            self._users[user] = password
            if self._run_dir:
                self._make_maildir(user)
                self._write_userdb()

    def remove_user(self, user: str) -> None:
        """Delete user and its Maildir; no-op when absent."""
        with self._lock:
            if self._users.pop(user, None) is None:
                return
            if self._run_dir:
                self._write_userdb()
                shutil.rmtree(self._home(user), ignore_errors=True)

    def users(self) -> list[str]:
        return sorted(self._users)

    def maildir(self, user: str) -> pathlib.Path:
        """The user's Maildir++ root (INBOX)."""
        return self._home(user) / "Maildir"


def _session_members(sid: int) -> list[int]:
    """Live processes of session sid (the launcher was started with start_new_session)."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
            fields = stat[stat.rindex(b")") + 2:].split()
        except (OSError, ValueError):
            continue
        if fields[0] != b"Z" and int(fields[3]) == sid:
            members.append(int(entry))
    return members


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


# ----------------------------------------------------------------- pytest fixture (import it in a test module)
import pytest  # noqa: E402


@pytest.fixture(scope="session")
def courier(tmp_path_factory, test_ca):
    """A started CourierServer (Debian's settings, Maildir++), for the session."""
    why = available()
    if why:
        pytest.skip(why)
    server = CourierServer(tmp_path_factory.mktemp("courier"), ca=test_ca)
    try:
        yield server.start()
    finally:
        server.stop()
