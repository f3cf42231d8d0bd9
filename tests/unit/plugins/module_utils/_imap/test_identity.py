"""Message identity: imapsync-compatible keys (anchors 1.1) and the fallback for header-less messages."""
from __future__ import annotations

import base64
import datetime
import hashlib

from ansible_collections.mailwave.migrate.plugins.module_utils._imap import identity as I


def perl_md5_base64(text: bytes) -> str:
    """What Digest::MD5::md5_base64 prints (22 chars, no padding), computed independently."""
    digest = hashlib.md5(text).digest()
    out = base64.b64encode(digest).decode()
    assert out.endswith("==")
    return out[:-2]


def test_simple_message_id_and_received():
    header = (b"Message-ID: <abc.123@example.org>\r\n"
              b"Received: from mx.example.org (mx.example.org [192.0.2.1])\r\n"
              b"\tby mail.example.net with ESMTPS id 42; Mon, 3 Jun 2024 10:00:00 +0200\r\n\r\n")
    expected = perl_md5_base64(
        b"MESSAGE-ID: <ABC.123@EXAMPLE.ORG>"
        b"RECEIVED: FROM MX.EXAMPLE.ORG (MX.EXAMPLE.ORG [192.0.2.1]) BY MAIL.EXAMPLE.NET WITH ESMTPS ID 42; "
        b"MON, 3 JUN 2024 10:00:00 +0200")
    assert I.message_key(header, 1234, None) == expected
    assert len(expected) == 22


def test_several_received_are_sorted_and_field_order_fixed():
    a = b"Received: from b.example\r\nReceived: from a.example\r\nMessage-Id: <x@y>\r\n"
    b = b"Message-Id: <x@y>\r\nReceived: from a.example\r\nReceived: from b.example\r\n"
    expected = perl_md5_base64(b"MESSAGE-ID: <X@Y>RECEIVED: FROM A.EXAMPLERECEIVED: FROM B.EXAMPLE")
    assert I.message_key(a, 1, None) == I.message_key(b, 1, None) == expected


def test_name_case_folding_and_blanks_do_not_matter():
    variants = [
        b"message-id: <Id@Host>\r\n",
        b"MESSAGE-ID:<Id@Host>\r\n",
        b"Message-Id:    <Id@Host>   \r\n",
        b"Message-Id:\r\n <Id@Host>\r\n",
        b"Message-Id: \t<Id@Host>\t\r\n",
    ]
    keys = {I.message_key(v, 10, None) for v in variants}
    assert keys == {perl_md5_base64(b"MESSAGE-ID: <ID@HOST>")}


def test_folded_received_with_tabs_equals_one_line():
    folded = b"Received: from a\r\n\tby b\r\n        with SMTP;\r\n Tue, 1 Jan 2019 00:00:00 +0000\r\n"
    flat = b"Received: from a by b with SMTP; Tue, 1 Jan 2019 00:00:00 +0000\r\n"
    assert I.message_key(folded, 1, None) == I.message_key(flat, 1, None)
    assert I.message_key(flat, 1, None) == perl_md5_base64(b"RECEIVED: FROM A BY B WITH SMTP; TUE, 1 JAN 2019 00:00:00 +0000")


def test_eight_bit_bytes_become_x_per_byte():
    header = "Received: from café.example\r\n".encode("utf-8")
    assert I.message_key(header, 1, None) == perl_md5_base64(b"RECEIVED: FROM CAFXX.EXAMPLE")


def test_size_and_date_not_in_imapsync_key():
    header = b"Message-ID: <same@x>\r\n"
    assert I.message_key(header, 1, None) == I.message_key(header, 99999, datetime.datetime(2020, 1, 1))


def test_other_fields_ignored_for_imapsync_key():
    base = b"Message-ID: <same@x>\r\n"
    more = b"Subject: hello\r\nMessage-ID: <same@x>\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\nFrom: a@b\r\n\r\n"
    assert I.message_key(base, 1, None) == I.message_key(more, 1, None)


def test_perl_greedy_field_name_quirk():
    # Mail::IMAPClient's s/^(\S+)\:\s*// is greedy: "Message-ID:<a:b@c>" is read as a field named
    # "Message-ID:<a", so imapsync sees no Message-Id there; we must do the same to stay compatible.
    assert I.imapsync_key(b"Message-ID:<a:b@c>\r\n") is None
    assert I.imapsync_key(b"Message-ID: <a:b@c>\r\n") == perl_md5_base64(b"MESSAGE-ID: <A:B@C>")


def test_fallback_never_none_and_stable():
    header = b"Date: Mon, 1 Jan 2024 00:00:00 +0000\r\nFrom: Alice <a@example.org>\r\nSubject: draft\r\n\r\n"
    when = datetime.datetime(2024, 1, 1, 12, 0, tzinfo=datetime.timezone.utc)
    key = I.message_key(header, 321, when)
    assert key.startswith("noheader:321:1704110400:")
    assert I.is_fallback(key)
    # Same bytes, same INTERNALDATE expressed in another zone -> same key.
    other_zone = when.astimezone(datetime.timezone(datetime.timedelta(hours=2)))
    assert I.message_key(header, 321, other_zone) == key
    # Naive local time (imapclient's normalise_times) is the same instant too.
    assert I.message_key(header, 321, when.astimezone().replace(tzinfo=None)) == key
    # Different size / date / subject -> different keys.
    assert I.message_key(header, 322, when) != key
    assert I.message_key(header, 321, when + datetime.timedelta(seconds=1)) != key
    assert I.message_key(header.replace(b"draft", b"other"), 321, when) != key


def test_fallback_for_empty_header():
    key = I.message_key(b"", 0, None)
    assert key == "noheader:0::" + hashlib.md5(b"").hexdigest()[:16]
    assert I.message_key(b"\r\n", 0, None) == key


def test_key_from_fetch_any_echo_of_the_item():
    data = {b"BODY[HEADER.FIELDS (MESSAGE-ID RECEIVED DATE FROM SUBJECT)]": b"Message-Id: <k@x>\r\n\r\n",
            b"RFC822.SIZE": 10, b"INTERNALDATE": datetime.datetime(2024, 1, 1)}
    assert I.key_from_fetch(data) == perl_md5_base64(b"MESSAGE-ID: <K@X>")
    data2 = {b"BODY[HEADER.FIELDS (\"MESSAGE-ID\" \"RECEIVED\")]": b"Message-Id: <k@x>\r\n", b"SEQ": 1}
    assert I.key_from_fetch(data2) == I.key_from_fetch(data)
    assert I.key_from_fetch({b"RFC822.SIZE": 5}).startswith("noheader:5:")


def test_fetch_items():
    assert I.HEADER_FETCH_ITEM.startswith(b"BODY.PEEK[HEADER.FIELDS (MESSAGE-ID RECEIVED")
    assert b"RFC822.SIZE" in I.FETCH_ITEMS and b"INTERNALDATE" in I.FETCH_ITEMS
