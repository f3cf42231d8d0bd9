# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""The lines a person reads while a batch of copies runs, from the progress file imap_sync_batch rewrites
(runner.BatchRunner.progress): one summary line, then one line per copy running or waiting to retry."""

from __future__ import annotations


def _size(num):
    num = float(num or 0)
    if num >= 1e9:
        return "%.2f GB" % (num / 1e9)
    if num >= 1e6:
        return "%.1f MB" % (num / 1e6)
    return "%d kB" % round(num / 1e3)


def _duration(seconds):
    seconds = int(seconds)
    if seconds >= 3600:
        return "%dh%02dm" % (seconds // 3600, seconds % 3600 // 60)
    if seconds >= 60:
        return "%dm%02ds" % (seconds // 60, seconds % 60)
    return "%ds" % seconds


def box_line(box_id, record):
    """One copy: what it did of what it knows of, its rate and ETA; or why it waits."""
    status = record.get("status")
    if status == "waiting" and record.get("retry_at"):
        return "  %s: waiting to retry at %s (attempt %s): %s" % (
            box_id, record["retry_at"], record.get("attempts"), record.get("msg") or "")
    live = record.get("progress")
    if status != "running":
        return None
    if not live or live.get("phase") != "copying":
        return "  %s: listing and comparing the folders" % box_id
    line = "  %s: %d/%d messages, %s/%s, %s/s" % (
        box_id, live["messages"], live["messages_total"], _size(live["bytes"]), _size(live["bytes_total"]),
        _size(live.get("bytes_per_second")))
    if live.get("eta_seconds") is not None:
        line += ", ETA %s" % _duration(live["eta_seconds"])
    return line


def lines(progress, label=None, token=None):
    """Summary line (with label, e.g. the domain and copy host), then one line per active copy.

    With a token, a file another batch wrote (an earlier run's, still there until this batch's first write)
    shows nothing."""
    if not progress or (token and progress.get("token") != token):
        return []
    out = [("%s: " % label if label else "") + str(progress.get("summary") or "")]
    for box_id in sorted(progress.get("boxes") or {}):
        line = box_line(box_id, progress["boxes"][box_id])
        if line:
            out.append(line)
    return out
