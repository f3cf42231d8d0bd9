"""imap_mailbox_info against a real Dovecot: counts, bytes, dates, largest, abandoned logic, failures."""
from __future__ import annotations

import datetime as dt
import json

import pytest

UTC = dt.timezone.utc
NOW = dt.datetime.now(UTC).replace(microsecond=0)


def message(subject: str, sender: str = "Alice <alice@example.org>", body: bytes = b"hello\r\n",
            message_id: str | None = None) -> bytes:
    head = f"From: {sender}\r\nTo: bob@example.test\r\nSubject: {subject}\r\n"
    if message_id:
        head += f"Message-ID: <{message_id}>\r\n"
    return head.encode("utf-8") + b"\r\n" + body


def fill(server, user, password, folder, items):
    """items: [(bytes, flags, internaldate)]; creates the folder if needed."""
    server.append_many(user, password, folder, items)


def args(server, user, password, **extra):
    return dict({"server": server.settings(user, password, security="tls")}, **extra)


@pytest.fixture
def busy_box(dovecot, mail_account):
    """An account in daily use: mail in INBOX (one old, one big with an encoded subject), sent mail, a subtree."""
    user, password = mail_account(dovecot)
    big_body = (b"x" * 998 + b"\r\n") * 2100          # ~2.1 MB
    inbox = [
        (message("old one", message_id="old@x"), ["\\Seen"], NOW - dt.timedelta(days=3000)),
        (message("=?utf-8?q?Photos_de_vacances_=C3=A9t=C3=A9?=", sender="=?utf-8?q?Ren=C3=A9e?= <renee@example.org>",
                 body=big_body), ["\\Seen"], NOW - dt.timedelta(days=400)),
        (message("fresh", message_id="fresh@x"), [], NOW - dt.timedelta(days=2)),
    ]
    fill(dovecot, user, password, "INBOX", inbox)
    sent = [(message("my reply", sender="Bob <bob@example.test>"), ["\\Seen"], NOW - dt.timedelta(days=10))]
    fill(dovecot, user, password, "Sent", sent)
    projects = [
        (message("plan", body=b"a" * 5000 + b"\r\n"), [], NOW - dt.timedelta(days=800)),
        (message("budget", body=b"b" * 300000 + b"\r\n"), ["\\Seen", "$Label1"], NOW - dt.timedelta(days=100)),
    ]
    fill(dovecot, user, password, "Projets/Été 2019", projects)
    return user, password, {"INBOX": inbox, "Sent": sent, "Projets/Été 2019": projects}


def test_counts_bytes_dates_largest(dovecot, busy_box, run_module):
    user, password, content = busy_box
    result = run_module("imap_mailbox_info", args(dovecot, user, password, big_message_size=1000000,
                                                  old_message_days=730, largest=3))
    assert not result.failed and not result.get("crashed"), result
    assert result.changed is False
    folders = result["folders"]
    # "Projets" exists only as a parent (listed \Noselect): not a folder to inventory.
    assert set(folders) == {"INBOX", "Sent", "Drafts", "Trash", "Junk", "Archive", "Projets/Été 2019"}
    for name, items in content.items():
        info = folders[name]
        assert info["messages"] == len(items)
        assert info["bytes"] == sum(len(m) for m, _f, _d in items)
        assert info["unseen"] == sum(1 for _m, f, _d in items if "\\Seen" not in f)
        assert info["oldest"] == min(d for _m, _f, d in items).isoformat()
        assert info["newest"] == max(d for _m, _f, d in items).isoformat()
    assert folders["INBOX"]["big_messages"] == 1
    assert folders["INBOX"]["big_bytes"] == len(content["INBOX"][1][0])
    assert folders["INBOX"]["old_messages"] == 1                    # 3000 days; the 400-day one is not old
    assert folders["Projets/Été 2019"]["old_messages"] == 1
    assert folders["Projets/Été 2019"]["old_bytes"] == len(content["Projets/Été 2019"][0][0])
    assert folders["Sent"]["special_use"] == "\\Sent"
    assert folders["Drafts"]["messages"] == 0 and folders["Drafts"]["newest"] is None

    totals = result["totals"]
    everything = [m for items in content.values() for m in items]
    assert totals["messages"] == len(everything)
    assert totals["bytes"] == sum(len(m) for m, _f, _d in everything)
    assert totals["big_messages"] == 1 and totals["old_messages"] == 2
    assert totals["oldest"] == (NOW - dt.timedelta(days=3000)).isoformat()

    largest = result["largest_messages"]
    assert [m["size"] for m in largest] == sorted((len(m) for m, _f, _d in everything), reverse=True)[:3]
    top = largest[0]
    assert top["folder"] == "INBOX" and top["subject"] == "Photos de vacances été"
    assert top["from"] == "Renée <renee@example.org>"
    assert top["date"] == (NOW - dt.timedelta(days=400)).isoformat()
    assert largest[1]["folder"] == "Projets/Été 2019" and largest[1]["subject"] == "budget"

    assert result["special_use"]["\\Sent"] == "Sent" and result["special_use"]["\\Trash"] == "Trash"
    assert "IMAP4REV1" in result["capabilities"] and "SPECIAL-USE" in result["capabilities"]
    assert result["delimiter"] == "/" and result["prefix"] == ""
    assert result["inbox_newest_days"] == 2 and result["sent_newest_days"] == 10
    assert result["sent_folder"] == "Sent"
    assert result["looks_abandoned"] is False and result["abandoned_reasons"] == []
    assert password not in json.dumps(result) and password not in result.stderr


def test_read_only_nothing_marked_read(dovecot, busy_box, run_module):
    user, password, _content = busy_box
    before = dovecot.fetch_all(user, password)
    result = run_module("imap_mailbox_info", args(dovecot, user, password), check_mode=True)
    assert not result.failed and result.changed is False
    assert result["folders"]["INBOX"]["unseen"] == 1
    assert dovecot.fetch_all(user, password) == before


def test_filters_and_abandonment_still_uses_inbox(dovecot, busy_box, run_module):
    user, password, _content = busy_box
    result = run_module("imap_mailbox_info", args(dovecot, user, password, folders_include=["^Projets"],
                                                  folders_exclude=["2018"]))
    assert not result.failed, result
    assert set(result["folders"]) == {"Projets/Été 2019"}
    assert "INBOX" in result["excluded_folders"] and "Sent" in result["excluded_folders"]
    assert result["totals"]["messages"] == 2
    assert result["inbox_newest_days"] == 2 and result["looks_abandoned"] is False
    excluded = run_module("imap_mailbox_info", args(dovecot, user, password, folders_exclude=["(?i)^projets"]))
    assert not any(name.startswith("Projets") for name in excluded["folders"])


def test_abandoned_no_mail_nothing_sent(dovecot, mail_account, run_module):
    user, password = mail_account(dovecot)
    fill(dovecot, user, password, "INBOX", [(message("last one"), ["\\Seen"], NOW - dt.timedelta(days=400))])
    result = run_module("imap_mailbox_info", args(dovecot, user, password, abandoned_days=180))
    assert not result.failed, result
    assert result["looks_abandoned"] is True
    assert "nothing in the Sent folder 'Sent'" in result["abandoned_reasons"]
    assert any(r.startswith("no new mail in INBOX for 400 days") for r in result["abandoned_reasons"])
    # With a longer window the same box is not abandoned.
    assert run_module("imap_mailbox_info", args(dovecot, user, password, abandoned_days=500))["looks_abandoned"] is False


def test_abandoned_mail_arrives_but_nobody_reads(dovecot, mail_account, run_module):
    user, password = mail_account(dovecot)
    newsletters = [(message("newsletter %d" % i), [], NOW - dt.timedelta(days=i * 7)) for i in range(1, 6)]
    fill(dovecot, user, password, "INBOX", newsletters)
    fill(dovecot, user, password, "Sent", [(message("long ago"), ["\\Seen"], NOW - dt.timedelta(days=900))])
    result = run_module("imap_mailbox_info", args(dovecot, user, password))
    assert result["looks_abandoned"] is True, result
    assert any("nothing sent for 900 days" in r for r in result["abandoned_reasons"])
    assert any("none of the 5 INBOX messages of the last 180 days has been read" in r
               for r in result["abandoned_reasons"])
    # Reading one of them makes the box alive.
    client = dovecot.client(user, password)
    try:
        client.select_folder("INBOX")
        client.add_flags(client.search(["ALL"])[:1], [b"\\Seen"])
    finally:
        client.logout()
    assert run_module("imap_mailbox_info", args(dovecot, user, password))["looks_abandoned"] is False


def test_empty_box_is_abandoned(dovecot, mail_account, run_module):
    user, password = mail_account(dovecot)
    result = run_module("imap_mailbox_info", args(dovecot, user, password))
    assert not result.failed, result
    assert result["totals"]["messages"] == 0 and result["largest_messages"] == []
    assert result["inbox_newest"] is None and result["looks_abandoned"] is True
    assert "INBOX is empty" in result["abandoned_reasons"]


def test_dot_separator_server_and_localised_sent(dovecot_dot, mail_account, run_module):
    user, password = mail_account(dovecot_dot)
    fill(dovecot_dot, user, password, "Éléments envoyés", [(message("envoyé"), ["\\Seen"], NOW - dt.timedelta(days=1))])
    fill(dovecot_dot, user, password, "Clients.ACME", [(message("devis"), [], NOW - dt.timedelta(days=30))])
    result = run_module("imap_mailbox_info", {"server": dovecot_dot.settings(user, password, security="starttls")})
    assert not result.failed, result
    assert result["delimiter"] == "."
    assert result["folders"]["Clients.ACME"]["messages"] == 1
    assert result["sent_folder"] == "Éléments envoyés" and result["special_use"]["\\Sent"] == "Éléments envoyés"
    assert result["folders"]["Éléments envoyés"]["special_use"] == "\\Sent"
    assert result["sent_newest_days"] == 1


@pytest.mark.parametrize("case", ["bad_password", "untrusted_cert", "plain_without_opt_in", "bad_regex",
                                  "unknown_provider"])
def test_clean_failures(dovecot, mail_account, run_module, case):
    user, password = mail_account(dovecot)
    server = dovecot.settings(user, password, security="tls")
    extra = {}
    expected = {
        "bad_password": "login failed",
        "untrusted_cert": "not trusted",
        "plain_without_opt_in": "allow_plaintext",
        "bad_regex": "not a valid regular expression",
        "unknown_provider": "known providers",
    }[case]
    if case == "bad_password":
        server["password"] = "wrong-" + password
    elif case == "untrusted_cert":
        server.pop("ca_file")
    elif case == "plain_without_opt_in":
        server = dovecot.settings(user, password, security="plain")
    elif case == "bad_regex":
        extra["folders_exclude"] = ["("]
    elif case == "unknown_provider":
        server["provider"] = "laposte"
    result = run_module("imap_mailbox_info", dict({"server": server}, **extra))
    assert result.failed and not result.get("crashed"), result
    assert expected in result["msg"], result["msg"]
    assert password not in json.dumps(dict(result)) and password not in result.stderr
    assert "Traceback" not in result.stderr


def test_dropped_connection_takes_the_inventory_again(dovecot, busy_box, run_module, tcp_proxy):
    user, password, _content = busy_box
    proxy = tcp_proxy(dovecot.host, dovecot.port_tls)
    server = dict(dovecot.settings(user, password, security="tls"), port=proxy.port)
    first = run_module("imap_mailbox_info", {"server": server, "largest": 3})
    assert not first.failed, first
    whole_answer = proxy.bytes["down"]
    proxy.cut_after_bytes(whole_answer * 3 // 4, direction="down")  # in the folder scans, after the login
    result = run_module("imap_mailbox_info", {"server": server, "largest": 3})
    assert not result.failed and not result.get("crashed"), result
    assert proxy.cuts == 1 and proxy.connections == 3
    assert {k: v for k, v in result.items() if k != "checked_at"} == {
        k: v for k, v in first.items() if k != "checked_at"}
    assert result["folders"]["INBOX"]["messages"] == 3
    assert result["totals"]["messages"] == 6 and not result["folder_errors"]


@pytest.mark.slow
def test_twenty_thousand_messages_quickly(dovecot, mail_account, run_module):
    """The inventory must stay cheap on a big box: 20,000 messages in one folder."""
    import time

    user, password = mail_account(dovecot)
    base = NOW - dt.timedelta(days=1000)
    client = dovecot.client(user, password)
    try:
        for start in range(0, 20000, 1000):   # MULTIAPPEND: 20 round trips instead of 20,000
            client.multiappend("Archive", [
                {"msg": message("m%d" % i, message_id="m%d@x" % i), "flags": ("\\Seen",) if i % 2 else (),
                 "date": base + dt.timedelta(hours=i)} for i in range(start, start + 1000)])
    finally:
        client.logout()
    start = time.monotonic()
    result = run_module("imap_mailbox_info", args(dovecot, user, password, largest=5))
    elapsed = time.monotonic() - start
    assert not result.failed, result
    assert result["folders"]["Archive"]["messages"] == 20000
    assert result["folders"]["Archive"]["unseen"] == 10000
    assert len(result["largest_messages"]) == 5
    assert elapsed < 20, elapsed


# --- the folder layer on the real servers (what imap_sync and this module build on) -----------------------

STRANGE = ["Éléments envoyés", "R&D & co", "Projets/2019/Été", "日本語", "a.b", "Gesendete Elemente"]


def test_list_folders_and_plan_between_real_servers(dovecot, dovecot_dot, mail_account):
    from ansible_collections.mailwave.migrate.plugins.module_utils._imap import folders as F

    src_user, src_pw = mail_account(dovecot)
    for name in STRANGE:
        fill(dovecot, src_user, src_pw, name, [(message(name), ["\\Seen"], NOW - dt.timedelta(days=1))])
    dst_user, dst_pw = mail_account(dovecot_dot)
    src_client = dovecot.client(src_user, src_pw)
    dst_client = dovecot_dot.client(dst_user, dst_pw)
    try:
        src = F.list_folders(src_client)
        dst = F.list_folders(dst_client)
        # Raw wire check: the server really stores the modified UTF-7 form we compute.
        src_client.folder_encode = False
        wire = {n for _f, _d, n in src_client.list_folders()}
    finally:
        src_client.logout()
        dst_client.logout()
    assert F.encode("R&D & co") in wire and F.encode("Éléments envoyés") in wire
    assert src.delimiter == "/" and dst.delimiter == "." and src.prefix == dst.prefix == ""
    assert src.special_use_capability and src.get("Sent").special_use == "\\Sent"
    assert set(STRANGE) <= set(src.names())
    assert src.get("R&D & co").subscribed is True          # append_many subscribes what it creates
    assert src.get("Projets").selectable is False           # a parent made implicitly: \Noselect
    assert "Projets" not in dict(F.plan(src, dst).pairs)     # not copied itself; its child is
    assert dst.get("Sent") is None                          # no SPECIAL-USE folders on the "." server

    plan = F.plan(src, dst, automap=True)
    pairs = dict(plan.pairs)
    assert pairs["Projets/2019/Été"] == "Projets.2019.Été"
    assert pairs["a.b"] == "a_b" and plan.renamed == [
        {"source": "a.b", "destination": "a_b", "reason": "'a.b' contains the destination separator '.'"}]
    assert pairs["R&D & co"] == "R&D & co" and pairs["日本語"] == "日本語"
    assert pairs["Sent"] == "Sent"                          # flagged \Sent, standard name on the destination
    assert pairs["Éléments envoyés"] == "Éléments envoyés"  # one source folder per role
    assert len(set(pairs.values())) == len(pairs)

    # Every destination name of the plan can really be created on the "." server, and lists back the same.
    dst_client = dovecot_dot.client(dst_user, dst_pw)
    try:
        for name in pairs.values():
            if not dst_client.folder_exists(name):
                dst_client.create_folder(name)
        created = F.list_folders(dst_client)
    finally:
        dst_client.logout()
    assert set(pairs.values()) <= set(created.names())


def test_special_use_on_request_works_on_real_dovecot(dovecot, mail_account):
    """The LIST ... RETURN (SPECIAL-USE) fallback (for servers that hide the flags in a plain LIST)."""
    from ansible_collections.mailwave.migrate.plugins.module_utils._imap import folders as F

    user, password = mail_account(dovecot)
    client = dovecot.client(user, password)
    try:
        bare = [F.Folder(n, "/", ()) for n in ("INBOX", "Sent", "Trash", "Drafts", "Junk", "Archive")]
        F._add_special_use(client, set(client.capabilities()), bare)
        client.noop()   # the connection is still in a sane state afterwards
    finally:
        client.logout()
    expected = {"INBOX": None, "Sent": "\\Sent", "Trash": "\\Trash", "Drafts": "\\Drafts", "Junk": "\\Junk",
                "Archive": "\\Archive"}
    assert {f.name: f.special_use for f in bare} == expected


def test_unreadable_folder_is_reported_not_fatal(dovecot, mail_account, run_module):
    import os

    user, password = mail_account(dovecot)
    fill(dovecot, user, password, "INBOX", [(message("hi"), ["\\Seen"], NOW - dt.timedelta(days=1))])
    fill(dovecot, user, password, "Broken", [(message("lost"), [], NOW - dt.timedelta(days=1))])
    path = dovecot.maildir(user) / "Broken"
    assert path.is_dir(), sorted(p.name for p in dovecot.maildir(user).iterdir())
    os.chmod(path, 0)
    try:
        result = run_module("imap_mailbox_info", args(dovecot, user, password))
    finally:
        os.chmod(path, 0o700)
    assert not result.failed and not result.get("crashed"), result
    assert [e["folder"] for e in result["folder_errors"]] == ["Broken"]
    assert "Broken" not in result["folders"] and result["folders"]["INBOX"]["messages"] == 1
    assert "SERVERBUG" in result["folder_errors"][0]["error"]
    # ansible-core 2.19 returns warnings as structured events, older ones as strings.
    assert "folder 'Broken' could not be read" in json.dumps(result.get("warnings"))


def test_many_boxes_in_one_run_as_one_box_alone(dovecot, mail_account, run_module, busy_box):
    """imap_mailboxes_info: the same inventory per box as imap_mailbox_info, a bad password reported with
    its box (the others still read), nothing printed of the passwords."""
    user, password, dummy_content = busy_box
    other = mail_account(dovecot)
    fill(dovecot, *other, "INBOX", [(message("one"), [], NOW - dt.timedelta(days=1))])
    wrong = (mail_account(dovecot)[0], "not-the-password-31")
    boxes = [{"id": "busy", "server": dovecot.settings(user, password)},
             {"id": "wrong", "server": dovecot.settings(*wrong)},
             {"id": "other", "server": dovecot.settings(*other)}]
    many = run_module("imap_mailboxes_info", {"mailboxes": boxes, "parallel": 2, "largest": 2})
    assert not many.failed and not many.changed, many.get("msg")
    entries = {e["id"]: e for e in many["mailboxes"]}
    assert [e["id"] for e in many["mailboxes"]] == ["busy", "wrong", "other"]
    alone = run_module("imap_mailbox_info", args(dovecot, user, password, largest=2))
    drop = ("checked_at", "inbox_newest_days", "sent_newest_days", "changed", "invocation", "warnings")
    assert {k: v for k, v in entries["busy"].items() if k not in drop + ("id",)} == \
        {k: v for k, v in alone.items() if k not in drop}
    assert entries["other"]["totals"]["messages"] == 1
    assert entries["wrong"]["failed"] and "login" in entries["wrong"]["msg"].lower()
    for secret in (password, wrong[1], other[1]):
        assert secret not in many.stdout and secret not in many.stderr


def test_many_boxes_bad_lists_and_settings(run_module):
    boxes = [{"id": "a", "server": {"host": "127.0.0.1", "user": "a", "password": "pw-a-31415", "security": "plain"}},
             {"id": "a", "server": {"host": "127.0.0.1", "user": "b", "password": "pw-b-27182"}}]
    res = run_module("imap_mailboxes_info", {"mailboxes": boxes})
    assert res.failed and "listed twice: a" in res["msg"]
    # a clear-text login without the opt-in is that box's problem, told with what to set
    res = run_module("imap_mailboxes_info", {"mailboxes": boxes[:1]})
    assert not res.failed
    (entry,) = res["mailboxes"]
    assert entry["failed"] and "allow_plaintext=true" in entry["msg"], entry
    assert run_module("imap_mailboxes_info", {"mailboxes": [], "parallel": 0}).failed
