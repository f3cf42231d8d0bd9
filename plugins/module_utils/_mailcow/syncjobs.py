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

from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.engine import ResourceFailure
from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.entries import ListedEntry, ListedFirst, run_entries
from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.syncjob import SyncJobResource, syncjob_from_api

JOB_KEYS = ("mailbox", "user", "password")


class _ListedSyncJob(ListedFirst, SyncJobResource):
    """A job whose first read comes from the one listing of every job."""

    def __init__(self, entry, client, listing):
        super().__init__(entry, client)
        self._listed = listing.get((self.mailbox, self.host, self.params["user"]))


def job_key(job):
    """(mailbox, host, user) as find_job compares them: mailbox and host without case, the login exactly."""
    return (str(job.get("user2") or "").strip().lower(), str(job.get("host1") or "").strip().lower(), job.get("user1"))


def run_syncjobs(module, client):
    """Every job of module.params['jobs'], in order, with the module's shared settings; the result lists each
    one's outcome and fails (after trying the others) when one could not be done."""
    jobs = module.params["jobs"]
    keys = [((j.get("mailbox") or "").strip().lower(), j.get("user")) for j in jobs]
    doubles = sorted({"%s from %s" % key for key in keys if keys.count(key) > 1})
    if doubles:
        raise ResourceFailure("jobs listed twice (the same mailbox and source user): %s" % ", ".join(doubles))
    listing = {}
    for raw in client.get_list("syncjobs", "all", "no_log"):
        listing.setdefault(job_key(raw), syncjob_from_api(raw))
    shared = {k: v for k, v in module.params.items() if k != "jobs"}
    entries = []
    for job in jobs:
        params = dict(shared, **{k: job.get(k) for k in JOB_KEYS})
        resource = _ListedSyncJob(ListedEntry(module, params), client, listing)
        fields = {"mailbox": resource.mailbox, "user": job.get("user")}
        entries.append((resource.mailbox, "%s from %s" % (resource.mailbox, job.get("user")), fields, resource))
    return run_entries(module, entries, "syncjobs", "sync job(s)")
