#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: mailcow_info
short_description: Read Mailcow domains and mailboxes, with quota used, message counts and DKIM keys
version_added: 0.1.0
description:
  - Reads the domains of a Mailcow server (all, or those listed), their mailboxes with quota, bytes used and
    message counts, and each domain's DKIM public key. Never changes anything; use
    M(mailwave.migrate.mailcow_dkim) to create a missing DKIM key.
author:
  - Mailwave engineers (@mailwave)
extends_documentation_fragment:
  - mailwave.migrate._mailcow
  - mailwave.migrate._attributes
  - mailwave.migrate._attributes.INFO_MODULE
  - mailwave.migrate._attributes.ACTIONGROUP_MAILCOW
attributes:
  idempotent:
    support: full
options:
  domains:
    description: Only these domains. All domains when omitted. Unknown domains are listed in RV(missing_domains).
    type: list
    elements: str
  include_mailboxes:
    description: Also read the mailboxes of the domains.
    type: bool
    default: true
  include_dkim:
    description: Also read each domain's DKIM key.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Usage of a migrated domain
  mailwave.migrate.mailcow_info:
    api_url: https://mail.example.org
    api_key: "{{ mailcow_api_key_read_only }}"
    domains: [example.com]
  register: mailcow

- name: Show the messages per mailbox
  ansible.builtin.debug:
    msg: "{{ mailcow.mailboxes | items2dict(key_name='address', value_name='messages') }}"
"""

RETURN = r"""
domains:
  description: The domains, as returned by M(mailwave.migrate.mailcow_domain), with their DKIM key.
  returned: always
  type: list
  elements: dict
  contains:
    domain:
      description: Domain name.
      type: str
    quota:
      description: Domain quota in MiB.
      type: int
    mailboxes_count:
      description: Number of mailboxes.
      type: int
    bytes_used:
      description: Bytes stored in its mailboxes.
      type: int
    messages:
      description: Messages stored in its mailboxes.
      type: int
    dkim:
      description: The DKIM key as returned by M(mailwave.migrate.mailcow_dkim), null when the domain has none.
      type: dict
  sample:
    - domain: example.com
      quota: 10240
      mailboxes_count: 2
      bytes_used: 123456789
      messages: 4321
      dkim:
        selector: dkim
        txt_name: dkim._domainkey.example.com
        txt_value: v=DKIM1;k=rsa;t=s;s=email;p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA...
mailboxes:
  description: The mailboxes of those domains, as returned by M(mailwave.migrate.mailcow_mailbox).
  returned: always
  type: list
  elements: dict
  contains:
    address:
      description: Mailbox address.
      type: str
    quota:
      description: Quota in MiB, 0 for unlimited.
      type: int
    quota_used:
      description: Bytes used.
      type: int
    messages:
      description: Messages stored.
      type: int
  sample:
    - address: alice@example.com
      domain: example.com
      name: Alice
      quota: 2048
      active: true
      tags: []
      quota_bytes: 2147483648
      quota_used: 123456789
      messages: 4321
      percent_in_use: 6
missing_domains:
  description: Domains of O(domains) that do not exist on Mailcow.
  returned: always
  type: list
  elements: str
  sample: []
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.engine import (
    mailcow_argument_spec, main_with_client)
from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.info import read_info


def main():
    argument_spec = mailcow_argument_spec()
    argument_spec.update(
        domains=dict(type="list", elements="str"),
        include_mailboxes=dict(type="bool", default=True),
        include_dkim=dict(type="bool", default=True),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params

    def work(client):
        result = read_info(client, params["domains"], params["include_mailboxes"], params["include_dkim"])
        result["changed"] = False
        return result

    main_with_client(module, work)


if __name__ == "__main__":
    main()
