#!/usr/bin/python3
"""schedule_peer.py — the `schedule` library (python3-schedule) as a user runs it.

    schedule_peer.py idle JOBS_FILE | late OUT_FILE PERIOD | burst OUT_FILE N
                                                          (see common.py)

Jobs are `every().day.at("HH:MM")`.  The library has no recurring trigger
aligned to a P-second boundary, so "late" adds one `every().minute.at(":SS")`
job per boundary of the minute; "burst" adds N `every().minute.at(":00")`.  The loop is the one its documentation shows:
run_pending() then sleep one second.
"""
import sys
import time

import schedule

import common

kind, spec = common.parse(sys.argv[1:])
if kind == "idle":
    for hour, minute in spec:
        schedule.every().day.at(f"{hour:02d}:{minute:02d}").do(common.noop)
elif kind == "late":
    out, period = spec
    for second in range(0, 60, period):
        schedule.every().minute.at(f":{second:02d}").do(common.record, out)
else:
    out, jobs = spec
    for _ in range(jobs):
        schedule.every().minute.at(":00").do(common.record, out)
common.ready()
while True:
    schedule.run_pending()
    time.sleep(1)
