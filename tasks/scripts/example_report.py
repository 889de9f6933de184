#!/usr/bin/env python3
"""A small system report, for tasks/example_external_script.lua.

Prints the host, the Python version, the uptime and the use of one folder's
file system, as text or (with --json) as one JSON object.  Standard library
only.  Exit status 2 on bad usage, as argparse does.
"""
import argparse
import json
import platform
import shutil
import socket
import sys


def uptime_seconds():
    try:
        with open("/proc/uptime") as f:
            return float(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def report(path):
    usage = shutil.disk_usage(path)
    return {
        "host": socket.gethostname(),
        "python": platform.python_version(),
        "uptime_hours": None if uptime_seconds() is None else round(uptime_seconds() / 3600, 1),
        "path": path,
        "disk_used_percent": round(usage.used * 100 / usage.total, 1) if usage.total else 0,
        "disk_free_mb": usage.free // (1024 * 1024),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("path", nargs="?", default="/", help="folder whose disk to report")
    args = parser.parse_args()
    try:
        r = report(args.path)
    except OSError as e:
        print(f"example_report: {args.path}: {e.strerror}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(r))
    else:
        for key, value in r.items():
            print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
