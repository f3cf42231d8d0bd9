"""A provider's day limit (Gmail: 2,500 MB a day) on a real Dovecot: the copy pauses, says when it can go on,
does not fail, and the run after that time copies the rest, nothing twice."""
from __future__ import annotations

import json

from tests.integration.imap.test_imap_sync import args, assert_clean, msg, snapshot

LIMIT = 200_000          # bytes a day for the test's source account
SIZE = 10_000            # 30 messages of 10 kB: 300 kB, half again the limit


def _age_downloads(state_dir, seconds):
    """What a day's wait does to the account's download count: move its buckets back in time."""
    path = state_dir / "downloads.json"
    data = json.loads(path.read_text())
    data["buckets"] = {"%d" % (int(start) - seconds): n for start, n in data["buckets"].items()}
    path.write_text(json.dumps(data))


def test_day_limit_pauses_then_the_next_day_resumes_without_duplicates(dovecot, mail_account, run_module, tmp_path):
    src, dst = mail_account(dovecot), mail_account(dovecot)
    dovecot.append_many(*src, "INBOX", [(msg(i, size=SIZE), (), None) for i in range(30)])
    state = tmp_path / "state"
    params = args(dovecot, src, dovecot, dst, connections=2, max_bytes_per_day=LIMIT, state_dir=str(state))

    first = run_module("imap_sync", params)
    assert_clean(first, src[1], dst[1])
    assert not first.failed, first.get("msg")
    paused = first["paused"]
    assert paused["by"] == "day_limit" and paused["resume_after"].endswith("Z"), paused
    assert paused["downloaded_24h"] <= LIMIT
    copied = first["totals"]["copied"]
    assert 0 < copied < 30 and first["totals"]["missing"] == 30 - copied
    assert first["totals"]["errors"] == 0 and not first["complete"]
    assert first["verdict"].startswith("paused by the provider until ")
    assert dovecot.usage(dst[0])["messages"] == copied

    # the same day: nothing more is fetched, the copy pauses at once
    again = run_module("imap_sync", params)
    assert not again.failed and again["paused"] and again["totals"]["copied"] == 0
    # check mode predicts the pause too
    predicted = run_module("imap_sync", params, check_mode=True)
    assert predicted["paused"]["predicted"] and predicted["totals"]["copied"] == 30 - copied

    _age_downloads(state, 86400 + 120)
    second = run_module("imap_sync", params)
    assert not second.failed, second.get("msg")
    assert second["paused"] is None and second["complete"]
    assert second["totals"]["copied"] == 30 - copied and second["totals"]["missing"] == 0
    assert snapshot(dovecot, *dst) == snapshot(dovecot, *src)   # every message once

    third = run_module("imap_sync", params)
    assert not third.changed and third["totals"]["copied"] == 0
