# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Read-only views: domains and mailboxes with usage (mailcow_info), sync jobs with statistics."""

from __future__ import annotations

from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.dkim import dkim_from_api
from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.domain import domain_from_api, normalise_domain
from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.imapsync_log import parse_imapsync_log
from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.mailbox import mailbox_from_api
from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.syncjob import syncjob_from_api


def read_info(client, domains=None, include_mailboxes=True, include_dkim=True):
    wanted = [normalise_domain(d) for d in (domains or [])]
    if wanted:
        raw = [client.get("domain", name) for name in wanted]
        missing = [name for name, data in zip(wanted, raw) if not data]
        raw = [data for data in raw if data]
    else:
        raw, missing = client.get_list("domain", "all"), []
    result_domains = []
    for data in raw:
        domain = domain_from_api(data)
        if include_dkim:
            dkim = client.get("dkim", domain["domain"])
            domain["dkim"] = dkim_from_api(domain["domain"], dkim) if dkim else None
        result_domains.append(domain)
    mailboxes = []
    if include_mailboxes and result_domains:
        names = [d["domain"] for d in result_domains]
        if wanted:
            boxes = client.get_list("mailbox", "all", ",".join(names))
        else:
            boxes = client.get_list("mailbox", "all")
        mailboxes = [mailbox_from_api(b) for b in boxes if b.get("domain") in names]
    return {"domains": result_domains, "mailboxes": mailboxes, "missing_domains": missing}


def read_syncjobs(client, mailbox=None, host=None, user=None, include_log=False, statistics=True, mailboxes=None):
    """The jobs with the statistics of their last run; with statistics=False, Mailcow's no_log read: the same
    fields without imapsync's output (log ""), light enough to poll many boxes while they run.

    mailboxes: only the jobs of these mailboxes. Their statistics come from one read per mailbox, so that only
    their logs travel (a source host such as OVH's serves many domains: the jobs of a whole wave, each with
    imapsync's whole output, would come with every domain's read); without statistics one light read of all
    jobs is filtered here."""
    wanted = None if mailboxes is None else {m.strip().lower() for m in mailboxes}
    if wanted is not None and statistics:
        reads = [[m] for m in sorted(wanted)]
    else:
        reads = [[(mailbox or "all").strip().lower()] + ([] if statistics else ["no_log"])]
    return [job for parts in reads for job in _read_jobs(client, parts, wanted, host, user, include_log, statistics)]


def _read_jobs(client, parts, wanted, host, user, include_log, statistics):
    jobs = []
    for job in client.get_list("syncjobs", *parts):
        if host and str(job.get("host1", "")).lower() != host.strip().lower():
            continue
        if user and job.get("user1") != user:
            continue
        if wanted is not None and str(job.get("user2", "")).lower() not in wanted:
            continue
        out = syncjob_from_api(job)
        if statistics:
            log = job.get("log") or ""
            out["statistics"] = parse_imapsync_log(log)
            if include_log:
                out["log"] = log
        jobs.append(out)
    return jobs
