"""The batch scheduler, row by row: parallelism, per-server connection budgets, fairness, retries."""
from __future__ import annotations

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._imap import schedule as s

SRC, SRC2, DST = "imap.old.test:993", "imap.other.test:993", "mail.new.test:993"


def job(name, domain="a.test", src=SRC, dst=DST, connections=4):
    return s.Job(name, domain, src, dst, connections)


def start_all(sched, now=0.0):
    started = []
    while True:
        nxt = sched.next_job(now)
        if nxt is None:
            return started
        started.append(nxt.id)


def test_parallel_bounds_the_copies_at_once():
    sched = s.Scheduler([job("b%d" % i) for i in range(10)], parallel=3, default_budget=100)
    assert start_all(sched) == ["b0", "b1", "b2"]
    sched.finish(sched.jobs[1], 1.0)
    assert start_all(sched, 1.0) == ["b3"]


@pytest.mark.parametrize("budgets, started", [
    ({}, ["b0", "b1"]),                          # default budget 10: 2 copies of 4 connections
    ({"mail.new.test": 20}, ["b0", "b1"]),       # the source's 10 still binds
    ({"imap.old.test": 20, "mail.new.test": 20}, ["b0", "b1", "b2", "b3", "b4"]),
    ({"imap.old.test:993": 4}, ["b0"]),          # host:port entry
])
def test_each_server_budget_bounds_its_connections(budgets, started):
    sched = s.Scheduler([job("b%d" % i) for i in range(6)], parallel=6, default_budget=10, budgets=budgets)
    assert start_all(sched) == started
    for server, used in sched.in_use.items():
        assert used <= sched.budget(server)


def test_copies_from_another_server_use_its_own_budget():
    jobs = [job("a1"), job("a2"), job("a3"), job("o1", src=SRC2), job("o2", src=SRC2)]
    sched = s.Scheduler(jobs, parallel=10, default_budget=8, budgets={"mail.new.test": 100})
    assert start_all(sched) == ["a1", "a2", "o1", "o2"]


def test_a_copy_bigger_than_a_budget_runs_with_fewer_connections():
    sched = s.Scheduler([job("big", connections=15), job("next", connections=15)], parallel=4, default_budget=4)
    assert start_all(sched) == ["big"]
    assert sched.jobs[0].connections == 4
    sched.finish(sched.jobs[0], 1.0)
    assert start_all(sched, 1.0) == ["next"] and sched.in_use == {SRC: 4, DST: 4}


def test_one_server_as_source_and_destination_counts_twice():
    same = "imap.one.test:993"
    sched = s.Scheduler([job("x", src=same, dst=same), job("y", src=same, dst=same)], parallel=4,
                        default_budget=8)
    assert start_all(sched) == ["x"] and sched.in_use == {same: 8}
    tiny = s.Scheduler([job("z", src=same, dst=same)], parallel=1, default_budget=1)
    assert start_all(tiny) == ["z"]  # never stuck: runs alone on the idle server with one connection each side
    assert tiny.jobs[0].connections == 1


def test_fairness_takes_the_domain_with_the_fewest_copies_running():
    jobs = [job("big%d" % i, domain="big.test") for i in range(5)] + [job("small0", domain="small.test")]
    sched = s.Scheduler(jobs, parallel=2, default_budget=100)
    assert start_all(sched) == ["big0", "small0"]


@pytest.mark.parametrize("kind, attempts_before, state", [
    (None, 1, s.DONE),
    ("busy", 1, s.WAITING),
    ("throttled", 2, s.WAITING),
    ("dropped", 3, s.FAILED),        # the last attempt
    ("auth", 1, s.FAILED),           # a wrong password does not pass with time
    ("protocol", 1, s.FAILED),
])
def test_what_a_failure_leads_to(kind, attempts_before, state):
    one = job("b")
    sched = s.Scheduler([one], parallel=1, default_budget=10, max_attempts=3)
    for attempt in range(attempts_before):
        one.state = s.WAITING
        one.not_before = 0.0
        assert sched.next_job(100.0) is one
        if attempt < attempts_before - 1:
            sched.finish(one, 100.0, error_kind="busy")
    assert sched.finish(one, 100.0, error_kind=kind, message="why") == state
    assert sched.in_use == {SRC: 0, DST: 0}


def test_a_retry_waits_its_delay_or_the_server_backoff():
    one, other = job("b"), job("c", src=SRC2)
    sched = s.Scheduler([one, other], parallel=1, default_budget=10)
    assert sched.next_job(0.0) is one
    sched.finish(one, 10.0, error_kind="busy")
    assert one.not_before == 10.0 + s.RETRY_DELAY
    assert sched.next_job(11.0) is other           # the waiting box does not block the others
    sched.finish(other, 12.0)
    assert sched.next_job(12.0) is None and sched.next_wake(12.0) == one.not_before
    assert sched.next_job(one.not_before) is one
    sched.finish(one, 50.0, error_kind="throttled", backoff=900.0)
    assert one.not_before == 950.0                 # the server asked for longer than our delay
    assert not sched.finished() and sched.counts() == {"waiting": 1, "running": 0, "done": 1, "failed": 0}


def test_copies_of_other_batches_count_against_parallel():
    sched = s.Scheduler([job("b%d" % i) for i in range(4)], parallel=3, default_budget=100)
    assert start_all_with(sched, (2, {})) == ["b0"]       # 2 held elsewhere + 1 here = 3
    assert start_all_with(sched, (3, {})) == []          # the host is full, even with room here


def test_connections_of_other_batches_count_against_each_server_budget():
    sched = s.Scheduler([job("b0"), job("o0", src=SRC2)], parallel=10, default_budget=10)
    others = (1, {SRC: 8, DST: 4})                        # SRC has 2 left, DST 6: b0 (4 each) does not fit
    assert start_all_with(sched, others) == ["o0"]
    assert sched.in_use == {SRC2: 4, DST: 4}              # only this batch's own use is kept here


def test_an_idle_server_here_is_not_idle_when_another_batch_uses_it():
    # a copy bigger than the budget runs alone on idle servers, but not beside another batch's copy
    sched = s.Scheduler([job("big", connections=15)], parallel=4, default_budget=4)
    assert start_all_with(sched, (1, {SRC: 4, DST: 4})) == []
    assert start_all_with(sched, (0, {})) == ["big"]


def start_all_with(sched, others, now=0.0):
    started = []
    while True:
        nxt = sched.next_job(now, others)
        if nxt is None:
            return started
        started.append(nxt.id)


def test_a_dead_batch_holds_no_room():
    holders = [
        {"pid": 10, "start": 1, "job": "a", "servers": {SRC: 4, DST: 4}},                       # alive
        {"pid": 11, "start": 1, "job": "b", "servers": {SRC: 4, DST: 4}},                       # killed
        {"pid": 12, "start": 7, "job": "c", "servers": {SRC: 2}},                               # pid reused
        {"pid": 13, "start": 1, "child": 14, "child_start": 1, "job": "d", "servers": {SRC: 1}},  # copy lives on
    ]
    running = {(10, 1), (12, 9), (14, 1)}
    live = s.live_holders(holders, lambda pid, start: (pid, start) in running)
    assert [entry["job"] for entry in live] == ["a", "d"]
    assert s.held_by_others(live, own_pid=10) == (1, {SRC: 1})
    assert s.held_by_others(live, own_pid=99) == (2, {SRC: 5, DST: 4})


def test_has_ready_tells_room_waits_from_retry_waits():
    one = job("b")
    sched = s.Scheduler([one], parallel=1, default_budget=10)
    assert sched.has_ready(0.0)
    sched.next_job(0.0)
    sched.finish(one, 0.0, error_kind="busy")
    assert not sched.has_ready(1.0) and sched.has_ready(one.not_before)
