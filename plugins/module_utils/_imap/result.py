# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""The result of an imap_sync run: check mode's prediction from the plan, totals, verdict, per-folder counters."""

from __future__ import annotations

import time

from ansible_collections.mailwave.migrate.plugins.module_utils._imap.session import COUNTERS


def predict(engine, works):
    """Check mode: the counters a real run would reach, from the plan alone (nothing is copied)."""
    for work in works:
        stats = work.stats
        if stats["unchanged"]:
            continue
        stats["copied"] = len(work.to_copy)
        stats["bytes"] = sum(m.size for m in work.to_copy)
        stats["flags_updated"] = len(work.flag_updates)
        stats["deleted_destination"] = len(work.delete_destination)
        if engine.opts.get("delete1"):
            # a real run deletes what is there now and what it copies (once verified)
            stats["deleted_source"] = len(work.matched) + len(work.to_copy)
        stats["destination_messages_after"] = (stats["destination_messages_before"] + stats["copied"]
                                               - stats["deleted_destination"])


def predict_pause(engine, works):
    """Check mode: would the copy pass the source's day limit? Then where a real run would pause."""
    now = time.time()
    need = sum(m.size for work in works for m in work.to_copy)
    used = engine.day.used(now)
    # more than a whole day's limit on an unused day pauses too: its first batches go (DayBudget.take), the rest waits
    if not need or used + need <= engine.day.limit:
        return None
    return {"by": "day_limit", "predicted": True,
            "reason": "the copy would pass the source account's download limit (max_bytes_per_day, %d MB in 24 hours; "
                      "%d MB used, %d MB to copy)" % (engine.day.limit // 1000000, used // 1000000, need // 1000000),
            "resume_after": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)), "downloaded_24h": used}


def build(engine, works, plan, started):
    """The module's result dict: totals, per-folder counters, verdict, errors."""
    elapsed = max(time.monotonic() - started, 1e-6)
    totals = {key: 0 for key in COUNTERS}
    folders = []
    for work in works:
        for key in COUNTERS:
            totals[key] += work.stats[key]
        folders.append(dict(work.stats))
    totals["errors"] = engine.error_count
    changed = bool(totals["copied"] or totals["flags_updated"] or totals["deleted_source"]
                   or totals["deleted_destination"] or engine.created_folders or engine.subscribed_folders)
    selected = totals["source_selected"] - totals["cross_duplicates"]
    if engine.check_mode:
        missing = totals["copied"]
        verdict = ("check mode: all %d messages of the source are on the destination" % selected if not missing
                   else "check mode: %d of %d messages of the source would be copied" % (missing, selected))
    else:
        missing = totals["missing"]
        changed_by_server = engine.finisher.changed
        if missing:
            verdict = "%d of %d messages of the source are missing on the destination" % (missing, selected)
        elif changed_by_server:
            # on the destination, but not as sent: never "all is well" beside those errors
            verdict = ("%d of %d messages of the source are on the destination as on the source, %d with changes "
                       "the destination made (see errors)" % (selected - changed_by_server, selected, changed_by_server))
        else:
            verdict = "all %d messages of the source are on the destination" % selected
    if engine.error_count:
        verdict += "; %d error(s)" % engine.error_count
    if engine.stopped:
        verdict += "; stopped at errors_max"
    paused = engine.paused
    if engine.check_mode and engine.day.limit:
        paused = predict_pause(engine, works)
    if paused:
        verdict = "paused by the provider until %s (%s): %s" % (paused["resume_after"], paused["reason"], verdict)
    warnings = list(engine.warnings)
    if engine.finisher.line_ended:
        warnings.append("the destination ended %d message(s) that had no final line end with CRLF (size + 2, as "
                        "Courier-IMAP does); recognised, not an error" % engine.finisher.line_ended)
    return {
        "changed": changed,
        "verdict": verdict,
        "complete": (not missing or engine.check_mode) and not engine.error_count,
        "totals": totals,
        "folders": folders,
        "errors": engine.errors,
        "over_quota": dict(engine.over_quota),
        "paused": paused,
        "renamed_folders": list(getattr(plan, "renamed", []) or []),
        "excluded_folders": list(getattr(plan, "excluded", []) or []),
        "automapped_folders": list(getattr(plan, "automapped", []) or []),
        "rewritten_folders": list(getattr(plan, "rewritten", []) or []),
        "created_folders": list(engine.created_folders),
        "subscribed_folders": list(engine.subscribed_folders),
        "warnings": warnings,
        "elapsed": round(elapsed, 3),
        "bytes_per_second": int(totals["bytes"] / elapsed) if not engine.check_mode else 0,
        "messages_per_second": round(totals["copied"] / elapsed, 1) if not engine.check_mode else 0.0,
        "reconnections": engine.reconnections,
        "connections": engine.workers(),
    }
