# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Send a batch of messages once: plan against the sent-log, then send what is left (or say what would be)."""

from __future__ import annotations

import datetime as dt

from ansible_collections.mailwave.migrate.plugins.module_utils._notify import message as _message
from ansible_collections.mailwave.migrate.plugins.module_utils._notify import sentlog
from ansible_collections.mailwave.migrate.plugins.module_utils._notify.transport import TransportError

KINDS = ("announce", "credentials", "failure", "paused", "other")


def _now():
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def validate(messages):
    """Raise ValueError for what no send could fix: duplicate ids, no recipient, a text without Subject."""
    seen = set()
    for msg in messages:
        if msg["id"] in seen:
            raise ValueError("two messages share the id %r; each message needs its own" % msg["id"])
        seen.add(msg["id"])
        if not msg["to"]:
            raise ValueError("message %r has no recipient (to)" % msg["id"])
        try:
            _message.split_text(msg["text"])
        except _message.MessageError as exc:
            raise ValueError("message %r: %s" % (msg["id"], exc)) from None


def plan(messages, sent):
    """[(message, record or None)]: record is the sent-log's entry when the message was sent already."""
    rows = []
    for msg in messages:
        record = sent.get(msg["id"])
        rows.append((msg, record))
    return rows


def _row(msg, sent_flag, at, action, **extra):
    row = {"id": msg["id"], "kind": msg.get("kind") or "other", "mailbox": msg.get("mailbox"), "to": list(msg["to"]),
           "sent": sent_flag, "at": at, "action": action}
    row.update(extra)
    return row


def run(messages, sender, log_path, check_mode, transport_factory, now=_now):
    """Send each message not in the sent-log; return {"changed", "messages", "errors"}.

    transport_factory() returns a context manager with send(EmailMessage, sender, recipients); it is
    only opened when something is to be sent (and never in check mode). Without one (no SMTP server
    configured) nothing is sent: the messages are recorded as pending, so that the report can say so.
    """
    validate(messages)
    rows, errors = [], []
    with sentlog.locked(log_path):
        sent, pending = sentlog.load_all(log_path)
        pending_before = dict(pending)
        todo = []
        for msg, record in plan(messages, sent):
            if record is not None:
                changed = record.get("digest") != _message.digest(sender, msg["to"], msg["text"])
                rows.append(_row(msg, True, record.get("at"), "already_sent", to=record.get("to", msg["to"]),
                                 changed_since_sent=changed))
            else:
                todo.append(msg)
                rows.append(None)
        if todo and not check_mode:
            if transport_factory is None:
                for msg in todo:
                    msg["_error"] = "no SMTP server given (smtp): the message was not sent"
            else:
                _send_all(todo, sender, log_path, sent, pending, transport_factory, now, errors)
            for msg in todo:
                if msg["id"] not in sent:
                    pending[msg["id"]] = {"to": list(msg["to"]), "kind": msg.get("kind") or "other",
                                          "mailbox": msg.get("mailbox"), "reason": msg.get("_error")}
            sentlog.save(log_path, sent, pending)
    out, queue = [], iter(todo)
    for row in rows:
        if row is not None:
            out.append(row)
            continue
        msg = next(queue)
        record = sent.get(msg["id"])
        if check_mode:
            out.append(_row(msg, False, None, "would_send"))
        elif record is not None:
            out.append(_row(msg, True, record["at"], "sent"))
        else:
            out.append(_row(msg, False, None, "not_sent", error=msg.get("_error")))
    changed = any(r["action"] in ("sent", "would_send") for r in out) or \
        (not check_mode and transport_factory is None and
         {k: v for k, v in pending.items() if k not in sent} != pending_before)
    return {"changed": changed, "messages": out, "errors": errors}


def _send_all(todo, sender, log_path, sent, pending, transport_factory, now, errors):
    try:
        with transport_factory() as transport:
            for msg in todo:
                email_msg = _message.build(sender, msg["to"], msg["text"], now=now().timestamp())
                try:
                    transport.send(email_msg, sender, msg["to"])
                except TransportError as exc:
                    msg["_error"] = str(exc)
                    errors.append("%s: %s" % (msg["id"], exc))
                    continue
                sent[msg["id"]] = {"to": list(msg["to"]), "at": now().isoformat().replace("+00:00", "Z"),
                                   "digest": _message.digest(sender, msg["to"], msg["text"]),
                                   "kind": msg.get("kind") or "other", "mailbox": msg.get("mailbox")}
                sentlog.save(log_path, sent, pending)  # after each message: an interrupted run resumes
    except TransportError as exc:  # the session itself (connect, TLS, login)
        for msg in todo:
            if msg["id"] not in sent and "_error" not in msg:
                msg["_error"] = str(exc)
        errors.append(str(exc))
