# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Generic DNS engines: desired vs current -> changes, diff, check mode, prune; zone backup; restore.

They work on any DNSProvider and know nothing of AnsibleModule: they return result dicts and raise
EngineError (bad input) or DNSError (provider) with messages fit for fail_json. The one rule that
makes every module idempotent: read, diff, and call apply_changes() only with real changes (never
in check mode), all of them in ONE call so the provider applies them as atomically as it can.
"""

from __future__ import annotations

import datetime
import os
import re

from ansible_collections.mailwave.migrate.plugins.module_utils._common.files import (
    ensure_private_dir,
    write_private_file,
)
from ansible_collections.mailwave.migrate.plugins.module_utils._dns.provider import Change
from ansible_collections.mailwave.migrate.plugins.module_utils._dns.records import (
    RecordError,
    RRset,
    absolute_name,
    normalize_type,
    parse_value,
    rdata_key,
    relative_name,
    zone_from_text,
)

DEFAULT_TTL = 3600


class EngineError(Exception):
    """Bad input or refused operation; the message says what to do."""

    def __init__(self, msg, **result):
        super(EngineError, self).__init__(msg)
        self.result = result


# -- planning ------------------------------------------------------------------------------------

def plan_record_sets(current, items, prune=False):
    """current: ZoneData; items: [{record, type, ttl, value, state}] -> list of Change (no-ops left out).

    present: the RRset becomes exactly `value` (TTL `ttl`, or the current TTL, or 3600 when created).
    absent without value: the whole RRset goes. absent with value: only those values go.
    prune: at every name an item manages, other RRsets are deleted (never SOA, never the apex NS).
    """
    zone = current.name
    index = current.index()
    seen = {}
    changes = []
    for pos, item in enumerate(items):
        try:
            name = absolute_name(item.get("record"), zone)
            rtype = normalize_type(item.get("type"))
        except RecordError as exc:
            raise EngineError("record set #%d: %s" % (pos + 1, exc))
        if rtype == "SOA":
            raise EngineError("record set #%d: the SOA is managed by the DNS server, not by this module" % (pos + 1))
        key = (name, rtype)
        if key in seen:
            raise EngineError("record set #%d (%s %s) is given twice (also #%d); merge the values into one entry"
                              % (pos + 1, name, rtype, seen[key] + 1))
        seen[key] = pos
        old = index.get(key)
        state = item.get("state") or "present"
        values = item.get("value")
        if values is not None and isinstance(values, (str, int)):
            values = [values]
        try:
            if state == "present":
                if not values:
                    raise EngineError("record set #%d (%s %s): state=present needs at least one value"
                                      % (pos + 1, name, rtype))
                ttl = item.get("ttl")
                if ttl is None:
                    ttl = old.ttl if old is not None else DEFAULT_TTL
                new = RRset.from_values(name, rtype, ttl, [str(v) for v in values])
                if new != old:
                    changes.append(Change(Change.REPLACE, new=new, old=old))
            else:
                if old is None:
                    continue
                if not values:
                    changes.append(Change(Change.DELETE, old=old))
                    continue
                drop = set(rdata_key(parse_value(rtype, str(v))) for v in values)
                keep = [rd for rd in old.rdatas if rdata_key(rd) not in drop]
                if len(keep) == len(old.rdatas):
                    continue
                if keep:
                    changes.append(Change(Change.REPLACE, new=RRset(name, rtype, old.ttl, keep), old=old))
                else:
                    changes.append(Change(Change.DELETE, old=old))
        except RecordError as exc:
            raise EngineError("record set #%d (%s %s): %s" % (pos + 1, name, rtype, exc))
    if prune:
        managed_names = set(name for name, _t in seen)
        for rr in current.rrsets:
            if rr.name not in managed_names or rr.key in seen or rr.type == "SOA":
                continue
            if rr.type == "NS" and rr.name == zone:
                continue
            changes.append(Change(Change.DELETE, old=rr))
    _check_cname_conflicts(current, changes)
    return changes


def _check_cname_conflicts(current, changes):
    """A CNAME cannot share its name with other data (RFC 1034 3.6.2): say so before the server does."""
    after = dict(current.index())
    for change in changes:
        if change.action == Change.DELETE:
            after.pop(change.key, None)
        else:
            after[change.key] = change.new
    by_name = {}
    for name, rtype in after:
        by_name.setdefault(name, set()).add(rtype)
    for change in changes:
        if change.action != Change.REPLACE:
            continue
        types = by_name.get(change.name, set())
        if "CNAME" in types and len(types - {"RRSIG", "NSEC", "NSEC3"}) > 1:
            raise EngineError("%s would hold a CNAME and other records (%s); a CNAME must be alone at its name: "
                              "remove the others (state=absent, or prune=true)"
                              % (change.name, ", ".join(sorted(types))))


# -- results and diff ----------------------------------------------------------------------------

def change_summary(change, zone):
    out = {"action": change.kind, "record": change.name, "name": relative_name(change.name, zone),
           "type": change.type}
    if change.old is not None:
        out["before"] = {"ttl": change.old.ttl, "value": list(change.old.values)}
    if change.new is not None:
        out["after"] = {"ttl": change.new.ttl, "value": list(change.new.values)}
    return out


def changes_diff(changes, zone):
    """Ansible diff: before/after zone-file lines of the RRsets that change."""
    before, after = [], []
    for change in sorted(changes, key=lambda c: c.key):
        if change.old is not None:
            before.extend(change.old.to_lines())
        if change.new is not None:
            after.extend(change.new.to_lines())
    return {"before": "\n".join(before) + ("\n" if before else ""),
            "after": "\n".join(after) + ("\n" if after else ""),
            "before_header": "%s (current)" % zone, "after_header": "%s (wanted)" % zone}


def apply(provider, changes, check_mode):
    """The only place that writes: nothing when there is nothing to do or in check mode.

    Deletions go first, so that one batch can swap a CNAME for other data at a name (servers
    process an UPDATE in order, and ignore a CNAME added next to other data).
    """
    if changes and not check_mode:
        ordered = [c for c in changes if c.action == Change.DELETE] + [c for c in changes if c.action != Change.DELETE]
        provider.apply_changes(ordered)
    return bool(changes)


def run_record_sets(provider, items, prune=False, check_mode=False, want_diff=False):
    current = provider.read_zone()
    changes = plan_record_sets(current, items, prune=prune)
    changed = apply(provider, changes, check_mode)
    index = current.index()
    for change in changes:
        if change.action == Change.DELETE:
            index.pop(change.key, None)
        else:
            index[change.key] = change.new
    result = {"changed": changed, "zone": current.name, "serial": current.serial,
              "changes": [change_summary(c, current.name) for c in changes]}
    result["record_sets"] = []
    for item in items:
        key = (absolute_name(item.get("record"), current.name), normalize_type(item.get("type")))
        rr = index.get(key)
        result["record_sets"].append(rr.to_dict(current.name) if rr is not None
                                     else {"record": key[0], "name": relative_name(key[0], current.name),
                                           "type": key[1], "ttl": None, "value": []})
    if want_diff:
        result["diff"] = changes_diff(changes, current.name)
    return result


# -- backup --------------------------------------------------------------------------------------

BACKUP_HEADER = "; mailwave.migrate dns_zone_backup"
_HEADER_RE = re.compile(r"^;\s*(zone|serial|checksum|records|rrsets|taken|provider):\s*(.*?)\s*$")


def backup_file_name(zone, serial, when):
    return "%s-%s-%s.zone" % (zone.rstrip("."), when.strftime("%Y%m%dT%H%M%SZ"), serial if serial is not None
                              else "noserial")


def read_backup_header(path):
    """{zone, serial, checksum, ...} from a backup file's header comments (empty dict if none)."""
    header = {}
    try:
        with open(path, "r", encoding="utf-8") as handle:
            for line in handle:
                if not line.startswith(";"):
                    break
                match = _HEADER_RE.match(line)
                if match:
                    header[match.group(1)] = match.group(2)
    except (IOError, OSError, UnicodeDecodeError):
        return {}
    return header


def newest_backup(dest, zone):
    """The newest backup file of zone in dest (by the UTC timestamp in its name), or None."""
    prefix = zone.rstrip(".") + "-"
    try:
        names = [n for n in os.listdir(dest) if n.startswith(prefix) and n.endswith(".zone")
                 and re.match(r"^\d{8}T\d{6}Z-", n[len(prefix):])]
    except OSError:
        return None
    if not names:
        return None

    def key(name):
        try:
            mtime = os.stat(os.path.join(dest, name)).st_mtime_ns
        except OSError:
            mtime = 0
        return (name[len(prefix):len(prefix) + 16], mtime, name)

    return os.path.join(dest, sorted(names, key=key)[-1])


def run_backup(provider, dest, check_mode=False, now=None):
    current = provider.read_zone()
    checksum = "sha256:" + current.checksum()
    records = sum(len(rr.values) for rr in current.rrsets)
    result = {"zone": current.name, "serial": current.serial, "checksum": checksum, "records": records,
              "rrsets": len(current.rrsets)}
    latest = newest_backup(dest, current.name) if os.path.isdir(dest) else None
    if latest is not None and read_backup_header(latest).get("checksum") == checksum:
        result.update(changed=False, path=latest, previous=latest)
        return result
    now = now or datetime.datetime.now(datetime.timezone.utc)
    path = os.path.join(dest, backup_file_name(current.name, current.serial, now))
    count = 1
    while os.path.exists(path):  # same second and serial, other content (a provider without serial)
        path = os.path.join(dest, backup_file_name(current.name, current.serial, now)[:-5] + "-%d.zone" % count)
        count += 1
    result.update(changed=True, path=path, previous=latest)
    if check_mode:
        return result
    text = "\n".join([
        BACKUP_HEADER,
        "; zone: %s" % current.name,
        "; serial: %s" % current.serial,
        "; checksum: %s" % checksum,
        "; records: %d" % records,
        "; rrsets: %d" % len(current.rrsets),
        "; taken: %s" % now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "; provider: %s" % provider.NAME,
        "",
    ]) + current.to_text()
    ensure_private_dir(dest)
    write_private_file(path, text)
    return result


def load_backup(path, zone):
    """Parse a backup (or any BIND zone file) of zone. Raises EngineError."""
    try:
        with open(path, "r", encoding="utf-8") as handle:
            text = handle.read()
    except (IOError, OSError, UnicodeDecodeError) as exc:
        raise EngineError("cannot read the backup file %s: %s" % (path, exc))
    header = read_backup_header(path)
    if header.get("zone") and header["zone"].lower() != zone:
        raise EngineError("%s is a backup of zone %s, not of %s" % (path, header["zone"], zone))
    try:
        data = zone_from_text(text, zone)
    except RecordError as exc:
        raise EngineError("%s is not a valid zone file: %s" % (path, exc))
    if header.get("checksum") and header["checksum"] != "sha256:" + data.checksum():
        raise EngineError("the backup file %s does not match its own checksum (edited or truncated?); restore "
                          "refused" % path)
    return data, header


# -- restore -------------------------------------------------------------------------------------

# SRV services a mail domain publishes (RFC 6186, RFC 8314, Mailcow's autodiscover/DAV/sieve).
MAIL_SRV_SERVICES = ("_autodiscover", "_imap", "_imaps", "_pop3", "_pop3s", "_submission", "_submissions",
                     "_smtps", "_sieve", "_caldav", "_caldavs", "_carddav", "_carddavs")
MAIL_HOST_LABELS = ("autoconfig", "autodiscover", "mta-sts")


def is_mail_record(rr, zone):
    """The RRsets a mail migration touches (what dns_zone_restore restores by default):

    * MX and SPF anywhere in the zone;
    * TXT at the apex (SPF, verification), at ``_dmarc``, ``_mta-sts``, ``_smtp._tls``, under ``_domainkey``
      (DKIM selectors), and at the mail SRV names (``path=`` of CalDAV/CardDAV);
    * SRV ``_<service>._tcp`` for the services in MAIL_SRV_SERVICES;
    * CNAME, A, AAAA at ``autoconfig``, ``autodiscover``, ``mta-sts``;
    * TLSA under ``_25._tcp``, ``_465._tcp``, ``_587._tcp``.
    """
    rel = relative_name(rr.name, zone)
    labels = rel.split(".") if rel != "@" else []
    if rr.type in ("MX", "SPF"):
        return True
    is_mail_srv_name = len(labels) >= 2 and labels[0] in MAIL_SRV_SERVICES and labels[1] == "_tcp"
    if rr.type == "TXT":
        return (rel in ("@", "_dmarc", "_mta-sts", "_smtp._tls") or "_domainkey" in labels
                or (is_mail_srv_name and len(labels) == 2))
    if rr.type == "SRV":
        return is_mail_srv_name and len(labels) == 2
    if rr.type in ("CNAME", "A", "AAAA"):
        return rel in MAIL_HOST_LABELS
    if rr.type == "TLSA":
        return len(labels) >= 2 and labels[0] in ("_25", "_465", "_587") and labels[1] == "_tcp"
    return False


def plan_restore(current, backup, types=None, whole_zone=False):
    """Changes that make the selected RRsets of current equal to backup (SOA never touched)."""
    zone = current.name
    wanted_types = set(normalize_type(t) for t in types) if types else None

    def selected(rr):
        if rr.type == "SOA":
            return False
        if whole_zone:
            return True
        if rr.opaque:   # a type this collection cannot parse: only a whole-zone restore touches it
            return False
        if wanted_types is not None:
            return rr.type in wanted_types
        return is_mail_record(rr, zone)

    have = dict((k, rr) for k, rr in current.index().items() if selected(rr))
    want = dict((k, rr) for k, rr in backup.index().items() if selected(rr))
    changes = []
    for key in sorted(set(have) | set(want)):
        old, new = have.get(key), want.get(key)
        if new is None:
            changes.append(Change(Change.DELETE, old=old))
        elif new != old:
            changes.append(Change(Change.REPLACE, new=new, old=old))
    return changes


def run_restore(provider, src, types=None, whole_zone=False, max_changes=20, force=False, check_mode=False,
                want_diff=False):
    backup, header = load_backup(src, provider.zone)
    current = provider.read_zone()
    changes = plan_restore(current, backup, types=types, whole_zone=whole_zone)
    result = {"zone": current.name, "src": src, "backup_serial": header.get("serial", backup.serial),
              "serial": current.serial, "changes": [change_summary(c, current.name) for c in changes]}
    if want_diff:
        result["diff"] = changes_diff(changes, current.name)
    if len(changes) > max_changes and not force:
        raise EngineError("restoring %s from %s would change %d RRsets, more than max_changes=%d; check the diff "
                          "(changes) and run again with force=true, or raise max_changes"
                          % (current.name, src, len(changes), max_changes), changed=False, **result)
    result["changed"] = apply(provider, changes, check_mode)
    return result
