"""The wave's own modules run as Ansible runs them (own process, args on stdin)."""
from __future__ import annotations

import json
import os
import stat


def test_inventory_check_lists_all_problems_and_hides_secrets(run_module, tmp_path):
    csv = tmp_path / "b.csv"
    csv.write_text("address,quota\ncarol@a.test,big\n")
    res = run_module("inventory_check", {
        "domain": "a.test", "mailboxes_csv": str(csv),
        "mailboxes": [{"address": "anna@a.test", "source_password": "S3cret-pw"}, {"address": "x@b.test"}],
        "source": {"host": "imap.a.test"}})
    assert res.failed and not res.get("crashed")
    assert "4 problem(s)" in res["msg"] and "x@b.test is not in the domain a.test" in res["msg"]
    assert "quota 'big'" in res["msg"] and "S3cret-pw" not in res.stdout


def test_inventory_check_ok(run_module):
    res = run_module("inventory_check", {
        "domain": "a.test", "mailboxes": [{"address": "Anna@a.test", "quota": 10}],
        "source_passwords": {"anna@a.test": "S3cret-pw"}, "source": {"host": "imap.a.test"}})
    assert not res.failed and not res.changed
    assert res["mailboxes"][0]["address"] == "anna@a.test" and res["mailboxes"][0]["has_source_secret"]
    assert "S3cret-pw" not in res.stdout


def test_mailbox_credentials_idempotent_check_mode_and_private(run_module, tmp_path):
    path = tmp_path / "creds" / "a.test.json"
    args = {"path": str(path), "addresses": ["anna@a.test", "bob@a.test"]}
    dry = run_module("mailbox_credentials", args, check_mode=True, diff=True)
    assert dry.changed and dry["created"] == ["anna@a.test", "bob@a.test"] and not path.exists()
    first = run_module("mailbox_credentials", args)
    assert first.changed and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    stored = json.loads(path.read_text())["mailwave_credentials"]
    assert all(pw not in first.stdout for pw in stored.values())
    second = run_module("mailbox_credentials", args)
    assert not second.changed and second["created"] == []
    assert json.loads(path.read_text())["mailwave_credentials"] == stored
    os.chmod(path, 0o644)
    fixed = run_module("mailbox_credentials", args)
    assert fixed.changed and stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_wave_report_and_zone_records(run_module, tmp_path):
    zone = tmp_path / "a.test.zone"
    zone.write_text("$ORIGIN a.test.\n@ 60 IN SOA ns. h. 1 2 3 4 5\n@ 60 IN NS ns.a.test.\n@ 120 IN MX 10 mx.old.test.\n")
    recs = run_module("wave_zone_records", {"src": str(zone), "zone": "a.test"})
    assert recs["mx"] == {"record": "@", "type": "MX", "ttl": 120, "value": ["10 mx.old.test."]}
    missing = run_module("wave_zone_records", {"src": str(tmp_path / "nope"), "zone": "a.test"})
    assert missing.failed and "run the zone_backup phase first" in missing["msg"] and not missing.get("crashed")
    both = run_module("wave_zone_records", {"src": str(zone), "oldest_in": str(tmp_path), "zone": "a.test"})
    assert both.failed and "mutually exclusive" in both["msg"] and not both.get("crashed")
    run_dir = tmp_path / "run"
    res = run_module("wave_report", {"run_dir": str(run_dir), "wave": "w1", "run_id": "r1", "domain": "a.test",
                                     "mailboxes": [{"address": "anna@a.test"}], "dns_before": recs["records"],
                                     "failure": {"phase": "sync", "msg": "imap.a.test: connection refused"}})
    assert not res.failed and not res.changed
    assert res["failed_domains"] == ["a.test"]
    assert "sync failed: imap.a.test: connection refused" in res["summary"][1]
    assert "120 MX 10 mx.old.test." in (run_dir / "report.md").read_text()


def test_zone_records_of_the_oldest_backup(run_module, tmp_path):
    backups = tmp_path / "zones" / "a.test"
    none = run_module("wave_zone_records", {"oldest_in": str(backups), "zone": "a.test"})
    assert not none.failed and (none["src"], none["records"], none["mx"]) == ("", [], None)
    backups.mkdir(parents=True)
    head = "$ORIGIN a.test.\n@ 60 IN SOA ns. h. 1 2 3 4 5\n@ 60 IN NS ns.a.test.\n"
    (backups / "a.test-20261202T090000Z-2.zone").write_text(head + "@ 60 IN MX 10 mx.mailcow.test.\n")
    (backups / "a.test-20261201T080000Z-1.zone").write_text(head + "@ 3600 IN MX 10 mx.old.test.\n")
    # not backups: one being written, checksums and metadata beside them (their names sort first)
    for name in (".a.test-20261130T000000Z-0.zone.tmp", "a.test-20261130T000000Z-0.zone.sha256", "a.test-20261130.json"):
        (backups / name).write_text("not a zone")
    (backups / "a.test-20261129T000000Z-0.d").mkdir()
    oldest = run_module("wave_zone_records", {"oldest_in": str(backups), "zone": "a.test"})
    assert oldest["src"] == str(backups / "a.test-20261201T080000Z-1.zone")
    assert oldest["mx"] == {"record": "@", "type": "MX", "ttl": 3600, "value": ["10 mx.old.test."]}


def test_private_files_write_only_what_differs(run_module, tmp_path):
    files = [{"path": str(tmp_path / "n" / "a.txt"), "content": "pw: S3cret-pw\n"},
             {"path": str(tmp_path / "n" / "b.txt"), "content": "hello é\n"}]
    dry = run_module("private_files", {"files": files}, check_mode=True, diff=True)
    assert dry.changed and not (tmp_path / "n").exists()
    first = run_module("private_files", {"files": files})
    assert first.changed and len(first["written"]) == 2 and "S3cret-pw" not in first.stdout
    assert stat.S_IMODE(os.stat(tmp_path / "n").st_mode) == 0o700
    assert stat.S_IMODE(os.stat(tmp_path / "n" / "a.txt").st_mode) == 0o600
    assert (tmp_path / "n" / "b.txt").read_text(encoding="utf-8") == "hello é\n"
    again = run_module("private_files", {"files": files})
    assert not again.changed and again["unchanged"] == 2
    files[1]["content"] = "changed\n"
    third = run_module("private_files", {"files": files})
    assert third.changed and third["written"] == [files[1]["path"]]
