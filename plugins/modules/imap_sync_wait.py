#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: imap_sync_wait
short_description: Wait for a batch of IMAP copies started with async, printing their progress
version_added: 0.2.0
description:
  - Waits for a M(mailwave.migrate.imap_sync_batch) run started with C(async) and C(poll) set to 0, as
    M(ansible.builtin.async_status) with C(until) would, and returns that run's result when it ends.
  - At each poll it reads the batch's O(progress_file) and prints, when it changed, a summary line (mailboxes
    done, running, waiting, failed; MB copied; MB/s) and one line per copy running (messages and bytes done of
    the total known so far, rate, ETA) or waiting to retry. The lines show in a terminal and in AWX output; no
    callback plugin needs to be enabled.
  - Runs on the controller (an action plugin); with C(delegate_to) it polls the job and reads the progress
    file on that host, as the batch was started there.
author:
  - Mailwave engineers (@mailwave)
extends_documentation_fragment:
  - mailwave.migrate._attributes
  - mailwave.migrate._attributes.INFO_MODULE
attributes:
  action:
    support: full
    description: Runs as an action plugin on the controller.
  idempotent:
    support: full
options:
  jid:
    description: The C(ansible_job_id) of the async task that started the batch.
    type: str
    required: true
  progress_file:
    description: The batch's O(mailwave.migrate.imap_sync_batch#module:progress_file); without it only the end is waited for.
    type: path
  progress_token:
    description:
      - The batch's O(mailwave.migrate.imap_sync_batch#module:progress_token). A progress file with another token
        (left by an earlier batch, until this one first writes) is not shown.
    type: str
  label:
    description: Put before the summary line, for example the domain and the copy host.
    type: str
  interval:
    description: Seconds between two polls.
    type: float
    default: 5.0
  timeout:
    description:
      - Seconds to wait at most. When it passes, this task fails and says so; the copies go on, and a later
        run waits for them (each copy locks its mailbox) and resumes from their state.
    type: int
    default: 86400
seealso:
  - module: mailwave.migrate.imap_sync_batch
"""

EXAMPLES = r"""
- name: Start the copies
  mailwave.migrate.imap_sync_batch:
    jobs: "{{ copy_jobs }}"
    progress_file: /srv/mailwave/wave1/progress/example.org.json
  async: 86400
  poll: 0
  register: started

- name: Wait for them, with a progress line per mailbox at each poll
  mailwave.migrate.imap_sync_wait:
    jid: "{{ started.ansible_job_id }}"
    progress_file: /srv/mailwave/wave1/progress/example.org.json
    label: example.org
    interval: 5
  register: copies
"""

RETURN = r"""
finished:
  description: Whether the batch ended (always true unless the timeout passed).
  returned: always
  type: bool
ansible_job_id:
  description: The job waited for.
  returned: always
  type: str
results:
  description: The batch's per-mailbox results, as M(mailwave.migrate.imap_sync_batch) returns them.
  returned: when the batch ended
  type: list
  elements: dict
summary:
  description: The batch's last summary line.
  returned: when the batch ended
  type: str
  sample: "20/20 mailboxes done, 0 running, 0 waiting, 0 failed; 30.2 MB copied, 4.10 MB/s"
"""

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(jid=dict(type="str", required=True), progress_file=dict(type="path"),
                                              progress_token=dict(type="str", no_log=False), label=dict(type="str"), interval=dict(type="float", default=5.0),
                                              timeout=dict(type="int", default=86400)),
                           supports_check_mode=True)
    module.fail_json(msg="imap_sync_wait runs on the controller as an action plugin; run it from a playbook "
                         "(ansible-playbook), not as a module on a host")


if __name__ == "__main__":
    main()
