"""cdp.py — a headless Debian chromium driven over the DevTools protocol
(python3-websocket), for the dashboard's browser tests: start it, send
commands, keep every event (console, log, network) for the checks; and
what every suite shares: its check lines and GETs of the API."""
import json, os, shutil, subprocess, tempfile, time, urllib.request
import websocket


class Browser:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="cdp")
        self.proc = subprocess.Popen(
            ["/usr/bin/chromium", "--headless=new", "--no-sandbox", "--disable-gpu",
             "--no-first-run", "--remote-debugging-port=0", "--window-size=1280,900",
             "--user-data-dir=" + self.dir, "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = os.path.join(self.dir, "DevToolsActivePort")
        for _ in range(200):
            if os.path.exists(port_file) and open(port_file).read().count("\n") >= 1:
                break
            time.sleep(0.1)
        port = open(port_file).read().split("\n")[0]
        pages = json.load(urllib.request.urlopen("http://127.0.0.1:%s/json/list" % port))
        page = [p for p in pages if p["type"] == "page"][0]
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=10)
        self.next_id = 0
        self.events = []
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(domain + ".enable")

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise RuntimeError("%s: %s" % (method, msg["error"]))
                return msg.get("result", {})
            self.events.append(msg)

    def eval(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in r:
            raise RuntimeError("%s: %s" % (expr, r["exceptionDetails"]))
        return r["result"].get("value")

    def wait(self, expr, seconds=10):
        """The value of expr once it is truthy, or None after `seconds`."""
        end = time.time() + seconds
        while time.time() < end:
            v = self.eval(expr)
            if v:
                return v
            time.sleep(0.2)
        return None

    def go(self, url):
        self.call("Page.navigate", url=url)

    def screenshot(self, path):
        import base64
        data = self.call("Page.captureScreenshot", format="png")["data"]
        open(path, "wb").write(base64.b64decode(data))

    def close(self):
        self.ws.close()
        self.proc.terminate()
        self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


class Checks:
    """check(name, ok, why) prints "ok - NAME" or "not ok - NAME: why"; a
    failure saves a screenshot of the browser (set later: check.browser)
    as OUTDIR/NAME.png.  check.failed says whether any failed."""

    def __init__(self, outdir):
        self.outdir, self.browser, self.failed = outdir, None, False

    def __call__(self, name, ok, why):
        if ok:
            print("ok - " + name)
            return
        self.failed = True
        print("not ok - %s: %s" % (name, why))
        if self.browser:
            self.browser.screenshot("%s/%s.png" % (self.outdir, name))


def api_get(base, token, path):
    """GET base + path with the bearer token: the parsed JSON answer."""
    req = urllib.request.Request(base + path, headers={"Authorization": "Bearer " + token})
    return json.load(urllib.request.urlopen(req))
