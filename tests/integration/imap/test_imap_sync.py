"""imap_sync against real Dovecot servers: copies, re-runs, options, failures (run like Ansible runs it)."""
from __future__ import annotations

import collections
import datetime as dt
import subprocess
import threading
import time

import pytest

from tests.servers.dovecot import TestCA
from tests.servers.dovecot_fixtures import load_corpus


def snapshot(server, user, password):
    """{folder: Counter((bytes, sorted flags, epoch))} — what a client sees, order-free, duplicates counted."""
    out = {}
    for folder, messages in server.fetch_all(user, password).items():
        out[folder] = collections.Counter(
            (body, tuple(sorted(flags)), int(date.timestamp()) if hasattr(date, "timestamp") else date)
            for body, flags, date in messages)
    return out


def args(src_server, src, dst_server, dst, **extra):
    params = {"source": src_server.settings(*src), "destination": dst_server.settings(*dst)}
    params.update(extra)
    return params


def msg(n, size=0, subject="test", msgid=None, date="Mon, 02 Mar 2015 10:00:00 +0100"):
    msgid = msgid or f"<m{n}@example.test>"
    body = (f"Message-ID: {msgid}\r\nFrom: a@example.test\r\nTo: b@example.test\r\nSubject: {subject} {n}\r\n"
            f"Date: {date}\r\n\r\nbody {n}\r\n").encode()
    if size > len(body):
        line = b"x" * 76 + b"\r\n"
        body += line * ((size - len(body)) // len(line))
    return body


def assert_clean(result, *secrets):
    assert not result.get("crashed"), result.stderr[-3000:]
    for secret in secrets:
        assert secret not in result.stdout and secret not in result.stderr


def test_corpus_crosses_identical_to_dot_separator(dovecot, dovecot_dot, mail_account, run_module, tmp_path):
    src = mail_account(dovecot)
    dst = mail_account(dovecot_dot)
    entries = load_corpus(dovecot, *src)
    load_corpus(dovecot, *src, folder="Archives/2019/Été")
    dovecot.append(*src, "Projets/Résumé & plans", msg(1), ("\\Seen", "$Custom"))
    result = run_module("imap_sync", args(dovecot, src, dovecot_dot, dst))
    assert_clean(result, src[1], dst[1])
    assert not result.failed, result.get("msg")
    assert result.changed
    assert result["totals"]["copied"] == 2 * len(entries) + 1
    assert result["totals"]["missing"] == 0 and result["totals"]["errors"] == 0
    assert result["verdict"] == "all %d messages of the source are on the destination" % (2 * len(entries) + 1)
    before, after = snapshot(dovecot, *src), snapshot(dovecot_dot, *dst)
    assert after["INBOX"] == before["INBOX"]
    assert after["Archives.2019.Été"] == before["Archives/2019/Été"]
    assert after["Projets.Résumé & plans"] == before["Projets/Résumé & plans"]
    # nothing copied twice, nothing changed, with and without state
    again = run_module("imap_sync", args(dovecot, src, dovecot_dot, dst))
    assert not again.failed and not again.changed, again.get("msg")
    assert again["totals"]["copied"] == 0 and again["totals"]["skipped"] == 2 * len(entries) + 1
    state = tmp_path / "state"
    for _run in range(2):
        res = run_module("imap_sync", args(dovecot, src, dovecot_dot, dst, state_dir=str(state)))
        assert not res.failed and not res.changed, res.get("msg")
    assert res["folders"][0]["unchanged"] or any(f["unchanged"] for f in res["folders"])
    assert snapshot(dovecot_dot, *dst) == after
    assert oct(state.stat().st_mode & 0o777) == "0o700"
    assert all(oct(p.stat().st_mode & 0o777) == "0o600" for p in state.iterdir())


def test_source_duplicates_are_a_multiset(dovecot, mail_account, run_module):
    src, dst = mail_account(dovecot), mail_account(dovecot)
    # one INTERNALDATE for all: the destination's own copy must not differ by the second it was appended in
    when = dt.datetime(2015, 3, 2, 10, 0, tzinfo=dt.timezone.utc)
    dovecot.append_many(*src, "INBOX", [(msg(1), (), when), (msg(1), (), when), (msg(1), (), when), (msg(2), (), when)])
    dovecot.append(*dst, "INBOX", msg(1), internaldate=when)
    result = run_module("imap_sync", args(dovecot, src, dovecot, dst))
    assert not result.failed, result.get("msg")
    inbox = [f for f in result["folders"] if f["source"] == "INBOX"][0]
    assert (inbox["copied"], inbox["skipped"], inbox["source_duplicates"]) == (3, 1, 2)
    assert snapshot(dovecot, *dst)["INBOX"] == snapshot(dovecot, *src)["INBOX"]


def test_check_mode_changes_nothing(dovecot, dovecot_dot, mail_account, run_module, tmp_path):
    src, dst = mail_account(dovecot), mail_account(dovecot_dot)
    dovecot.append_many(*src, "Work/Sub", [(msg(i), ("\\Seen",), None) for i in range(5)])
    dovecot_dot.append(*dst, "INBOX", msg(99))
    before_src, before_dst = snapshot(dovecot, *src), snapshot(dovecot_dot, *dst)
    folders_before = sorted(dovecot_dot.fetch_all(*dst))
    state = tmp_path / "state"
    result = run_module("imap_sync", args(dovecot, src, dovecot_dot, dst, delete2=True, state_dir=str(state)),
                        check_mode=True, diff=True)
    assert not result.failed, result.get("msg")
    assert result.changed and result["totals"]["copied"] == 5
    assert result["totals"]["deleted_destination"] == 1  # msg 99 would go with delete2
    assert "Work.Sub" in result["created_folders"]
    assert "Work.Sub: 5 messages" in result["diff"]["after"]
    assert snapshot(dovecot, *src) == before_src and snapshot(dovecot_dot, *dst) == before_dst
    assert sorted(dovecot_dot.fetch_all(*dst)) == folders_before
    assert not state.exists()


def test_wrong_password_fails_cleanly(dovecot, mail_account, run_module):
    src, dst = mail_account(dovecot), mail_account(dovecot)
    bad = "wrong-" + src[1]
    result = run_module("imap_sync", args(dovecot, (src[0], bad), dovecot, dst))
    assert result.failed
    assert_clean(result, bad, dst[1])
    assert "login failed" in result["msg"] and src[0] in result["msg"]
    assert bad not in str(result)


def test_untrusted_certificate_fails_cleanly(dovecot, mail_account, run_module, tmp_path):
    src, dst = mail_account(dovecot), mail_account(dovecot)
    other = TestCA(tmp_path / "other-ca", name="Some Other CA")
    params = args(dovecot, src, dovecot, dst)
    params["source"]["ca_file"] = other.ca_file
    result = run_module("imap_sync", params)
    assert result.failed
    assert_clean(result, src[1], dst[1])
    assert "not trusted" in result["msg"] and "ca_file" in result["msg"]


def test_starttls_works_and_plain_needs_opt_in(dovecot, mail_account, run_module):
    src, dst = mail_account(dovecot), mail_account(dovecot)
    dovecot.append(*src, "INBOX", msg(1))
    result = run_module("imap_sync", {"source": dovecot.settings(*src, security="plain"),
                                      "destination": dovecot.settings(*dst, security="starttls")})
    assert result.failed
    assert_clean(result, src[1], dst[1])
    assert "allow_plaintext" in result["msg"]
    params = {"source": dict(dovecot.settings(*src, security="plain"), allow_plaintext=True),
              "destination": dovecot.settings(*dst, security="starttls")}
    result = run_module("imap_sync", params)
    assert not result.failed and result["totals"]["copied"] == 1, result.get("msg")


def test_over_quota_and_rejected_message(dovecot, mail_account, run_module):
    src = mail_account(dovecot)
    dst = mail_account(dovecot, quota_mb=1)
    small = [(msg(i, size=20_000), (), None) for i in range(5)]
    dovecot.append_many(*src, "INBOX", small + [(msg(100, size=1_500_000), (), None)])
    result = run_module("imap_sync", args(dovecot, src, dovecot, dst))
    assert result.failed
    assert_clean(result, src[1], dst[1])
    totals = result["totals"]
    assert (totals["copied"], totals["missing"], totals["errors"]) == (5, 1, 1)
    assert "1 of 6 messages of the source are missing" in result["msg"]
    (error,) = result["errors"]
    assert error["folder"] == "INBOX" and error["size"] > 1_400_000
    assert "quota" in error["message"].lower()
    # counted apart, so that the sync role knows to raise the quota (a rejection by content is not)
    assert result["over_quota"] == {"messages": 1, "bytes": error["size"]}


def test_no_password_in_process_list(dovecot, mail_account, run_module):
    src, dst = mail_account(dovecot), mail_account(dovecot)
    dovecot.append_many(*src, "INBOX", [(msg(i, size=5_000), (), None) for i in range(60)])
    seen, done = [], threading.Event()

    def watch():
        while not done.is_set():
            seen.append(subprocess.run(["ps", "-eww", "-o", "args"], capture_output=True, text=True, check=False).stdout)
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        params = args(dovecot, src, dovecot, dst, max_messages_per_second=40, connections=1)
        result = run_module("imap_sync", params)
    finally:
        done.set()
        watcher.join()
    assert not result.failed, result.get("msg")
    assert any("imap_sync" in snap for snap in seen), "the module was never seen running"
    assert not any(src[1] in snap or dst[1] in snap for snap in seen)
    assert_clean(result, src[1], dst[1])


@pytest.mark.slow
def test_big_message_bounded_memory(dovecot, mail_account):
    """A 50 MB message among others: the module's peak RSS (VmHWM of its own process) stays under 100 MB."""
    import json
    import re
    import sys

    from tests.lib.modrun import module_env

    src, dst = mail_account(dovecot), mail_account(dovecot)
    dovecot.append_many(*src, "INBOX", [(msg(1, size=50_000_000), ("\\Seen",), None)]
                        + [(msg(i, size=2_000_000), (), None) for i in range(2, 12)])
    runner = ("import atexit, runpy, sys\n"
              "atexit.register(lambda: sys.stderr.write(open('/proc/self/status').read()))\n"
              "runpy.run_module('ansible_collections.mailwave.migrate.plugins.modules.imap_sync', run_name='__main__')\n")
    proc = subprocess.run([sys.executable, "-c", runner], input=json.dumps({"ANSIBLE_MODULE_ARGS": args(
        dovecot, src, dovecot, dst)}), capture_output=True, text=True, env=module_env(), timeout=300, check=False)
    result = json.loads(proc.stdout[proc.stdout.index("{"):])
    assert not result.get("failed"), result.get("msg")
    assert result["totals"]["copied"] == 11
    peak_mb = int(re.search(r"VmHWM:\s+(\d+) kB", proc.stderr).group(1)) / 1024
    print("module peak RSS %.1f MB" % peak_mb)
    assert peak_mb < 100, "module peak RSS %.0f MB" % peak_mb
    assert snapshot(dovecot, *dst) == snapshot(dovecot, *src)


def test_illegal_folder_name_is_mapped_and_reported(dovecot, dovecot_dot, mail_account, run_module):
    src, dst = mail_account(dovecot), mail_account(dovecot_dot)
    dovecot.append(*src, "Projets/v1.2", msg(1))
    result = run_module("imap_sync", args(dovecot, src, dovecot_dot, dst))
    assert not result.failed, result.get("msg")
    (renamed,) = [r for r in result["renamed_folders"] if r["source"] == "Projets/v1.2"]
    assert renamed["destination"] == "Projets.v1_2" and renamed["reason"]
    assert sum(snapshot(dovecot_dot, *dst)["Projets.v1_2"].values()) == 1
    again = run_module("imap_sync", args(dovecot, src, dovecot_dot, dst))
    assert not again.failed and not again.changed


def test_oauth2_refused_cleanly(dovecot, mail_account, run_module):
    src, dst = mail_account(dovecot), mail_account(dovecot)
    token = "ya29.secret-token-" + src[1]
    params = args(dovecot, src, dovecot, dst)
    params["source"].pop("password")
    params["source"]["oauth2_token"] = token
    result = run_module("imap_sync", params)
    assert result.failed and "login failed" in result["msg"]
    assert_clean(result, token, dst[1])
    both = dict(params["source"], password="another-long-password")
    result = run_module("imap_sync", dict(params, source=both))
    assert result.failed and "mutually exclusive" in result["msg"] and not result.get("crashed")


def test_verification_of_8bit_headers_holds_when_dovecot_interleaves_pipelined_fetches(
        dovecot, mail_account, run_module):
    """Verification pipelines a metadata FETCH, a header FETCH (8-bit headers) and a body FETCH (verify: full);
    Dovecot runs them at once and interleaves their answers, which must not read as changed messages."""
    src, dst = mail_account(dovecot), mail_account(dovecot)
    for n in range(120):
        body = msg(n).replace(b"Subject: test", "Subject: Réunion été".encode("utf-8"))
        dovecot.append(*src, "INBOX", body, ("\\Seen",) if n % 2 else ())
    result = run_module("imap_sync", args(dovecot, src, dovecot, dst, verify="full"))
    assert_clean(result, src[1], dst[1])
    assert not result.failed, result.get("msg")
    assert result["totals"]["copied"] == 120 and result["totals"]["errors"] == 0, result.get("errors")
    assert snapshot(dovecot, *src) == snapshot(dovecot, *dst)
