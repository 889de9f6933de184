// tasks.js — the task list: search, filters, sort, and per row the
// schedule, next fire, last status, success rate and recent durations.
import { get } from "./api.js";
import { h, when } from "./util.js";
import { sparkline } from "./timeline.js";

export async function tasks(params) {
  const status = await get("/api/v1/status");
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
