"""Emulator of the OVHcloud API v1 (/1.0) for DNS zones, from OVH's published API documentation.

What it implements, as the providers use it:
- GET  /auth/time                                  -> server time (unsigned)
- GET  /domain/zone/{zone}                         -> zone object (404 Client::NotFound when unknown)
- GET  /domain/zone/{zone}/soa                     -> {email, expire, nxDomainTtl, refresh, serial, server, ttl}
- GET  /domain/zone/{zone}/record?fieldType=&subDomain=  -> list of record ids
- GET  /domain/zone/{zone}/record/{id}             -> {id, zone, subDomain, fieldType, target, ttl}
- POST /domain/zone/{zone}/record                  {fieldType, subDomain, target, ttl} -> record
- PUT  /domain/zone/{zone}/record/{id}             {subDomain?, target?, ttl?} -> null
- DELETE /domain/zone/{zone}/record/{id}           -> null
- POST /domain/zone/{zone}/refresh                 -> null: staged records become live
- GET  /domain/zone/{zone}/export                  -> the zone file, as a JSON string

Every call but /auth/time must carry X-Ovh-Application, X-Ovh-Consumer, X-Ovh-Timestamp and
X-Ovh-Signature = "$1$" + sha1_hex(AS+"+"+CK+"+"+METHOD+"+"+FULL_URL+"+"+BODY+"+"+TIMESTAMP); a wrong
one is rejected the way OVH does (JSON {errorCode, httpCode, message}). Writes change the *staged*
zone that the API reads; `live_rrsets()` (what the authoritative servers would answer) only changes on
POST .../refresh.

Recorded shapes it follows (sources named; no code copied):
- TXT quoting: OVH stores the target as sent (unquoted) and answers it quoted, one string whatever its
  length: dns-lexicon tests/fixtures/cassettes/ovh/IntegrationTests/
  test_provider_when_calling_create_record_for_TXT_with_valid_name_and_content.yaml @fbe756ce (POST
  ``"target": "challengetoken"`` -> ``"target": "\"challengetoken\""``); the unsplit answer for long
  DKIM values is what DNSControl PR #1290 compared against.
- DKIM rule: a TXT/DKIM target holding ``v=DKIM1`` sent as quoted strings is refused with HTTP 400
  ``Invalid subfield found in DKIM : "v=DKIM1`` (DNSControl issues #1235 and #1640, the OVH API's message).
- Error body ``{"class": "Client::...", "message": ...}`` and ``{errorCode, httpCode, message}`` for auth
  errors, ``X-Ovh-QueryID`` header: go-ovh ovh/error.go @3af24308 (APIError: Class, Message, Details,
  Code, QueryID; printed as ``Error 400: "<message>"``, the form of DNSControl's reports above) and the
  OVH API console (https://eu.api.ovh.com/console/). dns-lexicon's cassette
  test_provider_authenticate_with_unmanaged_domain_should_fail.yaml @3d7e87c3 records the 404 of an
  unknown zone (with an ``X-OVH-QUERYID`` header).
- Record ids: OVH's record ids are large integers (5420906915 in the cassette above).
"""
from __future__ import annotations

import copy
import hashlib
import itertools
import re
import time

from .base import ApiEmulator, Request, Response
from .zonetext import bind_zone_text, fqdn, initial_serial

FIELD_TYPES = frozenset({"A", "AAAA", "CAA", "CNAME", "DKIM", "DMARC", "DNAME", "LOC", "MX", "NAPTR", "NS",
                         "PTR", "SPF", "SRV", "SSHFP", "TLSA", "TXT"})
ZONE_DEFAULT_TTL = 3600


def ovh_signature(secret: str, consumer: str, method: str, url: str, body: str, timestamp: str) -> str:
    return "$1$" + hashlib.sha1("+".join([secret, consumer, method, url, body, timestamp]).encode("utf-8")).hexdigest()


def _error(status: int, reason: str, message: str, code: str | None = None, klass: str | None = None) -> Response:
    body = {"message": message}
    if code:
        body.update({"errorCode": code, "httpCode": f"{status} {reason}"})
    if klass:
        body["class"] = klass
    return Response(status, body, headers={"X-Ovh-QueryID": "EU.emulator-" + str(int(time.time() * 1000))})


class OvhEmulator(ApiEmulator):
    prefix = "/1.0"

    def __init__(self, application_key="emu-ak", application_secret="emu-as", consumer_key="emu-ck",
                 time_skew: int = 0) -> None:
        super().__init__()
        self.application_key = application_key
        self.application_secret = application_secret
        self.consumer_key = consumer_key
        self.time_skew = time_skew          # server clock minus real clock, to test the /auth/time delta
        self.zones: dict[str, dict] = {}    # zone -> {"records": {id: rec}, "live": {id: rec}, "serial": n}
        self._ids = itertools.count(5000001)
        self.refresh_count = 0
        self.id_zero_once = False           # knob: the next POST answers id=0 (a known OVH API quirk)

    # -- seeding and inspection ---------------------------------------------------------------
    def seed(self, zone: str, rrsets: list[dict]) -> None:
        """rrsets: [{name ('@' or relative), type, ttl, values: [presentation rdata]}]; live at once."""
        zone = zone.rstrip(".").lower()
        records = {}
        for rrset in rrsets:
            sub = "" if rrset["name"] in ("@", "") else rrset["name"]
            for value in rrset["values"]:
                rid = next(self._ids)
                records[rid] = {"id": rid, "zone": zone, "subDomain": sub, "fieldType": rrset["type"],
                                "target": value, "ttl": rrset.get("ttl", 0)}
        self.zones[zone] = {"records": records, "live": copy.deepcopy(records), "serial": initial_serial()}

    @staticmethod
    def answered(rec: dict) -> dict:
        """A record as the API answers it: a TXT-like target quoted by OVH if stored unquoted."""
        if rec["fieldType"] in ("TXT", "SPF", "DKIM", "DMARC") and not rec["target"].startswith('"'):
            return dict(rec, target='"%s"' % rec["target"])
        return rec

    def rrsets(self, zone: str, live: bool = True) -> dict[tuple[str, str], tuple[int, list[str]]]:
        """{(fqdn, TYPE): (ttl, sorted values)}: the live (refreshed) or the staged zone."""
        zone = zone.rstrip(".").lower()
        data = self.zones[zone]["live" if live else "records"]
        out: dict[tuple[str, str], tuple[int, list[str]]] = {}
        for rec in data.values():
            key = (fqdn(rec["subDomain"], zone), rec["fieldType"])
            ttl = rec["ttl"] or ZONE_DEFAULT_TTL
            prev = out.get(key, (ttl, []))
            out[key] = (min(prev[0], ttl), sorted(prev[1] + [self.answered(rec)["target"]]))
        return out

    def export_text(self, zone: str, live: bool = False) -> str:
        zone = zone.rstrip(".").lower()
        state = self.zones[zone]
        lines = [(rec["subDomain"] or "@", rec["ttl"] or None, rec["fieldType"], self.answered(rec)["target"])
                 for rec in state["live" if live else "records"].values()]
        return bind_zone_text(zone, state["serial"], lines, default_ttl=ZONE_DEFAULT_TTL,
                              primary="dns200.anycast.me.", hostmaster="tech.ovh.net.", origin=False)

    def refreshes(self, zone: str) -> list[Request]:
        return [r for r in self.requests if r.method == "POST" and r.path == f"{self.prefix}/domain/zone/{zone}/refresh"]

    # -- request handling ---------------------------------------------------------------------
    def _check_signature(self, request: Request) -> Response | None:
        h = request.headers
        if not h.get("x-ovh-application"):
            return _error(403, "Forbidden", "This call has not been granted", "NOT_GRANTED_CALL")
        if h["x-ovh-application"] != self.application_key:
            return _error(403, "Forbidden", "Invalid application key", "INVALID_KEY")
        if h.get("x-ovh-consumer") != self.consumer_key:
            return _error(403, "Forbidden", "This credential does not exist", "INVALID_CREDENTIAL")
        stamp = h.get("x-ovh-timestamp", "")
        if not stamp.isdigit() or abs(int(stamp) - (int(time.time()) + self.time_skew)) > 180:
            return _error(400, "Bad Request", "Query out of time", "QUERY_TIME_OUT")
        url = self.base_url[: -len(self.prefix)] + request.raw_path
        expected = ovh_signature(self.application_secret, self.consumer_key, request.method, url,
                                 request.body.decode("utf-8"), stamp)
        if h.get("x-ovh-signature") != expected:
            return _error(400, "Bad Request", "Invalid signature", "INVALID_SIGNATURE")
        return None

    def handle(self, request: Request) -> Response:
        path = self.api_path(request)
        if path is None:
            return _error(404, "Not Found", "Got an invalid (or empty) URL")
        if path == "/auth/time" and request.method == "GET":
            return Response(200, int(time.time()) + self.time_skew)
        denied = self._check_signature(request)
        if denied:
            return denied
        m = re.fullmatch(r"/domain/zone/([^/]+)(/.*)?", path)
        if not m:
            return _error(404, "Not Found", "Got an invalid (or empty) URL")
        zone, rest = m.group(1).lower(), m.group(2) or ""
        if zone not in self.zones:
            return _error(404, "Not Found", "This service does not exist", klass="Client::NotFound")
        state = self.zones[zone]
        if rest == "" and request.method == "GET":
            return Response(200, {"name": zone, "hasDnsAnycast": False, "dnssecSupported": True,
                                  "nameServers": ["dns200.anycast.me", "ns200.anycast.me"]})
        if rest == "/soa" and request.method == "GET":
            return Response(200, {"email": "tech@ovh.net", "expire": 3600000, "nxDomainTtl": 300,
                                  "refresh": 86400, "serial": state["serial"], "server": "dns200.anycast.me",
                                  "ttl": ZONE_DEFAULT_TTL})
        if rest == "/refresh" and request.method == "POST":
            state["live"] = copy.deepcopy(state["records"])
            state["serial"] += 1
            self.refresh_count += 1
            return Response(200, None)
        if rest == "/export" and request.method == "GET":
            return Response(200, self.export_text(zone))
        if rest == "/record":
            if request.method == "GET":
                ftype, sub = request.arg("fieldType"), request.arg("subDomain")
                ids = [rid for rid, rec in state["records"].items()
                       if (ftype is None or rec["fieldType"] == ftype)
                       and (sub is None or rec["subDomain"] == sub.lower())]
                return Response(200, sorted(ids))
            if request.method == "POST":
                return self._create(zone, state, request)
        m = re.fullmatch(r"/record/(\d+)", rest)
        if m:
            rid = int(m.group(1))
            rec = state["records"].get(rid)
            if rec is None:
                return _error(404, "Not Found", f"The requested object (id = {rid}) does not exist",
                              klass="Client::NotFound")
            if request.method == "GET":
                return Response(200, self.answered(rec))
            if request.method == "DELETE":
                del state["records"][rid]
                return Response(200, None)
            if request.method == "PUT":
                body = request.json
                if not isinstance(body, dict) or set(body) - {"subDomain", "target", "ttl"}:
                    return _error(400, "Bad Request", "Invalid body", klass="Client::BadRequest")
                bad = self._validate(body.get("subDomain", rec["subDomain"]), rec["fieldType"],
                                     body.get("target", rec["target"]), body.get("ttl", rec["ttl"]))
                if bad:
                    return bad
                rec.update(body)
                rec["subDomain"] = rec["subDomain"].lower()
                return Response(200, None)
        return _error(404, "Not Found", "Got an invalid (or empty) URL", klass="Client::NotFound")

    def _validate(self, sub, ftype, target, ttl) -> Response | None:
        if ftype not in FIELD_TYPES:
            return _error(400, "Bad Request", f"Invalid value for fieldType: {ftype}", klass="Client::BadRequest")
        if not isinstance(sub, str) or not isinstance(target, str) or not target.strip():
            return _error(400, "Bad Request", "Invalid subDomain or target", klass="Client::BadRequest")
        if not isinstance(ttl, int) or (ttl != 0 and ttl < 60):
            return _error(400, "Bad Request", "Invalid TTL: must be 0 or at least 60", klass="Client::BadRequest")
        if ftype in ("TXT", "DKIM") and "v=DKIM1" in target and '"' in target:
            # OVH parses DKIM content in TXT and DKIM records and refuses quoted strings inside it.
            return _error(400, "Bad Request", 'Invalid subfield found in DKIM : "v=DKIM1', klass="Client::BadRequest")
        return None

    def _create(self, zone: str, state: dict, request: Request) -> Response:
        body = request.json
        if not isinstance(body, dict) or "fieldType" not in body or "target" not in body:
            return _error(400, "Bad Request", "Missing parameter(s): fieldType, target", klass="Client::BadRequest")
        sub, ttl = body.get("subDomain", ""), body.get("ttl", 0)
        bad = self._validate(sub, body["fieldType"], body["target"], ttl)
        if bad:
            return bad
        rid = next(self._ids)
        rec = {"id": rid, "zone": zone, "subDomain": sub.lower(), "fieldType": body["fieldType"],
               "target": body["target"], "ttl": ttl}
        for other in state["records"].values():
            if all(other[k] == rec[k] for k in ("subDomain", "fieldType", "target")):
                return _error(409, "Conflict", "This record already exists", klass="Client::Conflict")
        state["records"][rid] = rec
        if self.id_zero_once:
            self.id_zero_once = False
            return Response(200, dict(rec, id=0))
        return Response(200, rec)
