"""The Mailcow API emulator's state: every API area (one module each) over one store, and the ``get`` routes.

Routes: json_api.php's get switch (mailcow-dockerized 06424670, ../shared/reference/mailcow-api.md §1, §1.8).
"""
from __future__ import annotations

import re

from tests.servers.mailcow.aliases import AliasesApi
from tests.servers.mailcow.common import split_list
from tests.servers.mailcow.domains import DomainsApi
from tests.servers.mailcow.filters import FiltersApi
from tests.servers.mailcow.mailboxes import MailboxesApi
from tests.servers.mailcow.syncjobs import SyncJobsApi
from tests.servers.mailcow.transports import TransportsApi


class MailcowState(DomainsApi, MailboxesApi, AliasesApi, SyncJobsApi, TransportsApi, FiltersApi):
    """Everything a Mailcow instance stores, and the API functions over it."""

    def get(self, category, obj, extra, query):
        """The value to answer for get/<category>/<obj>/<extra>, or NotImplemented for an unknown route."""
        if category == "domain":
            if obj == "all":
                names = sorted(self.domains)
                tags = split_list(query.get("tags", [""])[0])
                out = [self.domain_get(n) for n in names if not tags or set(tags) & set(self.domains[n]["tags"])]
                return out
            return self.domain_get(obj or "")
        if category == "mailbox":
            reduced = obj == "reduced"
            if obj in ("all", "reduced"):
                domains = set(split_list(extra)) if extra else None
                users = sorted(self.mailboxes, key=lambda u: (self.mailboxes[u]["domain"], u))
                return [self.mailbox_get(u, reduced) for u in users
                        if domains is None or self.mailboxes[u]["domain"] in domains]
            return self.mailbox_get(obj or "")
        if category == "syncjobs":
            flags = split_list(extra)  # json_api.php: explode(',', $extra), no_log drops the log (syncjobs.py)
            with_log = "no_log" not in flags
            jobs = sorted(self.syncjobs.values(), key=lambda j: j["id"])
            if obj != "all":
                jobs = [j for j in jobs if j["user2"] == obj]
            return [self.syncjob_get(j, with_log) for j in jobs]
        if category == "alias":
            aliases = [a for a in sorted(self.aliases.values(), key=lambda a: a["id"]) if not a["self"]]
            if obj == "all":
                if extra:
                    aliases = [a for a in aliases if a["domain"] == extra]
                return [self.alias_get(a) for a in aliases]
            if re.fullmatch(r"\d+", str(obj or "")):
                found = [a for a in aliases if a["id"] == int(obj)]
                return self.alias_get(found[0]) if found else None
            return [self.alias_get(a) for a in aliases if a["domain"] == obj]
        if category == "dkim":
            return self.dkim_get(obj or "")
        if category in ("rl-domain", "rl-mbox"):
            store = self.rl_domain if category == "rl-domain" else self.rl_mbox
            key = "domain" if category == "rl-domain" else "mailbox"
            if obj == "all":
                return [{"value": v[0], "frame": v[1], key: k} for k, v in sorted(store.items())]
            value = store.get(obj)
            return {"value": value[0], "frame": value[1]} if value else None
        if category == "relayhost":
            hosts = sorted(self.relayhosts.values(), key=lambda h: h["id"])
            if obj == "all":
                return [self.relayhost_get(h) for h in hosts]
            found = [h for h in hosts if str(h["id"]) == obj]
            return self.relayhost_get(found[0]) if found else None
        if category == "transport":
            transports = sorted(self.transports.values(), key=lambda t: t["id"])
            if obj == "all":
                return [self.transport_get(t) for t in transports]
            found = [t for t in transports if str(t["id"]) == obj]
            return self.transport_get(found[0]) if found else None
        if category == "filters":
            rows = sorted(self.filters.values(), key=lambda r: r["id"])
            return [self._filter_row(r) for r in rows if obj == "all" or r["username"] == obj]
        if category == "passwordpolicy":
            return dict(self.password_policy)
        if category == "status" and obj == "version":
            return {"version": "2026-08-emulator"}
        return NotImplemented
