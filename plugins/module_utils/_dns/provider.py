# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""The DNS provider interface: what a backend (RFC 2136 server, PowerDNS API, OVH, Gandi, Cloudflare)
must offer to the generic engines in engine.py.

A provider module ``_dns/<name>.py`` defines:

* ``ARGUMENT_SPEC``: the connection options it uses (a subset of registry.COMMON_ARGUMENT_SPEC, with
  ``required: True`` on the ones it cannot work without); the registry checks those before use.
* ``class Provider(DNSProvider)``: thin; ``read_zone()`` and ``apply_changes()`` are all it must
  implement. It raises only DNSError subclasses with messages that never contain a secret.

The engines diff before writing, so ``apply_changes`` is only called with a non-empty list of
real changes; a provider never needs to be idempotent on its own.
"""

from __future__ import annotations

from ansible_collections.mailwave.migrate.plugins.module_utils._dns.records import (
    ZoneData,
    normalize_zone,
)


class DNSError(Exception):
    """A provider or server error; str(exc) says what happened and what to do, with no secret in it."""


class DNSAuthError(DNSError):
    """Credentials refused (bad TSIG key, API key, token, signature)."""


class DNSZoneNotFound(DNSError):
    """The zone does not exist at the provider (or is not served by the server)."""


class DNSConnectionError(DNSError):
    """The server/API could not be reached (refused, timeout, TLS)."""


class DNSUnsupported(DNSError):
    """The provider cannot do what was asked (a record type, a TTL, an export...)."""


class Capabilities:
    """What a provider can do; engines and docs read it, tests assert on it.

    atomic_batch: all changes of one apply_changes() call land together or not at all.
    ttl_per_rrset: the TTL can be set per RRset (False: one TTL per zone, or per record).
    zone_serial: read_zone() returns a meaningful SOA serial.
    serial_bumps_on_noop: an identical write still moves the serial (PowerDNS), hence diff first.
    native_export: export_zone_text() asks the provider for its own zone file text.
    min_ttl: the smallest TTL accepted (None: no limit known).
    supported_types: record types it can write (None: any type).
    """

    def __init__(self, atomic_batch=False, ttl_per_rrset=True, zone_serial=False, serial_bumps_on_noop=False,
                 native_export=False, min_ttl=None, supported_types=None):
        self.atomic_batch = atomic_batch
        self.ttl_per_rrset = ttl_per_rrset
        self.zone_serial = zone_serial
        self.serial_bumps_on_noop = serial_bumps_on_noop
        self.native_export = native_export
        self.min_ttl = min_ttl
        self.supported_types = frozenset(supported_types) if supported_types is not None else None

    def to_dict(self):
        data = dict(vars(self))
        if self.supported_types is not None:
            data["supported_types"] = sorted(self.supported_types)
        return data


class Change:
    """One RRset change.

    action 'replace': the RRset (name, type) becomes exactly ``new`` (created if ``old`` is None).
    action 'delete': the RRset ``old`` is removed entirely.
    ``old`` is the RRset as read by read_zone() just before (None when creating), so that providers
    with per-record APIs know which records to delete, and RFC 2136 can state prerequisites.
    """

    REPLACE = "replace"
    DELETE = "delete"

    __slots__ = ("action", "new", "old")

    def __init__(self, action, new=None, old=None):
        if action not in (self.REPLACE, self.DELETE):
            raise ValueError("unknown change action %r" % (action,))
        if action == self.REPLACE and new is None:
            raise ValueError("a replace needs the new RRset")
        if action == self.DELETE and old is None:
            raise ValueError("a delete needs the old RRset")
        self.action = action
        self.new = new
        self.old = old

    @property
    def key(self):
        return (self.new or self.old).key

    @property
    def name(self):
        return self.key[0]

    @property
    def type(self):
        return self.key[1]

    @property
    def kind(self):
        """'create', 'update' or 'delete' (for results)."""
        if self.action == self.DELETE:
            return "delete"
        return "create" if self.old is None else "update"

    def __repr__(self):
        return "Change(%s, new=%r, old=%r)" % (self.action, self.new, self.old)


class DNSProvider:
    """Base class of every provider. Subclasses set NAME and CAPABILITIES and implement the two
    abstract methods; the rest has sensible defaults."""

    NAME = "base"
    CAPABILITIES = Capabilities()

    def __init__(self, zone, params):
        """zone: the zone name (any form); params: the module parameters (all common options)."""
        self.zone = normalize_zone(zone)
        self.params = params

    # -- to implement --------------------------------------------------------------------------
    def read_zone(self):
        """Return ZoneData with every RRset of the zone (SOA included when the provider has one)."""
        raise NotImplementedError

    def apply_changes(self, changes):
        """Apply a non-empty list of Change, as atomically as CAPABILITIES.atomic_batch says."""
        raise NotImplementedError

    # -- defaults ------------------------------------------------------------------------------
    def export_zone_text(self):
        """The whole zone as BIND-format text (default: built from read_zone())."""
        return self.read_zone().to_text()

    def check_types(self, changes):
        """Raise DNSUnsupported when a change uses a type the provider cannot write."""
        supported = self.CAPABILITIES.supported_types
        if supported is None:
            return
        for change in changes:
            if change.type not in supported:
                raise DNSUnsupported("provider %s cannot manage %s records (%s); supported: %s"
                                     % (self.NAME, change.type, change.name, ", ".join(sorted(supported))))

    def validate_changes(self, changes):
        """Raise before the first write when any change cannot be written (type, TTL, value rules).

        Providers extend it with their own limits; apply_stepwise() calls it first, so that a batch
        never stops half way on a record that could have been refused up front.
        """
        self.check_types(changes)

    def apply_stepwise(self, changes, write_one):
        """Apply changes one by one with write_one(change), for APIs without a transaction.

        Every change is validated before the first write. When a write fails, what this call already
        changed (the failing RRset included: it may be half written) is put back to the state read
        before (``change.old``), from a fresh read of the zone, and the error says what was put back
        and what could not be. Between the first write and the last (or the end of the roll-back), the
        zone holds part of the change: that window is documented in docs/dns_providers.md.
        """
        self.validate_changes(changes)
        done = []
        for change in changes:
            try:
                write_one(change)
            except DNSError as exc:
                report = self.roll_back(done + [change], write_one)
                raise type(exc)("%s. %s" % (str(exc).rstrip("."), report))
            done.append(change)

    def roll_back(self, touched, write_one):
        """Put the RRsets of touched back as they were (change.old); return a sentence for the error."""
        names = ", ".join("%s %s" % (c.name, c.type) for c in touched)
        try:
            now = self.read_zone().index()
        except DNSError as exc:
            return ("Roll-back impossible (the zone could not be read again: %s): these RRsets may hold the new "
                    "values: %s; restore them from the backup" % (exc, names))
        restored, failed = [], []
        for change in reversed(touched):
            have, want = now.get(change.key), change.old
            if want == have:
                continue
            undo = Change(Change.DELETE, old=have) if want is None else Change(Change.REPLACE, new=want, old=have)
            try:
                write_one(undo)
                restored.append("%s %s" % change.key)
            except DNSError as exc:
                failed.append("%s %s (%s)" % (change.key[0], change.key[1], exc))
        if failed:
            return ("Roll-back INCOMPLETE: put back %s; could NOT put back %s: restore them from the backup"
                    % (", ".join(restored) or "nothing", "; ".join(failed)))
        if restored:
            return "Rolled back: %s put back as they were before this task" % ", ".join(restored)
        return "Nothing of this change had been written; the zone is as it was"

    def report(self):
        """What the task's result says about the transport: whether the provider writes a task's changes as one
        transaction (``atomic``), and the waits an HTTP API asked for."""
        out = {"atomic": bool(self.CAPABILITIES.atomic_batch)}
        http = getattr(self, "http", None)
        waits = list(getattr(http, "waits", None) or [])
        if waits:
            out.update(api_waits=waits, api_waited_seconds=round(sum(w["seconds"] for w in waits), 3))
        return out

    def close(self):
        """Release connections (sessions, sockets)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


__all__ = ["Capabilities", "Change", "DNSAuthError", "DNSConnectionError", "DNSError", "DNSProvider",
           "DNSUnsupported", "DNSZoneNotFound", "ZoneData"]
