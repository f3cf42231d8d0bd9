# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Read the RRsets of a zone backup (BIND master-file format) without asking any server."""

from __future__ import annotations

import os

try:
    import dns.name
    import dns.rdatatype
    import dns.zone
    HAS_DNSPYTHON = True
except ImportError:  # pragma: no cover - reported by the module
    HAS_DNSPYTHON = False

# The records a mail migration touches, by owner name relative to the zone apex.
MAIL_TYPES = ("MX", "TXT", "SRV", "CNAME", "TLSA")
MAIL_NAMES = ("@", "autoconfig", "autodiscover", "_dmarc", "_autodiscover._tcp", "_imap._tcp", "_imaps._tcp",
              "_submission._tcp", "_submissions._tcp", "_pop3._tcp", "_pop3s._tcp", "_caldavs._tcp",
              "_carddavs._tcp", "_sieve._tcp", "_smtps._tcp", "dkim._domainkey", "_mta-sts", "mta-sts", "_smtp._tls")


class ZoneFileError(Exception):
    pass


def _relative(name, origin):
    rel = name.relativize(origin).to_text() if name.is_absolute() else name.to_text()
    return "@" if rel in ("@", "") else rel


def _value(rdata, rtype):
    """Presentation format, except TXT: one logical string (its character-strings joined, decoded)."""
    if rtype in ("TXT", "SPF"):
        return b"".join(rdata.strings).decode("utf-8", errors="replace")
    return rdata.to_text()


def oldest_backup(directory):
    """Path of the oldest zone backup in directory, or "" when it holds none (or does not exist).

    dns_zone_backup names each backup after the zone and a UTC timestamp, so the name order is the time
    order; hidden files (a backup being written) and the checksum and metadata files beside it are not backups.
    """
    try:
        names = sorted(entry.name for entry in os.scandir(directory) if entry.is_file()
                       and not entry.name.startswith(".") and not entry.name.endswith((".sha256", ".json")))
    except FileNotFoundError:
        return ""
    return os.path.join(directory, names[0]) if names else ""


def read_rrsets(path, zone, types=None, names=None):
    """[{record, type, ttl, value}] for the RRsets of the backup that match types and names (None = all)."""
    origin = dns.name.from_text(zone)
    try:
        parsed = dns.zone.from_file(path, origin=origin, relativize=False, check_origin=False)
    except FileNotFoundError:
        raise ZoneFileError("zone backup %s does not exist; run the zone_backup phase first" % path) from None
    except Exception as exc:  # dnspython raises many types for syntax errors
        raise ZoneFileError("cannot parse the zone backup %s as a BIND zone for %s: %s" % (path, zone, exc)) from None
    wanted_types = {t.upper() for t in types} if types else None
    wanted_names = set(names) if names else None
    out = []
    for name, node in parsed.nodes.items():
        rel = _relative(name, origin)
        if wanted_names is not None and rel not in wanted_names and not rel.endswith("._domainkey"):
            continue
        for rdataset in node.rdatasets:
            rtype = dns.rdatatype.to_text(rdataset.rdtype)
            if wanted_types is not None and rtype not in wanted_types:
                continue
            out.append({"record": rel, "type": rtype, "ttl": rdataset.ttl,
                        "value": sorted(_value(rd, rtype) for rd in rdataset)})
    out.sort(key=lambda r: (r["record"] != "@", r["record"], r["type"]))
    return out
