# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""vCard and iCalendar as content lines (RFC 6350 / RFC 5545 section 3.1), without a parsing library.

The sync copies objects byte for byte; it only needs to find the UID, mark attendees so the
destination sends no invitations, and compare two versions of one object. A full parser (vobject,
icalendar) would re-serialise what it reads, which is exactly the silent change we must not make,
so this works on unfolded content lines and leaves everything else alone.
"""

from __future__ import annotations

import hashlib
import re

_FOLD = re.compile(r"\r?\n[ \t]")
# A content line: [group.]NAME *(;param) : value. Parameter values may be quoted and hold ':' or ';'.
_LINE = re.compile(r'^((?:[A-Za-z0-9-]+\.)?[A-Za-z0-9-]+)((?:;[^:;"]*(?:"[^"]*"[^:;"]*)*)*):(.*)$', re.S)
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,150}$")
# Properties servers rewrite by design (the producer's id); not a change of the user's data.
IGNORED_PROPERTIES = frozenset(("PRODID",))


def unfold(text: str) -> list[str]:
    """The content lines of text (folds undone, blank lines dropped)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _FOLD.sub("", text.replace("\n ", "\r\n ").replace("\n\t", "\r\n\t"))
    return [line for line in text.split("\n") if line.strip()]


def fold(line: str, limit: int = 75) -> str:
    """One content line folded at limit octets (never inside a UTF-8 sequence), CRLF-terminated."""
    data = line.encode("utf-8")
    if len(data) <= limit:
        return line + "\r\n"
    parts, start, width = [], 0, limit
    while start < len(data):
        end = min(start + width, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:
            end -= 1
        parts.append(data[start:end].decode("utf-8"))
        start, width = end, limit - 1
    return "\r\n ".join(parts) + "\r\n"


def split_line(line: str) -> tuple[str, list[str], str]:
    """(NAME with group, upper-cased; [params as written]; value) of one unfolded line."""
    match = _LINE.match(line)
    if not match:
        return line.upper(), [], ""
    params = [p for p in re.findall(r';((?:[^;"]|"[^"]*")*)', match.group(2)) if p]
    return match.group(1).upper(), params, match.group(3)


def kind_of(text: str) -> str:
    """'vcard', 'vcalendar' or '' from the first line."""
    lines = unfold(text)
    first = lines[0].strip().upper() if lines else ""
    return {"BEGIN:VCARD": "vcard", "BEGIN:VCALENDAR": "vcalendar"}.get(first, "")


def uid_of(text: str) -> str | None:
    """The object's UID: the vCard's, or the one UID all components of an iCalendar object share."""
    uids = set()
    for line in unfold(text):
        name, _params, value = split_line(line)
        if name.split(".")[-1] == "UID":
            uids.add(value.strip())
    if len(uids) != 1:
        return None  # none, or an iCalendar object with components of different UIDs (RFC 4791 5.3.2 forbids)
    return uids.pop() or None


def resource_name(uid: str, extension: str) -> str:
    """The destination file name for uid: the UID itself when it is a safe path segment, else a hash.

    SOGo takes the resource name as the object's key and mishandles names with '/', '%' or spaces
    (a UID with '/' is common: Outlook and Google make them), so those get a stable SHA-1 name.
    """
    if _SAFE_NAME.match(uid) and not uid.endswith("."):
        return f"{uid}.{extension}"
    return "mw-" + hashlib.sha1(uid.encode("utf-8")).hexdigest() + f".{extension}"


def without_scheduling(text: str) -> str:
    """text with SCHEDULE-AGENT=CLIENT on every ORGANIZER and ATTENDEE that has no SCHEDULE-AGENT.

    RFC 6638 section 7.1: the server then does no scheduling for them (no invitation, no cancel). Other
    lines keep their content (refolded at 75 octets, CRLF line ends).
    """
    if "ATTENDEE" not in text.upper() and "ORGANIZER" not in text.upper():
        return text
    out = []
    for line in unfold(text):
        name, params, _value = split_line(line)
        if name.split(".")[-1] in ("ATTENDEE", "ORGANIZER") and not any(
                p.upper().startswith("SCHEDULE-AGENT=") for p in params):
            line = line[:len(name)] + ";SCHEDULE-AGENT=CLIENT" + line[len(name):]
        out.append(fold(line))
    return "".join(out)


def _normal_value(name: str, value: str) -> str:
    base = name.split(".")[-1]
    if base in ("N", "ADR", "ORG"):
        value = value.rstrip(";")  # SOGo drops empty trailing components
    if base in ("RRULE", "EXRULE"):
        # "The rule parts are not ordered in any particular sequence" (RFC 5545 3.3.10); SOGo reorders them
        value = ";".join(sorted(part.upper() for part in value.split(";") if part))
    return value


def fingerprint(text: str) -> dict[str, list[str]]:
    """What an object says, as {COMPONENT-PATH/NAME: sorted normalised lines}, for comparing versions.

    Folding, line endings, case of names and groups, parameter order, the order of a recurrence rule's
    parts and empty trailing structured components do not count; anything else does.
    """
    result: dict[str, list[str]] = {}
    path: list[str] = []
    for line in unfold(text):
        name, params, value = split_line(line)
        if name == "BEGIN":
            path.append(value.strip().upper())
            continue
        if name == "END":
            if path:
                path.pop()
            continue
        if name in IGNORED_PROPERTIES:
            continue
        normal_params = sorted(p.split("=", 1)[0].upper() + ("=" + p.split("=", 1)[1] if "=" in p else "")
                               for p in params)
        key = "/".join(path) + "/" + name
        result.setdefault(key, []).append(";".join(normal_params) + ":" + _normal_value(name, value))
    for key in result:
        result[key].sort()
    return result


def differences(expected: str, actual: str) -> list[str]:
    """The property keys (COMPONENT-PATH/NAME) whose lines differ between two versions of an object."""
    want, got = fingerprint(expected), fingerprint(actual)
    return sorted(key for key in set(want) | set(got) if want.get(key) != got.get(key))
