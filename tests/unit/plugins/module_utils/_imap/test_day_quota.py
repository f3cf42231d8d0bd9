"""The day limit's decisions, row by row: what fits, when it fits again, what the state file keeps."""
from __future__ import annotations

import json
import os
import stat

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._imap import day_quota
from ansible_collections.mailwave.migrate.plugins.module_utils._imap.day_quota import BUCKET, WINDOW, DayBudget

NOW = 1_800_000_000.0  # a multiple of BUCKET


def test_no_limit_takes_everything_and_counts_it():
    budget = DayBudget(None)
    assert budget.take(10 ** 12, NOW)
    assert budget.used(NOW) == 10 ** 12
    assert budget.resume_after(10, NOW) == NOW


@pytest.mark.parametrize("used, batch, fits", [
    (0, 100, True),
    (900, 100, True),     # exactly the limit
    (901, 100, False),
    (0, 5000, True),      # bigger than a day on an unused day: let through, or it never goes
    (1, 5000, False),
])
def test_take_row_by_row(used, batch, fits):
    budget = DayBudget(1000, {NOW - 120: used} if used else {})
    assert budget.take(batch, NOW) is fits
    assert budget.used(NOW) == used + (batch if fits else 0)


def test_what_left_the_window_no_longer_counts():
    budget = DayBudget(1000, {NOW - WINDOW - BUCKET: 1000, NOW - 60: 300})
    assert budget.used(NOW) == 300
    assert budget.take(700, NOW)
    assert not budget.take(1, NOW)


def test_resume_after_is_when_enough_old_buckets_age_out():
    oldest, middle = NOW - 3600, NOW - 1800
    budget = DayBudget(1000, {oldest: 600, middle: 400})
    assert not budget.take(300, NOW)
    # 600 bytes must leave: the oldest bucket is out of the window at oldest + BUCKET + WINDOW
    assert budget.resume_after(300, NOW) == oldest + BUCKET + WINDOW
    # 700 need both buckets gone
    assert budget.resume_after(700, NOW) == middle + BUCKET + WINDOW
    later = oldest + BUCKET + WINDOW
    assert budget.take(300, later)


def test_state_file_round_trip_is_private_and_drops_old_buckets(tmp_path):
    budget = DayBudget(1000, {NOW - WINDOW - 10 * BUCKET: 50})
    assert budget.take(200, NOW)
    day_quota.save(str(tmp_path), budget, NOW)
    path = tmp_path / day_quota.FILE_NAME
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    data = json.loads(path.read_text())
    assert data["buckets"] == {"%d" % NOW: 200}
    again = day_quota.load(str(tmp_path), 1000)
    assert again.used(NOW) == 200 and again.limit == 1000


def test_a_missing_or_broken_state_file_means_nothing_downloaded(tmp_path):
    assert day_quota.load(str(tmp_path), 1000).used(NOW) == 0
    (tmp_path / day_quota.FILE_NAME).write_text("{not json")
    assert day_quota.load(str(tmp_path), 1000).used(NOW) == 0


@pytest.mark.parametrize("code, text, limit", [
    ("OVERQUOTA", "[OVERQUOTA] Account exceeded command or bandwidth limits. (Failure)", True),   # Gmail
    (None, "Account exceeded command or bandwidth limits.", True),
    (None, "[ALERT] Your account has exceeded the bandwidth limit for downloads", True),
    (None, "Some messages could not be FETCHed (Failure)", False),
    ("SERVERBUG", "Internal error occurred", False),
])
def test_provider_limit_answers(code, text, limit):
    assert day_quota.is_provider_limit(code, text) is limit
