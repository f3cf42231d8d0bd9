"""A real Dovecot that is out of room (imap process_limit reached): the login is waited for, not failed,
and when it never comes the error says the server is full, not that the password is wrong."""
from __future__ import annotations

import pytest

from ansible_collections.mailwave.migrate.plugins.module_utils._imap import connection as conn
from tests.servers.dovecot import DovecotServer

pytestmark = pytest.mark.slow

USER, PASSWORD = "busy@example.test", "busy-pass-1"


@pytest.fixture(scope="module")
def full_dovecot(tmp_path_factory, test_ca):
    """A Dovecot whose imap service takes one logged-in client at a time."""
    server = DovecotServer(tmp_path_factory.mktemp("dovecot-full"), ca=test_ca)
    server.add_user(USER, PASSWORD)
    server.start()
    config = server.config_file.read_text(encoding="utf-8")
    assert "process_limit = 1024" in config
    server.config_file.write_text(config.replace("process_limit = 1024", "process_limit = 1"), encoding="utf-8")
    server.doveadm("reload")
    yield server
    server.stop()


def _endpoint(server):
    return conn.Endpoint.from_params(dict(host=server.host, port=server.port_tls, user=USER, password=PASSWORD,
                                          ca_file=server.ca_file, timeout=60), role="source")


def test_login_waits_for_a_free_slot(full_dovecot):
    holder = full_dovecot.client(USER, PASSWORD)  # takes the only imap process
    waits = []

    def sleep(seconds):
        # the first refusal has been seen: free the slot, then let connect() try again
        waits.append(seconds)
        if len(waits) == 1:
            holder.logout()
    client = conn.connect(_endpoint(full_dovecot), sleep=sleep)
    try:
        assert client.select_folder("INBOX", readonly=True)[b"EXISTS"] == 0
    finally:
        conn.close_quietly(client)
    assert waits == [1.0]


def test_a_server_that_stays_full_is_reported_as_full(full_dovecot, monkeypatch):
    holder = full_dovecot.client(USER, PASSWORD)
    monkeypatch.setattr(conn, "BUSY_PATIENCE", 0.0)
    try:
        with pytest.raises(conn.ImapError) as info:
            conn.connect(_endpoint(full_dovecot))
    finally:
        conn.close_quietly(holder)
    assert info.value.kind == "busy" and info.value.transient
    message = str(info.value)
    assert "for want of room, not for the credentials" in message and "copies run at once" in message
    assert PASSWORD not in message and "Check source.user" not in message
