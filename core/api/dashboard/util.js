// util.js — building DOM nodes and writing times and durations.
export function h(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const k of kids.flat()) if (k !== null && k !== undefined) e.append(k);
  return e;
}

const SVG = "http://www.w3.org/2000/svg";
export function s(tag, attrs = {}, ...kids) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const k of kids.flat()) if (k) e.append(k);
  return e;
}

// The instant in `zone` (the task's), named: "12/4/2026, 9:00:00 AM CET
// (Europe/Berlin)"; the UTC instant when there is no zone or the browser
// does not know it (a POSIX TZ rule, say).
export function inZone(epoch, zone) {
  const d = new Date(epoch * 1000);
  if (zone) {
    try {
      return d.toLocaleString([], { timeZone: zone, timeZoneName: "short" }) + " (" + zone + ")";
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
    }
  }
  return d.toISOString();
}

// A time in the browser's zone; the task's `zone` on hover.
export function when(epoch, zone) {
  if (epoch === null || epoch === undefined) return h("span", {}, "—");
  const d = new Date(epoch * 1000);
  return h("time", { datetime: d.toISOString(), title: inZone(epoch, zone) },
    d.toLocaleString() + " (" + ago(epoch) + ")");
}

export function ago(epoch) {
  const d = epoch - Date.now() / 1000, a = Math.abs(d);
  const t = a < 60 ? Math.round(a) + " s" : a < 3600 ? Math.round(a / 60) + " min"
    : a < 86400 ? Math.round(a / 3600) + " h" : Math.round(a / 86400) + " d";
  return d >= 0 ? "in " + t : t + " ago";
}

export function secs(x) {
  if (x === null || x === undefined) return "—";
  return x < 1 ? Math.round(x * 1000) + " ms" : x < 120 ? x.toFixed(1) + " s" : Math.round(x / 60) + " min";
}
