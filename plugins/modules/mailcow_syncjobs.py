#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: mailcow_syncjobs
short_description: Create, update, run or remove many Mailcow sync jobs with the same settings in one run
version_added: 0.2.0
description:
  - Does for each entry of O(jobs) what M(mailwave.migrate.mailcow_syncjob) does for one job, with the settings
    given once for all of them (the source O(host), encryption, interval, switches), and the same comparison,
    check mode and diff. The jobs are read once; only what differs is written, so a second run reports no
    change and sends no write.
  - Why a list module? A module run costs about half a CPU-second of Ansible start-up; a wave of hundreds of
    mailboxes spent more time starting M(mailwave.migrate.mailcow_syncjob) than talking to Mailcow.
  - A job that fails (Mailcow refuses it, or it has no password to be created with) does not stop the others.
    The module fails at the end, listing every job that failed; RV(syncjobs) says what happened to each.
author:
  - Mailwave engineers (@mailwave)
extends_documentation_fragment:
  - mailwave.migrate._mailcow
  - mailwave.migrate._mailcow_syncjob
  - mailwave.migrate._attributes
  - mailwave.migrate._attributes.ACTIONGROUP_MAILCOW
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - The diff is keyed by C(<mailbox> from <source user>); passwords are never in it.
  idempotent:
    support: partial
    details:
      - With O(update_password=always) every job's password is sent, and a change reported, at every run.
      - O(run_now=true) reports a change for every job that has already run (it asks for a new run).
options:
  jobs:
    description: The jobs, one per Mailcow mailbox and source login; each gets the settings of this task.
    type: list
    elements: dict
    required: true
    suboptions:
      mailbox:
        description: The Mailcow mailbox that receives the mail (C(user2) in Mailcow). It must exist.
        type: str
        required: true
      user:
        description: Login on the source server (C(user1)).
        type: str
        required: true
      password:
        description: Password on the source server. Required to create the job. Never returned.
        type: str
  update_password:
    description:
      - V(on_create) sends each job's O(jobs[].password) only when the job is created; V(always) also on an
        existing job, every run.
      - Mailcow never returns the password, so it cannot be compared.
    type: str
    choices: [on_create, always]
    default: on_create
  state:
    description: V(present) creates or updates the jobs, V(absent) removes them.
    type: str
    choices: [present, absent]
    default: present
seealso:
  - module: mailwave.migrate.mailcow_syncjob
  - module: mailwave.migrate.mailcow_syncjob_info
"""

EXAMPLES = r"""
- name: A sync job for each mailbox of the domain, run now
  mailwave.migrate.mailcow_syncjobs:
    host: imap.old-provider.example
    encryption: ssl
    interval: 30
    automap: true
    run_now: true
    jobs:
      - {mailbox: alice@example.com, user: alice@example.com, password: "{{ old_passwords['alice@example.com'] }}"}
      - {mailbox: bob@example.com, user: bob@example.com, password: "{{ old_passwords['bob@example.com'] }}"}
  no_log: true

- name: Turn them off after the migration
  mailwave.migrate.mailcow_syncjobs:
    host: imap.old-provider.example
    active: false
    jobs:
      - {mailbox: alice@example.com, user: alice@example.com}
      - {mailbox: bob@example.com, user: bob@example.com}
"""

RETURN = r"""
syncjobs:
  description: One entry per item of O(jobs), in order.
  returned: always
  type: list
  elements: dict
  contains:
    mailbox:
      description: The Mailcow mailbox.
      type: str
    user:
      description: The source login.
      type: str
    changed:
      description: Whether the job was changed (or would be, in check mode).
      type: bool
    changes:
      description: What differed on an existing job; C(password) and C(run_now) when requested.
      type: list
      elements: str
    syncjob:
      description: The job after the change, as M(mailwave.migrate.mailcow_syncjob) returns it; empty when absent.
      type: dict
    failed:
      description: True when this job could not be done; RV(syncjobs[].msg) says why.
      type: bool
    msg:
      description: Why the job failed.
      type: str
  sample:
    - {mailbox: alice@example.com, user: alice@example.com, changed: true, changes: [run_now],
       syncjob: {id: 1, mailbox: alice@example.com, host: imap.old-provider.example, active: true}}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.engine import mailcow_argument_spec
from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.entries import main_for_list
from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.syncjob import settings_spec
from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.syncjobs import run_syncjobs


def main():
    argument_spec = mailcow_argument_spec()
    argument_spec.update(settings_spec())
    argument_spec.update(
        jobs=dict(type="list", elements="dict", required=True, options=dict(
            mailbox=dict(type="str", required=True),
            user=dict(type="str", required=True),
            password=dict(type="str", no_log=True),
        )),
        update_password=dict(type="str", choices=["on_create", "always"], default="on_create", no_log=False),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)

    main_for_list(module, run_syncjobs)


if __name__ == "__main__":
    main()
