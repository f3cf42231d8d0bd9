"""Run a collection module the way Ansible does: in its own Python process, arguments on stdin.

Secrets stay off the command line (the process list is checked by tests), and each run is as
isolated as a real task, so a module's global state cannot leak from one test into another.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from .collection import COLLECTIONS_PATH, REPO, ensure_collection_link


class ModuleResult(dict):
    """The module's JSON result plus what it printed on stderr and its exit code."""

    rc: int = 0
    stderr: str = ""
    stdout: str = ""

    @property
    def failed(self) -> bool:
        return bool(self.get("failed"))

    @property
    def changed(self) -> bool:
        return bool(self.get("changed"))


def module_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    ensure_collection_link()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(COLLECTIONS_PATH), str(REPO), env.get("PYTHONPATH", "")]))
    env.update(extra or {})
    return env


def run_module(name: str, args: dict[str, Any], *, check_mode: bool = False, diff: bool = False,
               env: dict[str, str] | None = None, timeout: float = 600) -> ModuleResult:
    """Run mailwave.migrate.<name> with args; return its result. Never raises on module failure."""
    payload = dict(args)
    payload["_ansible_check_mode"] = check_mode
    payload["_ansible_diff"] = diff
    proc = subprocess.run(
        # Through the guard: only the module_utils that AnsiballZ would package are importable.
        [sys.executable, "-m", "tests.lib.ansiballz_guard", f"ansible_collections.mailwave.migrate.plugins.modules.{name}"],
        input=json.dumps({"ANSIBLE_MODULE_ARGS": payload}), capture_output=True, text=True,
        env=module_env(env), timeout=timeout, check=False,
    )
    result = ModuleResult()
    # A module prints exactly one JSON document; anything else is a crash (a traceback), which tests
    # must see as such rather than as a clean failure.
    out = proc.stdout.strip()
    try:
        result.update(json.loads(out[out.index("{"):]) if out else {})
    except ValueError:
        result.update({"failed": True, "msg": "module printed no JSON", "crashed": True})
    result.rc, result.stderr, result.stdout = proc.returncode, proc.stderr, proc.stdout
    if "Traceback (most recent call last)" in proc.stderr or "Traceback (most recent call last)" in proc.stdout:
        result["crashed"] = True
    return result
