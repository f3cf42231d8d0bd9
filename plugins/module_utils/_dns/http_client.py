# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""The small HTTP client of the DNS API providers (OVH, Gandi LiveDNS, Cloudflare).

requests-based, TLS verified by default, bounded retries with back-off: on 429 and 503 (honouring
Retry-After in full up to max_retry_wait; a longer one fails at once with the time to wait; each wait is
kept in ``waits`` for the task's result), and on connection errors that happened before the request
left; for idempotent methods (GET/PUT/DELETE) also on 500/502/504 and read timeouts. A POST/PATCH that may have been applied is never
sent twice. Error messages carry the method, the URL path and the status, never a header (headers hold
the credentials).
"""

from __future__ import annotations

import email.utils
import json
import os
import time

try:
    import requests
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by the modules
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = exc

from ansible_collections.mailwave.migrate.plugins.module_utils._dns.provider import (
    DNSConnectionError,
    DNSError,
)


class DNSRateLimited(DNSError):
    """The API asked to wait longer than max_retry_wait (Retry-After); retry_after says how long."""

    def __init__(self, msg, retry_after=None):
        super(DNSRateLimited, self).__init__(msg)
        self.retry_after = retry_after


IDEMPOTENT = frozenset(("GET", "HEAD", "PUT", "DELETE", "OPTIONS"))
# Answers that say the request was not processed: retried whatever the method.
RETRY_ALWAYS = frozenset((429, 503))
# Answers after which a POST/PATCH may have been applied: retried for idempotent methods only.
RETRY_IDEMPOTENT = frozenset((500, 502, 504))
NEVER_SENT = ("NewConnectionError", "ConnectTimeoutError", "NameResolutionError")


def _never_sent(exc):
    """True when a requests exception means the request did not leave (refused, DNS, connect timeout)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    reason = getattr(exc.args[0] if exc.args else None, "reason", None)
    return type(reason).__name__ in NEVER_SENT


class HttpResponse:
    """status, headers (case-insensitive), text, and json() of one answer."""

    def __init__(self, method, url, status, headers, content):
        self.method = method
        self.url = url
        self.status = status
        self.headers = headers
        self.content = content

    @property
    def text(self):
        return self.content.decode("utf-8", "replace")

    def json(self):
        if not self.content:
            return None
        try:
            return json.loads(self.text)
        except ValueError:
            raise DNSError("%s %s answered HTTP %d with a body that is not JSON: %.200s"
                           % (self.method, _path_of(self.url), self.status, self.text))

    @property
    def ok(self):
        return 200 <= self.status < 300


def _path_of(url):
    """The URL without scheme://host (for messages); the query string is kept (no secrets in it)."""
    rest = url.split("://", 1)[-1]
    return "/" + rest.split("/", 1)[1] if "/" in rest else "/"


def retry_after_seconds(value, now=None):
    """Retry-After as delay seconds or an HTTP date -> seconds (>= 0), None if absent/garbled."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class HttpClient:
    """One requests.Session to one API base URL."""

    def __init__(self, base_url, validate_certs=True, timeout=30, retries=4, backoff=0.5, max_delay=30.0,
                 user_agent="mailwave.migrate", sleep=time.sleep, max_retry_wait=300.0):
        if not HAS_REQUESTS:
            raise DNSError("the Python library requests is needed on the host that runs the module: "
                           "pip install requests (%s)" % REQUESTS_IMPORT_ERROR)
        self.base_url = base_url.rstrip("/")
        self.validate_certs = validate_certs
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_delay = max_delay      # cap of our own back-off (no Retry-After given)
        self.max_retry_wait = 300.0 if max_retry_wait is None else float(max_retry_wait)
        self.sleep = sleep
        self.waits = []                 # [{method, path, status, seconds}]: every wait, for the task's result
        self.session = requests.Session()
        self.session.headers["User-Agent"] = user_agent

    def url(self, path, query=None):
        """Full URL of path (below the base URL) with an encoded query string, in a fixed order."""
        url = self.base_url + path
        if query:
            from urllib.parse import urlencode
            url += "?" + urlencode([(k, v) for k, v in query if v is not None])
        return url

    def request(self, method, path, query=None, json_body=None, headers=None, sign=None):
        """Send; return HttpResponse whatever the status (callers map errors), after bounded retries.

        json_body is serialised once (compact), so that a signature computed over it by ``sign``
        (called as sign(method, url, body_text) -> extra headers, before every attempt) matches
        the bytes sent.
        """
        url = self.url(path, query)
        body = "" if json_body is None else json.dumps(json_body, separators=(",", ":"), sort_keys=True)
        attempt = 0
        while True:
            attempt += 1
            send_headers = dict(headers or {})
            if json_body is not None:
                send_headers["Content-Type"] = "application/json"
            if sign is not None:
                send_headers.update(sign(method, url, body))
            try:
                resp = self.session.request(method, url, data=body.encode("utf-8") if body else None,
                                            headers=send_headers, timeout=self.timeout,
                                            verify=self.validate_certs, allow_redirects=False)
            except requests.exceptions.SSLError as exc:
                raise DNSConnectionError("TLS error talking to %s: %s. Check the certificate (or the api_url), "
                                         "do not disable verification in production"
                                         % (self.base_url.split("/")[2], type(exc).__name__))
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
                # A POST that timed out after it was sent may have been applied: never sent twice.
                if attempt <= self.retries and (method in IDEMPOTENT or _never_sent(exc)):
                    self.sleep(min(self.max_delay, self.backoff * (2 ** (attempt - 1))))
                    continue
                where = (self.base_url.split("/")[2], method, _path_of(url), attempt, type(exc).__name__)
                raise DNSConnectionError("cannot reach %s (%s %s) after %d attempts: %s. Check the API URL/"
                                         "endpoint and the network" % where)
            except (requests.exceptions.RequestException, ValueError) as exc:
                # A bad URL or a header value that cannot be sent (a token with a newline or non-ASCII
                # characters): the message names the exception only, never the header's content.
                raise DNSError("%s %s could not be sent: %s. Check api_url/endpoint and that the credentials "
                               "are plain ASCII without spaces or line breaks"
                               % (method, _path_of(url), type(exc).__name__))
            status = resp.status_code
            retryable = status in RETRY_ALWAYS or (status in RETRY_IDEMPOTENT and method in IDEMPOTENT)
            if retryable and attempt <= self.retries:
                asked = retry_after_seconds(resp.headers.get("Retry-After"))
                if asked is not None and asked > self.max_retry_wait:
                    # The server says when it will answer again (Cloudflare: a 5-minute block); waiting less
                    # and asking again only prolongs the block, so give up now and say how long to wait.
                    raise DNSRateLimited("%s %s: HTTP %d with Retry-After %d s, more than max_retry_wait=%d s; "
                                         "run again after that time, or raise max_retry_wait"
                                         % (method, _path_of(url), status, asked, self.max_retry_wait),
                                         retry_after=asked)
                delay = asked if asked is not None else min(self.max_delay, self.backoff * (2 ** (attempt - 1)))
                self.waits.append({"method": method, "path": _path_of(url).split("?", 1)[0], "status": status,
                                   "seconds": round(delay, 3)})
                self.sleep(delay)
                continue
            return HttpResponse(method, url, status, resp.headers, resp.content)

    def close(self):
        self.session.close()


def token_from(params, env_names):
    """api_token, else the first of env_names set in the environment (None when none)."""
    token = params.get("api_token")
    if not token:
        for env in env_names:
            if os.environ.get(env):
                return os.environ[env]
    return token
