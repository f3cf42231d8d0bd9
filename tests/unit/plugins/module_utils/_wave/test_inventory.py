"""Inventory checks: every problem listed at once, CSV merged, no secret kept."""
from __future__ import annotations

from ansible_collections.mailwave.migrate.plugins.module_utils._wave.inventory import check_domain

SOURCE = {"host": "imap.old.example", "port": 993, "security": "tls"}


def test_list_and_csv_are_merged_and_normalised(tmp_path):
    csv = tmp_path / "boxes.csv"
    csv.write_text("address;source_user;quota;name\nBob@Example.org;bob-old;2048;Bob B\ncarol@example.org;;;\n")
    boxes, problems = check_domain("example.org", [{"address": "anna@example.org", "source_password": "x"}],
                                   str(csv), SOURCE, {"bob@example.org": "p", "carol@example.org": "q"})
    assert problems == []
    assert [b["address"] for b in boxes] == ["anna@example.org", "bob@example.org", "carol@example.org"]
    bob = boxes[1]
    assert (bob["source_user"], bob["quota"], bob["name"]) == ("bob-old", 2048, "Bob B")
    assert boxes[2]["source_user"] == "carol@example.org" and boxes[2]["name"] == "carol"
    assert all("source_password" not in b for b in boxes)


def test_every_problem_is_listed(tmp_path):
    csv = tmp_path / "boxes.csv"
    csv.write_text("address,quota,password,colour\nanna@example.org,lots,secret,red\nnot-an-address,,,\n"
                   "zed@other.org,10,,\n")
    boxes, problems = check_domain("example.org", [{"address": "anna@example.org"}], str(csv),
                                   {"security": "ssl", "port": "x"}, {})
    text = "\n".join(problems)
    for expected in ("hold secrets", "unknown column(s) colour", "give the IMAP 'host'", "source.security 'ssl'",
                     "source.port 'x'", "listed twice", "'not-an-address' is not an e-mail address",
                     "zed@other.org is not in the domain example.org", "no source password or token for anna"):
        assert expected in text, expected
    assert len(problems) >= 9


def test_missing_csv_and_no_mailboxes(tmp_path):
    boxes, problems = check_domain("example.org", [], str(tmp_path / "missing.csv"), SOURCE, {})
    assert boxes == []
    assert any("cannot read" in p for p in problems)
    assert any(p.startswith("no mailboxes") for p in problems)


def test_bad_domain_name():
    dummy, problems = check_domain("not a domain", [{"address": "a@b.example"}], None, SOURCE, {"a@b.example": "x"})
    assert any("not a valid domain name" in p for p in problems)
