"""pages.py PORT ADMIN_TOKEN ROOT OUTDIR — the dashboard's task list, task,
run, alerts and job form pages in a real headless chromium against the
running daemon of pages.sh (ROOT its folder); prints one "ok - NAME" or
"not ok - NAME: why" line per check and saves a screenshot on a failure."""
import json, os, sys, time
sys.path.insert(0, os.path.dirname(__file__))
from cdp import Browser, Checks, api_get

port, admin, root, outdir = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
base = "http://127.0.0.1:%s" % port


def api(path):
    return api_get(base, admin, path)


check = Checks(outdir)


def rows():
    return b.eval("[...document.querySelectorAll('table.tasks tbody tr')].map(r => r.dataset.task)")


def choose(sel, value):
    """Set the control `sel` to `value` as a person would, firing change."""
    b.eval("(() => { const e = document.querySelector(%s); e.value = %s;"
           " e.dispatchEvent(new Event('change')); })()" % (json.dumps(sel), json.dumps(value)))


def fill(sel, value):
    b.eval("(() => { const e = document.querySelector(%s); e.value = %s;"
           " e.dispatchEvent(new Event('input')); })()" % (json.dumps(sel), json.dumps(value)))


b = check.browser = Browser()
try:
    b.go(base + "/#token=" + admin)
    b.wait("document.body?.dataset.role === 'admin'")
    check("overview_queues", b.wait("/slowq 0 running \\(at most 1\\), 0 waiting/"
                                    ".test(document.getElementById('queues')?.textContent)", 5),
          "the bounded queue on the overview, got %r"
          % b.eval("document.getElementById('queues')?.textContent"))
    b.eval("location.hash = '#/tasks'")
    b.wait("document.querySelectorAll('table.tasks tbody tr').length === 3")
    check("tasks_list_all", sorted(rows() or []) == ["boom", "slow", "tick"], "three tasks, got %s" % rows())
    choose("#q", "tock")
    check("tasks_search_title", b.wait("JSON.stringify([...document.querySelectorAll('table.tasks tbody tr')]"
                                       ".map(r => r.dataset.task)) === '[\"tick\"]'", 5),
          "searching a title word keeps tick alone, got %s" % rows())
    choose("#q", "")
    b.wait("document.querySelectorAll('table.tasks tbody tr').length === 3", 5)
    choose("#filter-tag", "bad")
    check("tasks_filter_tag", b.wait("JSON.stringify([...document.querySelectorAll('table.tasks tbody tr')]"
                                     ".map(r => r.dataset.task)) === '[\"boom\"]'", 5),
          "the tag bad keeps boom alone, got %s" % rows())
    b.eval("location.hash = '#/tasks?sort=next'")
    b.wait("document.getElementById('filter-sort')?.value === 'next'", 5)
    check("tasks_sort_next", b.wait("(() => { const r = [...document.querySelectorAll('table.tasks tbody tr')]"
                                    ".map(r => r.dataset.task); return r.length === 3 && r[2] === 'slow'; })()", 5),
          "the hourly slow last by next fire, got %s" % rows())
    check("tasks_success_rate", b.wait("document.querySelector('tr[data-task=tick] .rate')?.textContent === '100%'", 5),
          "tick's success rate 100%%, got %s"
          % b.eval("document.querySelector('tr[data-task=tick] .rate')?.textContent"))

    b.eval("location.hash = '#/tasks/slow'")
    b.wait("document.querySelector('h1')?.textContent === 'slow'")
    check("task_source_line", b.wait("document.querySelector('.source')?.textContent.endsWith('tasks/slow.lua:1')", 5),
          "the source path:line, got %s" % b.eval("document.querySelector('.source')?.textContent"))
    check("task_queue", b.wait("document.querySelector('.queue')?.textContent === 'slowq'", 5),
          "the task's queue, got %r" % b.eval("document.querySelector('.queue')?.textContent"))
    zone_title = "document.querySelector('dl.front time')?.title"
    check("task_zone_on_hover", b.wait("document.querySelector('.zone')?.textContent === 'Asia/Tokyo'"
                                       " && (%s || '').endsWith('(Asia/Tokyo)')" % zone_title, 5),
          "the task's zone shown and its next fire in Asia/Tokyo on hover, got %r"
          % b.eval(zone_title))
    want = [f["at_epoch"] for f in api("/api/v1/calendar?n=10&task=slow")["fires"]]
    shown = b.wait("document.querySelectorAll('.next-fires li').length === 10"
                   " && [...document.querySelectorAll('.next-fires .offset')].every(e => e.textContent.startsWith('UTC'))", 5)
    got = b.eval("[...document.querySelectorAll('.next-fires time')].map(e => Date.parse(e.getAttribute('datetime')) / 1000)")
    check("task_next_ten_fires", shown and got == want,
          "the 10 fires of /calendar?task=slow with their offsets, want %s got %s" % (want[:3], (got or [])[:3]))
    before = api("/api/v1/runs?task=slow&limit=1")["runs"]
    clicked = b.eval("(() => { const x = [...document.querySelectorAll('button.action')]"
                     ".find(e => e.textContent === 'Run now'); if (x) x.click(); return !!x; })()")
    run_id = None
    for _ in range(50):
        got = api("/api/v1/runs?task=slow&limit=1")["runs"]
        if got and (not before or got[0]["id"] != before[0]["id"]):
            run_id = got[0]["id"]
            break
        time.sleep(0.1)
    check("task_run_now", clicked and run_id, "Run now on the task page starts a run of slow")
    if run_id:
        b.eval("location.hash = '#/runs/%d'" % run_id)
        first = b.wait("document.getElementById('run-log')?.textContent.includes('first line')", 5)
        unfinished = api("/api/v1/runs/%d" % run_id)["finished_at_epoch"] is None
        text = b.eval("document.getElementById('run-log')?.textContent")
        check("run_live_tail_before_end", first and unfinished and "second line" not in text,
              "the first line shown while the run lasts, got %r (finished: %s)" % (text, not unfinished))
        check("run_live_tail_whole", b.wait("document.getElementById('run-log')?.textContent.includes('second line')", 8),
              "the second line follows, got %r" % b.eval("document.getElementById('run-log')?.textContent"))
        marked = b.eval("[...document.querySelectorAll('#run-log .stderr')].map(e => e.textContent)")
        check("run_stderr_marked", marked == ["[stderr] an error line\n"],
              "the stderr line alone marked, got %r" % marked)
        check("run_fields", b.wait("document.querySelector('[data-field=\"Exit code\"]')?.textContent === '0'", 8),
              "the finished run's exit code 0, got %s"
              % b.eval("document.querySelector('[data-field=\"Exit code\"]')?.textContent"))

    # History: boom fails every 2 s; the status filter keeps failed runs only,
    # and tick's runs (one a second) fill more than a page of 20.
    b.eval("location.hash = '#/tasks/boom'")
    b.wait("!!document.getElementById('history-status')")
    choose("#history-status", "failed")
    ok = b.wait("location.hash === '#/tasks/boom?status=failed' && (() => { const s = [...document.querySelectorAll("
                "'table.runs tbody td.st')].map(e => e.textContent); return s.length > 0 && s.every(x => x === 'failed'); })()", 5)
    check("history_status_filter", ok, "only failed rows, got %s"
          % b.eval("[...document.querySelectorAll('table.runs tbody td.st')].map(e => e.textContent)"))
    for _ in range(300):
        if len(api("/api/v1/runs?task=tick&limit=25")["runs"]) > 20:
            break
        time.sleep(0.1)
    b.eval("location.hash = '#/tasks/tick'")
    older = b.wait("document.getElementById('history-older')?.getAttribute('href')", 5)
    first_ids = b.eval("[...document.querySelectorAll('table.runs tbody tr a')].map(a => a.textContent)")
    if older:
        b.eval("location.hash = %s" % json.dumps(older))
    b.wait("location.hash.includes('before=') && !!document.getElementById('history-first')", 5)
    second_ids = b.eval("[...document.querySelectorAll('table.runs tbody tr a')].map(a => a.textContent)") or []
    check("history_pagination", older and len(first_ids) == 20 and second_ids
          and int(second_ids[0][1:]) < min(int(x[1:]) for x in first_ids),
          "an Older page of earlier runs, got %s then %s" % (first_ids, second_ids))

    # Alerts: boom's failing alert, resolved with a note.
    for _ in range(100):
        open_alerts = [a for a in api("/api/v1/alerts?state=open")["alerts"] if a["task"] == "boom"]
        if open_alerts:
            break
        time.sleep(0.1)
    b.eval("location.hash = '#/alerts'")
    aid = open_alerts and open_alerts[0]["id"]
    shown = b.wait("!!document.querySelector('.open-alerts li[data-alert=\"%s\"] button.action')" % aid, 5)
    check("alert_open_listed", aid and shown, "boom's open alert with a Resolve button")
    if shown:
        b.eval("(() => { document.getElementById('note-%s').value = 'fixed the boom';"
               " document.querySelector('li[data-alert=\"%s\"] button.action').click(); })()" % (aid, aid))
        done = None
        for _ in range(50):
            done = api("/api/v1/alerts/%s" % aid)
            if done["state"] == "resolved":
                break
            time.sleep(0.1)
        check("alert_resolved_with_note", done["state"] == "resolved" and done["note"] == "fixed the boom",
              "resolved with the note, got %s" % done)
        check("alert_resolved_listed", b.wait("document.querySelector('.resolved-alerts li[data-alert=\"%s\"]')"
                                              "?.textContent.includes('fixed the boom')" % aid, 5),
              "the page lists it resolved with its note")

    # Job form: the preview, a bad field beside its input, then a new job.
    b.eval("location.hash = '#/job'")
    b.wait("!!document.getElementById('job-schedule')")
    fill("#job-schedule", "every(1).hours")
    check("job_preview_fires", b.wait("document.querySelectorAll('#job-preview li.fire').length === 10", 5),
          "ten fires previewed with their offsets")
    check("job_preview_offsets", b.eval("[...document.querySelectorAll('#job-preview .offset')].every("
                                        "e => /^UTC([+-]\\d\\d:\\d\\d|Z)$/.test(e.textContent))"),
          "each fire with its UTC offset")
    # Fires across the spring change in Berlin: the first at +02:00 is marked.
    fill("#job-timezone", "Europe/Berlin")
    fill("#job-schedule", 'every().saturday.at("10:00"):from("2027-03-20")')
    marks = b.wait("(() => { const l = [...document.querySelectorAll('#job-preview li.fire')];"
                   " return l.length === 10 && l[0].querySelector('time').getAttribute('datetime')"
                   ".startsWith('2027-03-20') && l.map(e => e.dataset.offset"
                   " + (e.classList.contains('dst') ? '!' : '')).slice(0, 4).join(' '); })()", 5)
    check("job_preview_marks_dst", marks == "+01:00 +01:00 +02:00! +02:00",
          "the fire of 2027-04-03 marked as a change of offset, got %r" % marks)
    fill("#job-timezone", "")
    fill("#job-schedule", "every(1).hours")
    b.wait("document.querySelectorAll('#job-preview li.fire').length === 10", 5)
    fill("#job-name", "made")
    fill("#job-shell", "echo made")
    fill("#job-timeout", "-5")
    b.eval("document.querySelector('form.job button[type=submit]').click()")
    err = b.wait("document.getElementById('job-timeout-error')?.textContent", 5)
    check("job_error_beside_field", err, "the server's problem beside Timeout, got field errors %s, result %r"
          % (b.eval("[...document.querySelectorAll('.field-error')].filter(e => e.textContent).map(e => e.id)"),
             b.eval("document.getElementById('job-result').textContent")))
    fill("#job-timeout", "30")
    b.eval("document.querySelector('form.job button[type=submit]').click()")
    made = b.wait("location.hash === '#/tasks/made'", 8)
    check("job_created", made and os.path.exists(os.path.join(root, "tasks", "made.yaml")),
          "tasks/made.yaml written and its page shown, hash %s, result %r"
          % (b.eval("location.hash"), b.eval("document.getElementById('job-result')?.textContent")))

    # Editing a job starts from its file's fields; one changed, the rest
    # (env, which the form has no input for, too) go back as they were.
    with open(os.path.join(root, "tasks", "made.yaml"), "w") as f:
        f.write("title: Made\nshell: echo made $WHO\nschedule: every(1).hours\ntimeout: 30\n"
                "env: { WHO: me }\ntags: [one, two]\n")
    for _ in range(50):
        if api("/api/v1/tasks/made").get("title") == "Made":
            break
        time.sleep(0.1)
    b.eval("location.hash = '#/job?name=made'")
    filled = b.wait("document.getElementById('job-shell')?.value === 'echo made $WHO'"
                    " && document.getElementById('job-schedule').value === 'every(1).hours'"
                    " && document.getElementById('job-timeout').value === '30'"
                    " && document.getElementById('job-tags').value === 'one, two'", 5)
    check("job_edit_prefilled", filled, "the form filled from tasks/made.yaml, got %s"
          % b.eval("[...document.querySelectorAll('form.job input')].map(e => e.id + '=' + e.value)"))
    fill("#job-title", "Made again")
    b.eval("document.querySelector('form.job button[type=submit]').click()")
    b.wait("location.hash === '#/tasks/made'", 8)
    job = api("/api/v1/tasks/made").get("job") or {}
    check("job_edit_keeps_the_rest", job == {"title": "Made again", "shell": "echo made $WHO",
                                             "schedule": "every(1).hours", "timeout": 30,
                                             "env": {"WHO": "me"}, "tags": ["one", "two"]},
          "the new title and every other field as it was, got %s" % job)

    # At 360 px wide no page scrolls sideways (wide tables scroll in place).
    b.call("Emulation.setDeviceMetricsOverride", width=360, height=740, deviceScaleFactor=1, mobile=True)
    wide = []
    for page in ("#/tasks", "#/tasks/tick", "#/alerts", "#/job"):
        b.eval("location.hash = %s" % json.dumps(page))
        time.sleep(1)
        if b.eval("document.documentElement.scrollWidth") > 360:
            wide.append((page, b.eval("document.documentElement.scrollWidth")))
    check("narrow_360px", not wide, "no page wider than 360 px, got %s" % wide)
    b.call("Emulation.clearDeviceMetricsOverride")

    errors = [e for e in b.events
              if (e.get("method") == "Runtime.consoleAPICalled" and e["params"]["type"] == "error")
              or e.get("method") == "Runtime.exceptionThrown"]
    check("no_console_errors", not errors, "no console error, got %s" % errors[:3])
finally:
    b.close()
sys.exit(1 if check.failed else 0)
