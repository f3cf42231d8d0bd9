# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Check one domain's part of a wave inventory and list every problem at once.

A mailbox comes from the inventory list or from a CSV file (address, source_user, quota, name);
secrets never live in the CSV: source passwords and tokens come from a (Vault-encrypted) dict keyed by
address, or from the inventory list entry itself.
"""

from __future__ import annotations

import csv
import io
import os
import re

CSV_COLUMNS = ("address", "source_user", "quota", "name", "action", "redirect_to", "notify_address", "rate_limit")
SECRET_COLUMNS = ("source_password", "source_oauth2_token", "password")
_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$|"
                     r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+(?:test|example|invalid|localhost)$")
SECURITY = ("tls", "starttls", "plain")
# migrate: created and copied; redirect: an alias to redirect_to instead of a mailbox; delete: nothing
# created (the old provider deletes it); later: stays on the old provider for a later wave.
ACTIONS = ("migrate", "redirect", "delete", "later")
_SPLIT = re.compile(r"[\s,;|]+")


def _addresses(value):
    """redirect_to as a list: a list, or one string of addresses separated by spaces, commas, ; or |."""
    if value in (None, ""):
        return []
    items = value if isinstance(value, (list, tuple)) else _SPLIT.split(str(value))
    return [str(item).strip().lower() for item in items if str(item).strip()]


def _action(row, address, where, problems, cutover_mode):
    """The box's action and redirect targets, with the problems of that pair."""
    action = str(row.get("action") or "migrate").strip().lower()
    targets = _addresses(row.get("redirect_to"))
    if action not in ACTIONS:
        problems.append("%s: action %r of %s: use one of %s" % (where, row.get("action"), address, ", ".join(ACTIONS)))
        return action, targets
    if action == "redirect":
        if not targets:
            problems.append("%s: %s has action redirect but no redirect_to; give the address(es) its mail goes to"
                            % (where, address))
        for target in targets:
            if not _ADDRESS.match(target):
                problems.append("%s: redirect_to %r of %s is not an e-mail address" % (where, target, address))
            elif target == address:
                problems.append("%s: %s cannot redirect to itself" % (where, address))
    elif targets:
        problems.append("%s: %s has redirect_to but action %s; set action: redirect or remove redirect_to"
                        % (where, address, action))
    if action == "later" and cutover_mode not in (None, "progressive"):
        problems.append("%s: %s stays on the old provider (action later), which needs mailwave_cutover_mode: "
                        "progressive (Mailcow relays its mail to the old MX); with a one-shot switch its mail "
                        "would no longer reach it" % (where, address))
    return action, targets


def read_csv(path, problems):
    """Rows of the CSV file as dicts; problems found are appended (with the line number)."""
    rows = []
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            text = handle.read()
    except OSError as exc:
        problems.append("mailboxes_csv: cannot read %s (%s); give an existing file or list the mailboxes "
                        "in the inventory" % (path, exc.strerror or exc))
        return rows
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    if "address" not in header:
        problems.append("mailboxes_csv %s: the first line must be a header with at least an 'address' column "
                        "(columns: %s)" % (path, ", ".join(CSV_COLUMNS)))
        return rows
    secret = [h for h in header if h in SECRET_COLUMNS]
    if secret:
        problems.append("mailboxes_csv %s: column(s) %s hold secrets; keep passwords out of CSV files and put "
                        "them in mailwave_source_passwords (Vault-encrypted)" % (path, ", ".join(secret)))
    unknown = [h for h in header if h and h not in CSV_COLUMNS and h not in SECRET_COLUMNS]
    if unknown:
        problems.append("mailboxes_csv %s: unknown column(s) %s (known: %s)" % (path, ", ".join(unknown),
                                                                                ", ".join(CSV_COLUMNS)))
    for lineno, raw in enumerate(reader, start=2):
        row = {}
        for key, value in raw.items():
            if key is None:
                problems.append("mailboxes_csv %s line %d: more fields than columns" % (path, lineno))
                continue
            key = key.strip().lower()
            if key in CSV_COLUMNS:
                row[key] = (value or "").strip()
        if not any(row.values()):
            continue
        row["_where"] = "%s line %d" % (os.path.basename(path), lineno)
        rows.append(row)
    return rows


def _quota(value, where, problems):
    if value in (None, ""):
        return None
    try:
        quota = int(str(value).strip())
    except ValueError:
        problems.append("%s: quota %r is not a whole number of MiB" % (where, value))
        return None
    if quota < 0:
        problems.append("%s: quota %d is negative" % (where, quota))
        return None
    return quota


def check_domain(domain, mailboxes=None, csv_path=None, source=None, passwords=None, require_password=True,
                 cutover_mode=None):
    """Return (mailboxes, problems): normalised mailboxes (no secrets) and every problem found.

    Every box carries its action; only boxes to migrate need a source secret.
    """
    problems = []
    passwords = passwords or {}
    if not domain or not _DOMAIN.match(domain):
        problems.append("domain %r is not a valid domain name" % (domain,))
    rows = []
    for index, entry in enumerate(mailboxes or []):
        if not isinstance(entry, dict):
            problems.append("mailboxes[%d]: expected a dict with at least 'address', got %r" % (index, entry))
            continue
        row = dict(entry)
        row["_where"] = "mailboxes[%d]" % index
        rows.append(row)
    if csv_path:
        rows.extend(read_csv(csv_path, problems))
    if not rows:
        problems.append("no mailboxes: list them in mailwave_mailboxes or in the CSV file mailwave_mailboxes_csv")

    source = source or {}
    if not source.get("host") and not source.get("provider"):
        problems.append("source: give the IMAP 'host' of the old provider (or a 'provider' preset)")
    if source.get("security") and source["security"] not in SECURITY:
        problems.append("source.security %r: use one of %s" % (source["security"], ", ".join(SECURITY)))
    if source.get("port") not in (None, "") and not str(source["port"]).isdigit():
        problems.append("source.port %r is not a port number" % (source["port"],))

    seen = {}
    result = []
    for row in rows:
        where = row["_where"]
        address = str(row.get("address") or "").strip().lower()
        if not address:
            problems.append("%s: no address" % where)
            continue
        if not _ADDRESS.match(address):
            problems.append("%s: %r is not an e-mail address" % (where, address))
            continue
        if domain and address.split("@", 1)[1] != domain.lower():
            problems.append("%s: %s is not in the domain %s" % (where, address, domain))
        if address in seen:
            problems.append("%s: %s is listed twice (first at %s)" % (where, address, seen[address]))
            continue
        seen[address] = where
        has_secret = bool(row.get("source_password") or row.get("source_oauth2_token")
                          or passwords.get(address))
        action, targets = _action(row, address, where, problems, cutover_mode)
        if require_password and action == "migrate" and not has_secret:
            problems.append("%s: no source password or token for %s; add it to mailwave_source_passwords "
                            "(Vault-encrypted) or to the mailbox entry" % (where, address))
        local = address.split("@", 1)[0]
        notify = str(row.get("notify_address") or "").strip()
        if notify and not _ADDRESS.match(notify):
            problems.append("%s: notify_address %r of %s is not an e-mail address" % (where, notify, address))
        box = {
            "address": address,
            "local_part": local,
            "source_user": str(row.get("source_user") or address).strip(),
            "name": str(row.get("name") or local).strip(),
            "quota": _quota(row.get("quota"), where, problems),
            "has_source_secret": has_secret,
            "action": action,
            "from": where,
        }
        if targets:
            box["redirect_to"] = targets
        if notify:
            box["notify_address"] = notify
        if str(row.get("rate_limit") or "").strip():
            box["rate_limit"] = str(row["rate_limit"]).strip()  # checked by mailcow_mailbox
        result.append(box)
    return result, problems
