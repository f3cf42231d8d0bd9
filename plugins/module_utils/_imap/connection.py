# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Connections to an IMAP server: endpoint settings, TLS, login, user-ready errors, retry and back-off.

``Endpoint.from_params(dict)`` turns a ``source`` / ``destination`` option into settings (a provider
preset applied first), ``connect(endpoint)`` returns a logged-in ``imapclient.IMAPClient``. Every failure
is raised as ``ImapError`` whose message can be shown to a user as it is: it names the server and the
account, says what went wrong and what to do next, and never contains a password or a token.
"""

from __future__ import annotations

import re
import socket
import ssl
import time

try:
    import imapclient
    from imapclient import exceptions as imap_exceptions
    HAS_IMAPCLIENT = True
    IMAPCLIENT_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by the modules
    imapclient = None
    imap_exceptions = None
    HAS_IMAPCLIENT = False
    IMAPCLIENT_IMPORT_ERROR = exc

from ansible_collections.mailwave.migrate.plugins.module_utils._imap.options import (
    DEFAULT_SECURITY,
    DEFAULT_TIMEOUT,
    SECURITY_CHOICES,
)

_Client = imapclient.IMAPClient if HAS_IMAPCLIENT else None
try:
    from imapclient import imap4 as _imap4
    from imapclient import tls as _tls

    class _GreetingCapabilities:
        """imaplib asks CAPABILITY right after the greeting even when the greeting said them already
        (``* OK [CAPABILITY ...]``, RFC 3501 7.1, as Dovecot, Cyrus and Courier do): taking the greeting's
        saves one round trip per connection. Without them in the greeting, CAPABILITY is asked as before;
        after STARTTLS imapclient asks again (the greeting's are not trusted then)."""

        def _get_capabilities(self):
            greeting = self.untagged_responses.pop("CAPABILITY", None)
            if greeting and greeting[-1]:
                self.capabilities = tuple(str(greeting[-1], self._encoding).upper().split())
                return
            super()._get_capabilities()

    class _TLS(_GreetingCapabilities, _tls.IMAP4_TLS):
        pass

    class _Plain(_GreetingCapabilities, _imap4.IMAP4WithTimeout):
        pass

    class _Client(imapclient.IMAPClient):  # noqa: F811 - the same client, one round trip less at connect
        def _create_IMAP4(self):
            connect_timeout = getattr(self._timeout, "connect", None)
            if self.stream:
                return super()._create_IMAP4()
            if self.ssl:
                return _TLS(self.host, self.port, self.ssl_context, connect_timeout)
            return _Plain(self.host, self.port, connect_timeout)
except (ImportError, AttributeError):  # pragma: no cover - another imapclient: its own connect
    pass


class ImapError(Exception):
    """A failure worth showing to a user as it is (no password, no traceback needed).

    ``kind`` is one of: config, auth, busy, tls, refused, timeout, network, protocol, throttled, dropped.
    ``transient`` says whether trying again later (on a fresh connection) may succeed;
    ``backoff`` is the delay in seconds the server asked for, if it said so.
    """

    def __init__(self, msg, kind="protocol", transient=False, backoff=None):
        super().__init__(msg)
        self.msg = msg
        self.kind = kind
        self.transient = transient
        self.backoff = backoff

    def __str__(self):
        return self.msg


_SECRET_KEYS = ("password", "oauth2_token")


class Endpoint:
    """Settings of one IMAP account (host, port, security, credentials, TLS options, timeout)."""

    def __init__(self, host, user, port=None, security=DEFAULT_SECURITY, allow_plaintext=False,
                 password=None, oauth2_token=None, ca_file=None, validate_certs=True,
                 timeout=DEFAULT_TIMEOUT, provider=None, preset=None, role="source"):
        self.host = host
        self.user = user
        self.security = security or DEFAULT_SECURITY
        if self.security not in SECURITY_CHOICES:
            raise ImapError("%s: security must be one of %s, not %r" % (role, ", ".join(SECURITY_CHOICES), security),
                            kind="config")
        self.port = int(port) if port else (993 if self.security == "tls" else 143)
        self.allow_plaintext = bool(allow_plaintext)
        self.password = password
        self.oauth2_token = oauth2_token
        self.ca_file = ca_file
        self.validate_certs = True if validate_certs is None else bool(validate_certs)
        self.timeout = float(timeout) if timeout else DEFAULT_TIMEOUT
        self.provider = provider
        self.preset = preset or {}  # whatever else the provider preset said (folders to skip, throttle, ...)
        self.role = role

    @classmethod
    def from_params(cls, params, role="source"):
        """Build from a module's ``source`` / ``destination`` dict; apply the provider preset when set."""
        params = dict(params or {})
        preset_extra = {}
        if params.get("provider"):
            try:
                from ansible_collections.mailwave.migrate.plugins.module_utils._imap import presets
            except ImportError:
                raise ImapError("%s: provider presets are not available in this collection version" % role,
                                kind="config")
            try:
                merged = presets.apply_preset(params)
            except (KeyError, ValueError) as exc:
                raise ImapError("%s: %s" % (role, exc), kind="config")
            for key, value in merged.items():
                if key not in params or params.get(key) is None:
                    params[key] = value
            preset_extra = {k: v for k, v in merged.items() if k not in _ENDPOINT_KEYS}
        if not params.get("host"):
            raise ImapError("%s: no host given; set %s.host (or %s.provider to a known preset)" % (role, role, role),
                            kind="config")
        if not params.get("user"):
            raise ImapError("%s: no user given; set %s.user" % (role, role), kind="config")
        if not params.get("password") and not params.get("oauth2_token"):
            raise ImapError("%s: set %s.password or %s.oauth2_token" % (role, role, role), kind="config")
        kwargs = {k: params.get(k) for k in _ENDPOINT_KEYS if k in params}
        return cls(preset=preset_extra, role=role, **kwargs)

    @property
    def label(self):
        """user@host:port, for messages (never the secret)."""
        return "%s on %s:%s" % (self.user, self.host, self.port)

    def secrets(self):
        return [s for s in (self.password, self.oauth2_token) if s]

    def redact(self, text):
        """Remove this endpoint's secrets from text (server messages may echo what they got)."""
        text = str(text)
        for secret in self.secrets():
            if len(secret) >= 1:
                text = text.replace(secret, "********")
        return text

    def ssl_context(self):
        if not self.validate_certs:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            return ctx
        try:
            ctx = ssl.create_default_context(cafile=self.ca_file) if self.ca_file else ssl.create_default_context()
        except (OSError, ssl.SSLError) as exc:
            raise ImapError("%s: cannot load ca_file %s: %s" % (self.role, self.ca_file, exc), kind="config")
        return ctx

    def __repr__(self):
        return "Endpoint(%s, security=%s)" % (self.label, self.security)


_ENDPOINT_KEYS = ("host", "user", "port", "security", "allow_plaintext", "password", "oauth2_token",
                  "ca_file", "validate_certs", "timeout", "provider")

_BACKOFF_RE = re.compile(r"Suggested Backoff Time:\s*(\d+)\s*(milliseconds|ms|seconds|s)?", re.I)


def backoff_from_text(text):
    """Seconds a server asked us to wait (Microsoft's "Suggested Backoff Time: N milliseconds"), or None."""
    match = _BACKOFF_RE.search(str(text or ""))
    if not match:
        return None
    value = int(match.group(1))
    unit = (match.group(2) or "milliseconds").lower()
    return value / 1000.0 if unit in ("milliseconds", "ms") else float(value)


def _is_throttle_text(text):
    text = str(text or "").lower()
    return ("throttl" in text or "suggested backoff" in text or "session expired" in text
            or "[limit]" in text or "too many" in text or "[unavailable]" in text)


# A login refused for want of room on the server, not for the credentials. Dovecot 2.3 holds the LOGIN
# about 10 s once its imap process_limit is reached, then closes the socket ("socket error: EOF", seen
# on the suite's Dovecot); other servers say so in words or with RFC 5530 codes.
_BUSY_LOGIN_RE = re.compile(r"socket error|\bEOF\b|connection queue full|too many|\[LIMIT\]|\[INUSE\]"
                            r"|server (is )?busy|try again later|maximum number of connections", re.I)
_AUTH_FAILED_RE = re.compile(r"\[AUTHENTICATIONFAILED\]|\[AUTHORIZATIONFAILED\]|\[EXPIRED\]", re.I)
# RFC 5530 [UNAVAILABLE] says a subsystem is down, not that the server is full. Dovecot 2.3.19 answers
# it for an OAuth2 token its introspection endpoint does not know (a permanent fault) as much as for an
# auth backend that is briefly away: worth a short second look, never the long wait of a full server.
_UNAVAILABLE_RE = re.compile(r"\[UNAVAILABLE\]", re.I)


def is_busy_login(text):
    """True when a refused LOGIN says the server is out of room rather than that the credentials are wrong."""
    text = str(text or "")
    return bool(_BUSY_LOGIN_RE.search(text)) and not _AUTH_FAILED_RE.search(text)


def translate_error(exc, endpoint, doing="talking to"):
    """Map any exception from socket/ssl/imaplib/imapclient to an ImapError with a user-ready message."""
    if isinstance(exc, ImapError):
        return exc
    where = "%s (%s)" % (endpoint.label, endpoint.role)
    words = endpoint.redact(exc)
    if isinstance(exc, ssl.SSLCertVerificationError):
        reason = endpoint.redact(exc.verify_message or exc)
        return ImapError(
            "%s: the TLS certificate is not trusted (%s). Give the CA that signed it in %s.ca_file, or set "
            "%s.validate_certs=false if you accept the risk" % (where, reason, endpoint.role, endpoint.role),
            kind="tls")
    if isinstance(exc, ssl.SSLError):
        return ImapError("%s: TLS handshake failed (%s); check %s.security and %s.port (993 is implicit tls, "
                         "143 is starttls)" % (where, words, endpoint.role, endpoint.role), kind="tls")
    if isinstance(exc, ConnectionRefusedError):
        return ImapError("%s: connection refused; check %s.host and %s.port and that the server runs"
                         % (where, endpoint.role, endpoint.role), kind="refused", transient=True)
    if isinstance(exc, socket.gaierror):
        return ImapError("%s: cannot resolve the host name (%s); check %s.host" % (where, words, endpoint.role),
                         kind="network")
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return ImapError("%s: timed out after %ss while %s the server; raise %s.timeout or check the network"
                         % (where, endpoint.timeout, doing, endpoint.role), kind="timeout", transient=True)
    if imap_exceptions is not None and isinstance(exc, imap_exceptions.LoginError) and is_busy_login(words):
        return ImapError("%s: the server refused the login for want of room, not for the credentials (%s). "
                         "Waited and tried again; if it goes on, lower the connections per copy or the number of "
                         "copies run at once, or raise the server's connection limits"
                         % (where, str(words).rstrip(". ")), kind="busy", transient=True)
    if imap_exceptions is not None and isinstance(exc, imap_exceptions.LoginError) and _UNAVAILABLE_RE.search(words):
        err = ImapError("%s: login failed, the server said: %s. It calls this a temporary failure of its own "
                        "(often its authentication backend, or an OAuth2 token it cannot check); it went on after "
                        "a few tries. Check %s.user and the password or token, then the server's logs"
                        % (where, str(words).rstrip(". "), endpoint.role), kind="auth")
        err.unavailable = True
        return err
    if imap_exceptions is not None and isinstance(exc, imap_exceptions.LoginError):
        return ImapError("%s: login failed, the server said: %s. Check %s.user and the password or token"
                         % (where, str(words).rstrip(". "), endpoint.role), kind="auth")
    if isinstance(exc, (ConnectionError, EOFError, BrokenPipeError)) or (
            imap_exceptions is not None and isinstance(exc, imap_exceptions.IMAPClientAbortError)):
        backoff = backoff_from_text(words)
        return ImapError("%s: the connection was dropped while %s the server (%s)" % (where, doing, words),
                         kind="throttled" if backoff or _is_throttle_text(words) else "dropped",
                         transient=True, backoff=backoff)
    if isinstance(exc, OSError):
        return ImapError("%s: network error while %s the server: %s" % (where, doing, words),
                         kind="network", transient=True)
    backoff = backoff_from_text(words)
    if backoff or _is_throttle_text(words):
        return ImapError("%s: the server throttles us: %s" % (where, words), kind="throttled", transient=True,
                         backoff=backoff)
    return ImapError("%s: %s" % (where, words), kind="protocol")


# How long connect() keeps trying a server that refuses logins for want of room (kind "busy") before it
# gives up: a box that waits for a free slot is better than a box that fails.
BUSY_PATIENCE = 180.0
BUSY_MAX_DELAY = 30.0
# A login answered [UNAVAILABLE] is tried this many more times (1 s, then 2 s apart).
UNAVAILABLE_RETRIES = 2


def connect(endpoint, sleep=time.sleep, clock=time.monotonic):
    """Open, secure and log in; return an ``imapclient.IMAPClient`` (UID mode). Raises ImapError.

    A login refused because the server is full is tried again with growing delays for up to
    BUSY_PATIENCE seconds; every other failure is raised at once (callers decide on retries).
    """
    deadline = clock() + BUSY_PATIENCE
    delay = 1.0
    unavailable_left = UNAVAILABLE_RETRIES
    while True:
        try:
            return _connect_once(endpoint)
        except ImapError as err:
            if getattr(err, "unavailable", False) and unavailable_left > 0:
                unavailable_left -= 1
            elif err.kind != "busy" or clock() + delay > deadline:
                raise
        sleep(delay)
        delay = min(BUSY_MAX_DELAY, delay * 2)


def _connect_once(endpoint):
    if not HAS_IMAPCLIENT:
        raise ImapError("the Python library imapclient is required on the host that runs the module "
                        "(pip install imapclient): %s" % IMAPCLIENT_IMPORT_ERROR, kind="config")
    if endpoint.security == "plain" and not endpoint.allow_plaintext:
        raise ImapError("%s (%s): security=plain sends the password in clear text; set %s.allow_plaintext=true "
                        "to accept that, or use security=tls or starttls"
                        % (endpoint.label, endpoint.role, endpoint.role), kind="config")
    client = None
    try:
        if endpoint.security == "tls":
            client = _Client(endpoint.host, port=endpoint.port, ssl=True,
                             ssl_context=endpoint.ssl_context(), timeout=endpoint.timeout)
        else:
            client = _Client(endpoint.host, port=endpoint.port, ssl=False, timeout=endpoint.timeout)
            if endpoint.security == "starttls":
                if not client.has_capability("STARTTLS"):
                    raise ImapError("%s (%s): the server does not offer STARTTLS; use security=tls (port 993), "
                                    "or security=plain with allow_plaintext=true" % (endpoint.label, endpoint.role),
                                    kind="tls")
                client.starttls(endpoint.ssl_context())
                client._cached_capabilities = None  # capabilities may change after STARTTLS
        _login(client, endpoint)
        return client
    except BaseException as exc:
        if client is not None:
            close_quietly(client)
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        raise translate_error(exc, endpoint, doing="connecting to")


def _login(client, endpoint):
    if endpoint.oauth2_token:
        client.oauth2_login(endpoint.user, endpoint.oauth2_token)
        return
    caps = client.capabilities()
    if b"LOGINDISABLED" in caps and b"AUTH=PLAIN" in caps:
        client.plain_login(endpoint.user, endpoint.password)
    else:
        client.login(endpoint.user, endpoint.password)


def close_quietly(client):
    """Log out if possible, close the socket in any case; never raises."""
    try:
        client.logout()
    except Exception:  # noqa: BLE001 - best effort on a possibly broken connection
        try:
            client.shutdown()
        except Exception:  # noqa: BLE001
            pass


def call_with_retry(func, endpoint, attempts=4, base_delay=0.5, max_delay=30.0, on_retry=None, sleep=time.sleep,
                    passthrough=()):
    """Call func() and retry on transient failures with exponential back-off (or the server's own delay).

    ``func`` receives no argument and should (re)connect itself if needed; ``on_retry(err, attempt)`` is
    called before each new attempt (e.g. to drop a broken connection). Non-transient errors are raised at
    once as ImapError, except those of the ``passthrough`` classes, raised as they are.
    """
    last = None
    for attempt in range(1, attempts + 1):
        try:
            return func()
        except passthrough:
            raise
        except Exception as exc:  # noqa: BLE001 - classified just below
            err = translate_error(exc, endpoint)
            if not err.transient or attempt == attempts:
                raise err
            last = err
            if on_retry is not None:
                on_retry(err, attempt)
            delay = err.backoff if err.backoff is not None else min(max_delay, base_delay * (2 ** (attempt - 1)))
            sleep(min(delay, 600.0))
    raise last  # pragma: no cover
