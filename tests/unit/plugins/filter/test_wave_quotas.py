"""planned_quota and final_quota: the inventory's quota is a floor, the minimum too."""
from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.mailwave.migrate.plugins.filter.wave_quotas import final_quota, planned_quota

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
