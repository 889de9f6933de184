"""dashboard.py PORT ADMIN_TOKEN READ_TOKEN OUTDIR — the dashboard in a real
headless chromium against the running daemon; prints one "ok - NAME" or
"not ok - NAME: why" line per check and saves a screenshot on a failure.
E2E_MAIN and E2E_ROOT name the binary and the project root, so the checks
can read --status, edit a task and restart the daemon; with SCREENSHOTS=DIR
it saves DIR/dashboard-overview.png and DIR/dashboard-run.png (the
README's pictures)."""
import json, os, subprocess, sys, time
sys.path.insert(0, __import__("os").path.dirname(__file__))
from cdp import Browser, Checks, api_get

port, admin, read, outdir = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
base = "http://127.0.0.1:%s" % port


def api(path, token=admin):
    return api_get(base, token, path)


check = Checks(outdir)


MAIN, ROOT = os.environ["E2E_MAIN"], os.environ["E2E_ROOT"]
SHOTS = os.environ.get("SCREENSHOTS")


def cli(*args):
    return subprocess.run([MAIN, "--root", ROOT] + list(args), capture_output=True, text=True,
                          timeout=30).stdout


def paused_in_status(name):
    tasks = json.loads(cli("--status", "--json"))["tasks"]
    return [t["paused"] for t in tasks if t["name"] == name]


def click(label):
    return b.eval("(() => { const x = [...document.querySelectorAll('button.action')]"
                  ".find(e => e.textContent === %s); if (x) x.click(); return !!x; })()"
                  % json.dumps(label))


def newest_run(task):
    runs = api("/api/v1/runs?limit=1&task=" + task)["runs"]
    return runs[0]["id"] if runs else 0


b = check.browser = Browser()
try:
    b.go(base + "/#token=" + admin)
    shown = b.wait("document.querySelector('[data-count=tasks] b')?.textContent")
    check("login_by_fragment", shown is not None, "the overview's counts within 10 s")
    check("fragment_removed", "token" not in b.eval("location.href"),
          "no token in location, got " + str(b.eval("location.href")))
    check("token_in_session_storage",
          b.eval("sessionStorage.getItem('task-scheduler-token')") == admin, "the token kept")

    # Runs come and go every second: the page and /status must agree at
    # some moment within 5 s (the page follows the events).
    for _ in range(25):
        status = api("/api/v1/status")
        counts = b.eval("Object.fromEntries([...document.querySelectorAll('[data-count]')]"
                        ".map(e => [e.dataset.count, e.querySelector('b').textContent]))")
        want = {"tasks": str(len(status["tasks"])), "running": str(status["running"]),
                "broken": str(sum(t["broken"] for t in status["tasks"]))}
        if all(counts.get(k) == v for k, v in want.items()):
            break
        time.sleep(0.2)
    check("overview_counts_match_status",
          all(counts.get(k) == v for k, v in want.items()), "%s, got %s" % (want, counts))

    bars = b.wait("document.querySelectorAll('.timeline .bar').length", 5)
    check("timeline_has_run_bars", bars, "bars for the runs of tick and boom")
    check("failed_run_bar", b.wait("document.querySelectorAll('.bar.failed').length", 8),
          "a red bar for boom's failed runs")

    # A fire of tick (every second) shows as its bar within 3 s, from the
    # events alone.
    seen = newest_run("tick")
    deadline = time.time() + 5
    while newest_run("tick") == seen and time.time() < deadline:
        time.sleep(0.05)
    fired, new = time.time(), newest_run("tick")
    bar = b.wait("!!document.querySelector('.bar[data-run=\"%d\"]')" % new, 3)
    check("run_bar_within_3s_of_a_fire", bar and new != seen,
          "run %d's bar within 3 s (%.1f s)" % (new, time.time() - fired))
    check("timeline_legend", b.eval("document.querySelectorAll('.legend li').length") >= 8,
          "a legend naming each status")
    check("timeline_ticks_of_coming_fires",
          b.wait("document.querySelectorAll('[data-task=job] .tick').length", 5),
          "ticks for the hourly task's coming fires")
    b.eval("[...document.querySelectorAll('.zoom button')].find(e => e.textContent === '1 h').click()")
    check("timeline_zoom", b.wait("document.querySelector('.zoom [aria-pressed=true]')?.textContent === '1 h'"
                                  " && document.querySelectorAll('[data-task=job] .tick').length >= 1", 5),
          "1 h pressed and the hourly fire still in the window")
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        time.sleep(2)
        b.screenshot(os.path.join(SHOTS, "dashboard-overview.png"))

    b.go(base + "/#/tasks/job")
    b.wait("document.querySelector('h1')?.textContent.startsWith('job')")
    live = b.wait("document.body.dataset.live === '1'", 10)
    check("event_stream_connected", live, "the page's event stream up within 10 s")
    b.eval("window.marker = 1; window.redraws = 0; new MutationObserver(() => window.redraws++)"
           ".observe(document.getElementById('main'), {childList: true})")
    rows = b.eval("document.querySelectorAll('table.runs tbody tr').length")
    clicked = b.eval("(() => { const x = [...document.querySelectorAll('button.action')]"
                     ".find(e => e.textContent === 'Run now'); if (x) x.click(); return !!x; })()")
    check("run_now_button_for_admin", clicked, "a Run now button on the task page")
    mark = len(b.events)
    grown = b.wait("document.querySelectorAll('table.runs tbody tr').length > %d" % rows, 8)
    check("run_now_appears_live", grown and b.eval("window.marker === 1"),
          "a new history row without a reload (%s redraws since, banner %s)"
          % (b.eval("window.redraws"), b.eval("document.getElementById('banner').textContent"))
          + " events: %s" % [e.get("method") for e in b.events[mark:]][:20])

    if SHOTS:
        b.eval("location.hash = '#/runs/%d'" % newest_run("tick"))
        b.wait("document.querySelector('pre.log')?.textContent.includes('tick')", 5)
        b.screenshot(os.path.join(SHOTS, "dashboard-run.png"))
        b.eval("location.hash = '#/tasks/job'")
        b.wait("document.querySelector('h1')?.textContent.startsWith('job')")

    b.wait("[...document.querySelectorAll('button.action')].some(e => e.textContent === 'Pause')", 5)
    check("pause_button", click("Pause"), "a Pause button on the task page")
    shown = b.wait("document.querySelector('h1')?.textContent.includes('paused')", 5)
    check("pause_shows_in_the_page", shown, "the task page says paused")
    check("pause_shows_in_status", paused_in_status("job") == [True],
          "--status says paused, got %s" % paused_in_status("job"))
    b.wait("[...document.querySelectorAll('button.action')].some(e => e.textContent === 'Resume')", 5)
    check("resume_button", click("Resume"), "a Resume button once paused")
    shown = b.wait("!document.querySelector('h1')?.textContent.includes('paused')", 5)
    check("resume_shows_in_the_page", shown, "the task page no longer says paused")
    check("resume_shows_in_status", paused_in_status("job") == [False],
          "--status says not paused, got %s" % paused_in_status("job"))

    b.eval("location.hash = '#/alerts'")
    check("alerts_page", b.wait("!!document.querySelector('ul.alerts')", 5),
          "the alerts page shows its list")
    opened = b.wait("[...document.querySelectorAll('ul.alerts li')].some(e =>"
                    " e.textContent.includes('boom') && !e.textContent.includes('resolved'))", 10)
    check("failing_alert_appears", opened, "an open alert for boom, which fails")
    with open(os.path.join(ROOT, "tasks", "boom.lua"), "w") as f:
        f.write('return { schedule = every(2).seconds, timeout = 10, run = function() print("fixed") end }\n')
    gone = b.wait("![...document.querySelectorAll('ul.alerts li')].some(e =>"
                  " e.textContent.includes('boom') && !e.textContent.includes('resolved'))", 15)
    check("failing_alert_resolves", gone, "boom's alert resolved once boom succeeds, live")

    check("admin_sees_job_form_link", b.eval("!document.getElementById('nav-job').hidden"),
          "the New job link for an admin token")
    b.eval("location.hash = '#/job'")
    b.wait("!!document.getElementById('job-schedule')")
    b.eval("(() => { const i = document.getElementById('job-schedule'); i.value = '*/5 * * * *';"
           " i.dispatchEvent(new Event('input')); })()")
    check("job_form_schedule_preview",
          b.wait("!!document.querySelector('ul.preview li:nth-child(10)')", 5),
          "the preview shows the next 10 fires")

    b.go("about:blank")
    b.go(base + "/#token=" + read)
    b.wait("document.body?.dataset.role === 'read'")
    b.eval("location.hash = '#/tasks/job'")
    b.wait("!!document.querySelector('table.runs')")
    n = b.eval("document.querySelectorAll('button.action').length")
    check("read_token_no_actions", n == 0, "no action buttons for a read token, got %s" % n)
    check("read_token_no_job_form", b.eval("document.getElementById('nav-job').hidden"),
          "no New job link for a read token")

    # The daemon restarted under the page: the banner says so, then the
    # page takes up the stream again and new runs show.
    b.go("about:blank")
    b.go(base + "/#token=" + admin)
    b.wait("document.body?.dataset.live === '1'", 10)
    mark = len(b.events)
    cli("stop")
    banner = b.wait("!document.getElementById('banner').hidden"
                    " && document.getElementById('banner').textContent", 10)
    check("banner_when_the_stream_drops", banner and "dropped" in banner,
          "the banner within 10 s, got %r" % banner)
    subprocess.run([MAIN, "--root", ROOT, "--daemon"], env=dict(os.environ), timeout=30,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    back = b.wait("document.getElementById('banner').hidden && document.body.dataset.live === '1'", 30)
    check("banner_hides_when_the_daemon_is_back", back, "the stream up again within 30 s")
    after = newest_run("tick")
    bar = b.wait("[...document.querySelectorAll('.bar')].some(e => +e.dataset.run > %d)" % after, 10)
    check("page_recovers_after_restart", bar, "a bar of a run after the restart")
    # the failed requests while the daemon was away are expected
    del b.events[mark:]

    responses = [e["params"]["response"] for e in b.events
                 if e.get("method") == "Network.responseReceived"]
    doc = [r for r in responses if r["url"].split("#")[0] == base + "/"]
    csp = doc and {k.lower(): v for k, v in doc[0]["headers"].items()}.get("content-security-policy", "")
    check("csp_header", csp and "default-src 'self'" in csp, "a CSP on /, got %r" % csp)
    assets = [{k.lower(): v for k, v in r["headers"].items()} for r in responses
              if "/assets/" in r["url"]]
    check("assets_gzip_immutable", assets and all(
        h.get("content-encoding") == "gzip" and "immutable" in h.get("cache-control", "")
        for h in assets), "every asset gzip and immutable, got %s" % assets[:1])

    errors = [e for e in b.events
              if (e.get("method") == "Runtime.consoleAPICalled" and e["params"]["type"] == "error")
              or e.get("method") == "Runtime.exceptionThrown"
              or (e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] == "error")]
    check("no_console_errors", not errors, "no console error or CSP violation, got %s" % errors[:3])
finally:
    b.close()
sys.exit(1 if check.failed else 0)
