"""RFC 6764 / RFC 2782 choices of DNS discovery, without a DNS server."""
from __future__ import annotations

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._dav import srv

CHOOSE = [
    ("no record", [], None),
    ("one record", [(10, 0, 8443, "dav.example.org.")], ("dav.example.org", 8443)),
    ("the lowest priority wins over weight", [(20, 100, 443, "b.example."), (10, 1, 443, "a.example.")], ("a.example", 443)),
    ("equal priorities: the heaviest", [(10, 5, 443, "light.example."), (10, 60, 443, "heavy.example.")], ("heavy.example", 443)),
    ("equal priority and weight: by name, so every run picks the same", [(1, 0, 443, "z.example."), (1, 0, 443, "m.example.")],
     ("m.example", 443)),
    ("a lone '.' target: decidedly no service", [(0, 0, 0, ".")], None),
    ("a '.' among real targets is ignored", [(0, 0, 0, "."), (5, 0, 443, "dav.example.")], ("dav.example", 443)),
]


@pytest.mark.parametrize("name,records,expected", CHOOSE, ids=[r[0] for r in CHOOSE])
def test_choose(name, records, expected):
    assert srv.choose(records) == expected


TXT = [
    ("path given", ["path=/dav/"], "/dav/"),
    ("among other keys", ["foo=bar path=/remote.php/dav"], "/remote.php/dav"),
    ("missing TXT: well-known", [], ""),
    ("TXT without path", ["v=1"], ""),
    ("a path that is not absolute is ignored", ["path=dav/"], ""),
]


@pytest.mark.parametrize("name,strings,expected", TXT, ids=[r[0] for r in TXT])
def test_txt_path(name, strings, expected):
    assert srv.txt_path(strings) == expected


def test_service_url_leaves_out_default_ports():
    assert srv.service_url("https", "dav.example", 443, "/dav/") == "https://dav.example/dav/"
    assert srv.service_url("https", "dav.example", 8443, "") == "https://dav.example:8443/"
    assert srv.service_url("http", "localhost", 5232, "/") == "http://localhost:5232/"


@pytest.mark.parametrize("url,user,expected", [
    (None, "alice@Example.ORG", "example.org"),
    ("example.net", "alice@example.org", "example.net"),
    ("example.net/", "alice", "example.net"),
    (None, "alice", ""),
    ("https://dav.example.org/", "alice@example.org", ""),
])
def test_domain_of(url, user, expected):
    assert srv.domain_of(url, user) == expected


def test_parse_resolvers():
    assert srv.parse_resolvers(["127.0.0.1", "127.0.0.2:5353", "[::1]:5300", "[::1]"]) == [
        ("127.0.0.1", 53), ("127.0.0.2", 5353), ("::1", 5300), ("::1", 53)]
    assert srv.parse_resolvers(None) == []
    with pytest.raises(ValueError):
        srv.parse_resolvers(["127.0.0.1:0"])
    with pytest.raises(ValueError):
        srv.parse_resolvers(["127.0.0.1:http"])
