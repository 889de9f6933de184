// run.js — one run: its record, and its whole output; while it runs the
// output is a live tail read from /log?follow=1 as a stream. A stderr line
// comes marked "[stderr] " (the executor's kept output) and is shown
// marked.
import { get } from "./api.js";
import { h, secs, when } from "./util.js";
import { action, authFetch, taskPath } from "./ui.js";

const STDERR = "[stderr] ";

// One page's tail at a time: a redraw of the same run keeps it.
let tail = null;

async function follow(id, log, done) {
  const res = await authFetch(`/api/v1/runs/${id}/log${done ? "" : "?follow=1"}`);
  if (!res.ok) { log.textContent = "(no output: " + res.status + ")"; return; }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let partial = "";
  const show = (line) => log.append(line.startsWith(STDERR)
    ? h("span", { class: "stderr", title: "standard error" }, line) : line);
  for (;;) {
    const { value, done: end } = await reader.read();
    if (end) break;
    const lines = (partial + value).split("\n");
    partial = lines.pop();
    for (const line of lines) show(line + "\n");
    if (log.scrollHeight - log.scrollTop - log.clientHeight < 40) log.scrollTop = log.scrollHeight;
  }
  if (partial) show(partial);
  log.dataset.done = "1";
}

export async function run(id) {
  const r = await get("/api/v1/runs/" + id);
  /* the task's zone for the times' titles; a removed task has none */
  const zone = (await get(taskPath(r.task)).catch(() => null))?.zone;
  const running = !r.finished_at_epoch;
  let log;
  if (tail && tail.id === id && tail.running && document.body.contains(tail.log)) {
    log = tail.log; /* still streaming: keep it */
  } else {
    log = h("pre", { class: "log", id: "run-log", "aria-label": "output", "aria-live": running ? "polite" : "off", tabindex: "0" });
    tail = { id, log, running };
    follow(id, log, !running).catch((e) => log.append("\n(output stream ended: " + e.message + ")"));
  }
  if (!running) tail.running = false;
  const f = (k, v) => [h("dt", {}, k), h("dd", { "data-field": k }, v === null || v === undefined || v === "" ? "—" : v)];
  const late = r.started_at_epoch && r.scheduled_for_epoch ? secs(Math.max(0, r.started_at_epoch - r.scheduled_for_epoch)) : null;
  return [
    h("h1", {}, `Run #${r.id} of `, h("a", { href: "#/tasks/" + encodeURIComponent(r.task) }, r.task)),
    h("div", { class: "actions" }, running ? action("Cancel", "POST", `/api/v1/runs/${id}/cancel`) : null),
    h("dl", { class: "run" }, f("Status", h("span", { class: "st " + r.status }, r.status)), f("Trigger", r.trigger),
      f("Attempt", r.attempt), f("Scheduled", when(r.scheduled_for_epoch, zone)), f("Started", when(r.started_at_epoch, zone)),
      f("Finished", when(r.finished_at_epoch, zone)), f("Duration", secs(r.duration)), f("Lateness", late),
      f("Exit code", r.exit_code), f("Signal", r.signal), f("Peak memory", r.peak_rss_kb && r.peak_rss_kb + " KiB"),
      f("CPU", r.cpu_ms !== null ? r.cpu_ms + " ms" : null),
      f("Return value", r.result === null ? null : h("code", {}, JSON.stringify(r.result))),
      f("Error", r.error && h("pre", { class: "error traceback" }, r.error))),
    h("h2", {}, "Output", running ? h("span", { class: "live" }, " (live)") : null), log,
  ];
}
