"""The report's per-mailbox notifications, read from the domain's sent-log (what mail_send recorded)."""
from __future__ import annotations

from ansible_collections.mailwave.migrate.plugins.module_utils._notify import engine
from ansible_collections.mailwave.migrate.plugins.module_utils._wave import report as r

BOXES = [{"address": "anna@a.test", "name": "Anna"}, {"address": "bob@a.test", "name": "Bob"}]


class _Transport:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass

    def send(self, *args):
        pass


def _message(mid, mailbox, to):
    return {"id": mid, "kind": mid.split(":")[0], "mailbox": mailbox, "to": [to], "text": "Subject: s\n\nb\n"}


def test_each_mailbox_lists_its_notifications(tmp_path):
    work = tmp_path / "wave1"
    log = work / "notifications" / "a.test" / "sent.json"
    engine.run([_message("announce:anna@a.test", "anna@a.test", "anna@perso.test"),
                _message("announce:bob@a.test", "bob@a.test", "bob@a.test")], "m@a.test", str(log), False, _Transport)
    engine.run([_message("credentials:anna@a.test", "anna@a.test", "anna@perso.test")], "m@a.test", str(log), False,
               None)  # no SMTP: pending
    frag = r.domain_fragment({"domain": "a.test", "mailboxes": BOXES, "run_dir": str(work / "reports" / "R1"),
                              "failure": {}})
    anna, bob = frag["mailboxes"]
    assert [(n["kind"], n["to"], n["sent"]) for n in anna["notifications"]] == [
        ("announce", ["anna@perso.test"], True), ("credentials", ["anna@perso.test"], False)]
    assert anna["notifications"][0]["at"].endswith("Z") and anna["notifications"][1]["at"] is None
    assert [(n["kind"], n["sent"]) for n in bob["notifications"]] == [("announce", True)]


def test_no_sent_log_means_no_notifications(tmp_path):
    frag = r.domain_fragment({"domain": "a.test", "mailboxes": BOXES, "run_dir": str(tmp_path / "reports" / "R1"),
                              "failure": {}})
    assert [m["notifications"] for m in frag["mailboxes"]] == [[], []]
