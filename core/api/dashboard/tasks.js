// tasks.js — the task list: search, filters, sort, and per row the
// schedule, next fire, last status, success rate and recent durations.
// Three requests serve any number of tasks: /status for the tasks,
// /stats/performance for the success rates and /runs for the sparklines.
import { get } from "./api.js";
import { h, when } from "./util.js";
import { sparkline } from "./timeline.js";

const stateOf = (t) => t.broken ? "broken" : t.paused ? "paused" : !t.enabled ? "disabled"
  : t.running.length ? "running" : "enabled";

export async function tasks(params) {
  const [status, perf, runs] = await Promise.all([get("/api/v1/status"),
    get("/api/v1/stats/performance?days=30"), get("/api/v1/runs?limit=500")]);
  const p = (k) => params.get(k) || "";
  const q = p("q").toLowerCase(), sort = p("sort") || "name";
  const set = (k, v) => { if (v) params.set(k, v); else params.delete(k); location.hash = "#/tasks?" + params; };
  const rate = new Map(perf.tasks.map((x) => [x.task, x.success_rate]));
  const durations = new Map();
  for (const r of runs.runs) {
    if (r.duration === null) continue;
    if (!durations.has(r.task)) durations.set(r.task, []);
    durations.get(r.task).unshift(r.duration);
  }
  const all = status.tasks;
  const choices = (f) => [...new Set(all.flatMap(f).filter(Boolean))].sort();
  const list = all.filter((t) => (!q || [t.name, t.title, ...t.tags].some((x) => x && x.toLowerCase().includes(q)))
    && (!p("state") || stateOf(t) === p("state")) && (!p("source") || (t.source && t.source.type) === p("source"))
    && (!p("user") || t.user === p("user")) && (!p("tag") || t.tags.includes(p("tag"))));
  const key = { name: (t) => t.name, next: (t) => t.next_fire_epoch || Infinity,
    last: (t) => -(t.last_run ? t.last_run.started_at_epoch || 0 : 0) }[sort];
  list.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const select = (k, label, values) => h("select", { id: "filter-" + k, "aria-label": label, onchange: (e) => set(k, e.target.value) },
    values.map(([v, l]) => h("option", { value: v, selected: v === (p(k) || (k === "sort" ? "name" : "")) }, l)));
  const any = (label, vs) => [["", label], ...vs.map((v) => [v, v])];
  return [
    h("h1", {}, "Tasks"),
    h("div", { class: "filters" },
      h("input", { type: "search", id: "q", "aria-label": "search name, title, tag", placeholder: "search name, title, tag",
        value: p("q"), onchange: (e) => set("q", e.target.value.trim()) }),
      select("state", "state", any("any state", ["enabled", "disabled", "paused", "broken", "running"])),
      select("source", "source", any("any source", ["file", "yaml", "sql"])),
      select("user", "user", any("any user", choices((t) => [t.user]))),
      select("tag", "tag", any("any tag", choices((t) => t.tags))),
      select("sort", "sort", [["name", "by name"], ["next", "by next fire"], ["last", "by last run"]])),
    h("p", { class: "mute", role: "status" }, `${list.length} of ${all.length} tasks`),
    h("div", { class: "scroll" }, h("table", { class: "tasks" },
      h("thead", {}, h("tr", {}, ["Task", "Schedule", "Next fire", "Last", "Success", "Durations"].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, list.map((t) => {
        const r = rate.get(t.name), d = durations.get(t.name) || [];
        return h("tr", { "data-task": t.name },
          h("td", {}, h("a", { href: "#/tasks/" + encodeURIComponent(t.name) }, t.name),
            t.title && t.title !== t.name ? h("div", { class: "mute" }, t.title) : null),
          h("td", {}, t.schedule || "—"), h("td", {}, when(t.next_fire_epoch, t.zone)),
          h("td", { class: "st " + (t.last_run ? t.last_run.status : "") }, t.broken ? "broken" : t.last_run ? t.last_run.status : "—"),
          h("td", { class: "rate" }, r === null || r === undefined ? "—" : Math.round(100 * r) + "%"),
          h("td", { "aria-label": "recent durations" }, sparkline(d.slice(-30))));
      })))),
  ];
}
