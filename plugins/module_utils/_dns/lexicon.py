# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""The long tail of DNS hosts through dns-lexicon (optional library, ~100 hosts).

Lexicon is record-level: ``list_records``, ``create_record``, ``delete_record``, with the TTL a
provider option, not an argument. So an RRset change here is: delete the old values that go,
create the new ones (all of them again, with the new TTL, when the TTL changes: lexicon backends do
not change the TTL of a record that exists). Nothing is atomic: the changes go through
DNSProvider.apply_stepwise (validated first, rolled back on a failure).

Lexicon's provider class is driven directly, with the zone given as is: lexicon's Client guesses
the zone with tldextract, which downloads the Public Suffix List from the internet on first use
and cannot tell a zone such as ``example.test``. dns-lexicon is imported only when this provider is
chosen, so it is not a requirement of the collection.

Values: lexicon gives TXT content unquoted (one logical string) for most backends; content that is
zone-file syntax (quoted strings) is read as such. Names inside values are absolute. Record types
other than the common ones (A, AAAA, CNAME, MX, NS, SRV, TXT) depend on the lexicon backend and are
not written.
"""

from __future__ import annotations

from ansible_collections.mailwave.migrate.plugins.module_utils._dns.provider import (
    Capabilities,
    Change,
    DNSAuthError,
    DNSConnectionError,
    DNSError,
    DNSProvider,
    DNSUnsupported,
    DNSZoneNotFound,
)
from ansible_collections.mailwave.migrate.plugins.module_utils._dns.records import (
    RecordError,
    RRset,
    ZoneData,
    absolute_name,
    parse_value,
    rdata_key,
    txt_logical,
)

ARGUMENT_SPEC = dict(
    lexicon_provider=dict(type="str", required=True),
    lexicon_options=dict(type="dict", no_log=True),
)

WRITABLE = ("A", "AAAA", "CNAME", "MX", "NS", "SRV", "TXT")
DEFAULT_TTL = 3600


def _load_lexicon(name):
    """lexicon's provider module for name; DNSError with what to do when the library is absent."""
    try:
        import lexicon  # noqa: F401 - only to tell "not installed" from "unknown provider"
    except ImportError:
        raise DNSError("provider lexicon needs the Python library dns-lexicon on the host that runs the module "
                       "(pip install dns-lexicon); it is optional and not in the collection's requirements.txt")
    try:
        from lexicon.config import ConfigResolver
        from lexicon._private.discovery import find_providers, load_provider_module
    except ImportError as exc:
        raise DNSError("this dns-lexicon version is not supported (%s); install dns-lexicon 3.x" % exc)
    known = find_providers()
    if name not in known:
        raise DNSError("dns-lexicon has no provider %r; lexicon_provider must be one of: %s"
                       % (name, ", ".join(sorted(known))))
    if known[name] is False:
        raise DNSError("the dns-lexicon provider %r needs extra Python libraries: pip install 'dns-lexicon[%s]'"
                       % (name, name))
    return ConfigResolver, load_provider_module(name)


class Provider(DNSProvider):
    NAME = "lexicon"
    CAPABILITIES = Capabilities(atomic_batch=False, ttl_per_rrset=True, zone_serial=False,
                                serial_bumps_on_noop=False, native_export=False, min_ttl=None,
                                supported_types=WRITABLE)

    def __init__(self, zone, params):
        super(Provider, self).__init__(zone, params)
        self.backend = str(params.get("lexicon_provider") or "").strip()
        if not self.backend:
            raise DNSError("provider lexicon needs lexicon_provider, the name of a dns-lexicon provider "
                           "(for example powerdns, ovh, route53)")
        self._options = dict(params.get("lexicon_options") or {})
        self._secrets = [str(v) for v in self._options.values() if isinstance(v, str) and len(v) >= 4]
        self._config_class, self._module = _load_lexicon(self.backend)
        self._clients = {}      # ttl -> authenticated lexicon provider

    # -- lexicon plumbing -------------------------------------------------------------------
    def _client(self, ttl=DEFAULT_TTL):
        if ttl not in self._clients:
            config = self._config_class().with_dict({
                "provider_name": self.backend, "domain": self.zone[:-1], "ttl": int(ttl),
                self.backend: dict(self._options)})
            self._clients[ttl] = self._guard("authenticate", lambda: self._authenticated(config))
        return self._clients[ttl]

    def _authenticated(self, config):
        provider = self._module.Provider(config)
        provider.authenticate()
        return provider

    def _clean(self, text):
        """An error text without any of the credentials given in lexicon_options."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def _guard(self, what, call):
        """Run a lexicon call; map its exceptions (requests errors, lexicon's own) to DNSError subclasses."""
        try:
            return call()
        except DNSError:
            raise
        except Exception as exc:  # lexicon backends raise anything: requests errors, Exception, ValueError
            response = getattr(exc, "response", None)
            status = getattr(response, "status_code", None)
            text = self._clean("%s: %s" % (type(exc).__name__, exc))[:300]
            where = "dns-lexicon provider %s, %s on %s" % (self.backend, what, self.zone[:-1])
            if status in (401, 403):
                raise DNSAuthError("%s: credentials refused (HTTP %s): %s; check lexicon_options" % (where, status, text))
            if what == "authenticate" and status in (404, 422):
                raise DNSZoneNotFound("%s: zone not found (HTTP %s): %s" % (where, status, text))
            if type(exc).__name__ in ("ConnectionError", "ConnectTimeout", "ReadTimeout", "Timeout"):
                raise DNSConnectionError("%s: cannot reach the API: %s" % (where, text))
            raise DNSError("%s failed: %s" % (where, text))

    # -- interface ----------------------------------------------------------------------------
    def read_zone(self):
        records = self._guard("list_records", lambda: self._client().list_records())
        grouped = {}
        for rec in records or []:
            rtype = str(rec.get("type", "")).upper()
            if rtype == "SOA":
                continue
            try:
                name = absolute_name(str(rec["name"]).rstrip(".") + ".", self.zone)
                content = str(rec["content"])
                if rtype == "TXT" and '" "' in content and not content.startswith('"'):
                    content = '"%s"' % content     # split strings whose outer quotes lexicon stripped
                rd = parse_value(rtype, content)
            except (RecordError, KeyError, TypeError) as exc:
                raise DNSError("dns-lexicon record %r of %s cannot be read: %s" % (rec, self.zone[:-1], exc))
            grouped.setdefault((name, rtype), []).append((rd, int(rec.get("ttl") or DEFAULT_TTL)))
        rrsets = [RRset(name, rtype, min(t for _r, t in items), [r for r, _t in items])
                  for (name, rtype), items in grouped.items()]
        return ZoneData(self.zone, rrsets)

    def validate_changes(self, changes):
        self.check_types(changes)
        for change in changes:
            if change.action == Change.REPLACE and change.new.ttl <= 0:
                raise DNSUnsupported("dns-lexicon needs a TTL above 0 (%s %s)" % (change.name, change.type))

    @staticmethod
    def _content(rtype, rd, value):
        """What lexicon expects: TXT as its one unquoted string, other types as zone-file rdata."""
        return txt_logical(rd) if rtype == "TXT" else value

    def _write(self, change):
        name = change.name[:-1]
        old = change.old
        if change.action == Change.DELETE:
            for rd, value in zip(old.rdatas, old.values):
                content = self._content(old.type, rd, value)
                self._guard("delete_record", lambda c=content: self._client().delete_record(
                    rtype=old.type, name=name, content=c))
            return
        new = change.new
        keep = set(rdata_key(rd) for rd in new.rdatas)
        ttl_changes = old is not None and old.ttl != new.ttl
        for rd, value in zip(old.rdatas if old else (), old.values if old else ()):
            if ttl_changes or rdata_key(rd) not in keep:
                content = self._content(old.type, rd, value)
                self._guard("delete_record", lambda c=content: self._client().delete_record(
                    rtype=old.type, name=name, content=c))
        have = set() if (old is None or ttl_changes) else set(rdata_key(rd) for rd in old.rdatas)
        for rd, value in zip(new.rdatas, new.values):
            if rdata_key(rd) in have:
                continue
            content = self._content(new.type, rd, value)
            self._guard("create_record", lambda c=content: self._client(new.ttl).create_record(
                rtype=new.type, name=name, content=c))
        self._clients = {}   # backends cache the zone they read: read it afresh after a write

    def apply_changes(self, changes):
        self.apply_stepwise(changes, self._write)

    def close(self):
        for client in self._clients.values():
            try:
                client.cleanup()
            except Exception:  # pylint: disable=broad-except  # cleanup is best effort
                pass
        self._clients = {}
