# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

from __future__ import annotations


class ModuleDocFragment:

    # One IMAP endpoint; SOURCE for every IMAP module, DESTINATION for those that write (imap_sync).
    SOURCE = r"""
requirements:
  - imapclient >= 3.0
options:
  source:
    description:
      - The IMAP account to read from.
    type: dict
    required: true
    suboptions:
      host:
        description:
          - Host name or address of the IMAP server.
          - Required unless O(source.provider) fills it in.
        type: str
      port:
        description:
          - TCP port. Defaults to V(993) with O(source.security=tls) and V(143) otherwise (or the preset's port).
        type: int
      security:
        description:
          - V(tls) is TLS from the first byte (port 993), V(starttls) upgrades a plain connection with STARTTLS,
            V(plain) sends everything, the password included, in clear text and needs O(source.allow_plaintext=true).
          - Defaults to V(tls), or to what the provider preset says.
        type: str
        choices: [tls, starttls, plain]
      allow_plaintext:
        description:
          - The explicit opt-in for O(source.security=plain). Without it a plain-text connection is refused.
        type: bool
        default: false
      user:
        description:
          - Login name (usually the full e-mail address).
        type: str
        required: true
      password:
        description:
          - Password (LOGIN, or AUTHENTICATE PLAIN when the server disables LOGIN).
          - Exactly one of O(source.password) and O(source.oauth2_token) must be given.
        type: str
      oauth2_token:
        description:
          - An OAuth2 access token, used with XOAUTH2 (Gmail, Microsoft 365 accounts that refuse passwords).
          - Exactly one of O(source.password) and O(source.oauth2_token) must be given.
        type: str
      ca_file:
        description:
          - PEM file of the CA certificates to trust instead of the system's ones.
        type: path
      validate_certs:
        description:
          - Verify the server's TLS certificate and host name. Only turn this off for a test server.
        type: bool
        default: true
      timeout:
        description:
          - Seconds to wait for the server on connect and on each read. Defaults to 120 (or the preset's value).
        type: float
      provider:
        description:
          - Name of a provider preset (for example V(ovh), V(gandi), V(gmail), V(office365)) that fills in
            host, port, security, and provider-specific limits and folders to skip. Explicit options win over
            the preset.
        type: str
"""

    DESTINATION = r"""
options:
  destination:
    description:
      - The IMAP account to write to. Same suboptions as O(source).
    type: dict
    required: true
    suboptions:
      host:
        description:
          - Host name or address of the IMAP server.
          - Required unless O(destination.provider) fills it in.
        type: str
      port:
        description:
          - TCP port. Defaults to V(993) with O(destination.security=tls) and V(143) otherwise (or the preset's port).
        type: int
      security:
        description:
          - V(tls) is TLS from the first byte (port 993), V(starttls) upgrades a plain connection with STARTTLS,
            V(plain) sends everything, the password included, in clear text and needs
            O(destination.allow_plaintext=true).
          - Defaults to V(tls), or to what the provider preset says.
        type: str
        choices: [tls, starttls, plain]
      allow_plaintext:
        description:
          - The explicit opt-in for O(destination.security=plain). Without it a plain-text connection is refused.
        type: bool
        default: false
      user:
        description:
          - Login name (usually the full e-mail address).
        type: str
        required: true
      password:
        description:
          - Password (LOGIN, or AUTHENTICATE PLAIN when the server disables LOGIN).
          - Exactly one of O(destination.password) and O(destination.oauth2_token) must be given.
        type: str
      oauth2_token:
        description:
          - An OAuth2 access token, used with XOAUTH2.
          - Exactly one of O(destination.password) and O(destination.oauth2_token) must be given.
        type: str
      ca_file:
        description:
          - PEM file of the CA certificates to trust instead of the system's ones.
        type: path
      validate_certs:
        description:
          - Verify the server's TLS certificate and host name. Only turn this off for a test server.
        type: bool
        default: true
      timeout:
        description:
          - Seconds to wait for the server on connect and on each read. Defaults to 120 (or the preset's value).
        type: float
      provider:
        description:
          - Name of a provider preset (for example V(ovh), V(gandi), V(gmail), V(office365)) that fills in
            host, port, security, and provider-specific limits. Explicit options win over the preset.
        type: str
"""
