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

SECURITY_CHOICES = ["tls", "starttls", "plain"]

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
