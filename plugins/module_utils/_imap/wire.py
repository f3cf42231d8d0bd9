# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Fast FETCH and (MULTI)APPEND straight on the socket of a logged-in imapclient connection.

imaplib's generic response parser costs most of a Python copier's CPU (it handles every byte of a
message body line by line). Here the FETCH responses are read by line, literal bodies are read in one
``read(n)`` by their announced size, and only the small attribute text around them is tokenised.
APPEND sends a whole batch in one command (MULTIAPPEND, RFC 3502) with non-synchronising literals
(LITERAL+, RFC 7888) when the server has them, so a batch costs one round trip.

The commands use their own tag prefix and consume every line up to their tagged answer, so the
imapclient connection stays usable for other commands before and after.
"""

from __future__ import annotations

import re

try:
    from imapclient import imap_utf7
except ImportError:  # pragma: no cover - connection.py reports the missing library
    imap_utf7 = None

_LITERAL_RE = re.compile(rb"\{(\d+)\+?\}\r\n$")
_TAGGED_RE = re.compile(rb"^(\S+) (OK|NO|BAD)\b ?(.*)", re.S)
_FETCH_RE = re.compile(rb"^\* (\d+) FETCH \(", re.I)
_TOKEN_RE = re.compile(
    rb'\s*(?:(\()|(\))|"((?:[^"\\]|\\.)*)"|\x00(\d+)\x00|'
    rb'([^\s()\[\]"\x00]+(?:\[[^\]]*\](?:<\d+>)?)?))', re.S)
_APPENDUID_RE = re.compile(rb"\[APPENDUID (\d+) ([0-9:,]+)\]", re.I)
_CODE_RE = re.compile(rb"^\[([A-Z0-9.-]+)[^\]]*\]", re.I)


class WireError(Exception):
    """The connection broke or the server answered something we cannot use."""


class ConnectionLost(WireError, ConnectionError):
    """The connection broke: a transient error (reconnect and go on), unlike an answer we cannot parse."""


class CommandFailed(Exception):
    """The server answered NO or BAD; ``status``, ``code`` (e.g. OVERQUOTA) and ``text`` say why."""

    def __init__(self, status, text):
        self.status = status
        self.text = text
        match = _CODE_RE.match(text.encode("utf-8", "replace"))
        self.code = match.group(1).decode("ascii").upper() if match else None
        super().__init__("%s %s" % (status, text))


def parse_uid_set(text):
    """'4:6,9' -> [4, 5, 6, 9] (ascending ranges as written)."""
    out = []
    for part in text.split(","):
        if ":" in part:
            a, b = part.split(":", 1)
            a, b = int(a), int(b)
            step = 1 if b >= a else -1
            out.extend(range(a, b + step, step))
        elif part:
            out.append(int(part))
    return out


def uid_set(uids):
    """[1, 2, 3, 7] -> '1:3,7' (compact ranges; input need not be sorted)."""
    uids = sorted(set(int(u) for u in uids))
    parts = []
    start = prev = None
    for uid in uids:
        if prev is not None and uid == prev + 1:
            prev = uid
            continue
        if start is not None:
            parts.append("%d" % start if start == prev else "%d:%d" % (start, prev))
        start = prev = uid
    if start is not None:
        parts.append("%d" % start if start == prev else "%d:%d" % (start, prev))
    return ",".join(parts)


def quote(text):
    """An IMAP quoted string (bytes) for a str (already modified-UTF-7 for mailbox names)."""
    if isinstance(text, str):
        text = text.encode("utf-8")
    return b'"' + text.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


def mailbox_arg(name):
    """A mailbox name as an APPEND/SELECT argument: modified UTF-7, quoted."""
    if isinstance(name, bytes):
        return quote(name)
    return quote(imap_utf7.encode(name) if imap_utf7 is not None else name.encode("ascii"))


def _parse_tokens(text, literals):
    """Tokenise an attribute list (text with \\0n\\0 placeholders for literals) into nested lists."""
    stack = [[]]
    pos = 0
    end = len(text)
    while pos < end:
        match = _TOKEN_RE.match(text, pos)
        if not match or match.end() == pos:
            if text[pos:].strip() == b"":
                break
            raise WireError("cannot parse FETCH response near %r" % text[pos:pos + 40])
        pos = match.end()
        opened, closed, quoted, lit, atom = match.groups()
        if opened:
            stack.append([])
        elif closed:
            if len(stack) == 1:
                break
            done = stack.pop()
            stack[-1].append(done)
        elif quoted is not None:
            stack[-1].append(re.sub(rb"\\(.)", rb"\1", quoted) if b"\\" in quoted else quoted)
        elif lit is not None:
            stack[-1].append(literals[int(lit)])
        elif atom is not None:
            stack[-1].append(atom)
    return stack[0]


def _fetch_dict(items):
    """[b'UID', b'5', b'FLAGS', [..], ...] -> {'UID': 5, 'FLAGS': (...), 'BODY[]': b'...', ...}."""
    out = {}
    for i in range(0, len(items) - 1, 2):
        key = items[i].decode("ascii", "replace").upper() if isinstance(items[i], bytes) else str(items[i])
        value = items[i + 1]
        if key in ("UID", "RFC822.SIZE"):
            value = int(value)
        elif key == "FLAGS":
            value = tuple(value)
        elif key == "MODSEQ":
            value = int(value[0]) if isinstance(value, list) and value else value
        elif key == "INTERNALDATE":
            value = value.decode("ascii", "replace")
        elif key.startswith("BODY[") or key.startswith("RFC822") or key.startswith("BINARY["):
            if value == b"NIL":
                value = b""
            key = "HEADER" if key != "BODY[]" and not key.startswith("BODY[]") and key != "RFC822" else "BODY"
        out[key] = value
    return out


class Wire:
    """Raw commands on an imapclient.IMAPClient's socket (UID FETCH, MULTIAPPEND)."""

    def __init__(self, client):
        self.client = client
        self._imap = client._imap  # pylint: disable=protected-access
        self._n = 0
        caps = set(c.upper() for c in client.capabilities())
        self.literal_plus = b"LITERAL+" in caps
        self.multiappend = b"MULTIAPPEND" in caps
        self.uidplus = b"UIDPLUS" in caps
        self.untagged = []  # other untagged lines seen (EXISTS, EXPUNGE, BYE ...)

    # ------------------------------------------------------------------ low level
    def _tag(self):
        self._n += 1
        return b"MW%d" % self._n

    def _send(self, data):
        try:
            self._imap.sock.sendall(data)
        except OSError as exc:
            raise ConnectionLost("connection lost while sending: %s" % exc)

    def _readline(self):
        try:
            line = self._imap.file.readline()
        except OSError as exc:
            raise ConnectionLost("connection lost while reading: %s" % exc)
        if not line:
            raise ConnectionLost("the server closed the connection")
        return line

    def _read(self, size):
        try:
            data = self._imap.file.read(size)
        except OSError as exc:
            raise ConnectionLost("connection lost while reading: %s" % exc)
        if data is None or len(data) != size:
            raise ConnectionLost("the server closed the connection in the middle of a message")
        return data

    def _read_full_response_line(self):
        """One response line with its literals: (text with \\0n\\0 placeholders, [literal bytes])."""
        line = self._readline()
        match = _LITERAL_RE.search(line)
        if not match:
            return line, None
        parts = []
        literals = []
        while match:
            parts.append(line[:match.start()])
            parts.append(b"\x00%d\x00" % len(literals))
            literals.append(self._read(int(match.group(1))))
            line = self._readline()
            match = _LITERAL_RE.search(line)
        parts.append(line)
        return b"".join(parts), literals

    def _finish(self, tag, on_fetch=None):
        """Read up to the tagged answer; call on_fetch(dict) for each FETCH; raise CommandFailed on NO/BAD."""
        while True:
            line, literals = self._read_full_response_line()
            if line.startswith(tag + b" "):
                match = _TAGGED_RE.match(line.rstrip(b"\r\n"))
                if not match:
                    raise WireError("unexpected answer %r" % line[:200])
                status, text = match.group(2).decode(), match.group(3).decode("utf-8", "replace")
                if status != "OK":
                    raise CommandFailed(status, text)
                return text
            if line.startswith(b"* "):
                fetch = _FETCH_RE.match(line)
                if fetch and on_fetch is not None:
                    items = _parse_tokens(line[fetch.end():], literals or [])
                    data = _fetch_dict(items)
                    data["SEQ"] = int(fetch.group(1))
                    on_fetch(data)
                elif line[2:5].upper() == b"BYE":
                    self.untagged.append(line.rstrip(b"\r\n"))
                    # the tagged answer may still follow; if not, _readline raises
                else:
                    if len(self.untagged) < 100:
                        self.untagged.append(line.rstrip(b"\r\n"))
            elif line.startswith(b"+"):
                raise WireError("unexpected continuation request: %r" % line[:100])
            # anything else: ignore (should not happen)

    # ------------------------------------------------------------------ commands
    def fetch(self, uids, items, on_fetch):
        """UID FETCH uids (items); on_fetch(dict) per message. uids: list of ints or a set string ('1:*')."""
        if not isinstance(uids, (str, bytes)):
            if not uids:
                return
            uids = uid_set(uids)
        if isinstance(uids, str):
            uids = uids.encode("ascii")
        if isinstance(items, (list, tuple)):
            items = " ".join(items)
        if isinstance(items, str):
            items = items.encode("ascii")
        tag = self._tag()
        self._send(tag + b" UID FETCH " + uids + b" (" + items + b")\r\n")
        self._finish(tag, on_fetch)

    def fetch_list(self, uids, items):
        out = []
        self.fetch(uids, items, out.append)
        return out

    def append(self, mailbox, messages):
        """Append messages [(body bytes, flags tuple, internaldate str or None)] in one command.

        Uses MULTIAPPEND when the server has it and more than one message is given; callers with a
        server without MULTIAPPEND must pass one message at a time. Returns the destination UIDs from
        APPENDUID (a list as long as messages) or None when the server does not say them.
        Raises CommandFailed (NO/BAD: nothing of this command was stored) or WireError.
        """
        if self.literal_plus:
            return self.append_finish(self.append_send(mailbox, messages), len(messages))
        if len(messages) > 1 and not self.multiappend:
            raise ValueError("server has no MULTIAPPEND: append one message at a time")
        tag = self._tag()
        pending = [tag + b" APPEND " + mailbox_arg(mailbox)]
        for body, flags, date in messages:
            pending.append(self._append_part(flags, date) + b" {%d}\r\n" % len(body))
            self._send(b"".join(pending))
            pending = []
            self._wait_continuation(tag)
            self._send(body)
        self._send(b"\r\n")
        return self.append_finish(tag, len(messages))

    @staticmethod
    def _append_part(flags, date):
        part = b" (" + b" ".join(f if isinstance(f, bytes) else f.encode("utf-8") for f in flags) + b")"
        if date:
            part += b' "' + (date.encode("ascii") if isinstance(date, str) else date) + b'"'
        return part

    def append_send(self, mailbox, messages):
        """Send a whole (MULTI)APPEND with LITERAL+ without waiting for the answer; return its tag.

        The caller reads the answer later with append_finish(tag, len(messages)), and sends nothing else
        on this connection in between (so other work, e.g. the next FETCH elsewhere, overlaps with it).
        """
        if not self.literal_plus:
            raise ValueError("server has no LITERAL+: use append()")
        if len(messages) > 1 and not self.multiappend:
            raise ValueError("server has no MULTIAPPEND: append one message at a time")
        tag = self._tag()
        head = tag + b" APPEND " + mailbox_arg(mailbox)
        pending = [head]
        pending_size = len(head)
        for body, flags, date in messages:
            part = self._append_part(flags, date) + b" {%d+}\r\n" % len(body)
            pending.append(part)
            if len(body) < 262144 and pending_size < 4194304:
                pending.append(body)
                pending_size += len(part) + len(body)
            else:
                self._send(b"".join(pending))
                self._send(body)
                pending, pending_size = [], 0
        pending.append(b"\r\n")
        self._send(b"".join(pending))
        return tag

    def append_finish(self, tag, count):
        """Read the answer of an APPEND: destination UIDs (APPENDUID) or None; CommandFailed on NO/BAD."""
        text = self._finish(tag)
        match = _APPENDUID_RE.search(text.encode("utf-8", "replace"))
        if not match:
            return None
        uids = parse_uid_set(match.group(2).decode("ascii"))
        return uids if len(uids) == count else None

    def _wait_continuation(self, tag):
        while True:
            line = self._readline()
            if line.startswith(b"+"):
                return
            if line.startswith(tag + b" "):
                match = _TAGGED_RE.match(line.rstrip(b"\r\n"))
                if match:
                    raise CommandFailed(match.group(2).decode(), match.group(3).decode("utf-8", "replace"))
                raise WireError("unexpected answer %r" % line[:200])
            if line.startswith(b"* "):
                self.untagged.append(line.rstrip(b"\r\n"))


def stream_copy(src, dst, uid, mailbox, flags, date, chunk=1048576):
    """Copy one message from the selected source folder to mailbox without holding it in memory.

    The body literal of ``UID FETCH uid (BODY.PEEK[])`` on ``src`` (a Wire) is piped, chunk by chunk,
    into a non-synchronising APPEND literal on ``dst`` (needs LITERAL+). Returns (size, destination UIDs or
    None) or None when the source no longer has the message. On any failure both connections must be
    dropped (the destination then discards the incomplete APPEND).
    """
    if not dst.literal_plus:
        raise ValueError("streaming needs LITERAL+ on the destination")
    tag = src._tag()
    src._send(tag + b" UID FETCH %d (UID BODY.PEEK[])\r\n" % int(uid))
    size = None
    while size is None:
        line = src._readline()
        if line.startswith(tag + b" "):
            match = _TAGGED_RE.match(line.rstrip(b"\r\n"))
            if match and match.group(2) == b"OK":
                return None
            raise CommandFailed(match.group(2).decode() if match else "BAD",
                                (match.group(3) if match else line).decode("utf-8", "replace"))
        literal = _LITERAL_RE.search(line)
        if _FETCH_RE.match(line) and literal:
            size = int(literal.group(1))
        elif literal:  # an unrelated untagged response with a literal: skip it
            src._read(int(literal.group(1)))
    dtag = dst._tag()
    head = dtag + b" APPEND " + mailbox_arg(mailbox) + b" ("
    head += b" ".join(f if isinstance(f, bytes) else f.encode("utf-8") for f in flags) + b")"
    if date:
        head += b' "' + (date.encode("ascii") if isinstance(date, str) else date) + b'"'
    dst._send(head + b" {%d+}\r\n" % size)
    remaining = size
    while remaining:
        data = src._read(min(chunk, remaining))
        dst._send(data)
        remaining -= len(data)
    dst._send(b"\r\n")
    src._finish(tag)  # the rest of the FETCH line, then the tagged OK
    text = dst._finish(dtag)
    match = _APPENDUID_RE.search(text.encode("utf-8", "replace"))
    uids = parse_uid_set(match.group(2).decode("ascii")) if match else None
    return size, (uids if uids and len(uids) == 1 else None)


_STATUS_ITEMS_RE = re.compile(rb"([A-Za-z0-9.-]+) (\d+)")


def status_many(wire, folders, items):
    """STATUS of many folders in one round trip (pipelined): {folder: {ITEM: int} or None when refused}."""
    if isinstance(items, (list, tuple)):
        items = " ".join(items)
    items = items.encode("ascii") if isinstance(items, str) else items
    tags = []
    out = []
    for name in folders:
        tag = wire._tag()
        tags.append((tag, name))
        out.append(tag + b" STATUS " + mailbox_arg(name) + b" (" + items + b")\r\n")
    if not out:
        return {}
    wire._send(b"".join(out))
    result = {}
    for tag, name in tags:
        found = {}
        while True:
            line, _literals = wire._read_full_response_line()
            if line.startswith(tag + b" "):
                ok = line[len(tag) + 1:len(tag) + 3] == b"OK"
                result[name] = found if ok else None
                break
            if line[:9].upper() == b"* STATUS ":
                found = status_items(line)
    return result


_STATUS_NAME_RE = re.compile(rb'^\* STATUS (?:"((?:[^"\\]|\\.)*)"|([^\s"(\x00]+)) \(', re.I)


def status_mailbox(line):
    """The mailbox of an untagged ``* STATUS`` line as the wire spells it (modified UTF-7 bytes, unquoted),
    or None when it came as a literal."""
    match = _STATUS_NAME_RE.match(line)
    if not match:
        return None
    if match.group(1) is not None:
        return re.sub(rb"\\(.)", rb"\1", match.group(1))
    return match.group(2)


def wire_name(name):
    """A mailbox name as status_mailbox() reads it back: modified UTF-7 bytes, INBOX upper-cased."""
    raw = mailbox_arg(name)[1:-1]
    raw = re.sub(rb"\\(.)", rb"\1", raw)
    return b"INBOX" if raw.upper() == b"INBOX" else raw


def status_items(line):
    """{ITEM: int} of an untagged ``* STATUS folder (ITEM n ...)`` line."""
    inner = line[line.rindex(b"(") + 1:] if b"(" in line else b""
    return {k.decode("ascii").upper(): int(v) for k, v in _STATUS_ITEMS_RE.findall(inner)}


def simple_many(wire, commands):
    """Send [(verb, mailbox)] (CREATE, SUBSCRIBE ...) pipelined; return [None (OK) or 'NO/BAD text']."""
    if not commands:
        return []
    tags = []
    out = []
    for verb, name in commands:
        tag = wire._tag()
        tags.append(tag)
        out.append(tag + b" " + verb.encode("ascii") + b" " + mailbox_arg(name) + b"\r\n")
    wire._send(b"".join(out))
    results = []
    for tag in tags:
        try:
            wire._finish(tag)
            results.append(None)
        except CommandFailed as exc:
            results.append("%s %s" % (exc.status, exc.text))
    return results


_SEARCH_RE = re.compile(rb"^\* SEARCH\b ?([0-9 ]*)", re.I)
_OK_CODE_RE = re.compile(rb"^\* OK \[([A-Z0-9.-]+)(?: ([^\]]*))?\]", re.I)


def pipeline(wire, commands, on_untagged):
    """Send commands [(key, command bytes without tag)] in ONE write, then read every answer: one round trip.

    Each untagged answer goes to on_untagged(key, line, fetch) with the key of the oldest command not yet
    answered (fetch: the parsed FETCH dict for a FETCH line, else None). Servers run a command that
    changes the selected folder only after the ones before it (RFC 3501 5.5), so the data of each
    folder's commands comes while one of that folder's commands is the oldest pending; within a folder a
    server may interleave answers (Dovecot runs pipelined FETCHes at once), so on_untagged tells them
    apart by what they hold. Every answer is read before returning, so the connection stays usable.
    Returns {key: None (OK) or CommandFailed}.
    """
    tags = {}
    order = []
    out = []
    for key, command in commands:
        tag = wire._tag()
        tags[tag] = key
        order.append(tag)
        out.append(tag + b" " + command + b"\r\n")
    if not out:
        return {}
    wire._send(b"".join(out))
    result = {}
    pending = list(order)
    while pending:
        line, literals = wire._read_full_response_line()
        if line.startswith(b"* "):
            fetch = _FETCH_RE.match(line)
            data = None
            if fetch:
                data = _fetch_dict(_parse_tokens(line[fetch.end():], literals or []))
                data["SEQ"] = int(fetch.group(1))
            elif line[2:5].upper() == b"BYE":
                wire.untagged.append(line.rstrip(b"\r\n"))
            on_untagged(tags[pending[0]], line, data)
            continue
        if line.startswith(b"+"):
            raise WireError("unexpected continuation request: %r" % line[:100])
        tag = line.split(b" ", 1)[0]
        if tag not in tags or tag not in pending:
            continue  # not ours (should not happen)
        match = _TAGGED_RE.match(line.rstrip(b"\r\n"))
        if not match:
            raise WireError("unexpected answer %r" % line[:200])
        status, text = match.group(2).decode(), match.group(3).decode("utf-8", "replace")
        result[tags[tag]] = None if status == "OK" else CommandFailed(status, text)
        pending.remove(tag)
    return result


def search_uids(line):
    """The numbers of an untagged ``* SEARCH`` line (UIDs after UID SEARCH), or None for another line."""
    match = _SEARCH_RE.match(line)
    if not match:
        return None
    return {int(n) for n in match.group(1).split()}


def ok_code(line):
    """(code, its text) of an untagged ``* OK [CODE ...]`` line (PERMANENTFLAGS, UIDVALIDITY ...), else None."""
    match = _OK_CODE_RE.match(line)
    if not match:
        return None
    return match.group(1).decode("ascii").upper(), match.group(2) or b""


def flag_list(text):
    """b'(\\\\Seen $Forwarded \\\\*)' -> (b'\\\\Seen', b'$Forwarded', b'\\\\*')."""
    return tuple(text.strip().lstrip(b"(").rstrip(b")").split())


def selected(wire, readonly=True):
    """Tell the imapclient connection that a folder was selected on its socket (by pipeline()), so that its
    own commands that need a selected folder (SEARCH, STORE ...) are allowed again."""
    imap = wire._imap
    imap.state = "SELECTED"
    imap.is_readonly = readonly


def examine_and_fetch(wire, mailbox, uids, items, on_fetch):
    """EXAMINE mailbox and UID FETCH uids (items) from it, pipelined: one round trip instead of two.

    on_fetch(dict) gets the FETCH's answers only (not what the server still says of the folder selected
    before). Raises CommandFailed when either is refused, after reading both answers."""
    if isinstance(items, str):
        items = items.encode("ascii")
    commands = [("select", b"EXAMINE " + mailbox_arg(mailbox)),
                ("fetch", b"UID FETCH " + uid_set(uids).encode("ascii") + b" (" + items + b")")]

    def on_untagged(key, _line, data):
        if key == "fetch" and data is not None:
            on_fetch(data)

    answers = pipeline(wire, commands, on_untagged)
    if answers.get("select") is not None:
        raise answers["select"]
    selected(wire, readonly=True)
    if answers.get("fetch") is not None:
        raise answers["fetch"]
