# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Mailcow mailboxes: quota in MiB (0 = unlimited), password set on creation or on request, never returned."""

from __future__ import annotations

from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.client import bytes_to_mib
from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.domain import (
    format_rate_limit, parse_rate_limit, with_rate_limit_text)
from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.engine import (
    Resource, ResourceFailure, as_bool, flag)


def mailbox_options():
    """The options of one mailbox: mailcow_mailbox's, and each entry of mailcow_mailboxes."""
    return dict(
        address=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        name=dict(type="str"),
        password=dict(type="str", no_log=True),
        update_password=dict(type="str", choices=["on_create", "always"], default="on_create", no_log=False),
        quota=dict(type="int"),
        active=dict(type="bool"),
        tags=dict(type="list", elements="str"),
        rate_limit=dict(type="str"),
    )


def mailbox_from_api(data):
    quota = int(data.get("quota") or 0)
    percent = data.get("percent_in_use")
    return {
        "address": data["username"],
        "domain": data.get("domain"),
        "name": data.get("name") or "",
        "quota": bytes_to_mib(quota),
        "active": as_bool(data.get("active")),
        "tags": list(data.get("tags") or []),
        "quota_bytes": quota,
        "quota_used": int(data.get("quota_used") or 0),
        "messages": int(data.get("messages") or 0),
        "percent_in_use": percent if isinstance(percent, int) else None,
        # the mailbox's own limit only: rl_scope "domain" means it inherits the domain's
        "rate_limit": format_rate_limit(data.get("rl")) if data.get("rl_scope") == "mailbox" else "",
    }


class MailboxResource(Resource):
    COMPARED = ("name", "quota", "active", "tags", "rate_limit")
    RESULT_KEY = "mailbox"

    def __init__(self, module, client):
        super().__init__(module, client)
        self.address = (self.params["address"] or "").strip().lower()

    def validate(self):
        if self.address.count("@") != 1 or not all(self.address.split("@")):
            raise ResourceFailure("address %r is not a mailbox address (local@domain)" % self.params["address"])
        if self.params.get("quota") is not None and self.params["quota"] < 0:
            raise ResourceFailure("quota cannot be negative (0 means unlimited)")
        if self.params.get("rate_limit") is not None:
            parse_rate_limit(self.params["rate_limit"])

    def desired(self):
        return with_rate_limit_text(super().desired())

    def read(self):
        data = self.client.get("mailbox", self.address)
        if not data:
            return None
        return mailbox_from_api(data)

    def same(self, key, have, want):
        if key == "tags":
            return set(want) <= set(have or [])
        return have == want

    def actions(self, current):
        if self.params.get("update_password") == "always" and self.params.get("password"):
            return ["password"]
        return []

    def create(self, desired):
        if not self.params.get("password"):
            raise ResourceFailure("password is required to create mailbox %s" % self.address)
        local_part, domain = self.address.split("@")
        quota = desired.get("quota")
        if quota is None:
            # Mailcow's own default is 0 (unlimited), not the domain's default quota: send the latter.
            dom = self.client.get("domain", domain)
            if not dom:
                raise ResourceFailure("domain %s does not exist on Mailcow: create it first with "
                                      "mailwave.migrate.mailcow_domain" % domain)
            quota = bytes_to_mib(dom.get("def_quota_for_mbox"))
        attrs = {"local_part": local_part, "domain": domain, "quota": quota,
                 "password": self.params["password"], "password2": self.params["password"],
                 "active": flag(desired.get("active", True))}
        if desired.get("name") is not None:
            attrs["name"] = desired["name"]
        if desired.get("tags"):
            attrs["tags"] = list(desired["tags"])
        self.client.add("mailbox", attrs)
        if desired.get("rate_limit"):
            self._edit_rate_limit(desired["rate_limit"])

    def _edit_rate_limit(self, text):
        # Mailcow keeps rate limits apart from the mailbox: edit/rl-mbox (an empty value removes it).
        rl = parse_rate_limit(text)
        value, frame = rl if rl else ("", "s")
        self.client.edit("rl-mbox", [self.address], {"rl_value": value, "rl_frame": frame})

    def update(self, current, changes, actions):
        attrs = {}
        if "name" in changes:
            attrs["name"] = changes["name"]
        if "quota" in changes:
            attrs["quota"] = changes["quota"]
        if "active" in changes:
            attrs["active"] = flag(changes["active"])
        if "tags" in changes:
            attrs["tags"] = [t for t in changes["tags"] if t not in current.get("tags", [])]
        if "password" in actions:
            attrs["password"] = attrs["password2"] = self.params["password"]
        if attrs:
            self.client.edit("mailbox", [self.address], attrs)
        if "rate_limit" in changes:
            self._edit_rate_limit(changes["rate_limit"])

    def delete(self, current):
        self.client.delete("mailbox", [self.address])

    def predict(self, current, desired):
        state = dict(current or {"address": self.address, "domain": self.address.split("@")[1]})
        for key, value in desired.items():
            state[key] = sorted(set(value) | set(state.get("tags") or [])) if key == "tags" else value
        return state
