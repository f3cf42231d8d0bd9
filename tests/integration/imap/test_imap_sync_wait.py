"""imap_sync_wait through ansible-playbook, on a real Dovecot: a batch started with async prints live
progress lines while it copies (messages done of the total, rate, ETA) and its result comes back whole,
whether the progress file is read here (a local connection) or with slurp (any other connection, as a
sync_workers host over SSH; tests/lib/connection_plugins/mailwave_elsewhere.py takes that path here)."""
from __future__ import annotations

import json
import pathlib
import re

import pytest
import yaml

from tests.integration.imap.test_imap_sync import msg, snapshot
from tests.lib.playbook import run_playbook

pytestmark = pytest.mark.slow

CONNECTIONS = pathlib.Path(__file__).resolve().parents[2] / "lib" / "connection_plugins"


@pytest.mark.parametrize("connection", ["local", "mailwave_elsewhere"])
def test_a_running_batch_shows_its_progress_and_returns_its_result(dovecot, mail_account, tmp_path, connection):
    # 60 messages a box at 15 messages/s: each copy lasts at least 4 s, polled every 0.5 s
    boxes = []
    for i in range(2):
        src, dst = mail_account(dovecot), mail_account(dovecot)
        dovecot.append_many(*src, "INBOX", [(msg(100 * i + n, size=3_000), (), None) for n in range(60)])
        boxes.append((src, dst))
    jobs = [{"id": dst[0], "domain": "a.test", "source": dovecot.settings(*src), "destination": dovecot.settings(*dst),
             "options": {"state_dir": str(tmp_path / "state" / dst[0]), "max_messages_per_second": 15}}
            for src, dst in boxes]
    progress = str(tmp_path / "progress" / "a.test.json")
    # an earlier run's file at the same path: never shown as this batch's progress
    (tmp_path / "progress").mkdir()
    (tmp_path / "progress" / "a.test.json").write_text(json.dumps(
        {"token": "a.test@1", "summary": "STALE 9/9 mailboxes done", "boxes": {}}))
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(yaml.safe_dump({"all": {"hosts": {"localhost": {
        "ansible_connection": connection, "ansible_python_interpreter": "{{ ansible_playbook_python }}"}}}}))
    playbook = tmp_path / "play.yml"
    playbook.write_text(yaml.safe_dump([{"hosts": "localhost", "gather_facts": False, "tasks": [
        {"name": "start", "mailwave.migrate.imap_sync_batch": {
            "jobs": "{{ jobs }}", "parallel": 2, "progress_file": progress, "progress_interval": 0.5,
            "progress_token": "a.test@2"},
         "async": 600, "poll": 0, "register": "started", "no_log": True},
        {"name": "wait", "mailwave.migrate.imap_sync_wait": {
            "jid": "{{ started.ansible_job_id }}", "progress_file": progress, "progress_token": "a.test@2",
            "label": "a.test", "interval": 0.5},
         "register": "copies"},
        {"name": "show", "ansible.builtin.debug": {"msg": "{{ copies.results | map(attribute='status') | list }}"}},
    ]}]))
    run = run_playbook(playbook, inventory, extra_vars={"jobs": jobs},
                       env={"ANSIBLE_CONNECTION_PLUGINS": str(CONNECTIONS)})
    assert run.rc == 0, run.tail()
    # mid-copy lines: some but not all messages of a box, with a rate; and the summary line
    line = r"  u\d+@example\.test: (\d+)/60 messages, [\d.]+ [kMG]B/[\d.]+ [kMG]B, [\d.]+ [kMG]B/s"
    mid = [int(m.group(1)) for m in re.finditer(line, run.stdout)]
    assert any(0 < done < 60 for done in mid), run.stdout[-3000:]
    assert re.search(r"a\.test: \d/2 mailboxes done, \d running", run.stdout)
    assert "STALE" not in run.stdout
    (wait,) = run.results("imap_sync_wait")
    assert wait["finished"] and [r["status"] for r in wait["results"]] == ["done", "done"]
    assert all(r["result"]["totals"]["copied"] == 60 and "progress" not in r for r in wait["results"])
    for src, dst in boxes:
        assert snapshot(dovecot, *dst) == snapshot(dovecot, *src)
    for src, dst in boxes:  # the passwords went in a file, never on the screen
        assert src[1] not in run.stdout and dst[1] not in run.stdout
