"""The DAV planner, row by row: source + destination + state -> actions (no server)."""
from __future__ import annotations

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._dav import planner
from ansible_collections.mailwave.migrate.plugins.module_utils._dav.planner import DestObject, SourceObject

COLL = "/SOGo/dav/u@example.org/Contacts/personal/"


def card(uid, fn="A"):
    return f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:{fn}\r\nEND:VCARD\r\n"


def event(uid, attendee=True):
    att = "ATTENDEE;CN=B:mailto:b@example.com\r\n" if attendee else ""
    return (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nDTSTART:20240101T100000Z\r\n"
            f"{att}END:VEVENT\r\nEND:VCALENDAR\r\n")


def src(uid, etag="s1", data=None):
    return SourceObject(f"/src/{uid}.vcf", etag, data or card(uid))


def recorded(uid, source_etag="s1", dest_etag="d1"):
    return {"source_href": f"/src/{uid}.vcf", "source_etag": source_etag, "dest_href": COLL + f"{uid}.vcf",
            "dest_etag": dest_etag}


ROWS = [
    # (name, source, dest, state, on_conflict, expected kind, expected reason fragment)
    ("new object", [src("a")], {}, {}, "keep", planner.CREATE, ""),
    ("copied before, nothing changed", [src("a")], {"a": DestObject(COLL + "a.vcf", "d1", card("a"))},
     {"a": recorded("a")}, "keep", planner.UNCHANGED, ""),
    ("changed at the source only", [src("a", "s2", card("a", "New"))], {"a": DestObject(COLL + "a.vcf", "d1", card("a"))},
     {"a": recorded("a")}, "keep", planner.UPDATE, "changed at the source"),
    ("same content there, no state", [src("a")], {"a": DestObject(COLL + "x.vcf", "d9", card("a"))}, {}, "keep",
     planner.ALREADY_THERE, ""),
    ("different version there, no state", [src("a")], {"a": DestObject(COLL + "x.vcf", "d9", card("a", "Other"))}, {},
     "keep", planner.CONFLICT, "different version"),
    ("changed at the destination since the copy", [src("a")], {"a": DestObject(COLL + "a.vcf", "d2", card("a", "Edit"))},
     {"a": recorded("a")}, "keep", planner.CONFLICT, "changed at the destination"),
    ("changed at the destination, overwrite", [src("a")], {"a": DestObject(COLL + "a.vcf", "d2", card("a", "Edit"))},
     {"a": recorded("a")}, "overwrite", planner.UPDATE, "overwritten"),
    ("deleted at the destination since the copy", [src("a")], {}, {"a": recorded("a")}, "keep", planner.CREATE,
     "deleted at the destination"),
    ("no UID", [SourceObject("/src/x.vcf", "e", "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:X\r\nEND:VCARD\r\n")], {}, {}, "keep",
     planner.ERROR, "no UID"),
    ("not a vCard", [SourceObject("/src/x.vcf", "e", "hello")], {}, {}, "keep", planner.ERROR, "not a vCard"),
]


@pytest.mark.parametrize("name,source,dest,state,on_conflict,kind,reason", ROWS, ids=[r[0] for r in ROWS])
def test_plan_rows(name, source, dest, state, on_conflict, kind, reason):
    actions = planner.plan(source, dest, state, COLL, "vcf", on_conflict)
    assert len(actions) == 1
    assert actions[0].kind == kind, name
    assert reason in actions[0].reason
    if kind in (planner.CREATE, planner.UPDATE):
        assert actions[0].data and actions[0].source_etag == source[0].etag
    else:
        assert actions[0].data is None


def test_update_uses_the_destination_etag_and_href():
    there = DestObject(COLL + "kept-name.vcf", '"d1"', card("a"))
    state = {"a": {**recorded("a"), "dest_etag": '"d1"'}}
    [action] = planner.plan([src("a", "s2", card("a", "B"))], {"a": there}, state, COLL, "vcf")
    assert (action.kind, action.dest_href, action.dest_etag) == (planner.UPDATE, COLL + "kept-name.vcf", '"d1"')


def test_create_href_for_unsafe_uid_and_state_href_kept():
    [action] = planner.plan([src("x/y z")], {}, {}, COLL, "vcf")
    assert action.dest_href.startswith(COLL + "mw-") and "/" not in action.dest_href[len(COLL):]
    [again] = planner.plan([src("x/y z")], {}, {"x/y z": recorded("x/y z") | {"dest_href": COLL + "old.vcf"}},
                           COLL, "vcf")
    assert again.dest_href == COLL + "old.vcf"


def test_duplicate_uid_in_the_source_is_an_error_for_the_second():
    actions = planner.plan([src("a"), SourceObject("/src/a2.vcf", "s", card("a", "Twin"))], {}, {}, COLL, "vcf")
    assert [a.kind for a in actions] == [planner.CREATE, planner.ERROR]
    assert "/src/a.vcf" in actions[1].reason


def test_events_are_written_without_scheduling_and_compared_so():
    obj = SourceObject("/src/e.ics", "s", event("e"))
    [action] = planner.plan([obj], {}, {}, COLL, "ics")
    assert "ATTENDEE;SCHEDULE-AGENT=CLIENT;CN=B:mailto:b@example.com" in action.data
    # what we wrote earlier (with the parameter) counts as already there
    [again] = planner.plan([obj], {"e": DestObject(COLL + "e.ics", "d", action.data)}, {}, COLL, "ics")
    assert again.kind == planner.ALREADY_THERE


def test_vcards_get_crlf_line_ends_only():
    [action] = planner.plan([src("a", data="BEGIN:VCARD\nVERSION:3.0\nUID:a\nFN:A\nEND:VCARD\n")], {}, {}, COLL, "vcf")
    assert action.data == card("a")


def test_summary_counts_every_kind():
    actions = planner.plan([src("a"), src("b")], {"b": DestObject(COLL + "b.vcf", "d1", card("b"))},
                           {"b": recorded("b")}, COLL, "vcf")
    counts = planner.summary(actions)
    assert counts[planner.CREATE] == 1 and counts[planner.UNCHANGED] == 1 and sum(counts.values()) == 2
