"""A real SMTP server on 127.0.0.1 (aiosmtpd): STARTTLS or implicit TLS with a certificate of the suite's
throwaway CA, optional AUTH PLAIN/LOGIN, every message it accepts kept in memory (and, given a
directory, written there as .eml files: the sandbox's "mail spool" that `make demo` shows).

    with SmtpServer(ca=test_ca, security="starttls", users={"relay@x.test": "pw"}) as smtp:
        ...  # smtp.host, smtp.port; smtp.messages -> [Received(mail_from, rcpt_tos, data, login)]

``refuse`` (a set of recipient addresses) makes the server answer 550 to RCPT TO for them.
"""
from __future__ import annotations

import email
import email.policy
import pathlib
import threading
from typing import NamedTuple

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.lib.ports import free_port


class Received(NamedTuple):
    mail_from: str
    rcpt_tos: tuple
    data: bytes
    login: str | None

    def message(self):
        return email.message_from_bytes(self.data, policy=email.policy.default)


class _Handler:
    def __init__(self, server):
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd's name)
        if address.lower() in self.server.refuse:
            return "550 5.1.1 <%s>: recipient refused" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        self.server._keep(Received(envelope.mail_from, tuple(envelope.rcpt_tos), bytes(envelope.content), login))
        return "250 2.0.0 Ok: queued"


class SmtpServer:
    __test__ = False

    def __init__(self, ca=None, security="starttls", users=None, refuse=(), spool_dir=None, host="127.0.0.1"):
        if security not in ("starttls", "tls", "none"):
            raise ValueError("security: starttls, tls or none")
        if security != "none" and ca is None:
            raise ValueError("TLS needs the suite's CA (tests.servers.dovecot.TestCA)")
        self.ca, self.security, self.users = ca, security, dict(users or {})
        self.refuse = {a.lower() for a in refuse}
        self.spool_dir = pathlib.Path(spool_dir) if spool_dir else None
        self.host, self.port = host, None
        self.messages: list[Received] = []
        self.logins: list[str] = []
        self._lock = threading.Condition()
        self._controller = None

    @property
    def ca_file(self):
        return self.ca.ca_file if self.ca else None

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and \
            self.users.get(auth_data.login.decode()) == auth_data.password.decode()
        if ok:
            self.logins.append(auth_data.login.decode())
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    def _keep(self, received):
        with self._lock:
            self.messages.append(received)
            if self.spool_dir:
                self.spool_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
                path = self.spool_dir / ("%04d.eml" % len(self.messages))
                path.write_bytes(received.data)
                path.chmod(0o600)
            self._lock.notify_all()

    def _ssl_context(self):
        import ssl
        cert, key = self.ca.server_cert(("127.0.0.1", "localhost"))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        return context

    def start(self):
        self.port = free_port()
        kwargs = {}
        if self.users:
            kwargs.update(authenticator=self._authenticate, auth_required=True,
                          # aiosmtpd sees STARTTLS but not implicit TLS (its session has no TLS flag
                          # then): requiring TLS for AUTH would refuse AUTH on the TLS port.
                          auth_require_tls=self.security == "starttls")
        if self.security == "starttls":
            kwargs.update(tls_context=self._ssl_context(), require_starttls=True)
        elif self.security == "tls":
            kwargs.update(ssl_context=self._ssl_context())
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port,
                                      server_hostname="smtp.sandbox.test", ready_timeout=10, **kwargs)
        self._controller.start()
        return self

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def wait_for(self, count, timeout=10.0):
        """The messages once at least count have arrived (the client's 250 comes after _keep)."""
        with self._lock:
            self._lock.wait_for(lambda: len(self.messages) >= count, timeout=timeout)
            return list(self.messages)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
