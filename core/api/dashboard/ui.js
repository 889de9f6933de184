// ui.js — what the pages share: the token's role, the action buttons an
// operate token gets, a task's API path, the table of runs, a list of
// fire instants and a raw authorised fetch for what request() cannot do
// (headers, streams).
import { request, token } from "./api.js";
import { h, secs, when } from "./util.js";

export const session = { role: "read" };
export const canOperate = () => session.role === "operate" || session.role === "admin";

export function action(label, method, path, body) {
  if (!canOperate()) return null;
  return h("button", { type: "button", class: "action", onclick: async (ev) => {
    ev.target.disabled = true;
    try { await request(method, path, body ? body() : undefined); } catch (e) { alert(label + ": " + e.message); }
    ev.target.disabled = false;
  } }, label);
}

export const taskPath = (n) => "/api/v1/tasks/" + encodeURIComponent(n);

// authFetch(path, init): fetch with the bearer token added to init.headers.
export function authFetch(path, init = {}) {
  return fetch(path, { ...init, headers: { ...(init.headers || {}), Authorization: "Bearer " + token.get() } });
}

export function runTable(runs, zone) {
  return h("table", { class: "runs" },
    h("thead", {}, h("tr", {}, ["Run", "Task", "Status", "Trigger", "Started", "Duration"].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, runs.map((r) => h("tr", {},
      h("td", {}, h("a", { href: "#/runs/" + r.id }, "#" + r.id)), h("td", {}, r.task),
      h("td", { class: "st " + (r.status || "running") }, r.status || "running"), h("td", {}, r.trigger),
      h("td", {}, when(r.started_at_epoch, zone)), h("td", {}, secs(r.duration))))));
}

// fireItems(fires, zone): list items for the fires of a /calendar answer,
// each with its UTC offset; one whose offset differs from the one before is
// marked as a daylight-saving change.
export function fireItems(fires, zone) {
  let prev = null;
  return fires.map((f) => {
    const off = (f.at.match(/([+-]\d\d:\d\d|Z)$/) || ["", "?"])[1];
    const dst = prev !== null && off !== prev;
    prev = off;
    return h("li", { class: dst ? "fire dst" : "fire", "data-offset": off },
      when(f.at_epoch, zone), " ", h("span", { class: "offset" }, "UTC" + off),
      dst ? h("strong", { class: "dst-mark" }, " offset changes (DST)") : null);
  });
}
