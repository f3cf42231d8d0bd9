"""records.py: names, values, TXT splitting and comparison, zone text round trip, checksum."""
from __future__ import annotations

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._dns import records as r

Z = "example.test"


@pytest.mark.parametrize("record,expected", [
    ("@", "example.test."), ("", "example.test."), (None, "example.test."),
    ("www", "www.example.test."), ("WWW", "www.example.test."),
    ("www.example.test", "www.example.test."), ("www.example.test.", "www.example.test."),
    ("example.test", "example.test."), ("_dmarc", "_dmarc.example.test."),
])
def test_absolute_name(record, expected):
    assert r.absolute_name(record, Z) == expected


def test_names_outside_zone_are_refused():
    with pytest.raises(r.RecordError, match="not inside zone"):
        r.absolute_name("www.other.test.", Z)
    assert r.relative_name("a.b.example.test.", "example.test.") == "a.b"
    assert r.relative_name("example.test.", "example.test") == "@"


def test_zone_normalisation():
    assert r.normalize_zone("Example.TEST.") == "example.test."
    with pytest.raises(r.RecordError):
        r.normalize_zone("")


def test_names_in_values_are_absolute_and_case_insensitive():
    a = r.RRset.from_values("example.test.", "MX", 300, ["20 MX2.old.test", "10 mx1.old.test."])
    b = r.RRset.from_values("example.test.", "mx", 300, ["10 mx1.OLD.test", "20 mx2.old.test."])
    assert a == b
    assert a.values == ("10 mx1.old.test.", "20 MX2.old.test.")
    assert a != a.with_ttl(600)
    assert a.same_values(a.with_ttl(600))


def test_duplicate_values_collapse():
    rr = r.RRset.from_values("www.example.test.", "A", 60, ["192.0.2.1", "192.0.2.1"])
    assert rr.values == ("192.0.2.1",)


@pytest.mark.parametrize("rtype,value,canonical", [
    ("AAAA", "2001:DB8:0:0::1", "2001:db8::1"),
    ("SRV", "0 1 993 Mail.Example.net", "0 1 993 Mail.Example.net."),
    ("CNAME", "mail.example.net", "mail.example.net."),
    ("TLSA", "3 1 1 ABCDEF0123", "3 1 1 abcdef0123"),
    ("CAA", '0 issue "letsencrypt.org"', '0 issue "letsencrypt.org"'),
    ("TXT", "v=spf1 mx -all", '"v=spf1 mx -all"'),
])
def test_canonical_forms(rtype, value, canonical):
    assert r.RRset.from_values("x.example.test.", rtype, 60, [value]).values == (canonical,)


def test_long_txt_is_split_into_255_byte_strings():
    value = "v=DKIM1; k=rsa; p=" + "A" * 600
    rd = r.parse_value("TXT", value)
    assert [len(s) for s in rd.strings] == [255, 255, 108]
    assert b"".join(rd.strings).decode() == value


def test_txt_compared_by_joined_text():
    value = "v=DKIM1; p=" + "B" * 300
    one = r.RRset.from_values("k._domainkey.example.test.", "TXT", 60, [value])
    other_split = r.RRset.from_values("k._domainkey.example.test.", "TXT", 60,
                                      ['"%s" "%s"' % (value[:100], value[100:])])
    assert one == other_split
    different = r.RRset.from_values("k._domainkey.example.test.", "TXT", 60, [value + "C"])
    assert one != different


def test_utf8_txt_split_counts_bytes():
    rd = r.parse_value("TXT", "é" * 200)  # 400 bytes
    assert [len(s) for s in rd.strings] == [255, 145]


@pytest.mark.parametrize("rtype,value", [("MX", "mail.example.net"), ("A", "999.1.1.1"), ("AAAA", "nope"),
                                         ("SRV", "1 2 mail"), ("TLSA", "3 1 1 XYZ")])
def test_bad_values(rtype, value):
    with pytest.raises(r.RecordError, match="not a valid %s" % rtype):
        r.parse_value(rtype, value)


def test_bad_type_and_ttl():
    with pytest.raises(r.RecordError, match="unknown record type"):
        r.normalize_type("MXX")
    with pytest.raises(r.RecordError, match="ttl"):
        r.RRset.from_values("a.example.test.", "A", -1, ["192.0.2.1"])
    with pytest.raises(r.RecordError, match="CNAME"):
        r.RRset.from_values("a.example.test.", "CNAME", 60, ["a.test", "b.test"])


ZONE_TEXT = """$ORIGIN example.test.
$TTL 3600
@ IN SOA ns1 hostmaster ( 7 7200 900 1209600 300 )
@ IN NS ns1
ns1 IN A 127.0.0.1
@ IN MX 10 mx1.old.test.
k._domainkey 300 IN TXT "part one" "part two"
"""


def test_zone_text_round_trip_and_checksum():
    zone = r.zone_from_text(ZONE_TEXT, Z)
    assert zone.serial == 7
    assert [rr.type for rr in zone.rrsets[:2]] == ["SOA", "NS"]
    again = r.zone_from_text(zone.to_text(), Z)
    assert again.rrsets == zone.rrsets
    assert again.checksum() == zone.checksum()
    # The serial does not count in the checksum; a TTL does.
    bumped = r.zone_from_text(ZONE_TEXT.replace("( 7 ", "( 8 "), Z)
    assert bumped.serial == 8 and bumped.checksum() == zone.checksum()
    ttl = r.zone_from_text(ZONE_TEXT.replace("k._domainkey 300", "k._domainkey 301"), Z)
    assert ttl.checksum() != zone.checksum()


def test_bad_zone_text():
    with pytest.raises(r.RecordError, match="cannot parse"):
        r.zone_from_text("@ IN MX nonsense here\n", Z)


def test_opaque_rrsets_round_trip_through_backup_text():
    """Issue 8 #5: LUA/ALIAS content is kept byte for byte through to_text()/zone_from_text() and the checksum."""
    from ansible_collections.mailwave.migrate.plugins.module_utils._dns.records import (
        OpaqueRRset,
        RRset,
        ZoneData,
        rrset_from_provider,
        zone_from_text,
    )
    lua = rrset_from_provider("lb.example.test.", "LUA", 300, ['A "ifportup(443, {\'192.0.2.1\'})"'])
    alias = rrset_from_provider("shop.example.test.", "ALIAS", 600, ["Web.Example.NET."])
    assert isinstance(lua, OpaqueRRset) and isinstance(alias, OpaqueRRset)
    mx = RRset.from_values("example.test.", "MX", 300, ["10 mx.example.net."])
    zone = ZoneData("example.test.", [mx, lua, alias])
    back = zone_from_text(zone.to_text(), "example.test.")
    assert back.get("shop.example.test.", "ALIAS").values == ("Web.Example.NET.",)   # case kept
    assert back.get("lb.example.test.", "LUA") == lua
    assert back.checksum() == zone.checksum()
    assert lua != RRset.from_values("lb.example.test.", "TXT", 300, ["x"]) and not (mx == lua)


def test_long_quoted_txt_from_a_provider_is_one_logical_value():
    from ansible_collections.mailwave.migrate.plugins.module_utils._dns.records import parse_value, rdata_key
    value = "v=DKIM1; k=rsa; p=" + "Q" * 400
    assert rdata_key(parse_value("TXT", '"%s"' % value)) == rdata_key(parse_value("TXT", value))
    assert rdata_key(parse_value("TXT", '"%s" "%s"' % (value[:255], value[255:]))) == value.encode()
