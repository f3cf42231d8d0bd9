"""The wave benchmark must not rot: a tiny scaled wave through the real playbook, then the same copies
directly, with the figures it prints (phases, ratio, peaks) present and consistent."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.lib.collection import REPO


@pytest.mark.slow
def test_bench_wave_smoke_run(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("the sandbox starts private Dovecot and BIND servers as root")
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "wave", "--domains", "2", "--mailboxes", "2", "--messages", "2",
         "--forks", "2", "--parallel", "2", "--out", str(tmp_path)],
        cwd=REPO, capture_output=True, text=True, timeout=900, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads((tmp_path / "wave-latest.json").read_text())
    wave, direct = result["wave"], result["direct"]
    assert wave["rc"] == 0 and wave["verified"] == wave["boxes"] == 4
    assert list(wave["phases"])[:7] == ["preflight", "backup", "provision", "sync", "groupware", "cutover", "finalize"]
    assert 0 < wave["phases"]["sync"] <= wave["seconds"]
    assert direct["first"]["ok"] and direct["first"]["copied"] == 4 * 2
    assert direct["rerun"]["ok"] and direct["rerun"]["copied"] == 0
    assert result["ratio"] == round(wave["seconds"] / direct["first"]["seconds"], 1)
    assert wave["peak_processes"] > 1 and wave["peak_rss_mb"] > 0
    # the cut-over waits out the sandbox's TTL: wait tasks ran; the waits counted (when nothing else ran)
    # are never more than those tasks took
    assert wave["wait_tasks_seconds"] > 0
    assert 0 <= wave["waits"] <= wave["wait_tasks_seconds"]
    assert result["target_seconds"] == round(2 * direct["first"]["seconds"] + wave["waits"], 1)
    assert "real waits (TTL, propagation" in proc.stdout
    assert "ratio wave / direct first:" in proc.stdout and "phase sync" in proc.stdout
    assert not list(tmp_path.glob("wave-*/")), "the work dir is removed after a run that passed"
