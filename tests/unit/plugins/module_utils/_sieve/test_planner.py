"""Sieve planner, row by row: source scripts + Mailcow filters -> add / edit / unchanged / error."""
from __future__ import annotations

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._sieve import planner
from ansible_collections.mailwave.migrate.plugins.module_utils._sieve.planner import Script


def row(fid, desc, data="keep;", active=0, filter_type="prefilter"):
    return {"id": fid, "script_desc": desc, "script_data": data, "active": active, "filter_type": filter_type,
            "username": "u@example.org"}


ROWS = [
    ("new inactive script", [Script("a", "keep;", False)], [], planner.ADD, (), ()),
    ("new active script, nothing active there", [Script("a", "keep;", True)], [], planner.ADD, (), ()),
    ("same script there", [Script("a", "keep;", False)], [row(1, "a")], planner.UNCHANGED, (), ()),
    ("same but CRLF vs LF", [Script("a", "keep;\r\nstop;\r\n", False)], [row(1, "a", "keep;\nstop;\n")],
     planner.UNCHANGED, (), ()),
    ("text changed", [Script("a", "discard;", False)], [row(1, "a")], planner.EDIT, ("script_data",), ()),
    ("activated at the source", [Script("a", "keep;", True)], [row(1, "a"), row(2, "admin", active=1)], planner.EDIT,
     ("active",), ("admin",)),
    ("deactivated at the source", [Script("a", "keep;", False)], [row(1, "a", active=1)], planner.EDIT, ("active",), ()),
    ("a postfilter of that name is another filter", [Script("a", "keep;", False)],
     [row(1, "a", filter_type="postfilter")], planner.ADD, (), ()),
    ("new active deactivates the admin's", [Script("a", "keep;", True)], [row(2, "admin", active=1)], planner.ADD, (),
     ("admin",)),
    ("empty script", [Script("a", "  \r\n", False)], [], planner.ERROR, (), ()),
]


@pytest.mark.parametrize("name,scripts,filters,kind,changes,deactivates", ROWS, ids=[r[0] for r in ROWS])
def test_plan_rows(name, scripts, filters, kind, changes, deactivates):
    [action] = planner.plan(scripts, filters, "prefilter")
    assert (action.kind, action.changes, action.deactivates) == (kind, changes, deactivates), name
    if kind == planner.EDIT:
        assert action.filter_id == 1


def test_active_script_is_written_last_and_duplicates_match_the_oldest():
    scripts = [Script("z-active", "keep;", True), Script("b", "keep;", False), Script("a", "keep;", False)]
    actions = planner.plan(scripts, [row(7, "b", "old;"), row(3, "b", "keep;")], "prefilter")
    assert [a.name for a in actions] == ["a", "b", "z-active"]
    assert actions[1].kind == planner.UNCHANGED and actions[1].filter_id == 3
