# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

from __future__ import annotations


class ModuleDocFragment:

    # What and how dav_sync (one account) and dav_syncs (many) copy; their argument spec is
    # _dav.account.copy_options_spec().
    DOCUMENTATION = r"""
options:
  kinds:
    description: What to copy.
    type: list
    elements: str
    choices: [contacts, calendars]
    default: [contacts, calendars]
  on_conflict:
    description:
      - What to do with an object whose UID is at the destination in another version that this module did not
        write (or that was changed there since). V(keep) leaves it and reports it; V(overwrite) writes the source's.
    type: str
    choices: [keep, overwrite]
    default: keep
  timeout:
    description: Seconds to wait for each HTTP answer.
    type: int
    default: 60
"""
