#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: sieve_syncs
short_description: Copy many accounts' Sieve filters into Mailcow's filters in one run
version_added: 0.2.0
description:
  - Does for each entry of O(accounts) what M(mailwave.migrate.sieve_sync) does for one account (ManageSieve
    scripts, or Gmail filters and Microsoft 365 inbox rules converted), with the same options, the same
    comparison, check mode and diff, at most O(parallel) accounts at once, from one module run.
  - Why a list module? A module run costs about half a CPU-second of Ansible start-up; a wave's groupware phase
    ran M(mailwave.migrate.sieve_sync) once per mailbox.
  - An account that cannot be moved (login refused, Mailcow refusing the mailbox) does not stop the others; its
    entry in RV(accounts) has C(failed) and C(msg), as M(mailwave.migrate.sieve_sync) would have failed. The
    module itself fails only on bad arguments.
author:
  - Mailwave engineers (@mailwave)
extends_documentation_fragment:
  - mailwave.migrate._mailcow
  - mailwave.migrate._attributes
  - mailwave.migrate._attributes.ACTIONGROUP_MAILCOW
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - One diff per account, its headers named by the account's id.
  idempotent:
    support: full
options:
  accounts:
    description:
      - The accounts to move, each with what M(mailwave.migrate.sieve_sync) takes per account.
      - Each mailbox in one account only (two sources would each replace the other's filters).
    type: list
    elements: dict
    required: true
    suboptions:
      id:
        description:
          - Unique name of the account, usually its mailbox; the key of its entry in RV(accounts).
        type: str
        required: true
      source:
        description: The ManageSieve account to read.
        type: dict
        required: true
        suboptions:
          provider:
            description:
              - V(managesieve) reads Sieve scripts over ManageSieve (O(accounts[].source.host), O(accounts[].source.password)).
              - V(google) reads the Gmail settings of O(accounts[].source.user) with O(accounts[].source.oauth2_token); the token needs the
                scope C(https://www.googleapis.com/auth/gmail.settings.basic) (or C(gmail.readonly)).
              - V(microsoft) reads the Microsoft 365 inbox rules and automatic replies of O(accounts[].source.user) through Graph with
                O(accounts[].source.oauth2_token); the token needs C(MailboxSettings.Read) and C(Mail.Read) (or C(Mail.ReadBasic)).
                The inbox rules are read from C(/mailFolders/inbox/messageRules), which needs C(MailboxSettings.Read).
            type: str
            choices: [managesieve, google, microsoft]
            default: managesieve
          host:
            description: ManageSieve server. Required with O(accounts[].source.provider=managesieve).
            type: str
          port:
            description: TCP port.
            type: int
            default: 4190
          security:
            description:
              - V(starttls) (the ManageSieve standard), V(tls) (TLS from the first byte), or V(plain), which sends the
                password in clear and needs O(accounts[].source.allow_plaintext=true).
            type: str
            choices: [starttls, tls, plain]
            default: starttls
          allow_plaintext:
            description: The explicit opt-in for O(accounts[].source.security=plain).
            type: bool
            default: false
          user:
            description: Login name; for V(google) and V(microsoft) the account's address (Gmail C(userId), Graph user).
            type: str
            required: true
          password:
            description: Password (SASL PLAIN, inside TLS). Required with O(accounts[].source.provider=managesieve).
            type: str
          oauth2_token:
            description: OAuth2 access token (bearer) for V(google) and V(microsoft). Never logged.
            type: str
          gmail_url:
            description: Base URL of the Gmail API (tests point it at an emulator).
            type: str
            default: https://gmail.googleapis.com
          graph_url:
            description: Base URL of Microsoft Graph, version included.
            type: str
            default: https://graph.microsoft.com/v1.0
          ca_file:
            description: PEM file of the CA certificates to trust instead of the system's ones (ManageSieve and the APIs).
            type: path
          validate_certs:
            description: Verify the server's TLS certificate.
            type: bool
            default: true
      mailbox:
        description: The Mailcow mailbox (full address) that gets the filters.
        type: str
        required: true
  filter_type:
    description: Mailcow's filter type; V(prefilter) runs before the user's own SOGo rules, V(postfilter) after.
    type: str
    choices: [prefilter, postfilter]
    default: prefilter
  parallel:
    description:
      - How many accounts are moved at once (a source connection and Mailcow API requests each).
    type: int
    default: 4
notes:
  - The module does not hide the account list as a whole (its ids and users are in the results); passwords and tokens
    are hidden. Run it with C(no_log) when the results must not be shown either.
seealso:
  - module: mailwave.migrate.sieve_sync
"""

EXAMPLES = r"""
- name: Move the Sieve filters of a domain's mailboxes to Mailcow, four at once
  mailwave.migrate.sieve_syncs:
    api_url: https://mail.example.org
    api_key: "{{ mailcow_api_key }}"
    accounts:
      - id: alice@example.org
        source: {host: imap.old-provider.example, user: alice@example.org, password: "{{ old['alice@example.org'] }}"}
        mailbox: alice@example.org
      - id: bob@example.org
        source: {provider: google, user: bob@example.org, oauth2_token: "{{ bob_google_token }}"}
        mailbox: bob@example.org
  register: filters
  no_log: true
"""

RETURN = r"""
accounts:
  description:
    - One entry per item of O(accounts), in order, with C(id), C(changed) and the return values of
      M(mailwave.migrate.sieve_sync) for that account (C(filters), C(scripts), and C(conversion) from an API), and
      C(warnings) when there are some (they are also the module's warnings).
    - An account that could not be moved has C(failed=true) and C(msg) instead.
  returned: always
  type: list
  elements: dict
  sample:
    - {id: alice@example.org, changed: true, filters: {source: 1, copied: 1, updated: 0, already_there: 0, errors: 0,
       verified: 1, deactivated: []}, scripts: [{name: tri, active: true, action: add, changes: [], verified: true}]}
    - {id: bob@example.org, changed: false, failed: true, msg: "login refused ..."}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mailwave.migrate.plugins.module_utils._common.accounts import account_list_problem, run_accounts
from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.engine import (
    client_from_module,
    mailcow_argument_spec,
)
from ansible_collections.mailwave.migrate.plugins.module_utils._sieve.account import (
    FILTER_TYPES,
    FilterSyncError,
    source_spec,
    sync_filters,
)


def run_one(module, account):
    """(entry of RV(accounts), diff or None): one account, its failure kept in its entry."""
    try:
        # a client per account: the threads share no connection
        result, warnings = sync_filters(account["source"], account["mailbox"], module.params["filter_type"],
                                        client_from_module(module), check_mode=module.check_mode)
    except FilterSyncError as exc:
        return {"id": account["id"], "changed": False, "failed": True, "msg": exc.msg}, None
    except Exception as exc:  # noqa: BLE001 - one account's surprise is reported with it, never a traceback
        return {"id": account["id"], "changed": False, "failed": True,
                "msg": "unexpected error while moving the filters (%s: %s); please report it" % (type(exc).__name__, exc)}, None
    diff = result.pop("diff")
    entry = dict(result, id=account["id"])
    if warnings:
        entry["warnings"] = warnings
    return entry, diff


def _headed(account_id, diff):
    """sieve_sync's diff (a dict, or a list from an API) as a list with the account's id in the headers."""
    out = []
    for part in diff if isinstance(diff, list) else [diff]:
        part = dict(part)
        part["before_header"] = "%s: %s" % (account_id, part.get("before_header", "filters (active)"))
        part["after_header"] = "%s: %s" % (account_id, part.get("after_header", "filters (active)"))
        out.append(part)
    return out


def main():
    spec = mailcow_argument_spec()
    spec.update(
        accounts=dict(type="list", elements="dict", required=True, options=dict(
            id=dict(type="str", required=True),
            source=source_spec(),
            mailbox=dict(type="str", required=True),
        )),
        filter_type=dict(type="str", choices=FILTER_TYPES, default="prefilter"),
        parallel=dict(type="int", default=4),
    )
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    params = module.params
    # two sources into one mailbox would each replace the other's filters
    problem = account_list_problem(params["accounts"], params["parallel"], (
        ("id", "accounts listed twice", "each id once"),
        ("mailbox", "mailbox given to more than one account", "one account per mailbox")))
    if problem:
        module.fail_json(msg=problem)
    done = run_accounts(lambda account: run_one(module, account), params["accounts"], params["parallel"])
    diff = []
    for entry, one in done:
        for warning in entry.get("warnings", []):
            module.warn("%s: %s" % (entry["id"], warning))
        if one is not None:
            diff.extend(_headed(entry["id"], one))
    entries = [entry for entry, _diff in done]
    module.exit_json(changed=any(e["changed"] for e in entries), diff=diff, accounts=entries)


if __name__ == "__main__":
    main()
