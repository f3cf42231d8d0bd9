"""Mailboxes of the Mailcow API emulator: ``add/edit/delete mailbox``, ``edit/tls_policy``, ``get/mailbox``.

Shapes: ../shared/reference/mailcow-api.md §1.3; recorded in mailcow-transcripts/02_mailbox.txt (add/get mailbox)
and 06_errors.txt (edit/mailbox, edit/tls_policy, delete/mailbox). Quotas in MiB in, bytes out.
"""
from __future__ import annotations

import re

from tests.servers.mailcow.base import StateBase
from tests.servers.mailcow.common import (MIB, TAGGING_LIMIT, intval, is_valid_domain_name, is_valid_email, now,
                                          php_empty, php_round, split_list)


class MailboxesApi(StateBase):
    """The mailbox functions."""

    # ---------------------------------------------------------------- mailboxes
    def mailbox_get(self, user, reduced=False):
        box = self.mailboxes.get(user)
        if box is None:
            return None
        dom = self.domains.get(box["domain"])
        used, messages = self._usage_of(user)
        if box["quota"]:
            percent = php_round(used / box["quota"] * 100)
            percent_class = "danger" if percent >= 90 else "warning" if percent >= 75 else "success"
        else:
            percent, percent_class = "- ", "info"
        out = {
            "username": user, "active": box["active"], "active_int": box["active"], "domain": box["domain"],
            "name": box["name"], "local_part": box["local_part"], "quota": box["quota"], "messages": messages,
            "attributes": dict(box["attributes"]), "custom_attributes": [], "quota_used": used,
            "percent_in_use": percent, "created": box["created"], "modified": box["modified"],
            "authsource": box["authsource"], "percent_class": percent_class, "last_imap_login": 0,
            "last_smtp_login": 0, "last_pop3_login": 0, "last_sso_login": 0,
        }
        if not reduced:
            others = self._quota_sum_mib(box["domain"], exclude=user) if dom else 0
            max_new = min(dom["quota"] - others, dom["maxquota"]) * MIB if dom else 0
            rl, scope = self.rl_mbox.get(user), "mailbox"
            if rl is None:
                rl, scope = self.rl_domain.get(box["domain"]), "domain"
            out.update({"max_new_quota": max_new, "spam_aliases": 0, "pushover_active": 0,
                        "rl": {"value": rl[0], "frame": rl[1]} if rl else False, "rl_scope": scope,
                        "is_relayed": 0, "sender_acl": []})
        if box["tags"]:
            out["tags"] = list(box["tags"])
        return out

    def add_mailbox(self, data):
        log = ["mailbox", "add", "mailbox", self._mask(data), None]
        local_part = str(data.get("local_part") if data.get("local_part") is not None else "").strip().lower()
        domain = str(data.get("domain") if data.get("domain") is not None else "").strip().lower()
        user = local_part + "@" + domain
        if not local_part or not is_valid_email(user):
            return [self._entry("danger", log, "mailbox_invalid")]
        if data.get("quarantine_category", "reject") not in ("add_header", "reject", "all"):
            return [self._entry("danger", log, "quarantine_category_invalid")]
        if not is_valid_domain_name(domain):
            return [self._entry("danger", log, "domain_invalid")]
        dom = self.domains.get(domain)
        if dom is None:
            return [self._entry("danger", log, "access_denied")]
        if user in self.mailboxes:
            return [self._entry("danger", log, ["object_exists", user])]
        if any(a["address"] == user for a in self.aliases.values()):
            return [self._entry("danger", log, ["is_alias", user])]
        error = self._password_check(data.get("password"), data.get("password2"))
        if error:
            return [error]
        count = len(self._domain_mailboxes(domain))
        if count >= dom["mailboxes"]:
            return [self._entry("danger", log, ["max_mailbox_exceeded", count, dom["mailboxes"]])]
        quota = intval(data.get("quota", 0))
        if quota > dom["maxquota"]:
            return [self._entry("danger", log, ["mailbox_quota_exceeded", dom["maxquota"]])]
        left = dom["quota"] - self._quota_sum_mib(domain)
        if quota > left:
            return [self._entry("danger", log, ["mailbox_quota_left_exceeded", left])]
        flags = {}
        for key in ("sogo_access", "imap_access", "pop3_access", "smtp_access", "sieve_access", "eas_access",
                    "dav_access"):
            flags[key] = "1" if intval(data.get(key, 1)) else "0"
        if isinstance(data.get("protocol_access"), list):
            for proto in ("imap", "pop3", "smtp", "sieve", "eas", "dav"):
                flags[proto + "_access"] = "1" if proto in data["protocol_access"] else "0"
        stamp = now()
        attributes = {
            "force_pw_update": "1" if intval(data.get("force_pw_update", 0)) else "0", "force_tfa": "0",
            "tls_enforce_in": "1" if intval(data.get("tls_enforce_in", 0)) else "0",
            "tls_enforce_out": "1" if intval(data.get("tls_enforce_out", 0)) else "0",
        }
        attributes.update(flags)
        attributes.update({"relayhost": "0", "passwd_update": stamp, "mailbox_format": "maildir:",
                           "quarantine_notification": str(data.get("quarantine_notification", "hourly")),
                           "quarantine_category": str(data.get("quarantine_category", "reject")),
                           "attribute_hash": ""})
        name = str(data.get("name") or "")
        name = re.sub(r"^<|>$", "", name)
        tags = data.get("tags") if isinstance(data.get("tags"), list) else split_list(data.get("tags"))
        active = intval(data.get("active", 1))
        if self.backend is not None:
            self.backend.add_user(user, str(data.get("password")), quota or None)  # 0 = unlimited
        rl_value, rl_frame = data.get("rl_value", ""), data.get("rl_frame", "s")
        self._ratelimit_set("mailbox", user, rl_value, rl_frame)
        self.mailboxes[user] = {
            "username": user, "local_part": local_part, "domain": domain, "name": name, "quota": quota * MIB,
            "active": active if active in (0, 1, 2) else 1, "attributes": attributes,
            "tags": [str(t) for t in tags][:TAGGING_LIMIT], "created": stamp, "modified": stamp,
            "authsource": str(data.get("authsource") or "mailcow"), "password": str(data.get("password")),
        }
        self.alias_seq += 1
        self.aliases[self.alias_seq] = {"id": self.alias_seq, "address": user, "goto": user, "domain": domain,
                                        "self": True}
        rl_log = ["ratelimit", "edit", "mailbox", {"object": user, "rl_frame": rl_frame, "rl_value": rl_value}]
        return [self._entry("success", rl_log, ["rl_saved", user]),
                self._entry("success", log, ["mailbox_added", user])]

    @staticmethod
    def _mask(data):
        masked = dict(data)
        for key in ("password", "password2"):
            if key in masked:
                masked[key] = "*"
        return masked

    def edit_mailbox(self, items, attr):
        result = []
        log = ["mailbox", "edit", "mailbox", dict({"username": items}, **self._mask(attr)), None]
        for item in items:
            user = str(item)
            if not is_valid_email(user):
                result.append(self._entry("danger", log, ["username_invalid", user]))
                continue
            box = self.mailboxes.get(user)
            if box is None:
                result.append(self._entry("danger", log, "access_denied"))
                continue
            dom = self.domains[box["domain"]]
            new_quota = box["quota"]
            if "quota" in attr:
                quota = intval(attr["quota"])
                max_new = min(dom["quota"] - self._quota_sum_mib(box["domain"], exclude=user), dom["maxquota"])
                if quota > max_new:
                    result.append(self._entry("danger", log, ["mailbox_quota_left_exceeded", max_new]))
                    continue
                new_quota = quota * MIB
            password = None
            if not php_empty(attr.get("password")) or not php_empty(attr.get("password2")):
                error = self._password_check(attr.get("password"), attr.get("password2"))
                if error:
                    result.append(error)
                    continue
                password = str(attr["password"])
            if "active" in attr:
                value = intval(attr["active"])
                box["active"] = value if value in (0, 1, 2) else 1
            if "name" in attr:
                box["name"] = re.sub(r"^<|>$", "", str(attr["name"] or ""))
            for key in ("force_pw_update", "force_tfa", "sogo_access", "imap_access", "pop3_access",
                        "smtp_access", "sieve_access", "eas_access", "dav_access"):
                if key in attr:
                    box["attributes"][key] = "1" if intval(attr[key]) else "0"
            if "relayhost" in attr:
                box["attributes"]["relayhost"] = str(intval(attr["relayhost"]))
            if "tags" in attr:
                tags = attr["tags"] if isinstance(attr["tags"], list) else split_list(attr["tags"])
                for tag in tags:
                    if str(tag) not in box["tags"]:
                        box["tags"].append(str(tag))
            if "authsource" in attr and attr["authsource"]:
                box["authsource"] = str(attr["authsource"])
            if new_quota != box["quota"]:
                box["quota"] = new_quota
                if self.backend is not None:
                    self.backend.set_quota(user, (new_quota // MIB) or None)
            if password is not None:
                box["password"] = password
                box["attributes"]["passwd_update"] = now()
                if self.backend is not None:
                    setter = getattr(self.backend, "set_password", None)
                    if setter is not None:
                        setter(user, password)
                    else:  # add_user of the test Dovecot replaces the password of a known user
                        self.backend.add_user(user, password, (box["quota"] // MIB) or None)
            box["modified"] = now()
            result.append(self._entry("success", log, ["mailbox_modified", user]))
        return result

    def edit_tls_policy(self, items, attr):
        result = []
        log = ["mailbox", "edit", "tls_policy", dict({"username": items}, **attr), None]
        for item in items:
            box = self.mailboxes.get(str(item))
            if box is None:
                result.append(self._entry("danger", log, "access_denied"))
                continue
            for key in ("tls_enforce_in", "tls_enforce_out"):
                if key in attr:
                    box["attributes"][key] = "1" if intval(attr[key]) else "0"
            result.append(self._entry("success", log, ["mailbox_modified", str(item)]))
        return result

    def delete_mailbox(self, items):
        result = []
        log = ["mailbox", "delete", "mailbox", {"username": items}, None]
        for item in items:
            user = str(item)
            if not is_valid_email(user) or user not in self.mailboxes:
                result.append(self._entry("danger", log, "access_denied"))
                continue
            del self.mailboxes[user]
            self.usage.pop(user, None)
            self.rl_mbox.pop(user, None)
            for job_id in [i for i, j in self.syncjobs.items() if j["user2"] == user]:
                del self.syncjobs[job_id]
            for alias_id in [i for i, a in self.aliases.items() if a["goto"] == user]:
                del self.aliases[alias_id]
            if self.backend is not None:
                self.backend.remove_user(user)
            result.append(self._entry("success", log, ["mailbox_removed", user]))
        return result
