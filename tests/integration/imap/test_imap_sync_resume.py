"""imap_sync survives cut connections and a killed run: no loss, no duplicate."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from tests.integration.imap.test_imap_sync import args, msg, snapshot
from tests.lib.modrun import module_env


def proxied(server, proxy, account):
    settings = server.settings(*account)
    settings["port"] = proxy.port
    return settings


def fill(server, account, count=120, size=40_000):
    server.append_many(*account, "INBOX", [(msg(i, size=size), ("\\Seen",) if i % 2 else (), None)
                                           for i in range(count)])
    server.append_many(*account, "Sub/Folder", [(msg(1000 + i, size=size), (), None) for i in range(count // 2)])


@pytest.mark.parametrize("side, direction", [("source", "down"), ("destination", "up")])
def test_cut_connection_resumes_without_loss_or_duplicate(dovecot, mail_account, run_module, tcp_proxy, side,
                                                          direction):
    src, dst = mail_account(dovecot), mail_account(dovecot)
    fill(dovecot, src)
    proxy = tcp_proxy(dovecot.host, dovecot.port_tls)
    params = args(dovecot, src, dovecot, dst, connections=2)
    params[side] = proxied(dovecot, proxy, src if side == "source" else dst)
    proxy.cut_after_bytes(2_500_000, direction=direction)
    result = run_module("imap_sync", params)
    assert not result.get("crashed"), result.stderr[-2000:]
    assert not result.failed, result.get("msg")
    assert proxy.cuts == 1
    assert result["reconnections"] >= 1
    assert result["totals"]["copied"] == 180 and result["totals"]["missing"] == 0
    assert snapshot(dovecot, *dst) == snapshot(dovecot, *src)


def test_drop_all_mid_run(dovecot, mail_account, run_module, tcp_proxy):
    src, dst = mail_account(dovecot), mail_account(dovecot)
    fill(dovecot, src, count=60)
    proxy = tcp_proxy(dovecot.host, dovecot.port_tls, latency_ms=5)
    params = args(dovecot, src, dovecot, dst, connections=2, max_messages_per_second=20)
    params["destination"] = proxied(dovecot, proxy, dst)
    stop = threading.Event()

    def drop_when_half_done():
        while not stop.is_set():
            if dovecot.usage(dst[0])["messages"] >= 30:
                proxy.drop_all()
                return
            time.sleep(0.05)

    watcher = threading.Thread(target=drop_when_half_done)
    watcher.start()
    try:
        result = run_module("imap_sync", params)
    finally:
        stop.set()
        watcher.join()
    assert not result.get("crashed"), result.stderr[-2000:]
    assert not result.failed, result.get("msg")
    assert result["reconnections"] >= 1
    assert snapshot(dovecot, *dst) == snapshot(dovecot, *src)


def test_killed_run_resumes_from_state(dovecot, mail_account, run_module, tmp_path):
    src, dst = mail_account(dovecot), mail_account(dovecot)
    fill(dovecot, src, count=100, size=5_000)
    state = tmp_path / "state"
    params = args(dovecot, src, dovecot, dst, connections=2, state_dir=str(state), max_messages_per_second=40)
    payload = json.dumps({"ANSIBLE_MODULE_ARGS": params})
    proc = subprocess.Popen([sys.executable, "-m", "ansible_collections.mailwave.migrate.plugins.modules.imap_sync"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=dict(module_env(), PYTHONFAULTHANDLER="1"), start_new_session=True)
    proc.stdin.write(payload.encode())
    proc.stdin.close()
    # Generous deadline: a loaded CI machine is slow; a module that exits early is reported with its output.
    deadline = time.monotonic() + 120
    while (time.monotonic() < deadline and proc.poll() is None
           and dovecot.usage(dst[0])["messages"] < 40):
        time.sleep(0.1)
    exited_early = proc.poll()
    if exited_early is None and dovecot.usage(dst[0])["messages"] == 0:
        os.kill(proc.pid, signal.SIGABRT)  # stuck: PYTHONFAULTHANDLER dumps every thread's stack to stderr
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
    if exited_early is None and proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    out, err = proc.stdout.read(), proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    partial = dovecot.usage(dst[0])["messages"]
    assert exited_early is None, "the module ended (rc %s) before it could be killed: %s %s\nDovecot log: %s" % (
        exited_early, out[-2000:], err[-2000:], dovecot.log_file.read_text(errors="replace")[-3000:])
    assert 0 < partial < 150, "the run was not cut mid-way (%d copied): %s %s\nDovecot log: %s" % (
        partial, out[-2000:], err[-6000:], dovecot.log_file.read_text(errors="replace")[-3000:])
    assert any(p.suffix == ".journal" for p in state.iterdir())
    params.pop("max_messages_per_second")
    result = run_module("imap_sync", params)
    assert not result.failed, result.get("msg")
    assert result["totals"]["copied"] == 150 - result["totals"]["skipped"]
    # a batch fully sent before the kill may still be committed by the server after `partial` was read
    assert partial <= result["totals"]["skipped"] <= partial + 50
    assert snapshot(dovecot, *dst) == snapshot(dovecot, *src)
    again = run_module("imap_sync", params)
    assert not again.failed and not again.changed
    assert all(f["unchanged"] for f in again["folders"])


@pytest.mark.parametrize("connections", [1, 3])
def test_connection_cut_while_planning_is_redone(dovecot, mail_account, run_module, tcp_proxy, connections):
    """A drop during the listing/creating/STATUS phase (seen as Dovecot lock panics under load) costs a reconnection."""
    from ansible_collections.mailwave.migrate.plugins.module_utils._imap import connection

    src, dst = mail_account(dovecot), mail_account(dovecot)
    fill(dovecot, src, count=20, size=2_000)
    proxy = tcp_proxy(dovecot.host, dovecot.port)
    destination = dict(dovecot.settings(*dst, security="plain"), port=proxy.port, allow_plaintext=True)
    # what a login sends, measured with the engine's own connect: the cut then falls in the first LIST
    client = connection.connect(connection.Endpoint.from_params(destination, role="destination"))
    login_bytes = proxy.bytes["up"]
    connection.close_quietly(client)
    proxy.cut_after_bytes(login_bytes + 5, direction="up")
    params = args(dovecot, src, dovecot, dst, connections=connections)
    params["destination"] = destination
    result = run_module("imap_sync", params)
    assert not result.get("crashed"), result.stderr[-2000:]
    assert not result.failed, result.get("msg")
    assert proxy.cuts == 1
    if connections == 1:
        # with more, the cut may instead fall in another worker's login, which connect() retries unseen
        assert result["reconnections"] >= 1
    assert result["created_folders"] == ["Sub/Folder"]
    assert result["totals"]["copied"] == 30 and result["totals"]["missing"] == 0
    assert snapshot(dovecot, *dst) == snapshot(dovecot, *src)
