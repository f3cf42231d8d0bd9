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


def test_actions_from_the_list_and_the_csv(tmp_path):
    csv = tmp_path / "boxes.csv"
    csv.write_text("address,action,redirect_to,notify_address\nold@example.org,delete,,\n"
                   "info@example.org,redirect,anna@example.org; bob@example.org,\n"
                   "carol@example.org,,,carol@home.example\n")
    boxes, problems = check_domain("example.org", [
        {"address": "anna@example.org", "source_password": "x"},
        {"address": "dan@example.org", "action": "later", "source_password": "y"},
        {"address": "bob@example.org", "source_password": "z", "redirect_to": None, "action": "Migrate"},
    ], str(csv), SOURCE, {"carol@example.org": "p"}, cutover_mode="progressive")
    assert problems == []
    by = {b["address"]: b for b in boxes}
    assert {a: b["action"] for a, b in by.items()} == {
        "anna@example.org": "migrate", "dan@example.org": "later", "bob@example.org": "migrate",
        "old@example.org": "delete", "info@example.org": "redirect", "carol@example.org": "migrate"}
    assert by["info@example.org"]["redirect_to"] == ["anna@example.org", "bob@example.org"]
    assert by["carol@example.org"]["notify_address"] == "carol@home.example"
    # Boxes that are not copied need no source password.
    assert not by["old@example.org"]["has_source_secret"] and not by["info@example.org"]["has_source_secret"]


def test_action_problems():
    boxes, problems = check_domain("example.org", [
        {"address": "a@example.org", "action": "archive"},
        {"address": "b@example.org", "action": "redirect"},
        {"address": "c@example.org", "action": "redirect", "redirect_to": ["c@example.org", "not-mail"]},
        {"address": "d@example.org", "redirect_to": "x@example.org", "source_password": "p"},
        {"address": "e@example.org", "action": "later", "source_password": "p"},
        {"address": "f@example.org", "notify_address": "nope", "source_password": "p"},
    ], None, SOURCE, {}, cutover_mode="one_shot")
    text = "\n".join(problems)
    for expected in ("action 'archive' of a@example.org: use one of migrate, redirect, delete, later",
                     "b@example.org has action redirect but no redirect_to",
                     "c@example.org cannot redirect to itself", "redirect_to 'not-mail' of c@example.org",
                     "d@example.org has redirect_to but action migrate",
                     "e@example.org stays on the old provider (action later), which needs mailwave_cutover_mode: "
                     "progressive", "notify_address 'nope' of f@example.org"):
        assert expected in text, expected
    assert len(problems) == 7
    # No password is asked for a box that is not copied (the redirect ones).
    assert "no source password or token for b@example.org" not in text


def test_later_is_not_checked_against_the_mode_when_the_mode_is_not_given():
    dummy, problems = check_domain("example.org", [{"address": "e@example.org", "action": "later"}], None, SOURCE, {})
    assert problems == []
