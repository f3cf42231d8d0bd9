"""Every Mailcow module, run as Ansible runs it, against the emulator: create, re-run unchanged (no write sent),
update, check mode (no write), diff, remove; errors become clear failures; secrets never leak."""
from __future__ import annotations

import pytest

DOMAIN_ARGS = dict(domain="migr.test", description="Migration", max_mailboxes=3, max_aliases=50, quota=4096,
                   max_quota=2048, default_quota=1024, gal=False, rate_limit="20/m", active=True)


def assert_clean(result, *secrets):
    """No crash, and no secret anywhere in what the module printed."""
    assert not result.get("crashed"), result.stdout + result.stderr
    for secret in secrets:
        assert secret not in result.stdout
        assert secret not in result.stderr


def lifecycle(mailcow, run_module, module, args, update, check_after, *secrets):
    """Create, re-run, update, re-run, remove, each first in check mode; returns the results by step."""
    out = {}
    before = len(mailcow.writes())
    res = run_module(module, args, check_mode=True, diff=True)
    assert_clean(res, *secrets)
    assert res.changed and not res.failed, res
    assert len(mailcow.writes()) == before, "check mode sent a write"
    res = run_module(module, args, diff=True)
    assert_clean(res, *secrets)
    assert res.changed and not res.failed, res
    assert res["diff"]["before"] == {}
    out["create"] = res
    before = len(mailcow.writes())
    res = run_module(module, args)
    assert_clean(res, *secrets)
    assert not res.changed and not res.failed, res
    assert len(mailcow.writes()) == before, "a re-run sent a write: %s" % mailcow.writes()[before:]
    updated = dict(args, **update)
    res = run_module(module, updated, check_mode=True, diff=True)
    assert res.changed and not res.failed, res
    assert len(mailcow.writes()) == before, "check mode sent a write"
    res = run_module(module, updated, diff=True)
    assert_clean(res, *secrets)
    assert res.changed and not res.failed, res
    assert res["diff"]["before"] != res["diff"]["after"]
    check_after(res)
    out["update"] = res
    before = len(mailcow.writes())
    res = run_module(module, updated)
    assert not res.changed and not res.failed, res
    assert len(mailcow.writes()) == before
    absent = dict(updated, state="absent")
    res = run_module(module, absent, check_mode=True)
    assert res.changed and len(mailcow.writes()) == before
    res = run_module(module, absent, diff=True)
    assert res.changed and not res.failed, res
    assert res["diff"]["after"] == {}
    before = len(mailcow.writes())
    res = run_module(module, absent)
    assert not res.changed and not res.failed and len(mailcow.writes()) == before
    return out


def make_domain(mailcow, run_module, **extra):
    res = run_module("mailcow_domain", mailcow.api_args(**dict(DOMAIN_ARGS, **extra)))
    assert res.changed and not res.failed, res
    return res


def seed(mailcow, *locals_):
    """migr.test (as DOMAIN_ARGS) and mailboxes (1 GiB or (name, MiB)), straight into the emulator (setup, not under test)."""
    entries = mailcow.state.add_domain({"domain": "migr.test", "description": "Migration", "mailboxes": 3,
                                        "aliases": 50, "quota": 4096, "maxquota": 2048, "defquota": 1024,
                                        "gal": 0, "rl_value": 20, "rl_frame": "m"})
    assert entries[-1]["msg"] == ["domain_added", "migr.test"]
    for local in locals_:
        local, quota = local if isinstance(local, tuple) else (local, 1024)
        entries = mailcow.state.add_mailbox({"local_part": local, "domain": "migr.test", "quota": quota,
                                             "password": "Secret123!", "password2": "Secret123!"})
        assert entries[-1]["msg"] == ["mailbox_added", local + "@migr.test"], entries


def make_mailbox(mailcow, run_module, local, quota=1024, password="Secret123!"):
    res = run_module("mailcow_mailbox", mailcow.api_args(address=local + "@migr.test", password=password, quota=quota))
    assert res.changed and not res.failed, res
    return res


@pytest.mark.slow
def test_domain_lifecycle(mailcow, run_module):
    def check(res):
        dom = mailcow.state.domains["migr.test"]
        assert (dom["quota"], dom["maxquota"], dom["gal"]) == (8192, 4096, 1)
        assert mailcow.state.rl_domain["migr.test"] == ("5", "h")
        assert (dom["relay_unknown_only"], dom["relay_all_recipients"], dom["backupmx"]) == (1, 1, 1)
        assert sorted(res["changes"]) == ["gal", "max_quota", "quota", "rate_limit", "relay_unknown_only"]
        assert res["domain"]["rate_limit"] == "5/h"

    out = lifecycle(mailcow, run_module, "mailcow_domain", mailcow.api_args(**DOMAIN_ARGS),
                    dict(quota=8192, max_quota=4096, gal=True, rate_limit="5/h", relay_unknown_only=True), check)
    created = out["create"]["domain"]
    predicted = run_module("mailcow_domain", mailcow.api_args(**dict(DOMAIN_ARGS, domain="other.test")),
                           check_mode=True)["domain"]
    assert predicted == dict(created, domain="other.test", description="Migration")
    assert created["quota"] == 4096 and created["max_quota"] == 2048 and created["default_quota"] == 1024
    assert created["rate_limit"] == "20/m" and created["gal"] is False
    assert "migr.test" not in mailcow.state.domains


def test_domain_cut_over_turns_relaying_off(mailcow, run_module):
    make_domain(mailcow, run_module, relay_unknown_only=True)
    assert mailcow.state.domains["migr.test"]["backupmx"] == 1
    res = run_module("mailcow_domain", mailcow.api_args(domain="migr.test", relay_unknown_only=False, rate_limit=""))
    assert res.changed, res
    dom = mailcow.state.domains["migr.test"]
    assert (dom["relay_unknown_only"], dom["relay_all_recipients"], dom["backupmx"]) == (0, 0, 0)
    assert "migr.test" not in mailcow.state.rl_domain


@pytest.mark.slow
def test_mailbox_lifecycle_and_password_never_shown(mailcow, run_module):
    seed(mailcow)
    password, new_password = "Initial-Secret-42", "Changed-Secret-43"
    args = mailcow.api_args(address="alice@migr.test", name="Alice A", password=password, quota=1024, tags=["t1"])

    def check(res):
        box = mailcow.state.mailboxes["alice@migr.test"]
        assert box["quota"] == 2048 * 1048576 and box["name"] == "Alice B" and box["active"] == 0
        assert box["password"] == password  # update_password=on_create: not sent on update
        assert res["mailbox"]["quota"] == 2048 and res["mailbox"]["active"] is False

    out = lifecycle(mailcow, run_module, "mailcow_mailbox", args, dict(quota=2048, name="Alice B", active=False),
                    check, password, mailcow.rw_key)
    for res in out.values():
        assert "password" not in res["mailbox"]
    # update_password=always sends the new password and says so
    make_mailbox(mailcow, run_module, "bob", password=password)
    before = len(mailcow.writes())
    res = run_module("mailcow_mailbox", mailcow.api_args(address="bob@migr.test", password=new_password,
                                                         update_password="always"))
    assert_clean(res, new_password, mailcow.rw_key)
    assert res.changed and res["changes"] == ["password"]
    assert mailcow.state.mailboxes["bob@migr.test"]["password"] == new_password
    assert len(mailcow.writes()) == before + 1


def test_mailbox_without_quota_gets_domain_default(mailcow, run_module):
    seed(mailcow)
    res = run_module("mailcow_mailbox", mailcow.api_args(address="carol@migr.test", password="abcdef1"))
    assert res.changed and res["mailbox"]["quota"] == 1024, res
    # re-run without quota: nothing to compare, nothing sent
    before = len(mailcow.writes())
    res = run_module("mailcow_mailbox", mailcow.api_args(address="carol@migr.test", password="abcdef1"))
    assert not res.changed and len(mailcow.writes()) == before


def test_mailbox_tags_are_added_not_replaced(mailcow, run_module):
    seed(mailcow)
    run_module("mailcow_mailbox", mailcow.api_args(address="t@migr.test", password="abcdef1", quota=1, tags=["a"]))
    res = run_module("mailcow_mailbox", mailcow.api_args(address="t@migr.test", tags=["b"]))
    assert res.changed and mailcow.state.mailboxes["t@migr.test"]["tags"] == ["a", "b"]
    before = len(mailcow.writes())
    res = run_module("mailcow_mailbox", mailcow.api_args(address="t@migr.test", tags=["b", "a"]))
    assert not res.changed and len(mailcow.writes()) == before


def test_mailbox_rate_limit_of_its_own(mailcow, run_module):
    """The guide: 50/min for someone who writes to many; other boxes keep the domain's 20/m."""
    seed(mailcow, "bob")
    res = run_module("mailcow_mailbox", mailcow.api_args(address="bob@migr.test", rate_limit="50/m"), check_mode=True)
    assert res.changed and not mailcow.writes()
    res = run_module("mailcow_mailbox", mailcow.api_args(address="bob@migr.test", rate_limit="50/m"))
    assert res.changed and res["mailbox"]["rate_limit"] == "50/m", res
    assert mailcow.state.rl_mbox["bob@migr.test"] == ("50", "m")
    before = len(mailcow.writes())
    res = run_module("mailcow_mailbox", mailcow.api_args(address="bob@migr.test", rate_limit="50 / m"))
    assert not res.changed and len(mailcow.writes()) == before
    # A new box created with its limit; an empty value removes it (the domain's applies again).
    res = run_module("mailcow_mailbox", mailcow.api_args(address="carl@migr.test", password="abcdef1", quota=1,
                                                         rate_limit="100/h"))
    assert res.changed and res["mailbox"]["rate_limit"] == "100/h", res
    res = run_module("mailcow_mailbox", mailcow.api_args(address="bob@migr.test", rate_limit=""))
    assert res.changed and res["mailbox"]["rate_limit"] == "" and "bob@migr.test" not in mailcow.state.rl_mbox
    res = run_module("mailcow_mailbox", mailcow.api_args(address="bob@migr.test", rate_limit="lots"))
    assert res.failed and "rate_limit 'lots' is not valid" in res["msg"]


SYNC_ARGS = dict(mailbox="alice@migr.test", host="IMAP.Old-Provider.test", user="alice@old.test",
                 password="Old-Source-Pass-9", encryption="ssl", interval=20, exclude="(?i)spam|(?i)junk",
                 custom_params="--nosyncacls --syncinternaldates", automap=True, max_age=0,
                 max_bytes_per_second=0, timeout_source=600, timeout_destination=600, subfolder="",
                 delete2duplicates=True, delete1=False, delete2=False, skip_cross_duplicates=False,
                 subscribe_all=True, dry=False, active=True)


@pytest.mark.slow
def test_syncjob_lifecycle_every_field(mailcow, run_module):
    seed(mailcow, "alice")

    def check(res):
        job = list(mailcow.state.syncjobs.values())[0]
        assert (job["mins_interval"], job["maxage"], job["delete2"], job["active"]) == (30, 30, 1, 0)
        assert job["maxbytespersecond"] == "500000" and job["timeout1"] == 300 and job["subfolder2"] == "Old"
        assert job["password1"] == SYNC_ARGS["password"]
        assert res["syncjob"]["interval"] == 30 and "password" not in res["syncjob"]

    lifecycle(mailcow, run_module, "mailcow_syncjob", mailcow.api_args(**SYNC_ARGS),
              dict(interval=30, max_age=30, delete2=True, active=False, max_bytes_per_second=500000,
                   timeout_source=300, subfolder="Old"), check, SYNC_ARGS["password"], mailcow.rw_key)
    assert not mailcow.state.syncjobs


def test_syncjob_defaults_always_send_exclude_and_active(mailcow, run_module):
    seed(mailcow, "bob")
    res = run_module("mailcow_syncjob", mailcow.api_args(mailbox="bob@migr.test", host="imap.old.test",
                                                         user="bob@old.test", password="x"))
    assert res.changed and not res.failed, res
    job = list(mailcow.state.syncjobs.values())[0]
    assert job["exclude"] == "" and job["active"] == 1 and job["port1"] == 143 and job["enc1"] == "TLS"
    assert job["delete2duplicates"] == 1 and job["subscribeall"] == 1 and job["mins_interval"] == 20
    assert res["syncjob"]["id"] == job["id"]


def test_syncjob_run_now(mailcow, run_module):
    seed(mailcow, "alice")
    args = mailcow.api_args(**SYNC_ARGS)
    assert run_module("mailcow_syncjob", args).changed
    # never ran: it runs at the next tick anyway, nothing to send
    before = len(mailcow.writes())
    res = run_module("mailcow_syncjob", dict(args, run_now=True))
    assert not res.changed and len(mailcow.writes()) == before
    assert mailcow.tick() == [1]
    assert mailcow.state.syncjobs[1]["last_run"] is not None
    res = run_module("mailcow_syncjob", dict(args, run_now=True), check_mode=True)
    assert res.changed and len(mailcow.writes()) == before
    res = run_module("mailcow_syncjob", dict(args, run_now=True))
    assert res.changed and res["changes"] == ["run_now"]
    assert mailcow.state.syncjobs[1]["last_run"] is None


@pytest.mark.parametrize("custom, reason", [
    ("--regextrans2=s/a/b/", "blacklisted by Mailcow (bad option regextrans2)"),
    ("--skipmess x", "bad character SPACE"),
    ("--frobnicate", "bad option frobnicate"),
])
def test_syncjob_refuses_custom_params_mailcow_rejects(mailcow, run_module, custom, reason):
    seed(mailcow, "alice")
    before = len(mailcow.writes())
    res = run_module("mailcow_syncjob", mailcow.api_args(**dict(SYNC_ARGS, custom_params=custom)))
    assert res.failed and reason in res["msg"], res
    assert len(mailcow.writes()) == before and not mailcow.state.syncjobs


@pytest.mark.parametrize("field, value, words", [
    ("exclude", "(unclosed", "not a valid regular expression"),
    ("exclude", "a/b", "unescaped '/'"),
    ("interval", 0, "interval must be between 1 and 43800"),
    ("max_age", 40000, "max_age must be between 0 and 32000"),
    ("port", 70000, "port must be between 1 and 65535"),
])
def test_syncjob_refuses_values_mailcow_would_mangle(mailcow, run_module, field, value, words):
    res = run_module("mailcow_syncjob", mailcow.api_args(**dict(SYNC_ARGS, **{field: value})))
    assert res.failed and words in res["msg"], res
    assert not mailcow.writes()


def test_syncjob_info_parses_statistics(mailcow, run_module):
    seed(mailcow, "alice", "bob")
    run_module("mailcow_syncjob", mailcow.api_args(**SYNC_ARGS))
    run_module("mailcow_syncjob", mailcow.api_args(**dict(SYNC_ARGS, mailbox="bob@migr.test", user="bob@old.test")))
    log = "\n".join([
        "++++ Statistics",
        "Transfer started on                     : Sun Nov 22 15:06:00 2026",
        "Folders synced                          : 7/7 synced",
        "Messages transferred                    : 1200 ",
        "Messages skipped                        : 3 ",
        "Messages deleted on host1               : 0",
        "Messages deleted on host2               : 2",
        "Total bytes transferred                 : 73400320 (70.000 MiB)",
        "Total bytes skipped                     : 2048 (2.000 KiB)",
        "The sync looks good, all 1203 identified messages in host1 are on host2.",
        "Detected 1 errors",
        "Exiting with return value 0 (EX_OK: successful termination) 1/50 nb_errors/max_errors PID 42"])
    mailcow.set_syncjob_result(1, success=1, exit_status="EX_OK", log_text=log)
    mailcow.fail_next_runs("EXIT_AUTHENTICATION_FAILURE")
    assert mailcow.tick() == [2]
    res = run_module("mailcow_syncjob_info", mailcow.api_args(key=mailcow.ro_key))
    assert not res.changed and not res.failed, res
    jobs = {j["mailbox"]: j for j in res["syncjobs"]}
    stats = jobs["alice@migr.test"]["statistics"]
    assert (stats["messages_transferred"], stats["messages_skipped"], stats["errors"]) == (1200, 3, 1)
    assert (stats["bytes_transferred"], stats["bytes_skipped"]) == (73400320, 2048)
    assert (stats["folders_synced"], stats["messages_deleted_destination"]) == (7, 2)
    assert stats["exit_status"] == "EX_OK" and stats["exit_message"] == "successful termination"
    assert stats["verdict"] == ["The sync looks good, all 1203 identified messages in host1 are on host2."]
    assert jobs["alice@migr.test"]["success"] is True and "log" not in jobs["alice@migr.test"]
    bob = jobs["bob@migr.test"]
    assert bob["success"] is False and bob["exit_status"] == "EXIT_AUTHENTICATION_FAILURE"
    assert bob["statistics"]["exit_code"] == 16
    res = run_module("mailcow_syncjob_info", mailcow.api_args(mailbox="bob@migr.test", include_log=True))
    assert [j["mailbox"] for j in res["syncjobs"]] == ["bob@migr.test"]
    assert "Exiting with return value 16" in res["syncjobs"][0]["log"]
    assert SYNC_ARGS["password"] not in res.stdout


@pytest.mark.slow
def test_alias_and_catch_all_lifecycle(mailcow, run_module):
    seed(mailcow, "alice", "bob")

    def check(res):
        alias = [a for a in mailcow.state.aliases.values() if a["address"] == "@migr.test"][0]
        assert alias["goto"] == "alice@migr.test,bob@migr.test" and alias["active"] == 1
        assert res["alias"]["catch_all"] is True

    lifecycle(mailcow, run_module, "mailcow_alias", mailcow.api_args(address="@migr.test", goto=["alice@migr.test"]),
              dict(goto=["bob@migr.test", "alice@migr.test"]), check)


@pytest.mark.slow
def test_transport_lifecycle_password_never_shown(mailcow, run_module):
    secret = "Relay-Secret-77"

    def check(res):
        transport = list(mailcow.state.transports.values())[0]
        assert transport["nexthop"] == "[192.0.2.25]" and transport["password"] == secret
        assert "password" not in res["transport"]

    lifecycle(mailcow, run_module, "mailcow_transport",
              mailcow.api_args(destination="migr.test", nexthop="[mx.old-provider.test]:25", username="relay",
                               password=secret),
              dict(nexthop="192.0.2.25"), check, secret)


def test_dkim_existing_created_and_removed(mailcow, run_module):
    seed(mailcow)
    res = run_module("mailcow_dkim", mailcow.api_args(domain="migr.test"))
    assert not res.changed and not res.failed, res
    key = mailcow.state.dkim["migr.test"]["pubkey"]
    assert res["dkim"]["txt_value"] == "v=DKIM1;k=rsa;t=s;s=email;p=" + key
    assert res["dkim"]["txt_name"] == "dkim._domainkey.migr.test" and res["dkim"]["length"] == "1024"
    res = run_module("mailcow_dkim", mailcow.api_args(domain="migr.test", selector="mw2026"))
    assert not res.changed and "selector dkim" in str(res.get("warnings"))
    assert run_module("mailcow_dkim", mailcow.api_args(domain="migr.test", state="absent")).changed
    assert "migr.test" not in mailcow.state.dkim
    res = run_module("mailcow_dkim", mailcow.api_args(domain="migr.test", selector="mw2026", key_size=1024),
                     check_mode=True)
    assert res.changed and res["dkim"]["txt_value"] is None and "migr.test" not in mailcow.state.dkim
    res = run_module("mailcow_dkim", mailcow.api_args(domain="migr.test", selector="mw2026", key_size=1024))
    assert res.changed and res["dkim"]["length"] == "1024"
    assert res["dkim"]["txt_name"] == "mw2026._domainkey.migr.test"
    before = len(mailcow.writes())
    assert not run_module("mailcow_dkim", mailcow.api_args(domain="migr.test", selector="mw2026")).changed
    assert len(mailcow.writes()) == before


def test_info_reports_usage_and_dkim(mailcow, run_module):
    seed(mailcow, "alice")
    make_mailbox(mailcow, run_module, "bob", quota=0)
    mailcow.set_usage("alice@migr.test", 123456789, 4321)
    res = run_module("mailcow_info", mailcow.api_args(key=mailcow.ro_key, domains=["migr.test", "nope.test"]))
    assert not res.changed and not res.failed, res
    assert res["missing_domains"] == ["nope.test"]
    dom = res["domains"][0]
    assert (dom["bytes_used"], dom["messages"], dom["mailboxes_count"]) == (123456789, 4321, 2)
    assert dom["dkim"]["selector"] == "dkim" and dom["dkim"]["txt_value"].startswith("v=DKIM1;")
    boxes = {b["address"]: b for b in res["mailboxes"]}
    assert boxes["alice@migr.test"]["quota_used"] == 123456789 and boxes["alice@migr.test"]["messages"] == 4321
    assert boxes["alice@migr.test"]["percent_in_use"] == 11
    assert boxes["bob@migr.test"]["quota"] == 0 and boxes["bob@migr.test"]["percent_in_use"] is None
    assert not mailcow.writes()[-1]["path"].startswith("/api/v1/get")


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize("module, args, key, words", [
    ("mailcow_domain", dict(domain="q1.test", default_quota=3000, max_quota=2048, quota=4096),
     "mailbox_defquota_exceeds_mailbox_maxquota", "default mailbox quota (3000 MiB) is larger than the maximum"),
    ("mailcow_domain", dict(domain="q2.test", default_quota=100, max_quota=5000, quota=4096),
     "mailbox_quota_exceeds_domain_quota", "(5000 MiB) is larger than the whole domain quota (4096 MiB)"),
    ("mailcow_domain", dict(domain="mail.example.org"), "domain_cannot_match_hostname", "Mailcow's own host name"),
    ("mailcow_domain", dict(domain="bad_domain!"), "domain_invalid", "not a valid domain name"),
    ("mailcow_domain", dict(domain="migr.test", max_mailboxes=1), "mailboxes_in_use",
     "already has 2 mailboxes, more than the requested max_mailboxes"),
    ("mailcow_domain", dict(domain="migr.test", max_quota=1000, default_quota=500), "max_quota_in_use",
     "already has a quota of 2048 MiB"),
    ("mailcow_domain", dict(domain="migr.test", quota=3000, max_quota=2048, default_quota=500),
     "domain_quota_m_in_use", "already hold 3072 MiB"),
    ("mailcow_domain", dict(domain="migr.test", state="absent"), "domain_not_empty", "still has mailboxes"),
    ("mailcow_mailbox", dict(address="carol@migr.test", password="abcdef1", quota=3000), "mailbox_quota_exceeded",
     "mailbox quota 3000 MiB exceeds the domain maximum of 2048 MiB"),
    ("mailcow_mailbox", dict(address="carol@migr.test", password="abcdef1", quota=2048),
     "mailbox_quota_left_exceeded", "mailbox quota 2048 MiB exceeds what the domain quota still allows"),
    ("mailcow_mailbox", dict(address="carol@migr.test", password="abc", quota=1), "password_complexity",
     "password policy"),
    ("mailcow_mailbox", dict(address="bad local@migr.test", password="abcdef1", quota=1), "mailbox_invalid",
     "not a valid mailbox address"),
    ("mailcow_mailbox", dict(address="x@nowhere.test", password="abcdef1", quota=1), "access_denied",
     "domain nowhere.test does not exist"),
    ("mailcow_mailbox", dict(address="x@nowhere.test", password="abcdef1"), None,
     "domain nowhere.test does not exist"),
    ("mailcow_syncjob", dict(mailbox="nobody@migr.test", host="h.test", user="u", password="p"), "access_denied",
     "mailbox nobody@migr.test does not exist"),
    ("mailcow_alias", dict(address="alice@migr.test", goto=["bob@migr.test"]), "is_alias_or_mailbox",
     "already exists as a mailbox or an alias"),
    ("mailcow_alias", dict(address="x@nowhere.test", goto=["bob@migr.test"]), "domain_not_found",
     "domain nowhere.test does not exist"),
    ("mailcow_alias", dict(address="y@migr.test", goto=["not an address"]), "goto_invalid", "not a valid address"),
    ("mailcow_transport", dict(destination="bad_dest!", nexthop="mx.test:25"), "invalid_destination",
     "transport destination bad_dest! is invalid"),
    ("mailcow_dkim", dict(domain="nowhere.test"), "dkim_domain_or_sel_invalid", "DKIM key for nowhere.test"),
])
def test_mailcow_errors_become_clear_failures(mailcow, run_module, module, args, key, words):
    seed(mailcow, "alice", ("bob", 2048))
    res = run_module(module, mailcow.api_args(**args))
    assert_clean(res, mailcow.rw_key, "abcdef1")
    assert res.failed, res
    assert words in res["msg"], res["msg"]
    assert res.get("mailcow_error") == key


def test_read_only_key_cannot_write(mailcow, run_module):
    res = run_module("mailcow_domain", mailcow.api_args(key=mailcow.ro_key, domain="ro.test"))
    assert_clean(res, mailcow.ro_key)
    assert res.failed and "read-only" in res["msg"] and res["http_status"] == 403, res
    assert "ro.test" not in mailcow.state.domains


def test_bad_key(mailcow, run_module):
    res = run_module("mailcow_info", mailcow.api_args(key="WRONG-KEY-0000"))
    assert_clean(res, "WRONG-KEY-0000")
    assert res.failed and "rejected the API key" in res["msg"] and res["http_status"] == 401, res


def test_address_outside_api_allow_from(run_module):
    from tests.servers.mailcow_fixtures import start_emulator

    emulator = start_emulator(allow_from="10.20.30.40")
    try:
        res = run_module("mailcow_domain", emulator.api_args(domain="acl.test"))
        assert_clean(res, emulator.rw_key)
        assert res.failed and res["http_status"] == 401, res
        assert "API_ALLOW_FROM" in res["msg"] and "127.0.0.1" in res["msg"], res["msg"]
        assert not emulator.writes() and "acl.test" not in emulator.state.domains
    finally:
        emulator.stop()


@pytest.mark.slow
def test_unreachable_server(run_module):
    from tests.lib.ports import free_port

    res = run_module("mailcow_info", {"api_url": "http://127.0.0.1:%d" % free_port(), "api_key": "Some-Key-1"})
    assert_clean(res, "Some-Key-1")
    assert res.failed and "cannot reach Mailcow" in res["msg"] and "4 attempt(s)" in res["msg"], res


def test_environment_fallback(mailcow, run_module):
    res = run_module("mailcow_domain", {"domain": "env.test"},
                     env={"MAILCOW_API_URL": mailcow.url, "MAILCOW_API_KEY": mailcow.rw_key})
    assert_clean(res, mailcow.rw_key)
    assert res.changed and "env.test" in mailcow.state.domains, res


def test_tls_verified_by_default(tmp_path, run_module):
    import subprocess

    from tests.servers.mailcow_fixtures import start_emulator

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=127.0.0.1"], check=True, capture_output=True)
    emulator = start_emulator(tls_cert=str(cert), tls_key=str(key))
    try:
        res = run_module("mailcow_info", emulator.api_args())
        assert res.failed and "TLS" in res["msg"] and "validate_certs" in res["msg"], res
        res = run_module("mailcow_info", emulator.api_args(validate_certs=False))
        assert not res.failed, res
    finally:
        emulator.stop()


def test_mailboxes_of_a_domain_in_one_run_as_the_single_module_does(mailcow, run_module):
    """mailcow_mailboxes: one read of the domain's mailboxes, then only the writes that differ, per entry."""
    seed(mailcow, "old")
    secret = "Batch-Secret-77"
    boxes = [{"address": "anna@migr.test", "name": "Anna", "password": secret, "quota": 512},
             {"address": "bob@migr.test", "password": secret, "rate_limit": "50/m"},
             {"address": "old@migr.test", "quota": 1024}]  # as seeded: nothing to do
    args = mailcow.api_args(domain="migr.test", mailboxes=boxes)
    res = run_module("mailcow_mailboxes", args, check_mode=True, diff=True)
    assert_clean(res, secret, mailcow.rw_key)
    assert res.changed and not mailcow.writes(), res  # (the seed went straight into the emulator's state)
    assert [r["changed"] for r in res["mailboxes"]] == [True, True, False]
    assert set(res["diff"]["after"]) == {"anna@migr.test", "bob@migr.test", "old@migr.test"}
    before = len(mailcow.writes())
    res = run_module("mailcow_mailboxes", args, diff=True)
    assert_clean(res, secret, mailcow.rw_key)
    assert res.changed and not res.failed, res
    assert mailcow.state.mailboxes["anna@migr.test"]["quota"] == 512 * 1048576
    assert mailcow.state.mailboxes["bob@migr.test"]["quota"] == 1024 * 1048576  # the domain's default
    assert mailcow.state.rl_mbox == {"bob@migr.test": ("50", "m")}
    assert [r["address"] for r in res["mailboxes"]] == ["anna@migr.test", "bob@migr.test", "old@migr.test"]
    assert all("password" not in r["mailbox"] for r in res["mailboxes"])
    # the writes: two adds and bob's rate limit, nothing for old@
    assert sorted((w["action"], w["category"]) for w in mailcow.writes()[before:]) == [
        ("add", "mailbox"), ("add", "mailbox"), ("edit", "rl-mbox")]
    # a re-run: one read, no write; a change touches only that box
    before = len(mailcow.writes())
    res = run_module("mailcow_mailboxes", args)
    assert not res.changed and len(mailcow.writes()) == before, mailcow.writes()[before:]
    boxes[2]["quota"] = 2048
    res = run_module("mailcow_mailboxes", mailcow.api_args(domain="migr.test", mailboxes=boxes))
    assert [r.get("changes") for r in res["mailboxes"]] == [None, None, ["quota"]]
    assert len(mailcow.writes()) == before + 1


def test_mailboxes_one_refused_entry_fails_the_run_after_the_others(mailcow, run_module):
    seed(mailcow)
    boxes = [{"address": "nopass@migr.test", "quota": 10},  # no password: cannot be created
             {"address": "ok@migr.test", "password": "abcdef1", "quota": 10}]
    res = run_module("mailcow_mailboxes", mailcow.api_args(domain="migr.test", mailboxes=boxes))
    assert res.failed and "1 of 2 mailbox(es) could not be done: nopass@migr.test: password is required" in res["msg"]
    assert "ok@migr.test" in mailcow.state.mailboxes
    assert [r.get("failed", False) for r in res["mailboxes"]] == [True, False]


@pytest.mark.parametrize("domain, boxes, words", [
    ("migr.test", [{"address": "a@other.test"}], "not in domain migr.test"),
    ("migr.test", [{"address": "a@migr.test"}, {"address": "A@migr.test"}], "listed twice"),
    ("nowhere.test", [{"address": "a@nowhere.test"}], "create it first"),
])
def test_mailboxes_bad_lists_are_refused_before_any_write(mailcow, run_module, domain, boxes, words):
    seed(mailcow)
    before = len(mailcow.writes())
    res = run_module("mailcow_mailboxes", mailcow.api_args(domain=domain, mailboxes=boxes))
    assert res.failed and words in res["msg"] and len(mailcow.writes()) == before


def test_new_domain_restarts_sogo_once(mailcow, run_module):
    """restart_sogo (default true) goes with add/domain only: a re-run or an update never restarts SOGo."""
    res = run_module("mailcow_domain", mailcow.api_args(**DOMAIN_ARGS), check_mode=True)
    assert res.changed and res["sogo_restart"] == "predicted" and mailcow.state.sogo_restarts == 0
    res = make_domain(mailcow, run_module)
    assert res["sogo_restart"] == "restarted" and mailcow.state.sogo_restarts == 1
    res = run_module("mailcow_domain", mailcow.api_args(**dict(DOMAIN_ARGS, gal=True)))
    assert res.changed and "sogo_restart" not in res and mailcow.state.sogo_restarts == 1
    res = run_module("mailcow_domain", mailcow.api_args(domain="quiet.test", restart_sogo=False))
    assert res.changed and "sogo_restart" not in res and mailcow.state.sogo_restarts == 1
    assert "quiet.test" in mailcow.state.domains


def test_sogo_restart_refused_warns_and_keeps_the_domain(mailcow, run_module):
    mailcow.state.sogo_restart_fails = True
    res = run_module("mailcow_domain", mailcow.api_args(**DOMAIN_ARGS))
    assert res.changed and not res.failed, res
    assert res["sogo_restart"] == "failed" and "migr.test" in mailcow.state.domains
    assert "restart sogo-mailcow" in str(res.get("warnings")), res
    res = run_module("mailcow_domain", mailcow.api_args(**DOMAIN_ARGS))
    assert not res.changed and "sogo_restart" not in res


def test_syncjobs_of_a_domain_in_one_run_as_the_single_module_does(mailcow, run_module):
    """mailcow_syncjobs: the jobs read once, the shared settings given once, only the writes that differ."""
    seed(mailcow, "alice", "bob", "carl")
    secret = "Old-Batch-Pass-4"
    settings = dict(host="IMAP.Old.test", encryption="ssl", interval=30, automap=True, exclude="(?i)spam")
    # carl's job exists already with these settings (made by the single module: the same comparison)
    assert run_module("mailcow_syncjob", mailcow.api_args(mailbox="carl@migr.test", user="carl@old.test",
                                                          password=secret, **settings)).changed
    jobs = [{"mailbox": "alice@migr.test", "user": "alice@old.test", "password": secret},
            {"mailbox": "Bob@migr.test", "user": "bob@old.test", "password": secret},
            {"mailbox": "carl@migr.test", "user": "carl@old.test"}]
    args = mailcow.api_args(jobs=jobs, **settings)
    before = len(mailcow.writes())
    res = run_module("mailcow_syncjobs", args, check_mode=True, diff=True)
    assert_clean(res, secret, mailcow.rw_key)
    assert res.changed and len(mailcow.writes()) == before, res
    assert [r["changed"] for r in res["syncjobs"]] == [True, True, False]
    assert set(res["diff"]["after"]) == {"alice@migr.test from alice@old.test", "bob@migr.test from bob@old.test",
                                         "carl@migr.test from carl@old.test"}
    res = run_module("mailcow_syncjobs", args, diff=True)
    assert_clean(res, secret, mailcow.rw_key)
    assert res.changed and not res.failed, res
    assert [(w["action"], w["category"]) for w in mailcow.writes()[before:]] == [("add", "syncjob")] * 2
    by_box = {j["user2"]: j for j in mailcow.state.syncjobs.values()}
    assert sorted(by_box) == ["alice@migr.test", "bob@migr.test", "carl@migr.test"]
    assert all(j["mins_interval"] == 30 and j["enc1"] == "SSL" and j["automap"] == 1 and j["password1"] == secret
               for j in by_box.values())
    assert all("password" not in r["syncjob"] for r in res["syncjobs"])
    # a re-run: no write; then all turned off in one run
    before = len(mailcow.writes())
    assert not run_module("mailcow_syncjobs", args).changed and len(mailcow.writes()) == before
    off = mailcow.api_args(jobs=[{k: v for k, v in j.items() if k != "password"} for j in jobs],
                           host=settings["host"], active=False)
    res = run_module("mailcow_syncjobs", off)
    assert [r.get("changes") for r in res["syncjobs"]] == [["active"]] * 3, res
    assert all(j["active"] == 0 for j in mailcow.state.syncjobs.values())
    assert not run_module("mailcow_syncjobs", off).changed


def test_syncjobs_one_refused_job_fails_the_run_after_the_others(mailcow, run_module):
    seed(mailcow, "alice", "bob")
    jobs = [{"mailbox": "alice@migr.test", "user": "alice@old.test"},  # no password: cannot be created
            {"mailbox": "bob@migr.test", "user": "bob@old.test", "password": "x"}]
    res = run_module("mailcow_syncjobs", mailcow.api_args(jobs=jobs, host="imap.old.test"))
    assert res.failed and "1 of 2 sync job(s) could not be done: alice@migr.test: password is required" in res["msg"]
    assert [r.get("failed", False) for r in res["syncjobs"]] == [True, False]
    assert [j["user2"] for j in mailcow.state.syncjobs.values()] == ["bob@migr.test"]
    twice = run_module("mailcow_syncjobs", mailcow.api_args(jobs=jobs + [dict(jobs[1], mailbox="BOB@migr.test")],
                                                            host="imap.old.test"))
    assert twice.failed and "jobs listed twice" in twice["msg"] and "bob@migr.test from bob@old.test" in twice["msg"]
