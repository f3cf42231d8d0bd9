# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""RFC 6764 DNS discovery of a CardDAV/CalDAV service: SRV ``_carddavs._tcp`` / ``_caldavs._tcp`` (TLS),
then ``_carddav._tcp`` / ``_caldav._tcp`` (plain), and the TXT ``path=`` record of the chosen one.

The choice (``choose``, ``txt_path``, ``service_url``, ``domain_of``) is pure; ``lookup`` does the DNS with
dnspython, on the system's resolvers or on the ones given (split DNS).
"""

from __future__ import annotations

try:
    import dns.exception
    import dns.resolver
    HAS_DNSPYTHON = True
except ImportError:  # reported by the module with missing_required_lib
    HAS_DNSPYTHON = False

SERVICES = {"addressbook": (("_carddavs._tcp", "https"), ("_carddav._tcp", "http")),
            "calendar": (("_caldavs._tcp", "https"), ("_caldav._tcp", "http"))}


class SrvError(Exception):
    pass


def choose(records: list[tuple[int, int, int, str]]) -> tuple[str, int] | None:
    """(target, port) of the SRV records [(priority, weight, port, target)] to use; None when there is no service.

    The lowest priority wins; among equal priorities the heaviest weight (RFC 2782 draws by weight; a one-shot
    copy takes the server meant to get most of the load, deterministically). A single record whose target is
    ``.`` says that the service is decidedly not available (RFC 2782).
    """
    if not records:
        return None
    if len(records) == 1 and records[0][3].strip() in (".", ""):
        return None
    usable = [r for r in records if r[3].strip() not in (".", "")]
    if not usable:
        return None
    priority, weight, port, target = sorted(usable, key=lambda r: (r[0], -r[1], r[3]))[0]
    return target.rstrip("."), port


def txt_path(strings: list[str]) -> str:
    """The context path of the TXT record's ``path=`` (RFC 6764 section 4), or '' (then the well-known URI)."""
    for text in strings:
        for part in text.split():
            if part.lower().startswith("path="):
                path = part[5:].strip()
                if path.startswith("/"):
                    return path
    return ""


def service_url(scheme: str, target: str, port: int, path: str) -> str:
    default = {"https": 443, "http": 80}[scheme]
    netloc = target if port == default else f"{target}:{port}"
    return f"{scheme}://{netloc}{path or '/'}"


def domain_of(url: str | None, user: str) -> str:
    """The domain to look up: source.url when it is only a domain, else the user's address's domain; ''."""
    if url and "://" not in url and "/" not in url.strip("/"):
        return url.strip().strip("/").lower()
    if not url and "@" in user:
        return user.rsplit("@", 1)[1].strip().lower()
    return ""


def parse_resolvers(resolvers: list[str] | None) -> list[tuple[str, int]]:
    """[(ip, port)] of 'ip', 'ip:port', '[v6]:port' (ValueError for anything else)."""
    result = []
    for entry in resolvers or []:
        entry = entry.strip()
        host, port = entry, 53
        if entry.startswith("["):
            host, _bracket, rest = entry[1:].partition("]")
            port = int(rest[1:]) if rest.startswith(":") else 53
        elif entry.count(":") == 1:
            host, port_text = entry.split(":")
            port = int(port_text)
        if not host or not 0 < port < 65536:
            raise ValueError(f"resolver {entry!r} is not IP[:port]")
        result.append((host, port))
    return result


def _resolver(resolvers: list[tuple[str, int]], timeout: float):
    if not resolvers:
        resolver = dns.resolver.Resolver()
    else:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [h for h, _p in resolvers]
        resolver.nameserver_ports = dict(resolvers)
    resolver.lifetime = timeout
    return resolver


def lookup(domain: str, kind: str, resolvers: list[tuple[str, int]] | None = None, timeout: float = 10) -> tuple[str, list[str]]:
    """(URL of the service, notes) for kind ('addressbook'/'calendar') at domain; ('', notes) when none."""
    resolver = _resolver(resolvers or [], timeout)
    notes = []
    for prefix, scheme in SERVICES[kind]:
        name = f"{prefix}.{domain}."
        try:
            answer = resolver.resolve(name, "SRV")
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            continue
        except dns.exception.DNSException as exc:
            raise SrvError(f"cannot look up {name} SRV: {exc}") from None
        chosen = choose([(r.priority, r.weight, r.port, r.target.to_text()) for r in answer])
        if chosen is None:
            notes.append(f"{name} says there is no such service (target '.')")
            return "", notes
        try:
            texts = [b"".join(r.strings).decode("utf-8", "replace") for r in resolver.resolve(name, "TXT")]
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            texts = []
        except dns.exception.DNSException as exc:
            raise SrvError(f"cannot look up {name} TXT: {exc}") from None
        path = txt_path(texts)
        if not path:
            notes.append(f"{name} has no TXT path=: the well-known URI is used")
        if scheme == "http":
            notes.append(f"{name}: only a plain-text (http) service is published")
        return service_url(scheme, chosen[0], chosen[1], path), notes
    return "", notes
