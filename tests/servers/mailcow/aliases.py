"""Aliases of the Mailcow API emulator: ``add/edit/delete alias``, ``get/alias``.

Shapes: ../shared/reference/mailcow-api.md §1.4; recorded in mailcow-transcripts/05_domain_edit.txt (add/get alias)
and 06_errors.txt (delete/alias).
"""
from __future__ import annotations

import re

from tests.servers.mailcow.base import StateBase
from tests.servers.mailcow.common import intval, is_valid_email, now, split_list


class AliasesApi(StateBase):
    """The alias functions."""

    # ---------------------------------------------------------------- aliases
    def alias_get(self, alias):
        return {
            "in_primary_domain": "", "id": alias["id"], "domain": alias["domain"],
            "public_comment": alias["public_comment"], "private_comment": alias["private_comment"],
            "goto": alias["goto"], "address": alias["address"], "is_catch_all": 1 if alias["address"][0] == "@" else 0,
            "internal": alias["internal"], "active": alias["active"], "active_int": alias["active"],
            "sogo_visible": alias["sogo_visible"], "sogo_visible_int": alias["sogo_visible"],
            "sender_allowed": alias["sender_allowed"], "created": alias["created"], "modified": alias["modified"],
        }

    def _goto_of(self, data, log):
        """(goto string, None) or (None, error entry)."""
        for special, target in (("goto_null", "null@localhost"), ("goto_spam", "spam@localhost"),
                                ("goto_ham", "ham@localhost")):
            if intval(data.get(special, 0)) == 1:
                return target, None
        gotos = split_list(data.get("goto"))
        if not gotos:
            return None, self._entry("danger", log, "goto_empty")
        for goto in gotos:
            if not is_valid_email(goto):
                return None, self._entry("danger", log, ["goto_invalid", goto])
        return ",".join(gotos), None

    def add_alias(self, data):
        result = []
        log = ["mailbox", "add", "alias", data, None]
        addresses = split_list(data.get("address"))
        if not addresses:
            return [self._entry("danger", log, "alias_empty")]
        goto, error = self._goto_of(data, log)
        if error:
            return [error]
        for comment in ("private_comment", "public_comment"):
            if len(str(data.get(comment) or "")) > 160:
                return [self._entry("danger", log, "comment_too_long")]
        for address in addresses:
            address = address.lower()
            if "@" not in address:
                result.append(self._entry("danger", log, ["alias_invalid", address]))
                continue
            local, domain = address.rsplit("@", 1)
            if domain not in self.domains:
                result.append(self._entry("danger", log, ["domain_not_found", domain]))
                continue
            if any(a["address"] == address for a in self.aliases.values()) or address in self.mailboxes:
                result.append(self._entry("danger", log, ["is_alias_or_mailbox", address]))
                continue
            if local and not is_valid_email(address):
                result.append(self._entry("danger", log, ["alias_invalid", address]))
                continue
            dom = self.domains[domain]
            if len(self._domain_aliases(domain)) >= dom["aliases"]:
                result.append(self._entry("danger", log, "max_alias_exceeded"))
                continue
            self.alias_seq += 1
            self.aliases[self.alias_seq] = {
                "id": self.alias_seq, "address": address, "goto": goto, "domain": domain, "self": False,
                "public_comment": data.get("public_comment"), "private_comment": data.get("private_comment"),
                "internal": 1 if intval(data.get("internal")) else 0, "active": 1 if intval(data.get("active")) else 0,
                "sogo_visible": 1 if intval(data.get("sogo_visible")) else 0,
                "sender_allowed": 1 if intval(data.get("sender_allowed")) else 0, "created": now(), "modified": None,
            }
            result.append(self._entry("success", log, ["alias_added", address, str(self.alias_seq)]))
        return result

    def edit_alias(self, items, attr):
        result = []
        log = ["mailbox", "edit", "alias", dict({"id": items}, **attr), None]
        for item in items:
            alias = self.aliases.get(intval(item))
            if alias is None or alias["self"] or not re.fullmatch(r"\d+", str(item)):
                result.append(self._entry("danger", log, "access_denied"))
                continue
            new = dict(alias)
            if "goto" in attr or any(k in attr for k in ("goto_null", "goto_spam", "goto_ham")):
                goto, error = self._goto_of(attr, log)
                if error:
                    result.append(error)
                    continue
                new["goto"] = goto
            for key in ("active", "internal", "sogo_visible", "sender_allowed"):
                if key in attr:
                    new[key] = 1 if intval(attr[key]) else 0
            for key in ("private_comment", "public_comment"):
                if key in attr:
                    if len(str(attr[key] or "")) > 160:
                        result.append(self._entry("danger", log, "comment_too_long"))
                        break
                    new[key] = attr[key]
            else:
                new["modified"] = now()
                self.aliases[alias["id"]] = new
                result.append(self._entry("success", log, ["alias_modified", alias["address"]]))
        return result

    def delete_alias(self, items):
        result = []
        log = ["mailbox", "delete", "alias", {"id": items}, None]
        for item in items:
            alias = self.aliases.get(intval(item)) if re.fullmatch(r"\d+", str(item)) else None
            if alias is None or alias["self"]:
                result.append(self._entry("danger", log, "access_denied"))
                continue
            del self.aliases[alias["id"]]
            result.append(self._entry("success", log, ["alias_removed", alias["address"]]))
        return result
