# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The old provider's IMAP endpoint with its preset applied, and a box's login there.

imap_sync applies the presets itself; a Mailcow sync job is created from plain host/port/encryption, so
the role resolves the preset here (the presets live in module_utils/_imap/presets.py).
source_login is the one place that picks a box's source secret (preflight, sync and groupware read it).
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.mailwave.migrate.plugins.module_utils._imap.presets import apply_preset

DEFAULT_PORTS = {"tls": 993, "starttls": 143, "plain": 143}
# Mailcow's words (syncjob "enc1"): SSL = TLS from the first byte (993), TLS = STARTTLS (143).
MAILCOW_ENCRYPTION = {"tls": "ssl", "starttls": "tls", "plain": "plain"}


def source_endpoint(source):
    """{host, port, security} of the source, preset applied; security defaults to tls, port to its own."""
    if not isinstance(source, dict):
        raise AnsibleFilterError("mailwave.migrate: mailwave_source must be a dict (host, port, security or provider)")
    try:
        endpoint = apply_preset(source)
    except ValueError as exc:
        raise AnsibleFilterError("mailwave.migrate: mailwave_source: %s" % exc) from None
    if not endpoint.get("host"):
        raise AnsibleFilterError("mailwave.migrate: mailwave_source has no host (give host, or a provider preset)")
    security = str(endpoint.get("security") or "tls").lower()
    if security not in MAILCOW_ENCRYPTION:
        raise AnsibleFilterError("mailwave.migrate: mailwave_source.security %r: use tls, starttls or plain"
                                 % (endpoint.get("security"),))
    port = endpoint.get("port")
    return {"host": endpoint["host"], "port": int(port) if port not in (None, "") else DEFAULT_PORTS[security],
            "security": security, "mailcow_encryption": MAILCOW_ENCRYPTION[security]}


def source_login(box, mailboxes=None, passwords=None):
    """{user, oauth2_token} when the box's inventory entry has a token, else {user, password}.

    The entry is the first of mailboxes whose address is box.address in any case (inventory_check lower-cases
    the addresses it checks, so an entry written Anna@ must still be found); the password is passwords[address]
    when that key is there (even empty), else the key in another case, else the entry's.
    """
    if not isinstance(box, dict) or not box.get("address"):
        raise AnsibleFilterError("mailwave.migrate.source_login: the box must be a dict with an address")
    if mailboxes is not None and not isinstance(mailboxes, (list, tuple)):
        raise AnsibleFilterError("mailwave.migrate.source_login: mailboxes must be a list (mailwave_mailboxes)")
    if passwords is not None and not isinstance(passwords, dict):
        raise AnsibleFilterError("mailwave.migrate.source_login: passwords must be a dict (mailwave_source_passwords)")
    address = box["address"]
    folded = str(address).strip().lower()
    entry = next((e for e in mailboxes or [] if isinstance(e, dict)
                  and str(e.get("address") or "").strip().lower() == folded), {})
    user = box.get("source_user") or address
    token = entry.get("source_oauth2_token")
    if token:
        return {"user": user, "oauth2_token": token}
    passwords = passwords or {}
    if address not in passwords:
        address = next((k for k in passwords if str(k).strip().lower() == folded), address)
    password = passwords[address] if address in passwords else entry.get("source_password", "")
    return {"user": user, "password": password}


class FilterModule(object):
    def filters(self):
        return {"source_endpoint": source_endpoint, "source_login": source_login}
