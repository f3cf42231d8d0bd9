# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""RFC 2136 provider: AXFR to read/export, one TSIG-signed UPDATE (with prerequisites) to write.

Works with BIND, Knot, PowerDNS (dnsupdate=yes), Windows DNS and most self-hosted servers.
"""

from __future__ import annotations

import binascii
import socket

from ansible_collections.mailwave.migrate.plugins.module_utils._dns.provider import (
    Capabilities,
    Change,
    DNSAuthError,
    DNSConnectionError,
    DNSError,
    DNSProvider,
    DNSZoneNotFound,
)
from ansible_collections.mailwave.migrate.plugins.module_utils._dns.records import (
    RRset,
    ZoneData,
)

try:
    import dns.exception
    import dns.flags
    import dns.message
    import dns.name
    import dns.query
    import dns.rcode
    import dns.rdatatype
    import dns.tsig
    import dns.tsigkeyring
    import dns.update
    import dns.xfr
    import dns.zone
except ImportError:  # pragma: no cover - the modules report the missing library
    pass

ARGUMENT_SPEC = dict(
    server=dict(type="str", required=True),
    port=dict(type="int", default=53),
    key_name=dict(type="str", no_log=False),
    key_secret=dict(type="str", no_log=True),
    key_algorithm=dict(type="str", default="hmac-sha256", no_log=False),
    protocol=dict(type="str", default="tcp"),
    request_timeout=dict(type="float", default=10.0),
)


def _tsig_errors():
    return (dns.tsig.PeerError, dns.tsig.BadSignature, dns.tsig.BadTime, dns.tsig.BadAlgorithm, dns.tsig.BadKey)


class Provider(DNSProvider):
    NAME = "rfc2136"
    CAPABILITIES = Capabilities(atomic_batch=True, ttl_per_rrset=True, zone_serial=True,
                                serial_bumps_on_noop=False, native_export=False)

    def __init__(self, zone, params):
        super(Provider, self).__init__(zone, params)
        self.server = params["server"]
        self.port = int(params.get("port") or 53)
        self.protocol = params.get("protocol") or "tcp"
        self.timeout = float(params.get("request_timeout") or 10.0)
        self.origin = dns.name.from_text(self.zone)
        self.where = self._resolve(self.server)
        self.tsig = {}
        key_name, key_secret = params.get("key_name"), params.get("key_secret")
        if key_name and key_secret:
            try:
                keyring = dns.tsigkeyring.from_text({key_name: key_secret})
            except (binascii.Error, ValueError, dns.exception.DNSException):
                raise DNSAuthError("key_secret is not a valid base64 TSIG secret (key %s)" % key_name)
            algorithm = dns.name.from_text(params.get("key_algorithm") or "hmac-sha256")
            self.tsig = dict(keyring=keyring, keyname=dns.name.from_text(key_name), keyalgorithm=algorithm)
        elif key_name or key_secret:
            raise DNSAuthError("key_name and key_secret go together: set both (TSIG) or neither")

    # -- helpers -------------------------------------------------------------------------------
    def _resolve(self, host):
        try:
            infos = socket.getaddrinfo(host, self.port, 0, socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise DNSConnectionError("cannot resolve DNS server %s: %s" % (host, exc))
        return infos[0][4][0]

    def _label(self):
        return "%s port %d" % (self.server, self.port)

    def _send(self, message, tcp=None):
        use_tcp = self.protocol == "tcp" if tcp is None else tcp
        try:
            if use_tcp:
                return dns.query.tcp(message, self.where, timeout=self.timeout, port=self.port)
            return dns.query.udp(message, self.where, timeout=self.timeout, port=self.port)
        except dns.exception.Timeout:
            raise DNSConnectionError("DNS server %s did not answer within %ss; check server, port and "
                                     "protocol, and that it is running" % (self._label(), self.timeout))
        except (ConnectionError, OSError) as exc:
            raise DNSConnectionError("cannot reach DNS server %s: %s" % (self._label(), exc))
        except _tsig_errors() as exc:
            raise DNSAuthError("DNS server %s rejected the TSIG signature (%s): check key_name, key_secret "
                               "and key_algorithm" % (self._label(), type(exc).__name__))
        except dns.message.UnknownTSIGKey:
            raise DNSAuthError("DNS server %s answered with an unknown TSIG key" % self._label())
        except dns.exception.FormError as exc:
            if "TSIG" in str(exc):
                raise DNSAuthError("DNS server %s refused our TSIG key (its answer is not signed): check "
                                   "key_name, key_secret and key_algorithm" % self._label())
            raise DNSError("DNS server %s sent a malformed answer: %s" % (self._label(), exc))

    def _check_zone(self):
        """Ask the server for the zone's SOA: tells 'not served' from 'unreachable' clearly."""
        query = dns.message.make_query(self.origin, dns.rdatatype.SOA)
        query.flags &= ~dns.flags.RD
        response = self._send(query)
        rcode = response.rcode()
        has_soa = any(rr.rdtype == dns.rdatatype.SOA and rr.name == self.origin for rr in response.answer)
        if rcode != dns.rcode.NOERROR or not has_soa or not response.flags & dns.flags.AA:
            raise DNSZoneNotFound("DNS server %s is not authoritative for zone %s (answer: %s); check zone and "
                                  "server" % (self._label(), self.zone, dns.rcode.to_text(rcode)))

    # -- interface -----------------------------------------------------------------------------
    def read_zone(self):
        self._check_zone()
        zone = dns.zone.Zone(self.origin, relativize=False)
        try:
            query, _serial = dns.xfr.make_query(zone, **self.tsig)
            dns.query.inbound_xfr(self.where, zone, query, port=self.port, timeout=self.timeout,
                                  lifetime=max(self.timeout * 6, 30))
        except dns.xfr.TransferError as exc:
            rcode = dns.rcode.to_text(exc.rcode)
            if exc.rcode in (dns.rcode.NOTAUTH, dns.rcode.REFUSED):
                raise DNSAuthError("DNS server %s refused the zone transfer (AXFR) of %s: %s; allow AXFR for "
                                   "the TSIG key (key_name/key_secret)" % (self._label(), self.zone, rcode))
            raise DNSError("zone transfer of %s from %s failed: %s" % (self.zone, self._label(), rcode))
        except (dns.exception.Timeout, socket.timeout):
            raise DNSConnectionError("zone transfer of %s from %s timed out" % (self.zone, self._label()))
        except _tsig_errors() as exc:
            raise DNSAuthError("DNS server %s rejected the TSIG signature of the zone transfer (%s): check "
                               "key_name, key_secret and key_algorithm" % (self._label(), type(exc).__name__))
        except dns.exception.FormError as exc:
            if "TSIG" in str(exc):
                raise DNSAuthError("DNS server %s refused our TSIG key for the zone transfer: check key_name, "
                                   "key_secret and key_algorithm" % self._label())
            raise DNSError("zone transfer of %s from %s: malformed answer: %s" % (self.zone, self._label(), exc))
        except (ConnectionError, OSError) as exc:
            raise DNSConnectionError("zone transfer of %s from %s failed: %s" % (self.zone, self._label(), exc))
        rrsets = []
        for name, node in zone.nodes.items():
            for rds in node.rdatasets:
                rrsets.append(RRset.from_rdataset(name, rds))
        return ZoneData(self.zone, rrsets)

    def apply_changes(self, changes):
        self.check_types(changes)
        update = dns.update.UpdateMessage(self.origin, **self.tsig)
        for change in changes:
            name = dns.name.from_text(change.name)
            rdtype = dns.rdatatype.from_text(change.type)
            old = change.old
            # Prerequisites: the RRset is still what we read (else somebody changed it meanwhile).
            if old is None:
                update.absent(name, rdtype)
            else:
                for rd in old.rdatas:
                    update.present(name, rd)
            if change.action == Change.DELETE:
                update.delete(name, rdtype)
                continue
            new_rds = change.new.to_rdataset()
            if change.type == "NS" and change.name == self.zone:
                # Servers ignore "delete all apex NS": add the new set, then remove what is not kept.
                update.add(name, new_rds)
                for rd in (old.rdatas if old else ()):
                    if not any(rd == keep for keep in change.new.rdatas):
                        update.delete(name, rd)
            else:
                update.delete(name, rdtype)
                update.add(name, new_rds)
        response = self._send(update)
        rcode = response.rcode()
        if rcode == dns.rcode.NOERROR:
            return
        text = dns.rcode.to_text(rcode)
        if rcode in (dns.rcode.YXRRSET, dns.rcode.NXRRSET, dns.rcode.YXDOMAIN, dns.rcode.NXDOMAIN):
            raise DNSError("the zone %s changed on %s while this task ran (prerequisite failed: %s); run the task "
                           "again" % (self.zone, self._label(), text))
        if rcode in (dns.rcode.REFUSED, dns.rcode.NOTAUTH):
            raise DNSAuthError("DNS server %s refused the UPDATE of %s (%s): check that the TSIG key may update "
                               "this zone (update-policy / allow-update)" % (self._label(), self.zone, text))
        if rcode == dns.rcode.NOTZONE:
            raise DNSZoneNotFound("DNS server %s: a name is outside zone %s (NOTZONE)" % (self._label(), self.zone))
        raise DNSError("DNS server %s rejected the UPDATE of %s: %s" % (self._label(), self.zone, text))
