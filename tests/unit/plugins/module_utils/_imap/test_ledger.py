"""The shared budget's ledger file: entries survive between holders, and a process is told by pid and start."""
from __future__ import annotations

import os
import stat
import subprocess

from ansible_collections.mailwave.migrate.plugins.module_utils._imap import ledger as ledger_mod


def test_entries_are_kept_between_two_holders_of_the_lock(tmp_path):
    first = ledger_mod.Ledger(str(tmp_path / "budget"))
    with first.locked() as holders:
        assert holders == []
        holders.append({"pid": 1, "job": "a", "servers": {"s:993": 2}})
    with ledger_mod.Ledger(str(tmp_path / "budget")).locked() as holders:
        assert holders == [{"pid": 1, "job": "a", "servers": {"s:993": 2}}]
        holders.clear()
    with first.locked() as holders:
        assert holders == []
    assert stat.S_IMODE(os.stat(first.path).st_mode) == 0o600


def test_a_process_is_alive_only_with_its_own_start_time():
    me = os.getpid()
    start = ledger_mod.process_start(me)
    assert start is not None and ledger_mod.is_alive(me, start)
    assert not ledger_mod.is_alive(me, start + 1)   # the same pid, another process
    dead = subprocess.Popen(["true"])  # pylint: disable=consider-using-with
    dead.wait()
    assert ledger_mod.process_start(dead.pid) is None and not ledger_mod.is_alive(dead.pid, None)
