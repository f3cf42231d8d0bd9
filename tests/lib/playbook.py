"""Run ansible-playbook the way a user does, with the collection on ANSIBLE_COLLECTIONS_PATH.

``run_playbook("wave", inventory, ...)`` runs ``ansible-playbook mailwave.migrate.wave`` in a subprocess
and returns a ``PlaybookResult``: ``rc``, ``stdout``, ``stderr``, and ``record`` (every task result and
the final stats, collected by tests/lib/callback_plugins/mailwave_record.py), with helpers to look at
them. Secrets stay off the command line: extra vars go through a file.
"""
from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import tempfile

from .collection import COLLECTIONS_PATH, ensure_collection_link

CALLBACKS = pathlib.Path(__file__).resolve().parent / "callback_plugins"


class PlaybookResult:
    def __init__(self, rc, stdout, stderr, record):
        self.rc, self.stdout, self.stderr, self.record = rc, stdout, stderr, record

    @property
    def stats(self):
        return self.record.get("stats", {})

    @property
    def tasks(self):
        return self.record.get("tasks", [])

    def changed_tasks(self, host=None):
        return [t for t in self.tasks if t["changed"] and (host is None or t["host"] == host)]

    def failed_tasks(self, host=None):
        return [t for t in self.tasks if t["status"] == "failed" and (host is None or t["host"] == host)]

    def results(self, action, host=None):
        """Results of the tasks running module `action` (short name or FQCN)."""
        return [t["result"] for t in self.tasks if t["action"].split(".")[-1] == action.split(".")[-1]
                and (host is None or t["host"] == host)]

    def __repr__(self):
        return "PlaybookResult(rc=%s, stats=%s)" % (self.rc, self.stats)

    def tail(self, lines=80):
        return "\n".join((self.stdout + "\n" + self.stderr).splitlines()[-lines:])


def run_playbook(playbook, inventory, *, extra_vars=None, check=False, diff=False, tags=None, limit=None,
                 env=None, cwd=None, timeout=900, args=(), new_session=False):
    """Run mailwave.migrate.<playbook> (or a playbook path) against inventory; never raises on failure.

    new_session: ansible-playbook leads its own process group, which a test may then kill as a whole."""
    collections = ensure_collection_link()
    name = playbook if (os.sep in str(playbook) or str(playbook).endswith(".yml")) else "mailwave.migrate." + playbook
    exe = pathlib.Path(sys.executable).with_name("ansible-playbook")
    with tempfile.TemporaryDirectory(prefix="mw-play-") as tmp:
        record_file = os.path.join(tmp, "record.json")
        cmd = [str(exe), name, "-i", str(inventory)]
        if extra_vars:
            vars_file = os.path.join(tmp, "extra.json")
            fd = os.open(vars_file, os.O_WRONLY | os.O_CREAT, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(extra_vars, handle)
            cmd += ["-e", "@" + vars_file]
        if check:
            cmd.append("--check")
        if diff:
            cmd.append("--diff")
        if tags:
            cmd += ["--tags", ",".join(tags) if isinstance(tags, (list, tuple)) else tags]
        if limit:
            cmd += ["--limit", limit]
        cmd += list(args)
        full_env = dict(os.environ)
        full_env.update({
            "ANSIBLE_COLLECTIONS_PATH": str(collections),
            "ANSIBLE_CALLBACK_PLUGINS": str(CALLBACKS),
            "ANSIBLE_CALLBACKS_ENABLED": "mailwave_record",
            "MAILWAVE_RECORD_FILE": record_file,
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
            "ANSIBLE_RETRY_FILES_ENABLED": "0",
            "ANSIBLE_LOCAL_TEMP": os.path.join(tmp, "ansible-local"),
            "ANSIBLE_HOME": os.path.join(tmp, "ansible-home"),
            "PATH": str(exe.parent) + os.pathsep + os.environ.get("PATH", ""),
        })
        full_env.update(env or {})
        proc = subprocess.run(cmd, capture_output=True, text=True, env=full_env, cwd=cwd, timeout=timeout,
                              check=False, start_new_session=new_session)
        try:
            with open(record_file, encoding="utf-8") as handle:
                record = json.load(handle)
        except (OSError, ValueError):
            record = {}
    return PlaybookResult(proc.returncode, proc.stdout, proc.stderr, record)


__all__ = ["run_playbook", "PlaybookResult", "COLLECTIONS_PATH"]
