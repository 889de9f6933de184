// overview.js — the first screen: the daemon's health, the counts, open
// alerts and failing tasks, and the timeline.  Kept current by the event
// stream: a run event moves its bar in place; the counts are asked again
// (once for a burst of events).
import { get, runPages } from "./api.js";
import { h, secs, when } from "./util.js";
import { Timeline } from "./timeline.js";

const SPANS = [[3600, "1 h"], [21600, "6 h"], [86400, "24 h"], [604800, "7 d"]];
let span = 86400;

// The runs that started in the window, or still run, newest first (a span
// before the daemon's now).
const windowRuns = () => runPages(`/api/v1/runs?limit=500&since=${span}s`);

function counts(status, alerts) {
  const t = status.tasks;
  const count = (k, v) => h("div", { class: "count", "data-count": k }, h("b", {}, String(v)), " " + k);
  return h("div", { class: "counts", "aria-live": "polite" },
    count("tasks", t.length), count("running", status.running), count("queued", status.queued),
    count("failing", t.filter((x) => x.failing_streak > 0).length),
    count("broken", t.filter((x) => x.broken).length), count("open alerts", alerts.open));
}

function health(status) {
  const store = status.store ? Object.entries(status.store).map(([k, v]) =>
    `${k} ${typeof v === "object" ? JSON.stringify(v) : v}`).join(", ") : "ok";
  return h("p", { id: "daemon" }, h("b", {}, "daemon up"), `, version ${status.version}, up `
    + `${secs(status.uptime)}; store ${store}`);
}

function trouble(status) {
  const bad = status.tasks.filter((t) => t.broken || t.failing_streak > 0);
  if (!bad.length) return h("p", { class: "quiet" }, "No task is failing or broken.");
  return h("ul", { class: "trouble", "aria-label": "failing and broken tasks" }, bad.map((t) =>
    h("li", {}, h("a", { href: "#/tasks/" + encodeURIComponent(t.name) }, t.name), " ",
      t.broken ? h("span", { class: "st failed" }, "broken: " + (t.error || ""))
        : [h("span", { class: "st failed" }, `failed ${t.failing_streak}× in a row`), " last ",
          when(t.last_run && t.last_run.finished_at_epoch, t.zone)])));
}

// "maint 1 running (at most 1), 1 waiting; …" once queues are in use (a
// bound, or a queue other than the default), as --status prints them.
function queues(status) {
  const list = Object.entries(status.queues || {});
  if (!list.some(([name, q]) => name !== "default" || q.max_concurrent !== null)) return null;
  return h("p", { id: "queues" }, h("b", {}, "queues"), " " + list.map(([name, q]) =>
    `${name} ${q.running} running${q.max_concurrent !== null ? ` (at most ${q.max_concurrent})` : ""}, `
    + `${q.waiting} waiting`).join("; "));
}

// The page: its nodes, and what the router calls on each event.
export async function overview(redraw) {
  const [status, alerts, runs] = await Promise.all([
    get("/api/v1/status"), get("/api/v1/alerts/summary"), windowRuns()]);
  const tl = new Timeline((id) => { location.hash = "#/runs/" + id; });
  const top = h("div", {}, health(status), counts(status, alerts), queues(status));
  const problems = h("div", {}, trouble(status));
  const zoom = h("div", { class: "zoom", role: "group", "aria-label": "zoom" },
    SPANS.map(([v, l]) => h("button", { type: "button", "aria-pressed": String(v === span),
      onclick: () => { span = v; redraw(); } }, l)));
  const nodes = [h("h1", {}, "Overview"), top, h("h2", {}, "Needs attention"), problems,
    h("h2", {}, "Timeline"), zoom, tl.node];
  let asking = null;
  const refresh = async () => {
    const [st, al] = await Promise.all([get("/api/v1/status"), get("/api/v1/alerts/summary")]);
    top.replaceChildren(health(st), counts(st, al), queues(st) || "");
    problems.replaceChildren(trouble(st));
    const names = (x) => x.tasks.map((t) => t.name + (t.paused ? "!" : "")).join("\n");
    if (names(st) !== names(status)) {
      status.tasks = st.tasks;
      tl.set(st.tasks, [...tl.byTask.values()].flatMap((m) => [...m.values()]), span);
    }
  };
  const onEvent = (kind, type, data) => {
    if (kind === "run") tl.onRunEvent(type, data);
    if (kind === "task") tl.forgetFires(data && data.task);
    clearTimeout(asking);
    asking = setTimeout(() => refresh().catch(() => {}), 300);
  };
  return { nodes, onEvent, mounted: () => tl.set(status.tasks, runs, span) };
}
