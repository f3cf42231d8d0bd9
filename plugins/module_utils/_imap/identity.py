# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Message identity: the key that says "this message is already on the other side".

Two kinds of key, both plain str, never None:

* **imapsync key** (22 characters of unpadded base64), for every message with a ``Message-Id`` or a
  ``Received`` header. It reproduces imapsync 2.229 with its default ``--useheader Message-Id
  --useheader Received`` and ``--skipsize`` (anchors 1.1): the header block is unfolded the way
  Mail::IMAPClient's parse_headers does (a line ``Name: value`` starts a field; a continuation line is
  appended as it is), the values of each field are sorted (byte order, before normalisation), each
  ``Name: value`` line is normalised by ``header_line_normalize`` (8-bit bytes -> ``X``, tabs -> space,
  leading/trailing blanks removed, runs of blanks -> one space, the whole line uppercased), fields are
  taken in name order (MESSAGE-ID, then RECEIVED), the lines are concatenated with no separator and the
  key is ``md5_base64`` of that (Perl's Digest::MD5: base64 without ``=`` padding). So a box pre-copied
  by imapsync is recognised.
* **fallback key** ``noheader:<size>:<internaldate>:<hash>`` for a message with neither header (imapsync
  calls those "void" and does not copy them without ``--addheader``; we copy them and recognise them
  on the next run): size is RFC822.SIZE, internaldate is the INTERNALDATE in UTC seconds since the
  epoch, hash is the first 16 hex digits of the MD5 of the normalised ``Date``, ``From`` and ``Subject``
  lines (same normalisation as above). The copy keeps bytes and INTERNALDATE, so the key is the same on
  both sides. Size and date make two different messages without headers very unlikely to collide.

Fetch ``FETCH_ITEMS`` (or at least ``HEADER_FETCH_ITEM`` plus RFC822.SIZE and INTERNALDATE) and call
``key_from_fetch(data)`` on each FETCH response dict of imapclient.
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

_FIELD_RE = re.compile(rb"^(\S+):\s*(.*)$", re.S)   # greedy like Perl's s/^(\S+)\:\s*//
_HIGH_RE = re.compile(rb"[\x80-\xff]")
_BLANKS_RE = re.compile(rb"\s+")
_LINE_RE = re.compile(rb"\r?\n")


def parse_fields(header_bytes):
    """{UPPERCASE NAME: [raw unfolded values]} as Mail::IMAPClient's parse_headers builds it."""
    fields = {}
    current = None
    for line in _LINE_RE.split(header_bytes or b""):
        match = _FIELD_RE.match(line)
        if match:
            current = match.group(1).upper()
            fields.setdefault(current, []).append(match.group(2))
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


def header_string(header_bytes, names=KEY_FIELDS):
    """The concatenated normalised lines of the given fields (b"" when the message has none of them)."""
    fields = parse_fields(header_bytes)
    out = []
    for name in sorted(n.upper() for n in names):
        for value in sorted(fields.get(name, [])):
            out.append(normalize_line(name, value))
    return b"".join(out)


def md5_base64(data):
    """Perl Digest::MD5::md5_base64: base64 of the digest without the trailing '=' padding."""
    return base64.b64encode(hashlib.md5(data).digest()).decode("ascii").rstrip("=")


def imapsync_key(header_bytes):
    """imapsync's key for this header block, or None when it has neither Message-Id nor Received."""
    headstr = header_string(header_bytes, KEY_FIELDS)
    if not headstr:
        return None
    return md5_base64(headstr)


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


def fallback_key(header_bytes, size, internaldate):
    """Deterministic key for a message without Message-Id and Received (see module docstring)."""
    digest = hashlib.md5(header_string(header_bytes, FALLBACK_FIELDS)).hexdigest()[:16]
    return "%s%s:%s:%s" % (FALLBACK_PREFIX, int(size or 0), _epoch(internaldate), digest)


def message_key(header_bytes, size, internaldate):
    """The identity of a message: the imapsync key if possible, else the fallback key. Never None."""
    return imapsync_key(header_bytes) or fallback_key(header_bytes, size, internaldate)


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
