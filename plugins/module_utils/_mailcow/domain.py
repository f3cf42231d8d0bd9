# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Mailcow domains: option names <-> API fields (quotas in MiB in, bytes out), rate limit, relaying."""

from __future__ import annotations

import re

from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.client import bytes_to_mib
from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.engine import (
    Resource, ResourceFailure, as_bool, flag, run_resource)

RATE_LIMIT_RE = re.compile(r"^\s*(\d+)\s*/\s*([smhd])\s*$")


def normalise_domain(name):
    name = (name or "").strip().rstrip(".").lower()
    try:
        return name.encode("idna").decode("ascii") if name and not name.isascii() else name
    except UnicodeError:
        return name


def parse_rate_limit(value):
    """'20/m' -> ('20', 'm'); '', '0' or 'none' -> None (no limit). Raises ResourceFailure."""
    text = str(value).strip().lower()
    if text in ("", "0", "none") or re.match(r"^0\s*/", text):
        return None
    match = RATE_LIMIT_RE.match(text)
    if not match:
        raise ResourceFailure("rate_limit %r is not valid: write messages/frame with frame s, m, h or d (per second, "
                              "minute, hour or day), e.g. 20/m, or an empty string for no limit" % value)
    return str(int(match.group(1))), match.group(2)


def with_rate_limit_text(desired):
    """desired with its rate_limit written the way it is read back ('20/m', '' for none)."""
    if "rate_limit" in desired:
        rl = parse_rate_limit(desired["rate_limit"])
        desired["rate_limit"] = "%s/%s" % rl if rl else ""
    return desired


def format_rate_limit(rl):
    if not rl:
        return ""
    return "%s/%s" % (int(rl.get("value")), rl.get("frame"))


def domain_from_api(data):
    """A get/domain answer in option names (quotas in MiB)."""
    return {
        "domain": data["domain_name"],
        "description": data.get("description"),
        "active": as_bool(data.get("active")),
        "max_mailboxes": int(data.get("max_num_mboxes_for_domain") or 0),
        "max_aliases": int(data.get("max_num_aliases_for_domain") or 0),
        "quota": bytes_to_mib(data.get("max_quota_for_domain")),
        "max_quota": bytes_to_mib(data.get("max_quota_for_mbox")),
        "default_quota": bytes_to_mib(data.get("def_quota_for_mbox")),
        "gal": as_bool(data.get("gal")),
        "rate_limit": format_rate_limit(data.get("rl")),
        "relay_unknown_only": as_bool(data.get("relay_unknown_only")),
        "relay_all_recipients": as_bool(data.get("relay_all_recipients")),
        "backupmx": as_bool(data.get("backupmx")),
        "mailboxes_count": int(data.get("mboxes_in_domain") or 0),
        "aliases_count": int(data.get("aliases_in_domain") or 0),
        "bytes_used": int(data.get("bytes_total") or 0),
        "messages": int(data.get("msgs_total") or 0),
        "tags": list(data.get("tags") or []),
    }


API_NAMES = {"description": "description", "active": "active", "max_mailboxes": "mailboxes",
             "max_aliases": "aliases", "quota": "quota", "max_quota": "maxquota", "default_quota": "defquota",
             "gal": "gal"}


# What Mailcow uses on creation for what is not sent (its "Default" domain template).
MAILCOW_DEFAULTS = {"aliases": 400, "mailboxes": 10, "defquota": 3072, "maxquota": 10240, "quota": 10240}


SOGO_RESTART_FAILED = ("Mailcow added the domain but could not restart SOGo (domain_added_sogo_failed): until SOGo "
                       "restarts, its DAV answers 403 for the new domain's users. Restart it on the Mailcow host "
                       "(docker compose restart sogo-mailcow) before the groupware phase, or run --tags groupware again "
                       "after the restart")


def sogo_restart_outcome(entries):
    """add/domain with restart_sogo=1: 'restarted', or 'failed' when Mailcow answers the warning
    domain_added_sogo_failed (its dockerapi could not restart sogo-mailcow; the domain is added anyway)."""
    for entry in entries or []:
        if isinstance(entry, dict) and entry.get("type") == "warning" and entry.get("msg") == "domain_added_sogo_failed":
            return "failed"
    return "restarted"


def run_domain(module, resource):
    """The generic run, plus what became of the SOGo restart of a domain this run created."""
    result = run_resource(module, resource)
    outcome = getattr(resource, "sogo_restart", None)
    if module.check_mode and resource.current_was_absent and module.params.get("state", "present") == "present" \
            and module.params.get("restart_sogo"):
        outcome = "predicted"
    if outcome is not None:
        result["sogo_restart"] = outcome
    if outcome == "failed":
        module.warn(SOGO_RESTART_FAILED)
    return result


class DomainResource(Resource):
    COMPARED = ("description", "active", "max_mailboxes", "max_aliases", "quota", "max_quota", "default_quota",
                "gal", "rate_limit", "relay_unknown_only")
    RESULT_KEY = "domain"

    def __init__(self, module, client):
        super().__init__(module, client)
        self.name = normalise_domain(self.params["domain"])
        self.sogo_restart = None
        self.current_was_absent = False

    def validate(self):
        for key in ("quota", "max_quota", "default_quota"):
            if self.params.get(key) is not None and self.params[key] < 1:
                raise ResourceFailure("%s must be at least 1 MiB (Mailcow refuses 0 for domain quotas)" % key)
        for key in ("max_mailboxes", "max_aliases"):
            if self.params.get(key) is not None and self.params[key] < 0:
                raise ResourceFailure("%s cannot be negative" % key)
        if self.params.get("rate_limit") is not None:
            parse_rate_limit(self.params["rate_limit"])

    def desired(self):
        return with_rate_limit_text(super().desired())

    def read(self):
        data = self.client.get("domain", self.name)
        if not data:
            self.current_was_absent = True
            return None
        return domain_from_api(data)

    def _attrs(self, changes):
        attrs = {}
        for key, value in changes.items():
            if key in API_NAMES:
                attrs[API_NAMES[key]] = flag(value) if isinstance(value, bool) else value
        return attrs

    def create(self, desired):
        attrs = {"domain": self.name}
        attrs.update(self._attrs(desired))
        if desired.get("rate_limit"):
            value, frame = parse_rate_limit(desired["rate_limit"])
            attrs["rl_value"], attrs["rl_frame"] = int(value), frame
        if desired.get("relay_unknown_only"):
            attrs.update(relay_unknown_only=1, relay_all_recipients=1, backupmx=1)
        if self.params.get("restart_sogo"):
            attrs["restart_sogo"] = 1
        entries = self.client.add("domain", attrs, context=MAILCOW_DEFAULTS)
        self.sogo_restart = sogo_restart_outcome(entries) if attrs.get("restart_sogo") else None

    def update(self, current, changes, actions):
        attrs = self._attrs(changes)
        if attrs.get("description") == "":
            raise ResourceFailure("Mailcow's API cannot set an empty description on an existing domain")
        if attrs.get("aliases") == 0:
            raise ResourceFailure("Mailcow's API cannot set max_aliases to 0 on an existing domain (0 means "
                                  "'unchanged' there); use 1 or more")
        if "relay_unknown_only" in changes:
            if changes["relay_unknown_only"]:
                attrs.update(relay_unknown_only=1, relay_all_recipients=1, backupmx=1)
            else:
                attrs.update(relay_unknown_only=0, relay_all_recipients=0, backupmx=0)
        if attrs:
            context = dict((API_NAMES[key], current.get(key)) for key in API_NAMES)
            self.client.edit("domain", [self.name], attrs, context=context)
        if "rate_limit" in changes:
            rl = parse_rate_limit(changes["rate_limit"])
            value, frame = rl if rl else ("", "s")
            self.client.edit("rl-domain", [self.name], {"rl_value": value, "rl_frame": frame})

    def delete(self, current):
        self.client.delete("domain", [self.name])

    def predict(self, current, desired):
        if current is None:  # what Mailcow gives a new domain for what is not sent
            current = {"domain": self.name, "description": self.name, "active": True, "max_mailboxes": 10,
                       "max_aliases": 400, "quota": 10240, "max_quota": 10240, "default_quota": 3072, "gal": True,
                       "rate_limit": "", "relay_unknown_only": False, "relay_all_recipients": False,
                       "backupmx": False, "mailboxes_count": 0, "aliases_count": 0, "bytes_used": 0, "messages": 0,
                       "tags": []}
        state = dict(current)
        state.update(desired)
        if state.get("relay_unknown_only"):
            state["relay_all_recipients"] = state["backupmx"] = True
        elif "relay_unknown_only" in desired:
            state["relay_all_recipients"] = state["backupmx"] = False
        return state
