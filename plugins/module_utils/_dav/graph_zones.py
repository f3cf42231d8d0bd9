# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Time zones for the Graph conversion (pure: no I/O): Windows names to IANA, and VTIMEZONE from zoneinfo.

Graph gives an event's zone as a Windows name ("Romance Standard Time") or an IANA name (the
"dateTimeTimeZone resource type" page lists both kinds as valid). iCalendar needs a VTIMEZONE for
every TZID it uses (RFC 5545 3.6.5); we build it from the system's zoneinfo rather than ship
hand-written definitions, so it carries the real transitions of the years the event spans.
"""

from __future__ import annotations

import datetime as _dt
import zoneinfo

# Windows time-zone name -> IANA id: every territory="001" row of CLDR's
# common/supplemental/windowsZones.xml (unicode-org/cldr, mapTimezones typeVersion 2021a,
# otherVersion 7e11800). 001 is CLDR's "golden" zone for each Windows name. The ids are CLDR's as
# written (some are tzdata backward links such as Asia/Calcutta or Europe/Kiev; zoneinfo and
# clients resolve them).
_WINDOWS_TZ = {
    "Dateline Standard Time": "Etc/GMT+12", "UTC-11": "Etc/GMT+11", "Aleutian Standard Time": "America/Adak",
    "Hawaiian Standard Time": "Pacific/Honolulu", "Marquesas Standard Time": "Pacific/Marquesas",
    "Alaskan Standard Time": "America/Anchorage", "UTC-09": "Etc/GMT+9",
    "Pacific Standard Time (Mexico)": "America/Tijuana", "UTC-08": "Etc/GMT+8",
    "Pacific Standard Time": "America/Los_Angeles", "US Mountain Standard Time": "America/Phoenix",
    "Mountain Standard Time (Mexico)": "America/Mazatlan", "Mountain Standard Time": "America/Denver",
    "Yukon Standard Time": "America/Whitehorse", "Central America Standard Time": "America/Guatemala",
    "Central Standard Time": "America/Chicago", "Easter Island Standard Time": "Pacific/Easter",
    "Central Standard Time (Mexico)": "America/Mexico_City", "Canada Central Standard Time": "America/Regina",
    "SA Pacific Standard Time": "America/Bogota", "Eastern Standard Time (Mexico)": "America/Cancun",
    "Eastern Standard Time": "America/New_York", "Haiti Standard Time": "America/Port-au-Prince",
    "Cuba Standard Time": "America/Havana", "US Eastern Standard Time": "America/Indianapolis",
    "Turks And Caicos Standard Time": "America/Grand_Turk", "Paraguay Standard Time": "America/Asuncion",
    "Atlantic Standard Time": "America/Halifax", "Venezuela Standard Time": "America/Caracas",
    "Central Brazilian Standard Time": "America/Cuiaba", "SA Western Standard Time": "America/La_Paz",
    "Pacific SA Standard Time": "America/Santiago", "Newfoundland Standard Time": "America/St_Johns",
    "Tocantins Standard Time": "America/Araguaina", "E. South America Standard Time": "America/Sao_Paulo",
    "SA Eastern Standard Time": "America/Cayenne", "Argentina Standard Time": "America/Buenos_Aires",
    "Greenland Standard Time": "America/Godthab", "Montevideo Standard Time": "America/Montevideo",
    "Magallanes Standard Time": "America/Punta_Arenas", "Saint Pierre Standard Time": "America/Miquelon",
    "Bahia Standard Time": "America/Bahia", "UTC-02": "Etc/GMT+2", "Azores Standard Time": "Atlantic/Azores",
    "Cape Verde Standard Time": "Atlantic/Cape_Verde", "UTC": "Etc/UTC", "GMT Standard Time": "Europe/London",
    "Greenwich Standard Time": "Atlantic/Reykjavik", "Sao Tome Standard Time": "Africa/Sao_Tome",
    "Morocco Standard Time": "Africa/Casablanca", "W. Europe Standard Time": "Europe/Berlin",
    "Central Europe Standard Time": "Europe/Budapest", "Romance Standard Time": "Europe/Paris",
    "Central European Standard Time": "Europe/Warsaw", "W. Central Africa Standard Time": "Africa/Lagos",
    "Jordan Standard Time": "Asia/Amman", "GTB Standard Time": "Europe/Bucharest",
    "Middle East Standard Time": "Asia/Beirut", "Egypt Standard Time": "Africa/Cairo",
    "E. Europe Standard Time": "Europe/Chisinau", "Syria Standard Time": "Asia/Damascus",
    "West Bank Standard Time": "Asia/Hebron", "South Africa Standard Time": "Africa/Johannesburg",
    "FLE Standard Time": "Europe/Kiev", "Israel Standard Time": "Asia/Jerusalem",
    "South Sudan Standard Time": "Africa/Juba", "Kaliningrad Standard Time": "Europe/Kaliningrad",
    "Sudan Standard Time": "Africa/Khartoum", "Libya Standard Time": "Africa/Tripoli",
    "Namibia Standard Time": "Africa/Windhoek", "Arabic Standard Time": "Asia/Baghdad",
    "Turkey Standard Time": "Europe/Istanbul", "Arab Standard Time": "Asia/Riyadh",
    "Belarus Standard Time": "Europe/Minsk", "Russian Standard Time": "Europe/Moscow",
    "E. Africa Standard Time": "Africa/Nairobi", "Iran Standard Time": "Asia/Tehran",
    "Arabian Standard Time": "Asia/Dubai", "Astrakhan Standard Time": "Europe/Astrakhan",
    "Azerbaijan Standard Time": "Asia/Baku", "Russia Time Zone 3": "Europe/Samara",
    "Mauritius Standard Time": "Indian/Mauritius", "Saratov Standard Time": "Europe/Saratov",
    "Georgian Standard Time": "Asia/Tbilisi", "Volgograd Standard Time": "Europe/Volgograd",
    "Caucasus Standard Time": "Asia/Yerevan", "Afghanistan Standard Time": "Asia/Kabul",
    "West Asia Standard Time": "Asia/Tashkent", "Ekaterinburg Standard Time": "Asia/Yekaterinburg",
    "Pakistan Standard Time": "Asia/Karachi", "Qyzylorda Standard Time": "Asia/Qyzylorda",
    "India Standard Time": "Asia/Calcutta", "Sri Lanka Standard Time": "Asia/Colombo",
    "Nepal Standard Time": "Asia/Katmandu", "Central Asia Standard Time": "Asia/Bishkek",
    "Bangladesh Standard Time": "Asia/Dhaka", "Omsk Standard Time": "Asia/Omsk",
    "Myanmar Standard Time": "Asia/Rangoon", "SE Asia Standard Time": "Asia/Bangkok",
    "Altai Standard Time": "Asia/Barnaul", "W. Mongolia Standard Time": "Asia/Hovd",
    "North Asia Standard Time": "Asia/Krasnoyarsk", "N. Central Asia Standard Time": "Asia/Novosibirsk",
    "Tomsk Standard Time": "Asia/Tomsk", "China Standard Time": "Asia/Shanghai",
    "North Asia East Standard Time": "Asia/Irkutsk", "Singapore Standard Time": "Asia/Singapore",
    "W. Australia Standard Time": "Australia/Perth", "Taipei Standard Time": "Asia/Taipei",
    "Ulaanbaatar Standard Time": "Asia/Ulaanbaatar", "Aus Central W. Standard Time": "Australia/Eucla",
    "Transbaikal Standard Time": "Asia/Chita", "Tokyo Standard Time": "Asia/Tokyo",
    "North Korea Standard Time": "Asia/Pyongyang", "Korea Standard Time": "Asia/Seoul",
    "Yakutsk Standard Time": "Asia/Yakutsk", "Cen. Australia Standard Time": "Australia/Adelaide",
    "AUS Central Standard Time": "Australia/Darwin", "E. Australia Standard Time": "Australia/Brisbane",
    "AUS Eastern Standard Time": "Australia/Sydney", "West Pacific Standard Time": "Pacific/Port_Moresby",
    "Tasmania Standard Time": "Australia/Hobart", "Vladivostok Standard Time": "Asia/Vladivostok",
    "Lord Howe Standard Time": "Australia/Lord_Howe", "Bougainville Standard Time": "Pacific/Bougainville",
    "Russia Time Zone 10": "Asia/Srednekolymsk", "Magadan Standard Time": "Asia/Magadan",
    "Norfolk Standard Time": "Pacific/Norfolk", "Sakhalin Standard Time": "Asia/Sakhalin",
    "Central Pacific Standard Time": "Pacific/Guadalcanal", "Russia Time Zone 11": "Asia/Kamchatka",
    "New Zealand Standard Time": "Pacific/Auckland", "UTC+12": "Etc/GMT-12", "Fiji Standard Time": "Pacific/Fiji",
    "Chatham Islands Standard Time": "Pacific/Chatham", "UTC+13": "Etc/GMT-13",
    "Tonga Standard Time": "Pacific/Tongatapu", "Samoa Standard Time": "Pacific/Apia",
    "Line Islands Standard Time": "Pacific/Kiritimati",
}
# Zones that are UTC under another name: written as ...Z times, with no VTIMEZONE.
UTC_NAMES = frozenset(("UTC", "Etc/UTC", "Etc/GMT", "GMT", "Etc/Universal", "Etc/Zulu", "Z"))


def iana_zone(name: str) -> tuple[str, bool]:
    """(IANA id, known) for a Graph time-zone name; an IANA name passes through, unknown -> ('UTC', False).

    "tzone://Microsoft/Custom" (a legacy custom zone from desktop Outlook, per the "event resource
    type" page) has no definition we can read, so it is unknown too.
    """
    name = (name or "").strip()
    if name in _WINDOWS_TZ:
        zone = _WINDOWS_TZ[name]
        return ("UTC", True) if zone in UTC_NAMES else (zone, True)
    if name in UTC_NAMES:
        return "UTC", True
    if "/" in name and not name.startswith("tzone:"):
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return "UTC", False
        return name, True
    return "UTC", False


def zone(name: str) -> _dt.tzinfo:
    """The tzinfo of an id iana_zone returned."""
    return _dt.timezone.utc if name in UTC_NAMES else zoneinfo.ZoneInfo(name)


def _offset(delta: _dt.timedelta) -> str:
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{secs:02d}" if secs else "")


def transitions(tzid: str, first_year: int, last_year: int) -> list[tuple[_dt.datetime, _dt.timedelta, _dt.timedelta, str, bool]]:
    """[(UTC instant, offset before, offset after, name after, DST after)] of tzid from first_year to last_year.

    zoneinfo exposes no transition list, so we probe the offset daily and bisect each change to the
    second (transitions are on whole seconds; two per year at most in practice).
    """
    tz = zone(tzid)
    found = []
    start = _dt.datetime(first_year, 1, 1, tzinfo=_dt.timezone.utc)
    end = _dt.datetime(last_year + 1, 1, 1, tzinfo=_dt.timezone.utc)
    step = _dt.timedelta(days=1)
    here, off = start, start.astimezone(tz).utcoffset()
    while here < end:
        nxt = here + step
        nxt_off = nxt.astimezone(tz).utcoffset()
        if nxt_off != off:
            low, high = here, nxt  # offset(low) == off, offset(high) != off
            while high - low > _dt.timedelta(seconds=1):
                mid = low + (high - low) / 2
                mid = mid.replace(microsecond=0)
                if mid.astimezone(tz).utcoffset() == off:
                    low = mid
                else:
                    high = mid
            local = high.astimezone(tz)
            found.append((high, off, local.utcoffset(), local.tzname() or "", bool(local.dst())))
            off = nxt_off
        here = nxt
    return found


_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _yearly_rule(locals_: list[_dt.datetime]) -> str | None:
    """'FREQ=YEARLY;BYMONTH=m;BYDAY=nWD' when every local transition time fits one such rule in consecutive years."""
    years = [t.year for t in locals_]
    if len(locals_) < 2 or years != list(range(years[0], years[0] + len(years))):
        return None
    first = locals_[0]
    # "Last" first: a short span cannot tell "last Sunday" from "fourth/fifth Sunday", and the
    # last-weekday rules (the EU's) are the ones that fall on day 22 or later.
    for ordinal in (-1, (first.day - 1) // 7 + 1):
        def fits(t, ordinal=ordinal):
            if (t.month, t.weekday(), t.time()) != (first.month, first.weekday(), first.time()):
                return False
            if ordinal == -1:
                return (t + _dt.timedelta(days=7)).month != t.month
            return (t.day - 1) // 7 + 1 == ordinal
        if all(fits(t) for t in locals_):
            return f"FREQ=YEARLY;BYMONTH={first.month};BYDAY={ordinal}{_WEEKDAYS[first.weekday()]}"
    return None


def vtimezone(tzid: str, first_year: int, last_year: int, open_ended: bool = False) -> list[str]:
    """The unfolded content lines of a VTIMEZONE for tzid covering first_year..last_year.

    Each kind of observance (offset from, offset to, name, DST or not) becomes one STANDARD or
    DAYLIGHT sub-component. Its DTSTART is the first transition, in local time of the offset before
    it (RFC 5545 3.6.5). The later ones are an RRULE when they follow one yearly rule without a gap
    (kept without UNTIL only for an open-ended series, where the zone's current rule is the best
    prediction), otherwise an RDATE list. A zone without transitions in the span gets a single
    STANDARD at its fixed offset.
    """
    found = transitions(tzid, first_year - 1, last_year)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{tzid}"]
    if not found:
        probe = _dt.datetime(first_year, 7, 1, tzinfo=_dt.timezone.utc).astimezone(zone(tzid))
        off = _offset(probe.utcoffset())
        lines += ["BEGIN:STANDARD", "DTSTART:19700101T000000", f"TZOFFSETFROM:{off}", f"TZOFFSETTO:{off}"]
        lines += [f"TZNAME:{probe.tzname()}"] if probe.tzname() else []
        return lines + ["END:STANDARD", "END:VTIMEZONE"]
    kinds: dict[tuple, list[_dt.datetime]] = {}
    for instant, before, after, name, dst in found:
        kinds.setdefault((before, after, name, dst), []).append((instant + before).replace(tzinfo=None))
    for (before, after, name, dst), locals_ in kinds.items():
        part = "DAYLIGHT" if dst else "STANDARD"
        lines += [f"BEGIN:{part}", f"DTSTART:{locals_[0]:%Y%m%dT%H%M%S}",
                  f"TZOFFSETFROM:{_offset(before)}", f"TZOFFSETTO:{_offset(after)}"]
        rule = _yearly_rule(locals_)
        if rule and open_ended:
            lines.append(f"RRULE:{rule}")
        elif rule:
            # COUNT right after FREQ: the order SOGo rewrites rule parts into (so it stores ours unchanged)
            lines.append("RRULE:" + rule.replace("FREQ=YEARLY;", f"FREQ=YEARLY;COUNT={len(locals_)};"))
        elif len(locals_) > 1:
            lines.append("RDATE:" + ",".join(f"{t:%Y%m%dT%H%M%S}" for t in locals_[1:]))
        lines += [f"TZNAME:{name}"] if name else []
        lines.append(f"END:{part}")
    return lines + ["END:VTIMEZONE"]
