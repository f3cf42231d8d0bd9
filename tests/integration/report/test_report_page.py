"""report.html in a real headless Chromium: it loads with no console error or exception, shows the
wave's numbers, sorts by a clicked column and filters by text and status."""
from __future__ import annotations

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._wave import report as r
from tests.lib.headless import Browser

pytestmark = pytest.mark.skipif(not Browser.available(), reason="chromium is not installed (make deps installs it)")


def _sync(address, copied, nbytes, **kw):
    # the shape of an imap_sync result as the sync role records it (loop item + module result)
    return dict({"item": {"address": address}, "totals": {"source_messages": copied, "copied": copied,
                                                          "bytes": nbytes, "missing": 0},
                 "verdict": "all %d messages of the source are on the destination" % copied, "elapsed": 2.5}, **kw)


@pytest.fixture
def wave_report(tmp_path):
    boxes = [{"address": "anna@a.test"}, {"address": "bob@a.test"}, {"address": "carl@a.test"}]
    phases = {"preflight": {"start": "2026-12-02T18:00:00Z", "seconds": 3},
              "sync": {"start": "2026-12-02T18:00:05Z", "seconds": 40}}
    a = r.domain_fragment({
        "domain": "a.test", "mailboxes": boxes, "timings": phases, "failure": {},
        # planned for all three; finalize measured anna and carl (carl's quota shrunk), not bob
        "quotas": {"anna@a.test": 3072, "bob@a.test": 2048, "carl@a.test": 4096},
        "final_quotas": {"anna@a.test": {"quota": 1024, "used": 12000, "measured_quota": 1024, "changed": False},
                         "carl@a.test": {"quota": 1536, "used": 20000, "measured_quota": 4096, "changed": True}},
        "source_info": [{"item": {"address": b["address"]}, "total": {"messages": n, "bytes": n * 1000}}
                        for b, n in zip(boxes, (12, 7, 30))],
        "sync_results": [_sync("anna@a.test", 12, 12000), _sync("bob@a.test", 7, 7000),
                         _sync("carl@a.test", 20, 20000, failed=True, msg="copy incomplete",
                               errors=[{"folder": "INBOX", "error": "over quota"}])]})
    b = r.domain_fragment({"domain": "b.test", "mailboxes": [{"address": "dora@b.test"}], "timings": {},
                           "failure": {"phase": "preflight", "msg": "cannot connect to imap.b.test"}})
    r.write(str(tmp_path), "wave1", "run1", a)
    _report, paths = r.write(str(tmp_path), "wave1", "run1", b)
    return paths["html"]


def _column(browser, index):
    return browser.evaluate("Array.prototype.map.call(document.querySelectorAll('#mailboxes tbody tr'),"
                            " function(r){return r.style.display==='none'?null:r.cells[%d].textContent})" % index)


def test_report_page_in_chromium(wave_report):
    with Browser() as browser:
        browser.open("file://" + wave_report)
        assert browser.errors() == []
        summary = browser.evaluate("document.getElementById('summary').textContent")
        assert summary.startswith("2 domain(s), 4 mailbox(es): 2 failed, 2 verified; 38.1 KiB copied")
        # failed first: carl (over quota) and dora (domain failed in preflight, never copied: no verdict)
        assert _column(browser, 1) == ["carl@a.test", "dora@b.test", "anna@a.test", "bob@a.test"]
        assert "domain failed in preflight: cannot connect to imap.b.test" in _column(browser, 13)[1]
        # planned quota, the quota in force on Mailcow after finalize (not set yet where it did not run), used there
        assert [browser.evaluate("document.querySelectorAll('#mailboxes th')[%d].textContent" % i) for i in (10, 11, 12)] == [
            "planned quota MiB", "quota on Mailcow MiB", "used on Mailcow"]
        assert _column(browser, 10) == ["4096", "-", "3072", "2048"]
        assert _column(browser, 11) == ["1536 (was 4096)", "not set yet", "1024", "not set yet"]
        assert _column(browser, 12) == ["19.5 KiB", "-", "11.7 KiB", "-"]
        assert "over quota" in browser.evaluate("document.querySelector('#mailboxes tbody tr').textContent")
        assert browser.evaluate("document.querySelectorAll('#throughput polyline').length") == 1
        # sort by "messages copied", ascending then descending (numbers as numbers: 7 < 12 < 20)
        browser.evaluate("document.querySelectorAll('#mailboxes th')[5].click()")
        assert [c for c in _column(browser, 5) if c != "-"] == ["7", "12", "20"]
        browser.evaluate("document.querySelectorAll('#mailboxes th')[5].click()")
        assert [c for c in _column(browser, 5) if c != "-"] == ["20", "12", "7"]
        # sort by the quota on Mailcow: those not set yet first, then by MiB
        browser.evaluate("document.querySelectorAll('#mailboxes th')[11].click()")
        assert _column(browser, 11) == ["not set yet", "not set yet", "1024", "1536 (was 4096)"]
        # filter by status, then by text
        browser.evaluate("var s=document.getElementById('status'); s.value='verified';"
                         " s.dispatchEvent(new Event('change'))")
        assert sorted(a for a in _column(browser, 1) if a) == ["anna@a.test", "bob@a.test"]
        browser.evaluate("var s=document.getElementById('status'); s.value='';"
                         " s.dispatchEvent(new Event('change')); var t=document.getElementById('filter');"
                         " t.value='quota'; t.dispatchEvent(new Event('input'))")
        assert [a for a in _column(browser, 1) if a] == ["carl@a.test"]
        assert browser.evaluate("document.getElementById('shown').textContent") == "1"
        assert browser.errors() == []
