"""The wave's groupware phase on the sandbox with groupware: contacts and calendars from a real Radicale into a
real SOGo (the Mailcow emulator's mailboxes are its users), Sieve filters from Dovecot Pigeonhole ManageSieve
into the emulator's filters, through ansible-playbook on examples/inventory.yml.

report.json's contacts/calendars/filters are checked against what the sandbox seeded and against what SOGo and
Mailcow hold; a second run changes nothing (copied 0, every groupware task changed=false), check mode neither.
"""
from __future__ import annotations

import json
import pathlib

import pytest
import requests

from ansible_collections.mailwave.migrate.plugins.module_utils._dav import content
from ansible_collections.mailwave.migrate.plugins.module_utils._dav.webdav import DavClient
from sandbox.sandbox import ABANDONED, DOMAINS, Sandbox
from tests.lib.playbook import run_playbook

REPO = pathlib.Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "examples"
INVENTORY = EXAMPLES / "inventory.yml"
GROUPWARE_TASKS = ("Copy each mailbox's address books and calendars into Mailcow's SOGo",
                   "Copy each mailbox's Sieve filters into Mailcow's filters")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    box = Sandbox(tmp_path_factory.mktemp("sandbox"), messages_per_box=2, groupware=True)
    box.start()
    try:
        yield box
    finally:
        box.stop()


def play(box, playbook="wave", **kw):
    return run_playbook(playbook, INVENTORY, cwd=str(EXAMPLES), env={"MAILWAVE_SANDBOX": str(box.dir)}, **kw)


def work_dir(box):
    return pathlib.Path(box.dir) / "work" / "wave1"


def latest_report(box):
    return json.loads(sorted((work_dir(box) / "reports").glob("*/report.json"))[-1].read_text())


def report_boxes(report):
    return {m["address"]: m for d in report["domains"] for m in d["mailboxes"] if m["action"] == "migrate"}


def credentials(box):
    creds = {}
    for path in (work_dir(box) / "credentials").glob("*.json"):
        creds.update(json.loads(path.read_text())["mailwave_credentials"])
    return creds


def sogo_objects(box, user, password, collection):
    kind = "addressbook" if collection.startswith("Contacts") else "calendar"
    client = DavClient(box.sogo.base_url, user, password)
    href = f"/SOGo/dav/{user}/{collection}"
    etags = client.etags(href)
    return {content.uid_of(d): d for _e, d in client.multiget(href, kind, sorted(etags)).values()} if etags else {}


def mailcow_filters(box, user):
    """The mailbox's filters as Mailcow's API gives them (get/filters/<user>)."""
    api = box.state["mailcow"]
    data = requests.get(f"{api['api_url']}/api/v1/get/filters/{user}", headers={"X-API-Key": api["api_key"]},
                        timeout=30).json()
    return [] if data == {} else data


def groupware_tasks(result):
    """The dav_sync and sieve_sync tasks of the run (their names carry the role's prefix)."""
    return [t for t in result.tasks if t["task"].endswith(GROUPWARE_TASKS)]


def test_wave_moves_contacts_calendars_and_filters_verified_and_reruns_change_nothing(sandbox):
    seeded = sandbox.state["groupware"]["seeded"]
    assert len(seeded) == 9 and sum(1 for s in seeded.values() if s["contacts"]) == 8

    # 0. Check mode before anything exists: the boxes are not on Mailcow yet; nothing is written anywhere.
    dry = play(sandbox, check=True)
    assert dry.rc == 0, dry.tail()
    assert "not looked at (created on Mailcow only by a real run)" in dry.stdout
    assert sandbox.mailcow.writes() == [] and sandbox.sogo.users() == []

    # 1. The wave: groupware after sync, then again in the cut-over's final delta.
    first = play(sandbox)
    assert first.rc == 0, first.tail()
    assert all(s["failures"] == 0 for s in first.stats.values()), first.stats
    ran = [t for t in groupware_tasks(first) if t["status"] == "ok"]
    assert len(ran) == 2 * 2 * len(DOMAINS), [(t["host"], t["task"], t["status"]) for t in groupware_tasks(first)]

    report = latest_report(sandbox)
    assert [d["status"] for d in report["domains"]] == ["ok", "ok", "ok"]
    assert all("groupware" in d["phases"] for d in report["domains"])
    boxes = report_boxes(report)
    assert set(boxes) == set(seeded)
    creds = credentials(sandbox)
    for address, want in seeded.items():
        got = boxes[address]
        for kind in ("contacts", "calendars"):
            assert got[kind] == {"source": want[kind], "copied": want[kind], "already_there": 0, "errors": 0,
                                 "verified": want[kind], "altered": 0}, (address, kind, got[kind])
        assert got["filters"] == {"source": want["filters"], "copied": want["filters"], "already_there": 0,
                                  "errors": 0}, (address, got["filters"])
        assert "groupware_errors" not in got
        # what SOGo and Mailcow hold: the seeded UIDs, invitations off, the script active
        cards = sogo_objects(sandbox, address, creds[address], "Contacts/personal/")
        events = sogo_objects(sandbox, address, creds[address], "Calendar/personal/")
        assert sorted(cards) == [f"mw-demo-{address}-card{i}" for i in range(want["contacts"])]
        assert sorted(events) == [f"mw-demo-{address}-event{i}" for i in range(want["calendars"])]
        if events:
            attendees = [line for line in content.unfold(events[f"mw-demo-{address}-event0"])
                         if line.upper().startswith(("ATTENDEE", "ORGANIZER"))]
            assert attendees and all("SCHEDULE-AGENT=CLIENT" in line.upper() for line in attendees)
        filters = mailcow_filters(sandbox, address)
        if want["filters"]:
            assert [(f["script_desc"], int(f["active"]), f["filter_type"]) for f in filters] == [("tri", 1, "prefilter")]
            assert 'fileinto "Listes"' in filters[0]["script_data"]
        else:
            assert filters == []
    assert boxes[ABANDONED]["contacts"]["source"] == 0
    # the report shows them, secrets stay out
    run_dir = sorted((work_dir(sandbox) / "reports").glob("*/report.json"))[-1].parent
    markdown = (run_dir / "report.md").read_text()
    assert "Contacts, calendars and filters (copied/source):" in markdown
    assert "| anna@alpha.test | 2/2 (2 verified) | 2/2 (2 verified) | 1/1 |" in markdown
    assert "<table id=\"groupware\">" in (run_dir / "report.html").read_text()
    secrets = list(creds.values()) + [b["password"] for d in sandbox.state["domains"].values() for b in d["mailboxes"]]
    for secret in secrets:
        assert secret not in first.stdout + first.stderr
        for path in run_dir.glob("report.*"):
            assert secret not in path.read_text()
    # the users' messages say their contacts move
    message = work_dir(sandbox) / "notifications" / "alpha.test" / "bruno@alpha.test.fr.txt"
    assert "Vos contacts et vos agendas sont déplacés" in message.read_text()

    # 2. A second run changes nothing: every groupware task ran and changed nothing, copied 0.
    second = play(sandbox)
    assert second.rc == 0, second.tail()
    assert second.changed_tasks() == [], [(t["host"], t["task"]) for t in second.changed_tasks()]
    ran = groupware_tasks(second)
    assert len(ran) == 2 * len(DOMAINS) and all(t["status"] == "ok" and not t["changed"] for t in ran), ran
    again = report_boxes(latest_report(sandbox))
    for address, want in seeded.items():
        for kind in ("contacts", "calendars"):
            assert again[address][kind] == {"source": want[kind], "copied": 0, "already_there": want[kind],
                                            "errors": 0, "verified": want[kind], "altered": 0}
        assert again[address]["filters"] == {"source": want["filters"], "copied": 0,
                                             "already_there": want["filters"], "errors": 0}

    # 3. Check mode predicts no change and writes nothing.
    writes = len(sandbox.mailcow.writes())
    checked = play(sandbox, check=True, diff=True)
    assert checked.rc == 0, checked.tail()
    assert checked.changed_tasks() == [], [(t["host"], t["task"]) for t in checked.changed_tasks()]
    assert len(sandbox.mailcow.writes()) == writes

    # 4. A new contact at the source moves with the next groupware run, and only it.
    address = "anna@alpha.test"
    session = sandbox.radicale.session(address)
    card = ("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:mw-late-card\r\nFN:Late Comer\r\nN:Comer;Late;;;\r\n"
            "EMAIL:late@partner.test\r\nEND:VCARD\r\n")
    answer = session.put(sandbox.radicale.home_url(address) + "contacts/late.vcf", data=card.encode(),
                         headers={"Content-Type": "text/vcard"}, timeout=30)
    assert answer.status_code == 201
    delta = play(sandbox, tags="groupware", limit="alpha.test")
    assert delta.rc == 0, delta.tail()
    assert [(t["host"], t["task"].split(" : ")[-1]) for t in delta.changed_tasks()] == [("alpha.test", GROUPWARE_TASKS[0])]
    anna = report_boxes(latest_report(sandbox))[address]["contacts"]
    assert anna == {"source": 3, "copied": 1, "already_there": 2, "errors": 0, "verified": 3, "altered": 0}
    assert "mw-late-card" in sogo_objects(sandbox, address, credentials(sandbox)[address], "Contacts/personal/")

    # 5. mailwave_groupware: false skips the phase for the domain, and says so.
    off = play(sandbox, tags="groupware", limit="beta.test", extra_vars={"mailwave_groupware": False})
    assert off.rc == 0, off.tail()
    assert "mailwave_groupware is false: contacts, calendars and filters are not moved" in off.stdout
    assert all(t["status"] == "skipped" for t in groupware_tasks(off))
