#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: wave_report
short_description: Write the report of a migration wave (Markdown and JSON)
version_added: 0.1.0
description:
  - Each domain of a wave calls this module when it ends, successfully or not, with the raw results of its
    phases. The module turns them into the domain's record (per mailbox the source size and count, the planned
    quota and the one in force on Mailcow after finalize with the space used there, what was copied and verified,
    errors; the DNS records before and after; timings), stores it in
    O(run_dir)C(/domains/), and rewrites C(report.json), C(report.md) and C(report.html) in O(run_dir) from all the
    domains recorded so far. Domains running in parallel are serialised by a lock file.
  - Called without O(domain), it only rewrites the report and returns its summary.
  - Secrets (passwords, tokens, keys, module invocations) are removed from everything it records. The
    files are private (0600) because they name people's mailboxes.
  - The report is output, not managed state, so the module always reports C(changed=false). It writes
    even in check mode, where the report says that nothing was changed.
author:
  - Mailwave engineers (@mailwave)
extends_documentation_fragment:
  - mailwave.migrate._attributes
attributes:
  check_mode:
    support: full
    details:
      - Writes the report also in check mode, marked as a dry run.
  diff_mode:
    support: none
  idempotent:
    support: full
options:
  run_dir:
    description: Directory of this run's report (created 0700).
    type: path
    required: true
  wave:
    description: Name of the wave (shown in the report).
    type: str
    required: true
  run_id:
    description: Identifier of the run (shown in the report), typically a UTC timestamp.
    type: str
    required: true
  domain:
    description: The domain whose record is written. Omit to only rewrite the report.
    type: str
  mailboxes:
    description: The domain's mailboxes as returned by M(mailwave.migrate.inventory_check).
    type: list
    elements: dict
    default: []
  source_info:
    description: Results of M(mailwave.migrate.imap_mailbox_info), one per mailbox (loop results with C(item)).
    type: list
    elements: dict
    default: []
  sync_results:
    description: Results of M(mailwave.migrate.imap_sync), one per mailbox (loop or async results with C(item)).
    type: list
    elements: dict
    default: []
  groupware_results:
    description:
      - What the groupware role moved, one record per mailbox and run (after sync, final delta), with C(item.address),
        C(contacts) and C(calendars) (counts of M(mailwave.migrate.dav_sync)), C(filters) (counts of
        M(mailwave.migrate.sieve_sync)), C(errors) and C(notes) (lists of text).
      - Each mailbox of the report then has C(contacts) and C(calendars) (C(source), C(copied), C(already_there),
        C(errors), C(verified), C(altered)) and C(filters) (C(source), C(copied), C(already_there), C(errors)).
    type: list
    elements: dict
    default: []
    version_added: 0.2.0
  quotas:
    description:
      - The planned quota in MiB by address (a raise by the copy included); each mailbox's entry gets C(quota_mib).
      - It is what provision sets on a new mailbox, not necessarily the quota in force on Mailcow; see O(final_quotas).
    type: dict
    default: {}
  quota_raises:
    description:
      - The quota raises of the copies, in order, as the C(quota_raises) filter returns them (C(address), C(from),
        C(to), C(raised), C(refused_messages)); each mailbox's entry gets C(quota_raised).
    type: list
    elements: dict
    default: []
  final_quotas:
    description:
      - What the finalize role found and left on Mailcow, by address, each a dict with C(quota) (the quota in force
        at the end of the phase, MiB, V(0) for unlimited), C(used) (the bytes used there), C(measured_quota) (the
        quota finalize found before it set its own) and C(changed) (whether finalize set another quota).
      - Each mailbox's entry gets C(quota_final) with C(mib), C(used_bytes), C(before_mib) and C(changed); a mailbox to
        migrate that is not listed gets C(quota_final=null), shown as "not set yet" (finalize did not run, or did
        not reach it, in this run).
    type: dict
    default: {}
    version_added: 0.2.0
  abandoned:
    description: Mailboxes that look abandoned, with the reason.
    type: list
    elements: str
    default: []
  warnings:
    description: Anything else the admin should read.
    type: list
    elements: str
    default: []
  dns_before:
    description: The mail RRsets before the change (as returned by M(mailwave.migrate.wave_zone_records)).
    type: list
    elements: dict
    default: []
  dns_after:
    description: The mail RRsets after the change.
    type: list
    elements: dict
    default: []
  backup:
    description: The result of M(mailwave.migrate.dns_zone_backup) (path, serial, checksum).
    type: dict
    default: {}
  propagation:
    description: A summary of the propagation checks (C(converged), per-server tables).
    type: dict
    default: {}
  timings:
    description: Per phase, a dict with C(start), C(end) and C(seconds).
    type: dict
    default: {}
  failure:
    description: When the domain failed, a dict with the C(phase) and the message C(msg).
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Record this domain in the wave report
  mailwave.migrate.wave_report:
    run_dir: "{{ mailwave_work_dir }}/reports/{{ mailwave_run_id }}"
    wave: wave1
    run_id: "{{ mailwave_run_id }}"
    domain: "{{ inventory_hostname }}"
    mailboxes: "{{ mailwave_checked_mailboxes }}"
    sync_results: "{{ mailwave_sync_results }}"
  delegate_to: localhost

- name: Print the summary
  mailwave.migrate.wave_report:
    run_dir: "{{ mailwave_work_dir }}/reports/{{ mailwave_run_id }}"
    wave: wave1
    run_id: "{{ mailwave_run_id }}"
  register: report
"""

RETURN = r"""
summary:
  description: One line per domain and a header line, for the console.
  returned: always
  type: list
  elements: str
  sample:
    - "Wave wave1, run 20260101T120000Z: 3 domain(s), 2 ok, 1 failed"
report_json:
  description: Path of the JSON report.
  returned: always
  type: str
report_markdown:
  description: Path of the Markdown report.
  returned: always
  type: str
report_html:
  description:
    - Path of the HTML status page, self-contained (no external assets), for people to look at; every
      mailbox in one sortable, filterable table (failed first; with its planned quota, the quota in force on
      Mailcow after finalize and the space used there), a line per domain and a throughput plot.
  returned: always
  type: str
domain_record:
  description:
    - The record written for O(domain).
    - Per mailbox moved by the groupware phase, C(contacts) and C(calendars) (counts of objects C(source),
      C(copied), C(already_there), C(errors), C(verified), C(altered)), C(filters) (C(source), C(copied),
      C(already_there), C(errors)), and C(groupware_errors) / C(groupware_notes) when there are any.
    - Per mailbox, C(quota_mib) (the planned quota, O(quotas)) and, for a mailbox to migrate, C(quota_final) with the
      quota in force on Mailcow after finalize (C(mib), V(0) for unlimited), the bytes used there (C(used_bytes)),
      the quota finalize found (C(before_mib)) and whether it set another (C(changed)); null when finalize has not
      set it in this run (O(final_quotas)).
  returned: when O(domain) is given
  type: dict
  sample:
    mailboxes:
      - address: anna@example.org
        quota_mib: 3072
        quota_final: {mib: 1536, used_bytes: 1048576000, before_mib: 3072, changed: true}
        contacts: {source: 120, copied: 120, already_there: 0, errors: 0, verified: 120, altered: 0}
        calendars: {source: 40, copied: 38, already_there: 2, errors: 0, verified: 39, altered: 1}
        filters: {source: 2, copied: 2, already_there: 0, errors: 0}
failed_domains:
  description: Domains whose status is C(failed) or C(incomplete).
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mailwave.migrate.plugins.module_utils._wave.report import domain_fragment, summarize, write


def main():
    module = AnsibleModule(
        argument_spec=dict(
            run_dir=dict(type="path", required=True),
            wave=dict(type="str", required=True),
            run_id=dict(type="str", required=True),
            domain=dict(type="str"),
            mailboxes=dict(type="list", elements="dict", default=[]),
            source_info=dict(type="list", elements="dict", default=[]),
            sync_results=dict(type="list", elements="dict", default=[]),
            groupware_results=dict(type="list", elements="dict", default=[]),
            quotas=dict(type="dict", default={}),
            quota_raises=dict(type="list", elements="dict", default=[]),
            final_quotas=dict(type="dict", default={}),
            abandoned=dict(type="list", elements="str", default=[]),
            warnings=dict(type="list", elements="str", default=[]),
            dns_before=dict(type="list", elements="dict", default=[]),
            dns_after=dict(type="list", elements="dict", default=[]),
            backup=dict(type="dict", default={}),
            propagation=dict(type="dict", default={}),
            timings=dict(type="dict", default={}),
            failure=dict(type="dict", default={}),
        ),
        supports_check_mode=True,
    )
    params = dict(module.params, check_mode=module.check_mode)
    fragment = domain_fragment(params) if params["domain"] else None
    try:
        report, paths = write(params["run_dir"], params["wave"], params["run_id"], fragment, module.check_mode)
    except (OSError, ValueError) as exc:
        module.fail_json(msg="cannot write the wave report in %s: %s" % (params["run_dir"], exc))
    result = dict(changed=False, summary=summarize(report), report_json=paths["json"],
                  report_markdown=paths["markdown"], report_html=paths["html"],
                  failed_domains=[d["domain"] for d in report["domains"] if d["status"] in ("failed", "incomplete")])
    if fragment is not None:
        result["domain_record"] = fragment
    module.exit_json(**result)


if __name__ == "__main__":
    main()
