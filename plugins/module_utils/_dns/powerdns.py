# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""PowerDNS Authoritative HTTP API provider: GET the zone, one PATCH (REPLACE/DELETE) per batch,
GET /export for the native zone text. A PATCH is one transaction on the server (atomic).

Checked against PowerDNS's API spec (PowerDNS/pdns docs/http-api/zone.rst, its examples, and the RRSet
definition in docs/http-api/swagger/authoritative-api-swagger.yaml): PATCH answers 204; a DELETE rrset
carries no ttl ("MUST NOT be included") and no records; a REPLACE without ``comments`` leaves the
RRset's comments alone (so none are sent); ``serial`` is never sent; errors are ``{"error": ...}``
with 422 for input validation (docs/markdown/httpapi/api_spec.md). Older servers answer ``422 Could not find domain``
for a zone they do not have (newer ones 404): both mean zone not found.

Types dnspython cannot parse (PowerDNS's LUA and ALIAS) are read as OpaqueRRset: their content is kept
byte for byte, backed up as is, and never part of a change of other types.
"""

from __future__ import annotations

import os

from ansible_collections.mailwave.migrate.plugins.module_utils._dns.provider import (
    Capabilities,
    Change,
    DNSAuthError,
    DNSConnectionError,
    DNSError,
    DNSProvider,
    DNSZoneNotFound,
)
from ansible_collections.mailwave.migrate.plugins.module_utils._dns.records import (
    RecordError,
    ZoneData,
    rrset_from_provider,
)

try:
    import requests
except ImportError:  # pragma: no cover - the modules report the missing library
    requests = None

ARGUMENT_SPEC = dict(
    api_url=dict(type="str"),  # or $PDNS_API_URL
    api_key=dict(type="str", required=True, no_log=True),
    server_id=dict(type="str", default="localhost"),
    validate_certs=dict(type="bool", default=True),
    request_timeout=dict(type="float", default=10.0),
)


class Provider(DNSProvider):
    NAME = "powerdns"
    CAPABILITIES = Capabilities(atomic_batch=True, ttl_per_rrset=True, zone_serial=True,
                                serial_bumps_on_noop=True, native_export=True)

    def __init__(self, zone, params):
        super(Provider, self).__init__(zone, params)
        if requests is None:
            raise DNSError("the powerdns provider needs the Python library requests (pip install requests)")
        base = (params.get("api_url") or os.environ.get("PDNS_API_URL") or "").rstrip("/")
        if not base:
            raise DNSError("provider powerdns needs api_url (or the environment variable PDNS_API_URL), the base URL "
                           "of the PowerDNS webserver such as https://pdns.example.org:8081")
        if base.endswith("/api/v1"):
            base = base[:-len("/api/v1")]
        self.base = base
        self.zone_url = "%s/api/v1/servers/%s/zones/%s" % (base, params.get("server_id") or "localhost", self.zone)
        self.timeout = float(params.get("request_timeout") or 10.0)
        self.session = requests.Session()
        self.session.headers.update({"X-API-Key": params["api_key"], "Accept": "application/json"})
        self.session.verify = bool(params.get("validate_certs", True))
        self._disabled = {}  # (name, type) -> contents of disabled records, from the last read_zone()

    def close(self):
        self.session.close()

    def _request(self, method, url, **kwargs):
        try:
            response = self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.exceptions.SSLError as exc:
            raise DNSConnectionError("TLS error talking to the PowerDNS API at %s: %s (fix the certificate, or set "
                                     "validate_certs=false only for a test server)" % (self.base, exc))
        except requests.exceptions.Timeout:
            raise DNSConnectionError("the PowerDNS API at %s did not answer within %ss" % (self.base, self.timeout))
        except requests.exceptions.RequestException as exc:
            raise DNSConnectionError("cannot reach the PowerDNS API at %s: %s; check api_url and that the "
                                     "webserver/API is enabled" % (self.base, type(exc).__name__))
        if response.status_code in (401, 403):
            raise DNSAuthError("the PowerDNS API at %s refused the API key (HTTP %d): check api_key"
                               % (self.base, response.status_code))
        if response.status_code == 404 or (response.status_code == 422
                                           and "could not find domain" in _error_text(response).lower()):
            raise DNSZoneNotFound("zone %s does not exist on the PowerDNS server %s (HTTP %d): check zone and "
                                  "server_id" % (self.zone, self.base, response.status_code))
        if response.status_code >= 400:
            raise DNSError("the PowerDNS API rejected %s %s (HTTP %d): %s"
                           % (method, url[len(self.base):], response.status_code, _error_text(response)))
        return response

    def read_zone(self):
        data = self._request("GET", self.zone_url, params={"rrsets": "true"}).json()
        rrsets = []
        self._disabled = {}
        for item in data.get("rrsets", []):
            values = [rec["content"] for rec in item.get("records", []) if not rec.get("disabled")]
            disabled = [rec["content"] for rec in item.get("records", []) if rec.get("disabled")]
            if disabled:
                self._disabled[_rrset_key(item["name"], item["type"])] = disabled
            if not values:
                continue
            try:
                rrsets.append(rrset_from_provider(item["name"], item["type"], item["ttl"], values))
            except RecordError as exc:
                raise DNSError("PowerDNS returned a record this module cannot parse: %s" % exc)
        return ZoneData(self.zone, rrsets, serial=data.get("serial"))

    def apply_changes(self, changes):
        self.check_types(changes)
        body = []
        for change in changes:
            # Records an admin disabled are not served, so they are not in our view of the zone; a REPLACE
            # would drop them, so each change carries them over (a deletion keeps them, still disabled).
            kept = set(v.lower() for v in change.new.values) if change.new is not None else set()
            parked = [v for v in self._disabled.get(_rrset_key(change.name, change.type), []) if v.lower() not in kept]
            if change.action == Change.DELETE and not parked:
                body.append({"name": change.name, "type": change.type, "changetype": "DELETE"})
                continue
            ttl = change.new.ttl if change.new is not None else change.old.ttl
            values = change.new.values if change.new is not None else []
            records = [{"content": v, "disabled": False} for v in values]
            records += [{"content": v, "disabled": True} for v in parked]
            body.append({"name": change.name, "type": change.type, "ttl": ttl, "changetype": "REPLACE",
                         "records": records})
        self._request("PATCH", self.zone_url, json={"rrsets": body})

    def export_zone_text(self):
        response = self._request("GET", self.zone_url + "/export", headers={"Accept": "text/plain"})
        return response.text


def _rrset_key(name, rtype):
    return name.lower().rstrip("."), rtype.upper()


def _error_text(response):
    try:
        return str(response.json().get("error", response.text))[:500]
    except ValueError:
        return response.text[:500]
