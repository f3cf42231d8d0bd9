# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Propagation check: find the zone's authoritative servers from the PARENT delegation, ask every
address of every server directly (RD=0, UDP then TCP when truncated, AA required), and wait until
all of them serve the expected RRset and TTL.

Only authoritative convergence can be observed; resolver caches keep the previous RRset for up to
its old TTL after that (see docs/dns.md).
"""

from __future__ import annotations

import socket
import time

from ansible_collections.mailwave.migrate.plugins.module_utils._dns.engine import EngineError
from ansible_collections.mailwave.migrate.plugins.module_utils._dns.records import (
    RecordError,
    RRset,
    absolute_name,
    normalize_type,
    normalize_zone,
)

try:
    import dns.exception
    import dns.flags
    import dns.message
    import dns.name
    import dns.query
    import dns.rcode
    import dns.rdatatype
    import dns.resolver
except ImportError:  # pragma: no cover - the module reports the missing library
    pass

EDNS_PAYLOAD = 1232


def parse_hostport(text, default_port):
    """'192.0.2.1' / '192.0.2.1:5353' / '[2001:db8::1]:53' / 'ns1.example.org' -> (host, port)."""
    text = str(text).strip()
    if text.startswith("["):
        host, _sep, rest = text[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else default_port
    if text.count(":") == 1:
        host, port = text.split(":")
        return host, int(port)
    return text, default_port


def addresses_of(host, port):
    """Every IPv4/IPv6 address of host (an address is returned as is)."""
    try:
        infos = socket.getaddrinfo(host, port, 0, socket.SOCK_DGRAM)
    except socket.gaierror:
        return []
    seen = []
    for info in infos:
        addr = info[4][0]
        if addr not in seen:
            seen.append(addr)
    return seen


def ask(address, port, qname, rdtype, timeout):
    """One non-recursive query; UDP, then TCP if truncated. Returns (response, None) or (None, error)."""
    query = dns.message.make_query(qname, rdtype, use_edns=0, payload=EDNS_PAYLOAD)
    query.flags &= ~dns.flags.RD
    try:
        response = dns.query.udp(query, address, port=port, timeout=timeout, ignore_trailing=True)
        if response.flags & dns.flags.TC:
            response = dns.query.tcp(query, address, port=port, timeout=timeout)
        return response, None
    except dns.exception.Timeout:
        return None, "timeout after %ss" % timeout
    except (OSError, dns.exception.DNSException) as exc:
        return None, "%s: %s" % (type(exc).__name__, exc)


def delegation(zone, parent_servers, port, timeout):
    """Ask the parent's servers for the zone's NS (a referral): [(ns name, [addresses])], notes."""
    origin = dns.name.from_text(zone)
    ns_names = []
    glue = {}
    errors = []
    for server in parent_servers:
        host, sport = parse_hostport(server, 53)
        for address in addresses_of(host, sport) or [host]:
            response, error = ask(address, sport, origin, dns.rdatatype.NS, timeout)
            if error:
                errors.append("%s: %s" % (server, error))
                continue
            for section in (response.authority, response.answer):
                for rrset in section:
                    if rrset.rdtype == dns.rdatatype.NS and rrset.name == origin:
                        for rd in rrset:
                            name = rd.target.to_text().lower()
                            if name not in ns_names:
                                ns_names.append(name)
            for rrset in response.additional:
                if rrset.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
                    glue.setdefault(rrset.name.to_text().lower(), [])
                    for rd in rrset:
                        if rd.address not in glue[rrset.name.to_text().lower()]:
                            glue[rrset.name.to_text().lower()].append(rd.address)
            if ns_names:
                break
        if ns_names:
            break
    if not ns_names:
        raise EngineError("the parent servers (%s) gave no delegation (NS) for %s: %s"
                          % (", ".join(parent_servers), zone, "; ".join(errors) or "no NS in their answers"))
    servers = []
    for name in sorted(ns_names):
        addrs = glue.get(name) or addresses_of(name.rstrip("."), port)
        servers.append((name, addrs))
    return servers


def parent_servers_from_resolver(zone):
    """Without parent_servers: the parent zone's NS, found with the system resolver."""
    name = dns.name.from_text(zone)
    parent = name.parent()
    try:
        parent_zone = dns.resolver.zone_for_name(parent)
        answer = dns.resolver.resolve(parent_zone, "NS")
    except dns.exception.DNSException as exc:
        raise EngineError("cannot find the parent zone's servers of %s with the system resolver (%s); set "
                          "parent_servers or nameservers" % (zone, exc))
    return sorted(rd.target.to_text() for rd in answer)


def check_server(name, address, port, zone, qname, rdtype, expected, state, ttl, timeout):
    """One row of the table: what this address serves, and whether it is what we want."""
    row = {"server": name, "address": address, "port": port, "serial": None, "answer": [], "ttl": None,
           "ok": False, "error": None}
    soa, error = ask(address, port, dns.name.from_text(zone), dns.rdatatype.SOA, timeout)
    if soa is not None:
        for rrset in soa.answer:
            if rrset.rdtype == dns.rdatatype.SOA:
                row["serial"] = rrset[0].serial
    response, error = ask(address, port, dns.name.from_text(qname), rdtype, timeout)
    if error:
        row["error"] = error
        return row
    rcode = response.rcode()
    if rcode not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
        row["error"] = "answered %s" % dns.rcode.to_text(rcode)
        return row
    if not response.flags & dns.flags.AA:
        row["error"] = "not authoritative for the zone (lame delegation)"
        return row
    served = None
    for rrset in response.answer:
        if rrset.rdtype == rdtype and rrset.name == dns.name.from_text(qname):
            served = RRset(qname, dns.rdatatype.to_text(rdtype), rrset.ttl, list(rrset))
    if served is not None:
        row["answer"] = list(served.values)
        row["ttl"] = served.ttl
    if state == "absent":
        row["ok"] = served is None
    else:
        row["ok"] = served is not None and served.same_values(expected) and (ttl is None or served.ttl == ttl)
    return row


def run_propagation(params, now=time.monotonic, sleep=time.sleep):
    """Wait for convergence; returns the result dict, or raises EngineError (with the table) on timeout."""
    try:
        zone = normalize_zone(params["zone"])
        qname = absolute_name(params["record"], zone)
        rtype = normalize_type(params["type"])
        state = params.get("state") or "present"
        expected = None
        if state == "present":
            if not params.get("value"):
                raise EngineError("state=present needs value (the RRset to wait for)")
            expected = RRset.from_values(qname, rtype, params.get("ttl") or 0, params["value"])
    except RecordError as exc:
        raise EngineError(str(exc))
    rdtype = dns.rdatatype.from_text(rtype)
    port = params.get("port") or 53
    qtimeout = float(params.get("request_timeout") or 3.0)
    if params.get("nameservers"):
        servers = []
        for item in params["nameservers"]:
            host, sport = parse_hostport(item, port)
            addrs = addresses_of(host, sport)
            if not addrs:
                raise EngineError("cannot resolve the name server %s" % host)
            servers.append((host, [(a, sport) for a in addrs]))
        source = "nameservers"
    else:
        parents = params.get("parent_servers") or parent_servers_from_resolver(zone)
        servers = [(n, [(a, port) for a in addrs]) for n, addrs in delegation(zone, parents, port, qtimeout)]
        source = "delegation"
    unresolved = [n for n, addrs in servers if not addrs]
    start = now()
    deadline = start + float(params.get("timeout") or 0)
    interval = max(float(params.get("interval") or 1), 0.05)
    rounds = 0
    while True:
        rounds += 1
        table = []
        for name, addrs in servers:
            if not addrs:
                table.append({"server": name, "address": None, "port": None, "serial": None, "answer": [],
                              "ttl": None, "ok": False, "error": "no address found for this name server"})
            for address, sport in addrs:
                table.append(check_server(name, address, sport, zone, qname, rdtype, expected, state,
                                          params.get("ttl"), qtimeout))
        converged = bool(table) and all(row["ok"] for row in table)
        elapsed = round(now() - start, 3)
        result = {"changed": False, "converged": converged, "servers": table, "rounds": rounds,
                  "elapsed": elapsed, "source": source, "nameservers": [n for n, _a in servers],
                  "record": qname, "type": rtype}
        if converged:
            return result
        if now() + interval > deadline:
            bad = ["%s (%s): %s" % (row["server"], row["address"],
                                    row["error"] or "serves %s ttl %s" % (row["answer"] or "nothing", row["ttl"]))
                   for row in table if not row["ok"]]
            raise EngineError("%s %s did not converge on every authoritative server within %ss; not yet: %s%s"
                              % (qname, rtype, params.get("timeout"), "; ".join(bad),
                                 " (no address for: %s)" % ", ".join(unresolved) if unresolved else ""),
                              **result)
        sleep(interval)
