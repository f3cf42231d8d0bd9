"""What Mailcow's imapsync_runner.pl does for one sync job, for the emulator.

With a real destination (the test Dovecot as the emulator's backend) the job really copies mail over IMAP:
source account (host1/port1/enc1/user1/password1) -> the Mailcow mailbox (user2), folder by folder, skipping
folders that match ``exclude`` and messages whose Message-ID is already in the target folder (imapsync's
default identification), under ``subfolder2`` when set, nothing written with ``dry``. It then writes an
imapsync-style report (``++++ Statistics`` ... ``Exiting with return value N (STATUS: text)``), which is
what Mailcow stores as the job's log. Without a destination it writes a report of an empty run.
"""
from __future__ import annotations

import re
import ssl

EXITS = {
    0: ("EX_OK", "successful termination"),
    10: ("EXIT_CONNECTION_FAILURE", "connection failure"),
    12: ("EXIT_TLS_FAILURE", "tls failure"),
    16: ("EXIT_AUTHENTICATION_FAILURE", "authentication failure"),
    111: ("EXIT_WITH_ERRORS", "exit with errors"),
}


def _exit_line(code, errors):
    status, text = EXITS[code]
    return "Exiting with return value %d (%s: %s) %d/50 nb_errors/max_errors\n" % (code, status, text, errors)


def _message_id(header_bytes):
    match = re.search(rb"^message-id:\s*(.+?)\s*$", header_bytes or b"", re.I | re.M)
    return match.group(1).strip() if match else None


def report(stats, code, header=""):
    copied = 0 if stats["dry"] else stats["transferred"]
    copied_bytes = 0 if stats["dry"] else stats["bytes"]
    could_be = "(could be %d without dry mode)" % stats["transferred"] if stats["dry"] else ""
    lines = [
        header,
        "++++ Statistics\n",
        "Folders synced                          : %d/%d synced\n" % (stats["folders_synced"], stats["folders_total"]),
        "Messages transferred                    : %d %s\n" % (copied, could_be),
        "Messages skipped                        : %d\n" % stats["skipped"],
        "Total bytes transferred                 : %d (%.3f KiB)\n" % (copied_bytes, copied_bytes / 1024.0),
        "Total bytes skipped                     : %d (%.3f KiB)\n" % (
            stats["bytes_skipped"], stats["bytes_skipped"] / 1024.0),
    ]
    if code == 0 and not stats["errors"]:
        lines.append("The sync looks good, all %d identified messages in host1 are on host2.\n"
                     % (stats["transferred"] + stats["skipped"]))
    lines.append("Detected %d errors\n\n" % stats["errors"])
    lines.append(_exit_line(code, stats["errors"]))
    return "".join(lines)


def run_job(job, destination_client=None, ca_file=None, timeout=30):
    """(log text, exit code, exit status) of one run of job (a dict with the imapsync table's fields plus
    ``password1``). destination_client() returns a logged-in imapclient.IMAPClient on the Mailcow mailbox."""
    header = "Host1: IMAP server [%s] port [%s] user [%s]\nHost2: IMAP server [localhost] user [%s]\n" % (
        job["host1"], job["port1"], job["user1"], job["user2"])
    stats = {"folders_synced": 0, "folders_total": 0, "transferred": 0, "skipped": 0, "bytes": 0,
             "bytes_skipped": 0, "errors": 0, "dry": bool(job.get("dry"))}
    if destination_client is None:
        return report(stats, 0, header), 0, "EX_OK"
    import imapclient  # pylint: disable=import-outside-toplevel

    context = ssl.create_default_context(cafile=ca_file)
    try:
        source = imapclient.IMAPClient(job["host1"], port=int(job["port1"]), ssl=job["enc1"] == "SSL",
                                       ssl_context=context, timeout=timeout)
        if job["enc1"] == "TLS":
            source.starttls(context)
    except ssl.SSLError as exc:
        return header + "Host1 failure: TLS: %s\n" % exc + _exit_line(12, 1), 12, EXITS[12][0]
    except Exception as exc:  # pylint: disable=broad-except
        return header + "Host1 failure: can not connect: %s\n" % exc + _exit_line(10, 1), 10, EXITS[10][0]
    try:
        try:
            source.login(job["user1"], job["password1"])
        except Exception as exc:  # pylint: disable=broad-except
            failure = "Host1 failure: Error login on [%s] with user [%s]: %s\n" % (job["host1"], job["user1"], exc)
            return header + failure + _exit_line(16, 1), 16, EXITS[16][0]
        dest = destination_client()
        try:
            _copy(source, dest, job, stats)
        finally:
            try:
                dest.logout()
            except Exception:  # pylint: disable=broad-except
                pass
    finally:
        try:
            source.logout()
        except Exception:  # pylint: disable=broad-except
            pass
    code = 111 if stats["errors"] else 0
    return report(stats, code, header), code, EXITS[code][0]


def _copy(source, dest, job, stats):
    exclude = re.compile(job["exclude"]) if job.get("exclude") else None
    dest_sep = dest.namespace().personal[0][1] if dest.has_capability("NAMESPACE") else "/"
    dest_sep = dest_sep.decode() if isinstance(dest_sep, bytes) else (dest_sep or "/")
    for flags, sep, name in source.list_folders():
        if any(flag.lower() == b"\\noselect" for flag in flags):
            continue
        if exclude is not None and exclude.search(name):
            continue
        stats["folders_total"] += 1
        sep = sep.decode() if isinstance(sep, bytes) else (sep or "/")
        parts = name.split(sep) if sep else [name]
        if job.get("subfolder2"):
            parts = [job["subfolder2"]] + parts
        target = dest_sep.join(parts)
        try:
            if not dest.folder_exists(target) and not job.get("dry"):
                dest.create_folder(target)
                if job.get("subscribeall"):
                    dest.subscribe_folder(target)
            existing = _message_ids(dest, target) if dest.folder_exists(target) else set()
            source.select_folder(name, readonly=True)
            uids = source.search("ALL")
            fetched = source.fetch(uids, IDENTITY_ITEMS) if uids else {}
            for uid in uids:
                data = fetched.get(uid, {})
                size = int(data.get(b"RFC822.SIZE", 0))
                msgid = _identity(data)
                if msgid in existing:
                    stats["skipped"] += 1
                    stats["bytes_skipped"] += size
                    continue
                if not job.get("dry"):
                    full = source.fetch([uid], ["BODY.PEEK[]", "FLAGS", "INTERNALDATE"])[uid]
                    flags_ = [f for f in full.get(b"FLAGS", ()) if f.lower() != b"\\recent"]
                    dest.append(target, full[b"BODY[]"], flags=flags_, msg_time=full.get(b"INTERNALDATE"))
                    existing.add(msgid)
                stats["transferred"] += 1
                stats["bytes"] += size
            stats["folders_synced"] += 1
        except Exception:  # pylint: disable=broad-except
            stats["errors"] += 1


def _message_ids(client, folder):
    client.select_folder(folder, readonly=True)
    uids = client.search("ALL")
    if not uids:
        return set()
    return {_identity(d) for d in client.fetch(uids, IDENTITY_ITEMS).values()}


# What identifies a message across runs: its Message-ID, or for a message without one its size and
# arrival date, so that a re-run does not copy such a message again.
IDENTITY_ITEMS = ["RFC822.SIZE", "INTERNALDATE", "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"]


def _identity(data):
    msgid = _message_id(data.get(b"BODY[HEADER.FIELDS (MESSAGE-ID)]"))
    if msgid is not None:
        return msgid
    date = data.get(b"INTERNALDATE")
    # As an instant: one client may hand back naive local times and the other aware ones.
    return ("no-message-id", int(data.get(b"RFC822.SIZE", 0)), int(date.timestamp()) if date else None)
