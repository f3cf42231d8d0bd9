# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""OVHcloud DNS zones through the OVH API v1 (signed requests).

Records are per record (no RRset object): an RRset change is POSTs of the new values, PUTs of the TTL
of kept values, DELETEs of the old values, then ONE ``POST /domain/zone/{zone}/refresh`` that publishes
the staged zone (nothing is visible on OVH's name servers before it). Every request but /auth/time is
signed: ``X-Ovh-Signature: "$1$" + sha1_hex(AS+"+"+CK+"+"+METHOD+"+"+URL+"+"+BODY+"+"+TIMESTAMP)``
with the timestamp taken on OVH's clock (``GET /auth/time`` gives the offset).

TXT (and OVH's own SPF/DKIM/DMARC field types): OVH stores the target unquoted and gives it back
quoted (dns-lexicon's recorded OVH cassette
tests/fixtures/cassettes/ovh/IntegrationTests/test_provider_when_calling_create_record_for_TXT_with_valid_name_and_content.yaml
@fbe756ce: ``"target": "challengetoken"`` sent, ``"\"challengetoken\""`` answered), and splits a long
value itself. A DKIM key sent as several quoted strings is refused (HTTP 400 ``Invalid subfield found
in DKIM``: DNSControl issues #1235 and #1640, fixed by sending it unsplit in DNSControl PR #1290). So a
TXT value is sent as ONE unquoted logical string, and values read back are compared on their joined
bytes (quoted or not, split or not), which keeps re-runs idempotent.

No transaction: writes are staged and published by ``refresh``. The changes are validated before the
first write; when a write fails, what the task already staged is put back (DNSProvider.apply_stepwise)
and NO refresh is sent, so the name servers keep serving the zone as it was.
"""

from __future__ import annotations

import hashlib
import time

from ansible_collections.mailwave.migrate.plugins.module_utils._dns.http_client import HttpClient
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
    absolute_name,
    parse_value,
    rdata_key,
    relative_name,
    txt_logical,
)

ENDPOINTS = {
    "ovh-eu": "https://eu.api.ovh.com/1.0",
    "ovh-ca": "https://ca.api.ovh.com/1.0",
    "ovh-us": "https://api.us.ovhcloud.com/1.0",
    "kimsufi-eu": "https://eu.api.kimsufi.com/1.0",
    "kimsufi-ca": "https://ca.api.kimsufi.com/1.0",
    "soyoustart-eu": "https://eu.api.soyoustart.com/1.0",
    "soyoustart-ca": "https://ca.api.soyoustart.com/1.0",
}
DEFAULT_ENDPOINT = "ovh-eu"

# The options this provider reads (their full spec, docs and env fallbacks are in registry.py and
# doc_fragments/_dns.py).
ARGUMENT_SPEC = dict(
    endpoint=dict(type="str"),
    api_url=dict(type="str"),
    application_key=dict(type="str", no_log=True, required=True),
    application_secret=dict(type="str", no_log=True, required=True),
    consumer_key=dict(type="str", no_log=True, required=True),
    validate_certs=dict(type="bool", default=True),
    request_timeout=dict(type="float", default=10.0),
    max_retry_wait=dict(type="float", default=300.0),
)

# OVH field types published as TXT records (OVH keeps them apart in its API).
TXT_ALIASES = ("SPF", "DKIM", "DMARC")
TXT_TYPES = ("TXT",) + TXT_ALIASES
WRITABLE = ("A", "AAAA", "CAA", "CNAME", "DNAME", "MX", "NAPTR", "NS", "PTR", "SRV", "SSHFP", "TLSA", "TXT")


def base_url_for(endpoint):
    """'ovh-eu' (or any key of ENDPOINTS) or an http(s) URL -> the API base URL."""
    if endpoint.startswith(("https://", "http://")):
        return endpoint.rstrip("/")
    try:
        return ENDPOINTS[endpoint]
    except KeyError:
        raise DNSError("unknown OVH endpoint %r; use one of %s or the API URL (https://...)"
                       % (endpoint, ", ".join(sorted(ENDPOINTS))))


def signature(secret, consumer_key, method, url, body, timestamp):
    """OVH's request signature."""
    data = "+".join([secret, consumer_key, method, url, body, str(timestamp)])
    return "$1$" + hashlib.sha1(data.encode("utf-8")).hexdigest()


class Provider(DNSProvider):
    NAME = "ovh"
    CAPABILITIES = Capabilities(atomic_batch=False, ttl_per_rrset=False, zone_serial=True,
                                serial_bumps_on_noop=False, native_export=True, min_ttl=60,
                                supported_types=WRITABLE)

    def __init__(self, zone, params):
        super(Provider, self).__init__(zone, params)
        endpoint = params.get("endpoint") or params.get("api_url") or DEFAULT_ENDPOINT
        self.http = HttpClient(base_url_for(endpoint), validate_certs=params.get("validate_certs", True),
                               timeout=params.get("request_timeout") or 10.0,
                               max_retry_wait=params.get("max_retry_wait"))
        self._ak = params["application_key"]
        self._as = params["application_secret"]
        self._ck = params["consumer_key"]
        self._delta = None
        self._bare = self.zone[:-1]
        self._records = None  # (name, type) -> [(id, rdata key, ttl)] from the last read
        self._staged = 0      # record writes accepted since the last refresh

    # -- transport -------------------------------------------------------------------------
    def _time_delta(self):
        if self._delta is None:
            resp = self.http.request("GET", "/auth/time")
            if not resp.ok:
                raise DNSError("OVH API %s: GET /auth/time answered HTTP %d; check the endpoint"
                               % (self.http.base_url, resp.status))
            try:
                self._delta = int(resp.json()) - int(time.time())
            except (TypeError, ValueError):
                raise DNSError("OVH API %s: GET /auth/time did not return a timestamp; is the endpoint an "
                               "OVH API?" % self.http.base_url)
        return self._delta

    def _sign(self, method, url, body):
        stamp = str(int(time.time()) + self._time_delta())
        return {
            "X-Ovh-Application": self._ak,
            "X-Ovh-Consumer": self._ck,
            "X-Ovh-Timestamp": stamp,
            "X-Ovh-Signature": signature(self._as, self._ck, method, url, body, stamp),
            "Accept": "application/json",
        }

    def _call(self, method, path, query=None, body=None, what=None):
        self._time_delta()
        resp = self.http.request(method, path, query=query, json_body=body, sign=self._sign)
        if resp.ok:
            if method != "GET" and "/record" in path:
                self._staged += 1
            return resp.json()
        try:
            err = resp.json() or {}
        except DNSError:
            err = {}
        if not isinstance(err, dict):
            err = {}
        message = err.get("message") or resp.text[:200]
        code = err.get("errorCode") or err.get("class") or ""
        where = "%s %s" % (method, path)
        if resp.status in (401, 403) or code in ("INVALID_SIGNATURE", "INVALID_CREDENTIAL", "INVALID_KEY",
                                                 "NOT_GRANTED_CALL", "QUERY_TIME_OUT", "NOT_CREDENTIAL"):
            raise DNSAuthError("OVH refused the credentials (%s: HTTP %d %s: %s). Check application_key, "
                               "application_secret and consumer_key, and that the consumer key is granted "
                               "GET/POST/PUT/DELETE on /domain/zone/%s/*"
                               % (where, resp.status, code, message, self._bare))
        if resp.status == 404 and what == "zone":
            raise DNSZoneNotFound("OVH has no DNS zone %s for these credentials (%s: %s); check the zone name "
                                  "and the account" % (self._bare, where, message))
        raise DNSError("OVH API error on %s: HTTP %d %s %s" % (where, resp.status, code, message))

    # -- interface ---------------------------------------------------------------------------
    def _zone_path(self, rest=""):
        return "/domain/zone/%s%s" % (self._bare, rest)

    def read_zone(self):
        soa = self._call("GET", self._zone_path("/soa"), what="zone") or {}
        default_ttl = int(soa.get("ttl") or 3600)
        ids = self._call("GET", self._zone_path("/record"), what="zone") or []
        grouped = {}
        records = {}
        for rid in ids:
            rec = self._call("GET", self._zone_path("/record/%d" % int(rid)))
            ftype = rec["fieldType"].upper()
            rtype = "TXT" if ftype in TXT_ALIASES else ftype
            try:
                name = absolute_name(rec.get("subDomain") or "@", self.zone)
                rd = parse_value(rtype, rec["target"])
            except RecordError as exc:
                raise DNSError("OVH record %s of zone %s cannot be read: %s" % (rec.get("id"), self._bare, exc))
            ttl = int(rec.get("ttl") or 0) or default_ttl
            grouped.setdefault((name, rtype), []).append((rd, ttl))
            records.setdefault((name, rtype), []).append((int(rec["id"]), rdata_key(rd), int(rec.get("ttl") or 0)))
        rrsets = [RRset(name, rtype, min(t for _r, t in items), [r for r, _t in items])
                  for (name, rtype), items in grouped.items()]
        if soa.get("server"):
            try:
                soa_text = "%s %s %d %d %d %d %d" % (
                    soa["server"].rstrip(".") + ".", soa.get("email", "hostmaster").replace("@", ".").rstrip(".") + ".",
                    int(soa.get("serial", 0)), int(soa.get("refresh", 86400)), int(soa.get("retry", 3600)),
                    int(soa.get("expire", 3600000)), int(soa.get("nxDomainTtl", 300)))
                rrsets.append(RRset.from_values(self.zone, "SOA", default_ttl, [soa_text]))
            except (RecordError, TypeError, ValueError, KeyError):
                pass
        self._records = records
        return ZoneData(self.zone, rrsets, serial=int(soa["serial"]) if soa.get("serial") is not None else None)

    def export_zone_text(self):
        text = self._call("GET", self._zone_path("/export"), what="zone")
        if not isinstance(text, str):
            raise DNSError("OVH export of %s did not return zone text" % self._bare)
        return text

    def _current(self, key):
        """[(id, rdata key, ttl)] of the RRset key now at OVH (from the last read, else listed)."""
        if self._records is None:
            self.read_zone()
        return list(self._records.get(key, []))

    def validate_changes(self, changes):
        self.check_types(changes)
        for change in changes:
            if change.action != Change.REPLACE:
                continue
            if change.new.ttl and change.new.ttl < 60:
                raise DNSUnsupported("OVH accepts a TTL of 60 seconds or more (or 0, the zone default), not %d "
                                     "(%s %s)" % (change.new.ttl, change.name, change.type))
            if change.type == "TXT":
                for rd in change.new.rdatas:
                    if '"' in txt_logical(rd):
                        raise DNSUnsupported("OVH stores TXT values unquoted, so it cannot hold one with a double "
                                             "quote in it (%s): change the value" % change.name)

    def apply_changes(self, changes):
        self._staged = 0
        try:
            self.apply_stepwise(changes, self._apply_one)
        except DNSError as exc:
            self._records = None
            raise type(exc)("%s. No refresh was sent: OVH's name servers still serve the zone as it was before "
                            "this task" % str(exc).rstrip("."))
        try:
            if self._staged:
                self._call("POST", self._zone_path("/refresh"))
        finally:
            self._records = None

    @staticmethod
    def _target(rtype, rd, value):
        """The target OVH wants: TXT as its one unquoted logical string, others as zone-file rdata."""
        return txt_logical(rd) if rtype == "TXT" else value

    def _apply_one(self, change):
        """POST the new values, PUT the TTL of kept ones, DELETE the old ones (staged until refresh)."""
        current = self._current(change.key)
        if change.action == Change.DELETE:
            for rid, _k, _ttl in current:
                self._call("DELETE", self._zone_path("/record/%d" % rid))
            return
        new = change.new
        sub = relative_name(change.name, self.zone)
        sub = "" if sub == "@" else sub
        wanted = dict((rdata_key(rd), self._target(new.type, rd, value)) for rd, value in zip(new.rdatas, new.values))
        kept, stale, ttl_fixes = set(), [], []
        for rid, rkey, ttl in current:
            if rkey in wanted and rkey not in kept:
                kept.add(rkey)
                if ttl != new.ttl:
                    ttl_fixes.append(rid)
            else:
                stale.append(rid)
        for rkey, value in wanted.items():
            if rkey not in kept:
                # OVH sometimes answers id=0 to a POST; the id is not needed here (the next read re-lists).
                self._call("POST", self._zone_path("/record"),
                           body={"fieldType": new.type, "subDomain": sub, "target": value, "ttl": new.ttl})
        for rid in ttl_fixes:
            self._call("PUT", self._zone_path("/record/%d" % rid), body={"ttl": new.ttl})
        for rid in stale:
            self._call("DELETE", self._zone_path("/record/%d" % rid))

    def close(self):
        self.http.close()
