"""The controller killed in the middle of the copies (issue 12): the next run finishes the wave, nothing is
copied twice, nothing is lost. The batch started with async outlives ansible-playbook; its copies hold a
lock on each mailbox's state, so the next run's copy of a box waits for it instead of copying beside it.
Real servers (sandbox/sandbox.py): Dovecot sources, the Mailcow emulator on a destination Dovecot."""
from __future__ import annotations

import json
import pathlib

import pytest

from sandbox.sandbox import Sandbox
from tests.integration.imap.test_imap_sync import msg
from tests.lib.playbook import run_playbook

REPO = pathlib.Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "examples"
# 400 messages for anna@ at 20 messages/s: her copy lasts 20 s at least, long after the controller died
SLOW = {"mailwave_sync_options": {"automap": True, "subscribe_all": True, "max_messages_per_second": 20}}

pytestmark = pytest.mark.slow


def play(box, tags, **env):
    return run_playbook("wave", EXAMPLES / "inventory.yml", cwd=str(EXAMPLES), limit="alpha.test", tags=tags,
                        env=dict(env, MAILWAVE_SANDBOX=str(box.dir)), extra_vars=SLOW)


def content(server, user, password):
    return {folder: sorted(raw for raw, dummy_flags, dummy_date in msgs)
            for folder, msgs in server.fetch_all(user, password).items() if msgs}


def test_controller_killed_while_copying_then_run_again(tmp_path):
    with Sandbox(tmp_path / "sandbox", messages_per_box=2) as box:
        boxes = {m["address"]: m for m in box.state["domains"]["alpha.test"]["mailboxes"]}
        source = box.source_server("alpha.test")
        anna = boxes["anna@alpha.test"]
        source.append_many(anna["address"], anna["password"], "INBOX",
                           [(msg(10_000 + i, size=2_000), (), None) for i in range(400)])

        killed = play(box, "preflight,provision,sync", MAILWAVE_KILL_AFTER_TASK="Start the domain's copies")
        assert killed.rc != 0 and "Start the domain's copies" in killed.record.get("killed_after", ""), \
            killed.tail()
        again = play(box, "sync")
        assert again.rc == 0, again.tail()

        creds = {}
        for path in (pathlib.Path(box.dir) / "work" / "wave1" / "credentials").glob("*.json"):
            creds.update(json.loads(path.read_text())["mailwave_credentials"])
        for address in ("anna@alpha.test", "bruno@alpha.test", "chloe@alpha.test"):
            # every message once: the lists of raw messages per folder are equal, duplicates included
            assert content(box.destination, address, creds[address]) == content(
                source, address, boxes[address]["password"]), address
        (wait,) = [r for task in again.results("imap_sync_wait") for r in task.get("results", [task])]
        assert all(r["status"] == "done" and r["result"]["complete"] for r in wait["results"])
        # The two copies of anna@ never ran side by side: whichever took her lock first copied all of it and
        # the other nothing (usually the killed run's, and this run's waited for it: lock_wait)
        total = sum(len(v) for v in content(source, anna["address"], anna["password"]).values())
        (rerun,) = [r for r in wait["results"] if r["id"] == "anna@alpha.test"]
        assert rerun["result"]["totals"]["copied"] in (0, total), rerun["result"]["totals"]
