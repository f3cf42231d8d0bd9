# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-3.0-or-later
"""Graph contacts/events -> vCard/iCalendar, row by row against the fixtures in tests/data/dav/graph.

Shapes: Microsoft Graph v1.0 "event resource type", "contact resource type", "recurrencePattern",
"recurrenceRange", "attendee", "fileAttachment" pages (beta "event resource type" for
cancelledOccurrences / exceptionOccurrences). The VTIMEZONE checks evaluate what we wrote with an
evaluator of their own (below), not with the code under test.
"""
from __future__ import annotations

import base64
import bisect
import copy
import datetime as dt
import functools
import json
import pathlib
import re
import zoneinfo

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._dav import content, graph_zones
from ansible_collections.mailwave.migrate.plugins.module_utils._dav.graph_convert import (
    _esc, contact_to_vcard, event_to_ical, html_to_text, iana_zone, ical_uid)

GRAPH = pathlib.Path(__file__).resolve().parents[5] / "tests" / "data" / "dav" / "graph"
UTC = dt.timezone.utc


def fixture(kind: str, name: str) -> dict:
    return json.loads((GRAPH / kind / f"{name}.json").read_text(encoding="utf-8"))


def convert(name: str, **changes):
    event = fixture("events", name)
    event.update(changes)
    extra = GRAPH / "events" / f"{name}.attachments.json"
    attachments = json.loads(extra.read_text(encoding="utf-8"))["value"] if extra.exists() else None
    text, notes = event_to_ical(event, attachments)
    return text, content.unfold(text), notes


def components(lines: list[str], name: str) -> list[list[str]]:
    """The lines of each top-level-or-nested component called name."""
    found, current, depth = [], None, 0
    for line in lines:
        if line == f"BEGIN:{name}":
            current, depth = [], depth + 1
        elif line == f"END:{name}":
            found.append(current)
            current, depth = None, depth - 1
        elif current is not None:
            current.append(line)
    return found


def own(lines: list[str]) -> list[str]:
    """lines without the nested components (a VEVENT's own properties, not its VALARM's)."""
    out, depth = [], 0
    for line in lines:
        depth += line.startswith("BEGIN:")
        if not depth:
            out.append(line)
        depth -= line.startswith("END:")
    return out


def prop(lines: list[str], name: str) -> list[str]:
    return [line for line in lines if re.match(rf"^{name}[;:]", line)]


# --------------------------------------------------------------- an independent VTIMEZONE evaluator
_WD = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}


def _offset(text: str) -> dt.timedelta:
    sign = -1 if text[0] == "-" else 1
    return sign * dt.timedelta(hours=int(text[1:3]), minutes=int(text[3:5]), seconds=int(text[5:7] or 0))


def _nth_weekday(year: int, month: int, ordinal: int, weekday: int) -> int:
    days = [d for d in range(1, 32) if _valid(year, month, d) and dt.date(year, month, d).weekday() == weekday]
    return days[ordinal - 1] if ordinal > 0 else days[ordinal]


def _valid(year, month, day) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def onsets(vtimezone: list[str], until_year: int = 2045) -> list[tuple[dt.datetime, dt.timedelta]]:
    """[(UTC onset, offset after)] of every observance, expanding RDATE and YEARLY BYMONTH/BYDAY RRULEs."""
    out = []
    for kind in ("STANDARD", "DAYLIGHT"):
        for sub in components(vtimezone, kind):
            values = dict(line.split(":", 1) for line in sub if line.split(":", 1)[0] in (
                "DTSTART", "TZOFFSETFROM", "TZOFFSETTO", "RRULE", "RDATE"))
            start = dt.datetime.strptime(values["DTSTART"], "%Y%m%dT%H%M%S")
            before, after = _offset(values["TZOFFSETFROM"]), _offset(values["TZOFFSETTO"])
            locals_ = [start]
            if "RDATE" in values:
                locals_ += [dt.datetime.strptime(v, "%Y%m%dT%H%M%S") for v in values["RDATE"].split(",")]
            if "RRULE" in values:
                rule = dict(part.split("=") for part in values["RRULE"].split(";"))
                assert rule["FREQ"] == "YEARLY"
                ordinal, weekday = int(rule["BYDAY"][:-2]), _WD[rule["BYDAY"][-2:]]
                count = int(rule.get("COUNT", 10 ** 6))
                locals_ = []
                for year in range(start.year, until_year + 1):
                    day = _nth_weekday(year, int(rule["BYMONTH"]), ordinal, weekday)
                    locals_.append(dt.datetime(year, int(rule["BYMONTH"]), day, start.hour, start.minute, start.second))
                locals_ = locals_[:count]
            out += [((t - before).replace(tzinfo=UTC), after) for t in locals_]
    return sorted(out)


@functools.lru_cache(maxsize=None)
def _table(vtimezone: tuple[str, ...]) -> tuple[list[dt.datetime], list[dt.timedelta]]:
    table = onsets(list(vtimezone))
    return [onset for onset, _after in table], [after for _onset, after in table]


def utc_offset_at(vtimezone: list[str], instant: dt.datetime) -> dt.timedelta:
    starts, offsets = _table(tuple(vtimezone))
    index = bisect.bisect_right(starts, instant)
    assert index, f"{instant} is before every observance"
    return offsets[index - 1]


def local_to_utc(vtimezone: list[str], local: dt.datetime) -> dt.datetime:
    """UTC of a (non-ambiguous) local time: the offset in force at the candidate instant must agree."""
    for candidate in sorted({after for _onset, after in onsets(vtimezone)}):
        instant = (local - candidate).replace(tzinfo=UTC)
        if utc_offset_at(vtimezone, instant) == candidate:
            return instant
    raise AssertionError(f"no offset fits {local}")


# ------------------------------------------------------------------------------- the weekly series
def test_weekly_series_across_dst_rows():
    text, lines, notes = convert("weekly-dst")
    master, exception = components(lines, "VEVENT")
    uid = "040000008200E00074C5B7101A82E00800000000WEEKLY0001"
    assert prop(master, "UID") == prop(exception, "UID") == [f"UID:{uid}"]
    assert prop(master, "DTSTART") == ["DTSTART;TZID=Europe/Paris:20260105T090000"]
    assert prop(master, "DTEND") == ["DTEND;TZID=Europe/Paris:20260105T093000"]
    # endDate 2026-06-29 in Paris, inclusive: its last second, in UTC (RFC 5545 3.3.10 with a TZID DTSTART)
    assert prop(master, "RRULE") == ["RRULE:FREQ=WEEKLY;UNTIL=20260629T215959Z;BYDAY=MO;WKST=MO"]
    # cancelled OID.{master}.2026-02-02: that Monday at the series' 09:00 Paris time
    assert prop(master, "EXDATE") == ["EXDATE;TZID=Europe/Paris:20260202T090000"]
    assert prop(exception, "RECURRENCE-ID") == ["RECURRENCE-ID;TZID=Europe/Paris:20260330T090000"]
    assert prop(exception, "DTSTART") == ["DTSTART;TZID=Europe/Paris:20260330T100000"]
    assert prop(exception, "SUMMARY") == ["SUMMARY:Weekly sync (moved to 10:00)"]
    assert "RRULE" not in "".join(exception)
    assert [prop(alarm, "TRIGGER") for alarm in components(master, "VALARM")] == [["TRIGGER:-PT10M"]]
    assert [prop(tz, "TZID") for tz in components(lines, "VTIMEZONE")] == [["TZID:Europe/Paris"]]
    assert lines[:3] == ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Mailwave//Graph//EN"]
    assert lines[-1] == "END:VCALENDAR"
    assert notes == []
    assert content.uid_of(text) == uid  # one UID for the whole object, as the lead matches by it


def test_dst_crossing_occurrence_from_our_vtimezone_is_0900_paris():
    _text, lines, _notes = convert("weekly-dst")
    vtz = components(lines, "VTIMEZONE")[0]
    # occurrences 13 weeks apart, either side of 2026-03-29 (CET -> CEST): both at 09:00 local
    january = local_to_utc(vtz, dt.datetime(2026, 1, 5, 9, 0))
    april = local_to_utc(vtz, dt.datetime(2026, 1, 5, 9, 0) + dt.timedelta(weeks=13))
    assert january == dt.datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    assert april == dt.datetime(2026, 4, 6, 7, 0, tzinfo=UTC)
    # and the exception's originalStart (UTC, from Graph) is the 09:00 occurrence of 2026-03-30
    assert local_to_utc(vtz, dt.datetime(2026, 3, 30, 9, 0)) == dt.datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    assert april.astimezone(zoneinfo.ZoneInfo("Europe/Paris")).hour == 9


@pytest.mark.parametrize("tzid, first, last, open_ended", [
    ("Europe/Paris", 2026, 2026, False), ("America/Los_Angeles", 2014, 2016, False),
    ("Australia/Sydney", 2026, 2030, True), ("Asia/Tokyo", 2026, 2026, False), ("Pacific/Chatham", 2026, 2036, True),
    ("America/Sao_Paulo", 2017, 2020, False),  # Brazil dropped DST in 2019: no single yearly rule
    ("Africa/Casablanca", 2026, 2027, False)])  # Ramadan-moved transitions: RDATE lists
def test_vtimezone_agrees_with_zoneinfo_hour_by_hour(tzid, first, last, open_ended):
    vtz = content.unfold("".join(content.fold(line) for line in graph_zones.vtimezone(tzid, first, last, open_ended)))
    tz = zoneinfo.ZoneInfo(tzid)
    end = last + 1 if not open_ended else last + 5  # an open-ended rule must hold past the span too
    instant = dt.datetime(first, 1, 1, tzinfo=UTC)
    while instant.year < end:
        assert utc_offset_at(vtz, instant) == instant.astimezone(tz).utcoffset(), (tzid, instant)
        instant += dt.timedelta(hours=5)


def test_vtimezone_is_rfc5545_shaped():
    lines = graph_zones.vtimezone("Europe/Paris", 2026, 2026)
    assert lines[0:2] == ["BEGIN:VTIMEZONE", "TZID:Europe/Paris"] and lines[-1] == "END:VTIMEZONE"
    for kind in ("STANDARD", "DAYLIGHT"):
        (sub,) = components(lines, kind)
        assert [line.split(":")[0] for line in sub][:3] == ["DTSTART", "TZOFFSETFROM", "TZOFFSETTO"]
    assert "TZOFFSETTO:+0200" in components(lines, "DAYLIGHT")[0]
    assert graph_zones.vtimezone("Asia/Kolkata", 2026, 2026)[2:6] == [
        "BEGIN:STANDARD", "DTSTART:19700101T000000", "TZOFFSETFROM:+0530", "TZOFFSETTO:+0530"]


# ------------------------------------------------------------------------- single, all-day, monthly
def test_single_event_rows():
    _text, lines, notes = convert("single")
    (event,) = components(lines, "VEVENT")
    assert prop(event, "UID") == ["UID:040000008200E00074C5B7101A82E00800000000D02AC02D2D1ED2010000000000000000"
                                  "10000000EE7DB8B5C1F4E94BA76D5A6A8E4E4A5B"]
    assert prop(event, "DTSTART") == ["DTSTART;TZID=America/Los_Angeles:20141103T090000"]
    assert prop(event, "DTEND") == ["DTEND;TZID=America/Los_Angeles:20141103T093000"]
    assert prop(event, "DTSTAMP") == ["DTSTAMP:20141031T091203Z"]
    assert prop(event, "CREATED") == ["CREATED:20141030T180626Z"]
    assert prop(event, "LAST-MODIFIED") == ["LAST-MODIFIED:20141031T091203Z"]
    assert prop(event, "SUMMARY") == ["SUMMARY:New Product Regulations Touchpoint"]
    assert prop(event, "LOCATION") == ["LOCATION:Conf Room Rainier"]
    assert prop(event, "TRANSP") == ["TRANSP:OPAQUE"]
    assert prop(event, "CLASS") == ["CLASS:PUBLIC"] and prop(event, "PRIORITY") == ["PRIORITY:5"]
    assert prop(event, "ORGANIZER") == ["ORGANIZER;CN=Engineering:mailto:engineering@M365x214355.onmicrosoft.com"]
    assert not components(event, "VALARM")  # isReminderOn false: reminderMinutesBeforeStart is only a default
    assert notes == []


def test_all_day_rows():
    _text, lines, notes = convert("allday")
    (event,) = components(lines, "VEVENT")
    # 2026-05-13T22:00Z is midnight of the 14th in Berlin: the date is taken in the event's zone
    assert prop(event, "DTSTART") == ["DTSTART;VALUE=DATE:20260514"]
    assert prop(event, "DTEND") == ["DTEND;VALUE=DATE:20260515"]
    assert prop(event, "TRANSP") == ["TRANSP:TRANSPARENT"]
    assert [prop(a, "TRIGGER") for a in components(event, "VALARM")] == [["TRIGGER:-PT1080M"]]
    assert not components(lines, "VTIMEZONE")  # DATE values need none
    assert notes == []


def test_all_day_floating_midnight_and_odd_boundaries():
    floating = {"start": {"dateTime": "2026-05-14T00:00:00.0000000", "timeZone": "UTC"},
                "end": {"dateTime": "2026-05-15T00:00:00.0000000", "timeZone": "UTC"}}
    _text, lines, notes = convert("allday", **floating)
    assert prop(lines, "DTSTART") == ["DTSTART;VALUE=DATE:20260514"] and notes == []
    odd = {"start": {"dateTime": "2026-05-14T10:00:00.0000000", "timeZone": "UTC"},
           "end": {"dateTime": "2026-05-14T10:00:00.0000000", "timeZone": "UTC"}}
    _text, lines, notes = convert("allday", **odd)
    assert prop(lines, "DTSTART") == ["DTSTART;VALUE=DATE:20260514"]
    assert prop(lines, "DTEND") == ["DTEND;VALUE=DATE:20260515"]  # never zero days long
    assert len(notes) == 2 and all("not midnight" in note for note in notes)


def test_relative_monthly_rows():
    _text, lines, notes = convert("relative-monthly")
    assert prop(components(lines, "VEVENT")[0], "DTSTART") == ["DTSTART;TZID=America/New_York:20260130T140000"]
    assert prop(components(lines, "VEVENT")[0], "RRULE") == ["RRULE:FREQ=MONTHLY;COUNT=6;BYDAY=-1FR"]
    assert [prop(tz, "TZID") for tz in components(lines, "VTIMEZONE")] == [["TZID:America/New_York"]]
    assert notes == []


BASE = {"id": "AAMkRule=", "start": {"dateTime": "2026-01-08T09:00:00", "timeZone": "UTC"},
        "end": {"dateTime": "2026-01-08T10:00:00", "timeZone": "UTC"}, "originalStartTimeZone": "UTC",
        "lastModifiedDateTime": "2026-01-01T00:00:00Z"}
NO_END = {"type": "noEnd", "startDate": "2026-01-08"}


@pytest.mark.parametrize("pattern, rng, rrule", [
    ({"type": "daily", "interval": 2}, {"type": "numbered", "numberOfOccurrences": 10}, "FREQ=DAILY;INTERVAL=2;COUNT=10"),
    ({"type": "weekly", "interval": 2, "daysOfWeek": ["tuesday", "thursday"], "firstDayOfWeek": "sunday"}, NO_END,
     "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;WKST=SU"),
    ({"type": "absoluteMonthly", "interval": 3, "dayOfMonth": 15}, NO_END, "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=15"),
    ({"type": "relativeMonthly", "interval": 3, "daysOfWeek": ["thursday", "friday"], "index": "second"}, NO_END,
     "FREQ=MONTHLY;INTERVAL=3;BYDAY=TH,FR;BYSETPOS=2"),
    ({"type": "relativeMonthly", "interval": 1, "daysOfWeek": ["monday"]}, NO_END, "FREQ=MONTHLY;BYDAY=1MO"),
    ({"type": "absoluteYearly", "interval": 3, "dayOfMonth": 15, "month": 3}, NO_END,
     "FREQ=YEARLY;INTERVAL=3;BYMONTH=3;BYMONTHDAY=15"),
    ({"type": "relativeYearly", "interval": 3, "daysOfWeek": ["thursday"], "index": "second", "month": 11}, NO_END,
     "FREQ=YEARLY;INTERVAL=3;BYMONTH=11;BYDAY=2TH"),
    ({"type": "relativeYearly", "interval": 1, "daysOfWeek": ["saturday", "sunday"], "index": "last", "month": 5},
     NO_END, "FREQ=YEARLY;BYMONTH=5;BYDAY=SA,SU;BYSETPOS=-1"),
    ({"type": "daily", "interval": 1}, {"type": "endDate", "startDate": "2026-01-08", "endDate": "2026-01-31"},
     "FREQ=DAILY;UNTIL=20260131T235959Z"),
])
def test_recurrence_pattern_rows(pattern, rng, rrule):
    event = dict(BASE, recurrence={"pattern": pattern, "range": rng})
    text, notes = event_to_ical(event)
    assert prop(components(content.unfold(text), "VEVENT")[0], "RRULE") == [f"RRULE:{rrule}"]
    assert notes == []


def test_recurrence_until_is_a_date_for_all_day_and_unknown_types_are_reported():
    event = dict(BASE, isAllDay=True, start={"dateTime": "2026-01-08T00:00:00", "timeZone": "UTC"},
                 end={"dateTime": "2026-01-09T00:00:00", "timeZone": "UTC"},
                 recurrence={"pattern": {"type": "daily", "interval": 1},
                             "range": {"type": "endDate", "endDate": "2026-01-31"}},
                 cancelledOccurrences=["OID.AAMkRule=.2026-01-10", "garbage"])
    text, notes = event_to_ical(event)
    lines = content.unfold(text)
    assert prop(lines, "RRULE") == ["RRULE:FREQ=DAILY;UNTIL=20260131"]
    assert prop(lines, "EXDATE") == ["EXDATE;VALUE=DATE:20260110"]
    assert notes == ["cancelledOccurrences: 'garbage' has no date we can read, not excluded"]
    text, notes = event_to_ical(dict(BASE, recurrence={"pattern": {"type": "hourly"}, "range": NO_END}))
    assert "RRULE" not in text and len(notes) == 1 and "pattern type 'hourly' unknown" in notes[0]


# ----------------------------------------------------------------------- people, body, attachments
def test_meeting_with_attendees_reminder_and_html_body():
    _text, lines, notes = convert("meeting-html")
    (event,) = components(lines, "VEVENT")
    assert prop(event, "ATTENDEE") == [
        "ATTENDEE;CN=Irvin Sayers;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=TRUE"
        ":mailto:IrvinS@M365x214355.onmicrosoft.com",
        "ATTENDEE;CN=\"Sayers, Irvin 'Jr'\";CUTYPE=INDIVIDUAL;ROLE=OPT-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE"
        ":mailto:irvin.jr@M365x214355.onmicrosoft.com",
        "ATTENDEE;CN=Conf Room Rainier;CUTYPE=RESOURCE;ROLE=NON-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=TRUE"
        ":mailto:Rainier@M365x214355.onmicrosoft.com",
        "ATTENDEE;CN=Alex Wilber;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=DECLINED;RSVP=TRUE"
        ":mailto:AlexW@M365x214355.onmicrosoft.com"]
    assert prop(own(event), "DESCRIPTION") == [
        "DESCRIPTION:New Product Regulations Strategy Online Touchpoint Meeting\\n\\n"
        "You're receiving this message because you're a member of the Engineering group."]
    (alt,) = prop(event, "X-ALT-DESC")
    assert alt.startswith("X-ALT-DESC;FMTTYPE=text/html:<html><head><meta http-equiv=\"Content-Type\" "
                          "content=\"text/html\\; charset=utf-8\"></head><body>")
    assert [prop(a, "TRIGGER") for a in components(event, "VALARM")] == [["TRIGGER:-PT30M"]]
    join = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc%40thread.v2/0?context=%7b%7d"
    assert prop(event, "CONFERENCE") == [f"CONFERENCE;VALUE=URI;FEATURE=VIDEO;LABEL=teamsForBusiness:{join}"]
    assert prop(event, "URL") == [f"URL:{join}"]
    assert prop(event, "CATEGORIES") == ["CATEGORIES:Red category,Project\\; X"]
    assert prop(event, "CLASS") == ["CLASS:PRIVATE"] and prop(event, "PRIORITY") == ["PRIORITY:1"]
    assert prop(event, "TRANSP") == ["TRANSP:OPAQUE"]
    assert prop(event, "X-MICROSOFT-CDO-BUSYSTATUS") == ["X-MICROSOFT-CDO-BUSYSTATUS:TENTATIVE"]
    assert prop(event, "X-MICROSOFT-DISALLOW-COUNTER") == ["X-MICROSOFT-DISALLOW-COUNTER:TRUE"]
    assert notes == [
        "showAs: 'tentative' has no iCalendar equivalent: TRANSP:OPAQUE, kept as X-MICROSOFT-CDO-BUSYSTATUS",
        'onlineMeeting.conferenceId: not converted ("177513992")',
        'onlineMeeting.tollNumber: not converted ("+1 425 555 0100")',
        "responseStatus: the calendar owner's own response 'tentativelyAccepted' is not converted "
        "(Graph does not say which attendee the owner is)"]


def test_html_to_text_drops_markup_and_head():
    assert html_to_text("<html><head><title>t</title><style>p{}</style></head><body><p>a&amp;b&nbsp;c</p>"
                        "<div>line<br>two</div><script>x()</script></body></html>") == "a&b c\n\nline\ntwo"


def test_file_attachment_inline_and_other_kinds_noted():
    _text, lines, notes = convert("attachment")
    (attach,) = prop(lines, "ATTACH")
    head, data = attach.split(":", 1)
    assert head == "ATTACH;FMTTYPE=text/plain;ENCODING=BASE64;VALUE=BINARY;X-FILENAME=budget.txt"
    assert base64.b64decode(data) == "Q1 budget, draft 2\r\nTotal: 1 000 €\r\n".encode("utf-8")
    assert notes == ["attachments: itemAttachment 'Forwarded: budget thread' has no iCalendar form, not converted"]
    _text, notes = event_to_ical(fixture("events", "attachment"))
    assert notes == ["attachments: hasAttachments is true but none were given, none converted"]
    bad = [{"@odata.type": "#microsoft.graph.fileAttachment", "name": "x.bin", "contentBytes": "@@not base64@@"}]
    _text, notes = event_to_ical(fixture("events", "attachment"), bad)
    assert notes == ["attachments: 'x.bin' has no valid base64 contentBytes, not converted"]


# ------------------------------------------------------------------ text, folding, zones, the rest
def test_non_ascii_folding_and_escaping():
    text, lines, notes = convert("non-ascii")
    raw = text.encode("utf-8")
    assert b"\n" not in raw.replace(b"\r\n", b"")  # CRLF only
    for physical in raw.split(b"\r\n")[:-1]:
        assert len(physical) <= 75
        physical.decode("utf-8")  # a fold never splits a UTF-8 sequence
    assert text.endswith("END:VCALENDAR\r\n")
    assert any(len(p.encode()) > 75 for p in lines)  # the description was long enough to fold
    assert prop(lines, "SUMMARY") == ["SUMMARY:Réunion d'équipe — 東京オフィス 🗓"]
    assert prop(lines, "DESCRIPTION")[0].startswith("DESCRIPTION:Ordre du jour : budget\\, recrutement\\; \u201cplanning\u201d —\\n日本")
    assert prop(lines, "DESCRIPTION")[0].endswith("\\nFin.")
    assert prop(lines, "LOCATION") == ["LOCATION:Zürich\\, Bahnhofstraße 1"]
    assert prop(lines, "ORGANIZER") == ['ORGANIZER;CN="Müller, Jörg":mailto:joerg.mueller@contoso.com']
    assert prop(components(lines, "VEVENT")[0], "DTSTART") == ["DTSTART;TZID=Asia/Tokyo:20260407T100000"]
    assert notes == []


def test_text_escaping_rows():
    assert _esc("a\\b;c,d\r\ne\rf\ng") == "a\\\\b\\;c\\,d\\ne\\nf\\ng"
    assert _esc("bell\x07 tab\t") == "bell tab\t"


def test_unknown_and_custom_zones_keep_utc_and_say_so():
    text, notes = event_to_ical(dict(BASE, originalStartTimeZone="tzone://Microsoft/Custom"))
    lines = content.unfold(text)
    assert prop(lines, "DTSTART") == ["DTSTART:20260108T090000Z"]
    assert not components(lines, "VTIMEZONE")
    assert notes == ["originalStartTimeZone: 'tzone://Microsoft/Custom' has no IANA equivalent we know: "
                     "times written in UTC"]
    text, notes = event_to_ical(dict(BASE, originalStartTimeZone="Europe/Paris", originalEndTimeZone="Tokyo Standard Time"))
    lines = content.unfold(text)
    assert prop(components(lines, "VEVENT")[0], "DTSTART") == ["DTSTART;TZID=Europe/Paris:20260108T100000"]
    assert prop(lines, "DTEND") == ["DTEND;TZID=Asia/Tokyo:20260108T190000"]
    assert [prop(tz, "TZID")[0] for tz in components(lines, "VTIMEZONE")] == ["TZID:Asia/Tokyo", "TZID:Europe/Paris"]


def test_every_unconverted_field_is_a_note_and_defaults_are_not():
    event = dict(BASE, webLink="https://outlook.office365.com/owa/?itemid=x", hideAttendees=True, isDraft=False,
                 extensions=[{"id": "ext"}], singleValueExtendedProperties=[], sensitivity="personal",
                 showAs="unknown", isCancelled=True, _source="ignored")
    text, notes = event_to_ical(event)
    assert "STATUS:CANCELLED" in content.unfold(text)
    assert notes == [
        "showAs: 'unknown' has no iCalendar equivalent",
        "sensitivity: 'personal' has no iCalendar equivalent, written as CLASS:PRIVATE",
        'extensions: not converted ([{"id": "ext"}])',
        "hideAttendees: not converted (true)",
        'webLink: not converted ("https://outlook.office365.com/owa/?itemid=x")']


def test_ical_uid_rows():
    assert ical_uid({"id": "AAMk=", "iCalUId": "0400"}) == "0400"
    assert ical_uid({"id": "AAMk=", "iCalUId": None}) == "AAMk="
    with pytest.raises(ValueError):
        event_to_ical({"id": "nostart"})


def test_iana_zone_rows():
    assert iana_zone("Pacific Standard Time") == ("America/Los_Angeles", True)
    assert iana_zone("W. Europe Standard Time") == ("Europe/Berlin", True)
    assert iana_zone("Romance Standard Time") == ("Europe/Paris", True)
    assert iana_zone("UTC") == ("UTC", True) and iana_zone("UTC-11") == ("Etc/GMT+11", True)
    assert iana_zone("Europe/Paris") == ("Europe/Paris", True)
    assert iana_zone("Nowhere Standard Time") == ("UTC", False)
    assert iana_zone("Mars/Olympus_Mons") == ("UTC", False)
    assert iana_zone("tzone://Microsoft/Custom") == ("UTC", False)


def test_windows_table_is_cldr_001_and_loads():
    table = graph_zones._WINDOWS_TZ  # pylint: disable=protected-access
    assert len(table) == 139  # the territory="001" rows of CLDR windowsZones.xml (typeVersion 2021a)
    for windows, iana in table.items():
        zoneinfo.ZoneInfo(iana)
        assert iana_zone(windows)[1]


# -------------------------------------------------------------------------------------- contacts
def test_full_contact_rows():
    text, notes = contact_to_vcard(fixture("contacts", "full"), photo=b"\xff\xd8\xff\xe0 jpeg bytes")
    lines = content.unfold(text)
    assert lines[:5] == ["BEGIN:VCARD", "VERSION:3.0", "UID:AAMkAGI2THk0AAA=", "FN:Pavel Bansky", "N:Bansky;Pavel;Jan;Dr.;Jr."]
    for expected in ["NICKNAME:Pav", "EMAIL:pavelb@contoso.com", "EMAIL:pavel@example.org",
                     "TEL;TYPE=work,voice:+1 732 555 0102", "TEL;TYPE=home,voice:+1 425 555 0100",
                     "TEL;TYPE=cell:+1 732 555 0199", "ORG:Contoso\\; Ltd;Platform\\, Core", "TITLE:Lead Engineer",
                     "ROLE:Engineer", "BDAY:19740722", "ADR;TYPE=home:;;12 Elm St;Seattle;WA;98101;USA",
                     "ADR;TYPE=work:;;1 Main St;Redmond;WA;98052;USA", "ADR:;;;Prague;;;Czechia",
                     "URL;TYPE=work:https://contoso.com/pavel", "IMPP:sip:pavelb@contoso.com",
                     "IMPP:sip:pavel.b@contoso.com", "CATEGORIES:Customers,VIP",
                     "RELATED;TYPE=spouse;VALUE=text:Jana Bansky", "RELATED;TYPE=child;VALUE=text:Eva",
                     "RELATED;TYPE=child;VALUE=text:Tom", "RELATED;TYPE=agent;VALUE=text:Ann Lee",
                     "X-PHONETIC-FIRST-NAME:パベル", "X-PHONETIC-LAST-NAME:バンスキー", "X-PHONETIC-ORG:コントソ",
                     "X-MAILWAVE-INITIALS:P.J.B.", "X-MAILWAVE-FILE-AS:Bansky\\, Pavel",
                     "X-MAILWAVE-OFFICE-LOCATION:Building 4\\, 2nd floor", "X-MAILWAVE-MANAGER:Jan Kowalski",
                     "NOTE:line1\\nline2\\, with comma", "REV:20260211T123000Z"]:
        assert expected in lines, expected
    (photo,) = prop(lines, "PHOTO")
    assert photo.startswith("PHOTO;ENCODING=b;TYPE=JPEG:")  # vCard 3.0's inline form: what SOGo keeps
    assert base64.b64decode(photo.split(":", 1)[1]) == b"\xff\xd8\xff\xe0 jpeg bytes"
    assert lines[-1] == "END:VCARD" and text.endswith("\r\n")
    assert sorted(note.split(":")[0] for note in notes) == sorted([
        "emailAddresses", "profession", "imAddresses", "assistantName", "yomiGivenName", "yomiSurname",
        "yomiCompanyName", "initials", "fileAs", "officeLocation", "manager"])


def test_minimal_and_non_ascii_contacts():
    text, notes = contact_to_vcard(fixture("contacts", "minimal"))
    assert content.unfold(text) == ["BEGIN:VCARD", "VERSION:3.0", "UID:AAMkAGI2TMin0AAA=", "FN:Ann Lee", "N:Lee;Ann;;;",
                                    "END:VCARD"]
    assert notes == []
    text, notes = contact_to_vcard(fixture("contacts", "non-ascii"), photo=b"\x89PNG", photo_type="image/png")
    lines = content.unfold(text)
    assert "FN:Jörg Müller-Lüdenscheidt" in lines and "ADR;TYPE=home:;;Domplatz 1;Köln;NRW;50667;Deutschland" in lines
    assert prop(lines, "PHOTO") == ["PHOTO;ENCODING=b;TYPE=PNG:iVBORw=="]
    for physical in text.encode("utf-8").split(b"\r\n")[:-1]:
        assert len(physical) <= 75
        physical.decode("utf-8")
    assert notes == []


def test_contact_unknown_fields_are_noted():
    _text, notes = contact_to_vcard({"id": "x1", "givenName": "Ann", "surname": "Lee", "someNewField": {"a": 1},
                                     "emptyOne": [], "createdDateTime": "2026-01-01T00:00:00Z"})
    assert notes == ['someNewField: not converted ({"a": 1})']


def test_every_fixture_is_a_graph_object_with_a_source():
    for path in sorted(GRAPH.glob("*/*.json")):
        obj = json.loads(path.read_text(encoding="utf-8"))
        assert obj["_source"].startswith("https://learn.microsoft.com/"), path
        if path.name.endswith(".attachments.json"):
            assert all("@odata.type" in item for item in obj["value"])
        else:
            assert obj["id"], path
            converted = copy.deepcopy(obj)
            if path.parent.name == "events":
                _text, notes = event_to_ical(converted, [] if obj.get("hasAttachments") else None)
            else:
                _text, notes = contact_to_vcard(converted)
            assert not any("_source" in note for note in notes)


def test_all_day_series_exception_and_a_zone_given_by_prefer_header():
    # an all-day series: RECURRENCE-ID and EXDATE take DATE values like its DTSTART (RFC 5545 3.8.4.4)
    day = {"dateTime": "2026-01-04T23:00:00", "timeZone": "UTC"}  # midnight of the 5th in Paris
    series = dict(BASE, isAllDay=True, originalStartTimeZone="Romance Standard Time", start=day,
                  end={"dateTime": "2026-01-05T23:00:00", "timeZone": "UTC"},
                  recurrence={"pattern": {"type": "weekly", "daysOfWeek": ["monday"], "firstDayOfWeek": "monday"},
                              "range": {"type": "numbered", "numberOfOccurrences": 4}},
                  cancelledOccurrences=["OID.AAMkRule=.2026-01-19"],
                  exceptionOccurrences=[{"id": "e1", "isAllDay": True, "originalStart": "2026-01-11T23:00:00Z",
                                         "originalStartTimeZone": "Romance Standard Time", "subject": "moved",
                                         "start": {"dateTime": "2026-01-12T23:00:00", "timeZone": "UTC"},
                                         "end": {"dateTime": "2026-01-13T23:00:00", "timeZone": "UTC"}}])
    text, notes = event_to_ical(series)
    master, exception = components(content.unfold(text), "VEVENT")
    assert prop(master, "DTSTART") == ["DTSTART;VALUE=DATE:20260105"]
    assert prop(master, "RRULE") == ["RRULE:FREQ=WEEKLY;COUNT=4;BYDAY=MO;WKST=MO"]
    assert prop(master, "EXDATE") == ["EXDATE;VALUE=DATE:20260119"]
    assert prop(exception, "RECURRENCE-ID") == ["RECURRENCE-ID;VALUE=DATE:20260112"]
    assert prop(exception, "DTSTART") == ["DTSTART;VALUE=DATE:20260113"]
    assert notes == ["exceptionOccurrences[2026-01-11]: lastModifiedDateTime: missing, DTSTAMP is the start"]
    # with a Prefer: outlook.timezone header Graph gives local times; they are read in that zone
    text, _notes = event_to_ical(dict(BASE, originalStartTimeZone="Romance Standard Time",
                                      start={"dateTime": "2026-07-01T09:00:00.0000000", "timeZone": "Pacific Standard Time"},
                                      end={"dateTime": "2026-07-01T10:00:00.0000000", "timeZone": "Pacific Standard Time"}))
    assert prop(components(content.unfold(text), "VEVENT")[0], "DTSTART") == ["DTSTART;TZID=Europe/Paris:20260701T180000"]


def test_pattern_defaults_come_from_the_local_start():
    # 2026-01-31T23:30Z is Sunday 1 February, 00:30 in Paris: weekday, day and month are the local ones
    event = dict(BASE, originalStartTimeZone="Romance Standard Time",
                 start={"dateTime": "2026-01-31T23:30:00", "timeZone": "UTC"},
                 end={"dateTime": "2026-02-01T00:30:00", "timeZone": "UTC"})
    for pattern, rrule in (({"type": "weekly"}, "FREQ=WEEKLY;BYDAY=SU;WKST=SU"),
                           ({"type": "absoluteYearly"}, "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=1")):
        text, notes = event_to_ical(dict(event, recurrence={"pattern": pattern, "range": NO_END}))
        assert prop(components(content.unfold(text), "VEVENT")[0], "RRULE") == [f"RRULE:{rrule}"]
        assert notes == []
    _text, notes = event_to_ical(dict(BASE, originalStartTimeZone=None,
                                      recurrence={"pattern": {"type": "daily"}, "range": NO_END}))
    assert notes == ["originalStartTimeZone: missing, the series is written in UTC"]


def test_rsvp_follows_response_requested_for_every_attendee():
    event = {"id": "e1", "iCalUId": "u1", "start": {"dateTime": "2026-03-02T08:00:00", "timeZone": "UTC"},
             "attendees": [{"type": "required", "status": {"response": "accepted"},
                            "emailAddress": {"name": "A", "address": "a@x.example"}}]}
    asked = [line for line in content.unfold(event_to_ical(event)[0]) if line.startswith("ATTENDEE")]
    quiet = [line for line in content.unfold(event_to_ical(dict(event, responseRequested=False))[0])
             if line.startswith("ATTENDEE")]
    assert asked == ["ATTENDEE;CN=A;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=TRUE:mailto:a@x.example"]
    assert quiet == [asked[0].replace("RSVP=TRUE", "RSVP=FALSE")]
    assert "CLASS:PUBLIC" in event_to_ical(event)[0]  # no sensitivity: Graph's default, normal
