"""Every message key of the Mailcow API specification becomes a sentence the user can act on."""
from __future__ import annotations

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.errors import (
    HTTP_MESSAGES, MESSAGES, describe)

# Every error key of ../shared/reference/mailcow-api.md, with example arguments.
SPEC_KEYS = [
    ("domain_exists", ["example.com"]), ("domain_invalid", []), ("mailbox_defquota_exceeds_mailbox_maxquota", []),
    ("mailbox_quota_exceeds_domain_quota", []), ("defquota_empty", []), ("maxquota_empty", []),
    ("object_is_not_numeric", ["abc"]), ("domain_cannot_match_hostname", []), ("tag_limit_exceeded", ["limit 25"]),
    ("max_quota_in_use", [2048]), ("domain_quota_m_in_use", [3072]), ("mailboxes_in_use", [3]),
    ("aliases_in_use", [7]), ("domain_not_empty", ["migr.test"]), ("rl_timeframe", []), ("access_denied", []),
    ("mailbox_invalid", []), ("quarantine_category_invalid", []), ("object_exists", ["alice@migr.test"]),
    ("is_alias", ["alice@migr.test"]), ("is_spam_alias", ["x@migr.test"]), ("domain_not_found", ["nope.test"]),
    ("password_complexity", []), ("password_mismatch", []), ("max_mailbox_exceeded", [3, 3]),
    ("mailbox_quota_exceeded", [2048]), ("mailbox_quota_left_exceeded", [1024]),
    ("username_invalid", ["bad"]), ("unlimited_quota_acl", []), ("alias_empty", []), ("goto_empty", []),
    ("goto_invalid", ["bad goto"]), ("max_alias_exceeded", []), ("is_alias_or_mailbox", ["a@migr.test"]),
    ("alias_invalid", ["a b@migr.test"]), ("comment_too_long", []), ("no_user_defined", []),
    ("bad option regextrans2", []), ("bad character SPACE", []), ("dkim_domain_or_sel_invalid", ["migr.test"]),
    ("invalid_nexthop", []), ("invalid_nexthop_authenticated", []), ("transport_dest_exists", ["migr.test"]),
    ("invalid_destination", ["bad!"]), ("next_hop_interferes", ["a", "b"]), ("next_hop_interferes_any", ["nh"]),
]
HTTP_KEYS = ["authentication failed", "API read/write access denied", "route not found",
             "only GET method is allowed", "only POST method is allowed", "Request body doesn't contain valid json!",
             "Cannot find attributes in post data"]


@pytest.mark.parametrize("key, args", SPEC_KEYS)
def test_every_spec_key_has_a_sentence(key, args):
    assert key in MESSAGES or key.startswith("bad option ")
    request = {"quota": 3000, "domain": "migr.test", "local_part": "bob", "defquota": 3000, "maxquota": 2048,
               "username": "bob@migr.test"}
    sentence = describe([key] + args if args else key, request)
    assert len(sentence) > len(key) + 20
    assert "?" not in sentence.split("(Mailcow message")[0]
    for arg in args:
        assert str(arg) in sentence


@pytest.mark.parametrize("key", HTTP_KEYS)
def test_http_level_messages(key):
    assert describe(key) == HTTP_MESSAGES[key]


def test_issue_example_sentence():
    sentence = describe(["mailbox_quota_exceeded", 2048], {"quota": 3000, "local_part": "bob", "domain": "migr.test"})
    assert sentence.startswith("mailbox quota 3000 MiB exceeds the domain maximum of 2048 MiB")


def test_access_denied_means_what_the_request_was():
    assert "domain nope.test does not exist" in describe("access_denied", {"domain": "nope.test"}, "add", "mailbox")
    assert "mailbox x@y.test does not exist" in describe("access_denied", {"username": "x@y.test"}, "add", "syncjob")


def test_passwords_never_fill_a_sentence():
    sentence = describe("password_complexity", {"password": "Hunter2!", "password2": "Hunter2!"})
    assert "Hunter2!" not in sentence


def test_unknown_key_is_still_reported():
    assert "some_new_key" in describe(["some_new_key", "x"])
