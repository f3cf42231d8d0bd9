#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: mail_send
short_description: Send rendered messages by SMTP, each one once
version_added: 0.1.0
description:
  - Sends each message (a rendered text starting with a C(Subject:) line) by SMTP, with STARTTLS or implicit
    TLS (certificate verified) and authentication, as UTF-8 mail with an C(Auto-Submitted) header (RFC 3834).
  - Idempotent through a sent-log (a 0600 JSON file, O(sent_log)) that records each message's O(messages[].id),
    recipients and time, never its text. A message whose id is in the log is not sent again, even when its
    text changed (the result says C(changed_since_sent)); give it a new id to send it again.
  - The log is written after each message, so an interrupted run sends only what is left. A crash between the
    server's acceptance and that write can send that one message twice; nothing is ever left unsent silently.
  - In check mode nothing is sent or written; the result lists what would be sent.
  - The texts are treated as secrets (a credentials message holds a password); they are never returned.
author:
  - Mailwave engineers (@mailwave)
extends_documentation_fragment:
  - mailwave.migrate._attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - The diff lists the messages that would be sent (id, recipients, subject), never their body.
  idempotent:
    support: full
options:
  smtp:
    description:
      - The SMTP server that relays the messages (the new Mailcow, or any relay that accepts them).
      - Without it nothing is sent; the messages are recorded in the sent-log as pending (C(action=not_sent)), so
        that the wave report says they were not sent, and the task does not fail.
    type: dict
    suboptions:
      host:
        description: Host name or address.
        type: str
        required: true
      port:
        description: Port (default 587 for C(starttls), 465 for C(tls), 25 for C(none)).
        type: int
      security:
        description: C(starttls) (upgrade a plain session), C(tls) (implicit TLS), or C(none) (a local relay only).
        type: str
        choices: [starttls, tls, none]
        default: starttls
      username:
        description: Login for SMTP AUTH; none means no authentication.
        type: str
      password:
        description: Password for SMTP AUTH (Vault).
        type: str
      validate_certs:
        description: Verify the server's certificate and name. Turn off only for a throwaway test server.
        type: bool
        default: true
      ca_file:
        description: CA bundle (PEM) to verify the server with, instead of the system's.
        type: path
      timeout:
        description: Seconds to wait for the server at each step.
        type: int
        default: 30
  from_address:
    description: The sender (C(From) and envelope sender), for example the migration team's address.
    type: str
    required: true
  sent_log:
    description: The sent-log file (created 0600 in a 0700 directory); one per domain of a wave.
    type: path
    required: true
  messages:
    description: The messages.
    type: list
    elements: dict
    required: true
    suboptions:
      id:
        description: What makes the message unique in the sent-log, for example C(announce:anna@example.org).
        type: str
        required: true
      to:
        description: Recipients.
        type: list
        elements: str
        required: true
      text:
        description: A C(Subject:) line, a blank line, then the body (what the notify role's templates render).
        type: str
        required: true
      kind:
        description: What the message is, recorded in the sent-log and the result.
        type: str
        choices: [announce, credentials, failure, paused, other]
        default: other
      mailbox:
        description: The mailbox the message is about, recorded in the sent-log and the result.
        type: str
"""

EXAMPLES = r"""
- name: Announce the migration to each user
  mailwave.migrate.mail_send:
    smtp:
      host: mail.example.net
      port: 587
      security: starttls
      username: migration@example.org
      password: "{{ vault_smtp_password }}"
    from_address: migration@example.org
    sent_log: /srv/wave1/notifications/example.org/sent.json
    messages:
      - id: announce:anna@example.org
        kind: announce
        mailbox: anna@example.org
        to: [anna.martin@gmail.example]
        text: "{{ lookup('ansible.builtin.template', 'announce.en.txt.j2') }}"
"""

RETURN = r"""
messages:
  description: One entry per message, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The message's id.
      type: str
    kind:
      description: announce, credentials, failure, paused or other.
      type: str
    mailbox:
      description: The mailbox it is about.
      type: str
    to:
      description: Recipients (as sent, for a message sent before).
      type: list
      elements: str
    sent:
      description: Whether the message has been sent (in this run or before).
      type: bool
    at:
      description: When it was sent (UTC, ISO 8601), or null.
      type: str
    action:
      description: C(sent) (now), C(already_sent) (by an earlier run), C(would_send) (check mode) or C(not_sent) (see C(error)).
      type: str
    changed_since_sent:
      description: For C(already_sent) only, whether the text or recipients differ from what was sent.
      type: bool
    error:
      description: For C(not_sent) only, why.
      type: str
  sample:
    - {id: "announce:anna@example.org", kind: announce, mailbox: anna@example.org, to: [anna@example.org],
       sent: true, at: "2026-05-04T09:00:02Z", action: sent}
sent:
  description: Number of messages sent in this run (would be, in check mode).
  returned: always
  type: int
  sample: 3
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.mailwave.migrate.plugins.module_utils._notify import engine, message, sentlog
from ansible_collections.mailwave.migrate.plugins.module_utils._notify.transport import SmtpTransport, TransportError


def main():
    module = AnsibleModule(
        argument_spec=dict(
            smtp=dict(type="dict", options=dict(
                host=dict(type="str", required=True),
                port=dict(type="int"),
                security=dict(type="str", choices=["starttls", "tls", "none"], default="starttls"),
                username=dict(type="str"),
                password=dict(type="str", no_log=True),
                validate_certs=dict(type="bool", default=True),
                ca_file=dict(type="path"),
                timeout=dict(type="int", default=30),
            )),
            from_address=dict(type="str", required=True),
            sent_log=dict(type="path", required=True),
            messages=dict(type="list", elements="dict", required=True, options=dict(
                id=dict(type="str", required=True),
                to=dict(type="list", elements="str", required=True),
                text=dict(type="str", required=True, no_log=True),
                kind=dict(type="str", choices=list(engine.KINDS), default="other"),
                mailbox=dict(type="str"),
            )),
        ),
        supports_check_mode=True,
    )
    params = module.params
    smtp = params["smtp"]
    if smtp and smtp["password"] and not smtp["username"]:
        module.fail_json(msg="smtp.password is set but smtp.username is not; give both for SMTP AUTH")

    def transport():
        return SmtpTransport(smtp["host"], smtp["port"], smtp["security"], smtp["username"], smtp["password"],
                             smtp["validate_certs"], smtp["ca_file"], smtp["timeout"])

    try:
        result = engine.run(params["messages"], params["from_address"], params["sent_log"], module.check_mode,
                            transport if smtp else None)
    except (ValueError, sentlog.SentLogError, TransportError) as exc:
        module.fail_json(msg=str(exc))
    except OSError as exc:
        module.fail_json(msg="cannot write the sent-log %s: %s; check that its directory is writable"
                         % (params["sent_log"], exc.strerror or exc))
    rows = result["messages"]
    out = dict(changed=result["changed"], messages=rows,
               sent=sum(1 for r in rows if r["action"] in ("sent", "would_send")))
    if module._diff:
        texts = {m["id"]: m["text"] for m in params["messages"]}
        out["diff"] = {"before": "", "after": "".join(
            "%s -> %s: %s\n" % (r["id"], ", ".join(r["to"]), message.split_text(texts[r["id"]])[0])
            for r in rows if r["action"] in ("sent", "would_send"))}
    if result["errors"]:
        module.fail_json(msg="%d message(s) not sent (the others are recorded in %s; a re-run sends only what is "
                         "left): %s" % (len(result["errors"]), params["sent_log"], "; ".join(result["errors"])), **out)
    module.exit_json(**out)


if __name__ == "__main__":
    main()
