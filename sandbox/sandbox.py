"""The sandbox of `make demo` and of the wave tests: everything a migration wave talks to, on 127.0.0.1.

* two source IMAP servers (real Dovecot): "oldmail" for alpha.test and beta.test, "oldmail-b" for
  gamma.test, each mailbox filled with nasty generated mail (tests/lib/mailgen.py), then the real-world
  fixtures of ../shared/corpus/ where present, in INBOX, Sent and a nested folder;
* the destination: the Mailcow API emulator in front of a third Dovecot (a mailbox created through the
  API becomes an IMAP account there);
* SMTP: a real SMTP server (aiosmtpd, STARTTLS and AUTH) that the notify role sends the users' messages
  through; it keeps each message it accepts in ``smtp-spool/NNNN.eml`` (0600), which `make demo` shows;
* DNS: a BIND primary for the three zones (TSIG-signed UPDATE and AXFR) and a BIND serving the parent
  zone `test.` with their delegations, as dns_propagation needs;
* groupware (``Sandbox(groupware=True)``, the default of ``python -m sandbox run`` and so of `make demo`):
  a real SOGo (tests/servers/sogo.py, with its PostgreSQL and memcached) as Mailcow's groupware, the
  emulator's mailboxes being its users (MailAndSogoBackend); a Radicale as the old provider's
  CardDAV/CalDAV server and the source Dovecots' Pigeonhole ManageSieve, seeded with a few vCards, events
  and a Sieve script for every user but the abandoned box (``state["groupware"]["seeded"]`` counts them).

Every port is a free one. `Sandbox(workdir).start()` writes `workdir/sandbox.json` (0600: it holds the
sandbox's passwords and keys), which the example inventory reads; `stop()` stops every server.
Command line: `python -m sandbox run DIR` (runs until SIGTERM/SIGINT), used by scripts/demo.sh.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import pathlib
import secrets
import signal
import sys
import threading

from tests.lib import mailgen
from tests.lib.collection import ensure_collection_link
from tests.lib.ports import free_port, wait_for_port
from tests.servers.bind import KEY_NAME, BindServer, free_port_on, new_tsig_secret
from tests.servers.dovecot import DovecotServer, TestCA
from tests.servers.mailcow.emulator import MailcowEmulator
from tests.servers.radicale import RadicaleServer
from tests.servers.smtp import SmtpServer
from tests.servers.sogo import MailAndSogoBackend, SogoServer

REPO = pathlib.Path(__file__).resolve().parents[1]
CORPUS = pathlib.Path(os.environ.get("MAILWAVE_CORPUS", REPO.parent / "shared" / "corpus"))
MAILCOW_HOST = "mail.newmail.test"
OLD_MX = "mx1.oldmail.test."
SMTP_USER = "relay@newmail.test"
MX_TTL = 3  # short, so that "wait the old TTL out" is real but quick

DOMAINS = {
    "alpha.test": {"source": "oldmail", "mailboxes": [("anna", "Anna Martin"), ("bruno", "Bruno Petit"),
                                                      ("chloe", "Chloé Durand")]},
    "beta.test": {"source": "oldmail", "mailboxes": [("david", "David Moreau"), ("elise", "Élise Laurent"),
                                                     ("fabien", "Fabien Simon")]},
    "gamma.test": {"source": "oldmail-b", "mailboxes": [("gaelle", "Gaëlle Michel"), ("hugo", "Hugo Lefebvre"),
                                                        ("ines", "Inès Garcia")]},
}
# This box only has old, read mail and never sent anything: the report flags it as abandoned.
ABANDONED = "ines@gamma.test"


def zone_text(domain):
    return f"""$ORIGIN {domain}.
$TTL 300
@        IN SOA ns1.{domain}. hostmaster.{domain}. ( 2026010101 7200 900 1209600 60 )
@        IN NS  ns1.{domain}.
ns1      IN A   127.0.0.1
@     {MX_TTL} IN MX  10 {OLD_MX}
@        IN TXT "v=spf1 include:_spf.oldmail.test ~all"
_dmarc   IN TXT "v=DMARC1; p=none"
autodiscover IN CNAME autodiscover.oldmail.test.
www      IN A   192.0.2.10
"""


def parent_text(domains=None):
    lines = ["$ORIGIN test.", "$TTL 300", "@ IN SOA ns.test. hostmaster.test. ( 1 7200 900 1209600 60 )",
             "@ IN NS ns.test.", "ns IN A 127.0.0.1"]
    for domain in domains or DOMAINS:
        label = domain[:-len(".test")]
        lines += [f"{label} IN NS ns1.{domain}.", f"ns1.{label} IN A 127.0.0.1"]
    return "\n".join(lines) + "\n"


def corpus_messages():
    """The messages (bytes) the boxes are filled from: the generated ones (always), then the shared
    corpus's real-world ones where it is present (an extra check, after them: a small sandbox gets the
    same mail either way)."""
    messages = [m.raw for m in mailgen.generate(count=120, seed=2026, large_bytes=2_000_000)]
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name != "LICENSE" and p.suffix != ".md") \
        if CORPUS.is_dir() else []
    return messages + [p.read_bytes() for p in files if p.stat().st_size > 0]


def scaled_domains(domains, mailboxes):
    """A wave of `domains` domains of `mailboxes` boxes each (d001.test, u01@...), half on each source."""
    return {"d%03d.test" % d: {"source": "oldmail" if d % 2 == 0 else "oldmail-b",
                               "mailboxes": [("u%02d" % b, "User %d-%d" % (d, b)) for b in range(mailboxes)]}
            for d in range(1, domains + 1)}


SCALED_MAX_MESSAGE = 64 * 1024  # a scaled sandbox has small mail: orchestration, not copying, is measured


_MKCOL = ('<?xml version="1.0" encoding="utf-8"?><d:mkcol xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav" '
          'xmlns:cal="urn:ietf:params:xml:ns:caldav"><d:set><d:prop><d:resourcetype><d:collection/>{rtype}'
          "</d:resourcetype><d:displayname>{name}</d:displayname></d:prop></d:set></d:mkcol>")
_PEOPLE = (("Lucie", "Bernard", "+33 6 12 34 56 78"), ("Marc", "Dubois", "+33 6 98 76 54 32"),
           ("Zoé", "Lefèvre", "+32 470 12 34 56"))


def _dav_collection(session, url, kind, name):
    rtype = "<card:addressbook/>" if kind == "addressbook" else "<cal:calendar/>"
    answer = session.request("MKCOL", url, data=_MKCOL.format(rtype=rtype, name=name).encode("utf-8"), timeout=30,
                             headers={"Content-Type": "application/xml; charset=utf-8"})
    if answer.status_code != 201:
        raise RuntimeError(f"MKCOL {url}: {answer.status_code} {answer.text[:200]}")


def groupware_vcard(uid, index, domain):
    first, last, phone = _PEOPLE[index % len(_PEOPLE)]
    return ("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:%s\r\nFN:%s %s\r\nN:%s;%s;;;\r\nEMAIL;TYPE=INTERNET:%s.%s@partner.test\r\n"
            "TEL;TYPE=CELL:%s\r\nORG:Partenaire de %s\r\nEND:VCARD\r\n"
            % (uid, first, last, last, first, first.lower().replace("é", "e"), last.lower().replace("è", "e"), phone, domain))


def groupware_event(uid, index, address):
    # CLASS given and the organizer's CN the SOGo user's (the mailbox address in the sandbox): SOGo adds
    # CLASS:PUBLIC to an event without one and rewrites the organizer's CN, which dav_sync reports as altered
    if index == 0:
        return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Mailwave//sandbox//EN\r\nBEGIN:VEVENT\r\nUID:%s\r\n"
                "DTSTAMP:20261101T090000Z\r\nDTSTART:20261207T090000Z\r\nDTEND:20261207T093000Z\r\n"
                "RRULE:FREQ=WEEKLY;COUNT=10\r\nSUMMARY:Point d'équipe\r\nCLASS:PUBLIC\r\nORGANIZER;CN=%s:mailto:%s\r\n"
                "ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:collegue@partner.test\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
                % (uid, address, address))
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Mailwave//sandbox//EN\r\nBEGIN:VEVENT\r\nUID:%s\r\n"
            "DTSTAMP:20261101T090000Z\r\nDTSTART;VALUE=DATE:20261224\r\nDTEND;VALUE=DATE:20261225\r\n"
            "SUMMARY:Congés\r\nCLASS:PRIVATE\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n" % uid)


def sieve_script(domain):
    return ('require ["fileinto"];\r\n# lists of %s into their folder\r\nif header :contains "list-id" "annonces.%s" {\r\n'
            '  fileinto "Listes";\r\n}\r\n' % (domain, domain))


class Sandbox:
    def __init__(self, workdir, messages_per_box=None, domains=None, mailboxes=None, groupware=False):
        """domains, mailboxes: a scaled wave (see scaled_domains) instead of the example's 3 x 3.
        groupware: also SOGo (destination), Radicale and ManageSieve (sources), seeded (see the module doc)."""
        self.dir = pathlib.Path(workdir)
        self.groupware = groupware
        self._sogo = self._radicale = None
        self.messages_per_box = messages_per_box
        self.scaled = bool(domains or mailboxes)
        self.domains = scaled_domains(domains or 3, mailboxes or 3) if self.scaled else DOMAINS
        self.servers = []
        self.state = {}

    # ------------------------------------------------------------------ lifecycle
    def start(self):
        self.dir.mkdir(parents=True, exist_ok=True)
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self):
        ca = TestCA(self.dir / "ca")
        sources = {}
        for name in ("oldmail", "oldmail-b"):
            server = DovecotServer(self.dir / name, ca=ca, managesieve=self.groupware)
            self.servers.append(server)
            sources[name] = server.start()
        dest = DovecotServer(self.dir / "newmail", ca=ca)
        self.servers.append(dest)
        dest.start()
        backend = dest
        if self.groupware:
            # Mailcow's SOGo: a mailbox made through the API becomes a SOGo user (as _sogo_static_view does)
            self._sogo = SogoServer()
            self.servers.append(self._sogo)
            self._sogo.start()
            backend = MailAndSogoBackend(dest, self._sogo)
            self._radicale = RadicaleServer(self.dir / "olddav")
            self.servers.append(self._radicale)
            self._radicale.start()
        api_key = "MW-" + secrets.token_hex(16)
        mailcow = MailcowEmulator(port=free_port(), rw_keys=[api_key], ro_keys=["RO-" + secrets.token_hex(16)],
                                  hostname=MAILCOW_HOST, backend=backend, source_ca_file=ca.ca_file,
                                  runner_interval=2)  # Mailcow's sync-job runner (cron: every minute)
        self.servers.append(mailcow)
        mailcow.start()
        wait_for_port(mailcow.port)

        secret = new_tsig_secret()
        dns_port = free_port_on(("127.0.0.1",))
        zones = {d + ".": (zone_text(d), "primary") for d in self.domains}
        primary = BindServer(self.dir / "dns-primary", "127.0.0.1", dns_port, secret, zones)
        self.servers.append(primary)
        primary.start()
        parent_port = free_port_on(("127.0.0.1",))
        parent = BindServer(self.dir / "dns-parent", "127.0.0.1", parent_port, secret,
                            {"test.": (parent_text(self.domains), "static")})
        self.servers.append(parent)
        parent.start()

        smtp_password = secrets.token_urlsafe(12)
        smtp = SmtpServer(ca=ca, security="starttls", users={SMTP_USER: smtp_password},
                          spool_dir=self.dir / "smtp-spool")
        self.servers.append(smtp)
        smtp.start()

        domains = self._fill(sources)
        groupware = self._fill_groupware(sources, domains, ca) if self.groupware else None
        self.state = {
            "dir": str(self.dir),
            "ca_file": ca.ca_file,
            "sources": {name: {"host": s.host, "port": s.port_tls, "security": "tls", "ca_file": ca.ca_file}
                        for name, s in sources.items()},
            # the same servers' STARTTLS ports (a provider preset such as OVH's is STARTTLS on 143)
            "source_starttls_ports": {name: s.port for name, s in sources.items()},
            "destination": {"host": dest.host, "port": dest.port_tls, "security": "tls", "ca_file": ca.ca_file},
            "mailcow": {"api_url": mailcow.url, "api_key": api_key, "validate_certs": False},
            "mailcow_host": MAILCOW_HOST,
            "dns": {"provider": "rfc2136", "server": "127.0.0.1", "port": dns_port, "key_name": KEY_NAME,
                    "key_secret": secret, "key_algorithm": "hmac-sha256"},
            "dns_parent": {"server": "127.0.0.1", "port": parent_port},
            "smtp": {"host": smtp.host, "port": smtp.port, "security": "starttls", "username": SMTP_USER,
                     "password": smtp_password, "ca_file": ca.ca_file},
            "old_mx": OLD_MX,
            "domains": domains,
        }
        if groupware:
            self.state["groupware"] = groupware
        path = self.dir / "sandbox.json"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(self.state, handle, indent=2, sort_keys=True)
        self._sources, self._dest, self._mailcow, self._dns = sources, dest, mailcow, primary
        self._smtp = smtp

    def stop(self):
        for server in reversed(self.servers):
            try:
                server.stop()
            except Exception as exc:  # pylint: disable=broad-except
                print("sandbox: stopping %s: %s" % (type(server).__name__, exc), file=sys.stderr)
        self.servers = []

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ------------------------------------------------------------------ content
    def _fill(self, sources):
        messages = corpus_messages()
        if self.scaled:
            messages = [m for m in messages if len(m) <= SCALED_MAX_MESSAGE]
        boxes = [(d, local, name) for d, spec in self.domains.items() for local, name in spec["mailboxes"]]
        per_box = self.messages_per_box or max(3, len(messages) // len(boxes))
        now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        domains = {}
        for index, (domain, local, name) in enumerate(boxes):
            address = f"{local}@{domain}"
            password = secrets.token_urlsafe(12).replace("-", "x").replace("_", "y")
            server = sources[self.domains[domain]["source"]]
            server.add_user(address, password)
            mine = [messages[(index * per_box + i) % len(messages)] for i in range(per_box)]
            old = address == ABANDONED
            base = now - dt.timedelta(days=900 if old else 30)
            folders = {"INBOX": [], "Sent": [], "Projets/2024": []}
            for i, raw in enumerate(mine):
                folder = "INBOX" if old or i % 3 == 0 else ("Sent" if i % 3 == 1 else "Projets/2024")
                flags = ["\\Seen"] if old or i % 2 else []
                if i % 5 == 4:
                    flags.append("$Label1")
                folders[folder].append((raw, flags, base + dt.timedelta(hours=i)))
            total = 0
            for folder, items in folders.items():
                if items:
                    total += server.append_many(address, password, folder, items)
            domains.setdefault(domain, {"source": self.domains[domain]["source"], "mailboxes": []})
            domains[domain]["mailboxes"].append({"address": address, "name": name, "password": password,
                                                 "messages": total})
        return domains

    def _fill_groupware(self, sources, domains, ca):
        """Each user but the abandoned box (an empty DAV account) gets, at the old provider, an address book
        "Contacts" (2 or 3 vCards), a calendar "Agenda" (2 events: a weekly meeting with an attendee, an
        all-day one) in Radicale, and an active Sieve script "tri" over ManageSieve."""
        collections = str(ensure_collection_link())  # the seeding client is the collection's ManageSieve client
        if collections not in sys.path:
            sys.path.insert(0, collections)
        from tests.servers.managesieve import put_scripts  # pylint: disable=import-outside-toplevel

        seeded = {}
        for domain, dom in domains.items():
            for index, box in enumerate(dom["mailboxes"]):
                address = box["address"]
                self._radicale.add_user(address, box["password"])  # the abandoned box: an account, empty
                if address == ABANDONED:
                    seeded[address] = {"contacts": 0, "calendars": 0, "filters": 0}
                    continue
                session = self._radicale.session(address)
                home = self._radicale.home_url(address)
                cards = {f"mw-demo-{address}-card{i}": groupware_vcard(f"mw-demo-{address}-card{i}", i, domain)
                         for i in range(2 + index % 2)}
                events = {f"mw-demo-{address}-event{i}": groupware_event(f"mw-demo-{address}-event{i}", i, address)
                          for i in range(2)}
                for name, kind, title, objects in (("contacts", "addressbook", "Contacts", cards),
                                                   ("agenda", "calendar", "Agenda", events)):
                    _dav_collection(session, f"{home}{name}/", kind, title)
                    for i, data in enumerate(objects.values()):
                        answer = session.put(f"{home}{name}/{i}.{'vcf' if kind == 'addressbook' else 'ics'}",
                                             data=data.encode("utf-8"), timeout=30, headers={
                                                 "Content-Type": "text/vcard" if kind == "addressbook" else "text/calendar"})
                        if answer.status_code not in (201, 204):
                            raise RuntimeError(f"seeding {address} {name}: {answer.status_code} {answer.text[:200]}")
                put_scripts(sources[dom["source"]], address, box["password"], {"tri": sieve_script(domain)},
                            active="tri")
                seeded[address] = {"contacts": len(cards), "calendars": len(events), "filters": 1}
        return {
            "dav_url": self._radicale.base_url,
            "sogo_url": self._sogo.base_url,
            "sieve": {name: {"host": s.host, "port": s.port_sieve, "security": "starttls", "ca_file": ca.ca_file}
                      for name, s in sources.items()},
            "seeded": seeded,
        }

    # ------------------------------------------------------------------ for tests
    def source_server(self, domain):
        return self._sources[self.domains[domain]["source"]]

    @property
    def destination(self):
        return self._dest

    @property
    def mailcow(self):
        return self._mailcow

    @property
    def sogo(self):
        """The SOGo server (groupware sandboxes), or None."""
        return self._sogo

    @property
    def radicale(self):
        """The source Radicale (groupware sandboxes), or None."""
        return self._radicale

    @property
    def smtp(self):
        """The SMTP server; .messages are what it accepted."""
        return self._smtp


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m sandbox", description="Run the sandbox until SIGTERM.")
    parser.add_argument("command", choices=["run"])
    parser.add_argument("dir")
    parser.add_argument("--domains", type=int, help="scaled wave: this many domains (default: the example's 3 x 3)")
    parser.add_argument("--mailboxes", type=int, help="scaled wave: mailboxes per domain")
    parser.add_argument("--messages", type=int, help="messages per mailbox")
    parser.add_argument("--no-groupware", action="store_true",
                        help="no SOGo, Radicale or ManageSieve (contacts, calendars and filters are then not moved)")
    args = parser.parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    sandbox = Sandbox(args.dir, messages_per_box=args.messages, domains=args.domains, mailboxes=args.mailboxes,
                      groupware=not args.no_groupware)
    try:
        sandbox.start()
        print("READY %s" % (pathlib.Path(args.dir) / "sandbox.json"), flush=True)
        stop.wait()
    finally:
        sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
