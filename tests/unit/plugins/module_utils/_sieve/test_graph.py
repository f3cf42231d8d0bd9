"""Microsoft 365 inbox rules -> Sieve, row by row: predicates, actions, folder paths, order, automatic replies."""
from __future__ import annotations

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._sieve import graph

FOLDERS = {"IN": {"name": "Inbox", "parent": None}, "P": {"name": "Partners", "parent": "IN"},
           "PR": {"name": "Projects", "parent": None}, "AP": {"name": "Apollo", "parent": "PR"},
           "DEL": {"name": "Éléments supprimés", "parent": None}, "J": {"name": "Junk Email", "parent": None}}


def rule(conditions=None, actions=None, **extra):
    return dict({"id": "R1", "displayName": "r", "sequence": 1, "isEnabled": True,
                 "conditions": conditions or {"subjectContains": ["x"]},
                 "actions": actions or {"markAsRead": True}}, **extra)


def convert(*rules, replies=None):
    return graph.convert({"rules": list(rules), "folders": FOLDERS, "inbox_id": "IN",
                          "automatic_replies": replies}, "anna@alpha.test")


def who(address):
    return [{"emailAddress": {"name": "N", "address": address}}]


@pytest.mark.parametrize("conditions, test", [
    ({"subjectContains": ["a", "b"]}, 'header :contains "subject" ["a", "b"]'),
    ({"bodyContains": ["x"]}, 'body :text :contains "x"'),
    ({"bodyOrSubjectContains": ["x"]}, 'anyof(header :contains "subject" "x", body :text :contains "x")'),
    ({"senderContains": ["adele"]}, 'header :contains ["from", "sender"] "adele"'),
    ({"recipientContains": ["sales"]}, 'header :contains ["to", "cc"] "sales"'),
    ({"fromAddresses": who("a@x.example")}, 'address :is "from" "a@x.example"'),
    ({"sentToAddresses": who("t@x.example")}, 'address :is ["to", "cc"] "t@x.example"'),
    ({"hasAttachments": True}, 'header :mime :anychild :contains "Content-Disposition" "attachment"'),
    ({"importance": "high"}, 'anyof(header :is "importance" "high", header :matches "x-priority" "1*")'),
    ({"sentToMe": True}, 'address :is "to" "anna@alpha.test"'),
    ({"notSentToMe": True}, 'not address :is ["to", "cc"] "anna@alpha.test"'),
    ({"withinSizeRange": {"minimumSize": 1, "maximumSize": 2}}, "allof(size :over 1023, size :under 2049)"),
    ({"subjectContains": ["a"], "fromAddresses": who("f@x.example")},
     'allof(address :is "from" "f@x.example", header :contains "subject" "a")'),
])
def test_conditions(conditions, test):
    script, report = convert(rule(conditions))
    assert "if %s {" % test in script, script
    assert report["converted"] == 1 and report["not_converted"] == []


def test_exceptions_are_any_of_and_negated():
    script, _report = convert(rule({"subjectContains": ["a"]}, exceptions={"bodyContains": ["x"],
                                                                           "senderContains": ["boss"]}))
    assert ('if allof(header :contains "subject" "a", not anyof(body :text :contains "x", '
            'header :contains ["from", "sender"] "boss")) {') in script


@pytest.mark.parametrize("conditions", [{"isAutomaticReply": True}, {"categories": ["Red"]},
                                        {"headerContains": ["X-Foo"]}, {"sentOnlyToMe": True},
                                        {"isMeetingRequest": True}, {"sensitivity": "private"}])
def test_conditions_without_sieve_keep_the_rule_as_comments(conditions):
    script, report = convert(rule(conditions))
    assert report["converted"] == 0 and "\nif " not in script and "NOT ACTIVE (condition" in script
    assert report["not_converted"][0]["what"].startswith("the whole rule: condition " + list(conditions)[0])


@pytest.mark.parametrize("actions, lines, missing", [
    ({"moveToFolder": "P"}, ['fileinto :create "INBOX/Partners";'], []),
    ({"copyToFolder": "AP"}, ['fileinto :create :copy "Projects/Apollo";'], []),
    ({"moveToFolder": "DEL"}, ['fileinto :create "Trash";'], []),
    ({"moveToFolder": "J"}, ['fileinto :create "Junk";'], []),
    ({"moveToFolder": "IN"}, ['fileinto :create "INBOX";'], []),
    ({"delete": True}, ['fileinto :create "Trash";'], []),
    ({"permanentDelete": True, "delete": True}, ["discard;"], []),
    ({"markAsRead": True, "moveToFolder": "P"}, ['addflag "\\\\Seen";', 'fileinto :create "INBOX/Partners";'], []),
    ({"forwardTo": who("f@x.example"), "redirectTo": who("r@x.example")},
     ['redirect :copy "f@x.example";', 'redirect :copy "r@x.example";'], []),
    ({"moveToFolder": "P", "stopProcessingRules": True}, ['fileinto :create "INBOX/Partners";', "stop;"], []),
    ({"markAsRead": True, "markImportance": "high"}, ['addflag "\\\\Seen";'],
     ["markImportance high (no importance flag at Mailcow)"]),
    ({"markAsRead": True, "assignCategories": ["Red", "Blue"]}, ['addflag "\\\\Seen";'],
     ["assignCategories Red, Blue (Outlook categories)"]),
    ({"markAsRead": True, "forwardAsAttachmentTo": who("a@x.example")}, ['addflag "\\\\Seen";'],
     ["forwardAsAttachmentTo a@x.example (Sieve cannot wrap a message)"]),
    ({"markAsRead": True, "moveToFolder": "GONE"}, ['addflag "\\\\Seen";'],
     ["moveToFolder: the folder GONE is not among the mailbox's folders"]),
])
def test_actions(actions, lines, missing):
    script, report = convert(rule(actions=actions))
    block = script[script.index("if header"):]
    assert [line.strip() for line in block.splitlines()[1:-1]] == lines, script
    assert [n["what"] for n in report["not_converted"]] == missing


def test_sequence_order_and_disabled_rules():
    script, report = convert(rule(displayName="second", sequence=2),
                             rule(displayName="first", sequence=1, actions={"moveToFolder": "P"}),
                             rule(displayName="off", sequence=3, isEnabled=False))
    assert script.index("'first'") < script.index("'second'") < script.index("'off'")
    assert report["rules"] == 3 and report["converted"] == 2
    assert report["not_converted"] == [{"rule": "Microsoft 365 rule 'off' (sequence 3)",
                                        "what": "the whole rule: disabled at Microsoft 365"}]
    assert "# NOT ACTIVE (disabled at Microsoft 365):" in script


def test_automatic_replies_inside_and_outside():
    script, report = convert(replies={"status": "alwaysEnabled", "externalAudience": "all",
                                      "internalReplyMessage": "<p>in</p>", "externalReplyMessage": "<p>out</p>"})
    assert 'if address :domain :is "from" "alpha.test" {' in script
    assert 'if not address :domain :is "from" "alpha.test" {' in script
    assert script.count("vacation :days 7") == 2 and report["converted"] == 2


def test_automatic_replies_scheduled_contacts_only_and_disabled():
    script, report = convert(replies={
        "status": "scheduled", "externalAudience": "contactsOnly", "internalReplyMessage": "<p>in</p>",
        "externalReplyMessage": "<p>out</p>",
        "scheduledStartDateTime": {"dateTime": "2026-12-20T08:00:00.0000000", "timeZone": "Pacific Standard Time"},
        "scheduledEndDateTime": {"dateTime": "2027-01-04T08:00:00.0000000", "timeZone": "UTC"}})
    assert '"ge" "iso8601" "2026-12-20T08:00:00Z"' in script and '"lt" "iso8601" "2027-01-04T08:00:00Z"' in script
    assert script.count("vacation :days") == 1
    notes = [a["what"] for a in report["approximations"]]
    assert "scheduledStartDateTime in Pacific Standard Time taken as UTC" in notes
    assert any("contactsOnly" in n for n in notes)
    assert convert(replies={"status": "disabled"})[1]["rules"] == 0


@pytest.mark.parametrize("folder_id, path", [("P", "INBOX/Partners"), ("AP", "Projects/Apollo"), ("DEL", "Trash"),
                                             ("IN", "INBOX"), ("nope", None)])
def test_folder_path(folder_id, path):
    assert graph.folder_path(FOLDERS, folder_id, "IN") == path
