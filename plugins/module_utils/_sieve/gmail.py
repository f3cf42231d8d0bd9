# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Gmail settings (filters, labels, vacation, auto-forwarding; Gmail API v1 JSON) -> one Sieve script (no I/O).

``convert(settings)`` returns (script text, report). Every Gmail filter becomes one ``if`` block; Gmail
applies all matching filters, so no rule ``stop``s. A filter with a criterion that has no Sieve equivalent is
written as comments only (a broader match could file or forward mail it should not) and listed in
``not_converted``; an action without one is left out of its block and listed; approximations are listed in
``approximations``. Nothing is dropped silently.

Labels become folders of the same name (the IMAP copy of a Gmail box makes one folder per label):
``fileinto :copy`` keeps the message in INBOX too; a filter that also removes INBOX (archive) files it without
``:copy``, and one that only archives files it into Archive. TRASH -> Trash, SPAM -> Junk, STARRED added ->
flag \\Flagged, UNREAD removed -> flag \\Seen (set before the filter's fileinto, so the copies are read too).
"""

from __future__ import annotations

import re

from ansible_collections.mailwave.migrate.plugins.module_utils._sieve import sievetext as st

SCRIPT_NAME = "gmail-filters"
VACATION_DAYS = 4  # Gmail answers a sender at most once every 4 days (its vacation responder help page)
_FIELD_HEADERS = {"from": ["from"], "to": ["to", "cc"], "cc": ["cc"], "subject": ["subject"], "list": ["list-id"]}
_SIZE_RE = re.compile(r"^(\d+)([kKmM]?)$")
_TOKEN_RE = re.compile(r'\s*(-?"[^"]*"|\(|\)|\{|\}|[^\s(){}"]+)')


class Unsupported(ValueError):
    pass


def _tokens(text):
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN_RE.match(text, pos)
        if not match:
            raise Unsupported("cannot read %r" % text[pos:])
        out.append(match.group(1))
        pos = match.end()
    return out


def _word(token):
    if token in ("(", ")", "{", "}") or token.upper() in ("AND", "AROUND") or token.startswith("-"):
        raise Unsupported("Gmail search operator %r" % token)
    if token.startswith('"'):
        return token.strip('"')
    if "*" in token:
        raise Unsupported("wildcard %r" % token)
    return token


def _groups(text):
    """Gmail search words as OR-groups joined by AND: 'a OR b c' -> [[a, b], [c]]; braces {a b} are an OR-group.
    Raises Unsupported for what is more than that (negation, parentheses, AROUND, wildcards)."""
    groups, tokens, i = [], _tokens(text), 0
    while i < len(tokens):
        token = tokens[i]
        if token == "{":
            end = tokens.index("}", i) if "}" in tokens[i:] else -1
            if end < 0:
                raise Unsupported("unclosed {")
            groups.append([_word(t) for t in tokens[i + 1:end] if t.upper() != "OR"])
            i = end + 1
        elif token.upper() in ("OR", "|"):
            if not groups or i + 1 >= len(tokens):
                raise Unsupported("OR without two sides")
            groups[-1].append(_word(tokens[i + 1]))
            i += 2
        else:
            groups.append([_word(token)])
            i += 1
    return [g for g in groups if g]


def field_test(field, text):
    """from/to/subject/cc/list criterion text -> a test (header :contains, case-insensitive substring)."""
    headers = _FIELD_HEADERS[field]
    if field == "subject" and not re.search(r"(^|\s)(OR|\|)(\s|$)|[{}]", text):
        return st.header_contains(headers, [" ".join(text.split())])  # a phrase (the Criteria doc)
    return st.all_of([st.header_contains(headers, group) for group in _groups(text)])


def query_test(query, approximations):
    """The simple part of Gmail's search syntax: field:value, has:attachment, larger:/smaller:, words (body).
    Raises Unsupported for the rest (is:, label:, in:, category:, newer_than:, negation, parentheses...)."""
    tests = []
    for token in _tokens(query):
        if token.upper() in ("OR", "|", "AND") or token in ("(", ")", "{", "}"):
            raise Unsupported("Gmail search operator %r in a query" % token)
        name, _sep, value = token.partition(":") if not token.startswith(('"', "-")) else ("", "", token)
        name = name.lower()
        if name in _FIELD_HEADERS and value:
            tests.append(field_test(name, value))
        elif name == "has" and value.lower() == "attachment":
            approximations.append("has:attachment tested as a MIME part with Content-Disposition attachment")
            tests.append(st.has_attachment())
        elif name in ("larger", "smaller", "size") and _SIZE_RE.match(value):
            number, unit = _SIZE_RE.match(value).groups()
            limit = int(number) * {"": 1, "k": 1024, "m": 1048576}[unit.lower()]
            tests.append(st.size(under=limit) if name == "smaller" else st.size(over=limit))
        elif name and value:
            raise Unsupported("Gmail search operator %s:" % name)
        else:
            approximations.append("search word %s tested in the message text only (Gmail searches headers too)"
                                  % token)
            tests.append(st.body_contains([_word(token)]))
    return st.all_of(tests)


def criteria_test(criteria, approximations):
    """criteria (Gmail filter Criteria) -> a test; raises Unsupported with the criterion that cannot move."""
    tests = []
    for field in ("from", "to", "subject"):
        if criteria.get(field):
            try:
                tests.append(field_test(field, criteria[field]))
            except Unsupported as exc:
                raise Unsupported("%s %r: %s" % (field, criteria[field], exc)) from None
    for key, negated in (("query", False), ("negatedQuery", True)):
        if criteria.get(key):
            try:
                test = query_test(criteria[key], approximations)
            except Unsupported as exc:
                raise Unsupported("%s %r: %s" % (key, criteria[key], exc)) from None
            tests.append(st.negate(test) if negated else test)
    if criteria.get("hasAttachment"):
        approximations.append("hasAttachment tested as a MIME part with Content-Disposition attachment")
        tests.append(st.has_attachment())
    if criteria.get("size") not in (None, ""):
        comparison = criteria.get("sizeComparison", "unspecified")
        if comparison == "larger":
            tests.append(st.size(over=criteria["size"]))
        elif comparison == "smaller":
            tests.append(st.size(under=criteria["size"]))
        else:
            raise Unsupported("size %s without sizeComparison larger or smaller" % criteria["size"])
    if not tests:
        raise Unsupported("no criterion Sieve can test")
    return st.all_of(tests)


def actions_for(action, labels, forwarding_ok):
    """action (Gmail filter Action) -> ([(sieve text, extensions)], [what was not converted], [approximations])."""
    out, missing, approx = [], [], []
    added = list(action.get("addLabelIds") or [])
    removed = list(action.get("removeLabelIds") or [])
    archive = "INBOX" in removed
    flags = []
    if "UNREAD" in removed:
        flags.append(st.addflag("\\Seen"))
    if "STARRED" in added:
        flags.append(st.addflag("\\Flagged"))
    folders = []
    for label in added:
        if label == "TRASH":
            folders.append(st.TRASH)
        elif label == "SPAM":
            folders.append(st.JUNK)
        elif label in ("STARRED", "INBOX"):
            continue
        elif label in ("UNREAD", "IMPORTANT") or label.startswith("CATEGORY_"):
            missing.append("add label %s (no Sieve equivalent at Mailcow)" % label)
        elif label in labels:
            folders.append(labels[label])
        else:
            missing.append("add label %s (not in the account's labels)" % label)
    for label in removed:
        if label not in ("INBOX", "UNREAD"):
            missing.append("remove label %s (%s)" % (label, "never send to Spam: Mailcow's spam filter decides"
                                                     if label == "SPAM" else "no Sieve equivalent"))
    if archive and not folders:
        folders.append(st.ARCHIVE)
        approx.append("archived (INBOX removed) files into Archive")
    out.extend(flags)
    for folder in folders:
        # without :copy only where the message leaves INBOX: archived, trashed or spam
        leaves = archive or folder in (st.TRASH, st.JUNK)
        out.append(st.fileinto(folder, copy=not leaves))
    if action.get("forward"):
        if forwarding_ok(action["forward"]):
            out.append(st.redirect(action["forward"]))
        else:
            missing.append("forward to %s (not a verified forwarding address at Gmail)" % action["forward"])
    return out, missing, approx


def vacation_rule(vacation):
    """getVacation (VacationSettings) -> a Rule, or None when the auto-reply is off."""
    if not vacation or not vacation.get("enableAutoReply"):
        return None
    notes, tests = [], []
    if vacation.get("restrictToContacts"):
        notes.append("restrictToContacts (Sieve cannot read the address book): this reply goes to every sender")
    if vacation.get("restrictToDomain"):
        notes.append("restrictToDomain: only senders of the account's own domain get the reply")
    tests.append(st.between(vacation.get("startTime"), vacation.get("endTime")))
    text = vacation.get("responseBodyPlainText")
    html = not text and bool(vacation.get("responseBodyHtml"))
    body = text or vacation.get("responseBodyHtml") or ""
    action = st.vacation(body, VACATION_DAYS, vacation.get("responseSubject"), html=html)
    rule = st.Rule("Gmail vacation responder", st.all_of(tests), [action])
    rule.restrict_to_domain = bool(vacation.get("restrictToDomain"))
    return rule, notes


def auto_forward_rule(forwarding):
    """getAutoForwarding (AutoForwarding) -> a Rule, or None when off."""
    if not forwarding or not forwarding.get("enabled") or not forwarding.get("emailAddress"):
        return None
    disposition = forwarding.get("disposition", "leaveInInbox")
    actions = [st.redirect(forwarding["emailAddress"])]
    if disposition == "markRead":
        actions.insert(0, st.addflag("\\Seen"))
    elif disposition == "archive":
        actions.append(st.fileinto(st.ARCHIVE))
    elif disposition == "trash":
        actions.append(st.fileinto(st.TRASH))
    return st.Rule("Gmail automatic forwarding (%s)" % disposition, st.Test("true"), actions)


def convert(settings, address=""):
    """settings: {"labels": labels.list, "filters": settings.filters.list, "vacation": getVacation,
    "auto_forwarding": getAutoForwarding, "forwarding_addresses": forwardingAddresses.list} as the API answers.
    Returns (script, report) with report {"rules", "converted", "not_converted": [{rule, what}],
    "approximations": [{rule, what}]}."""
    labels = {lab["id"]: lab.get("name", lab["id"]) for lab in (settings.get("labels") or {}).get("labels", [])
              if lab.get("type") != "system"}
    listed = settings.get("forwarding_addresses")  # None: not read, every forward target is taken as verified
    verified = None if listed is None else {f.get("forwardingEmail", "").lower() for f in
                                            listed.get("forwardingAddresses", [])
                                            if f.get("verificationStatus") == "accepted"}
    report = st.new_report()
    rules = []
    domain = address.rpartition("@")[2].lower()
    made = vacation_rule(settings.get("vacation"))
    if made:
        rule, notes = made
        if rule.restrict_to_domain:
            rule.test = st.all_of([rule.test, st.address_is(["from"], [domain], ":domain")])
        st.tally(report, rule, notes)
        rules.append(rule)
    forward = auto_forward_rule(settings.get("auto_forwarding"))
    if forward:
        st.tally(report, forward)
        rules.append(forward)
    for position, gfilter in enumerate((settings.get("filters") or {}).get("filter", []), 1):
        name = "Gmail filter %s" % (gfilter.get("id") or position)
        approx = []
        criteria = gfilter.get("criteria") or {}
        try:
            test = criteria_test(criteria, approx)
            problem = ""
        except Unsupported as exc:
            test, problem = st.Test(_criteria_text(criteria)), str(exc)
        actions, missing, more = actions_for(gfilter.get("action") or {}, labels,
                                             lambda a: verified is None or a.lower() in verified)
        approx.extend(more)
        rule = st.Rule(name, test, actions, notes=list(missing), disabled=problem and "criterion " + problem)
        rules.append(rule)
        st.tally(report, rule, approx, whole="filter")
    script = st.render("Converted by mailwave from the Gmail settings of %s" % (address or "the account"), rules)
    return script, report


def _criteria_text(criteria):
    return " ".join("%s=%r" % (k, v) for k, v in sorted(criteria.items()))
