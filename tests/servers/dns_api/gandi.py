"""Emulator of Gandi's LiveDNS API v5 (https://api.gandi.net/docs/livedns/), RRset-native.

Implemented, as the provider uses it (prefix /v5/livedns):
- GET    /domains/{fqdn}                               -> domain object (404 when unknown)
- GET    /domains/{fqdn}/records                       -> [{rrset_name, rrset_type, rrset_ttl, rrset_values,
                                                          rrset_href}]; with ``Accept: text/plain`` the zone file
- PUT    /domains/{fqdn}/records                       {"items": [{rrset_name, rrset_type, rrset_ttl, rrset_values}]}
                                                          -> 201: the whole zone replaced in one step
- GET    /domains/{fqdn}/records/{name}/{type}         -> one RRset
- PUT    /domains/{fqdn}/records/{name}/{type}         {rrset_values, rrset_ttl} -> 201 {"message": ...}
- DELETE /domains/{fqdn}/records/{name}/{type}         -> 204
Auth: ``Authorization: Bearer <personal access token>``, or the deprecated ``Authorization: Apikey <key>``
that Gandi still accepts beside PATs; anything else gets 401 (HTTPUnauthorized), a valid token without rights
on the domain 403. Writes are live at once (LiveDNS); the SOA serial moves.

Where the shapes come from (the vendor's documentation; no code copied):
- Pagination: https://api.gandi.net/docs/reference/ section "Pagination": list endpoints take ``page``
  (from 1) and ``per_page``, answer one page, and give the item count in the ``Total-Count`` header and
  ``Link`` (rel="next"/"last"). A request without ``per_page`` gets a default page (DEFAULT_PER_PAGE here:
  the 500 rrsets of the replay in issue 8).
- Auth schemes: https://api.gandi.net/docs/authentication/ (PAT as ``Bearer``; API keys, deprecated,
  as ``Apikey``).
- Error body ``{"code", "message", "object", "cause"}``: https://api.gandi.net/docs/reference/ "Errors".
- Values: https://api.gandi.net/docs/livedns/ rrset_values are zone-file rdata; a name without a final dot
  is relative to the zone (octoDNS's octodns-gandi reads them as ``<value>.<zone>.``); TXT is stored
  unquoted and given back quoted (an unquoted value sent is quoted by LiveDNS).
"""
from __future__ import annotations

import re

from .base import ApiEmulator, Request, Response
from .zonetext import bind_zone_text, fqdn, initial_serial

TYPES = frozenset({"A", "AAAA", "ALIAS", "CAA", "CDS", "CNAME", "DNAME", "DS", "KEY", "LOC", "MX", "NAPTR", "NS",
                   "OPENPGPKEY", "PTR", "RP", "SPF", "SRV", "SSHFP", "TLSA", "TXT", "WKS"})
MIN_TTL, MAX_TTL = 300, 2592000
DEFAULT_PER_PAGE = 500
MAX_PER_PAGE = 1000


def _error(status: int, message: str, cause: str, obj: str) -> Response:
    return Response(status, {"code": status, "message": message, "object": obj, "cause": cause})


class GandiEmulator(ApiEmulator):
    prefix = "/v5/livedns"

    def __init__(self, token: str = "emu-gandi-pat", foreign_token: str = "emu-gandi-other",
                 api_key: str = "emu-gandi-apikey") -> None:
        super().__init__()
        self.token = token
        self.api_key = api_key                  # the deprecated Apikey scheme
        self.send_total_count = True            # knob: False answers pages with the Link header only
        self.foreign_token = foreign_token      # a valid token of another organisation (403 on our zones)
        self.zones: dict[str, dict] = {}        # zone -> {"rrsets": {(name, TYPE): {ttl, values}}, "serial"}

    def seed(self, zone: str, rrsets: list[dict]) -> None:
        zone = zone.rstrip(".").lower()
        data = {}
        for rrset in rrsets:
            data[(rrset["name"] if rrset["name"] not in ("", None) else "@", rrset["type"])] = {
                "ttl": rrset.get("ttl") or 10800, "values": list(rrset["values"])}
        self.zones[zone] = {"rrsets": data, "serial": initial_serial()}

    def rrsets(self, zone: str, live: bool = True) -> dict[tuple[str, str], tuple[int, list[str]]]:
        zone = zone.rstrip(".").lower()
        return {(fqdn(name, zone), rtype): (d["ttl"], sorted(d["values"]))
                for (name, rtype), d in self.zones[zone]["rrsets"].items()}

    def export_text(self, zone: str) -> str:
        state = self.zones[zone.rstrip(".").lower()]
        lines = [(name, d["ttl"], rtype, value) for (name, rtype), d in state["rrsets"].items() for value in d["values"]]
        return bind_zone_text(zone, state["serial"], lines, default_ttl=10800, primary="ns1.gandi.net.",
                              hostmaster="hostmaster.gandi.net.", origin=False)

    def _item(self, zone: str, name: str, rtype: str, d: dict) -> dict:
        return {"rrset_name": name, "rrset_type": rtype, "rrset_ttl": d["ttl"], "rrset_values": list(d["values"]),
                "rrset_href": f"{self.base_url}/domains/{zone}/records/{name}/{rtype}"}

    @staticmethod
    def _check_rrset(rtype, body) -> Response | None:
        if rtype not in TYPES:
            return _error(400, f"Unsupported record type {rtype}", "Bad Request", "HTTPBadRequest")
        if not isinstance(body, dict) or not isinstance(body.get("rrset_values"), list) \
                or not body["rrset_values"] or not all(isinstance(v, str) and v for v in body["rrset_values"]):
            return _error(400, "rrset_values: a non-empty list of strings is required", "Bad Request",
                          "HTTPBadRequest")
        ttl = body.get("rrset_ttl", 10800)
        if not isinstance(ttl, int) or not MIN_TTL <= ttl <= MAX_TTL:
            return _error(400, f"rrset_ttl: must be between {MIN_TTL} and {MAX_TTL}", "Bad Request",
                          "HTTPBadRequest")
        return None

    @staticmethod
    def _stored(rtype: str, values: list[str]) -> list[str]:
        """LiveDNS quotes a TXT value sent unquoted (in 255-byte strings, so that the zone stays valid)."""
        if rtype not in ("TXT", "SPF"):
            return list(values)
        out = []
        for value in values:
            if value.startswith('"'):
                out.append(value)
                continue
            data = value.replace("\\", "\\\\").replace('"', '\\"')
            out.append(" ".join('"%s"' % data[i:i + 255] for i in range(0, max(len(data), 1), 255)))
        return out

    def _put_zone(self, state, body) -> Response:
        items = body.get("items") if isinstance(body, dict) else None
        if not isinstance(items, list):
            return _error(400, "items: a list of rrsets is required", "Bad Request", "HTTPBadRequest")
        new = {}
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("rrset_name"), str):
                return _error(400, "items: every rrset needs rrset_name", "Bad Request", "HTTPBadRequest")
            bad = self._check_rrset(item.get("rrset_type"), item)
            if bad:
                return bad
            key = (item["rrset_name"], item["rrset_type"])
            if key in new:
                return _error(409, "duplicate rrset %s/%s" % key, "Conflict", "HTTPConflict")
            new[key] = {"ttl": item.get("rrset_ttl", 10800),
                        "values": self._stored(item["rrset_type"], item["rrset_values"])}
        state["rrsets"] = new   # all or nothing: validated before anything changes
        state["serial"] += 1
        return Response(201, {"message": "Domain Updated"})

    def _page(self, request: Request, path: str, items: list) -> Response:
        """One page of a list, with Total-Count and Link headers (see the module doc for the source)."""
        try:
            page = max(1, int(request.arg("page", "1")))
            per_page = min(MAX_PER_PAGE, max(1, int(request.arg("per_page", str(DEFAULT_PER_PAGE)))))
        except ValueError:
            return _error(400, "page and per_page must be integers", "Bad Request", "HTTPBadRequest")
        last = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page:page * per_page]
        url = f"{self.base_url}{path}"
        links = []
        if page < last:
            links.append(f'<{url}?page={page + 1}&per_page={per_page}>; rel="next"')
        links.append(f'<{url}?page={last}&per_page={per_page}>; rel="last"')
        headers = {"Link": ", ".join(links)}
        if self.send_total_count:
            headers["Total-Count"] = str(len(items))
        return Response(200, chunk, headers=headers)

    def handle(self, request: Request) -> Response:
        path = self.api_path(request)
        if path is None:
            return _error(404, "The resource could not be found.", "Not Found", "HTTPNotFound")
        auth = request.headers.get("authorization", "")
        if auth not in (f"Bearer {self.token}", f"Bearer {self.foreign_token}", f"Apikey {self.api_key}"):
            return _error(401, "The server could not verify that you are authorized to access the document "
                               "requested.", "Unauthorized", "HTTPUnauthorized")
        m = re.fullmatch(r"/domains/([^/]+)(/records(?:/([^/]+)(?:/([^/]+))?)?)?", path)
        if not m:
            return _error(404, "The resource could not be found.", "Not Found", "HTTPNotFound")
        zone, records, name, rtype = m.group(1).lower(), m.group(2), m.group(3), m.group(4)
        if zone not in self.zones:
            return _error(404, "The resource could not be found.", "Not Found", "HTTPNotFound")
        if auth == f"Bearer {self.foreign_token}":
            return _error(403, "Access was denied to this resource.", "Forbidden", "HTTPForbidden")
        state = self.zones[zone]
        if not records:
            if request.method == "GET":
                return Response(200, {"fqdn": zone, "automatic_snapshots": True,
                                      "domain_records_href": f"{self.base_url}/domains/{zone}/records"})
            return _error(405, "The method is not allowed for the requested URL.", "Method Not Allowed",
                          "HTTPMethodNotAllowed")
        if name is None and request.method == "PUT":
            return self._put_zone(state, request.json)
        if name is None:
            if request.method != "GET":
                return _error(405, "The method is not allowed for the requested URL.", "Method Not Allowed",
                              "HTTPMethodNotAllowed")
            if "text/plain" in request.headers.get("accept", ""):
                return Response(200, self.export_text(zone), content_type="text/plain")
            items = [self._item(zone, n, t, d) for (n, t), d in sorted(state["rrsets"].items())]
            return self._page(request, path, items)
        if rtype is None:
            if request.method == "GET":
                return Response(200, [self._item(zone, n, t, d) for (n, t), d in sorted(state["rrsets"].items())
                                      if n == name])
            return _error(405, "The method is not allowed for the requested URL.", "Method Not Allowed",
                          "HTTPMethodNotAllowed")
        key = (name, rtype)
        if request.method == "GET":
            if key not in state["rrsets"]:
                return _error(404, "Can't find the DNS record %s in the zone" % name, "Not Found", "dns-record")
            return Response(200, self._item(zone, name, rtype, state["rrsets"][key]))
        if request.method == "DELETE":
            if key not in state["rrsets"]:
                return _error(404, "Can't find the DNS record %s in the zone" % name, "Not Found", "dns-record")
            del state["rrsets"][key]
            state["serial"] += 1
            return Response(204, None)
        if request.method == "PUT":
            bad = self._check_rrset(rtype, request.json)
            if bad:
                return bad
            body = request.json
            state["rrsets"][key] = {"ttl": body.get("rrset_ttl", 10800),
                                    "values": self._stored(rtype, body["rrset_values"])}
            state["serial"] += 1
            return Response(201, {"message": "DNS Record Created"})
        return _error(405, "The method is not allowed for the requested URL.", "Method Not Allowed",
                      "HTTPMethodNotAllowed")
