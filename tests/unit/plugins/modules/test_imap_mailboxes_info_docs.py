"""imap_mailboxes_info documents each mailbox's server and the inventory options as imap_mailbox_info does,
word for word (ansible-test wants the text in the module, so it is written twice and kept equal here)."""
from __future__ import annotations

import pathlib

import yaml

from tests.unit.plugins.modules.test_module_docs import doc_strings

MODULES = pathlib.Path(__file__).resolve().parents[4] / "plugins" / "modules"


def options(name):
    return yaml.safe_load(doc_strings(MODULES / name)["DOCUMENTATION"])["options"]


def test_server_and_inventory_options_are_imap_mailbox_info_s_own():
    one, many = options("imap_mailbox_info.py"), options("imap_mailboxes_info.py")
    nested = yaml.safe_dump(one["server"]).replace("O(server.", "O(mailboxes[].server.")
    assert many["mailboxes"]["suboptions"]["server"] == yaml.safe_load(nested)
    for name in ("folders_include", "folders_exclude", "big_message_size", "old_message_days", "largest",
                 "abandoned_days"):
        assert set(many[name]) == set(one[name]) and many[name]["type"] == one[name]["type"], name
        assert many[name].get("default") == one[name].get("default"), name
