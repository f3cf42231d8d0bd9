"""The controller killed in the middle of the copies (issue 12): the next run finishes the wave, nothing is
copied twice, nothing is lost. The batch started with async outlives ansible-playbook; its copies hold a
lock on each mailbox's state, so the next run's copy of a box waits for it instead of copying beside it.
Real servers (sandbox/sandbox.py): Dovecot sources, the Mailcow emulator on a destination Dovecot."""
from __future__ import annotations

import json
import pathlib
import time

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


def alpha_jobs(box):
    with box.mailcow.lock:
        return [dict(j) for j in box.mailcow.state.syncjobs.values() if j["user2"].endswith("@alpha.test")]


def wait_for(predicate, what, timeout=120):
    """Until the emulator shows a state (its runner ticks every 2 s): no fixed sleep, a bounded wait."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting for " + what
        time.sleep(0.2)


def test_syncjob_engine_killed_after_the_jobs_started_then_run_again(tmp_path):
    """The mailcow_syncjob engine: ansible-playbook's process group killed (SIGKILL) right after the domain's
    jobs were created and asked to run; Mailcow runs them without the controller. The next run finds the
    jobs (none twice), runs them again, waits, reports their results and leaves them active."""
    extra = {"mailwave_sync_engine": "mailcow_syncjob"}
    boxes = ["anna@alpha.test", "bruno@alpha.test", "chloe@alpha.test"]
    with Sandbox(tmp_path / "sandbox", messages_per_box=2) as box:
        killed = run_playbook("wave", EXAMPLES / "inventory.yml", cwd=str(EXAMPLES), limit="alpha.test",
                              tags="preflight,provision,sync", extra_vars=extra, new_session=True,
                              env={"MAILWAVE_SANDBOX": str(box.dir), "MAILWAVE_KILL_GROUP": "1",
                                   "MAILWAVE_KILL_AFTER_TASK": "Create or update the domain's Mailcow sync jobs"})
        assert killed.rc == -9 and "Mailcow sync jobs" in killed.record.get("killed_after", ""), killed.tail()
        assert not [t for t in killed.tasks if "Wait for the sync jobs' run" in t["task"]]
        assert sorted(j["user2"] for j in alpha_jobs(box)) == boxes
        # Mailcow's runner copies without the controller: the next run starts once every job has run
        wait_for(lambda: all(j["last_run"] and not j["is_running"] for j in alpha_jobs(box)), "the jobs' run")
        first = {j["id"]: j["last_run"] for j in alpha_jobs(box)}
        seen = len(box.mailcow.requests)

        again = run_playbook("wave", EXAMPLES / "inventory.yml", cwd=str(EXAMPLES), limit="alpha.test",
                             tags="sync", extra_vars=extra, env={"MAILWAVE_SANDBOX": str(box.dir)})
        assert again.rc == 0, again.tail()
        jobs = alpha_jobs(box)
        # One job per mailbox, the killed run's: found again, not added twice
        assert sorted(j["user2"] for j in jobs) == boxes and set(first) == {j["id"] for j in jobs}
        adds = [r for r in box.mailcow.requests if r["action"] == "add" and r["category"] == "syncjob"]
        assert len(adds) == 3 and not [r for r in box.mailcow.requests[seen:] if r["action"] == "add"], adds
        # As the engine leaves them: active (they go on until finalize turns them off), run again, succeeded
        assert all(j["active"] == 1 and j["success"] == 1 and j["exit_status"] == "EX_OK" for j in jobs), jobs
        assert all(j["last_run"] > first[j["id"]] for j in jobs), (first, jobs)
        # The re-run polled without logs and read the results with them once, one read per mailbox
        reads = [r["path"] for r in box.mailcow.requests[seen:] if r["method"] == "GET" and r["category"] == "syncjobs"]
        assert [p for p in reads if not p.endswith("/no_log")] == ["/api/v1/get/syncjobs/" + b for b in boxes], reads
        (keep,) = [t for t in again.tasks if "Keep the sync job results" in t["task"]]
        last = keep["result"]["ansible_facts"]["__mailwave_sync_last"]
        assert sorted(r["item"]["address"] for r in last) == boxes and not any(r["failed"] for r in last), last
        assert all(r["msg"].endswith(": EX_OK") for r in last), last
        reports = sorted((pathlib.Path(box.dir) / "work" / "wave1" / "reports").glob("*/report.json"))
        (domain,) = json.loads(reports[-1].read_text())["domains"]
        moved = [m for m in domain["mailboxes"] if m["action"] == "migrate"]
        assert sorted(m["address"] for m in moved) == boxes and all(m["copy"]["runs"] == 1 for m in moved), moved
        assert domain["status"] == "ok", domain

        creds = {}
        for path in (pathlib.Path(box.dir) / "work" / "wave1" / "credentials").glob("*.json"):
            creds.update(json.loads(path.read_text())["mailwave_credentials"])
        source = box.source_server("alpha.test")
        passwords = {m["address"]: m["password"] for m in box.state["domains"]["alpha.test"]["mailboxes"]}
        for address in boxes:
            # every message once, whichever of the two runs copied it
            assert content(box.destination, address, creds[address]) == content(source, address, passwords[address])
