# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""A thin Mailcow API client on ansible's open_url (no extra dependency on the machine that runs it).

- ``X-API-Key`` auth; TLS verified unless ``validate_certs=False``.
- Bounded retries with exponential backoff: reads on connection errors, timeouts and 5xx; writes only
  when the request certainly did not reach Mailcow's code (connection refused/reset before an answer,
  502/503/504 from the proxy), so that a write is never applied twice.
- The envelope: an HTTP 200 list of ``{type, log, msg}`` where any ``danger``/``error`` entry is a
  failure (raised as MailcowError with a sentence, errors.describe); ``{}`` on a read means "not found"
  (returned as None); an empty body on a write is the server's hidden crash (e.g. a sync job without
  ``exclude``) and is an error; 401/403/404/405/400 carry one ``{type: error, msg}`` object.
- The API key never appears in messages, exceptions or results.
"""

from __future__ import annotations

import json
import socket
import ssl
import time
from urllib.error import HTTPError, URLError
from urllib.parse import quote

from ansible.module_utils.urls import open_url

from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.errors import MailcowError, describe

MIB = 1048576


def mib_to_bytes(mib):
    return None if mib is None else int(mib) * MIB


def bytes_to_mib(value):
    """Bytes (int or the strings Mailcow sometimes sends) to whole MiB."""
    if value in (None, ""):
        return None
    return int(value) // MIB


class MailcowClient:
    """get/add/edit/delete over Mailcow's /api/v1, see the module docstring."""

    RETRY_STATUSES = (500, 502, 503, 504)
    SAFE_WRITE_RETRY_STATUSES = (502, 503, 504)

    def __init__(self, api_url, api_key, validate_certs=True, timeout=30, retries=3, backoff=1.0, sleep=time.sleep):
        if not api_url:
            raise MailcowError("api_url is required: the base URL of the Mailcow server, e.g. https://mail.example.org "
                               "(or set MAILCOW_API_URL)")
        if not api_key:
            raise MailcowError("api_key is required: a Mailcow API key (or set MAILCOW_API_KEY)")
        if not api_url.lower().startswith(("https://", "http://")):
            raise MailcowError("api_url %r is not an http(s) URL: write the base URL of the Mailcow server, e.g. "
                               "https://mail.example.org" % api_url)
        api_url = api_url.rstrip("/")
        if api_url.endswith("/api/v1"):
            api_url = api_url[:-len("/api/v1")]
        self.base = api_url + "/api/v1/"
        self._key = api_key
        self.validate_certs = validate_certs
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self._sleep = sleep
        self.write_count = 0

    # ------------------------------------------------------------------ transport
    def _open(self, method, path, payload):
        headers = {"X-API-Key": self._key, "Accept": "application/json"}
        data = None
        if payload is not None:
            data = json.dumps(payload).encode("utf-8")
            headers["Content-Type"] = "application/json"
        try:
            response = open_url(self.base + path, data=data, method=method, headers=headers,
                                validate_certs=self.validate_certs, timeout=self.timeout, follow_redirects="none")
            return response.getcode(), response.read().decode("utf-8", "replace")
        except HTTPError as exc:
            if 300 <= exc.code < 400:
                location = exc.headers.get("Location") if exc.headers else None
                raise MailcowError("api_url redirects (HTTP %d to %s): set api_url to the address Mailcow answers on "
                                   "directly (often https:// instead of http://)" % (exc.code, location or "?"),
                                   status=exc.code) from None
            try:
                body = exc.read().decode("utf-8", "replace")
            except Exception:  # pylint: disable=broad-except
                body = ""
            return exc.code, body

    def _request(self, method, path, payload=None):
        write = method != "GET"
        attempt = 0
        while True:
            attempt += 1
            try:
                status, body = self._open(method, path, payload)
            except (URLError, socket.timeout, ConnectionError, OSError, ssl.SSLError) as exc:
                reason = getattr(exc, "reason", exc)
                if isinstance(reason, ssl.SSLError) or isinstance(exc, ssl.SSLError):
                    raise MailcowError(
                        "TLS connection to %s failed (%s): install the server's CA certificate on this machine, "
                        "or set validate_certs=false only for a test server" % (self.base, reason)) from None
                refused = isinstance(reason, (ConnectionRefusedError, ConnectionResetError, socket.gaierror))
                if attempt <= self.retries and (not write or refused):
                    self._sleep(self.backoff * (2 ** (attempt - 1)))
                    continue
                raise MailcowError(
                    "cannot reach Mailcow at %s (%s) after %d attempt(s): check api_url, that the server is up and "
                    "that this machine can connect to it" % (self.base, reason, attempt)) from None
            retry_on = self.SAFE_WRITE_RETRY_STATUSES if write else self.RETRY_STATUSES
            if status in retry_on and attempt <= self.retries:
                self._sleep(self.backoff * (2 ** (attempt - 1)))
                continue
            return status, body

    @staticmethod
    def _parse_error_object(status, body):
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        msg = data.get("msg") if isinstance(data, dict) else None
        if msg:
            return MailcowError(describe(msg), key=msg, status=status)
        return MailcowError("Mailcow answered HTTP %d%s: check api_url and the server's logs" % (
            status, (" (" + body.strip()[:200] + ")") if body.strip() else ""), status=status)

    # ------------------------------------------------------------------ reads
    def get(self, category, *parts):
        """Data of get/<category>/<parts...>, or None when Mailcow answers {} (not found / empty list)."""
        path = "get/" + "/".join([quote(str(category), safe="-_")] + [quote(str(p), safe="@-_.,") for p in parts])
        status, body = self._request("GET", path)
        if status != 200:
            raise self._parse_error_object(status, body)
        if not body.strip():
            raise MailcowError("Mailcow answered an empty body to a read (%s): the API key was not accepted as a "
                               "session; check api_key" % path, status=status)
        try:
            data = json.loads(body)
        except ValueError:
            raise MailcowError("Mailcow's answer to %s is not JSON: check that api_url points at Mailcow" % path,
                               status=status) from None
        if data == {} or data is False:
            return None
        if isinstance(data, dict) and data.get("type") == "error" and set(data) <= {"type", "msg"}:
            raise MailcowError(describe(data.get("msg")), key=data.get("msg"), status=status)
        return data

    def get_list(self, category, *parts):
        data = self.get(category, *parts)
        if data is None:
            return []
        return data if isinstance(data, list) else [data]

    # ------------------------------------------------------------------ writes
    def _write(self, action, category, payload, request_attrs, items=None):
        path = "%s/%s" % (action, category)
        self.write_count += 1
        status, body = self._request("POST", path, payload)
        if status != 200:
            raise self._parse_error_object(status, body)
        if not body.strip():
            raise MailcowError(
                "Mailcow answered %s with an empty body: its code crashed and nothing was saved (for a sync job this "
                "happens when exclude is missing)" % path, status=status)
        try:
            data = json.loads(body)
        except ValueError:
            raise MailcowError("Mailcow's answer to %s is not JSON: check that api_url points at Mailcow" % path,
                               status=status) from None
        entries = data if isinstance(data, list) else [data]
        failures = [e for e in entries if isinstance(e, dict) and e.get("type") in ("danger", "error")]
        if failures:
            item = items[0] if items and len(items) == 1 else None
            sentences = [describe(e.get("msg"), request_attrs, action, category, item) for e in failures]
            first = failures[0].get("msg")
            key = first[0] if isinstance(first, list) and first else first
            args = list(first[1:]) if isinstance(first, list) else []
            raise MailcowError("; ".join(sentences), key=key, args=args, status=status, entries=entries)
        return entries

    def add(self, category, attrs, context=None):
        """add/<category>; context: values (API names) that fill error sentences when attrs lack them."""
        return self._write("add", category, attrs, dict(context or {}, **attrs))

    def edit(self, category, items, attrs, context=None):
        items = list(items)
        return self._write("edit", category, {"items": items, "attr": attrs}, dict(context or {}, **attrs), items)

    def delete(self, category, items):
        items = list(items)
        return self._write("delete", category, items, {}, items)


def success_args(entries, key):
    """The arguments of the first success entry with this message key, or None."""
    for entry in entries:
        msg = entry.get("msg") if isinstance(entry, dict) else None
        if entry.get("type") == "success" and isinstance(msg, list) and msg and msg[0] == key:
            return msg[1:]
        if entry.get("type") == "success" and msg == key:
            return []
    return None
