# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Who gets which message: decisions the notify role takes per mailbox, kept out of Jinja."""

from __future__ import annotations

from ansible_collections.mailwave.migrate.plugins.module_utils._wave.report import _all_by_address, _errors_of


def recipient(box, mailboxes=None, addresses=None):
    """Where a user's messages go: the box's notify_address (from the checked box, the inventory's own
    entry, or the addresses mapping), else the box itself (read at the old provider before the switch)."""
    address = str(box.get("address") or "").strip()
    if not address:
        raise ValueError("a mailbox without an address: %r" % (box,))
    if box.get("notify_address"):
        return str(box["notify_address"]).strip()
    for raw in mailboxes or []:
        if isinstance(raw, dict) and str(raw.get("address") or "").strip().lower() == address.lower() \
                and raw.get("notify_address"):
            return str(raw["notify_address"]).strip()
    lowered = {str(k).lower(): v for k, v in (addresses or {}).items()}
    if lowered.get(address.lower()):
        return str(lowered[address.lower()]).strip()
    return address


def failed_mailboxes(sync_results):
    """[{"address", "errors"}] of the boxes whose last copy run failed or reported errors, by address."""
    out = []
    for address, runs in sorted(_all_by_address(sync_results).items()):
        last = runs[-1]
        errors = _errors_of(last)
        if last.get("failed") or errors:
            out.append({"address": address, "errors": errors or [str(last.get("msg") or "failed")]})
    return out
