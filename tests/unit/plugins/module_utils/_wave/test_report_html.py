"""report.html: what each mailbox row says, the order people read it in, escaping, the throughput plot."""
from __future__ import annotations

import re

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._wave import report_html as h


def _report(*domains):
    return {"wave": "w1", "run_id": "r1", "updated": "2026-12-02T18:00:00Z", "check_mode": False,
            "domains": list(domains)}


def _dom(name, boxes, status="ok", phases=None, **kw):
    return dict(domain=name, status=status, phases=phases or {}, mailboxes=boxes, **kw)


@pytest.mark.parametrize("box, status", [
    ({"verified": True}, "verified"),
    ({}, "pending"),
    ({"verified": False}, "failed"),
    ({"verified": True, "errors": ["over quota"]}, "failed"),
    ({"source": {"error": "login failed"}}, "failed"),
    ({"paused": True, "verified": False}, "paused"),  # unfinished, resumed by the next run: not failed
    ({"action": "redirect"}, "redirected"),
    ({"action": "delete"}, "not migrated"),
    ({"action": "later"}, "later"),
    ({"action": "redirect", "errors": ["alias refused"]}, "failed"),
])
def test_mailbox_status(box, status):
    assert h.mailbox_status(box) == status


def test_rows_put_failed_boxes_first_and_carry_their_numbers():
    rep = _report(
        _dom("a.test", [{"address": "ok@a.test", "verified": True, "source": {"messages": 5, "bytes": 5000},
                         "copy": {"copied": 5, "bytes": 5000, "seconds": 1.5}}],
             phases={"preflight": {}, "sync": {}}),
        _dom("b.test", [{"address": "bad@b.test", "errors": ["over quota"], "source": {"messages": 9},
                         "copy": {"copied": 3}}], status="incomplete", failed_phase="sync"))
    rows = h.rows(rep)
    assert [r["address"] for r in rows] == ["bad@b.test", "ok@a.test"]
    assert rows[0]["status"] == "failed" and rows[0]["errors"] == "over quota" and rows[0]["phase"] == "sync"
    assert (rows[1]["copied"], rows[1]["messages"], rows[1]["bytes_copied"], rows[1]["phase"]) == (5, 5, 5000, "sync")


@pytest.mark.parametrize("box, planned, in_force, used, shown", [
    # finalize shrank it: the quota in force, what it was, the space used there
    ({"quota_mib": 3072, "quota_final": {"mib": 1536, "used_bytes": 1048576, "before_mib": 3072, "changed": True}},
     3072, 1536, 1048576, ("3072", "1536 (was 3072)", "1.0 MiB")),
    ({"quota_mib": 1024, "quota_final": {"mib": 0, "used_bytes": 10, "before_mib": 0, "changed": False}},
     1024, 0, 10, ("1024", "unlimited", "10 B")),
    # finalize has not run: the planned quota, the one on Mailcow not set yet, nothing used shown
    ({"quota_mib": 3072, "quota_final": None}, 3072, None, None, ("3072", "not set yet", "-")),
    # not moved to Mailcow
    ({"action": "redirect"}, None, None, None, ("-", "-", "-")),
])
def test_rows_show_the_planned_quota_and_the_one_in_force_on_mailcow(box, planned, in_force, used, shown):
    (row,) = h.rows(_report(_dom("a.test", [dict(box, address="anna@a.test")])))
    assert (row["quota_planned"], row["quota_final"], row["used_final"]) == (planned, in_force, used)
    page = h.render_html(_report(_dom("a.test", [dict(box, address="anna@a.test")])))
    titles = re.findall(r"<th>([^<]*)</th>", page.split('<table id="mailboxes">')[1].split("</thead>")[0])
    cells = re.findall(r"<td [^>]*>([^<]*)</td>", page.split('<table id="mailboxes">')[1].split("</tbody>")[0])
    by_title = dict(zip(titles, cells))
    assert (by_title["planned quota MiB"], by_title["quota on Mailcow MiB"], by_title["used on Mailcow"]) == shown


def test_boxes_of_a_failed_domain_are_failed_with_its_reason():
    rep = _report(_dom("b.test", [{"address": "dora@b.test"}, {"address": "eve@b.test", "verified": True}],
                       status="failed", failed_phase="preflight", error="cannot connect"))
    rows = {r["address"]: r for r in h.rows(rep)}
    assert rows["dora@b.test"]["status"] == "failed"
    assert rows["dora@b.test"]["errors"] == "domain failed in preflight: cannot connect"
    assert rows["eve@b.test"]["status"] == "verified"  # copied before the domain failed later


def test_page_is_self_contained_and_escapes_what_it_shows():
    rep = _report(_dom("a.test", [{"address": "<script>alert(1)</script>@a.test", "errors": ["a \"quoted\" <b>"]}]))
    page = h.render_html(rep)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;@a.test" in page
    assert "a &quot;quoted&quot; &lt;b&gt;" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)  # no external asset
    assert page.count("<script>") == 1  # only the page's own sort/filter script


def test_throughput_spreads_each_span_over_its_time():
    # 10 MB over the first 10 s, 20 MB over the next 10 s: the second half is twice as fast
    spans = [(0, 10, 10_000_000), (10, 20, 20_000_000)]
    svg = h.throughput_svg(spans, buckets=2)
    assert "2.00 MB/s" in svg  # the peak label
    points = [tuple(map(float, p.split(","))) for p in re.search(r'points="([^"]+)"', svg).group(1).split()]
    assert len(points) == 2 and points[1][1] < points[0][1]  # higher rate is drawn higher (smaller y)


def test_copy_intervals_use_a_box_own_times_else_the_domain_sync_phase():
    rep = _report(_dom("a.test", [
        {"address": "x@a.test", "copy": {"bytes": 100, "started_at": "2026-12-02T18:00:00Z",
                                         "finished_at": "2026-12-02T18:00:10Z"}},
        {"address": "y@a.test", "copy": {"bytes": 50}},
        {"address": "z@a.test", "copy": {"bytes": 25}},
    ], phases={"sync": {"start": "2026-12-02T17:59:00Z", "seconds": 120}}))
    spans = sorted(h.copy_intervals(rep))
    t0 = h._epoch("2026-12-02T17:59:00Z")
    assert spans == [(t0, t0 + 120, 75), (t0 + 60, t0 + 70, 100)]


def test_no_timings_no_plot():
    assert "No copy timings" in h.throughput_svg([])
