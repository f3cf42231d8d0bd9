# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.mailwave.migrate.plugins.module_utils._notify.recipients import recipient


def notify_recipient(box, mailboxes=None, addresses=None):
    try:
        return recipient(box, mailboxes, addresses)
    except ValueError as exc:
        raise AnsibleFilterError("notify_recipient: %s" % exc) from None


class FilterModule(object):

    def filters(self):
        return {"notify_recipient": notify_recipient}
