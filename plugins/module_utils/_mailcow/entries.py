# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""What the list modules (mailcow_mailboxes, mailcow_syncjobs) share: one listing read up front answers each
entry's first read, then every entry goes through run_resource as its single module would; an entry that
fails does not stop the others, and the run fails at the end naming them all."""

from __future__ import annotations

from ansible.module_utils.common.text.converters import to_native

from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.engine import (
    Resource,
    ResourceFailure,
    main_with_client,
    run_resource,
)
from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.errors import MailcowError


class ListedEntry:
    """The params and mode of one list entry, as run_resource and a Resource read them from a module."""

    def __init__(self, module, params):
        self.params = params
        self.check_mode = module.check_mode
        self._diff = module._diff


class ListedFirst(Resource):
    """Put before a provider (class X(ListedFirst, MailboxResource)): the first read() is the listing's answer
    (None: not there); later reads (after a write) ask Mailcow through the provider."""

    _listed = None
    _asked = False

    def read(self):
        if not self._asked:
            self._asked = True
            return self._listed
        return super().read()


def run_entries(module, entries, key, what):
    """entries: (name, label, fields, resource) per entry, in order: name in failure messages, label as the
    diff's key, fields (the entry's names) first in its result. Returns {changed, <key>: results, diff?}, with
    failed/msg (what: the entries' plural, e.g. "mailbox(es)") when one could not be done."""
    results, failures = [], []
    for name, label, fields, resource in entries:
        try:
            outcome = run_resource(resource.module, resource)
        except (ResourceFailure, MailcowError) as exc:
            failures.append("%s: %s" % (name, to_native(exc)))
            results.append((label, dict(fields, changed=False, failed=True, msg=to_native(exc))))
            continue
        outcome.update(fields)
        results.append((label, outcome))
    result = {"changed": any(r.get("changed") for _label, r in results), key: [r for _label, r in results]}
    if module._diff:
        result["diff"] = {"before": {label: r["diff"]["before"] for label, r in results if "diff" in r},
                          "after": {label: r["diff"]["after"] for label, r in results if "diff" in r}}
        for _label, res in results:
            res.pop("diff", None)
    if failures:
        result["failed"] = True
        result["msg"] = "%d of %d %s could not be done: %s" % (len(failures), len(entries), what, " | ".join(failures))
    return result


def main_for_list(module, runner):
    """exit_json with runner(module, client)'s result, or fail_json with it when an entry failed."""
    def work(client):
        result = runner(module, client)
        if result.pop("failed", False):
            module.fail_json(**result)
        return result
    main_with_client(module, work)
