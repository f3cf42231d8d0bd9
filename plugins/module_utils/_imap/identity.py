# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

r"""Message identity: the key that says "this message is already on the other side".

Two kinds of key, both plain str, never None:

* **imapsync key** (22 characters of unpadded base64), for every message with a ``Message-Id`` or a
  ``Received`` header: byte for byte imapsync 2.229's signature with its defaults (``--useheader
  Message-Id --useheader Received``, ``--skipsize``), so a box pre-copied by imapsync or by a Mailcow
  sync job is recognised. The steps, as imapsync and Mail::IMAPClient 3.43 do them:

  1. ``parse_headers`` (Mail::IMAPClient): the header block is split on ``CR?LF``; a line with no
     non-blank character is skipped; a line starting with ``)`` ends the block; ``s/^(\S+?)\:\s*//``
     (non-greedy: the field name ends at the first colon) starts a field, its value being the rest of the
     line; any other line is appended, as it is (leading blanks kept, no separator), to the value of the
     field before it.
  2. ``header_line_normalize`` (imapsync) on each value of Message-Id and Received: 8-bit bytes -> ``X``,
     each tab -> a space, leading and trailing blanks removed, runs of blanks -> one space, then the
     whole line ``NAME: value`` uppercased.
  3. ``header_construct``: all those lines sorted together (byte order, *after* normalisation), joined
     with no separator; the key is ``md5_base64`` (Perl's Digest::MD5: base64 without ``=``).

* **fallback key** ``noheader:<internaldate>:<hash>`` for a message with neither header (imapsync calls
  those "void" and does not copy them without ``--addheader``; we copy them and recognise them on the
  next run): internaldate is the INTERNALDATE in UTC seconds since the epoch, hash the first 16 hex
  digits of the MD5 of the normalised ``Date``, ``From`` and ``Subject`` lines (steps 1-3). The size is
  not part of it: Courier appends CRLF to a message without a final line end and imapsync's
  ``--addheader`` prepends a line, and either must not make the copy look like another message.
  A message whose only identity header is the ``Message-Id: <UID@imapsync>`` that ``--addheader`` (as
  Mailcow's sync jobs run it) prepends to such a message gets the fallback key of its other headers, so
  it is recognised as the header-less original (imapsync keeps the INTERNALDATE). Two header-less
  messages of the same second with the same Date, From and Subject share a key: within a folder the
  engine counts keys as a multiset, so both are still copied.

Fetch ``FETCH_ITEMS`` (or at least ``HEADER_FETCH_ITEM`` plus RFC822.SIZE and INTERNALDATE) and call
``key_from_fetch(data)`` on each FETCH response dict of imapclient.

``Identity(useheader)`` makes the same keys from another set of headers, as imapsync's ``--useheader``
does (the set replaces the default one; ``ALL`` takes every field of the whole header, fetched with
``BODY.PEEK[HEADER]``); a message with none of them gets the fallback key. The engine uses one Identity
for both sides. The module-level functions are ``Identity()``'s, imapsync's defaults.
"""

from __future__ import annotations

import base64
import calendar
import datetime
import hashlib
import re

KEY_FIELDS = (b"MESSAGE-ID", b"RECEIVED")
FALLBACK_FIELDS = (b"DATE", b"FROM", b"SUBJECT")

# One header fetch serves both kinds of key; PEEK keeps \Seen untouched.
HEADER_FETCH_ITEM = b"BODY.PEEK[HEADER.FIELDS (MESSAGE-ID RECEIVED DATE FROM SUBJECT)]"
FETCH_ITEMS = [HEADER_FETCH_ITEM, b"RFC822.SIZE", b"INTERNALDATE"]

FALLBACK_PREFIX = "noheader:"

_FIELD_RE = re.compile(rb"^(\S+?):\s*")   # Mail::IMAPClient parse_headers: s/^(\S+?)\:\s*// (non-greedy)
_NONBLANK_RE = re.compile(rb"\S")
_HIGH_RE = re.compile(rb"[\x80-\xff]")
_BLANKS_RE = re.compile(rb"\s+")
_LINE_RE = re.compile(rb"\r?\n")
# the line imapsync --addheader prepends to a message without Message-Id and Received, normalised
_ADDHEADER_RE = re.compile(rb"^MESSAGE-ID: <[^<>\s]*@IMAPSYNC>$")


def parse_fields(header_bytes):
    """{UPPERCASE NAME: [raw unfolded values]} as Mail::IMAPClient 3.43's parse_headers builds it."""
    fields = {}
    current = None
    for line in _LINE_RE.split(header_bytes or b""):
        if not _NONBLANK_RE.search(line):
            continue
        if line.startswith(b")"):  # parse_headers takes it for the end of the FETCH response
            break
        match = _FIELD_RE.match(line)
        if match:
            current = match.group(1).upper()
            fields.setdefault(current, []).append(line[match.end():])
        elif current is not None:
            fields[current][-1] += line
    return fields


def normalize_line(name, value):
    """imapsync's header_line_normalize: bytes ``NAME: VALUE`` (8-bit -> X, blanks squeezed, uppercase)."""
    value = _HIGH_RE.sub(b"X", value)
    value = value.replace(b"\t", b" ")
    value = value.strip(b" \t\r\n\x0b\x0c")
    value = _BLANKS_RE.sub(b" ", value)
    return (name + b": " + value).upper()


def header_lines(header_bytes, names=KEY_FIELDS):
    """The normalised lines of the given fields (None: every field), sorted as imapsync's header_construct."""
    fields = parse_fields(header_bytes)
    wanted = set(fields) if names is None else {n.upper() for n in names}
    return sorted(normalize_line(name, value) for name in wanted for value in fields.get(name, []))


def header_string(header_bytes, names=KEY_FIELDS):
    """The concatenated normalised lines of the given fields (b"" when the message has none of them)."""
    return b"".join(header_lines(header_bytes, names))


def md5_base64(data):
    """Perl Digest::MD5::md5_base64: base64 of the digest without the trailing '=' padding."""
    return base64.b64encode(hashlib.md5(data).digest()).decode("ascii").rstrip("=")


def imapsync_key(header_bytes, names=KEY_FIELDS):
    """imapsync's key for this header block, or None when it has none of the fields (None: every field)."""
    headstr = header_string(header_bytes, names)
    if not headstr:
        return None
    return md5_base64(headstr)


def added_by_imapsync(header_bytes, names=KEY_FIELDS):
    """True when the only line of the key fields is the ``Message-Id: <UID@imapsync>`` that imapsync's
    ``--addheader`` prepends to a message that had none of them."""
    lines = header_lines(header_bytes, names)
    return len(lines) == 1 and bool(_ADDHEADER_RE.match(lines[0]))


def _epoch(internaldate):
    if internaldate is None:
        return ""
    if isinstance(internaldate, (int, float)):
        return str(int(internaldate))
    if isinstance(internaldate, datetime.datetime):
        if internaldate.tzinfo is None:
            # imapclient's normalise_times=True gives naive local time.
            return str(int(internaldate.timestamp()))
        return str(calendar.timegm(internaldate.utctimetuple()))
    return str(internaldate)


def fallback_key(header_bytes, internaldate):
    """Deterministic key for a message without Message-Id and Received (see module docstring)."""
    digest = hashlib.md5(header_string(header_bytes, FALLBACK_FIELDS)).hexdigest()[:16]
    return "%s%s:%s" % (FALLBACK_PREFIX, _epoch(internaldate), digest)


def message_key(header_bytes, size, internaldate, names=KEY_FIELDS):
    """The identity of a message: the imapsync key if possible, else the fallback key. Never None.

    size (RFC822.SIZE) is not part of either key (imapsync's default --skipsize; see the docstring)."""
    del size
    if added_by_imapsync(header_bytes, names):
        return fallback_key(header_bytes, internaldate)
    return imapsync_key(header_bytes, names) or fallback_key(header_bytes, internaldate)


def is_fallback(key):
    return key.startswith(FALLBACK_PREFIX)


def header_from_fetch(data):
    """The header bytes from one imapclient FETCH response dict (servers echo the item differently)."""
    for item, value in data.items():
        if isinstance(item, bytes) and item.upper().startswith(b"BODY[HEADER"):
            return value or b""
    return b""


def key_from_fetch(data):
    """message_key() of one imapclient FETCH response dict fetched with FETCH_ITEMS."""
    return message_key(header_from_fetch(data), data.get(b"RFC822.SIZE", 0), data.get(b"INTERNALDATE"))


# A header field name as useheader takes it: RFC 5322's printable ASCII without colon, kept to the
# characters that need no quoting in a FETCH HEADER.FIELDS list.
_FIELD_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def useheader_problems(names):
    """Why these useheader names cannot be used, as user-ready sentences (empty when fine).

    ``ALL`` is taken as imapsync takes it only when alone and in capitals (imapsync fetches the whole
    header only then; otherwise it asks for a field named ALL and falls back on other parsing)."""
    if names is None:
        return []
    if not names:
        return ["useheader must name at least one header (leave it unset for Message-Id and Received)"]
    problems = []
    if "ALL" in names and len(names) > 1:
        problems.append("useheader ALL takes every header field; give it alone")
    for name in names:
        if not isinstance(name, str) or not _FIELD_NAME_RE.match(name):
            problems.append("useheader: %r is not a header field name (letters, digits, '-', '_', '.')" % (name,))
        elif name.upper() == "ALL" and name != "ALL":
            problems.append("useheader: %r: write ALL in capitals for every header field" % (name,))
    return problems


class Identity:
    """Keys of one run: imapsync's signature over the ``useheader`` fields (default Message-Id, Received).

    ``header_fetch_item`` fetches what ``message_key`` needs: those fields and the fallback's, or the
    whole header for ``ALL``."""

    def __init__(self, useheader=None):
        names = [name.upper().encode("ascii") for name in useheader or ()]
        self.every_field = list(useheader or ()) == ["ALL"]
        if self.every_field:
            self.key_fields = None
            self.header_fetch_item = b"BODY.PEEK[HEADER]"
        elif names:
            self.key_fields = tuple(sorted(set(names)))
            extra = [name for name in self.key_fields if name not in KEY_FIELDS + FALLBACK_FIELDS]
            self.header_fetch_item = (b"BODY.PEEK[HEADER.FIELDS (" + b" ".join(KEY_FIELDS + FALLBACK_FIELDS + tuple(extra))
                                      + b")]")
        else:
            self.key_fields = KEY_FIELDS
            self.header_fetch_item = HEADER_FETCH_ITEM
        self.default = self.key_fields == KEY_FIELDS

    def describe(self):
        """The header set in a plan signature: None for imapsync's default."""
        if self.default:
            return None
        return "ALL" if self.every_field else ",".join(name.decode("ascii") for name in self.key_fields)

    def message_key(self, header_bytes, size, internaldate):
        return message_key(header_bytes, size, internaldate, self.key_fields)
