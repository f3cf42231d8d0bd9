# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The cut-over's decisions, apart from any I/O, so that each one is tested row by row.

``cutover_plan`` takes what the role has read (the target records, the MX now, the MX before the wave,
the cut-over record kept in the wave's files, the clock) and says what to do: lower the TTL or not, how
long is left to wait, whether the MX is already switched, the final TTL, the old MX to relay to.
``finalize_gate`` says whether finalize may run (long enough since the MX switch).
"""

from __future__ import annotations

import datetime
import re

from ansible.errors import AnsibleFilterError

DEFAULT_FINAL_TTL = 3600
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$", re.I)
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def _fail(msg):
    raise AnsibleFilterError("mailwave.migrate: " + msg)


def parse_duration(value, what="duration"):
    """Seconds of 90, '90', '30m', '24h', '2d'."""
    if isinstance(value, bool):
        _fail("%s %r is not a duration (seconds, or a number with s, m, h or d)" % (what, value))
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if not match:
            _fail("%s %r is not a duration (seconds, or a number with s, m, h or d)" % (what, value))
        seconds = float(match.group(1)) * _UNITS[match.group(2).lower()]
    if seconds < 0:
        _fail("%s %r is negative" % (what, value))
    return int(seconds)


def iso(timestamp):
    return datetime.datetime.fromtimestamp(float(timestamp), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value, what):
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    try:
        when = datetime.datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        _fail("%s %r in the cut-over record is not a UTC time like 2026-11-22T17:16:39Z; fix or remove the "
              "record file" % (what, value))
    return when.replace(tzinfo=datetime.timezone.utc).timestamp()


def _ttl(rrset):
    try:
        return int(rrset["ttl"])
    except (KeyError, TypeError, ValueError):
        return None


def _values(rrset):
    value = (rrset or {}).get("value") or []
    if isinstance(value, str):
        value = [value]
    return sorted(" ".join(str(v).lower().split()) for v in value)


def lowest_preference_host(mx):
    """The host of the MX value with the lowest preference (the one senders try first)."""
    best = None
    for value in (mx or {}).get("value") or []:
        parts = str(value).split()
        if len(parts) != 2 or not parts[0].isdigit():
            continue
        key = (int(parts[0]), parts[1].lower())
        if best is None or key < best:
            best = key
    return best[1].rstrip(".") if best else None


def _apex_mx(records, zone):
    apex = {"@", "", zone, zone + "."} if zone else {"@", ""}
    for rec in records or []:
        if not isinstance(rec, dict):
            _fail("the target records must be dicts (record, type, ttl, value), got %r" % (rec,))
        if str(rec.get("type", "")).upper() == "MX" and str(rec.get("record", "")).lower() in apex:
            return rec
    _fail("the target records have no MX at the apex of %s" % (zone or "the zone"))


def cutover_plan(records, zone=None, mx_before=None, original_mx=None, record=None, mx_ttl=None,
                 low_ttl=60, wait_max=86400, now=None):
    """What the cut-over does next. See the module docstring; every argument is plain data."""
    record = record or {}
    if not isinstance(record, dict):
        _fail("the cut-over record must be a dict, got %r" % (record,))
    now = float(now) if now is not None else datetime.datetime.now(datetime.timezone.utc).timestamp()
    low_ttl = int(low_ttl)
    wait_max = int(wait_max)
    target_mx = _apex_mx(records, zone)
    mx_before = mx_before or None
    switched = mx_before is not None and _values(mx_before) == _values(target_mx)

    current_ttl = _ttl(mx_before) if mx_before else None
    original_ttl = _ttl(original_mx) if original_mx else None
    recorded_before = record.get("mx_ttl_before")
    recorded_before = int(recorded_before) if recorded_before not in (None, "") else None

    if mx_ttl not in (None, ""):
        final_ttl = int(mx_ttl)
    elif original_ttl is not None:
        final_ttl = original_ttl
    elif recorded_before is not None:
        final_ttl = recorded_before
    else:
        final_ttl = DEFAULT_FINAL_TTL

    lower_ttl = bool(not switched and current_ttl is not None and current_ttl > low_ttl)
    lowered_at = parse_time(record.get("mx_ttl_lowered_at"), "mx_ttl_lowered_at")
    wait_from = None
    if switched or mx_before is None:
        wait, why = 0, "the MX is already switched" if switched else "the zone has no MX to wait out"
    elif lower_ttl:
        wait, why = min(current_ttl, wait_max), "the old TTL (%ss), from now" % current_ttl
    elif lowered_at is not None and recorded_before is not None:
        # A resumed cut-over: what is left of the old TTL since it was lowered (kept in the record).
        wait_from = lowered_at
        wait = max(0, int(round(lowered_at + min(recorded_before, wait_max) - now)))
        why = "what is left of the old TTL (%ss) lowered at %s" % (recorded_before, iso(lowered_at))
    elif original_ttl is not None and original_ttl > low_ttl:
        # The TTL is already low but nothing says when it was lowered (interrupted before the record was
        # written): resolvers may still cache the old MX for the whole original TTL.
        wait, why = min(original_ttl, wait_max), "the original TTL (%ss): no record of when it was lowered" % original_ttl
    else:
        wait, why = 0, "the MX TTL was already %ss before the wave" % current_ttl

    target_final = [dict(rec, ttl=final_ttl) if rec is target_mx else rec for rec in records]
    return {
        "target_mx": target_mx,
        "target_final": target_final,
        "mx_switched": switched,
        "final_mx_ttl": final_ttl,
        "lower_ttl": lower_ttl,
        "ttl_wait": wait,
        "ttl_wait_reason": why,
        "ttl_wait_from": iso(wait_from) if wait_from is not None else None,
        "old_mx": lowest_preference_host(mx_before),
        # The TTL to keep in the wave's files once lowered (the role adds the time it was lowered).
        "mx_ttl_before": current_ttl,
    }


def finalize_gate(record, after="24h", force=False, now=None):
    """{ready, left, switched_at, msg}: finalize runs once `after` has passed since the MX switch."""
    record = record or {}
    now = float(now) if now is not None else datetime.datetime.now(datetime.timezone.utc).timestamp()
    after_s = parse_duration(after, "mailwave_finalize_after")
    switched = parse_time(record.get("mx_switched_at"), "mx_switched_at")
    if switched is None:
        left, msg = None, ("no MX switch is recorded for this domain (run the cutover first); finalize "
                           "disables the copies that still bring mail from the old provider")
    else:
        left = max(0, int(round(switched + after_s - now)))
        msg = ("the MX was switched at %s; mail still reaches the old provider for a while, so finalize waits "
               "%ds after the switch (mailwave_finalize_after): %ds left" % (iso(switched), after_s, left))
    ready = bool(force) or left == 0
    if force and left != 0:
        msg = "forced (mailwave_finalize_force): " + msg
    return {"ready": ready, "left": left, "switched_at": iso(switched) if switched is not None else None,
            "msg": msg}


class FilterModule(object):
    def filters(self):
        return {
            "cutover_plan": cutover_plan,
            "finalize_gate": finalize_gate,
            "lowest_preference_host": lowest_preference_host,
        }
