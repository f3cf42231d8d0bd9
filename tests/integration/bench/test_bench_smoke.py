"""The benchmark harness must not rot: a tiny run of the real machinery, and the loss checker itself."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from bench import corpus, verify
from tests.lib.collection import REPO


@pytest.mark.slow
def test_bench_smoke_run(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("the benchmark starts private Dovecot servers as root")
    tools = ["mbsync"]
    has_imap_sync = (REPO / "plugins" / "modules" / "imap_sync.py").exists()
    if has_imap_sync:
        tools.append("imap_sync")
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--messages", "30", "--latency-ms", "0", "--only", ",".join(tools),
         "--out", str(tmp_path), "--repeat", "2"],
        cwd=REPO, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads((tmp_path / "latest.json").read_text())
    assert result["source"]["messages"] == 30
    rows = {(r["tool"], r["phase"]): r for r in result["results"]}
    assert set(rows) == {(t, p) for t in tools for p in ("first", "rerun")}
    assert len(result["runs"]) == 2 * len(rows) and all(len(r["seconds_all"]) == 2 for r in rows.values())
    mbsync = rows[("mbsync", "first")]
    assert mbsync["ok"] and mbsync["seconds"] > 0 and 0 < mbsync["peak_rss_mb"] < 500
    # the servers' side is measured too: two logins with TLS and 30 messages served and stored cost CPU
    assert all(r["server_cpu_seconds"] > 0 for r in result["runs"] if r["phase"] == "first")
    # The loss check sees what mbsync really does to mail: an X-TUID header on every message, keywords dropped.
    assert mbsync["loss_detail"]["totals"]["body_altered_xtuid"] == 30
    assert not mbsync["loss_clean"] and mbsync["loss_detail"]["lost_flags"]
    assert rows[("mbsync", "rerun")]["loss_clean"]  # no duplicate after the re-run
    if has_imap_sync:
        assert rows[("imap_sync", "first")]["loss_clean"], rows[("imap_sync", "first")]["loss_check"]
    assert "Targets (issue 2):" in proc.stdout
    assert "| mbsync | loopback | first |" in proc.stdout and "server CPU s" in proc.stdout
    assert not list(tmp_path.glob("run-*")), "the work dir (servers, accounts) must be removed after the run"


def test_corpus_is_deterministic(tmp_path):
    one = corpus.manifest(corpus.build(tmp_path / "a", 40, log=lambda _m: None))
    two = corpus.manifest(corpus.build(tmp_path / "b", 40, log=lambda _m: None))
    assert one == two
    assert one["messages"] == 40 and len({e["folder"] for e in one["entries"]}) >= 8
    assert max(e["size"] for e in one["entries"]) >= 9_000_000  # the 10 MB class is there even at 40
    assert any(set(e["flags"]) & set(corpus.KEYWORDS) for e in one["entries"])


def test_utf7_folder_names():
    assert corpus.utf7_folder("Été") == "&AMk-t&AOk-"
    assert corpus.utf7_folder("A&B") == "A&-B"


def _rec(body: bytes, flags=("\\Seen",), date=1_600_000_000):
    return verify._record(body, flags, __import__("datetime").datetime.fromtimestamp(date))  # pylint: disable=protected-access


def test_compare_classifies_differences():
    a = b"Subject: a\r\n\r\nA\r\n"
    b = b"Subject: b\r\n\r\nB\r\n"
    c = b"Subject: c\r\n\r\nC\r\n"
    source = {"INBOX": [_rec(a), _rec(a), _rec(b, ("\\Seen", "Work")), _rec(c)], "Old": [_rec(c)]}
    same = verify.compare(source, {k: list(v) for k, v in source.items()})
    assert same["clean"] and verify.summary(same) == "identical (5 messages)"
    copy = {"INBOX": [_rec(a), _rec(b"X-TUID: abc\r\n" + b, ("\\Seen",)), _rec(c, date=1_600_000_100),
                      _rec(b"Subject: z\r\n\r\nZ\r\n")]}
    diff = verify.compare(source, copy)
    t = diff["totals"]
    assert not diff["clean"]
    assert t["identical"] == 1 and t["missing"] == 2 and t["extra"] == 1  # one duplicate of a lost, folder Old lost
    assert t["body_altered_xtuid"] == 1 and t["flags_differ"] == 1 and t["date_differs"] == 1
    assert t["folder_missing"] == 1 and diff["lost_flags"] == {"Work": 1}


def test_compare_pairs_duplicates_by_date():
    a = b"Subject: a\r\n\r\nA\r\n"
    source = {"INBOX": [_rec(a, (), 1_600_000_000), _rec(a, (), 1_600_000_060)]}
    copy = {"INBOX": [_rec(a, ("\\Seen",), 1_600_000_000), _rec(a, ("\\Seen",), 1_600_000_060)]}
    diff = verify.compare(source, copy)
    assert diff["totals"]["flags_differ"] == 2 and not diff["totals"].get("date_differs")


def test_snapshot_reads_what_imapclient_reads(dovecot, mail_account):
    """The loss check's fast FETCH reader agrees with imapclient on bytes, flags and dates."""
    from tests.servers.dovecot_fixtures import load_corpus

    user, password = mail_account(dovecot)
    load_corpus(dovecot, user, password, folder="Clients/Été")
    dovecot.append(user, password, "INBOX", b"Subject: x\r\n\r\n" + b"z" * 3_000_000 + b"\r\n", flags=("Work",))
    expected = {name: [verify._record(body, flags, date) for body, flags, date in msgs]  # pylint: disable=protected-access
                for name, msgs in dovecot.fetch_all(user, password).items()}
    got = verify.snapshot(dovecot.host, dovecot.port_tls, dovecot.ca_file, user, password)
    assert got == expected
    assert len(got["Clients/Été"]) >= 100 and any(r[2] for r in got["Clients/Été"])
