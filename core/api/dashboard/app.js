// app.js — the dashboard: login by token, a router over location.hash and
// the pages, every one drawn from the public API and kept current by the
// event stream (no polling).  A page is a list of nodes, redrawn a moment
// after events; or { nodes, onEvent(kind, type, data), mounted() }, which
// keeps itself current from the events it is given.
import { ApiError, events, get, token } from "./api.js";
import { h } from "./util.js";
import { jobForm } from "./jobform.js";
import { session } from "./ui.js";
import { overview } from "./overview.js";
import { tasks } from "./tasks.js";
import { task } from "./task.js";
import { run } from "./run.js";
import { alertsPage } from "./alerts.js";

const main = document.getElementById("main");
const banner = document.getElementById("banner");

const pages = [
  [/^#\/?$/, () => overview(render)],
  [/^#\/tasks(?:\?(.*))?$/, (m) => tasks(new URLSearchParams(m[1] || ""))],
  [/^#\/tasks\/(.+)$/, (m) => task(decodeURIComponent(m[1]))],
  [/^#\/runs\/(\d+)$/, (m) => run(m[1])],
  [/^#\/alerts$/, () => alertsPage()],
  [/^#\/job(?:\?.*)?$/, () => (session.role === "admin" ? jobForm() : [h("p", {}, "The job form needs an admin token.")])],
];

let rendering = null, current = null;
async function render() {
  const hash = location.hash || "#/";
  for (const [re, page] of pages) {
    const m = hash.match(re);
    if (!m) continue;
    const mine = (rendering = {});
    try {
      const shown = await page(m);
      if (rendering !== mine) return;
      current = Array.isArray(shown) ? null : shown;
      main.replaceChildren(...(current ? current.nodes : shown));
      if (current && current.mounted) current.mounted();
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

// An event goes to a page that keeps itself current; any other page is
// redrawn a moment later, once for a burst of events.  `missed` (the
// daemon no longer kept what happened while the stream was away) redraws
// every page.
let pending = null;
function changed(kind, data) {
  if (current && current.onEvent && kind && kind !== "missed")
    return current.onEvent(kind, data && data.type, data);
  clearTimeout(pending);
  pending = setTimeout(() => {
    if (!location.hash.startsWith("#/job")) render(); /* a redraw would drop what is typed */
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
    let down = null;
    events(changed, (up, error, retry) => {
      banner.hidden = up;
      document.body.dataset.live = up ? "1" : "0";
      if (up) {
        if (down) render(); /* what happened meanwhile: the page drawn afresh */
        down = null;
        return;
      }
      down = down || new Date();
      banner.textContent = retry === null ? "The daemon refused the token; log in again."
        : `The live connection to the daemon dropped at ${down.toLocaleTimeString()}; `
          + `trying again in ${retry} s…`;
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
