"""Relay hosts and transports of the Mailcow API emulator: ``add/relayhost``, ``add/edit/delete transport``,
``get/relayhost``, ``get/transport``.

Shapes: ../shared/reference/mailcow-api.md §1.7; recorded in mailcow-transcripts/05_domain_edit.txt (add/get
relayhost and transport).
"""
from __future__ import annotations

import re

from tests.servers.mailcow.base import StateBase
from tests.servers.mailcow.common import intval, is_valid_domain_name, is_valid_email, split_list


class TransportsApi(StateBase):
    """The relay-host and transport functions."""

    # ---------------------------------------------------------------- relay hosts and transports
    @staticmethod
    def _short(password):
        return str(password or "")[:3] + "..."

    def add_relayhost(self, data):
        log = ["relayhost", "add", data]
        hostname = str(data.get("hostname") or "").strip()
        if not hostname:
            return [self._entry("danger", log, "invalid_host")]
        self.relayhost_seq += 1
        self.relayhosts[self.relayhost_seq] = {"id": self.relayhost_seq, "hostname": hostname,
                                               "username": str(data.get("username") or ""),
                                               "password": str(data.get("password") or ""), "active": 1}
        return [self._entry("success", log, ["relayhost_added", ""])]

    def relayhost_get(self, host):
        return dict(host, password_short=self._short(host["password"]), used_by_domains="", used_by_mailboxes="")

    _NEXTHOP_RE = re.compile(r"^(\[[^\]\s]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$")

    def _transport_check(self, destination, nexthop, username, exclude_id, log):
        nexthop = nexthop.strip()
        if re.fullmatch(r"\d{1,3}(\.\d{1,3}){3}", nexthop):
            nexthop = "[" + nexthop + "]"
        if not self._NEXTHOP_RE.match(nexthop):
            return None, self._entry("danger", log, "invalid_nexthop")
        valid_dest = (destination == "*" or is_valid_email(destination)
                      or is_valid_domain_name(destination.lstrip(".")))
        if not valid_dest:
            return None, self._entry("danger", log, ["invalid_destination", destination])
        for transport in self.transports.values():
            if transport["id"] == exclude_id:
                continue
            if transport["destination"] == destination:
                return None, self._entry("danger", log, ["transport_dest_exists", destination])
            if transport["nexthop"] == nexthop and transport["username"] != username:
                return None, self._entry("danger", log, "invalid_nexthop_authenticated")
        return nexthop, None

    def add_transport(self, data):
        log = ["transport", "add", data]
        result = []
        nexthop = str(data.get("nexthop") or "")
        username = str(data.get("username") or "")
        for destination in split_list(data.get("destination")):
            destination = destination.lower()
            clean, error = self._transport_check(destination, nexthop, username, None, log)
            if error:
                result.append(error)
                continue
            self.transport_seq += 1
            self.transports[self.transport_seq] = {
                "id": self.transport_seq, "is_mx_based": 0, "destination": destination, "nexthop": clean,
                "username": username, "password": str(data.get("password") or ""),
                "active": 1 if intval(data.get("active")) else 0}
            result.append(self._entry("success", log, ["relayhost_added", ""]))
        return result or [self._entry("danger", log, ["invalid_destination", ""])]

    def transport_get(self, transport):
        return dict(transport, password_short=self._short(transport["password"]))

    def edit_transport(self, items, attr):
        result = []
        log = ["transport", "edit", dict({"id": items}, **attr)]
        for item in items:
            transport = self.transports.get(intval(item))
            if transport is None:
                result.append(self._entry("danger", log, "access_denied"))
                continue
            new = dict(transport)
            for key in ("destination", "nexthop", "username", "password"):
                if key in attr:
                    new[key] = str(attr[key] or "")
            if "active" in attr:
                new["active"] = 1 if intval(attr["active"]) else 0
            clean, error = self._transport_check(new["destination"].lower(), new["nexthop"], new["username"],
                                                 transport["id"], log)
            if error:
                result.append(error)
                continue
            new["nexthop"], new["destination"] = clean, new["destination"].lower()
            self.transports[transport["id"]] = new
            result.append(self._entry("success", log, ["object_modified", str(item)]))
        return result

    def delete_transport(self, items):
        result = []
        log = ["transport", "delete", {"id": items}]
        for item in items:
            if self.transports.pop(intval(item), None) is None:
                result.append(self._entry("danger", log, "access_denied"))
            else:
                result.append(self._entry("success", log, ["relayhost_removed", str(item)]))
        return result
