// task.js — one task: its frontmatter and source, actions, and history.
import { get } from "./api.js";
import { h, when } from "./util.js";
import { action, runTable, taskPath } from "./ui.js";

export async function task(name) {
  const t = await get(taskPath(name));
  const runs = (await get("/api/v1/runs?limit=50&task=" + encodeURIComponent(name))).runs;
  return [
    h("h1", {}, t.name + (t.paused ? " (paused)" : "")),
    h("p", {}, t.title),
    h("div", { class: "actions" }, action("Run now", "POST", taskPath(name) + "/run"),
      t.paused ? action("Resume", "POST", taskPath(name) + "/resume")
        : action("Pause", "POST", taskPath(name) + "/pause")),
    h("dl", {}, h("dt", {}, "Schedule"), h("dd", {}, t.schedule),
      h("dt", {}, "Next fire"), h("dd", {}, when(t.next_fire_epoch)),
      h("dt", {}, "Source"), h("dd", {}, t.source ? `${t.source.type} ${t.source.path || ""}:${t.source.line || ""}` : t.path),
      t.error ? [h("dt", {}, "Load error"), h("dd", { class: "error" }, t.error)] : null),
    h("h2", {}, "History"), runTable(runs),
  ];
}
