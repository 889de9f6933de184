// jobform.js — the admin's form for a YAML job: PUT /api/v1/tasks/{name}
// (with If-Match when editing `#/job?name=NAME`, the ETag from GET), the
// next fires of its schedule previewed from /api/v1/calendar as it is
// typed, and the server's problem shown beside the field it names.
// Editing starts from the job's fields (the task document's `job`): what
// the form has no input for, and what is left as it was, goes back as read.
import { ApiError, get } from "./api.js";
import { h } from "./util.js";
import { authFetch, fireItems, taskPath } from "./ui.js";

// [key as the server names it, label, input type, hint]
const FIELDS = [
  ["name", "Name", "text", "its file is tasks/NAME.yaml"], ["title", "Title", "text"],
  ["command", "Command", "text", "a program and its arguments, split at spaces"],
  ["shell", "Shell", "text", "a line for /bin/sh (instead of a command)"],
  ["script", "Script", "text", "a script's path (instead of a command)"],
  ["schedule", "Schedule", "text", "every(5).minutes, cron(\"*/5 * * * *\")…"], ["timezone", "Time zone", "text"],
  ["timeout", "Timeout (s)", "number"], ["retry_count", "Retries", "number"],
  ["overlap", "Overlap", "select", ["", "skip", "queue", "parallel"]],
  ["catchup", "Catch-up", "select", ["", "true", "false"]], ["tags", "Tags", "text", "comma-separated"],
];

export async function jobForm(params) {
  const q = params || new URLSearchParams((location.hash.split("?")[1]) || "");
  const editing = q.get("name");
  let etag = null, doc = null, job = {};
  const shown = {}; /* each field's text as filled in from the job */
  if (editing) {
    const r = await authFetch(taskPath(editing));
    doc = await r.json().catch(() => null);
    if (!r.ok) throw new ApiError(r.status, (doc && doc.detail) || r.statusText);
    etag = r.headers.get("ETag");
    job = doc.job || {};
  }
  const inputs = {}, notes = {};
  const preview = h("ul", { class: "preview fires", "aria-live": "polite", "aria-label": "next fires", id: "job-preview" });
  let timer = null;
  const refresh = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const expr = inputs.schedule.value.trim(), tz = inputs.timezone.value.trim();
      if (!expr) return preview.replaceChildren();
      try {
        const cq = new URLSearchParams({ expr, n: "10" });
        if (tz) cq.set("tz", tz);
        const cal = await get("/api/v1/calendar?" + cq);
        preview.replaceChildren(...fireItems(cal.fires), ...cal.warnings.map((w) => h("li", { class: "warn" }, w)));
      } catch (e) {
        preview.replaceChildren(h("li", { class: "error" }, e.message));
      }
    }, 300);
  };
  const result = h("p", { role: "status", id: "job-result" });
  const form = h("form", { class: "job", novalidate: true, onsubmit: async (ev) => {
    ev.preventDefault();
    Object.values(notes).forEach((n) => (n.textContent = ""));
    result.textContent = "";
    const body = { ...job };
    for (const [k, , type] of FIELDS) {
      const v = inputs[k].value.trim();
      delete body[k];
      if (k === "name" || v === "") continue;
      body[k] = v === shown[k] ? job[k] : k === "tags" ? v.split(",").map((t) => t.trim()).filter(Boolean)
        : k === "command" ? v.split(/\s+/) : k === "catchup" ? v === "true" : type === "number" ? Number(v) : v;
    }
    const name = inputs.name.value.trim();
    if (!name) { notes.name.textContent = "a job needs a name"; return inputs.name.focus(); }
    const headers = { "Content-Type": "application/json" };
    if (etag && name === editing) headers["If-Match"] = etag;
    const r = await authFetch(taskPath(name), { method: "PUT", headers, body: JSON.stringify(body) });
    if (r.ok) { location.hash = "#/tasks/" + encodeURIComponent(name); return; }
    const p = await r.json().catch(() => ({}));
    const field = p.parameter && notes[p.parameter] ? p.parameter : null;
    if (field) { notes[field].textContent = p.detail; inputs[field].setAttribute("aria-invalid", "true"); inputs[field].focus(); }
    else result.textContent = (p.detail || r.statusText) + (p.parameter ? ` (${p.parameter})` : "");
  } },
  FIELDS.map(([k, label, type, hint]) => {
    const attrs = { id: "job-" + k, name: k, "aria-describedby": "job-" + k + "-error job-" + k + "-hint",
      oninput: k === "schedule" || k === "timezone" ? refresh : null };
    inputs[k] = type === "select" ? h("select", attrs, hint.map((v) => h("option", { value: v }, v || "default")))
      : h("input", { ...attrs, type, min: type === "number" ? "0" : null });
    notes[k] = h("span", { class: "error field-error", id: "job-" + k + "-error", "aria-live": "polite" });
    return h("div", { class: "field" }, h("label", { for: "job-" + k }, label), inputs[k],
      h("small", { id: "job-" + k + "-hint", class: "mute" }, type === "select" ? "" : hint || ""), notes[k]);
  }),
  h("h2", {}, "Next fires"), preview,
  h("button", { type: "submit" }, editing ? "Save" : "Create"), result);
  if (doc) {
    inputs.name.value = doc.name;
    inputs.name.readOnly = true;
    for (const [k] of FIELDS) {
      const v = job[k];
      if (k === "name" || v === undefined || v === null) continue;
      shown[k] = Array.isArray(v) ? v.join(k === "tags" ? ", " : " ") : String(v);
      const input = inputs[k];
      if (input.tagName === "SELECT" && ![...input.options].some((o) => o.value === shown[k]))
        input.append(h("option", { value: shown[k] }, shown[k]));
      input.value = shown[k];
    }
    refresh();
  }
  return [h("h1", {}, editing ? "Edit job " + editing : "New job"), form];
}
