"""systems.py — how bench/compare.py starts each scheduler it compares.

Every system takes the same three workloads:
  "idle" JOBS_FILE  one job per "HH:MM" line, daily at that time (far from now)
  "late" PERIOD     one job due on every PERIOD-second clock boundary, whose
                    runs leave their start times behind (cron: every minute)
  "burst" N         N such jobs, all due on every minute boundary
start() returns once the system says it is ready; starts() gives the
(boundary, start time) pairs of the "late" and "burst" runs so far.
"""
import math
import os
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

import procstat

BENCH = Path(__file__).resolve().parent
MAIN = BENCH.parent / "main"
PEERS = BENCH / "peers"
PYTHON = "/usr/bin/python3"  # Debian's interpreter: the python3-* packages live there
POLL_SECONDS = 0.002
READY_TIMEOUT = float(os.environ.get("BENCH_READY_TIMEOUT", "900"))


class Running:
    """One started system: its pid, start-up time (s), wall-clock instant it was ready."""

    def __init__(self, proc, startup, workdir, period):
        self.proc = proc
        self.pid = proc.pid
        self.startup = startup
        self.ready_at = time.time()
        self.workdir = workdir
        self.period = period

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _launch(argv, workdir, is_ready, period):
    """Start argv with its output in workdir/output.log; poll is_ready(pid)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKSCHED_")}
    with open(workdir / "output.log", "wb") as log:
        began = time.monotonic()
        proc = subprocess.Popen([str(a) for a in argv], stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, cwd=workdir, env=env)
    try:
        while not is_ready(proc.pid):
            if proc.poll() is not None:
                tail = (workdir / "output.log").read_text(errors="replace")[-500:]
                raise RuntimeError(f"{argv[0]} exited with status {proc.returncode}: {tail}")
            if time.monotonic() - began > READY_TIMEOUT:
                raise RuntimeError(f"{argv[0]} not ready within {READY_TIMEOUT:.0f} s")
            time.sleep(POLL_SECONDS)
        return Running(proc, time.monotonic() - began, workdir, period)
    except BaseException:
        proc.kill()
        proc.wait()
        raise


def _output_has(workdir, marker):
    """A readiness test: marker has appeared in workdir/output.log.  It reads only
    what is new since the last poll, so a daemon that logs a line per task is
    not slowed down by its output being read again and again."""
    path = workdir / "output.log"
    offset, tail = 0, b""

    def ready(pid):
        nonlocal offset, tail
        with open(path, "rb") as log:
            log.seek(offset)
            chunk = log.read()
        offset += len(chunk)
        seen, tail = tail + chunk, (tail + chunk)[-len(marker):]
        return marker in seen
    return ready


class ThisProject:
    key, label = "this", "this project"
    fixed_period = None
    TASK = 'return {{ schedule = {}, run = function() end }}\n'

    def missing(self):
        return None if os.access(MAIN, os.X_OK) else "./main is not built"

    def start(self, workdir, kind, arg):
        tasks = workdir / "tasks"
        tasks.mkdir(parents=True)
        if kind == "idle":
            for i, hhmm in enumerate(Path(arg).read_text().split()):
                (tasks / f"job{i:05d}.lua").write_text(self.TASK.format(f'every().day.at("{hhmm}")'))
        elif kind == "late":
            (tasks / "late.lua").write_text(self.TASK.format(f"every({arg}).seconds"))
        else:
            # The default max_concurrent (4) would queue most
            # of the burst: a user who wants N runs at once says so.
            (workdir / "config").mkdir()
            (workdir / "config" / "config.yaml").write_text(f"scheduler:\n  max_concurrent: {arg}\n")
            for i in range(arg):
                (tasks / f"burst{i:05d}.lua").write_text(self.TASK.format("every(1).minutes"))
        return _launch([MAIN, "--root", workdir], workdir,
                       _output_has(workdir, b" started (pid "), {"idle": None, "late": arg, "burst": 60}[kind])

    def starts(self, running):
        """started_at is taken by the run process itself (clock_gettime) right before
        it calls run(ctx), the point where the peers' jobs call time.time()."""
        with sqlite3.connect(running.workdir / "data" / "scheduler.db", timeout=5) as db:
            return db.execute("SELECT scheduled_for, started_at FROM runs"
                              " WHERE started_at IS NOT NULL").fetchall()


class _RecordingPeer:
    """A peer whose "late" runs append their start time to workdir/starts.txt."""
    fixed_period = None  # seconds between boundaries when the peer cannot do others

    def start(self, workdir, kind, arg):
        if kind == "idle":
            args, period = ["idle", arg], None
        elif kind == "late":
            args = ["late", workdir / "starts.txt"] + ([] if self.fixed_period else [arg])
            period = self.fixed_period or arg
        else:
            args, period = ["burst", workdir / "starts.txt", arg], 60
        return _launch(self.command(workdir) + args, workdir, self.is_ready(workdir), period)

    def starts(self, running):
        path = running.workdir / "starts.txt"
        if not path.exists():
            return []
        p = running.period
        return [(math.floor(t / p) * p, t) for t in map(float, path.read_text().split())]


class _PythonPeer(_RecordingPeer):
    modules = ()  # (python module, Debian package) pairs the peer imports

    def missing(self):
        for module, deb in self.modules:
            if subprocess.run([PYTHON, "-c", f"import {module}"], capture_output=True).returncode:
                return f"{deb} is not installed"
        return None

    def is_ready(self, workdir):
        return _output_has(workdir, b"ready\n")


class SchedulePeer(_PythonPeer):
    key, label = "schedule", "schedule"
    modules = (("schedule", "python3-schedule"),)

    def command(self, workdir):
        return [PYTHON, PEERS / "schedule_peer.py"]


class APSchedulerPeer(_PythonPeer):
    def __init__(self, store):
        self.store = store
        self.key, self.label = f"aps-{store}", f"APScheduler ({store})"
        self.modules = (("apscheduler", "python3-apscheduler"),) + (
            (("sqlalchemy", "python3-sqlalchemy"),) if store == "sqlite" else ())

    def command(self, workdir):
        store = "memory" if self.store == "memory" else f"sqlite:{workdir / 'jobs.sqlite'}"
        return [PYTHON, PEERS / "apscheduler_peer.py", store]


class CronPeer(_RecordingPeer):
    key, label = "cron", "cron"
    fixed_period = 60

    def missing(self):
        if os.geteuid() != 0:
            return "needs root (a private mount namespace keeps the system's crontabs out)"
        if not shutil.which("cron", path="/usr/sbin:/usr/bin:/sbin:/bin"):
            return "cron is not installed"
        return None

    def command(self, workdir):
        return [PEERS / "cron_peer.sh", workdir / "cron"]

    def is_ready(self, workdir):
        """cron has no ready message: it is ready when, crontabs loaded, it first sleeps."""
        def ready(pid):
            try:
                comm = Path(f"/proc/{pid}/comm").read_text().strip()
            except FileNotFoundError:
                return False
            return comm == "cron" and procstat.sleeping_in_nanosleep(pid)
        return ready


def all_systems():
    """This project first, then the peers, in the order of the table."""
    return [ThisProject(), SchedulePeer(), APSchedulerPeer("memory"),
            APSchedulerPeer("sqlite"), CronPeer()]
