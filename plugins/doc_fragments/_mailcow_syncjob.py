# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

from __future__ import annotations


class ModuleDocFragment:

    # The settings of a Mailcow sync job, the same in mailcow_syncjob (one job) and mailcow_syncjobs (a
    # domain's jobs, which share them); their argument spec is _mailcow.syncjob.settings_spec().
    DOCUMENTATION = r"""
options:
  host:
    description: Source IMAP server (C(host1)).
    type: str
    required: true
  port:
    description: Source port. On creation defaults to V(993) with O(encryption=ssl), V(143) otherwise.
    type: int
  encryption:
    description:
      - V(ssl) is TLS from the first byte (usually port 993), V(tls) is STARTTLS, V(plain) is no encryption.
      - V(tls) on creation when not given.
    type: str
    choices: [tls, ssl, plain]
  interval:
    description: Minutes between two runs (1 to 43800). V(20) on creation when not given.
    type: int
  subfolder:
    description: Put the copied folders under this folder of the mailbox; empty for none.
    type: str
  max_age:
    description: Copy only messages younger than this many days (1 to 32000); V(0) for all.
    type: int
  max_bytes_per_second:
    description: Bandwidth limit (bytes per second, up to 125000000); V(0) for none.
    type: int
  timeout_source:
    description: imapsync timeout on the source, in seconds (1 to 32000). V(600) on creation when not given.
    type: int
  timeout_destination:
    description: imapsync timeout on Mailcow's side, in seconds (1 to 32000). V(600) on creation when not given.
    type: int
  exclude:
    description:
      - Regular expression of folders not to copy, for example V((?i)spam|(?i)junk). Empty for none.
      - Always sent on creation (without it Mailcow crashes silently and creates nothing).
    type: str
  custom_params:
    description:
      - More imapsync options, for example V(--nosyncacls --syncinternaldates). Only options of Mailcow's whitelist,
        written C(--option) or C(--option=value) (no space before a value, no C(-) inside a value).
    type: str
  delete2duplicates:
    description: Delete duplicates on Mailcow's side. V(true) on creation when not given.
    type: bool
  delete1:
    description: Delete messages from the source after copying them. V(false) on creation when not given.
    type: bool
  delete2:
    description: Delete messages on Mailcow's side that are not on the source. V(false) on creation when not given.
    type: bool
  automap:
    description: Map special folders (Sent, Trash...) by their roles. V(false) on creation when not given.
    type: bool
  skip_cross_duplicates:
    description: Skip messages already copied from another folder (Gmail labels). V(false) on creation when not given.
    type: bool
  subscribe_all:
    description: Subscribe to all folders on Mailcow's side. V(true) on creation when not given.
    type: bool
  dry:
    description: Run imapsync in dry mode (nothing copied). V(false) on creation when not given.
    type: bool
  active:
    description: Whether the job runs. V(true) on creation when not given.
    type: bool
  run_now:
    description:
      - Ask Mailcow to run the job at the next runner tick (within a minute, after the jobs already running).
      - Does nothing for a job that has not run yet (it runs at the next tick anyway) or that is running.
    type: bool
    default: false
"""
