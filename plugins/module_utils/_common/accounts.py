# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""What the list modules (dav_syncs, sieve_syncs) share: the checks of their account lists and the pool that
runs one account's work per thread (their work waits on the network, so threads are enough)."""

from __future__ import annotations

import concurrent.futures


def listed_twice(accounts, key):
    """The values of key that more than one account has, sorted."""
    values = [account[key] for account in accounts]
    return sorted({value for value in values if values.count(value) > 1})


def account_list_problem(accounts, parallel, unique_keys):
    """The message for a bad list (None when it is good): parallel under 1, or a value of one of unique_keys
    given to more than one account; unique_keys holds (key, what is wrong, what to do)."""
    if parallel < 1:
        return "parallel must be 1 or more, not %s" % parallel
    for key, what, hint in unique_keys:
        twice = listed_twice(accounts, key)
        if twice:
            return "%s: %s (%s)" % (what, ", ".join(twice), hint)
    return None


def run_accounts(work, accounts, parallel):
    """[work(account) for account in accounts], at most parallel at once, in the accounts' order."""
    workers = min(parallel, max(1, len(accounts)))
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(work, accounts))
