// run.js — one run: its record and its output.
import { get, token } from "./api.js";
import { h, secs, when } from "./util.js";
import { action } from "./ui.js";

export async function run(id) {
  const r = await get("/api/v1/runs/" + id);
  const log = h("pre", { class: "log", "aria-label": "output" });
  const res = await fetch("/api/v1/runs/" + id + "/log", { headers: { Authorization: "Bearer " + token.get() } });
  // Without ?follow=1 the log is there once the run ends; the page is
  // redrawn by the run's finished event.
  log.textContent = res.ok ? await res.text()
    : r.finished_at_epoch ? "(no output: " + res.status + ")" : "(the output shows when the run ends)";
  const f = (k, v) => [h("dt", {}, k), h("dd", {}, v === null || v === undefined ? "—" : v)];
  return [
    h("h1", {}, `Run #${r.id} of `, h("a", { href: "#/tasks/" + encodeURIComponent(r.task) }, r.task)),
    h("div", { class: "actions" }, r.finished_at_epoch ? null : action("Cancel", "POST", `/api/v1/runs/${id}/cancel`)),
    h("dl", {}, f("Status", r.status || "running"), f("Trigger", r.trigger), f("Attempt", r.attempt),
      f("Scheduled", when(r.scheduled_for_epoch)), f("Started", when(r.started_at_epoch)),
      f("Finished", when(r.finished_at_epoch)), f("Duration", secs(r.duration)),
      f("Exit code", r.exit_code), f("Signal", r.signal), f("Peak memory", r.peak_rss_kb && r.peak_rss_kb + " KiB"),
      f("CPU", r.cpu_ms && r.cpu_ms + " ms"), f("Result", r.result && JSON.stringify(r.result)),
      f("Error", r.error)),
    h("h2", {}, "Output"), log,
  ];
}
