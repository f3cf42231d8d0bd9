# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Where a provider keeps an account's address books and calendars (pure: no I/O).

Google (developers.google.com/people/carddav and developers.google.com/workspace/calendar/caldav/v2/guide):
CardDAV at https://www.googleapis.com/carddav/v1/principals/<email>/lists/default/ (one address book,
OAuth2 scope https://www.googleapis.com/auth/carddav), CalDAV per calendar at
https://apidata.googleusercontent.com/caldav/v2/<calendar id>/events/ (scope
https://www.googleapis.com/auth/calendar; the primary calendar's id is the account's address).
"""

from __future__ import annotations

import urllib.parse

GOOGLE_CARDDAV = "https://www.googleapis.com"
GOOGLE_CALDAV = "https://apidata.googleusercontent.com"
GOOGLE_SCOPES = {"addressbook": "https://www.googleapis.com/auth/carddav",
                 "calendar": "https://www.googleapis.com/auth/calendar"}


def _segment(value: str) -> str:
    return urllib.parse.quote(value, safe="@+")


def google_collections(email: str, calendar_ids: list[str] | None = None, origin: str = "") -> dict[str, list[str]]:
    """{'addressbook': [url], 'calendar': [url, ...]}: Google's collection URLs for one account.

    calendar_ids defaults to the primary calendar (the address itself). origin replaces both of
    Google's hosts (a proxy in front of them, or a test server); it keeps the paths.
    """
    email = email.strip()
    if not email or "@" not in email:
        raise ValueError(f"a Google source's user must be the account's address, not {email!r}")
    ids = [c.strip() for c in (calendar_ids or [email]) if c and c.strip()] or [email]
    card = (origin or GOOGLE_CARDDAV).rstrip("/")
    cal = (origin or GOOGLE_CALDAV).rstrip("/")
    return {"addressbook": [f"{card}/carddav/v1/principals/{_segment(email)}/lists/default/"],
            "calendar": [f"{cal}/caldav/v2/{_segment(c)}/events/" for c in dict.fromkeys(ids)]}


def scopes_needed(kinds: list[str]) -> list[str]:
    """The OAuth2 scopes a Google token needs for what is copied (kinds: addressbook/calendar)."""
    return [GOOGLE_SCOPES[k] for k in ("addressbook", "calendar") if k in kinds]
