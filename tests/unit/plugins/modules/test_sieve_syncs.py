"""sieve_syncs: the argument handling of the list module, and its options documented as sieve_sync's own."""
from __future__ import annotations

import socket

import yaml

from tests.unit.plugins.modules.test_dav_syncs import options


def test_account_options_are_sieve_sync_s_own():
    one, many = options("sieve_sync.py"), options("sieve_syncs.py")
    for name in ("source", "mailbox"):
        nested = yaml.safe_dump(one[name]).replace("O(source.", "O(accounts[].source.")
        assert many["accounts"]["suboptions"][name] == yaml.safe_load(nested), name
    assert many["filter_type"] == one["filter_type"]


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def account(name, port, **source):
    return {"id": name, "mailbox": name,
            "source": dict({"host": "127.0.0.1", "port": port, "user": name, "password": "S3cret-sieve"}, **source)}


def test_refused_accounts_are_reported_each_and_the_module_does_not_fail(run_module):
    port = closed_port()
    res = run_module("sieve_syncs", {"api_url": "http://127.0.0.1:%d" % port, "api_key": "K3y-secret-api",
                                     "accounts": [account("anna@example.org", port),
                                                  account("bob@example.org", port, security="plain")]})
    assert not res.failed and not res.changed and not res.get("crashed"), res
    anna, bob = res["accounts"]
    assert anna["id"] == "anna@example.org" and anna["failed"] and anna["msg"] and not anna["changed"]
    assert bob["failed"] and "sends the password in clear text" in bob["msg"]
    assert "S3cret-sieve" not in res.stdout and "K3y-secret-api" not in res.stdout


def test_bad_arguments_fail_the_module(run_module):
    base = {"api_url": "http://127.0.0.1:1", "api_key": "K3y-secret-api"}
    one = account("anna@example.org", 1)
    twice = run_module("sieve_syncs", dict(base, accounts=[one, dict(one)]))
    assert twice.failed and "accounts listed twice: anna@example.org" in twice["msg"]
    same_box = run_module("sieve_syncs", dict(base, accounts=[one, dict(one, id="other")]))
    assert same_box.failed and "mailbox given to more than one account: anna@example.org" in same_box["msg"]
    zero = run_module("sieve_syncs", dict(base, accounts=[one], parallel=0))
    assert zero.failed and "parallel must be 1 or more" in zero["msg"]
    none = run_module("sieve_syncs", dict(base, accounts=[]))
    assert not none.failed and not none.changed and none["accounts"] == []
