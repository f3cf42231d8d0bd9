"""The emulator wired to the real test Dovecot: mailboxes become IMAP accounts, usage comes from Dovecot."""
from __future__ import annotations

import json
import subprocess
import sys
import time

from tests.lib.ports import free_port

MESSAGE = (b"From: a@old.test\r\nTo: alice@dove.test\r\nSubject: hello\r\nMessage-ID: <m1@old.test>\r\n"
           b"Date: Sun, 22 Nov 2026 10:00:00 +0000\r\n\r\nbody\r\n")


def test_mailbox_is_a_real_imap_account_and_usage_comes_from_dovecot(mailcow_dovecot, dovecot, run_module):
    mailcow = mailcow_dovecot
    assert run_module("mailcow_domain", mailcow.api_args(domain="dove.test", quota=2048, max_quota=1024,
                                                         default_quota=512)).changed
    res = run_module("mailcow_mailbox", mailcow.api_args(address="alice@dove.test", password="Dove-Pass-1",
                                                         quota=100))
    assert res.changed and not res.failed, res
    assert "alice@dove.test" in dovecot.users()
    dovecot.append("alice@dove.test", "Dove-Pass-1", "INBOX", MESSAGE)
    dovecot.append("alice@dove.test", "Dove-Pass-1", "Archive", MESSAGE)
    res = run_module("mailcow_info", mailcow.api_args(domains=["dove.test"], include_dkim=False))
    box = res["mailboxes"][0]
    assert box["messages"] == 2 and box["quota_used"] == 2 * len(MESSAGE), box
    assert res["domains"][0]["messages"] == 2
    # a new password is the IMAP password from then on
    assert run_module("mailcow_mailbox", mailcow.api_args(address="alice@dove.test", password="Dove-Pass-2",
                                                          update_password="always")).changed
    client = dovecot.client("alice@dove.test", "Dove-Pass-2")
    client.logout()
    assert run_module("mailcow_mailbox", mailcow.api_args(address="alice@dove.test", state="absent")).changed
    assert "alice@dove.test" not in dovecot.users()


def test_cli_starts_and_stops(tmp_path):
    rw, ro, info = tmp_path / "rw", tmp_path / "ro", tmp_path / "info.json"
    rw.write_text("RW-cli-key-1\n")
    ro.write_text("RO-cli-key-1\n")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "tests.servers.mailcow.emulator", "--port", str(port),
                             "--api-key-file", str(rw), "--read-only-key-file", str(ro), "--info-file", str(info)],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "READY http://127.0.0.1:%d" % port
        assert json.loads(info.read_text()) == {"url": "http://127.0.0.1:%d" % port}
        import requests

        answer = requests.post("http://127.0.0.1:%d/api/v1/add/domain" % port, json={"domain": "cli.test"},
                               headers={"X-API-Key": "RO-cli-key-1"}, timeout=10)
        assert answer.status_code == 403
        answer = requests.post("http://127.0.0.1:%d/api/v1/add/domain" % port, json={"domain": "cli.test"},
                               headers={"X-API-Key": "RW-cli-key-1"}, timeout=10)
        assert answer.json()[-1]["msg"] == ["domain_added", "cli.test"]
    finally:
        proc.terminate()
        deadline = time.monotonic() + 10
        while proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    assert proc.returncode == 0


def _msg(n):
    return (b"From: a@old.test\r\nTo: alice@dove.test\r\nSubject: message %d\r\nMessage-ID: <m%d@old.test>\r\n"
            b"Date: Sun, 22 Nov 2026 10:00:00 +0000\r\n\r\nbody %d\r\n" % (n, n, n))


def test_syncjob_really_copies_and_reports_statistics(mailcow_dovecot, dovecot, mail_account, run_module):
    mailcow = mailcow_dovecot
    source_user, source_password = mail_account(dovecot)
    dovecot.append_many(source_user, source_password, "INBOX", [(_msg(n), (), None) for n in (1, 2, 3)])
    dovecot.append(source_user, source_password, "Archive", _msg(4))
    dovecot.append(source_user, source_password, "Spam", _msg(5))
    assert run_module("mailcow_domain", mailcow.api_args(domain="dove.test")).changed
    assert run_module("mailcow_mailbox", mailcow.api_args(address="bob@dove.test", password="Dove-Pass-3",
                                                          quota=100)).changed
    job = dict(mailbox="bob@dove.test", host="127.0.0.1", port=dovecot.port_tls, encryption="ssl",
               user=source_user, password=source_password, exclude="(?i)spam")
    assert run_module("mailcow_syncjob", mailcow.api_args(**job)).changed
    assert mailcow.tick() == [1]
    res = run_module("mailcow_syncjob_info", mailcow.api_args(mailbox="bob@dove.test"))
    stats = res["syncjobs"][0]["statistics"]
    assert res["syncjobs"][0]["success"] is True, res["syncjobs"][0]
    assert (stats["messages_transferred"], stats["messages_skipped"], stats["errors"]) == (4, 0, 0), stats
    assert stats["bytes_transferred"] == sum(len(_msg(n)) for n in (1, 2, 3, 4))
    assert dovecot.usage("bob@dove.test")["messages"] == 4
    # run again now: everything is already there
    assert run_module("mailcow_syncjob", mailcow.api_args(**dict(job, run_now=True))).changed
    assert mailcow.tick() == [1]
    res = run_module("mailcow_syncjob_info", mailcow.api_args(mailbox="bob@dove.test"))
    stats = res["syncjobs"][0]["statistics"]
    assert (stats["messages_transferred"], stats["messages_skipped"]) == (0, 4), stats
    # a wrong source password: imapsync's authentication failure
    wrong = dict(job, password="wrong", update_password="always", run_now=True)
    assert run_module("mailcow_syncjob", mailcow.api_args(**wrong)).changed
    mailcow.tick()
    res = run_module("mailcow_syncjob_info", mailcow.api_args(mailbox="bob@dove.test"))
    assert res["syncjobs"][0]["success"] is False
    assert res["syncjobs"][0]["exit_status"] == "EXIT_AUTHENTICATION_FAILURE"
    assert source_password not in res.stdout
