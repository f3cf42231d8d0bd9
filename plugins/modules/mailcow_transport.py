#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: mailcow_transport
short_description: Create, update or remove a Mailcow transport map (relay a destination to a fixed next hop)
version_added: 0.1.0
description:
  - Manages a transport map on a Mailcow server through its HTTP API, identified by its destination.
  - In a progressive migration the domain's MX already points at Mailcow while some mailboxes still live at the
    old provider; with O(mailwave.migrate.mailcow_domain#module:relay_unknown_only=true) Mailcow relays the
    recipients it does not know, and this transport sends them to the old provider's MX instead of following
    the (new) MX records.
  - Reads the transports first and sends only what differs, so a second run reports no change and sends no write.
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
  destination:
    description: What is routed, usually a domain (also C(.domain) for its subdomains, an address, or C(*)).
    type: str
    required: true
  state:
    description: V(present) creates or updates the transport, V(absent) removes it (at cut-over).
    type: str
    choices: [present, absent]
    default: present
  nexthop:
    description:
      - Where the mail goes, for example V([mx.old-provider.example]:25). Brackets mean "no MX lookup". A bare IP
        address is wrapped in brackets. Required with O(state=present).
    type: str
  username:
    description: User name for SMTP authentication at the next hop, empty for none.
    type: str
  password:
    description: Password for SMTP authentication at the next hop. Never returned.
    type: str
  active:
    description: Whether the transport is used. V(true) on creation when not given.
    type: bool
seealso:
  - module: mailwave.migrate.mailcow_domain
"""

EXAMPLES = r"""
- name: Relay the recipients not migrated yet to the old provider's MX
  mailwave.migrate.mailcow_transport:
    api_url: https://mail.example.org
    api_key: "{{ mailcow_api_key }}"
    destination: example.com
    nexthop: "[mx1.old-provider.example]:25"

- name: Cut-over
  mailwave.migrate.mailcow_transport:
    destination: example.com
    state: absent
"""

RETURN = r"""
transport:
  description: The transport after the change (in check mode, the expected values), without its password.
  returned: always
  type: dict
  contains:
    id:
      description: Mailcow's id of the transport (null in check mode before creation).
      type: int
    destination:
      description: Destination.
      type: str
    nexthop:
      description: Next hop.
      type: str
    username:
      description: SMTP user name at the next hop.
      type: str
    active:
      description: Whether the transport is active.
      type: bool
  sample:
    id: 1
    destination: example.com
    nexthop: "[mx1.old-provider.example]:25"
    username: ""
    active: true
changes:
  description: The options that were (or would be) changed on an existing transport.
  returned: when an existing transport changed
  type: list
  elements: str
  sample: [nexthop]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.engine import main_for, mailcow_argument_spec
from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.transport import TransportResource


def main():
    argument_spec = mailcow_argument_spec()
    argument_spec.update(
        destination=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        nexthop=dict(type="str"),
        username=dict(type="str"),
        password=dict(type="str", no_log=True),
        active=dict(type="bool"),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    main_for(module, TransportResource)


if __name__ == "__main__":
    main()
