"""What a Mailcow instance stores, and the helpers every API area uses (the areas are mixins over it).

Tables and defaults as in mailcow-dockerized 06424670 (``data/web/inc/init_db.inc.php``, spec:
../shared/reference/mailcow-api.md); ``{type, log, msg}`` entries as functions.mailbox.inc.php returns
them (spec §0, §1.1).
"""
from __future__ import annotations

import re

from tests.servers.mailcow.common import DEFAULT_HOSTNAME, MIB, intval, php_empty


class StateBase:
    """Everything a Mailcow instance stores; the API functions over it are the area mixins."""

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
        """(bytes, messages) of user's mail. Mailcow reads them from a table Dovecot keeps (quota2), so a
        backend's cheap stored_usage() is preferred to a doveadm run per box (get/mailbox/all at 1,000 boxes)."""
        if self.backend is not None:
            try:
                read = getattr(self.backend, "stored_usage", None) or self.backend.usage
                usage = read(user)
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
