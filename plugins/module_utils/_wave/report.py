# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""The wave report: one JSON fragment per domain, merged into report.json, report.md and report.html.

Each domain writes its fragment when it ends (success or failure), so the report exists even when
every domain failed and later plays never ran. Fragments are merged under a lock: domains finish in
parallel.
"""

from __future__ import annotations

import datetime
import fcntl
import glob
import json
import os

from ansible_collections.mailwave.migrate.plugins.module_utils._common.files import (
    ensure_private_dir,
    write_private_file,
)

PHASES = ("preflight", "backup", "provision", "sync", "groupware", "cutover", "finalize", "notify", "rollback")
_SECRET_KEYS = ("password", "source_password", "oauth2_token", "source_oauth2_token", "api_key", "key_secret",
                "application_secret", "consumer_key", "api_token", "invocation")


def _first(data, *keys, default=None):
    """The first key present (dotted paths allowed) in a module result whose exact shape may vary."""
    for key in keys:
        cur = data
        for part in key.split("."):
            if isinstance(cur, dict) and part in cur:
                cur = cur[part]
            else:
                cur = None
                break
        if cur is not None:
            return cur
    return default


def scrub(value):
    """Drop anything that looks like a secret or a module invocation from data bound for the report."""
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items() if k not in _SECRET_KEYS}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


def _by_address(results):
    """Index a list of (loop or async) results by the mailbox address they were run for."""
    index = {}
    for res in results or []:
        if not isinstance(res, dict):
            continue
        item = res.get("item") or res.get("mailbox") or {}
        address = res.get("address") or (item.get("address") if isinstance(item, dict) else None)
        if not address and isinstance(item, dict):
            address = _first(item, "item.address", "item.item.address")
        if address:
            index[str(address).lower()] = res
    return index


def _all_by_address(results):
    """Like _by_address, but every result of an address, in order (several copy runs per wave)."""
    index = {}
    for res in results or []:
        one = _by_address([res])
        for address, value in one.items():
            index.setdefault(address, []).append(value)
    return index


def _errors_of(res):
    errors = []
    for err in _first(res, "errors", default=[]) or []:
        if isinstance(err, dict):
            errors.append("; ".join("%s: %s" % (k, v) for k, v in sorted(err.items()) if v not in (None, "")))
        else:
            errors.append(str(err))
    if res.get("failed") and res.get("msg"):
        errors.insert(0, str(res["msg"]))
    return errors


def mailbox_entry(box, info, syncs, quota):
    """One mailbox's line of the report from the raw results of imap_mailbox_info and imap_sync.

    syncs are all the copy runs of this mailbox in the run (pre-copy, final delta, last delta): what was
    copied is summed over them; the verdict, the errors and the verification come from the last one.
    """
    syncs = syncs or []
    sync = syncs[-1] if syncs else None
    entry = {"address": box.get("address"), "name": box.get("name"), "action": box.get("action") or "migrate"}
    if box.get("redirect_to"):
        entry["redirect_to"] = list(box["redirect_to"])
    if info:
        entry["source"] = {
            "messages": _first(info, "total.messages", "totals.messages", "messages", "count"),
            "bytes": _first(info, "total.bytes", "totals.bytes", "bytes", "size"),
            "folders": _first(info, "totals.folders", default=len(_first(info, "folders", default=[]) or [])),
            "big_messages": _first(info, "totals.big_messages"),
            "old_messages": _first(info, "totals.old_messages"),
            "newest_inbox": _first(info, "inbox_newest", "newest.inbox"),
            "newest_sent": _first(info, "sent_newest", "newest.sent"),
        }
        if info.get("failed"):
            entry["source"]["error"] = str(info.get("msg"))
    if quota is not None:
        entry["quota_mib"] = quota
    if sync:
        totals = _first(sync, "totals", "total", default={}) or {}
        entry["copy"] = {
            "source_messages": _first(totals, "source_messages"),
            "copied": sum(int(_first(s, "totals.copied", default=0) or 0) for s in syncs),
            "runs": len(syncs),
            "skipped": _first(totals, "skipped"),
            "missing": _first(totals, "missing"),
            "bytes": sum(int(_first(s, "totals.bytes", default=0) or 0) for s in syncs),
            "changed": any(bool(s.get("changed")) for s in syncs),
            "verdict": _first(sync, "verdict"),
            "seconds": _first(sync, "elapsed", "seconds", "duration", "delta"),
        }
        entry["errors"] = _errors_of(sync)
        if sync.get("paused") and not sync.get("failed"):
            # the source's day limit (Gmail: 2,500 MB a day): unfinished, not failed; the next run goes on
            entry["paused"] = {k: sync["paused"].get(k) for k in ("by", "reason", "resume_after")}
        entry["verified"] = bool(not sync.get("failed") and not entry["errors"]
                                 and _first(sync, "complete", "verified", default=True))
    return entry


def domain_fragment(params):
    """The report's record of one domain from the module's parameters."""
    boxes = params.get("mailboxes") or []
    infos = _by_address(params.get("source_info"))
    syncs = _all_by_address(params.get("sync_results"))
    quotas = {str(k).lower(): v for k, v in (params.get("quotas") or {}).items()}
    failure = params.get("failure") or {}
    status = "failed" if failure else ("dry-run" if params.get("check_mode") else "ok")
    if failure.get("paused"):
        status = "paused"
    entries = [mailbox_entry(b, infos.get(b.get("address", "").lower()), syncs.get(b.get("address", "").lower()),
                             quotas.get(b.get("address", "").lower())) for b in boxes]
    notices = notifications(params)
    for entry in entries:
        entry["notifications"] = notices.get(str(entry.get("address") or "").lower(), [])
    raises = quota_raises(params.get("quota_raises"))
    for entry in entries:
        if str(entry.get("address") or "").lower() in raises:
            entry["quota_raised"] = raises[str(entry["address"]).lower()]
    finals = final_quotas(params.get("final_quotas"))
    for entry in entries:
        address = str(entry.get("address") or "").lower()
        if address in finals:
            entry["quota_final"] = finals[address]
        elif entry.get("action") == "migrate":
            entry["quota_final"] = None  # finalize has not set it (not in this run): not known, not guessed
    if not failure and any(e.get("errors") for e in entries):
        status = "incomplete"
    groupware = groupware_entries(params.get("groupware_results"))
    for entry in entries:
        entry.update(groupware.get(str(entry.get("address") or "").lower(), {}))
    if not failure and groupware_incomplete(entries):
        status = "incomplete"
    return scrub({
        "domain": params["domain"],
        "status": status,
        "failed_phase": failure.get("phase"),
        "error": failure.get("msg"),
        "phases": params.get("timings") or {},
        "mailboxes": entries,
        "abandoned": params.get("abandoned") or [],
        "warnings": params.get("warnings") or [],
        "dns": {
            "before": params.get("dns_before") or [],
            "after": params.get("dns_after") or [],
            "backup": params.get("backup") or {},
            "propagation": params.get("propagation") or {},
        },
        "written": _now(),
    })


def quota_raises(raises):
    """Per address, the quota raises of the copies (the sync role's rounds, in order): first quota, last quota,
    messages refused for the quota, and whether the box stayed full at mailwave_quota_max."""
    out = {}
    for rec in raises or []:
        address = str(rec.get("address") or "").lower()
        entry = out.setdefault(address, {"from": rec.get("from"), "refused_messages": 0})
        entry["to"] = rec.get("to")
        entry["refused_messages"] += int(rec.get("refused_messages") or 0)
        entry["at_maximum"] = not rec.get("raised")
    return out


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def final_quotas(finals):
    """Per address, the quota in force on Mailcow at the end of the finalize phase and the space used there, from
    what the finalize role keeps ({address: {quota, used, measured_quota, changed}}): mib (0: unlimited),
    used_bytes, before_mib (the quota finalize found) and changed (whether finalize set another one)."""
    out = {}
    for address, rec in (finals or {}).items():
        if not isinstance(rec, dict):
            continue
        out[str(address).lower()] = {"mib": _int_or_none(rec.get("quota")), "used_bytes": _int_or_none(rec.get("used")),
                                     "before_mib": _int_or_none(rec.get("measured_quota", rec.get("quota"))),
                                     "changed": bool(rec.get("changed"))}
    return out


# ------------------------------------------------------------------ groupware (contacts, calendars, filters)
GROUPWARE_KINDS = ("contacts", "calendars", "filters")


def _count(value):
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def groupware_counts(kind, runs):
    """The report's counts of one kind (contacts, calendars, filters) from the groupware runs of a mailbox.

    runs are the groupware role's records of the mailbox in this run of the wave (after sync, final delta),
    each with the module's counts under ``kind``. What was copied (created or updated) is summed over the
    runs; source and errors (refused objects, and conflicts: objects kept at the destination in another
    version) come from the last run; already_there is the rest. For contacts and calendars, verified is what
    is known identical at the destination: every source object but the errors, those SOGo stored altered,
    and those a check-mode run only predicts. None when no run has the kind.
    """
    counted = [r for r in runs or [] if isinstance(r, dict) and isinstance(r.get(kind), dict)]
    if not counted:
        return None
    last = counted[-1]
    source = _count(last[kind].get("source"))
    copied = sum(_count(r[kind].get("copied")) + _count(r[kind].get("updated")) for r in counted)
    errors = _count(last[kind].get("errors")) + _count(last[kind].get("conflicts"))
    counts = {"source": source, "copied": copied, "already_there": max(0, source - copied - errors), "errors": errors}
    if kind != "filters":
        altered = sum(_count(r[kind].get("altered")) for r in counted)
        predicted = (_count(last[kind].get("copied")) + _count(last[kind].get("updated"))) if last.get("check_mode") else 0
        counts["verified"] = max(0, source - errors - altered - predicted)
        counts["altered"] = altered
    return counts


def groupware_entries(results):
    """{address: what the mailbox's record gets}: contacts, calendars, filters (see groupware_counts), and the
    last run's groupware_errors and groupware_notes (what was not moved and why) when there are any."""
    out = {}
    for address, runs in _all_by_address(results).items():
        entry = {}
        for kind in GROUPWARE_KINDS:
            counts = groupware_counts(kind, runs)
            if counts is not None:
                entry[kind] = counts
        last = runs[-1]
        if last.get("errors"):
            entry["groupware_errors"] = [str(e) for e in last["errors"]]
        if last.get("notes"):
            entry["groupware_notes"] = sorted({str(n) for n in last["notes"]})
        out[address] = entry
    return out


def groupware_incomplete(entries):
    """True when a mailbox's contacts, calendars or filters were not all moved."""
    return any(e.get("groupware_errors") or any(_count((e.get(k) or {}).get("errors")) for k in GROUPWARE_KINDS)
               for e in entries)


def _groupware_cell(counts):
    if not counts:
        return "-"
    text = "%s/%s" % (counts.get("copied"), counts.get("source"))
    extra = []
    if counts.get("already_there"):
        extra.append("%s there" % counts["already_there"])
    if "verified" in counts:
        extra.append("%s verified" % counts["verified"])
    if counts.get("altered"):
        extra.append("%s altered" % counts["altered"])
    if counts.get("errors"):
        extra.append("%s ERRORS" % counts["errors"])
    return text + (" (%s)" % ", ".join(extra) if extra else "")


def groupware_markdown(boxes):
    """The report.md lines of a domain's contacts, calendars and filters (copied/source, then the details);
    nothing when the groupware phase did not look at the domain."""
    moved = [b for b in boxes or [] if any(k in b for k in GROUPWARE_KINDS + ("groupware_errors", "groupware_notes"))]
    if not moved:
        return []
    out = ["Contacts, calendars and filters (copied/source):", "",
           "| mailbox | contacts | calendars | filters | notes |", "| --- | --- | --- | --- | --- |"]
    for box in moved:
        notes = list(box.get("groupware_errors") or []) + list(box.get("groupware_notes") or [])
        out.append("| %s | %s | %s | %s | %s |" % (
            _cell(box.get("address")), _groupware_cell(box.get("contacts")), _groupware_cell(box.get("calendars")),
            _groupware_cell(box.get("filters")), _cell("; ".join(notes))))
    return out + [""]


def notifications(params):
    """{address: [{kind, to, sent, at}]} from the domain's sent-log (the notify role's mail_send), where the
    wave keeps it: <work dir>/notifications/<domain>/sent.json, the work dir being run_dir's grandparent."""
    path = params.get("notifications_log") or os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(params.get("run_dir") or "."))), "notifications",
        str(params.get("domain")), "sent.json")
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return {}
    out = {}
    for sent, records in ((True, data.get("sent") or {}), (False, data.get("pending") or {})):
        for key, rec in sorted(records.items(), key=lambda kv: (str(kv[1].get("at") or ""), kv[0])):
            if isinstance(rec, dict) and rec.get("mailbox"):
                out.setdefault(str(rec["mailbox"]).lower(), []).append(
                    {"kind": rec.get("kind"), "to": rec.get("to") or [], "sent": sent, "at": rec.get("at")})
    return out


def _now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _size(num):
    if num in (None, ""):
        return "-"
    try:
        num = float(num)
    except (TypeError, ValueError):
        return str(num)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if num < 1024 or unit == "GiB":
            return ("%d %s" % (num, unit)) if unit == "B" else ("%.1f %s" % (num, unit))
        num /= 1024.0
    return str(num)


def _cell(value):
    if value in (None, ""):
        return "-"
    return str(value).replace("|", "\\|").replace("\n", " ")


def _records(records):
    lines = []
    for rec in records or []:
        if not isinstance(rec, dict):
            lines.append(str(rec))
            continue
        values = rec.get("value", rec.get("values", []))
        if not isinstance(values, list):
            values = [values]
        lines.append("%s %s %s %s" % (rec.get("record", rec.get("name", "@")) or "@", rec.get("ttl", "-"),
                                      rec.get("type", "?"), " ".join(str(v) for v in values)))
    return lines


def summarize(report):
    """A few lines for the console: one per domain plus the totals."""
    lines = ["Wave %s, run %s: %d domain(s), %d ok, %d failed" % (
        report["wave"], report["run_id"], len(report["domains"]),
        sum(1 for d in report["domains"] if d["status"] in ("ok", "dry-run")),
        sum(1 for d in report["domains"] if d["status"] in ("failed", "incomplete")))]
    paused = sum(1 for d in report["domains"] if d["status"] == "paused")
    if paused:
        lines[0] += ", %d paused by the provider" % paused
    for dom in report["domains"]:
        boxes = dom.get("mailboxes") or []
        copied = sum(int((b.get("copy") or {}).get("copied") or 0) for b in boxes)
        verified = sum(1 for b in boxes if b.get("verified"))
        moving = [b for b in boxes if (b.get("action") or "migrate") == "migrate"]
        line = "  %-30s %-10s %d mailbox(es), %d verified, %d message(s) copied" % (
            dom["domain"], dom["status"], len(moving), verified, copied)
        others = ["%d %s" % (n, word) for n, word in (
            (sum(1 for b in boxes if b.get("action") == act), word)
            for act, word in (("redirect", "redirected"), ("delete", "deleted"), ("later", "later")))
            if n]
        if others:
            line += " (%s)" % ", ".join(others)
        if dom.get("error"):
            line += " - %s %s: %s" % (dom.get("failed_phase") or "?",
                                      "paused" if dom["status"] == "paused" else "failed", dom["error"])
        lines.append(line)
    return lines


def _action_text(box):
    action = box.get("action") or "migrate"
    if action == "redirect":
        return "redirect to " + ", ".join(box.get("redirect_to") or [])
    return action


def _quota_raise_text(raised):
    text = "found full by the copy (%s message(s) refused)" % raised.get("refused_messages")
    if raised.get("to") != raised.get("from"):
        text += ", quota raised from %s to %s MiB" % (raised.get("from"), raised.get("to"))
    if raised.get("at_maximum"):
        text += "; full at mailwave_quota_max (%s MiB): raise it, or have the user clean up, and run again" % (
            raised.get("to"))
    return text


def final_quota_text(box):
    """The quota in force on Mailcow as the report shows it: the MiB finalize set or found ("unlimited" for 0, and
    what it was before when finalize changed it); "not set yet" for a box finalize has not measured in this run;
    None (a dash) for a box that is not moved to Mailcow."""
    if "quota_final" not in box:
        return None
    final = box["quota_final"]
    if not final:
        return "not set yet"
    text = "unlimited" if final.get("mib") == 0 else str(final.get("mib"))
    if final.get("changed") and final.get("before_mib") not in (None, final.get("mib")):
        text += " (was %s)" % ("unlimited" if final["before_mib"] == 0 else final["before_mib"])
    return text


def _final_used_text(box):
    return _size((box.get("quota_final") or {}).get("used_bytes"))


def render_markdown(report):
    out = ["# Mailwave report: wave %s" % report["wave"], "",
           "Run `%s`, updated %s%s." % (report["run_id"], report["updated"],
                                        " (check mode: nothing was changed)" if report.get("check_mode") else ""),
           "", "## Summary", "", "```"] + summarize(report) + ["```", ""]
    for dom in report["domains"]:
        out += ["## %s: %s" % (dom["domain"], dom["status"]), ""]
        if dom.get("error"):
            what = "Paused by the provider" if dom["status"] == "paused" else "Failed"
            out += ["**%s in phase `%s`:** %s" % (what, dom.get("failed_phase") or "?", dom["error"]), ""]
        phases = dom.get("phases") or {}
        if phases:
            out += ["| phase | started | seconds |", "| --- | --- | --- |"]
            for name in PHASES:
                if name in phases:
                    ph = phases[name] or {}
                    out.append("| %s | %s | %s |" % (name, _cell(ph.get("start")), _cell(ph.get("seconds"))))
            out.append("")
        boxes = dom.get("mailboxes") or []
        if boxes:
            out += ["| mailbox | action | source messages | source size | planned quota MiB | quota on Mailcow MiB "
                    "| used on Mailcow | copied (runs) | missing on destination | verified | errors |",
                    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
            for box in boxes:
                src = box.get("source") or {}
                cop = box.get("copy") or {}
                out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                    _cell(box.get("address")), _cell(_action_text(box)), _cell(src.get("messages")), _size(src.get("bytes")),
                    _cell(box.get("quota_mib")), _cell(final_quota_text(box)), _final_used_text(box),
                    _cell(("%s (%s)" % (cop.get("copied"), cop.get("runs"))) if cop else None), _cell(cop.get("missing")),
                    "yes" if box.get("verified") else ("-" if "verified" not in box else (
                        "paused by the provider until %s" % box["paused"].get("resume_after") if box.get("paused") else "NO")),
                    _cell("; ".join(box.get("errors") or []) or src.get("error"))))
            out.append("")
            listed = len(out)
            verdicts = [(b["address"], (b.get("copy") or {}).get("verdict")) for b in boxes
                        if (b.get("copy") or {}).get("verdict")]
            for address, verdict in verdicts:
                out.append("- %s: %s" % (address, verdict))
            for box in boxes:
                raised = box.get("quota_raised")
                if raised:
                    out.append("- %s: %s" % (box["address"], _quota_raise_text(raised)))
            unset = [b["address"] for b in boxes if "quota_final" in b and not b["quota_final"]]
            if unset:
                out.append("- quota on Mailcow not set yet for %d mailbox(es): finalize (the day after the switch) "
                           "sets it to the size used there plus the margin, and its run's report shows it" % len(unset))
            if len(out) > listed:
                out.append("")
        out += groupware_markdown(boxes)
        for title, key in (("Abandoned-looking mailboxes", "abandoned"), ("Warnings", "warnings")):
            if dom.get(key):
                out += ["%s:" % title, ""] + ["- %s" % _cell(x) for x in dom[key]] + [""]
        dns = dom.get("dns") or {}
        if dns.get("backup"):
            backup = dns["backup"]
            out += ["Zone backup: `%s` (serial %s)" % (_cell(backup.get("path")), _cell(backup.get("serial"))), ""]
        for title, key in (("DNS before", "before"), ("DNS after", "after")):
            if dns.get(key):
                out += ["%s:" % title, "", "```"] + _records(dns[key]) + ["```", ""]
        if dns.get("propagation"):
            prop = dns["propagation"]
            out += ["Propagation: %s" % ("converged on every authoritative server" if prop.get("converged", True)
                                         and not prop.get("failed") else "NOT converged"), ""]
    return "\n".join(out) + "\n"


class _Lock:
    def __init__(self, path):
        self.path = path
        self.handle = None

    def __enter__(self):
        self.handle = open(self.path, "a")  # pylint: disable=consider-using-with
        fcntl.flock(self.handle, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def write(run_dir, wave, run_id, fragment=None, check_mode=False):
    """Store the fragment (if any) and rewrite report.json, .md and .html; return (report, paths)."""
    # imported here: report_html builds on this module's helpers
    from ansible_collections.mailwave.migrate.plugins.module_utils._wave.report_html import render_html

    ensure_private_dir(os.path.join(run_dir, "domains"))
    with _Lock(os.path.join(run_dir, ".lock")):
        if fragment is not None:
            write_private_file(os.path.join(run_dir, "domains", fragment["domain"] + ".json"),
                               json.dumps(fragment, indent=2, sort_keys=True) + "\n")
        domains = []
        for path in sorted(glob.glob(os.path.join(run_dir, "domains", "*.json"))):
            with open(path, encoding="utf-8") as handle:
                domains.append(json.load(handle))
        report = {"wave": wave, "run_id": run_id, "updated": _now(), "check_mode": bool(check_mode),
                  "domains": domains}
        json_path = os.path.join(run_dir, "report.json")
        md_path = os.path.join(run_dir, "report.md")
        html_path = os.path.join(run_dir, "report.html")
        write_private_file(json_path, json.dumps(report, indent=2, sort_keys=True) + "\n")
        write_private_file(md_path, render_markdown(report))
        write_private_file(html_path, render_html(report))
    return report, {"json": json_path, "markdown": md_path, "html": html_path}
