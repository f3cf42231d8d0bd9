# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Many sync jobs with the same settings in one module run (a domain's mailboxes from one old server): the
jobs are read once, then each goes through the same engine (run_resource) and provider (SyncJobResource)
as mailcow_syncjob, so the comparison, check mode and diff are the single module's. Why: a module run costs
about half a CPU-second, and the sync-job engine ran mailcow_syncjob once per mailbox and step."""

from __future__ import annotations

from ansible.module_utils.common.text.converters import to_native

from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.engine import ResourceFailure, run_resource
from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.errors import MailcowError
from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.syncjob import SyncJobResource, syncjob_from_api

JOB_KEYS = ("mailbox", "user", "password")


class _Entry:
    """What run_resource and SyncJobResource read from a module, for one job: the shared settings, then the
    job's own mailbox, user and password."""

    def __init__(self, module, job):
        self.params = {k: v for k, v in module.params.items() if k != "jobs"}
        self.params.update({k: job.get(k) for k in JOB_KEYS})
        self.check_mode = module.check_mode
        self._diff = module._diff


class _ListedSyncJob(SyncJobResource):
    """A job whose first read comes from the one listing; later reads (after a write) ask Mailcow."""

    def __init__(self, entry, client, listing):
        super().__init__(entry, client)
        self._listing = listing

    def read(self):
        if self._listing is not None:
            listing, self._listing = self._listing, None
            return listing.get((self.mailbox, self.host, self.params["user"]))
        return super().read()


def job_key(job):
    """(mailbox, host, user) as find_job compares them: mailbox and host without case, the login exactly."""
    return (str(job.get("user2") or "").strip().lower(), str(job.get("host1") or "").strip().lower(), job.get("user1"))


def run_syncjobs(module, client):
    """Every job of module.params['jobs'], in order; the result lists each one's outcome and fails (after trying
    the others) when one could not be done."""
    jobs = module.params["jobs"]
    keys = [((j.get("mailbox") or "").strip().lower(), j.get("user")) for j in jobs]
    doubles = sorted({"%s from %s" % key for key in keys if keys.count(key) > 1})
    if doubles:
        raise ResourceFailure("jobs listed twice (the same mailbox and source user): %s" % ", ".join(doubles))
    listing = {}
    for raw in client.get_list("syncjobs", "all", "no_log"):
        listing.setdefault(job_key(raw), syncjob_from_api(raw))
    results, failures = [], []
    for job in jobs:
        resource = _ListedSyncJob(_Entry(module, job), client, listing)
        mailbox = resource.mailbox
        try:
            outcome = run_resource(resource.module, resource)
        except (ResourceFailure, MailcowError) as exc:
            failures.append("%s: %s" % (mailbox, to_native(exc)))
            results.append({"mailbox": mailbox, "user": job.get("user"), "changed": False, "failed": True,
                            "msg": to_native(exc)})
            continue
        outcome.update(mailbox=mailbox, user=job.get("user"))
        results.append(outcome)
    result = {"changed": any(r.get("changed") for r in results), "syncjobs": results}
    if module._diff:
        result["diff"] = {"before": {_label(r): r["diff"]["before"] for r in results if "diff" in r},
                          "after": {_label(r): r["diff"]["after"] for r in results if "diff" in r}}
        for res in results:
            res.pop("diff", None)
    if failures:
        result["failed"] = True
        result["msg"] = "%d of %d sync job(s) could not be done: %s" % (len(failures), len(jobs), " | ".join(failures))
    return result


def _label(result):
    return "%s from %s" % (result["mailbox"], result["user"])
