# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Writing Sieve (RFC 5228) text: strings, string lists, tests, rules and the require line (no I/O).

The converters of provider rules (gmail.py, graph.py) build a Script of Rules; ``render`` writes the
text with exactly the extensions it uses in its ``require``. We generate the text ourselves: a
dozen constructs do not justify a Sieve library on the controller.
"""

from __future__ import annotations

import dataclasses
import datetime

# Mailcow's special folders (its Dovecot creates them; the IMAP copy maps the source's ones onto them).
TRASH, JUNK, ARCHIVE = "Trash", "Junk", "Archive"


def quote(value: str) -> str:
    """A Sieve quoted string; CR and LF are kept (allowed in quoted strings)."""
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def string_list(values) -> str:
    values = list(values)
    return quote(values[0]) if len(values) == 1 else "[" + ", ".join(quote(v) for v in values) + "]"


def comment(text: str) -> str:
    return "\n".join("# " + line if line else "#" for line in str(text).replace("\r", "").split("\n"))


@dataclasses.dataclass
class Test:
    text: str
    extensions: tuple = ()
    parts: tuple = ()  # the tests of an allof, so that nested allofs flatten


def all_of(tests):
    flat = []
    for test in tests:
        if test is not None and test.text != "true":
            flat.extend(test.parts or (test,))
    if not flat:
        return Test("true")
    if len(flat) == 1:
        return flat[0]
    return Test("allof(" + ", ".join(t.text for t in flat) + ")", tuple(e for t in flat for e in t.extensions),
                tuple(flat))


def any_of(tests):
    tests = [t for t in tests if t is not None]
    if len(tests) == 1:
        return tests[0]
    return Test("anyof(" + ", ".join(t.text for t in tests) + ")", tuple(e for t in tests for e in t.extensions))


def negate(test):
    return Test("not " + test.text, test.extensions)


def header_contains(headers, values):
    return Test("header :contains %s %s" % (string_list(headers), string_list(values)))


def address_is(headers, values, part=""):
    return Test("address %s:is %s %s" % (part + " " if part else "", string_list(headers), string_list(values)))


def body_contains(values):
    return Test("body :text :contains %s" % string_list(values), ("body",))


def size(over=None, under=None):
    tests = []
    if over is not None:
        tests.append(Test("size :over %d" % int(over)))
    if under is not None:
        tests.append(Test("size :under %d" % int(under)))
    return all_of(tests)


def has_attachment():
    """A MIME part with Content-Disposition attachment (RFC 5703 ``:mime :anychild``): inline parts (images in
    the text) do not count, and attachments sent without that header are missed; an approximation."""
    return Test('header :mime :anychild :contains "Content-Disposition" "attachment"', ("mime",))


def between(start_ms=None, end_ms=None):
    """The current date (RFC 5260 currentdate, UTC) within [start, end), from epoch milliseconds."""
    tests = []
    for value, relation in ((start_ms, "ge"), (end_ms, "lt")):
        if value not in (None, "", 0, "0"):
            when = datetime.datetime.fromtimestamp(int(value) / 1000, tz=datetime.timezone.utc)
            tests.append(Test('currentdate :zone "+0000" :value %s "iso8601" %s'
                              % (quote(relation), quote(when.strftime("%Y-%m-%dT%H:%M:%SZ"))), ("date", "relational")))
    return all_of(tests) if tests else None


def fileinto(folder, copy=False):
    return ("fileinto :create %s%s;" % (":copy " if copy else "", quote(folder)),
            ("fileinto", "mailbox") + (("copy",) if copy else ()))


def redirect(address, copy=True):
    return ("redirect %s%s;" % (":copy " if copy else "", quote(address)), ("copy",) if copy else ())


def addflag(flag):
    return ("addflag %s;" % quote(flag), ("imap4flags",))


def vacation(body, days, subject=None, html=False):
    args = ":days %d " % int(days)
    if subject:
        args += ":subject %s " % quote(subject)
    if html:
        return ("vacation %s:mime %s;" % (args, quote("Content-Type: text/html; charset=utf-8\r\n\r\n" + body)),
                ("vacation",))
    return ("vacation %s%s;" % (args, quote(body)), ("vacation",))


@dataclasses.dataclass
class Rule:
    """One ``if`` block: the rule's name (a comment), its test, its actions ((text, extensions) pairs).
    Without actions (or with ``disabled``), the rule is written as comments only, with its notes."""
    name: str
    test: Test
    actions: list
    notes: list = dataclasses.field(default_factory=list)
    disabled: str = ""


def _rule_text(rule):
    lines = [comment(rule.name)]
    lines.extend(comment("not converted: " + note) for note in rule.notes)
    if rule.disabled or not rule.actions:
        lines.append(comment("NOT ACTIVE (%s):" % (rule.disabled or "nothing left to do")))
        lines.append(comment("if %s { %s }" % (rule.test.text, " ".join(a[0] for a in rule.actions))))
        return "\n".join(lines), ()
    body = "\n".join("    " + a[0] for a in rule.actions)
    exts = tuple(rule.test.extensions) + tuple(e for a in rule.actions for e in a[1])
    if rule.test.text == "true":
        return "\n".join(lines + [a[0] for a in rule.actions]), exts
    return "\n".join(lines + ["if %s {" % rule.test.text, body, "}"]), exts


def new_report():
    """The conversion report of one account: rules seen, rules converted, what was not converted and what only
    approximately (lists of {"rule", "what"})."""
    return {"rules": 0, "converted": 0, "not_converted": [], "approximations": []}


def tally(report, rule, approximations=(), whole="rule"):
    """Count one source rule, converted into ``rule``, in ``report``: its notes are what it lost; disabled, or
    without an action left, it is not converted as a whole (``whole`` names it: "the whole filter: ...");
    otherwise it counts as converted and its approximations are reported (a rule that does not run has none)."""
    report["rules"] += 1
    report["not_converted"].extend({"rule": rule.name, "what": note} for note in rule.notes)
    if rule.disabled:
        report["not_converted"].append({"rule": rule.name, "what": "the whole %s: %s" % (whole, rule.disabled)})
    elif not rule.actions:
        report["not_converted"].append({"rule": rule.name, "what": "the whole %s: no action left" % whole})
    else:
        report["converted"] += 1
        report["approximations"].extend({"rule": rule.name, "what": what} for what in approximations)


def render(title, rules):
    """The whole script: a header comment, the require line (sorted, only what is used), the rules."""
    blocks, needed = [], set()
    for rule in rules:
        text, exts = _rule_text(rule)
        blocks.append(text)
        needed.update(exts)
    head = [comment(title)]
    if needed:
        head.append("require %s;" % string_list(sorted(needed)))
    return "\n".join(head) + "\n\n" + "\n\n".join(blocks) + "\n"
