"""Emulator of the Cloudflare API v4 DNS endpoints (developers.cloudflare.com/api), per-record.

Implemented, as the provider uses it (prefix /client/v4), all JSON answers in Cloudflare's envelope
``{"success", "errors": [{code, message}], "messages", "result"[, "result_info"]}``:
- GET    /zones?name=                         -> zones matching the name (empty list when none)
- GET    /zones/{zone_id}/dns_records?page=&per_page=   -> records, paginated (result_info)
- POST   /zones/{zone_id}/dns_records         -> create one record
- DELETE /zones/{zone_id}/dns_records/{id}    -> {"id": id}
- POST   /zones/{zone_id}/dns_records/batch   {deletes, patches, puts, posts}: one transaction, in the
                                              order deletes, patches, puts, posts; all or nothing
- GET    /zones/{zone_id}/dns_records/export  -> BIND zone file (text/plain, no envelope)
Auth: ``Authorization: Bearer <token>``: no/garbled header or token -> 400 code 6003 with 6111 in its
error_chain; a well-formed unknown token -> 403 code 9109 "Invalid access token"; a token without the
permission -> 403 code 10000 "Authentication error".
Names are FQDNs without the trailing dot; MX keeps ``priority`` apart; SRV, TLSA and CAA use ``data``;
TTL 1 means "automatic".

Where the shapes come from (no code copied):
- Envelope, record fields (id, zone_id, zone_name, proxiable, proxied, locked, meta, created_on,
  modified_on), ``result_info`` {page, per_page, count, total_count, total_pages}, and TXT content kept as
  sent (``"content": "challengetoken"`` answered unquoted): dns-lexicon
  tests/fixtures/cassettes/cloudflare/IntegrationTests/test_provider_when_calling_update_record_should_modify_record.yaml
  @69517251.
- ``comment``, ``tags``, ``settings`` on a record, the batch endpoint {deletes, patches, puts, posts} applied
  in that order in one transaction, PATCH changing only the fields it sends: Cloudflare's API reference,
  https://developers.cloudflare.com/api/resources/dns/subresources/records/ ("Batch DNS Records").
- 9109 for an unknown token at HTTP 403: the answer quoted in issue 8 and in public clients' tests of the
  v4 API (``{"success":false,"errors":[{"code":9109,"message":"Invalid access token"}]}``).
- Rate limit: https://developers.cloudflare.com/fundamentals/api/reference/limits/ (1200 requests per 5
  minutes per user; past it HTTP 429 and a 5-minute block, ``Retry-After``). The error code 971 in
  rate_limited() is the one API users report (unverified against a recorded answer).
"""
from __future__ import annotations

import copy
import re
import uuid

from .base import ApiEmulator, Request, Response
from .zonetext import bind_zone_text, initial_serial, split_txt

TYPES = frozenset({"A", "AAAA", "CAA", "CERT", "CNAME", "DNSKEY", "DS", "HTTPS", "LOC", "MX", "NAPTR", "NS",
                   "PTR", "SMIMEA", "SRV", "SSHFP", "SVCB", "TLSA", "TXT", "URI"})
DATA_TYPES = {"SRV": ("priority", "weight", "port", "target"),
              "TLSA": ("usage", "selector", "matching_type", "certificate"),
              "CAA": ("flags", "tag", "value")}


def envelope(result=None, *, success=True, errors=None, status=200, result_info=None) -> Response:
    body = {"success": success, "errors": errors or [], "messages": [], "result": result}
    if result_info is not None:
        body["result_info"] = result_info
    return Response(status, body)


def rate_limited(retry_after: int) -> Response:
    """Cloudflare's answer past its rate limit (see the module doc for the source)."""
    response = cf_error(429, 971, "Please wait and consider throttling your request speed")
    response.headers["Retry-After"] = str(retry_after)
    return response


def cf_error(status: int, code: int, message: str, chain: list | None = None) -> Response:
    err = {"code": code, "message": message}
    if chain:
        err["error_chain"] = chain
    return envelope(None, success=False, errors=[err], status=status)


class BatchError(Exception):
    def __init__(self, response: Response):
        super().__init__("batch failed")
        self.response = response


class CloudflareEmulator(ApiEmulator):
    prefix = "/client/v4"

    def __init__(self, token: str = "emu-cf-token", per_page_max: int = 5000000) -> None:
        super().__init__()
        self.token = token
        self.per_page_max = per_page_max
        self.zones: dict[str, dict] = {}   # zone id -> {"name", "records": {id: rec}, "serial"}

    # -- seeding and inspection ---------------------------------------------------------------
    def zone_id(self, zone: str) -> str:
        zone = zone.rstrip(".").lower()
        for zid, z in self.zones.items():
            if z["name"] == zone:
                return zid
        raise KeyError(zone)

    def seed(self, zone: str, rrsets: list[dict]) -> str:
        """rrsets in presentation form, as the other emulators; returns the zone id."""
        zone = zone.rstrip(".").lower()
        zid = uuid.uuid5(uuid.NAMESPACE_DNS, zone).hex
        self.zones[zid] = {"name": zone, "records": {}, "serial": initial_serial()}
        for rrset in rrsets:
            name = zone if rrset["name"] in ("@", "") else f"{rrset['name']}.{zone}"
            for value in rrset["values"]:
                rec = self._from_presentation(name, rrset["type"], rrset.get("ttl", 1), value)
                self._store(zid, rec)
        return zid

    def _from_presentation(self, name: str, rtype: str, ttl: int, value: str) -> dict:
        rec = {"type": rtype, "name": name, "ttl": ttl}
        parts = value.split()
        if rtype == "MX":
            rec.update(priority=int(parts[0]), content=parts[1].rstrip("."))
        elif rtype == "SRV":
            rec["data"] = {"priority": int(parts[0]), "weight": int(parts[1]), "port": int(parts[2]),
                           "target": parts[3].rstrip(".")}
        elif rtype == "TLSA":
            rec["data"] = {"usage": int(parts[0]), "selector": int(parts[1]), "matching_type": int(parts[2]),
                           "certificate": "".join(parts[3:])}
        elif rtype in ("CNAME", "NS", "PTR"):
            rec["content"] = value.rstrip(".")
        else:
            rec["content"] = value
        return rec

    @staticmethod
    def presentation(rec: dict) -> str:
        rtype = rec["type"]
        if rtype == "MX":
            return f"{rec['priority']} {rec['content']}."
        if rtype == "SRV":
            d = rec["data"]
            return f"{d['priority']} {d['weight']} {d['port']} {d['target']}."
        if rtype == "TLSA":
            d = rec["data"]
            return f"{d['usage']} {d['selector']} {d['matching_type']} {d['certificate']}"
        if rtype == "CAA":
            d = rec["data"]
            return f'{d["flags"]} {d["tag"]} "{d["value"]}"'
        if rtype in ("CNAME", "NS", "PTR"):
            return rec["content"] + "."
        if rtype == "TXT" and not rec["content"].startswith('"'):
            return split_txt(rec["content"])   # the zone-file form of a TXT stored unquoted
        return rec["content"]

    def rrsets(self, zone: str, live: bool = True) -> dict[tuple[str, str], tuple[int, list[str]]]:
        zid = self.zone_id(zone)
        out: dict[tuple[str, str], tuple[int, list[str]]] = {}
        for rec in self.zones[zid]["records"].values():
            key = (rec["name"] + ".", rec["type"])
            ttl = 300 if rec["ttl"] == 1 else rec["ttl"]
            prev = out.get(key, (ttl, []))
            out[key] = (min(prev[0], ttl), sorted(prev[1] + [self.presentation(rec)]))
        return out

    def export_text(self, zone_id: str) -> str:
        z = self.zones[zone_id]
        lines = []
        for rec in z["records"].values():
            rel = "@" if rec["name"] == z["name"] else rec["name"][: -len(z["name"]) - 1]
            lines.append((rel, 300 if rec["ttl"] == 1 else rec["ttl"], rec["type"], self.presentation(rec)))
        return bind_zone_text(z["name"], z["serial"], lines, default_ttl=3600, primary="ns.cloudflare.com.",
                              hostmaster="dns.cloudflare.com.")

    # -- validation and storage ---------------------------------------------------------------
    def _store(self, zid: str, rec: dict) -> dict:
        rid = uuid.uuid4().hex
        z = self.zones[zid]
        full = {"id": rid, "zone_id": zid, "zone_name": z["name"], "proxiable": False, "proxied": False,
                "locked": False, "meta": {}, "comment": None, "tags": [], "settings": {},
                "created_on": "2026-11-22T00:00:00Z", "modified_on": "2026-11-22T00:00:00Z"}
        full.update(copy.deepcopy(rec))
        full["name"] = full["name"].rstrip(".").lower()
        if full["type"] in DATA_TYPES and "content" not in full:
            full["content"] = self.presentation(full) if full["type"] != "SRV" else \
                "{weight} {port} {target}".format(**full["data"])
            if full["type"] == "SRV":
                full["priority"] = full["data"]["priority"]
        z["records"][rid] = full
        return full

    def _validate(self, zid: str, rec: dict, *, partial: bool = False) -> None:
        z = self.zones[zid]
        if not isinstance(rec, dict):
            raise BatchError(cf_error(400, 9207, "Request body is invalid."))
        rtype = rec.get("type")
        if not partial or rtype is not None:
            if rtype not in TYPES:
                raise BatchError(cf_error(400, 9000, f"DNS record type \"{rtype}\" is invalid."))
        if not partial or "name" in rec:
            name = str(rec.get("name", "")).rstrip(".").lower()
            if name != z["name"] and not name.endswith("." + z["name"]):
                raise BatchError(cf_error(400, 9007, "Content for name is invalid: must be inside the zone."))
        if "ttl" in rec or not partial:
            ttl = rec.get("ttl", 1)
            if not isinstance(ttl, int) or not (ttl == 1 or 30 <= ttl <= 86400):
                raise BatchError(cf_error(400, 9021, "Invalid TTL. Must be between 30 and 86400 seconds, or 1 for "
                                          "Automatic."))
        if partial:
            return
        if rtype in DATA_TYPES:
            data = rec.get("data")
            if not isinstance(data, dict) or set(DATA_TYPES[rtype]) - set(data):
                needed = ", ".join(DATA_TYPES[rtype])
                raise BatchError(cf_error(400, 9101, f"{rtype} record requires data: {needed}"))
        else:
            if not isinstance(rec.get("content"), str) or not rec["content"]:
                raise BatchError(cf_error(400, 9005, "Content for record is invalid."))
            if rtype == "MX" and not isinstance(rec.get("priority"), int):
                raise BatchError(cf_error(400, 9100, "MX records require a priority."))
            if rtype in ("CNAME", "MX", "NS", "PTR") and rec["content"].endswith("."):
                # Cloudflare strips the dot; the emulator is strict so the tests see what is sent.
                raise BatchError(cf_error(400, 9005, "Content for record is invalid: no trailing dot."))
        name = str(rec["name"]).rstrip(".").lower()
        others = [r for r in z["records"].values() if r["name"] == name]
        if rtype == "CNAME" and any(r["type"] != "CNAME" for r in others) or \
                rtype != "CNAME" and any(r["type"] == "CNAME" for r in others):
            raise BatchError(cf_error(400, 81053, "An A, AAAA, or CNAME record with that host already exists."))

    # -- request handling ---------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        path = self.api_path(request)
        if path is None:
            return cf_error(404, 7003, "Could not route to " + request.path + ", perhaps your object identifier "
                                                                              "is invalid?")
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or not re.fullmatch(r"[A-Za-z0-9_-]+", auth[7:]):
            return cf_error(400, 6003, "Invalid request headers",
                            [{"code": 6111, "message": "Invalid format for Authorization header"}])
        if auth[7:] != self.token:
            return cf_error(403, 9109, "Invalid access token")
        if path == "/zones" and request.method == "GET":
            name = (request.arg("name") or "").lower()
            zones = [{"id": zid, "name": z["name"], "status": "active", "paused": False, "type": "full",
                      "name_servers": ["ada.ns.cloudflare.com", "bob.ns.cloudflare.com"]}
                     for zid, z in self.zones.items() if not name or z["name"] == name]
            return envelope(zones, result_info={"page": 1, "per_page": 20, "count": len(zones),
                                                "total_count": len(zones), "total_pages": 1})
        m = re.fullmatch(r"/zones/([^/]+)/dns_records(?:/([^/]+))?", path)
        if not m:
            return cf_error(404, 7003, "Could not route to " + request.path + ", perhaps your object identifier "
                                                                              "is invalid?")
        zid, sub = m.group(1), m.group(2)
        if zid not in self.zones:
            return cf_error(404, 7003, "Could not route to " + request.path + ", perhaps your object identifier "
                                                                              "is invalid?")
        z = self.zones[zid]
        if sub is None:
            if request.method == "GET":
                return self._list(z, request)
            if request.method == "POST":
                try:
                    self._validate(zid, request.json)
                except BatchError as exc:
                    return exc.response
                z["serial"] += 1
                return envelope(self._store(zid, request.json))
        elif sub == "export" and request.method == "GET":
            return Response(200, self.export_text(zid), content_type="text/plain")
        elif sub == "batch" and request.method == "POST":
            return self._batch(zid, request.json)
        else:
            rec = z["records"].get(sub)
            if rec is None:
                return cf_error(404, 81044, "Record does not exist.")
            if request.method == "GET":
                return envelope(rec)
            if request.method == "DELETE":
                del z["records"][sub]
                z["serial"] += 1
                return envelope({"id": sub})
        return cf_error(405, 10405, "Method not allowed for this route")

    def _list(self, z: dict, request: Request) -> Response:
        records = sorted(z["records"].values(), key=lambda r: (r["name"], r["type"], r["content"]))
        for field in ("type", "name"):
            wanted = request.arg(field)
            if wanted:
                records = [r for r in records if r[field] == wanted.rstrip(".").lower()
                           or (field == "type" and r[field] == wanted)]
        try:
            page = int(request.arg("page", "1"))
            per_page = min(int(request.arg("per_page", "100")), self.per_page_max)
        except ValueError:
            return cf_error(400, 1004, "DNS Validation Error")
        chunk = records[(page - 1) * per_page: page * per_page]
        total_pages = max(1, -(-len(records) // per_page))
        return envelope(chunk, result_info={"page": page, "per_page": per_page, "count": len(chunk),
                                            "total_count": len(records), "total_pages": total_pages})

    def _batch(self, zid: str, body) -> Response:
        if not isinstance(body, dict) or set(body) - {"deletes", "patches", "puts", "posts"}:
            return cf_error(400, 9207, "Request body is invalid.")
        z = self.zones[zid]
        saved = copy.deepcopy(z)
        result = {"deletes": [], "patches": [], "puts": [], "posts": []}
        try:
            for item in body.get("deletes") or []:
                rec = z["records"].pop(str((item or {}).get("id")), None)
                if rec is None:
                    raise BatchError(cf_error(404, 81044, "Record does not exist."))
                result["deletes"].append(rec)
            for item in body.get("patches") or []:
                rec = z["records"].get(str((item or {}).get("id")))
                if rec is None:
                    raise BatchError(cf_error(404, 81044, "Record does not exist."))
                patch = {k: v for k, v in item.items() if k != "id"}
                self._validate(zid, patch, partial=True)
                rec.update(patch)
                result["patches"].append(rec)
            for item in body.get("puts") or []:
                rid = str((item or {}).get("id"))
                if rid not in z["records"]:
                    raise BatchError(cf_error(404, 81044, "Record does not exist."))
                new = {k: v for k, v in item.items() if k != "id"}
                del z["records"][rid]
                self._validate(zid, new)
                stored = self._store(zid, new)
                z["records"][rid] = dict(stored, id=rid)
                del z["records"][stored["id"]]
                result["puts"].append(z["records"][rid])
            for item in body.get("posts") or []:
                self._validate(zid, item)
                result["posts"].append(self._store(zid, item))
        except BatchError as exc:
            self.zones[zid] = saved   # one transaction: nothing of a failed batch stays
            return exc.response
        z["serial"] += 1
        return envelope(result)
