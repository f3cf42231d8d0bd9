"""Sync jobs of the Mailcow API emulator: ``add/edit/delete syncjob``, ``get/syncjobs`` and the runner's side
(selection, start, finish) that ``MailcowEmulator.tick()`` drives.

Shapes: ../shared/reference/mailcow-api.md §1.5 and §3 (imapsync_runner.pl); recorded in
mailcow-transcripts/03_syncjob.txt, 03b_syncjob.txt (add without ``exclude``: an empty 200) and
04_syncjob_edit.txt (edit, delete).
"""
from __future__ import annotations

import datetime
import re

from tests.servers.mailcow.base import StateBase
from tests.servers.mailcow.common import _Crash, int_in_range, intval, is_valid_domain_name, is_valid_email, now, \
    pcre_valid, php_empty


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


class SyncJobsApi(StateBase):
    """The sync-job functions."""

    # ---------------------------------------------------------------- sync jobs
    def syncjob_get(self, job, with_log=True):
        # with_log=False is get/syncjobs/<all|user>/no_log: mailbox('get', 'syncjob_details', id, ['no_log'])
        # (data/web/inc/functions.mailbox.inc.php) selects every column but returned_text and password1, then
        # sets log to '' as returned_text is absent: the same keys, log always "" (mailcow-api.md §1.5,
        # mailcow-transcripts/03_syncjob.txt "GET /api/v1/get/syncjobs/all/no_log"). success, exit_status,
        # last_run and is_running stay.
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
