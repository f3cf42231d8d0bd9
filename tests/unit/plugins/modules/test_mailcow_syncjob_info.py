"""mailcow_syncjob_info run as Ansible runs it: statistics (default) or the light no_log read."""
from __future__ import annotations

from tests.unit.plugins.module_utils._mailcow.test_info import LOG, seeded, syncjob_paths


def test_statistics_by_default(mailcow, run_module):
    seeded(mailcow)
    res = run_module("mailcow_syncjob_info", mailcow.api_args(key=mailcow.ro_key, mailbox="alice@migr.test"))
    assert not res.failed and not res.changed, res
    assert syncjob_paths(mailcow) == ["/api/v1/get/syncjobs/alice@migr.test"]
    assert res["syncjobs"][0]["statistics"]["messages_transferred"] == 12 and "log" not in res["syncjobs"][0]


def test_statistics_false_reads_no_log_and_returns_the_runs_only(mailcow, run_module):
    seeded(mailcow)
    res = run_module("mailcow_syncjob_info", mailcow.api_args(key=mailcow.ro_key, host="imap.old.test",
                                                              statistics=False))
    assert not res.failed and not res.changed, res
    assert syncjob_paths(mailcow) == ["/api/v1/get/syncjobs/all/no_log"]
    alice, bob = res["syncjobs"]
    assert (alice["mailbox"], alice["last_run"], alice["success"], alice["exit_status"]) == (
        "alice@migr.test", "2026-11-22 15:07:03", True, "EX_OK")
    assert bob["last_run"] is None and bob["is_running"] is False
    assert all("statistics" not in j and "log" not in j for j in res["syncjobs"])
    assert "Messages transferred" not in res.stdout and LOG not in res.stdout


def test_include_log_needs_statistics(mailcow, run_module):
    seeded(mailcow)
    res = run_module("mailcow_syncjob_info", mailcow.api_args(statistics=False, include_log=True))
    assert res.failed and "include_log needs statistics=true" in res["msg"], res
    assert syncjob_paths(mailcow) == []


def test_mailboxes_read_only_their_jobs_and_exclude_mailbox(mailcow, run_module):
    seeded(mailcow)
    res = run_module("mailcow_syncjob_info", mailcow.api_args(key=mailcow.ro_key, mailboxes=["bob@migr.test"]))
    assert not res.failed and not res.changed, res
    assert syncjob_paths(mailcow) == ["/api/v1/get/syncjobs/bob@migr.test"]
    assert [j["mailbox"] for j in res["syncjobs"]] == ["bob@migr.test"]
    both = run_module("mailcow_syncjob_info", mailcow.api_args(mailbox="bob@migr.test", mailboxes=["bob@migr.test"]))
    assert both.failed and "mutually exclusive" in both["msg"], both
    assert syncjob_paths(mailcow) == ["/api/v1/get/syncjobs/bob@migr.test"]
