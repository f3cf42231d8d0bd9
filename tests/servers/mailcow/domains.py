"""Domains and rate limits of the Mailcow API emulator: ``add/edit/delete domain``, ``edit/rl-domain``,
``edit/rl-mbox``, ``get/domain``.

Shapes: ../shared/reference/mailcow-api.md §1.2; recorded in mailcow-transcripts/01_domain.txt (add/get domain),
05_domain_edit.txt (edit/domain, rate limits) and 06_errors.txt (delete/domain, errors). ``restart_sogo``
(the SOGo side of add/domain): functions.mailbox.inc.php, add 'domain', mailcow-dockerized master.
"""
from __future__ import annotations

import re

from tests.servers.mailcow.common import MIB, TAGGING_LIMIT, intval, is_valid_domain_name, now, php_empty, split_list
from tests.servers.mailcow.dkim import DkimApi


class DomainsApi(DkimApi):
    """The domain and rate-limit functions (add/domain also creates the domain's DKIM key)."""

    # ---------------------------------------------------------------- domains
    def domain_get(self, name):
        dom = self.domains.get(name)
        if dom is None:
            return None
        mboxes = self._domain_mailboxes(name)
        used_mib = sum(m["quota"] for m in mboxes) // MIB
        max_new = min(dom["maxquota"], dom["quota"] - used_mib)
        def_new = min(dom["defquota"], max_new)
        if mboxes:
            usages = [self._usage_of(m["username"]) for m in mboxes]
            bytes_total = str(sum(u[0] for u in usages))
            msgs_total = str(sum(u[1] for u in usages))
        else:
            bytes_total = msgs_total = 0
        aliases = len(self._domain_aliases(name))
        rl = self.rl_domain.get(name)
        out = {
            "max_new_mailbox_quota": max_new * MIB, "def_new_mailbox_quota": def_new * MIB,
            "quota_used_in_domain": str(used_mib * MIB), "bytes_total": bytes_total, "msgs_total": msgs_total,
            "mboxes_in_domain": len(mboxes), "mboxes_left": dom["mailboxes"] - len(mboxes),
            "domain_name": name, "domain_h_name": name, "description": dom["description"],
            "max_num_aliases_for_domain": dom["aliases"], "max_num_mboxes_for_domain": dom["mailboxes"],
            "def_quota_for_mbox": dom["defquota"] * MIB, "max_quota_for_mbox": dom["maxquota"] * MIB,
            "max_quota_for_domain": dom["quota"] * MIB, "relayhost": str(dom["relayhost"]),
            "backupmx": dom["backupmx"], "backupmx_int": dom["backupmx"], "gal": dom["gal"], "gal_int": dom["gal"],
            "rl": {"value": rl[0], "frame": rl[1]} if rl else False,
            "active": dom["active"], "active_int": dom["active"],
            "relay_all_recipients": dom["relay_all_recipients"],
            "relay_all_recipients_int": dom["relay_all_recipients"],
            "relay_unknown_only": dom["relay_unknown_only"], "relay_unknown_only_int": dom["relay_unknown_only"],
            "created": dom["created"], "modified": dom["modified"], "aliases_in_domain": aliases,
            "aliases_left": dom["aliases"] - aliases, "domain_admins": "-",
        }
        if dom["tags"]:
            out["tags"] = list(dom["tags"])
        return out

    def add_domain(self, data):
        result = []
        log = ["mailbox", "add", "domain", data, None]
        raw = data.get("domain")
        name = str(raw if raw is not None else "").strip().lower()
        try:
            name = name.encode("idna").decode("ascii") if name and not name.isascii() else name
        except UnicodeError:
            pass
        numeric = {}
        for key, default in (("aliases", 400), ("mailboxes", 10), ("defquota", 3072), ("maxquota", 10240),
                             ("quota", 10240)):
            value = data.get(key, default)
            if not isinstance(value, (int, float)) and not re.fullmatch(r"\s*-?\d+\s*", str(value)):
                return [self._entry("danger", log, ["object_is_not_numeric", value])]
            numeric[key] = intval(value)
        if numeric["defquota"] > numeric["maxquota"]:
            return [self._entry("danger", log, "mailbox_defquota_exceeds_mailbox_maxquota")]
        if numeric["maxquota"] > numeric["quota"]:
            return [self._entry("danger", log, "mailbox_quota_exceeds_domain_quota")]
        if numeric["defquota"] == 0:
            return [self._entry("danger", log, "defquota_empty")]
        if numeric["maxquota"] == 0:
            return [self._entry("danger", log, "maxquota_empty")]
        if not is_valid_domain_name(name):
            return [self._entry("danger", log, "domain_invalid")]
        if name in self.domains:
            return [self._entry("danger", log, ["domain_exists", name])]
        if name == self.hostname:
            return [self._entry("danger", log, "domain_cannot_match_hostname")]
        tags = [str(t) for t in (data.get("tags") or [])] if isinstance(data.get("tags"), list) else \
            split_list(data.get("tags"))
        rl_value, rl_frame = data.get("rl_value", ""), data.get("rl_frame", "s")
        relay_unknown_only = 1 if intval(data.get("relay_unknown_only", 0)) else 0
        relay_all = 1 if intval(data.get("relay_all_recipients", 0)) or relay_unknown_only else 0
        backupmx = 1 if intval(data.get("backupmx", 0)) or relay_all else 0
        self.domains[name] = {
            "description": str(data["description"]) if data.get("description") not in (None, "") else name,
            "aliases": numeric["aliases"], "mailboxes": numeric["mailboxes"], "defquota": numeric["defquota"],
            "maxquota": numeric["maxquota"], "quota": numeric["quota"],
            "active": 1 if intval(data.get("active", 1)) else 0, "gal": 1 if intval(data.get("gal", 1)) else 0,
            "backupmx": backupmx, "relay_all_recipients": relay_all, "relay_unknown_only": relay_unknown_only,
            "relayhost": 0, "tags": [], "created": now(), "modified": None,
        }
        if not php_empty(rl_value) and not php_empty(rl_frame):
            rl_log = ["ratelimit", "edit", "domain", {"rl_value": rl_value, "rl_frame": rl_frame, "object": name}]
            if rl_frame not in ("s", "m", "h", "d"):
                result.append(self._entry("danger", rl_log, "rl_timeframe"))
            else:
                self._ratelimit_set("domain", name, rl_value, rl_frame)
                result.append(self._entry("success", rl_log, ["rl_saved", name]))
        if name not in self.dkim:
            key_size = intval(data.get("key_size", 2048)) or 2048
            selector = str(data.get("dkim_selector") or "dkim")
            dkim_log = ["dkim", "add", {"key_size": key_size, "dkim_selector": selector, "domains": name}]
            self._dkim_create(name, selector, key_size, automatic=True)
            result.append(self._entry("success", dkim_log, ["dkim_added", name]))
        for tag in tags[:TAGGING_LIMIT]:
            if tag not in self.domains[name]["tags"]:
                self.domains[name]["tags"].append(tag)
        if len(tags) > TAGGING_LIMIT:
            result.append(self._entry("warning", log, ["tag_limit_exceeded", "limit " + str(TAGGING_LIMIT)]))
        # restart_sogo (functions.mailbox.inc.php, add 'domain', mailcow-dockerized master): a non-empty value
        # asks dockerapi to restart sogo-mailcow; when that fails the domain stays added and the last entry is
        # {"type": "warning", "msg": "domain_added_sogo_failed"} instead of domain_added. Here the restart is
        # the backend's restart_sogo() when it has one (nothing to restart without SOGo: success).
        if not php_empty(data.get("restart_sogo")):
            self.sogo_restarts += 1
            restart = getattr(self.backend, "restart_sogo", None)
            if self.sogo_restart_fails or (restart is not None and restart() is False):
                result.append(self._entry("warning", log, "domain_added_sogo_failed"))
                return result
        result.append(self._entry("success", log, ["domain_added", name]))
        return result

    def edit_domain(self, items, attr):
        result = []
        log = ["mailbox", "edit", "domain", dict({"domain": items}, **attr), None]
        for item in items:
            name = str(item).strip().lower()
            dom = self.domains.get(name)
            if not is_valid_domain_name(name) or dom is None:
                result.append(self._entry("danger", log, "domain_invalid"))
                continue
            new = dict(dom)
            for key in ("active", "gal", "backupmx", "relay_all_recipients", "relay_unknown_only"):
                if key in attr:
                    new[key] = 1 if intval(attr[key]) else 0
            if new["relay_unknown_only"]:
                new["relay_all_recipients"] = 1
            if new["relay_all_recipients"]:
                new["backupmx"] = 1
            if "relayhost" in attr:
                new["relayhost"] = intval(attr["relayhost"])
            for key in ("maxquota", "quota", "aliases"):
                if not php_empty(attr.get(key)):
                    new[key] = intval(attr[key])
            if "mailboxes" in attr:
                new["mailboxes"] = intval(attr["mailboxes"])
            if "defquota" in attr:
                new["defquota"] = intval(attr["defquota"])
            if not php_empty(attr.get("description")):
                new["description"] = str(attr["description"])
            mboxes = self._domain_mailboxes(name)
            biggest = max((m["quota"] for m in mboxes), default=0) // MIB
            in_use = sum(m["quota"] for m in mboxes) // MIB
            aliases = len(self._domain_aliases(name))
            if new["defquota"] > new["maxquota"]:
                error = "mailbox_defquota_exceeds_mailbox_maxquota"
            elif new["defquota"] == 0:
                error = "defquota_empty"
            elif new["maxquota"] > new["quota"]:
                error = "mailbox_quota_exceeds_domain_quota"
            elif new["maxquota"] == 0:
                error = "maxquota_empty"
            elif biggest > new["maxquota"]:
                error = ["max_quota_in_use", biggest]
            elif in_use > new["quota"]:
                error = ["domain_quota_m_in_use", in_use]
            elif len(mboxes) > new["mailboxes"]:
                error = ["mailboxes_in_use", len(mboxes)]
            elif aliases > new["aliases"]:
                error = ["aliases_in_use", aliases]
            else:
                error = None
            if error is not None:
                result.append(self._entry("danger", log, error))
                continue
            if "tags" in attr:
                tags = attr["tags"] if isinstance(attr["tags"], list) else split_list(attr["tags"])
                new["tags"] = list(dom["tags"])
                for tag in tags:
                    if str(tag) not in new["tags"]:
                        new["tags"].append(str(tag))
            new["modified"] = now()
            self.domains[name] = new
            result.append(self._entry("success", log, ["domain_modified", name]))
        return result

    def delete_domain(self, items):
        result = []
        log = ["mailbox", "delete", "domain", {"domain": items}, None]
        for item in items:
            name = str(item).strip().lower()
            if not is_valid_domain_name(name):
                result.append(self._entry("danger", log, "domain_invalid"))
                continue
            if self._domain_mailboxes(name):
                result.append(self._entry("danger", log, ["domain_not_empty", name]))
                continue
            self.domains.pop(name, None)
            self.rl_domain.pop(name, None)
            for alias_id in [i for i, a in self.aliases.items() if a["domain"] == name]:
                del self.aliases[alias_id]
            result.append(self._entry("success", log, ["domain_removed", name]))
        return result

    def edit_ratelimit(self, scope, items, attr):
        result = []
        log = ["ratelimit", "edit", scope, dict({"object": items}, **attr)]
        for item in items:
            obj = str(item)
            known = obj in self.domains if scope == "domain" else obj in self.mailboxes
            if not known:
                result.append(self._entry("danger", log, "access_denied"))
                continue
            value, frame = attr.get("rl_value", ""), attr.get("rl_frame", "s")
            if frame not in ("s", "m", "h", "d"):
                result.append(self._entry("danger", log, "rl_timeframe"))
                continue
            if not php_empty(value) and not re.fullmatch(r"\s*\d+\s*", str(value)):
                result.append(self._entry("danger", log, "rl_value"))
                continue
            self._ratelimit_set(scope, obj, value, frame)
            result.append(self._entry("success", log, ["rl_saved", obj]))
        return result
