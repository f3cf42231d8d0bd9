# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Mailcow transport maps (relay a destination to a fixed next hop, e.g. the old provider's MX)."""

from __future__ import annotations

import re

from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.engine import (
    Resource, ResourceFailure, as_bool, flag)

NEXTHOP_RE = re.compile(r"^(\[[^\]\s]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$")


def normalise_nexthop(value):
    value = (value or "").strip()
    if re.match(r"^\d{1,3}(\.\d{1,3}){3}$", value):
        value = "[%s]" % value  # Mailcow wraps a bare IP the same way
    return value


def transport_from_api(data):
    return {
        "id": int(data["id"]),
        "destination": data.get("destination"),
        "nexthop": data.get("nexthop"),
        "username": data.get("username") or "",
        "password": data.get("password") or "",
        "active": as_bool(data.get("active")),
    }


class TransportResource(Resource):
    COMPARED = ("nexthop", "username", "password", "active")
    RESULT_KEY = "transport"

    def __init__(self, module, client):
        super().__init__(module, client)
        self.destination = (self.params["destination"] or "").strip().lower()

    def validate(self):
        if self.params["state"] == "present":
            if not self.params.get("nexthop"):
                raise ResourceFailure("nexthop is required with state=present, e.g. [mx.old-provider.example]:25")
            if not NEXTHOP_RE.match(normalise_nexthop(self.params["nexthop"])):
                raise ResourceFailure("nexthop %r is invalid: use host, host:port, [host]:port (no MX lookup) or "
                                      "an IP address" % self.params["nexthop"])

    def desired(self):
        desired = super().desired()
        if "nexthop" in desired:
            desired["nexthop"] = normalise_nexthop(desired["nexthop"])
        return desired

    def read(self):
        for data in self.client.get_list("transport", "all"):
            if str(data.get("destination", "")).lower() == self.destination:
                return transport_from_api(data)
        return None

    def create(self, desired):
        self.client.add("transport", {
            "destination": self.destination, "nexthop": desired["nexthop"],
            "username": desired.get("username", ""), "password": desired.get("password", ""),
            "active": flag(desired.get("active", True))})

    def update(self, current, changes, actions):
        attrs = dict(changes)
        if "active" in attrs:
            attrs["active"] = flag(attrs["active"])
        self.client.edit("transport", [str(current["id"])], attrs)

    def delete(self, current):
        self.client.delete("transport", [str(current["id"])])

    def predict(self, current, desired):
        state = dict(current or {"id": None, "destination": self.destination, "username": "", "active": True})
        state.update(desired)
        return state

    def public(self, state):
        state = dict(state)
        state.pop("password", None)
        return state
