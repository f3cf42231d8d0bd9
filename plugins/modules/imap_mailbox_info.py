#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: imap_mailbox_info
short_description: Inventory an IMAP mailbox before migrating it
version_added: 0.1.0
description:
  - Logs in to one IMAP account and reports, per folder, the number of messages, their size, how many are
    unread, the oldest and newest message, and how many messages are big or old; the largest messages of the
    box; the special-use folders; the server's capabilities; and whether the box looks abandoned.
  - Use it before a migration to clean up old and big mail, to spot boxes that nobody reads any more, and to
    size quotas.
  - Read-only. It examines folders read-only and never marks a message as read.
  - 'Cost: per folder one read-only SELECT and one FETCH of C(RFC822.SIZE INTERNALDATE FLAGS), plus one
    FETCH of C(ENVELOPE) for the largest messages only.'
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
  server:
    description:
      - The IMAP account to inventory.
    type: dict
    required: true
    suboptions:
      host:
        description:
          - Host name or address of the IMAP server.
          - Required unless O(server.provider) fills it in.
        type: str
      port:
        description:
          - TCP port. Defaults to V(993) with O(server.security=tls) and V(143) otherwise (or the preset's port).
        type: int
      security:
        description:
          - V(tls) is TLS from the first byte (port 993), V(starttls) upgrades a plain connection with STARTTLS,
            V(plain) sends everything, the password included, in clear text and needs O(server.allow_plaintext=true).
          - Defaults to V(tls), or to what the provider preset says.
        type: str
        choices: [tls, starttls, plain]
      allow_plaintext:
        description:
          - The explicit opt-in for O(server.security=plain). Without it a plain-text connection is refused.
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
          - Exactly one of O(server.password) and O(server.oauth2_token) must be given.
        type: str
      oauth2_token:
        description:
          - An OAuth2 access token, used with XOAUTH2 (Gmail, Microsoft 365 accounts that refuse passwords).
          - Exactly one of O(server.password) and O(server.oauth2_token) must be given.
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
      - A message of at least this many bytes counts as big (RV(folders.big_messages)).
    type: int
    default: 10485760
  old_message_days:
    description:
      - A message whose arrival date (INTERNALDATE) is more than this many days ago counts as old
        (RV(folders.old_messages)).
    type: int
    default: 730
  largest:
    description:
      - How many of the largest messages of the whole box to list in RV(largest_messages). V(0) lists none.
    type: int
    default: 10
  abandoned_days:
    description:
      - The box looks abandoned (RV(looks_abandoned)) when nothing was sent for this many days and, in the same
        period, either no mail arrived in INBOX or none of the mail that arrived was read.
    type: int
    default: 180
notes:
  - Dates are the messages' INTERNALDATE (arrival date on the server), in UTC, ISO 8601.
  - INBOX and the Sent folder are always read for the abandonment check, even when the filters leave them
    out of RV(folders).
seealso:
  - module: mailwave.migrate.imap_sync
"""

EXAMPLES = r"""
- name: Inventory a box at OVH
  mailwave.migrate.imap_mailbox_info:
    server:
      provider: ovh
      user: alice@example.org
      password: "{{ vault_alice_password }}"
  register: alice_box

- name: Report what to clean up first
  ansible.builtin.debug:
    msg: >-
      {{ alice_box.totals.messages }} messages, {{ (alice_box.totals.bytes / 1048576) | round(1) }} MiB;
      {{ alice_box.totals.big_messages }} big, {{ alice_box.totals.old_messages }} older than 2 years;
      abandoned: {{ alice_box.looks_abandoned }} ({{ alice_box.abandoned_reason }})

- name: Inventory a Gmail box with an OAuth2 token, without the spam folder, listing the 20 largest messages
  mailwave.migrate.imap_mailbox_info:
    server:
      provider: gmail
      user: bob@example.com
      oauth2_token: "{{ bob_token }}"
    folders_exclude:
      - '(?i)spam'
    largest: 20
    big_message_size: 5000000
"""

RETURN = r"""
capabilities:
  description: The server's capabilities after login.
  returned: success
  type: list
  elements: str
  sample: [IMAP4REV1, IDLE, MOVE, NAMESPACE, SPECIAL-USE, UIDPLUS]
delimiter:
  description: The hierarchy separator of the account's folders.
  returned: success
  type: str
  sample: /
prefix:
  description: The personal namespace prefix (for example C(INBOX.) on Courier-like servers), or an empty string.
  returned: success
  type: str
  sample: ""
folders:
  description: One entry per inventoried folder, keyed by the folder's full name (decoded, not modified UTF-7).
  returned: success
  type: dict
  contains:
    messages:
      description: Number of messages.
      type: int
    bytes:
      description: Sum of the messages' sizes (RFC822.SIZE) in bytes.
      type: int
    unseen:
      description: Messages without the C(\\Seen) flag.
      type: int
    oldest:
      description: INTERNALDATE of the oldest message (UTC, ISO 8601), null when the folder is empty.
      type: str
    newest:
      description: INTERNALDATE of the newest message (UTC, ISO 8601), null when the folder is empty.
      type: str
    newest_days:
      description: Days since the newest message arrived, null when the folder is empty.
      type: int
    big_messages:
      description: Messages of at least O(big_message_size) bytes.
      type: int
    big_bytes:
      description: Their total size in bytes.
      type: int
    old_messages:
      description: Messages older than O(old_message_days) days.
      type: int
    old_bytes:
      description: Their total size in bytes.
      type: int
    special_use:
      description: The folder's special-use role (from the server's RFC 6154 flag, else guessed from its name), or null.
      type: str
    subscribed:
      description: Whether the folder is subscribed (LSUB), null if unknown.
      type: bool
  sample:
    INBOX: {messages: 1250, bytes: 80123456, unseen: 3, oldest: "2015-03-01T08:15:07+00:00",
            newest: "2026-11-20T10:02:00+00:00", newest_days: 2, big_messages: 2, big_bytes: 25000000,
            old_messages: 800, old_bytes: 40000000, special_use: null, subscribed: true}
folder_errors:
  description:
    - Folders the server refused to open (it answered NO or BAD), with its words. They are left out of the
      counts and the module warns. A dropped connection is not a folder error; the whole inventory is taken
      again on a new connection (up to three attempts), then the module fails.
  returned: success
  type: list
  elements: dict
  contains:
    folder:
      description: Folder name.
      type: str
    error:
      description: What the server said.
      type: str
  sample: [{folder: Calendar, error: "select failed: Mailbox doesn't exist: Calendar"}]
excluded_folders:
  description: Selectable folders left out by O(folders_include), O(folders_exclude) or the provider preset.
  returned: success
  type: list
  elements: str
  sample: ["[Gmail]/All Mail"]
totals:
  description: The sums over the inventoried folders, plus their number and the oldest and newest dates.
  returned: success
  type: dict
  contains:
    folders:
      description: Number of inventoried folders.
      type: int
    messages:
      description: Number of messages.
      type: int
    bytes:
      description: Total size in bytes.
      type: int
    unseen:
      description: Unread messages.
      type: int
    big_messages:
      description: Big messages.
      type: int
    big_bytes:
      description: Size of the big messages.
      type: int
    old_messages:
      description: Old messages.
      type: int
    old_bytes:
      description: Size of the old messages.
      type: int
    oldest:
      description: Oldest INTERNALDATE of the box.
      type: str
    newest:
      description: Newest INTERNALDATE of the box.
      type: str
  sample: {folders: 6, messages: 2000, bytes: 150000000, unseen: 10, big_messages: 5, big_bytes: 60000000,
           old_messages: 900, old_bytes: 50000000, oldest: "2015-03-01T08:15:07+00:00",
           newest: "2026-11-20T10:02:00+00:00"}
special_use:
  description: The account's special-use folders, role -> folder name (RFC 6154 flags first, then localised names).
  returned: success
  type: dict
  sample: {"\\Sent": Sent, "\\Trash": Trash, "\\Drafts": Drafts, "\\Junk": Junk}
largest_messages:
  description: The O(largest) largest messages of the inventoried folders, biggest first.
  returned: success
  type: list
  elements: dict
  contains:
    folder:
      description: Folder name.
      type: str
    uid:
      description: The message's UID in that folder.
      type: int
    size:
      description: Size in bytes.
      type: int
    date:
      description: INTERNALDATE (UTC, ISO 8601).
      type: str
    subject:
      description: Subject, decoded from RFC 2047 encoded words.
      type: str
    from:
      description: First sender, decoded (C(Name <address>)).
      type: str
  sample:
    - {folder: INBOX, uid: 42, size: 10485760, date: "2019-05-02T10:00:00+00:00", subject: Photos de vacances,
       from: Alice <alice@example.org>}
inbox_newest:
  description: INTERNALDATE of the newest message in INBOX, null when INBOX is empty.
  returned: success
  type: str
  sample: "2026-11-20T10:02:00+00:00"
inbox_newest_days:
  description: Days since the newest message arrived in INBOX, null when INBOX is empty.
  returned: success
  type: int
  sample: 2
sent_folder:
  description: The folder used as Sent (special-use flag, else localised name), null when there is none.
  returned: success
  type: str
  sample: Sent
sent_newest:
  description: INTERNALDATE of the newest message in the Sent folder, null when there is none.
  returned: success
  type: str
  sample: "2026-11-19T16:40:00+00:00"
sent_newest_days:
  description: Days since the newest message of the Sent folder, null when there is none.
  returned: success
  type: int
  sample: 3
looks_abandoned:
  description:
    - True when nothing was sent for O(abandoned_days) days and, in that period, either no mail arrived in
      INBOX or none of the mail that arrived was read.
  returned: success
  type: bool
  sample: false
abandoned_reasons:
  description: The facts behind RV(looks_abandoned) when it is true (empty list otherwise).
  returned: success
  type: list
  elements: str
  sample: ["nothing sent for 400 days (newest in 'Sent': 2025-10-18)", "no new mail in INBOX for 365 days (newest: 2025-11-22)"]
abandoned_reason:
  description: RV(abandoned_reasons) joined with C(; ), or null.
  returned: success
  type: str
  sample: "nothing sent for 400 days (newest in 'Sent': 2025-10-18); no new mail in INBOX for 365 days (newest: 2025-11-22)"
checked_at:
  description: When the inventory was taken (UTC, ISO 8601); the day counts are relative to it.
  returned: success
  type: str
  sample: "2026-11-22T17:00:00+00:00"
"""

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
            server=endpoint_argument(required=True),
            **inventory_options()
        ),
        supports_check_mode=True,
    )
    params = module.params
    if inventory_options_problem(params):
        module.fail_json(msg=inventory_options_problem(params))

    try:
        endpoint = Endpoint.from_params(params["server"], role="server")
    except ImapError as exc:
        module.fail_json(msg=str(exc))
    for secret in endpoint.secrets():
        module.no_log_values.add(secret)

    try:
        result = inventory_of(endpoint, params)
    except (ImapError, FolderPlanError) as exc:
        module.fail_json(msg=str(exc))
    for item in result["folder_errors"]:
        module.warn("folder %r could not be read and is not counted: %s" % (item["folder"], item["error"]))
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
