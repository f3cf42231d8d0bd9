# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Reading a mailbox's rules from the Gmail API and from Microsoft Graph with an OAuth2 bearer token (the I/O
half; gmail.py and graph.py convert). GET only, over ansible's open_url; the token never appears in messages.
"""

from __future__ import annotations

import json
from urllib.error import HTTPError, URLError
from urllib.parse import quote

from ansible.module_utils.urls import open_url

GMAIL_URL = "https://gmail.googleapis.com"
GRAPH_URL = "https://graph.microsoft.com/v1.0"
GMAIL_SCOPE = "https://www.googleapis.com/auth/gmail.settings.basic"
GRAPH_SCOPE = "MailboxSettings.Read"


class SourceError(Exception):
    pass


class ApiReader:
    def __init__(self, base, token, what, scope, ca_file=None, validate_certs=True, timeout=30):
        self.base, self.token, self.what, self.scope = base.rstrip("/"), token, what, scope
        self.ca_file, self.validate_certs, self.timeout = ca_file, validate_certs, timeout
        self.requests = 0

    def get(self, path_or_url):
        url = path_or_url if path_or_url.startswith(("http://", "https://")) else self.base + path_or_url
        self.requests += 1
        try:
            answer = open_url(url, method="GET", headers={"Authorization": "Bearer " + self.token,
                                                          "Accept": "application/json"},
                              validate_certs=self.validate_certs, ca_path=self.ca_file, timeout=self.timeout)
            body = answer.read()
        except HTTPError as exc:
            raise SourceError(self._http_problem(exc.code, _error_text(exc), url)) from None
        except (URLError, OSError) as exc:
            raise SourceError("cannot reach the %s at %s: %s; check the URL and the network"
                              % (self.what, self.base, getattr(exc, "reason", exc))) from None
        try:
            return json.loads(body)
        except ValueError:
            raise SourceError("the %s answered %s with something that is not JSON; check the URL"
                              % (self.what, url.replace(self.base, ""))) from None

    def _http_problem(self, status, text, url):
        where = url.replace(self.base, "")
        hint = {401: "the OAuth2 token is refused (expired or for another application): get a new one",
                403: "the token lacks the scope %s, or the account may not use the API" % self.scope,
                404: "no such user or folder: check the address"}.get(status, "try again later")
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


def read_gmail(base, user, token, **kwargs):
    """The answers gmail.convert reads, for one user (userId = the address)."""
    api = ApiReader(base or GMAIL_URL, token, "Gmail API", GMAIL_SCOPE, **kwargs)
    root = "/gmail/v1/users/%s" % quote(user, safe="@")
    settings = {"labels": api.get(root + "/labels"),
                "filters": api.get(root + "/settings/filters"),
                "vacation": api.get(root + "/settings/vacation"),
                "auto_forwarding": api.get(root + "/settings/autoForwarding"),
                "forwarding_addresses": api.get(root + "/settings/forwardingAddresses")}
    return settings, api.requests


def _all_pages(api, path):
    """Graph collections page with @odata.nextLink (an absolute URL)."""
    items, url = [], path
    while url:
        page = api.get(url)
        items.extend(page.get("value", []))
        url = page.get("@odata.nextLink")
    return items


def read_graph(base, user, token, **kwargs):
    """The answers graph.convert reads: inbox rules, the folder tree (names by id), automatic replies."""
    api = ApiReader(base or GRAPH_URL, token, "Microsoft Graph API", GRAPH_SCOPE, **kwargs)
    root = "/users/%s" % quote(user, safe="@")
    rules = _all_pages(api, root + "/mailFolders/inbox/messageRules")
    inbox = api.get(root + "/mailFolders/inbox?$select=id,displayName")
    folders = {}

    def walk(path, parent):
        for folder in _all_pages(api, path):
            folders[folder["id"]] = {"name": folder.get("displayName", ""), "parent": parent}
            if folder.get("childFolderCount"):
                walk(root + "/mailFolders/%s/childFolders?$top=100" % quote(folder["id"], safe=""), folder["id"])

    walk(root + "/mailFolders?$top=100", None)
    settings = api.get(root + "/mailboxSettings/automaticRepliesSetting")
    return {"rules": rules, "folders": folders, "inbox_id": inbox.get("id"), "automatic_replies": settings}, \
        api.requests
