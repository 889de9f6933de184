// api.js — the dashboard's only door to the daemon: the public API with
// the bearer token kept in sessionStorage, and the event stream read with
// fetch() (EventSource cannot send an Authorization header).
const KEY = "task-scheduler-token";

export const token = {
  get: () => sessionStorage.getItem(KEY),
  set: (t) => sessionStorage.setItem(KEY, t),
  clear: () => sessionStorage.removeItem(KEY),
};

export class ApiError extends Error {
  constructor(status, detail, parameter) {
    super(detail);
    this.status = status;
    this.parameter = parameter;
  }
}

// request(method, path[, body]) -> the parsed JSON answer; throws ApiError.
export async function request(method, path, body) {
  const headers = { Authorization: "Bearer " + token.get() };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const doc = await r.json().catch(() => null);
  if (!r.ok) throw new ApiError(r.status, (doc && doc.detail) || r.statusText, doc && doc.parameter);
  return doc;
}
export const get = (path) => request("GET", path);

// runPages(path): the runs of a /api/v1/runs query, newest first,
// following its `next` cursor up to RUN_PAGES_RUNS runs.
export const RUN_PAGES_RUNS = 10000;
export async function runPages(path) {
  const runs = [];
  while (path && runs.length < RUN_PAGES_RUNS) {
    const page = await get(path);
    runs.push(...page.runs);
    path = page.next;
  }
  return runs;
}

// events(onEvent, onState): read /api/v1/events forever, parsing SSE by
// hand.  onState(true) once connected; on a drop onState(false, error,
// seconds until the next try), then it reconnects with Last-Event-ID, so
// the stream takes up where it stopped while the daemon still keeps those
// events (else the daemon sends a `missed` event: the caller redraws).
// Tries again after 1 s, doubling up to 15 s; a refused token ends it.
export async function events(onEvent, onState) {
  let last = null, wait = 1;
  for (;;) {
    let error = null;
    try {
      const headers = { Authorization: "Bearer " + token.get() };
      if (last) headers["Last-Event-ID"] = last;
      const r = await fetch("/api/v1/events", { headers });
      if (!r.ok) throw new ApiError(r.status, r.statusText);
      onState(true);
      wait = 1;
      const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let cut;
        while ((cut = buf.indexOf("\n\n")) >= 0) {
          const ev = parse(buf.slice(0, cut));
          buf = buf.slice(cut + 2);
          if (ev.id) last = ev.id;
          if (ev.event && ev.data) onEvent(ev.event, JSON.parse(ev.data));
        }
      }
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return onState(false, e, null);
      error = e;
    }
    onState(false, error, wait);
    await new Promise((ok) => setTimeout(ok, wait * 1000));
    wait = Math.min(wait * 2, 15);
  }
}

function parse(block) {
  const ev = {};
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) continue;
    const i = line.indexOf(":");
    const k = line.slice(0, i), v = line.slice(i + 1).replace(/^ /, "");
    ev[k] = k === "data" && ev.data ? ev.data + "\n" + v : v;
  }
  return ev;
}
