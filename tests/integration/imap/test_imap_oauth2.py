"""XOAUTH2 logins against a real Dovecot whose oauth2 passdb checks each token at an introspection endpoint.

``dovecot_oauth2`` accepts PLAIN/LOGIN through the usual checkpassword passdb and XOAUTH2/OAUTHBEARER
through Dovecot's oauth2 passdb, which asks ``oauth2_introspection`` about every token (no auth cache).
The modules get only a token (no password); the tests read the mailboxes back with the password, and
check that the endpoint was asked about each token and that Dovecot logged the logins as XOAUTH2, so a
success cannot come through another authentication path.
"""
from __future__ import annotations

import re
import secrets

import pytest

from tests.integration.imap.test_imap_sync import assert_clean, msg, snapshot


def oauth2_settings(server, user, token):
    """A source/destination/server option that logs in with XOAUTH2 only."""
    settings = server.settings(user, "unused")
    del settings["password"]
    settings["oauth2_token"] = token
    return settings


def xoauth2_logins(server, user):
    """How many times Dovecot logged user in with XOAUTH2 (its log)."""
    text = server.log_file.read_text(errors="replace")
    return len(re.findall(r"Login: user=<%s>, method=XOAUTH2," % re.escape(user), text))


def test_imap_sync_with_tokens_on_both_sides(dovecot_oauth2, oauth2_introspection, oauth2_token,
                                             mail_account, run_module):
    server = dovecot_oauth2
    src, dst = mail_account(server), mail_account(server)
    src_token, dst_token = oauth2_token(src[0]), oauth2_token(dst[0])
    assert src_token != dst_token
    server.append_many(*src, "INBOX", [(msg(1), ("\\Seen",), None), (msg(2, size=20000), (), None),
                                       (msg(3), ("\\Flagged", "$Label1"), None)])
    server.append_many(*src, "Projets/Été", [(msg(4), ("\\Answered", "\\Seen"), None), (msg(5), (), None)])
    params = {"source": oauth2_settings(server, src[0], src_token),
              "destination": oauth2_settings(server, dst[0], dst_token)}
    logins_before = xoauth2_logins(server, src[0]), xoauth2_logins(server, dst[0])

    result = run_module("imap_sync", params)
    assert_clean(result, src_token, dst_token, src[1], dst[1])
    assert not result.failed, result.get("msg")
    assert result.changed
    assert result["totals"]["copied"] == 5
    assert result["totals"]["missing"] == 0 and result["totals"]["errors"] == 0
    assert src_token not in str(result) and dst_token not in str(result)
    assert snapshot(server, *dst) == snapshot(server, *src)
    # the tokens were checked by the endpoint, and Dovecot logged both accounts in by XOAUTH2
    assert oauth2_introspection.calls(src_token) >= 1 and oauth2_introspection.calls(dst_token) >= 1
    assert xoauth2_logins(server, src[0]) > logins_before[0]
    assert xoauth2_logins(server, dst[0]) > logins_before[1]

    calls = oauth2_introspection.calls(src_token), oauth2_introspection.calls(dst_token)
    again = run_module("imap_sync", params)
    assert_clean(again, src_token, dst_token)
    assert not again.failed and not again.changed, again.get("msg")
    assert again["totals"]["copied"] == 0 and again["totals"]["skipped"] == 5
    assert src_token not in str(again) and dst_token not in str(again)
    # no auth cache: the second run asked the endpoint again
    assert oauth2_introspection.calls(src_token) > calls[0] and oauth2_introspection.calls(dst_token) > calls[1]


def test_mailbox_info_with_token(dovecot_oauth2, oauth2_introspection, oauth2_token, mail_account, run_module):
    server = dovecot_oauth2
    user, password = mail_account(server)
    token = oauth2_token(user)
    inbox = [(msg(1), ("\\Seen",), None), (msg(2), (), None), (msg(3, size=5000), (), None)]
    server.append_many(user, password, "INBOX", inbox)
    server.append(user, password, "Sent", msg(4), ("\\Seen",))

    result = run_module("imap_mailbox_info", {"server": oauth2_settings(server, user, token)})
    assert_clean(result, token, password)
    assert not result.failed, result.get("msg")
    assert result.changed is False
    folders = result["folders"]
    assert folders["INBOX"]["messages"] == 3 and folders["INBOX"]["unseen"] == 2
    assert folders["INBOX"]["bytes"] == sum(len(m) for m, _f, _d in inbox)
    assert folders["Sent"]["messages"] == 1 and folders["Drafts"]["messages"] == 0
    assert result["totals"]["messages"] == 4
    assert token not in str(result)
    assert oauth2_introspection.calls(token) >= 1


@pytest.mark.parametrize("case", ["unknown", "expired", "other_users"])
def test_wrong_token_fails_cleanly(dovecot_oauth2, oauth2_introspection, oauth2_token, mail_account, run_module,
                                   case):
    """A refused token: a failed login that names the account and never shows the token.

    Dovecot 2.3.19 answers an unknown token (introspection 401) with [UNAVAILABLE] Temporary authentication
    failure, an expired one (200 {"active": false}) or another user's with [AUTHENTICATIONFAILED].
    """
    server = dovecot_oauth2
    src, dst = mail_account(server), mail_account(server)
    server.append(*src, "INBOX", msg(1))
    if case == "unknown":
        bad = "mwtok-" + secrets.token_urlsafe(24)  # never issued
    elif case == "expired":
        bad = oauth2_token(src[0])
        oauth2_introspection.expire(bad)
    else:
        bad = oauth2_token(dst[0])  # valid, but for the destination account
    dst_token = oauth2_token(dst[0])
    params = {"source": oauth2_settings(server, src[0], bad),
              "destination": oauth2_settings(server, dst[0], dst_token)}

    result = run_module("imap_sync", params)
    assert result.failed
    assert_clean(result, bad, dst_token, src[1], dst[1])
    assert "login failed" in result["msg"] and src[0] in result["msg"], result["msg"]
    assert result["error_kind"] == "auth"  # not retried as a passing fault, even when Dovecot says UNAVAILABLE
    assert bad not in str(result) and dst_token not in str(result)
    assert oauth2_introspection.calls(bad) >= 1  # refused by the endpoint, not before
    assert sum(sum(c.values()) for c in snapshot(server, *dst).values()) == 0

    info = run_module("imap_mailbox_info", {"server": oauth2_settings(server, src[0], bad)})
    assert info.failed
    assert_clean(info, bad)
    assert "login failed" in info["msg"] and src[0] in info["msg"], info["msg"]
    assert bad not in str(info)
    assert oauth2_introspection.calls(bad) >= 2
