#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: dns_record_set
short_description: Ensure one DNS RRset is exactly as given, or absent
version_added: 0.1.0
description:
  - Sets one RRset (owner name, type, TTL, values) in a zone held by any provider of the collection (RFC 2136 server,
    PowerDNS, OVH, Gandi LiveDNS, Cloudflare), or removes it or some of its values.
  - The zone is read first and compared; a write is sent only when something differs, as one atomic replace of the
    RRset where the provider allows it. A TTL-only change is a change.
  - MX, TXT (long DKIM keys are split into 255-byte strings and compared as the server stores them), SRV, CNAME, A,
    AAAA, TLSA, CAA and more.
author:
  - Mailwave engineers (@mailwave)
extends_documentation_fragment:
  - mailwave.migrate._attributes
  - mailwave.migrate._attributes.ACTIONGROUP_DNS
  - mailwave.migrate._dns
  - mailwave.migrate._dns.RECORD
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  idempotent:
    support: full
options:
  state:
    description:
      - V(present) makes the RRset exactly O(value) with O(ttl).
      - V(absent) removes the values listed in O(value), or the whole RRset when O(value) is not given.
    type: str
    default: present
    choices: [present, absent]
"""

EXAMPLES = r"""
- name: Switch the MX to Mailcow (one atomic replace)
  mailwave.migrate.dns_record_set:
    provider: rfc2136
    server: ns1.example.org
    key_name: migration-key
    key_secret: "{{ vault_tsig_secret }}"
    zone: example.org
    record: "@"
    type: MX
    ttl: 300
    value:
      - 10 mail.example.net

- name: Lower the TTL of the current MX without changing it
  mailwave.migrate.dns_record_set:
    provider: powerdns
    api_url: https://pdns.example.org:8081
    zone: example.org
    record: "@"
    type: MX
    ttl: 300
    value: "{{ current_mx }}"

- name: Publish the DKIM key (split into 255-byte strings automatically)
  mailwave.migrate.dns_record_set:
    provider: gandi
    zone: example.org
    record: dkim._domainkey
    type: TXT
    value:
      - "v=DKIM1; k=rsa; t=s; s=email; p={{ dkim_public_key }}"

- name: Remove the old autodiscover CNAME
  mailwave.migrate.dns_record_set:
    provider: ovh
    zone: example.org
    record: autodiscover
    type: CNAME
    state: absent
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
record_set:
  description: The RRset after the task (in check mode, as it would be). C(ttl=null) and an empty C(value) when absent.
  returned: success
  type: dict
  contains:
    record:
      description: Absolute owner name.
      type: str
      sample: example.org.
    name:
      description: Owner name relative to the zone (V(@) for the apex).
      type: str
      sample: "@"
    type:
      description: Record type.
      type: str
      sample: MX
    ttl:
      description: TTL in seconds.
      type: int
      sample: 300
    value:
      description: Values in zone-file syntax with absolute names, as compared.
      type: list
      elements: str
      sample: ["10 mail.example.net."]
changes:
  description: The RRset changes made (or that would be made in check mode); empty when nothing differs.
  returned: success
  type: list
  elements: dict
  sample:
    - action: update
      record: example.org.
      name: "@"
      type: MX
      before: {ttl: 3600, value: ["10 mx1.old.example."]}
      after: {ttl: 300, value: ["10 mail.example.net."]}
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
        record=dict(type="str", required=True),
        type=dict(type="str", required=True, choices=list(RECORD_TYPES)),
        ttl=dict(type="int"),
        value=dict(type="list", elements="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    ), required_if=[("state", "present", ["value"])])
    params = module.params
    item = dict((k, params[k]) for k in ("record", "type", "ttl", "value", "state"))

    def engine(provider):
        result = run_record_sets(provider, [item], check_mode=module.check_mode, want_diff=module._diff)
        result["record_set"] = result.pop("record_sets")[0]
        return result

    run_with_provider(module, engine)


if __name__ == "__main__":
    main()
