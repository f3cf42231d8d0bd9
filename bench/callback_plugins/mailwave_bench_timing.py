"""Record when each task ran on each host and which role it belongs to (for ``python -m bench wave``).

One JSON line per task result in $MAILWAVE_BENCH_TIMING: {"task", "role", "host", "start", "end"} (epoch
seconds). The wave playbook's "Start phase X" and "Time phase X" tasks mark each domain's phases.
"""
from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: mailwave_bench_timing
type: aggregate
short_description: task timings per role for the wave benchmark
description: [Writes one JSON line per task result to the file named by MAILWAVE_BENCH_TIMING.]
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "mailwave_bench_timing"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._started = {}
        self._path = os.environ.get("MAILWAVE_BENCH_TIMING")

    def v2_runner_on_start(self, host, task):
        self._started[(host.get_name(), task._uuid)] = time.time()  # pylint: disable=protected-access

    def _done(self, result):
        task, host = result._task, result._host.get_name()  # pylint: disable=protected-access
        start = self._started.pop((host, task._uuid), None)  # pylint: disable=protected-access
        if not self._path or start is None:
            return
        role = task._role.get_name() if task._role else None  # pylint: disable=protected-access
        with open(self._path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"task": task.get_name(), "role": role, "host": host, "start": start, "end": time.time()}) + "\n")

    def v2_runner_on_ok(self, result, **kwargs):
        self._done(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._done(result)

    def v2_runner_on_skipped(self, result):
        self._done(result)
