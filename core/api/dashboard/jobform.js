// jobform.js — the admin's form for a YAML job: PUT /api/v1/tasks/{name},
// with the next fires of its schedule previewed from /api/v1/calendar as
// it is typed, and the server's problem shown beside the field it names.
import { get, request } from "./api.js";
import { h } from "./util.js";

const FIELDS = [
  ["name", "Name", "text"], ["title", "Title", "text"], ["command", "Command", "text"],
  ["schedule", "Schedule", "text"], ["timezone", "Time zone", "text"],
  ["timeout", "Timeout (s)", "number"], ["retries", "Retries", "number"],
  ["overlap", "Overlap", "text"], ["catch_up", "Catch-up", "text"], ["tags", "Tags (comma-separated)", "text"],
];

export function jobForm() {
  const inputs = {}, notes = {};
  const preview = h("ul", { class: "preview", "aria-live": "polite" });
  let timer = null;
  const refresh = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const expr = inputs.schedule.value.trim(), tz = inputs.timezone.value.trim();
      if (!expr) return preview.replaceChildren();
      try {
        const q = new URLSearchParams({ expr, n: "10" });
        if (tz) q.set("tz", tz);
        const cal = await get("/api/v1/calendar?" + q);
        preview.replaceChildren(...cal.fires.map((f) => h("li", {}, f.at)));
      } catch (e) {
        preview.replaceChildren(h("li", { class: "error" }, e.message));
      }
    }, 300);
  };
  const result = h("p", { role: "status" });
  const form = h("form", { class: "job", onsubmit: async (ev) => {
    ev.preventDefault();
    Object.values(notes).forEach((n) => (n.textContent = ""));
    const body = {};
    for (const [k, , type] of FIELDS) {
      const v = inputs[k].value.trim();
      if (k === "name" || v === "") continue;
      body[k] = k === "tags" ? v.split(",").map((t) => t.trim()).filter(Boolean) : type === "number" ? Number(v) : v;
    }
    try {
      await request("PUT", "/api/v1/tasks/" + encodeURIComponent(inputs.name.value.trim()), body);
      location.hash = "#/tasks/" + encodeURIComponent(inputs.name.value.trim());
    } catch (e) {
      if (e.parameter && notes[e.parameter]) notes[e.parameter].textContent = e.message;
      else result.textContent = e.message;
    }
  } },
  FIELDS.map(([k, label, type]) => {
    inputs[k] = h("input", { id: "job-" + k, name: k, type, oninput: k === "schedule" || k === "timezone" ? refresh : null });
    notes[k] = h("span", { class: "error", id: "job-" + k + "-error" });
    inputs[k].setAttribute("aria-describedby", notes[k].id);
    return h("div", { class: "field" }, h("label", { for: "job-" + k }, label), inputs[k], notes[k]);
  }),
  h("h2", {}, "Next fires"), preview,
  h("button", { type: "submit" }, "Save"), result);
  return [h("h1", {}, "New job"), form];
}
