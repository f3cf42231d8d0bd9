"""The generated corpus (tests/lib/mailgen.py): deterministic, nasty as promised, accepted by a real
Dovecot and carried byte for byte by imap_sync (to a server with another separator)."""
from __future__ import annotations

import collections
import email
import email.policy

import pytest

from tests.lib import mailgen


@pytest.fixture(scope="module")
def generated():
    return mailgen.generate()


def by_kind(messages):
    out = collections.defaultdict(list)
    for m in messages:
        out[m.kind].append(m)
    return out


def header_block(raw):
    return raw.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]


def test_deterministic_from_the_seed(generated):
    assert mailgen.generate() == generated
    other = mailgen.generate(seed=7)
    assert [m.kind for m in other] == [m.kind for m in generated]
    assert [m.raw for m in other] != [m.raw for m in generated]
    assert len(mailgen.generate(count=40, large_bytes=10_000)) == 40


def test_every_kind_is_there_and_is_what_it_says(generated):
    kinds = by_kind(generated)
    assert set(kinds) == set(mailgen.KINDS)
    assert set(m.kind for m in mailgen.generate(count=40, large_bytes=1000)) == set(mailgen.KINDS)
    for m in generated:
        assert b"\0" not in m.raw and b"\r" not in m.raw.replace(b"\r\n", b""), m.kind  # IMAP forbids both
        email.message_from_bytes(m.raw, policy=email.policy.compat32)  # parses (however broken)
    for m in kinds["bare_lf"]:
        assert b"\n" in m.raw and b"\r" not in m.raw
    for m in kinds["mixed_line_ends"]:
        assert b"\r\n" in m.raw and b"\n" in m.raw.replace(b"\r\n", b"")
    for m in kinds["no_final_newline"] + kinds["headers_only"] + kinds["empty_part"]:
        assert not m.raw.endswith(b"\n"), m.kind
    assert all(b"\n\n" not in m.raw.replace(b"\r\n", b"\n") for m in kinds["headers_only"])
    for m in kinds["no_message_id"]:
        assert b"message-id:" not in m.raw.lower()
    shared_ids = [m.raw for m in kinds["shared_message_id"]]
    assert len(shared_ids) >= 2 and len(set(shared_ids)) == len(shared_ids)
    for m in kinds["utf8_headers"]:
        head = header_block(m.raw)
        assert head.decode("utf-8") and any(b > 0x7F for b in head)  # RFC 6532: raw UTF-8 in headers
    for m in kinds["latin1_headers"]:
        head = header_block(m.raw)
        assert b"\xe9" in head
        with pytest.raises(UnicodeDecodeError):
            head.decode("utf-8")
    for m in kinds["broken_date"] + kinds["no_date"]:
        assert email.message_from_bytes(m.raw).get("Date") in (None, "") or \
            _unparsable_or_odd(email.message_from_bytes(m.raw)["Date"])
    assert all(b"Date:" not in m.raw for m in kinds["no_date"])
    assert all(m.raw.count(b"message/rfc822") == 2 for m in kinds["nested_rfc822"])
    assert all(any(len(line) > 998 for line in m.raw.split(b"\r\n")) for m in kinds["long_lines"])
    (large,) = kinds["large_attachment"]
    assert len(large.raw) > 3_000_000 * 4 // 3
    (many,) = kinds["many_keywords"]
    assert len(many.flags) >= 40
    (dup,) = kinds["exact_duplicate"]
    assert (dup.raw, dup.flags, dup.internaldate) == (generated[2].raw, generated[2].flags, generated[2].internaldate)


def _unparsable_or_odd(value):
    import email.utils
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return True
    return parsed.year > 2050 or parsed.year < 100 or parsed.utcoffset() is None


def test_dovecot_accepts_every_message(dovecot, mail_account, generated):
    user, password = mail_account(dovecot)
    dovecot.append_many(user, password, "Generated", [(m.raw, m.flags, m.internaldate) for m in generated])
    got = dovecot.fetch_all(user, password)["Generated"]
    assert len(got) == len(generated)
    for m, (body, flags, date) in zip(generated, got):
        # Dovecot serves bare LF as CRLF (RFC 3501 line ends); every other byte is kept.
        expected = m.raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") if b"\n" in m.raw.replace(b"\r\n", b"") \
            else m.raw
        assert body == expected, m.kind
        assert flags == frozenset(m.flags), m.kind
        assert date == m.internaldate, m.kind


def test_imap_sync_carries_every_message_byte_identical(dovecot, dovecot_dot, mail_account, run_module, generated):
    src, dst = mail_account(dovecot), mail_account(dovecot_dot)
    dovecot.append_many(*src, "Clients/Été", [(m.raw, m.flags, m.internaldate) for m in generated])
    result = run_module("imap_sync", {"source": dovecot.settings(*src), "destination": dovecot_dot.settings(*dst)})
    assert not result.failed, result.get("msg")
    assert result["totals"]["copied"] == len(generated) and result["totals"]["errors"] == 0
    before = dovecot.fetch_all(*src)["Clients/Été"]
    after = dovecot_dot.fetch_all(*dst)["Clients.Été"]
    assert collections.Counter((b, tuple(sorted(f)), d.timestamp()) for b, f, d in after) == \
        collections.Counter((b, tuple(sorted(f)), d.timestamp()) for b, f, d in before)
