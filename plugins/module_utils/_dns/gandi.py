# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Gandi LiveDNS (API v5), authenticated by a personal access token (``Authorization: Bearer``).

LiveDNS is RRset-native: ``PUT /domains/{fqdn}/records/{name}/{type}`` with the full value list and
TTL replaces one RRset atomically, ``DELETE`` on the same URL removes it; that is how a single change
is sent. Several changes at once (the whole mail record set of a domain) go in ONE
``PUT /domains/{fqdn}/records {"items": [...]}``, which replaces the zone's records in one step: the
zone is read again just before, so only a change made by someone else in that instant could be lost.
The zone file comes from ``GET /domains/{fqdn}/records`` with ``Accept: text/plain``.
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
    absolute_name,
    relative_name,
)

DEFAULT_API_URL = "https://api.gandi.net/v5/livedns"
TOKEN_ENV = ("GANDI_API_TOKEN", "MAILWAVE_DNS_API_TOKEN")
MIN_TTL, MAX_TTL = 300, 2592000
WRITABLE = ("A", "AAAA", "CAA", "CDS", "CNAME", "DNAME", "DS", "LOC", "MX", "NAPTR", "NS", "PTR", "SPF", "SRV",
            "SSHFP", "TLSA", "TXT")

ARGUMENT_SPEC = dict(
    api_token=dict(type="str", no_log=True),
    api_url=dict(type="str"),
    validate_certs=dict(type="bool", default=True),
    request_timeout=dict(type="float", default=10.0),
)


class Provider(DNSProvider):
    NAME = "gandi"
    CAPABILITIES = Capabilities(atomic_batch=True, ttl_per_rrset=True, zone_serial=False,
                                serial_bumps_on_noop=False, native_export=True, min_ttl=MIN_TTL,
                                supported_types=WRITABLE)

    def __init__(self, zone, params):
        super(Provider, self).__init__(zone, params)
        token = token_from(params, TOKEN_ENV)
        if not token:
            raise DNSError("provider gandi needs api_token (a Gandi personal access token with the LiveDNS "
                           "permission), or the environment variable GANDI_API_TOKEN")
        self._token = token
        self._bare = self.zone[:-1]
        self.http = HttpClient(params.get("api_url") or DEFAULT_API_URL,
                               validate_certs=params.get("validate_certs", True),
                               timeout=params.get("request_timeout") or 10.0)

    def _call(self, method, path, body=None, accept="application/json", ok=(200, 201, 204), what=None):
        resp = self.http.request(method, "/domains/%s%s" % (self._bare, path), json_body=body,
                                 headers={"Authorization": "Bearer " + self._token, "Accept": accept})
        if resp.status in ok:
            return resp
        try:
            err = resp.json() if resp.content else {}
        except DNSError:
            err = {}
        message = (err or {}).get("message") if isinstance(err, dict) else None
        message = message or resp.text[:200]
        where = "%s /domains/%s%s" % (method, self._bare, path)
        if resp.status in (401, 403):
            raise DNSAuthError("Gandi refused the token (%s: HTTP %d: %s). Check api_token: a personal access "
                               "token of the organisation that owns %s, with the 'Manage domain name technical "
                               "configurations' permission" % (where, resp.status, message, self._bare))
        if resp.status == 404 and what == "zone":
            raise DNSZoneNotFound("Gandi LiveDNS has no domain %s for this token (%s: %s); check the zone name "
                                  "and that the domain uses LiveDNS" % (self._bare, where, message))
        raise DNSError("Gandi LiveDNS error on %s: HTTP %d: %s" % (where, resp.status, message))

    def read_zone(self):
        items = self._call("GET", "/records", what="zone").json() or []
        rrsets = []
        for item in items:
            try:
                name = absolute_name(item["rrset_name"], self.zone)
                rrsets.append(RRset.from_values(name, item["rrset_type"], item["rrset_ttl"], item["rrset_values"]))
            except (RecordError, KeyError, TypeError) as exc:
                raise DNSError("Gandi RRset %r of %s cannot be read: %s"
                               % (item.get("rrset_name") if isinstance(item, dict) else item, self._bare, exc))
        return ZoneData(self.zone, rrsets)

    def export_zone_text(self):
        return self._call("GET", "/records", accept="text/plain", what="zone").text

    def apply_changes(self, changes):
        self.check_types(changes)
        for change in changes:
            if change.action == Change.REPLACE and not MIN_TTL <= change.new.ttl <= MAX_TTL:
                raise DNSUnsupported("Gandi LiveDNS accepts TTLs from %d to %d seconds, not %d (%s %s)"
                                     % (MIN_TTL, MAX_TTL, change.new.ttl, change.name, change.type))
        if len(changes) == 1:
            change = changes[0]
            path = "/records/%s/%s" % (relative_name(change.name, self.zone), change.type)
            if change.action == Change.DELETE:
                self._call("DELETE", path, ok=(204,))
            else:
                self._call("PUT", path, body={"rrset_values": list(change.new.values), "rrset_ttl": change.new.ttl},
                           ok=(200, 201))
            return
        rrsets = self.read_zone().index()
        for change in changes:
            if change.action == Change.DELETE:
                rrsets.pop(change.key, None)
            else:
                rrsets[change.key] = change.new
        items = [{"rrset_name": relative_name(rr.name, self.zone), "rrset_type": rr.type, "rrset_ttl": rr.ttl,
                  "rrset_values": list(rr.values)} for rr in sorted(rrsets.values(), key=lambda r: r.key)]
        self._call("PUT", "/records", body={"items": items}, ok=(200, 201))

    def close(self):
        self.http.close()
