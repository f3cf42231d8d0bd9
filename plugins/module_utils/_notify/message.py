# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Messages to people: built from a rendered text ("Subject: ..." line, blank line, body)."""

from __future__ import annotations

import email.policy
import email.utils
import hashlib
from email.message import EmailMessage


class MessageError(ValueError):
    pass


# The subject line's label, in the languages of the templates ("Objet :" in French typography).
SUBJECT_LABELS = ("subject", "objet", "betreff", "asunto", "oggetto", "assunto", "onderwerp")


def split_text(text):
    """(subject, body) of a rendered message: a first "Subject:" (or "Objet :"...) line, then the body."""
    first, dummy, rest = text.lstrip("\n").partition("\n")
    label, colon, subject = first.partition(":")
    if not colon or label.strip().lower() not in SUBJECT_LABELS:
        raise MessageError("the message text must start with a 'Subject:' line (then a blank line and the body)")
    subject = subject.strip()
    if not subject:
        raise MessageError("the message's Subject line is empty")
    return subject, rest[1:] if rest.startswith("\n") else rest


def digest(sender, recipients, text):
    """What identifies a message's content in the sent-log (the text itself is never stored)."""
    data = "\0".join([sender, ",".join(recipients), text]).encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def build(sender, recipients, text, message_id_domain=None, now=None, extra_headers=None):
    """An EmailMessage (UTF-8 headers and body) ready for SMTP."""
    subject, body = split_text(text)
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Subject"] = subject
    msg["Date"] = email.utils.formatdate(now, localtime=False)
    msg["Message-ID"] = email.utils.make_msgid("mailwave", domain=message_id_domain or sender.rpartition("@")[2])
    # RFC 3834: an automatic message; vacation responders do not answer it.
    msg["Auto-Submitted"] = "auto-generated"
    for name, value in (extra_headers or {}).items():
        msg[name] = value
    msg.set_content(body, charset="utf-8")
    return msg
