#!/usr/bin/python3
"""compare.py — `make bench-compare`: the same workloads, in one invocation,
against this scheduler and the peers a user would choose instead (schedule,
APScheduler with a memory and an SQLite job store, cron), alternating between
them.  Prints one table and writes it, with the machine it ran on, to
bench/results-latest.md.  bench/README.md says how to read it.

    BENCH_IDLE_SECONDS  length of the idle window of (a)   (default 60)
    BENCH_ROUNDS        alternating rounds of (b), (c), (d) (default 3)
    BENCH_BURST_N       jobs due on the one minute boundary of (e) (default 200)
    BENCH_BURST_ROUNDS  alternating rounds of (e), one minute each (default 1)
    BENCH_SCALE_MAX     largest job count of (b), (d): 1000, 10000 (default) or 100000
    BENCH_SCALE_ROUNDS  rounds of (b), (d) with 10,000 (and 100,000) jobs (default 1)
"""
import contextlib
import datetime
import math
import os
import platform
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

import procstat
import systems

IDLE_SECONDS = float(os.environ.get("BENCH_IDLE_SECONDS", "60"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
BURST_N = int(os.environ.get("BENCH_BURST_N", "200"))
BURST_ROUNDS = int(os.environ.get("BENCH_BURST_ROUNDS", "1"))
SCALE_MAX = int(os.environ.get("BENCH_SCALE_MAX", "10000"))
SCALE_ROUNDS = int(os.environ.get("BENCH_SCALE_ROUNDS", "1"))
SCALES = [(1000, ROUNDS)] + [(n, SCALE_ROUNDS) for n in (10000, 100000) if n <= SCALE_MAX]
SETTLE_SECONDS = 1.0     # after "ready", before reading RSS or starting a window
PERIOD = 2               # seconds between the boundaries of (c)
BOUNDARIES_PER_TURN = 2  # boundaries of (c) per system per round
CRON_BOUNDARIES = 3      # minute boundaries of (c) for cron
LATE_MARGIN = 2.0        # seconds waited after a boundary for its run (cron's are up to ~1 s late)
BURST_LEAD = 15          # seconds at least between ready and the burst's boundary
BURST_WAIT = 5.0         # seconds after the burst's boundary before its runs are first counted
BURST_PATIENCE = 30.0    # seconds after the boundary until a run that has not started is missing
RESULTS = Path(__file__).resolve().parent / "results-latest.md"


def _of(rounds):
    """How a row's figure comes from its rounds."""
    return "one run" if rounds == 1 else f"median of {rounds}"


# (key, metric, unit scale, how samples become one figure); the keys of
# distributions (c), (e) show their number of samples beside the figure.
ROWS = ([
    ("idle_cpu", f"(a) CPU time, 1,000 jobs, {IDLE_SECONDS:.0f} s idle (ms)", 1000, "one"),
    ("idle_wake", f"(a) wake-ups, 1,000 jobs, {IDLE_SECONDS:.0f} s idle (context switches)", 1, "one"),
] + [(f"rss_{n}", f"(b) RSS, {n:,} jobs (MiB)", 1, "median") for n, _ in SCALES] + [
    ("late", "(c) lateness on a clock boundary, median (ms)", 1000, "median"),
    ("late_max", "(c) lateness on a clock boundary, worst (ms)", 1000, "max"),
] + [(f"start_{n}", f"(d) start-up, {n:,} jobs, {_of(r)} (ms)", 1000, "median") for n, r in SCALES] + [
    ("burst", f"(e) burst of {BURST_N:,} jobs on one minute boundary, median (ms)", 1000, "median"),
    ("burst_p99", f"(e) burst of {BURST_N:,} jobs on one minute boundary, p99 (ms)", 1000, "p99"),
])
COUNTED = ("late", "late_max", "burst", "burst_p99")


def log(msg):
    print(f"bench-compare: {msg}", file=sys.stderr, flush=True)


class Results:
    """Samples per (metric, system key), and notes that replace a figure."""

    def __init__(self):
        self.samples = {}
        self.notes = {}

    def add(self, key, system, value):
        self.samples.setdefault((key, system.key), []).append(value)

    def note(self, key, system, text):
        self.notes[(key, system.key)] = text

    def figure(self, key, system, scale, how):
        values = self.samples.get((key, system.key))
        if not values:
            return None
        if how == "p99":  # nearest rank, as bench_burst.sh
            return scale * sorted(values)[max(0, math.ceil(len(values) * 0.99) - 1)]
        return scale * (max(values) if how == "max" else statistics.median(values))

    def count(self, key, system):
        return len(self.samples.get((key, system.key), []))


class Bench:
    """One invocation: a private temporary folder, every process it starts stopped at the end."""

    def __init__(self, stack, available, results):
        self.tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-compare-")))
        self.stack = stack
        self.available = available
        self.results = results
        self.serial = 0
        self.jobs = {n: self._jobs_file(n) for n, _ in SCALES}

    def _jobs_file(self, n):
        """n daily "HH:MM" times, spread over the 12 hours that begin 6 hours from now."""
        now = datetime.datetime.now()
        first = now.hour * 60 + now.minute + 360
        path = self.tmp / f"jobs-{n}.txt"
        path.write_text("".join(f"{(first + i % 720) // 60 % 24:02d}:{(first + i % 720) % 60:02d}\n"
                                for i in range(n)))
        return path

    @contextlib.contextmanager
    def started(self, system, kind, arg):
        """system running the workload in a fresh folder; stopped on leaving."""
        self.serial += 1
        workdir = self.tmp / f"{self.serial:03d}-{system.key}"
        workdir.mkdir()
        running = system.start(workdir, kind, arg)
        try:
            yield running
        finally:
            running.stop()

    def keep_running(self, system, kind, arg):
        """Like started(), for a process that runs until the whole bench ends."""
        return self.stack.enter_context(self.started(system, kind, arg))

    def startup_and_rss(self):
        """(b) and (d): start, wait for ready, settle, read RSS, stop; alternating."""
        for n, rounds in SCALES:
            for r in range(rounds):
                for system in self.available:
                    log(f"start-up and RSS, {n} jobs, round {r + 1}/{rounds}: {system.label}")
                    with self.started(system, "idle", self.jobs[n]) as run:
                        time.sleep(SETTLE_SECONDS)
                        self.results.add(f"start_{n}", system, run.startup)
                        self.results.add(f"rss_{n}", system, procstat.rss_mib(run.pid))

    def idle(self):
        """(a): every system with 1,000 jobs, over one shared window."""
        with contextlib.ExitStack() as stack:
            runs = {}
            for system in self.available:
                log(f"idle: starting {system.label}")
                runs[system] = stack.enter_context(self.started(system, "idle", self.jobs[1000]))
            time.sleep(SETTLE_SECONDS)
            before = {s: (procstat.cpu_seconds(r.pid), procstat.wakeups(r.pid)) for s, r in runs.items()}
            log(f"idle: measuring a {IDLE_SECONDS:.0f} s window")
            time.sleep(IDLE_SECONDS)
            for system, run in runs.items():
                self.results.add("idle_cpu", system, procstat.cpu_seconds(run.pid) - before[system][0])
                self.results.add("idle_wake", system, procstat.wakeups(run.pid) - before[system][1])

    def lateness(self, system, run, count):
        """(c) for `count` boundaries of the system's period, the first at least a
        second after ready: wait until the last one is over, record each one's
        lateness.  A boundary that did not run is left out (and so shows in n)."""
        period = run.period
        first = math.ceil((run.ready_at + 1) / period) * period
        wanted = {first + i * period for i in range(count)}
        for late in self.collect(system, run, wanted, count, LATE_MARGIN, LATE_MARGIN):
            self.results.add("late", system, late)
            self.results.add("late_max", system, late)

    def collect(self, system, run, wanted, expected, wait, patience):
        """The lateness of the runs due on the `wanted` boundaries: first counted
        `wait` s after the last boundary (so that counting does not compete with
        the runs), then each second until `expected` runs are in or `patience` s
        have passed since the last boundary."""
        last = max(wanted)
        time.sleep(max(0.0, last + wait - time.time()))
        while True:
            late = [started - boundary for boundary, started in system.starts(run) if boundary in wanted]
            if len(late) >= expected or time.time() >= last + patience:
                return late
            time.sleep(1)

    def burst(self):
        """(e) BURST_N jobs due on one minute boundary, at least BURST_LEAD s after
        ready (so that whatever a system prepares ahead, it has time to), alternating.
        Each system's round takes a minute of its own: a burst sharing the machine
        with another's would measure both."""
        for r in range(BURST_ROUNDS):
            for system in self.available:
                log(f"burst of {BURST_N}, round {r + 1}/{BURST_ROUNDS}: {system.label}")
                with self.started(system, "burst", BURST_N) as run:
                    boundary = math.ceil((run.ready_at + BURST_LEAD) / 60) * 60
                    for late in self.collect(system, run, {boundary}, BURST_N, BURST_WAIT, BURST_PATIENCE):
                        self.results.add("burst", system, late)
                        self.results.add("burst_p99", system, late)

    def late(self):
        """(c) at PERIOD-second boundaries, alternating, for the systems that can."""
        for r in range(ROUNDS):
            for system in self.available:
                if system.fixed_period:
                    continue
                log(f"lateness, round {r + 1}/{ROUNDS}: {system.label}")
                with self.started(system, "late", PERIOD) as run:
                    self.lateness(system, run, BOUNDARIES_PER_TURN)


def fmt(value):
    if value is None:
        return "n/a"
    if value >= 100 or float(round(value, 6)).is_integer():
        return f"{value:,.0f}"
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}" if value >= 1 else f"{value:.3f}"


def ratio(peer, this):
    if peer is None or this is None:
        return "—"
    if this == 0:
        return "1×" if peer == 0 else "∞ (this: 0)"
    return f"{fmt(peer / this)}×"


def table(results, systems_list):
    this, peers = systems_list[0], systems_list[1:]
    head = ["metric", this.label] + [p.label for p in peers] + [f"{p.label} / this" for p in peers]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for key, metric, scale, how in ROWS:
        figures = {s.key: results.figure(key, s, scale, how) for s in systems_list}
        cells = []
        for s in systems_list:
            cell = results.notes.get((key, s.key)) or fmt(figures[s.key])
            if key in COUNTED and figures[s.key] is not None:
                cell += f" (n={results.count(key, s)})"
            cells.append(cell)
        cells += [ratio(figures[p.key], figures[this.key]) for p in peers]
        lines.append("| " + " | ".join([metric] + cells) + " |")
    return "\n".join(lines)


def machine():
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    return (f"{os.cpu_count()} CPUs ({model}), Linux {platform.release()}, "
            f"load average {os.getloadavg()[0]:.2f} at the start")


def other_sections():
    """What results-latest.md holds after this table (from its first "## "
    heading on: the figures of `make bench`), kept as it is."""
    if not RESULTS.exists():
        return ""
    old = RESULTS.read_text()
    at = old.find("\n## ")
    return "" if at < 0 else "\n" + old[at + 1:]


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    all_systems = systems.all_systems()
    results = Results()
    notes = []
    available = []
    for system in all_systems:
        reason = system.missing()
        if reason:
            notes.append(f"{system.label}: not measured, {reason}.")
            for key, *_ in ROWS:
                results.note(key, system, "n/a (not installed)" if "installed" in reason else "n/a")
        else:
            available.append(system)
    if not available or available[0] is not all_systems[0]:
        sys.exit("bench-compare: ./main is not built (make main)")
    header = (f"{datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z} on {machine()}; "
              f"idle window {IDLE_SECONDS:.0f} s, {ROUNDS} rounds, {BURST_ROUNDS} burst round(s)")
    began = time.monotonic()
    with contextlib.ExitStack() as stack:
        bench = Bench(stack, available, results)
        cron = next((s for s in available if s.fixed_period), None)
        cron_late = bench.keep_running(cron, "late", None) if cron else None
        bench.startup_and_rss()
        bench.idle()
        bench.late()
        bench.burst()
        if cron:
            log(f"lateness: waiting for {CRON_BOUNDARIES} minute boundaries of {cron.label}")
            bench.lateness(cron, cron_late, CRON_BOUNDARIES)
    text = "\n".join([f"Measured {header}; took {time.monotonic() - began:.0f} s.", "",
                      table(results, all_systems), ""] + [f"- {n}" for n in notes])
    print(text)
    RESULTS.write_text(text + "\n" + other_sections())
    log(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
