# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The old provider's IMAP endpoint with its preset applied, for the paths that are not imap_sync.

imap_sync applies the presets itself; a Mailcow sync job is created from plain host/port/encryption, so
the role resolves the preset here (the presets live in module_utils/_imap/presets.py).
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


class FilterModule(object):
    def filters(self):
        return {"source_endpoint": source_endpoint}
