"""The Mailcow emulator's filter endpoints behave as Mailcow's code does (functions.mailbox.inc.php)."""
from __future__ import annotations

import requests


def _call(mailcow, path, payload=None):
    headers = {"X-API-Key": mailcow.rw_key}
    if payload is None:
        return requests.get(mailcow.url + "/api/v1/" + path, headers=headers, timeout=30).json()
    return requests.post(mailcow.url + "/api/v1/" + path, json=payload, headers=headers, timeout=30).json()


def test_filter_add_edit_delete_and_one_active_per_type(mailcow):
    _call(mailcow, "add/domain", {"domain": "f.example"})
    _call(mailcow, "add/mailbox", {"local_part": "u", "domain": "f.example", "password": "Pw-123456",
                                   "password2": "Pw-123456"})
    assert _call(mailcow, "get/filters/u@f.example") == {}
    base = {"username": "u@f.example", "filter_type": "prefilter"}
    first = _call(mailcow, "add/filter", {**base, "script_desc": "one", "script_data": "keep;", "active": 1})
    assert first[0]["type"] == "success" and first[0]["msg"] == ["mailbox_modified", "u@f.example"]
    _call(mailcow, "add/filter", {**base, "script_desc": "two", "script_data": "discard;", "active": 1})
    rows = {r["script_desc"]: r for r in _call(mailcow, "get/filters/u@f.example")}
    assert rows["one"]["active"] == 0 and rows["two"]["active"] == 1  # adding an active one deactivates the other
    assert set(rows["one"]) == {"active", "id", "username", "filter_type", "script_data", "script_desc"}
    assert _call(mailcow, "add/filter", {**base, "script_desc": "x", "script_data": "if true { keep;"})[0]["msg"][0] \
        == "sieve_error"
    assert _call(mailcow, "add/filter", {**base, "script_desc": "x", "script_data": ""})[0]["msg"] == "script_empty"
    assert _call(mailcow, "add/filter", {**base, "script_desc": "", "script_data": "keep;"})[0]["msg"] == "value_missing"
    assert _call(mailcow, "add/filter", {**base, "filter_type": "x", "script_desc": "x",
                                         "script_data": "keep;"})[0]["msg"] == "filter_type"
    assert _call(mailcow, "add/filter", {**base, "username": "nobody@f.example", "script_desc": "x",
                                         "script_data": "keep;"})[0]["msg"] == "access_denied"
    edited = _call(mailcow, "edit/filter", {"items": [rows["one"]["id"]], "attr": {"active": 1}})
    assert edited[0]["msg"] == ["mailbox_modified", "u@f.example"]
    rows = {r["script_desc"]: r for r in _call(mailcow, "get/filters/u@f.example")}
    assert rows["one"]["active"] == 1 and rows["two"]["active"] == 0 and rows["one"]["script_data"] == "keep;"
    gone = _call(mailcow, "delete/filter", [rows["two"]["id"]])
    assert gone[0]["msg"] == ["delete_filter", str(rows["two"]["id"])]
    assert [r["script_desc"] for r in _call(mailcow, "get/filters/all")] == ["one"]


def test_mailcow_filter_module_present_idempotent_update_absent(run_module, mailcow):
    _call(mailcow, "add/domain", {"domain": "m.example"})
    _call(mailcow, "add/mailbox", {"local_part": "u", "domain": "m.example", "password": "Pw-123456",
                                   "password2": "Pw-123456"})
    args = mailcow.api_args(mailbox="u@m.example", description="vacation",
                            script='require "vacation";\nvacation :days 3 "Absent.";\n')
    predicted = run_module("mailcow_filter", args, check_mode=True, diff=True)
    assert not predicted.failed and predicted.changed, predicted
    assert _call(mailcow, "get/filters/u@m.example") == {}
    made = run_module("mailcow_filter", args, diff=True)
    assert not made.failed and made.changed, made
    assert made["filter"]["active"] is True and made["filter"]["description"] == "vacation"
    assert made["diff"]["after"]["script"] == args["script"]
    writes = len(mailcow.writes())
    crlf = dict(args, script=args["script"].replace("\n", "\r\n"))
    again = run_module("mailcow_filter", crlf)
    assert not again.failed and not again.changed and len(mailcow.writes()) == writes, again
    off = run_module("mailcow_filter", dict(args, active=False))
    assert off.changed and off["changes"] == ["active"] and off["filter"]["active"] is False
    gone = run_module("mailcow_filter", dict(args, state="absent"))
    assert gone.changed and _call(mailcow, "get/filters/u@m.example") == {}
    empty = run_module("mailcow_filter", dict(args, script=" "))
    assert empty.failed and "script is required" in empty["msg"]
