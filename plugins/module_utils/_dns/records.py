# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""The RRset model shared by every DNS provider, and its normalisation rules.

Conventions (also in docs/dns.md):

* Owner names are kept absolute, lower case, with the trailing dot (``www.example.test.``).
  User input ``record`` is relative to the zone unless it ends with a dot, or already ends
  with the zone name (``www.example.test`` is ``www.example.test.``); ``@`` or ``""`` is the apex.
* Domain names INSIDE values (MX exchange, CNAME target, SRV target, NS...) are absolute even
  without the trailing dot: ``10 mx1.example.net`` means ``mx1.example.net.``.
* TXT/SPF: a value that does not start with a double quote is ONE logical string, stored as
  character-strings of at most 255 bytes (a 2048-bit DKIM key needs that); a value that starts
  with ``"`` is zone-file syntax (``"part 1" "part 2"``). Two TXT values are the same when their
  strings, joined, are the same bytes: that is what resolvers and DKIM verifiers see.
* Other values are compared on their canonical wire form (case of names ignored, ``10 MX1.X.``
  equals ``10 mx1.x.``, ``2001:DB8::1`` equals ``2001:db8:0::1``).
* An RRset has one TTL (RFC 2181 5.2).
"""

from __future__ import annotations

import hashlib
import json

try:
    import dns.exception
    import dns.name
    import dns.rdata
    import dns.rdataclass
    import dns.rdataset
    import dns.rdatatype
    import dns.rdtypes.ANY.TXT
    import dns.zone
    HAS_DNSPYTHON = True
    DNSPYTHON_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by the modules
    HAS_DNSPYTHON = False
    DNSPYTHON_IMPORT_ERROR = exc

TXT_TYPES = ("TXT", "SPF")
TXT_CHUNK = 255

# The types the modules accept in `type` (what a mail migration needs, and a few neighbours).
RECORD_TYPES = ("A", "AAAA", "CAA", "CNAME", "DNAME", "DS", "MX", "NAPTR", "NS", "PTR", "SPF", "SRV",
                "SSHFP", "TLSA", "TXT")


class RecordError(ValueError):
    """Bad record input: the message says what is wrong and is safe to show."""


def normalize_zone(zone):
    """'Example.TEST' -> 'example.test.'"""
    if not zone or not str(zone).strip(".").strip():
        raise RecordError("zone must be a domain name such as example.org")
    try:
        return dns.name.from_text(str(zone).strip().rstrip(".") + ".").to_text().lower()
    except dns.exception.DNSException as exc:
        raise RecordError("zone %r is not a valid domain name: %s" % (zone, exc))


def absolute_name(record, zone):
    """The absolute owner name (lower case, trailing dot) of `record` in `zone`; see the module doc."""
    zone = normalize_zone(zone)
    rec = (record or "").strip()
    if rec in ("", "@"):
        name = zone
    elif rec.endswith("."):
        name = rec
    else:
        low = rec.lower()
        bare_zone = zone[:-1]
        if low == bare_zone or low.endswith("." + bare_zone):
            name = rec + "."
        else:
            name = rec + "." + zone
    try:
        name = dns.name.from_text(name).to_text().lower()
    except dns.exception.DNSException as exc:
        raise RecordError("record %r is not a valid name: %s" % (record, exc))
    if name != zone and not name.endswith("." + zone):
        raise RecordError("record %r (%s) is not inside zone %s" % (record, name, zone))
    return name


def relative_name(name, zone):
    """'www.example.test.' in 'example.test.' -> 'www'; the apex -> '@'."""
    zone = normalize_zone(zone)
    name = name.lower()
    if name == zone:
        return "@"
    if name.endswith("." + zone):
        return name[:-len(zone) - 1]
    return name


def is_known_type(rtype):
    """True when dnspython can parse the type's rdata (False for LUA, ALIAS and other vendor types)."""
    try:
        dns.rdatatype.from_text(str(rtype or "").strip().upper())
        return True
    except dns.exception.DNSException:
        return False


def normalize_type(rtype):
    rtype = str(rtype or "").strip().upper()
    try:
        dns.rdatatype.from_text(rtype)
    except dns.exception.DNSException:
        raise RecordError("unknown record type %r" % rtype)
    return rtype


def split_txt(value):
    """A logical TXT string -> list of byte chunks of at most 255 bytes (UTF-8)."""
    data = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    if not data:
        return [b""]
    return [data[i:i + TXT_CHUNK] for i in range(0, len(data), TXT_CHUNK)]


def _unquote_txt(text):
    """Zone-file TXT text (one or more quoted strings, any length) -> the joined bytes, or None if the
    text is not only quoted strings. Providers (OVH, Gandi) give back values such as one quoted string
    of 400 bytes, which is not valid zone-file syntax but means exactly its joined content."""
    out, pos, text = bytearray(), 0, text.strip()
    while pos < len(text):
        if text[pos] != '"':
            return None
        pos += 1
        while True:
            if pos >= len(text):
                return None
            char = text[pos]
            if char == '"':
                pos += 1
                break
            if char == "\\" and pos + 1 < len(text):
                if text[pos + 1:pos + 4].isdigit() and len(text[pos + 1:pos + 4]) == 3:
                    out.append(int(text[pos + 1:pos + 4]) & 0xFF)
                    pos += 4
                    continue
                char = text[pos + 1]
                pos += 1
            out.extend(char.encode("utf-8"))
            pos += 1
        while pos < len(text) and text[pos] in " \t":
            pos += 1
    return bytes(out)


def txt_logical(rd):
    """A TXT rdata -> its one logical string (the joined character-strings), as text."""
    return b"".join(rd.strings).decode("utf-8", "replace")


def parse_value(rtype, value, origin=None):
    """One value given by a user (or a provider) -> dns.rdata.Rdata. Raises RecordError.

    origin: the zone that names without a final dot are relative to (Gandi's convention); by default
    they are absolute (``10 mx1.example.net`` is ``mx1.example.net.``), as users write them.
    """
    rtype = normalize_type(rtype)
    rdtype = dns.rdatatype.from_text(rtype)
    text = str(value)
    try:
        if rtype in TXT_TYPES and not text.lstrip().startswith('"'):
            return dns.rdtypes.ANY.TXT.TXT(dns.rdataclass.IN, rdtype, split_txt(text))
        if rtype in TXT_TYPES:
            try:
                return dns.rdata.from_text(dns.rdataclass.IN, rdtype, text.strip(), origin=dns.name.root)
            except (dns.exception.DNSException, ValueError):
                joined = _unquote_txt(text)
                if joined is None:
                    raise
                return dns.rdtypes.ANY.TXT.TXT(dns.rdataclass.IN, rdtype, split_txt(joined))
        base = dns.name.root if origin is None else dns.name.from_text(normalize_zone(origin))
        return dns.rdata.from_text(dns.rdataclass.IN, rdtype, text.strip(), origin=base, relativize=False)
    except (dns.exception.DNSException, ValueError, TypeError) as exc:
        raise RecordError("value %r is not a valid %s record: %s" % (text, rtype, exc))


def rdata_key(rd):
    """What makes two rdatas of one type equal: joined strings for TXT, canonical wire form otherwise."""
    if dns.rdatatype.to_text(rd.rdtype) in TXT_TYPES:
        return b"".join(rd.strings)
    return rd.to_digestable(dns.name.root)


def rdata_text(rd):
    """Zone-file text of an rdata with absolute names (TXT quoted and split as stored)."""
    return rd.to_text(origin=None, relativize=False)


def txt_joined(value_text):
    """For display: the joined text of a TXT value given in zone-file syntax."""
    rd = parse_value("TXT", value_text)
    return b"".join(rd.strings).decode("utf-8", "replace")


class RRset:
    """One RRset: absolute owner name, type, TTL, rdatas. Immutable by convention.

    ``values`` are the zone-file texts (names absolute, TXT as quoted 255-byte strings), sorted
    by their comparison key so that two equal RRsets list their values in the same order.
    """

    __slots__ = ("name", "type", "ttl", "rdatas", "values", "_keys")

    def __init__(self, name, rtype, ttl, rdatas):
        self.name = name.lower() if name.endswith(".") else name.lower() + "."
        self.type = normalize_type(rtype)
        self.ttl = int(ttl)
        uniq = {}
        for rd in rdatas:
            uniq.setdefault(rdata_key(rd), rd)
        ordered = sorted(uniq.items(), key=lambda kv: kv[0])
        self.rdatas = tuple(rd for _k, rd in ordered)
        self._keys = frozenset(uniq)
        self.values = tuple(rdata_text(rd) for rd in self.rdatas)

    @classmethod
    def from_values(cls, name, rtype, ttl, values, origin=None):
        """From an absolute name and user/provider values (see parse_value for origin)."""
        rtype = normalize_type(rtype)
        if ttl is None or int(ttl) < 0 or int(ttl) > 2147483647:
            raise RecordError("ttl must be between 0 and 2147483647 seconds, not %r" % (ttl,))
        if isinstance(values, (str, bytes)):
            values = [values]
        rds = [parse_value(rtype, v, origin=origin) for v in values]
        if not rds:
            raise RecordError("an RRset needs at least one value (%s %s)" % (name, rtype))
        if rtype == "CNAME" and len(rds) > 1:
            raise RecordError("a CNAME RRset has exactly one value (%s)" % name)
        return cls(name, rtype, ttl, rds)

    @classmethod
    def from_rdataset(cls, name, rdataset):
        return cls(name.to_text() if hasattr(name, "to_text") else str(name),
                   dns.rdatatype.to_text(rdataset.rdtype), rdataset.ttl, list(rdataset))

    @property
    def key(self):
        return (self.name, self.type)

    @property
    def value_keys(self):
        return self._keys

    def same_values(self, other):
        return other is not None and self._keys == other.value_keys

    def __eq__(self, other):
        if not isinstance(other, RRset):
            return NotImplemented
        return self.key == other.key and self.ttl == other.ttl and self._keys == other.value_keys

    def __ne__(self, other):
        res = self.__eq__(other)
        return res if res is NotImplemented else not res

    def __hash__(self):
        return hash((self.key, self.ttl, self._keys))

    def __repr__(self):
        return "RRset(%s %s %d %r)" % (self.name, self.type, self.ttl, list(self.values))

    def with_ttl(self, ttl):
        return RRset(self.name, self.type, ttl, self.rdatas)

    def to_rdataset(self):
        rds = dns.rdataset.Rdataset(dns.rdataclass.IN, dns.rdatatype.from_text(self.type))
        for rd in self.rdatas:
            rds.add(rd, self.ttl)
        return rds

    def to_dict(self, zone=None):
        """For results and diffs: record (absolute), relative name if zone given, type, ttl, value."""
        data = {"record": self.name, "type": self.type, "ttl": self.ttl, "value": list(self.values)}
        if zone:
            data["name"] = relative_name(self.name, zone)
        return data

    def to_lines(self):
        """Zone-file lines (absolute names), one per value: for diffs and checksums."""
        return ["%s %d IN %s %s" % (self.name, self.ttl, self.type, v) for v in self.values]


class OpaqueRRset:
    """An RRset of a type this collection cannot parse (PowerDNS LUA, ALIAS...): carried through untouched.

    Its values are the provider's content strings, byte for byte; it is backed up as such (OPAQUE_PREFIX
    comment lines: a name server reading the backup skips them), compared on those bytes, never written
    by a change of other types, and never deleted by a restore (only restored by a whole-zone restore to
    the provider it came from).
    """

    __slots__ = ("name", "type", "ttl", "values", "_keys")
    opaque = True
    rdatas = ()

    def __init__(self, name, rtype, ttl, values):
        self.name = name.lower() if name.endswith(".") else name.lower() + "."
        self.type = str(rtype).strip().upper()
        self.ttl = int(ttl)
        self.values = tuple(sorted(set(str(v) for v in values)))
        self._keys = frozenset(v.encode("utf-8") for v in self.values)

    key = RRset.key
    value_keys = RRset.value_keys
    same_values = RRset.same_values
    to_dict = RRset.to_dict
    to_lines = RRset.to_lines

    def __eq__(self, other):
        if not isinstance(other, OpaqueRRset):
            return NotImplemented if not isinstance(other, RRset) else False
        return self.key == other.key and self.ttl == other.ttl and self._keys == other.value_keys

    def __ne__(self, other):
        res = self.__eq__(other)
        return res if res is NotImplemented else not res

    def __hash__(self):
        return hash((self.key, self.ttl, self._keys))

    def __repr__(self):
        return "OpaqueRRset(%s %s %d %r)" % (self.name, self.type, self.ttl, list(self.values))

    def with_ttl(self, ttl):
        return OpaqueRRset(self.name, self.type, ttl, self.values)


RRset.opaque = False
OPAQUE_PREFIX = "; mailwave-opaque: "


def rrset_from_provider(name, rtype, ttl, values, origin=None):
    """A provider's RRset: parsed when the type is known, else carried as an OpaqueRRset."""
    if not is_known_type(rtype):
        if isinstance(values, (str, bytes)):
            values = [values]
        if not values:
            raise RecordError("an RRset needs at least one value (%s %s)" % (name, rtype))
        return OpaqueRRset(name, rtype, ttl, values)
    return RRset.from_values(name, rtype, ttl, values, origin=origin)


class ZoneData:
    """A zone as read from a provider: absolute name, SOA serial (or None), RRsets (SOA included)."""

    def __init__(self, name, rrsets, serial=None):
        self.name = normalize_zone(name)
        self.rrsets = sorted(rrsets, key=sort_key)
        self.serial = serial
        if self.serial is None:
            soa = self.get(self.name, "SOA")
            if soa is not None and soa.rdatas:
                self.serial = soa.rdatas[0].serial

    def index(self):
        return dict((r.key, r) for r in self.rrsets)

    def get(self, name, rtype):
        for rr in self.rrsets:
            if rr.name == name and rr.type == rtype:
                return rr
        return None

    def content_lines(self):
        """Every record as a canonical line, the SOA with serial 0 (so the checksum ignores the serial)."""
        lines = []
        for rr in self.rrsets:
            if rr.type == "SOA":
                rr = RRset(rr.name, "SOA", rr.ttl, [rd.replace(serial=0) for rd in rr.rdatas])
            if rr.opaque:
                lines.extend("%s %d IN %s %s" % (rr.name, rr.ttl, rr.type, json.dumps(v)) for v in rr.values)
            else:
                lines.extend(rr.to_lines())
        return lines

    def checksum(self):
        """SHA-256 of the record content (serial excluded): equal for equal zones."""
        return hashlib.sha256("\n".join(self.content_lines()).encode("utf-8")).hexdigest()

    def to_text(self):
        """The zone in BIND format ($ORIGIN, relative names, sorted)."""
        zone = dns.zone.Zone(dns.name.from_text(self.name), relativize=True)
        origin = zone.origin
        opaque = []
        for rr in self.rrsets:
            if rr.opaque:
                opaque.extend("%s%s %d %s %s" % (OPAQUE_PREFIX, rr.name, rr.ttl, rr.type, json.dumps(v))
                              for v in rr.values)
                continue
            node_name = dns.name.from_text(rr.name).relativize(origin)
            rds = rr.to_rdataset()
            zone.replace_rdataset(node_name, rds)
        text = zone.to_text(sorted=True, relativize=True, want_origin=True)
        if opaque:
            text += "; Records of types a name server may not know, kept byte for byte (content as JSON):\n"
            text += "\n".join(opaque) + "\n"
        return text


def sort_key(rr):
    """Apex first, SOA first, then by name labels right to left, then type."""
    labels = tuple(reversed(rr.name.rstrip(".").split(".")))
    return (len(labels), labels, 0 if rr.type == "SOA" else 1 if rr.type == "NS" else 2, rr.type)


def zone_from_text(text, zone):
    """Parse BIND zone text (a backup, a provider export) -> ZoneData. Raises RecordError."""
    origin = normalize_zone(zone)
    try:
        parsed = dns.zone.from_text(text, origin=origin, relativize=False, check_origin=False)
    except (dns.exception.DNSException, ValueError) as exc:
        raise RecordError("cannot parse the zone text for %s: %s" % (origin, exc))
    rrsets = []
    for name, node in parsed.nodes.items():
        for rds in node.rdatasets:
            rrsets.append(RRset.from_rdataset(name, rds))
    opaque = {}
    for line in text.splitlines():
        if not line.startswith(OPAQUE_PREFIX):
            continue
        try:
            name, ttl, rtype, content = line[len(OPAQUE_PREFIX):].split(" ", 3)
            entry = opaque.setdefault((name.lower(), rtype.upper()), [int(ttl), []])
            entry[1].append(json.loads(content))
        except (ValueError, TypeError) as exc:
            raise RecordError("cannot parse the opaque record line %r: %s" % (line[:120], exc))
    for (name, rtype), (ttl, values) in opaque.items():
        rrsets.append(OpaqueRRset(name, rtype, ttl, values))
    return ZoneData(origin, rrsets)
