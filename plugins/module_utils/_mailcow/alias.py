# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Mailcow aliases, catch-all included (address @domain), identified by their address."""

from __future__ import annotations

import re

from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.engine import (
    Resource, ResourceFailure, as_bool, flag)


def split_addresses(value):
    if isinstance(value, (list, tuple)):
        out = []
        for item in value:
            out.extend(split_addresses(item))
        return out
    return [part.strip().lower() for part in re.split(r"[\s,;]+", str(value or "")) if part.strip()]


def alias_from_api(data):
    return {
        "id": int(data["id"]),
        "address": data["address"],
        "domain": data.get("domain"),
        "goto": sorted(split_addresses(data.get("goto"))),
        "active": as_bool(data.get("active")),
        "catch_all": as_bool(data.get("is_catch_all")),
        "public_comment": data.get("public_comment") or "",
        "private_comment": data.get("private_comment") or "",
    }


class AliasResource(Resource):
    COMPARED = ("goto", "active", "public_comment", "private_comment")
    RESULT_KEY = "alias"

    def __init__(self, module, client):
        super().__init__(module, client)
        self.address = (self.params["address"] or "").strip().lower()

    def validate(self):
        if "@" not in self.address or not self.address.rsplit("@", 1)[1]:
            raise ResourceFailure("address %r is not an alias address: use local@domain, or @domain for a "
                                  "catch-all" % self.params["address"])
        if self.params["state"] == "present" and not self.params.get("goto"):
            raise ResourceFailure("goto is required with state=present: the address(es) mail is delivered to")
        for key in ("public_comment", "private_comment"):
            if len(self.params.get(key) or "") > 160:
                raise ResourceFailure("%s is limited to 160 characters by Mailcow" % key)

    def desired(self):
        desired = super().desired()
        if "goto" in desired:
            desired["goto"] = sorted(set(split_addresses(desired["goto"])))
        return desired

    def read(self):
        for data in self.client.get_list("alias", "all"):
            if str(data.get("address", "")).lower() == self.address:
                return alias_from_api(data)
        return None

    @staticmethod
    def _attrs(values):
        attrs = {}
        for key, value in values.items():
            if key == "goto":
                attrs["goto"] = ",".join(value)
            elif key == "active":
                attrs["active"] = flag(value)
            else:
                attrs[key] = value
        return attrs

    def create(self, desired):
        values = {"active": True}
        values.update(desired)
        attrs = {"address": self.address}
        attrs.update(self._attrs(values))
        self.client.add("alias", attrs)

    def update(self, current, changes, actions):
        self.client.edit("alias", [str(current["id"])], self._attrs(changes))

    def delete(self, current):
        self.client.delete("alias", [str(current["id"])])

    def predict(self, current, desired):
        state = dict(current or {"address": self.address, "domain": self.address.rsplit("@", 1)[1], "id": None,
                                 "active": True, "catch_all": self.address.startswith("@")})
        state.update(desired)
        return state
