"""playbooks/tasks/failure.yml, the wave's rescue, host by host: a domain is paused when the sync role left
copies paused by the provider (__mailwave_sync_paused), whatever the failure's message says; else it failed."""
from __future__ import annotations

import pathlib

import pytest
import yaml

from tests.lib.playbook import run_playbook

FAILURE_TASKS = pathlib.Path(__file__).resolve().parents[3] / "playbooks" / "tasks" / "failure.yml"
PAUSED = [{"address": "bruno@alpha.test", "resume_after": "2026-12-04T18:00:00Z", "reason": "day limit"},
          {"address": "anna@alpha.test", "resume_after": "2026-12-04T19:00:00Z", "reason": "day limit"}]

# host: (__mailwave_sync_paused or None for undefined, the failure's message, paused, resume_after)
ROWS = {
    "paused.test": (PAUSED, "paused by the provider: 2 mailbox(es) reached ...", True, "2026-12-04T19:00:00Z"),
    "reworded.test": (PAUSED, "the source's day limit was reached", True, "2026-12-04T19:00:00Z"),
    "empty.test": ([], "paused by the provider (a message that only looks like it)", False, None),
    "undefined.test": (None, "quota exceeded", False, None),
}


@pytest.fixture(scope="module")
def failures(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("failure")
    hosts = {}
    for host, (paused, msg, _want, _resume) in ROWS.items():
        hosts[host] = {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}",
                       "_msg_given": msg}
        if paused is not None:
            hosts[host]["_paused_given"] = paused
    (tmp / "inventory.yml").write_text(yaml.safe_dump({"all": {"hosts": hosts}}))
    play = [{"hosts": "all", "gather_facts": False, "tasks": [{"block": [
        {"name": "the sync role's fact", "ansible.builtin.set_fact": {"__mailwave_sync_paused": "{{ _paused_given }}"},
         "when": "_paused_given is defined"},
        {"name": "a phase fails", "ansible.builtin.fail": {"msg": "{{ _msg_given }}"}},
    ], "rescue": [
        {"name": "failure.yml", "ansible.builtin.import_tasks": str(FAILURE_TASKS)},
        {"name": "show", "ansible.builtin.debug": {"var": "mailwave_failure"}},
    ]}]}]
    (tmp / "play.yml").write_text(yaml.safe_dump(play))
    res = run_playbook(tmp / "play.yml", tmp / "inventory.yml")
    assert res.rc == 0, res.tail()
    return {host: res.results("debug", host)[0]["mailwave_failure"] for host in ROWS}


@pytest.mark.parametrize("host", sorted(ROWS))
def test_paused_is_the_sync_roles_fact_not_the_message(failures, host):
    _paused, msg, want, resume_after = ROWS[host]
    got = failures[host]
    assert got["paused"] is want, got
    assert got["msg"] == msg and got["resume_after"] == resume_after
