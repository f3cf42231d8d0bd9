"""planned_quota and final_quota: the inventory's quota is a floor, the minimum too; quota_raises: a box the copy
found full gets what it needs, within mailwave_quota_max."""
from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.mailwave.migrate.plugins.filter.wave_quotas import (
    domain_quota_limits,
    final_quota,
    planned_quota,
    quota_raises,
)

MIB = 1048576


@pytest.mark.parametrize("used, floor, expected", [
    (0, None, 1024),             # empty box: the minimum
    (1000 * MIB, None, 3000),    # factor 3 by default
    (1000 * MIB, 5000, 5000),    # the inventory asks more
    (100 * MIB, "", 1024),       # CSV's empty quota
])
def test_planned_quota(used, floor, expected):
    assert planned_quota(used, minimum=1024, floor=floor) == expected


@pytest.mark.parametrize("used, floor, expected", [
    (100 * MIB, None, 1024),
    (1000 * MIB, None, 1500),
    (100 * MIB, 2048, 2048),     # defect 4: never below the inventory's quota
    (2000 * MIB, 2048, 3000),
])
def test_final_quota(used, floor, expected):
    assert final_quota(used, margin=1.5, minimum=1024, floor=floor) == expected


def test_bad_numbers():
    with pytest.raises(AnsibleFilterError, match="not a number"):
        final_quota("lots")
    with pytest.raises(AnsibleFilterError, match="negative"):
        planned_quota(10, factor=-1)


def full(address, messages, size):
    return {"item": {"address": address}, "over_quota": {"messages": messages, "bytes": size}}


@pytest.mark.parametrize("quota, used, refused, maximum, expected", [
    (1, 1 * MIB, 3 * MIB, 0, (5, True)),          # holds 1, refused 3: (1 + 3) x 1.25
    (100, 99 * MIB, 1 * MIB, 0, (150, True)),     # a little over: at least half again
    (1, 1 * MIB, 3 * MIB, 2, (2, True)),          # capped at mailwave_quota_max
    (2, 2 * MIB, 3 * MIB, 2, (2, False)),         # already at the maximum: cannot go on
    (5, 5 * MIB, 0, 0, (8, True)),                # refused bytes unknown: half again still moves on
])
def test_quota_raises(quota, used, refused, maximum, expected):
    boxes = [{"address": "Anna@alpha.test", "quota": quota, "quota_used": used}]
    (raise_,) = quota_raises([full("anna@alpha.test", 2, refused)], boxes, maximum=maximum)
    assert (raise_["to"], raise_["raised"]) == expected
    assert raise_["from"] == quota and raise_["address"] == "anna@alpha.test" and raise_["refused_messages"] == 2


def test_quota_raises_only_for_boxes_found_full():
    boxes = [{"address": a, "quota": 10, "quota_used": 0} for a in ("a@x.test", "b@x.test", "c@x.test")]
    results = [full("a@x.test", 0, 0), {"item": {"address": "b@x.test"}, "failed": True, "msg": "login failed"},
               full("c@x.test", 1, MIB)]
    assert [r["address"] for r in quota_raises(results, boxes)] == ["c@x.test"]


def test_unlimited_box_is_not_raised():
    # Mailcow's 0 is no quota: the refusal came from another limit of the server
    assert quota_raises([full("a@x.test", 1, MIB)], [{"address": "a@x.test", "quota": 0, "quota_used": 0}]) == []


def test_box_missing_on_mailcow_is_a_clear_error():
    with pytest.raises(AnsibleFilterError, match="does not list it"):
        quota_raises([full("a@x.test", 1, MIB)], [])


@pytest.mark.parametrize("planned, on_mailcow, quota, max_quota, expected", [
    ({"a@x.test": 100, "b@x.test": 200}, [], 0, 0, (1324, 1024)),            # planned, plus a default box
    ({"a@x.test": 100, "b@x.test": 5000}, [], 0, 0, (6124, 5000)),
    ({"a@x.test": 100}, [{"address": "A@x.test", "quota": 3000}], 0, 0, (5048, 3000)),  # raised by a copy: kept
    ({"a@x.test": 100, "b@x.test": 200}, [], 20480, 10240, (20480, 10240)),   # what the team set, when more
    ({}, [], 0, 0, (3072, 1024)),                                             # not measured: the minimum each
])
def test_domain_quota_limits(planned, on_mailcow, quota, max_quota, expected):
    limits = domain_quota_limits(["a@x.test", "b@x.test"], planned, on_mailcow, minimum=1024, quota=quota,
                                 max_quota=max_quota)
    assert (limits["quota"], limits["max_quota"]) == expected
