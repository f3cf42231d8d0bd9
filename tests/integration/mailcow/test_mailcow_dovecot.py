"""The emulator wired to the real test Dovecot: mailboxes become IMAP accounts, usage comes from Dovecot."""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

import pytest

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


@pytest.mark.slow
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


def _start_cli(tmp_path, *extra):
    rw = tmp_path / "rw"
    rw.write_text("RW-cli-key-2\n")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "tests.servers.mailcow.emulator", "--port", str(port),
                             "--api-key-file", str(rw), *extra], stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline().strip()
    return proc, port, line


def _stop(proc):
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    return proc.returncode


def test_cli_attached_to_a_running_dovecot(tmp_path, dovecot, run_module):
    conf = tmp_path / "dovecot.json"
    conf.write_text(json.dumps({"kwargs": {"workdir": str(dovecot.workdir)}}))
    proc, port, line = _start_cli(tmp_path, "--dovecot-config", str(conf), "--runner-interval", "0")
    try:
        assert line == "READY http://127.0.0.1:%d" % port
        args = {"api_url": "http://127.0.0.1:%d" % port, "api_key": "RW-cli-key-2"}
        assert run_module("mailcow_domain", dict(args, domain="cli.test")).changed
        assert run_module("mailcow_mailbox", dict(args, address="carol@cli.test", password="Cli-Pass-1",
                                                  quota=10)).changed
        dovecot.client("carol@cli.test", "Cli-Pass-1").logout()
        assert run_module("mailcow_mailbox", dict(args, address="carol@cli.test", state="absent")).changed
        dovecot.remove_user("carol@cli.test")  # in case the attached object and this one disagree
    finally:
        assert _stop(proc) == 0
    assert dovecot.running  # an attached emulator leaves the server to its owner


@pytest.mark.slow
def test_cli_owning_its_dovecot(tmp_path):
    conf, info = tmp_path / "dovecot.json", tmp_path / "info.json"
    conf.write_text(json.dumps({"kwargs": {"workdir": str(tmp_path / "dc")}, "start": True}))
    proc, port, line = _start_cli(tmp_path, "--dovecot-config", str(conf), "--info-file", str(info))
    try:
        assert line == "READY http://127.0.0.1:%d" % port
        dove = json.loads(info.read_text())["dovecot"]
        assert dove["port_tls"] and dove["ca_file"]
        with socket.create_connection(("127.0.0.1", dove["port"]), timeout=5):
            pass
    finally:
        assert _stop(proc) == 0
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", dove["port"]), timeout=2).close()
