#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: sieve_sync
short_description: Copy one account's Sieve filters (ManageSieve) into Mailcow's filters
version_added: 0.2.0
description:
  - Reads every Sieve script of one account over ManageSieve (RFC 5804) and writes each as a Mailcow filter of
    the mailbox (C(add/filter), C(edit/filter)), named by the script's name, with the script's active state.
    Forwarding and vacation rules move with the scripts that hold them.
  - Mailcow keeps one active filter per mailbox and type; the script active at the source is written last and
    becomes the active one. Another active filter of that type that was not copied from the source is then
    deactivated by Mailcow; the result names it in RV(filters).
  - Nothing is deleted at Mailcow. Every filter written is read back and compared.
  - Scripts that C(include) other scripts are copied as they are and reported in the warnings, because Mailcow's
    filters cannot include the user's personal scripts.
  - With O(source.provider=google) or O(source.provider=microsoft) there is no Sieve at the source. The module
    reads the account's rules with an OAuth2 token (Gmail API C(users.settings) filters, labels, vacation and
    auto-forwarding; Microsoft Graph inbox C(messageRules), mail folders and C(automaticRepliesSetting)), converts
    them into one Sieve script (C(gmail-filters) or C(microsoft-rules)) and writes it, active, as a Mailcow filter
    the same way. What has no Sieve equivalent is listed per rule in RV(conversion), never dropped silently; a
    rule with a condition that cannot be converted is kept as comments in the script, not active.
author:
  - Mailwave engineers (@mailwave)
extends_documentation_fragment:
  - mailwave.migrate._mailcow
  - mailwave.migrate._attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  idempotent:
    support: full
options:
  source:
    description: The ManageSieve account to read.
    type: dict
    required: true
    suboptions:
      provider:
        description:
          - V(managesieve) reads Sieve scripts over ManageSieve (O(source.host), O(source.password)).
          - V(google) reads the Gmail settings of O(source.user) with O(source.oauth2_token); the token needs the
            scope C(https://www.googleapis.com/auth/gmail.settings.basic) (or C(gmail.readonly)).
          - V(microsoft) reads the Microsoft 365 inbox rules and automatic replies of O(source.user) through Graph with
            O(source.oauth2_token); the token needs C(MailboxSettings.Read) and C(Mail.Read) (or C(Mail.ReadBasic)).
            The inbox rules are read from C(/mailFolders/inbox/messageRules), which needs C(MailboxSettings.Read).
        type: str
        choices: [managesieve, google, microsoft]
        default: managesieve
      host:
        description: ManageSieve server. Required with O(source.provider=managesieve).
        type: str
      port:
        description: TCP port.
        type: int
        default: 4190
      security:
        description:
          - V(starttls) (the ManageSieve standard), V(tls) (TLS from the first byte), or V(plain), which sends the
            password in clear and needs O(source.allow_plaintext=true).
        type: str
        choices: [starttls, tls, plain]
        default: starttls
      allow_plaintext:
        description: The explicit opt-in for O(source.security=plain).
        type: bool
        default: false
      user:
        description: Login name; for V(google) and V(microsoft) the account's address (Gmail C(userId), Graph user).
        type: str
        required: true
      password:
        description: Password (SASL PLAIN, inside TLS). Required with O(source.provider=managesieve).
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
seealso:
  - module: mailwave.migrate.dav_sync
"""

EXAMPLES = r"""
- name: Move Alice's Sieve filters to Mailcow
  mailwave.migrate.sieve_sync:
    api_url: https://mail.example.org
    api_key: "{{ mailcow_api_key }}"
    source:
      host: imap.old-provider.example
      user: alice@example.org
      password: "{{ old_password }}"
    mailbox: alice@example.org

- name: Convert Bob's Gmail filters, vacation reply and forwarding into one Mailcow filter
  mailwave.migrate.sieve_sync:
    source:
      provider: google
      user: bob@example.org
      oauth2_token: "{{ bob_google_token }}"
    mailbox: bob@example.org
  register: converted

- name: Say what could not be converted
  ansible.builtin.debug:
    var: converted.conversion.not_converted
"""

RETURN = r"""
filters:
  description: Counts, and the names of the filters deactivated at Mailcow.
  returned: always
  type: dict
  sample: {source: 2, copied: 1, updated: 0, already_there: 1, errors: 0, verified: 2, deactivated: []}
scripts:
  description: One entry per source script, with C(name), C(active), C(action) (add, edit, unchanged, error),
    C(changes), C(verified) and C(problem).
  returned: always
  type: list
  elements: dict
conversion:
  description:
    - For V(google) and V(microsoft) sources, what the conversion into Sieve did. C(script) is the script's name
      at Mailcow; C(rules) counts the source's rules (filters, inbox rules, vacation, auto-forwarding) and
      C(converted) those that are active in the script.
    - C(not_converted) lists C({rule, what}) for every criterion, condition or action without a Sieve equivalent
      (a whole rule when a condition cannot be tested, or when it is disabled at the source);
      C(approximations) lists what the script does close to, but not exactly as, the source (for example
      attachments found by their Content-Disposition).
  returned: when O(source.provider) is V(google) or V(microsoft)
  type: dict
  sample:
    script: gmail-filters
    rules: 3
    converted: 2
    not_converted: [{rule: Gmail filter ANe1BmjA6, what: "the whole filter: criterion query 'is:unread'"}]
    approximations: []
    requests: 5
"""

from ansible.module_utils.basic import AnsibleModule

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


def main():
    spec = mailcow_argument_spec()
    spec.update(
        source=source_spec(),
        mailbox=dict(type="str", required=True),
        filter_type=dict(type="str", choices=FILTER_TYPES, default="prefilter"),
    )
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    params = module.params
    try:
        result, warnings = sync_filters(params["source"], params["mailbox"], params["filter_type"],
                                        client_from_module(module), check_mode=module.check_mode)
    except FilterSyncError as exc:
        module.fail_json(msg=exc.msg)
    for warning in warnings:
        module.warn(warning)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
