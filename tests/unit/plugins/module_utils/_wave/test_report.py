"""The wave report: fragments merged into JSON and Markdown, secrets scrubbed."""
from __future__ import annotations

import json
import os
import stat

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
