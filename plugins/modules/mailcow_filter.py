#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: mailcow_filter
short_description: Manage one Sieve filter of a Mailcow mailbox
version_added: 0.2.0
description:
  - Creates, updates or removes one Sieve filter of a mailbox through Mailcow's API (C(add/filter),
    C(edit/filter), C(delete/filter)). The filter is identified by O(mailbox), O(filter_type) and O(description).
  - Mailcow keeps at most one active filter per mailbox and type; making this one active deactivates the others.
  - Scripts that differ only in line ends are the same script.
  - To copy all of an account's scripts from a ManageSieve server, use M(mailwave.migrate.sieve_sync).
author:
  - Mailwave engineers (@mailwave)
extends_documentation_fragment:
  - mailwave.migrate._mailcow
  - mailwave.migrate._attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  idempotent:
    support: full
options:
  mailbox:
    description: The mailbox (full address).
    type: str
    required: true
  description:
    description: The filter's description, its name at Mailcow.
    type: str
    required: true
  filter_type:
    description: V(prefilter) runs before the user's own SOGo rules, V(postfilter) after.
    type: str
    choices: [prefilter, postfilter]
    default: prefilter
  script:
    description: The Sieve script. Required with O(state=present).
    type: str
  active:
    description: Whether the filter is the active one of its type. V(true) on creation when not given.
    type: bool
  state:
    description: V(present) creates or updates the filter, V(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
seealso:
  - module: mailwave.migrate.sieve_sync
"""

EXAMPLES = r"""
- name: An out-of-office reply for Alice
  mailwave.migrate.mailcow_filter:
    api_url: https://mail.example.org
    api_key: "{{ mailcow_api_key }}"
    mailbox: alice@example.org
    description: vacation
    script: |
      require "vacation";
      vacation :days 7 "I am away until Monday.";
"""

RETURN = r"""
filter:
  description: The filter after the task (empty when absent).
  returned: always
  type: dict
  sample: {id: 4, mailbox: alice@example.org, description: vacation, filter_type: prefilter,
           script: "keep;", active: true}
changes:
  description: The options that were (or in check mode would be) changed on an existing filter.
  returned: when an existing filter changed
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.engine import main_for, mailcow_argument_spec
from ansible_collections.mailwave.migrate.plugins.module_utils._sieve.mailcow_filter import FilterResource


def main():
    argument_spec = mailcow_argument_spec()
    argument_spec.update(
        mailbox=dict(type="str", required=True),
        description=dict(type="str", required=True),
        filter_type=dict(type="str", choices=["prefilter", "postfilter"], default="prefilter"),
        script=dict(type="str"),
        active=dict(type="bool"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    main_for(module, FilterResource)


if __name__ == "__main__":
    main()
