"""The notify role through ansible-playbook, against a real SMTP server: the announce step (each user once,
to their personal address when the inventory gives one), the credentials step, the admin's failure notice,
files 0600, re-runs that send nothing, check mode that sends nothing."""
from __future__ import annotations

import json

import yaml

from tests.integration.notify.conftest import SMTP_PASSWORD, SMTP_USER
from tests.lib.playbook import run_playbook

BOXES = [{"address": "anna@alpha.test", "name": "Anna Martin", "source_password": "src-a"},
         {"address": "bruno@alpha.test", "name": "Bruno Petit", "source_password": "src-b"}]


def setup(tmp_path, server, step, tasks_from=None, **extra):
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(yaml.safe_dump({"all": {"hosts": {"alpha.test": {
        "ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}}}}))
    role = {"name": "mailwave.migrate.notify"}
    if tasks_from:
        role["tasks_from"] = tasks_from
    play = [{"hosts": "alpha.test", "gather_facts": False, "tasks": [
        {"name": "notify", "ansible.builtin.include_role": role}]}]
    playbook = tmp_path / "play.yml"
    playbook.write_text(yaml.safe_dump(play))
    variables = {"mailwave_phase": step, "mailwave_wave": "wave1", "mailwave_work_dir": str(tmp_path / "work"),
                 "mailwave_mailboxes": BOXES, "mailwave_mailcow_host": "mail.newmail.test",
                 "mailwave_source": {"host": "imap.oldmail.test"},
                 "mailwave_migration_date": "2026-06-12", "mailwave_optout_deadline": "2026-06-05",
                 "mailwave_help_contact": "support@newmail.test", "mailwave_notify_admin": "admin@alpha.test",
                 # per box: notify_address, once inventory_check passes it through (see docs/notifications.md)
                 "mailwave_notify_addresses": {"anna@alpha.test": "anna.perso@example.net"},
                 "mailwave_smtp": {"host": server.host, "port": server.port, "security": server.security,
                                   "username": SMTP_USER, "password": SMTP_PASSWORD, "ca_file": server.ca_file}}
    variables.update(extra)
    return playbook, inventory, variables


def notify_dir(tmp_path):
    return tmp_path / "work" / "notifications" / "alpha.test"


def sends(result):
    return [m for r in result.results("mail_send") for m in r.get("messages", [])]


def test_announce_once_to_the_personal_address_else_the_box(smtp_server, tmp_path):
    server = smtp_server()
    playbook, inventory, variables = setup(tmp_path, server, "announce")
    first = run_playbook(playbook, inventory, extra_vars=variables)
    assert first.rc == 0, first.tail()
    got = server.wait_for(2)
    assert sorted(m.rcpt_tos for m in got) == [("anna.perso@example.net",), ("bruno@alpha.test",)]
    anna = [m for m in got if m.rcpt_tos == ("anna.perso@example.net",)][0].message()
    assert anna["Subject"] == "votre boîte anna@alpha.test va changer de serveur le 2026-06-12"
    body = anna.get_content()
    for expected in ("ménage", "2026-06-05", "réinitialiser le mot de passe", "support@newmail.test",
                     "à cette adresse (anna.perso@example.net)"):
        assert expected in body, expected
    assert anna["From"] == "postmaster@alpha.test"
    files = sorted(p.name for p in notify_dir(tmp_path).glob("*.announce.*.txt"))
    assert files == ["anna@alpha.test.announce.en.txt", "anna@alpha.test.announce.fr.txt",
                     "bruno@alpha.test.announce.en.txt", "bruno@alpha.test.announce.fr.txt"]
    assert all(oct(p.stat().st_mode & 0o777) == "0o600" for p in notify_dir(tmp_path).iterdir())
    assert SMTP_PASSWORD not in first.stdout + first.stderr

    again = run_playbook(playbook, inventory, extra_vars=variables)
    assert again.rc == 0, again.tail()
    assert [m["action"] for m in sends(again)] == ["already_sent", "already_sent"]
    assert not again.changed_tasks() and len(server.messages) == 2


def test_check_mode_sends_nothing(smtp_server, tmp_path):
    server = smtp_server()
    playbook, inventory, variables = setup(tmp_path, server, "announce")
    res = run_playbook(playbook, inventory, extra_vars=variables, check=True)
    assert res.rc == 0, res.tail()
    assert [m["action"] for m in sends(res)] == ["would_send", "would_send"]
    assert server.messages == [] and not (notify_dir(tmp_path) / "sent.json").exists()


def test_credentials_then_the_notify_phase_sends_nothing_twice(smtp_server, tmp_path):
    server = smtp_server("tls")
    playbook, inventory, variables = setup(tmp_path, server, "credentials")
    creds = tmp_path / "work" / "credentials" / "alpha.test.json"
    creds.parent.mkdir(parents=True)
    creds.write_text(json.dumps({"mailwave_credentials": {"anna@alpha.test": "New-Pw-anna1",
                                                          "bruno@alpha.test": "New-Pw-bruno2"}}))
    first = run_playbook(playbook, inventory, extra_vars=variables)
    assert first.rc == 0, first.tail()
    got = server.wait_for(2)
    bruno = [m for m in got if m.rcpt_tos == ("bruno@alpha.test",)][0].message()
    assert "New-Pw-bruno2" in bruno.get_content() and "mail.newmail.test" in bruno.get_content()
    assert "New-Pw-bruno2" not in first.stdout + first.stderr
    log = json.loads((notify_dir(tmp_path) / "sent.json").read_text())
    assert sorted(log["sent"]) == ["credentials:anna@alpha.test", "credentials:bruno@alpha.test"]
    assert "New-Pw" not in json.dumps(log)

    playbook, inventory, variables = setup(tmp_path, server, "notify")
    final = run_playbook(playbook, inventory, extra_vars=variables)
    assert final.rc == 0, final.tail()
    assert [m["action"] for m in sends(final)] == ["already_sent", "already_sent"]
    assert len(server.messages) == 2 and (notify_dir(tmp_path) / "_admin.fr.txt").exists()


def test_a_failure_notice_goes_to_the_admin_once(smtp_server, tmp_path):
    server = smtp_server()
    playbook, inventory, variables = setup(tmp_path, server, "sync", tasks_from="failure.yml",
                                           mailwave_failure={"phase": "sync", "msg": "quota exceeded"},
                                           mailwave_run_id="20260612T180000Z")
    for _run in range(2):
        res = run_playbook(playbook, inventory, extra_vars=variables)
        assert res.rc == 0, res.tail()
    (got,) = server.wait_for(1)
    assert got.rcpt_tos == ("admin@alpha.test",)
    assert "quota exceeded" in got.message().get_content() and "sync" in got.message()["Subject"]


def test_a_domain_paused_by_its_provider_gets_a_paused_notice_not_a_failure(smtp_server, tmp_path):
    server = smtp_server()
    msg = "paused by the provider: 1 mailbox(es) reached the source's download limit (bruno@alpha.test; day limit)"
    playbook, inventory, variables = setup(tmp_path, server, "sync", tasks_from="failure.yml",
                                           mailwave_failure={"phase": "sync", "msg": msg, "paused": True,
                                                             "resume_after": "2026-06-13T09:30:00Z"},
                                           mailwave_run_id="20260612T180000Z", mailwave_notify_mail_language="en")
    for _run in range(2):
        res = run_playbook(playbook, inventory, extra_vars=variables)
        assert res.rc == 0, res.tail()
    (got,) = server.wait_for(1)
    assert got.rcpt_tos == ("admin@alpha.test",)
    mail = got.message()
    assert mail["Subject"].strip() == ("[Mailwave] alpha.test: paused by the provider, resumes after "
                                       "2026-06-13T09:30:00Z (wave wave1)")
    body = mail.get_content()
    assert "bruno@alpha.test" in body and "Nothing is lost" in body and "not a failure" in body
    assert "reports a failure" not in body
    files = sorted(p.name for p in notify_dir(tmp_path).glob("_*"))
    assert files == ["_paused.paused_alpha.test_sync_20260612T180000Z.en.txt",
                     "_paused.paused_alpha.test_sync_20260612T180000Z.fr.txt"]
    assert "reprise après 2026-06-13T09:30:00Z" in (notify_dir(tmp_path) / files[1]).read_text()
    log = json.loads((notify_dir(tmp_path) / "sent.json").read_text())
    assert [(k, v["kind"]) for k, v in log["sent"].items()] == [("paused:alpha.test:sync:20260612T180000Z", "paused")]


def test_without_smtp_the_files_are_written_and_nothing_fails(smtp_server, tmp_path):
    server = smtp_server()
    playbook, inventory, variables = setup(tmp_path, server, "announce", mailwave_smtp={})
    res = run_playbook(playbook, inventory, extra_vars=variables)
    assert res.rc == 0, res.tail()
    assert [m["action"] for m in sends(res)] == ["not_sent", "not_sent"] and server.messages == []
    assert len(list(notify_dir(tmp_path).glob("*.announce.*.txt"))) == 4


def test_no_admin_address_no_failure_notice_and_nothing_written(smtp_server, tmp_path):
    server = smtp_server()
    playbook, inventory, variables = setup(tmp_path, server, "sync", tasks_from="failure.yml",
                                           mailwave_failure={"phase": "preflight", "msg": "bad inventory"},
                                           mailwave_notify_admin="")
    res = run_playbook(playbook, inventory, extra_vars=variables)
    assert res.rc == 0, res.tail()
    assert server.messages == [] and not (tmp_path / "work").exists() and not res.changed_tasks()


def test_boxes_that_do_not_move_are_told_too(smtp_server, tmp_path):
    # A redirected box (its mail goes to anna@: she is told too), one that will be closed, one for a later wave.
    server = smtp_server()
    boxes = BOXES + [{"address": "contact@alpha.test", "action": "redirect", "redirect_to": ["anna@alpha.test"]},
                     {"address": "old@alpha.test", "action": "delete"},
                     {"address": "jules@alpha.test", "name": "Jules Roux", "action": "later", "source_password": "src-j"}]
    playbook, inventory, variables = setup(tmp_path, server, "announce", mailwave_mailboxes=boxes,
                                           mailwave_notify_mail_language="en")
    first = run_playbook(playbook, inventory, extra_vars=variables)
    assert first.rc == 0, first.tail()
    # (a long subject is folded after "Subject:", so the unfolded value starts with a space)
    got = {m.message()["Subject"].strip(): m for m in server.wait_for(5)}
    redirect = got["contact@alpha.test will be forwarded to anna@alpha.test from 2026-06-12"]
    assert sorted(redirect.rcpt_tos) == ["anna@alpha.test", "contact@alpha.test"]
    body = redirect.message().get_content()
    assert "is not moved" in body and "2026-06-05" in body and "support@newmail.test" in body
    closed = got["the mailbox old@alpha.test will be closed on 2026-06-12"]
    assert closed.rcpt_tos == ("old@alpha.test",) and "Save any message" in closed.message().get_content()
    later = got["your mailbox jules@alpha.test moves later: nothing changes for you on 2026-06-12"]
    assert later.rcpt_tos == ("jules@alpha.test",) and "Hello Jules Roux" in later.message().get_content()
    assert "your mailbox anna@alpha.test is moving to a new server on 2026-06-12" in got
    # each written in every language, 0600; a second run sends nothing
    written = sorted(p.name for p in notify_dir(tmp_path).glob("*.announce.fr.txt"))
    everyone = ("anna@alpha.test", "bruno@alpha.test", "contact@alpha.test", "jules@alpha.test", "old@alpha.test")
    assert written == [f"{a}.announce.fr.txt" for a in everyone]
    assert "Les messages qu'elle contient" in (notify_dir(tmp_path) / "contact@alpha.test.announce.fr.txt").read_text()
    again = run_playbook(playbook, inventory, extra_vars=variables)
    assert again.rc == 0, again.tail()
    assert [m["action"] for m in sends(again)] == ["already_sent"] * 5
    assert not again.changed_tasks() and len(server.messages) == 5


def test_messages_say_contacts_move_only_when_the_groupware_phase_moves_them(smtp_server, tmp_path):
    server = smtp_server()
    gw_source = {"dav": {"url": "https://dav.oldmail.test"}, "sieve": {"host": "imap.oldmail.test"}}
    creds = tmp_path / "work" / "credentials" / "alpha.test.json"
    creds.parent.mkdir(parents=True)
    creds.write_text(json.dumps({"mailwave_credentials": {"anna@alpha.test": "New-Pw-anna1",
                                                          "bruno@alpha.test": "New-Pw-bruno2"}}))
    playbook, inventory, variables = setup(tmp_path, server, "credentials", mailwave_groupware_source=gw_source)
    moved = run_playbook(playbook, inventory, extra_vars=variables)
    assert moved.rc == 0, moved.tail()
    bruno = [m for m in server.wait_for(2) if m.rcpt_tos == ("bruno@alpha.test",)][0].message()
    assert bruno["Subject"] == "votre boîte bruno@alpha.test change de serveur"
    body = bruno.get_content()
    assert "Vos contacts et vos agendas sont déplacés avec vos messages, ainsi que vos filtres" in body
    assert "Exporter" not in body and "PAS déplacés" not in body
    english = (notify_dir(tmp_path) / "bruno@alpha.test.en.txt").read_text()
    assert english.startswith("Subject: your mailbox bruno@alpha.test is moving")
    assert "Your contacts and calendars are moved with your mail, and so are your mail filters" in english
    assert "export them" not in english
    playbook, inventory, variables = setup(tmp_path, server, "notify", mailwave_groupware_source=gw_source)
    final = run_playbook(playbook, inventory, extra_vars=variables)
    assert final.rc == 0, final.tail()
    assert "contacts and calendars are moved into SOGo, their Sieve filters into Mailcow" in \
        (notify_dir(tmp_path) / "_admin.en.txt").read_text()

    # the same domain with the phase off (or no DAV source): the messages ask to export the contacts
    playbook, inventory, variables = setup(tmp_path, server, "announce", mailwave_groupware_source=gw_source,
                                           mailwave_groupware=False)
    off = run_playbook(playbook, inventory, extra_vars=variables)
    assert off.rc == 0, off.tail()
    announce = (notify_dir(tmp_path) / "anna@alpha.test.announce.en.txt").read_text()
    assert 'export your contacts ("Export" menu)' in announce and "Nothing to do for your contacts" not in announce
    (tmp_path / "dav").mkdir()
    playbook, inventory, variables = setup(tmp_path / "dav", server, "announce",
                                           mailwave_groupware_source={"sieve": {"host": "imap.oldmail.test"}})
    no_dav = run_playbook(playbook, inventory, extra_vars=variables)
    assert no_dav.rc == 0, no_dav.tail()
    assert "exportez vos contacts" in (notify_dir(tmp_path / "dav") / "bruno@alpha.test.announce.fr.txt").read_text()
