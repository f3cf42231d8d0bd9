"""Two imap_sync_batch runs at once (two domains of a wave) sharing one host budget on real Dovecots:
together they never hold more copies than `parallel` nor more connections on a server than its budget,
measured on the server's side (a proxy in front of the source counts the connections open at once) and
in the ledger's history; and a ledger entry left by a killed batch holds no room."""
from __future__ import annotations

import json
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.integration.imap.test_imap_sync import assert_clean, snapshot
from tests.integration.imap.test_imap_sync_batch import _boxes

pytestmark = pytest.mark.slow

PARALLEL, BUDGET, CONNECTIONS = 3, 6, 2


def test_two_batches_share_one_budget(dovecot, mail_account, run_module, tcp_proxy, tmp_path):
    proxy = tcp_proxy("127.0.0.1", dovecot.port_tls)
    source = "127.0.0.1:%d" % proxy.port
    shared = tmp_path / "budget"
    shared.mkdir(mode=0o700)
    # a batch killed earlier left an entry holding the whole budget: its pid no longer runs
    dead = subprocess.Popen(["true"])  # pylint: disable=consider-using-with
    dead.wait()
    (shared / "budget.json").write_text(json.dumps({"holders": [
        {"pid": dead.pid, "start": 1, "job": "gone", "servers": {source: BUDGET}}] * PARALLEL}))

    batches = []
    for name in ("a", "b"):
        boxes = _boxes(dovecot, mail_account, domains=1, per_domain=4, messages=8)
        jobs = []
        for domain, src, dst in boxes:
            settings = dict(dovecot.settings(*src), port=proxy.port)
            jobs.append({"id": dst[0], "domain": name + domain, "source": settings,
                         "destination": dovecot.settings(*dst),
                         "options": {"state_dir": str(tmp_path / "state" / dst[0])}})
        # alone, each batch would run 3 copies: 6 source connections; both together 12
        params = {"jobs": jobs, "options": {"connections": CONNECTIONS, "max_messages_per_second": 4},
                  "parallel": PARALLEL, "server_connections": BUDGET, "shared_budget_dir": str(shared)}
        batches.append((boxes, params))
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda batch: run_module("imap_sync_batch", batch[1], timeout=300), batches))

    for (boxes, _params), result in zip(batches, results):
        assert_clean(result, *[src[1] for _d, src, _t in boxes], *[dst[1] for _d, _s, dst in boxes])
        assert not result.failed and result["failed_jobs"] == [], [r.get("msg") for r in result["results"]]
        for _d, src, dst in boxes:
            assert snapshot(dovecot, *dst) == snapshot(dovecot, *src)
    # server side: never more than the budget of connections on the source at once
    assert 0 < proxy.peak_live <= BUDGET
    history = [json.loads(line) for line in (shared / "history.jsonl").read_text().splitlines()]
    assert len(history) == 8
    assert max(line["copies"] for line in history) <= PARALLEL
    assert max(line["connections"][source] for line in history) <= BUDGET
    # the bound was reached by both batches at once (so it was the shared ledger that held them back)
    assert any(line["batches"] == 2 and line["copies"] == PARALLEL for line in history)
    assert json.loads((shared / "budget.json").read_text()) == {"holders": []}
