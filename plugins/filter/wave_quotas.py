# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Mailbox quotas of a wave, in MiB: generous while copying, raised when a copy finds a box full, shrunk
after, never below the inventory's.

The inventory's quota of a mailbox is a floor: what the team promised the user stays.
"""

from __future__ import annotations

import math

from ansible.errors import AnsibleFilterError

MIB = 1048576


def _num(value, what):
    if value in (None, ""):
        return 0
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise AnsibleFilterError("mailwave.migrate: %s %r is not a number" % (what, value)) from None
    if number < 0:
        raise AnsibleFilterError("mailwave.migrate: %s %r is negative" % (what, value))
    return number


def _quota(used_bytes, factor, minimum, floor, what):
    used = _num(used_bytes, "the size in bytes")
    scaled = int(math.ceil(used / MIB * _num(factor, what)))
    return max(scaled, int(_num(minimum, "the minimum quota")), int(_num(floor, "the inventory quota")))


def planned_quota(used_bytes, factor=3, minimum=1024, floor=None):
    """Quota while copying: the source size times factor (a copy can be 1 to 3 times the announced size)."""
    return _quota(used_bytes, factor, minimum, floor, "mailwave_quota_factor")


def final_quota(used_bytes, margin=1.5, minimum=1024, floor=None):
    """Quota after the migration: the measured size times margin, never below minimum nor the inventory's."""
    return _quota(used_bytes, margin, minimum, floor, "mailwave_quota_margin")


def quota_raises(sync_results, mailcow_mailboxes, maximum=0):
    """For each copy the destination refused mail to because the box was full (imap_sync's over_quota),
    the quota that box needs: what it holds and what it refused, a quarter more for mail arriving meanwhile,
    at least half again its quota (the destination may count sizes otherwise than the source), at most
    maximum (0: no limit). Returns [{address, from, to, raised, refused_messages}] in MiB; raised is false
    when the box already has the maximum (the copy cannot go on: the caller reports it)."""
    cap = int(_num(maximum, "mailwave_quota_max"))
    quotas = {}
    for box in mailcow_mailboxes or []:
        quotas[str(box.get("address", "")).lower()] = box
    raises = []
    for res in sync_results or []:
        refused = (res.get("over_quota") or {}) if isinstance(res, dict) else {}
        if not int(_num(refused.get("messages"), "over_quota.messages")):
            continue
        address = str((res.get("item") or {}).get("address", "")).lower()
        box = quotas.get(address)
        if box is None:
            raise AnsibleFilterError("mailwave.migrate: %s was found full by the copy but Mailcow does not list it"
                                     % address)
        current = int(_num(box.get("quota"), "the Mailcow quota"))
        if current == 0:
            continue  # unlimited on Mailcow: the refusal is the server's own limit, not a quota to raise
        used = _num(box.get("quota_used"), "the Mailcow quota used")
        needed = int(math.ceil((used + _num(refused.get("bytes"), "over_quota.bytes")) * 1.25 / MIB))
        wanted = max(needed, int(math.ceil(current * 1.5)), current + 1)
        new = min(wanted, cap) if cap else wanted
        raises.append({"address": address, "from": current, "to": max(new, current), "raised": new > current,
                       "refused_messages": int(refused["messages"])})
    return raises


def domain_quota_limits(addresses, planned, mailcow_mailboxes, minimum=1024, quota=0, max_quota=0):
    """A domain's quota and largest mailbox quota (MiB) on Mailcow: what the team set, else room for each of
    addresses at its planned quota or at what it has on Mailcow when more (a copy that found it full raised
    it), plus one default quota for a box added by hand. The one rule provision and the quota raise share,
    so that neither undoes the other."""
    low = int(_num(minimum, "mailwave_quota_min"))
    now = {str(b.get("address", "")).lower(): int(_num(b.get("quota"), "the Mailcow quota"))
           for b in mailcow_mailboxes or []}
    each = [low]
    for address in addresses or []:
        want = (planned or {}).get(address)
        want = low if want in (None, "") else int(_num(want, "the planned quota of %s" % address))
        each.append(max(want, now.get(str(address).lower(), 0)))
    return {"quota": max(int(_num(quota, "mailwave_domain_quota")), sum(each)),
            "max_quota": max(int(_num(max_quota, "mailwave_mailbox_max_quota")), *each)}


class FilterModule(object):
    def filters(self):
        return {"planned_quota": planned_quota, "final_quota": final_quota, "quota_raises": quota_raises,
                "domain_quota_limits": domain_quota_limits}
