#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: dns_propagation
short_description: Wait until every authoritative server of a zone serves an RRset
version_added: 0.1.0
description:
  - Finds the authoritative servers of O(zone) from the PARENT delegation (the NS and glue that the parent zone's
    servers give, as resolvers see them), or takes them from O(nameservers).
  - Asks every address of every server directly, without recursion (UDP, TCP when the answer is truncated), and
    requires an authoritative answer. Repeats every O(interval) seconds until all of them serve exactly O(value)
    with O(ttl) (or, with O(state=absent), no such RRset), or fails after O(timeout) seconds.
  - The result (also on failure) has one row per server address with its SOA serial and what it serves.
  - Only authoritative convergence can be checked; resolvers may keep the previous RRset cached for up to its old
    TTL after convergence.
  - Takes the provider options of the C(mailwave.migrate.dns) group so that C(module_defaults) work, but only reads
    DNS; O(provider) is optional and unused.
author:
  - Mailwave engineers (@mailwave)
extends_documentation_fragment:
  - mailwave.migrate._attributes
  - mailwave.migrate._attributes.ACTIONGROUP_DNS
  - mailwave.migrate._attributes.INFO_MODULE
  - mailwave.migrate._dns
  - mailwave.migrate._dns.RECORD
attributes:
  idempotent:
    support: full
options:
  provider:
    description:
      - Not used by this module (it only queries DNS); accepted so that the group's C(module_defaults) apply.
    type: str
    required: false
    choices: [rfc2136, powerdns, ovh, gandi, cloudflare, lexicon]
  value:
    description:
      - The values every server must serve (the whole RRset), in zone-file syntax. Required with O(state=present).
  ttl:
    description:
      - The TTL every server must serve. Not checked when omitted.
  state:
    description:
      - V(present) waits for the RRset O(value); V(absent) waits until no server serves the RRset.
    type: str
    default: present
    choices: [present, absent]
  parent_servers:
    description:
      - Servers of the parent zone to ask for the delegation, as V(host) or V(host:port) (V([ipv6]:port)).
      - Default is the parent zone's NS found with the system resolver.
    type: list
    elements: str
  nameservers:
    description:
      - Skip the delegation and check these servers, as V(host) or V(host:port).
    type: list
    elements: str
  port:
    description:
      - DNS port of the authoritative servers found in the delegation (and of O(nameservers) without a port).
  request_timeout:
    description:
      - Seconds to wait for one answer from one server.
    default: 3.0
  timeout:
    description:
      - Seconds to wait for convergence; V(0) checks once.
    type: int
    default: 300
  interval:
    description:
      - Seconds between two rounds of queries.
    type: float
    default: 5.0
"""

EXAMPLES = r"""
- name: Wait until every authoritative server serves the new MX with its 300 s TTL
  mailwave.migrate.dns_propagation:
    zone: example.org
    record: "@"
    type: MX
    value:
      - 10 mail.example.net
    ttl: 300
    timeout: 900
  register: mx_propagation

- name: Check the servers of a delegation served by a parent on a test port
  mailwave.migrate.dns_propagation:
    zone: example.test
    record: autodiscover
    type: CNAME
    value: [mail.example.net]
    parent_servers: ["127.0.0.1:5300"]
    port: 5301
    timeout: 30
    interval: 1
"""

RETURN = r"""
converged:
  description: Whether every server address serves the expected RRset (always true on success).
  returned: always
  type: bool
  sample: true
servers:
  description: One row per authoritative server address, from the last round.
  returned: always
  type: list
  elements: dict
  contains:
    server:
      description: Name server name (from the delegation or O(nameservers)).
      type: str
      sample: ns1.example.org.
    address:
      description: The address asked.
      type: str
      sample: 192.0.2.53
    port:
      description: The port asked.
      type: int
      sample: 53
    serial:
      description: The SOA serial it serves (null when it did not answer).
      type: int
      sample: 2024010105
    answer:
      description: The values it serves for the RRset (empty when none).
      type: list
      elements: str
      sample: ["10 mail.example.net."]
    ttl:
      description: The TTL it serves (null when none).
      type: int
      sample: 300
    ok:
      description: Whether it serves what is expected.
      type: bool
      sample: true
    error:
      description: Why it could not be checked (timeout, REFUSED, not authoritative...), or null.
      type: str
      sample: timeout after 3.0s
  sample:
    - {server: ns1.example.org., address: 192.0.2.53, port: 53, serial: 2024010105,
       answer: ["10 mail.example.net."], ttl: 300, ok: true, error: null}
nameservers:
  description: The authoritative server names checked.
  returned: always
  type: list
  elements: str
  sample: [ns1.example.org., ns2.example.org.]
source:
  description: V(delegation) (asked the parent) or V(nameservers) (given).
  returned: always
  type: str
  sample: delegation
rounds:
  description: Rounds of queries made.
  returned: always
  type: int
  sample: 3
elapsed:
  description: Seconds from the first round to the last.
  returned: always
  type: float
  sample: 10.2
record:
  description: The absolute owner name checked.
  returned: always
  type: str
  sample: example.org.
type:
  description: The record type checked.
  returned: always
  type: str
  sample: MX
"""

from ansible_collections.mailwave.migrate.plugins.module_utils._dns.engine import EngineError
from ansible_collections.mailwave.migrate.plugins.module_utils._dns.modhelper import dns_module
from ansible_collections.mailwave.migrate.plugins.module_utils._dns.propagation import run_propagation
from ansible_collections.mailwave.migrate.plugins.module_utils._dns.records import RECORD_TYPES
from ansible_collections.mailwave.migrate.plugins.module_utils._dns.registry import PROVIDERS


def main():
    module = dns_module(dict(
        provider=dict(type="str", choices=list(PROVIDERS)),
        record=dict(type="str", required=True),
        type=dict(type="str", required=True, choices=list(RECORD_TYPES)),
        ttl=dict(type="int"),
        value=dict(type="list", elements="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        parent_servers=dict(type="list", elements="str"),
        nameservers=dict(type="list", elements="str"),
        request_timeout=dict(type="float", default=3.0),
        timeout=dict(type="int", default=300),
        interval=dict(type="float", default=5.0),
    ), required_if=[("state", "present", ["value"])])
    try:
        result = run_propagation(module.params)
    except EngineError as exc:
        module.fail_json(msg=str(exc), **exc.result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
