# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""One account's filters as sieve_sync moves them, for sieve_sync (one account) and sieve_syncs (many at once).

``sync_filters`` reads the source's scripts (ManageSieve, or the Gmail / Graph rules converted), plans them
against the mailbox's Mailcow filters, writes, reads back and returns sieve_sync's result and warnings; it
raises ``FilterSyncError`` where sieve_sync fails. No AnsibleModule here, so that threads can run several
accounts in one module run (each with a Mailcow client of its own).
"""

from __future__ import annotations

import re

from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.errors import MailcowError
from ansible_collections.mailwave.migrate.plugins.module_utils._common.json_api import SourceError
from ansible_collections.mailwave.migrate.plugins.module_utils._sieve import gmail, graph, planner, sources
from ansible_collections.mailwave.migrate.plugins.module_utils._sieve.managesieve import ManageSieveClient, SieveError

FILTER_TYPES = ["prefilter", "postfilter"]


class FilterSyncError(Exception):
    """sieve_sync's failure for one account."""

    def __init__(self, msg):
        super().__init__(msg)
        self.msg = msg


def source_spec():
    """The source's argument spec (ManageSieve, Gmail API or Microsoft Graph)."""
    return dict(type="dict", required=True, options=dict(
        provider=dict(type="str", choices=["managesieve", "google", "microsoft"], default="managesieve"),
        host=dict(type="str"),
        oauth2_token=dict(type="str", no_log=True),
        gmail_url=dict(type="str", default=sources.GMAIL_URL),
        graph_url=dict(type="str", default=sources.GRAPH_URL),
        port=dict(type="int", default=4190),
        security=dict(type="str", choices=["starttls", "tls", "plain"], default="starttls"),
        allow_plaintext=dict(type="bool", default=False),
        user=dict(type="str", required=True),
        password=dict(type="str", no_log=True),
        ca_file=dict(type="path"),
        validate_certs=dict(type="bool", default=True),
    ))


def source_problem(source):
    """The message of a source setting sieve_sync refuses before any connection, or None."""
    if source["security"] == "plain" and not source["allow_plaintext"]:
        return ("source.security=plain sends the password in clear text; use starttls or tls, or set "
                "source.allow_plaintext=true for a test server")
    needed = ("host", "password") if source["provider"] == "managesieve" else ("oauth2_token",)
    missing = [key for key in needed if not source.get(key)]
    if missing:
        return "source.provider=%s needs source.%s" % (source["provider"], " and source.".join(missing))
    return None


def read_scripts(params):
    client = ManageSieveClient(params["host"], params["port"], params["security"], params["ca_file"],
                               params["validate_certs"])
    client.connect()
    try:
        client.login(params["user"], params["password"])
        return [planner.Script(name, client.get_script(name), active) for name, active in client.list_scripts()]
    finally:
        client.close()


def converted_script(params):
    """provider google/microsoft: (Script, conversion report) from the API's answers."""
    kwargs = {"ca_file": params["ca_file"], "validate_certs": params["validate_certs"]}
    if params["provider"] == "google":
        settings, count = sources.read_gmail(params["gmail_url"], params["user"], params["oauth2_token"], **kwargs)
        text, report = gmail.convert(settings, params["user"])
        name = gmail.SCRIPT_NAME
    else:
        settings, count = sources.read_graph(params["graph_url"], params["user"], params["oauth2_token"], **kwargs)
        text, report = graph.convert(settings, params["user"])
        name = graph.SCRIPT_NAME
    report = dict(report, script=name, requests=count)
    return planner.Script(name, text, True), report


def _read_source(source):
    """(scripts, conversion or None); FilterSyncError when the source cannot be read or converted."""
    try:
        if source["provider"] == "managesieve":
            return read_scripts(source), None
        script, conversion = converted_script(source)
        return [script], conversion
    except (SieveError, SourceError) as exc:
        raise FilterSyncError(str(exc)) from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:  # an answer of a shape the converter does not know
        what = (source["provider"], source["user"], type(exc).__name__, exc)
        raise FilterSyncError("the %s answers of %s could not be converted (%s: %s); nothing was written. Please report "
                              "it with the rules' JSON (no token)" % what) from None


def _write(client, scripts, filters, mailbox, filter_type, check_mode):
    """(report per script, counts, warnings): the plan carried out, each written filter read back."""
    actions = planner.plan(scripts, filters, filter_type)
    report, counts = [], {"source": len(scripts), "copied": 0, "updated": 0, "already_there": 0, "errors": 0,
                          "verified": 0, "deactivated": []}
    warnings = []
    for action in actions:
        entry = {"name": action.name, "active": action.active, "action": action.kind, "changes": list(action.changes)}
        report.append(entry)
        script = next(s for s in scripts if s.name == action.name)
        if re.search(r"^\s*include\b", script.data, re.M):
            warnings.append("script %r includes other scripts: Mailcow filters cannot include the user's "
                            "personal scripts" % action.name)
        if action.kind == planner.ERROR:
            counts["errors"] += 1
            entry["problem"] = action.reason
            continue
        if action.kind == planner.UNCHANGED:
            counts["already_there"] += 1
            continue
        counts["deactivated"].extend(d for d in action.deactivates if d not in counts["deactivated"])
        if check_mode:
            counts["copied" if action.kind == planner.ADD else "updated"] += 1
            continue
        attrs = {"active": 1 if action.active else 0, "script_data": action.data}
        try:
            if action.kind == planner.ADD:
                client.add("filter", dict(attrs, username=mailbox, script_desc=action.name, filter_type=filter_type))
                counts["copied"] += 1
            else:
                client.edit("filter", [action.filter_id], attrs)
                counts["updated"] += 1
        except MailcowError as exc:
            counts["errors"] += 1
            entry["problem"] = "refused by Mailcow: %s" % exc
    written = [e for e in report if e["action"] in (planner.ADD, planner.EDIT) and "problem" not in e]
    if written and not check_mode:
        after = {f["script_desc"]: f for f in client.get_list("filters", mailbox) if f.get("filter_type") == filter_type}
        for entry in written:
            script = next(s for s in scripts if s.name == entry["name"])
            row = after.get(entry["name"])
            entry["verified"] = bool(row) and planner.same_script(row["script_data"], script.data) and \
                bool(int(row.get("active") or 0)) == script.active
            if entry["verified"]:
                counts["verified"] += 1
            else:
                entry["problem"] = "read back different from the source"
    counts["verified"] += counts["already_there"]
    return report, counts, warnings


def sync_filters(source, mailbox, filter_type, client, check_mode=False):
    """(result, warnings) of one account as sieve_sync returns them (result has changed, filters, scripts, diff
    and, from an API, conversion); FilterSyncError where sieve_sync fails.

    ``source`` is sieve_sync's checked source option (``source_spec``); ``client`` a MailcowClient.
    """
    problem = source_problem(source)
    if problem:
        raise FilterSyncError(problem)
    mailbox = mailbox.strip().lower()
    scripts, conversion = _read_source(source)
    try:
        filters = client.get_list("filters", mailbox)
        report, counts, warnings = _write(client, scripts, filters, mailbox, filter_type, check_mode)
    except MailcowError as exc:
        raise FilterSyncError(str(exc)) from None
    changed = any(e["action"] in (planner.ADD, planner.EDIT) and "problem" not in e for e in report)
    diff = {"before": {f["script_desc"]: bool(int(f.get("active") or 0)) for f in filters
                       if f.get("filter_type") == filter_type},
            "after": {}}
    diff["after"] = dict(diff["before"], **{e["name"]: e["active"] for e in report if e["action"] != planner.ERROR})
    if any(e["active"] for e in report if e["action"] != planner.ERROR):
        diff["after"].update({name: False for name in counts["deactivated"]})
    result = dict(changed=changed, filters=counts, scripts=report, diff=diff)
    if conversion is not None:
        result["conversion"] = conversion
        before = next((f.get("script_data", "") for f in filters if f.get("filter_type") == filter_type
                       and f.get("script_desc") == conversion["script"]), "")
        result["diff"] = [diff, {"before_header": "%s (at Mailcow)" % conversion["script"], "before": before,
                                 "after_header": "%s (converted)" % conversion["script"], "after": scripts[0].data}]
    return result, warnings
