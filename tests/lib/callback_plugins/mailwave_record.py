# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Test-only callback: every task result and the final stats, as one JSON file (MAILWAVE_RECORD_FILE).

With MAILWAVE_KILL_AFTER_CHANGE set, it also plays a controller that dies: at the first changed result of a
task whose name contains that text ('*': any task), it writes what it has and kills ansible-playbook with
SIGKILL, as a crash or an operator's kill -9 would, so that the tests can run the playbook again after it.
MAILWAVE_KILL_AFTER_TASK does the same at the first ok result of a task whose name contains that text,
changed or not (e.g. right after an async task started its job). With MAILWAVE_KILL_GROUP set as well, the
SIGKILL goes to ansible-playbook's whole process group (its workers and the modules they run), when
ansible-playbook leads its own group (run_playbook(new_session=True)); never to a group it does not lead.
"""
from __future__ import annotations

import json
import os
import signal
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: mailwave_record
type: aggregate
short_description: Record task results and stats as JSON for the tests
description:
  - Writes every task result and the play stats to the file named by the MAILWAVE_RECORD_FILE environment
    variable. Test helper only.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "mailwave_record"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.tasks = []
        self._started = {}

    def v2_runner_on_start(self, host, task):
        self._started[(host.get_name(), task._uuid)] = time.monotonic()  # pylint: disable=protected-access

    def _add(self, result, status):
        res = dict(result._result)  # pylint: disable=protected-access
        start = self._started.pop((result._host.get_name(), result._task._uuid), None)  # pylint: disable=protected-access
        self.tasks.append({
            "host": result._host.get_name(),  # pylint: disable=protected-access
            "task": result._task.get_name(),  # pylint: disable=protected-access
            "action": result._task.action,  # pylint: disable=protected-access
            "status": status,
            "changed": bool(res.get("changed")),
            "seconds": round(time.monotonic() - start, 2) if start else None,
            "result": json.loads(json.dumps(res, default=str)),
        })

    def v2_runner_on_ok(self, result, **kwargs):
        self._add(result, "ok")
        kill_after = os.environ.get("MAILWAVE_KILL_AFTER_CHANGE")
        kill_at = os.environ.get("MAILWAVE_KILL_AFTER_TASK")
        if (kill_after and self.tasks[-1]["changed"] and (kill_after == "*" or kill_after in self.tasks[-1]["task"])) \
                or (kill_at and kill_at in self.tasks[-1]["task"]):
            self._write({"tasks": self.tasks, "stats": {}, "killed_after": self.tasks[-1]["task"]})
            if os.environ.get("MAILWAVE_KILL_GROUP") and os.getpgrp() == os.getpid():
                os.killpg(os.getpgrp(), signal.SIGKILL)
            os.kill(os.getpid(), signal.SIGKILL)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._add(result, "ignored" if ignore_errors else "failed")

    def v2_runner_on_skipped(self, result):
        self._add(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._add(result, "unreachable")

    def v2_playbook_on_stats(self, stats):
        summary = {host: stats.summarize(host) for host in sorted(stats.processed)}
        self._write({"tasks": self.tasks, "stats": summary})

    @staticmethod
    def _write(record):
        path = os.environ.get("MAILWAVE_RECORD_FILE")
        if path:
            with open(path, "w", encoding="utf-8") as handle:
                json.dump(record, handle, default=str)
