"""read_syncjobs against the emulator: the read with the jobs' logs (statistics) and the light no_log read."""
from __future__ import annotations

from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.client import MailcowClient
from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.info import read_syncjobs

LOG = "\n".join([
    "++++ Statistics",
    "Messages transferred                    : 12 ",
    "Messages skipped                        : 3 ",
    "Total bytes transferred                 : 4096 (4.000 KiB)",
    "Exiting with return value 0 (EX_OK: successful termination) 0/50 nb_errors/max_errors PID 42"])


def seeded(mailcow):
    """Two jobs of migr.test, alice@'s with a finished run and its log (setup straight into the emulator)."""
    state = mailcow.state
    state.add_domain({"domain": "migr.test"})
    for local in ("alice", "bob"):
        state.add_mailbox({"local_part": local, "domain": "migr.test", "quota": 1024, "password": "Secret123!",
                           "password2": "Secret123!"})
        state.add_syncjob({"username": local + "@migr.test", "host1": "imap.old.test", "port1": 993,
                           "user1": local + "@old.test", "password1": "x", "enc1": "SSL", "mins_interval": 20,
                           "exclude": "", "active": 1})
    mailcow.set_syncjob_result(1, success=1, exit_status="EX_OK", log_text=LOG, last_run="2026-11-22 15:07:03")
    return MailcowClient(mailcow.url + "/api/v1/", mailcow.rw_key, sleep=lambda seconds: None)


def syncjob_paths(mailcow):
    return [r["path"] for r in mailcow.requests if r["category"] == "syncjobs"]


def test_statistics_read_each_job_with_its_log(mailcow):
    client = seeded(mailcow)
    jobs = read_syncjobs(client, include_log=True)
    assert syncjob_paths(mailcow) == ["/api/v1/get/syncjobs/all"]
    alice = jobs[0]
    assert (alice["statistics"]["messages_transferred"], alice["statistics"]["bytes_transferred"]) == (12, 4096)
    assert alice["log"] == LOG


def test_without_statistics_the_no_log_read_keeps_the_run_and_drops_the_log(mailcow):
    client = seeded(mailcow)
    # Mailcow's no_log answer: every field but the log, which is "" (the emulator as Mailcow's code does)
    raw = client.get("syncjobs", "all", "no_log")
    assert raw[0]["log"] == "" and raw[0]["exit_status"] == "EX_OK" and "password1" not in raw[0]

    jobs = read_syncjobs(client, statistics=False)
    assert syncjob_paths(mailcow)[-1] == "/api/v1/get/syncjobs/all/no_log"
    assert [(j["id"], j["mailbox"], j["host"], j["user"]) for j in jobs] == [
        (1, "alice@migr.test", "imap.old.test", "alice@old.test"),
        (2, "bob@migr.test", "imap.old.test", "bob@old.test")]
    alice, bob = jobs
    assert (alice["last_run"], alice["success"], alice["exit_status"], alice["is_running"]) == (
        "2026-11-22 15:07:03", True, "EX_OK", False)
    assert (bob["last_run"], bob["success"], bob["exit_status"]) == (None, None, None)
    assert alice["active"] is True
    # the same job as the full read gives, without statistics and log
    full = read_syncjobs(client)[0]
    assert {k: v for k, v in full.items() if k != "statistics"} == alice
    assert all("statistics" not in j and "log" not in j for j in jobs)


def test_without_statistics_one_mailbox_and_filters(mailcow):
    client = seeded(mailcow)
    jobs = read_syncjobs(client, mailbox=" Bob@migr.test", host="IMAP.old.test", statistics=False)
    assert syncjob_paths(mailcow) == ["/api/v1/get/syncjobs/bob@migr.test/no_log"]
    assert [j["mailbox"] for j in jobs] == ["bob@migr.test"]
    assert read_syncjobs(client, user="alice@old.test", statistics=False)[0]["id"] == 1
    # include_log without statistics: there is no log to give
    assert "log" not in read_syncjobs(client, include_log=True, statistics=False)[0]


def seeded_two_domains(mailcow):
    """migr.test's two jobs plus one of other.test from the same source host, with a log of its own."""
    client = seeded(mailcow)
    state = mailcow.state
    state.add_domain({"domain": "other.test"})
    state.add_mailbox({"local_part": "carol", "domain": "other.test", "quota": 1024, "password": "Secret123!",
                       "password2": "Secret123!"})
    state.add_syncjob({"username": "carol@other.test", "host1": "imap.old.test", "port1": 993,
                       "user1": "carol@old.test", "password1": "x", "enc1": "SSL", "mins_interval": 20,
                       "exclude": "", "active": 1})
    mailcow.set_syncjob_result(3, success=1, exit_status="EX_OK", log_text="carol's own imapsync output",
                               last_run="2026-11-22 15:08:00")
    return client


def test_mailboxes_with_statistics_read_each_mailbox_so_no_other_log_travels(mailcow):
    client = seeded_two_domains(mailcow)
    jobs = read_syncjobs(client, host="imap.old.test", include_log=True, mailboxes=["Bob@migr.test", "alice@migr.test"])
    # one read per wanted mailbox, never get/syncjobs/all (which carries carol@other.test's log too)
    assert syncjob_paths(mailcow) == ["/api/v1/get/syncjobs/alice@migr.test", "/api/v1/get/syncjobs/bob@migr.test"]
    assert [(j["id"], j["mailbox"]) for j in jobs] == [(1, "alice@migr.test"), (2, "bob@migr.test")]
    assert jobs[0]["statistics"]["messages_transferred"] == 12 and jobs[0]["log"] == LOG
    assert jobs[1]["statistics"]["has_statistics"] is False and jobs[1]["log"] == ""
    # a mailbox without a job (Mailcow answers {}) gives nothing, and the host filter still applies
    assert read_syncjobs(client, mailboxes=["nobody@migr.test"]) == []
    assert read_syncjobs(client, host="imap.elsewhere.test", mailboxes=["alice@migr.test"]) == []


def test_mailboxes_without_statistics_filter_one_light_read(mailcow):
    client = seeded_two_domains(mailcow)
    jobs = read_syncjobs(client, host="imap.old.test", statistics=False, mailboxes=["carol@other.test"])
    assert syncjob_paths(mailcow) == ["/api/v1/get/syncjobs/all/no_log"]
    assert [(j["id"], j["mailbox"], j["last_run"]) for j in jobs] == [(3, "carol@other.test", "2026-11-22 15:08:00")]
    assert read_syncjobs(client, statistics=False, mailboxes=[]) == []
