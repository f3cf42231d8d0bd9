"""The wave benchmark's real waits: only the time when the whole wave did nothing but wait counts."""
from __future__ import annotations

from bench.wave import wait_seconds

TTL = "Wait the old TTL out (resolvers drop the old MX from their caches), lowered just now"
PROPAGATION = "Wait until every authoritative server serves the new MX"


def ev(task, start, end, host="a.test"):
    return {"task": task, "start": float(start), "end": float(end), "host": host}


def test_a_wait_alone_counts_whole():
    assert wait_seconds([ev("Start phase cutover", 0, 1), ev(TTL, 1, 11), ev("Switch the MX", 11, 12)]) == 10.0


def test_a_wait_while_another_domain_works_does_not_count():
    events = [ev(TTL, 0, 10), ev("Copy", 0, 6, host="b.test"), ev(PROPAGATION, 5, 12, host="c.test")]
    # 0-6 b.test copies; 6-12 only waits
    assert wait_seconds(events) == 6.0


def test_a_role_task_is_named_with_its_role():
    assert wait_seconds([ev("mailwave.migrate.cutover : " + TTL, 0, 4)]) == 4.0


def test_no_wait_no_seconds():
    assert wait_seconds([ev("Copy", 0, 5), ev("Report", 5, 6)]) == 0.0
