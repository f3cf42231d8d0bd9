"""cutover_plan and finalize_gate: the cut-over's decisions, row by row, without a server."""
from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.mailwave.migrate.plugins.filter.wave_cutover import (
    cutover_plan,
    finalize_gate,
    iso,
    lowest_preference_host,
    parse_duration,
)

NOW = 1_800_000_000.0
TARGET = [
    {"record": "@", "type": "MX", "ttl": 3600, "value": ["10 mail.example.net."]},
    {"record": "@", "type": "TXT", "ttl": 3600, "value": ["v=spf1 mx a -all"]},
]
OLD = {"record": "@", "type": "MX", "ttl": 3600, "value": ["20 mx2.old.test.", "10 mx1.old.test."]}


def mx(ttl, value=None):
    return dict(OLD, ttl=ttl, value=value or OLD["value"])


def plan(**kw):
    args = dict(zone="example.org", mx_before=mx(3600), original_mx=mx(3600), record={}, mx_ttl=None, low_ttl=60,
                wait_max=86400, now=NOW)
    args.update(kw)
    return cutover_plan(TARGET, **args)


def test_fresh_cutover_lowers_and_waits_the_whole_old_ttl():
    got = plan()
    assert got["lower_ttl"] is True and got["mx_switched"] is False
    assert got["ttl_wait"] == 3600 and got["mx_ttl_before"] == 3600
    assert got["final_mx_ttl"] == 3600
    assert got["target_mx"] == TARGET[0]
    assert got["target_final"][0]["ttl"] == 3600 and got["target_final"][1] == TARGET[1]
    assert got["old_mx"] == "mx1.old.test"


def test_resumed_after_the_lowering_waits_what_is_left():
    # Defect 3: the TTL was lowered 1000 s ago (3600 before); the MX now shows the low TTL.
    record = {"mx_ttl_before": 3600, "mx_ttl_lowered_at": iso(NOW - 1000)}
    got = plan(mx_before=mx(60), record=record)
    assert got["lower_ttl"] is False and got["mx_switched"] is False
    assert got["ttl_wait"] == 2600
    assert got["ttl_wait_from"] == iso(NOW - 1000)


def test_resumed_long_after_the_lowering_waits_nothing():
    record = {"mx_ttl_before": 3600, "mx_ttl_lowered_at": iso(NOW - 4000)}
    assert plan(mx_before=mx(60), record=record)["ttl_wait"] == 0


def test_resumed_without_a_record_waits_the_original_ttl_in_full():
    # Interrupted between the lowering and the record: nothing says when, so the whole original TTL.
    got = plan(mx_before=mx(60), original_mx=mx(7200), record={})
    assert got["lower_ttl"] is False and got["ttl_wait"] == 7200


def test_wait_is_capped():
    assert plan(mx_before=mx(172800), wait_max=600)["ttl_wait"] == 600
    record = {"mx_ttl_before": 172800, "mx_ttl_lowered_at": iso(NOW - 100)}
    assert plan(mx_before=mx(60), record=record, wait_max=600)["ttl_wait"] == 500


def test_zone_already_at_low_ttl_waits_nothing():
    got = plan(mx_before=mx(30), original_mx=mx(30))
    assert got["lower_ttl"] is False and got["ttl_wait"] == 0 and got["final_mx_ttl"] == 30


def test_already_switched_mx_is_recognised_case_and_order_blind():
    got = plan(mx_before={"record": "@", "type": "MX", "ttl": 60, "value": ["10  MAIL.example.net."]})
    assert got["mx_switched"] is True and got["lower_ttl"] is False and got["ttl_wait"] == 0


def test_zone_without_mx():
    got = plan(mx_before=None, original_mx=None)
    assert got["mx_switched"] is False and got["lower_ttl"] is False and got["ttl_wait"] == 0
    assert got["final_mx_ttl"] == 3600 and got["old_mx"] is None


@pytest.mark.parametrize("mx_ttl, original, record, expected", [
    (900, mx(3600), {}, 900),                       # the inventory says
    (None, mx(300), {"mx_ttl_before": 7200}, 300),  # the zone before the wave
    (None, None, {"mx_ttl_before": 7200}, 7200),    # the record of the lowering
    (None, None, {}, 3600),                         # nothing known
])
def test_final_ttl(mx_ttl, original, record, expected):
    assert plan(mx_ttl=mx_ttl, original_mx=original, record=record)["final_mx_ttl"] == expected


def test_old_mx_is_the_lowest_preference_not_the_first_value():
    assert lowest_preference_host({"value": ["30 c.test.", "5 b.test.", "10 a.test."]}) == "b.test"
    assert lowest_preference_host({"value": []}) is None


def test_records_without_apex_mx_and_bad_record():
    with pytest.raises(AnsibleFilterError, match="no MX at the apex"):
        cutover_plan(TARGET[1:], zone="example.org", now=NOW)
    with pytest.raises(AnsibleFilterError, match="not a UTC time"):
        plan(mx_before=mx(60), record={"mx_ttl_before": 3600, "mx_ttl_lowered_at": "yesterday"})


def test_finalize_gate():
    switched = {"mx_switched_at": iso(NOW - 3600)}
    got = finalize_gate(switched, after="24h", now=NOW)
    assert got["ready"] is False and got["left"] == 82800 and "82800s left" in got["msg"]
    assert finalize_gate(switched, after="1h", now=NOW)["ready"] is True
    assert finalize_gate(switched, after=0, now=NOW)["ready"] is True
    forced = finalize_gate(switched, after="24h", force=True, now=NOW)
    assert forced["ready"] is True and forced["msg"].startswith("forced")
    never = finalize_gate({}, after="24h", now=NOW)
    assert never["ready"] is False and "run the cutover first" in never["msg"]


@pytest.mark.parametrize("value, seconds", [(90, 90), ("90", 90), ("30m", 1800), ("24h", 86400), ("2d", 172800)])
def test_parse_duration(value, seconds):
    assert parse_duration(value) == seconds


def test_parse_duration_refuses_nonsense():
    with pytest.raises(AnsibleFilterError):
        parse_duration("soon")
