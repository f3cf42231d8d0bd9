# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Passwords for the new mailboxes: generated once, kept in a private (0600) JSON file, reused after."""

from __future__ import annotations

import json
import os
import secrets
import string

from ansible_collections.mailwave.migrate.plugins.module_utils._common.files import (
    ensure_private_dir,
    write_private_file,
)

# No characters that people misread or that break when pasted into mail clients (quotes, backslash).
ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "lIO0") + "-_.+=%"
VAULT_HEADER = "$ANSIBLE_VAULT"


class CredentialsError(Exception):
    pass


def generate_password(length=24):
    """A strong random password with at least one lower, upper, digit and symbol."""
    while True:
        candidate = "".join(secrets.choice(ALPHABET) for dummy in range(length))
        if (any(c.islower() for c in candidate) and any(c.isupper() for c in candidate)
                and any(c.isdigit() for c in candidate) and any(c in "-_.+=%" for c in candidate)):
            return candidate


def is_vault(text):
    return text.lstrip().startswith(VAULT_HEADER)


def load(path, decrypt=None):
    """The stored {address: password} map ({} when the file does not exist).

    decrypt: a function of the Vault text returning the plain text (the controller's vault secrets, given
    by the action plugin); without it a Vault-encrypted file cannot be read.
    """
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise CredentialsError("cannot read the credentials file %s: %s" % (path, exc.strerror or exc)) from None
    if is_vault(text):
        if decrypt is None:
            raise CredentialsError("the credentials file %s is Vault-encrypted and this play has no vault secret; "
                                   "run it with the vault password (--vault-id or --ask-vault-pass)" % path)
        try:
            text = decrypt(text)
        except Exception as exc:  # pylint: disable=broad-except # AnsibleError and friends, never the secret
            raise CredentialsError("the credentials file %s is Vault-encrypted and cannot be decrypted with the "
                                   "vault secrets of this play (%s); give the vault password it was encrypted "
                                   "with" % (path, exc.__class__.__name__)) from None
    try:
        data = json.loads(text) if text.strip() else {}
    except ValueError as exc:
        raise CredentialsError("the credentials file %s is not valid JSON (%s); fix or remove it"
                               % (path, exc.__class__.__name__)) from None
    creds = data.get("mailwave_credentials", {}) if isinstance(data, dict) else None
    if not isinstance(creds, dict):
        raise CredentialsError("the credentials file %s must hold a 'mailwave_credentials' mapping" % path)
    return dict(creds)


def plan(stored, addresses, regenerate=()):
    """(new map, created addresses, regenerated addresses)."""
    result = dict(stored)
    created, renewed = [], []
    for address in addresses:
        if address not in result:
            result[address] = generate_password()
            created.append(address)
        elif address in regenerate:
            result[address] = generate_password()
            renewed.append(address)
    return result, created, renewed


def store(path, creds, encrypt=None):
    """Write the map (0600); encrypt: a function of the plain text returning Vault text, or None."""
    ensure_private_dir(os.path.dirname(os.path.abspath(path)))
    body = json.dumps({"mailwave_credentials": dict(sorted(creds.items()))}, indent=2, sort_keys=True) + "\n"
    if encrypt is not None:
        body = encrypt(body)
    write_private_file(path, body)
    return path


def file_is_private(path):
    try:
        return not (os.stat(path).st_mode & 0o077)
    except FileNotFoundError:
        return True
