# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Argument specs shared by the IMAP modules: the `source` / `destination` endpoint dicts.

The matching documentation is the doc fragment ``mailwave.migrate._imap`` (plugins/doc_fragments/_imap.py).
Values a provider preset can fill in (host, port, security, timeout) have no default here: the
connection layer applies the preset first, then the generic defaults (security ``tls``, port 993 for
``tls`` and 143 otherwise, timeout 120 s).
"""

from __future__ import annotations

import re

from ansible_collections.mailwave.migrate.plugins.module_utils._imap.folders import regextrans2_problems
from ansible_collections.mailwave.migrate.plugins.module_utils._imap.identity import useheader_problems

SECURITY_CHOICES = ["tls", "starttls", "plain"]
VERIFY_CHOICES = ["standard", "full"]

DEFAULT_SECURITY = "tls"
DEFAULT_TIMEOUT = 120.0


def endpoint_spec():
    """Suboptions of one IMAP endpoint (``source`` or ``destination``)."""
    return dict(
        host=dict(type="str"),
        port=dict(type="int"),
        security=dict(type="str", choices=list(SECURITY_CHOICES)),
        allow_plaintext=dict(type="bool", default=False),
        user=dict(type="str", required=True),
        password=dict(type="str", no_log=True),
        oauth2_token=dict(type="str", no_log=True),
        ca_file=dict(type="path"),
        validate_certs=dict(type="bool", default=True),
        timeout=dict(type="float"),
        provider=dict(type="str"),
    )


def endpoint_argument(required=True):
    """The whole ``source`` / ``destination`` option: a dict with the endpoint suboptions."""
    return dict(
        type="dict",
        required=required,
        options=endpoint_spec(),
        mutually_exclusive=[["password", "oauth2_token"]],
        required_one_of=[["password", "oauth2_token"]],
    )


def sync_options_spec():
    """The copy options of one source -> destination sync: imap_sync's options besides the endpoints, and
    what imap_sync_batch checks its ``options`` and each ``jobs[].options`` against."""
    return dict(
        folders_include=dict(type="list", elements="str"),
        folders_exclude=dict(type="list", elements="str"),
        folder_map=dict(type="dict"),
        automap=dict(type="bool"),
        subfolder=dict(type="str"),
        subscribe_all=dict(type="bool", default=False),
        delete2duplicates=dict(type="bool", default=False),
        delete2=dict(type="bool", default=False),
        delete1=dict(type="bool", default=False),
        delete1_confirm=dict(type="bool", default=False),
        skip_cross_duplicates=dict(type="bool"),
        resync_flags=dict(type="bool", default=True),
        max_age=dict(type="float"),
        min_age=dict(type="float"),
        max_size=dict(type="int"),
        max_bytes_per_second=dict(type="int"),
        max_messages_per_second=dict(type="float"),
        max_bytes_per_day=dict(type="int"),
        connections=dict(type="int", default=4),
        state_dir=dict(type="path"),
        errors_max=dict(type="int"),
        useheader=dict(type="list", elements="str"),
        folders_first=dict(type="list", elements="str"),
        regextrans2=dict(type="list", elements="dict", options=dict(
            regex=dict(type="str", required=True),
            replace=dict(type="str", required=True),
        )),
        verify=dict(type="str", choices=list(VERIFY_CHOICES), default="standard"),
    )


def check_sync_options(options):
    """Problems with already type-checked sync options, as user-ready sentences (empty when fine)."""
    problems = []
    if options.get("connections") is not None and options["connections"] < 1:
        problems.append("connections must be 1 or more")
    if options.get("errors_max") is not None and options["errors_max"] < 1:
        problems.append("errors_max must be 1 or more (leave it unset for no limit)")
    for name in ("max_age", "min_age", "max_size", "max_bytes_per_second", "max_messages_per_second",
                 "max_bytes_per_day"):
        if options.get(name) is not None and options[name] < 0:
            problems.append("%s must not be negative" % name)
    if options.get("delete1") and options.get("delete2"):
        problems.append("delete1 and delete2 are mutually exclusive")
    problems.extend(useheader_problems(options.get("useheader")))
    problems.extend(regextrans2_problems(options.get("regextrans2")))
    for name in ("folders_include", "folders_exclude"):
        for pattern in options.get(name) or ():
            try:
                re.compile(pattern)
            except re.error as exc:
                problems.append("%s: %r is not a valid regular expression (%s)" % (name, pattern, exc))
    return problems


def engine_options(options):
    """The options as the engine takes them (delete2 implies delete2duplicates, as in imapsync)."""
    result = {name: options.get(name) for name in sync_options_spec()}
    if result["delete2"]:
        result["delete2duplicates"] = True
    return result
