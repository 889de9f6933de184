// alerts.js — the alerts, open first, with resolve.
import { get } from "./api.js";
import { ago, h } from "./util.js";
import { action } from "./ui.js";

export async function alertsPage() {
  const open = (await get("/api/v1/alerts?state=open")).alerts;
  const done = (await get("/api/v1/alerts?state=resolved")).alerts;
  return [h("h1", {}, "Alerts"), h("ul", { class: "alerts" }, [...open, ...done].map((a) =>
    h("li", { class: a.state }, `${a.kind} ${a.task || ""}: ${a.message} (${a.count}×, ${ago(a.last_seen_at_epoch)}) `,
      a.state === "open" ? action("Resolve", "POST", `/api/v1/alerts/${a.id}/resolve`) : "resolved")))];
}
