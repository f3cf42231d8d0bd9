# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Microsoft Graph objects to vCard 4.0 (pure: no I/O).

Shapes from the Microsoft Graph v1.0 reference page "contact resource type"
(learn.microsoft.com/graph/api/resources/contact): givenName, surname, displayName,
emailAddresses [{name, address}], businessPhones/homePhones [str], mobilePhone, companyName,
jobTitle, birthday (ISO 8601 dateTime), homeAddress/businessAddress (physicalAddress: street,
city, state, postalCode, countryOrRegion), personalNotes, id, changeKey.
Events (iCalendar) are not converted yet.
"""

from __future__ import annotations

# Fields converted; anything else non-empty is reported per contact, never dropped silently.
_CONVERTED = {"id", "changeKey", "@odata.etag", "@odata.context", "givenName", "surname", "displayName",
              "emailAddresses", "businessPhones", "homePhones", "mobilePhone", "companyName", "jobTitle",
              "birthday", "homeAddress", "businessAddress", "personalNotes", "createdDateTime",
              "lastModifiedDateTime", "parentFolderId"}


def _esc(value: str) -> str:
    return (str(value).replace("\\", "\\\\").replace("\n", "\\n").replace(",", "\\,").replace(";", "\\;"))


def _adr(addr: dict) -> str:
    parts = ["", "", addr.get("street", ""), addr.get("city", ""), addr.get("state", ""),
             addr.get("postalCode", ""), addr.get("countryOrRegion", "")]
    return ";".join(_esc(p or "") for p in parts)


def contact_to_vcard(contact: dict) -> tuple[str, list[str]]:
    """(vCard 4.0 text, [fields without a vCard equivalent]) for one Graph contact."""
    given, family = contact.get("givenName") or "", contact.get("surname") or ""
    fn = contact.get("displayName") or " ".join(p for p in (given, family) if p) or contact.get("id", "")
    lines = ["BEGIN:VCARD", "VERSION:4.0", f"UID:{_esc(contact['id'])}", f"FN:{_esc(fn)}",
             f"N:{_esc(family)};{_esc(given)};;;"]
    for email in contact.get("emailAddresses") or []:
        if email.get("address"):
            lines.append(f"EMAIL:{_esc(email['address'])}")
    for key, kind in (("businessPhones", "work"), ("homePhones", "home")):
        for number in contact.get(key) or []:
            lines.append(f"TEL;TYPE={kind},voice:{_esc(number)}")
    if contact.get("mobilePhone"):
        lines.append(f"TEL;TYPE=cell:{_esc(contact['mobilePhone'])}")
    if contact.get("companyName"):
        lines.append(f"ORG:{_esc(contact['companyName'])}")
    if contact.get("jobTitle"):
        lines.append(f"TITLE:{_esc(contact['jobTitle'])}")
    if contact.get("birthday"):
        lines.append(f"BDAY:{contact['birthday'][:10].replace('-', '')}")
    for key, kind in (("homeAddress", "home"), ("businessAddress", "work")):
        addr = contact.get(key) or {}
        if any(addr.values()):
            lines.append(f"ADR;TYPE={kind}:{_adr(addr)}")
    if contact.get("personalNotes"):
        lines.append(f"NOTE:{_esc(contact['personalNotes'])}")
    lines.append("END:VCARD")
    unconverted = sorted(k for k, v in contact.items() if k not in _CONVERTED and v not in (None, "", [], {}))
    return "\r\n".join(lines) + "\r\n", unconverted


# Windows time-zone names Graph returns in start/end.timeZone, to IANA ids (the CLDR windowsZones
# table's territory "001" rows, common zones only). Unknown names fall back to UTC, reported.
_WINDOWS_TZ = {"UTC": "UTC", "GMT Standard Time": "Europe/London", "W. Europe Standard Time": "Europe/Berlin",
               "Romance Standard Time": "Europe/Paris", "Central Europe Standard Time": "Europe/Budapest",
               "Central European Standard Time": "Europe/Warsaw", "E. Europe Standard Time": "Europe/Chisinau",
               "FLE Standard Time": "Europe/Kiev", "Russian Standard Time": "Europe/Moscow",
               "Eastern Standard Time": "America/New_York", "Central Standard Time": "America/Chicago",
               "Mountain Standard Time": "America/Denver", "Pacific Standard Time": "America/Los_Angeles",
               "India Standard Time": "Asia/Calcutta", "China Standard Time": "Asia/Shanghai",
               "Tokyo Standard Time": "Asia/Tokyo", "AUS Eastern Standard Time": "Australia/Sydney"}


def iana_zone(name: str) -> tuple[str, bool]:
    """(IANA id, known) for a Graph time-zone name; an IANA name passes through, unknown -> ('UTC', False)."""
    if name in _WINDOWS_TZ:
        return _WINDOWS_TZ[name], True
    if "/" in (name or ""):
        return name, True
    return "UTC", False
