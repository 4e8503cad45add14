// Small page helpers shared by the network page and the polynomial page: element lookup, the
// status line, a toast, number outputs, select menus, and downloads.

export const $ = (id) => document.getElementById(id);

/** A deep copy of a JSON value (undefined stays undefined). */
export const clone = (v) => (v === undefined ? v : JSON.parse(JSON.stringify(v)));

/** The status line at the bottom of the page ("connected", "fit 3 ms ...", errors: kind "bad"). */
export function setStatus(text, kind = "") {
  const s = $("status");
  s.textContent = text;
  s.className = `status ${kind}`;
}

/** A message that fades by itself: errors and warnings after 6 s, information after 2.5 s.
 *  `message` may be a list: one line each. */
export function toast(message, kind = "error") {
  const t = $("toast");
  if (Array.isArray(message)) {
    t.replaceChildren(...message.map((m) => Object.assign(document.createElement("div"), { textContent: m })));
  } else {
    t.textContent = message;
  }
  t.className = `toast ${kind}`;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, kind === "info" ? 2500 : 6000);
}

/** `<output id>` shows `text`; its data-value holds the number itself (for tests and tools). */
export function setOutput(id, value, text) {
  const o = $(id);
  if (o.textContent !== text) o.textContent = text;
  const data = value === null || value === undefined ? "" : String(value);
  if (o.dataset.value !== data) o.dataset.value = data; // no attribute write when unchanged
}

/** Replace a select's options with `values`, shown through `label`. */
export function fillSelect(sel, values, label = (v) => String(v)) {
  sel.innerHTML = "";
  for (const v of values) {
    const o = document.createElement("option");
    o.value = String(v);
    o.textContent = label(v);
    sel.appendChild(o);
  }
}

/** Select `value`, adding it as an option first when the menu lacks it (a value from a link). */
export function selectValue(sel, value, label = (v) => String(v)) {
  const s = String(value);
  if (![...sel.options].some((o) => o.value === s)) {
    const o = document.createElement("option");
    o.value = s;
    o.textContent = label(value);
    sel.appendChild(o);
  }
  sel.value = s;
}

/** An `<input type=number>`'s min/max from one of hello's `ranges` (an unbounded end: none). */
export function setBounds(input, range) {
  if (range.min !== null) input.min = String(range.min);
  if (range.max !== null) input.max = String(range.max);
  else input.removeAttribute("max");
}

function b64ToBytes(b64) {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Save an `export` message (PROTOCOL.md) as a download: the model arrives base64-encoded. */
export function download(msg) {
  const defaults = { script: "playground.py", csv: "playground.csv", model: "playground.safetensors" };
  const filename = msg.filename || defaults[msg.what] || "export.txt";
  let blob;
  if (msg.what === "model") {
    let bytes;
    try { bytes = b64ToBytes(msg.content || ""); } catch { bytes = new TextEncoder().encode(msg.content || ""); }
    blob = new Blob([bytes], { type: "application/octet-stream" });
  } else {
    const type = msg.what === "script" ? "text/x-python" : "text/csv";
    blob = new Blob([msg.content || ""], { type: `${type};charset=utf-8` });
  }
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.style.display = "none";
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  toast(`Downloaded ${filename}`, "info");
}

/** `v` to `digits` significant digits, exponential beyond 1e5 or below 1e-3 ("–" for none). */
export function fmtSig(v, digits = 4) {
  if (v === null || v === undefined) return "–";
  if (v === 0) return "0";
  const a = Math.abs(v);
  return a >= 1e5 || a < 1e-3 ? v.toExponential(digits - 1) : Number(v.toPrecision(digits)).toString();
}
