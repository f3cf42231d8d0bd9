# -*- coding: utf-8 -*-
# Copyright (c) Mailwave engineers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS IS ONLY FOR USE BY THE mailwave.migrate COLLECTION. It is PRIVATE to the collection.

"""Mailcow sync jobs (imapsync), identified by (mailbox, source host, source user).

Traps handled here: the API sets every omitted flag to 0 and active to 0 on creation, so creation
sends every field (with the defaults documented in the module); a missing exclude makes Mailcow
crash silently, so it is always sent; out-of-range numbers are silently replaced by Mailcow, so they are
refused here; custom_params is checked with Mailcow's own rules before anything is sent.
"""

from __future__ import annotations

import re

from ansible_collections.mailwave.migrate.plugins.module_utils._mailcow.engine import (
    Resource, ResourceFailure, as_bool, flag)

# Mailcow's imapsync option whitelist (data/web/inc/vars.inc.php, IMAPSYNC_OPTIONS) and blacklist.
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
IMAPSYNC_BLACKLIST = frozenset(["skipmess", "delete2foldersonly", "delete2foldersbutnot", "regexflag", "regexmess",
                                "pipemess", "regextrans2", "maxlinelengthcmd"])

# option name -> (API field, kind)
FIELDS = {
    "host": ("host1", "str"), "port": ("port1", "int"), "encryption": ("enc1", "enc"), "user": ("user1", "str"),
    "interval": ("mins_interval", "int"), "subfolder": ("subfolder2", "str"), "max_age": ("maxage", "int"),
    "max_bytes_per_second": ("maxbytespersecond", "int"), "timeout_source": ("timeout1", "int"),
    "timeout_destination": ("timeout2", "int"), "exclude": ("exclude", "str"),
    "custom_params": ("custom_params", "str"), "delete2duplicates": ("delete2duplicates", "bool"),
    "delete1": ("delete1", "bool"), "delete2": ("delete2", "bool"), "automap": ("automap", "bool"),
    "skip_cross_duplicates": ("skipcrossduplicates", "bool"), "subscribe_all": ("subscribeall", "bool"),
    "dry": ("dry", "bool"), "active": ("active", "bool"),
}
# What a new job gets for an option that is not given (Mailcow's table defaults, and active).
CREATE_DEFAULTS = {
    "encryption": "tls", "interval": 20, "subfolder": "", "max_age": 0, "max_bytes_per_second": 0,
    "timeout_source": 600, "timeout_destination": 600, "exclude": "", "custom_params": "",
    "delete2duplicates": True, "delete1": False, "delete2": False, "automap": False,
    "skip_cross_duplicates": False, "subscribe_all": True, "dry": False, "active": True,
}
RANGES = {"port": (1, 65535), "interval": (1, 43800), "max_age": (0, 32000),
          "max_bytes_per_second": (0, 125000000), "timeout_source": (1, 32000), "timeout_destination": (1, 32000)}


def settings_spec():
    """The argument spec of a job's settings (doc fragment _mailcow_syncjob), shared by mailcow_syncjob and
    mailcow_syncjobs."""
    return dict(
        host=dict(type="str", required=True),
        port=dict(type="int"),
        encryption=dict(type="str", choices=["tls", "ssl", "plain"]),
        interval=dict(type="int"),
        subfolder=dict(type="str"),
        max_age=dict(type="int"),
        max_bytes_per_second=dict(type="int"),
        timeout_source=dict(type="int"),
        timeout_destination=dict(type="int"),
        exclude=dict(type="str"),
        custom_params=dict(type="str"),
        delete2duplicates=dict(type="bool"),
        delete1=dict(type="bool"),
        delete2=dict(type="bool"),
        automap=dict(type="bool"),
        skip_cross_duplicates=dict(type="bool"),
        subscribe_all=dict(type="bool"),
        dry=dict(type="bool"),
        active=dict(type="bool"),
        run_now=dict(type="bool", default=False),
    )


def custom_params_problem(params):
    """Why Mailcow's validator would refuse custom_params, or None. Mirrors its rules: the string is cut
    on every '-', each piece's option name (before '=') must be on the whitelist and contain no space."""
    for piece in str(params or "").strip().split("-"):
        if not piece:
            continue
        name = piece.split("=", 1)[0] if "=" in piece else piece.rstrip(" ")
        name = name.lstrip("-")
        if " " in name:
            return ("custom_params: %r contains a space; Mailcow refuses options whose value is separated by a "
                    "space (bad character SPACE): write --option=value" % name)
        if name.lower() in IMAPSYNC_BLACKLIST:
            return ("custom_params: --%s is blacklisted by Mailcow (bad option %s): it can rewrite or drop messages "
                    "and folders for every run; it cannot be used in a Mailcow sync job" % (name, name))
        if name.lower() not in IMAPSYNC_WHITELIST:
            return ("custom_params: %r is not an imapsync option Mailcow accepts (bad option %s); note that Mailcow "
                    "cuts the string on every '-', so values may not contain '-'" % (name, name))
    return None


def exclude_problem(pattern):
    """Why PHP's preg_match('/'.pattern.'/') would fail (Mailcow answers access_denied), or None."""
    if re.search(r"(?<!\\)/", pattern):
        return "exclude %r contains an unescaped '/': write \\/ (Mailcow wraps the expression in /.../)" % pattern
    try:
        re.compile(pattern)
    except re.error as exc:
        if "global flags" not in str(exc):
            return "exclude %r is not a valid regular expression (%s)" % (pattern, exc)
        try:
            re.compile(re.sub(r"\(\?[aiLmsux]+\)", "", pattern))
        except re.error as exc2:
            return "exclude %r is not a valid regular expression (%s)" % (pattern, exc2)
    return None


def syncjob_from_api(job):
    out = {"id": int(job["id"]), "mailbox": job.get("user2")}
    for option, (field, kind) in FIELDS.items():
        value = job.get(field)
        if kind == "int":
            value = int(value or 0)
        elif kind == "bool":
            value = as_bool(value)
        elif kind == "enc":
            value = str(value or "").lower()
        else:
            value = "" if value is None else str(value)
        out[option] = value
    success = job.get("success")
    out.update({
        "is_running": as_bool(job.get("is_running")),
        "last_run": job.get("last_run"),
        "success": None if success is None else as_bool(success),
        "exit_status": job.get("exit_status"),
        "created": job.get("created"),
        "modified": job.get("modified"),
    })
    return out


def api_value(option, value):
    field, kind = FIELDS[option]
    if kind == "bool":
        return field, flag(value)
    if kind == "enc":
        return field, value.upper()
    return field, value


def find_job(client, mailbox, host, user, with_log=False):
    """The raw job of (mailbox, host, user) or None."""
    parts = [mailbox] if with_log else [mailbox, "no_log"]
    for job in client.get_list("syncjobs", *parts):
        if str(job.get("host1", "")).lower() == host.lower() and job.get("user1") == user:
            return job
    return None


class SyncJobResource(Resource):
    COMPARED = tuple(FIELDS)
    RESULT_KEY = "syncjob"

    def __init__(self, module, client):
        super().__init__(module, client)
        self.mailbox = (self.params["mailbox"] or "").strip().lower()
        self.host = (self.params["host"] or "").strip().lower()

    def validate(self):
        params = self.params
        for option, (low, high) in RANGES.items():
            value = params.get(option)
            if value is not None and not low <= value <= high:
                raise ResourceFailure("%s must be between %d and %d (Mailcow would silently replace %d)"
                                      % (option, low, high, value))
        if params.get("custom_params"):
            problem = custom_params_problem(params["custom_params"])
            if problem:
                raise ResourceFailure(problem)
        if params.get("exclude"):
            problem = exclude_problem(params["exclude"])
            if problem:
                raise ResourceFailure(problem)
        if not self.host:
            raise ResourceFailure("host is required: the source IMAP server")

    def desired(self):
        desired = super().desired()
        desired["host"] = self.host
        if "custom_params" in desired:
            desired["custom_params"] = desired["custom_params"].strip()
        return desired

    def read(self):
        job = find_job(self.client, self.mailbox, self.host, self.params["user"])
        return syncjob_from_api(job) if job else None

    def actions(self, current):
        actions = []
        if self.params.get("update_password") == "always" and self.params.get("password"):
            actions.append("password")
        if self.params.get("run_now") and current.get("last_run") is not None and not current.get("is_running"):
            actions.append("run_now")
        return actions

    def create(self, desired):
        if not self.params.get("password"):
            raise ResourceFailure("password is required to create the sync job of %s from %s"
                                  % (self.mailbox, self.host))
        values = dict(CREATE_DEFAULTS)
        values.update(desired)
        if values.get("port") is None:
            values["port"] = 993 if values["encryption"] == "ssl" else 143
        attrs = {"username": self.mailbox, "password1": self.params["password"]}
        for option, value in values.items():
            field, api = api_value(option, value)
            attrs[field] = api
        attrs.setdefault("exclude", "")  # without it Mailcow crashes silently and creates nothing
        self.client.add("syncjob", attrs)

    def update(self, current, changes, actions):
        attrs = {}
        for option, value in changes.items():
            field, api = api_value(option, value)
            attrs[field] = api
        if "password" in actions:
            attrs["password1"] = self.params["password"]
        if "run_now" in actions:
            attrs["last_run"] = ""  # Mailcow's "run now": last_run=NULL, picked at the next runner tick
        self.client.edit("syncjob", [str(current["id"])], attrs)

    def delete(self, current):
        self.client.delete("syncjob", [str(current["id"])])

    def predict(self, current, desired):
        if current is None:
            state = dict(CREATE_DEFAULTS)
            state.update(desired)
            if state.get("port") is None:
                state["port"] = 993 if state["encryption"] == "ssl" else 143
            state.update({"id": None, "mailbox": self.mailbox, "last_run": None, "success": None})
            return state
        state = dict(current)
        state.update(desired)
        return state
