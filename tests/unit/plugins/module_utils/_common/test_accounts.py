"""The account-list checks and the thread pool the list modules (dav_syncs, sieve_syncs) share."""
from __future__ import annotations

import threading
import time

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._common import accounts as acc

KEYS = (("id", "accounts listed twice", "each id once"), ("state_file", "state_file used twice", "one per account"))


@pytest.mark.parametrize("accounts, parallel, expected", [
    ([], 4, None),
    ([{"id": "a", "state_file": "1"}, {"id": "b", "state_file": "2"}], 1, None),
    ([{"id": "a", "state_file": "1"}], 0, "parallel must be 1 or more, not 0"),
    ([{"id": "b", "state_file": "1"}, {"id": "a", "state_file": "2"}, {"id": "b", "state_file": "3"},
      {"id": "a", "state_file": "4"}], 2, "accounts listed twice: a, b (each id once)"),
    ([{"id": "a", "state_file": "1"}, {"id": "b", "state_file": "1"}], 2, "state_file used twice: 1 (one per account)"),
    # the first key's problem is the one said
    ([{"id": "a", "state_file": "1"}, {"id": "a", "state_file": "1"}], 2, "accounts listed twice: a (each id once)"),
])
def test_account_list_problem(accounts, parallel, expected):
    assert acc.account_list_problem(accounts, parallel, KEYS) == expected


def test_run_accounts_keeps_the_order_and_the_bound():
    running, peak, lock = [0], [0], threading.Lock()

    def work(account):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.02 * (5 - account))  # the first accounts end last
        with lock:
            running[0] -= 1
        return account * 10

    assert acc.run_accounts(work, [1, 2, 3, 4], 2) == [10, 20, 30, 40]
    assert peak[0] <= 2
    assert acc.run_accounts(work, [], 4) == []
