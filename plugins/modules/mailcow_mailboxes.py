#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: mailcow_mailboxes
short_description: Create, update or remove many mailboxes of one Mailcow domain in one run
version_added: 0.2.0
description:
  - Does for each entry of O(mailboxes) what M(mailwave.migrate.mailcow_mailbox) does for one, with the same
    options and the same comparison, check mode and diff, from one module run. The domain's mailboxes are read
    once; only what differs is written, so a second run reports no change and sends no write.
  - Why a list module? A module run costs about half a CPU-second of Ansible start-up; a wave of hundreds of
    mailboxes spent more time starting M(mailwave.migrate.mailcow_mailbox) than talking to Mailcow.
  - An entry that fails (Mailcow refuses it) does not stop the others. The module fails at the end, listing
    every entry that failed; RV(mailboxes) says what happened to each.
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
    details:
      - The diff is keyed by address; passwords are never in it.
  idempotent:
    support: partial
    details:
      - An entry with O(mailboxes[].update_password=always) sends its password, and reports a change, on every run.
options:
  domain:
    description: The domain of every mailbox of the list. It must exist on Mailcow.
    type: str
    required: true
  mailboxes:
    description: The mailboxes, each with the options of M(mailwave.migrate.mailcow_mailbox).
    type: list
    elements: dict
    required: true
    suboptions:
      address:
        description: The mailbox address, in O(domain).
        type: str
        required: true
      state:
        description: V(present) creates or updates the mailbox, V(absent) removes it (with its mail).
        type: str
        choices: [present, absent]
        default: present
      name:
        description: Full name of the user.
        type: str
      password:
        description: Password of the mailbox. Required to create it. Never returned.
        type: str
      update_password:
        description: V(on_create) sets O(mailboxes[].password) only on creation; V(always) at every run.
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
        description: Tags to add (Mailcow's API does not remove tags on edit).
        type: list
        elements: str
      rate_limit:
        description: The mailbox's own outgoing rate limit, for example V(50/m); an empty string removes it.
        type: str
seealso:
  - module: mailwave.migrate.mailcow_mailbox
  - module: mailwave.migrate.mailcow_domain
"""

EXAMPLES = r"""
- name: Create the mailboxes of a domain
  mailwave.migrate.mailcow_mailboxes:
    domain: example.com
    mailboxes:
      - {address: alice@example.com, name: Alice Martin, password: "{{ passwords['alice@example.com'] }}", quota: 2048}
      - {address: bob@example.com, name: Bob Petit, password: "{{ passwords['bob@example.com'] }}", rate_limit: 50/m}
  no_log: true

- name: Shrink the quotas after the migration
  mailwave.migrate.mailcow_mailboxes:
    domain: example.com
    mailboxes:
      - {address: alice@example.com, quota: 1200}
      - {address: bob@example.com, quota: 1024}
"""

RETURN = r"""
mailboxes:
  description: One entry per item of O(mailboxes), in order.
  returned: always
  type: list
  elements: dict
  contains:
    address:
      description: The mailbox address.
      type: str
    changed:
      description: Whether it was changed (or would be, in check mode).
      type: bool
    changes:
      description: The options that differed.
      type: list
      elements: str
    mailbox:
      description: The mailbox after the change, as M(mailwave.migrate.mailcow_mailbox) returns it; empty when absent.
      type: dict
    failed:
      description: True when this entry could not be done; RV(mailboxes[].msg) says why.
      type: bool
    msg:
      description: Why the entry failed.
      type: str
  sample:
    - {address: alice@example.com, changed: true, changes: [quota], mailbox: {address: alice@example.com, quota: 2048}}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.engine import mailcow_argument_spec
from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.entries import main_for_list
from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.mailbox import mailbox_options
from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.mailboxes import run_mailboxes


def main():
    argument_spec = mailcow_argument_spec()
    argument_spec.update(
        domain=dict(type="str", required=True),
        mailboxes=dict(type="list", elements="dict", required=True, options=mailbox_options()),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)

    main_for_list(module, run_mailboxes)


if __name__ == "__main__":
    main()
