# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""imapsync's end-of-run report (the log Mailcow keeps per sync job) parsed into numbers."""

from __future__ import annotations

import re

_NUMBER_LINES = {
    "messages_transferred": r"^Messages transferred\s*:\s*(\d+)",
    "messages_skipped": r"^Messages skipped\s*:\s*(\d+)",
    "messages_deleted_source": r"^Messages deleted on host1\s*:\s*(\d+)",
    "messages_deleted_destination": r"^Messages deleted on host2\s*:\s*(\d+)",
    "bytes_transferred": r"^Total bytes transferred\s*:\s*(\d+)",
    "bytes_skipped": r"^Total bytes skipped\s*:\s*(\d+)",
    "errors": r"^Detected (\d+) errors?",
}
_EXIT_RE = re.compile(r"Exiting with return value (\d+) \(([^:)]+)(?::\s*([^)]*))?\)")
_VERDICT_RE = re.compile(r"^(The sync (?:looks good|is not finished|is strict)[^\n]*)", re.M)
_FOLDERS_RE = re.compile(r"^Folders synced\s*:\s*(\d+)/(\d+)", re.M)
_DRY_RE = re.compile(r"could be (\d+) without dry mode")


def parse_imapsync_log(text):
    """Statistics of the LAST run in text. Numbers are None when the log does not have them."""
    text = text or ""
    start = text.rfind("++++ Statistics")
    stats_text = text[start:] if start >= 0 else text
    out = {}
    for key, pattern in _NUMBER_LINES.items():
        found = re.findall(pattern, stats_text, flags=re.M)
        out[key] = int(found[-1]) if found else None
    folders = _FOLDERS_RE.search(stats_text)
    out["folders_synced"] = int(folders.group(1)) if folders else None
    out["folders_total"] = int(folders.group(2)) if folders else None
    dry = _DRY_RE.search(stats_text)
    out["messages_transferable"] = int(dry.group(1)) if dry else None
    exits = list(_EXIT_RE.finditer(text))
    if exits:
        last = exits[-1]
        out["exit_code"] = int(last.group(1))
        out["exit_status"] = last.group(2).strip()
        out["exit_message"] = (last.group(3) or "").strip() or None
    else:
        out["exit_code"] = out["exit_status"] = out["exit_message"] = None
    out["verdict"] = _VERDICT_RE.findall(stats_text)
    out["has_statistics"] = start >= 0
    return out
