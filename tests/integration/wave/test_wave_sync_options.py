"""mailwave_sync_options reaches the copies whole: any imap_sync option, not a chosen few (a setting the
wave dropped would be changed silently), except the two the wave sets itself."""
from __future__ import annotations

import json
import pathlib

import pytest

from sandbox.sandbox import Sandbox
from tests.lib.playbook import run_playbook

REPO = pathlib.Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "examples"

pytestmark = pytest.mark.slow


def play(box, options):
    return run_playbook("wave", EXAMPLES / "inventory.yml", cwd=str(EXAMPLES), limit="beta.test",
                        env={"MAILWAVE_SANDBOX": str(box.dir)}, tags="preflight,provision,sync",
                        extra_vars={"mailwave_sync_options": options})


def test_every_imap_sync_option_reaches_the_copy_and_the_wave_keeps_its_own(tmp_path):
    with Sandbox(tmp_path / "sandbox", messages_per_box=3) as box:
        # delete2 and state_dir are the wave's: refused before anything is copied, saying what to use
        refused = play(box, {"automap": True, "delete2": True})
        assert refused.rc != 0
        assert "may not set delete2" in refused.stdout and "mailwave_sync_delete2" in refused.stdout
        assert not refused.results("imap_sync_batch")

        # regextrans2 and useheader were dropped before: now they reach the copies (the folder is renamed)
        options = {"automap": True, "subscribe_all": True, "useheader": ["Message-Id"],
                   "regextrans2": [{"regex": "^Projets/", "replace": "Archives/Projets/"}]}
        run = play(box, options)
        assert run.rc == 0, run.tail()
        creds = {}
        for path in (pathlib.Path(box.dir) / "work" / "wave1" / "credentials").glob("*.json"):
            creds.update(json.loads(path.read_text())["mailwave_credentials"])
        for mbox in box.state["domains"]["beta.test"]["mailboxes"]:
            if mbox["address"] not in creds:
                continue  # the CSV's deleted box
            folders = set(box.destination.fetch_all(mbox["address"], creds[mbox["address"]]))
            assert "Archives/Projets/2024" in folders and "Projets/2024" not in folders, folders
        (wait,) = [r for task in run.results("imap_sync_wait") for r in task.get("results", [task])]
        assert len(wait["results"]) == 3 and all(r["result"]["rewritten_folders"] for r in wait["results"])
