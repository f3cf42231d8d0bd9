#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: mailcow_syncjob_info
short_description: Read Mailcow sync jobs with their last run and imapsync's statistics
version_added: 0.1.0
description:
  - Lists Mailcow's sync jobs (all, or those of one mailbox, source host or source user) with their last run,
    success and exit status, and the statistics of imapsync's last report parsed out of the job's log into
    numbers (messages transferred and skipped, errors, bytes, the final verdict).
  - With O(statistics=false) it asks Mailcow for the jobs without their log (C(get/syncjobs/.../no_log)), that is
    the same fields without imapsync's output, the whole output of each job's last run. That read is much
    lighter when many jobs are polled until they have run.
author:
  - Mailwave engineers (@mailwave)
extends_documentation_fragment:
  - mailwave.migrate._mailcow
  - mailwave.migrate._attributes
  - mailwave.migrate._attributes.INFO_MODULE
  - mailwave.migrate._attributes.ACTIONGROUP_MAILCOW
attributes:
  idempotent:
    support: full
options:
  mailbox:
    description:
      - Only the jobs of this Mailcow mailbox. All jobs when omitted.
      - Mutually exclusive with O(mailboxes).
    type: str
  mailboxes:
    description:
      - Only the jobs of these Mailcow mailboxes, for example those of one domain.
      - With O(statistics=true) each mailbox's jobs are read on their own, so that only their logs come from
        Mailcow, not those of every job on the server (a source host shared by many domains has all of a wave's
        jobs). With O(statistics=false) one read of all jobs without their logs is filtered.
      - Mutually exclusive with O(mailbox).
    type: list
    elements: str
    version_added: 0.2.0
  host:
    description: Only the jobs from this source host.
    type: str
  user:
    description: Only the jobs of this source login.
    type: str
  include_log:
    description:
      - Also return the whole imapsync output of the last run (it can be long).
      - Needs O(statistics=true).
    type: bool
    default: false
  statistics:
    description:
      - Read each job with its log and return RV(syncjobs[].statistics) parsed out of it.
      - V(false) reads the jobs without their log (Mailcow's C(no_log) read) and returns neither statistics nor
        log, only the job, its last run, success and exit status; for polling until jobs have run.
    type: bool
    default: true
seealso:
  - module: mailwave.migrate.mailcow_syncjob
"""

EXAMPLES = r"""
- name: Read the sync job of a mailbox
  mailwave.migrate.mailcow_syncjob_info:
    api_url: https://mail.example.org
    api_key: "{{ mailcow_api_key }}"
    mailbox: alice@example.com
  register: jobs

- name: Wait until the jobs of a source host have run, without reading their logs
  mailwave.migrate.mailcow_syncjob_info:
    api_url: https://mail.example.org
    api_key: "{{ mailcow_api_key }}"
    host: imap.old-provider.example
    statistics: false
  register: polled
  until: polled.syncjobs | rejectattr('last_run') | list | length == 0
  retries: 60
  delay: 10

- name: Read the statistics of one domain's jobs, without fetching the logs of the other domains' jobs
  mailwave.migrate.mailcow_syncjob_info:
    api_url: https://mail.example.org
    api_key: "{{ mailcow_api_key }}"
    mailboxes:
      - alice@example.com
      - bob@example.com
  register: domain_jobs

- name: Fail when the last run went wrong
  ansible.builtin.assert:
    that: jobs.syncjobs | rejectattr('success') | list | length == 0
"""

RETURN = r"""
syncjobs:
  description: The jobs, as returned by M(mailwave.migrate.mailcow_syncjob), plus their statistics.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Mailcow's id of the job.
      type: int
    mailbox:
      description: Target mailbox.
      type: str
    host:
      description: Source server.
      type: str
    user:
      description: Source login.
      type: str
    active:
      description: Whether the job runs.
      type: bool
    is_running:
      description: Whether it runs right now.
      type: bool
    last_run:
      description: End of the last run, null when it never ran or a new run was requested.
      type: str
    success:
      description: Whether the last run succeeded, null when it never ran or is running.
      type: bool
    exit_status:
      description: imapsync's exit status, for example C(EX_OK) or C(EXIT_AUTHENTICATION_FAILURE).
      type: str
    statistics:
      description: Numbers from imapsync's last report; each is null when the log does not have it.
      returned: when O(statistics=true)
      type: dict
      contains:
        messages_transferred:
          description: Messages copied.
          type: int
        messages_skipped:
          description: Messages already present, not copied again.
          type: int
        messages_transferable:
          description: With O(mailwave.migrate.mailcow_syncjob#module:dry), the messages a real run would copy.
          type: int
        messages_deleted_source:
          description: Messages deleted on the source.
          type: int
        messages_deleted_destination:
          description: Messages deleted on Mailcow's side.
          type: int
        bytes_transferred:
          description: Bytes copied.
          type: int
        bytes_skipped:
          description: Bytes of the skipped messages.
          type: int
        errors:
          description: Errors imapsync detected.
          type: int
        folders_synced:
          description: Folders synced.
          type: int
        folders_total:
          description: Folders to sync.
          type: int
        exit_code:
          description: imapsync's exit code.
          type: int
        exit_status:
          description: imapsync's exit status name.
          type: str
        exit_message:
          description: imapsync's exit status text.
          type: str
        verdict:
          description: imapsync's verdict lines ("The sync looks good..."), if any.
          type: list
          elements: str
        has_statistics:
          description: Whether the log has imapsync's statistics section.
          type: bool
    log:
      description: imapsync's output of the last run.
      returned: when O(include_log=true) and O(statistics=true)
      type: str
  sample:
    - id: 1
      mailbox: alice@example.com
      host: imap.old-provider.example
      user: alice@example.com
      active: true
      is_running: false
      last_run: "2026-11-22 15:07:03"
      success: true
      exit_status: EX_OK
      statistics:
        messages_transferred: 1200
        messages_skipped: 3
        bytes_transferred: 73400320
        errors: 0
        exit_code: 0
        exit_status: EX_OK
        verdict: []
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.engine import (
    mailcow_argument_spec, main_with_client)
from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.info import read_syncjobs


def main():
    argument_spec = mailcow_argument_spec()
    argument_spec.update(
        mailbox=dict(type="str"),
        mailboxes=dict(type="list", elements="str"),
        host=dict(type="str"),
        user=dict(type="str"),
        include_log=dict(type="bool", default=False),
        statistics=dict(type="bool", default=True),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True,
                           mutually_exclusive=[("mailbox", "mailboxes")])
    params = module.params
    if params["include_log"] and not params["statistics"]:
        # the no_log read has no log to return
        module.fail_json(msg="include_log needs statistics=true: without statistics the jobs are read without "
                             "their log")
    main_with_client(module, lambda client: {"changed": False, "syncjobs": read_syncjobs(
        client, params["mailbox"], params["host"], params["user"], params["include_log"], params["statistics"],
        params["mailboxes"])})


if __name__ == "__main__":
    main()
