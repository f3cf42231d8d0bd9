# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Gandi LiveDNS (API v5), authenticated by a personal access token (``Authorization: Bearer``).

LiveDNS is RRset-native: ``PUT /domains/{fqdn}/records/{name}/{type}`` with the full value list and
TTL replaces one RRset, ``DELETE`` on the same URL removes it. Only the RRsets a task names are ever
sent: the whole-zone ``PUT /domains/{fqdn}/records`` would also rewrite (or, after a short read,
delete) every record the task did not touch, so it is never used. LiveDNS has no multi-RRset
transaction: a change of several RRsets is several requests, guarded by DNSProvider.apply_stepwise
(validated first, rolled back on a failure).

Reading pages through ``GET /domains/{fqdn}/records?page=N&per_page=M``: LiveDNS answers one page and
gives the item count in ``Total-Count`` (and ``Link: <...>; rel="next"``); every page is read, and a
read that ends short of Total-Count is an error, never a silent partial backup.

Values: a name inside a value without a final dot is relative to the zone (``www CNAME web`` is
``web.<zone>.``), as octoDNS reads LiveDNS. The zone file comes from ``GET /domains/{fqdn}/records``
with ``Accept: text/plain``.
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
    ZoneData,
    absolute_name,
    relative_name,
    rrset_from_provider,
)

DEFAULT_API_URL = "https://api.gandi.net/v5/livedns"
TOKEN_ENV = ("GANDI_API_TOKEN", "MAILWAVE_DNS_API_TOKEN")
MIN_TTL, MAX_TTL = 300, 2592000
PER_PAGE = 100          # rrsets per page asked for; LiveDNS caps a page, so every page is read
MAX_PAGES = 10000
WRITABLE = ("A", "AAAA", "CAA", "CDS", "CNAME", "DNAME", "DS", "LOC", "MX", "NAPTR", "NS", "PTR", "SPF", "SRV",
            "SSHFP", "TLSA", "TXT")

ARGUMENT_SPEC = dict(
    api_token=dict(type="str", no_log=True),
    api_url=dict(type="str"),
    validate_certs=dict(type="bool", default=True),
    request_timeout=dict(type="float", default=10.0),
    max_retry_wait=dict(type="float", default=300.0),
)


class Provider(DNSProvider):
    NAME = "gandi"
    CAPABILITIES = Capabilities(atomic_batch=False, ttl_per_rrset=True, zone_serial=False,
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
                               timeout=params.get("request_timeout") or 10.0,
                               max_retry_wait=params.get("max_retry_wait"))

    def _call(self, method, path, body=None, accept="application/json", ok=(200, 201, 204), what=None, query=None):
        resp = self.http.request(method, "/domains/%s%s" % (self._bare, path), query=query, json_body=body,
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

    def _list_rrsets(self):
        """Every item of GET /records, page after page (see the module doc)."""
        items, page, total = [], 1, None
        while page <= MAX_PAGES:
            resp = self._call("GET", "/records", query=[("page", page), ("per_page", PER_PAGE)], what="zone")
            batch = resp.json() or []
            if not isinstance(batch, list):
                raise DNSError("Gandi LiveDNS answered GET /domains/%s/records with %s, not a list of rrsets"
                               % (self._bare, type(batch).__name__))
            items.extend(batch)
            count = resp.headers.get("Total-Count")
            if count is not None and str(count).strip().isdigit():
                total = int(count)
            has_next = 'rel="next"' in (resp.headers.get("Link") or "")
            if total is not None:
                if len(items) >= total or not batch:
                    break
            elif not has_next and len(batch) < PER_PAGE:
                break
            elif not batch:
                break
            page += 1
        if total is not None and len(items) != total:
            raise DNSError("Gandi LiveDNS listed %d rrsets of %s over %d pages but says it holds %d (Total-Count); "
                           "the zone changed during the read or the API paged unexpectedly: nothing was written, "
                           "run again" % (len(items), self._bare, page, total))
        return items

    def read_zone(self):
        rrsets = []
        for item in self._list_rrsets():
            try:
                name = absolute_name(item["rrset_name"], self.zone)
                rrsets.append(rrset_from_provider(name, item["rrset_type"], item["rrset_ttl"], item["rrset_values"],
                                                  origin=self.zone))
            except (RecordError, KeyError, TypeError) as exc:
                raise DNSError("Gandi RRset %r of %s cannot be read: %s"
                               % (item.get("rrset_name") if isinstance(item, dict) else item, self._bare, exc))
        return ZoneData(self.zone, rrsets)

    def export_zone_text(self):
        return self._call("GET", "/records", accept="text/plain", what="zone").text

    def validate_changes(self, changes):
        self.check_types(changes)
        for change in changes:
            if change.action == Change.REPLACE and not MIN_TTL <= change.new.ttl <= MAX_TTL:
                raise DNSUnsupported("Gandi LiveDNS accepts TTLs from %d to %d seconds, not %d (%s %s)"
                                     % (MIN_TTL, MAX_TTL, change.new.ttl, change.name, change.type))

    def _write_rrset(self, change):
        """One RRset: PUT its values (absolute names, TXT quoted) or DELETE it; nothing else is sent."""
        path = "/records/%s/%s" % (relative_name(change.name, self.zone), change.type)
        if change.action == Change.DELETE:
            self._call("DELETE", path, ok=(204, 404))   # 404: already gone, which is what was wanted
        else:
            self._call("PUT", path, body={"rrset_values": list(change.new.values), "rrset_ttl": change.new.ttl},
                       ok=(200, 201))

    def apply_changes(self, changes):
        self.apply_stepwise(changes, self._write_rrset)

    def close(self):
        self.http.close()
