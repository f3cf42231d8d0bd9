# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""GET-only reader for the vendors' JSON APIs (Gmail, Microsoft Graph) with an OAuth2 bearer token.

Over ansible's open_url; the token never appears in a message. Throttling answers (429, 503) are waited
out as the server asks (``Retry-After``, Graph's throttling guidance: learn.microsoft.com/graph/throttling),
within a bounded total wait, then reported. Graph collections page with an absolute ``@odata.nextLink``
(learn.microsoft.com/graph/paging): it is followed only on the API's own host, so the token is never sent
elsewhere.
"""

from __future__ import annotations

import json
import time
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit

from ansible.module_utils.urls import open_url

MAX_WAIT = 300  # seconds of Retry-After waits per reader before the throttling is reported
DEFAULT_RETRY_AFTER = 10


class SourceError(Exception):
    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status  # the HTTP status when the API answered one


class ApiReader:
    def __init__(self, base, token, what, scope, ca_file=None, validate_certs=True, timeout=30, sleep=time.sleep):
        self.base, self.token, self.what, self.scope = base.rstrip("/"), token, what, scope
        self.ca_file, self.validate_certs, self.timeout = ca_file, validate_certs, timeout
        self.sleep = sleep
        self.requests = 0
        self.waited = 0.0

    def _url(self, path_or_url):
        if not path_or_url.startswith(("http://", "https://")):
            return self.base + path_or_url
        if urlsplit(path_or_url).netloc != urlsplit(self.base).netloc:
            raise SourceError("the %s sent a link to another host (%s); refusing to send the token there"
                              % (self.what, urlsplit(path_or_url).netloc))
        return path_or_url

    def raw(self, path_or_url, missing_ok=False):
        """The body as bytes; None for a 404 when missing_ok (an optional part: a contact's photo)."""
        url = self._url(path_or_url)
        while True:
            self.requests += 1
            try:
                answer = open_url(url, method="GET", headers={"Authorization": "Bearer " + self.token,
                                                              "Accept": "application/json"},
                                  validate_certs=self.validate_certs, ca_path=self.ca_file, timeout=self.timeout)
                return answer.read()
            except HTTPError as exc:
                if exc.code == 404 and missing_ok:
                    return None
                if exc.code in (429, 503) and self._wait(exc):
                    continue
                raise SourceError(self._http_problem(exc.code, _error_text(exc), url), exc.code) from None
            except (URLError, OSError) as exc:
                raise SourceError("cannot reach the %s at %s: %s; check the URL and the network"
                                  % (self.what, self.base, getattr(exc, "reason", exc))) from None

    def get(self, path_or_url):
        body = self.raw(path_or_url)
        try:
            return json.loads(body)
        except ValueError:
            raise SourceError("the %s answered %s with something that is not JSON; check the URL"
                              % (self.what, self._url(path_or_url).replace(self.base, ""))) from None

    def pages(self, path):
        """Every item of a paged collection (value + @odata.nextLink)."""
        items, url = [], path
        while url:
            page = self.get(url)
            items.extend(page.get("value", []))
            url = page.get("@odata.nextLink")
        return items

    def _wait(self, exc):
        """True after sleeping what the server asked, False when the budget of waits is spent."""
        try:
            delay = float(exc.headers.get("Retry-After") or DEFAULT_RETRY_AFTER)
        except (TypeError, ValueError, AttributeError):
            delay = DEFAULT_RETRY_AFTER
        delay = max(0.0, delay)
        if self.waited + delay > MAX_WAIT:
            return False
        self.waited += delay
        self.sleep(delay)
        return True

    def _http_problem(self, status, text, url):
        where = url.replace(self.base, "")
        hint = {401: "the OAuth2 token is refused (expired or for another application): get a new one",
                403: "the token lacks the scope %s, or the account may not use the API" % self.scope,
                404: "no such user or folder: check the address",
                429: "the API kept throttling past %d s of waits: run again later" % MAX_WAIT}.get(status, "try again later")
        return "the %s answered HTTP %s to %s (%s): %s" % (self.what, status, where, text or "no detail", hint)


def _error_text(exc):
    try:
        data = json.loads(exc.read() or b"{}")
    except (ValueError, OSError):
        return ""
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):  # Google {"error": {code, message, status}}, Graph {"error": {code, message}}
        return " ".join(str(error.get(k)) for k in ("status", "code", "message") if error.get(k))
    return str(error or "")
