# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""DKIM keys of Mailcow domains: make sure one exists, return the public TXT record."""

from __future__ import annotations

from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.engine import Resource


def dkim_from_api(domain, data):
    selector = data.get("dkim_selector") or "dkim"
    return {
        "domain": domain,
        "selector": selector,
        "length": data.get("length"),
        "public_key": data.get("pubkey"),
        "txt_name": "%s._domainkey.%s" % (selector, domain),
        "txt_value": data.get("dkim_txt"),
    }


class DkimResource(Resource):
    COMPARED = ()
    RESULT_KEY = "dkim"

    def __init__(self, module, client):
        super().__init__(module, client)
        self.domain = (self.params["domain"] or "").strip().rstrip(".").lower()

    def read(self):
        data = self.client.get("dkim", self.domain)
        return dkim_from_api(self.domain, data) if data else None

    def desired(self):
        return {}

    def create(self, desired):
        self.client.add("dkim", {"domains": self.domain, "dkim_selector": self.params["selector"],
                                 "key_size": self.params["key_size"]})

    def delete(self, current):
        self.client.delete("dkim", [self.domain])

    def predict(self, current, desired):
        selector = self.params["selector"]
        return {"domain": self.domain, "selector": selector, "length": str(self.params["key_size"]),
                "public_key": None, "txt_name": "%s._domainkey.%s" % (selector, self.domain), "txt_value": None}
