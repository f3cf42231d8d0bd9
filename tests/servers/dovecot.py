"""A real Dovecot 2.3 IMAP server for tests, the demo and the benchmark.

Each ``DovecotServer`` is a private Dovecot instance: its own config (``dovecot -c``), its own
``base_dir``/``state_dir``, listeners only on 127.0.0.1 at free ports (plain with STARTTLS, and implicit
TLS), a certificate signed by a throwaway CA (``TestCA``), users in the work dir, Maildir storage,
the quota plugin, and optional SPECIAL-USE folders. It runs in the foreground (``dovecot -F``) in its
own process group, so ``stop()`` can kill the master and every child it forked.

Users live in a passwd file in the work dir (``user:password:home:quota_mb``) that a checkpassword script
reads at every login, so a change is visible at once. ``start()`` writes ``server.json`` (ports, CA file);
``DovecotServer.attach(workdir)`` gives another process the same API on that running server (the
Mailcow emulator can use it); changes to users are serialised with a file lock.

The master runs as root; mail is accessed as the unprivileged ``mail`` user (Dovecot refuses mail
access as root), so the homes live in the work dir when that user can reach it, else in a /tmp dir
removed by ``stop()`` (pytest's tmp dirs are 0700 root). ``doveadm`` and the benchmark use the
Maildirs directly (``maildir()``, ``doveadm()``).

With ``oauth2_introspection_url`` the server also accepts XOAUTH2 and OAUTHBEARER logins, checked by
Dovecot's oauth2 passdb against that URL; ``OAuth2Introspection`` is such an endpoint (tokens it issued
are valid for one user each; it counts the requests it answers).
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import fcntl
import json
import re
import os
import pathlib
import secrets
import shutil
import signal
import ssl
import subprocess
import tempfile
import threading
import time
from typing import Iterable

from tests.lib.ports import free_port, wait_for_port
from tests.servers.dns_api.base import ApiEmulator, Request, Response

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
DOVEADM = shutil.which("doveadm") or "/usr/bin/doveadm"
OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"

# passdb and userdb: Dovecot's passwd-file driver re-reads a changed file at most once a second, so a
# user added (or a quota changed) just before a login could be missed; this checkpassword script reads
# the file at every lookup instead. fd 3 carries "user\0password\0"; AUTHORIZED=1 means a userdb lookup.
CHECKPASSWORD = r"""#!/bin/bash
IFS= read -r -d '' user <&3
IFS= read -r -d '' pass <&3
while IFS=: read -r u p home quota; do
  if [ "$u" = "$user" ]; then
    if [ "$AUTHORIZED" = 1 ]; then
      export AUTHORIZED=2
    elif [ "$p" != "$pass" ]; then
      exit 1
    fi
    export USER="$u" HOME="$home" userdb_uid=@UID@ userdb_gid=@GID@ EXTRA="userdb_uid userdb_gid"
    if [ -n "$quota" ]; then
      export userdb_quota_rule="*:storage=${quota}M" EXTRA="userdb_uid userdb_gid userdb_quota_rule"
    fi
    exec "$@"
  fi
done < '@PASSWD@'
exit 3
"""


def _mail_ids() -> tuple[int, int]:
    import pwd  # pylint: disable=import-outside-toplevel

    for name in ("mail", "nobody"):
        try:
            entry = pwd.getpwnam(name)
            return entry.pw_uid, entry.pw_gid
        except KeyError:
            continue
    return 65534, 65534


MAIL_UID, MAIL_GID = _mail_ids()

SPECIAL_FOLDERS = (("Sent", "\\Sent"), ("Drafts", "\\Drafts"), ("Trash", "\\Trash"),
                   ("Junk", "\\Junk"), ("Archive", "\\Archive"))


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, **kw)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr.strip() or proc.stdout.strip()}")
    return proc


class TestCA:
    """A throwaway certificate authority made with the openssl CLI.

    ``ca_file`` is the CA certificate (PEM) clients verify against; ``server_cert()`` makes a
    certificate/key pair for 127.0.0.1 and localhost signed by it.
    """

    __test__ = False  # not a pytest test class

    def __init__(self, workdir: pathlib.Path | str, name: str = "Mailwave Test CA"):
        self.workdir = pathlib.Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.ca_key = str(self.workdir / "ca.key")
        self.ca_file = str(self.workdir / "ca.pem")
        self._lock = threading.Lock()
        self._serial = 0
        _run([OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
              "-nodes", "-keyout", self.ca_key, "-out", self.ca_file, "-days", "30", "-subj", f"/CN={name}",
              "-addext", "basicConstraints=critical,CA:TRUE",
              "-addext", "keyUsage=critical,keyCertSign,cRLSign",
              "-addext", "subjectKeyIdentifier=hash"])
        os.chmod(self.ca_key, 0o600)

    def server_cert(self, names: Iterable[str] = ("127.0.0.1", "localhost"),
                    directory: pathlib.Path | str | None = None) -> tuple[str, str]:
        """Return (cert_file, key_file) for a server certificate with the given SANs."""
        names = list(names)
        with self._lock:
            self._serial += 1
            serial = self._serial
        directory = pathlib.Path(directory) if directory else self.workdir
        directory.mkdir(parents=True, exist_ok=True)
        base = directory / f"server{serial}"
        key, csr, cert, ext = (f"{base}.key", f"{base}.csr", f"{base}.pem", f"{base}.ext")
        sans = ",".join(("IP:" if n.replace(".", "").isdigit() or ":" in n else "DNS:") + n for n in names)
        pathlib.Path(ext).write_text(
            "basicConstraints=critical,CA:FALSE\n"
            "keyUsage=critical,digitalSignature,keyEncipherment\n"
            "extendedKeyUsage=serverAuth\n"
            f"subjectAltName={sans}\n"
            "subjectKeyIdentifier=hash\n"
            "authorityKeyIdentifier=keyid,issuer\n", encoding="ascii")
        _run([OPENSSL, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
              "-keyout", key, "-out", csr, "-subj", f"/CN={names[0]}"])
        _run([OPENSSL, "x509", "-req", "-in", csr, "-CA", self.ca_file, "-CAkey", self.ca_key,
              "-set_serial", str(int(time.time() * 1000) * 100 + serial), "-days", "30",
              "-extfile", ext, "-out", cert])
        os.chmod(key, 0o600)
        return cert, key


class OAuth2Introspection(ApiEmulator):
    """A token introspection endpoint on 127.0.0.1 for Dovecot's oauth2 passdb (``introspection_mode = auth``).

    ``issue(user)`` returns a fresh random access token for user. A GET with ``Authorization: Bearer
    <token>`` is answered 200 ``{"email": user, "active": true}`` for a token issued and live; 200
    ``{"active": false}`` (RFC 7662) for one that ``expire()`` ended; 401 (like a provider's userinfo
    endpoint) for any other. ``calls(token)`` counts the requests that presented token, ``requests`` all.

    Dovecot 2.3.19 takes the two refusals differently: ``active: false`` is a failed login
    ([AUTHENTICATIONFAILED]), a 401 an internal error of the passdb ("No username returned"), hence a
    temporary failure ([UNAVAILABLE]).
    """

    def __init__(self):
        super().__init__()
        self._tokens: dict[str, str] = {}
        self._expired: set[str] = set()
        self._calls: dict[str, int] = {}

    @property
    def url(self) -> str:
        return self.base_url + "/userinfo"

    def handle(self, request: Request) -> Response:
        auth = request.headers.get("authorization", "")
        token = auth[len("Bearer "):] if auth.startswith("Bearer ") else ""
        self._calls[token] = self._calls.get(token, 0) + 1
        if token in self._expired:
            return Response(200, {"active": False})
        user = self._tokens.get(token) if token else None
        if user is None:
            return Response(401, {"error": "invalid_token"})
        return Response(200, {"email": user, "active": True})

    def issue(self, user: str) -> str:
        """A new access token valid for user (until revoked)."""
        token = "mwtok-" + secrets.token_urlsafe(24)
        with self.lock:
            self._tokens[token] = user
        return token

    def expire(self, token: str) -> None:
        """From now on token is known but inactive (answered ``{"active": false}``)."""
        with self.lock:
            self._expired.add(token)

    def revoke(self, token: str) -> None:
        """Forget token: answered 401 like one never issued."""
        with self.lock:
            self._tokens.pop(token, None)
            self._expired.discard(token)

    def calls(self, token: str) -> int:
        with self.lock:
            return self._calls.get(token, 0)


class DovecotServer:
    """A private Dovecot instance (see the module docstring). Use as a context manager or start()/stop()."""

    host = "127.0.0.1"

    def __init__(self, workdir: pathlib.Path | str, *, separator: str = "/", special_use: bool = True,
                 quota: bool = True, ca: TestCA | None = None, capability: str | None = None,
                 oauth2_introspection_url: str | None = None, managesieve: bool = False):
        if separator not in ("/", "."):
            raise ValueError("separator must be '/' or '.'")
        self.workdir = pathlib.Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.separator = separator
        self.special_use = special_use
        self.quota = quota
        # the CAPABILITY list to announce instead of Dovecot's (to play a server without, say, CONDSTORE)
        self.capability = capability
        # when set, also XOAUTH2/OAUTHBEARER logins: Dovecot sends the bearer token to this URL
        # (introspection_mode = auth) and accepts it for the user the JSON answer names in "email"
        self.oauth2_introspection_url = oauth2_introspection_url
        self.ca = ca or TestCA(self.workdir / "ca")
        self.ca_file = self.ca.ca_file
        self.port = 0
        self.port_tls = 0
        # Pigeonhole ManageSieve (RFC 5804) on port_sieve, scripts in ~/sieve (a Sieve source for sieve_sync)
        self.managesieve = managesieve
        self.port_sieve = 0
        self._init_paths()
        self.home_root = self.workdir / "home"  # replaced by a /tmp dir if the mail user cannot reach it
        self._home_is_temp = False
        self._live = False  # started (or attached): the passwd file is the truth about users
        self._attached = False
        self._users: dict[str, tuple[str, int | None]] = {}

    def _init_paths(self) -> None:
        self.config_file = self.workdir / "dovecot.conf"
        self.passwd_file = self.workdir / "passwd"  # user:password:home:quota_mb, read at every login
        self.checkpassword = self.workdir / "checkpassword.sh"
        self.oauth2_config = self.workdir / "dovecot-oauth2.conf.ext"
        self.log_file = self.workdir / "dovecot.log"
        self.state_file = self.workdir / "server.json"  # ports etc. for attach()
        self._lock = threading.RLock()
        self._proc: subprocess.Popen | None = None
        self._base_dir: str | None = None

    # ----------------------------------------------------------------- lifecycle
    def __enter__(self) -> "DovecotServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        if self._attached:
            return True
        return self._proc is not None and self._proc.poll() is None

    def _write_config(self) -> None:
        cert, key = self.ca.server_cert(directory=self.workdir / "tls")
        # Unix sockets live in base_dir: keep its path short (108-byte limit), outside pytest's deep tmp.
        self._base_dir = tempfile.mkdtemp(prefix="mwdv-", dir="/tmp")
        state_dir = self.workdir / "state"
        state_dir.mkdir(exist_ok=True)
        self.passwd_file.touch()
        os.chmod(self.passwd_file, 0o600)
        self.checkpassword.write_text(CHECKPASSWORD.replace("@PASSWD@", str(self.passwd_file)).replace(
            "@UID@", str(MAIL_UID)).replace("@GID@", str(MAIL_GID)), encoding="utf-8")
        os.chmod(self.checkpassword, 0o700)
        # "/" server: LAYOUT=fs so any character but "/" is legal in a name (like most providers);
        # "." server: classic Maildir++ where "." is the hierarchy separator (a "." in a name is impossible).
        layout = ":LAYOUT=fs" if self.separator == "/" else ""
        mailboxes = ""
        if self.special_use:
            mailboxes = "".join(
                f"  mailbox {name} {{\n    special_use = {flag}\n    auto = subscribe\n  }}\n"
                for name, flag in SPECIAL_FOLDERS)
        quota = ""
        if self.quota:
            quota = ("mail_plugins = $mail_plugins quota\n"
                     "protocol imap {\n  mail_plugins = $mail_plugins imap_quota\n"
                     "  mail_max_userip_connections = 1000\n}\n"
                     "plugin {\n  quota = maildir:User quota\n  quota_rule = *:storage=0\n}\n")
        else:
            quota = "protocol imap {\n  mail_max_userip_connections = 1000\n}\n"
        capability = f"imap_capability = {self.capability}\n" if self.capability else ""
        mechanisms, password_mechanisms, oauth2_passdb = "plain login", "", ""
        if self.oauth2_introspection_url:
            # No auth cache (auth_cache_size is 0): every login asks the introspection URL again.
            self.oauth2_config.write_text(
                "introspection_mode = auth\n"
                f"introspection_url = {self.oauth2_introspection_url}\n"
                "username_attribute = email\n"
                "active_attribute = active\n"
                "active_value = true\n", encoding="utf-8")
            os.chmod(self.oauth2_config, 0o600)
            mechanisms += " xoauth2 oauthbearer"
            password_mechanisms = "  mechanisms = plain login\n"
            oauth2_passdb = (f"passdb {{\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n"
                             f"  args = {self.oauth2_config}\n}}\n")
        config = f"""# generated by tests/servers/dovecot.py
instance_name = mailwave-{os.path.basename(self._base_dir)}
base_dir = {self._base_dir}
state_dir = {state_dir}
log_path = {self.log_file}
info_log_path = {self.log_file}
debug_log_path = {self.log_file}
protocols = imap{" sieve" if self.managesieve else ""}
listen = 127.0.0.1
shutdown_clients = yes
default_internal_user = root
default_internal_group = root
default_login_user = dovenull
first_valid_uid = {MAIL_UID}
first_valid_gid = {MAIL_GID}
mail_uid = {MAIL_UID}
mail_gid = {MAIL_GID}
mail_location = maildir:~/Maildir{layout}
mail_fsync = never
disable_plaintext_auth = no
auth_mechanisms = {mechanisms}
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
ssl_min_protocol = TLSv1.2
login_trusted_networks =
imap_hibernate_timeout = 0
auth_failure_delay = 0
passdb {{
  driver = checkpassword
  args = {self.checkpassword}
{password_mechanisms}}}
{oauth2_passdb}userdb {{
  driver = checkpassword
  args = {self.checkpassword}
}}
namespace inbox {{
  inbox = yes
  separator = {self.separator}
  prefix =
{mailboxes}}}
{quota}{capability}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.port_tls}
    ssl = yes
  }}
  process_min_avail = 0
  service_count = 1
  chroot =
}}
service imap {{
  process_limit = 1024
}}
{self._managesieve_config()}service anvil {{
  chroot =
  # No auth penalty: one test's wrong password must not slow every later login from 127.0.0.1 by
  # up to 15 s (the auth process disables the penalty when it cannot reach this socket).
  unix_listener anvil-auth-penalty {{
    path = anvil-auth-penalty-disabled
  }}
}}
"""
        self.config_file.write_text(config, encoding="utf-8")

    def _managesieve_config(self) -> str:
        if not self.managesieve:
            return ""
        return (f"service managesieve-login {{\n  inet_listener sieve {{\n    address = 127.0.0.1\n"
                f"    port = {self.port_sieve}\n  }}\n  chroot =\n}}\n"
                "plugin {\n  sieve = file:~/sieve;active=~/.dovecot.sieve\n}\n")

    def start(self) -> "DovecotServer":
        if self.running:
            return self
        last_error: Exception | None = None
        for _attempt in range(3):  # a free port can be taken by someone else before we bind it
            self.port, self.port_tls = free_port(), free_port()
            while self.port_tls == self.port:
                self.port_tls = free_port()
            self.port_sieve = free_port() if self.managesieve else 0
            self._make_home_root()
            self._write_config()
            self._write_passwd()
            log = open(self.workdir / "dovecot.stderr", "ab")  # noqa: SIM115 - kept for the process life
            try:
                self._proc = subprocess.Popen([DOVECOT, "-F", "-c", str(self.config_file)],
                                              stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                              start_new_session=True)
            finally:
                log.close()
            try:
                deadline = time.monotonic() + 15
                for port in (self.port, self.port_tls, self.port_sieve):
                    while port:
                        if self._proc.poll() is not None:
                            raise RuntimeError(f"dovecot exited with {self._proc.returncode}: {self._tail()}")
                        try:
                            wait_for_port(port, timeout=0.2)
                            break
                        except TimeoutError:
                            if time.monotonic() > deadline:
                                raise
                self._live = True
                self.state_file.write_text(json.dumps({
                    "host": self.host, "port": self.port, "port_tls": self.port_tls, "ca_file": self.ca_file,
                    "separator": self.separator, "special_use": self.special_use, "quota": self.quota,
                    "home_root": str(self.home_root), "pid": self._proc.pid}), encoding="utf-8")
                return self
            except (RuntimeError, TimeoutError) as exc:
                last_error = exc
                self.stop()
        raise RuntimeError(f"could not start dovecot in {self.workdir}: {last_error}")

    def _tail(self) -> str:
        text = ""
        for name in ("dovecot.stderr", "dovecot.log"):
            path = self.workdir / name
            if path.exists():
                text += path.read_text(errors="replace")[-2000:]
        return text

    def _descendants(self, pid: int) -> list[int]:
        children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", "rb") as fh:
                    stat = fh.read()
                ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
        found, todo = [], [pid]
        while todo:
            for child in children.get(todo.pop(), []):
                found.append(child)
                todo.append(child)
        return found

    @classmethod
    def attach(cls, workdir: pathlib.Path | str) -> "DovecotServer":
        """An object for a server that another process started in workdir: same API (users, settings,
        append...), but stop() leaves that server running (its owner stops it)."""
        workdir = pathlib.Path(workdir)
        state = json.loads((workdir / "server.json").read_text(encoding="utf-8"))
        self = cls.__new__(cls)
        self.workdir = workdir
        self.separator, self.special_use, self.quota = state["separator"], state["special_use"], state["quota"]
        self.ca = None
        self.ca_file = state["ca_file"]
        self.port, self.port_tls = state["port"], state["port_tls"]
        self._init_paths()
        self.home_root = pathlib.Path(state["home_root"])
        self._home_is_temp = False  # not ours to remove
        self._live = True
        self._attached = True
        self._users = self._read_passwd()
        return self

    def stop(self) -> None:
        if self._attached:
            return
        self._live = False
        self.state_file.unlink(missing_ok=True)
        proc, self._proc = self._proc, None
        if proc is not None:
            pids = self._descendants(proc.pid)
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)  # the master and every child at once (faster)
                except ProcessLookupError:
                    pass
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass
            if proc.poll() is None:
                proc.kill()
            for pid in pids:  # only if still in the server's process group: a pid may be reused by now
                try:
                    if os.getpgid(pid) == proc.pid:
                        os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        if self._base_dir:
            shutil.rmtree(self._base_dir, ignore_errors=True)
            self._base_dir = None
        if self._home_is_temp:
            shutil.rmtree(self.home_root, ignore_errors=True)

    def _make_home_root(self) -> None:
        """Mail is stored as the unprivileged MAIL_UID (Dovecot refuses mail access as root), so the
        homes must be reachable by it; pytest's tmp dirs are 0700 root, hence a /tmp dir then."""
        if self._home_is_temp and self.home_root.is_dir():
            return
        reachable = all(os.stat(p).st_mode & 0o001 for p in [self.workdir, *self.workdir.parents])
        if reachable:
            self.home_root = self.workdir / "home"
            self.home_root.mkdir(exist_ok=True)
            os.chmod(self.home_root, 0o755)
        else:
            self.home_root = pathlib.Path(tempfile.mkdtemp(prefix="mwdv-home-", dir="/tmp"))
            os.chmod(self.home_root, 0o755)
            self._home_is_temp = True
        for user in self._users:
            self._make_home(user)

    def _make_home(self, user: str) -> None:
        home = self._home(user)
        home.mkdir(parents=True, exist_ok=True)
        os.chown(home, MAIL_UID, MAIL_GID)

    def chown_mail(self, path: pathlib.Path | str) -> None:
        """Give path (recursively) to the mail user, after writing into a Maildir directly as root."""
        for root, dirs, files in os.walk(path):
            os.chown(root, MAIL_UID, MAIL_GID)
            for name in dirs + files:
                os.lchown(os.path.join(root, name), MAIL_UID, MAIL_GID)

    # ----------------------------------------------------------------- users
    def _home(self, user: str) -> pathlib.Path:
        return self.home_root / user.replace("/", "_")

    @contextlib.contextmanager
    def _user_db(self):
        """Serialise changes to the users (threads and processes: another process may attach()), and
        start from what the passwd file holds once the server is live."""
        with self._lock:
            with open(self.workdir / "passwd.lock", "a", encoding="ascii") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                try:
                    if self._live:
                        self._users = self._read_passwd()
                    yield self._users
                finally:
                    fcntl.flock(lock, fcntl.LOCK_UN)

    def _read_passwd(self) -> dict[str, tuple[str, int | None]]:
        users: dict[str, tuple[str, int | None]] = {}
        try:
            text = self.passwd_file.read_text(encoding="utf-8")
        except FileNotFoundError:
            return users
        for line in text.splitlines():
            parts = line.split(":")
            if len(parts) >= 4:
                users[parts[0]] = (parts[1], int(parts[3]) if parts[3] else None)
        return users

    def _write_passwd(self) -> None:
        with self._lock:
            lines = []
            for user, (password, quota_mb) in sorted(self._users.items()):
                quota = str(int(quota_mb)) if self.quota and quota_mb is not None else ""
                lines.append(f"{user}:{password}:{self._home(user)}:{quota}\n")
            tmp = self.passwd_file.with_suffix(".tmp")
            tmp.write_text("".join(lines), encoding="utf-8")
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.passwd_file)

    def add_user(self, user: str, password: str, quota_mb: int | None = None) -> None:
        """Create user (a full address) or update its password/quota; idempotent."""
        if any(c in password for c in ":\n") or any(c in user for c in ":\n/"):
            raise ValueError("user and password must not contain ':', '/' (user) or a newline")
        with self._user_db() as users:
            if users.get(user) == (password, quota_mb):
                return
            users[user] = (password, quota_mb)
            if self.home_root.is_dir():
                self._make_home(user)
            self._write_passwd()

    def remove_user(self, user: str) -> None:
        """Delete user and its mail; no-op when absent."""
        with self._user_db() as users:
            if users.pop(user, None) is None:
                return
            self._write_passwd()
            shutil.rmtree(self._home(user), ignore_errors=True)

    def set_quota(self, user: str, quota_mb: int | None) -> None:
        """Storage quota in MB (None: unlimited); applies from the user's next login."""
        with self._user_db() as users:
            password, _old = users[user]
            users[user] = (password, quota_mb)
            self._write_passwd()

    def users(self) -> list[str]:
        if self._live:
            with self._user_db():
                pass
        return sorted(self._users)

    def maildir(self, user: str) -> pathlib.Path:
        """The user's Maildir root (INBOX), for tools that work on the storage directly."""
        return self._home(user) / "Maildir"

    def doveadm(self, *args: str) -> str:
        """Run doveadm against this instance's config; return stdout."""
        return _run([DOVEADM, "-c", str(self.config_file), *args]).stdout

    def usage(self, user: str) -> dict:
        """{"bytes": sum of RFC822.SIZE (vsize), "messages": count} over every folder of user (doveadm).

        Safe while another client creates or deletes folders: ``status *`` fails as a whole when a
        folder it listed is gone (or not yet created) when it opens it ("Mailbox doesn't exist"); then
        each listed folder is asked on its own, and one that does not exist counts as empty."""
        proc = self._doveadm_proc("-f", "flow", "mailbox", "status", "-u", user, "messages vsize", "*")
        if proc.returncode == 0:
            return _sum_status(proc.stdout)
        if not _only_missing_mailboxes(proc.stderr):
            raise RuntimeError(f"doveadm failed ({proc.returncode}): {proc.stderr.strip()}")
        total = {"bytes": 0, "messages": 0}
        for name in self.doveadm("mailbox", "list", "-u", user).splitlines():
            proc = self._doveadm_proc("-f", "flow", "mailbox", "status", "-u", user, "messages vsize", "--", name)
            if proc.returncode != 0:
                if _only_missing_mailboxes(proc.stderr):
                    continue
                raise RuntimeError(f"doveadm failed ({proc.returncode}): {proc.stderr.strip()}")
            for key, value in _sum_status(proc.stdout).items():
                total[key] += value
        return total

    def stored_usage(self, user: str) -> dict:
        """{"bytes", "messages"} as Mailcow's quota table would hold them, read from the Maildir itself.

        Mailcow's get/mailbox and get/domain read a table Dovecot keeps up to date, not a doveadm run per
        box; the emulator answers for a thousand boxes per request, where usage() (about 15 ms of doveadm
        each, far more under load) made it stop answering. Dovecot names every file it stores with its
        sizes (``,S=<physical>,W=<vsize>``); vsize (CRLF line ends) is what usage() sums. A file without
        W= is read and its bare LFs counted."""
        root = self.maildir(user)
        total = {"bytes": 0, "messages": 0}
        for folder, dirs, files in os.walk(root):
            if os.path.basename(folder) not in ("cur", "new"):
                dirs[:] = [d for d in dirs if d != "tmp"]
                continue
            dirs[:] = []
            for name in files:
                total["messages"] += 1
                total["bytes"] += _maildir_vsize(os.path.join(folder, name))
        return total

    def _doveadm_proc(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([DOVEADM, "-c", str(self.config_file), *args], capture_output=True, text=True,
                              check=False)

    # ----------------------------------------------------------------- IMAP helpers for tests
    def settings(self, user: str, password: str, security: str = "tls") -> dict:
        """A dict usable as imap_sync's source/destination option."""
        if security not in ("tls", "starttls", "plain"):
            raise ValueError("security must be tls, starttls or plain")
        return {"host": self.host, "port": self.port_tls if security == "tls" else self.port,
                "security": security, "user": user, "password": password, "ca_file": self.ca_file}

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca_file)

    def client(self, user: str, password: str):
        """A logged-in imapclient.IMAPClient over implicit TLS (caller logs out)."""
        import imapclient  # pylint: disable=import-outside-toplevel

        client = imapclient.IMAPClient(self.host, port=self.port_tls, ssl=True, ssl_context=self.ssl_context(),
                                       timeout=60)
        client.normalise_times = False
        client.login(user, password)
        return client

    def append(self, user: str, password: str, folder: str, message: bytes, flags: Iterable[str] = (),
               internaldate: _dt.datetime | None = None) -> None:
        """APPEND one message, creating (and subscribing) folder if needed."""
        self.append_many(user, password, folder, [(message, flags, internaldate)])

    def append_many(self, user: str, password: str, folder: str,
                    messages: Iterable[tuple[bytes, Iterable[str], _dt.datetime | None]]) -> int:
        client = self.client(user, password)
        try:
            if not client.folder_exists(folder):
                client.create_folder(folder)
                client.subscribe_folder(folder)
            count = 0
            for message, flags, internaldate in messages:
                client.append(folder, message, flags=tuple(flags), msg_time=internaldate)
                count += 1
            return count
        finally:
            _logout(client)

    def fetch_all(self, user: str, password: str) -> dict:
        """{folder: [(bytes, frozenset(flags without \\Recent), internaldate), ...]} in UID order."""
        client = self.client(user, password)
        result: dict[str, list] = {}
        try:
            for _flags, _sep, name in client.list_folders():
                if any(f.lower() == b"\\noselect" for f in _flags):
                    continue
                client.select_folder(name, readonly=True)
                messages = []
                uids = client.search("ALL")
                for start in range(0, len(uids), 200):
                    chunk = uids[start:start + 200]
                    data = client.fetch(chunk, ["BODY.PEEK[]", "FLAGS", "INTERNALDATE"])
                    for uid in chunk:
                        item = data[uid]
                        flags = frozenset(
                            f.decode() if isinstance(f, bytes) else str(f) for f in item[b"FLAGS"]
                        ) - {"\\Recent"}
                        messages.append((item[b"BODY[]"], flags, item[b"INTERNALDATE"]))
                result[name] = messages
        finally:
            _logout(client)
        return result


def _sum_status(out: str) -> dict:
    total_bytes = total_msgs = 0
    for line in out.splitlines():
        fields = dict(part.split("=", 1) for part in line.split() if "=" in part)
        total_msgs += int(fields.get("messages", 0))
        total_bytes += int(fields.get("vsize", 0))
    return {"bytes": total_bytes, "messages": total_msgs}


def _maildir_vsize(path: str) -> int:
    """A stored message's size with CRLF line ends: W= from its file name, else counted (0 if it just went)."""
    match = re.search(r",W=(\d+)", os.path.basename(path))
    if match:
        return int(match.group(1))
    try:
        data = pathlib.Path(path).read_bytes()
    except FileNotFoundError:  # expunged or moved from new/ to cur/ while we looked
        return 0
    return len(data) + data.count(b"\n") - data.count(b"\r\n")


def _only_missing_mailboxes(stderr: str) -> bool:
    """doveadm's stderr names only folders that do not exist (any other error is real)."""
    errors = [line for line in stderr.splitlines() if line.strip()]
    return bool(errors) and all("doesn't exist" in line for line in errors)


def _logout(client) -> None:
    try:
        client.logout()
    except Exception:  # pylint: disable=broad-except
        try:
            client.shutdown()
        except Exception:  # pylint: disable=broad-except
            pass
