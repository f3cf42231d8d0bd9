"""Who gets the messages, row by row."""
from __future__ import annotations

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._notify.recipients import failed_mailboxes, recipient


@pytest.mark.parametrize("box, mailboxes, addresses, expected", [
    ({"address": "anna@a.test"}, None, None, "anna@a.test"),
    ({"address": "anna@a.test", "notify_address": "anna@perso.test"}, None, None, "anna@perso.test"),
    ({"address": "anna@a.test"}, [{"address": "Anna@A.test", "notify_address": "anna@perso.test"}], None,
     "anna@perso.test"),
    ({"address": "anna@a.test"}, [{"address": "bruno@a.test", "notify_address": "b@perso.test"}], None, "anna@a.test"),
    ({"address": "anna@a.test"}, [], {"ANNA@a.test": "a2@perso.test"}, "a2@perso.test"),
    ({"address": "anna@a.test"}, [{"address": "anna@a.test", "notify_address": ""}], {"anna@a.test": ""},
     "anna@a.test"),
])
def test_recipient(box, mailboxes, addresses, expected):
    assert recipient(box, mailboxes, addresses) == expected


def test_recipient_needs_an_address():
    with pytest.raises(ValueError):
        recipient({"name": "x"})


def test_failed_mailboxes_takes_the_last_run():
    results = [
        {"item": {"address": "anna@a.test"}, "failed": True, "msg": "login refused"},
        {"item": {"address": "anna@a.test"}, "changed": True, "totals": {"errors": 0}},
        {"item": {"address": "bruno@a.test"}, "failed": True, "msg": "quota exceeded"},
        {"item": {"address": "chloe@a.test"}, "changed": False},
    ]
    got = failed_mailboxes(results)
    assert [f["address"] for f in got] == ["bruno@a.test"]
    assert any("quota exceeded" in e for e in got[0]["errors"])
