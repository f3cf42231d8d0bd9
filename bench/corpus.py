"""A deterministic benchmark mailbox, built once per size as a Maildir and hard-linked into Dovecot.

``--messages 2000`` gives about 150 MB over 14 folders (sizes 2 KB to 10 MB, mostly small mail and a
few big attachments, 0.5 % exact duplicates inside a folder, a few messages without Message-ID,
keywords such as ``$Forwarded``, ``$Label1``, ``Work``); ``--messages 20000`` gives about 1.5 GB. The
mix scales with the count; ``big_mb`` adds one message of that size (the 50 MB memory target).

The Maildir is written directly (no APPEND): CRLF line ends (so the file bytes are the bytes the
server serves), ``S=``/``W=`` sizes in the names, flags as Maildir letters, keywords in
``dovecot-keywords``, INTERNALDATE as the file's mtime. Copies into a user's home are hard links:
Dovecot never rewrites a message file in place (it renames), so the cache stays intact.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import pathlib
import random
import shutil

from tests.servers.dovecot import MAIL_GID, MAIL_UID, DovecotServer

VERSION = 1

FOLDERS = ("INBOX", "Sent", "Archive", "Drafts", "Trash", "Junk", "Projets/2019", "Projets/2020",
           "Clients/ACME", "Clients/Été", "Newsletters", "Receipts", "Famille", "Big attachments")
FOLDER_WEIGHTS = (30, 14, 14, 2, 3, 3, 6, 6, 5, 4, 6, 3, 3, 1)
KEYWORDS = ("$Forwarded", "$Label1", "Work", "$MDNSent", "NonJunk")
FLAG_SETS = (
    ("\\Seen",), ("\\Seen",), ("\\Seen",), (), ("\\Seen", "\\Answered"), ("\\Seen", "\\Flagged"),
    ("\\Seen", "$Forwarded"), ("\\Seen", "$Label1", "Work"), ("NonJunk",), ("\\Seen", "$MDNSent"),
    ("\\Draft",), ("\\Seen", "\\Answered", "$Forwarded", "Work"),
)
_SYSTEM_LETTERS = {"\\Draft": "D", "\\Flagged": "F", "\\Answered": "R", "\\Seen": "S", "\\Deleted": "T"}
_WORDS = ("migration", "boîte", "réunion", "invoice", "project", "planning", "rapport", "hello", "update",
          "budget", "serveur", "mail", "calendar", "équipe", "deadline", "contract", "photos", "voyage")


def utf7_folder(name: str) -> str:
    """IMAP modified UTF-7 (RFC 3501) of one name level, as Dovecot stores it on disk."""
    out, buf = [], ""

    def flush() -> None:
        nonlocal buf
        if buf:
            enc = base64.b64encode(buf.encode("utf-16-be")).decode("ascii").rstrip("=").replace("/", ",")
            out.append("&" + enc + "-")
            buf = ""

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            buf += char
    flush()
    return "".join(out)


def _plan_sizes(rng: random.Random, count: int) -> list[int]:
    """Message sizes: ~85 % small (2-20 KB), ~15 % with an attachment (100-600 KB), a few big (to 10 MB)."""
    n_big = max(1, count // 500)
    big = [int(10_000_000 * (n_big - i) / n_big) for i in range(n_big)]
    n_mid = int(count * 0.15)
    sizes = big + [rng.randint(100_000, 600_000) for _unused in range(n_mid)]
    sizes += [rng.randint(2_000, 20_000) for _unused in range(count - len(sizes))]
    rng.shuffle(sizes)
    return sizes


def _text(rng: random.Random, size: int) -> bytes:
    lines, total = [], 0
    while total < size:
        line = " ".join(rng.choice(_WORDS) for _unused in range(rng.randint(6, 12))).encode("utf-8")
        lines.append(line)
        total += len(line) + 2
    return b"\r\n".join(lines) + b"\r\n"


def _message(rng: random.Random, index: int, size: int, date: dt.datetime, with_id: bool) -> bytes:
    sender = f"sender{index % 97}@example.org"
    when = date.strftime("%a, %d %b %Y %H:%M:%S %z")
    subject = " ".join(rng.choice(_WORDS) for _unused in range(4))
    headers = [
        f"Received: from mx{index % 7}.example.org (mx{index % 7}.example.org [192.0.2.{index % 250 + 1}])"
        f"\r\n\tby mail.example.net with ESMTPS id bench{index:07d}; {when}",
        f"From: Sender {index % 97} <{sender}>",
        "To: Alice <alice@example.net>",
        f"Subject: =?UTF-8?B?{base64.b64encode(subject.encode()).decode()}?= #{index}",
        f"Date: {when}",
        "MIME-Version: 1.0",
    ]
    if with_id:
        headers.insert(1, f"Message-ID: <bench.{index}.{rng.getrandbits(40):x}@example.org>")
    head = "\r\n".join(headers).encode("utf-8") + b"\r\n"
    if size <= 24_000:
        body = _text(rng, max(200, size - len(head) - 60))
        return head + b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + body
    boundary = f"=_bench_{index}"
    text = _text(rng, 1500)
    raw = rng.randbytes(max(1000, int((size - len(head) - 2500) * 57 / 78)))
    attachment = base64.encodebytes(raw).replace(b"\n", b"\r\n")
    return (head + f"Content-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n".encode()
            + f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n"
              "Content-Transfer-Encoding: 8bit\r\n\r\n".encode() + text
            + f"--{boundary}\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
              f"Content-Disposition: attachment; filename=\"file{index}.bin\"\r\n\r\n".encode()
            + attachment + f"--{boundary}--\r\n".encode())


def _folder_dir(root: pathlib.Path, folder: str) -> pathlib.Path:
    if folder == "INBOX":
        return root
    return root.joinpath(*(utf7_folder(part) for part in folder.split("/")))


def build(cache_root: pathlib.Path, count: int, big_mb: int = 0, log=print) -> pathlib.Path:
    """Build (once) the Maildir for count messages under cache_root; return its directory."""
    name = f"corpus-v{VERSION}-{count}" + (f"-big{big_mb}" if big_mb else "")
    target = cache_root / name
    if (target / "manifest.json").exists():
        return target
    tmp = cache_root / (name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    maildir = tmp / "Maildir"
    rng = random.Random(f"mailwave-bench-{count}")
    sizes = _plan_sizes(rng, count)
    folders = rng.choices(FOLDERS, weights=FOLDER_WEIGHTS, k=count)
    for i, size in enumerate(sizes):  # big attachments mostly in their folder
        if size >= 2_000_000 and i % 2 == 0:
            folders[i] = "Big attachments"
    start = dt.datetime(2019, 1, 1, 8, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    span = dt.timedelta(days=5 * 365)
    n_dups = count // 200
    n_noid = max(1, count // 250)
    noid = set(rng.sample(range(count), n_noid))
    entries: list[dict] = []
    keywords_letter = {kw: chr(ord("a") + i) for i, kw in enumerate(KEYWORDS)}
    for folder in FOLDERS:
        fdir = _folder_dir(maildir, folder)
        for sub in ("cur", "new", "tmp"):
            (fdir / sub).mkdir(parents=True, exist_ok=True)
        (fdir / "dovecot-keywords").write_text("".join(f"{i} {kw}\n" for i, kw in enumerate(KEYWORDS)))
    total = 0

    def write(folder: str, data: bytes, flags: tuple, date: dt.datetime, serial: int) -> None:
        nonlocal total
        letters = "".join(sorted(_SYSTEM_LETTERS[f] if f in _SYSTEM_LETTERS else keywords_letter[f]
                                 for f in flags))
        stamp = int(date.timestamp())
        fname = f"{stamp}.M{serial}P1.bench,S={len(data)},W={len(data)}:2,{letters}"
        path = _folder_dir(maildir, folder) / "cur" / fname
        path.write_bytes(data)
        os.utime(path, (stamp, stamp))
        entries.append({"folder": folder, "size": len(data), "flags": sorted(flags), "date": stamp,
                        "sha256": hashlib.sha256(data).hexdigest()})
        total += len(data)

    serial = 0
    written: list[tuple[str, bytes, tuple, dt.datetime]] = []
    for i in range(count - n_dups):
        date = start + span * i / count + dt.timedelta(seconds=rng.randint(0, 3600))
        flags = FLAG_SETS[rng.randrange(len(FLAG_SETS))]
        data = _message(rng, i, sizes[i], date, i not in noid)
        serial += 1
        write(folders[i], data, flags, date, serial)
        if len(written) < 4 * n_dups + 8 and sizes[i] < 600_000:
            written.append((folders[i], data, flags, date))
    for dup in range(n_dups):  # exact duplicates inside the same folder (imapsync drops them)
        folder, data, flags, date = written[(dup * 3) % len(written)]
        serial += 1
        write(folder, data, flags, date + dt.timedelta(minutes=1), serial)
    if big_mb:
        date = start + span
        data = _message(rng, count, big_mb * 1_000_000, date, True)
        serial += 1
        write("Big attachments", data, ("\\Seen",), date, serial)
    subs = "".join("\t".join(utf7_folder(p) for p in f.split("/")) + "\n" for f in FOLDERS if f != "INBOX")
    (maildir / "subscriptions").write_text("V\t2\n\n" + subs, encoding="ascii")
    manifest = {"version": VERSION, "messages": len(entries), "bytes": total, "folders": list(FOLDERS),
                "duplicates": n_dups, "without_message_id": n_noid, "big_mb": big_mb, "entries": entries}
    (tmp / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    os.replace(tmp, target)
    log(f"built corpus {name}: {len(entries)} messages, {total / 1e6:.1f} MB in {target}")
    return target


def manifest(corpus_dir: pathlib.Path) -> dict:
    return json.loads((corpus_dir / "manifest.json").read_text(encoding="utf-8"))


def install(corpus_dir: pathlib.Path, server: DovecotServer, user: str) -> None:
    """Hard-link the corpus Maildir into user's home on server (user must exist, mailbox unused).

    Copied instead when the home is on another file system (e.g. ``--work-dir /dev/shm/...``).
    """
    dest = server.maildir(user)
    shutil.rmtree(dest, ignore_errors=True)
    same_fs = os.stat(corpus_dir).st_dev == os.stat(dest.parent).st_dev
    shutil.copytree(corpus_dir / "Maildir", dest, copy_function=os.link if same_fs else shutil.copy2)
    for root, _dirs, files in os.walk(dest):
        os.chown(root, MAIL_UID, MAIL_GID)
        os.chmod(root, 0o700)
        for name in files:
            path = os.path.join(root, name)
            os.chown(path, MAIL_UID, MAIL_GID)
