# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Reading a mailbox's rules from the Gmail API and from Microsoft Graph with an OAuth2 bearer token (the I/O
half; gmail.py and graph.py convert), with _common.json_api's reader.
"""

from __future__ import annotations

from urllib.parse import quote

from ansible_collections.mailwave.migrate.plugins.module_utils._common.json_api import ApiReader

GMAIL_URL = "https://gmail.googleapis.com"
GRAPH_URL = "https://graph.microsoft.com/v1.0"
GMAIL_SCOPE = "https://www.googleapis.com/auth/gmail.settings.basic"
GRAPH_SCOPE = "MailboxSettings.Read"


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


def read_graph(base, user, token, **kwargs):
    """The answers graph.convert reads: inbox rules, the folder tree (names by id), automatic replies."""
    api = ApiReader(base or GRAPH_URL, token, "Microsoft Graph API", GRAPH_SCOPE, **kwargs)
    root = "/users/%s" % quote(user, safe="@")
    rules = api.pages(root + "/mailFolders/inbox/messageRules")
    inbox = api.get(root + "/mailFolders/inbox?$select=id,displayName")
    folders = {}

    def walk(path, parent):
        for folder in api.pages(path):
            folders[folder["id"]] = {"name": folder.get("displayName", ""), "parent": parent}
            if folder.get("childFolderCount"):
                walk(root + "/mailFolders/%s/childFolders?$top=100" % quote(folder["id"], safe=""), folder["id"])

    walk(root + "/mailFolders?$top=100", None)
    settings = api.get(root + "/mailboxSettings/automaticRepliesSetting")
    return {"rules": rules, "folders": folders, "inbox_id": inbox.get("id"), "automatic_replies": settings}, \
        api.requests
