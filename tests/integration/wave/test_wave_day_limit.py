"""A provider's day limit in a wave (issue 12): the domain stops before the cut-over, reported "paused by the
provider" (not failed, rc 0); each run after the limit lifts goes on, until the copy is done, every message once.

Real servers (sandbox/sandbox.py): Dovecot sources and destination, the Mailcow emulator. The day limit is
imap_sync's own count (max_bytes_per_day, what the gmail preset sets to Google's 2,500 MB), kept in the
copies' state directory; "a day later" is made by moving that count back 24 hours.
"""
from __future__ import annotations

import json
import pathlib

import pytest

from sandbox.sandbox import Sandbox
from tests.integration.wave.test_wave_quota import EXAMPLES, attachment, content
from tests.lib.playbook import run_playbook

pytestmark = pytest.mark.slow
LIMIT = 2_000_000  # bytes a day per source account: bruno's 3.2 MB take two days, the others' mail fits


def play(box, tags, **extra):
    return run_playbook("wave", EXAMPLES / "inventory.yml", cwd=str(EXAMPLES), limit="alpha.test",
                        env={"MAILWAVE_SANDBOX": str(box.dir)}, tags=tags,
                        extra_vars={"mailwave_groupware": False, "mailwave_sync_options": {"max_bytes_per_day": LIMIT},
                                    **extra})


def domain(box):
    latest = sorted((pathlib.Path(box.dir) / "work" / "wave1" / "reports").glob("*/report.json"))[-1]
    return next(d for d in json.loads(latest.read_text())["domains"] if d["domain"] == "alpha.test")


def a_day_later(box):
    files = list(pathlib.Path(box.dir).rglob("downloads.json"))
    assert files, "no download count kept in the copies' state directory"
    for path in files:
        data = json.loads(path.read_text())
        data["buckets"] = {"%d" % (int(k) - 86400 - 120): v for k, v in data["buckets"].items()}
        path.write_text(json.dumps(data))


def test_a_day_limit_pauses_the_domain_before_the_switch_and_the_next_day_finishes(tmp_path):
    with Sandbox(tmp_path / "sandbox", messages_per_box=2) as box:
        bruno = next(m for m in box.state["domains"]["alpha.test"]["mailboxes"] if m["address"] == "bruno@alpha.test")
        source = box.source_server("alpha.test")
        source.append_many(bruno["address"], bruno["password"], "INBOX", [(attachment(i), (), None) for i in range(8)])

        first = play(box, "preflight,provision,sync,cutover")
        assert first.rc == 0, first.tail()     # paused is not failed
        assert "paused by the provider" in first.stdout
        dom = domain(box)
        assert dom["status"] == "paused" and dom["failed_phase"] == "sync", dom.get("error")
        assert "cutover" not in (dom.get("phases") or {})  # never switched with mail left behind
        boxes = {m["address"]: m for m in dom["mailboxes"]}
        paused = boxes["bruno@alpha.test"]["paused"]
        assert paused["by"] == "day_limit" and paused["resume_after"], paused
        assert not boxes["bruno@alpha.test"]["verified"] and not boxes["bruno@alpha.test"]["errors"]
        others = [m for a, m in boxes.items() if a != "bruno@alpha.test" and m["action"] == "migrate"]
        assert others and all(m["verified"] and "paused" not in m for m in others)
        copied_first = boxes["bruno@alpha.test"]["copy"]["copied"]
        assert 0 < copied_first < 10
        md = sorted((pathlib.Path(box.dir) / "work" / "wave1" / "reports").glob("*/report.md"))[-1].read_text()
        assert "## alpha.test: paused" in md and "paused by the provider until" in md
        # the admin is told it is paused (when it resumes, nothing lost), not sent the failure notice
        notices = sorted(p.name for p in (pathlib.Path(box.dir) / "work" / "wave1" / "notifications" / "alpha.test")
                         .glob("_*.txt"))
        assert notices and all(n.startswith("_paused.paused_alpha.test_sync_") for n in notices), notices

        # each following day copies at most a day's worth, until the box is done (3.2 MB at 2 MB a day)
        copied, days = [copied_first], 1
        while dom["status"] == "paused" and days < 6:
            a_day_later(box)
            days += 1
            run = play(box, "preflight,provision,sync")
            assert run.rc == 0, run.tail()
            dom = domain(box)
            copied.append({m["address"]: m for m in dom["mailboxes"]}["bruno@alpha.test"]["copy"]["copied"])
            assert copied[-1] > 0, "a day passed and nothing was copied"
        assert dom["status"] == "ok", dom.get("error")
        assert days >= 2
        entry = {m["address"]: m for m in dom["mailboxes"]}["bruno@alpha.test"]
        assert entry["verified"] and "paused" not in entry
        assert sum(copied) == 10, copied   # 2 seeded + 8 attachments, each once
        creds = {}
        for path in (pathlib.Path(box.dir) / "work" / "wave1" / "credentials").glob("*.json"):
            creds.update(json.loads(path.read_text())["mailwave_credentials"])
        assert content(box.destination, bruno["address"], creds[bruno["address"]]) == content(
            source, bruno["address"], bruno["password"])
