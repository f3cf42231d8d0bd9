"""The engine's pieces that need no server: dates, flag filtering, throttle, the folder queue."""
from __future__ import annotations

import queue

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._imap.planner import FlagFilter, Msg, internaldate_epoch
from ansible_collections.mailwave.migrate.plugins.module_utils._imap.session import PairWork
from ansible_collections.mailwave.migrate.plugins.module_utils._imap.transfer import FolderQueue
from ansible_collections.mailwave.migrate.plugins.module_utils._imap.throttle import Throttle


def test_internaldate_epoch():
    assert internaldate_epoch("01-Jan-1970 01:00:00 +0100") == 0
    assert internaldate_epoch(" 2-Mar-2015 10:00:00 -0500") == internaldate_epoch("02-Mar-2015 15:00:00 +0000")
    assert internaldate_epoch("garbage") is None


def test_flag_filter():
    dovecot = FlagFilter((b"\\Answered", b"\\Flagged", b"\\Deleted", b"\\Seen", b"\\Draft", b"\\*"))
    assert dovecot(("\\SEEN", "\\Recent", "$Custom", "Work")) == ("$Custom", "\\Seen", "Work")
    strict = FlagFilter((b"\\Seen", b"$Forwarded"))
    assert strict(("\\Seen", "\\Flagged", "$Forwarded", "Work")) == ("$Forwarded", "\\Seen")
    unknown = FlagFilter(None)
    assert unknown(("\\Recent", "\\Seen", "x")) == ("\\Seen", "x")


def test_throttle_average_rate():
    now = [0.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    t = Throttle(max_bytes_per_second=1000, clock=lambda: now[0], sleep=sleep)
    assert t.account(500) == 0.5          # 500 bytes may not be done before 0.5 s
    assert t.account(500) == 0.5          # 1000 bytes: not before 1 s
    assert t.account(1000) == 1.0         # 2000 bytes: not before 2 s
    now[0] += 5.0
    assert t.account(1000) == 0.0         # behind the allowed rate: no wait
    m = Throttle(max_messages_per_second=4, clock=lambda: now[0], sleep=sleep)
    assert m.account(0, 8) == 2.0
    assert m.account(0, 1) == 0.25
    assert not Throttle().active and Throttle().account(10**9) == 0.0


def test_throttled_refusal_is_retried_not_reported():
    import pytest

    from ansible_collections.mailwave.migrate.plugins.module_utils._imap.connection import Endpoint, ImapError
    from ansible_collections.mailwave.migrate.plugins.module_utils._imap.engine import SyncEngine
    from ansible_collections.mailwave.migrate.plugins.module_utils._imap.wire import CommandFailed

    ep = Endpoint.from_params({"host": "h", "user": "u", "password": "p"})
    engine = SyncEngine(ep, ep, {})
    with pytest.raises(ImapError) as info:
        engine.transfer.raise_if_throttled(CommandFailed("BAD", "Request is throttled. Suggested Backoff Time: 2500 milliseconds"))
    assert info.value.transient and info.value.backoff == 2.5
    with pytest.raises(ImapError):
        engine.transfer.raise_if_throttled(CommandFailed("NO", "[LIMIT] Too many commands"))
    engine.transfer.raise_if_throttled(CommandFailed("NO", "[OVERQUOTA] Quota exceeded"))  # the message's problem: no raise


def _queue(sizes_by_folder):
    """A FolderQueue with one batch of one message per size, per folder (in the order given)."""
    tasks, pairs = FolderQueue(), {}
    uid = 0
    for name, sizes in sizes_by_folder.items():
        pairs[name] = PairWork(name, name)
        for size in sizes:
            uid += 1
            tasks.put(pairs[name], [Msg(uid, size, (), None)])
    return tasks, pairs


def test_folder_queue_spreads_workers_over_folders_and_keeps_them_there():
    tasks, pairs = _queue({"INBOX": [10, 10, 10], "Sent": [50], "Archive": [5, 5]})
    assert tasks.total == 6
    first, _batch = tasks.take()          # the most bytes left, nobody on it: Sent (50)
    second, _batch = tasks.take()         # then INBOX (30) ...
    third, _batch = tasks.take()          # ... then Archive: three workers, three folders
    assert [first.src, second.src, third.src] == ["Sent", "INBOX", "Archive"]
    again, _batch = tasks.take(second)    # a worker stays on its folder while it has batches
    assert again is pairs["INBOX"]
    moved, _batch = tasks.take(first)     # Sent is done: INBOX has 10 left and one worker, Archive 5 and one
    assert moved is pairs["INBOX"]
    last, _batch = tasks.take(third)
    assert last is pairs["Archive"]
    for previous in (moved, last, again):
        with pytest.raises(queue.Empty):
            tasks.take(previous)


class _RefusingWire:
    def __init__(self, text):
        self.text = text

    def fetch(self, uids, items, keep):
        from ansible_collections.mailwave.migrate.plugins.module_utils._imap.wire import CommandFailed
        raise CommandFailed("NO", self.text)


class _Session:
    def __init__(self, wire, selected):
        self.src_wire, self.src_selected = wire, selected
        self.dropped = False

    def drop(self):
        self.dropped = True


def _engine(**options):
    from ansible_collections.mailwave.migrate.plugins.module_utils._imap.connection import Endpoint
    from ansible_collections.mailwave.migrate.plugins.module_utils._imap.engine import SyncEngine

    ep = Endpoint.from_params({"host": "h", "user": "u", "password": "p"})
    return SyncEngine(ep, ep, options)


def test_gmail_download_limit_on_fetch_pauses_the_copy_and_keeps_the_messages_pending():
    from ansible_collections.mailwave.migrate.plugins.module_utils._imap.wire import CommandFailed

    engine = _engine()
    work = PairWork("INBOX", "INBOX")
    work.pending.update({1, 2})
    batch = [Msg(1, 10, (), None), Msg(2, 10, (), None)]
    # Gmail's answer past its day limit, as imapclient users recorded it
    session = _Session(_RefusingWire("[OVERQUOTA] Account exceeded command or bandwidth limits. (Failure)"), "INBOX")
    assert engine.transfer.fetch_batch(session, work, batch) == ([], [])
    assert engine.paused["by"] == "provider" and "bandwidth limits" in engine.paused["reason"]
    assert work.pending == {1, 2}       # not errors, not forgotten: a later run copies them
    assert engine.error_count == 0
    # any other refusal of the FETCH is not a pause
    other = _engine()
    with pytest.raises(CommandFailed):
        other.transfer.fetch_batch(_Session(_RefusingWire("Some messages could not be FETCHed"), "INBOX"), work, batch)
    assert other.paused is None


def test_a_server_asking_to_wait_more_than_15_minutes_pauses_instead_of_sleeping():
    from ansible_collections.mailwave.migrate.plugins.module_utils._imap.connection import ImapError

    engine = _engine()
    work = PairWork("INBOX", "INBOX")
    session = _Session(None, "INBOX")
    err = ImapError("BAD Request is throttled. Suggested Backoff Time: 3600000 milliseconds", kind="throttled",
                    transient=True, backoff=3600.0)
    engine.transfer.connection_trouble(session, work, err)  # returns at once: no hour-long sleep
    assert engine.paused["by"] == "provider" and session.dropped and work.recheck


def test_the_day_limit_pauses_before_the_batch_that_would_pass_it():
    engine = _engine(max_bytes_per_day=1000)
    assert engine.day_take(600) and engine.paused is None
    assert not engine.day_take(600)
    assert engine.paused["by"] == "day_limit" and engine.paused["downloaded_24h"] == 600
    assert _engine(max_bytes_per_day=0).day.limit is None
