#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: mailcow_syncjob
short_description: Create, update, run or remove a Mailcow sync job (imapsync from an old server)
version_added: 0.1.0
description:
  - Manages one of Mailcow's own sync jobs, which copy an old IMAP account into a Mailcow mailbox with imapsync.
    A job is identified by the Mailcow O(mailbox), the source O(host) and the source O(user).
  - Reads the jobs first and sends only what differs, so a second run reports no change and sends no write.
  - Options that are not given keep their current value on an existing job; on creation they get the defaults
    listed below (Mailcow's API itself would turn every omitted switch off, including O(active)).
  - Refuses, before sending anything, O(custom_params) that Mailcow's validator would reject (blacklisted or
    unknown imapsync options, option values separated by a space), an O(exclude) that is not a valid regular
    expression, and numbers Mailcow would silently replace.
  - Mailcow runs sync jobs one at a time, every minute for the jobs whose interval has passed.
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
  idempotent:
    support: partial
    details:
      - With O(update_password=always) the password is sent, and a change reported, at every run.
      - O(run_now=true) reports a change whenever the job has already run (it asks for a new run).
options:
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
      - V(on_create) sends O(password) only when the job is created; V(always) also on an existing job, every run.
      - Mailcow never returns the password, so it cannot be compared.
    type: str
    choices: [on_create, always]
    default: on_create
  state:
    description: V(present) creates or updates the job, V(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
seealso:
  - module: mailwave.migrate.mailcow_syncjob_info
  - module: mailwave.migrate.mailcow_mailbox
"""

EXAMPLES = r"""
- name: Copy the old mailbox into Mailcow every 30 minutes
  mailwave.migrate.mailcow_syncjob:
    api_url: https://mail.example.org
    api_key: "{{ mailcow_api_key }}"
    mailbox: alice@example.com
    host: imap.old-provider.example
    user: alice@example.com
    password: "{{ old_password }}"
    encryption: ssl
    interval: 30
    exclude: (?i)spam|(?i)junk
    automap: true
    custom_params: --nosyncacls --syncinternaldates

- name: Run it again now
  mailwave.migrate.mailcow_syncjob:
    mailbox: alice@example.com
    host: imap.old-provider.example
    user: alice@example.com
    run_now: true

- name: The day after the switch, stop it
  mailwave.migrate.mailcow_syncjob:
    mailbox: alice@example.com
    host: imap.old-provider.example
    user: alice@example.com
    active: false
"""

RETURN = r"""
syncjob:
  description: The job after the change (in check mode, the expected values), without its password.
  returned: always
  type: dict
  contains:
    id:
      description: Mailcow's id of the job (null in check mode before creation).
      type: int
    mailbox:
      description: Target mailbox.
      type: str
    host:
      description: Source server.
      type: str
    port:
      description: Source port.
      type: int
    encryption:
      description: V(tls), V(ssl) or V(plain).
      type: str
    user:
      description: Source login.
      type: str
    interval:
      description: Minutes between runs.
      type: int
    subfolder:
      description: Target subfolder.
      type: str
    max_age:
      description: Maximum age in days, 0 for all.
      type: int
    max_bytes_per_second:
      description: Bandwidth limit, 0 for none.
      type: int
    timeout_source:
      description: Source timeout (seconds).
      type: int
    timeout_destination:
      description: Destination timeout (seconds).
      type: int
    exclude:
      description: Excluded folders (regular expression).
      type: str
    custom_params:
      description: Additional imapsync options.
      type: str
    delete2duplicates:
      description: Switch.
      type: bool
    delete1:
      description: Switch.
      type: bool
    delete2:
      description: Switch.
      type: bool
    automap:
      description: Switch.
      type: bool
    skip_cross_duplicates:
      description: Switch.
      type: bool
    subscribe_all:
      description: Switch.
      type: bool
    dry:
      description: Switch.
      type: bool
    active:
      description: Whether the job runs.
      type: bool
    is_running:
      description: Whether the job runs right now.
      type: bool
    last_run:
      description: End of the last run (C(YYYY-MM-DD HH:MM:SS)), null when it never ran or a run is requested.
      type: str
    success:
      description: Whether the last run succeeded, null when it never ran.
      type: bool
    exit_status:
      description: imapsync's exit status of the last run, for example C(EX_OK).
      type: str
    created:
      description: Creation time.
      type: str
    modified:
      description: Last modification time.
      type: str
  sample:
    id: 1
    mailbox: alice@example.com
    host: imap.old-provider.example
    port: 993
    encryption: ssl
    user: alice@example.com
    interval: 30
    subfolder: ""
    max_age: 0
    max_bytes_per_second: 0
    timeout_source: 600
    timeout_destination: 600
    exclude: (?i)spam|(?i)junk
    custom_params: --nosyncacls --syncinternaldates
    delete2duplicates: true
    delete1: false
    delete2: false
    automap: true
    skip_cross_duplicates: false
    subscribe_all: true
    dry: false
    active: true
    is_running: false
    last_run: null
    success: null
    exit_status: null
    created: "2026-11-22 15:06:47"
    modified: null
changes:
  description: What was (or would be) changed on an existing job; C(password) and C(run_now) when requested.
  returned: when an existing job changed
  type: list
  elements: str
  sample: [interval, run_now]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.engine import main_for, mailcow_argument_spec
from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.syncjob import SyncJobResource, settings_spec


def main():
    argument_spec = mailcow_argument_spec()
    argument_spec.update(settings_spec())
    argument_spec.update(
        mailbox=dict(type="str", required=True),
        user=dict(type="str", required=True),
        password=dict(type="str", no_log=True),
        update_password=dict(type="str", choices=["on_create", "always"], default="on_create", no_log=False),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    main_for(module, SyncJobResource)


if __name__ == "__main__":
    main()
