"""Shared zone helpers of the emulators: RRset snapshots and BIND-format export text."""
from __future__ import annotations

import time


def fqdn(name: str, zone: str) -> str:
    """'@'/''/relative/absolute name -> absolute name with a trailing dot, lower-case."""
    zone = zone.rstrip(".").lower()
    name = (name or "@").strip()
    if name in ("@", ""):
        return zone + "."
    if name.endswith("."):
        return name.lower()
    if name.lower() == zone or name.lower().endswith("." + zone):
        return name.lower() + "."
    return f"{name.lower()}.{zone}."


def relative(name: str, zone: str) -> str:
    """Absolute or relative name -> name relative to zone ('@' for the apex)."""
    absolute = fqdn(name, zone)
    zone_abs = zone.rstrip(".").lower() + "."
    if absolute == zone_abs:
        return "@"
    return absolute[: -len(zone_abs) - 1]


def initial_serial() -> int:
    return int(time.strftime("%Y%m%d", time.gmtime())) * 100 + 1


def bind_zone_text(zone: str, serial: int, lines: list[tuple[str, int | None, str, str]],
                   *, default_ttl: int = 3600, primary: str = "ns1.emulator.test.",
                   hostmaster: str = "hostmaster.emulator.test.", origin: bool = True) -> str:
    """A zone file: $ORIGIN/$TTL, SOA, then `name [ttl] IN TYPE rdata` lines (names relative)."""
    zone_abs = zone.rstrip(".") + "."
    out = []
    if origin:
        out.append(f"$ORIGIN {zone_abs}")
    out.append(f"$TTL {default_ttl}")
    out.append(f"@\t{default_ttl}\tIN\tSOA\t{primary} {hostmaster} {serial} 10800 3600 604800 300")
    for name, ttl, rtype, rdata in sorted(lines, key=lambda x: (x[0] != "@", x[0], x[2], x[3])):
        ttl_text = "" if ttl is None else str(ttl)
        out.append(f"{name}\t{ttl_text}\tIN\t{rtype}\t{rdata}")
    return "\n".join(out) + "\n"


def split_txt(text: str) -> str:
    """One logical TXT string -> presentation format: quoted 255-byte character-strings."""
    raw = text.encode("utf-8")
    chunks = [raw[i:i + 255] for i in range(0, len(raw), 255)] or [b""]
    return " ".join('"' + c.decode("utf-8", "replace").replace("\\", "\\\\").replace('"', '\\"') + '"'
                    for c in chunks)
