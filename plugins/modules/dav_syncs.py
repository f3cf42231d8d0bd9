#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: dav_syncs
short_description: Copy many accounts' address books and calendars (CardDAV/CalDAV) into Mailcow's SOGo in one run
version_added: 0.2.0
description:
  - Does for each entry of O(accounts) what M(mailwave.migrate.dav_sync) does for one account, with the same
    options, the same copy, check mode and diff, at most O(parallel) accounts at once, from one module run.
  - Why a list module? A module run costs about half a CPU-second of Ansible start-up; a wave's groupware phase
    ran M(mailwave.migrate.dav_sync) once per mailbox.
  - An account that cannot be copied (login refused, server down, bad state file) does not stop the others; its
    entry in RV(accounts) has C(failed) and C(msg), as M(mailwave.migrate.dav_sync) would have failed. The module
    itself fails only on bad arguments.
author:
  - Mailwave engineers (@mailwave)
requirements:
  - requests
  - dnspython (only for DNS discovery)
extends_documentation_fragment:
  - mailwave.migrate._attributes
  - mailwave.migrate._dav
attributes:
  check_mode:
    support: full
    details:
      - Reads both sides and reports exactly what a real run would write; writes nothing, not even the state files.
  diff_mode:
    support: full
    details:
      - One diff for every account; its keys are the destination collections, which hold the account's user.
  idempotent:
    support: full
options:
  accounts:
    description:
      - The accounts to copy, each with what M(mailwave.migrate.dav_sync) takes per account.
    type: list
    elements: dict
    required: true
    suboptions:
      id:
        description:
          - Unique name of the account, usually its new address; the key of its entry in RV(accounts).
        type: str
        required: true
      source:
        description: The CardDAV/CalDAV account to read.
        type: dict
        required: true
        suboptions:
          provider:
            description:
              - V(dav), any CardDAV/CalDAV server at O(accounts[].source.url).
              - V(google), a Google account (Gmail, Google Workspace) with O(accounts[].source.oauth2_token). Its address book
                is C(https://www.googleapis.com/carddav/v1/principals/<user>/lists/default/), each calendar
                C(https://apidata.googleusercontent.com/caldav/v2/<calendar id>/events/).
              - V(microsoft), a Microsoft 365 account read through Microsoft Graph v1.0
                (C(https://graph.microsoft.com/v1.0/users/<user>/contacts), C(.../calendars)) with
                O(accounts[].source.oauth2_token).
            type: str
            choices: [dav, google, microsoft]
            default: dav
          url:
            description:
              - The server (C(https://dav.example.com), discovery through the well-known URIs), or the user's
                principal or home URL.
              - Only a domain (C(example.org)), or nothing (then the domain of O(accounts[].source.user)), with
                O(accounts[].source.provider=dav) - the server is looked up in the DNS (SRV and TXT records, RFC 6764).
              - With O(accounts[].source.provider=google), leave it out; given, it replaces both Google hosts (a proxy in
                front of them) and the paths stay Google's.
              - With O(accounts[].source.provider=microsoft), leave it out; given, it replaces C(https://graph.microsoft.com/v1.0)
                (a national cloud's Graph endpoint, or a proxy).
            type: str
          user:
            description: Login name. With O(accounts[].source.provider=google) or O(accounts[].source.provider=microsoft), the account's address
              (Graph's user principal name).
            type: str
            required: true
          password:
            description:
              - Password (HTTP Basic, over TLS).
              - Exactly one of O(accounts[].source.password) and O(accounts[].source.oauth2_token) must be given.
            type: str
          oauth2_token:
            description:
              - OAuth2 access token, sent in an C(Authorization) header (C(Bearer) scheme) instead of a password.
              - For Google it needs the scopes C(https://www.googleapis.com/auth/carddav) (contacts) and
                C(https://www.googleapis.com/auth/calendar) (calendars).
              - For Microsoft 365 it needs the Graph permissions C(Contacts.Read) and C(Calendars.Read) (delegated, or
                application permissions granted by the tenant's administrator to read every mailbox).
              - Exactly one of O(accounts[].source.password) and O(accounts[].source.oauth2_token) must be given.
            type: str
          resolver:
            description:
              - With DNS discovery, the name servers to ask (C(IP) or C(IP:port)) instead of the system's, for
                split DNS.
            type: list
            elements: str
          calendar_ids:
            description:
              - With O(accounts[].source.provider=google), the calendars to copy, by Google calendar id. Google's CalDAV
                lists no calendars; the default is the primary calendar (whose id is O(accounts[].source.user)).
            type: list
            elements: str
          ca_file:
            description: PEM file of the CA certificates to trust instead of the system's ones.
            type: path
          validate_certs:
            description: Verify the server's TLS certificate. Leave it on.
            type: bool
            default: true
      destination:
        description: The SOGo account to write (Mailcow's C(/SOGo/dav/)).
        type: dict
        required: true
        suboptions:
          url:
            description: The Mailcow server (C(https://mail.example.org)) or its SOGo DAV root (C(.../SOGo/dav/)).
            type: str
            required: true
          user:
            description: The mailbox address (SOGo's user name).
            type: str
            required: true
          password:
            description: The mailbox password.
            type: str
            required: true
          ca_file:
            description: PEM file of the CA certificates to trust instead of the system's ones.
            type: path
          validate_certs:
            description: Verify the server's TLS certificate. Leave it on.
            type: bool
            default: true
      state_file:
        description:
          - JSON file (written 0600) holding the sync-tokens and, per UID, the ETags copied. One per account.
          - Keep it between runs; without it the next run compares contents instead (slower, and objects SOGo
            alters are then reported as conflicts).
        type: path
        required: true
  parallel:
    description:
      - How many accounts are copied at once (a source and a destination connection each).
    type: int
    default: 4
notes:
  - Deletions are not copied; an object removed at the source stays at the destination.
  - The notes of M(mailwave.migrate.dav_sync) on Microsoft 365 and Google hold for each account.
  - The module does not hide the account list as a whole (its ids and users are in the results); passwords and tokens
    are hidden. Run it with C(no_log) when the results must not be shown either.
seealso:
  - module: mailwave.migrate.dav_sync
"""

EXAMPLES = r"""
- name: Move the contacts and calendars of a domain's mailboxes to Mailcow, four at once
  mailwave.migrate.dav_syncs:
    accounts:
      - id: alice@example.org
        source: {url: https://dav.old-provider.example, user: alice@example.org, password: "{{ old['alice@example.org'] }}"}
        destination: {url: https://mail.example.org, user: alice@example.org, password: "{{ new['alice@example.org'] }}"}
        state_file: /var/lib/mailwave/dav/alice@example.org.json
      - id: bob@example.org
        source: {provider: google, user: bob@example.org, oauth2_token: "{{ bob_google_token }}"}
        destination: {url: https://mail.example.org, user: bob@example.org, password: "{{ new['bob@example.org'] }}"}
        state_file: /var/lib/mailwave/dav/bob@example.org.json
    parallel: 4
  register: dav
  no_log: true
"""

RETURN = r"""
accounts:
  description:
    - One entry per item of O(accounts), in order, with C(id), C(changed) and the return values of
      M(mailwave.migrate.dav_sync) for that account (C(contacts), C(calendars), C(collections), C(problems),
      C(requests), and C(discovery), C(conversions), C(skipped) when it returns them).
    - An account that could not be copied has C(failed=true) and C(msg) instead, with what
      M(mailwave.migrate.dav_sync) returns when it fails (C(collections) when the copy stopped half-way, C(discovery)
      when the DNS named no server).
  returned: always
  type: list
  elements: dict
  sample:
    - {id: alice@example.org, changed: true, contacts: {source: 120, copied: 118, updated: 0, already_there: 2},
       collections: [], problems: [], requests: {source: 12, destination: 9, writes: 118}}
    - {id: bob@example.org, changed: false, failed: true, msg: "401 Unauthorized ..."}
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.mailwave.migrate.plugins.module_utils._common.accounts import account_list_problem, run_accounts
from ansible_collections.mailwave.migrate.plugins.module_utils._dav.account import (
    AccountError,
    copy_options_spec,
    endpoint_spec,
    source_spec,
    sync_account,
)
from ansible_collections.mailwave.migrate.plugins.module_utils._dav.webdav import HAS_REQUESTS


def run_one(account, params, check_mode):
    """(entry of RV(accounts), diff or None): one account, its failure kept in its entry."""
    try:
        changed, result, diff = sync_account(account["source"], account["destination"], params["kinds"],
                                             account["state_file"], on_conflict=params["on_conflict"],
                                             timeout=params["timeout"], check_mode=check_mode)
    except AccountError as exc:
        return dict(exc.extra, id=account["id"], changed=False, failed=True, msg=exc.msg), None
    except Exception as exc:  # noqa: BLE001 - one account's surprise is reported with it, never a traceback
        return {"id": account["id"], "changed": False, "failed": True,
                "msg": "unexpected error while copying the account (%s: %s); please report it" % (type(exc).__name__, exc)}, None
    return dict(result, id=account["id"], changed=changed), diff


def main():
    module = AnsibleModule(
        argument_spec=dict(
            accounts=dict(type="list", elements="dict", required=True, options=dict(
                id=dict(type="str", required=True),
                source=source_spec(),
                destination=endpoint_spec(),
                state_file=dict(type="path", required=True),
            )),
            parallel=dict(type="int", default=4),
            **copy_options_spec()
        ),
        supports_check_mode=True,
    )
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"))
    params = module.params
    # two accounts on one state file would overwrite each other's ETags
    problem = account_list_problem(params["accounts"], params["parallel"], (
        ("id", "accounts listed twice", "each id once"),
        ("state_file", "state_file used by more than one account", "one per account")))
    if problem:
        module.fail_json(msg=problem)
    done = run_accounts(lambda account: run_one(account, params, module.check_mode), params["accounts"],
                        params["parallel"])
    diff = {"before": {}, "after": {}}
    for _entry, one in done:
        if one:
            diff["before"].update(one["before"])
            diff["after"].update(one["after"])
    entries = [entry for entry, _diff in done]
    module.exit_json(changed=any(e["changed"] for e in entries), diff=diff, accounts=entries)


if __name__ == "__main__":
    main()
