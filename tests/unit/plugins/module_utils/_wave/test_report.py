"""The wave report: fragments merged into JSON and Markdown, secrets scrubbed."""
from __future__ import annotations

import json
import os
import stat

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._wave import report as r

BOXES = [{"address": "anna@a.test", "name": "Anna"}, {"address": "bob@a.test", "name": "Bob"}]


def _params(domain, **kw):
    base = {"domain": domain, "mailboxes": BOXES, "source_info": [], "sync_results": [], "quotas": {},
            "timings": {}, "failure": {}, "check_mode": False}
    base.update(kw)
    return base


def test_fragments_merge_and_failure_is_explained(tmp_path):
    ok = r.domain_fragment(_params(
        "a.test",
        source_info=[{"item": {"address": "anna@a.test"}, "total": {"messages": 3, "bytes": 3000}}],
        sync_results=[{"item": {"address": "anna@a.test", "source_password": "SECRET"},
                       "totals": {"source_messages": 3, "copied": 3, "missing": 0}, "verdict": "all 3 messages",
                       "invocation": {"module_args": {"source": {"password": "SECRET"}}}},
                      {"item": {"address": "bob@a.test"}, "totals": {"copied": 2}, "changed": True},
                      {"item": {"address": "bob@a.test"}, "totals": {"copied": 1}, "changed": True,
                       "verdict": "all 3 messages"}],
        quotas={"anna@a.test": 100},
        dns_before=[{"record": "@", "type": "MX", "ttl": 3600, "value": ["10 mx.old.test."]}]))
    bad = r.domain_fragment(_params("b.test", mailboxes=[], failure={"phase": "preflight",
                                                                     "msg": "cannot connect to imap.b.test"}))
    r.write(str(tmp_path), "wave1", "run1", ok)
    report, paths = r.write(str(tmp_path), "wave1", "run1", bad)
    assert [d["domain"] for d in report["domains"]] == ["a.test", "b.test"]
    data = json.loads(open(paths["json"], encoding="utf-8").read())
    assert data["domains"][0]["status"] == "ok"
    assert data["domains"][0]["mailboxes"][0]["copy"]["copied"] == 3
    assert data["domains"][0]["mailboxes"][0]["verified"] is True
    bob = data["domains"][0]["mailboxes"][1]["copy"]
    assert (bob["copied"], bob["runs"], bob["verdict"]) == (3, 2, "all 3 messages")
    assert data["domains"][1]["status"] == "failed"
    md = open(paths["markdown"], encoding="utf-8").read()
    assert "**Failed in phase `preflight`:** cannot connect to imap.b.test" in md
    assert "@ 3600 MX 10 mx.old.test." in md and "all 3 messages" in md
    for path in paths.values():
        assert "SECRET" not in open(path, encoding="utf-8").read()
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    summary = r.summarize(report)
    assert summary[0].endswith("2 domain(s), 1 ok, 1 failed")
    assert "preflight failed: cannot connect" in summary[2]


def test_copy_errors_make_the_domain_incomplete():
    frag = r.domain_fragment(_params("a.test", sync_results=[
        {"item": {"address": "anna@a.test"}, "failed": True, "msg": "copy incomplete",
         "errors": [{"folder": "INBOX", "error": "over quota"}]}]))
    assert frag["status"] == "incomplete"
    anna = frag["mailboxes"][0]
    assert anna["verified"] is False and anna["errors"][0] == "copy incomplete"
    assert "over quota" in anna["errors"][1]


def test_each_box_carries_its_action_in_the_json_the_markdown_and_the_summary(tmp_path):
    frag = r.domain_fragment(_params("a.test", mailboxes=[
        {"address": "anna@a.test", "action": "migrate"},
        {"address": "info@a.test", "action": "redirect", "redirect_to": ["anna@a.test"]},
        {"address": "old@a.test", "action": "delete"},
        {"address": "later@a.test", "action": "later"},
        {"address": "legacy@a.test"},
    ]))
    assert [(m["address"], m["action"]) for m in frag["mailboxes"]] == [
        ("anna@a.test", "migrate"), ("info@a.test", "redirect"), ("old@a.test", "delete"),
        ("later@a.test", "later"), ("legacy@a.test", "migrate")]
    assert frag["mailboxes"][1]["redirect_to"] == ["anna@a.test"]
    report = r.write(str(tmp_path), "w1", "run1", frag)[0]
    text = r.render_markdown(report)
    assert "| info@a.test | redirect to anna@a.test |" in text and "| old@a.test | delete |" in text
    line = [x for x in r.summarize(report) if "a.test" in x][0]
    assert "2 mailbox(es)" in line and "(1 redirected, 1 deleted, 1 later)" in line


def test_a_box_found_full_shows_its_quota_raise(tmp_path):
    # two rounds for anna (raised, raised again); bob stuck at mailwave_quota_max after one
    raises = [{"address": "anna@a.test", "from": 1, "to": 5, "raised": True, "refused_messages": 3},
              {"address": "anna@a.test", "from": 5, "to": 8, "raised": True, "refused_messages": 1},
              {"address": "bob@a.test", "from": 2, "to": 2, "raised": False, "refused_messages": 4}]
    frag = r.domain_fragment(_params("a.test", quota_raises=raises))
    anna, bob = frag["mailboxes"]
    assert anna["quota_raised"] == {"from": 1, "to": 8, "refused_messages": 4, "at_maximum": False}
    assert bob["quota_raised"] == {"from": 2, "to": 2, "refused_messages": 4, "at_maximum": True}
    text = r.render_markdown(r.write(str(tmp_path), "w1", "run1", frag)[0])
    assert "- anna@a.test: found full by the copy (4 message(s) refused), quota raised from 1 to 8 MiB\n" in text
    assert "- bob@a.test: found full by the copy (4 message(s) refused); full at mailwave_quota_max (2 MiB): raise " \
           "it, or have the user clean up, and run again\n" in text


def test_no_raise_no_field():
    frag = r.domain_fragment(_params("a.test"))
    assert all("quota_raised" not in m for m in frag["mailboxes"])


def _md_row(text, address):
    """The cells of a mailbox's row in report.md's table, by column title."""
    lines = text.splitlines()
    header = next(line for line in lines if line.startswith("| mailbox | action |"))
    row = next(line for line in lines if line.startswith("| %s |" % address))
    return dict(zip([c.strip() for c in header.strip("|").split(" | ")], [c.strip() for c in row.strip("|").split(" | ")]))


# One row per case of what the report knows of a box's quota: planned (preflight), raised (the copy found it
# full), in force on Mailcow and used there (finalize, as the role keeps them: quota, used, measured_quota, changed).
@pytest.mark.parametrize("box, quotas, raises, finals, quota_final, planned, in_force, used", [
    # finalize shrank it: the quota it set, what it was before, the bytes used
    ({"address": "anna@a.test"}, {"anna@a.test": 3072}, [],
     {"anna@a.test": {"quota": 1536, "used": 1048576000, "measured_quota": 3072, "changed": True}},
     {"mib": 1536, "used_bytes": 1048576000, "before_mib": 3072, "changed": True}, "3072", "1536 (was 3072)",
     "1000.0 MiB"),
    # finalize found the quota it wanted (the inventory's floor): unchanged
    ({"address": "anna@a.test"}, {}, [],
     {"anna@a.test": {"quota": 2048, "used": 5000, "measured_quota": 2048, "changed": False}},
     {"mib": 2048, "used_bytes": 5000, "before_mib": 2048, "changed": False}, "-", "2048", "4.9 KiB"),
    # an unlimited box (0 on Mailcow) left as it is (mailwave_shrink_quotas false)
    ({"address": "anna@a.test"}, {"anna@a.test": 1024}, [],
     {"anna@a.test": {"quota": 0, "used": 0, "measured_quota": 0, "changed": False}},
     {"mib": 0, "used_bytes": 0, "before_mib": 0, "changed": False}, "1024", "unlimited", "0 B"),
    # raised by the copy, then shrunk by finalize in the same run (its last delta)
    ({"address": "anna@a.test"}, {"anna@a.test": 8},
     [{"address": "anna@a.test", "from": 5, "to": 8, "raised": True, "refused_messages": 2}],
     {"anna@a.test": {"quota": 1024, "used": 6 * 1048576, "measured_quota": 8, "changed": True}},
     {"mib": 1024, "used_bytes": 6 * 1048576, "before_mib": 8, "changed": True}, "8", "1024 (was 8)", "6.0 MiB"),
    # finalize did not run: what is known (planned, raised), the final quota not set yet, nothing invented
    ({"address": "anna@a.test"}, {"anna@a.test": 3072}, [], {}, None, "3072", "not set yet", "-"),
    ({"address": "anna@a.test"}, {"anna@a.test": 8},
     [{"address": "anna@a.test", "from": 5, "to": 8, "raised": True, "refused_messages": 2}],
     {}, None, "8", "not set yet", "-"),
    # finalize measured nothing (the box missing from what it keeps): not set yet either
    ({"address": "anna@a.test"}, {}, [], {"bob@a.test": {"quota": 1024, "used": 1, "measured_quota": 1024}},
     None, "-", "not set yet", "-"),
    # addresses in another case are the same box
    ({"address": "Anna@A.test"}, {"anna@a.test": 3072}, [],
     {"ANNA@a.test": {"quota": 1536, "used": 1024, "measured_quota": 3072, "changed": True}},
     {"mib": 1536, "used_bytes": 1024, "before_mib": 3072, "changed": True}, "3072", "1536 (was 3072)", "1.0 KiB"),
    # a box that does not move to Mailcow has no quota there: no field, a dash
    ({"address": "anna@a.test", "action": "redirect", "redirect_to": ["bob@a.test"]}, {}, [], {}, "absent", "-", "-",
     "-"),
])
def test_each_row_shows_the_planned_quota_and_the_one_in_force_on_mailcow(
        tmp_path, box, quotas, raises, finals, quota_final, planned, in_force, used):
    frag = r.domain_fragment(_params("a.test", mailboxes=[box], quotas=quotas, quota_raises=raises,
                                     final_quotas=finals))
    (entry,) = frag["mailboxes"]
    if quota_final == "absent":
        assert "quota_final" not in entry
    else:
        assert entry["quota_final"] == quota_final
    report, paths = r.write(str(tmp_path), "w1", "run1", frag)
    assert json.loads(open(paths["json"], encoding="utf-8").read())["domains"][0]["mailboxes"][0].get(
        "quota_final", "absent") == quota_final
    cells = _md_row(r.render_markdown(report), box["address"])
    assert (cells["planned quota MiB"], cells["quota on Mailcow MiB"], cells["used on Mailcow"]) == (planned, in_force, used)


def test_the_markdown_says_why_a_quota_is_not_set_yet(tmp_path):
    finals = {"anna@a.test": {"quota": 1024, "used": 1, "measured_quota": 1024, "changed": False}}
    text = r.render_markdown(r.write(str(tmp_path), "w1", "run1", r.domain_fragment(_params("a.test", quotas={}, final_quotas={})))[0])
    assert ("- quota on Mailcow not set yet for 2 mailbox(es): finalize (the day after the switch) sets it to the size "
            "used there plus the margin, and its run's report shows it\n\n") in text
    text = r.render_markdown(r.write(str(tmp_path), "w1", "run2", r.domain_fragment(_params("a.test", final_quotas=finals)))[0])
    assert "not set yet for 1 mailbox(es)" in text
    finals["bob@a.test"] = dict(finals["anna@a.test"])
    text = r.render_markdown(r.write(str(tmp_path), "w1", "run3", r.domain_fragment(_params("a.test", final_quotas=finals)))[0])
    assert "not set yet" not in text
