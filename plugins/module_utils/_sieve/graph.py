# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Microsoft 365 inbox rules (Graph v1.0 messageRule JSON), folders and automatic replies -> one Sieve script.

``convert(data, address)`` returns (script text, report), as gmail.convert. Rules run in ``sequence`` order;
``stopProcessingRules`` becomes ``stop``. Conditions are ANDed, the values of one condition ORed, and the rule
does not apply when any exception matches (Outlook's "except if"). A disabled rule, or one with a condition
Sieve cannot test, is written as comments only and listed in ``not_converted``; an action without a Sieve
equivalent is left out of its block and listed. Folder ids become folder paths (displayName of the folder and
its parents); Inbox is INBOX, and Deleted Items, Junk Email, Sent Items, Drafts and Archive (in any of the
languages the IMAP copy knows) are Mailcow's Trash, Junk, Sent, Drafts and Archive, as the IMAP copy maps them.
"""

from __future__ import annotations

from ansible_collections.mailwave.migrate.plugins.module_utils._imap.folders import guess_role
from ansible_collections.mailwave.migrate.plugins.module_utils._sieve import sievetext as st

SCRIPT_NAME = "microsoft-rules"
VACATION_DAYS = 7  # Exchange answers each sender once per period of automatic replies; Sieve needs a period
_ROLE_FOLDERS = {"\\Trash": st.TRASH, "\\Junk": st.JUNK, "\\Sent": "Sent", "\\Drafts": "Drafts",
                 "\\Archive": st.ARCHIVE}
_UNSUPPORTED_CONDITIONS = {
    "categories": "categories (Outlook categories are not in the message)",
    "headerContains": "headerContains (Sieve tests named headers only)",
    "isApprovalRequest": "isApprovalRequest", "isAutomaticForward": "isAutomaticForward",
    "isAutomaticReply": "isAutomaticReply", "isEncrypted": "isEncrypted", "isMeetingRequest": "isMeetingRequest",
    "isMeetingResponse": "isMeetingResponse", "isNonDeliveryReport": "isNonDeliveryReport",
    "isPermissionControlled": "isPermissionControlled", "isReadReceipt": "isReadReceipt", "isSigned": "isSigned",
    "isVoicemail": "isVoicemail", "messageActionFlag": "messageActionFlag", "sensitivity": "sensitivity",
    "sentOnlyToMe": "sentOnlyToMe (Sieve does not know every address of the mailbox)",
}


class Unsupported(ValueError):
    pass


def _addresses(recipients):
    return [r.get("emailAddress", {}).get("address", "") for r in recipients or [] if
            r.get("emailAddress", {}).get("address")]


def folder_path(folders, folder_id, inbox_id=None):
    """A Graph folder id -> the Mailcow folder name, or None when the id is unknown."""
    parts, current, seen = [], folder_id, set()
    while current and current in folders and current not in seen:
        seen.add(current)
        parts.insert(0, folders[current]["name"])
        current = folders[current].get("parent")
    if not parts:
        return None
    top_is_inbox = (folder_id == inbox_id) or (inbox_id in seen) or parts[0].casefold() == "inbox"
    if top_is_inbox:
        parts[0] = "INBOX"
    elif len(parts) == 1 and guess_role(parts[0]) in _ROLE_FOLDERS:
        return _ROLE_FOLDERS[guess_role(parts[0])]
    return "/".join(parts)


def _importance(level):
    high = st.any_of([st.Test('header :is "importance" "high"'), st.Test('header :matches "x-priority" "1*"')])
    low = st.any_of([st.Test('header :is "importance" "low"'), st.Test('header :matches "x-priority" "5*"')])
    if level == "high":
        return high
    if level == "low":
        return low
    return st.negate(st.any_of([high, low]))


def predicates_tests(pred, me, approximations):
    """messageRulePredicates -> [test], raising Unsupported for a predicate without a Sieve test."""
    tests = []
    for key, value in sorted((pred or {}).items()):
        if value in (None, [], False, ""):
            continue
        if key in _UNSUPPORTED_CONDITIONS:
            raise Unsupported(_UNSUPPORTED_CONDITIONS[key])
        if key == "bodyContains":
            approximations.append("bodyContains searched in the text parts (body :text)")
            tests.append(st.body_contains(value))
        elif key == "bodyOrSubjectContains":
            tests.append(st.any_of([st.header_contains(["subject"], value), st.body_contains(value)]))
        elif key == "subjectContains":
            tests.append(st.header_contains(["subject"], value))
        elif key == "senderContains":
            tests.append(st.header_contains(["from", "sender"], value))
        elif key == "recipientContains":
            tests.append(st.header_contains(["to", "cc"], value))
        elif key == "fromAddresses":
            tests.append(st.address_is(["from"], _addresses(value)))
        elif key == "sentToAddresses":
            tests.append(st.address_is(["to", "cc"], _addresses(value)))
        elif key == "hasAttachments":
            approximations.append("hasAttachments tested as a MIME part with Content-Disposition attachment")
            tests.append(st.has_attachment())
        elif key == "importance":
            approximations.append("importance read from the Importance and X-Priority headers")
            tests.append(_importance(value))
        elif key in ("sentToMe", "sentCcMe", "sentToOrCcMe", "notSentToMe"):
            approximations.append("%s compares with %s only (not the mailbox's aliases)" % (key, me))
            headers = {"sentToMe": ["to"], "sentCcMe": ["cc"]}.get(key, ["to", "cc"])
            test = st.address_is(headers, [me])
            tests.append(st.negate(test) if key == "notSentToMe" else test)
        elif key == "withinSizeRange":
            low, high = value.get("minimumSize"), value.get("maximumSize")  # kilobytes
            tests.append(st.size(over=int(low) * 1024 - 1 if low else None, under=int(high) * 1024 + 1 if high else None))
        else:
            raise Unsupported(key)
    return tests


def actions_for(actions, folders, inbox_id):
    """messageRuleActions -> ([(sieve, extensions)], [not converted], [approximations])."""
    out, missing, approx = [], [], []
    if actions.get("markAsRead"):
        out.append(st.addflag("\\Seen"))
    if actions.get("markImportance"):
        missing.append("markImportance %s (no importance flag at Mailcow)" % actions["markImportance"])
    if actions.get("assignCategories"):
        missing.append("assignCategories %s (Outlook categories)" % ", ".join(actions["assignCategories"]))
    for key, copy in (("copyToFolder", True), ("moveToFolder", False)):
        if actions.get(key):
            path = folder_path(folders, actions[key], inbox_id)
            if path is None:
                missing.append("%s: the folder %s is not among the mailbox's folders" % (key, actions[key]))
            else:
                out.append(st.fileinto(path, copy=copy))
    for key in ("forwardTo", "redirectTo"):
        for address in _addresses(actions.get(key)):
            out.append(st.redirect(address))
    if actions.get("forwardTo"):
        approx.append("forwardTo sends the message on unchanged (Sieve redirect), not as a new message from the user")
    if actions.get("forwardAsAttachmentTo"):
        missing.append("forwardAsAttachmentTo %s (Sieve cannot wrap a message)"
                       % ", ".join(_addresses(actions["forwardAsAttachmentTo"])))
    if actions.get("permanentDelete"):
        out.append(("discard;", ()))
    elif actions.get("delete"):
        out.append(st.fileinto(st.TRASH))
        approx.append("delete moves the message into Trash (Deleted Items)")
    return out, missing, approx


def vacation_rules(setting, address):
    """automaticRepliesSetting -> ([Rule], [notes])."""
    status = (setting or {}).get("status", "disabled")
    if status not in ("alwaysEnabled", "scheduled"):
        return [], []
    notes, when = [], None
    if status == "scheduled":
        tests = []
        for key, relation in (("scheduledStartDateTime", "ge"), ("scheduledEndDateTime", "lt")):
            moment = setting.get(key) or {}
            if moment.get("dateTime"):
                if (moment.get("timeZone") or "UTC").upper() not in ("UTC", "ETC/UTC", "GMT"):
                    notes.append("%s in %s taken as UTC" % (key, moment["timeZone"]))
                stamp = moment["dateTime"].split(".")[0].rstrip("Z") + "Z"
                tests.append(st.Test('currentdate :zone "+0000" :value %s "iso8601" %s'
                                     % (st.quote(relation), st.quote(stamp)), ("date", "relational")))
        when = st.all_of(tests)
    domain = address.rpartition("@")[2].lower()
    internal = st.address_is(["from"], [domain], ":domain")
    rules = []
    inside, outside = setting.get("internalReplyMessage") or "", setting.get("externalReplyMessage") or ""
    audience = setting.get("externalAudience", "all")
    if audience == "contactsOnly":
        notes.append("externalAudience contactsOnly (Sieve cannot read the contacts): no reply outside the domain")
    if inside:
        rules.append(st.Rule("Microsoft 365 automatic reply (inside the organisation)", st.all_of([when, internal]),
                             [st.vacation(inside, VACATION_DAYS, "Automatic reply", html=True)]))
    if outside and audience == "all":
        rules.append(st.Rule("Microsoft 365 automatic reply (outside the organisation)",
                             st.all_of([when, st.negate(internal)]),
                             [st.vacation(outside, VACATION_DAYS, "Automatic reply", html=True)]))
    if rules:
        notes.append("inside the organisation means the sender's domain is %s" % domain)
    return rules, notes


def convert(data, address=""):
    """data: {"rules": [messageRule], "folders": {id: {name, parent}}, "inbox_id", "automatic_replies"}."""
    folders, inbox_id = data.get("folders") or {}, data.get("inbox_id")
    report = st.new_report()
    rules, notes = vacation_rules(data.get("automatic_replies"), address)
    for rule in rules:
        st.tally(report, rule)
    report["approximations"].extend({"rule": "automatic replies", "what": n} for n in notes)
    for source in sorted(data.get("rules") or [], key=lambda r: (int(r.get("sequence") or 0), r.get("id", ""))):
        name = "Microsoft 365 rule %r (sequence %s)" % (source.get("displayName", source.get("id")),
                                                        source.get("sequence"))
        approx, problem = [], ""
        try:
            conditions = predicates_tests(source.get("conditions"), address, approx)
            exceptions = predicates_tests(source.get("exceptions"), address, approx)
            test = st.all_of(conditions + ([st.negate(st.any_of(exceptions))] if exceptions else []))
        except Unsupported as exc:
            problem, test = "condition %s" % exc, st.Test("conditions %s" % sorted((source.get("conditions") or {})))
        actions, missing, more = actions_for(source.get("actions") or {}, folders, inbox_id)
        approx.extend(more)
        if (source.get("actions") or {}).get("stopProcessingRules"):
            actions.append(("stop;", ()))
        if not source.get("isEnabled", True):
            problem = "disabled at Microsoft 365" + ("; also " + problem if problem else "")
        elif source.get("hasError"):
            problem = "Microsoft 365 marks it in error" + ("; also " + problem if problem else "")
        if actions == [("stop;", ())] and not problem:
            approx.append("only stops the later rules")
        rule = st.Rule(name, test, actions, notes=list(missing), disabled=problem)
        rules.append(rule)
        st.tally(report, rule, approx)
    script = st.render("Converted by mailwave from the Microsoft 365 inbox rules of %s" % (address or "the account"),
                       rules)
    return script, report
