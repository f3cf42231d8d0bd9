#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: mailcow_alias
short_description: Create, update or remove a Mailcow alias or catch-all
version_added: 0.1.0
description:
  - Manages an alias on a Mailcow server through its HTTP API. An address of the form C(@domain) is the
    domain's catch-all.
  - Reads the aliases first and sends only what differs, so a second run reports no change and sends no write.
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
    support: full
options:
  address:
    description: The alias address, or C(@domain) for a catch-all. The domain must exist on Mailcow.
    type: str
    required: true
  state:
    description: V(present) creates or updates the alias, V(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
  goto:
    description: Addresses the mail is delivered to. Required with O(state=present). Order does not matter.
    type: list
    elements: str
  active:
    description: Whether the alias is active. V(true) on creation when not given.
    type: bool
  public_comment:
    description: Comment shown to users (at most 160 characters).
    type: str
  private_comment:
    description: Comment shown to admins (at most 160 characters).
    type: str
"""

EXAMPLES = r"""
- name: Catch-all of the domain to the postmaster during the migration
  mailwave.migrate.mailcow_alias:
    api_url: https://mail.example.org
    api_key: "{{ mailcow_api_key }}"
    address: "@example.com"
    goto: [postmaster@example.com]

- name: A shared address
  mailwave.migrate.mailcow_alias:
    address: info@example.com
    goto: [alice@example.com, bob@example.com]
"""

RETURN = r"""
alias:
  description: The alias after the change (in check mode, the expected values). Empty when absent.
  returned: always
  type: dict
  contains:
    id:
      description: Mailcow's id of the alias (null in check mode before creation).
      type: int
    address:
      description: Alias address.
      type: str
    domain:
      description: Domain of the alias.
      type: str
    goto:
      description: Destinations, sorted.
      type: list
      elements: str
    active:
      description: Whether the alias is active.
      type: bool
    catch_all:
      description: Whether this is the domain's catch-all.
      type: bool
    public_comment:
      description: Public comment.
      type: str
    private_comment:
      description: Private comment.
      type: str
  sample:
    id: 8
    address: "@example.com"
    domain: example.com
    goto: [postmaster@example.com]
    active: true
    catch_all: true
    public_comment: ""
    private_comment: ""
changes:
  description: The options that were (or would be) changed on an existing alias.
  returned: when an existing alias changed
  type: list
  elements: str
  sample: [goto]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.alias import AliasResource
from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.engine import main_for, mailcow_argument_spec


def main():
    argument_spec = mailcow_argument_spec()
    argument_spec.update(
        address=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        goto=dict(type="list", elements="str"),
        active=dict(type="bool"),
        public_comment=dict(type="str"),
        private_comment=dict(type="str"),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    main_for(module, AliasResource)


if __name__ == "__main__":
    main()
