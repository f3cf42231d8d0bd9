"""The groupware role with mailwave_groupware_source.sieve.provider google: boxes with a source_oauth2_token get
their Gmail filters (Gmail emulator, documented answers) converted into a Mailcow filter (Mailcow emulator);
a box without a token is named; a re-run changes nothing; the token never shows in the output."""
from __future__ import annotations

import secrets

import requests
import yaml

from tests.lib.playbook import run_playbook
from tests.servers.provider_api import GmailApi


def test_groupware_phase_converts_gmail_filters_per_box(mailcow, tmp_path):
    token = "ya29." + secrets.token_urlsafe(24)
    gmail = GmailApi("anna@alpha.test", token).start()
    try:
        headers = {"X-API-Key": mailcow.rw_key}
        requests.post(mailcow.url + "/api/v1/add/domain", json={"domain": "alpha.test"}, headers=headers, timeout=30)
        for local in ("anna", "bruno"):
            requests.post(mailcow.url + "/api/v1/add/mailbox", headers=headers, timeout=30,
                          json={"local_part": local, "domain": "alpha.test", "password": "Pw-123456",
                                "password2": "Pw-123456"})
        inventory = tmp_path / "inventory.yml"
        inventory.write_text(yaml.safe_dump({"all": {"hosts": {"alpha.test": {
            "ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}}}}))
        playbook = tmp_path / "play.yml"
        playbook.write_text(yaml.safe_dump([{"hosts": "alpha.test", "gather_facts": False, "tasks": [
            {"name": "groupware", "ansible.builtin.include_role": {"name": "mailwave.migrate.groupware"}}]}]))
        variables = {
            "mailwave_wave": "wave1", "mailwave_work_dir": str(tmp_path / "work"),
            "mailwave_mailcow_host": "mail.example.org",
            "mailwave_mailcow": {"api_url": mailcow.url, "api_key": mailcow.rw_key},
            "mailwave_source": {"host": "imap.gmail.com"},
            "mailwave_mailboxes": [
                {"address": "anna@alpha.test", "name": "Anna", "source_oauth2_token": token},
                {"address": "bruno@alpha.test", "name": "Bruno", "source_password": "src-b"}],
            "mailwave_credentials": {"anna@alpha.test": "Pw-123456", "bruno@alpha.test": "Pw-123456"},
            "mailwave_groupware_source": {"sieve": {"provider": "google", "gmail_url": gmail.url}},
        }
        first = run_playbook(playbook, inventory, extra_vars=variables)
        assert first.rc == 0, first.tail()
        assert "anna@alpha.test: filters 1/1 copied, 0 already there, 0 error(s)" in first.stdout
        stored = requests.get(mailcow.url + "/api/v1/get/filters/anna@alpha.test", headers=headers, timeout=30).json()
        assert [(f["script_desc"], f["active"]) for f in stored] == [("gmail-filters", 1)]
        assert "no source_oauth2_token for bruno@alpha.test" in first.stdout
        assert "anna@alpha.test: 7 of 8 rules converted; not converted: Gmail filter ANe1BmjA6" in first.stdout
        assert token not in first.stdout + first.stderr

        again = run_playbook(playbook, inventory, extra_vars=variables)
        assert again.rc == 0, again.tail()
        assert "anna@alpha.test: filters 0/1 copied, 1 already there, 0 error(s)" in again.stdout
        assert again.stats["alpha.test"]["changed"] == 0, again.tail()
    finally:
        gmail.stop()
