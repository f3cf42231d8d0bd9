#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: dns_record_sets
short_description: Ensure many DNS RRsets at once (the whole mail set of a domain), optionally pruning the rest
version_added: 0.1.0
description:
  - Sets many RRsets of one zone in one task, for example every record a Mailcow domain needs (MX, SPF, DKIM, DMARC,
    autoconfig, autodiscover, SRV).
  - The zone is read once and compared; all the differences are sent in ONE request where the provider allows it
    (one RFC 2136 UPDATE, one PowerDNS PATCH, one Cloudflare batch; OVH stages them and refreshes once; Gandi
    LiveDNS, which has no multi-RRset transaction, gets one PUT or DELETE per RRset named and nothing else).
  - Where the provider has no transaction, every record is validated before the first write, and a failed write
    is followed by putting back what the task had already changed; the error says what was put back.
  - With O(prune=true), other RRsets at the names listed in O(record_sets) are deleted (never the SOA, never the apex
    NS); names not listed are never touched.
author:
  - Mailwave engineers (@mailwave)
extends_documentation_fragment:
  - mailwave.migrate._attributes
  - mailwave.migrate._attributes.ACTIONGROUP_DNS
  - mailwave.migrate._dns
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  idempotent:
    support: full
options:
  record_sets:
    description:
      - The RRsets to manage. Each one is unique by O(record_sets[].record) and O(record_sets[].type).
    type: list
    elements: dict
    required: true
    suboptions:
      record:
        description:
          - Owner name, relative to O(zone) (V(@) or empty for the apex), or absolute with a final dot.
        type: str
        required: true
      type:
        description:
          - Record type.
        type: str
        required: true
        choices: [A, AAAA, CAA, CNAME, DNAME, DS, MX, NAPTR, NS, PTR, SPF, SRV, SSHFP, TLSA, TXT]
      ttl:
        description:
          - TTL in seconds. Default is the current TTL of the RRset, or 3600 when it is created.
        type: int
      value:
        description:
          - Values in zone-file syntax (see M(mailwave.migrate.dns_record_set) for TXT splitting).
          - Required with O(record_sets[].state=present). With O(record_sets[].state=absent), only these values are
            removed; without it, the whole RRset.
        type: list
        elements: str
      state:
        description:
          - Whether the RRset is present (exactly O(record_sets[].value)) or absent.
        type: str
        default: present
        choices: [present, absent]
  prune:
    description:
      - Delete the RRsets of other types at the names managed by O(record_sets) (never SOA or apex NS).
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Publish the records a Mailcow domain needs, in one change
  mailwave.migrate.dns_record_sets:
    provider: rfc2136
    server: ns1.example.org
    key_name: migration-key
    key_secret: "{{ vault_tsig_secret }}"
    zone: example.org
    record_sets:
      - {record: "@", type: MX, ttl: 300, value: ["10 mail.example.net"]}
      - {record: "@", type: TXT, value: ["v=spf1 mx a -all"]}
      - {record: _dmarc, type: TXT, value: ["v=DMARC1; p=quarantine; rua=mailto:postmaster@example.org"]}
      - {record: autoconfig, type: CNAME, value: ["mail.example.net"]}
      - {record: autodiscover, type: CNAME, value: ["mail.example.net"]}
      - {record: _autodiscover._tcp, type: SRV, value: ["0 1 443 mail.example.net"]}
    prune: true
"""

RETURN = r"""
atomic:
  description:
    - Whether the provider writes all the changes of one task as one transaction (RFC 2136, PowerDNS, Cloudflare up
      to 200 operations). V(false) for OVH, Gandi and lexicon, where a failed write is followed by a roll-back of what
      the task had changed (see docs/dns_providers.md).
  returned: when the provider could be set up
  type: bool
  sample: true
api_waits:
  description:
    - The waits an HTTP API (OVH, Gandi, Cloudflare) asked for with HTTP 429/503 and that the task honoured, see
      O(max_retry_wait). Absent when there was none.
  returned: when the API asked to wait
  type: list
  elements: dict
  sample: [{"method": "GET", "path": "/client/v4/zones", "status": 429, "seconds": 300.0}]
api_waited_seconds:
  description: The sum of RV(api_waits).
  returned: when the API asked to wait
  type: float
  sample: 300.0
record_sets:
  description: Each managed RRset after the task (in check mode, as it would be), in the order given.
  returned: success
  type: list
  elements: dict
  sample:
    - {record: example.org., name: "@", type: MX, ttl: 300, value: ["10 mail.example.net."]}
changes:
  description: The RRset changes made (or that would be made in check mode), pruned RRsets included.
  returned: success
  type: list
  elements: dict
  sample:
    - {action: delete, record: autodiscover.example.org., name: autodiscover, type: A,
       before: {ttl: 3600, value: ["192.0.2.1"]}}
serial:
  description: The SOA serial read before the change (null when the provider has none).
  returned: success
  type: int
  sample: 2024010105
zone:
  description: The zone, absolute.
  returned: success
  type: str
  sample: example.org.
"""

from ansible_collections.mailwave.migrate.plugins.module_utils._dns.engine import run_record_sets
from ansible_collections.mailwave.migrate.plugins.module_utils._dns.modhelper import dns_module, run_with_provider
from ansible_collections.mailwave.migrate.plugins.module_utils._dns.records import RECORD_TYPES


def main():
    module = dns_module(dict(
        record_sets=dict(type="list", elements="dict", required=True, options=dict(
            record=dict(type="str", required=True),
            type=dict(type="str", required=True, choices=list(RECORD_TYPES)),
            ttl=dict(type="int"),
            value=dict(type="list", elements="str"),
            state=dict(type="str", default="present", choices=["present", "absent"]),
        )),
        prune=dict(type="bool", default=False),
    ))
    run_with_provider(module, run_record_sets, module.params["record_sets"], prune=module.params["prune"],
                      check_mode=module.check_mode, want_diff=module._diff)


if __name__ == "__main__":
    main()
