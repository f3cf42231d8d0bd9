"""Check mode's prediction of a pause at the source's day limit (result.predict_pause), row by row."""
from __future__ import annotations

import itertools
import time
import types

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._imap import day_quota, result

LIMIT = 1000


def engine(used):
    now = time.time()
    buckets = {now - now % day_quota.BUCKET: used} if used else {}
    return types.SimpleNamespace(day=day_quota.DayBudget(LIMIT, buckets))


def works(*sizes):
    return [types.SimpleNamespace(to_copy=[types.SimpleNamespace(size=size) for size in sizes])]


@pytest.mark.parametrize("used, sizes, pauses", [
    (0, (), False),              # nothing to copy
    (500, (), False),
    (0, (400, 600), False),      # exactly a day's limit, unused day
    (0, (400, 601), True),       # more than a whole day on an unused day: its first batches go, the rest waits
    (0, (5000,), True),
    (300, (700,), False),        # fits in what is left
    (300, (701,), True),
    (1000, (1,), True),          # the day is used up
])
def test_predict_pause(used, sizes, pauses):
    paused = result.predict_pause(engine(used), works(*sizes))
    assert (paused is not None) == pauses
    if pauses:
        assert paused["by"] == "day_limit" and paused["predicted"] and paused["downloaded_24h"] == used
        assert "%d MB to copy" % (sum(sizes) // 1000000) in paused["reason"]


def test_the_removed_clause_was_dead():
    """The old condition ended with ``or not used and need <= limit``: what it adds is already in
    ``used + need <= limit``. Same answer on a grid around the limit."""
    def old(used, need):
        return not need or used + need <= LIMIT or not used and need <= LIMIT

    for used, need in itertools.product((0, 1, 499, 500, 999, 1000, 1001), (0, 1, 500, 999, 1000, 1001, 5000)):
        sizes = (need,) if need else ()
        assert (result.predict_pause(engine(used), works(*sizes)) is None) == old(used, need), (used, need)
