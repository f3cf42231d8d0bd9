#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: mailcow_domain
short_description: Create, update or remove a Mailcow mail domain
version_added: 0.1.0
description:
  - Manages a domain on a Mailcow server through its HTTP API; quotas, limits, the Global Address List,
    the rate limit and relaying of unknown recipients (progressive migration).
  - Reads the domain first and sends only what differs, so a second run reports no change and sends no write.
  - Options that are not given keep their current value, or get Mailcow's defaults on creation
    (10 mailboxes, 400 aliases, quotas 3072/10240/10240 MiB, active, GAL on, no rate limit).
  - Creating a domain makes Mailcow generate a 2048-bit DKIM key with selector C(dkim); use
    M(mailwave.migrate.mailcow_dkim) to read it.
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
  domain:
    description: The domain name (IDN names are converted to ASCII).
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the domain, V(absent) removes it. Mailcow refuses to remove a domain that
        still has mailboxes.
    type: str
    choices: [present, absent]
    default: present
  description:
    description: Free text shown in Mailcow. Defaults to the domain name on creation.
    type: str
  active:
    description: Whether the domain accepts mail.
    type: bool
  max_mailboxes:
    description: Maximum number of mailboxes.
    type: int
  max_aliases:
    description: Maximum number of aliases.
    type: int
  quota:
    description: Quota of the whole domain, in MiB.
    type: int
  max_quota:
    description: Largest quota a mailbox of the domain may have, in MiB. Must not exceed O(quota).
    type: int
  default_quota:
    description: Quota proposed for new mailboxes, in MiB. Must not exceed O(max_quota).
    type: int
  gal:
    description: Whether the users of the domain see each other in the Global Address List.
    type: bool
  rate_limit:
    description:
      - Outgoing rate limit of the domain, as C(messages/frame) with frame V(s), V(m), V(h) or V(d)
        (second, minute, hour, day), for example V(20/m). An empty string removes the limit.
    type: str
  relay_unknown_only:
    description:
      - Progressive migration. V(true) makes Mailcow deliver locally the addresses it knows and relay the others
        (Mailcow also sets C(relay_all_recipients) and C(backupmx)); pair it with a
        M(mailwave.migrate.mailcow_transport) to the old provider's MX. V(false) turns all three off (cut-over).
    type: bool
  restart_sogo:
    description:
      - Only when this task creates the domain, ask Mailcow to restart SOGo with it (C(add/domain) field
        C(restart_sogo)). Until SOGo restarts, it does not know the new domain and its DAV answers 403 to the
        domain's users, so contacts and calendars cannot be copied (M(mailwave.migrate.dav_sync)).
      - The restart interrupts SOGo (webmail, DAV) for every domain of the server for a few seconds. Set V(false)
        to restart it yourself later, for example once for many new domains.
      - When Mailcow adds the domain but cannot restart SOGo (its answer C(domain_added_sogo_failed)), the task
        succeeds, warns and returns RV(sogo_restart=failed). A domain that already exists is never restarted for.
    type: bool
    default: true
seealso:
  - module: mailwave.migrate.mailcow_mailbox
  - module: mailwave.migrate.mailcow_transport
  - module: mailwave.migrate.mailcow_dkim
"""

EXAMPLES = r"""
- name: Create the domain with a rate limit and no Global Address List
  mailwave.migrate.mailcow_domain:
    api_url: https://mail.example.org
    api_key: "{{ mailcow_api_key }}"
    domain: example.com
    description: Example Ltd
    max_mailboxes: 50
    quota: 102400
    max_quota: 10240
    default_quota: 2048
    gal: false
    rate_limit: 20/m

- name: During the migration, relay recipients that do not exist yet to the old provider
  mailwave.migrate.mailcow_domain:
    domain: example.com
    relay_unknown_only: true

- name: Remove the domain (after its mailboxes)
  mailwave.migrate.mailcow_domain:
    domain: example.com
    state: absent
"""

RETURN = r"""
domain:
  description: The domain after the change (before it, in check mode, with the requested values). Empty when absent.
  returned: always
  type: dict
  contains:
    domain:
      description: Domain name.
      type: str
      sample: example.com
    description:
      description: Description.
      type: str
    active:
      description: Whether the domain is active.
      type: bool
    max_mailboxes:
      description: Maximum number of mailboxes.
      type: int
    max_aliases:
      description: Maximum number of aliases.
      type: int
    quota:
      description: Domain quota in MiB.
      type: int
    max_quota:
      description: Maximum quota per mailbox in MiB.
      type: int
    default_quota:
      description: Default mailbox quota in MiB.
      type: int
    gal:
      description: Global Address List switch.
      type: bool
    rate_limit:
      description: Rate limit like V(20/m), empty when none.
      type: str
    relay_unknown_only:
      description: Whether unknown recipients are relayed.
      type: bool
    relay_all_recipients:
      description: Mailcow's relay-all switch.
      type: bool
    backupmx:
      description: Mailcow's backup MX switch.
      type: bool
    mailboxes_count:
      description: Number of mailboxes.
      type: int
    aliases_count:
      description: Number of aliases (mailbox self-aliases excluded).
      type: int
    bytes_used:
      description: Bytes stored in the domain's mailboxes.
      type: int
    messages:
      description: Messages stored in the domain's mailboxes.
      type: int
    tags:
      description: Tags of the domain.
      type: list
      elements: str
  sample:
    domain: example.com
    description: Example Ltd
    active: true
    max_mailboxes: 50
    max_aliases: 400
    quota: 102400
    max_quota: 10240
    default_quota: 2048
    gal: false
    rate_limit: 20/m
    relay_unknown_only: false
    relay_all_recipients: false
    backupmx: false
    mailboxes_count: 0
    aliases_count: 0
    bytes_used: 0
    messages: 0
    tags: []
changes:
  description: The options that were (or in check mode would be) changed on an existing domain.
  returned: when an existing domain changed
  type: list
  elements: str
  sample: [gal, rate_limit]
sogo_restart:
  description:
    - V(restarted) when this task created the domain and Mailcow restarted SOGo, V(failed) when Mailcow could not
      (a warning says what to do), V(predicted) in check mode for a domain that would be created.
  returned: when the domain was (or in check mode would be) created with O(restart_sogo=true)
  type: str
  sample: restarted
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.domain import DomainResource, run_domain
from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.engine import main_for, mailcow_argument_spec


def main():
    argument_spec = mailcow_argument_spec()
    argument_spec.update(
        domain=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        description=dict(type="str"),
        active=dict(type="bool"),
        max_mailboxes=dict(type="int"),
        max_aliases=dict(type="int"),
        quota=dict(type="int"),
        max_quota=dict(type="int"),
        default_quota=dict(type="int"),
        gal=dict(type="bool"),
        rate_limit=dict(type="str"),
        relay_unknown_only=dict(type="bool"),
        restart_sogo=dict(type="bool", default=True),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    main_for(module, DomainResource, runner=run_domain)


if __name__ == "__main__":
    main()
