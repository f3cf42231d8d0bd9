# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Many mailboxes of one domain in one module run: the domain's mailboxes are read once, then each entry
goes through the same engine (run_resource) and provider (MailboxResource) as mailcow_mailbox, so the
comparison, check mode and diff are the single module's. Why: a module run costs about 0.5 CPU-second,
and a wave's provision and finalize ran one per mailbox."""

from __future__ import annotations

from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.engine import ResourceFailure
from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.entries import ListedEntry, ListedFirst, run_entries
from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.mailbox import (
    MailboxResource,
    mailbox_from_api,
)

ENTRY_DEFAULTS = {"state": "present", "name": None, "password": None, "update_password": "on_create", "quota": None,
                  "active": None, "tags": None, "rate_limit": None}


class _ListedMailbox(ListedFirst, MailboxResource):
    """A mailbox whose first read comes from the domain's listing."""

    def __init__(self, entry, client, listed):
        super().__init__(entry, client)
        self._listed = listed or None


def run_mailboxes(module, client):
    """Every entry of module.params['mailboxes'], in order; the result lists each one's outcome and fails
    (after trying the others) when one could not be done."""
    domain = (module.params["domain"] or "").strip().lower().rstrip(".")
    given = module.params["mailboxes"]
    addresses = [(e.get("address") or "").strip().lower() for e in given]
    outside = [a for a in addresses if a.rpartition("@")[2] != domain]
    if outside:
        raise ResourceFailure("mailboxes %s are not in domain %s: one module run handles one domain"
                              % (", ".join(sorted(set(outside))), domain))
    doubles = sorted({a for a in addresses if addresses.count(a) > 1})
    if doubles:
        raise ResourceFailure("mailboxes %s are listed twice" % ", ".join(doubles))
    if not client.get("domain", domain):
        raise ResourceFailure("domain %s does not exist on Mailcow: create it first with mailwave.migrate.mailcow_domain"
                              % domain)
    listing = {b["address"]: b for b in (mailbox_from_api(d) for d in client.get_list("mailbox", "all", domain))}
    entries = []
    for address, params in zip(addresses, given):
        params = dict(ENTRY_DEFAULTS, **{k: v for k, v in params.items() if v is not None})
        resource = _ListedMailbox(ListedEntry(module, params), client, listing.get(address))
        entries.append((address, address, {"address": address}, resource))
    return run_entries(module, entries, "mailboxes", "mailbox(es)")
