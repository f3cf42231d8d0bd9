# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible_collections.mailwave.migrate.plugins.module_utils._notify.recipients import failed_mailboxes


def notify_failed_mailboxes(sync_results):
    return failed_mailboxes(sync_results)


class FilterModule(object):

    def filters(self):
        return {"notify_failed_mailboxes": notify_failed_mailboxes}
