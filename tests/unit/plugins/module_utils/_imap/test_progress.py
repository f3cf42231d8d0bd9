"""The progress lines a person reads while a batch of copies runs (imap_sync_wait prints them)."""
from __future__ import annotations

from ansible_collections.mailwave.migrate.plugins.module_utils._imap import progress as p

PROGRESS = {
    "summary": "1/4 mailboxes done, 2 running, 1 waiting, 0 failed; 12.5 MB copied, 1.25 MB/s",
    "boxes": {
        "bob@a.test": {"status": "running", "progress": {
            "phase": "copying", "messages": 120, "messages_total": 500, "bytes": 9_000_000,
            "bytes_total": 40_000_000, "bytes_per_second": 1_000_000, "eta_seconds": 31}},
        "anna@a.test": {"status": "done", "attempts": 1},
        "carl@a.test": {"status": "running", "progress": {"phase": "listing", "messages": 0, "messages_total": 0,
                                                          "bytes": 0, "bytes_total": 0}},
        "dora@a.test": {"status": "waiting", "attempts": 1, "retry_at": "2026-12-03T12:00:00Z",
                        "msg": "the source server is busy"},
        "eve@a.test": {"status": "running"},  # started, no report from its copy yet
    },
}


def test_a_summary_line_then_one_line_per_active_copy():
    assert p.lines(PROGRESS, "a.test (copies on localhost)") == [
        "a.test (copies on localhost): 1/4 mailboxes done, 2 running, 1 waiting, 0 failed; 12.5 MB copied, 1.25 MB/s",
        "  bob@a.test: 120/500 messages, 9.0 MB/40.0 MB, 1.0 MB/s, ETA 31s",
        "  carl@a.test: listing and comparing the folders",
        "  dora@a.test: waiting to retry at 2026-12-03T12:00:00Z (attempt 1): the source server is busy",
        "  eve@a.test: listing and comparing the folders",
    ]


def test_sizes_read_in_kb_mb_gb():
    box = {"status": "running", "progress": {"phase": "copying", "messages": 1, "messages_total": 9,
                                             "bytes": 180_000, "bytes_total": 2_500_000_000, "bytes_per_second": 12_345_678,
                                             "eta_seconds": None}}
    assert p.box_line("x@a.test", box) == "  x@a.test: 1/9 messages, 180 kB/2.50 GB, 12.3 MB/s"


def test_long_etas_read_in_minutes_and_hours():
    box = {"status": "running", "progress": dict(PROGRESS["boxes"]["bob@a.test"]["progress"], eta_seconds=3725)}
    assert p.box_line("bob@a.test", box).endswith("ETA 1h02m")
    box["progress"]["eta_seconds"] = 125
    assert p.box_line("bob@a.test", box).endswith("ETA 2m05s")


def test_no_progress_file_yet_no_lines():
    assert p.lines(None) == [] and p.lines({}) == []


def test_a_file_another_batch_left_shows_nothing():
    mine = dict(PROGRESS, token="a.test@2.0")
    assert p.lines(mine, "a.test", token="a.test@2.0")[0].startswith("a.test: ")
    assert p.lines(dict(PROGRESS, token="a.test@1.0"), "a.test", token="a.test@2.0") == []
    assert p.lines(PROGRESS, "a.test", token="a.test@2.0") == []  # written before batches had tokens
    assert p.lines(dict(PROGRESS, token="a.test@1.0"), "a.test")  # no token asked: every file is shown
