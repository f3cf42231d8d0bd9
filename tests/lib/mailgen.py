"""Realistic, nasty mail, generated in the repository (deterministic from a seed).

The sandbox and the tests fill their IMAP servers with it, so that a fresh clone needs nothing beside
the repository; ``../shared/corpus/`` (real-world fixtures) is an extra check where present.

``generate(count, seed)`` returns ``GeneratedMessage(kind, raw, flags, internaldate)`` items: the kinds
(``KINDS``) are cycled so that any 40 consecutive messages hold every one of them, the content varies
with the seed. What the kinds cover, as mailers in the wild write it:

* line ends: CRLF, bare LF, a mix of both; no final newline; a header block with no body at all;
* headers: raw 8-bit Latin-1, RFC 6532 UTF-8 (addresses and subjects), RFC 2047 encoded words (some
  broken), a 1,500-byte folded References line, a body line longer than 998 bytes;
* identity: no Message-ID, two different messages sharing one Message-ID, an exact duplicate;
* dates: none, impossible ones (31 Feb, 25:61, +9999), free text, two-digit years;
* MIME: multipart/alternative, a boundary that appears in the preamble, no closing boundary, nested
  message/rfc822 two levels deep, a multipart/signed part, quoted-printable with soft breaks, a
  multi-megabyte base64 attachment (``large_bytes``), an unknown charset, an empty part;
* flags: system flags, ``$Forwarded``/``$MDNSent``, and one message with many custom keywords.

No NUL byte and no bare CR: IMAP (RFC 3501) forbids them in a literal, so no server would hold them.
"""
from __future__ import annotations

import base64
import datetime as dt
import random
from typing import NamedTuple

_WORDS = ("migration", "boîte", "réunion", "facture", "project", "planning", "rapport", "bonjour", "update",
          "budget", "serveur", "calendrier", "équipe", "échéance", "contrat", "photos", "voyage", "café")
_PEOPLE = (("Anne-Sophie Lefèvre", "asl"), ("Jürgen Groß", "jgross"), ("Zoë O'Brien", "zoe"),
           ("山田 太郎", "yamada"), ("Ølaf Ærø", "olaf"), ("Bob", "bob"))
KEYWORDS = ("$Forwarded", "$MDNSent", "$Label1", "Work", "NonJunk", "Projet_2019", "Factures")
FLAG_SETS = ((), ("\\Seen",), ("\\Seen", "\\Answered"), ("\\Seen", "\\Flagged", "$Forwarded"),
             ("$Label1", "Work"), ("\\Seen", "$MDNSent"), ("\\Draft",))
MANY_KEYWORDS = tuple("Tag%02d" % i for i in range(40)) + KEYWORDS
_TZS = (dt.timezone(dt.timedelta(hours=1)), dt.timezone(dt.timedelta(hours=-5)), dt.timezone.utc,
        dt.timezone(dt.timedelta(hours=5, minutes=30)))
_BASE_DATE = dt.datetime(2016, 3, 1, 9, 15, 7)


class GeneratedMessage(NamedTuple):
    kind: str
    raw: bytes
    flags: tuple
    internaldate: dt.datetime


class _Writer:
    """One message's building blocks, from one random stream."""

    def __init__(self, rng: random.Random, index: int, large_bytes: int):
        self.rng, self.index, self.large_bytes = rng, index, large_bytes

    def words(self, n: int) -> str:
        return " ".join(self.rng.choice(_WORDS) for _i in range(n))

    def person(self) -> tuple[str, str]:
        name, local = self.rng.choice(_PEOPLE)
        return name, "%s%d@%s" % (local, self.rng.randrange(100), self.rng.choice(("example.net", "exemple.fr")))

    def date(self) -> str:
        when = _BASE_DATE + dt.timedelta(hours=29 * self.index, minutes=self.rng.randrange(60))
        return when.strftime("%a, %d %b %Y %H:%M:%S +0100")

    def headers(self, subject: str, message_id: bool = True, date: str | None = None, extra: str = "") -> str:
        name, addr = self.person()
        lines = ["Return-Path: <%s>" % addr, "From: %s <%s>" % (name.encode("ascii", "replace").decode(), addr),
                 "To: Équipe <equipe@example.org>", "Subject: %s" % subject,
                 "Date: %s" % (self.date() if date is None else date)]
        if message_id:
            lines.append("Message-ID: <gen.%d.%08x@mailgen.test>" % (self.index, self.rng.getrandbits(32)))
        lines.append("MIME-Version: 1.0")
        return "\r\n".join(lines) + "\r\n" + extra

    def paragraph(self, lines: int = 3) -> str:
        return "\r\n".join(self.words(self.rng.randrange(4, 12)) for _i in range(lines)) + "\r\n"

    def boundary(self) -> str:
        return "=_mw_%08x" % self.rng.getrandbits(32)


def _plain(w):
    return (w.headers(w.words(4)) + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit"
            "\r\n\r\n" + w.paragraph(4)).encode("utf-8")


def _bare_lf(w):
    return _plain(w).replace(b"\r\n", b"\n")


def _mixed_line_ends(w):
    raw = _plain(w) + w.paragraph(3).encode()
    return raw.replace(b"\r\n", b"\n", 3)


def _no_final_newline(w):
    return _plain(w).rstrip(b"\r\n")


def _headers_only(w):
    return w.headers("no body at all").rstrip("\r\n").encode()


def _latin1_headers(w):
    text = w.headers("Réunion à %s" % w.words(2), extra="Content-Type: text/plain; charset=iso-8859-1\r\n"
                     "Content-Transfer-Encoding: 8bit\r\nX-Comment: déjà vu, façade, naïve\r\n\r\n")
    return (text + "Voilà le compte rendu, à bientôt.\r\n" + w.paragraph(2)).encode("latin-1", "replace")


def _utf8_headers(w):
    # RFC 6532: UTF-8 in addresses and subjects, unencoded.
    name = w.person()[0]
    values = (name, w.words(2), w.date(), w.index, w.words(3))
    text = ("From: %s <jürgen@bücher.example>\r\nTo: 山田 <山田@例え.テスト>\r\nSubject: 会議 — %s ✓\r\n"
            "Date: %s\r\nMessage-ID: <utf8.%d@mailgen.test>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\nこんにちは %s\r\n") % values
    return text.encode("utf-8")


def _encoded_words(w):
    subject = "=?UTF-8?B?%s?= =?ISO-8859-1?Q?caf=E9_cr=E8me?= =?UTF-8?Q?broken=ZZ?= =?x-unknown?B?////?=" % (
        base64.b64encode(w.words(3).encode()).decode())
    return (w.headers(subject) + "Content-Type: text/plain; charset=x-mac-klingon\r\n\r\n" + w.paragraph(2)).encode()


def _no_message_id(w):
    return (w.headers("sans Message-ID", message_id=False) + "\r\n" + w.paragraph(2)).encode()


def _shared_message_id(w):
    # Two different messages with one Message-ID: a copy that trusts Message-ID drops one of them.
    return (w.headers("same id, other text %d" % w.index, message_id=False) +
            "Message-ID: <shared-id@mailgen.test>\r\n\r\n" + w.paragraph(2)).encode()


def _broken_date(w):
    date = w.rng.choice(("Mon, 31 Feb 2019 25:61:00 +9999", "yesterday, around noon", "Tue, 1 Jan 19 10:00",
                         "", "Thu, 13 Oct 2061 07:00:00 GMT (far future)"))
    return (w.headers("broken date", date=date) + "\r\n" + w.paragraph(1)).encode()


def _no_date(w):
    text = w.headers("no date").replace("\r\nDate: " + w.date(), "")
    return "\r\n".join(line for line in text.split("\r\n") if not line.startswith("Date:")).encode() + \
        b"\r\n" + w.paragraph(1).encode()


def _long_lines(w):
    refs = " ".join("<ref%d.%d@mailgen.test>" % (w.index, i) for i in range(60))
    folded = refs.replace("> <", ">\r\n\t<")
    return (w.headers("long lines", extra="References: %s\r\n\r\n" % folded) + "x" * 1500 + "\r\n" +
            w.paragraph(1)).encode()


def _alternative(w):
    b = w.boundary()
    html = "<html><body><p>%s</p><p>caf=C3=A9 =\r\nsoft break</p></body></html>" % w.words(6)
    return (w.headers("alternative", extra='Content-Type: multipart/alternative; boundary="%s"\r\n\r\n' % b) +
            "This is a multi-part message. --%s is not a boundary here.\r\n--%s\r\n"
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
            "caf=C3=A9 cr=C3=A8me, a line with a soft =\r\nbreak\r\n--%s\r\n"
            "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
            "%s\r\n--%s\r\nContent-Type: text/plain\r\n\r\n--%s--\r\nepilogue\r\n" % (b, b, b, html, b, b)).encode()


def _unclosed_multipart(w):
    b = w.boundary()
    return (w.headers("unclosed", extra="Content-Type: multipart/mixed; boundary=%s\r\n\r\n" % b) +
            "--%s\r\nContent-Type: text/plain\r\n\r\n%s" % (b, w.paragraph(2))).encode()


def _nested_rfc822(w):
    inner = (w.headers("inner (level 2)") + "Content-Type: text/plain; charset=iso-8859-1\r\n\r\n").encode() + \
        "déjà\r\n".encode("latin-1")
    b1, b2 = w.boundary(), w.boundary()
    middle = (w.headers("Fwd: middle (level 1)", extra='Content-Type: multipart/mixed; boundary="%s"\r\n\r\n' % b2)
              + "--%s\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--%s\r\n"
              "Content-Type: message/rfc822\r\n\r\n" % (b2, b2)).encode() + inner + ("\r\n--%s--\r\n" % b2).encode()
    return (w.headers("Fwd: Fwd: outer", extra='Content-Type: multipart/mixed; boundary="%s"\r\n\r\n' % b1) +
            "--%s\r\nContent-Type: text/plain\r\n\r\nforwarded twice\r\n--%s\r\n"
            "Content-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\n" % (b1, b1)).encode() + \
        middle + ("\r\n--%s--\r\n" % b1).encode()


def _signed(w):
    b = w.boundary()
    sig = base64.encodebytes(w.rng.randbytes(256)).decode().replace("\n", "\r\n")
    return (w.headers("signed", extra='Content-Type: multipart/signed; protocol="application/pkcs7-signature"; '
                      'micalg=sha-256; boundary="%s"\r\n\r\n' % b) +
            "--%s\r\nContent-Type: text/plain\r\n\r\n%s--%s\r\nContent-Type: application/pkcs7-signature; "
            "name=smime.p7s\r\nContent-Transfer-Encoding: base64\r\n\r\n%s--%s--\r\n"
            % (b, w.paragraph(2), b, sig, b)).encode()


def _attachment(w, size):
    b = w.boundary()
    data = base64.encodebytes(w.rng.randbytes(size)).replace(b"\n", b"\r\n")
    return (w.headers("pièce jointe (%d KB)" % (size // 1024),
                      extra='Content-Type: multipart/mixed; boundary="%s"\r\n\r\n' % b) +
            "--%s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s--%s\r\n"
            "Content-Type: application/octet-stream; name=\"=?UTF-8?Q?r=C3=A9sum=C3=A9.pdf?=\"\r\n"
            "Content-Disposition: attachment; filename*=UTF-8''r%%C3%%A9sum%%C3%%A9.pdf\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n" % (b, w.paragraph(1), b)).encode() + data + \
        ("--%s--\r\n" % b).encode()


def _small_attachment(w):
    return _attachment(w, w.rng.randrange(20_000, 120_000))


def _large_attachment(w):
    return _attachment(w, w.large_bytes)


def _mbox_from_lines(w):
    return (w.headers("From lines") + "\r\n" + "From the start of a line\r\n>From quoted\r\n" +
            w.paragraph(1) + ".\r\n..\r\n").encode()


def _empty_part(w):
    b = w.boundary()
    return (w.headers("empty part", extra="Content-Type: multipart/mixed; boundary=%s\r\n\r\n" % b) +
            "--%s\r\n\r\n--%s\r\nContent-Type: text/plain\r\n\r\n\r\n--%s--" % (b, b, b)).encode()


# (name, builder): the ordinary kinds, cycled.
_KINDS = (
    ("plain", _plain), ("bare_lf", _bare_lf), ("mixed_line_ends", _mixed_line_ends),
    ("no_final_newline", _no_final_newline), ("headers_only", _headers_only), ("latin1_headers", _latin1_headers),
    ("utf8_headers", _utf8_headers), ("encoded_words", _encoded_words), ("no_message_id", _no_message_id),
    ("shared_message_id", _shared_message_id), ("broken_date", _broken_date), ("no_date", _no_date),
    ("long_lines", _long_lines), ("alternative", _alternative), ("unclosed_multipart", _unclosed_multipart),
    ("nested_rfc822", _nested_rfc822), ("signed", _signed), ("small_attachment", _small_attachment),
    ("mbox_from_lines", _mbox_from_lines), ("empty_part", _empty_part),
)
# Kinds that appear once per `generate` call at most (big or special): at fixed positions.
SPECIAL = ("large_attachment", "many_keywords", "exact_duplicate")
KINDS = tuple(name for name, _make in _KINDS) + SPECIAL


def generate(count: int = 100, seed: int = 2026, large_bytes: int = 3_000_000) -> list[GeneratedMessage]:
    """count messages (>= 3), deterministic for (count, seed, large_bytes).

    The large attachment is message 7, the message with many keywords message 5, and the last message is
    an exact copy (bytes, flags, date) of message 2; the others cycle through the ordinary kinds.
    """
    if count < 3:
        raise ValueError("count must be at least 3")
    rng = random.Random(seed)
    out: list[GeneratedMessage] = []
    ordinary = 0
    for index in range(count):
        date = (_BASE_DATE + dt.timedelta(hours=37 * index, minutes=11 * index)).replace(tzinfo=_TZS[index % 4])
        flags = FLAG_SETS[index % len(FLAG_SETS)]
        writer = _Writer(rng, index, large_bytes)
        if index == count - 1 and count > 3:
            kind, raw, flags, date = "exact_duplicate", out[2].raw, out[2].flags, out[2].internaldate
        elif index == 7:
            kind, raw = "large_attachment", _large_attachment(writer)
        elif index == 5:
            kind, raw, flags = "many_keywords", _plain(writer), MANY_KEYWORDS
        else:
            kind, build = _KINDS[ordinary % len(_KINDS)]
            ordinary += 1
            raw = build(writer)
        out.append(GeneratedMessage(kind, raw, tuple(flags), date))
    return out
