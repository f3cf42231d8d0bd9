# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""imap_sync_wait: wait for an imap_sync_batch started with async, printing its progress at each poll.

Why an action plugin and not async_status with until/retries: a retry prints only "retries left", and a
callback would have to be enabled by each team (and in AWX). The action polls the job as async_status
does (the same module, the same async directory), reads the batch's progress file, and prints the
lines with Display: they show in a terminal and in AWX's output alike.
"""

from __future__ import annotations

import base64
import json
import time

from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.mailwave.migrate.plugins.module_utils._imap import progress as progress_mod

display = Display()

ARGUMENT_SPEC = dict(
    jid=dict(type="str", required=True),
    progress_file=dict(type="path"),
    progress_token=dict(type="str"),
    label=dict(type="str"),
    interval=dict(type="float", default=5.0),
    timeout=dict(type="int", default=86400),
)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)
    _requires_connection = True

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        result = super().run(tmp, task_vars)
        del tmp
        dummy_validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        if args["interval"] <= 0 or args["timeout"] <= 0:
            result.update(failed=True, msg="imap_sync_wait: interval and timeout must be positive (seconds)")
            return result
        async_dir = self._remote_expand_user(self.get_shell_option("async_dir", default="~/.ansible_async"))
        deadline = time.monotonic() + args["timeout"]
        shown = None
        while True:
            status = self._execute_module(module_name="ansible.legacy.async_status", task_vars=task_vars,
                                          module_args={"jid": args["jid"], "mode": "status", "_async_dir": async_dir})
            finished = bool(status.get("finished")) or bool(status.get("failed"))
            if args["progress_file"]:
                text = "\n".join(progress_mod.lines(self._read_progress(args["progress_file"], task_vars),
                                                    args["label"], args["progress_token"]))
                if text and text != shown:
                    display.display(text)
                    shown = text
            if finished:
                break
            if time.monotonic() >= deadline:
                result.update(failed=True, ansible_job_id=args["jid"], finished=False,
                              msg="the copies were still running after %d s (timeout): they go on, and a later "
                                  "run of the phase waits for them (a copy locks its mailbox) and resumes"
                                  % args["timeout"])
                return result
            time.sleep(args["interval"])
        self._execute_module(module_name="ansible.legacy.async_status", task_vars=task_vars,
                             module_args={"jid": args["jid"], "mode": "cleanup", "_async_dir": async_dir})
        result.update(status)
        result.update(ansible_job_id=args["jid"], started=True, finished=True)
        return result

    def _read_progress(self, path, task_vars):
        """The batch's progress file where the batch runs: read here when that is this controller, else
        with slurp. None when it is not there yet (the batch writes it at its first interval)."""
        try:
            if getattr(self._connection, "transport", None) == "local":
                with open(path, "rb") as handle:
                    return json.loads(to_text(handle.read()))
            got = self._execute_module(module_name="ansible.legacy.slurp", module_args={"src": path},
                                       task_vars=task_vars)
            if got.get("failed") or "content" not in got:
                return None
            return json.loads(to_text(base64.b64decode(got["content"])))
        except (OSError, ValueError):
            return None  # not written yet, or caught mid-rename: the next poll reads it
