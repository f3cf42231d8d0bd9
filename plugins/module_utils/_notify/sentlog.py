# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""The sent-log: which messages of a wave were sent, to whom and when (never their text); 0600 JSON.

One file per domain, written atomically after each message sent, under an exclusive lock: a re-run (or a
run interrupted between two messages) sends nothing already recorded. A crash between the SMTP server's
250 and the write can at worst send that one message twice, never lose it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os

from ansible_collections.mailwave.migrate.plugins.module_utils._common.files import (
    ensure_private_dir,
    write_private_file,
)

VERSION = 1


class SentLogError(Exception):
    pass


def load(path):
    """{id: {"to", "at", "digest", "kind", "mailbox"}} of the messages sent; {} when there is no file yet."""
    return load_all(path)[0]


def load_all(path):
    """(sent, pending): pending holds the messages not sent yet ({id: {"to", "kind", "mailbox", "reason"}})."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        return {}, {}
    except (OSError, ValueError) as exc:
        raise SentLogError("cannot read the sent-log %s (%s); fix or move it (a missing log means every message "
                           "is sent again)" % (path, exc)) from None
    if not isinstance(data, dict) or not isinstance(data.get("sent"), dict):
        raise SentLogError("%s is not a Mailwave sent-log (no 'sent' mapping); fix or move it" % path)
    return data["sent"], data.get("pending") or {}


def save(path, sent, pending=None):
    ensure_private_dir(os.path.dirname(os.path.abspath(path)))
    pending = {k: v for k, v in (pending or {}).items() if k not in sent}
    write_private_file(path, json.dumps({"version": VERSION, "sent": sent, "pending": pending}, indent=1,
                                        sort_keys=True) + "\n")


@contextlib.contextmanager
def locked(path):
    """Hold an exclusive lock beside path (path + '.lock', 0600) for the block."""
    ensure_private_dir(os.path.dirname(os.path.abspath(path)))
    fd = os.open(path + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
