// task.js — one task: its frontmatter and source, the load error, actions,
// charts of duration and outcome over 30 days, and its run history paged
// by cursor (?before=) and filtered by status, both kept in the hash.
import { get, RUN_PAGES_RUNS, runPages } from "./api.js";
import { h, s, when } from "./util.js";
import { action, fireItems, runTable, session, taskPath } from "./ui.js";

const STATUSES = ["success", "failed", "timeout", "killed", "skipped", "missed", "interrupted", "running", "queued"];

// chart(runs, since): one SVG bar per finished run, height its duration,
// colour its outcome, over the days since `since`.
function chart(runs, since) {
  const w = 600, hgt = 80, span = Date.now() / 1000 - since;
  const done = runs.filter((r) => r.started_at_epoch && r.duration !== null);
  const max = Math.max(...done.map((r) => r.duration), 1e-6);
  return s("svg", { viewBox: `0 0 ${w} ${hgt + 14}`, class: "chart", role: "img",
    "aria-label": `durations and outcomes of ${done.length} runs over 30 days, longest ${max.toFixed(2)} s` },
  s("line", { x1: 0, y1: hgt, x2: w, y2: hgt, class: "axis" }),
  done.map((r) => {
    const x = ((r.started_at_epoch - since) / span) * w, y = hgt - Math.max((r.duration / max) * hgt, 2);
    return s("rect", { x: x.toFixed(1), y: y.toFixed(1), width: 2, height: (hgt - y).toFixed(1), class: "bar " + r.status },
      s("title", {}, `#${r.id} ${r.status} ${r.duration.toFixed(2)} s`));
  }),
  s("text", { x: 0, y: hgt + 12, class: "lane" }, "30 days ago"), s("text", { x: w - 24, y: hgt + 12, class: "lane" }, "now"));
}

function outcomes(runs) {
  const n = {};
  for (const r of runs) n[r.status] = (n[r.status] || 0) + 1;
  return h("ul", { class: "outcomes" }, Object.entries(n).map(([k, v]) => h("li", { class: "st " + k }, `${k}: ${v}`)));
}

export async function task(route) {
  /* the route hands "NAME?status=…&before=…": split the query off */
  const cut = route.indexOf("?"), name = cut < 0 ? route : route.slice(0, cut);
  const params = new URLSearchParams(cut < 0 ? "" : route.slice(cut + 1));
  const status = params.get("status") || "", before = params.get("before") || "";
  const since = Math.floor(Date.now() / 1000 - 30 * 86400);
  const hq = new URLSearchParams({ limit: "20", task: name });
  if (status) hq.set("status", status);
  if (before) hq.set("before", before);
  const [t, page, month, fires] = await Promise.all([get(taskPath(name)), get("/api/v1/runs?" + hq),
    runPages(`/api/v1/runs?limit=500&task=${encodeURIComponent(name)}&since=30d`),
    get(`/api/v1/calendar?n=10&task=${encodeURIComponent(name)}`).catch(() => null)]);
  const go = (q) => { location.hash = "#/tasks/" + encodeURIComponent(name) + (String(q) ? "?" + q : ""); };
  const src = t.source ? (t.source.type === "file" ? `${t.source.path}:${t.source.line || 1}`
    : `${t.source.type} ${t.source.path || ""}`) : t.path;
  const nextQ = page.next ? new URLSearchParams(page.next.split("?")[1]).get("before") : null;
  return [
    h("h1", {}, t.name + (t.paused ? " (paused)" : "")),
    t.title && t.title !== t.name ? h("p", {}, t.title) : null,
    t.error ? h("p", { class: "error load-error", role: "alert" }, "Does not load: " + t.error) : null,
    h("div", { class: "actions" }, action("Run now", "POST", taskPath(name) + "/run"),
      t.paused ? action("Resume", "POST", taskPath(name) + "/resume")
        : action("Pause", "POST", taskPath(name) + "/pause"),
      t.source && t.source.type === "yaml" && session.role === "admin"
        ? h("a", { href: "#/job?name=" + encodeURIComponent(name), class: "action" }, "Edit") : null),
    h("dl", { class: "front" }, h("dt", {}, "Schedule"), h("dd", {}, t.schedule || "—"),
      h("dt", {}, "Next fire"), h("dd", {}, when(t.next_fire_epoch, t.zone)),
      h("dt", {}, "Next fires"), h("dd", {}, fires && fires.fires.length
        ? h("ol", { class: "preview next-fires" }, fireItems(fires.fires, t.zone)) : "—"),
      h("dt", {}, "Time zone"), h("dd", { class: "zone" }, t.zone),
      h("dt", {}, "Queue"), h("dd", { class: "queue" }, t.queue || "default"),
      h("dt", {}, "Source"), h("dd", { class: "source" }, h("code", {}, src)),
      h("dt", {}, "User"), h("dd", {}, t.user || "—"),
      h("dt", {}, "Tags"), h("dd", {}, t.tags.join(", ") || "—"),
      h("dt", {}, "State"), h("dd", {}, [t.enabled ? "enabled" : "disabled", t.paused && "paused", t.broken && "broken",
        t.overdue && "overdue", t.failing_streak && `failing ${t.failing_streak}× in a row`].filter(Boolean).join(", "))),
    h("h2", {}, "Last 30 days" + (month.length >= RUN_PAGES_RUNS ? ` (its latest ${RUN_PAGES_RUNS} runs)` : "")), chart(month, since), outcomes(month),
    h("h2", {}, "History"),
    h("div", { class: "filters" }, h("select", { id: "history-status", "aria-label": "history status",
      onchange: (e) => go(new URLSearchParams(e.target.value ? { status: e.target.value } : {})) },
    ["", ...STATUSES].map((v) => h("option", { value: v, selected: v === status }, v || "any status")))),
    runTable(page.runs, t.zone),
    h("nav", { class: "pager", "aria-label": "history pages" },
      before ? h("a", { href: "#/tasks/" + encodeURIComponent(name) + (status ? "?status=" + status : ""), id: "history-first" }, "Newest") : null,
      nextQ ? h("a", { id: "history-older", href: "#/tasks/" + encodeURIComponent(name) + "?" +
        new URLSearchParams({ ...(status ? { status } : {}), before: nextQ }) }, "Older") : null),
  ];
}
