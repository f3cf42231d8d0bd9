"""imap_sync planning defects of issue 11 (1-4, 6, 7), each against a real Dovecot.

Every test here failed before the planner (plugins/module_utils/_imap/planner.py) took the decisions.
"""
from __future__ import annotations

import datetime as dt
import email.utils

import pytest

from tests.integration.imap.test_imap_sync import args, msg, snapshot


def days_ago(days):
    return email.utils.format_datetime(dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days))


def bodies(server, account, folder="INBOX"):
    return sorted(body for body, _flags, _date in snapshot(server, *account).get(folder, {}).elements())


def inbox(result):
    return [f for f in result["folders"] if f["source"] == "INBOX"][0]


def test_delete2_with_max_age_keeps_migrated_mail_outside_the_window(dovecot, mail_account, run_module):
    """Defect 1 (data loss): a message the age filter leaves out on the source is not "extra" on the destination."""
    src, dst = mail_account(dovecot), mail_account(dovecot)
    old, new = msg(1, date=days_ago(400)), msg(2, date=days_ago(1))
    dovecot.append_many(*src, "INBOX", [(old, (), None), (new, (), None)])
    first = run_module("imap_sync", args(dovecot, src, dovecot, dst))
    assert not first.failed and first["totals"]["copied"] == 2, first.get("msg")
    # the old message leaves the window; one message inside it exists only on the destination
    stray = msg(9, date=days_ago(2))
    dovecot.append(*dst, "INBOX", stray)
    check = run_module("imap_sync", args(dovecot, src, dovecot, dst, delete2=True, max_age=30), check_mode=True)
    assert not check.failed and check["totals"]["deleted_destination"] == 1, check.get("msg")
    res = run_module("imap_sync", args(dovecot, src, dovecot, dst, delete2=True, max_age=30))
    assert not res.failed, res.get("msg")
    assert res["totals"]["deleted_destination"] == 1
    assert bodies(dovecot, dst) == sorted([old, new])


def test_delete2_with_min_age_keeps_migrated_mail_outside_the_window(dovecot, mail_account, run_module):
    src, dst = mail_account(dovecot), mail_account(dovecot)
    old, new = msg(1, date=days_ago(400)), msg(2, date=days_ago(1))
    dovecot.append_many(*src, "INBOX", [(old, (), None), (new, (), None)])
    dovecot.append_many(*dst, "INBOX", [(new, (), None), (msg(9, date=days_ago(300)), (), None)])
    res = run_module("imap_sync", args(dovecot, src, dovecot, dst, delete2=True, min_age=30))
    assert not res.failed, res.get("msg")
    assert (res["totals"]["copied"], res["totals"]["deleted_destination"]) == (1, 1)
    assert bodies(dovecot, dst) == sorted([old, new])


def test_delete2_with_max_size_keeps_the_big_message_already_there(dovecot, mail_account, run_module):
    """--maxsize only skips the copy: the big message's copy on the destination is not deleted."""
    src, dst = mail_account(dovecot), mail_account(dovecot)
    small, big = msg(1), msg(2, size=30_000)
    dovecot.append_many(*src, "INBOX", [(small, (), None), (big, (), None)])
    dovecot.append(*dst, "INBOX", big)
    res = run_module("imap_sync", args(dovecot, src, dovecot, dst, delete2=True, max_size=20_000))
    assert not res.failed, res.get("msg")
    assert (res["totals"]["copied"], res["totals"]["deleted_destination"]) == (1, 0)
    assert bodies(dovecot, dst) == sorted([small, big])


def test_state_shortcut_does_not_skip_delete2_or_delete2duplicates(dovecot, mail_account, run_module, tmp_path):
    """Defect 2: a pair the state marks unchanged still gets the deletions asked for."""
    src, dst = mail_account(dovecot), mail_account(dovecot)
    when = dt.datetime(2015, 3, 2, 10, 0, tzinfo=dt.timezone.utc)  # one INTERNALDATE: the copies compare equal
    dovecot.append_many(*src, "INBOX", [(msg(1), (), when), (msg(2), (), when)])
    dovecot.append_many(*dst, "INBOX", [(msg(1), (), when), (msg(1), (), when), (msg(7), (), when)])
    state = str(tmp_path / "st")
    first = run_module("imap_sync", args(dovecot, src, dovecot, dst, state_dir=state))
    assert not first.failed and first["totals"]["copied"] == 1, first.get("msg")
    res = run_module("imap_sync", args(dovecot, src, dovecot, dst, state_dir=state, delete2duplicates=True))
    assert not res.failed and res["totals"]["deleted_destination"] == 1, res.get("msg")
    res = run_module("imap_sync", args(dovecot, src, dovecot, dst, state_dir=state, delete2=True))
    assert not res.failed and res["totals"]["deleted_destination"] == 1, res.get("msg")
    assert snapshot(dovecot, *dst)["INBOX"] == snapshot(dovecot, *src)["INBOX"]
    # now the state knows the pair is mirrored: the shortcut holds again, with nothing to do
    again = run_module("imap_sync", args(dovecot, src, dovecot, dst, state_dir=state, delete2=True))
    assert not again.failed and not again.changed and inbox(again)["unchanged"], again.get("msg")


def test_state_shortcut_not_taken_when_the_selection_changed(dovecot, mail_account, run_module, tmp_path):
    """A state recorded under max_age does not make the pair "unchanged" for a run without it."""
    src, dst = mail_account(dovecot), mail_account(dovecot)
    dovecot.append_many(*src, "INBOX", [(msg(1, date=days_ago(400)), (), None), (msg(2, date=days_ago(1)), (), None)])
    state = str(tmp_path / "st")
    first = run_module("imap_sync", args(dovecot, src, dovecot, dst, state_dir=state, max_age=30))
    assert not first.failed and first["totals"]["copied"] == 1, first.get("msg")
    res = run_module("imap_sync", args(dovecot, src, dovecot, dst, state_dir=state))
    assert not res.failed and res["totals"]["copied"] == 1, res.get("msg")
    assert snapshot(dovecot, *dst)["INBOX"] == snapshot(dovecot, *src)["INBOX"]


def test_mapped_message_edited_on_destination_is_matched_not_duplicated(dovecot, mail_account, run_module, tmp_path):
    """Defect 3: the mapped destination UID is gone (the copy was edited: new UID); header matching finds it."""
    src, dst = mail_account(dovecot), mail_account(dovecot)
    dovecot.append_many(*src, "INBOX", [(msg(1), (), None), (msg(2), (), None)])
    state = str(tmp_path / "st")
    first = run_module("imap_sync", args(dovecot, src, dovecot, dst, state_dir=state))
    assert not first.failed and first["totals"]["copied"] == 2, first.get("msg")
    client = dovecot.client(*dst)
    try:
        client.select_folder("INBOX")
        uid = client.search(["HEADER", "Message-ID", "<m1@example.test>"])
        edited = msg(1).replace(b"body 1", b"body 1, edited by the user")
        client.append("INBOX", edited, flags=(b"\\Seen",))
        client.delete_messages(uid)
        client.expunge()
    finally:
        client.logout()
    res = run_module("imap_sync", args(dovecot, src, dovecot, dst, state_dir=state))
    assert not res.failed, res.get("msg")
    assert res["totals"]["copied"] == 0
    assert bodies(dovecot, dst) == sorted([edited, msg(2)])
    # the run without state agrees
    plain = run_module("imap_sync", args(dovecot, src, dovecot, dst))
    assert not plain.failed and plain["totals"]["copied"] == 0, plain.get("msg")


def test_skip_cross_duplicates_holds_on_rerun_with_state(dovecot, mail_account, run_module, tmp_path):
    """Defect 4: the re-run with the same state_dir does not copy what the first run skipped."""
    src, dst = mail_account(dovecot), mail_account(dovecot)
    dovecot.append(*src, "INBOX", msg(1))
    dovecot.append_many(*src, "Labels/Work", [(msg(1), (), None), (msg(2), (), None)])
    state = str(tmp_path / "st")
    params = args(dovecot, src, dovecot, dst, skip_cross_duplicates=True, state_dir=state)
    first = run_module("imap_sync", params)
    assert not first.failed and first["totals"]["cross_duplicates"] == 1, first.get("msg")
    for _run in range(2):
        again = run_module("imap_sync", params)
        assert not again.failed and again["totals"]["copied"] == 0 and not again.changed, again.get("msg")
        assert again["totals"]["missing"] == 0
        assert again["verdict"] == first["verdict"] == "all 2 messages of the source are on the destination"
        assert again["totals"]["cross_duplicates"] == 1
    # a new message in the later folder: the folder is looked at again, its cross-duplicate still skipped
    dovecot.append(*src, "Labels/Work", msg(3))
    res = run_module("imap_sync", params)
    assert not res.failed and res["totals"]["copied"] == 1, res.get("msg")
    assert bodies(dovecot, dst, "Labels/Work") == sorted([msg(2), msg(3)])


def test_check_mode_predicts_delete1_of_what_it_would_copy(dovecot, mail_account, run_module):
    """Defect 6: check mode counts the messages it would copy and then delete, not only those already there."""
    src, dst = mail_account(dovecot), mail_account(dovecot)
    dovecot.append_many(*src, "INBOX", [(msg(i), ("\\Seen",), None) for i in range(4)])
    dovecot.append_many(*dst, "INBOX", [(msg(0), ("\\Seen",), None)])
    params = args(dovecot, src, dovecot, dst, delete1=True, delete1_confirm=True)
    check = run_module("imap_sync", params, check_mode=True)
    assert not check.failed, check.get("msg")
    real = run_module("imap_sync", params)
    assert not real.failed, real.get("msg")
    for counter in ("copied", "skipped", "deleted_source", "deleted_destination", "flags_updated"):
        assert check["totals"][counter] == real["totals"][counter], counter
    assert real["totals"]["deleted_source"] == 4


def test_min_age_above_max_age_is_a_union(dovecot, mail_account, run_module):
    """Defect 7: min_age > max_age selects the messages outside [max_age, min_age] (imapsync: union)."""
    src, dst = mail_account(dovecot), mail_account(dovecot)
    old, middle, new = msg(1, date=days_ago(400)), msg(2, date=days_ago(60)), msg(3, date=days_ago(2))
    dovecot.append_many(*src, "INBOX", [(old, (), None), (middle, (), None), (new, (), None)])
    res = run_module("imap_sync", args(dovecot, src, dovecot, dst, min_age=100, max_age=10))
    assert not res.failed, res.get("msg")
    assert (res["totals"]["copied"], res["totals"]["filtered"]) == (2, 1)
    assert bodies(dovecot, dst) == sorted([old, new])


@pytest.mark.parametrize("options", [
    dict(delete2=True, max_age=30, max_size=20_000),
    dict(delete2duplicates=True, skip_cross_duplicates=True, automap=True, subscribe_all=True),
    dict(delete1=True, delete1_confirm=True, min_age=100, max_age=10),
    dict(delete2=True, min_age=30),
], ids=["delete2-window-size", "guide-defaults", "delete1-union", "delete2-min-age"])
def test_check_mode_predicts_the_real_run(dovecot, mail_account, run_module, options):
    """Check mode reports exactly the plan a real run carries out, over a mixed source and destination."""
    src, dst = mail_account(dovecot), mail_account(dovecot)
    when = dt.datetime(2015, 3, 2, 10, 0, tzinfo=dt.timezone.utc)
    old, mid, new, big = (msg(1, date=days_ago(400)), msg(2, date=days_ago(60)), msg(3, date=days_ago(2)),
                          msg(4, size=30_000, date=days_ago(1)))
    dovecot.append_many(*src, "INBOX", [(m, ("\\Seen",), when) for m in (old, mid, new, big, new)])
    dovecot.append_many(*src, "Labels/Work", [(old, (), when), (msg(5, date=days_ago(3)), (), when)])
    dovecot.append_many(*dst, "INBOX", [(old, (), when), (big, (), when), (mid, (), when), (mid, (), when),
                                        (msg(9, date=days_ago(5)), (), when), (msg(8, date=days_ago(500)), (), when)])
    check = run_module("imap_sync", args(dovecot, src, dovecot, dst, **options), check_mode=True)
    assert not check.failed, check.get("msg")
    real = run_module("imap_sync", args(dovecot, src, dovecot, dst, **options))
    assert not real.failed, real.get("msg")
    counters = ("copied", "skipped", "filtered", "cross_duplicates", "flags_updated", "deleted_source",
                "deleted_destination", "destination_messages_after")

    def per_folder(result):
        return {f["source"]: {name: f[name] for name in counters} for f in result["folders"]}

    assert per_folder(check) == per_folder(real)
    assert real["changed"] and check["changed"]
    again = run_module("imap_sync", args(dovecot, src, dovecot, dst, **options))
    assert not again.failed and not again.changed, (again.get("msg"), again["totals"])
