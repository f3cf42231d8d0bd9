#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: mailcow_mailbox
short_description: Create, update or remove a Mailcow mailbox
version_added: 0.1.0
description:
  - Manages a mailbox on a Mailcow server through its HTTP API.
  - Reads the mailbox first and sends only what differs, so a second run reports no change and sends no write.
  - The password is set on creation, and changed afterwards only with O(update_password=always). It is never
    returned.
  - On creation without O(quota), the domain's default quota is used (Mailcow itself would create an unlimited
    mailbox).
author:
  - Mailwave engineers (@mailwave)
extends_documentation_fragment:
  - mailwave.migrate._mailcow
  - mailwave.migrate._attributes
  - mailwave.migrate._attributes.ACTIONGROUP_MAILCOW
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  idempotent:
    support: partial
    details:
      - With O(update_password=always) the password is sent, and the module reports a change, on every run
        (Mailcow cannot tell whether a password is already set to a value).
options:
  address:
    description: The mailbox address, C(local_part@domain). The domain must exist on Mailcow.
    type: str
    required: true
  state:
    description: V(present) creates or updates the mailbox, V(absent) removes it (with its mail and sync jobs).
    type: str
    choices: [present, absent]
    default: present
  name:
    description: Full name of the user.
    type: str
  password:
    description:
      - Password of the mailbox. Required to create it. Must meet Mailcow's password policy.
      - A pre-hashed value such as C({BLF-CRYPT}...) or C({SSHA256}...) is stored as it is.
    type: str
  update_password:
    description:
      - V(on_create) sets O(password) only when the mailbox is created.
      - V(always) also sets it on an existing mailbox, at every run.
    type: str
    choices: [on_create, always]
    default: on_create
  quota:
    description: Quota in MiB; V(0) means unlimited. Defaults to the domain's default quota on creation.
    type: int
  active:
    description: Whether the mailbox can receive mail and log in. V(true) on creation when not given.
    type: bool
  tags:
    description:
      - Tags of the mailbox. Tags that are missing are added; Mailcow's API does not remove tags on edit, so
        other existing tags are kept.
    type: list
    elements: str
  rate_limit:
    description:
      - Outgoing rate limit of this mailbox, messages per frame, for example V(50/m) for someone who writes to
        many people (the domain's limit applies otherwise); an empty string removes the mailbox's own limit.
      - Mailcow counts recipients, not messages, so a limit also caps the recipients of one message.
    type: str
seealso:
  - module: mailwave.migrate.mailcow_domain
  - module: mailwave.migrate.mailcow_syncjob
"""

EXAMPLES = r"""
- name: Create a mailbox with a 2 GiB quota
  mailwave.migrate.mailcow_mailbox:
    api_url: https://mail.example.org
    api_key: "{{ mailcow_api_key }}"
    address: alice@example.com
    name: Alice Martin
    password: "{{ alice_password }}"
    quota: 2048
    tags: [wave1]

- name: Reset the password of an existing mailbox
  mailwave.migrate.mailcow_mailbox:
    address: alice@example.com
    password: "{{ new_password }}"
    update_password: always
  no_log: true

- name: Remove a mailbox
  mailwave.migrate.mailcow_mailbox:
    address: old@example.com
    state: absent
"""

RETURN = r"""
mailbox:
  description: The mailbox after the change (in check mode, the expected values). Empty when absent. No password.
  returned: always
  type: dict
  contains:
    address:
      description: Mailbox address.
      type: str
      sample: alice@example.com
    domain:
      description: Domain of the mailbox.
      type: str
    name:
      description: Full name.
      type: str
    quota:
      description: Quota in MiB, 0 for unlimited.
      type: int
    active:
      description: Whether the mailbox is active.
      type: bool
    tags:
      description: Tags.
      type: list
      elements: str
    rate_limit:
      description: The mailbox's own rate limit (V(50/m)), empty when it has none (the domain's applies).
      type: str
    quota_bytes:
      description: Quota in bytes.
      type: int
    quota_used:
      description: Bytes used.
      type: int
    messages:
      description: Number of messages stored.
      type: int
    percent_in_use:
      description: Percentage of the quota in use, null when unlimited.
      type: int
  sample:
    address: alice@example.com
    domain: example.com
    name: Alice Martin
    quota: 2048
    active: true
    tags: [wave1]
    quota_bytes: 2147483648
    quota_used: 0
    messages: 0
    percent_in_use: 0
changes:
  description: What was (or in check mode would be) changed on an existing mailbox; C(password) when it was set.
  returned: when an existing mailbox changed
  type: list
  elements: str
  sample: [quota]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.engine import main_for, mailcow_argument_spec
from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.mailbox import MailboxResource, mailbox_options


def main():
    argument_spec = mailcow_argument_spec()
    argument_spec.update(mailbox_options())
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    main_for(module, MailboxResource)


if __name__ == "__main__":
    main()
