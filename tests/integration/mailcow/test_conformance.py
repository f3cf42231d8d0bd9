"""Replay every request of every Mailcow transcript, in file order, against ONE fresh emulator.

The transcripts (../shared/reference/mailcow-transcripts/) were recorded in file order against one
fresh Mailcow, so state carries over from file to file; so it does here. Each answer is compared with
the recorded one: HTTP status, then the body (parsed JSON, or the exact bytes when the body is empty).

What is normalised (and nothing else):
- timestamps: string values shaped ``YYYY-MM-DD HH:MM:SS`` (``created``, ``modified``, ``last_run``,
  ``attributes.passwd_update``) become ``<ts>`` on both sides; ``null`` stays ``null``, so whether a
  timestamp is set is still compared;
- DKIM key material: ``pubkey`` and the ``p=`` of ``dkim_txt`` become ``<key>`` (a fresh random key;
  its ``length`` is still compared);
- the recorder's "garbage collector" ``warning`` entries of ``delete/domain`` and ``delete/mailbox``
  are dropped from the expected answer (the transcripts README says production does not send them);
- one recorded body is truncated in the transcript (the read-only GET): compared as a prefix of the
  compact JSON serialisation.
What the recorder did outside the API is redone here, at the same points (transcripts README): it
wrote sync job 1's run result before file 04, and alice's quota usage (123456789 bytes, 4321
messages) before 04's ``GET get/mailbox/alice@migr.test``.
Requests whose header is free text in 06_errors.txt are spelled out in FREE_TEXT below; the key used
for a request is the read-write key unless KEY_OVERRIDES says otherwise.
"""
from __future__ import annotations

import copy
import json
import os
import pathlib
import re
import urllib.parse

import pytest
import requests

from tests.lib.ports import free_port
from tests.servers.mailcow_fixtures import MailcowEmulator


SHARED = pathlib.Path(os.environ.get("MAILWAVE_SHARED", pathlib.Path(__file__).resolve().parents[3].parent / "shared"))
TRANSCRIPTS = SHARED / "reference" / "mailcow-transcripts"
if not TRANSCRIPTS.is_dir():
    pytest.skip("the Mailcow transcripts are absent (looked in %s; set MAILWAVE_SHARED to the directory holding "
                "reference/mailcow-transcripts/)" % TRANSCRIPTS, allow_module_level=True)
RW, RO = "RW-KEY-1234567890", "RO-KEY-1234567890"
TS_RE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")

# header -> (method, path, body bytes or None, content type, key)
FREE_TEXT = {
    "POST add/domain invalid json": ("POST", "/api/v1/add/domain", b'{"domain": "broken.test"', "application/json", RW),
    "POST add/domain form-encoded (no json content-type)": (
        "POST", "/api/v1/add/domain", urllib.parse.urlencode({"attr": '{"domain":"form.test"}'}).encode(),
        "application/x-www-form-urlencoded", RW),
    "no api key GET": ("GET", "/api/v1/get/domain/all", None, None, None),
    "no api key POST": ("POST", "/api/v1/add/domain", b'{"domain":"x.test"}', "application/json", None),
}
# the transcript header does not show the key; the answers (403, and the GET marked with the key) do
KEY_OVERRIDES = {
    ("06_errors.txt", '### POST /api/v1/add/domain  body={"domain":"ro.test"}'): RO,
    ("06_errors.txt", "### GET /api/v1/get/domain/migr.test  body=RO-KEY-1234567890"): RO,
}
TRUNCATED = {("06_errors.txt", "### GET /api/v1/get/domain/migr.test  body=RO-KEY-1234567890")}

SYNCJOB_1_LOG = ("Transfer started...\nExiting with return value 0 (EX_OK: successful termination) "
                 "0/50 nb_errors/max_errors")


def parse_transcript(path):
    """[(header, method, path, body bytes|None, content type, key, status, expected body text)]"""
    text = path.read_text(encoding="utf-8")
    blocks = re.split(r"^(?=### )", text, flags=re.M)
    out = []
    for block in blocks:
        if not block.strip():
            continue
        lines = block.rstrip("\n").split("\n")
        header = lines[0].rstrip()
        title = header[4:].strip()
        if title in FREE_TEXT:
            method, req_path, body, ctype, key = FREE_TEXT[title]
            rest = "\n".join(lines[1:])
            match = re.match(r"^(.*) HTTP (\d{3})$", rest, flags=re.S)
            status, expected = int(match.group(2)), match.group(1)
        else:
            match = re.match(r"^### (GET|POST) (\S+) ?(?: body=(.*))?$", header)
            method, req_path = match.group(1), match.group(2)
            body_text = match.group(3)
            key = RW
            body, ctype = None, None
            if body_text is not None and not body_text.startswith("RO-KEY"):
                body, ctype = body_text.encode(), "application/json"
            status = int(lines[1].split()[1])
            expected = "\n".join(lines[2:])
        key = KEY_OVERRIDES.get((path.name, header), key)
        if expected.startswith("RAW: "):
            expected = ""  # RAW: '' = an empty body
        out.append((header, method, req_path, body, ctype, key, status, expected))
    return out


def normalise(value):
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key == "pubkey" and isinstance(item, str):
                out[key] = "<key>"
            elif key == "dkim_txt" and isinstance(item, str):
                out[key] = re.sub(r"p=[A-Za-z0-9+/=]+", "p=<key>", item)
            else:
                out[key] = normalise(item)
        return out
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, str) and TS_RE.match(value):
        return "<ts>"
    return value


def drop_gc_warnings(value):
    if isinstance(value, list):
        return [e for e in value if not (isinstance(e, dict) and e.get("type") == "warning"
                                         and "garbage collector" in str(e.get("msg")))]
    return value


def all_requests():
    files = sorted(TRANSCRIPTS.glob("*.txt"))
    assert [f.name for f in files] == ["01_domain.txt", "02_mailbox.txt", "03_syncjob.txt", "03b_syncjob.txt",
                                       "04_syncjob_edit.txt", "05_domain_edit.txt", "06_errors.txt"]
    for path in files:
        for index, request in enumerate(parse_transcript(path)):
            yield path.name, index, request


def test_transcripts_parse_completely():
    """Every ### block becomes a request (nothing silently skipped)."""
    for path in sorted(TRANSCRIPTS.glob("*.txt")):
        assert len(parse_transcript(path)) == path.read_text(encoding="utf-8").count("\n### ") + 1


def test_replay_every_transcript_request():
    emulator = MailcowEmulator(port=free_port(), rw_keys=[RW], ro_keys=[RO])
    emulator.start()
    session = requests.Session()
    mismatches, count = [], 0
    try:
        for name, index, (header, method, req_path, body, ctype, key, status, expected) in all_requests():
            if name == "04_syncjob_edit.txt" and index == 0:
                emulator.set_syncjob_result(1, success=1, exit_status="EX_OK", log_text=SYNCJOB_1_LOG)
            if name == "04_syncjob_edit.txt" and "get/mailbox/alice@migr.test" in header:
                emulator.set_usage("alice@migr.test", 123456789, 4321)
            headers = {}
            if key:
                headers["X-API-Key"] = key
            if ctype:
                headers["Content-Type"] = ctype
            answer = session.request(method, emulator.url + req_path, data=body, headers=headers, timeout=30)
            count += 1
            where = "%s #%d %s" % (name, index, header)
            if answer.status_code != status:
                mismatches.append("%s: status %s, recorded %s" % (where, answer.status_code, status))
                continue
            if expected == "" or answer.text == "":
                if answer.text != expected:
                    mismatches.append("%s: body %r, recorded %r" % (where, answer.text[:200], expected[:200]))
                continue
            got = json.loads(answer.text)
            if (name, header) in TRUNCATED:
                compact = json.dumps(got, separators=(",", ":"))
                if not compact.startswith(expected):
                    mismatches.append("%s: %s does not start with %s" % (where, compact[:300], expected))
                continue
            want = normalise(drop_gc_warnings(json.loads(expected)))
            if normalise(copy.deepcopy(got)) != want:
                mismatches.append("%s:\n  got      %s\n  recorded %s" % (
                    where, json.dumps(normalise(got))[:1500], json.dumps(want)[:1500]))
    finally:
        session.close()
        emulator.stop()
    assert count == 108, count
    assert not mismatches, "\n".join(mismatches)
