# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Provider presets: connection settings, folders to skip and throttle limits of well-known mail hosts.

``apply_preset(endpoint)`` returns a copy of an endpoint dict (the ``source`` / ``destination`` option)
where the values the user left unset (missing or None) are filled in from ``PRESETS[endpoint['provider']]``;
what the user set always wins. Keys that are not connection settings (``folders_exclude``,
``exclude_special_use``, ``last_special_use``, ``automap_targets``, ``strip_prefixes``, ``automap``,
``skip_cross_duplicates``, the limits and ``notes``) are added for the engine to use.

Sources: the provider guide in shared/domain/ (host, port, security as the guide gives them), imapsync's
own presets and FAQ (anchors 1.2 and 1.5) for folders and limits. Where the guide disagrees with the
vendor's documentation, the vendor wins and the comment says so.
"""

from __future__ import annotations

import copy

MB = 1000 * 1000

# Keys of an endpoint dict that a preset may fill in.
CONNECTION_KEYS = ("host", "port", "security", "timeout")

PRESETS = {
    # OVH (Exchange-less "MX Plan" / e-mail Pro): the guide gives ssl0.ovh.net:143 with STARTTLS and says
    # the host may be the one of the domain's "imap" DNS record instead. OVH also serves 993 (implicit TLS).
    # OVH documents no per-account IMAP limits; the connection count below is a conservative choice of ours.
    "ovh": {
        "host": "ssl0.ovh.net",
        "port": 143,
        "security": "starttls",
        "max_connections": 4,
        "folders_exclude": [],
        "notes": "Login is the full e-mail address. The host may be the one named by the domain's IMAP DNS "
                 "record (e.g. imap.<domain>) instead of ssl0.ovh.net.",
    },
    # Gandi: mail.gandi.net:993 implicit TLS (guide and Gandi's documentation agree).
    "gandi": {
        "host": "mail.gandi.net",
        "port": 993,
        "security": "tls",
        "max_connections": 4,
        "folders_exclude": [],
        "notes": "Login is the full e-mail address.",
    },
    # Google: the guide says mail.gmail.com; Google documents imap.gmail.com (used here). IMAP must be
    # enabled in Gmail's settings first. Limits (imapsync FAQ.Gmail, citing Google's support page
    # answer/1071518): 2500 MB/day IMAP download, 500 MB/day upload, 15 simultaneous connections per
    # account. Labels appear as folders and one message in several of them: cross-folder duplicates are
    # skipped, so each message is copied once, into the first folder that holds it (INBOX, then by name, or
    # the user's folders_first). "Important" (\Important) and "Starred" (\Flagged; a star is the message's
    # \Flagged flag, which is copied) only hold copies and are left out. "[Gmail]/All Mail" (\All) holds
    # every message: imap_sync copies it last (imapsync's --folderlast), so only the messages no label
    # holds, the archived ones, are copied from it, into the destination's Archive; imap_mailbox_info
    # leaves it out (it would double the totals).
    "gmail": {
        "host": "imap.gmail.com",
        "port": 993,
        "security": "tls",
        "max_connections": 15,
        "download_bytes_per_day": 2500 * MB,
        "upload_bytes_per_day": 500 * MB,
        "max_bytes_per_second": 40000,        # imapsync --gmail1, once 3 GB are through
        "folders_exclude": [r"^\[Gmail\]$", r"^\[Google Mail\]$", r"^\[Gmail\]/Important$",
                            r"^\[Google Mail\]/Important$", r"^\[Gmail\]/Starred$", r"^\[Google Mail\]/Starred$"],
        "exclude_special_use": ["\\Important", "\\Flagged"],
        "last_special_use": ["\\All"],
        "automap_targets": {"\\All": "\\Archive"},
        "strip_prefixes": ["[Gmail]/", "[Google Mail]/"],
        "automap": True,
        "skip_cross_duplicates": True,
        "notes": "Enable IMAP in Gmail's settings first. Many accounts refuse passwords: use an app password "
                 "or oauth2_token (XOAUTH2). Google limits IMAP to 2500 MB/day download and 500 MB/day upload "
                 "per account; a big box takes several days.",
    },
    # Microsoft 365 / Exchange Online: the guide says mail.office365.com; Microsoft documents
    # outlook.office365.com (used here). Throttling ("Suggested Backoff Time"): imapsync's FAQ suggests at
    # most ~1 message/s and ~300 MB/hour per user; the preset --office2 uses maxsize 45 MB and
    # 4 messages/s. "Files" is a reserved folder (imapsync --office1 excludes it).
    "office365": {
        "host": "outlook.office365.com",
        "port": 993,
        "security": "tls",
        "max_connections": 8,
        "max_messages_per_second": 4,
        "max_bytes_per_second": 83333,
        "max_message_size": 45 * MB,
        "folders_exclude": [r"^Files$"],
        "notes": "Basic authentication is disabled for most tenants: use oauth2_token (XOAUTH2). Microsoft "
                 "throttles with 'Suggested Backoff Time'; ask for the limits to be lifted for a large migration.",
    },
    # Any standards-following IMAP server: nothing but the generic defaults (implicit TLS on 993).
    "generic": {
        "security": "tls",
        "folders_exclude": [],
        "notes": "No provider-specific settings.",
    },
}

# Other names people use for the same providers.
ALIASES = {
    "google": "gmail",
    "googlemail": "gmail",
    "gsuite": "gmail",
    "google_workspace": "gmail",
    "microsoft": "office365",
    "microsoft365": "office365",
    "m365": "office365",
    "o365": "office365",
    "outlook": "office365",
    "exchange_online": "office365",
    "imap": "generic",
    "dovecot": "generic",
    "mailcow": "generic",
}


def known_providers():
    return sorted(set(PRESETS) | set(ALIASES))


def get_preset(name):
    """The preset dict (a copy) for a provider name or alias; ValueError listing the known ones."""
    key = str(name or "").strip().lower().replace("-", "_").replace(" ", "_")
    key = ALIASES.get(key, key)
    if key not in PRESETS:
        raise ValueError("unknown provider %r; known providers: %s" % (name, ", ".join(known_providers())))
    return copy.deepcopy(PRESETS[key])


def apply_preset(endpoint):
    """A copy of endpoint with the preset of endpoint['provider'] filling what the user left unset.

    No provider: the copy is returned unchanged. Unknown provider: ValueError with the known names.
    """
    result = dict(endpoint or {})
    provider = result.get("provider")
    if not provider:
        return result
    preset = get_preset(provider)
    for key, value in preset.items():
        if result.get(key) is None:
            result[key] = value
    # A preset's port only makes sense with its security: a user who chose another security keeps the
    # generic port for it.
    if endpoint.get("port") is None and endpoint.get("security") is not None \
            and endpoint.get("security") != preset.get("security") and "port" in preset:
        result["port"] = 993 if endpoint["security"] == "tls" else 143
    return result
