// app.js — the dashboard: login by token, a router over location.hash and
// the pages, every one drawn from the public API and kept current by the
// event stream (no polling).
import { ApiError, events, get, token } from "./api.js";
import { h, secs } from "./util.js";
import { timeline } from "./timeline.js";
import { jobForm } from "./jobform.js";
import { session } from "./ui.js";
import { tasks } from "./tasks.js";
import { task } from "./task.js";
import { run } from "./run.js";
import { alertsPage } from "./alerts.js";

const main = document.getElementById("main");
const banner = document.getElementById("banner");
let status = null, span = 86400;

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

const pages = [
  [/^#\/?$/, () => overview()],
  [/^#\/tasks(?:\?(.*))?$/, (m) => tasks(new URLSearchParams(m[1] || ""))],
  [/^#\/tasks\/(.+)$/, (m) => task(decodeURIComponent(m[1]))],
  [/^#\/runs\/(\d+)$/, (m) => run(m[1])],
  [/^#\/alerts$/, () => alertsPage()],
  [/^#\/job$/, () => (session.role === "admin" ? jobForm() : [h("p", {}, "The job form needs an admin token.")])],
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
    session.role = st.token ? st.token.role : "read";
    document.getElementById("who").textContent = `${st.token ? st.token.name : ""} (${session.role})`;
  } catch (e) {
    return login(e instanceof ApiError && e.status === 401 ? "That token was refused." : e.message);
  }
  document.body.dataset.role = session.role;
  document.getElementById("nav-job").hidden = session.role !== "admin";
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
