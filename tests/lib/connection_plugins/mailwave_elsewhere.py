# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A connection that runs everything on this machine but does not call itself local.

imap_sync_wait reads the batch's progress file with open() when the connection is local and with the slurp
module otherwise (a sync_workers host reached over SSH). No SSH server runs in the tests: this connection
takes the second path for real, through Ansible, with the local connection's own commands underneath.
"""
from __future__ import annotations

from ansible.plugins.connection.local import Connection as LocalConnection

DOCUMENTATION = """
name: mailwave_elsewhere
short_description: the local connection under another name (tests only)
description:
  - Runs commands on this machine like ansible.builtin.local; action plugins see a transport that is not V(local).
author: Mailwave engineers (@mailwave)
options: {}
"""


class Connection(LocalConnection):
    transport = "mailwave_elsewhere"
