#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: dav_sync
short_description: Copy one account's address books and calendars (CardDAV/CalDAV) into Mailcow's SOGo
version_added: 0.2.0
description:
  - Reads every address book and calendar of one account from a CardDAV/CalDAV server and writes each
    vCard and iCalendar object, unchanged, into the account's SOGo (the groupware of Mailcow).
  - The first address book goes to SOGo's C(Contacts/personal/), the first calendar to C(Calendar/personal/);
    each further collection is created under them with its display name (and its colour for calendars).
  - Objects are matched by UID, never deleted at the destination. A re-run copies nothing (the O(state_file)
    remembers the ETags copied) and, where the source supports WebDAV sync (RFC 6578), lists only what changed.
  - Every object written is read back and compared with what was sent; objects SOGo refused or altered are
    listed one by one.
  - Events and tasks are written with C(SCHEDULE-AGENT=CLIENT) on their organizer and attendees, so SOGo sends
    no invitation or update to anyone. That parameter is the only change made to the data.
  - Discovery follows RFC 6764 from O(source.url) (C(/.well-known/carddav), C(/.well-known/caldav)),
    then C(current-user-principal) and the home sets. Without O(source.url), or with only a domain there, the
    service is found first in the DNS (RFC 6764) - SRV C(_carddavs._tcp) and C(_caldavs._tcp) (TLS), else
    C(_carddav._tcp) and C(_caldav._tcp), with the TXT C(path=) record - on the domain given or the domain
    of O(source.user).
  - With O(source.provider=google), the Google account's address book and calendars are read at Google's
    CardDAV and CalDAV endpoints with an OAuth2 access token (O(source.oauth2_token)); no URL is needed.
  - With O(source.provider=microsoft), a Microsoft 365 account's contacts (the default folder and every folder
    under it) and calendars (those the account owns) are read from Microsoft Graph with an OAuth2 access token
    and converted to vCard 4.0 and iCalendar (recurrences with their exceptions and cancelled occurrences, time
    zones, attendees, reminders, photos and file attachments inline). What has no vCard/iCalendar equivalent is
    listed per object in RV(conversions), never dropped silently.
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
      - Reads both sides and reports exactly what a real run would write; writes nothing, not even the state file.
  diff_mode:
    support: full
  idempotent:
    support: full
options:
  source:
    description: The CardDAV/CalDAV account to read.
    type: dict
    required: true
    suboptions:
      provider:
        description:
          - V(dav), any CardDAV/CalDAV server at O(source.url).
          - V(google), a Google account (Gmail, Google Workspace) with O(source.oauth2_token). Its address book
            is C(https://www.googleapis.com/carddav/v1/principals/<user>/lists/default/), each calendar
            C(https://apidata.googleusercontent.com/caldav/v2/<calendar id>/events/).
          - V(microsoft), a Microsoft 365 account read through Microsoft Graph v1.0
            (C(https://graph.microsoft.com/v1.0/users/<user>/contacts), C(.../calendars)) with
            O(source.oauth2_token).
        type: str
        choices: [dav, google, microsoft]
        default: dav
      url:
        description:
          - The server (C(https://dav.example.com), discovery through the well-known URIs), or the user's
            principal or home URL.
          - Only a domain (C(example.org)), or nothing (then the domain of O(source.user)), with
            O(source.provider=dav) - the server is looked up in the DNS (SRV and TXT records, RFC 6764).
          - With O(source.provider=google), leave it out; given, it replaces both Google hosts (a proxy in
            front of them) and the paths stay Google's.
          - With O(source.provider=microsoft), leave it out; given, it replaces C(https://graph.microsoft.com/v1.0)
            (a national cloud's Graph endpoint, or a proxy).
        type: str
      user:
        description: Login name. With O(source.provider=google) or O(source.provider=microsoft), the account's address
          (Graph's user principal name).
        type: str
        required: true
      password:
        description:
          - Password (HTTP Basic, over TLS).
          - Exactly one of O(source.password) and O(source.oauth2_token) must be given.
        type: str
      oauth2_token:
        description:
          - OAuth2 access token, sent in an C(Authorization) header (C(Bearer) scheme) instead of a password.
          - For Google it needs the scopes C(https://www.googleapis.com/auth/carddav) (contacts) and
            C(https://www.googleapis.com/auth/calendar) (calendars).
          - For Microsoft 365 it needs the Graph permissions C(Contacts.Read) and C(Calendars.Read) (delegated, or
            application permissions granted by the tenant's administrator to read every mailbox).
          - Exactly one of O(source.password) and O(source.oauth2_token) must be given.
        type: str
      resolver:
        description:
          - With DNS discovery, the name servers to ask (C(IP) or C(IP:port)) instead of the system's, for
            split DNS.
        type: list
        elements: str
      calendar_ids:
        description:
          - With O(source.provider=google), the calendars to copy, by Google calendar id. Google's CalDAV
            lists no calendars; the default is the primary calendar (whose id is O(source.user)).
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
notes:
  - Deletions are not copied; an object removed at the source stays at the destination.
  - From Microsoft 365, tasks (Microsoft To Do) and calendars shared by other users are not copied (the
    latter move with their owner); Graph offers no sync-token, so every run lists everything (the state file
    keeps the re-run write-free) and reads each contact's photo.
  - A Microsoft 365 series' exceptions and cancelled occurrences are read with C($expand=exceptionOccurrences)
    and C(cancelledOccurrences), which Microsoft documents on its beta event page. An endpoint that refuses them
    gets the series' instances instead; there, cancelled occurrences cannot be seen, and RV(conversions) says so
    for each such series.
  - Google's CalDAV serves no tasks (VTODO); its CardDAV one address book per account.
seealso:
  - module: mailwave.migrate.mailcow_mailbox
"""

EXAMPLES = r"""
- name: Move Alice's contacts and calendars to Mailcow
  mailwave.migrate.dav_sync:
    source:
      url: https://dav.old-provider.example
      user: alice@example.org
      password: "{{ old_password }}"
    destination:
      url: https://mail.example.org
      user: alice@example.org
      password: "{{ new_password }}"
    state_file: /var/lib/mailwave/dav/alice@example.org.json
  register: dav

- name: Move Carol's Microsoft 365 contacts and calendars (from Microsoft Graph)
  mailwave.migrate.dav_sync:
    source:
      provider: microsoft
      user: carol@example.org
      oauth2_token: "{{ carol_graph_token }}"
    destination:
      url: https://mail.example.org
      user: carol@example.org
      password: "{{ carol_new_password }}"
    state_file: /var/lib/mailwave/dav/carol@example.org.json

- name: Move Bob's Google contacts, primary calendar and a shared one
  mailwave.migrate.dav_sync:
    source:
      provider: google
      user: bob@example.org
      oauth2_token: "{{ bob_google_token }}"
      calendar_ids: [bob@example.org, "c_1234abcd@group.calendar.google.com"]
    destination:
      url: https://mail.example.org
      user: bob@example.org
      password: "{{ bob_new_password }}"
    state_file: /var/lib/mailwave/dav/bob@example.org.json
"""

RETURN = r"""
contacts:
  description: Counts for the address books (objects).
  returned: when contacts are copied
  type: dict
  sample: {source: 120, copied: 118, updated: 0, already_there: 2, unchanged: 0, conflicts: 0, errors: 0,
           verified: 120, altered: 0, removed_at_source: 0}
calendars:
  description: Counts for the calendars, as for RV(contacts).
  returned: when calendars are copied
  type: dict
collections:
  description:
    - One entry per source collection, with its destination, whether it was created, whether the listing was
      incremental, the counts, and the lists C(problems) (per object, with C(uid), C(problem), C(status)),
      C(altered) (per object, the properties SOGo stored differently) and C(verified) (UIDs read back identical).
  returned: always
  type: list
  elements: dict
problems:
  description: Account-level problems (for example a source without CalDAV).
  returned: always
  type: list
  elements: dict
discovery:
  description: With DNS discovery, the service URL found per kind and what the records said (C(notes)).
  returned: when the source was found in the DNS
  type: dict
  sample: {addressbook: "https://dav.example.org/", calendar: "https://dav.example.org/", notes: []}
conversions:
  description:
    - With O(source.provider=microsoft), per converted object (C(uid), C(id), C(collection)) the C(notes) on what
      has no vCard/iCalendar equivalent or was approximated.
  returned: with O(source.provider=microsoft)
  type: list
  elements: dict
  sample: [{uid: "040000008200E00074C5B7101A82E008", id: "AAMkAGI2", collection: "/graph/calendars/AAMkAGI2/",
            notes: ["onlineMeeting.joinUrl kept as URL"]}]
skipped:
  description: With O(source.provider=microsoft), the calendars not copied, with their C(owner) and C(why).
  returned: with O(source.provider=microsoft)
  type: list
  elements: dict
requests:
  description: HTTP requests sent to the source and the destination, and writes to the destination.
  returned: always
  type: dict
  sample: {source: 12, destination: 9, writes: 0}
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.mailwave.migrate.plugins.module_utils._dav.account import (
    AccountError,
    copy_options_spec,
    endpoint_spec,
    source_spec,
    sync_account,
)
from ansible_collections.mailwave.migrate.plugins.module_utils._dav.webdav import HAS_REQUESTS


def main():
    module = AnsibleModule(
        argument_spec=dict(
            source=source_spec(),
            destination=endpoint_spec(),
            state_file=dict(type="path", required=True),
            **copy_options_spec()
        ),
        supports_check_mode=True,
    )
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"))
    params = module.params
    try:
        changed, result, diff = sync_account(params["source"], params["destination"], params["kinds"],
                                             params["state_file"], on_conflict=params["on_conflict"],
                                             timeout=params["timeout"], check_mode=module.check_mode)
    except AccountError as exc:
        module.fail_json(msg=exc.msg, **exc.extra)
    module.exit_json(changed=changed, diff=diff, **result)


if __name__ == "__main__":
    main()
