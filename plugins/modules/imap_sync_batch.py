#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: imap_sync_batch
short_description: Copy many mailboxes by IMAP at once, within connection budgets per server
version_added: 0.2.0
description:
  - Runs the copies of M(mailwave.migrate.imap_sync) for a list of mailboxes from one module run, each
    copy in a process of its own, at most O(parallel) at once, and never more than
    O(server_connections) connections to one IMAP server (source or destination, counted over every
    copy running). This is how a wave of hundreds of mailboxes copies without one Ansible task per
    mailbox, whose start-up costs more than a small mailbox's copy.
  - Copies alternate between domains, so a large domain does not hold a small one back.
  - A copy that fails for a reason that may pass (the server is full or throttles, the connection
    dropped, a time-out) waits and is tried again, up to O(max_attempts) times; other failures (wrong
    password, untrusted certificate, a copy that could not be verified) fail that mailbox only.
  - Each copy takes a lock in its C(state_dir), so two copies of one mailbox never run at once, and is
    stopped by the kernel if this module's process dies (a killed controller leaves no copy running
    unwatched); the next run resumes from the copy state.
  - The module fails only when the batch cannot run at all; each mailbox's outcome is in RV(results),
    and RV(failed_jobs) lists those that failed, so one bad mailbox does not hide the others.
author:
  - Mailwave engineers (@mailwave)
extends_documentation_fragment:
  - mailwave.migrate._imap_batch.JOBS
  - mailwave.migrate._attributes
attributes:
  check_mode:
    support: full
    details:
      - Each copy runs in check mode and reports what it would copy, re-flag and delete.
  diff_mode:
    support: none
  idempotent:
    support: full
    details:
      - A second run copies nothing that is already on the destination.
options:
  options:
    description:
      - Copy options of M(mailwave.migrate.imap_sync) shared by every job (a job's own O(jobs[].options)
        win), for example C(automap), C(subscribe_all), C(connections).
    type: dict
    default: {}
  parallel:
    description:
      - How many copies run at once.
    type: int
    default: 4
  server_connections:
    description:
      - How many connections all copies together may hold on one IMAP server (host and port). A copy holds
        C(connections) on each side. Providers cap connections per client address; stay below their limit.
    type: int
    default: 40
  server_limits:
    description:
      - Per-server overrides of O(server_connections), keyed by C(host) or C(host:port).
    type: dict
    default: {}
  max_attempts:
    description:
      - How many times one mailbox is tried when its copy fails for a passing reason.
    type: int
    default: 3
  shared_budget_dir:
    description:
      - A directory where every batch running at once on this host keeps one ledger of the copies and
        connections it holds (a file lock serialises them). Then O(parallel) and the server budgets bound
        all these batches together, not each one; give every batch the same values. The room of a batch
        that was killed is taken back (each entry records its process).
      - Without it, the bounds are this batch's own.
    type: path
  progress_file:
    description:
      - A JSON file (0600) rewritten every O(progress_interval) seconds with the batch's state, for
        people and tools to follow a long copy (counts of boxes done, running, waiting and failed, MB
        copied, rate, and per box its state, attempts and times).
    type: path
  progress_interval:
    description:
      - Seconds between two writes of O(progress_file).
    type: float
    default: 2.0
  progress_token:
    description:
      - A name for this batch, written in O(progress_file) as C(token). Give M(mailwave.migrate.imap_sync_wait) the
        same O(progress_token) and it shows no file an earlier batch left at that path.
    type: str
"""

EXAMPLES = r"""
- name: Copy every mailbox of the wave, 6 at a time, at most 30 connections per server
  mailwave.migrate.imap_sync_batch:
    parallel: 6
    server_connections: 30
    options:
      automap: true
      subscribe_all: true
    progress_file: /srv/mailwave/wave1/progress.json
    jobs:
      - id: anna@example.org
        domain: example.org
        source: {host: imap.old.example, user: anna@example.org, password: "{{ anna_old_password }}"}
        destination: {host: mail.example.net, user: anna@example.org, password: "{{ anna_new_password }}"}
        options:
          state_dir: /srv/mailwave/wave1/sync-state/example.org/anna
  register: copies
"""

RETURN = r"""
results:
  description:
    - One record per job, in the order of O(jobs).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The job's O(jobs[].id).
      type: str
    domain:
      description: The job's O(jobs[].domain).
      type: str
    status:
      description:
        - V(done), V(failed), or V(paused) (the copy stopped at the source's day limit, see imap_sync's
          C(max_bytes_per_day) and C(paused) in RV(results[].result); a later run goes on).
      type: str
    attempts:
      description: How many times the copy was started.
      type: int
    connections:
      description: Connections per side the last attempt ran with (lowered to fit a small budget).
      type: int
    first_started_at:
      description: UTC time the first attempt started.
      type: str
    started_at:
      description: UTC time the last attempt started.
      type: str
    finished_at:
      description: UTC time the last attempt ended.
      type: str
    seconds:
      description: Duration of the last attempt.
      type: float
    lock_wait:
      description: Seconds the last attempt waited for another copy of the same mailbox to end.
      type: float
    msg:
      description: Why the copy failed, when it did.
      type: str
      returned: when the copy failed
    error_kind:
      description: The kind of failure (auth, busy, tls, throttled, ...), when the copy failed with an error.
      type: str
      returned: when the copy failed with an error
    result:
      description:
        - What M(mailwave.migrate.imap_sync) returns for this mailbox (totals, verdict, complete,
          errors, folders, ...), when the copy ran to its end.
      type: dict
      returned: when the copy ran to its end
failed_jobs:
  description: The O(jobs[].id) of the jobs that failed.
  returned: always
  type: list
  elements: str
paused_jobs:
  description: The O(jobs[].id) of the jobs paused at the source's day limit (not failed; a later run goes on).
  returned: always
  type: list
  elements: str
summary:
  description: One line with the batch's counts, MB copied and rate.
  returned: always
  type: str
  sample: "200/200 mailboxes done, 0 running, 0 waiting, 0 failed; 31.4 MB copied, 1.20 MB/s"
peak_running:
  description: The most copies that ran at once.
  returned: always
  type: int
"""

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

try:
    from ansible_collections.mailwave.migrate.plugins.module_utils._imap.connection import Endpoint, ImapError
    from ansible_collections.mailwave.migrate.plugins.module_utils._imap.options import (
        check_sync_options,
        endpoint_argument,
        engine_options,
        sync_options_spec,
    )
    from ansible_collections.mailwave.migrate.plugins.module_utils._imap.runner import BatchRunner, CopyJob
    IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover
    IMPORT_ERROR = exc


def _checked(validator, options, where):
    """(validated options or None, problems): sync_options_spec's checks, then check_sync_options'."""
    checked = validator.validate(dict(options))
    if checked.error_messages:
        return None, ["%s: %s" % (where, msg) for msg in checked.error_messages]
    options = checked.validated_parameters
    return options, ["%s: %s" % (where, msg) for msg in check_sync_options(options)]


def _jobs(module):
    """CopyJobs from the parameters; every problem of every job at once, so one run shows them all.

    The shared O(options) are checked once; each job's options over them, as imap_sync checks its own."""
    problems, jobs, seen = [], [], set()
    validator = ArgumentSpecValidator(sync_options_spec())
    shared = module.params["options"] or {}
    shared_ok, shared_problems = _checked(validator, shared, "options")
    problems.extend(shared_problems)
    for index, spec in enumerate(module.params["jobs"]):
        name = spec["id"]
        if name in seen:
            problems.append("jobs[%d]: id %s is used twice" % (index, name))
        seen.add(name)
        # with bad shared options, the job's own options are still checked, on their own
        merged = dict(shared_ok or {}) if not shared_problems else {}
        merged.update(spec.get("options") or {})
        options, job_problems = _checked(validator, merged, "job %s" % name)
        problems.extend(job_problems)
        if options is None:
            continue
        try:
            jobs.append(CopyJob(name, spec.get("domain"), Endpoint.from_params(spec["source"], role="source"),
                                Endpoint.from_params(spec["destination"], role="destination"),
                                engine_options(options)))
        except ImapError as exc:
            problems.append("job %s: %s" % (name, exc))
    return jobs, problems


def main():
    module = AnsibleModule(
        argument_spec=dict(
            jobs=dict(type="list", elements="dict", required=True, options=dict(
                id=dict(type="str", required=True),
                domain=dict(type="str"),
                options=dict(type="dict", default={}),
                source=endpoint_argument(),
                destination=endpoint_argument(),
            )),
            options=dict(type="dict", default={}),
            parallel=dict(type="int", default=4),
            server_connections=dict(type="int", default=40),
            server_limits=dict(type="dict", default={}),
            max_attempts=dict(type="int", default=3),
            progress_file=dict(type="path"),
            progress_token=dict(type="str", no_log=False),
            shared_budget_dir=dict(type="path"),
            progress_interval=dict(type="float", default=2.0),
        ),
        supports_check_mode=True,
    )
    if IMPORT_ERROR is not None:
        module.fail_json(msg="cannot load the IMAP engine: %s" % IMPORT_ERROR)
    params = module.params
    for name in ("parallel", "server_connections", "max_attempts"):
        if params[name] < 1:
            module.fail_json(msg="%s must be 1 or more" % name)
    limits = {}
    for server, value in (params["server_limits"] or {}).items():
        try:
            limits[str(server)] = int(value)
        except (TypeError, ValueError):
            module.fail_json(msg="server_limits: %s must be a number of connections, not %r" % (server, value))
    jobs, problems = _jobs(module)
    if problems:
        module.fail_json(msg="the batch was not started; fix these jobs: " + "; ".join(problems), problems=problems)
    runner = BatchRunner(jobs, parallel=params["parallel"], server_connections=params["server_connections"],
                         server_limits=limits, max_attempts=params["max_attempts"], check_mode=module.check_mode,
                         progress_file=params["progress_file"], progress_interval=params["progress_interval"],
                         shared_budget_dir=params["shared_budget_dir"], progress_token=params["progress_token"])
    try:
        results = runner.run()
    except (OSError, ValueError) as exc:
        module.fail_json(msg="the batch stopped: %s" % exc)
    changed = any((rec.get("result") or {}).get("changed") for rec in results)
    module.exit_json(changed=changed, results=results, summary=runner.progress()["summary"],
                     failed_jobs=[rec["id"] for rec in results if rec["status"] not in ("done", "paused")],
                     paused_jobs=[rec["id"] for rec in results if rec["status"] == "paused"],
                     peak_running=runner.peak_running)


if __name__ == "__main__":
    main()
