#!/usr/bin/python3
"""apscheduler_peer.py — APScheduler 3 (python3-apscheduler) as a user runs it.

    apscheduler_peer.py memory|sqlite:DB_FILE idle JOBS_FILE | late OUT_FILE PERIOD
                                              | burst OUT_FILE N

A BlockingScheduler with a MemoryJobStore or an SQLAlchemyJobStore on an
SQLite file (python3-sqlalchemy).  Jobs are cron triggers: hour/minute for
"idle", second="*/P" for "late", N of second=0 for "burst" (see common.py);
they run on the default executor, a pool of 10 threads.  "ready" is printed when
the scheduler has started, i.e. when every job is in its store.
"""
import sys

from apscheduler.events import EVENT_SCHEDULER_STARTED
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.blocking import BlockingScheduler

import common

if len(sys.argv) < 2 or not (sys.argv[1] == "memory" or sys.argv[1].startswith("sqlite:")):
    sys.exit("usage: apscheduler_peer.py memory|sqlite:DB_FILE idle|late|burst ...")
if sys.argv[1] == "memory":
    store = MemoryJobStore()
else:
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    store = SQLAlchemyJobStore(url="sqlite:///" + sys.argv[1][len("sqlite:"):])
kind, spec = common.parse(sys.argv[2:])

scheduler = BlockingScheduler(jobstores={"default": store})
if kind == "idle":
    for i, (hour, minute) in enumerate(spec):
        scheduler.add_job(common.noop, "cron", hour=hour, minute=minute, id=f"job{i}")
elif kind == "late":
    out, period = spec
    scheduler.add_job(common.record, "cron", second=f"*/{period}", args=[out], id="late")
else:
    out, jobs = spec
    for i in range(jobs):
        scheduler.add_job(common.record, "cron", second=0, args=[out], id=f"burst{i}")
scheduler.add_listener(lambda event: common.ready(), EVENT_SCHEDULER_STARTED)
scheduler.start()
