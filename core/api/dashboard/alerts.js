// alerts.js — the alerts, open first then resolved, each open one with a
// resolve button and an optional note sent with it.
import { get } from "./api.js";
import { ago, h } from "./util.js";
import { action } from "./ui.js";

export async function alertsPage() {
  const [open, done] = await Promise.all([get("/api/v1/alerts?state=open"), get("/api/v1/alerts?state=resolved")]);
  const item = (a) => {
    const note = h("input", { type: "text", id: "note-" + a.id, maxlength: "500", placeholder: "note (optional)",
      "aria-label": "note for alert " + a.id });
    const resolve = a.state === "open" ? action("Resolve", "POST", `/api/v1/alerts/${a.id}/resolve`,
      () => (note.value.trim() ? { note: note.value.trim() } : {})) : null;
    return h("li", { class: a.state, "data-alert": a.id },
      h("b", {}, a.kind), " ", a.task ? h("a", { href: "#/tasks/" + encodeURIComponent(a.task) }, a.task) : null,
      `: ${a.message} (${a.count}×, ${ago(a.last_seen_at_epoch)}) `,
      resolve ? [note, resolve] : h("span", { class: "mute" },
        `resolved ${a.resolved_by ? "by " + a.resolved_by : ""}${a.note ? ": " + a.note : ""}`));
  };
  return [h("h1", {}, "Alerts"),
    h("h2", {}, `Open (${open.alerts.length})`), h("ul", { class: "alerts open-alerts" }, open.alerts.map(item)),
    h("h2", {}, "Resolved"), h("ul", { class: "alerts resolved-alerts" }, done.alerts.map(item))];
}
