"""How the batch records one copy's end, row by row: done, paused by the provider, incomplete, failed, retried."""
from __future__ import annotations

import types

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._imap import runner

VERDICT = "paused by the provider: day limit reached; resume after 2026-12-04T00:00:00Z"


def endpoint(host):
    return types.SimpleNamespace(host=host, port=993, preset={})


def finish(outcome, payload):
    job = runner.CopyJob("anna@alpha.test", "alpha.test", endpoint("old.test"), endpoint("new.test"), {})
    batch = runner.BatchRunner([job], max_attempts=3, engine_class=object,
                               clock=lambda: 100.0, wall=lambda: 0.0)
    batch.scheduler.next_job(0.0)  # the copy runs
    job.record["msg"] = "an earlier attempt's message"
    batch._finish(job, outcome, payload, 0.0, 1.0)  # pylint: disable=protected-access
    return job.record


@pytest.mark.parametrize("outcome, payload, status, msg", [
    ("ok", {"complete": True, "paused": None, "totals": {"errors": 0}, "verdict": "all copied"}, "done", None),
    ("ok", {"complete": False, "paused": {"by": "gmail"}, "totals": {"errors": 0}, "verdict": VERDICT},
     "paused", VERDICT),
    # paused without a verdict is still paused (it used to read "done": paused was derived from the message)
    ("ok", {"complete": False, "paused": {"by": "gmail"}, "totals": {"errors": 0}}, "paused", None),
    # a pause with errors is no pause: the copy is incomplete (a box that failed, not one that waits)
    ("ok", {"complete": False, "paused": {"by": "gmail"}, "totals": {"errors": 2}, "verdict": "2 errors"},
     "failed", "2 errors"),
    ("ok", {"complete": False, "paused": None, "totals": {"errors": 1}, "verdict": "1 error"}, "failed", "1 error"),
    ("error", {"kind": "auth", "msg": "login refused"}, "failed", "login refused"),
    ("error", {"kind": "busy", "msg": "server busy", "backoff": 60}, "waiting", "server busy"),
])
def test_one_copy_end(outcome, payload, status, msg):
    record = finish(outcome, payload)
    assert record["status"] == status
    assert record.get("msg") == msg
    assert ("result" in record) == (outcome == "ok")
    assert ("retry_at" in record) == (status == "waiting")


@pytest.mark.parametrize("outcome, payload, kind, paused", [
    ("ok", {"complete": True}, None, False),
    ("ok", {"complete": False, "paused": {"by": "gmail"}, "totals": {}}, None, True),
    ("ok", {"complete": False, "paused": {"by": "gmail"}, "totals": {"errors": 1}}, "incomplete", False),
    ("ok", {"complete": False}, "incomplete", False),
    ("error", {"kind": "timeout", "msg": "slow", "backoff": 5}, "timeout", False),
])
def test_copy_end_sets_paused_where_the_pause_is_seen(outcome, payload, kind, paused):
    _fields, got_kind, _backoff, got_paused = runner.copy_end(outcome, payload)
    assert (got_kind, got_paused) == (kind, paused)
