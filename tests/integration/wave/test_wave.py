"""A whole migration wave on the sandbox: 3 domains x 3 mailboxes, through ansible-playbook.

Real servers (sandbox/sandbox.py): two source Dovecots, the Mailcow emulator on a destination Dovecot,
BIND primary + parent. The playbooks run exactly as a user runs them, on examples/inventory.yml.
"""
from __future__ import annotations

import datetime
import json
import math
import os
import pathlib
import stat
import threading

import pytest
import requests

from sandbox.sandbox import DOMAINS, MAILCOW_HOST, MX_TTL, OLD_MX, Sandbox
from tests.lib.playbook import run_playbook
from tests.lib.sandbox_dns import query

REPO = pathlib.Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "examples"
INVENTORY = EXAMPLES / "inventory.yml"
MIB = 1048576
# The quotas the example inventory gives (inventory.yml and files/beta.test.csv): finalize never goes below them.
INVENTORY_QUOTAS = {"anna@alpha.test": 512, "david@beta.test": 512, "fabien@beta.test": 1024}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    box = Sandbox(tmp_path_factory.mktemp("sandbox"), messages_per_box=6)
    box.start()
    try:
        yield box
    finally:
        box.stop()


def play(sandbox, playbook="wave", **kw):
    env = {"MAILWAVE_SANDBOX": str(sandbox.dir)}
    env.update(kw.pop("env", {}))
    return run_playbook(playbook, INVENTORY, cwd=str(EXAMPLES), env=env, **kw)


def work_dir(sandbox):
    return pathlib.Path(sandbox.dir) / "work" / "wave1"


def latest_report(sandbox):
    reports = sorted((work_dir(sandbox) / "reports").glob("*/report.json"))
    return json.loads(reports[-1].read_text()), reports[-1]


def mailbox_content(server, user, password):
    return {folder: sorted((raw, sorted(flags), str(date)) for raw, flags, date in msgs)
            for folder, msgs in server.fetch_all(user, password).items() if msgs}


def test_whole_wave_second_run_check_mode_and_rollback(sandbox):
    # 0. Check mode on the untouched sandbox predicts changes and makes none.
    serials = {d: query(sandbox, d, "SOA") for d in DOMAINS}
    dry = play(sandbox, check=True)
    assert dry.rc == 0, dry.tail()
    assert dry.changed_tasks(), "check mode should predict the wave's changes"
    assert {d: query(sandbox, d, "SOA") for d in DOMAINS} == serials
    assert sandbox.mailcow.state.domains == {} and sandbox.mailcow.writes() == []
    assert not (work_dir(sandbox) / "credentials").exists()

    # 1. The wave: preflight, backup, provision, sync, cutover, notify; it stops there (finalize is the day
    # after), and the sandbox's day after is now.
    first = play(sandbox)
    assert first.rc == 0, first.tail()
    assert not any(t["task"].endswith("Phase finalize") for t in first.tasks)
    assert set(first.stats) == set(DOMAINS)
    assert all(s["failures"] == 0 for s in first.stats.values()), first.stats

    # Every message of every source mailbox is on the destination: same bytes, flags and dates.
    creds = {}
    for domain in DOMAINS:
        path = work_dir(sandbox) / "credentials" / f"{domain}.json"
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        creds.update(json.loads(path.read_text())["mailwave_credentials"])
    boxes = [b for d in sandbox.state["domains"].values() for b in d["mailboxes"]]
    assert len(boxes) == 9
    for box in boxes:
        source = mailbox_content(sandbox.source_server(box["address"].split("@")[1]), box["address"], box["password"])
        dest = mailbox_content(sandbox.destination, box["address"], creds[box["address"]])
        assert sum(len(v) for v in source.values()) == box["messages"] > 0
        assert dest == source, box["address"]

    # MX switched and verified, TTL restored; the mail records are there.
    for domain in DOMAINS:
        assert query(sandbox, domain, "MX") == (3600, [f"10 {MAILCOW_HOST}."])
        assert query(sandbox, f"autoconfig.{domain}", "CNAME") == (3600, [f"{MAILCOW_HOST}."])
        assert query(sandbox, f"_dmarc.{domain}", "TXT")[1] == ['"v=DMARC1; p=quarantine"']

    # Mailcow domain: GAL off, rate limit 20/min.
    api = sandbox.state["mailcow"]
    dom = requests.get(api["api_url"] + "/api/v1/get/domain/alpha.test", headers={"X-API-Key": api["api_key"]},
                       timeout=10).json()
    assert int(dom["gal"]) == 0 and dom["rl"] == {"value": "20", "frame": "m"}

    # The report: every domain ok, every mailbox verified, DNS before and after, timings.
    report, path = latest_report(sandbox)
    assert [d["status"] for d in report["domains"]] == ["ok", "ok", "ok"]
    for dom_report in report["domains"]:
        moved = [m for m in dom_report["mailboxes"] if m["action"] == "migrate"]
        assert len(moved) == 3 and all(m["verified"] for m in moved)
        assert {m["source"]["messages"] for m in moved} == {6}
        assert sum(m["copy"]["copied"] for m in moved) == 18
        # One box of each other action among the three domains, reported with it.
        assert [m["action"] for m in dom_report["mailboxes"] if m["action"] != "migrate"] == [
            {"alpha.test": "redirect", "beta.test": "delete", "gamma.test": "later"}[dom_report["domain"]]]
        assert any(r["type"] == "MX" and r["value"] == [OLD_MX.join(["10 ", ""])] for r in dom_report["dns"]["before"])
        assert dom_report["dns"]["propagation"]["converged"] is True
        assert set(dom_report["phases"]) == {"preflight", "backup", "provision", "sync", "groupware", "cutover",
                                             "notify"}
        # this sandbox has no DAV or ManageSieve: the groupware phase says so per box and moves nothing
        assert all(m["groupware_notes"] == ["no CardDAV/CalDAV source configured", "no ManageSieve source configured"]
                   and "contacts" not in m for m in moved)
        # the planned quota; the one in force on Mailcow is finalize's, and finalize has not run yet
        assert all(m["quota_mib"] >= 256 and m["quota_final"] is None for m in moved)
    text = path.with_suffix(".md").read_text()
    assert "ines@gamma.test" in text.split("Abandoned-looking mailboxes:")[1]
    assert "quota on Mailcow not set yet for 3 mailbox(es)" in text
    assert "Wave wave1" in first.stdout and "3 ok, 0 failed" in first.stdout
    # Users' messages: French and English, with the new password, private.
    msg = work_dir(sandbox) / "notifications" / "alpha.test" / "anna@alpha.test.fr.txt"
    assert stat.S_IMODE(os.stat(msg).st_mode) == 0o600
    assert creds["anna@alpha.test"] in msg.read_text() and MAILCOW_HOST in msg.read_text()
    for secret in list(creds.values()) + [api["api_key"], sandbox.state["dns"]["key_secret"]]:
        assert secret not in first.stdout + first.stderr
        assert secret not in path.read_text()

    # The day after (the sandbox's is now): finalize shrinks the quotas, never below the inventory's (a
    # minimum of 1 MiB here, so that each box shrinks to what it uses and those with a quota in the inventory keep it).
    final = play(sandbox, "finalize", extra_vars={"mailwave_finalize_after": 0, "mailwave_quota_min": 1})
    assert final.rc == 0, final.tail()
    # Its report shows per box the quota in force on Mailcow and the space used there, as Mailcow lists them.
    report, path = latest_report(sandbox)
    shrunk = []
    for dom_report in report["domains"]:
        listed = {b["username"]: b for b in requests.get(
            api["api_url"] + "/api/v1/get/mailbox/all/" + dom_report["domain"], headers={"X-API-Key": api["api_key"]},
            timeout=10).json()}
        for m in dom_report["mailboxes"]:
            if m["action"] != "migrate":
                assert "quota_final" not in m
                continue
            final_quota = m["quota_final"]
            assert (final_quota["mib"] * MIB, final_quota["used_bytes"]) == (
                listed[m["address"]]["quota"], listed[m["address"]]["quota_used"]), m["address"]
            assert final_quota["used_bytes"] > 0
            # the space used times the margin (1.5), at least 1 MiB, never below the inventory's quota
            expected = max(math.ceil(final_quota["used_bytes"] * 1.5 / MIB), 1, INVENTORY_QUOTAS.get(m["address"], 0))
            assert final_quota["mib"] == expected < final_quota["before_mib"] or (
                final_quota["mib"] == expected == final_quota["before_mib"] and not final_quota["changed"]), m
            assert final_quota["changed"] == (final_quota["before_mib"] != expected), m
            shrunk += [m["address"]] if final_quota["changed"] else []
    assert "bruno@alpha.test" in shrunk and "anna@alpha.test" not in shrunk, shrunk
    text = path.with_suffix(".md").read_text()
    assert "not set yet" not in text
    assert "| anna@alpha.test | migrate | " in text and "| 512 | " in text.split("| anna@alpha.test |")[1].split("\n")[0]
    # With the shrink off, finalize still measures the boxes for its report, and writes nothing to Mailcow.
    finals = {m["address"]: m["quota_final"] for d in report["domains"] for m in d["mailboxes"] if m.get("quota_final")}
    writes = len(sandbox.mailcow.writes())
    unshrunk = play(sandbox, "finalize", extra_vars={"mailwave_finalize_after": 0, "mailwave_shrink_quotas": False})
    assert unshrunk.rc == 0, unshrunk.tail()
    assert len(sandbox.mailcow.writes()) == writes
    report, path = latest_report(sandbox)
    again = {m["address"]: m["quota_final"] for d in report["domains"] for m in d["mailboxes"] if m.get("quota_final")}
    assert again == {a: dict(f, before_mib=f["mib"], changed=False) for a, f in finals.items()}, again

    # 2. A second run changes nothing.
    second = play(sandbox)
    assert second.rc == 0, second.tail()
    assert second.changed_tasks() == [], [(t["host"], t["task"]) for t in second.changed_tasks()]

    # 3. Check mode changes nothing (and predicts no change).
    serials = {d: query(sandbox, d, "SOA") for d in DOMAINS}
    checked = play(sandbox, check=True, diff=True)
    assert checked.rc == 0, checked.tail()
    assert checked.changed_tasks() == [], [(t["host"], t["task"]) for t in checked.changed_tasks()]
    assert {d: query(sandbox, d, "SOA") for d in DOMAINS} == serials

    # 4. Rollback puts the saved mail records back, verified on every authoritative server.
    rolled = play(sandbox, "rollback")
    assert rolled.rc == 0, rolled.tail()
    for domain in DOMAINS:
        assert query(sandbox, domain, "MX") == (3, ["10 " + OLD_MX])
        assert query(sandbox, domain, "TXT")[1] == ['"v=spf1 include:_spf.oldmail.test ~all"']
        assert query(sandbox, f"autodiscover.{domain}", "CNAME") == (300, ["autodiscover.oldmail.test."])
        assert query(sandbox, f"autoconfig.{domain}", "CNAME") is None
    report, dummy = latest_report(sandbox)
    assert all(d["dns"]["propagation"]["converged"] for d in report["domains"])

    # 5. A dead source server fails its domain only (gamma.test), and the report says why.
    sandbox.source_server("gamma.test").stop()
    dead = play(sandbox, tags="preflight")
    assert dead.rc != 0
    assert dead.stats["gamma.test"]["failures"] == 1
    assert dead.stats["alpha.test"]["failures"] == 0 and dead.stats["beta.test"]["failures"] == 0
    report, path = latest_report(sandbox)
    status = {d["domain"]: d for d in report["domains"]}
    assert status["alpha.test"]["status"] == "ok" and status["beta.test"]["status"] == "ok"
    assert status["gamma.test"]["status"] == "failed" and status["gamma.test"]["failed_phase"] == "preflight"
    assert "gaelle@gamma.test" in status["gamma.test"]["error"]
    assert "gamma.test" in path.with_suffix(".md").read_text().split("**Failed in phase `preflight`:**")[0]


def test_bad_inventory_fails_in_preflight_with_the_whole_list(tmp_path):
    (tmp_path / "boxes.csv").write_text("address,quota,password\nzoe@bad.test,lots,hunter2\n")
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(json.dumps({"all": {"hosts": {"bad.test": {
        "mailwave_mailboxes": [{"address": "anna@bad.test"}, {"address": "bob@elsewhere.test"},
                               {"address": "anna@bad.test"}],
        "mailwave_mailboxes_csv": str(tmp_path / "boxes.csv"),
        "mailwave_source": {"host": "127.0.0.1", "port": 1, "security": "ssl"},
    }}, "vars": {
        "ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}",
        "mailwave_work_dir": str(tmp_path / "work"),
        "mailwave_mailcow": {"api_url": "http://127.0.0.1:1", "api_key": "x" * 20},
        "mailwave_mailcow_host": "mail.example.test",
        "mailwave_destination": {"host": "127.0.0.1"},
        "mailwave_dns": {"provider": "rfc2136", "server": "127.0.0.1", "port": 1},
    }}}))
    result = run_playbook("wave", inventory)
    assert result.rc != 0
    failure = [t for t in result.failed_tasks("bad.test") if t["task"] == "Fail the domain (the others go on)"]
    msg = failure[0]["result"]["msg"]
    assert "failed in phase preflight" in msg
    for expected in ("bob@elsewhere.test is not in the domain bad.test", "anna@bad.test is listed twice",
                     "hold secrets", "quota 'lots'", "source.security 'ssl'", "no source password",
                     "Mailcow API http://127.0.0.1:1", "DNS zone bad.test"):
        assert expected in msg, expected
    assert "hunter2" not in result.stdout
    # Nothing was changed: only the report was written.
    assert sorted(p.name for p in (tmp_path / "work").iterdir()) == ["reports"]
    assert [t for t in result.tasks if t["changed"]] == []


def restart_job_at_first_read(emulator, mailbox):
    """Mailcow's runner starts the mailbox's job anew (its interval passed) just before the first read of its
    results, and ends that run before the next read: as imapsync_runner.pl does, holding the runner's lock
    (other ticks exit at once), the job running with success and exit status emptied. Returns the job as each
    of the two reads found it. Should no second read come, the run ends after 120 s all the same, so that a
    role that does not read again fails the test on its result instead of hanging it."""
    reads = []
    handle = emulator.handle
    tick_lock = emulator._tick_lock  # pylint: disable=protected-access

    def finish_once():
        with emulator.lock:
            if len(reads) != 1:
                return
            (job,) = [j for j in emulator.state.syncjobs.values() if j["user2"] == mailbox]
            emulator.state.finish_run(job["id"], reads[0]["returned_text"], 0, "EX_OK", datetime.datetime.now())
            reads.append(dict(job))
        tick_lock.release()

    def handle_with_restart(method, raw_path, *args, **kwargs):
        if method == "GET" and raw_path == "/api/v1/get/syncjobs/" + mailbox:
            if not reads:
                assert tick_lock.acquire(timeout=60)  # the runner's lock first, as a tick takes it before the state's
                with emulator.lock:
                    (job,) = [j for j in emulator.state.syncjobs.values() if j["user2"] == mailbox]
                    emulator.state.start_run(job["id"])
                    reads.append(dict(job))
                timer = threading.Timer(120, finish_once)
                timer.daemon = True
                timer.start()
            else:
                finish_once()
        return handle(method, raw_path, *args, **kwargs)

    emulator.handle = handle_with_restart
    return reads


def test_mailcow_sync_jobs_and_progressive_cutover(tmp_path):
    """The other engine (Mailcow's own sync jobs) and the progressive mode (relay to the old MX)."""
    with Sandbox(tmp_path / "sandbox", messages_per_box=3) as box:
        # mailwave_mx_ttl unset (the example inventory sets 3600): the MX gets its pre-wave TTL back
        # the source as an OVH user writes it: the preset's STARTTLS (issue 10 defect 5: the sync jobs
        # were created with SSL, Mailcow's TLS from the first byte, and failed on a STARTTLS port)
        ovh_source = ("{{ mailwave_sandbox.sources[_src] | dict2items | rejectattr('key', 'equalto', 'security')"
                      " | items2dict | combine({'provider': 'ovh', 'port': mailwave_sandbox.source_starttls_ports[_src]}) }}")
        extra = {"mailwave_sync_engine": "mailcow_syncjob", "mailwave_cutover_mode": "progressive",
                 "mailwave_mx_ttl": None, "mailwave_source": ovh_source,
                 "_src": "{{ mailwave_sandbox.domains[inventory_hostname].source }}"}
        restarted = restart_job_at_first_read(box.mailcow, "anna@alpha.test")
        result = play(box, extra_vars=extra)
        assert result.rc == 0, result.tail()
        state = box.mailcow.state
        # anna@'s job ran anew between the last check and the read of the results: read running without a
        # result, it was read again once that run ended, and counted as the success it is.
        assert [(j["is_running"], j["success"]) for j in restarted] == [(1, None), (0, 1)], restarted
        (first_read,) = [t for t in result.tasks if t["host"] == "alpha.test"
                         and "Read the sync jobs' results with imapsync's statistics" in t["task"]][:1]
        assert first_read["result"]["attempts"] == 2, first_read
        # The wait polls the jobs without their logs (imapsync's whole output each); once they have run, one
        # read with the log per mailbox of the domain gives the results (the three domains share a source
        # host here, as OVH's do: no domain fetches the others' logs), and nothing else reads them.
        reads = [r["path"] for r in box.mailcow.requests if r["method"] == "GET" and r["category"] == "syncjobs"]
        polls = [t for t in result.tasks if "Wait for the sync jobs' run" in t["task"]]
        finals = [t for t in result.tasks if "Read the sync jobs' results with imapsync's statistics" in t["task"]]
        assert polls and len(finals) == len(polls) and all(t["status"] == "ok" for t in polls + finals), result.tail()
        assert all("statistics" not in job for t in polls for job in t["result"]["syncjobs"])
        per_box = sorted("/api/v1/get/syncjobs/" + m for t in finals for _attempt in range(t["result"]["attempts"])
                         for m in t["result"]["invocation"]["module_args"]["mailboxes"])
        assert sorted(p for p in reads if not p.endswith("/no_log")) == per_box and len(per_box) >= 9 + 3, reads
        assert all(j["mailbox"].endswith("@" + t["host"]) for t in polls + finals for j in t["result"]["syncjobs"])
        assert len([p for p in reads if p.endswith("/no_log")]) >= len(polls)
        # The results come from that read: the copies' numbers are imapsync's, every source message copied.
        report, dummy = latest_report(box)
        moved = [m for d in report["domains"] for m in d["mailboxes"] if m["action"] == "migrate"]
        assert moved and all(m["copy"]["copied"] == m["source"]["messages"] > 0 for m in moved), moved
        # Progressive: after the switch, unknown recipients are relayed to the old provider's MX.
        nexthops = {t["destination"]: t["nexthop"] for t in state.transports.values()}
        assert nexthops == {d: "[%s]:25" % OLD_MX.rstrip(".") for d in DOMAINS}
        assert all(int(d["relay_unknown_only"]) == 1 for d in state.domains.values())
        final = play(box, "finalize", extra_vars=dict(extra, mailwave_finalize_after=0))
        assert final.rc == 0, final.tail()
        # One job per mailbox, disabled by finalize; every message copied by Mailcow's runner.
        assert {(job["enc1"], int(job["port1"])) for job in state.syncjobs.values()} == {
            ("TLS", port) for port in box.state["source_starttls_ports"].values()}
        assert len(state.syncjobs) == 9 and not any(job["active"] for job in state.syncjobs.values())
        # The relay ends with the last box moved: alpha.test and beta.test; gamma.test's jules@ waits.
        assert {t["destination"] for t in state.transports.values()} == {"gamma.test"}
        relaying = {name: int(d["relay_unknown_only"]) for name, d in state.domains.items()}
        assert relaying == {"alpha.test": 0, "beta.test": 0, "gamma.test": 1}
        creds = {}
        for domain in DOMAINS:
            creds.update(json.loads((work_dir(box) / "credentials" / f"{domain}.json").read_text())["mailwave_credentials"])
        for dom in box.state["domains"].values():
            for mbox in dom["mailboxes"]:
                source = mailbox_content(box.source_server(mbox["address"].split("@")[1]), mbox["address"],
                                         mbox["password"])
                dest = mailbox_content(box.destination, mbox["address"], creds[mbox["address"]])
                # Every source message is there exactly once, after three runs of each job.
                for folder, messages in source.items():
                    assert sorted(m[0] for m in messages) == sorted(m[0] for m in dest[folder]), (mbox, folder)
        for domain in DOMAINS:
            assert query(box, domain, "MX") == (MX_TTL, [f"10 {MAILCOW_HOST}."])
        report, dummy = latest_report(box)
        assert [d["status"] for d in report["domains"]] == ["ok", "ok", "ok"]
        assert all(m["verified"] for d in report["domains"] for m in d["mailboxes"] if m["action"] == "migrate")


def test_copies_spread_over_sync_workers(tmp_path):
    """With a sync_workers group, the copies run on those hosts (delegate_to), round-robin."""
    workers = tmp_path / "workers.yml"
    workers.write_text("sync_workers:\n  hosts:\n    worker1:\n    worker2:\n")
    with Sandbox(tmp_path / "sandbox", messages_per_box=2) as box:
        result = play(box, tags="preflight,provision,sync", args=("-i", str(workers)))
        assert result.rc == 0, result.tail()
        assert set(result.stats) == set(DOMAINS), "workers are not migrated as domains"
        for domain in DOMAINS:
            assert f"[{domain} -> worker1]" in result.stdout and f"[{domain} -> worker2]" in result.stdout
        report, dummy = latest_report(box)
        assert all(m["verified"] and m["copy"]["copied"] == 2 for d in report["domains"] for m in d["mailboxes"]
                   if m["action"] == "migrate")
