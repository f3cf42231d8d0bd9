#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: dns_zone_backup
short_description: Save a whole DNS zone as a BIND-format file, once per distinct content
version_added: 0.1.0
description:
  - Reads every record of the zone from the provider and writes it to O(dest) as
    C(<zone>-<UTC timestamp>-<serial>.zone), a BIND zone file with C($ORIGIN) whose header comments give the zone,
    the SOA serial, the SHA-256 checksum of the record content (serial excluded), the record count, the time and
    the provider.
  - O(dest) is created with mode 0700 and the file with mode 0600; the file appears atomically.
  - If the newest backup of the zone in O(dest) has the same checksum, nothing is written and C(changed=false);
    C(path) is then that backup.
  - M(mailwave.migrate.dns_zone_restore) restores from these files.
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
    support: none
  idempotent:
    support: full
options:
  dest:
    description:
      - Directory of the backups (created 0700 if missing).
    type: path
    required: true
"""

EXAMPLES = r"""
- name: Back up the zone before the switch
  mailwave.migrate.dns_zone_backup:
    provider: rfc2136
    server: ns1.example.org
    key_name: migration-key
    key_secret: "{{ vault_tsig_secret }}"
    zone: example.org
    dest: /var/backups/mailwave/dns
  register: zone_backup
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
path:
  description: The backup file written (or that would be written in check mode), or the newest one when unchanged.
  returned: success
  type: str
  sample: /var/backups/mailwave/dns/example.org-20261122T170500Z-2024010105.zone
previous:
  description: The newest backup of the zone found in O(dest) before the task (null when none).
  returned: success
  type: str
  sample: /var/backups/mailwave/dns/example.org-20261121T090000Z-2024010101.zone
serial:
  description: SOA serial of the zone as read (null when the provider has none).
  returned: success
  type: int
  sample: 2024010105
checksum:
  description: V(sha256:) and the hex SHA-256 of the canonical record content, SOA serial excluded.
  returned: success
  type: str
  sample: sha256:0a2f...
records:
  description: Number of resource records in the zone (SOA included).
  returned: success
  type: int
  sample: 12
rrsets:
  description: Number of RRsets in the zone (SOA included).
  returned: success
  type: int
  sample: 9
zone:
  description: The zone, absolute.
  returned: success
  type: str
  sample: example.org.
"""

from ansible_collections.mailwave.migrate.plugins.module_utils._dns.engine import run_backup
from ansible_collections.mailwave.migrate.plugins.module_utils._dns.modhelper import dns_module, run_with_provider


def main():
    module = dns_module(dict(dest=dict(type="path", required=True)))
    run_with_provider(module, run_backup, module.params["dest"], check_mode=module.check_mode)


if __name__ == "__main__":
    main()
