"""common.py — what the Python peers of bench/compare.py share.

Command line of every peer (after its own first arguments):
    idle JOBS_FILE      one job per "HH:MM" line of JOBS_FILE, daily at that time
    late OUT_FILE P     one job due on every P-second clock boundary; each run
                        appends its own start time (time.time()) to OUT_FILE
    burst OUT_FILE N    N jobs due on every minute boundary, each run recording
                        its start time as "late" does
A peer prints "ready" once its scheduler holds every job and waits for them.
"""
import sys
import time


def noop():
    """The body of the jobs that are never due."""


def record(path):
    """Append this run's start time (Unix seconds) to path, before anything else."""
    started = time.time()
    with open(path, "a", encoding="ascii") as out:
        out.write(f"{started:.6f}\n")


def parse(argv):
    """('idle', [(hour, minute), ...]), ('late', (out_file, period)) or
    ('burst', (out_file, jobs))."""
    if len(argv) == 2 and argv[0] == "idle":
        with open(argv[1], encoding="ascii") as jobs:
            return "idle", [tuple(int(x) for x in line.split(":")) for line in jobs]
    if len(argv) == 3 and argv[0] in ("late", "burst"):
        return argv[0], (argv[1], int(argv[2]))
    sys.exit("usage: PEER [STORE] idle JOBS_FILE | late OUT_FILE PERIOD | burst OUT_FILE N")


def ready():
    """Tell the driver that every job is scheduled."""
    print("ready", flush=True)
