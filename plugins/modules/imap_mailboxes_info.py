#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: imap_mailboxes_info
short_description: Inventory many IMAP mailboxes at once before migrating them
version_added: 0.2.0
description:
  - Takes the inventory of M(mailwave.migrate.imap_mailbox_info) for each mailbox of O(mailboxes), at most
    O(parallel) at once, from one module run, and returns one entry per mailbox in RV(mailboxes).
  - Why a list module? A module run costs about half a CPU-second of Ansible start-up, as much as the inventory
    of a small mailbox; a wave's preflight ran one per mailbox.
  - A mailbox that cannot be read (wrong password, server down) does not fail the module; its entry has
    C(failed) and C(msg), so that the caller can list every problem at once.
  - Read-only. It examines folders read-only and never marks a message as read.
author:
  - Mailwave engineers (@mailwave)
requirements:
  - imapclient >= 3.0
extends_documentation_fragment:
  - mailwave.migrate._attributes
  - mailwave.migrate._attributes.INFO_MODULE
attributes:
  idempotent:
    support: full
options:
  mailboxes:
    description:
      - The mailboxes to inventory.
    type: list
    elements: dict
    required: true
    suboptions:
      id:
        description:
          - Unique name of the mailbox, usually its new address; the key of its entry in RV(mailboxes).
        type: str
        required: true
      server:
        description:
          - The IMAP account to inventory.
        type: dict
        required: true
        suboptions:
          host:
            description:
              - Host name or address of the IMAP server.
              - Required unless O(mailboxes[].server.provider) fills it in.
            type: str
          port:
            description:
              - TCP port. Defaults to V(993) with O(mailboxes[].server.security=tls) and V(143) otherwise (or the preset's port).
            type: int
          security:
            description:
              - V(tls) is TLS from the first byte (port 993), V(starttls) upgrades a plain connection with STARTTLS,
                V(plain) sends everything, the password included, in clear text and needs O(mailboxes[].server.allow_plaintext=true).
              - Defaults to V(tls), or to what the provider preset says.
            type: str
            choices: [tls, starttls, plain]
          allow_plaintext:
            description:
              - The explicit opt-in for O(mailboxes[].server.security=plain). Without it a plain-text connection is refused.
            type: bool
            default: false
          user:
            description:
              - Login name (usually the full e-mail address).
            type: str
            required: true
          password:
            description:
              - Password (LOGIN, or AUTHENTICATE PLAIN when the server disables LOGIN).
              - Exactly one of O(mailboxes[].server.password) and O(mailboxes[].server.oauth2_token) must be given.
            type: str
          oauth2_token:
            description:
              - An OAuth2 access token, used with XOAUTH2 (Gmail, Microsoft 365 accounts that refuse passwords).
              - Exactly one of O(mailboxes[].server.password) and O(mailboxes[].server.oauth2_token) must be given.
            type: str
          ca_file:
            description:
              - PEM file of the CA certificates to trust instead of the system's ones.
            type: path
          validate_certs:
            description:
              - Verify the server's TLS certificate and host name. Only turn this off for a test server.
            type: bool
            default: true
          timeout:
            description:
              - Seconds to wait for the server on connect and on each read. Defaults to 120 (or the preset's value).
            type: float
          provider:
            description:
              - Name of a provider preset (V(ovh), V(gandi), V(gmail), V(office365), V(generic), or an alias such as
                V(google) or V(microsoft365)) that fills in host, port and security, and folders to leave out
                (Gmail's C([Gmail]/All Mail), C(Important) and C(Starred), which only hold copies). Explicit options
                win.
            type: str
  parallel:
    description:
      - How many mailboxes are read at once (one connection each).
    type: int
    default: 4
  folders_include:
    description:
      - Regular expressions (Python syntax, searched anywhere in the name, like imapsync's C(--include)).
        When given, only folders whose full name matches one of them are inventoried.
    type: list
    elements: str
  folders_exclude:
    description:
      - Regular expressions; folders whose full name matches one of them are left out (applied after
        O(folders_include), like imapsync's C(--exclude)). The provider preset's exclusions are added.
    type: list
    elements: str
  big_message_size:
    description:
      - A message of at least this many bytes counts as big (C(folders[].big_messages) of each entry).
    type: int
    default: 10485760
  old_message_days:
    description:
      - A message whose arrival date (INTERNALDATE) is more than this many days ago counts as old
        (C(folders[].old_messages) of each entry).
    type: int
    default: 730
  largest:
    description:
      - How many of the largest messages of the whole box to list in C(largest_messages) of each entry. V(0) lists none.
    type: int
    default: 10
  abandoned_days:
    description:
      - The box looks abandoned (C(looks_abandoned) of each entry) when nothing was sent for this many days and, in the same
        period, either no mail arrived in INBOX or none of the mail that arrived was read.
    type: int
    default: 180
seealso:
  - module: mailwave.migrate.imap_mailbox_info
"""

EXAMPLES = r"""
- name: Inventory the mailboxes of a domain, four at once
  mailwave.migrate.imap_mailboxes_info:
    mailboxes:
      - id: alice@example.org
        server: {provider: ovh, user: alice@example.org, password: "{{ passwords['alice@example.org'] }}"}
      - id: bob@example.org
        server: {provider: ovh, user: bob@example.org, password: "{{ passwords['bob@example.org'] }}"}
    abandoned_days: 365
  register: census
"""

RETURN = r"""
mailboxes:
  description:
    - One entry per item of O(mailboxes), in order, with the return values of M(mailwave.migrate.imap_mailbox_info)
      (C(folders), C(totals), C(largest_messages), C(looks_abandoned), ...) and C(id).
    - An entry that could not be read has C(failed=true) and C(msg) instead.
  returned: always
  type: list
  elements: dict
  sample:
    - {id: alice@example.org, totals: {messages: 1200, bytes: 85000000, folders: 9}, looks_abandoned: false}
    - {id: bob@example.org, failed: true, msg: "login failed on ssl0.ovh.net:993 ..."}
"""

import concurrent.futures

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mailwave.migrate.plugins.module_utils._imap.connection import Endpoint, ImapError
from ansible_collections.mailwave.migrate.plugins.module_utils._imap.folders import FolderPlanError
from ansible_collections.mailwave.migrate.plugins.module_utils._imap.info import (
    inventory_of,
    inventory_options,
    inventory_options_problem,
)
from ansible_collections.mailwave.migrate.plugins.module_utils._imap.options import endpoint_argument


def main():
    module = AnsibleModule(
        argument_spec=dict(
            mailboxes=dict(type="list", elements="dict", required=True, options=dict(
                id=dict(type="str", required=True),
                server=endpoint_argument(required=True),
            )),
            parallel=dict(type="int", default=4),
            **inventory_options()
        ),
        supports_check_mode=True,
    )
    params = module.params
    if inventory_options_problem(params):
        module.fail_json(msg=inventory_options_problem(params))
    if params["parallel"] < 1:
        module.fail_json(msg="parallel must be 1 or more, not %s" % params["parallel"])
    ids = [box["id"] for box in params["mailboxes"]]
    doubles = sorted({i for i in ids if ids.count(i) > 1})
    if doubles:
        module.fail_json(msg="mailboxes listed twice: %s (each id once)" % ", ".join(doubles))
    endpoints, problems = {}, []
    for box in params["mailboxes"]:
        try:
            endpoints[box["id"]] = Endpoint.from_params(box["server"], role="mailboxes[%s].server" % box["id"])
        except ImapError as exc:
            problems.append("%s: %s" % (box["id"], exc))
            continue
        for secret in endpoints[box["id"]].secrets():
            module.no_log_values.add(secret)
    if problems:
        module.fail_json(msg="bad mailbox settings, nothing was read: %s" % " | ".join(problems))

    def one(box_id):
        try:
            return dict(inventory_of(endpoints[box_id], params), id=box_id)
        except (ImapError, FolderPlanError) as exc:
            return {"id": box_id, "failed": True, "msg": str(exc)}
        except Exception as exc:  # noqa: BLE001 - one box's surprise is reported with it, never a traceback
            text = endpoints[box_id].redact("%s: %s" % (type(exc).__name__, exc))
            return {"id": box_id, "failed": True, "msg": "unexpected error while reading the mailbox (%s); please "
                                                         "report it" % text}

    with concurrent.futures.ThreadPoolExecutor(max_workers=min(params["parallel"], max(1, len(ids)))) as pool:
        entries = list(pool.map(one, ids))
    for entry in entries:
        for item in entry.get("folder_errors") or []:
            module.warn("%s: folder %r could not be read and is not counted: %s"
                        % (entry["id"], item["folder"], item["error"]))
    module.exit_json(changed=False, mailboxes=entries)


if __name__ == "__main__":
    main()
