"""``python -m bench wave --domains N --mailboxes M``: the whole wave playbook on a scaled sandbox, then
the same copies run directly (imap_sync_batch, no Ansible), in one run on the same servers.

Printed and written to ``OUT/wave-latest.json``: wall time of each phase (from the first domain's start
of the phase to the last domain's end of it; domains run in parallel, strategy free, so they overlap), the
wave's total, the direct copies' first run and re-run, their ratios, and, sampled every 0.5 s, the peak
number of processes and the peak RSS of the ansible-playbook process tree, and the load average.

The direct copies go into fresh accounts on the destination Dovecot (the wave's own are already full),
with the same parallel and connection bound as the wave.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import threading
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
CALLBACKS = pathlib.Path(__file__).resolve().parent / "callback_plugins"


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench wave", description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--domains", type=int, default=5)
    parser.add_argument("--mailboxes", type=int, default=4)
    parser.add_argument("--messages", type=int, default=5, help="messages per mailbox (small ones)")
    parser.add_argument("--forks", type=int, default=5)
    parser.add_argument("--parallel", type=int, default=8, help="mailwave_sync_parallel")
    parser.add_argument("--rerun", action="store_true", help="also run the wave a second time (no change)")
    parser.add_argument("--out", default=str(REPO / "bench" / "output"))
    return parser.parse_args(argv)


def _tree(root):
    """Pids of root and its descendants (from /proc/*/stat)."""
    parents = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry, encoding="ascii", errors="replace") as handle:
                parents.setdefault(int(handle.read().rsplit(") ", 1)[1].split()[1]), []).append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo.extend(parents.get(pid, []))
    return pids


def _rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid, encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class Sampler(threading.Thread):
    """Peak processes and RSS of a process tree, and the peak 1-minute load, every `interval` s."""

    def __init__(self, pid, interval=0.5):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_processes = self.peak_rss_kb = 0
        self.peak_load = 0.0
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            pids = _tree(self.pid)
            self.peak_processes = max(self.peak_processes, len(pids))
            self.peak_rss_kb = max(self.peak_rss_kb, sum(_rss_kb(p) for p in pids))
            self.peak_load = max(self.peak_load, os.getloadavg()[0])
            self.done.wait(self.interval)


def write_inventory(directory, sandbox):
    """An inventory of the scaled wave beside the example's group_vars (which read sandbox.json)."""
    hosts = {domain: {"mailwave_mailboxes": [{"address": m["address"], "name": m["name"]} for m in spec["mailboxes"]]}
             for domain, spec in sandbox.state["domains"].items()}
    inventory = {"all": {"children": {"wave1": {"vars": {"mailwave_wave": "wave1"}, "hosts": hosts},
                                      "sync_workers": {"hosts": {}}}}}
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "inventory.yml").write_text(json.dumps(inventory, indent=1), encoding="utf-8")
    for name in ("group_vars", "ansible.cfg"):
        target = directory / name
        if not target.exists():
            os.symlink(EXAMPLES / name, target)
    return directory / "inventory.yml"


def phase_spans(events):
    """{phase: seconds} from the callback's events: each phase from the first domain's "Start phase X" to
    the last domain's "Time phase X" (domains run in parallel, so spans overlap), in the order they began."""
    spans = {}
    for event in events:
        task = event.get("task") or ""
        for marker, index in (("Start phase ", 0), ("Time phase ", 1)):
            if task.startswith(marker):
                phase = task[len(marker):]
                first, last = spans.get(phase, (None, None))
                if index == 0:
                    first = event["start"] if first is None else min(first, event["start"])
                else:
                    last = event["end"] if last is None else max(last, event["end"])
                spans[phase] = (first, last)
    done = [(phase, first, last) for phase, (first, last) in spans.items() if first is not None and last is not None]
    return {phase: round(last - first, 1) for phase, first, last in sorted(done, key=lambda row: row[1])}


# The cut-over's real waits: the old TTL waited out and the authoritative servers' propagation. The issue's
# target is the wave "within 2x the direct copy time plus the real waits".
WAIT_TASKS = ("Wait the old TTL out", "Wait until every authoritative server serves the new MX",
              "Verify on every authoritative server")


def _is_wait(event):
    # a role's task is named "role : task" by the callback
    return str(event.get("task") or "").split(" : ", 1)[-1].startswith(WAIT_TASKS)


def _union(intervals):
    merged = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def wait_seconds(events):
    """Seconds the whole wave only waited: some domain in a real wait (WAIT_TASKS) and no domain doing
    anything else, so that the time cannot be had back by less Ansible overhead."""
    waits = _union((e["start"], e["end"]) for e in events if _is_wait(e))
    busy = _union((e["start"], e["end"]) for e in events if not _is_wait(e))
    total = 0.0
    for start, end in waits:
        covered = sum(max(0.0, min(end, b_end) - max(start, b_start)) for b_start, b_end in busy)
        total += (end - start) - covered
    return round(total, 1)


def run_wave(inventory, sandbox_dir, forks, parallel, work):
    from tests.lib.collection import ensure_collection_link
    collections = ensure_collection_link()
    exe = pathlib.Path(sys.executable).with_name("ansible-playbook")
    timing = work / ("timing-%d.jsonl" % time.time_ns())
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_CALLBACK_PLUGINS=str(CALLBACKS),
               ANSIBLE_CALLBACKS_ENABLED="mailwave_bench_timing", MAILWAVE_BENCH_TIMING=str(timing),
               MAILWAVE_SANDBOX=str(sandbox_dir), ANSIBLE_NOCOLOR="1", ANSIBLE_FORKS=str(forks),
               ANSIBLE_HOME=str(work / "ansible-home"), ANSIBLE_LOCAL_TEMP=str(work / "ansible-tmp"),
               PATH=str(exe.parent) + os.pathsep + os.environ.get("PATH", ""))
    # The whole wave, the day after included: wave.yml stops after the cut-over unless finalize is asked
    # for, and the sandbox does not wait the day (mailwave_finalize_after=0).
    cmd = [str(exe), "mailwave.migrate.wave", "-i", str(inventory), "-e", "mailwave_sync_parallel=%d" % parallel,
           "--tags", "all,finalize", "-e", "mailwave_finalize_after=0"]
    started = time.monotonic()
    with open(work / "wave.log", "a", encoding="utf-8") as log:
        proc = subprocess.Popen(cmd, cwd=str(inventory.parent), env=env, stdout=log,  # pylint: disable=consider-using-with
                                stderr=subprocess.STDOUT)
        sampler = Sampler(proc.pid)
        sampler.start()
        rc = proc.wait()
        sampler.done.set()
        sampler.join()
    seconds = time.monotonic() - started
    events = [json.loads(line) for line in timing.read_text().splitlines()] if timing.exists() else []
    waiting = [e for e in events if _is_wait(e)]
    return {"rc": rc, "seconds": round(seconds, 1), "phases": phase_spans(events), "waits": wait_seconds(events),
            "wait_tasks_seconds": round(sum(e["end"] - e["start"] for e in waiting), 1),
            "peak_processes": sampler.peak_processes, "peak_rss_mb": round(sampler.peak_rss_kb / 1024),
            "peak_load": round(sampler.peak_load, 1)}


def run_direct(sandbox, parallel, work):
    """The wave's copies, once into fresh destination accounts and once again (nothing to copy)."""
    from tests.lib.modrun import run_module
    dest = sandbox.destination
    jobs = []
    for domain, spec in sandbox.state["domains"].items():
        source = sandbox.source_server(domain)
        for box in spec["mailboxes"]:
            user, password = "direct-" + box["address"], "pw-" + box["password"]
            dest.add_user(user, password)
            jobs.append({"id": box["address"], "domain": domain,
                         "source": source.settings(box["address"], box["password"]),
                         "destination": dest.settings(user, password),
                         "options": {"state_dir": str(work / "direct-state" / box["address"])}})
    params = {"jobs": jobs, "parallel": parallel, "options": {"automap": True, "subscribe_all": True}}
    runs = []
    for _phase in ("first", "rerun"):
        started = time.monotonic()
        result = run_module("imap_sync_batch", params, timeout=3600)
        runs.append({"seconds": round(time.monotonic() - started, 1), "failed_jobs": len(result.get("failed_jobs", [])),
                     "ok": not result.failed and not result.get("failed_jobs"),
                     "copied": sum(int(((r.get("result") or {}).get("totals") or {}).get("copied") or 0)
                                   for r in result.get("results", []))})
    return {"first": runs[0], "rerun": runs[1]}


def verified(sandbox):
    """(verified boxes, boxes) from the wave's latest report."""
    reports = sorted((pathlib.Path(sandbox.dir) / "work" / "wave1" / "reports").glob("*/report.json"))
    if not reports:
        return 0, 0
    report = json.loads(reports[-1].read_text())
    boxes = [m for d in report["domains"] for m in d["mailboxes"]]
    return sum(1 for m in boxes if m.get("verified")), len(boxes)


def main(argv=None):
    from sandbox.sandbox import Sandbox
    args = parse_args(argv)
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    work = pathlib.Path(tempfile.mkdtemp(prefix="wave-", dir=str(out)))
    load_before = os.getloadavg()
    sandbox = Sandbox(work / "sandbox", messages_per_box=args.messages, domains=args.domains, mailboxes=args.mailboxes)
    try:
        sandbox.start()
        inventory = write_inventory(work / "inventory", sandbox)
        wave = run_wave(inventory, sandbox.dir, args.forks, args.parallel, work)
        wave["verified"], wave["boxes"] = verified(sandbox)
        rerun = run_wave(inventory, sandbox.dir, args.forks, args.parallel, work) if args.rerun else None
        direct = run_direct(sandbox, args.parallel, work)
    finally:
        sandbox.stop()
    result = {"domains": args.domains, "mailboxes": args.mailboxes, "messages": args.messages, "forks": args.forks,
              "parallel": args.parallel, "cpus": os.cpu_count(), "load_before": [round(x, 2) for x in load_before],
              "wave": wave, "wave_rerun": rerun, "direct": direct,
              "ratio": round(wave["seconds"] / max(direct["first"]["seconds"], 0.1), 1),
              "ratio_sync": round(wave["phases"].get("sync", 0) / max(direct["first"]["seconds"], 0.1), 1),
              "ratio_rerun": round(rerun["seconds"] / max(direct["rerun"]["seconds"], 0.1), 1) if rerun else None,
              # the target: the wave within 2x the direct copy plus the real waits
              "ratio_without_waits": round((wave["seconds"] - wave["waits"]) / max(direct["first"]["seconds"], 0.1), 1),
              "target_seconds": round(2 * direct["first"]["seconds"] + wave["waits"], 1)}
    (out / "wave-latest.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(report_lines(result))
    ok = wave["rc"] == 0 and wave["verified"] == wave["boxes"] == args.domains * args.mailboxes \
        and direct["first"]["ok"] and direct["rerun"]["ok"] and (rerun is None or rerun["rc"] == 0)
    if ok:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print("kept for inspection: %s (wave.log)" % work)
    return 0 if ok else 1


def report_lines(result):
    wave, direct = result["wave"], result["direct"]
    lines = ["Wave %d domains x %d mailboxes x %d messages, forks %d, mailwave_sync_parallel %d, %d CPUs, load before %s"
             % (result["domains"], result["mailboxes"], result["messages"], result["forks"], result["parallel"],
                result["cpus"], result["load_before"]),
             "wave: rc %d, %.1f s, %d/%d boxes verified, peak %d processes, %d MB RSS (ansible-playbook tree), peak load %.1f"
             % (wave["rc"], wave["seconds"], wave["verified"], wave["boxes"], wave["peak_processes"],
                wave["peak_rss_mb"], wave["peak_load"])]
    lines += ["  phase %-32s %7.1f s" % (role, seconds) for role, seconds in wave["phases"].items()]
    if result["wave_rerun"]:
        rerun = result["wave_rerun"]
        lines.append("wave re-run: rc %d, %.1f s, peak %d processes, %d MB RSS" % (
            rerun["rc"], rerun["seconds"], rerun["peak_processes"], rerun["peak_rss_mb"]))
    lines.append("direct copies (imap_sync_batch, parallel %d): first %.1f s (%d copied), re-run %.1f s (%d copied)"
                 % (result["parallel"], direct["first"]["seconds"], direct["first"]["copied"],
                    direct["rerun"]["seconds"], direct["rerun"]["copied"]))
    lines.append("ratio wave / direct first: %.1f (sync phase alone: %.1f); re-run ratio: %s"
                 % (result["ratio"], result["ratio_sync"], result["ratio_rerun"]))
    lines.append("real waits (TTL, propagation; nothing else running): %.1f s; wave without them / direct first: %.1f;"
                 " target (2x direct + waits): %.1f s, %s" % (
                     wave["waits"], result["ratio_without_waits"], result["target_seconds"],
                     "met" if wave["seconds"] <= result["target_seconds"] else "not met"))
    return "\n".join(lines)
