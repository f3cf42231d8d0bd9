# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Mailcow's message keys turned into sentences a user can act on.

Mailcow answers business errors with HTTP 200 and entries ``{type, log, msg}`` where ``msg`` is a lang
key, alone or as ``[key, arg, ...]``. MESSAGES has one sentence per key of the API specification:
``{a0}``, ``{a1}`` are the key's arguments, other ``{names}`` come from the request's attributes
(``{quota}``: the quota that was sent), ``?`` when unknown.
"""

from __future__ import annotations

import re

MESSAGES = {
    # domains
    "domain_exists": "domain {a0} already exists on Mailcow (as a domain or an alias domain)",
    "domain_invalid": "domain {domain_ref} is not a valid domain name or does not exist on Mailcow; check the name, "
                      "or create the domain first with mailwave.migrate.mailcow_domain",
    "domain_not_found": "domain {a0} does not exist on Mailcow: create it first with mailwave.migrate.mailcow_domain",
    "domain_cannot_match_hostname": "domain {domain} is Mailcow's own host name (MAILCOW_HOSTNAME); a mail domain "
                                    "must differ from it, use the parent domain or another name",
    "domain_not_empty": "domain {a0} still has mailboxes: remove them first (mailcow_mailbox state=absent), then the "
                        "domain",
    "mailbox_defquota_exceeds_mailbox_maxquota": "the default mailbox quota ({defquota} MiB) is larger than the "
                                                 "maximum per mailbox ({maxquota} MiB): lower default_quota or raise "
                                                 "max_quota",
    "mailbox_quota_exceeds_domain_quota": "the maximum quota per mailbox ({maxquota} MiB) is larger than the whole "
                                          "domain quota ({quota} MiB): raise quota or lower max_quota",
    "defquota_empty": "the default mailbox quota cannot be 0: set default_quota to at least 1 MiB",
    "maxquota_empty": "the maximum quota per mailbox cannot be 0: set max_quota to at least 1 MiB",
    "object_is_not_numeric": "value {a0} must be a whole number",
    "tag_limit_exceeded": "too many tags ({a0}): Mailcow keeps at most 25 tags",
    "max_quota_in_use": "a mailbox of this domain already has a quota of {a0} MiB, above the requested maximum per "
                        "mailbox: keep max_quota at {a0} MiB or more, or lower that mailbox's quota first",
    "domain_quota_m_in_use": "the mailboxes of this domain already hold {a0} MiB of quota in total, above the "
                             "requested domain quota: keep quota at {a0} MiB or more, or lower mailbox quotas first",
    "mailboxes_in_use": "the domain already has {a0} mailboxes, more than the requested max_mailboxes: keep "
                        "max_mailboxes at {a0} or more, or remove mailboxes first",
    "aliases_in_use": "the domain already has {a0} aliases, more than the requested max_aliases: keep max_aliases at "
                      "{a0} or more, or remove aliases first",
    "rl_timeframe": "the rate limit time frame must be s, m, h or d (per second, minute, hour or day), e.g. 20/m",
    "rl_value": "the rate limit must be a whole number of messages, e.g. 20/m",
    # mailboxes
    "mailbox_invalid": "{local_part}@{domain} is not a valid mailbox address: the local part must be non-empty, "
                       "without spaces, leading/trailing or double dots",
    "quarantine_category_invalid": "quarantine category must be add_header, reject or all",
    "object_exists": "{a0} already exists on Mailcow",
    "is_alias": "{a0} already exists as an alias: remove the alias first or choose another address",
    "is_spam_alias": "{a0} already exists as a spam alias: remove it first or choose another address",
    "password_complexity": "the password does not meet Mailcow's password policy (minimum length and required "
                           "character classes, see get/passwordpolicy): choose a stronger password",
    "password_mismatch": "the password and its confirmation differ",
    "password_empty": "a password is required",
    "max_mailbox_exceeded": "domain already has {a0} mailboxes out of the {a1} it allows: raise max_mailboxes of the "
                            "domain (mailcow_domain) first",
    "mailbox_quota_exceeded": "mailbox quota {quota} MiB exceeds the domain maximum of {a0} MiB per mailbox: lower "
                              "quota or raise max_quota of the domain",
    "mailbox_quota_left_exceeded": "mailbox quota {quota} MiB exceeds what the domain quota still allows for this "
                                   "mailbox ({a0} MiB): lower quota or raise the domain quota",
    "username_invalid": "{a0} is not a valid mailbox address",
    "unlimited_quota_acl": "this API user may not create mailboxes with an unlimited quota (0): set a quota",
    # aliases
    "alias_empty": "the alias address is empty",
    "goto_empty": "the alias has no destination: set goto (one or more addresses)",
    "goto_invalid": "alias destination {a0} is not a valid address",
    "max_alias_exceeded": "the domain has reached its maximum number of aliases: raise max_aliases of the domain",
    "is_alias_or_mailbox": "{a0} already exists as a mailbox or an alias",
    "alias_invalid": "{a0} is not a valid alias address (use local@domain, or @domain for a catch-all)",
    "comment_too_long": "alias comments are limited to 160 characters",
    # sync jobs
    "no_user_defined": "the sync job has no target mailbox (username)",
    "bad character SPACE": "custom_params contains an option with a space in its name: Mailcow refuses it; write "
                           "--option=value without spaces",
    # DKIM
    "dkim_domain_or_sel_invalid": "DKIM key for {a0} cannot be created: a key already exists, or the domain or the "
                                  "selector is invalid",
    # transports
    "invalid_nexthop": "the next hop is invalid: use host, host:port, [host]:port or an IP address",
    "invalid_nexthop_authenticated": "this next hop is already used by another transport with a different user name",
    "transport_dest_exists": "a transport for {a0} already exists",
    "invalid_destination": "transport destination {a0} is invalid: use a domain, .domain, an address or *",
    "next_hop_interferes": "next hop {a0} interferes with {a1}",
    "next_hop_interferes_any": "next hop {a0} interferes with an existing transport for *",
    # generic
    "access_denied": "Mailcow refused the request (access_denied): the object it refers to does not exist (unknown "
                     "domain, mailbox, sync job id or alias id), or a value failed Mailcow's checks",
}

# What access_denied means for each kind of write (Mailcow uses it for many different causes).
ACCESS_DENIED_HINTS = {
    ("add", "mailbox"): "domain {domain} does not exist on Mailcow: create it first with mailwave.migrate.mailcow_domain",
    ("add", "syncjob"): "Mailcow refused the sync job (access_denied): mailbox {username} does not exist on Mailcow, or "
                        "port1 (1-65535), mins_interval (1-43800), enc1 (TLS, SSL, PLAIN) or the exclude regular "
                        "expression is invalid",
    ("edit", "syncjob"): "Mailcow refused the sync job change (access_denied): the job no longer exists, or host1, "
                         "port1, mins_interval, enc1 or the exclude regular expression is invalid",
    ("delete", "syncjob"): "the sync job does not exist (any more) on Mailcow",
    ("edit", "mailbox"): "mailbox {item} does not exist on Mailcow",
    ("delete", "mailbox"): "mailbox {item} does not exist on Mailcow",
    ("edit", "rl-domain"): "domain {item} does not exist on Mailcow",
    ("edit", "rl-mbox"): "mailbox {item} does not exist on Mailcow",
}

HTTP_MESSAGES = {
    "authentication failed": "Mailcow rejected the API key (HTTP 401, authentication failed): check api_key (or "
                             "MAILCOW_API_KEY) and that the key is active in Mailcow's API settings",
    "API read/write access denied": "the API key is read-only (HTTP 403): writes need Mailcow's read-write key (API_KEY, "
                                    "not API_KEY_READ_ONLY)",
    "route not found": "Mailcow does not know this API route (HTTP 404): check that api_url is the Mailcow base URL "
                       "(e.g. https://mail.example.org, without /api/v1) and the Mailcow version",
    "only GET method is allowed": "Mailcow refused the HTTP method (405, only GET allowed): this is a bug in the module",
    "only POST method is allowed": "Mailcow refused the HTTP method (405, only POST allowed): this is a bug in the module",
    "Request body doesn't contain valid json!": "Mailcow could not parse the request (400, invalid JSON): this is a bug "
                                                "in the module",
    "Cannot find attributes in post data": "Mailcow found no attributes in the request: this is a bug in the module",
}


class _Fill(dict):
    def __missing__(self, key):
        return "?"


def _split_msg(msg):
    if isinstance(msg, list) and msg:
        return str(msg[0]), list(msg[1:])
    return str(msg), []


def describe(msg, request=None, action=None, category=None, item=None):
    """The sentence for one Mailcow ``msg`` (a key or [key, args...]), with the request's values filled in."""
    key, args = _split_msg(msg)
    fill = _Fill()
    for name, value in (request or {}).items():
        if isinstance(value, (str, int, float)) and not re.search("pass", name, re.I):
            fill[name] = value
    for index, value in enumerate(args):
        fill["a%d" % index] = value
    fill["item"] = item if item is not None else "?"
    fill["domain_ref"] = item if item is not None else fill.get("domain", "?")
    if key == "access_denied" and (action, category) in ACCESS_DENIED_HINTS:
        template = ACCESS_DENIED_HINTS[(action, category)]
    elif key.startswith("bad option "):
        option = key[len("bad option "):]
        return ("custom_params option --%s is refused by Mailcow (bad option %s): only the imapsync options of "
                "Mailcow's whitelist are allowed; remove it" % (option, option))
    elif key in MESSAGES:
        template = MESSAGES[key]
    elif key in HTTP_MESSAGES:
        return HTTP_MESSAGES[key]
    elif key.startswith("api access denied for ip"):
        return ("Mailcow refused this client's IP address (HTTP 401, %s): add it to API_ALLOW_FROM in "
                "mailcow.conf, or use the key from an allowed host" % key)
    else:
        template = "Mailcow answered %s" % key + (" (%s)" % ", ".join(str(a) for a in args) if args else "")
        return template
    sentence = template.format_map(fill)
    return "%s (Mailcow message: %s)" % (sentence, key if not args else "%s %s" % (key, ", ".join(str(a) for a in args)))


class MailcowError(Exception):
    """A failed Mailcow call: ``str()`` is the sentence; key/args/status/entries for programs."""

    def __init__(self, message, key=None, args=None, status=None, entries=None):
        super().__init__(message)
        self.message = message
        self.key = key
        self.args_ = args or []
        self.status = status
        self.entries = entries or []

    def __str__(self):
        return self.message
