#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: wave_zone_records
short_description: Read the mail records of a zone backup file
version_added: 0.1.0
description:
  - Reads a zone backup written by M(mailwave.migrate.dns_zone_backup) (BIND master-file format) and returns
    its RRsets, by default the records a mail migration touches (MX, TXT, SRV, CNAME, TLSA at the apex and
    at the usual mail names), in the shape that M(mailwave.migrate.dns_record_sets) takes.
  - Lets a wave know the MX and its TTL before the switch (to lower the TTL and wait the old one out) and
    show the records before and after in its report, without asking any server.
author:
  - Mailwave engineers (@mailwave)
extends_documentation_fragment:
  - mailwave.migrate._attributes
  - mailwave.migrate._attributes.INFO_MODULE
attributes:
  idempotent:
    support: full
requirements:
  - dnspython
options:
  src:
    description:
      - The zone backup file.
      - Exactly one of O(src) and O(oldest_in) must be given.
    type: path
  oldest_in:
    description:
      - A directory of backups written by M(mailwave.migrate.dns_zone_backup); the oldest one is read (the
        zone as it was before a wave changed it). When it holds none, RV(src) is empty, RV(records) empty
        and RV(mx) null.
      - Exactly one of O(src) and O(oldest_in) must be given.
    type: path
  zone:
    description: The zone's name (its origin).
    type: str
    required: true
  types:
    description: Record types to return. An empty list returns every type.
    type: list
    elements: str
    default: [MX, TXT, SRV, CNAME, TLSA]
  names:
    description:
      - Owner names, relative to the zone (C(@) is the apex), to return. An empty list returns every name.
      - Names under C(_domainkey) are always included.
    type: list
    elements: str
    default: ['@', autoconfig, autodiscover, _dmarc, _autodiscover._tcp, _imap._tcp, _imaps._tcp, _submission._tcp,
              _submissions._tcp, _pop3._tcp, _pop3s._tcp, _caldavs._tcp, _carddavs._tcp, _sieve._tcp, _smtps._tcp,
              dkim._domainkey, _mta-sts, mta-sts, _smtp._tls]
"""

EXAMPLES = r"""
- name: The mail records as saved before the change
  mailwave.migrate.wave_zone_records:
    src: "{{ backup.path }}"
    zone: example.org
  register: before

- name: The MX of the oldest backup of the zone (before the wave), if there is one
  mailwave.migrate.wave_zone_records:
    oldest_in: /srv/wave1/zones/example.org
    zone: example.org
  register: original

- name: Current MX TTL
  ansible.builtin.debug:
    msg: "{{ (before.records | selectattr('type', 'eq', 'MX') | first).ttl }}"
"""

RETURN = r"""
src:
  description: The backup file read; empty when O(oldest_in) holds no backup.
  returned: always
  type: str
  sample: /srv/wave1/zones/example.org/example.org-20261122T170500Z-2024010105.zone
records:
  description: The RRsets found, apex first.
  returned: always
  type: list
  elements: dict
  contains:
    record:
      description: Owner name relative to the zone, C(@) for the apex.
      type: str
    type:
      description: Record type.
      type: str
    ttl:
      description: TTL in seconds.
      type: int
    value:
      description: The values in presentation format, sorted.
      type: list
      elements: str
  sample:
    - record: "@"
      type: MX
      ttl: 3600
      value: ["10 mx1.old-provider.net."]
mx:
  description: The MX RRset at the apex, or null when there is none.
  returned: always
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.mailwave.migrate.plugins.module_utils._wave.zonefile import (
    HAS_DNSPYTHON,
    MAIL_NAMES,
    MAIL_TYPES,
    ZoneFileError,
    oldest_backup,
    read_rrsets,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            src=dict(type="path"),
            oldest_in=dict(type="path"),
            zone=dict(type="str", required=True),
            types=dict(type="list", elements="str", default=list(MAIL_TYPES)),
            names=dict(type="list", elements="str", default=list(MAIL_NAMES)),
        ),
        mutually_exclusive=[["src", "oldest_in"]],
        required_one_of=[["src", "oldest_in"]],
        supports_check_mode=True,
    )
    if not HAS_DNSPYTHON:
        module.fail_json(msg=missing_required_lib("dnspython"))
    src = module.params["src"] or oldest_backup(module.params["oldest_in"])
    if not src:
        module.exit_json(changed=False, src="", records=[], mx=None)
    try:
        records = read_rrsets(src, module.params["zone"], module.params["types"] or None,
                              module.params["names"] or None)
    except ZoneFileError as exc:
        module.fail_json(msg=str(exc))
    mx = next((r for r in records if r["record"] == "@" and r["type"] == "MX"), None)
    module.exit_json(changed=False, src=src, records=records, mx=mx)


if __name__ == "__main__":
    main()
