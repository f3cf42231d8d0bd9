#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: inventory_check
short_description: Check one domain of a migration wave inventory and list every problem
version_added: 0.1.0
description:
  - Merges the mailboxes listed in the inventory with those of a CSV file, normalises them (lower-case
    addresses, source login defaulting to the address, display name, quota), and checks the whole
    domain entry at once.
  - Every problem found is listed, so that an inventory can be fixed in one go before any change is made.
  - The result never contains a secret; it says for each mailbox whether a source password or token is known.
author:
  - Mailwave engineers (@mailwave)
extends_documentation_fragment:
  - mailwave.migrate._attributes
  - mailwave.migrate._attributes.INFO_MODULE
attributes:
  idempotent:
    support: full
options:
  domain:
    description: The mail domain (the inventory host name in a wave inventory).
    type: str
    required: true
  mailboxes:
    description:
      - Mailboxes listed in the inventory. Each entry needs at least O(mailboxes[].address).
    type: list
    elements: dict
    default: []
    suboptions:
      address:
        description: The e-mail address; it must belong to O(domain).
        type: str
        required: true
      source_user:
        description: Login on the old provider. Defaults to the address.
        type: str
      source_password:
        description: Password on the old provider (use a Vault-encrypted variable).
        type: str
      source_oauth2_token:
        description: OAuth2 access token on the old provider, for XOAUTH2.
        type: str
      quota:
        description: Quota announced by the old provider or wanted on Mailcow, in MiB.
        type: int
      name:
        description: Display name. Defaults to the local part of the address.
        type: str
      action:
        description:
          - V(migrate) creates the mailbox on Mailcow and copies its mail.
          - V(redirect) creates a Mailcow alias to O(mailboxes[].redirect_to) instead (no mailbox, no copy).
          - V(delete) creates nothing; the report lists it (the old provider deletes it with the old account).
          - V(later) keeps the box on the old provider for a later wave; it needs O(cutover_mode=progressive),
            where Mailcow relays its mail to the old MX until it moves.
        type: str
        default: migrate
      redirect_to:
        description: Where the mail of a V(redirect) box goes, a list or one string of addresses separated by
          spaces, commas, semicolons or C(|).
        type: raw
      notify_address:
        description: A personal address of the user that keeps working after the switch; the messages to the user
          go there.
        type: str
      rate_limit:
        description: An outgoing rate limit of this mailbox's own, for example V(50/m) (the domain's applies otherwise).
        type: str
  mailboxes_csv:
    description:
      - A CSV file (comma, semicolon or tab separated) with a header line and the columns C(address),
        C(source_user), C(quota), C(name), C(action), C(redirect_to), C(notify_address) and C(rate_limit) (as in
        O(mailboxes)); only C(address) is required.
      - Passwords never go in this file; a column that looks like one is reported as a problem.
    type: path
  source_passwords:
    description:
      - Source passwords or tokens by address, typically from a Vault-encrypted variables file. Only
        the presence of an entry is checked.
    type: dict
    default: {}
  source:
    description: The source IMAP settings of the domain (as given to M(mailwave.migrate.imap_sync)).
    type: dict
    default: {}
  require_source_password:
    description: Report mailboxes that have no source password or token.
    type: bool
    default: true
  fail_on_problems:
    description: Fail, with the list in RV(problems), when a problem is found.
    type: bool
    default: true
  cutover_mode:
    description:
      - The wave's cut-over mode; a V(later) box is a problem unless it is V(progressive). Unset, this is not
        checked (the phases after preflight).
    type: str
    choices: [one_shot, progressive]
"""

EXAMPLES = r"""
- name: Check the domain entry of the inventory
  mailwave.migrate.inventory_check:
    domain: "{{ inventory_hostname }}"
    mailboxes: "{{ mailwave_mailboxes }}"
    mailboxes_csv: "{{ mailwave_mailboxes_csv | default(omit) }}"
    source_passwords: "{{ mailwave_source_passwords }}"
    source: "{{ mailwave_source }}"
  register: checked
"""

RETURN = r"""
all_mailboxes:
  description: Every mailbox of the domain, normalised as in RV(mailboxes), whatever its action.
  returned: always
  type: list
  elements: dict
mailboxes:
  description: The mailboxes to migrate (action V(migrate)), normalised, without secrets.
  returned: always
  type: list
  elements: dict
  contains:
    address:
      description: Lower-case address.
      type: str
    local_part:
      description: The part before the C(@).
      type: str
    source_user:
      description: Login on the old provider.
      type: str
    name:
      description: Display name.
      type: str
    quota:
      description: Quota from the inventory in MiB, or null.
      type: int
    has_source_secret:
      description: Whether a source password or token is known.
      type: bool
    action:
      description: V(migrate), V(redirect), V(delete) or V(later).
      type: str
    redirect_to:
      description: The redirect's targets (V(redirect) boxes only).
      type: list
      elements: str
    notify_address:
      description: The user's personal address, when given.
      type: str
    from:
      description: Where the entry came from (inventory index or CSV line).
      type: str
  sample:
    - address: anna@example.org
      local_part: anna
      source_user: anna@example.org
      name: Anna
      quota: 2048
      has_source_secret: true
      action: migrate
      from: mailboxes.csv line 2
problems:
  description: Every problem found, one sentence each.
  returned: always
  type: list
  elements: str
  sample:
    - "mailboxes.csv line 3: bob@example.com is not in the domain example.org"
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mailwave.migrate.plugins.module_utils._wave.inventory import check_domain


def main():
    module = AnsibleModule(
        argument_spec=dict(
            domain=dict(type="str", required=True),
            mailboxes=dict(type="list", elements="dict", default=[], options=dict(
                address=dict(type="str", required=True),
                source_user=dict(type="str"),
                source_password=dict(type="str", no_log=True),
                source_oauth2_token=dict(type="str", no_log=True),
                quota=dict(type="int"),
                name=dict(type="str"),
                action=dict(type="str", default="migrate"),
                redirect_to=dict(type="raw"),
                notify_address=dict(type="str"),
                rate_limit=dict(type="str"),
            )),
            mailboxes_csv=dict(type="path"),
            source_passwords=dict(type="dict", default={}, no_log=True),
            source=dict(type="dict", default={}),
            require_source_password=dict(type="bool", default=True, no_log=False),
            fail_on_problems=dict(type="bool", default=True),
            cutover_mode=dict(type="str", choices=["one_shot", "progressive"]),
        ),
        supports_check_mode=True,
    )
    params = module.params
    passwords = {str(k).lower(): v for k, v in (params["source_passwords"] or {}).items()}
    mailboxes, problems = check_domain(
        params["domain"], params["mailboxes"], params["mailboxes_csv"], params["source"], passwords,
        require_password=params["require_source_password"], cutover_mode=params["cutover_mode"])
    to_migrate = [box for box in mailboxes if box["action"] == "migrate"]
    if problems and params["fail_on_problems"]:
        module.fail_json(
            msg="%d problem(s) in the inventory of %s; fix them all, then run again:\n- %s"
                % (len(problems), params["domain"], "\n- ".join(problems)),
            problems=problems, mailboxes=to_migrate, all_mailboxes=mailboxes)
    module.exit_json(changed=False, mailboxes=to_migrate, all_mailboxes=mailboxes, problems=problems)


if __name__ == "__main__":
    main()
