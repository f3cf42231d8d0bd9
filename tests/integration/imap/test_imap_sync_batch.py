"""imap_sync_batch on real Dovecots: many boxes from one module run, within the parallel and per-server
connection bounds, a full source server slowing the batch down instead of failing boxes, a killed batch
leaving no copy running and resumed by the next run with nothing copied twice."""
from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time

import pytest

from tests.integration.imap.test_imap_sync import assert_clean, msg, snapshot
from tests.lib.modrun import module_env
from tests.servers.dovecot import DovecotServer

pytestmark = pytest.mark.slow


def _boxes(server, mail_account, domains, per_domain, messages, size=0):
    """[(domain, source account, destination account)] with `messages` messages in each source INBOX."""
    boxes = []
    for d in range(domains):
        for b in range(per_domain):
            src, dst = mail_account(server), mail_account(server)
            server.append_many(*src, "INBOX", [(msg(1000 * d + 100 * b + i, size=size), ("\\Seen",) if i % 2 else (),
                                                None) for i in range(messages)])
            boxes.append(("d%d.test" % d, src, dst))
    return boxes


def _jobs(src_server, dst_server, boxes, tmp_path, **options):
    return [{"id": dst[0], "domain": domain, "source": src_server.settings(*src),
             "destination": dst_server.settings(*dst),
             "options": dict(options, state_dir=str(tmp_path / "state" / dst[0]))} for domain, src, dst in boxes]


def test_batch_copies_every_box_within_its_bounds(dovecot, mail_account, run_module, tmp_path):
    boxes = _boxes(dovecot, mail_account, domains=3, per_domain=3, messages=6)
    progress = tmp_path / "progress.json"
    # source and destination are one server here: a copy with 2 connections holds 4 of its 8
    params = {"jobs": _jobs(dovecot, dovecot, boxes, tmp_path), "options": {"connections": 2},
              "parallel": 3, "server_connections": 8, "progress_file": str(progress), "progress_interval": 0.2}
    result = run_module("imap_sync_batch", params)
    assert_clean(result, *[src[1] for _d, src, _t in boxes], *[dst[1] for _d, _s, dst in boxes])
    assert not result.failed, result.get("msg")
    assert result.changed and result["failed_jobs"] == []
    assert result["peak_running"] == 2
    assert [r["id"] for r in result["results"]] == [dst[0] for _d, _s, dst in boxes]
    for (_d, src, dst), record in zip(boxes, result["results"]):
        assert record["status"] == "done" and record["connections"] == 2 and record["attempts"] == 1
        assert record["result"]["totals"]["copied"] == 6 and record["result"]["complete"]
        assert snapshot(dovecot, *dst) == snapshot(dovecot, *src)
    state = json.loads(progress.read_text())
    assert stat.S_IMODE(progress.stat().st_mode) == 0o600
    assert state["counts"] == {"done": 9, "running": 0, "waiting": 0, "failed": 0}
    assert state["summary"].startswith("9/9 mailboxes done, 0 running, 0 waiting, 0 failed")
    assert all(box["status"] == "done" for box in state["boxes"].values())

    again = run_module("imap_sync_batch", params)
    assert not again.failed and not again.changed
    assert all(r["result"]["totals"]["copied"] == 0 for r in again["results"])


def test_check_mode_copies_nothing(dovecot, mail_account, run_module, tmp_path):
    boxes = _boxes(dovecot, mail_account, domains=1, per_domain=2, messages=3)
    result = run_module("imap_sync_batch", {"jobs": _jobs(dovecot, dovecot, boxes, tmp_path)}, check_mode=True)
    assert not result.failed, result.get("msg")
    assert [r["result"]["totals"]["copied"] for r in result["results"]] == [3, 3]
    for _d, _s, dst in boxes:
        assert dovecot.usage(dst[0])["messages"] == 0


def test_bad_jobs_are_all_listed_before_anything_runs(dovecot, mail_account, run_module, tmp_path):
    boxes = _boxes(dovecot, mail_account, domains=1, per_domain=2, messages=1)
    jobs = _jobs(dovecot, dovecot, boxes, tmp_path)
    jobs[0]["options"]["connections"] = 0
    jobs[1]["options"]["max_size"] = "big"
    jobs.append(dict(jobs[1]))
    result = run_module("imap_sync_batch", {"jobs": jobs})
    assert result.failed and not result.get("crashed")
    assert result["msg"].startswith("the batch was not started; fix these jobs")
    assert "job %s: connections must be 1 or more" % jobs[0]["id"] in result["msg"]
    assert "max_size" in result["msg"] and "is used twice" in result["msg"]
    assert all(dovecot.usage(dst[0])["messages"] == 0 for _d, _s, dst in boxes)


def test_wrong_password_fails_that_box_only(dovecot, mail_account, run_module, tmp_path):
    boxes = _boxes(dovecot, mail_account, domains=2, per_domain=1, messages=2)
    jobs = _jobs(dovecot, dovecot, boxes, tmp_path)
    jobs[0]["source"]["password"] = "not-the-password"
    result = run_module("imap_sync_batch", {"jobs": jobs})
    assert not result.failed and result["failed_jobs"] == [jobs[0]["id"]]
    bad, good = result["results"]
    assert (bad["status"], bad["error_kind"], bad["attempts"]) == ("failed", "auth", 1)
    assert "not-the-password" not in result.stdout
    assert good["status"] == "done" and good["result"]["totals"]["copied"] == 2


@pytest.fixture
def full_source(tmp_path_factory, test_ca):
    """A source Dovecot whose imap service takes two logged-in clients at a time."""
    server = DovecotServer(tmp_path_factory.mktemp("dovecot-two-slots"), ca=test_ca)
    server.start()
    yield server
    server.stop()


def test_a_full_source_slows_the_batch_down_instead_of_failing_boxes(
        full_source, dovecot, mail_account, run_module, tmp_path):
    boxes = []
    for n in range(4):
        src, dst = ("box%d@full.test" % n, "pw-full-%d" % n), mail_account(dovecot)
        full_source.add_user(*src)
        full_source.append_many(*src, "INBOX", [(msg(n * 10 + i), (), None) for i in range(4)])
        boxes.append(("full.test", src, dst))
    config = full_source.config_file.read_text(encoding="utf-8")
    full_source.config_file.write_text(config.replace("process_limit = 1024", "process_limit = 2"), encoding="utf-8")
    full_source.doveadm("reload")
    # our budget does not know the server's limit: 4 copies of 1 connection each try to log in at once,
    # each holding its connection at least 16 s (4 messages at 0.25 a second)
    result = run_module("imap_sync_batch", {"jobs": _jobs(full_source, dovecot, boxes, tmp_path),
                                            "options": {"connections": 1, "max_messages_per_second": 0.25},
                                            "parallel": 4})
    assert not result.failed, result.get("msg")
    assert result["failed_jobs"] == [], [r.get("msg") for r in result["results"]]
    assert result["peak_running"] == 4
    # the two copies that got in held their slot over Dovecot's 10 s login hold: the others were refused
    # (the socket closed at LOGIN) and came back later instead of failing
    assert "Internal login failure" in (full_source.workdir / "dovecot.log").read_text(errors="replace")
    for _d, src, dst in boxes:
        assert snapshot(dovecot, *dst) == snapshot(full_source, *src)


def _children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid), encoding="ascii") as handle:
            return [int(p) for p in handle.read().split()]
    except OSError:
        return []


def _alive(pid):
    try:
        with open("/proc/%d/stat" % pid, encoding="ascii") as handle:
            return handle.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def test_a_killed_batch_stops_its_copies_and_the_next_run_finishes(dovecot, mail_account, run_module, tmp_path):
    # 400 messages of 20 kB a box at 200 kB/s: a copy lasts about 40 s, sending a batch every 5 s or so
    boxes = _boxes(dovecot, mail_account, domains=2, per_domain=2, messages=400, size=20_000)
    total = 4 * 400
    params = {"jobs": _jobs(dovecot, dovecot, boxes, tmp_path, connections=1, max_bytes_per_second=200_000),
              "parallel": 2}
    proc = subprocess.Popen(  # pylint: disable=consider-using-with
        [sys.executable, "-m", "tests.lib.ansiballz_guard",
         "ansible_collections.mailwave.migrate.plugins.modules.imap_sync_batch"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=module_env())
    proc.stdin.write(json.dumps({"ANSIBLE_MODULE_ARGS": params}).encode())
    proc.stdin.close()
    copies = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # until two copies run and a first batch has landed
        copies = [c for c in _children(proc.pid) if _alive(c)]
        if len(copies) == 2 and sum(dovecot.usage(dst[0])["messages"] for _d, _s, dst in boxes) >= 1:
            break
        assert proc.poll() is None, proc.stderr.read().decode()[-3000:]
        time.sleep(0.1)
    assert len(copies) == 2
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    # a copy left alone would go on for half a minute more; the kernel stops it with its parent
    deadline = time.monotonic() + 10
    while any(_alive(c) for c in copies) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(c) for c in copies), "copies outlived the killed batch"
    copied_before = sum(dovecot.usage(dst[0])["messages"] for _d, _s, dst in boxes)
    assert 0 < copied_before < total

    params.update(jobs=_jobs(dovecot, dovecot, boxes, tmp_path, connections=2))
    result = run_module("imap_sync_batch", params)
    assert not result.failed and result["failed_jobs"] == [], result.get("msg")
    assert sum(r["result"]["totals"]["copied"] for r in result["results"]) + copied_before == total
    for _d, src, dst in boxes:
        assert snapshot(dovecot, *dst) == snapshot(dovecot, *src)
