// The draw-a-digit page: strokes drawn with Pointer Events (mouse, pen or finger), sent as a
// small grey image to POST /api/digits/predict at most 10 times a second while drawing; the
// reply's normalized input, the linear classifier's scores and contribution maps, the MLP's
// probabilities and the templates (GET /api/digits/templates) are painted here. Every number
// comes from the server; every text goes in with textContent.
import { diverging } from "./colors.js";

const SEND_SIDE = 112;     // the drawing is sent as SEND_SIDE × SEND_SIDE grey levels
const MIN_GAP_MS = 100;    // at most 10 requests a second
const STROKE = 0.075;      // pen width, a share of the pad's side

const $ = (id) => document.getElementById(id);
const pad = $("pad");
const strokes = [];        // each: [[x, y], ...] in [0, 1]
let current = null;
let drawn = 0;             // version of the drawing; a reply says which version it answers
let sending = false, pending = false, lastSent = 0, timer = null;
let classNames = [];
let templatesReady = false;

// ------------------------------------------------------------------ drawing
function paint(ctx, side) {
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, side, side);
  ctx.strokeStyle = "#000";
  ctx.lineWidth = STROKE * side;
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  for (const s of strokes) {
    ctx.beginPath();
    ctx.moveTo(s[0][0] * side, s[0][1] * side);
    // one point: a dot (a zero-length line with round caps)
    for (const [x, y] of s.length > 1 ? s.slice(1) : s) ctx.lineTo(x * side, y * side);
    ctx.stroke();
  }
}

function redraw() { paint(pad.getContext("2d"), pad.width); }

function where(ev) {
  const r = pad.getBoundingClientRect();
  return [Math.min(1, Math.max(0, (ev.clientX - r.left) / r.width)),
          Math.min(1, Math.max(0, (ev.clientY - r.top) / r.height))];
}

pad.addEventListener("pointerdown", (ev) => {
  ev.preventDefault();
  try {
    pad.setPointerCapture(ev.pointerId);  // the stroke goes on when the pen leaves the pad
  } catch { /* a pointer the browser no longer knows: draw without capture */ }
  current = [where(ev)];
  strokes.push(current);
  changed();
});
pad.addEventListener("pointermove", (ev) => {
  if (!current) return;
  current.push(where(ev));
  changed();
});
for (const type of ["pointerup", "pointercancel"]) {
  pad.addEventListener(type, () => { if (current) { current = null; changed(); } });
}
$("undo").addEventListener("click", () => { strokes.pop(); current = null; changed(); });
$("clear").addEventListener("click", () => { strokes.length = 0; current = null; changed(); });

function changed() {
  drawn += 1;
  document.body.dataset.drawn = String(drawn);
  document.body.dataset.strokes = String(strokes.length);
  redraw();
  schedule();
}

// ------------------------------------------------------------------ requests
function schedule() {
  if (sending) { pending = true; return; }
  const wait = lastSent + MIN_GAP_MS - performance.now();
  if (wait > 0) {
    if (!timer) timer = setTimeout(() => { timer = null; schedule(); }, wait);
    return;
  }
  send();
}

function greyPixels() {
  const off = document.createElement("canvas");
  off.width = off.height = SEND_SIDE;
  const ctx = off.getContext("2d");
  paint(ctx, SEND_SIDE);
  const rgba = ctx.getImageData(0, 0, SEND_SIDE, SEND_SIDE).data;
  const grey = new Array(SEND_SIDE * SEND_SIDE);
  for (let i = 0; i < grey.length; i++) grey[i] = rgba[4 * i];
  return grey;
}

async function send() {
  const version = drawn;
  if (!strokes.length) { showBlank(version); return; }
  sending = true;
  lastSent = performance.now();
  try {
    const res = await fetch("api/digits/predict", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ width: SEND_SIDE, height: SEND_SIDE, pixels: greyPixels() }),
    });
    const body = await res.json();
    if (res.status === 503) { setStatus("training…"); waitReady(); }
    else if (!res.ok) setStatus(body.message || `error ${res.status}`, true);
    else show(body, version);  // a stale reply still shows something while the pen moves
  } catch (err) {
    setStatus(`the server did not answer: ${err}`, true);
  } finally {
    sending = false;
    if (pending) { pending = false; schedule(); }
  }
}

// ------------------------------------------------------------------ painting the reply
function setStatus(text, error = false) {
  const s = $("status");
  s.textContent = text;
  s.classList.toggle("error", error);
}

/** Paint a (h, w) array on ``canvas`` at its own resolution: grey (0..1) or diverging
 *  (values / scale in [-1, 1], blue positive, orange negative). */
function paintImage(canvas, rows, scale = null) {
  const h = rows.length, w = rows[0].length;
  canvas.width = w; canvas.height = h;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(w, h);
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      const v = rows[r][c] ?? 0, k = 4 * (r * w + c);
      const rgb = scale === null ? [255 * v, 255 * v, 255 * v] : diverging(scale > 0 ? v / scale : 0);
      img.data[k] = rgb[0]; img.data[k + 1] = rgb[1]; img.data[k + 2] = rgb[2]; img.data[k + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
}

function fmt(v) { return v === null ? "–" : Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2); }

/** One bar per class: values from 0 (probabilities) or around a zero line (scores). */
function bars(el, values, win, { signed, title }) {
  el.replaceChildren();
  const top = Math.max(1e-9, ...values.map((v) => Math.abs(v ?? 0)));
  const lo = signed ? Math.min(0, ...values.map((v) => v ?? 0)) : 0;
  const hi = signed ? Math.max(0, ...values.map((v) => v ?? 0)) : Math.max(1, top);
  const span = Math.max(1e-9, hi - lo), zero = (0 - lo) / span;
  values.forEach((v, c) => {
    const row = document.createElement("div");
    row.className = "bar-row" + (c === win ? " win" : "");
    const label = document.createElement("span");
    label.className = "label"; label.textContent = classNames[c] ?? String(c);
    const track = document.createElement("div");
    track.className = "track"; track.title = title(c);
    const fill = document.createElement("div");
    const x = ((v ?? 0) - lo) / span;
    fill.className = "fill " + ((v ?? 0) < 0 ? "neg" : "pos");
    fill.style.left = `${100 * Math.min(x, zero)}%`;
    fill.style.width = `${100 * Math.abs(x - zero)}%`;
    track.append(fill);
    if (signed) {
      const z = document.createElement("div");
      z.className = "zero"; z.style.left = `${100 * zero}%`;
      track.append(z);
    }
    const value = document.createElement("span");
    value.className = "value"; value.textContent = fmt(v);
    row.append(label, track, value);
    el.append(row);
  });
  el.dataset.predicted = win === null ? "" : String(win);
}

function map(rows, scale, name, win, title) {
  const box = document.createElement("div");
  box.className = "map" + (win ? " win" : "");
  const canvas = document.createElement("canvas");
  canvas.title = title;
  paintImage(canvas, rows, scale);
  const label = document.createElement("span");
  label.textContent = name;
  box.append(canvas, label);
  return box;
}

function show(body, version) {
  classNames = body.class_names;
  paintImage($("normalized"), body.normalized);
  $("input-size").textContent = `${body.normalized.length}×${body.normalized[0].length}`;
  const lin = body.linear, mlp = body.mlp;
  bars($("linear-bars"), lin.scores, body.blank ? null : lin.predicted, {
    signed: true,
    title: (c) => `s = w·x + b = ${fmt(lin.scores[c] - lin.bias[c])} + ${fmt(lin.bias[c])} = ` +
      `${fmt(lin.scores[c])}; softmax p = ${fmt(lin.probs[c])}`,
  });
  bars($("mlp-bars"), mlp.probs, body.blank ? null : mlp.predicted, {
    signed: false, title: (c) => `p = ${fmt(mlp.probs[c])} (score ${fmt(mlp.scores[c])})`,
  });
  const maps = $("contributions");
  maps.replaceChildren(...lin.top.map((c, i) => map(lin.contributions[i], lin.scale,
    `${classNames[c]}: Σ = ${fmt(lin.scores[c] - lin.bias[c])}`, i === 0,
    `w_${classNames[c]} ⊙ x: the sum of these pixels is s − b = ${fmt(lin.scores[c] - lin.bias[c])}`)));
  highlightTemplate(body.blank ? null : lin.predicted);
  document.body.dataset.answered = String(version);
}

function showBlank(version) {
  for (const id of ["linear-bars", "mlp-bars", "contributions"]) {
    $(id).replaceChildren();
    $(id).dataset.predicted = "";
  }
  const n = $("normalized");
  n.getContext("2d").clearRect(0, 0, n.width, n.height);
  highlightTemplate(null);
  document.body.dataset.answered = String(version);
}

function highlightTemplate(win) {
  document.querySelectorAll("#templates .map").forEach((el, c) => el.classList.toggle("win", c === win));
  $("templates").dataset.predicted = win === null ? "" : String(win);
}

// ------------------------------------------------------------------ start-up
async function loadTemplates() {
  const res = await fetch("api/digits/templates");
  if (!res.ok) return false;
  const body = await res.json();
  classNames = body.class_names;
  $("templates").replaceChildren(...body.templates.map((rows, c) => map(rows, body.scale,
    body.class_names[c], false, `template w_${body.class_names[c]}, bias b = ${fmt(body.bias[c])}`)));
  templatesReady = true;
  return true;
}

let waiting = false;
async function waitReady() {
  if (waiting) return;
  waiting = true;
  try {
    for (;;) {
      const res = await fetch("api/digits/status");
      const st = await res.json();
      if (st.state === "failed") { setStatus(`training failed: ${st.message}`, true); return; }
      if (st.state === "ready" && (templatesReady || await loadTemplates())) {
        setStatus(`ready: trained on ${st.data}`);
        $("data-note").textContent = `Both models were trained on ${st.data}.`;
        document.body.dataset.ready = "1";
        schedule();
        return;
      }
      setStatus(`training on ${st.data}…`);
      await new Promise((r) => setTimeout(r, 400));
    }
  } catch (err) {
    setStatus(`the server did not answer: ${err}`, true);
  } finally {
    waiting = false;
  }
}

redraw();
document.body.dataset.drawn = "0";
waitReady();
