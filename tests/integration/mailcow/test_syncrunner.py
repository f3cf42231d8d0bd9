"""The emulator's sync-job runner on real Dovecot: re-runs copy nothing twice, even without Message-ID."""
import datetime
import ssl

import imapclient

from tests.servers.mailcow.syncrunner import run_job


def test_rerun_copies_a_message_without_message_id_once(dovecot, dovecot_dot, mail_account, test_ca):
    src_user, src_pw = mail_account(dovecot)
    dst_user, dst_pw = mail_account(dovecot_dot)
    when = datetime.datetime(2020, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    dovecot.append(src_user, src_pw, "INBOX", b"* -text\r\n", internaldate=when)
    dovecot.append(src_user, src_pw, "INBOX", b"Message-ID: <a@x.test>\r\n\r\nhello\r\n", internaldate=when)

    def destination():
        client = imapclient.IMAPClient("127.0.0.1", port=dovecot_dot.port_tls, ssl=True,
                                       ssl_context=ssl.create_default_context(cafile=test_ca.ca_file))
        client.normalise_times = False  # aware datetimes, as the emulator's own Dovecot client gives
        client.login(dst_user, dst_pw)
        return client

    job = dict(host1="127.0.0.1", port1=dovecot.port_tls, enc1="SSL", user1=src_user, password1=src_pw,
               user2=dst_user, exclude="")
    logs = [run_job(job, destination, ca_file=test_ca.ca_file) for dummy in range(3)]
    assert [code for dummy, code, dummy2 in logs] == [0, 0, 0]
    assert "Messages transferred                    : 2" in logs[0][0]
    assert all("Messages skipped                        : 2" in log for log, dummy, dummy2 in logs[1:])
    inbox = dovecot_dot.fetch_all(dst_user, dst_pw)["INBOX"]
    assert sorted(raw for raw, dummy, dummy2 in inbox) == sorted(
        [b"* -text\r\n", b"Message-ID: <a@x.test>\r\n\r\nhello\r\n"])
