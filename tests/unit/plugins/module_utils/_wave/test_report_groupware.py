"""The report's contacts, calendars and filters per mailbox, from the groupware role's records."""
from __future__ import annotations

import json

from ansible_collections.mailwave.migrate.plugins.module_utils._wave import report as r
from ansible_collections.mailwave.migrate.plugins.module_utils._wave.report_html import render_html

BOXES = [{"address": "anna@a.test", "name": "Anna"}, {"address": "bob@a.test", "name": "Bob"}]


def _dav(source=0, copied=0, updated=0, already_there=0, unchanged=0, conflicts=0, errors=0, verified=0, altered=0):
    return {"source": source, "copied": copied, "updated": updated, "already_there": already_there,
            "unchanged": unchanged, "conflicts": conflicts, "errors": errors, "verified": verified, "altered": altered,
            "removed_at_source": 0}


def _sieve(source=0, copied=0, updated=0, already_there=0, errors=0):
    return {"source": source, "copied": copied, "updated": updated, "already_there": already_there, "errors": errors,
            "verified": copied + updated + already_there, "deactivated": []}


def _params(results, **kw):
    base = {"domain": "a.test", "mailboxes": BOXES, "source_info": [], "sync_results": [], "quotas": {},
            "timings": {}, "failure": {}, "check_mode": False, "groupware_results": results}
    base.update(kw)
    return base


def _rec(address, **kw):
    rec = {"item": {"address": address}, "phase": "groupware", "errors": [], "notes": [], "check_mode": False}
    rec.update(kw)
    return rec


def test_first_run_counts_copied_and_verified_and_the_domain_stays_ok():
    frag = r.domain_fragment(_params([
        _rec("anna@a.test", contacts=_dav(source=3, copied=3, verified=3),
             calendars=_dav(source=4, copied=3, already_there=1, verified=3, altered=1),
             filters=_sieve(source=1, copied=1)),
    ]))
    anna, bob = frag["mailboxes"]
    assert anna["contacts"] == {"source": 3, "copied": 3, "already_there": 0, "errors": 0, "verified": 3, "altered": 0}
    # one altered by SOGo (floating time given a zone): copied, but not counted as verified
    assert anna["calendars"] == {"source": 4, "copied": 3, "already_there": 1, "errors": 0, "verified": 3, "altered": 1}
    assert anna["filters"] == {"source": 1, "copied": 1, "already_there": 0, "errors": 0}
    assert "contacts" not in bob and "groupware_errors" not in anna
    assert frag["status"] == "ok"


def test_final_delta_sums_copies_and_an_incremental_rerun_is_all_already_there():
    # the groupware phase copied 3, the cut-over's final delta (sync-token: nothing listed) copied 1 new one
    runs = [_rec("anna@a.test", contacts=_dav(source=3, copied=3, verified=3), filters=_sieve(source=1, copied=1)),
            _rec("anna@a.test", phase="cutover", contacts=_dav(source=4, copied=1, verified=1),
                 filters=_sieve(source=1, already_there=1))]
    anna = r.domain_fragment(_params(runs))["mailboxes"][0]
    assert anna["contacts"] == {"source": 4, "copied": 4, "already_there": 0, "errors": 0, "verified": 4, "altered": 0}
    assert anna["filters"] == {"source": 1, "copied": 1, "already_there": 0, "errors": 0}
    # the next wave run: an incremental listing with nothing new (the module counts no object at all)
    again = r.domain_fragment(_params([_rec("anna@a.test", contacts=_dav(source=4),
                                            filters=_sieve(source=1, already_there=1))]))["mailboxes"][0]
    assert again["contacts"] == {"source": 4, "copied": 0, "already_there": 4, "errors": 0, "verified": 4, "altered": 0}
    assert again["filters"] == {"source": 1, "copied": 0, "already_there": 1, "errors": 0}


def test_refused_objects_and_conflicts_are_errors_and_make_the_domain_incomplete():
    frag = r.domain_fragment(_params([
        _rec("anna@a.test", contacts=_dav(source=5, copied=3, conflicts=1, errors=1, verified=3),
             errors=["contacts c-9: refused by the destination: 403", "contacts c-7: conflict"]),
    ]))
    anna = frag["mailboxes"][0]
    assert anna["contacts"] == {"source": 5, "copied": 3, "already_there": 0, "errors": 2, "verified": 3, "altered": 0}
    assert anna["groupware_errors"] == ["contacts c-9: refused by the destination: 403", "contacts c-7: conflict"]
    assert frag["status"] == "incomplete"
    # a failed module run (no counts) says why, and is incomplete too
    failed = r.domain_fragment(_params([_rec("bob@a.test", errors=["contacts and calendars: 401 Unauthorized"])]))
    assert failed["status"] == "incomplete" and "contacts" not in failed["mailboxes"][1]
    assert failed["mailboxes"][1]["groupware_errors"] == ["contacts and calendars: 401 Unauthorized"]


def test_check_mode_predictions_are_not_verified():
    frag = r.domain_fragment(_params([
        _rec("anna@a.test", check_mode=True, contacts=_dav(source=3, copied=2, already_there=1, verified=1))],
        check_mode=True))
    anna = frag["mailboxes"][0]
    assert frag["status"] == "dry-run"
    assert anna["contacts"]["copied"] == 2 and anna["contacts"]["verified"] == 1


def test_notes_say_what_was_not_moved_and_no_record_means_no_entry():
    frag = r.domain_fragment(_params([_rec("anna@a.test", notes=["no ManageSieve source configured"] * 2,
                                           contacts=_dav(source=1, copied=1, verified=1))]))
    assert frag["mailboxes"][0]["groupware_notes"] == ["no ManageSieve source configured"]
    assert frag["status"] == "ok"
    plain = r.domain_fragment(_params([]))
    assert all(not set(b) & {"contacts", "calendars", "filters", "groupware_notes"} for b in plain["mailboxes"])
    report = {"wave": "w", "run_id": "1", "updated": "now", "domains": [plain]}
    assert "Contacts, calendars and filters" not in r.render_markdown(report)
    assert "Contacts, calendars and filters" not in render_html(report)


def test_markdown_and_html_show_the_counts_and_secrets_stay_out(tmp_path):
    frag = r.domain_fragment(_params([
        _rec("anna@a.test", contacts=_dav(source=3, copied=3, verified=3), calendars=_dav(source=2, errors=1),
             filters=_sieve(source=1, copied=1), errors=["calendars e-1: refused by the destination: 400"],
             invocation={"module_args": {"source": {"password": "SECRET"}}}, password="SECRET"),
    ]))
    report, paths = r.write(str(tmp_path), "wave1", "run1", frag)
    md = open(paths["markdown"], encoding="utf-8").read()
    assert "Contacts, calendars and filters (copied/source):" in md
    assert "| anna@a.test | 3/3 (3 verified) | 0/2 (1 there, 1 verified, 1 ERRORS) | 1/1 |" in md
    assert "calendars e-1: refused by the destination: 400" in md
    page = open(paths["html"], encoding="utf-8").read()
    assert "<table id=\"groupware\">" in page and "3/3 (3 verified)" in page
    assert "<tr class=\"failed\"><td>a.test</td><td>anna@a.test</td>" in page
    data = json.loads(open(paths["json"], encoding="utf-8").read())
    assert data["domains"][0]["mailboxes"][0]["calendars"]["errors"] == 1
    for path in paths.values():
        assert "SECRET" not in open(path, encoding="utf-8").read()
    assert report["domains"][0]["status"] == "incomplete"
