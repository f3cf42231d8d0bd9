"""A copy that finds a mailbox full raises its quota, within mailwave_quota_max, and goes on (issue 10).

Real servers (sandbox/sandbox.py): the destination Dovecot enforces the quota the Mailcow emulator sets and
answers NO [OVERQUOTA] (RFC 5530) to an APPEND that does not fit, as Mailcow's Dovecot does.
"""
from __future__ import annotations

import base64
import json
import os
import pathlib

import pytest

from sandbox.sandbox import Sandbox
from tests.lib.playbook import run_playbook

REPO = pathlib.Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "examples"
MIB = 1048576
STEPS = "preflight,provision,sync"
# A plan that gives bruno@ (no inventory quota) 1 MiB for about 3 MiB of mail: the measured size is far
# below what the box holds, as when mail keeps arriving at the old provider after the measurement.
TINY = {"mailwave_quota_factor": 0.01, "mailwave_quota_min": 1}

pytestmark = pytest.mark.slow


def play(box, **kw):
    return run_playbook("wave", EXAMPLES / "inventory.yml", cwd=str(EXAMPLES), limit="alpha.test",
                        env={"MAILWAVE_SANDBOX": str(box.dir)}, tags=STEPS, **kw)


def attachment(i, size=400_000):
    body = base64.encodebytes(os.urandom(size * 3 // 4)).replace(b"\n", b"\r\n")
    return (b"From: Carla <carla@example.org>\r\nTo: bruno@alpha.test\r\nSubject: Plans %d\r\n"
            b"Message-ID: <plans-%d@example.org>\r\nDate: Mon, 2 Nov 2026 10:00:00 +0100\r\n"
            b"MIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n" % (i, i) + body)


def report(box):
    latest = sorted((pathlib.Path(box.dir) / "work" / "wave1" / "reports").glob("*/report.json"))[-1]
    doms = json.loads(latest.read_text())["domains"]
    return {m["address"]: m for d in doms for m in d["mailboxes"]}


def content(server, user, password):
    return {folder: sorted(raw for raw, dummy_flags, dummy_date in msgs)
            for folder, msgs in server.fetch_all(user, password).items() if msgs}


def test_a_box_found_full_gets_more_quota_and_every_message_once(tmp_path):
    with Sandbox(tmp_path / "sandbox", messages_per_box=2) as box:
        bruno = next(m for m in box.state["domains"]["alpha.test"]["mailboxes"] if m["address"] == "bruno@alpha.test")
        source = box.source_server("alpha.test")
        source.append_many(bruno["address"], bruno["password"], "INBOX", [(attachment(i), (), None) for i in range(8)])
        mailboxes = box.mailcow.state.mailboxes

        # At most 2 MiB: raised once to the maximum, still full; the run fails and says what to do.
        capped = play(box, extra_vars=dict(TINY, mailwave_quota_max=2))
        assert capped.rc != 0
        assert mailboxes["bruno@alpha.test"]["quota"] == 2 * MIB
        assert "bruno@alpha.test" in capped.stdout and "full at mailwave_quota_max (2 MiB)" in capped.stdout
        raised = report(box)["bruno@alpha.test"]["quota_raised"]
        assert raised["from"] == 1 and raised["to"] == 2 and raised["at_maximum"] and raised["refused_messages"] > 0
        assert mailboxes["anna@alpha.test"]["quota"] == 512 * MIB  # the others are left as planned

        # Room enough: raised to what the box needs, copied again, nothing twice.
        run = play(box, extra_vars=TINY)
        assert run.rc == 0, run.tail()
        quota = mailboxes["bruno@alpha.test"]["quota"] // MIB
        held = box.destination.usage("bruno@alpha.test")["bytes"]
        assert held > 3 * MIB and quota * MIB >= held and quota <= 2 * held // MIB + 1
        creds = {}
        for path in (pathlib.Path(box.dir) / "work" / "wave1" / "credentials").glob("*.json"):
            creds.update(json.loads(path.read_text())["mailwave_credentials"])
        assert content(box.destination, bruno["address"], creds[bruno["address"]]) == content(
            source, bruno["address"], bruno["password"])
        entry = report(box)["bruno@alpha.test"]
        assert entry["verified"] and entry["quota_mib"] == quota
        assert entry["quota_raised"]["to"] == quota and not entry["quota_raised"]["at_maximum"]

        # Nothing more to do: a second run raises nothing and writes nothing.
        writes = len(box.mailcow.writes())
        again = play(box, extra_vars=TINY)
        assert again.rc == 0, again.tail()
        assert len(box.mailcow.writes()) == writes
        assert "quota_raised" not in report(box)["bruno@alpha.test"]
