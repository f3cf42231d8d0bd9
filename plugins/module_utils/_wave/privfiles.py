# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Many small private files in one go: compare, then write only what differs (0600 in 0700 dirs)."""

from __future__ import annotations

import os
import stat

from ansible_collections.mailwave.migrate.plugins.module_utils._common.files import (
    ensure_private_dir,
    write_private_file,
)


def plan(files):
    """[(path, content bytes, reason)] for the files whose content or mode must change."""
    todo = []
    for entry in files:
        path = entry["path"]
        data = entry["content"].encode("utf-8")
        try:
            st = os.stat(path)
        except FileNotFoundError:
            todo.append((path, data, "created"))
            continue
        with open(path, "rb") as handle:
            same = handle.read() == data
        if not same:
            todo.append((path, data, "updated"))
        elif stat.S_IMODE(st.st_mode) & 0o077:
            todo.append((path, data, "mode"))
    return todo


def apply(todo):
    for path, data, _reason in todo:
        ensure_private_dir(os.path.dirname(os.path.abspath(path)))
        write_private_file(path, data)
