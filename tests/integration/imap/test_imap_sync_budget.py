"""Many workers and big batches: the shared memory budget must never deadlock the copy.

Each worker holds the batch whose APPEND is in flight while it fetches the next one. With enough workers
the held batches fill the budget; a worker that then waited for room while holding its own batch would
wait forever, and so would every other. The copy must finish, complete.
"""
from __future__ import annotations

from tests.integration.imap.test_imap_sync import args, assert_clean, msg, snapshot


def test_eight_workers_with_megabyte_messages_finish(dovecot, mail_account, run_module):
    src, dst = mail_account(dovecot), mail_account(dovecot)
    for folder in ("INBOX", "Archive"):
        dovecot.append_many(*src, folder, [(msg(n + 100 * len(folder), size=1024 * 1024), (), None) for n in range(48)])
    result = run_module("imap_sync", args(dovecot, src, dovecot, dst, connections=8), timeout=60)
    assert_clean(result, src[1], dst[1])
    assert not result.failed, result.get("msg")
    assert result["totals"]["copied"] == 96 and result["totals"]["missing"] == 0
    assert snapshot(dovecot, *src) == snapshot(dovecot, *dst)
