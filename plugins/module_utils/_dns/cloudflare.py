# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Cloudflare DNS through the API v4, authenticated by an API token (``Authorization: Bearer``).

Cloudflare stores records one by one; all the changes of one call go in ONE
``POST /zones/{zone_id}/dns_records/batch`` (deletes, then patches, then posts, in a single
database transaction), so an MX switch never leaves the zone without MX. A TTL-only change is a
PATCH of ``ttl`` on each kept record; a value replaced is a PATCH of the old record (same id), so its
comment, tags and settings stay. Cloudflare's TTL ``1`` ("automatic") is read as 300 seconds.
More than BATCH_LIMIT operations go in several batches: each is atomic, the whole is not, so it is
guarded like the other non-atomic providers (a failed batch puts back what the earlier ones changed).
"""

from __future__ import annotations

from ansible_collections.mailwave.migrate.plugins.module_utils._dns.http_client import (
    HttpClient,
    token_from,
)
from ansible_collections.mailwave.migrate.plugins.module_utils._dns.provider import (
    Capabilities,
    Change,
    DNSAuthError,
    DNSError,
    DNSProvider,
    DNSUnsupported,
    DNSZoneNotFound,
)
from ansible_collections.mailwave.migrate.plugins.module_utils._dns.records import (
    RecordError,
    RRset,
    ZoneData,
    parse_value,
    rdata_key,
)

DEFAULT_API_URL = "https://api.cloudflare.com/client/v4"
TOKEN_ENV = ("CLOUDFLARE_API_TOKEN", "MAILWAVE_DNS_API_TOKEN")
AUTO_TTL = 300          # what Cloudflare's "automatic" TTL (1) is
MIN_TTL, MAX_TTL = 30, 86400
BATCH_LIMIT = 200       # operations per batch on every plan; bigger change sets go in several batches
PAGE_SIZE = 1000
WRITABLE = ("A", "AAAA", "CAA", "CNAME", "MX", "NS", "PTR", "SRV", "TLSA", "TXT")
AUTH_CODES = (6003, 6111, 9106, 9109, 10000, 10001)

ARGUMENT_SPEC = dict(
    api_token=dict(type="str", no_log=True),
    api_url=dict(type="str"),
    validate_certs=dict(type="bool", default=True),
    request_timeout=dict(type="float", default=10.0),
    max_retry_wait=dict(type="float", default=300.0),
)


def _host(name):
    return name[:-1] if name.endswith(".") else name


def record_to_value(rec):
    """A Cloudflare record -> zone-file rdata text (names absolute)."""
    rtype = rec["type"]
    data = rec.get("data") or {}
    if rtype == "MX":
        return "%d %s." % (int(rec["priority"]), _host(rec["content"]) or "")
    if rtype == "SRV":
        if data:
            return "%d %d %d %s." % (int(data["priority"]), int(data["weight"]), int(data["port"]),
                                     _host(data["target"]))
        return "%d %s." % (int(rec.get("priority") or 0), _host(rec["content"]))
    if rtype == "TLSA" and data:
        return "%d %d %d %s" % (int(data["usage"]), int(data["selector"]), int(data["matching_type"]),
                                data["certificate"])
    if rtype == "CAA" and data:
        return '%d %s "%s"' % (int(data["flags"]), data["tag"], data["value"])
    if rtype in ("CNAME", "NS", "PTR"):
        return _host(rec["content"]) + "."
    if rtype == "URI" and rec.get("priority") is not None and data:
        return '%d %d "%s"' % (int(rec["priority"]), int(data["weight"]), data["target"])
    return rec["content"]


def value_to_record(name, rtype, ttl, rd, value):
    """One rdata of an RRset -> the body Cloudflare wants for it."""
    body = {"type": rtype, "name": _host(name), "ttl": ttl}
    if rtype == "MX":
        body.update(priority=rd.preference, content=_host(rd.exchange.to_text()))
    elif rtype == "SRV":
        body["data"] = {"priority": rd.priority, "weight": rd.weight, "port": rd.port,
                        "target": _host(rd.target.to_text())}
    elif rtype == "TLSA":
        body["data"] = {"usage": rd.usage, "selector": rd.selector, "matching_type": rd.mtype,
                        "certificate": rd.cert.hex()}
    elif rtype == "CAA":
        body["data"] = {"flags": rd.flags, "tag": rd.tag.decode("ascii"), "value": rd.value.decode("utf-8")}
    elif rtype in ("CNAME", "NS", "PTR"):
        body["content"] = _host(rd.target.to_text())
    else:
        body["content"] = value
    return body


class Provider(DNSProvider):
    NAME = "cloudflare"
    CAPABILITIES = Capabilities(atomic_batch=True, ttl_per_rrset=False, zone_serial=False,
                                serial_bumps_on_noop=False, native_export=True, min_ttl=MIN_TTL,
                                supported_types=WRITABLE)

    def __init__(self, zone, params):
        super(Provider, self).__init__(zone, params)
        token = token_from(params, TOKEN_ENV)
        if not token:
            raise DNSError("provider cloudflare needs api_token (an API token with Zone.DNS Edit on the zone), "
                           "or the environment variable CLOUDFLARE_API_TOKEN")
        self._token = token
        self._bare = self.zone[:-1]
        self._zone_id = None
        self._records = None   # (name, type) -> [(id, rdata key, ttl)] from the last read
        self._proxied = {}     # (name, type) -> True when every record of the RRset is proxied
        self.http = HttpClient(params.get("api_url") or DEFAULT_API_URL,
                               validate_certs=params.get("validate_certs", True),
                               timeout=params.get("request_timeout") or 10.0,
                               max_retry_wait=params.get("max_retry_wait"))

    def _call(self, method, path, query=None, body=None, raw=False):
        resp = self.http.request(method, path, query=query, json_body=body,
                                 headers={"Authorization": "Bearer " + self._token})
        if raw and resp.ok:
            return resp
        try:
            data = resp.json()
        except DNSError:
            data = None
        if resp.ok and isinstance(data, dict) and data.get("success"):
            return data
        errors = data.get("errors") if isinstance(data, dict) else None
        errors = errors or [{"code": resp.status, "message": resp.text[:200]}]
        text = "; ".join("%s %s" % (e.get("code"), e.get("message")) for e in errors if isinstance(e, dict))
        codes = set(e.get("code") for e in errors if isinstance(e, dict))
        where = "%s %s" % (method, path)
        if resp.status in (401, 403) or codes & set(AUTH_CODES):
            raise DNSAuthError("Cloudflare refused the API token (%s: HTTP %d: %s). Check api_token: it needs "
                               "Zone.DNS Read and Edit on %s" % (where, resp.status, text, self._bare))
        raise DNSError("Cloudflare API error on %s: HTTP %d: %s" % (where, resp.status, text))

    def zone_id(self):
        if self._zone_id is None:
            found = self._call("GET", "/zones", query=[("name", self._bare)])["result"] or []
            found = [z for z in found if str(z.get("name", "")).lower() == self._bare]
            if not found:
                raise DNSZoneNotFound("Cloudflare has no zone %s that this API token can see; check the zone "
                                      "name and the token's zone resources" % self._bare)
            self._zone_id = found[0]["id"]
        return self._zone_id

    def _list_records(self):
        out, page = [], 1
        while True:
            data = self._call("GET", "/zones/%s/dns_records" % self.zone_id(),
                              query=[("page", page), ("per_page", PAGE_SIZE)])
            out.extend(data.get("result") or [])
            info = data.get("result_info") or {}
            if page >= int(info.get("total_pages") or 1):
                return out
            page += 1

    def read_zone(self):
        grouped, records = {}, {}
        proxied = {}
        for rec in self._list_records():
            rtype = rec["type"]
            name = rec["name"].lower().rstrip(".") + "."
            try:
                rd = parse_value(rtype, record_to_value(rec))
            except (RecordError, KeyError, TypeError, ValueError) as exc:
                raise DNSError("Cloudflare record %s of %s cannot be read: %s" % (rec.get("id"), self._bare, exc))
            ttl = AUTO_TTL if int(rec.get("ttl") or 1) == 1 else int(rec["ttl"])
            grouped.setdefault((name, rtype), []).append((rd, ttl))
            records.setdefault((name, rtype), []).append((rec["id"], rdata_key(rd), ttl))
            proxied.setdefault((name, rtype), []).append(bool(rec.get("proxied")))
        self._records = records
        self._proxied = dict((key, all(flags)) for key, flags in proxied.items())
        rrsets = [RRset(name, rtype, min(t for _r, t in items), [r for r, _t in items])
                  for (name, rtype), items in grouped.items()]
        return ZoneData(self.zone, rrsets)

    def export_zone_text(self):
        return self._call("GET", "/zones/%s/dns_records/export" % self.zone_id(), raw=True).text

    def plan(self, changes):
        """The batch operations for changes: {'deletes': [...], 'patches': [...], 'posts': [...]}."""
        if self._records is None:
            self.read_zone()
        ops = {"deletes": [], "patches": [], "posts": []}
        for change in changes:
            current = self._records.get(change.key, [])
            if change.action == Change.DELETE:
                ops["deletes"].extend({"id": rid} for rid, _k, _t in current)
                continue
            new = change.new
            wanted = dict((rdata_key(rd), (rd, value)) for rd, value in zip(new.rdatas, new.values))
            kept = set()
            proxied = self._proxied.get(change.key, False)
            if proxied and new.ttl != AUTO_TTL:
                raise DNSUnsupported("%s %s is proxied by Cloudflare, so its TTL is Cloudflare's automatic one (read "
                                     "as %d); ask ttl %d for it, or turn the proxy off in Cloudflare first"
                                     % (new.name, new.type, AUTO_TTL, AUTO_TTL))
            stale = []
            for rid, rkey, ttl in current:
                if rkey in wanted and rkey not in kept:
                    kept.add(rkey)
                    if ttl != new.ttl:
                        ops["patches"].append({"id": rid, "ttl": new.ttl})
                else:
                    stale.append((rkey, rid))
            added = sorted((rkey, rd_value) for rkey, rd_value in wanted.items() if rkey not in kept)
            stale.sort()
            # A value replaced in an RRset is an update IN PLACE of one of its old records (PATCH on its id),
            # so that the record keeps its id, comment, tags and settings; only extra old records are deleted
            # and only extra new values created.
            for (_old_key, rid), (_new_key, (rd, value)) in zip(stale, added):
                body = value_to_record(new.name, new.type, new.ttl, rd, value)
                if proxied:
                    body["ttl"] = 1
                body["id"] = rid
                ops["patches"].append(body)
            ops["deletes"].extend({"id": rid} for _k, rid in stale[len(added):])
            for _k, (rd, value) in added[len(stale):]:
                body = value_to_record(new.name, new.type, new.ttl, rd, value)
                if proxied:
                    # A proxied web name stays proxied when its address changes.
                    body.update(proxied=True, ttl=1)
                ops["posts"].append(body)
        return ops

    def validate_changes(self, changes):
        self.check_types(changes)
        for change in changes:
            if change.action == Change.REPLACE and not MIN_TTL <= change.new.ttl <= MAX_TTL:
                raise DNSUnsupported("Cloudflare accepts TTLs from %d to %d seconds, not %d (%s %s)"
                                     % (MIN_TTL, MAX_TTL, change.new.ttl, change.name, change.type))

    @staticmethod
    def _flat(ops):
        return [(kind, op) for kind in ("deletes", "patches", "posts") for op in ops[kind]]

    def _send(self, ops):
        flat = self._flat(ops)
        for start in range(0, len(flat), BATCH_LIMIT):
            batch = {}
            for kind, op in flat[start:start + BATCH_LIMIT]:
                batch.setdefault(kind, []).append(op)
            self._call("POST", "/zones/%s/dns_records/batch" % self.zone_id(), body=batch)

    def _write_one(self, change):
        self._send(self.plan([change]))

    def apply_changes(self, changes):
        """One batch when the operations fit in BATCH_LIMIT (atomic); else groups of whole RRsets, one batch
        each, rolled back like a non-atomic provider when a later group fails."""
        self.validate_changes(changes)
        try:
            if self._records is None:
                self.read_zone()
            groups, size = [[]], 0
            for change in changes:
                count = len(self._flat(self.plan([change])))
                if groups[-1] and size + count > BATCH_LIMIT:
                    groups.append([])
                    size = 0
                groups[-1].append(change)
                size += count
            planned = [self.plan(group) for group in groups]   # every refusal (proxied TTL...) before a write
            done = []
            for group, ops in zip(groups, planned):
                try:
                    self._send(ops)
                except DNSError as exc:
                    if not done:
                        raise    # the first batch is one transaction: nothing was changed
                    report = self.roll_back(done, self._write_one)
                    raise type(exc)("%s. %s" % (str(exc).rstrip("."), report))
                done.extend(group)
        finally:
            self._records = None

    def close(self):
        self.http.close()
