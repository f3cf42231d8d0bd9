# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""One Mailcow Sieve filter of a mailbox (add/edit/delete filter), for the generic mailcow engine.

A filter is identified by mailbox, filter type and description (``script_desc``): Mailcow has no
other name for it. Scripts are compared without regard to line ends (planner.same_script).
"""

from __future__ import annotations

from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.engine import (
    Resource, ResourceFailure, as_bool, flag)
from ansible_collections.mailwave.migrate.plugins.module_utils._sieve.planner import same_script


class FilterResource(Resource):
    COMPARED = ("script", "active")
    RESULT_KEY = "filter"

    def __init__(self, module, client):
        super().__init__(module, client)
        self.mailbox = (self.params["mailbox"] or "").strip().lower()

    def validate(self):
        if self.params["state"] == "present" and not (self.params.get("script") or "").strip():
            raise ResourceFailure("script is required with state=present (Mailcow refuses an empty filter)")
        if not self.params["description"].strip():
            raise ResourceFailure("description must not be empty: it is how Mailcow names the filter")

    def read(self):
        for data in sorted(self.client.get_list("filters", self.mailbox), key=lambda d: int(d["id"])):
            if data.get("filter_type") == self.params["filter_type"] and data.get("script_desc") == self.params["description"]:
                return {"id": int(data["id"]), "mailbox": data.get("username"), "description": data["script_desc"],
                        "filter_type": data["filter_type"], "script": data.get("script_data", ""),
                        "active": as_bool(data.get("active"))}
        return None

    def same(self, key, have, want):
        if key == "script":
            return same_script(have or "", want or "")
        return have == want

    def create(self, desired):
        self.client.add("filter", {"username": self.mailbox, "script_desc": self.params["description"],
                                   "filter_type": self.params["filter_type"], "script_data": desired["script"],
                                   "active": flag(desired.get("active", True))})

    def update(self, current, changes, actions):
        attrs = {}
        if "script" in changes:
            attrs["script_data"] = changes["script"]
        if "active" in changes:
            attrs["active"] = flag(changes["active"])
        self.client.edit("filter", [str(current["id"])], attrs)

    def delete(self, current):
        self.client.delete("filter", [str(current["id"])])

    def predict(self, current, desired):
        state = dict(current or {"mailbox": self.mailbox, "description": self.params["description"],
                                 "filter_type": self.params["filter_type"], "active": True})
        state.update(desired)
        return state
