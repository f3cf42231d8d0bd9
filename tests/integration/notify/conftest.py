"""Real SMTP servers (tests/servers/smtp.py) for the notification tests, with the suite's throwaway CA."""
from __future__ import annotations

import pytest

from tests.servers.smtp import SmtpServer

SMTP_USER, SMTP_PASSWORD = "relay@example.org", "smtp-pw-Zx81q"


@pytest.fixture
def smtp_server(test_ca):
    """Factory: smtp_server(security="starttls", **kw) -> a started SmtpServer (AUTH as SMTP_USER), stopped after."""
    started = []

    def make(security="starttls", **kw):
        kw.setdefault("users", {SMTP_USER: SMTP_PASSWORD})
        server = SmtpServer(ca=test_ca, security=security, **kw).start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()
