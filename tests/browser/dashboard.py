"""dashboard.py PORT ADMIN_TOKEN READ_TOKEN OUTDIR — the dashboard in a real
headless chromium against the running daemon; prints one "ok - NAME" or
"not ok - NAME: why" line per check and saves a screenshot on a failure."""
import json, sys, time, urllib.request
sys.path.insert(0, __import__("os").path.dirname(__file__))
from cdp import Browser

port, admin, read, outdir = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
base = "http://127.0.0.1:%s" % port
failed = False


def api(path, token=admin):
    req = urllib.request.Request(base + path, headers={"Authorization": "Bearer " + token})
    return json.load(urllib.request.urlopen(req))


def check(name, ok, why):
    global failed
    if ok:
        print("ok - " + name)
    else:
        failed = True
        print("not ok - %s: %s" % (name, why))
        b.screenshot("%s/%s.png" % (outdir, name))


b = Browser()
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

    b.eval("location.hash = '#/alerts'")
    check("alerts_page", b.wait("!!document.querySelector('ul.alerts')", 5),
          "the alerts page shows its list")

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
sys.exit(1 if failed else 0)
