"""The DAV corpus files (tests/data/dav/) as the text a server serves.

They are stored with LF line ends (ansible-test's line-endings check); iCalendar and vCard lines end in
CRLF (RFC 5545 3.1, RFC 6350 3.2), so reading puts CRLF back. No file of the corpus holds a bare LF.
"""
from __future__ import annotations

import pathlib

DATA = pathlib.Path(__file__).resolve().parents[1] / "data" / "dav"


def read(path: pathlib.Path) -> str:
    return path.read_bytes().decode("utf-8").replace("\r\n", "\n").replace("\n", "\r\n")
