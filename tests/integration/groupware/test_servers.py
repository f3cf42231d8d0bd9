"""The groupware fixtures themselves: each real server answers as the sync code expects, stops clean."""
from __future__ import annotations

import os
import socket

import requests

from tests.servers.sogo import SogoServer


def _propfind(session, url, depth="1", body=None):
    return session.request("PROPFIND", url, headers={"Depth": depth}, data=body)


def test_sogo_personal_collections_exist_at_first_login(sogo, sogo_account):
    user, password = sogo_account()
    session = requests.Session()
    session.auth = (user, password)
    contacts = _propfind(session, sogo.dav_url(user) + "Contacts/")
    calendars = _propfind(session, sogo.dav_url(user) + "Calendar/")
    assert contacts.status_code == 207 and f"/SOGo/dav/{user}/Contacts/personal/" in contacts.text
    assert calendars.status_code == 207 and f"/SOGo/dav/{user}/Calendar/personal/" in calendars.text
    session.auth = (user, "wrong")
    assert _propfind(session, sogo.dav_url(user) + "Contacts/").status_code == 401
    assert sogo.startup_seconds < 30


def test_sogo_stops_without_leftovers():
    server = SogoServer().start()
    directory, pids = server.dir, [server._sogo.pid, server._memcached.pid]  # pylint: disable=protected-access
    port = server.port
    server.stop()
    assert not directory.exists()
    for pid in pids:
        assert not os.path.exists(f"/proc/{pid}") or "zombie" in open(f"/proc/{pid}/status").read().lower()
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0


def test_radicale_discovery_and_sync_token(radicale, radicale_account):
    user, _password = radicale_account()
    session = radicale.session(user)
    assert session.request("PROPFIND", radicale.base_url + "/.well-known/carddav",
                           allow_redirects=False).status_code in (301, 302)
    made = session.request("MKCOL", radicale.home_url(user) + "book/", data=(
        '<mkcol xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><set><prop><resourcetype><collection/>'
        "<C:addressbook/></resourcetype></prop></set></mkcol>"))
    assert made.status_code == 201
    token = _propfind(session, radicale.home_url(user) + "book/", "0",
                      '<propfind xmlns="DAV:"><prop><sync-token/></prop></propfind>')
    assert token.status_code == 207 and "sync-token>" in token.text


def test_xandikos_defaults(xandikos):
    listing = _propfind(requests.Session(), xandikos.home_url + "contacts/")
    assert listing.status_code == 207 and "/user/contacts/addressbook/" in listing.text


def test_dovecot_managesieve_greets(dovecot_sieve):
    with socket.create_connection(("127.0.0.1", dovecot_sieve.port_sieve), timeout=10) as conn:
        greeting = b""
        while b"\r\nOK" not in greeting and not greeting.startswith(b"OK"):
            greeting += conn.recv(4096)
    assert b'"IMPLEMENTATION" "Dovecot' in greeting and b"vacation" in greeting
