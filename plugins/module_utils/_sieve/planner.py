# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Sieve scripts of a source account -> Mailcow filters of one mailbox: what to add or edit (no I/O).

A source script becomes the Mailcow filter whose ``script_desc`` is the script's name, of the
chosen ``filter_type``. Mailcow keeps at most one active filter per mailbox and type, and activating
one deactivates the others, so the script that is active at the source is written last; any other
active filter of that type (made at Mailcow, not by us) is named in the action as deactivated.
Nothing is ever deleted at Mailcow.
"""

from __future__ import annotations

import dataclasses

ADD, EDIT, UNCHANGED, ERROR = "add", "edit", "unchanged", "error"


@dataclasses.dataclass(frozen=True)
class Script:
    name: str
    data: str
    active: bool


@dataclasses.dataclass(frozen=True)
class FilterAction:
    kind: str
    name: str
    active: bool
    data: str = ""
    filter_id: int | None = None
    changes: tuple[str, ...] = ()
    deactivates: tuple[str, ...] = ()
    reason: str = ""


def same_script(a: str, b: str) -> bool:
    """Equal but for line ends (Mailcow's web form sends LF, ManageSieve servers keep what they got)."""
    return a.replace("\r\n", "\n") == b.replace("\r\n", "\n")


def plan(scripts: list[Script], filters: list[dict], filter_type: str) -> list[FilterAction]:
    mine = [f for f in filters if f.get("filter_type") == filter_type]
    by_desc: dict[str, dict] = {}
    for row in sorted(mine, key=lambda f: int(f["id"])):
        by_desc.setdefault(row["script_desc"], row)
    names = {s.name for s in scripts}
    others_active = tuple(sorted(f["script_desc"] for f in mine if int(f.get("active") or 0) == 1
                                 and f["script_desc"] not in names))
    actions = []
    for script in sorted(scripts, key=lambda s: (s.active, s.name)):
        if not script.data.strip():
            actions.append(FilterAction(ERROR, script.name, script.active, reason="empty script: Mailcow refuses it"))
            continue
        row = by_desc.get(script.name)
        if row is None:
            actions.append(FilterAction(ADD, script.name, script.active, script.data,
                                        deactivates=others_active if script.active else ()))
            continue
        changes = []
        if not same_script(row.get("script_data", ""), script.data):
            changes.append("script_data")
        if bool(int(row.get("active") or 0)) != script.active:
            changes.append("active")
        if not changes:
            actions.append(FilterAction(UNCHANGED, script.name, script.active, filter_id=int(row["id"])))
        else:
            actions.append(FilterAction(EDIT, script.name, script.active, script.data, int(row["id"]), tuple(changes),
                                        deactivates=others_active if script.active and "active" in changes else ()))
    return actions
