"""Google's CardDAV/CalDAV collection URLs built from the account (no server)."""
from __future__ import annotations

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._dav import providers

ROWS = [
    ("primary calendar by default", "bob@example.org", None, "",
     {"addressbook": ["https://www.googleapis.com/carddav/v1/principals/bob@example.org/lists/default/"],
      "calendar": ["https://apidata.googleusercontent.com/caldav/v2/bob@example.org/events/"]}),
    ("listed calendars, duplicates once, a group calendar id quoted only where needed", "bob@example.org",
     ["bob@example.org", "c_12 ab@group.calendar.google.com", "bob@example.org", " "], "",
     {"addressbook": ["https://www.googleapis.com/carddav/v1/principals/bob@example.org/lists/default/"],
      "calendar": ["https://apidata.googleusercontent.com/caldav/v2/bob@example.org/events/",
                   "https://apidata.googleusercontent.com/caldav/v2/c_12%20ab@group.calendar.google.com/events/"]}),
    ("an origin replaces both hosts, keeps the paths", " a+b@x.test ", [], "http://127.0.0.1:8080/",
     {"addressbook": ["http://127.0.0.1:8080/carddav/v1/principals/a+b@x.test/lists/default/"],
      "calendar": ["http://127.0.0.1:8080/caldav/v2/a+b@x.test/events/"]}),
]


@pytest.mark.parametrize("name,email,ids,origin,expected", ROWS, ids=[r[0] for r in ROWS])
def test_google_collections(name, email, ids, origin, expected):
    assert providers.google_collections(email, ids, origin) == expected


@pytest.mark.parametrize("email", ["", "bob", "  "])
def test_google_user_must_be_an_address(email):
    with pytest.raises(ValueError, match="address"):
        providers.google_collections(email)


def test_scopes_follow_what_is_copied():
    assert providers.scopes_needed(["calendar"]) == ["https://www.googleapis.com/auth/calendar"]
    assert providers.scopes_needed(["calendar", "addressbook"]) == [
        "https://www.googleapis.com/auth/carddav", "https://www.googleapis.com/auth/calendar"]
