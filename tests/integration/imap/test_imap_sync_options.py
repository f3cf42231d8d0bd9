"""imap_sync options with imapsync semantics, each against a real Dovecot."""
from __future__ import annotations

import datetime as dt
import email.utils

import pytest

from tests.integration.imap.test_imap_sync import args, msg, snapshot


def folder(result, name):
    return [f for f in result["folders"] if f["source"] == name][0]


def test_include_exclude_map_subfolder(dovecot, mail_account, run_module):
    src, dst = mail_account(dovecot), mail_account(dovecot)
    for i, name in enumerate(["Alpha", "Beta", "Gamma/Delta", "Gamma/Keep"]):
        dovecot.append(*src, name, msg(i))
    result = run_module("imap_sync", args(dovecot, src, dovecot, dst, folders_include=["^Alpha$", "^Gamma"],
                                          folders_exclude=["Delta$"], folder_map={"Alpha": "Renamed/A2"},
                                          subfolder="Old", connections=1))
    assert not result.failed, result.get("msg")
    pairs = {f["source"]: f["destination"] for f in result["folders"]}
    assert pairs == {"Alpha": "Renamed/A2", "Gamma/Keep": "Old/Gamma/Keep"}
    assert {"Beta", "Gamma/Delta"} <= set(result["excluded_folders"])
    after = snapshot(dovecot, *dst)
    assert sum(after["Renamed/A2"].values()) == 1 and sum(after["Old/Gamma/Keep"].values()) == 1
    assert "Beta" not in after and "Old/Beta" not in after


def test_automap_localised_sent(dovecot, dovecot_dot, mail_account, run_module):
    src, dst = mail_account(dovecot_dot), mail_account(dovecot)
    dovecot_dot.append(*src, "Éléments envoyés", msg(1), ("\\Seen",))
    result = run_module("imap_sync", args(dovecot_dot, src, dovecot, dst, automap=True))
    assert not result.failed, result.get("msg")
    assert folder(result, "Éléments envoyés")["destination"] == "Sent"
    assert sum(snapshot(dovecot, *dst)["Sent"].values()) == 1


def test_max_size_max_age_min_age(dovecot, mail_account, run_module):
    src = mail_account(dovecot)
    today = email.utils.format_datetime(dt.datetime.now(dt.timezone.utc))
    dovecot.append_many(*src, "INBOX", [(msg(1, date="Mon, 02 Mar 2015 10:00:00 +0100"), (), None),
                                        (msg(2, date=today), (), None),
                                        (msg(3, size=30_000, date=today), (), None)])
    dst = mail_account(dovecot)
    res = run_module("imap_sync", args(dovecot, src, dovecot, dst, max_size=20_000))
    assert not res.failed and (res["totals"]["copied"], res["totals"]["filtered"]) == (2, 1), res.get("msg")
    assert res["verdict"] == "all 2 messages of the source are on the destination"
    dst = mail_account(dovecot)
    res = run_module("imap_sync", args(dovecot, src, dovecot, dst, max_age=30))
    assert not res.failed and res["totals"]["copied"] == 2, res.get("msg")
    assert b"body 1" not in b"".join(b for b, _f, _d in snapshot(dovecot, *dst)["INBOX"])
    dst = mail_account(dovecot)
    res = run_module("imap_sync", args(dovecot, src, dovecot, dst, min_age=30))
    assert not res.failed and res["totals"]["copied"] == 1, res.get("msg")


def test_delete2_mirror_and_delete2duplicates(dovecot, mail_account, run_module):
    src, dst = mail_account(dovecot), mail_account(dovecot)
    when = dt.datetime(2015, 3, 2, 10, 0, tzinfo=dt.timezone.utc)  # one INTERNALDATE: the snapshots compare equal
    dovecot.append_many(*src, "INBOX", [(msg(1), (), when), (msg(2), (), when)])
    dovecot.append_many(*dst, "INBOX", [(msg(1), (), when), (msg(1), (), when), (msg(7), (), when)])
    res = run_module("imap_sync", args(dovecot, src, dovecot, dst, delete2duplicates=True))
    assert not res.failed, res.get("msg")
    inbox = folder(res, "INBOX")
    assert (inbox["copied"], inbox["deleted_destination"], inbox["destination_messages_after"]) == (1, 1, 3)
    res = run_module("imap_sync", args(dovecot, src, dovecot, dst, delete2=True))
    assert not res.failed and folder(res, "INBOX")["deleted_destination"] == 1, res.get("msg")
    assert snapshot(dovecot, *dst)["INBOX"] == snapshot(dovecot, *src)["INBOX"]
    again = run_module("imap_sync", args(dovecot, src, dovecot, dst, delete2=True))
    assert not again.failed and not again.changed


def test_delete1_needs_confirmation_and_removes_only_verified(dovecot, mail_account, run_module):
    src, dst = mail_account(dovecot), mail_account(dovecot)
    dovecot.append_many(*src, "INBOX", [(msg(i), ("\\Seen",), None) for i in range(4)])
    res = run_module("imap_sync", args(dovecot, src, dovecot, dst, delete1=True))
    assert res.failed and "delete1_confirm" in res["msg"] and not res.get("crashed")
    res = run_module("imap_sync", args(dovecot, src, dovecot, dst, delete1=True, delete2=True))
    assert res.failed and not res.get("crashed")
    assert sum(snapshot(dovecot, *src)["INBOX"].values()) == 4  # nothing touched so far
    before = snapshot(dovecot, *src)["INBOX"]
    res = run_module("imap_sync", args(dovecot, src, dovecot, dst, delete1=True), check_mode=True)
    # check mode predicts what the real run below does: copy 4, then delete the 4 it verified
    assert not res.failed and res["totals"]["deleted_source"] == 4 and res["totals"]["copied"] == 4
    res = run_module("imap_sync", args(dovecot, src, dovecot, dst, delete1=True, delete1_confirm=True))
    assert not res.failed and res["totals"]["deleted_source"] == 4, res.get("msg")
    assert sum(snapshot(dovecot, *src)["INBOX"].values()) == 0
    assert snapshot(dovecot, *dst)["INBOX"] == before


def test_skip_cross_duplicates_and_subscribe_all(dovecot, mail_account, run_module):
    src, dst = mail_account(dovecot), mail_account(dovecot)
    dovecot.append(*src, "INBOX", msg(1))
    dovecot.append_many(*src, "Labels/Work", [(msg(1), (), None), (msg(2), (), None)])
    src_client = dovecot.client(*src)
    src_client.unsubscribe_folder("Labels/Work")
    src_client.logout()
    res = run_module("imap_sync", args(dovecot, src, dovecot, dst, skip_cross_duplicates=True, subscribe_all=True))
    assert not res.failed, res.get("msg")
    work = folder(res, "Labels/Work")
    assert (work["copied"], work["cross_duplicates"]) == (1, 1)
    assert res["verdict"] == "all 2 messages of the source are on the destination"
    client = dovecot.client(*dst)
    try:
        subscribed = {name for _f, _d, name in client.list_sub_folders()}
    finally:
        client.logout()
    assert "Labels/Work" in subscribed
    again = run_module("imap_sync", args(dovecot, src, dovecot, dst, skip_cross_duplicates=True, subscribe_all=True))
    assert not again.failed and not again.changed


def test_flag_resync(dovecot, mail_account, run_module, tmp_path):
    src, dst = mail_account(dovecot), mail_account(dovecot)
    dovecot.append_many(*src, "INBOX", [(msg(1), ("\\Seen",), None), (msg(2), ("$Custom",), None)])
    state = str(tmp_path / "st")
    assert not run_module("imap_sync", args(dovecot, src, dovecot, dst, state_dir=state)).failed
    client = dovecot.client(*src)
    client.select_folder("INBOX")
    uids = client.search("ALL")
    client.add_flags(uids[:1], [b"\\Flagged", b"Important"])
    client.logout()
    res = run_module("imap_sync", args(dovecot, src, dovecot, dst, state_dir=state, resync_flags=False))
    assert not res.failed and res["totals"]["flags_updated"] == 0 and not res.changed
    res = run_module("imap_sync", args(dovecot, src, dovecot, dst, state_dir=state))
    assert not res.failed and res["totals"]["flags_updated"] == 1 and res.changed
    assert snapshot(dovecot, *dst)["INBOX"] == snapshot(dovecot, *src)["INBOX"]


@pytest.mark.parametrize("server_fixture", ["dovecot", "dovecot_no_condstore"])
def test_flag_change_seen_with_state(request, mail_account, run_module, tmp_path, server_fixture):
    """With a state, a re-run sees a flags-only change even where STATUS cannot show it (no CONDSTORE)."""
    server = request.getfixturevalue(server_fixture)
    src, dst = mail_account(server), mail_account(server)
    server.append_many(*src, "INBOX", [(msg(i), (), None) for i in range(5)])
    state = str(tmp_path / "st")
    first = run_module("imap_sync", args(server, src, server, dst, state_dir=state))
    assert not first.failed and first["totals"]["copied"] == 5, first.get("msg")
    client = server.client(*src)
    has_condstore = client.has_capability("CONDSTORE")
    client.select_folder("INBOX")
    client.add_flags(client.search("ALL")[:2], [b"\\Seen"])
    client.logout()
    assert has_condstore == (server_fixture == "dovecot")
    res = run_module("imap_sync", args(server, src, server, dst, state_dir=state))
    assert not res.failed and res["totals"]["flags_updated"] == 2 and res.changed, res.get("msg")
    assert snapshot(server, *dst)["INBOX"] == snapshot(server, *src)["INBOX"]
    again = run_module("imap_sync", args(server, src, server, dst, state_dir=state))
    assert not again.failed and not again.changed and again["totals"]["copied"] == 0


def test_throttle_messages_per_second(dovecot, mail_account, run_module):
    src, dst = mail_account(dovecot), mail_account(dovecot)
    dovecot.append_many(*src, "INBOX", [(msg(i), (), None) for i in range(60)])
    res = run_module("imap_sync", args(dovecot, src, dovecot, dst, max_messages_per_second=30, connections=2))
    assert not res.failed and res["totals"]["copied"] == 60, res.get("msg")
    # 60 messages at 30/s, in batches of 30: the second batch may not start before 1 s
    assert res["elapsed"] >= 0.95
    assert res["messages_per_second"] <= 31


def test_errors_max_stops_the_copy(dovecot, mail_account, run_module):
    """errors_max (imapsync's --errorsmax): a destination refusing everything is not tried to the end."""
    src = mail_account(dovecot)
    dovecot.append_many(*src, "INBOX", [(msg(i, size=100_000), (), None) for i in range(30)])
    full = mail_account(dovecot, quota_mb=1)
    res = run_module("imap_sync", args(dovecot, src, dovecot, full, connections=1))
    assert res.failed and res["totals"]["errors"] > 5, res.get("msg")  # without a cap: every refusal reported
    dst = mail_account(dovecot, quota_mb=1)
    res = run_module("imap_sync", args(dovecot, src, dovecot, dst, connections=1, errors_max=3))
    assert res.failed and not res.get("crashed"), res.get("msg")
    totals = res["totals"]
    assert totals["errors"] == 3 and len(res["errors"]) == 3
    assert totals["copied"] + totals["missing"] == 30 and totals["copied"] > 0
    assert "errors_max" in res["msg"] and any("errors_max" in w for w in res["warnings_list"])
    # what was copied is there once and verified: no verification error among the three
    assert all("refused" in e["message"] for e in res["errors"])
    bad = run_module("imap_sync", args(dovecot, src, dovecot, dst, errors_max=0))
    assert bad.failed and "errors_max" in bad["msg"] and not bad.get("crashed")


def test_useheader_message_id_matches_a_copy_whose_other_headers_differ(dovecot, mail_account, run_module,
                                                                        tmp_path):
    """A destination copy with other Received lines (a relay or a previous copier rewrote them) is the same
    message by its Message-Id alone: with useheader [Message-Id] it is matched, not copied again."""
    src, dst = mail_account(dovecot), mail_account(dovecot)
    original = b"Received: from mx1.old.example by imap.old.example; Mon, 02 Mar 2015 10:00:01 +0100\r\n" + msg(1)
    rewritten = (b"Received: from relay.new.example by mail.new.example; Tue, 03 Mar 2015 08:00:00 +0000\r\n"
                 b"X-Copied-By: another tool\r\n" + msg(1))
    dovecot.append(*src, "INBOX", original, ("\\Seen",))
    dovecot.append(*src, "INBOX", msg(2))
    dovecot.append(*dst, "INBOX", rewritten)
    # imapsync's default headers take the rewritten copy for another message (check mode: nothing written)
    default = run_module("imap_sync", args(dovecot, src, dovecot, dst), check_mode=True)
    assert not default.failed and default["totals"]["copied"] == 2, default.get("msg")
    state = str(tmp_path / "state")
    result = run_module("imap_sync", args(dovecot, src, dovecot, dst, useheader=["Message-Id"], state_dir=state))
    assert not result.failed, result.get("msg")
    assert (result["totals"]["copied"], result["totals"]["skipped"]) == (1, 1)
    inbox = snapshot(dovecot, *dst)["INBOX"]
    bodies = [body for body, _flags, _date in inbox.elements()]
    assert sorted(bodies) == sorted([rewritten, msg(2)])          # the copy kept as it is, no second msg 1
    assert [flags for body, flags, _date in inbox if body == rewritten] == [("\\Seen",)]  # flags re-synced
    again = run_module("imap_sync", args(dovecot, src, dovecot, dst, useheader=["Message-Id"], state_dir=state))
    assert not again.failed and not again.changed and again["totals"]["copied"] == 0, again.get("msg")
    # under the default headers the state's "unchanged" no longer holds (its run matched by other keys)
    other = run_module("imap_sync", args(dovecot, src, dovecot, dst, state_dir=state), check_mode=True)
    assert not other.failed and not folder(other, "INBOX")["unchanged"], other.get("msg")
    assert folder(again, "INBOX")["unchanged"]


def test_regextrans2_rewrites_destination_names_after_the_separator_change(dovecot, dovecot_dot, mail_account,
                                                                           run_module):
    src, dst = mail_account(dovecot), mail_account(dovecot_dot)
    dovecot.append(*src, "Work/2019", msg(1))
    dovecot.append(*src, "Work/2020", msg(2))
    dovecot.append(*src, "Misc", msg(3))
    rules = [{"regex": r"^Work\.(\d+)$", "replace": r"Archive.Work-\1"},   # "." : the destination's separator
             {"regex": "^Misc$", "replace": "Various"}]
    params = args(dovecot, src, dovecot_dot, dst, regextrans2=rules, folders_include=["^Work/", "^Misc$"])
    want = {"Work/2019": "Archive.Work-2019", "Work/2020": "Archive.Work-2020", "Misc": "Various"}
    dry = run_module("imap_sync", params, check_mode=True)
    assert not dry.failed, dry.get("msg")
    assert {f["source"]: f["destination"] for f in dry["folders"]} == want
    assert {r["source"]: (r["before"], r["destination"]) for r in dry["rewritten_folders"]} == {
        "Work/2019": ("Work.2019", "Archive.Work-2019"), "Work/2020": ("Work.2020", "Archive.Work-2020"),
        "Misc": ("Misc", "Various")}
    assert set(dry["created_folders"]) == set(want.values())
    assert not set(want.values()) & set(snapshot(dovecot_dot, *dst))            # check mode created nothing
    result = run_module("imap_sync", params)
    assert not result.failed and result["totals"]["copied"] == 3, result.get("msg")
    after = snapshot(dovecot_dot, *dst)
    assert {name: sum(after[name].values()) for name in want.values()} == {name: 1 for name in want.values()}
    assert "Work.2019" not in after and "Misc" not in after
    again = run_module("imap_sync", params)
    assert not again.failed and not again.changed, again.get("msg")


def _gmail_like(server, account):
    """A Gmail-shaped box: labels as folders, All Mail holding every message, Starred and Important copies."""
    a, b, c, d, e = (msg(n, subject="gmail") for n in range(11, 16))
    layout = {"INBOX": [a, e], "Work": [a, b], "[Gmail]/All Mail": [a, b, c, d, e], "[Gmail]/Starred": [d],
              "[Gmail]/Important": [e]}
    for folder_name, bodies in layout.items():
        for body in bodies:
            server.append(*account, folder_name, body, ("\\Seen", "\\Flagged") if body == d else ("\\Seen",))
    return a, b, c, d, e


@pytest.mark.parametrize("first, expected", [
    (None, {"INBOX": "ae", "Work": "b", "Archive": "cd"}),          # INBOX first by default
    (["Work"], {"INBOX": "e", "Work": "ab", "Archive": "cd"}),       # the user's label precedence
])
def test_gmail_preset_copies_each_message_once_labels_as_folders(dovecot, mail_account, run_module, first,
                                                                 expected):
    src, dst = mail_account(dovecot), mail_account(dovecot)
    bodies = dict(zip("abcde", _gmail_like(dovecot, src)))
    source = dict(dovecot.settings(*src), provider="gmail")        # the preset, on a local server
    params = {"source": source, "destination": dovecot.settings(*dst), "folders_exclude": ["^Archive$"]}
    if first:
        params["folders_first"] = first
    result = run_module("imap_sync", params)
    assert not result.failed, result.get("msg")
    pairs = {f["source"]: f["destination"] for f in result["folders"]}
    assert pairs["[Gmail]/All Mail"] == "Archive" and "[Gmail]/Starred" not in pairs
    assert "[Gmail]/Important" not in pairs
    after = snapshot(dovecot, *dst)
    held = {name: sorted(k for k, body in bodies.items() for (got, _f, _d) in after.get(name, {}) if got == body)
            for name in expected}
    assert held == {name: sorted(keys) for name, keys in expected.items()}
    assert sum(sum(c.values()) for c in after.values()) == 5                   # each message once
    assert [flags for body, flags, _d in after["Archive"] if body == bodies["d"]] == [("\\Flagged", "\\Seen")]
    again = run_module("imap_sync", params)
    assert not again.failed and not again.changed and again["totals"]["copied"] == 0, again.get("msg")
