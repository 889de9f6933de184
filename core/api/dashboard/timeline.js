// timeline.js — the overview's timeline as inline SVG drawn here: one lane
// per task, its runs as bars (colour = status, width = duration, at least
// a sliver) and its next fire as a tick, over a window of 1 h to 7 d.
import { s, secs } from "./util.js";

const LANE = 22, LABEL = 140, WIDTH = 1000;

export function timeline(tasks, runs, span, onOpen) {
  const now = Date.now() / 1000, from = now - span, to = now + span;
  const x = (t) => LABEL + ((t - from) / (to - from)) * (WIDTH - LABEL);
  const svg = s("svg", {
    viewBox: `0 0 ${WIDTH} ${LANE * tasks.length + 20}`, class: "timeline", role: "img",
    "aria-label": "runs of the last and fires of the next " + secs(span),
  });
  svg.append(s("line", { x1: x(now), x2: x(now), y1: 0, y2: LANE * tasks.length, class: "now" }));
  tasks.forEach((t, i) => {
    const y = i * LANE;
    svg.append(s("text", { x: 4, y: y + 15, class: "lane" }, t.name));
    for (const r of runs.filter((r) => r.task === t.name && r.started_at_epoch)) {
      const end = r.finished_at_epoch || now;
      if (end < from) continue;
      const x0 = Math.max(x(r.started_at_epoch), LABEL);
      const bar = s("rect", {
        x: x0, y: y + 4, height: LANE - 8, width: Math.max(x(end) - x0, 2),
        class: "bar " + (r.status || "running"), tabindex: 0, "data-run": r.id,
      }, s("title", {}, `run ${r.id} ${r.status || "running"} ${secs(r.duration)}`));
      bar.addEventListener("click", () => onOpen(r.id));
      svg.append(bar);
    }
    if (t.next_fire_epoch && t.next_fire_epoch < to)
      svg.append(s("line", { x1: x(t.next_fire_epoch), x2: x(t.next_fire_epoch), y1: y + 2,
        y2: y + LANE - 2, class: "tick" }, s("title", {}, "next fire " + t.next_fire)));
  });
  return svg;
}

// A sparkline of durations (oldest first), for the task table.
export function sparkline(values) {
  const max = Math.max(...values, 1e-6), w = 80, hgt = 18;
  const pts = values.map((v, i) => `${(i / Math.max(values.length - 1, 1)) * w},${hgt - (v / max) * hgt}`);
  return s("svg", { viewBox: `0 0 ${w} ${hgt}`, class: "spark", "aria-hidden": "true" },
    s("polyline", { points: pts.join(" ") }));
}
