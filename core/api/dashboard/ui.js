// ui.js — what the pages share: the token's role, the action buttons an
// operate token gets, a task's API path and the table of runs.
import { request } from "./api.js";
import { h, secs, when } from "./util.js";

export const session = { role: "read" };
export const canOperate = () => session.role === "operate" || session.role === "admin";

export function action(label, method, path) {
  if (!canOperate()) return null;
  return h("button", { type: "button", class: "action", onclick: async (ev) => {
    ev.target.disabled = true;
    try { await request(method, path); } catch (e) { alert(label + ": " + e.message); }
    ev.target.disabled = false;
  } }, label);
}

export const taskPath = (n) => "/api/v1/tasks/" + encodeURIComponent(n);


export function runTable(runs) {
  return h("table", { class: "runs" },
    h("thead", {}, h("tr", {}, ["Run", "Task", "Status", "Trigger", "Started", "Duration"].map((c) => h("th", {}, c)))),
    h("tbody", {}, runs.map((r) => h("tr", {},
      h("td", {}, h("a", { href: "#/runs/" + r.id }, "#" + r.id)), h("td", {}, r.task),
      h("td", { class: "st " + (r.status || "running") }, r.status || "running"), h("td", {}, r.trigger),
      h("td", {}, when(r.started_at_epoch)), h("td", {}, secs(r.duration))))));
}
