# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""The wave report as one self-contained HTML page (report.html beside report.md and report.json).

At hundreds of mailboxes nobody reads Markdown: the page has one sortable, filterable table of every
mailbox (failed first), a line per domain and a throughput-over-time plot. Everything is rendered here,
in Python, so the page shows its numbers without script; the few lines of inline script only sort and
filter. No external asset: it opens from a file, a mail attachment or an AWX artifact alike.
"""

from __future__ import annotations

import calendar
import html
import time

from ansible_collections.mailwave.migrate.plugins.module_utils._wave.report import PHASES, _size
from ansible_collections.mailwave.migrate.plugins.module_utils._wave.report import GROUPWARE_KINDS, _groupware_cell
from ansible_collections.mailwave.migrate.plugins.module_utils._wave.report import final_quota_text

# Order of the default sort: what needs a person first.
_STATUS_RANK = {"failed": 0, "paused": 1, "pending": 2, "later": 3, "redirected": 4, "not migrated": 5,
                "verified": 6}
_ACTION_STATUS = {"redirect": "redirected", "delete": "not migrated", "later": "later"}


def _esc(value):
    return html.escape("-" if value in (None, "") else str(value), quote=True)


def _epoch(stamp):
    """Seconds since the epoch of a report timestamp (2026-12-02T18:00:00Z), or None."""
    try:
        return calendar.timegm(time.strptime(str(stamp), "%Y-%m-%dT%H:%M:%SZ"))
    except (TypeError, ValueError):
        return None


def mailbox_status(box):
    """One word for a mailbox: failed, paused, pending, verified, or what its action made of it."""
    # a copy the provider paused (day quota) is unfinished, not failed: the next run resumes it
    if box.get("paused"):
        return "paused"
    if box.get("errors") or (box.get("source") or {}).get("error") or box.get("verified") is False:
        return "failed"
    action = box.get("action") or "migrate"
    if action != "migrate":
        return _ACTION_STATUS.get(action, action)
    return "verified" if box.get("verified") else "pending"


def phase_reached(dom):
    if dom.get("failed_phase"):
        return dom["failed_phase"]
    done = [name for name in PHASES if name in (dom.get("phases") or {})]
    return done[-1] if done else None


def rows(report):
    """One dict per mailbox of the wave, with what the page shows of it."""
    out = []
    for dom in report.get("domains") or []:
        for box in dom.get("mailboxes") or []:
            src = box.get("source") or {}
            cop = box.get("copy") or {}
            errors = list(box.get("errors") or [])
            if src.get("error"):
                errors.append(str(src["error"]))
            status = mailbox_status(box)
            if status == "pending" and dom.get("status") == "failed":
                # the domain stopped before this box was copied: the domain's failure is the box's
                status = "failed"
                errors.append("domain failed in %s: %s" % (dom.get("failed_phase") or "?", dom.get("error") or "-"))
            out.append({
                "domain": dom.get("domain"), "address": box.get("address"), "action": box.get("action") or "migrate",
                "status": status, "phase": phase_reached(dom),
                "copied": cop.get("copied"), "messages": src.get("messages", cop.get("source_messages")),
                "bytes_copied": cop.get("bytes"), "bytes": src.get("bytes"), "seconds": cop.get("seconds"),
                "quota_planned": box.get("quota_mib"), "quota_final": (box.get("quota_final") or {}).get("mib"),
                "quota_final_text": final_quota_text(box), "used_final": (box.get("quota_final") or {}).get("used_bytes"),
                "errors": "; ".join(errors),
            })
    out.sort(key=lambda r: (_STATUS_RANK.get(r["status"], 2), str(r["domain"]), str(r["address"])))
    return out


def copy_intervals(report):
    """(start, end, bytes) of the wave's copying, for the throughput plot.

    A copy run's own start and end are used where the report has them; otherwise the domain's sync phase
    stands for all its mailboxes' copies (the plot then shows its average over that phase).
    """
    spans = []
    for dom in report.get("domains") or []:
        sync = (dom.get("phases") or {}).get("sync") or {}
        start = _epoch(sync.get("start"))
        phase_bytes = 0
        for box in dom.get("mailboxes") or []:
            cop = box.get("copy") or {}
            own = (_epoch(cop.get("started_at")), _epoch(cop.get("finished_at")))
            if None not in own and cop.get("bytes"):
                spans.append((own[0], max(own[1], own[0] + 1), int(cop["bytes"])))
            else:
                phase_bytes += int(cop.get("bytes") or 0)
        if phase_bytes and start is not None:
            spans.append((start, start + max(float(sync.get("seconds") or 0), 1.0), phase_bytes))
    return spans


def throughput_svg(spans, width=720, height=180, buckets=60):
    """An SVG plot of MB/s over the wave's time, each span's bytes spread evenly over its duration."""
    if not spans:
        return "<p class=\"note\">No copy timings in this report yet.</p>"
    first, last = min(s[0] for s in spans), max(s[1] for s in spans)
    step = max((last - first) / float(buckets), 1e-6)
    rate = [0.0] * buckets
    for start, end, nbytes in spans:
        per_second = nbytes / float(end - start)
        for i in range(buckets):
            lo, hi = first + i * step, first + (i + 1) * step
            overlap = min(hi, end) - max(lo, start)
            if overlap > 0:
                rate[i] += per_second * overlap / step
    peak = max(rate) or 1.0
    left, bottom = 50, height - 24
    xs = [left + (width - left - 10) * (i + 0.5) / buckets for i in range(buckets)]
    ys = [bottom - (bottom - 10) * r / peak for r in rate]
    points = " ".join("%.1f,%.1f" % xy for xy in zip(xs, ys))
    minutes = (last - first) / 60.0
    return (
        "<svg id=\"throughput\" role=\"img\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\">"
        "<title>Copy throughput over the wave</title>"
        "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"axis\"/>"
        "<line x1=\"%d\" y1=\"10\" x2=\"%d\" y2=\"%d\" class=\"axis\"/>"
        "<text x=\"4\" y=\"16\">%.2f MB/s</text><text x=\"4\" y=\"%d\">0</text>"
        "<text x=\"%d\" y=\"%d\">%s</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">+%.1f min</text>"
        "<polyline points=\"%s\" class=\"rate\"/></svg>"
        % (width, height, width, height, left, bottom, width - 10, bottom, left, left, bottom,
           peak / 1e6, bottom, left, height - 6, _esc(time.strftime("%H:%M:%SZ", time.gmtime(first))),
           width - 10, height - 6, minutes, points))


_STYLE = """
body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ccc;padding:3px 7px;text-align:left}
th{background:#eee;cursor:pointer}td.n{text-align:right}
tr.failed td{background:#fde4e4}tr.paused td{background:#fff4d6}tr.verified td.status{color:#176b2c}
.axis{stroke:#888}.rate{fill:none;stroke:#2458b3;stroke-width:2}svg text{font-size:11px;fill:#444}
.note{color:#666}#filter{margin:.5em 0;padding:3px;width:20em}
"""

# Sorts by the clicked column (numbers as numbers), filters rows by the text box and the status menu.
_SCRIPT = """
(function(){
  var table=document.getElementById('mailboxes'), body=table.tBodies[0];
  var text=document.getElementById('filter'), status=document.getElementById('status');
  function apply(){
    var q=text.value.toLowerCase(), s=status.value, shown=0;
    Array.prototype.forEach.call(body.rows,function(r){
      var ok=(!q||r.textContent.toLowerCase().indexOf(q)>=0)&&(!s||r.getAttribute('data-status')===s);
      r.style.display=ok?'':'none'; if(ok){shown++;}
    });
    document.getElementById('shown').textContent=shown;
  }
  text.addEventListener('input',apply); status.addEventListener('change',apply);
  Array.prototype.forEach.call(table.tHead.rows[0].cells,function(th,col){
    th.addEventListener('click',function(){
      var dir=th.getAttribute('data-dir')==='asc'?-1:1; th.setAttribute('data-dir',dir>0?'asc':'desc');
      var rs=Array.prototype.slice.call(body.rows);
      rs.sort(function(a,b){
        var x=a.cells[col].getAttribute('data-v'), y=b.cells[col].getAttribute('data-v');
        var nx=parseFloat(x), ny=parseFloat(y);
        if(!isNaN(nx)&&!isNaN(ny)){return (nx-ny)*dir;}
        return x<y?-dir:(x>y?dir:0);
      });
      rs.forEach(function(r){body.appendChild(r);});
    });
  });
  apply();
})();
"""

_COLUMNS = (("domain", "domain", False), ("address", "mailbox", False), ("action", "action", False),
            ("status", "status", False), ("phase", "phase reached", False), ("copied", "messages copied", True),
            ("messages", "source messages", True), ("bytes_copied", "bytes copied", True),
            ("bytes", "source bytes", True), ("seconds", "copy seconds", True),
            ("quota_planned", "planned quota MiB", True), ("quota_final", "quota on Mailcow MiB", True),
            ("used_final", "used on Mailcow", True), ("errors", "errors", False))


def _cell(row, key, numeric):
    value = row[key]
    sort_value = value if value not in (None, "") else ("-1" if numeric else "")
    # a text of its own where the number alone says too little ("not set yet", "unlimited", "(was 3072)")
    shown = row.get(key + "_text", _size(value) if key in ("bytes", "bytes_copied", "used_final") else value)
    return "<td class=\"%s%s\" data-v=\"%s\">%s</td>" % (key, " n" if numeric else "", _esc(sort_value), _esc(shown))


def groupware_html(report):
    """The table of contacts, calendars and filters moved (copied/source per mailbox); empty when no domain
    went through the groupware phase."""
    boxes = [(dom.get("domain"), box) for dom in report.get("domains") or [] for box in dom.get("mailboxes") or []
             if any(k in box for k in GROUPWARE_KINDS + ("groupware_errors", "groupware_notes"))]
    if not boxes:
        return ""
    out = ["<h2>Contacts, calendars and filters</h2><table id=\"groupware\"><thead><tr><th>domain</th><th>mailbox</th>"
           "<th>contacts</th><th>calendars</th><th>filters</th><th>notes</th></tr></thead><tbody>"]
    for domain, box in boxes:
        bad = box.get("groupware_errors") or any((box.get(k) or {}).get("errors") for k in GROUPWARE_KINDS)
        notes = list(box.get("groupware_errors") or []) + list(box.get("groupware_notes") or [])
        out.append("<tr class=\"%s\"><td>%s</td><td>%s</td>%s<td>%s</td></tr>" % (
            "failed" if bad else "verified", _esc(domain), _esc(box.get("address")),
            "".join("<td>%s</td>" % _esc(_groupware_cell(box.get(k))) for k in GROUPWARE_KINDS), _esc("; ".join(notes))))
    return "".join(out) + "</tbody></table>"


def render_html(report):
    """The whole page for a report dict as report.write() builds it."""
    table_rows = rows(report)
    statuses = sorted({r["status"] for r in table_rows}, key=lambda s: _STATUS_RANK.get(s, 2))
    domains = report.get("domains") or []
    done_bytes = sum(int(r["bytes_copied"] or 0) for r in table_rows)
    counts = ", ".join("%d %s" % (sum(1 for r in table_rows if r["status"] == s), s) for s in statuses)
    out = ["<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">",
           "<title>Mailwave report: wave %s</title><style>%s</style></head><body>" % (_esc(report.get("wave")), _STYLE),
           "<h1>Mailwave report: wave %s</h1>" % _esc(report.get("wave")),
           "<p>Run <code>%s</code>, updated %s%s.</p>" % (
               _esc(report.get("run_id")), _esc(report.get("updated")),
               " (check mode: nothing was changed)" if report.get("check_mode") else ""),
           "<p id=\"summary\">%d domain(s), %d mailbox(es): %s; %s copied.</p>" % (
               len(domains), len(table_rows), _esc(counts or "none"), _esc(_size(done_bytes))),
           "<h2>Domains</h2><table id=\"domains\"><thead><tr><th>domain</th><th>status</th><th>phase reached</th>"
           "<th>mailboxes</th><th>error</th></tr></thead><tbody>"]
    for dom in sorted(domains, key=lambda d: (d.get("status") not in ("failed", "incomplete"), str(d.get("domain")))):
        out.append("<tr class=\"%s\"><td>%s</td><td>%s</td><td>%s</td><td class=\"n\">%d</td><td>%s</td></tr>" % (
            "failed" if dom.get("status") in ("failed", "incomplete") else "", _esc(dom.get("domain")),
            _esc(dom.get("status")), _esc(phase_reached(dom)), len(dom.get("mailboxes") or []), _esc(dom.get("error"))))
    out += ["</tbody></table>", "<h2>Throughput</h2>", throughput_svg(copy_intervals(report)),
            "<h2>Mailboxes</h2><p><input id=\"filter\" type=\"search\" placeholder=\"filter: address, error...\">"
            " <select id=\"status\"><option value=\"\">every status</option>%s</select>"
            " <span id=\"shown\">%d</span> shown</p>" % (
                "".join("<option>%s</option>" % _esc(s) for s in statuses), len(table_rows)),
            "<table id=\"mailboxes\"><thead><tr>%s</tr></thead><tbody>" % "".join(
                "<th>%s</th>" % _esc(title) for _key, title, _numeric in _COLUMNS)]
    for row in table_rows:
        out.append("<tr class=\"%s\" data-status=\"%s\">%s</tr>" % (
            _esc(row["status"]), _esc(row["status"]), "".join(_cell(row, k, n) for k, _title, n in _COLUMNS)))
    out += ["</tbody></table>", groupware_html(report), "<script>%s</script></body></html>" % _SCRIPT]
    return "\n".join(out) + "\n"
