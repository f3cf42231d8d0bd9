#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: dns_zone_restore
short_description: Put back DNS RRsets from a zone backup (the mail records by default, or the whole zone)
version_added: 0.1.0
description:
  - Reads a backup written by M(mailwave.migrate.dns_zone_backup) (or any BIND zone file of the zone), compares the
    selected RRsets with the zone as served, and makes them equal in one change. RRsets that differ are replaced,
    RRsets missing from the zone are created, RRsets absent from the backup are deleted. The SOA is never written.
  - "Default selection, the mail records: MX and SPF anywhere; TXT at the apex, C(_dmarc), C(_mta-sts),
    C(_smtp._tls), under C(_domainkey) and at the mail SRV names; SRV C(_autodiscover), C(_imap), C(_imaps),
    C(_pop3), C(_pop3s), C(_submission), C(_submissions), C(_smtps), C(_sieve), C(_caldav), C(_caldavs),
    C(_carddav), C(_carddavs) over C(_tcp); CNAME, A and AAAA at C(autoconfig), C(autodiscover), C(mta-sts);
    TLSA under C(_25._tcp), C(_465._tcp), C(_587._tcp)."
  - A restore that would change more than O(max_changes) RRsets is refused unless O(force=true); the failure
    result still lists the changes.
  - A backup whose header checksum does not match its content (edited, truncated) is refused.
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
  src:
    description:
      - The backup file.
    type: path
    required: true
  types:
    description:
      - Restore the RRsets of these types, at every name (instead of the mail records).
      - Ignored with O(whole_zone=true).
    type: list
    elements: str
  whole_zone:
    description:
      - Restore every RRset of the zone except the SOA.
    type: bool
    default: false
  max_changes:
    description:
      - Refuse a restore that changes more RRsets than this, unless O(force=true).
    type: int
    default: 20
  force:
    description:
      - Restore even when more than O(max_changes) RRsets change.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Roll back the mail records from the backup taken before the switch
  mailwave.migrate.dns_zone_restore:
    provider: rfc2136
    server: ns1.example.org
    key_name: migration-key
    key_secret: "{{ vault_tsig_secret }}"
    zone: example.org
    src: "{{ zone_backup.path }}"

- name: Put back the whole zone, however large the change
  mailwave.migrate.dns_zone_restore:
    provider: powerdns
    api_url: https://pdns.example.org:8081
    zone: example.org
    src: /var/backups/mailwave/dns/example.org-20261122T170500Z-2024010105.zone
    whole_zone: true
    force: true
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
changes:
  description: The RRset changes made (or that would be made, or that were refused).
  returned: always
  type: list
  elements: dict
  sample:
    - {action: update, record: example.org., name: "@", type: MX, before: {ttl: 300, value: ["10 mail.example.net."]},
       after: {ttl: 3600, value: ["10 mx1.old.example."]}}
serial:
  description: The SOA serial of the zone read before the restore.
  returned: success
  type: int
  sample: 2024010107
backup_serial:
  description: The SOA serial recorded in the backup.
  returned: success
  type: str
  sample: "2024010101"
src:
  description: The backup file used.
  returned: success
  type: str
  sample: /var/backups/mailwave/dns/example.org-20261122T170500Z-2024010101.zone
zone:
  description: The zone, absolute.
  returned: success
  type: str
  sample: example.org.
"""

from ansible_collections.mailwave.migrate.plugins.module_utils._dns.engine import run_restore
from ansible_collections.mailwave.migrate.plugins.module_utils._dns.modhelper import dns_module, run_with_provider


def main():
    module = dns_module(dict(
        src=dict(type="path", required=True),
        types=dict(type="list", elements="str"),
        whole_zone=dict(type="bool", default=False),
        max_changes=dict(type="int", default=20),
        force=dict(type="bool", default=False),
    ))
    p = module.params
    run_with_provider(module, run_restore, p["src"], types=p["types"], whole_zone=p["whole_zone"],
                      max_changes=p["max_changes"], force=p["force"], check_mode=module.check_mode,
                      want_diff=module._diff)


if __name__ == "__main__":
    main()
