"""dav_syncs: the argument handling of the list module, and its options documented as dav_sync's own."""
from __future__ import annotations

import pathlib
import socket

import yaml

from ansible_collections.mailwave.migrate.plugins.doc_fragments._dav import ModuleDocFragment as Dav
from ansible_collections.mailwave.migrate.plugins.module_utils._dav.account import copy_options_spec
from tests.unit.plugins.modules.test_module_docs import doc_strings

MODULES = pathlib.Path(__file__).resolve().parents[4] / "plugins" / "modules"


def options(name):
    return yaml.safe_load(doc_strings(MODULES / name)["DOCUMENTATION"])["options"]


def test_account_options_are_dav_sync_s_own():
    one, many = options("dav_sync.py"), options("dav_syncs.py")
    for name in ("source", "destination", "state_file"):
        nested = yaml.safe_dump(one[name]).replace("O(source.", "O(accounts[].source.")
        assert many["accounts"]["suboptions"][name] == yaml.safe_load(nested), name


def test_copy_options_come_from_one_fragment_and_one_spec():
    """kinds, on_conflict and timeout: documented once (doc fragment _dav), specified once (copy_options_spec)."""
    fragment = yaml.safe_load(Dav.DOCUMENTATION)["options"]
    spec = copy_options_spec()
    assert set(fragment) == set(spec)
    for name, doc in fragment.items():
        assert (doc["type"], doc.get("default"), doc.get("choices")) == \
            (spec[name]["type"], spec[name].get("default"), spec[name].get("choices")), name
    for module in ("dav_sync.py", "dav_syncs.py"):
        doc = yaml.safe_load(doc_strings(MODULES / module)["DOCUMENTATION"])
        assert "mailwave.migrate._dav" in doc["extends_documentation_fragment"], module
        assert not set(doc["options"]) & set(fragment), module


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def account(tmp_path, name, port, password="S3cret-src"):
    return {"id": name, "source": {"url": "http://127.0.0.1:%d" % port, "user": name, "password": password},
            "destination": {"url": "http://127.0.0.1:%d" % port, "user": name, "password": "N3w-secret"},
            "state_file": str(tmp_path / (name + ".json"))}


def test_refused_accounts_are_reported_each_and_the_module_does_not_fail(run_module, tmp_path):
    port = closed_port()
    bad_url = dict(account(tmp_path, "carol@example.org", port),
                   destination={"url": "mail.example.org", "user": "carol", "password": "Xx-secret-3"})
    res = run_module("dav_syncs", {"accounts": [account(tmp_path, "anna@example.org", port),
                                                account(tmp_path, "bob@example.org", port), bad_url],
                                   "parallel": 2})
    assert not res.failed and not res.changed and not res.get("crashed"), res
    assert [a["id"] for a in res["accounts"]] == ["anna@example.org", "bob@example.org", "carol@example.org"]
    assert all(a["failed"] and a["msg"] and not a["changed"] for a in res["accounts"]), res["accounts"]
    assert "destination.url must start with https://" in res["accounts"][2]["msg"]
    assert "S3cret-src" not in res.stdout and "N3w-secret" not in res.stdout


def test_bad_arguments_fail_the_module_before_any_copy(run_module, tmp_path):
    one = account(tmp_path, "anna@example.org", 1)
    twice = run_module("dav_syncs", {"accounts": [one, dict(one)]})
    assert twice.failed and "accounts listed twice: anna@example.org" in twice["msg"]
    shared = run_module("dav_syncs", {"accounts": [one, dict(one, id="other")]})
    assert shared.failed and "state_file used by more than one account" in shared["msg"]
    zero = run_module("dav_syncs", {"accounts": [one], "parallel": 0})
    assert zero.failed and "parallel must be 1 or more" in zero["msg"]
    both = run_module("dav_syncs", {"accounts": [dict(one, source=dict(one["source"], oauth2_token="T0ken-secret"))]})
    assert both.failed and "mutually exclusive" in both["msg"]
    assert "S3cret-src" not in twice.stdout + shared.stdout + zero.stdout + both.stdout


def test_no_accounts_is_no_change(run_module):
    res = run_module("dav_syncs", {"accounts": []})
    assert not res.failed and not res.changed and res["accounts"] == []
