# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""The SMTP transport: one connection per batch, TLS verified, authentication when given."""

from __future__ import annotations

import smtplib
import ssl

SECURITY = ("starttls", "tls", "none")


class TransportError(Exception):
    """A failure with what to do next (never holds the password)."""


def tls_context(validate_certs=True, ca_file=None):
    if not validate_certs:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    return ssl.create_default_context(cafile=ca_file)


class SmtpTransport:
    """send(message, sender, recipients) over one SMTP session; use as a context manager."""

    def __init__(self, host, port=None, security="starttls", username=None, password=None,
                 validate_certs=True, ca_file=None, timeout=30, local_hostname=None):
        if security not in SECURITY:
            raise TransportError("smtp.security must be one of %s, not %r" % (", ".join(SECURITY), security))
        self.host, self.security = host, security
        self.port = port or {"starttls": 587, "tls": 465, "none": 25}[security]
        self.username, self.password = username, password
        self.context = tls_context(validate_certs, ca_file)
        self.timeout, self.local_hostname = timeout, local_hostname
        self.client = None

    def _where(self):
        return "%s:%s (%s)" % (self.host, self.port, self.security)

    def __enter__(self):
        try:
            if self.security == "tls":
                client = smtplib.SMTP_SSL(self.host, self.port, local_hostname=self.local_hostname,
                                          timeout=self.timeout, context=self.context)
            else:
                client = smtplib.SMTP(self.host, self.port, local_hostname=self.local_hostname, timeout=self.timeout)
            self.client = client
            client.ehlo()
            if self.security == "starttls":
                if not client.has_extn("starttls"):
                    raise TransportError("%s does not offer STARTTLS; use security: tls for implicit TLS (port "
                                         "465), or fix the server" % self._where())
                client.starttls(context=self.context)
                client.ehlo()
            if self.username:
                if not client.has_extn("auth"):
                    raise TransportError("%s does not offer SMTP AUTH (smtp.username is set); check smtp.security "
                                         "and smtp.port (many servers offer AUTH only over TLS)" % self._where())
                client.login(self.username, self.password or "")
        except ssl.SSLCertVerificationError as exc:
            self.close()
            raise TransportError("the certificate of %s is not trusted (%s); set smtp.ca_file to the CA that signed "
                                 "it" % (self._where(), exc.verify_message)) from None
        except smtplib.SMTPAuthenticationError as exc:
            self.close()
            raise TransportError("%s refused the login of %s (%s %s); check smtp.username and smtp.password"
                                 % (self._where(), self.username, exc.smtp_code, _text(exc.smtp_error))) from None
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            if isinstance(exc, TransportError):
                raise
            raise TransportError("cannot open an SMTP session with %s: %s; check smtp.host, smtp.port and "
                                 "smtp.security" % (self._where(), exc)) from None
        return self

    def send(self, message, sender, recipients):
        """Send; raise TransportError when the server refuses the message or any recipient."""
        try:
            refused = self.client.send_message(message, from_addr=sender, to_addrs=list(recipients))
        except smtplib.SMTPRecipientsRefused as exc:
            raise TransportError("%s refused every recipient: %s" % (self._where(), _refusals(exc.recipients))) from None
        except smtplib.SMTPResponseException as exc:
            raise TransportError("%s refused the message: %s %s"
                                 % (self._where(), exc.smtp_code, _text(exc.smtp_error))) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise TransportError("sending through %s failed: %s" % (self._where(), exc)) from None
        if refused:
            raise TransportError("%s refused some recipients: %s" % (self._where(), _refusals(refused)))

    def close(self):
        if self.client is not None:
            try:
                self.client.quit()
            except (OSError, smtplib.SMTPException):
                try:
                    self.client.close()
                except OSError:
                    pass
            self.client = None

    def __exit__(self, *exc):
        self.close()


def _text(value):
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _refusals(recipients):
    return "; ".join("%s (%s %s)" % (rcpt, code, _text(text)) for rcpt, (code, text) in sorted(recipients.items()))
