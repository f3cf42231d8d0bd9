# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Mailbox quotas of a wave, in MiB: generous while copying, shrunk after, never below the inventory's.

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


class FilterModule(object):
    def filters(self):
        return {"planned_quota": planned_quota, "final_quota": final_quota}
