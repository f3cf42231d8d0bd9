# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Which mailbox copy of a batch starts next: bounded parallelism, connection budgets, fairness, retries.

No I/O and no clock of its own (callers pass ``now``), so every decision is tested row by row. The
runner (``runner.py``) starts what ``next_job`` gives and reports each end with ``finish``.

- At most ``parallel`` copies run at once.
- Each IMAP server ("host:port") has a budget of connections; a copy costs its worker connections on
  each side (twice on a server that is both its source and its destination) and starts only when its
  servers have room. A copy that would
  not fit even in an idle server's budget runs with fewer connections rather than never.
- Fairness: the next copy comes from the domain with the fewest copies running (then the one waiting
  longest), so a 500-box domain does not hold a 3-box domain back.
- Batches running at once on one host may share one budget (``shared_budget_dir``): the copies and
  connections other batches hold (``held_by_others`` of their ledger) count against ``parallel`` and
  each server's budget; the room of a batch that died is free again (``live_holders``).
- A copy that failed for a reason that may pass (server full or throttling, dropped connection,
  timeout) waits and is tried again, up to ``max_attempts``; its box never fails for the server's load
  before then.
"""

from __future__ import annotations

RETRY_KINDS = ("busy", "throttled", "dropped", "refused", "timeout", "network")
RETRY_DELAY = 30.0       # seconds before a failed copy is tried again, doubled at each attempt
RETRY_MAX_DELAY = 600.0

WAITING, RUNNING, DONE, FAILED = "waiting", "running", "done", "failed"


class Job:
    """One mailbox copy: who it is, which servers it uses and how many connections it wants on each."""

    def __init__(self, job_id, domain, source_server, destination_server, connections):
        self.id = job_id
        self.domain = domain or ""
        self.servers = (source_server, destination_server)   # "host:port" of each side
        self.wanted = max(1, int(connections))
        self.connections = self.wanted   # what it runs with (may be lowered to fit a small budget)
        self.state = WAITING
        self.attempts = 0
        self.not_before = 0.0
        self.last_error = None

    def __repr__(self):
        return "Job(%s, %s, %d conn)" % (self.id, self.state, self.connections)


def demand_of(job):
    """Connections job holds on each server while it runs (twice on a server that is both its sides)."""
    demand = {}
    for server in job.servers:
        demand[server] = demand.get(server, 0) + job.connections
    return demand


class Scheduler:
    def __init__(self, jobs, parallel, default_budget, budgets=None, max_attempts=3):
        self.jobs = list(jobs)
        self.parallel = max(1, int(parallel))
        self.default_budget = max(1, int(default_budget))
        self.budgets = dict(budgets or {})   # server -> connections, overriding the default
        self.max_attempts = max(1, int(max_attempts))
        self.in_use = {}                     # server -> connections held by running copies
        self._order = {job.id: index for index, job in enumerate(self.jobs)}

    def budget(self, server):
        """Connections allowed on server ("host:port"): its own budget, its host's, or the default."""
        host = server.rsplit(":", 1)[0]
        return max(1, int(self.budgets.get(server, self.budgets.get(host, self.default_budget))))

    def running(self):
        return [job for job in self.jobs if job.state == RUNNING]

    def finished(self):
        return all(job.state in (DONE, FAILED) for job in self.jobs)

    def next_job(self, now, others=None):
        """The job to start now, or None (nothing waiting, nothing ready, or no room).

        others: (copies, {server: connections}) that other batches sharing this budget hold.
        """
        others_running, others_use = others or (0, {})
        if len(self.running()) + others_running >= self.parallel:
            return None
        per_domain = {}
        for job in self.running():
            per_domain[job.domain] = per_domain.get(job.domain, 0) + 1
        ready = [job for job in self.jobs if job.state == WAITING and job.not_before <= now]
        ready.sort(key=lambda job: (per_domain.get(job.domain, 0), job.not_before, self._order[job.id]))
        for job in ready:
            # never more than a server's whole budget, even when it is idle
            job.connections = max(1, min([job.wanted] + [self.budget(server) // job.servers.count(server)
                                                         for server in job.servers]))
            demand = demand_of(job)
            held = {server: self.in_use.get(server, 0) + others_use.get(server, 0) for server in demand}
            fits = all(held[server] + need <= self.budget(server) for server, need in demand.items())
            # a budget smaller than one connection per side still lets one copy run on idle servers
            if fits or not any(held.values()):
                self._start(job)
                return job
        return None

    def has_ready(self, now):
        """Whether a copy waits for room only (not for its retry delay)."""
        return any(job.state == WAITING and job.not_before <= now for job in self.jobs)

    def next_wake(self, now):
        """When a waiting job becomes ready (for the runner's sleep), or None."""
        times = [job.not_before for job in self.jobs if job.state == WAITING and job.not_before > now]
        return min(times) if times else None

    def _start(self, job):
        job.state = RUNNING
        job.attempts += 1
        for server, need in demand_of(job).items():
            self.in_use[server] = self.in_use.get(server, 0) + need

    def finish(self, job, now, error_kind=None, backoff=None, message=None):
        """Record the end of a run of job: success (error_kind None), retry later, or failure."""
        for server, need in demand_of(job).items():
            self.in_use[server] -= need
        job.last_error = message
        if error_kind is None:
            job.state = DONE
        elif error_kind in RETRY_KINDS and job.attempts < self.max_attempts:
            delay = min(RETRY_MAX_DELAY, RETRY_DELAY * (2 ** (job.attempts - 1)))
            job.not_before = now + max(delay, float(backoff or 0))
            job.state = WAITING
        else:
            job.state = FAILED
        return job.state

    def counts(self):
        counts = {WAITING: 0, RUNNING: 0, DONE: 0, FAILED: 0}
        for job in self.jobs:
            counts[job.state] += 1
        return counts


def live_holders(holders, is_alive):
    """The ledger entries whose batch or copy process still runs: a killed batch's room is free again.

    holders: [{"pid", "start", "child", "child_start", "job", "servers": {server: connections}}];
    is_alive(pid, start) tells a running process from a dead one or a new one with the same pid.
    """
    return [entry for entry in holders
            if is_alive(entry.get("pid"), entry.get("start"))
            or (entry.get("child") and is_alive(entry["child"], entry.get("child_start")))]


def held_by_others(holders, own_pid):
    """(copies, {server: connections}) the ledger's entries of other batches than own_pid hold."""
    copies, in_use = 0, {}
    for entry in holders:
        if entry.get("pid") == own_pid:
            continue
        copies += 1
        for server, connections in (entry.get("servers") or {}).items():
            in_use[server] = in_use.get(server, 0) + int(connections)
    return copies, in_use
