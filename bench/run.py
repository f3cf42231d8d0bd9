"""The benchmark: imap_sync vs mbsync vs doveadm backup, loopback and through a latency proxy.

For each tool and each network (loopback, then a TcpProxy adding --latency-ms each way in front of
both servers' TLS ports), on a FRESH destination account: a first copy (timed, then loss-checked
against what the source serves), then a no-change re-run (timed, message count checked).

What is timed: the wall-clock time of the copier's process, from spawn to exit. Peak RSS: the
``ru_maxrss`` of that one process (and of any child it waited for), reported by GNU time (see
``timed()``). CPU: user + system seconds of the copier only; "server CPU" separately, the CPU both
Dovecot instances spent during the run (every process of theirs: imap, imap-login doing TLS, auth ...),
because on loopback the servers' work, not the copier's, is most of the time. Servers' memory is not
counted.
MB/s and messages/s are the source's total (sum of RFC822.SIZE, message count) over that time.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import pathlib
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

from bench import corpus, verify
from tests.lib.modrun import module_env
from tests.servers.dovecot import DOVEADM, DovecotServer, TestCA
from tests.servers.tcp_proxy import TcpProxy

REPO = pathlib.Path(__file__).resolve().parents[1]
TOOLS = ("mbsync", "imap_sync", "doveadm", "imapsync")
DEFAULT_TOOLS = ("mbsync", "imap_sync", "doveadm")  # imapsync takes minutes at 2,000 messages and 40 ms RTT
MBSYNC = shutil.which("mbsync") or "/usr/bin/mbsync"
# imapsync (the peer, a Perl script) is never part of the project: taken from ../shared/peers/ where present
PEERS = pathlib.Path(os.environ.get("MAILWAVE_PEERS", REPO.parent / "shared" / "peers"))
SRC_USER, SRC_PASSWORD = "source@src.test", "src-bench-password-1"
DST_PASSWORD = "dst-bench-password-2"


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def _hwm_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def timed(cmd: list[str], *, stdin: bytes = b"", env: dict | None = None, cwd: str | None = None,
          timeout: float = 7200) -> dict:
    """Run cmd; return seconds (wall clock, spawn to exit), peak RSS in KiB, CPU seconds, rc, stdout, stderr.

    Peak RSS is measured by GNU time (``%M``: ru_maxrss of its one child, which it forks from its own
    small process). A child forked straight from this big Python process would inherit our resident
    size as its high-water mark (Linux keeps ru_maxrss across exec), so wait4() here would over-count.
    Without /usr/bin/time, the child's VmHWM is sampled every 5 ms instead (may miss a last-moment peak).
    """
    with tempfile.TemporaryDirectory() as tmp:
        stats = os.path.join(tmp, "time")
        full = ([GNU_TIME, "-q", "-f", "%M %U %S", "-o", stats] if GNU_TIME else []) + cmd
        with open(os.path.join(tmp, "out"), "w+b") as out, open(os.path.join(tmp, "err"), "w+b") as err:
            start = time.monotonic()
            proc = subprocess.Popen(full, stdin=subprocess.PIPE, stdout=out, stderr=err, env=env, cwd=cwd)
            try:
                proc.stdin.write(stdin)
                proc.stdin.close()
            except BrokenPipeError:
                pass
            deadline = start + timeout
            hwm = 0
            killer = threading.Timer(timeout, proc.kill)
            killer.daemon = True
            killer.start()
            while GNU_TIME:  # block: nothing to sample
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            while not GNU_TIME:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                if time.monotonic() > deadline:
                    proc.kill()
                    pid, status, usage = os.wait4(proc.pid, 0)
                    break
                if not GNU_TIME:
                    hwm = max(hwm, _hwm_kb(proc.pid))
                time.sleep(0.005)
            seconds = time.monotonic() - start
            killer.cancel()
            proc.returncode = os.waitstatus_to_exitcode(status)
            out.seek(0)
            err.seek(0)
            result = {"seconds": seconds, "rc": proc.returncode, "maxrss_kb": hwm,
                      "cpu": usage.ru_utime + usage.ru_stime,
                      "stdout": out.read().decode("utf-8", "replace"), "stderr": err.read().decode("utf-8", "replace")}
        if GNU_TIME:
            try:
                maxrss, utime, stime = open(stats, encoding="ascii").read().split()[-3:]
                result.update(maxrss_kb=int(maxrss), cpu=float(utime) + float(stime))
            except (OSError, ValueError):
                result["maxrss_kb"] = 0
        return result


_CLK_TCK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int | str) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (fields[0] is field 3 of proc(5)); None if gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _cpu_ticks(fields: list[str]) -> int:
    """utime + stime + cutime + cstime (a process and its reaped children), fields 14..17 of proc(5)."""
    return sum(int(value) for value in fields[11:15])


def _master_pid(server: DovecotServer) -> int:
    """The Dovecot master's pid, from the state file the server writes when it starts."""
    return int(json.loads(server.state_file.read_text(encoding="utf-8"))["pid"])


def server_cpu_seconds(master_pids: list[int]) -> float:
    """CPU so far of Dovecot master processes and all their children, live or reaped (a running total)."""
    masters = set(master_pids)
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = _stat(entry)
        if fields is not None and (int(entry) in masters or int(fields[1]) in masters):
            total += _cpu_ticks(fields)
    return total / _CLK_TCK


def _secret_file(path: pathlib.Path, text: str) -> str:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    return str(path)


class Bench:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.out = pathlib.Path(args.out).resolve()
        self.out.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        self.work = pathlib.Path(args.work_dir or self.out).resolve() / f"run-{stamp}-{os.getpid()}"
        self.work.mkdir(parents=True)
        self.tools = [t for t in TOOLS if t in args.only]
        self.nets = [n for n in args.networks if n != "latency" or args.latency_ms > 0]
        self.runs: list[dict] = []  # every run
        self.results: list[dict] = []  # per tool/network/phase: the median run
        self.src: DovecotServer | None = None
        self.dst: DovecotServer | None = None
        self.proxies: dict[str, TcpProxy] = {}
        self.source_snapshot: dict | None = None
        self.source_totals: dict = {}

    # ----------------------------------------------------------------- set-up
    def setup(self) -> None:
        cache = self.out / "cache"
        cache.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        corpus_dir = corpus.build(cache, self.args.messages, self.args.big_mb, log=log)
        manifest = corpus.manifest(corpus_dir)
        log(f"corpus ready in {time.monotonic() - started:.1f}s: {manifest['messages']} messages, "
            f"{manifest['bytes'] / 1e6:.1f} MB, {len(manifest['folders'])} folders")
        ca = TestCA(self.work / "ca")
        self.src = DovecotServer(self.work / "src", ca=ca, quota=False).start()
        self.dst = DovecotServer(self.work / "dst", ca=ca, quota=False).start()
        self.src.add_user(SRC_USER, SRC_PASSWORD)
        corpus.install(corpus_dir, self.src, SRC_USER)
        started = time.monotonic()
        self.source_snapshot = verify.snapshot(self.src.host, self.src.port_tls, self.src.ca_file,
                                               SRC_USER, SRC_PASSWORD)
        usage = self.src.usage(SRC_USER)
        self.source_totals = {"messages": usage["messages"], "bytes": usage["bytes"],
                              "folders": len([f for f, msgs in self.source_snapshot.items() if msgs])}
        log(f"source served {usage['messages']} messages, {usage['bytes'] / 1e6:.1f} MB "
            f"(read for the loss check in {time.monotonic() - started:.1f}s)")
        if self.source_totals["messages"] != manifest["messages"]:
            raise RuntimeError(f"source has {usage['messages']} messages, corpus {manifest['messages']}")
        if "latency" in self.nets:
            for name, server in (("src", self.src), ("dst", self.dst)):
                self.proxies[name] = TcpProxy(server.host, server.port_tls, latency_ms=self.args.latency_ms).start()

    def teardown(self) -> None:
        for proxy in self.proxies.values():
            proxy.stop()
        for server in (self.src, self.dst):
            if server is not None:
                server.stop()
        if not self.args.keep:
            shutil.rmtree(self.work, ignore_errors=True)

    def endpoint(self, server: DovecotServer, net: str) -> tuple[str, int]:
        if net == "latency":
            proxy = self.proxies["src" if server is self.src else "dst"]
            return proxy.host, proxy.port
        return server.host, server.port_tls

    # ----------------------------------------------------------------- tools
    def run_imap_sync(self, net: str, dst_user: str, legdir: pathlib.Path) -> dict:
        src_host, src_port = self.endpoint(self.src, net)
        dst_host, dst_port = self.endpoint(self.dst, net)
        args = {
            "source": {**self.src.settings(SRC_USER, SRC_PASSWORD), "host": src_host, "port": src_port},
            "destination": {**self.dst.settings(dst_user, DST_PASSWORD), "host": dst_host, "port": dst_port},
            "state_dir": str(legdir / "state"),
            "_ansible_check_mode": False, "_ansible_diff": False,
        }
        if self.args.connections:
            args["connections"] = self.args.connections
        cmd = [sys.executable, "-m", "ansible_collections.mailwave.migrate.plugins.modules.imap_sync"]
        run = timed(cmd, stdin=json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode(), env=module_env())
        try:
            out = run["stdout"]
            result = json.loads(out[out.index("{"):])
        except ValueError:
            result = {"failed": True, "msg": "no JSON from the module"}
        run["ok"] = run["rc"] == 0 and not result.get("failed")
        run["detail"] = result.get("verdict") or result.get("msg", "")
        run["changed"] = result.get("changed")
        if not run["ok"]:
            run["detail"] = (result.get("msg") or "") + " " + run["stderr"][-500:]
        return run

    def run_mbsync(self, net: str, dst_user: str, legdir: pathlib.Path) -> dict:
        src_host, src_port = self.endpoint(self.src, net)
        dst_host, dst_port = self.endpoint(self.dst, net)
        src_pw = _secret_file(legdir / "src.pw", SRC_PASSWORD)
        dst_pw = _secret_file(legdir / "dst.pw", DST_PASSWORD)
        (legdir / "state").mkdir(exist_ok=True)
        config = f"""# mbsync config written by bench/run.py
IMAPAccount src
Host {src_host}
Port {src_port}
User {SRC_USER}
PassCmd "cat {src_pw}"
SSLType IMAPS
CertificateFile {self.src.ca_file}

IMAPStore src
Account src

IMAPAccount dst
Host {dst_host}
Port {dst_port}
User {dst_user}
PassCmd "cat {dst_pw}"
SSLType IMAPS
CertificateFile {self.dst.ca_file}

IMAPStore dst
Account dst

Channel bench
Far :src:
Near :dst:
Patterns *
Create Near
Sync Pull
Expunge None
CopyArrivalDate yes
SyncState {legdir / "state"}/
"""
        conf = legdir / "mbsyncrc"
        _secret_file(conf, config)
        run = timed([MBSYNC, "-q", "-c", str(conf), "-a"])
        run["ok"] = run["rc"] == 0
        run["detail"] = run["stderr"][-500:].strip()
        return run

    def run_doveadm(self, net: str, dst_user: str, legdir: pathlib.Path) -> dict:
        src_host, src_port = self.endpoint(self.src, net)
        # The password goes in a 0600 config file that includes the destination's config, never on argv.
        conf = legdir / "doveadm.conf"
        _secret_file(conf, f"""!include {self.dst.config_file}
imapc_host = {src_host}
imapc_port = {src_port}
imapc_ssl = imaps
imapc_ssl_verify = yes
ssl_client_ca_file = {self.src.ca_file}
imapc_user = {SRC_USER}
imapc_password = {SRC_PASSWORD}
imapc_features = rfc822.size fetch-headers
mail_prefetch_count = 20
""")
        run = timed([DOVEADM, "-c", str(conf), "backup", "-R", "-u", dst_user, "imapc:"])
        run["ok"] = run["rc"] == 0
        run["detail"] = run["stderr"][-500:].strip()
        return run

    def imapsync_path(self) -> pathlib.Path | None:
        path = pathlib.Path(self.args.imapsync) if self.args.imapsync else PEERS / "imapsync"
        return path if path.is_file() else None

    def run_imapsync(self, net: str, dst_user: str, legdir: pathlib.Path) -> dict:
        """imapsync 2.229 with its defaults, TLS verified against the throwaway CA, passwords in 0600 files."""
        src_host, src_port = self.endpoint(self.src, net)
        dst_host, dst_port = self.endpoint(self.dst, net)
        tmp = legdir / "imapsync-tmp"
        tmp.mkdir(exist_ok=True)
        cmd = ["perl", str(self.imapsync_path()),
               "--host1", src_host, "--port1", str(src_port), "--user1", SRC_USER,
               "--passfile1", _secret_file(legdir / "src.pw", SRC_PASSWORD + "\n"), "--ssl1",
               "--sslargs1", "SSL_verify_mode=1", "--sslargs1", f"SSL_ca_file={self.src.ca_file}",
               "--host2", dst_host, "--port2", str(dst_port), "--user2", dst_user,
               "--passfile2", _secret_file(legdir / "dst.pw", DST_PASSWORD + "\n"), "--ssl2",
               "--sslargs2", "SSL_verify_mode=1", "--sslargs2", f"SSL_ca_file={self.dst.ca_file}",
               "--tmpdir", str(tmp), "--pidfile", str(tmp / "imapsync.pid"), "--nolog", "--noreleasecheck"]
        run = timed(cmd, cwd=str(legdir))
        run["ok"] = run["rc"] == 0
        tail = [line for line in run["stdout"].splitlines() if "rror" in line][-3:]
        run["detail"] = ("; ".join(tail) or run["stderr"][-500:]).strip()
        return run

    # ----------------------------------------------------------------- legs
    def leg(self, tool: str, net: str, rep: int = 0) -> None:
        dst_user = f"{tool.replace('_', '-')}-{net}-{rep}@dst.test"
        legdir = self.work / "legs" / f"{tool}-{net}-{rep}"
        legdir.mkdir(parents=True)
        os.chmod(legdir, 0o700)
        self.dst.add_user(dst_user, DST_PASSWORD)
        runner = getattr(self, f"run_{tool}")
        # The account stays until the end (teardown removes the work dir): deleting its thousands of
        # files here made the NEXT tool slower, because ext4 skips inodes freed in the last minute when
        # it allocates new ones (seen with perf: recently_deleted, find_inode_bit in the server's APPENDs).
        for phase in ("first", "rerun"):
            log(f"{tool} {net} {phase} ...")
            # flush the dirty pages the previous legs left (145 MB per copy): their writeback would
            # otherwise stall whichever tool happens to run next
            os.sync()
            masters = [_master_pid(server) for server in (self.src, self.dst)]
            server_cpu_before = server_cpu_seconds(masters)
            load = os.getloadavg()[0]  # the machine is shared: each figure carries the load it ran under
            run = runner(net, dst_user, legdir)
            time.sleep(0.2)  # let the servers' per-connection processes end and be reaped
            server_cpu = server_cpu_seconds(masters) - server_cpu_before
            row = {"tool": tool, "net": net, "phase": phase, "seconds": round(run["seconds"], 3),
                   "cpu_seconds": round(run["cpu"], 3), "server_cpu_seconds": round(server_cpu, 3),
                   "peak_rss_mb": round(run["maxrss_kb"] / 1024, 1),
                   "ok": run["ok"], "detail": run["detail"][:600], "load_before": round(load, 2)}
            row["mb_per_s"] = round(self.source_totals["bytes"] / 1e6 / run["seconds"], 2)
            row["msgs_per_s"] = round(self.source_totals["messages"] / run["seconds"], 1)
            if phase == "first":
                snap = verify.snapshot(self.dst.host, self.dst.port_tls, self.dst.ca_file, dst_user, DST_PASSWORD)
                diff = verify.compare(self.source_snapshot, snap)
                row["loss_check"] = verify.summary(diff)
                row["loss_clean"] = diff["clean"]
                row["loss_detail"] = diff
            else:
                count = self.count(dst_user)
                same = count == self.source_totals["messages"]
                row["loss_check"] = (f"{count} messages after the re-run"
                                     + ("" if same else f" (source {self.source_totals['messages']})"))
                row["loss_clean"] = same
                if tool == "imap_sync":
                    row["changed"] = run.get("changed")
            row["rep"] = rep
            self.runs.append(row)
            log(f"  {row['seconds']}s (load {load:.2f}), {row['mb_per_s']} MB/s, {row['peak_rss_mb']} MB RSS, ok={row['ok']}; "
                f"{row['loss_check']}" + ("" if row["ok"] else f"; {row['detail'][:300]}"))

    def count(self, user: str) -> int:
        """Messages in every folder of user on the destination (doveadm; no size, which may need a scan)."""
        out = self.dst.doveadm("-f", "flow", "mailbox", "status", "-u", user, "messages", "*")
        return sum(int(part.split("=", 1)[1]) for part in out.split() if part.startswith("messages="))

    def run(self) -> dict:
        try:
            self.setup()
            for net in self.nets:
                for rep in range(self.args.repeat):  # tools interleaved: load changes hit all of them
                    for tool in self.tools:
                        if tool == "imap_sync" and not (REPO / "plugins" / "modules" / "imap_sync.py").exists():
                            log("imap_sync: module plugins/modules/imap_sync.py does not exist yet; leg skipped")
                            continue
                        if tool == "imapsync" and self.imapsync_path() is None:
                            log(f"imapsync: not found (looked for {PEERS / 'imapsync'}; set MAILWAVE_PEERS or "
                                "--imapsync); leg skipped")
                            continue
                        self.leg(tool, net, rep)
            self.aggregate()
        finally:
            self.teardown()
        return self.report()

    # ----------------------------------------------------------------- report
    def aggregate(self) -> None:
        """One row per tool/network/phase: the median run (by seconds) of the --repeat runs."""
        groups: dict[tuple, list[dict]] = {}
        for row in self.runs:
            groups.setdefault((row["tool"], row["net"], row["phase"]), []).append(row)
        self.results = []
        for rows in groups.values():
            ordered = sorted(rows, key=lambda r: r["seconds"])
            median = dict(ordered[(len(ordered) - 1) // 2])
            median["seconds_all"] = [r["seconds"] for r in rows]
            median["peak_rss_mb"] = max(r["peak_rss_mb"] for r in rows)
            median["ok"] = all(r["ok"] for r in rows)
            median["loss_clean"] = all(r["loss_clean"] for r in rows)
            if not median["loss_clean"] and median.get("loss_detail", {}).get("clean", False):
                median["loss_check"] += " (another repetition differed: see the JSON)"
            self.results.append(median)

    def _row(self, tool: str, net: str, phase: str) -> dict | None:
        for row in self.results:
            if (row["tool"], row["net"], row["phase"]) == (tool, net, phase):
                return row
        return None

    def targets(self) -> list[str]:
        lines = []

        def ratio(net: str) -> tuple[float | None, dict | None]:
            ours, theirs = self._row("imap_sync", net, "first"), self._row("mbsync", net, "first")
            if not ours or not theirs or not ours["ok"] or not theirs["ok"]:
                return None, ours
            return ours["mb_per_s"] / theirs["mb_per_s"], ours

        r, ours = ratio("loopback")
        if r is None:
            lines.append("n/a   first copy on loopback >= 1.5x mbsync, byte-identical (imap_sync or mbsync leg missing)")
        else:
            ok = r >= 1.5 and ours["loss_clean"]
            lines.append(f"{'PASS' if ok else 'MISS'}  first copy on loopback >= 1.5x mbsync, byte-identical: "
                         f"{r:.2f}x, {ours['loss_check']}")
        r, ours = ratio("latency")
        if r is None:
            lines.append("n/a   with 20 ms latency each way >= mbsync (no latency leg in this run)")
        else:
            lines.append(f"{'PASS' if r >= 1.0 else 'MISS'}  with {self.args.latency_ms:g} ms each way >= mbsync: "
                         f"{r:.2f}x")
        lines += self.small_targets()
        rerun = self._row("imap_sync", "loopback", "rerun")
        if rerun is None:
            lines.append("n/a   no-change re-run of 20,000 messages under 1 s (leg missing)")
        elif self.source_totals["messages"] >= 20000:
            lines.append(f"{'PASS' if rerun['seconds'] < 1 else 'MISS'}  no-change re-run of "
                         f"{self.source_totals['messages']} messages under 1 s: {rerun['seconds']:.2f}s")
        else:
            lines.append(f"n/a   no-change re-run of 20,000 messages under 1 s (run at "
                         f"{self.source_totals['messages']}: {rerun['seconds']:.2f}s)")
        rss = [r["peak_rss_mb"] for r in self.results if r["tool"] == "imap_sync"]
        conditions = []
        if self.source_totals["messages"] >= 20000:
            conditions.append(f"{self.source_totals['messages']} messages")
        if self.args.big_mb >= 50:
            conditions.append(f"a {self.args.big_mb} MB message")
        if not rss:
            lines.append("n/a   peak memory < 100 MB (leg missing)")
        elif conditions:
            lines.append(f"{'PASS' if max(rss) < 100 else 'MISS'}  peak memory < 100 MB with "
                         f"{' and '.join(conditions)}: {max(rss):.1f} MB")
        else:
            lines.append(f"n/a   peak memory < 100 MB at 20,000 messages and with a 50 MB message (this run: "
                         f"{max(rss):.1f} MB at {self.source_totals['messages']} messages; use --messages 20000 "
                         "--big-mb 50)")
        return lines

    def speed_vs(self, tool: str, net: str, phase: str = "first") -> float | None:
        """imap_sync's speed over tool's (tool's seconds / imap_sync's), same run, network and phase."""
        ours, theirs = self._row("imap_sync", net, phase), self._row(tool, net, phase)
        if not ours or not theirs or not ours["ok"] or not theirs["ok"]:
            return None
        return theirs["seconds"] / ours["seconds"]

    def small_targets(self) -> list[str]:
        """Issue 11: a small mailbox (500 messages, ~40 MB, 14 folders) across a 40 ms round trip, first copy:
        >= 2x mbsync and >= 30x imapsync, byte-identical, the peers measured in the same run."""
        if "latency" not in self.nets or self.source_totals.get("messages") != 500:
            return ["n/a   small mailbox at 40 ms RTT >= 2x mbsync and >= 30x imapsync (use --small)"]
        rtt = f"{2 * self.args.latency_ms:g} ms RTT"
        ours = self._row("imap_sync", "latency", "first")
        lines = []
        for tool, goal in (("mbsync", 2.0), ("imapsync", 30.0)):
            r = self.speed_vs(tool, "latency")
            if r is None:
                lines.append(f"n/a   500 messages at {rtt}: first copy >= {goal:g}x {tool} (leg missing or failed)")
            else:
                ok = r >= goal and ours["loss_clean"]
                lines.append(f"{'PASS' if ok else 'MISS'}  500 messages at {rtt}: first copy >= {goal:g}x {tool}, "
                             f"byte-identical: {r:.2f}x ({ours['seconds']:.2f}s vs {self._row(tool, 'latency', 'first')['seconds']:.2f}s), "
                             f"{ours['loss_check']}")
        return lines

    def table(self) -> str:
        head = ("| tool | network | run | seconds | MB/s | msg/s | peak RSS MB | CPU s | server CPU s | speed vs mbsync "
                "| speed vs imapsync | ok | loss check |\n"
                "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |\n")
        rows = []
        for row in self.results:
            ref = self._row("mbsync", row["net"], row["phase"])
            vs = f"{ref['seconds'] / row['seconds']:.2f}x" if ref and ref["ok"] and row["ok"] else "-"
            ref = self._row("imapsync", row["net"], row["phase"])
            vs_imapsync = f"{ref['seconds'] / row['seconds']:.2f}x" if ref and ref["ok"] and row["ok"] else "-"
            net = row["net"] if row["net"] == "loopback" else f"+{self.args.latency_ms:g} ms each way"
            mbps = f"{row['mb_per_s']:.1f}" if row["phase"] == "first" else "-"  # a re-run moves no mail
            secs = f"{row['seconds']:.2f}"
            if len(row.get("seconds_all", [])) > 1:
                secs += f" [{min(row['seconds_all']):.2f}..{max(row['seconds_all']):.2f}]"
            rows.append(f"| {row['tool']} | {net} | {row['phase']} | {secs} | {mbps} | "
                        f"{row['msgs_per_s']:.0f} | {row['peak_rss_mb']:.1f} | {row['cpu_seconds']:.2f} | "
                        f"{row['server_cpu_seconds']:.2f} | {vs} | {vs_imapsync} | "
                        f"{'yes' if row['ok'] else 'NO'} | {row['loss_check']} |")
        return head + "\n".join(rows) + "\n"

    def details(self) -> str:
        """Per folder, what each first copy that is not identical got wrong."""
        lines = []
        for row in self.results:
            diff = row.get("loss_detail")
            if not diff or diff["clean"]:
                continue
            lines.append(f"- {row['tool']} ({row['net']}):")
            for folder, stats in diff["folders"].items():
                parts = [f"{stats.get('copy', 0)}/{stats['source']} messages", f"{stats.get('identical', 0)} identical"]
                parts += [f"{stats[k]} {label}" for k, label in (
                    ("missing", "missing"), ("extra", "extra"), ("body_altered_xtuid", "with X-TUID added"),
                    ("flags_differ", "flags differ"), ("date_differs", "INTERNALDATE differs")) if stats.get(k)]
                lines.append(f"    {folder}: " + ", ".join(parts))
        return ("\nLoss check, per folder, of the copies that are not identical:\n" + "\n".join(lines) + "\n"
                if lines else "")

    def report(self) -> dict:
        loads = [r["load_before"] for r in self.runs if "load_before" in r]
        machine = (f"{platform.node()} {platform.machine()}, {os.cpu_count()} CPUs, "
                   + (f"load average {min(loads):.2f}..{max(loads):.2f} before the runs, " if loads else "")
                   + f"{os.getloadavg()[0]:.2f} at the end")
        header = (f"Mailwave IMAP benchmark, {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC, {machine}\n"
                  + (f"{self.args.repeat} runs per tool and network, interleaved: median shown, [min..max] seconds, "
                     "peak RSS the largest\n" if self.args.repeat > 1 else "")
                  + f"source: {self.source_totals.get('messages')} messages, "
                  f"{self.source_totals.get('bytes', 0) / 1e6:.1f} MB, {self.source_totals.get('folders')} non-empty "
                  "folders; TLS on every connection; "
                  + (f"latency leg: TcpProxy +{self.args.latency_ms:g} ms each way\n" if "latency" in self.nets
                     else "loopback only\n"))
        text = (header + "\n" + self.table() + "\nTargets (issue 2):\n" + "\n".join(self.targets()) + "\n"
                + self.details())
        print("\n" + text, flush=True)
        result = {"date": dt.datetime.now(dt.timezone.utc).isoformat(), "machine": machine,
                  "args": vars(self.args), "source": self.source_totals, "results": self.results, "runs": self.runs,
                  "targets": self.targets(), "text": text}
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        (self.out / f"results-{self.args.messages}-{stamp}.json").write_text(json.dumps(result, indent=1, default=str))
        (self.out / f"results-{self.args.messages}-{stamp}.md").write_text(text)
        (self.out / "latest.json").write_text(json.dumps(result, indent=1, default=str))
        return result


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--messages", type=int, default=None,
                        help="corpus size (2000, the default, ~150 MB; 500 ~41 MB; 20000 ~1.5 GB)")
    parser.add_argument("--latency-ms", type=float, default=20, help="latency added each way (0: no latency leg)")
    parser.add_argument("--only", default=None,
                        help="comma-separated tools: " + ",".join(TOOLS) + " (default: " + ",".join(DEFAULT_TOOLS)
                        + "; with --small: imap_sync,mbsync,imapsync)")
    parser.add_argument("--networks", default=None,
                        help="comma-separated: loopback,latency (default: both; with --small: latency)")
    parser.add_argument("--small", action="store_true",
                        help="issue 11's small mailbox: 500 messages (~41 MB, 14 folders), latency leg only, "
                             "imap_sync vs mbsync and imapsync (unless --messages/--networks/--only say otherwise)")
    parser.add_argument("--imapsync", default=None,
                        help="the imapsync script (default: $MAILWAVE_PEERS/imapsync, else ../shared/peers/imapsync; "
                             "its leg is skipped when absent)")
    parser.add_argument("--out", default=str(REPO / "bench" / "output"), help="results, corpus cache, work dirs")
    parser.add_argument("--big-mb", type=int, default=0, help="add one message of this many MB (memory target: 50)")
    parser.add_argument("--connections", type=int, default=0, help="imap_sync connections (0: module default)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per tool and network, interleaved; the table shows the median run")
    parser.add_argument("--keep", action="store_true", help="keep the servers' work dir after the run")
    parser.add_argument("--work-dir", default=None,
                        help="where the servers and their mail live (default: --out); e.g. a tmpfs such as /dev/shm "
                             "takes the disk's noise out of the comparison")
    args = parser.parse_args(argv)
    if args.messages is None:
        args.messages = 500 if args.small else 2000
    if args.only is None:
        args.only = "imap_sync,mbsync,imapsync" if args.small else ",".join(DEFAULT_TOOLS)
    if args.networks is None:
        args.networks = "latency" if args.small else "loopback,latency"
    args.networks = [n.strip() for n in args.networks.split(",") if n.strip()]
    if set(args.networks) - {"loopback", "latency"} or not args.networks:
        parser.error("--networks takes loopback, latency or both")
    args.only = [t.strip() for t in args.only.split(",") if t.strip()]
    unknown = set(args.only) - set(TOOLS)
    if unknown:
        parser.error(f"unknown tool(s) in --only: {', '.join(sorted(unknown))}")
    return args


def main(argv: list[str] | None = None) -> int:
    if os.geteuid() != 0:
        print("the benchmark starts private Dovecot servers and must run as root", file=sys.stderr)
        return 2
    args = parse_args(argv)
    # A SIGTERM (timeout, Ctrl-C from a wrapper) unwinds like an exception, so the servers are stopped.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    result = Bench(args).run()
    return 0 if all(row["ok"] for row in result["results"]) else 1
