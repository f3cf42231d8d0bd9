"""Sieve filters of the Mailcow API emulator: ``add/edit/delete filter``, ``get/filters``.

Not in the transcripts: read from data/web/inc/functions.mailbox.inc.php and json_api.php at 06424670
(line numbers in the class comment below).
"""
from __future__ import annotations

import re

from tests.servers.mailcow.base import StateBase
from tests.servers.mailcow.common import intval, is_valid_email, php_empty


class FiltersApi(StateBase):
    # data/web/inc/functions.mailbox.inc.php @06424670: add 'filter' (l.206-304), edit 'filter'
    # (l.2467-2549), delete 'filter' (l.5512-5550), get 'filters' / 'filter_details' (l.4502-4548);
    # json_api.php get/filters/{user|all} (l.1116-1160). Rows: table sieve_filters; "active" is
    # script_name == 'active', at most one per (username, filter_type). The PHP Sieve parser's check
    # (msg ["sieve_error", text]) is played by a brace/quote balance check only.
    @staticmethod
    def _sieve_error(script):
        """None, or why the script cannot be Sieve: unbalanced braces or an unclosed string (comments and
        text: blocks skipped). The real parser checks far more."""
        depth, i, n = 0, 0, len(script)
        while i < n:
            char = script[i]
            if char == "#":
                i = script.find("\n", i)
                i = n if i < 0 else i
            elif script.startswith("/*", i):
                i = script.find("*/", i + 2)
                if i < 0:
                    return "unclosed comment"
                i += 1
            elif script.startswith("text:", i):
                end = script.find("\n.\n", i)
                end = script.find("\n.\r\n", i) if end < 0 else end
                if end < 0:
                    return "unclosed text: block"
                i = end + 2
            elif char == '"':
                i += 1
                while i < n and script[i] != '"':
                    i += 2 if script[i] == "\\" else 1
                if i >= n:
                    return "unclosed string"
            elif char in "{}":
                depth += 1 if char == "{" else -1
                if depth < 0:
                    return "unexpected '}'"
            i += 1
        return "unclosed block" if depth else None

    def _filter_row(self, row):
        return {"active": 1 if row["script_name"] == "active" else 0, "id": row["id"], "username": row["username"],
                "filter_type": row["filter_type"], "script_data": row["script_data"], "script_desc": row["script_desc"]}

    def _filter_activate(self, user, filter_type, active):
        if active:
            for row in self.filters.values():
                if row["username"] == user and row["filter_type"] == filter_type:
                    row["script_name"] = "inactive"
        return "active" if active else "inactive"

    def add_filter(self, data):
        log = ["mailbox", "add", "filter", data, None]
        user = data.get("username")
        if not (isinstance(user, str) and is_valid_email(user)):
            return [self._entry("danger", log, "no_user_defined")]
        if user not in self.mailboxes:
            return [self._entry("danger", log, "access_denied")]
        script, desc, filter_type = data.get("script_data"), data.get("script_desc"), data.get("filter_type")
        if php_empty(script):
            return [self._entry("danger", log, "script_empty")]
        error = self._sieve_error(str(script))
        if error:
            return [self._entry("danger", log, ["sieve_error", error])]
        if php_empty(desc):
            return [self._entry("danger", log, "value_missing")]
        if filter_type not in ("prefilter", "postfilter"):
            return [self._entry("danger", log, "filter_type")]
        name = self._filter_activate(user, filter_type, intval(data.get("active")))
        self.filter_seq += 1
        self.filters[self.filter_seq] = {"id": self.filter_seq, "username": user, "script_data": str(script),
                                         "script_desc": str(desc), "script_name": name, "filter_type": filter_type}
        return [self._entry("success", log, ["mailbox_modified", user])]

    def edit_filter(self, items, attr):
        result = []
        log = ["mailbox", "edit", "filter", dict({"id": items}, **attr), None]
        for item in items:
            row = self.filters.get(intval(item)) if re.fullmatch(r"\d+", str(item)) else None
            if row is None:
                result.append(self._entry("danger", log, "access_denied"))
                continue
            now = self._filter_row(row)
            active = intval(attr["active"]) if "active" in attr else now["active"]
            desc = attr.get("script_desc") if not php_empty(attr.get("script_desc")) else now["script_desc"]
            script = attr.get("script_data") if not php_empty(attr.get("script_data")) else now["script_data"]
            filter_type = attr.get("filter_type") if not php_empty(attr.get("filter_type")) else now["filter_type"]
            error = self._sieve_error(str(script))
            if error:
                result.append(self._entry("danger", log, ["sieve_error", error]))
                continue
            if filter_type not in ("prefilter", "postfilter"):
                result.append(self._entry("danger", log, "filter_type"))
                continue
            name = self._filter_activate(row["username"], filter_type, active == 1)
            row.update(script_desc=str(desc), script_data=str(script), script_name=name, filter_type=filter_type)
            result.append(self._entry("success", log, ["mailbox_modified", row["username"]]))
        return result

    def delete_filter(self, items):
        result = []
        log = ["mailbox", "delete", "filter", {"id": items}, None]
        for item in items:
            if not re.fullmatch(r"\d+", str(item)) or intval(item) not in self.filters:
                result.append(self._entry("danger", log, "access_denied"))
                continue
            del self.filters[intval(item)]
            result.append(self._entry("success", log, ["delete_filter", str(item)]))
        return result
