"""Content lines of vCard/iCalendar: unfolding, UIDs, resource names, scheduling, comparison."""
from __future__ import annotations


import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._dav import content

from tests.lib.dav_corpus import DATA, read


def test_unfold_and_fold_round_trip_on_utf8_boundaries():
    line = "NOTE:" + "é" * 60
    folded = content.fold(line)
    assert all(len(part.encode()) <= 75 for part in folded.rstrip("\r\n").split("\r\n"))
    assert content.unfold(folded) == [line]
    assert content.unfold("A:1\r\n B\r\n\tC\r\nD:2") == ["A:1BC", "D:2"]


@pytest.mark.parametrize("path", sorted(DATA.glob("*.vc*")) + [p for p in sorted(DATA.glob("*.ics"))
                                                               if p.name != "large-calendar.ics"],
                         ids=lambda p: p.name)
def test_every_corpus_file_has_one_uid(path):
    text = read(path)
    assert content.uid_of(text)
    assert content.kind_of(text) in ("vcard", "vcalendar")
    assert content.differences(text, text) == []


def test_uid_of_rejects_mixed_uids_and_reads_exceptions_as_one():
    text = read(DATA / "recurring-exceptions.ics")
    assert content.uid_of(text) == "corpus-weekly-3"
    mixed = text.replace("UID:corpus-weekly-3\r\nDTSTAMP:20240102T080000Z\r\nRECURRENCE-ID",
                         "UID:other\r\nDTSTAMP:20240102T080000Z\r\nRECURRENCE-ID")
    assert content.uid_of(mixed) is None


@pytest.mark.parametrize("uid,safe", [("abc-123@example.org", True), ("a/b", False), ("with space", False),
                                      ("100%", False), ("x" * 200, False), ("trailing.", False)])
def test_resource_name(uid, safe):
    name = content.resource_name(uid, "vcf")
    assert (name == uid + ".vcf") is safe
    assert name == content.resource_name(uid, "vcf") and "/" not in name


def test_without_scheduling_keeps_quoted_params_and_existing_agents():
    text = ("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:1\r\nORGANIZER;CN=\"Doe; Jo: Boss\":mailto:o@x\r\n"
            "ATTENDEE;SCHEDULE-AGENT=SERVER:mailto:a@x\r\nDESCRIPTION:ATTENDEE is just a word\r\n"
            "END:VEVENT\r\nEND:VCALENDAR\r\n")
    out = content.without_scheduling(text)
    lines = content.unfold(out)
    assert 'ORGANIZER;SCHEDULE-AGENT=CLIENT;CN="Doe; Jo: Boss":mailto:o@x' in lines
    assert "ATTENDEE;SCHEDULE-AGENT=SERVER:mailto:a@x" in lines
    assert "DESCRIPTION:ATTENDEE is just a word" in lines
    assert content.differences(text, out) == ["VCALENDAR/VEVENT/ORGANIZER"]


def test_differences_ignores_what_is_not_data():
    ours = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u\r\nN:Doe;Jo;;;\r\nitem1.EMAIL;TYPE=work;TYPE=pref:j@x\r\nEND:VCARD\r\n"
    sogo = "BEGIN:VCARD\nVERSION:3.0\nUID:u\nN:Doe;Jo\nITEM1.EMAIL;TYPE=pref;TYPE=work:j@x\nPRODID:-//SOGo\nEND:VCARD"
    assert content.differences(ours, sogo) == []
    assert content.differences(ours, sogo.replace("j@x", "k@x")) == ["VCARD/ITEM1.EMAIL"]
    assert content.differences(ours, sogo.replace("UID:u\n", "UID:u\nNOTE:new\n")) == ["VCARD/NOTE"]


def test_differences_ignores_the_order_of_recurrence_rule_parts_only():
    ours = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u\r\nRRULE:FREQ=WEEKLY;BYDAY=MO;WKST=MO;UNTIL=20260629T215959Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    sogo = ours.replace("FREQ=WEEKLY;BYDAY=MO;WKST=MO;UNTIL=20260629T215959Z", "FREQ=WEEKLY;UNTIL=20260629T215959Z;BYDAY=MO;WKST=MO")
    assert content.differences(ours, sogo) == []  # what SOGo 5.8 stores for our Graph series
    assert content.differences(ours, sogo.replace("BYDAY=MO", "BYDAY=TU")) == ["VCALENDAR/VEVENT/RRULE"]
    assert content.differences(ours, sogo.replace(";WKST=MO", "")) == ["VCALENDAR/VEVENT/RRULE"]
