#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: mailbox_credentials
short_description: Generate and keep the passwords of new mailboxes in a private file
version_added: 0.1.0
description:
  - Makes sure that every address given has a strong random password stored in a JSON file readable by its
    owner only (directory 0700, file 0600), and generates passwords only for addresses that have none yet,
    so that a second run changes nothing.
  - The passwords are never returned. Read them with M(ansible.builtin.include_vars) (with C(no_log)); they
    are under the key C(mailwave_credentials), a mapping of address to password.
  - Runs on the controller (an action plugin), where the file and the play's vault secrets are. The file may
    be Vault-encrypted (C(ansible-vault encrypt), the user guide's step after the wave); it is decrypted with the
    play's vault secrets. It is written Vault-encrypted whenever the play has a vault secret, and always when it
    was encrypted; M(ansible.builtin.include_vars) reads it either way.
author:
  - Mailwave engineers (@mailwave)
extends_documentation_fragment:
  - mailwave.migrate._attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - The diff lists addresses, never passwords.
  idempotent:
    support: full
options:
  path:
    description: The credentials file. Its directory is created with mode 0700.
    type: path
    required: true
  addresses:
    description: Addresses that must have a password.
    type: list
    elements: str
    required: true
  regenerate:
    description: Addresses whose stored password is replaced by a new one.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Passwords for the new mailboxes of the domain
  mailwave.migrate.mailbox_credentials:
    path: "{{ mailwave_work_dir }}/credentials/{{ inventory_hostname }}.json"
    addresses: "{{ checked.mailboxes | map(attribute='address') }}"

- name: Load them (never shown)
  ansible.builtin.include_vars:
    file: "{{ mailwave_work_dir }}/credentials/{{ inventory_hostname }}.json"
  no_log: true
"""

RETURN = r"""
path:
  description: The credentials file.
  returned: always
  type: str
  sample: /srv/migration/wave1/credentials/example.org.json
created:
  description: Addresses that got a new password in this run (or would, in check mode).
  returned: always
  type: list
  elements: str
  sample: [anna@example.org]
regenerated:
  description: Addresses whose password was replaced.
  returned: always
  type: list
  elements: str
  sample: []
encrypted:
  description: Whether the file is kept Vault-encrypted.
  returned: success
  type: bool
  sample: true
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mailwave.migrate.plugins.module_utils._wave.credentials import (
    CredentialsError,
    file_is_private,
    load,
    plan,
    store,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            addresses=dict(type="list", elements="str", required=True),
            regenerate=dict(type="list", elements="str", default=[], no_log=False),
        ),
        supports_check_mode=True,
    )
    path = module.params["path"]
    addresses = [a.strip().lower() for a in module.params["addresses"]]
    regenerate = {a.strip().lower() for a in module.params["regenerate"]}
    try:
        stored = load(path)
        creds, created, renewed = plan(stored, addresses, regenerate)
        loose = os.path.exists(path) and not file_is_private(path)
        changed = bool(created or renewed or loose)
        if changed and not module.check_mode:
            store(path, creds)
    except CredentialsError as exc:
        module.fail_json(msg=str(exc), path=path)
    except OSError as exc:
        module.fail_json(msg="cannot write the credentials file %s: %s; check that its directory is writable"
                         % (path, exc.strerror or exc), path=path)
    result = dict(changed=changed, path=path, created=created, regenerated=renewed)
    if module._diff:
        result["diff"] = {"before": {"addresses": sorted(stored)}, "after": {"addresses": sorted(creds)}}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
