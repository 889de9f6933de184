"""procstat.py — what bench/compare.py reads about a process from /proc."""
import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """User + system CPU time of the whole process (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def _status(path):
    return dict(line.split(":", 1) for line in Path(path).read_text().splitlines())


def wakeups(pid):
    """Context switches (voluntary + involuntary) summed over the process's threads:
    each is one time a thread was taken off the CPU, and so one wake-up after it."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            status = _status(task / "status")
        except FileNotFoundError:  # the thread ended meanwhile
            continue
        total += int(status["voluntary_ctxt_switches"]) + int(status["nonvoluntary_ctxt_switches"])
    return total


def rss_mib(pid):
    """Resident set size in MiB."""
    return int(_status(f"/proc/{pid}/status")["VmRSS"].split()[0]) / 1024


def sleeping_in_nanosleep(pid):
    """True while the process is blocked in (clock_)nanosleep."""
    try:
        return "nanosleep" in Path(f"/proc/{pid}/wchan").read_text()
    except FileNotFoundError:
        return False
