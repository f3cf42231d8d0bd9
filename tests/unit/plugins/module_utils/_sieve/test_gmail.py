"""Gmail filters -> Sieve, row by row: each criterion and action, what is reported, the whole script's require."""
from __future__ import annotations

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._sieve import gmail

LABELS = {"labels": [{"id": "INBOX", "name": "INBOX", "type": "system"},
                     {"id": "Label_1", "name": "Invoices", "type": "user"},
                     {"id": "Label_2", "name": "Work/Projects", "type": "user"}]}


def one(criteria, action, **settings):
    script, report = gmail.convert(dict({"labels": LABELS, "filters": {"filter": [
        {"id": "F1", "criteria": criteria, "action": action}]}}, **settings), "anna@alpha.test")
    return script, report


@pytest.mark.parametrize("criteria, test", [
    ({"from": "billing@shop.example"}, 'if header :contains "from" "billing@shop.example" {'),
    ({"from": "a@x.example OR b@y.example"}, 'if header :contains "from" ["a@x.example", "b@y.example"] {'),
    ({"from": "{a@x.example b@y.example}"}, 'if header :contains "from" ["a@x.example", "b@y.example"] {'),
    ({"from": "John Smith"}, 'if allof(header :contains "from" "John", header :contains "from" "Smith") {'),
    ({"to": "team"}, 'if header :contains ["to", "cc"] "team" {'),
    ({"subject": "weekly   report"}, 'if header :contains "subject" "weekly report" {'),
    ({"subject": "a OR b"}, 'if header :contains "subject" ["a", "b"] {'),
    ({"size": 1000, "sizeComparison": "larger"}, "if size :over 1000 {"),
    ({"size": 1000, "sizeComparison": "smaller"}, "if size :under 1000 {"),
    ({"query": "list:dev.example smaller:2M"}, 'if allof(header :contains "list-id" "dev.example", size :under 2097152) {'),
    ({"query": '"exact phrase"'}, 'if body :text :contains "exact phrase" {'),
    ({"from": "x@y.example", "negatedQuery": "urgent"},
     'if allof(header :contains "from" "x@y.example", not body :text :contains "urgent") {'),
    ({"hasAttachment": True}, 'if header :mime :anychild :contains "Content-Disposition" "attachment" {'),
])
def test_criteria(criteria, test):
    script, report = one(criteria, {"addLabelIds": ["Label_1"]})
    assert test in script, script
    assert report["converted"] == 1 and report["not_converted"] == []


@pytest.mark.parametrize("criteria, reason", [
    ({"query": "is:unread"}, "Gmail search operator is:"),
    ({"query": "label:foo"}, "Gmail search operator label:"),
    ({"query": "from:a -from:b"}, "Gmail search operator"),
    ({"from": "a (b OR c)"}, "Gmail search operator '('"),
    ({"from": "-spam@x.example"}, "Gmail search operator '-spam@x.example'"),
    ({"from": "repo*"}, "wildcard"),
    ({"size": 10}, "without sizeComparison"),
    ({"excludeChats": True}, "no criterion Sieve can test"),
])
def test_criteria_without_sieve_keep_the_filter_as_comments(criteria, reason):
    script, report = one(criteria, {"addLabelIds": ["Label_1"]})
    assert report["converted"] == 0
    assert len(report["not_converted"]) == 1 and reason in report["not_converted"][0]["what"], report
    assert report["not_converted"][0]["what"].startswith("the whole filter")
    assert "\nif " not in script and '# if ' in script and "NOT ACTIVE" in script


@pytest.mark.parametrize("action, lines, missing", [
    ({"addLabelIds": ["Label_1"]}, ['fileinto :create :copy "Invoices";'], []),
    ({"addLabelIds": ["Label_2"], "removeLabelIds": ["INBOX"]}, ['fileinto :create "Work/Projects";'], []),
    ({"removeLabelIds": ["INBOX"]}, ['fileinto :create "Archive";'], []),
    ({"removeLabelIds": ["UNREAD"], "addLabelIds": ["Label_1"]},
     ['addflag "\\\\Seen";', 'fileinto :create :copy "Invoices";'], []),
    ({"addLabelIds": ["STARRED"]}, ['addflag "\\\\Flagged";'], []),
    ({"addLabelIds": ["TRASH"]}, ['fileinto :create "Trash";'], []),
    ({"addLabelIds": ["SPAM"]}, ['fileinto :create "Junk";'], []),
    ({"forward": "fwd@else.example"}, ['redirect :copy "fwd@else.example";'], []),
    ({"addLabelIds": ["IMPORTANT", "Label_1"]}, ['fileinto :create :copy "Invoices";'],
     ["add label IMPORTANT (no Sieve equivalent at Mailcow)"]),
    ({"addLabelIds": ["CATEGORY_SOCIAL", "Label_1"]}, ['fileinto :create :copy "Invoices";'],
     ["add label CATEGORY_SOCIAL (no Sieve equivalent at Mailcow)"]),
    ({"addLabelIds": ["Label_9", "Label_1"]}, ['fileinto :create :copy "Invoices";'],
     ["add label Label_9 (not in the account's labels)"]),
    ({"removeLabelIds": ["SPAM"], "addLabelIds": ["Label_1"]}, ['fileinto :create :copy "Invoices";'],
     ["remove label SPAM (never send to Spam: Mailcow's spam filter decides)"]),
])
def test_actions(action, lines, missing):
    script, report = one({"from": "x@y.example"}, action)
    block = script[script.index("if header"):]
    assert [line.strip() for line in block.splitlines()[1:-1]] == lines, script
    assert [n["what"] for n in report["not_converted"]] == missing


def test_an_unverified_forwarding_address_is_not_used():
    script, report = one({"from": "x@y.example"}, {"forward": "old@pending.example", "addLabelIds": ["Label_1"]},
                         forwarding_addresses={"forwardingAddresses": [
                             {"forwardingEmail": "old@pending.example", "verificationStatus": "pending"}]})
    assert "redirect" not in script
    assert report["not_converted"] == [{"rule": "Gmail filter F1", "what": "forward to old@pending.example (not a "
                                        "verified forwarding address at Gmail)"}]


def test_a_filter_with_no_action_left_is_reported_whole():
    script, report = one({"from": "x@y.example"}, {"addLabelIds": ["IMPORTANT"]})
    assert report["converted"] == 0 and "NOT ACTIVE (nothing left to do)" in script
    assert [n["what"] for n in report["not_converted"]] == ["add label IMPORTANT (no Sieve equivalent at Mailcow)",
                                                            "the whole filter: no action left"]


def test_a_filter_with_no_action_left_reports_no_approximation():
    """Like a Microsoft 365 rule: what a rule that does not run approximates is not reported (sievetext.tally)."""
    script, report = one({"hasAttachment": True}, {"addLabelIds": ["IMPORTANT"]})
    assert report["converted"] == 0 and "NOT ACTIVE (nothing left to do)" in script
    assert report["approximations"] == []
    assert one({"hasAttachment": True}, {"addLabelIds": ["Label_1"]})[1]["approximations"] == [
        {"rule": "Gmail filter F1", "what": "hasAttachment tested as a MIME part with Content-Disposition attachment"}]


def test_vacation_with_dates_domain_and_html():
    script, report = gmail.convert({"vacation": {
        "enableAutoReply": True, "responseSubject": "Away", "responseBodyHtml": "<p>Away</p>",
        "restrictToDomain": True, "restrictToContacts": True, "startTime": "1795046400000"}}, "anna@alpha.test")
    assert ('if allof(currentdate :zone "+0000" :value "ge" "iso8601" "2026-11-19T00:00:00Z", '
            'address :domain :is "from" "alpha.test") {') in script
    assert 'vacation :days 4 :subject "Away" :mime "Content-Type: text/html; charset=utf-8\r\n\r\n<p>Away</p>";' in script
    assert report["converted"] == 1
    assert any("restrictToContacts" in a["what"] for a in report["approximations"])
    assert gmail.convert({"vacation": {"enableAutoReply": False}})[1]["rules"] == 0


@pytest.mark.parametrize("disposition, lines", [
    ("leaveInInbox", ['redirect :copy "me@else.example";']),
    ("markRead", ['addflag "\\\\Seen";', 'redirect :copy "me@else.example";']),
    ("archive", ['redirect :copy "me@else.example";', 'fileinto :create "Archive";']),
    ("trash", ['redirect :copy "me@else.example";', 'fileinto :create "Trash";']),
])
def test_auto_forwarding(disposition, lines):
    script, _report = gmail.convert({"auto_forwarding": {"enabled": True, "emailAddress": "me@else.example",
                                                         "disposition": disposition}})
    body = script.split("# Gmail automatic forwarding (%s)\n" % disposition)[1].strip().splitlines()
    assert body == lines


def test_require_names_exactly_what_is_used():
    script, _report = one({"from": "x"}, {"addLabelIds": ["Label_1"]})
    assert 'require ["copy", "fileinto", "mailbox"];' in script
    script, _report = gmail.convert({})
    assert "require" not in script
