// app.js — the dashboard: login by token, a router over location.hash and
// the pages, every one drawn from the public API and kept current by the
// event stream (no polling).
import { ApiError, events, get, request, token } from "./api.js";
import { ago, h, secs, when } from "./util.js";
import { sparkline, timeline } from "./timeline.js";
import { jobForm } from "./jobform.js";

const main = document.getElementById("main");
const banner = document.getElementById("banner");
let role = "read", status = null, span = 86400;
const canOperate = () => role === "operate" || role === "admin";

function action(label, method, path) {
  if (!canOperate()) return null;
  return h("button", { type: "button", class: "action", onclick: async (ev) => {
    ev.target.disabled = true;
    try { await request(method, path); } catch (e) { alert(label + ": " + e.message); }
    ev.target.disabled = false;
  } }, label);
}

const taskPath = (n) => "/api/v1/tasks/" + encodeURIComponent(n);

async function overview() {
  status = await get("/api/v1/status");
  const since = Date.now() / 1000 - span;
  const runs = (await get("/api/v1/runs?limit=500")).runs.filter(
    (r) => !r.started_at_epoch || r.started_at_epoch > since || !r.finished_at_epoch);
  const alerts = (await get("/api/v1/alerts/summary")).open;
  const t = status.tasks;
  const count = (k, v) => h("div", { class: "count", "data-count": k }, h("b", {}, String(v)), " " + k);
  const zoom = h("div", { class: "zoom", role: "group", "aria-label": "zoom" },
    [[3600, "1 h"], [21600, "6 h"], [86400, "24 h"], [604800, "7 d"]].map(([v, l]) =>
      h("button", { type: "button", "aria-pressed": String(v === span),
        onclick: () => { span = v; render(); } }, l)));
  return [
    h("h1", {}, "Overview"),
    h("p", { id: "daemon" }, `daemon up, version ${status.version}, up ${secs(status.uptime)}; store `
      + (status.store ? JSON.stringify(status.store) : "ok")),
    h("div", { class: "counts" },
      count("tasks", t.length), count("running", status.running), count("queued", status.queued),
      count("failing", t.filter((x) => x.failing_streak > 0).length),
      count("broken", t.filter((x) => x.broken).length), count("open alerts", alerts)),
    h("h2", {}, "Timeline"), zoom,
    timeline(t, runs, span, (id) => { location.hash = "#/runs/" + id; }),
  ];
}

async function tasks(params) {
  status = await get("/api/v1/status");
  const runs = (await get("/api/v1/runs?limit=500")).runs;
  const q = params.get("q") || "", state = params.get("state") || "", sort = params.get("sort") || "name";
  const set = (k, v) => { params.set(k, v); location.hash = "#/tasks?" + params; };
  const stateOf = (t) => t.broken ? "broken" : t.paused ? "paused" : !t.enabled ? "disabled"
    : t.running.length ? "running" : "enabled";
  let list = status.tasks.filter((t) => (!q || [t.name, t.title, ...t.tags].some((x) =>
    x && x.toLowerCase().includes(q.toLowerCase()))) && (!state || stateOf(t) === state));
  const key = { name: (t) => t.name, next: (t) => t.next_fire_epoch || Infinity,
    last: (t) => -(t.last_run ? t.last_run.started_at_epoch : 0) }[sort];
  list.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const mine = (t) => runs.filter((r) => r.task === t.name && r.finished_at_epoch);
  const rate = (rs) => rs.length ? Math.round(100 * rs.filter((r) => r.status === "success").length / rs.length) + "%" : "—";
  return [
    h("h1", {}, "Tasks"),
    h("div", { class: "filters" },
      h("input", { type: "search", id: "q", "aria-label": "search name, title, tag", placeholder: "search",
        value: q, onchange: (e) => set("q", e.target.value) }),
      h("select", { "aria-label": "state", onchange: (e) => set("state", e.target.value) },
        ["", "enabled", "disabled", "paused", "broken", "running"].map((v) =>
          h("option", { value: v, selected: v === state }, v || "any state"))),
      h("select", { "aria-label": "sort", onchange: (e) => set("sort", e.target.value) },
        [["name", "by name"], ["next", "by next fire"], ["last", "by last run"]].map(([v, l]) =>
          h("option", { value: v, selected: v === sort }, l)))),
    h("table", { class: "tasks" },
      h("thead", {}, h("tr", {}, ["Task", "Schedule", "Next fire", "Last", "Success", "Durations"].map((c) => h("th", {}, c)))),
      h("tbody", {}, list.map((t) => h("tr", { "data-task": t.name },
        h("td", {}, h("a", { href: "#/tasks/" + encodeURIComponent(t.name) }, t.name), " ", t.title !== t.name ? t.title : ""),
        h("td", {}, t.schedule), h("td", {}, when(t.next_fire_epoch)),
        h("td", { class: "st " + (t.last_run ? t.last_run.status : "") }, t.last_run ? t.last_run.status : "—"),
        h("td", {}, rate(mine(t))), h("td", {}, sparkline(mine(t).reverse().map((r) => r.duration || 0))))))),
  ];
}

async function task(name) {
  const t = await get(taskPath(name));
  const runs = (await get("/api/v1/runs?limit=50&task=" + encodeURIComponent(name))).runs;
  return [
    h("h1", {}, t.name + (t.paused ? " (paused)" : "")),
    h("p", {}, t.title),
    h("div", { class: "actions" }, action("Run now", "POST", taskPath(name) + "/run"),
      t.paused ? action("Resume", "POST", taskPath(name) + "/resume")
        : action("Pause", "POST", taskPath(name) + "/pause")),
    h("dl", {}, h("dt", {}, "Schedule"), h("dd", {}, t.schedule),
      h("dt", {}, "Next fire"), h("dd", {}, when(t.next_fire_epoch)),
      h("dt", {}, "Source"), h("dd", {}, t.source ? `${t.source.type} ${t.source.path || ""}:${t.source.line || ""}` : t.path),
      t.error ? [h("dt", {}, "Load error"), h("dd", { class: "error" }, t.error)] : null),
    h("h2", {}, "History"), runTable(runs),
  ];
}

function runTable(runs) {
  return h("table", { class: "runs" },
    h("thead", {}, h("tr", {}, ["Run", "Task", "Status", "Trigger", "Started", "Duration"].map((c) => h("th", {}, c)))),
    h("tbody", {}, runs.map((r) => h("tr", {},
      h("td", {}, h("a", { href: "#/runs/" + r.id }, "#" + r.id)), h("td", {}, r.task),
      h("td", { class: "st " + (r.status || "running") }, r.status || "running"), h("td", {}, r.trigger),
      h("td", {}, when(r.started_at_epoch)), h("td", {}, secs(r.duration))))));
}

async function run(id) {
  const r = await get("/api/v1/runs/" + id);
  const log = h("pre", { class: "log", "aria-label": "output" });
  const res = await fetch("/api/v1/runs/" + id + "/log", { headers: { Authorization: "Bearer " + token.get() } });
  // Without ?follow=1 the log is there once the run ends; the page is
  // redrawn by the run's finished event.
  log.textContent = res.ok ? await res.text()
    : r.finished_at_epoch ? "(no output: " + res.status + ")" : "(the output shows when the run ends)";
  const f = (k, v) => [h("dt", {}, k), h("dd", {}, v === null || v === undefined ? "—" : v)];
  return [
    h("h1", {}, `Run #${r.id} of `, h("a", { href: "#/tasks/" + encodeURIComponent(r.task) }, r.task)),
    h("div", { class: "actions" }, r.finished_at_epoch ? null : action("Cancel", "POST", `/api/v1/runs/${id}/cancel`)),
    h("dl", {}, f("Status", r.status || "running"), f("Trigger", r.trigger), f("Attempt", r.attempt),
      f("Scheduled", when(r.scheduled_for_epoch)), f("Started", when(r.started_at_epoch)),
      f("Finished", when(r.finished_at_epoch)), f("Duration", secs(r.duration)),
      f("Exit code", r.exit_code), f("Signal", r.signal), f("Peak memory", r.peak_rss_kb && r.peak_rss_kb + " KiB"),
      f("CPU", r.cpu_ms && r.cpu_ms + " ms"), f("Result", r.result && JSON.stringify(r.result)),
      f("Error", r.error)),
    h("h2", {}, "Output"), log,
  ];
}

async function alertsPage() {
  const open = (await get("/api/v1/alerts?state=open")).alerts;
  const done = (await get("/api/v1/alerts?state=resolved")).alerts;
  return [h("h1", {}, "Alerts"), h("ul", { class: "alerts" }, [...open, ...done].map((a) =>
    h("li", { class: a.state }, `${a.kind} ${a.task || ""}: ${a.message} (${a.count}×, ${ago(a.last_seen_at_epoch)}) `,
      a.state === "open" ? action("Resolve", "POST", `/api/v1/alerts/${a.id}/resolve`) : "resolved")))];
}

const pages = [
  [/^#\/?$/, () => overview()],
  [/^#\/tasks(?:\?(.*))?$/, (m) => tasks(new URLSearchParams(m[1] || ""))],
  [/^#\/tasks\/(.+)$/, (m) => task(decodeURIComponent(m[1]))],
  [/^#\/runs\/(\d+)$/, (m) => run(m[1])],
  [/^#\/alerts$/, () => alertsPage()],
  [/^#\/job$/, () => (role === "admin" ? jobForm() : [h("p", {}, "The job form needs an admin token.")])],
];

let rendering = null;
async function render() {
  const hash = location.hash || "#/";
  for (const [re, page] of pages) {
    const m = hash.match(re);
    if (!m) continue;
    const mine = (rendering = {});
    try {
      const nodes = await page(m);
      if (rendering === mine) main.replaceChildren(...nodes);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return login("That token was refused.");
      main.replaceChildren(h("p", { class: "error" }, e.message));
    }
    return;
  }
  main.replaceChildren(h("p", {}, "No such page."));
}

function login(why) {
  token.clear();
  const field = h("input", { type: "password", id: "token", autocomplete: "off", "aria-label": "API token" });
  main.replaceChildren(h("form", { class: "login", onsubmit: (e) => {
    e.preventDefault(); token.set(field.value.trim()); start();
  } }, h("h1", {}, "Log in"), why ? h("p", { class: "error" }, why) : null,
  h("label", { for: "token" }, "API token (./main dashboard prints a URL that logs in)"), field,
  h("button", { type: "submit" }, "Log in")));
}

// An event redraws the page a moment later, once for a burst of events.
let pending = null;
function changed() {
  clearTimeout(pending);
  pending = setTimeout(() => {
    if (location.hash !== "#/job") render(); /* a redraw would drop what is typed */
  }, 150);
}

let started = false;
async function start() {
  try {
    const st = await get("/api/v1/status");
    role = st.token ? st.token.role : "read";
    document.getElementById("who").textContent = `${st.token ? st.token.name : ""} (${role})`;
  } catch (e) {
    return login(e instanceof ApiError && e.status === 401 ? "That token was refused." : e.message);
  }
  document.body.dataset.role = role;
  document.getElementById("nav-job").hidden = role !== "admin";
  document.getElementById("logout").hidden = false;
  if (!started) {
    started = true;
    window.addEventListener("hashchange", render);
    events(changed, (up) => {
      banner.hidden = up;
      document.body.dataset.live = up ? "1" : "0";
      banner.textContent = up ? "" : "The live connection to the daemon dropped; reconnecting…";
      if (up) changed();
    });
  }
  render();
}

document.getElementById("logout").addEventListener("click", () => { token.clear(); location.reload(); });
const frag = location.hash.match(/^#token=([^&]+)/);
if (frag) {
  token.set(decodeURIComponent(frag[1]));
  history.replaceState(null, "", location.pathname + location.search + "#/");
}
if (token.get()) start(); else login();
