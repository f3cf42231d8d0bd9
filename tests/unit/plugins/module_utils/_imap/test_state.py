"""state.py: UID map per folder pair scoped by UIDVALIDITY, journal survives a kill, private files."""
from __future__ import annotations

import os
import stat

from ansible_collections.mailwave.migrate.plugins.module_utils._imap.state import SyncState


def test_record_journal_and_save(tmp_path):
    d = tmp_path / "st"
    s = SyncState(str(d), "a@src", "b@dst").load()
    pair = s.reset_pair("INBOX", "INBOX", 11, 22)
    s.record(pair, [(1, 101), (2, 102)])
    s.set_status(pair, {"MESSAGES": 2}, {"MESSAGES": 2})
    s.close()  # killed before save: only the journal exists
    assert stat.S_IMODE(os.stat(d).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(s.journal_path).st_mode) == 0o600
    again = SyncState(str(d), "a@src", "b@dst").load()
    p = again.get("INBOX", "INBOX")
    assert p.map == {1: 101, 2: 102} and p.valid_for(11, 22)
    assert not p.unchanged({"MESSAGES": 2}, {"MESSAGES": 2})  # a journalled batch makes the status stale
    again.set_status(p, {"MESSAGES": 2}, {"MESSAGES": 2})
    again.save()
    assert not os.path.exists(again.journal_path)
    assert stat.S_IMODE(os.stat(again.path).st_mode) == 0o600
    third = SyncState(str(d), "a@src", "b@dst").load()
    assert third.get("INBOX", "INBOX").unchanged({"MESSAGES": 2}, {"MESSAGES": 2})
    assert not third.get("INBOX", "INBOX").valid_for(12, 22)  # UIDVALIDITY change: map not usable
    assert SyncState(str(d), "a@src", "other@dst").load().get("INBOX", "INBOX") is None


def test_cut_journal_line_and_newer_uidvalidity(tmp_path):
    s = SyncState(str(tmp_path), "a", "b").load()
    pair = s.reset_pair("F", "G", 1, 2)
    s.record(pair, [(5, 6)])
    s.save()
    s2 = SyncState(str(tmp_path), "a", "b").load()
    fresh = s2.reset_pair("F", "G", 9, 2)  # UIDVALIDITY changed on the source
    s2.record(fresh, [(1, 7)])
    s2.close()
    with open(s2.journal_path, "ab") as handle:
        handle.write(b'["F","G",9,2,[[2,')  # a line cut by a kill
    s3 = SyncState(str(tmp_path), "a", "b").load()
    assert s3.get("F", "G").map == {1: 7} and s3.get("F", "G").valid_for(9, 2)
