"""PHP semantics and the envelope every area of the Mailcow API emulator shares.

Mailcow's ``/api/v1`` is PHP (mailcow-dockerized 06424670, spec: ../shared/reference/mailcow-api.md): validation goes
through ``intval``, ``empty()``, ``filter_var`` and ``preg_match`` (spec §2), lists are split on space, comma
and ``;``, and every answer is a :class:`Reply` (spec §1.1; recorded: mailcow-transcripts/06_errors.txt).
"""
from __future__ import annotations

import datetime
import json
import re


MIB = 1048576
TAGGING_LIMIT = 25
DEFAULT_HOSTNAME = "mail.example.org"

_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_EMAIL_RE = re.compile(r"^" + _ATEXT + r"+(?:\." + _ATEXT + r"+)*@"
                       r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9-]{1,63}$")
_LABEL_RE = re.compile(r"^[a-z\d](-*[a-z\d])*$")


def now() -> str:
    return datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S")


def is_valid_domain_name(name) -> bool:
    if not isinstance(name, str) or not name or len(name) > 253:
        return False
    labels = name.lower().split(".")
    return all(label and len(label) <= 63 and _LABEL_RE.match(label) for label in labels)


def is_valid_email(value) -> bool:
    if not isinstance(value, str) or len(value) > 320 or "@" not in value:
        return False
    local = value.rsplit("@", 1)[0]
    return len(local) <= 64 and bool(_EMAIL_RE.match(value))


def intval(value) -> int:
    """PHP intval: leading integer of a string, 0 otherwise."""
    if value is None or value is False:
        return 0
    if value is True:
        return 1
    if isinstance(value, (int, float)):
        return int(value)
    match = re.match(r"\s*([+-]?\d+)", str(value))
    return int(match.group(1)) if match else 0


def php_empty(value) -> bool:
    return value in (None, "", 0, "0", False, [], {}) or (isinstance(value, float) and value == 0.0)


def int_in_range(value, low, high):
    """PHP filter_var FILTER_VALIDATE_INT with a range: the int, or None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        if not re.fullmatch(r"[+-]?(0|[1-9]\d*)", text):
            return None
        number = int(text)
    return number if low <= number <= high else None


def pcre_valid(pattern: str) -> bool:
    """Whether PHP's preg_match('/' . pattern . '/') would accept the pattern (close enough)."""
    if re.search(r"(?<!\\)/", pattern):
        return False  # an unescaped delimiter ends the PHP pattern early
    try:
        re.compile(pattern)
        return True
    except re.error as exc:
        if "global flags" in str(exc):  # PCRE accepts inline flags anywhere
            try:
                re.compile(re.sub(r"\(\?[aiLmsux]+\)", "", pattern))
                return True
            except re.error:
                return False
        return False


def split_list(value):
    if isinstance(value, list):
        items = []
        for item in value:
            items.extend(split_list(item))
        return items
    if value is None:
        return []
    return [part for part in re.split(r"[\s,;]+", str(value)) if part]


def php_round(value: float) -> int:
    return int(value + 0.5) if value >= 0 else -int(-value + 0.5)


class Reply:
    """What the emulator answers: status, content type and body (bytes)."""

    def __init__(self, status=200, body=b"", content_type="application/json"):
        self.status, self.body, self.content_type = status, body, content_type

    @classmethod
    def json(cls, data, status=200, pretty=False, content_type="application/json"):
        if pretty:
            text = json.dumps(data, indent=4, ensure_ascii=False)
        else:
            text = json.dumps(data, separators=(",", ":"))
        return cls(status, text.encode("utf-8"), content_type)

    @classmethod
    def error(cls, status, msg, content_type="application/json"):
        return cls.json({"type": "error", "msg": msg}, status=status, content_type=content_type)


class _Crash(Exception):
    """A PHP exception: the real server answers HTTP 200 with an empty body."""
