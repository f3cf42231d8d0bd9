"""Loss check: what a server serves for an account, per folder, and how a copy differs from the source.

A snapshot holds, per folder, one record per message: SHA-256 of the exact bytes served
(``BODY.PEEK[]``), the SHA-256 of those bytes with any ``X-TUID`` header removed (mbsync adds one),
the flags (without ``\\Recent``) and INTERNALDATE (epoch seconds). The comparison is a multiset match:
exact first, then same body with other flags/date, then same body once X-TUID is removed.
"""
from __future__ import annotations

import collections
import datetime as dt
import hashlib
import re
import ssl

import imapclient

_XTUID = re.compile(rb"^X-TUID: [^\r\n]*\r?\n", re.MULTILINE | re.IGNORECASE)


def _header_end(data: bytes) -> int:
    end = data.find(b"\r\n\r\n")
    return len(data) if end < 0 else end + 2


def _record(data: bytes, flags, date) -> tuple:
    digest = hashlib.sha256(data).hexdigest()
    head_end = _header_end(data)
    head = data[:head_end]
    stripped = digest
    if b"x-tuid:" in head.lower():
        stripped = hashlib.sha256(_XTUID.sub(b"", head) + data[head_end:]).hexdigest()
    names = frozenset((f.decode() if isinstance(f, bytes) else str(f)) for f in flags) - {"\\Recent"}
    return digest, stripped, names, int(date.timestamp())


_LITERAL = re.compile(rb"\{(\d+)\}\r\n$")
_FLAGS = re.compile(rb"FLAGS \(([^)]*)\)")
_DATE = re.compile(rb'INTERNALDATE "([^"]+)"')


def _fetch_folder(client: imapclient.IMAPClient, tag: bytes) -> list[tuple]:
    """UID FETCH 1:* (FLAGS INTERNALDATE BODY.PEEK[]) of the selected folder, read straight off the
    connection: literal sizes are taken from the response and bodies read in one piece. imapclient's
    generic response parser costs about 20x more CPU for the same bytes (see
    ../shared/reference/performance-notes.md), which made the loss check the slowest part of a run."""
    imap = client._imap  # pylint: disable=protected-access
    imap.send(tag + b" UID FETCH 1:* (FLAGS INTERNALDATE BODY.PEEK[])\r\n")
    records = []
    while True:
        line = imap.readline()
        if not line:
            raise ConnectionError("server closed the connection during FETCH")
        if line.startswith(tag + b" "):
            if not line[len(tag) + 1:].upper().startswith(b"OK"):
                raise RuntimeError(f"FETCH failed: {line.decode('utf-8', 'replace').strip()}")
            return records
        if not line.startswith(b"* ") or b" FETCH " not in line[:40]:
            continue  # EXISTS, RECENT...: not ours
        text, body = b"", None
        while True:
            match = _LITERAL.search(line)
            if not match:
                text += line
                break
            text += line[:match.start()] + b"{}"
            literal = imap.read(int(match.group(1)))
            if text.rstrip(b"{}").rstrip().endswith(b"BODY[]"):
                body = literal
            line = imap.readline()
        flags = _FLAGS.search(text)
        date = _DATE.search(text)
        if body is None or flags is None or date is None:
            raise RuntimeError(f"unexpected FETCH response: {text[:200]!r}")
        when = dt.datetime.strptime(date.group(1).decode("ascii").strip(), "%d-%b-%Y %H:%M:%S %z")
        records.append(_record(body, flags.group(1).split(), when))


def snapshot(host: str, port: int, ca_file: str, user: str, password: str) -> dict[str, list[tuple]]:
    """{folder: [(sha256, sha256_without_xtuid, frozenset(flags), internaldate_epoch), ...]} over TLS."""
    ctx = ssl.create_default_context(cafile=ca_file)
    client = imapclient.IMAPClient(host, port=port, ssl=True, ssl_context=ctx, timeout=300)
    result: dict[str, list[tuple]] = {}
    try:
        client.login(user, password)
        for number, (flags, _sep, name) in enumerate(client.list_folders()):
            if any(f.lower() == b"\\noselect" for f in flags):
                continue
            if not client.select_folder(name, readonly=True)[b"EXISTS"]:
                result[name] = []
                continue
            result[name] = _fetch_folder(client, b"BENCH%d" % number)
    finally:
        try:
            client.logout()
        except Exception:  # pylint: disable=broad-except
            client.shutdown()
    return result


def compare(source: dict[str, list[tuple]], copy: dict[str, list[tuple]]) -> dict:
    """How copy differs from source, per folder and in total (empty folders on neither side are ignored)."""
    folders = {}
    totals = collections.Counter()
    lost_flags = collections.Counter()
    for name in sorted(set(source) | set(copy)):
        src, dst = list(source.get(name, [])), list(copy.get(name, []))
        if not src and not dst:
            continue
        stats = collections.Counter(source=len(src), copy=len(dst))
        if name not in copy and src:
            stats["folder_missing"] = 1
        # 1. exact: same bytes, flags and date
        want = collections.Counter((r[0], r[2], r[3]) for r in src)
        have = collections.Counter((r[0], r[2], r[3]) for r in dst)
        exact = want & have
        stats["identical"] = sum(exact.values())
        rest_src = list((want - exact).elements())
        rest_dst = list((have - exact).elements())
        dst_full = {(r[0], r[2], r[3]): r for r in dst}
        # 2./3. same body (or same once X-TUID is removed) with other flags or date
        for use_stripped in (False, True):
            by_body: dict[str, list] = collections.defaultdict(list)
            for key in rest_dst:
                body = dst_full[key][1] if use_stripped else key[0]
                by_body[body].append(key)
            still_src = []
            for key in rest_src:
                candidates = by_body.get(key[0])
                if not candidates:
                    still_src.append(key)
                    continue
                # several copies of one body (duplicates): pair with the closest (same date, then same flags)
                best = max(range(len(candidates)),
                           key=lambda i, k=key: (candidates[i][2] == k[2], candidates[i][1] == k[1]))
                got = candidates.pop(best)
                rest_dst.remove(got)
                if use_stripped:
                    stats["body_altered_xtuid"] += 1
                if got[1] != key[1]:
                    stats["flags_differ"] += 1
                    lost_flags.update(key[1] - got[1])
                if got[2] != key[2]:
                    stats["date_differs"] += 1
                if not use_stripped and got[1] == key[1] and got[2] == key[2]:
                    stats["identical"] += 1
            rest_src = still_src
        stats["missing"] = len(rest_src)
        stats["extra"] = len(rest_dst)
        folders[name] = dict(stats)
        totals.update({k: v for k, v in stats.items() if k not in ("source", "copy")})
        totals["source"] += len(src)
        totals["copy"] += len(dst)
    clean = (totals["identical"] == totals["source"] == totals["copy"])
    return {"clean": clean, "totals": dict(totals), "lost_flags": dict(lost_flags),
            "folders": {k: v for k, v in folders.items() if v.get("identical") != v["source"] or
                        v["source"] != v["copy"]}}


def summary(diff: dict) -> str:
    """One line: 'identical' or what differs."""
    t = diff["totals"]
    if diff["clean"]:
        return f"identical ({t['identical']} messages)"
    parts = []
    for key, label in (("missing", "missing"), ("extra", "extra"), ("body_altered_xtuid", "X-TUID header added"),
                       ("flags_differ", "flags differ"), ("date_differs", "INTERNALDATE differs"),
                       ("folder_missing", "folders missing")):
        if t.get(key):
            parts.append(f"{t[key]} {label}")
    if diff["lost_flags"]:
        parts.append("lost: " + ", ".join(f"{k} x{v}" for k, v in sorted(diff["lost_flags"].items())))
    return "; ".join(parts) or "differs"
