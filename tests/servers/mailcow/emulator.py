"""A Mailcow HTTP API emulator that answers as the recorded transcripts show.

It implements the routes, auth, status codes, defaults, validation, message keys and response shapes of
Mailcow's ``/api/v1`` (mailcow-dockerized 06424670, see ../shared/reference/mailcow-api.md and the
transcripts next to it), quirks included: business errors are HTTP 200 lists of ``{type, log, msg}``,
side-effect entries (``rl_saved``, ``dkim_added``), quotas in MiB in and bytes out, ``{}`` for "not
found", an EMPTY 200 body when a sync job is added without ``exclude`` (and nothing is created), 401
with a text/html content type for a bad key, 403 for a read-only key that writes, 404/405 routing.
The production-only difference listed in the transcripts README is NOT emulated: ``delete/domain`` and
``delete/mailbox`` answer only their ``success`` entry (no "garbage collector" warning).

Optional mail backend: an object with ``add_user(user, password, quota_mb)``, ``remove_user(user)``,
``set_quota(user, quota_mb)`` and ``usage(user) -> {"bytes", "messages"}`` (the test Dovecot,
tests/servers/dovecot.py). When given, creating/deleting a mailbox creates/removes the account there
and quota used / message counts are read from it. Without it, usage comes from ``set_usage()``.

Sync jobs: ``tick()`` is one run of Mailcow's runner (selection logic of imapsync_runner.pl, one job at a
time); with the Dovecot backend a job really copies mail from its source over IMAP (syncrunner.py) and
stores an imapsync-style report as its log; ``runner_interval`` ticks automatically (the CLI: every 60 s).

Test hooks (Python): ``requests`` (every request seen: method, path, action, category, status),
``writes()`` (the add/edit/delete ones), ``set_usage()``, ``set_syncjob_result()``, ``tick()``,
``fail_next_runs()`` (the next runs end with that imapsync status).
Over HTTP (no key needed, only on 127.0.0.1): ``POST /_emulator/tick``, ``GET /_emulator/requests``.

Command line (the demo sandbox starts it as a process; stops on SIGTERM/SIGINT)::

    python -m tests.servers.mailcow.emulator --port N --api-key-file RW_FILE \
        [--read-only-key-file RO_FILE] [--hostname mail.example.org] \
        [--dovecot-config JSON_FILE] [--tls-cert CERT --tls-key KEY] [--info-file F]
        [--source-ca-file CA] [--runner-interval SECONDS]

``--dovecot-config`` names a JSON file ``{"module": "tests.servers.dovecot", "class": "DovecotServer",
"kwargs": {"workdir": "/tmp/sandbox/dovecot"}, "start": false}``: with ``"start": false`` (the default) the
emulator attaches to the Dovecot another process started in that workdir (``DovecotServer.attach``); with
``"start": true`` it constructs and starts its own (and stops it on exit). ``--info-file F`` writes
``{"url", "dovecot": {"host", "port", "port_tls", "ca_file"}}`` as JSON once everything listens. The process then prints ``READY <url>`` on stdout.
"""
from __future__ import annotations

import argparse
import base64
import datetime
import importlib
import ipaddress
import json
import os
import re
import signal
import ssl
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.servers.mailcow import syncrunner

MIB = 1048576
TAGGING_LIMIT = 25
DEFAULT_HOSTNAME = "mail.example.org"

IMAPSYNC_WHITELIST = frozenset("""
authmech1 authmech2 authuser1 authuser2 debugcontent disarmreadreceipts logdir debugcrossduplicates maxsize
minsize minage search noabletosearch pidfile pidfilelocking search1 search2 sslargs1 sslargs2 syncduplicates
usecache synclabels truncmess domino2 expunge1 filterbuggyflags justconnect justfolders maxlinelength useheader
noabletosearch1 nolog prefix1 prefix2 sep1 sep2 nofoldersizesatend justfoldersizes proxyauth1 skipemptyfolders
include subfolder1 subscribed subscribe debug debugimap2 domino1 exchange1 exchange2 justlogin keepalive1
keepalive2 noabletosearch2 noexpunge2 noresyncflags nossl1 nouidexpunge2 syncinternaldates idatefromheader useuid
debugflags debugimap delete1emptyfolders delete2folders gmail2 office1 testslive6 debugimap1 errorsmax tests gmail1
maxmessagespersecond maxbytesafter maxsleep abort resyncflags resynclabels syncacls nosyncacls nousecache office2
testslive debugmemory exitwhenover noid noexpunge1 authmd51 logfile proxyauth2 domain1 domain2 oauthaccesstoken1
oauthaccesstoken2 oauthdirect1 oauthdirect2 folder folderrec folderfirst folderlast nomixfolders authmd52
debugfolders nossl2 ssl2 tls2 notls2 debugssl notls1 inet4 inet6 log showpasswords
""".split())

_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_EMAIL_RE = re.compile(r"^" + _ATEXT + r"+(?:\." + _ATEXT + r"+)*@"
                       r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9-]{1,63}$")
_LABEL_RE = re.compile(r"^[a-z\d](-*[a-z\d])*$")


def now() -> str:
    return datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S")


def is_valid_domain_name(name) -> bool:
    if not isinstance(name, str) or not name or len(name) > 253:
        return False
    labels = name.lower().split(".")
    return all(label and len(label) <= 63 and _LABEL_RE.match(label) for label in labels)


def is_valid_email(value) -> bool:
    if not isinstance(value, str) or len(value) > 320 or "@" not in value:
        return False
    local = value.rsplit("@", 1)[0]
    return len(local) <= 64 and bool(_EMAIL_RE.match(value))


def intval(value) -> int:
    """PHP intval: leading integer of a string, 0 otherwise."""
    if value is None or value is False:
        return 0
    if value is True:
        return 1
    if isinstance(value, (int, float)):
        return int(value)
    match = re.match(r"\s*([+-]?\d+)", str(value))
    return int(match.group(1)) if match else 0


def php_empty(value) -> bool:
    return value in (None, "", 0, "0", False, [], {}) or (isinstance(value, float) and value == 0.0)


def int_in_range(value, low, high):
    """PHP filter_var FILTER_VALIDATE_INT with a range: the int, or None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        if not re.fullmatch(r"[+-]?(0|[1-9]\d*)", text):
            return None
        number = int(text)
    return number if low <= number <= high else None


def pcre_valid(pattern: str) -> bool:
    """Whether PHP's preg_match('/' . pattern . '/') would accept the pattern (close enough)."""
    if re.search(r"(?<!\\)/", pattern):
        return False  # an unescaped delimiter ends the PHP pattern early
    try:
        re.compile(pattern)
        return True
    except re.error as exc:
        if "global flags" in str(exc):  # PCRE accepts inline flags anywhere
            try:
                re.compile(re.sub(r"\(\?[aiLmsux]+\)", "", pattern))
                return True
            except re.error:
                return False
        return False


def split_list(value):
    if isinstance(value, list):
        items = []
        for item in value:
            items.extend(split_list(item))
        return items
    if value is None:
        return []
    return [part for part in re.split(r"[\s,;]+", str(value)) if part]


def php_round(value: float) -> int:
    return int(value + 0.5) if value >= 0 else -int(-value + 0.5)


def make_dkim_key(bits: int):
    """(public key base64 DER, private key PEM) for a fresh RSA key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    pub = key.public_key().public_bytes(serialization.Encoding.DER,
                                        serialization.PublicFormat.SubjectPublicKeyInfo)
    priv = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption())
    return base64.b64encode(pub).decode("ascii"), priv.decode("ascii")


def dkim_length(pubkey: str) -> str:
    size = len(pubkey)
    if size < 391:
        return "1024"
    if size < 564:
        return "2048"
    if size < 736:
        return "3072"
    if size < 1416:
        return "4096"
    return ">= 8192"


class Reply:
    """What the emulator answers: status, content type and body (bytes)."""

    def __init__(self, status=200, body=b"", content_type="application/json"):
        self.status, self.body, self.content_type = status, body, content_type

    @classmethod
    def json(cls, data, status=200, pretty=False, content_type="application/json"):
        if pretty:
            text = json.dumps(data, indent=4, ensure_ascii=False)
        else:
            text = json.dumps(data, separators=(",", ":"))
        return cls(status, text.encode("utf-8"), content_type)

    @classmethod
    def error(cls, status, msg, content_type="application/json"):
        return cls.json({"type": "error", "msg": msg}, status=status, content_type=content_type)


class _Crash(Exception):
    """A PHP exception: the real server answers HTTP 200 with an empty body."""


class MailcowState:
    """Everything a Mailcow instance stores, and the API functions over it."""

    def __init__(self, hostname=DEFAULT_HOSTNAME, backend=None, dkim_bits_override=None):
        self.hostname = hostname
        self.backend = backend
        self.dkim_bits_override = dkim_bits_override  # bits of the automatic key of add/domain (tests)
        self.domains = {}
        self.mailboxes = {}
        self.usage = {}
        self.aliases = {}
        self.alias_seq = 0
        self.syncjobs = {}
        self.syncjob_seq = 0
        self.dkim = {}
        self.rl_domain = {}
        self.rl_mbox = {}
        self.relayhosts = {}
        self.relayhost_seq = 0
        self.transports = {}
        self.transport_seq = 0
        self.password_policy = {"length": "6", "chars": "0", "special_chars": "0", "lowerupper": "0",
                                "numbers": "0"}
        self.failing_runs = []
        self.filters = {}  # id -> row of sieve_filters (see the filters section)
        self.filter_seq = 0
        self.sogo_restarts = 0  # add/domain calls with restart_sogo (tests read it)
        self.sogo_restart_fails = False  # tests: dockerapi could not restart SOGo

    # ---------------------------------------------------------------- helpers
    @staticmethod
    def _entry(kind, log, msg):
        return {"type": kind, "log": log, "msg": msg}

    def _usage_of(self, user):
        if self.backend is not None:
            try:
                usage = self.backend.usage(user)
                return int(usage.get("bytes", 0)), int(usage.get("messages", 0))
            except Exception:  # pylint: disable=broad-except
                return 0, 0
        return self.usage.get(user, (0, 0))

    def _domain_mailboxes(self, domain):
        return [m for m in self.mailboxes.values() if m["domain"] == domain]

    def _domain_aliases(self, domain):
        return [a for a in self.aliases.values() if a["domain"] == domain and not a["self"]]

    def _quota_sum_mib(self, domain, exclude=None):
        return sum(m["quota"] for m in self._domain_mailboxes(domain) if m["username"] != exclude) // MIB

    def _password_check(self, password, password2):
        log = ["password_check", None, None]
        if php_empty(password) or php_empty(password2):
            return self._entry("danger", log, "password_complexity")
        if password != password2:
            return self._entry("danger", log, "password_mismatch")
        password = str(password)
        if re.match(r"^\{[A-Z0-9.-]+\}", password):
            return None
        pol = self.password_policy
        if len(password) < intval(pol["length"]):
            return self._entry("danger", log, "password_complexity")
        checks = [("special_chars", r"[^a-zA-Z\d]"), ("chars", r"[a-zA-Z]"), ("numbers", r"\d")]
        for name, regex in checks:
            if pol.get(name) == "1" and not re.search(regex, password):
                return self._entry("danger", log, "password_complexity")
        if pol.get("lowerupper") == "1" and not (re.search(r"[a-z]", password) and re.search(r"[A-Z]", password)):
            return self._entry("danger", log, "password_complexity")
        return None

    def _ratelimit_set(self, scope, obj, value, frame):
        store = self.rl_domain if scope == "domain" else self.rl_mbox
        if php_empty(value):
            store.pop(obj, None)
        else:
            store[obj] = (str(intval(value)), frame)

    # ---------------------------------------------------------------- domains
    def domain_get(self, name):
        dom = self.domains.get(name)
        if dom is None:
            return None
        mboxes = self._domain_mailboxes(name)
        used_mib = sum(m["quota"] for m in mboxes) // MIB
        max_new = min(dom["maxquota"], dom["quota"] - used_mib)
        def_new = min(dom["defquota"], max_new)
        if mboxes:
            usages = [self._usage_of(m["username"]) for m in mboxes]
            bytes_total = str(sum(u[0] for u in usages))
            msgs_total = str(sum(u[1] for u in usages))
        else:
            bytes_total = msgs_total = 0
        aliases = len(self._domain_aliases(name))
        rl = self.rl_domain.get(name)
        out = {
            "max_new_mailbox_quota": max_new * MIB, "def_new_mailbox_quota": def_new * MIB,
            "quota_used_in_domain": str(used_mib * MIB), "bytes_total": bytes_total, "msgs_total": msgs_total,
            "mboxes_in_domain": len(mboxes), "mboxes_left": dom["mailboxes"] - len(mboxes),
            "domain_name": name, "domain_h_name": name, "description": dom["description"],
            "max_num_aliases_for_domain": dom["aliases"], "max_num_mboxes_for_domain": dom["mailboxes"],
            "def_quota_for_mbox": dom["defquota"] * MIB, "max_quota_for_mbox": dom["maxquota"] * MIB,
            "max_quota_for_domain": dom["quota"] * MIB, "relayhost": str(dom["relayhost"]),
            "backupmx": dom["backupmx"], "backupmx_int": dom["backupmx"], "gal": dom["gal"], "gal_int": dom["gal"],
            "rl": {"value": rl[0], "frame": rl[1]} if rl else False,
            "active": dom["active"], "active_int": dom["active"],
            "relay_all_recipients": dom["relay_all_recipients"],
            "relay_all_recipients_int": dom["relay_all_recipients"],
            "relay_unknown_only": dom["relay_unknown_only"], "relay_unknown_only_int": dom["relay_unknown_only"],
            "created": dom["created"], "modified": dom["modified"], "aliases_in_domain": aliases,
            "aliases_left": dom["aliases"] - aliases, "domain_admins": "-",
        }
        if dom["tags"]:
            out["tags"] = list(dom["tags"])
        return out

    def add_domain(self, data):
        result = []
        log = ["mailbox", "add", "domain", data, None]
        raw = data.get("domain")
        name = str(raw if raw is not None else "").strip().lower()
        try:
            name = name.encode("idna").decode("ascii") if name and not name.isascii() else name
        except UnicodeError:
            pass
        numeric = {}
        for key, default in (("aliases", 400), ("mailboxes", 10), ("defquota", 3072), ("maxquota", 10240),
                             ("quota", 10240)):
            value = data.get(key, default)
            if not isinstance(value, (int, float)) and not re.fullmatch(r"\s*-?\d+\s*", str(value)):
                return [self._entry("danger", log, ["object_is_not_numeric", value])]
            numeric[key] = intval(value)
        if numeric["defquota"] > numeric["maxquota"]:
            return [self._entry("danger", log, "mailbox_defquota_exceeds_mailbox_maxquota")]
        if numeric["maxquota"] > numeric["quota"]:
            return [self._entry("danger", log, "mailbox_quota_exceeds_domain_quota")]
        if numeric["defquota"] == 0:
            return [self._entry("danger", log, "defquota_empty")]
        if numeric["maxquota"] == 0:
            return [self._entry("danger", log, "maxquota_empty")]
        if not is_valid_domain_name(name):
            return [self._entry("danger", log, "domain_invalid")]
        if name in self.domains:
            return [self._entry("danger", log, ["domain_exists", name])]
        if name == self.hostname:
            return [self._entry("danger", log, "domain_cannot_match_hostname")]
        tags = [str(t) for t in (data.get("tags") or [])] if isinstance(data.get("tags"), list) else \
            split_list(data.get("tags"))
        rl_value, rl_frame = data.get("rl_value", ""), data.get("rl_frame", "s")
        relay_unknown_only = 1 if intval(data.get("relay_unknown_only", 0)) else 0
        relay_all = 1 if intval(data.get("relay_all_recipients", 0)) or relay_unknown_only else 0
        backupmx = 1 if intval(data.get("backupmx", 0)) or relay_all else 0
        self.domains[name] = {
            "description": str(data["description"]) if data.get("description") not in (None, "") else name,
            "aliases": numeric["aliases"], "mailboxes": numeric["mailboxes"], "defquota": numeric["defquota"],
            "maxquota": numeric["maxquota"], "quota": numeric["quota"],
            "active": 1 if intval(data.get("active", 1)) else 0, "gal": 1 if intval(data.get("gal", 1)) else 0,
            "backupmx": backupmx, "relay_all_recipients": relay_all, "relay_unknown_only": relay_unknown_only,
            "relayhost": 0, "tags": [], "created": now(), "modified": None,
        }
        if not php_empty(rl_value) and not php_empty(rl_frame):
            rl_log = ["ratelimit", "edit", "domain", {"rl_value": rl_value, "rl_frame": rl_frame, "object": name}]
            if rl_frame not in ("s", "m", "h", "d"):
                result.append(self._entry("danger", rl_log, "rl_timeframe"))
            else:
                self._ratelimit_set("domain", name, rl_value, rl_frame)
                result.append(self._entry("success", rl_log, ["rl_saved", name]))
        if name not in self.dkim:
            key_size = intval(data.get("key_size", 2048)) or 2048
            selector = str(data.get("dkim_selector") or "dkim")
            dkim_log = ["dkim", "add", {"key_size": key_size, "dkim_selector": selector, "domains": name}]
            self._dkim_create(name, selector, key_size, automatic=True)
            result.append(self._entry("success", dkim_log, ["dkim_added", name]))
        for tag in tags[:TAGGING_LIMIT]:
            if tag not in self.domains[name]["tags"]:
                self.domains[name]["tags"].append(tag)
        if len(tags) > TAGGING_LIMIT:
            result.append(self._entry("warning", log, ["tag_limit_exceeded", "limit " + str(TAGGING_LIMIT)]))
        # restart_sogo (functions.mailbox.inc.php, add 'domain', mailcow-dockerized master): a non-empty value
        # asks dockerapi to restart sogo-mailcow; when that fails the domain stays added and the last entry is
        # {"type": "warning", "msg": "domain_added_sogo_failed"} instead of domain_added. Here the restart is
        # the backend's restart_sogo() when it has one (nothing to restart without SOGo: success).
        if not php_empty(data.get("restart_sogo")):
            self.sogo_restarts += 1
            restart = getattr(self.backend, "restart_sogo", None)
            if self.sogo_restart_fails or (restart is not None and restart() is False):
                result.append(self._entry("warning", log, "domain_added_sogo_failed"))
                return result
        result.append(self._entry("success", log, ["domain_added", name]))
        return result

    def edit_domain(self, items, attr):
        result = []
        log = ["mailbox", "edit", "domain", dict({"domain": items}, **attr), None]
        for item in items:
            name = str(item).strip().lower()
            dom = self.domains.get(name)
            if not is_valid_domain_name(name) or dom is None:
                result.append(self._entry("danger", log, "domain_invalid"))
                continue
            new = dict(dom)
            for key in ("active", "gal", "backupmx", "relay_all_recipients", "relay_unknown_only"):
                if key in attr:
                    new[key] = 1 if intval(attr[key]) else 0
            if new["relay_unknown_only"]:
                new["relay_all_recipients"] = 1
            if new["relay_all_recipients"]:
                new["backupmx"] = 1
            if "relayhost" in attr:
                new["relayhost"] = intval(attr["relayhost"])
            for key in ("maxquota", "quota", "aliases"):
                if not php_empty(attr.get(key)):
                    new[key] = intval(attr[key])
            if "mailboxes" in attr:
                new["mailboxes"] = intval(attr["mailboxes"])
            if "defquota" in attr:
                new["defquota"] = intval(attr["defquota"])
            if not php_empty(attr.get("description")):
                new["description"] = str(attr["description"])
            mboxes = self._domain_mailboxes(name)
            biggest = max((m["quota"] for m in mboxes), default=0) // MIB
            in_use = sum(m["quota"] for m in mboxes) // MIB
            aliases = len(self._domain_aliases(name))
            if new["defquota"] > new["maxquota"]:
                error = "mailbox_defquota_exceeds_mailbox_maxquota"
            elif new["defquota"] == 0:
                error = "defquota_empty"
            elif new["maxquota"] > new["quota"]:
                error = "mailbox_quota_exceeds_domain_quota"
            elif new["maxquota"] == 0:
                error = "maxquota_empty"
            elif biggest > new["maxquota"]:
                error = ["max_quota_in_use", biggest]
            elif in_use > new["quota"]:
                error = ["domain_quota_m_in_use", in_use]
            elif len(mboxes) > new["mailboxes"]:
                error = ["mailboxes_in_use", len(mboxes)]
            elif aliases > new["aliases"]:
                error = ["aliases_in_use", aliases]
            else:
                error = None
            if error is not None:
                result.append(self._entry("danger", log, error))
                continue
            if "tags" in attr:
                tags = attr["tags"] if isinstance(attr["tags"], list) else split_list(attr["tags"])
                new["tags"] = list(dom["tags"])
                for tag in tags:
                    if str(tag) not in new["tags"]:
                        new["tags"].append(str(tag))
            new["modified"] = now()
            self.domains[name] = new
            result.append(self._entry("success", log, ["domain_modified", name]))
        return result

    def delete_domain(self, items):
        result = []
        log = ["mailbox", "delete", "domain", {"domain": items}, None]
        for item in items:
            name = str(item).strip().lower()
            if not is_valid_domain_name(name):
                result.append(self._entry("danger", log, "domain_invalid"))
                continue
            if self._domain_mailboxes(name):
                result.append(self._entry("danger", log, ["domain_not_empty", name]))
                continue
            self.domains.pop(name, None)
            self.rl_domain.pop(name, None)
            for alias_id in [i for i, a in self.aliases.items() if a["domain"] == name]:
                del self.aliases[alias_id]
            result.append(self._entry("success", log, ["domain_removed", name]))
        return result

    def edit_ratelimit(self, scope, items, attr):
        result = []
        log = ["ratelimit", "edit", scope, dict({"object": items}, **attr)]
        for item in items:
            obj = str(item)
            known = obj in self.domains if scope == "domain" else obj in self.mailboxes
            if not known:
                result.append(self._entry("danger", log, "access_denied"))
                continue
            value, frame = attr.get("rl_value", ""), attr.get("rl_frame", "s")
            if frame not in ("s", "m", "h", "d"):
                result.append(self._entry("danger", log, "rl_timeframe"))
                continue
            if not php_empty(value) and not re.fullmatch(r"\s*\d+\s*", str(value)):
                result.append(self._entry("danger", log, "rl_value"))
                continue
            self._ratelimit_set(scope, obj, value, frame)
            result.append(self._entry("success", log, ["rl_saved", obj]))
        return result

    # ---------------------------------------------------------------- mailboxes
    def mailbox_get(self, user, reduced=False):
        box = self.mailboxes.get(user)
        if box is None:
            return None
        dom = self.domains.get(box["domain"])
        used, messages = self._usage_of(user)
        if box["quota"]:
            percent = php_round(used / box["quota"] * 100)
            percent_class = "danger" if percent >= 90 else "warning" if percent >= 75 else "success"
        else:
            percent, percent_class = "- ", "info"
        out = {
            "username": user, "active": box["active"], "active_int": box["active"], "domain": box["domain"],
            "name": box["name"], "local_part": box["local_part"], "quota": box["quota"], "messages": messages,
            "attributes": dict(box["attributes"]), "custom_attributes": [], "quota_used": used,
            "percent_in_use": percent, "created": box["created"], "modified": box["modified"],
            "authsource": box["authsource"], "percent_class": percent_class, "last_imap_login": 0,
            "last_smtp_login": 0, "last_pop3_login": 0, "last_sso_login": 0,
        }
        if not reduced:
            others = self._quota_sum_mib(box["domain"], exclude=user) if dom else 0
            max_new = min(dom["quota"] - others, dom["maxquota"]) * MIB if dom else 0
            rl, scope = self.rl_mbox.get(user), "mailbox"
            if rl is None:
                rl, scope = self.rl_domain.get(box["domain"]), "domain"
            out.update({"max_new_quota": max_new, "spam_aliases": 0, "pushover_active": 0,
                        "rl": {"value": rl[0], "frame": rl[1]} if rl else False, "rl_scope": scope,
                        "is_relayed": 0, "sender_acl": []})
        if box["tags"]:
            out["tags"] = list(box["tags"])
        return out

    def add_mailbox(self, data):
        log = ["mailbox", "add", "mailbox", self._mask(data), None]
        local_part = str(data.get("local_part") if data.get("local_part") is not None else "").strip().lower()
        domain = str(data.get("domain") if data.get("domain") is not None else "").strip().lower()
        user = local_part + "@" + domain
        if not local_part or not is_valid_email(user):
            return [self._entry("danger", log, "mailbox_invalid")]
        if data.get("quarantine_category", "reject") not in ("add_header", "reject", "all"):
            return [self._entry("danger", log, "quarantine_category_invalid")]
        if not is_valid_domain_name(domain):
            return [self._entry("danger", log, "domain_invalid")]
        dom = self.domains.get(domain)
        if dom is None:
            return [self._entry("danger", log, "access_denied")]
        if user in self.mailboxes:
            return [self._entry("danger", log, ["object_exists", user])]
        if any(a["address"] == user for a in self.aliases.values()):
            return [self._entry("danger", log, ["is_alias", user])]
        error = self._password_check(data.get("password"), data.get("password2"))
        if error:
            return [error]
        count = len(self._domain_mailboxes(domain))
        if count >= dom["mailboxes"]:
            return [self._entry("danger", log, ["max_mailbox_exceeded", count, dom["mailboxes"]])]
        quota = intval(data.get("quota", 0))
        if quota > dom["maxquota"]:
            return [self._entry("danger", log, ["mailbox_quota_exceeded", dom["maxquota"]])]
        left = dom["quota"] - self._quota_sum_mib(domain)
        if quota > left:
            return [self._entry("danger", log, ["mailbox_quota_left_exceeded", left])]
        flags = {}
        for key in ("sogo_access", "imap_access", "pop3_access", "smtp_access", "sieve_access", "eas_access",
                    "dav_access"):
            flags[key] = "1" if intval(data.get(key, 1)) else "0"
        if isinstance(data.get("protocol_access"), list):
            for proto in ("imap", "pop3", "smtp", "sieve", "eas", "dav"):
                flags[proto + "_access"] = "1" if proto in data["protocol_access"] else "0"
        stamp = now()
        attributes = {
            "force_pw_update": "1" if intval(data.get("force_pw_update", 0)) else "0", "force_tfa": "0",
            "tls_enforce_in": "1" if intval(data.get("tls_enforce_in", 0)) else "0",
            "tls_enforce_out": "1" if intval(data.get("tls_enforce_out", 0)) else "0",
        }
        attributes.update(flags)
        attributes.update({"relayhost": "0", "passwd_update": stamp, "mailbox_format": "maildir:",
                           "quarantine_notification": str(data.get("quarantine_notification", "hourly")),
                           "quarantine_category": str(data.get("quarantine_category", "reject")),
                           "attribute_hash": ""})
        name = str(data.get("name") or "")
        name = re.sub(r"^<|>$", "", name)
        tags = data.get("tags") if isinstance(data.get("tags"), list) else split_list(data.get("tags"))
        active = intval(data.get("active", 1))
        if self.backend is not None:
            self.backend.add_user(user, str(data.get("password")), quota or None)  # 0 = unlimited
        rl_value, rl_frame = data.get("rl_value", ""), data.get("rl_frame", "s")
        self._ratelimit_set("mailbox", user, rl_value, rl_frame)
        self.mailboxes[user] = {
            "username": user, "local_part": local_part, "domain": domain, "name": name, "quota": quota * MIB,
            "active": active if active in (0, 1, 2) else 1, "attributes": attributes,
            "tags": [str(t) for t in tags][:TAGGING_LIMIT], "created": stamp, "modified": stamp,
            "authsource": str(data.get("authsource") or "mailcow"), "password": str(data.get("password")),
        }
        self.alias_seq += 1
        self.aliases[self.alias_seq] = {"id": self.alias_seq, "address": user, "goto": user, "domain": domain,
                                        "self": True}
        rl_log = ["ratelimit", "edit", "mailbox", {"object": user, "rl_frame": rl_frame, "rl_value": rl_value}]
        return [self._entry("success", rl_log, ["rl_saved", user]),
                self._entry("success", log, ["mailbox_added", user])]

    @staticmethod
    def _mask(data):
        masked = dict(data)
        for key in ("password", "password2"):
            if key in masked:
                masked[key] = "*"
        return masked

    def edit_mailbox(self, items, attr):
        result = []
        log = ["mailbox", "edit", "mailbox", dict({"username": items}, **self._mask(attr)), None]
        for item in items:
            user = str(item)
            if not is_valid_email(user):
                result.append(self._entry("danger", log, ["username_invalid", user]))
                continue
            box = self.mailboxes.get(user)
            if box is None:
                result.append(self._entry("danger", log, "access_denied"))
                continue
            dom = self.domains[box["domain"]]
            new_quota = box["quota"]
            if "quota" in attr:
                quota = intval(attr["quota"])
                max_new = min(dom["quota"] - self._quota_sum_mib(box["domain"], exclude=user), dom["maxquota"])
                if quota > max_new:
                    result.append(self._entry("danger", log, ["mailbox_quota_left_exceeded", max_new]))
                    continue
                new_quota = quota * MIB
            password = None
            if not php_empty(attr.get("password")) or not php_empty(attr.get("password2")):
                error = self._password_check(attr.get("password"), attr.get("password2"))
                if error:
                    result.append(error)
                    continue
                password = str(attr["password"])
            if "active" in attr:
                value = intval(attr["active"])
                box["active"] = value if value in (0, 1, 2) else 1
            if "name" in attr:
                box["name"] = re.sub(r"^<|>$", "", str(attr["name"] or ""))
            for key in ("force_pw_update", "force_tfa", "sogo_access", "imap_access", "pop3_access",
                        "smtp_access", "sieve_access", "eas_access", "dav_access"):
                if key in attr:
                    box["attributes"][key] = "1" if intval(attr[key]) else "0"
            if "relayhost" in attr:
                box["attributes"]["relayhost"] = str(intval(attr["relayhost"]))
            if "tags" in attr:
                tags = attr["tags"] if isinstance(attr["tags"], list) else split_list(attr["tags"])
                for tag in tags:
                    if str(tag) not in box["tags"]:
                        box["tags"].append(str(tag))
            if "authsource" in attr and attr["authsource"]:
                box["authsource"] = str(attr["authsource"])
            if new_quota != box["quota"]:
                box["quota"] = new_quota
                if self.backend is not None:
                    self.backend.set_quota(user, (new_quota // MIB) or None)
            if password is not None:
                box["password"] = password
                box["attributes"]["passwd_update"] = now()
                if self.backend is not None:
                    setter = getattr(self.backend, "set_password", None)
                    if setter is not None:
                        setter(user, password)
                    else:  # add_user of the test Dovecot replaces the password of a known user
                        self.backend.add_user(user, password, (box["quota"] // MIB) or None)
            box["modified"] = now()
            result.append(self._entry("success", log, ["mailbox_modified", user]))
        return result

    def edit_tls_policy(self, items, attr):
        result = []
        log = ["mailbox", "edit", "tls_policy", dict({"username": items}, **attr), None]
        for item in items:
            box = self.mailboxes.get(str(item))
            if box is None:
                result.append(self._entry("danger", log, "access_denied"))
                continue
            for key in ("tls_enforce_in", "tls_enforce_out"):
                if key in attr:
                    box["attributes"][key] = "1" if intval(attr[key]) else "0"
            result.append(self._entry("success", log, ["mailbox_modified", str(item)]))
        return result

    def delete_mailbox(self, items):
        result = []
        log = ["mailbox", "delete", "mailbox", {"username": items}, None]
        for item in items:
            user = str(item)
            if not is_valid_email(user) or user not in self.mailboxes:
                result.append(self._entry("danger", log, "access_denied"))
                continue
            del self.mailboxes[user]
            self.usage.pop(user, None)
            self.rl_mbox.pop(user, None)
            for job_id in [i for i, j in self.syncjobs.items() if j["user2"] == user]:
                del self.syncjobs[job_id]
            for alias_id in [i for i, a in self.aliases.items() if a["goto"] == user]:
                del self.aliases[alias_id]
            if self.backend is not None:
                self.backend.remove_user(user)
            result.append(self._entry("success", log, ["mailbox_removed", user]))
        return result

    # ---------------------------------------------------------------- aliases
    def alias_get(self, alias):
        return {
            "in_primary_domain": "", "id": alias["id"], "domain": alias["domain"],
            "public_comment": alias["public_comment"], "private_comment": alias["private_comment"],
            "goto": alias["goto"], "address": alias["address"], "is_catch_all": 1 if alias["address"][0] == "@" else 0,
            "internal": alias["internal"], "active": alias["active"], "active_int": alias["active"],
            "sogo_visible": alias["sogo_visible"], "sogo_visible_int": alias["sogo_visible"],
            "sender_allowed": alias["sender_allowed"], "created": alias["created"], "modified": alias["modified"],
        }

    def _goto_of(self, data, log):
        """(goto string, None) or (None, error entry)."""
        for special, target in (("goto_null", "null@localhost"), ("goto_spam", "spam@localhost"),
                                ("goto_ham", "ham@localhost")):
            if intval(data.get(special, 0)) == 1:
                return target, None
        gotos = split_list(data.get("goto"))
        if not gotos:
            return None, self._entry("danger", log, "goto_empty")
        for goto in gotos:
            if not is_valid_email(goto):
                return None, self._entry("danger", log, ["goto_invalid", goto])
        return ",".join(gotos), None

    def add_alias(self, data):
        result = []
        log = ["mailbox", "add", "alias", data, None]
        addresses = split_list(data.get("address"))
        if not addresses:
            return [self._entry("danger", log, "alias_empty")]
        goto, error = self._goto_of(data, log)
        if error:
            return [error]
        for comment in ("private_comment", "public_comment"):
            if len(str(data.get(comment) or "")) > 160:
                return [self._entry("danger", log, "comment_too_long")]
        for address in addresses:
            address = address.lower()
            if "@" not in address:
                result.append(self._entry("danger", log, ["alias_invalid", address]))
                continue
            local, domain = address.rsplit("@", 1)
            if domain not in self.domains:
                result.append(self._entry("danger", log, ["domain_not_found", domain]))
                continue
            if any(a["address"] == address for a in self.aliases.values()) or address in self.mailboxes:
                result.append(self._entry("danger", log, ["is_alias_or_mailbox", address]))
                continue
            if local and not is_valid_email(address):
                result.append(self._entry("danger", log, ["alias_invalid", address]))
                continue
            dom = self.domains[domain]
            if len(self._domain_aliases(domain)) >= dom["aliases"]:
                result.append(self._entry("danger", log, "max_alias_exceeded"))
                continue
            self.alias_seq += 1
            self.aliases[self.alias_seq] = {
                "id": self.alias_seq, "address": address, "goto": goto, "domain": domain, "self": False,
                "public_comment": data.get("public_comment"), "private_comment": data.get("private_comment"),
                "internal": 1 if intval(data.get("internal")) else 0, "active": 1 if intval(data.get("active")) else 0,
                "sogo_visible": 1 if intval(data.get("sogo_visible")) else 0,
                "sender_allowed": 1 if intval(data.get("sender_allowed")) else 0, "created": now(), "modified": None,
            }
            result.append(self._entry("success", log, ["alias_added", address, str(self.alias_seq)]))
        return result

    def edit_alias(self, items, attr):
        result = []
        log = ["mailbox", "edit", "alias", dict({"id": items}, **attr), None]
        for item in items:
            alias = self.aliases.get(intval(item))
            if alias is None or alias["self"] or not re.fullmatch(r"\d+", str(item)):
                result.append(self._entry("danger", log, "access_denied"))
                continue
            new = dict(alias)
            if "goto" in attr or any(k in attr for k in ("goto_null", "goto_spam", "goto_ham")):
                goto, error = self._goto_of(attr, log)
                if error:
                    result.append(error)
                    continue
                new["goto"] = goto
            for key in ("active", "internal", "sogo_visible", "sender_allowed"):
                if key in attr:
                    new[key] = 1 if intval(attr[key]) else 0
            for key in ("private_comment", "public_comment"):
                if key in attr:
                    if len(str(attr[key] or "")) > 160:
                        result.append(self._entry("danger", log, "comment_too_long"))
                        break
                    new[key] = attr[key]
            else:
                new["modified"] = now()
                self.aliases[alias["id"]] = new
                result.append(self._entry("success", log, ["alias_modified", alias["address"]]))
        return result

    def delete_alias(self, items):
        result = []
        log = ["mailbox", "delete", "alias", {"id": items}, None]
        for item in items:
            alias = self.aliases.get(intval(item)) if re.fullmatch(r"\d+", str(item)) else None
            if alias is None or alias["self"]:
                result.append(self._entry("danger", log, "access_denied"))
                continue
            del self.aliases[alias["id"]]
            result.append(self._entry("success", log, ["alias_removed", alias["address"]]))
        return result

    # ---------------------------------------------------------------- sync jobs
    def syncjob_get(self, job, with_log=True):
        out = {key: job[key] for key in (
            "id", "user2", "host1", "authmech1", "regextrans2", "authmd51", "domain2", "subfolder2", "user1",
            "exclude", "maxage", "mins_interval", "maxbytespersecond", "port1", "enc1", "delete2duplicates",
            "delete1", "delete2", "automap", "skipcrossduplicates", "custom_params", "timeout1", "timeout2",
            "subscribeall", "dry", "is_running", "last_run", "success", "exit_status", "created", "modified",
            "active")}
        out["log"] = (job["returned_text"] or "") if with_log else ""
        return out

    def _custom_params_error(self, params, log):
        for part in str(params).split("-"):
            if not part:
                continue
            name = part.split("=", 1)[0] if "=" in part else part.rstrip(" ")
            name = name.lstrip("-")
            if " " in name:
                return self._entry("danger", log, "bad character SPACE")
            if name.lower() not in IMAPSYNC_WHITELIST:
                return self._entry("danger", log, "bad option " + name)
        return None

    def add_syncjob(self, data):
        log = ["mailbox", "add", "syncjob", data, None]
        user2 = data.get("username")
        if php_empty(user2):
            return [self._entry("danger", log, "no_user_defined")]
        user2 = str(user2)
        if not is_valid_email(user2) or user2 not in self.mailboxes:
            return [self._entry("danger", log, "access_denied")]
        custom = "" if php_empty(str(data.get("custom_params") or "").strip()) else str(data["custom_params"]).strip()
        error = self._custom_params_error(custom, log)
        if error:
            return [error]
        port1 = int_in_range(data.get("port1"), 1, 65535)
        if port1 is None:
            return [self._entry("danger", log, "access_denied")]
        mins = int_in_range(data.get("mins_interval"), 1, 43800)
        if mins is None:
            return [self._entry("danger", log, "access_denied")]
        enc1 = data.get("enc1")
        if enc1 not in ("TLS", "SSL", "PLAIN"):
            return [self._entry("danger", log, "access_denied")]
        exclude = data.get("exclude")
        if exclude is not None and not pcre_valid(str(exclude)):
            return [self._entry("danger", log, "access_denied")]
        host1 = str(data.get("host1") or "").lower()
        user1 = data.get("user1")
        for job in self.syncjobs.values():
            if job["user2"] == user2 and job["user1"] == user1 and job["host1"] == host1:
                return [self._entry("danger", log, ["object_exists", host1 + " / " + str(user1)])]
        if exclude is None or user1 is None or data.get("password1") is None or data.get("host1") is None:
            raise _Crash("NOT NULL violation")  # the real server answers an empty 200 and stores nothing
        self.syncjob_seq += 1
        self.syncjobs[self.syncjob_seq] = {
            "id": self.syncjob_seq, "user2": user2, "host1": host1, "authmech1": "PLAIN", "regextrans2": "",
            "authmd51": 0, "domain2": "", "subfolder2": str(data.get("subfolder2") or ""), "user1": str(user1),
            "password1": str(data.get("password1")), "exclude": str(exclude),
            "maxage": int_in_range(data.get("maxage"), 1, 32000) or 0, "mins_interval": mins,
            "maxbytespersecond": str(int_in_range(data.get("maxbytespersecond"), 1, 125000000) or 0),
            "port1": port1, "enc1": enc1,
            "delete2duplicates": intval(data.get("delete2duplicates")), "delete1": intval(data.get("delete1")),
            "delete2": intval(data.get("delete2")), "automap": intval(data.get("automap")),
            "skipcrossduplicates": intval(data.get("skipcrossduplicates")), "custom_params": custom,
            "timeout1": int_in_range(data.get("timeout1"), 1, 32000) or 600,
            "timeout2": int_in_range(data.get("timeout2"), 1, 32000) or 600,
            "subscribeall": intval(data.get("subscribeall")), "dry": intval(data.get("dry")), "is_running": 0,
            "returned_text": None, "last_run": None, "success": None, "exit_status": None, "created": now(),
            "modified": None, "active": intval(data.get("active")),
        }
        return [self._entry("success", log, ["mailbox_modified", user2])]

    def edit_syncjob(self, items, attr):
        result = []
        log = ["mailbox", "edit", "syncjob", dict({"id": items}, **attr), None]
        for item in items:
            job = self.syncjobs.get(intval(item)) if re.fullmatch(r"\d+", str(item)) else None
            if job is None:
                result.append(self._entry("danger", log, "access_denied"))
                continue
            new = dict(job)
            if "custom_params" in attr:
                custom = str(attr["custom_params"] or "").strip()
                error = self._custom_params_error(custom, log)
                if error:
                    result.append(error)
                    return result
                new["custom_params"] = custom
            bad = False
            if not php_empty(attr.get("host1")):
                if not is_valid_domain_name(str(attr["host1"])):
                    bad = True
                new["host1"] = str(attr["host1"]).lower()
            if not php_empty(attr.get("port1")):
                new["port1"] = int_in_range(attr["port1"], 1, 65535)
                bad = bad or new["port1"] is None
            if not php_empty(attr.get("mins_interval")):
                new["mins_interval"] = int_in_range(attr["mins_interval"], 1, 43800)
                bad = bad or new["mins_interval"] is None
            if not php_empty(attr.get("enc1")):
                new["enc1"] = attr["enc1"]
                bad = bad or attr["enc1"] not in ("TLS", "SSL", "PLAIN")
            if "exclude" in attr:
                new["exclude"] = str(attr["exclude"] or "")
                bad = bad or not pcre_valid(new["exclude"])
            if bad:
                result.append(self._entry("danger", log, "access_denied"))
                continue
            for key in ("user1", "password1"):
                if not php_empty(attr.get(key)):
                    new[key] = str(attr[key])
            if "subfolder2" in attr:
                new["subfolder2"] = str(attr["subfolder2"] or "")
            if "maxage" in attr:
                new["maxage"] = int_in_range(attr["maxage"], 1, 32000) or 0
            if "maxbytespersecond" in attr:
                new["maxbytespersecond"] = str(int_in_range(attr["maxbytespersecond"], 1, 125000000) or 0)
            for key in ("timeout1", "timeout2"):
                if key in attr:
                    new[key] = int_in_range(attr[key], 1, 32000) or 600
            for key in ("delete2duplicates", "delete1", "delete2", "automap", "skipcrossduplicates",
                        "subscribeall", "dry", "active"):
                if key in attr:
                    new[key] = intval(attr[key])
            if "last_run" in attr:
                new["last_run"] = None
            if "success" in attr:
                new["success"] = None
            new["modified"] = now()
            self.syncjobs[job["id"]] = new
            result.append(self._entry("success", log, ["mailbox_modified", new["user2"]]))
        return result

    def delete_syncjob(self, items):
        result = []
        log = ["mailbox", "delete", "syncjob", {"id": items}, None]
        for item in items:
            if not re.fullmatch(r"\d+", str(item)):
                return result or None
            job = self.syncjobs.pop(intval(item), None)
            if job is None:
                result.append(self._entry("danger", log, "access_denied"))
                continue
            result.append(self._entry("success", log, ["deleted_syncjob", str(item)]))
        return result

    def set_syncjob_result(self, job_id, *, success, exit_status, log_text, last_run=None, modified=None):
        job = self.syncjobs[job_id]
        stamp = last_run or now()
        job.update({"success": success, "exit_status": exit_status, "returned_text": log_text,
                    "last_run": stamp, "modified": modified or stamp, "is_running": 0})

    def due_jobs(self, when):
        """imapsync_runner.pl's selection: reset is_running, then the active jobs whose interval passed (or that
        never ran / were asked to run now: last_run NULL first), oldest last_run first."""
        due = []
        for job in self.syncjobs.values():
            job["is_running"] = 0
            if not job["active"]:
                continue
            if job["last_run"] is None:
                due.append((0, "", job["id"]))
                continue
            last = datetime.datetime.strptime(job["last_run"], "%Y-%m-%d %H:%M:%S")
            if (when - last).total_seconds() > job["mins_interval"] * 60:
                due.append((1, job["last_run"], job["id"]))
        return [job_id for _rank, _last, job_id in sorted(due)]

    def start_run(self, job_id):
        """Mark the job running; a snapshot of it with the destination password (None if it vanished)."""
        job = self.syncjobs.get(job_id)
        if job is None or not job["active"]:
            return None
        job.update({"is_running": 1, "success": None, "exit_status": None})
        snapshot = dict(job)
        box = self.mailboxes.get(job["user2"])
        snapshot["password2"] = box["password"] if box else None
        snapshot["forced_failure"] = self.failing_runs.pop(0) if self.failing_runs else None
        return snapshot

    def finish_run(self, job_id, text, code, status, when):
        job = self.syncjobs.get(job_id)
        if job is None:
            return
        stamp = when.strftime("%Y-%m-%d %H:%M:%S")
        job.update({"returned_text": text, "success": 1 if code == 0 else 0, "exit_status": status,
                    "last_run": stamp, "modified": stamp, "is_running": 0})

    # ---------------------------------------------------------------- DKIM
    def _dkim_create(self, domain, selector, bits, automatic=False):
        if automatic and self.dkim_bits_override:
            bits = self.dkim_bits_override  # tests: faster keys for the key every new domain gets
        pub, priv = make_dkim_key(bits if bits in (1024, 2048, 3072, 4096) else 2048)
        self.dkim[domain] = {"selector": selector, "pubkey": pub, "privkey": priv}

    def dkim_get(self, domain):
        key = self.dkim.get(domain)
        if key is None:
            return None
        return {"pubkey": key["pubkey"], "length": dkim_length(key["pubkey"]),
                "dkim_txt": "v=DKIM1;k=rsa;t=s;s=email;p=" + key["pubkey"], "dkim_selector": key["selector"],
                "privkey": ""}

    def add_dkim(self, data):
        result = []
        log = ["dkim", "add", data]
        selector = str(data.get("dkim_selector") or "dkim")
        key_size = intval(data.get("key_size", 2048))
        for domain in split_list(data.get("domains")):
            domain = domain.lower()
            if (not is_valid_domain_name(domain) or domain in self.dkim or domain not in self.domains
                    or not re.fullmatch(r"[A-Za-z0-9_.-]+", selector) or key_size not in (1024, 2048, 3072, 4096)):
                result.append(self._entry("danger", log, ["dkim_domain_or_sel_invalid", domain]))
                continue
            self._dkim_create(domain, selector, key_size)
            result.append(self._entry("success", log, ["dkim_added", domain]))
        return result

    def delete_dkim(self, items):
        result = []
        log = ["dkim", "delete", {"domains": items}]
        for item in items:
            if self.dkim.pop(str(item), None) is None:
                result.append(self._entry("danger", log, ["dkim_domain_or_sel_invalid", str(item)]))
            else:
                result.append(self._entry("success", log, ["dkim_removed", str(item)]))
        return result

    # ---------------------------------------------------------------- relay hosts and transports
    @staticmethod
    def _short(password):
        return str(password or "")[:3] + "..."

    def add_relayhost(self, data):
        log = ["relayhost", "add", data]
        hostname = str(data.get("hostname") or "").strip()
        if not hostname:
            return [self._entry("danger", log, "invalid_host")]
        self.relayhost_seq += 1
        self.relayhosts[self.relayhost_seq] = {"id": self.relayhost_seq, "hostname": hostname,
                                               "username": str(data.get("username") or ""),
                                               "password": str(data.get("password") or ""), "active": 1}
        return [self._entry("success", log, ["relayhost_added", ""])]

    def relayhost_get(self, host):
        return dict(host, password_short=self._short(host["password"]), used_by_domains="", used_by_mailboxes="")

    _NEXTHOP_RE = re.compile(r"^(\[[^\]\s]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$")

    def _transport_check(self, destination, nexthop, username, exclude_id, log):
        nexthop = nexthop.strip()
        if re.fullmatch(r"\d{1,3}(\.\d{1,3}){3}", nexthop):
            nexthop = "[" + nexthop + "]"
        if not self._NEXTHOP_RE.match(nexthop):
            return None, self._entry("danger", log, "invalid_nexthop")
        valid_dest = (destination == "*" or is_valid_email(destination)
                      or is_valid_domain_name(destination.lstrip(".")))
        if not valid_dest:
            return None, self._entry("danger", log, ["invalid_destination", destination])
        for transport in self.transports.values():
            if transport["id"] == exclude_id:
                continue
            if transport["destination"] == destination:
                return None, self._entry("danger", log, ["transport_dest_exists", destination])
            if transport["nexthop"] == nexthop and transport["username"] != username:
                return None, self._entry("danger", log, "invalid_nexthop_authenticated")
        return nexthop, None

    def add_transport(self, data):
        log = ["transport", "add", data]
        result = []
        nexthop = str(data.get("nexthop") or "")
        username = str(data.get("username") or "")
        for destination in split_list(data.get("destination")):
            destination = destination.lower()
            clean, error = self._transport_check(destination, nexthop, username, None, log)
            if error:
                result.append(error)
                continue
            self.transport_seq += 1
            self.transports[self.transport_seq] = {
                "id": self.transport_seq, "is_mx_based": 0, "destination": destination, "nexthop": clean,
                "username": username, "password": str(data.get("password") or ""),
                "active": 1 if intval(data.get("active")) else 0}
            result.append(self._entry("success", log, ["relayhost_added", ""]))
        return result or [self._entry("danger", log, ["invalid_destination", ""])]

    def transport_get(self, transport):
        return dict(transport, password_short=self._short(transport["password"]))

    def edit_transport(self, items, attr):
        result = []
        log = ["transport", "edit", dict({"id": items}, **attr)]
        for item in items:
            transport = self.transports.get(intval(item))
            if transport is None:
                result.append(self._entry("danger", log, "access_denied"))
                continue
            new = dict(transport)
            for key in ("destination", "nexthop", "username", "password"):
                if key in attr:
                    new[key] = str(attr[key] or "")
            if "active" in attr:
                new["active"] = 1 if intval(attr["active"]) else 0
            clean, error = self._transport_check(new["destination"].lower(), new["nexthop"], new["username"],
                                                 transport["id"], log)
            if error:
                result.append(error)
                continue
            new["nexthop"], new["destination"] = clean, new["destination"].lower()
            self.transports[transport["id"]] = new
            result.append(self._entry("success", log, ["object_modified", str(item)]))
        return result

    def delete_transport(self, items):
        result = []
        log = ["transport", "delete", {"id": items}]
        for item in items:
            if self.transports.pop(intval(item), None) is None:
                result.append(self._entry("danger", log, "access_denied"))
            else:
                result.append(self._entry("success", log, ["relayhost_removed", str(item)]))
        return result

    # ---------------------------------------------------------------- reads
    # ---------------------------------------------------------------- sieve filters
    # data/web/inc/functions.mailbox.inc.php @06424670: add 'filter' (l.206-304), edit 'filter'
    # (l.2467-2549), delete 'filter' (l.5512-5550), get 'filters' / 'filter_details' (l.4502-4548);
    # json_api.php get/filters/{user|all} (l.1116-1160). Rows: table sieve_filters; "active" is
    # script_name == 'active', at most one per (username, filter_type). The PHP Sieve parser's check
    # (msg ["sieve_error", text]) is played by a brace/quote balance check only.
    @staticmethod
    def _sieve_error(script):
        """None, or why the script cannot be Sieve: unbalanced braces or an unclosed string (comments and
        text: blocks skipped). The real parser checks far more."""
        depth, i, n = 0, 0, len(script)
        while i < n:
            char = script[i]
            if char == "#":
                i = script.find("\n", i)
                i = n if i < 0 else i
            elif script.startswith("/*", i):
                i = script.find("*/", i + 2)
                if i < 0:
                    return "unclosed comment"
                i += 1
            elif script.startswith("text:", i):
                end = script.find("\n.\n", i)
                end = script.find("\n.\r\n", i) if end < 0 else end
                if end < 0:
                    return "unclosed text: block"
                i = end + 2
            elif char == '"':
                i += 1
                while i < n and script[i] != '"':
                    i += 2 if script[i] == "\\" else 1
                if i >= n:
                    return "unclosed string"
            elif char in "{}":
                depth += 1 if char == "{" else -1
                if depth < 0:
                    return "unexpected '}'"
            i += 1
        return "unclosed block" if depth else None

    def _filter_row(self, row):
        return {"active": 1 if row["script_name"] == "active" else 0, "id": row["id"], "username": row["username"],
                "filter_type": row["filter_type"], "script_data": row["script_data"], "script_desc": row["script_desc"]}

    def _filter_activate(self, user, filter_type, active):
        if active:
            for row in self.filters.values():
                if row["username"] == user and row["filter_type"] == filter_type:
                    row["script_name"] = "inactive"
        return "active" if active else "inactive"

    def add_filter(self, data):
        log = ["mailbox", "add", "filter", data, None]
        user = data.get("username")
        if not (isinstance(user, str) and is_valid_email(user)):
            return [self._entry("danger", log, "no_user_defined")]
        if user not in self.mailboxes:
            return [self._entry("danger", log, "access_denied")]
        script, desc, filter_type = data.get("script_data"), data.get("script_desc"), data.get("filter_type")
        if php_empty(script):
            return [self._entry("danger", log, "script_empty")]
        error = self._sieve_error(str(script))
        if error:
            return [self._entry("danger", log, ["sieve_error", error])]
        if php_empty(desc):
            return [self._entry("danger", log, "value_missing")]
        if filter_type not in ("prefilter", "postfilter"):
            return [self._entry("danger", log, "filter_type")]
        name = self._filter_activate(user, filter_type, intval(data.get("active")))
        self.filter_seq += 1
        self.filters[self.filter_seq] = {"id": self.filter_seq, "username": user, "script_data": str(script),
                                         "script_desc": str(desc), "script_name": name, "filter_type": filter_type}
        return [self._entry("success", log, ["mailbox_modified", user])]

    def edit_filter(self, items, attr):
        result = []
        log = ["mailbox", "edit", "filter", dict({"id": items}, **attr), None]
        for item in items:
            row = self.filters.get(intval(item)) if re.fullmatch(r"\d+", str(item)) else None
            if row is None:
                result.append(self._entry("danger", log, "access_denied"))
                continue
            now = self._filter_row(row)
            active = intval(attr["active"]) if "active" in attr else now["active"]
            desc = attr.get("script_desc") if not php_empty(attr.get("script_desc")) else now["script_desc"]
            script = attr.get("script_data") if not php_empty(attr.get("script_data")) else now["script_data"]
            filter_type = attr.get("filter_type") if not php_empty(attr.get("filter_type")) else now["filter_type"]
            error = self._sieve_error(str(script))
            if error:
                result.append(self._entry("danger", log, ["sieve_error", error]))
                continue
            if filter_type not in ("prefilter", "postfilter"):
                result.append(self._entry("danger", log, "filter_type"))
                continue
            name = self._filter_activate(row["username"], filter_type, active == 1)
            row.update(script_desc=str(desc), script_data=str(script), script_name=name, filter_type=filter_type)
            result.append(self._entry("success", log, ["mailbox_modified", row["username"]]))
        return result

    def delete_filter(self, items):
        result = []
        log = ["mailbox", "delete", "filter", {"id": items}, None]
        for item in items:
            if not re.fullmatch(r"\d+", str(item)) or intval(item) not in self.filters:
                result.append(self._entry("danger", log, "access_denied"))
                continue
            del self.filters[intval(item)]
            result.append(self._entry("success", log, ["delete_filter", str(item)]))
        return result

    def get(self, category, obj, extra, query):
        """The value to answer for get/<category>/<obj>/<extra>, or NotImplemented for an unknown route."""
        if category == "domain":
            if obj == "all":
                names = sorted(self.domains)
                tags = split_list(query.get("tags", [""])[0])
                out = [self.domain_get(n) for n in names if not tags or set(tags) & set(self.domains[n]["tags"])]
                return out
            return self.domain_get(obj or "")
        if category == "mailbox":
            reduced = obj == "reduced"
            if obj in ("all", "reduced"):
                domains = set(split_list(extra)) if extra else None
                users = sorted(self.mailboxes, key=lambda u: (self.mailboxes[u]["domain"], u))
                return [self.mailbox_get(u, reduced) for u in users
                        if domains is None or self.mailboxes[u]["domain"] in domains]
            return self.mailbox_get(obj or "")
        if category == "syncjobs":
            flags = split_list(extra)
            with_log = "no_log" not in flags
            jobs = sorted(self.syncjobs.values(), key=lambda j: j["id"])
            if obj != "all":
                jobs = [j for j in jobs if j["user2"] == obj]
            return [self.syncjob_get(j, with_log) for j in jobs]
        if category == "alias":
            aliases = [a for a in sorted(self.aliases.values(), key=lambda a: a["id"]) if not a["self"]]
            if obj == "all":
                if extra:
                    aliases = [a for a in aliases if a["domain"] == extra]
                return [self.alias_get(a) for a in aliases]
            if re.fullmatch(r"\d+", str(obj or "")):
                found = [a for a in aliases if a["id"] == int(obj)]
                return self.alias_get(found[0]) if found else None
            return [self.alias_get(a) for a in aliases if a["domain"] == obj]
        if category == "dkim":
            return self.dkim_get(obj or "")
        if category in ("rl-domain", "rl-mbox"):
            store = self.rl_domain if category == "rl-domain" else self.rl_mbox
            key = "domain" if category == "rl-domain" else "mailbox"
            if obj == "all":
                return [{"value": v[0], "frame": v[1], key: k} for k, v in sorted(store.items())]
            value = store.get(obj)
            return {"value": value[0], "frame": value[1]} if value else None
        if category == "relayhost":
            hosts = sorted(self.relayhosts.values(), key=lambda h: h["id"])
            if obj == "all":
                return [self.relayhost_get(h) for h in hosts]
            found = [h for h in hosts if str(h["id"]) == obj]
            return self.relayhost_get(found[0]) if found else None
        if category == "transport":
            transports = sorted(self.transports.values(), key=lambda t: t["id"])
            if obj == "all":
                return [self.transport_get(t) for t in transports]
            found = [t for t in transports if str(t["id"]) == obj]
            return self.transport_get(found[0]) if found else None
        if category == "filters":
            rows = sorted(self.filters.values(), key=lambda r: r["id"])
            return [self._filter_row(r) for r in rows if obj == "all" or r["username"] == obj]
        if category == "passwordpolicy":
            return dict(self.password_policy)
        if category == "status" and obj == "version":
            return {"version": "2026-08-emulator"}
        return NotImplemented


class MailcowEmulator:
    """The HTTP front controller: routing, auth, envelope. Start with start(), stop with stop()."""

    ADD = {"domain": "add_domain", "mailbox": "add_mailbox", "alias": "add_alias", "syncjob": "add_syncjob",
           "dkim": "add_dkim", "relayhost": "add_relayhost", "transport": "add_transport",
           "filter": "add_filter"}
    EDIT = {"domain": "edit_domain", "mailbox": "edit_mailbox", "alias": "edit_alias", "syncjob": "edit_syncjob",
            "tls_policy": "edit_tls_policy", "transport": "edit_transport", "filter": "edit_filter"}
    DELETE = {"domain": "delete_domain", "mailbox": "delete_mailbox", "alias": "delete_alias",
              "syncjob": "delete_syncjob", "dkim": "delete_dkim", "transport": "delete_transport",
              "filter": "delete_filter"}

    def __init__(self, port=0, rw_keys=("RW-KEY-1234567890",), ro_keys=("RO-KEY-1234567890",),
                 hostname=DEFAULT_HOSTNAME, backend=None, host="127.0.0.1", tls_cert=None, tls_key=None,
                 dkim_bits=None, source_ca_file=None, runner_interval=None, allow_from=None):
        self.state = MailcowState(hostname=hostname, backend=backend, dkim_bits_override=dkim_bits)
        # API_ALLOW_FROM of the keys (None: skip_ip_check, any client address is accepted)
        self.allow_from = allow_from
        self.rw_keys, self.ro_keys = set(rw_keys), set(ro_keys or ())
        self.host, self.port = host, port
        self.tls_cert, self.tls_key = tls_cert, tls_key
        self.requests = []
        self.lock = threading.RLock()
        self._tick_lock = threading.Lock()
        self.source_ca_file = source_ca_file  # CA that sync jobs trust for the source server (None: system CAs)
        self.runner_interval = runner_interval  # seconds between automatic runner ticks (None: only tick())
        self._stop_runner = threading.Event()
        self._runner = None
        self._server = None
        self._thread = None

    # -- test hooks
    @property
    def url(self):
        scheme = "https" if self.tls_cert else "http"
        return "%s://%s:%d" % (scheme, self.host, self.port)

    def writes(self):
        return [r for r in self.requests if r["action"] in ("add", "edit", "delete")]

    def set_usage(self, user, bytes_used, messages):
        with self.lock:
            self.state.usage[user] = (int(bytes_used), int(messages))

    def set_syncjob_result(self, job_id, **kwargs):
        with self.lock:
            self.state.set_syncjob_result(job_id, **kwargs)

    def fail_next_runs(self, *statuses):
        with self.lock:
            self.state.failing_runs.extend(statuses)

    def tick(self, when=None):
        """One run of Mailcow's sync-job runner: the due jobs, one after another. With a Dovecot backend that
        has ``client(user, password)``, jobs really copy mail (syncrunner.py); otherwise an empty run is
        reported. A tick while another runs returns [] at once ("imapsync is active, exiting")."""
        if not self._tick_lock.acquire(blocking=False):
            return []
        try:
            when = when or datetime.datetime.now()
            with self.lock:
                due = self.state.due_jobs(when)
            ran = []
            for job_id in due:
                with self.lock:
                    job = self.state.start_run(job_id)
                if job is None:
                    continue
                text, code, status = self._run_one(job)
                with self.lock:
                    self.state.finish_run(job_id, text, code, status, when)
                ran.append(job_id)
            return ran
        finally:
            self._tick_lock.release()

    def _run_one(self, job):
        if job["forced_failure"]:
            status = job["forced_failure"]
            text = ("Host1: IMAP server [%s] port [%s] user [%s]\nHost1 failure: Error login on [%s] with user "
                    "[%s]\nExiting with return value 16 (%s: authentication failure) 1/50 nb_errors/max_errors\n"
                    % (job["host1"], job["port1"], job["user1"], job["host1"], job["user1"], status))
            return text, 16, status
        backend = self.state.backend
        destination = None
        if backend is not None and hasattr(backend, "client") and job["password2"]:
            def destination():
                return backend.client(job["user2"], job["password2"])
        return syncrunner.run_job(job, destination, ca_file=self.source_ca_file)

    def _runner_loop(self, interval):
        while not self._stop_runner.wait(interval):
            try:
                self.tick()
            except Exception:  # pylint: disable=broad-except
                pass

    # -- request handling
    def handle(self, method, raw_path, headers, body: bytes, client_ip="127.0.0.1") -> Reply:
        parsed = urllib.parse.urlsplit(raw_path)
        path = urllib.parse.unquote(parsed.path)
        query = urllib.parse.parse_qs(parsed.query)
        if path.startswith("/_emulator/"):
            return self._control(method, path)
        match = re.match(r"^/api/v1/(.*)$", path)
        record = {"method": method, "path": raw_path, "action": None, "category": None, "status": None}
        self.requests.append(record)
        reply = self._dispatch(method, match.group(1) if match else None, headers, body, query, record, client_ip)
        record["status"] = reply.status
        return reply

    def _control(self, method, path):
        if path == "/_emulator/tick" and method == "POST":
            return Reply.json({"ran": self.tick()})
        if path == "/_emulator/requests" and method == "GET":
            return Reply.json(self.requests)
        return Reply.error(404, "route not found")

    def _ip_allowed(self, client_ip):
        """sessions.inc.php: the client address must be one of allow_from (split on space, comma, ';', newline)."""
        if self.allow_from is None:
            return True
        address = ipaddress.ip_address(client_ip)
        for entry in re.split(r"[\s,;]+", self.allow_from.strip()):
            if not entry:
                continue
            try:
                if address in ipaddress.ip_network(entry, strict=False):
                    return True
            except ValueError:
                continue
        return False

    def _dispatch(self, method, query_path, headers, body, query, record, client_ip="127.0.0.1"):
        if query_path is None:
            return Reply(404, b"", "text/html; charset=UTF-8")
        parts = query_path.split("/")
        action = parts[0]
        category = parts[1] if len(parts) > 1 else ""
        obj = parts[2] if len(parts) > 2 else None
        extra = "/".join(parts[3:]) if len(parts) > 3 else None
        record.update(action=action, category=category)
        # sessions.inc.php: key check first (401 answered before the JSON header is set)
        raw_key = headers.get("X-API-Key")
        access = None
        if raw_key is not None:
            key = re.sub(r"[^a-zA-Z0-9-]", "", raw_key)
            if key in self.rw_keys:
                access = "rw"
            elif key in self.ro_keys:
                access = "ro"
            else:
                return Reply.error(401, "authentication failed", content_type="text/html; charset=UTF-8")
            if not self._ip_allowed(client_ip):
                return Reply.error(401, "api access denied for ip %s" % client_ip,
                                   content_type="text/html; charset=UTF-8")
        if headers.get("Sec-Fetch-Dest") not in (None, "empty"):
            return Reply(403, b"", "application/json")
        content_type = headers.get("Content-Type") or ""
        data = None
        if action != "get" and "application/json" in content_type:
            try:
                data = json.loads(body.decode("utf-8"))
            except ValueError:
                return Reply.error(400, "Request body doesn't contain valid json!")
            data = {"__json__": data}
        elif action != "get" and body:  # legacy form encoding: attr=<json>&items=<json>
            form = urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
            data = {}
            for name in ("attr", "items"):
                if name in form:
                    try:
                        data[name] = json.loads(form[name][0])
                    except ValueError:
                        data[name] = form[name][0]
        with self.lock:
            if action == "get":
                return self._get(method, access, category, obj, extra, query)
            if action in ("add", "edit", "delete"):
                return self._write(method, access, action, category, data)
            return Reply.error(404, "route not found")

    def _get(self, method, access, category, obj, extra, query):
        if method != "GET":
            return Reply.error(405, "only GET method is allowed")
        if access is None:
            return Reply(200, b"", "application/json")
        value = self.state.get(category, obj, extra, query)
        if value is NotImplemented:
            return Reply.error(404, "route not found")
        if not value:
            return Reply(200, b"{}", "application/json")
        return Reply.json(value, pretty=True)

    def _write(self, method, access, action, category, data):
        if access == "ro" or (access is None and action != "add"):
            return Reply.error(403, "API read/write access denied")
        if data is None or (action == "edit" and "__json__" not in data and "attr" not in data) or (
                action == "delete" and "__json__" not in data and "items" not in data):
            return Reply.error(200, "Cannot find attributes in post data")
        if method != "POST":
            return Reply.error(405, "only POST method is allowed")
        table = {"add": self.ADD, "edit": self.EDIT, "delete": self.DELETE}[action]
        special = action == "edit" and category in ("rl-domain", "rl-mbox", "passwordpolicy")
        if category not in table and not special:
            return Reply.error(404, "route not found")
        attr, items = self._body_parts(action, data)
        if action == "add" and access is None:
            fn = "dkim" if category == "dkim" else category if category in ("relayhost", "transport") else "mailbox"
            return Reply.json([{"type": "danger", "log": [fn, "add", category, attr, None], "msg": "access_denied"}])
        try:
            if action == "add":
                result = getattr(self.state, table[category])(attr if isinstance(attr, dict) else {})
            elif special and category == "passwordpolicy":
                result = self._edit_password_policy(attr)
            elif special:
                result = self.state.edit_ratelimit("domain" if category == "rl-domain" else "mailbox",
                                                   items, attr if isinstance(attr, dict) else {})
            elif action == "edit":
                result = getattr(self.state, table[category])(items, attr if isinstance(attr, dict) else {})
            else:
                result = getattr(self.state, table[category])(items)
        except _Crash:
            return Reply(200, b"", "application/json")
        if result is None or result == []:
            word = {"add": "add", "edit": "edit", "delete": "delete"}[action]
            return Reply.error(200, "Cannot %s item" % word)
        return Reply.json(result)

    def _edit_password_policy(self, attr):
        log = ["password_policy", "edit", attr]
        for key in ("length", "chars", "special_chars", "lowerupper", "numbers"):
            if key in (attr or {}):
                self.state.password_policy[key] = str(intval(attr[key]))
        return [{"type": "success", "log": log, "msg": "password_policy_saved"}]

    @staticmethod
    def _body_parts(action, data):
        """(attr, items) from a JSON or form body, the way json_api.php maps them."""
        if "__json__" in data:
            payload = data["__json__"]
            if action == "add":
                return payload, None
            if action == "delete":
                items = payload if isinstance(payload, list) else [payload]
                return None, items
            if not isinstance(payload, dict):
                return {}, []
            items = payload.get("items", [])
            return payload.get("attr") or {}, items if isinstance(items, list) else [items]
        items = data.get("items", [])
        return data.get("attr") or {}, items if isinstance(items, list) else [items]

    # -- server lifecycle
    def start(self):
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                try:
                    reply = emulator.handle(self.command, self.path, self.headers, body, self.client_address[0])
                except Exception as exc:  # pylint: disable=broad-except
                    reply = Reply(500, ("emulator bug: %r" % exc).encode(), "text/plain")
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                self.send_header("Access-Control-Allow-Headers", "Accept, Content-Type, X-Api-Key, Origin")
                self.end_headers()
                self.wfile.write(reply.body)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

            def log_message(self, format, *args):  # pylint: disable=redefined-builtin
                pass

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        if self.tls_cert:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(self.tls_cert, self.tls_key)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="mailcow-emulator", daemon=True)
        self._thread.start()
        if self.runner_interval:
            self._runner = threading.Thread(target=self._runner_loop, args=(self.runner_interval,),
                                            name="mailcow-syncjob-runner", daemon=True)
            self._runner.start()
        return self

    def stop(self):
        self._stop_runner.set()
        if self._runner is not None:
            self._runner.join(timeout=60)
            self._runner = None
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=10)
            self._server = None


def _read_key(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read().strip()


def _load_backend(path):
    """(backend, started_here) from the --dovecot-config JSON file."""
    with open(path, encoding="utf-8") as handle:
        conf = json.load(handle)
    cls = getattr(importlib.import_module(conf.get("module", "tests.servers.dovecot")),
                  conf.get("class", "DovecotServer"))
    kwargs = conf.get("kwargs", {})
    if conf.get("start"):
        backend = cls(**kwargs)
        backend.start()
        return backend, True
    if hasattr(cls, "attach"):
        return cls.attach(**kwargs), False
    return cls(**kwargs), False


def main(argv=None):
    parser = argparse.ArgumentParser(description="Mailcow API emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api-key-file", required=True, help="file holding the read-write API key")
    parser.add_argument("--read-only-key-file", help="file holding the read-only API key")
    parser.add_argument("--hostname", default=DEFAULT_HOSTNAME, help="MAILCOW_HOSTNAME")
    parser.add_argument("--dovecot-config", help="JSON file describing the Dovecot backend to attach to")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--info-file", help="write {url, dovecot: {host, port, port_tls, ca_file}} there (JSON)")
    parser.add_argument("--source-ca-file", help="CA file sync jobs trust for source servers (default: system CAs)")
    parser.add_argument("--allow-from", help="API_ALLOW_FROM: addresses or networks the API keys may be used from "
                                             "(default: any, like skip_ip_check)")
    parser.add_argument("--runner-interval", type=float, default=60.0,
                        help="seconds between sync-job runner ticks (Mailcow: 60); 0 = only POST /_emulator/tick")
    args = parser.parse_args(argv)
    backend, owned = _load_backend(args.dovecot_config) if args.dovecot_config else (None, False)
    emulator = MailcowEmulator(port=args.port, rw_keys=[_read_key(args.api_key_file)],
                               ro_keys=[_read_key(args.read_only_key_file)] if args.read_only_key_file else [],
                               hostname=args.hostname, backend=backend, host=args.host,
                               tls_cert=args.tls_cert, tls_key=args.tls_key, source_ca_file=args.source_ca_file,
                               runner_interval=args.runner_interval or None, allow_from=args.allow_from)
    emulator.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    if args.info_file:
        info = {"url": emulator.url}
        if backend is not None:
            info["dovecot"] = {key: getattr(backend, key, None) for key in ("host", "port", "port_tls")}
            info["dovecot"]["ca_file"] = str(getattr(backend, "ca_file", "") or "") or None
        tmp = args.info_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(info, handle)
        os.replace(tmp, args.info_file)
    print("READY " + emulator.url, flush=True)
    try:
        stop.wait()
    finally:
        emulator.stop()
        if owned:
            backend.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
