// timeline.js — the overview's timeline as inline SVG drawn here: one lane
// per task, its runs as bars (colour = status, width = duration, at least
// a sliver) and its coming fires as ticks, over now ± a span of 1 h to 7 d.
// Only the lanes in view are drawn (the rest is an empty scroll height), so
// a thousand tasks cost what thirty do; a running bar grows every second
// without asking the server anything.
import { get } from "./api.js";
import { h, inZone, s, secs } from "./util.js";

const LANE = 22, LABEL = 150, WIDTH = 1000, AXIS = 20, OVERSCAN = 5;
const FIRES_MAX = 200;      // fires asked for per lane; more are drawn as a band
const FIRES_STALE = 60;     // seconds a lane's fires are kept before asked again
export const STATUSES = ["success", "failed", "timeout", "skipped", "missed", "interrupted",
  "killed", "running"];

export class Timeline {
  // onOpen(runId) is called when a bar is clicked or activated by keyboard.
  constructor(onOpen) {
    this.onOpen = onOpen;
    this.tasks = [];
    this.byTask = new Map();   // task name -> Map(run id -> run)
    this.fires = new Map();    // task name -> { at, list: [epoch], full }
    this.span = 86400;
    this.axis = s("svg", { class: "axis", viewBox: `0 0 ${WIDTH} ${AXIS}`, "aria-hidden": "true" });
    this.lanes = s("svg", { class: "timeline", role: "img" });
    this.spacer = h("div", { class: "timeline-spacer" }, this.lanes);
    this.scroller = h("div", { class: "timeline-scroll", tabindex: 0,
      "aria-label": "timeline lanes, scroll for more tasks" }, this.spacer);
    this.scroller.addEventListener("scroll", () => this.soon());
    this.node = h("div", { class: "timeline-box" }, this.axis, this.scroller, legend());
    this.first = -1;
    this.timer = setInterval(() => this.grow(), 1000);
  }

  // Drop the timer once the page is left (the node is no longer shown).
  alive() {
    if (this.node.isConnected || !this.drawnOnce) return true;
    clearInterval(this.timer);
    return false;
  }

  set(tasks, runs, span) {
    this.tasks = tasks;
    this.span = span;
    this.byTask = new Map();
    for (const r of runs) this.put(r);
    this.first = -1;
    this.draw();
  }

  put(r) {
    let m = this.byTask.get(r.task);
    if (!m) this.byTask.set(r.task, (m = new Map()));
    m.set(r.id, Object.assign(m.get(r.id) || {}, r));
  }

  // A `run` event (events.h): the run it names takes its new state in place.
  onRunEvent(type, ev) {
    const r = { id: ev.run_id, task: ev.task, trigger: ev.trigger };
    if (type === "started") Object.assign(r, { started_at_epoch: ev.time, status: null });
    if (type === "finished") {
      const known = this.byTask.get(ev.task)?.get(ev.run_id);
      Object.assign(r, { status: ev.status, finished_at_epoch: ev.time, duration: ev.duration,
        started_at_epoch: known?.started_at_epoch || ev.time });
    }
    if (type === "queued") return;
    this.put(r);
    this.fires.delete(ev.task);   // its next fire has moved on
    this.redrawLane(ev.task);
  }

  // A task changed (edited, paused, …): its coming fires are asked again.
  forgetFires(name) {
    if (name) this.fires.delete(name); else this.fires.clear();
  }

  soon() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => { this.frame = 0; this.draw(); });
  }

  window() {
    const now = Date.now() / 1000;
    return { now, from: now - this.span, to: now + this.span };
  }

  x(t, w) {
    return LABEL + ((t - w.from) / (w.to - w.from)) * (WIDTH - LABEL);
  }

  // The lanes in view (and a few beyond), drawn from scratch.
  draw() {
    if (!this.alive()) return;
    this.drawnOnce = true;
    const n = this.tasks.length, w = this.window();
    const scale = (this.scroller.clientWidth || WIDTH) / WIDTH;
    const laneH = LANE * scale;
    const first = Math.max(0, Math.floor(this.scroller.scrollTop / laneH) - OVERSCAN);
    const shown = Math.ceil((this.scroller.clientHeight || 600) / laneH) + 2 * OVERSCAN;
    const last = Math.min(n, first + shown);
    this.spacer.style.height = `${n * laneH}px`;
    this.lanes.style.top = `${first * laneH}px`;
    this.lanes.setAttribute("viewBox", `0 0 ${WIDTH} ${Math.max(last - first, 1) * LANE}`);
    this.lanes.style.height = `${Math.max(last - first, 1) * laneH}px`;
    this.lanes.setAttribute("aria-label", `runs of the last and fires of the next ${secs(this.span)}, `
      + `tasks ${first + 1} to ${last} of ${n}`);
    this.first = first;
    this.rows = new Map();
    const kids = [];
    for (let i = first; i < last; i++) {
      const g = this.lane(this.tasks[i], (i - first) * LANE, w);
      this.rows.set(this.tasks[i].name, { g, y: (i - first) * LANE });
      kids.push(g);
    }
    kids.push(s("line", { x1: this.x(w.now, w), x2: this.x(w.now, w), y1: 0,
      y2: (last - first) * LANE, class: "now" }));
    this.lanes.replaceChildren(...kids);
    this.drawAxis(w);
  }

  redrawLane(name) {
    const row = this.rows && this.rows.get(name);
    if (!row || !this.alive()) return;
    const t = this.tasks.find((x) => x.name === name);
    if (t) row.g.replaceWith((row.g = this.lane(t, row.y, this.window())));
  }

  lane(t, y, w) {
    const g = s("g", { "data-task": t.name, class: t.paused ? "paused" : "" });
    g.append(s("text", { x: 4, y: y + 15, class: "lane" }, t.name.length > 22
      ? t.name.slice(0, 21) + "…" : t.name, s("title", {}, t.name)));
    for (const r of (this.byTask.get(t.name) || new Map()).values()) {
      if (!r.started_at_epoch) continue;
      const end = r.finished_at_epoch || w.now;
      if (end < w.from || r.started_at_epoch > w.to) continue;
      const x0 = Math.max(this.x(r.started_at_epoch, w), LABEL);
      const st = r.status || "running";
      const bar = s("rect", {
        x: x0, y: y + 4, height: LANE - 8, width: Math.max(this.x(end, w) - x0, 2),
        class: "bar " + st, tabindex: 0, role: "link", "data-run": r.id,
        "data-start": r.started_at_epoch, "aria-label": `run ${r.id} of ${t.name}: ${st}`,
      }, s("title", {}, `run #${r.id} ${st}, started ${new Date(r.started_at_epoch * 1000).toLocaleString()}, ${inZone(r.started_at_epoch, t.zone)}`
        + (r.duration !== null && r.duration !== undefined ? `, took ${secs(r.duration)}` : "")
        + (r.trigger ? ` (${r.trigger})` : "")));
      bar.addEventListener("click", () => this.onOpen(r.id));
      bar.addEventListener("keydown", (e) => { if (e.key === "Enter") this.onOpen(r.id); });
      g.append(bar);
    }
    this.drawFires(t, g, y, w);
    return g;
  }

  drawFires(t, g, y, w) {
    const f = this.fires.get(t.name);
    if (!f || f.at < w.now - FIRES_STALE) {
      if (!f || !f.asking) this.askFires(t.name, f);
      if (!f) return;
    }
    const list = f.list.filter((at) => at > w.now && at < w.to);
    if (f.full && list.length && f.list[f.list.length - 1] < w.to) {
      // More fires than asked for before the window ends: one band.
      const x0 = this.x(list[0], w);
      g.append(s("rect", { x: x0, y: y + 8, height: LANE - 16, width: WIDTH - x0, class: "dense" },
        s("title", {}, `fires every ${secs((f.list[1] - f.list[0]) || 0)} or so`)));
      return;
    }
    for (const at of list)
      g.append(s("line", { x1: this.x(at, w), x2: this.x(at, w), y1: y + 2, y2: y + LANE - 2,
        class: "tick" }, s("title", {}, "fire at " + new Date(at * 1000).toLocaleString() + ", " + inZone(at, t.zone))));
  }

  async askFires(name, old) {
    const mark = old || { at: 0, list: [], full: false };
    mark.asking = true;
    this.fires.set(name, mark);
    try {
      const doc = await get("/api/v1/calendar?n=" + FIRES_MAX + "&task=" + encodeURIComponent(name));
      this.fires.set(name, { at: Date.now() / 1000, list: doc.fires.map((x) => x.at_epoch),
        full: doc.fires.length === FIRES_MAX });
    } catch (e) {
      // a broken or removed task has no fires to show
      this.fires.set(name, { at: Date.now() / 1000, list: [], full: false });
    }
    this.redrawLane(name);
  }

  // Running bars reach up to now; every 30 s the whole view moves on.
  grow() {
    if (!this.alive()) return;
    const w = this.window();
    if (++this.ticks % 30 === 0) return this.draw();
    for (const bar of this.lanes.querySelectorAll(".bar.running")) {
      const x0 = Number(bar.getAttribute("x"));
      bar.setAttribute("width", Math.max(this.x(w.now, w) - x0, 2));
    }
  }

  drawAxis(w) {
    const step = { 3600: 600, 21600: 3600, 86400: 4 * 3600, 604800: 86400 }[this.span] || this.span / 6;
    const kids = [];
    for (let t = Math.ceil(w.from / step) * step; t < w.to; t += step) {
      if (Math.abs(this.x(t, w) - this.x(w.now, w)) < 50) continue; /* "now" is there */
      const d = new Date(t * 1000);
      const label = this.span >= 604800 ? d.toLocaleDateString([], { weekday: "short", day: "numeric" })
        : d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      kids.push(s("text", { x: this.x(t, w), y: 14, class: "axis-label" }, label));
    }
    kids.push(s("text", { x: this.x(w.now, w), y: 14, class: "axis-now" }, "now"));
    this.axis.replaceChildren(...kids);
  }
}
Timeline.prototype.ticks = 0;

function legend() {
  return h("ul", { class: "legend", "aria-label": "colours" },
    STATUSES.map((st) => h("li", {}, h("span", { class: "swatch " + st, "aria-hidden": "true" }), st)),
    h("li", {}, h("span", { class: "swatch tick", "aria-hidden": "true" }), "coming fire"));
}

// A sparkline of durations (oldest first), for the task table.
export function sparkline(values) {
  const max = Math.max(...values, 1e-6), w = 80, hgt = 18;
  const pts = values.map((v, i) => `${(i / Math.max(values.length - 1, 1)) * w},${hgt - (v / max) * hgt}`);
  return s("svg", { viewBox: `0 0 ${w} ${hgt}`, class: "spark", "aria-hidden": "true" },
    s("polyline", { points: pts.join(" ") }));
}
