"""The groupware role through ansible-playbook, DAV part, against the real Radicale and SOGo:

- a box that logs in to IMAP with an OAuth2 token moves when the DAV source is Google (its token goes as a
  bearer token to a Google-shaped proxy in front of Radicale, see bearer_proxy.py);
- a box whose DAV login differs from its IMAP login moves with mailwave_groupware_dav_logins;
- an OAuth2 box with a non-Google DAV source and no DAV login is named and not moved.
"""
from __future__ import annotations

import yaml

from tests.integration.groupware import corpus
from tests.integration.groupware.bearer_proxy import BearerProxy
from tests.integration.groupware.test_dav_sync import _sogo_objects
from tests.lib.playbook import run_playbook

TOKEN = "ya29.role-token-42"
COPY_TASK = "Copy each mailbox's address books and calendars into Mailcow's SOGo"


def _play(tmp_path, variables, check=False):
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(yaml.safe_dump({"all": {"hosts": {"example.org": {
        "ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}}}}))
    playbook = tmp_path / "play.yml"
    playbook.write_text(yaml.safe_dump([{"hosts": "example.org", "gather_facts": False, "tasks": [
        {"name": "groupware", "ansible.builtin.include_role": {"name": "mailwave.migrate.groupware"}}]}]))
    base = {"mailwave_wave": "wave1", "mailwave_work_dir": str(tmp_path / "work"), "mailwave_mailcow_host": "mail.example.org",
            "mailwave_source": {"host": "imap.old.example"}, "mailwave_mailcow": {}}
    return run_playbook(playbook, inventory, extra_vars={**base, **variables}, check=check)


def _seed(radicale, user):
    session = radicale.session(user)
    home = radicale.home_url(user)
    corpus.make_collection(session, home + "contacts/", "addressbook", "Contacts")
    corpus.make_collection(session, home + "cal/", "calendar", "Agenda", "#3366CCFF")
    cards = dict(list(corpus.vcards().items())[:2])
    events = {u: d for u, d in corpus.calendar_objects(large=False).items() if "VTODO" not in d}
    events = dict(list(events.items())[:2])
    corpus.put(session, home + "contacts/", cards, "addressbook")
    corpus.put(session, home + "cal/", events, "calendar")
    return cards, events


def _copies(result):
    return [r for t in result.tasks if t["task"].endswith(COPY_TASK) for r in t.get("results", [t])]


def test_oauth2_box_moves_from_google(radicale, radicale_account, sogo, sogo_account, tmp_path):
    src_user, src_password = radicale_account()
    cards, events = _seed(radicale, src_user)
    address, password = sogo_account()
    paths = {f"/carddav/v1/principals/{address}/lists/default/": f"/{src_user}/contacts/",
             f"/caldav/v2/{address}/events/": f"/{src_user}/cal/"}
    variables = {"mailwave_mailboxes": [{"address": address, "source_oauth2_token": TOKEN}],
                 "mailwave_credentials": {address: password},
                 "mailwave_groupware_destination": {"url": sogo.base_url},
                 "mailwave_groupware_source": {"dav": {"provider": "google"}}}
    with BearerProxy(radicale.base_url, TOKEN, (src_user, src_password), paths) as proxy:
        variables["mailwave_groupware_source"]["dav"]["url"] = proxy.url
        dry = _play(tmp_path, variables, check=True)
        assert dry.rc == 0, dry.tail()
        assert _sogo_objects(sogo, address, password, "Contacts/personal/") == {}
        first = _play(tmp_path, variables)
        assert first.rc == 0, first.tail()
        assert set(proxy.seen) == {"Bearer " + TOKEN}
        assert f"{address}: contacts {len(cards)}/{len(cards)} copied" in first.stdout, first.tail()
        assert "log in with an OAuth2 token" not in first.stdout
        assert set(_sogo_objects(sogo, address, password, "Contacts/personal/")) == set(cards)
        assert set(_sogo_objects(sogo, address, password, "Calendar/personal/")) == set(events)
        again = _play(tmp_path, variables)
        assert again.rc == 0, again.tail()
        assert f"{address}: contacts 0/{len(cards)} copied" in again.stdout, again.tail()
    assert TOKEN not in first.stdout and TOKEN not in again.stdout


def test_dav_login_of_its_own_and_oauth2_box_without_one(radicale, radicale_account, sogo, sogo_account, tmp_path):
    src_user, src_password = radicale_account()
    cards, events = _seed(radicale, src_user)
    anna, anna_password = sogo_account()
    otto, otto_password = sogo_account()
    # anna's IMAP login differs from her DAV one: Radicale would refuse source_user/source_password
    boxes = [{"address": anna, "source_user": "anna.imap", "source_password": "imap-only"},
             {"address": otto, "source_oauth2_token": TOKEN}]
    variables = {"mailwave_mailboxes": boxes,
                 "mailwave_credentials": {anna: anna_password, otto: otto_password},
                 "mailwave_groupware_dav_logins": {anna: {"user": src_user, "password": src_password}},
                 "mailwave_groupware_destination": {"url": sogo.base_url},
                 "mailwave_groupware_source": {"dav": {"url": radicale.base_url}}}
    first = _play(tmp_path, variables)
    assert first.rc == 0, first.tail()
    assert f"{anna}: contacts {len(cards)}/{len(cards)} copied" in first.stdout, first.tail()
    assert f"Not moved: {otto} log in with an OAuth2 token" in first.stdout, first.tail()
    assert set(_sogo_objects(sogo, anna, anna_password, "Contacts/personal/")) == set(cards)
    assert set(_sogo_objects(sogo, anna, anna_password, "Calendar/personal/")) == set(events)
    assert _sogo_objects(sogo, otto, otto_password, "Contacts/personal/") == {}
    assert src_password not in first.stdout

    # without the DAV login, the box's IMAP login is used, and Radicale refuses it: reported, not hidden
    variables.pop("mailwave_groupware_dav_logins")
    (tmp_path / "refused").mkdir()
    refused = _play(tmp_path / "refused", variables)  # a work dir of its own: no state file, no token kept
    assert refused.rc == 0, refused.tail()
    assert f"{anna}: contacts and calendars:" in refused.stdout and "refused the login of anna.imap" in refused.stdout


def test_oauth2_box_moves_from_microsoft_365(sogo, sogo_account, tmp_path):
    from ansible_collections.mailwave.migrate.plugins.module_utils._dav import graph_convert
    from tests.servers.graph_dav import GraphDavApi, recorded_account

    address, password = sogo_account()
    account = recorded_account(address)
    token = "eyJ0eXAi.role-graph-token"
    variables = {"mailwave_mailboxes": [{"address": address, "source_oauth2_token": token}],
                 "mailwave_credentials": {address: password},
                 "mailwave_groupware_destination": {"url": sogo.base_url},
                 "mailwave_groupware_source": {"dav": {"provider": "microsoft"}}}
    with GraphDavApi(address, token, account).start() as api:
        variables["mailwave_groupware_source"]["dav"]["url"] = api.url
        first = _play(tmp_path, variables)
        assert first.rc == 0, first.tail()
        contacts = len(account["contacts"]) + len(account["contactFolders"][0]["_contacts"])
        assert f"{address}: contacts {contacts}/{contacts} copied" in first.stdout, first.tail()
        assert "log in with an OAuth2 token" not in first.stdout
        events = account["calendars"][0]["_events"]
        assert set(_sogo_objects(sogo, address, password, "Calendar/personal/")) == {
            graph_convert.ical_uid(e) for e in events}
        again = _play(tmp_path, variables)
        assert again.rc == 0, again.tail()
        assert f"{address}: contacts 0/{contacts} copied" in again.stdout, again.tail()
    assert token not in first.stdout and token not in again.stdout
