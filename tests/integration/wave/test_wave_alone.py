"""Each playbook run alone, in the user guide's order, and each one killed after its first change then run again.

The guide's workflow: pre-copy days ahead (`wave --tags preflight,backup,provision,sync`), the switch on
Friday evening (`cutover`), `finalize` the day after, `rollback` if needed. Real servers (sandbox/sandbox.py):
Dovecot sources, the Mailcow emulator on a destination Dovecot, BIND. The example inventory holds a box of
each action: a redirection (alpha.test), a deleted box (beta.test's CSV), a box for a later wave (gamma.test,
progressive cut-over).
"""
from __future__ import annotations

import datetime
import json
import math
import pathlib
import stat
import subprocess
import sys

import dns.query
import dns.tsigkeyring
import dns.update
import pytest

from sandbox.sandbox import DOMAINS, MAILCOW_HOST, OLD_MX, Sandbox
from tests.lib.playbook import run_playbook
from tests.lib.sandbox_dns import query

REPO = pathlib.Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "examples"
INVENTORY = EXAMPLES / "inventory.yml"
MIB = 1048576
PRECOPY = "preflight,backup,provision,sync"

pytestmark = pytest.mark.slow


def play(box, playbook="wave", kill_after=None, **kw):
    env = {"MAILWAVE_SANDBOX": str(box.dir)}
    if kill_after:
        env["MAILWAVE_KILL_AFTER_CHANGE"] = kill_after
    return run_playbook(playbook, INVENTORY, cwd=str(EXAMPLES), env=env, **kw)


def set_mx_ttl(box, zone, ttl):
    state = box.state["dns"]
    keyring = dns.tsigkeyring.from_text({state["key_name"]: state["key_secret"]})
    update = dns.update.Update(zone, keyring=keyring, keyalgorithm=state["key_algorithm"])
    update.replace("@", ttl, "MX", "10 " + OLD_MX)
    assert dns.query.tcp(update, state["server"], port=state["port"], timeout=5).rcode() == 0


def work_dir(box):
    return pathlib.Path(box.dir) / "work" / "wave1"


def cutover_record(box, domain):
    return json.loads((work_dir(box) / "cutover" / f"{domain}.json").read_text())


def epoch(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc).timestamp()


def latest_report(box):
    return json.loads(sorted((work_dir(box) / "reports").glob("*/report.json"))[-1].read_text())


def credentials(box):
    creds = {}
    for path in (work_dir(box) / "credentials").glob("*.json"):
        creds.update(json.loads(path.read_text())["mailwave_credentials"])
    return creds


def content(server, user, password):
    return {folder: sorted(raw for raw, dummy_flags, dummy_date in msgs)
            for folder, msgs in server.fetch_all(user, password).items() if msgs}


def assert_every_box_copied_once(box, domains):
    creds = credentials(box)
    for name in domains:
        for mbox in box.state["domains"][name]["mailboxes"]:
            source = content(box.source_server(name), mbox["address"], mbox["password"])
            assert content(box.destination, mbox["address"], creds[mbox["address"]]) == source, mbox["address"]


def test_playbooks_alone_in_the_guides_order(tmp_path):
    with Sandbox(tmp_path / "sandbox", messages_per_box=2) as box:
        state = box.mailcow.state
        # Provision alone (no preflight in the play): the quotas still come from the sources' sizes
        # (a factor large enough to tell a size-based quota from the minimum).
        quotas = {"mailwave_quota_factor": 1000, "mailwave_quota_min": 1}
        alone = play(box, tags="provision", extra_vars=quotas)
        assert alone.rc == 0, alone.tail()
        sizes = {r["id"]: r["totals"]["bytes"] for task in alone.results("imap_mailboxes_info")
                 for r in task.get("mailboxes", []) if "totals" in r}
        assert len(sizes) == 9
        floors = {"anna@alpha.test": 512, "david@beta.test": 512, "fabien@beta.test": 1024}
        for address, size in sizes.items():
            planned = max(math.ceil(size / MIB * 1000), 1, floors.get(address, 0))
            assert state.mailboxes[address]["quota"] == planned * MIB, address

        # Actions: an alias instead of contact@alpha.test; nothing for the deleted box nor the later one.
        aliases = {a["address"]: a["goto"] for a in state.aliases.values() if not a["self"]}
        assert aliases == {"contact@alpha.test": "anna@alpha.test"}
        assert not {"contact@alpha.test", "stagiaire@beta.test", "jules@gamma.test"} & set(state.mailboxes)
        # A rate limit of his own for bruno@ (the domain's for the others).
        assert state.rl_mbox == {"bruno@alpha.test": ("50", "m")}

        # The pre-copy days ahead, then the Friday-evening switch alone.
        precopy = play(box, tags=PRECOPY, extra_vars=quotas)
        assert precopy.rc == 0, precopy.tail()
        cutover = play(box, "cutover")
        assert cutover.rc == 0, cutover.tail()
        assert_every_box_copied_once(box, DOMAINS)
        for domain in DOMAINS:
            assert query(box, domain, "MX")[1] == [f"10 {MAILCOW_HOST}."]
            assert query(box, f"dkim._domainkey.{domain}", "TXT") is not None
            assert set(cutover_record(box, domain)) == {"mx_ttl_before", "mx_ttl_lowered_at", "mx_switched_at"}
            record = work_dir(box) / "cutover" / f"{domain}.json"
            assert stat.S_IMODE(record.stat().st_mode) == 0o600
            assert stat.S_IMODE(record.parent.stat().st_mode) == 0o700
        # gamma.test is progressive: its later box's mail is relayed to the old MX.
        nexthops = {t["destination"]: t["nexthop"] for t in state.transports.values()}
        assert nexthops == {"gamma.test": "[%s]:25" % OLD_MX.rstrip(".")}

        # Finalize alone right after: refused (mail still reaches the old provider), nothing written.
        writes = len(box.mailcow.writes())
        early = play(box, "finalize")
        assert early.rc != 0
        assert all(s["failures"] == 1 for s in early.stats.values()), early.stats
        assert "Not finalizing alpha.test yet" in early.stdout and "mailwave_finalize_force" in early.stdout
        assert len(box.mailcow.writes()) == writes

        # The day after (the sandbox does not wait): finalize; gamma.test keeps its relay (jules@ waits).
        final = play(box, "finalize", extra_vars=dict(quotas, mailwave_finalize_after=0))
        assert final.rc == 0, final.tail()
        assert {t["destination"] for t in state.transports.values()} == {"gamma.test"}
        report = latest_report(box)
        actions = {m["address"]: m["action"] for d in report["domains"] for m in d["mailboxes"]}
        assert actions["contact@alpha.test"] == "redirect" and actions["stagiaire@beta.test"] == "delete"
        assert actions["jules@gamma.test"] == "later" and actions["anna@alpha.test"] == "migrate"
        assert all(m["verified"] for d in report["domains"] for m in d["mailboxes"] if m["action"] == "migrate")

        rollback = play(box, "rollback")
        assert rollback.rc == 0, rollback.tail()
        for domain in DOMAINS:
            assert query(box, domain, "MX")[1] == ["10 " + OLD_MX]


def test_cutover_resumed_after_the_ttl_was_lowered_still_waits_the_old_ttl_out(tmp_path):
    """Killed right after lowering the MX TTL; the re-run must not switch before the old TTL has run out."""
    with Sandbox(tmp_path / "sandbox", messages_per_box=1) as box:
        set_mx_ttl(box, "alpha.test", 30)
        extra = {"mailwave_mx_low_ttl": 1}
        precopy = play(box, tags=PRECOPY, limit="alpha.test", extra_vars=extra)
        assert precopy.rc == 0, precopy.tail()
        killed = play(box, "cutover", kill_after="Lower the TTL", limit="alpha.test", extra_vars=extra)
        assert killed.rc == -9 and killed.record["killed_after"].endswith("Lower the TTL of the current MX"), killed.tail()
        assert query(box, "alpha.test", "MX") == (1, ["10 " + OLD_MX])
        lowered = cutover_record(box, "alpha.test")
        assert lowered["mx_ttl_before"] == 30 and "mx_switched_at" not in lowered

        resumed = play(box, "cutover", limit="alpha.test", extra_vars=extra)
        assert resumed.rc == 0, resumed.tail()
        plan = [t["result"]["ansible_facts"]["__mailwave_cutover"] for t in resumed.tasks
                if t["task"].endswith("Work out what the cut-over does next")][0]
        assert plan["lower_ttl"] is False and plan["ttl_wait_reason"].startswith("what is left of the old TTL (30s)")
        done = cutover_record(box, "alpha.test")
        # The safety step held: resolvers had the whole old TTL to forget the old MX before the switch.
        assert epoch(done["mx_switched_at"]) >= epoch(lowered["mx_ttl_lowered_at"]) + 30 - 1
        assert query(box, "alpha.test", "MX") == (3600, [f"10 {MAILCOW_HOST}."])  # the inventory's mailwave_mx_ttl


def test_each_playbook_killed_after_its_first_change_finishes_when_run_again(tmp_path):
    """The guide's order, each playbook killed (SIGKILL) at its first change, run again, then once more."""
    steps = [
        ("wave", PRECOPY, {}),
        ("cutover", None, {}),
        # The day after; a smaller minimum quota so that finalize has quotas to shrink.
        ("finalize", None, {"mailwave_finalize_after": 0, "mailwave_quota_min": 1}),
        ("rollback", None, {}),
    ]
    with Sandbox(tmp_path / "sandbox", messages_per_box=2) as box:
        state = box.mailcow.state
        for playbook, tags, extra in steps:
            killed = play(box, playbook, tags=tags, limit="alpha.test", extra_vars=extra, kill_after="*")
            assert killed.rc == -9, (playbook, killed.tail())
            again = play(box, playbook, tags=tags, limit="alpha.test", extra_vars=extra)
            assert again.rc == 0, (playbook, again.tail())
            third = play(box, playbook, tags=tags, limit="alpha.test", extra_vars=extra)
            assert third.rc == 0, (playbook, third.tail())
            assert third.changed_tasks() == [], (playbook, [t["task"] for t in third.changed_tasks()])

            creates = [r for r in box.mailcow.requests if r["action"] == "add" and r["category"] == "mailbox"
                       and r["status"] == 200]
            assert len(creates) <= 3, creates
            assert sorted(m for m in state.mailboxes if m.endswith("@alpha.test")) == [
                "anna@alpha.test", "bruno@alpha.test", "chloe@alpha.test"]
            assert_every_box_copied_once(box, ["alpha.test"])
            # Each user got the new settings once, interrupted or not.
            sent = [m.rcpt_tos for m in box.smtp.messages]
            assert len(sent) == 3 and sorted(set(sent)) == sorted(sent), sent
            if playbook in ("cutover", "finalize"):
                assert query(box, "alpha.test", "MX")[1] == [f"10 {MAILCOW_HOST}."]
            if playbook == "finalize":
                assert state.mailboxes["bruno@alpha.test"]["quota"] == MIB  # shrunk to its size (1 MiB)
                assert state.mailboxes["anna@alpha.test"]["quota"] == 512 * MIB  # the inventory's floor
        assert query(box, "alpha.test", "MX")[1] == ["10 " + OLD_MX]


def test_credentials_encrypted_with_vault_as_the_guide_says_are_read_by_every_later_run(tmp_path):
    vault_pass = tmp_path / "vault-pass"
    vault_pass.write_text("correct horse battery staple\n")
    vault_pass.chmod(0o600)
    vault = ("--vault-password-file", str(vault_pass))
    with Sandbox(tmp_path / "sandbox", messages_per_box=1) as box:
        precopy = play(box, tags=PRECOPY, limit="alpha.test")
        assert precopy.rc == 0, precopy.tail()
        path = work_dir(box) / "credentials" / "alpha.test.json"
        plain = json.loads(path.read_text())["mailwave_credentials"]
        exe = pathlib.Path(sys.executable).with_name("ansible-vault")
        subprocess.run([str(exe), "encrypt", str(path), *vault], check=True, capture_output=True)
        assert path.read_text().startswith("$ANSIBLE_VAULT;")

        again = play(box, tags=PRECOPY, limit="alpha.test", args=vault)
        assert again.rc == 0, again.tail()
        assert again.changed_tasks() == [], [t["task"] for t in again.changed_tasks()]
        cutover = play(box, "cutover", limit="alpha.test", args=vault)
        assert cutover.rc == 0, cutover.tail()
        # Still encrypted, same passwords, and none of them in any output.
        assert path.read_text().startswith("$ANSIBLE_VAULT;")
        for secret in plain.values():
            assert secret not in again.stdout + cutover.stdout
