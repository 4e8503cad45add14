// The hidden-space view (ConvNetJS's 2-D demo has it, the TensorFlow Playground does not): the
// training points and a grid of input-space lines (11 + 11 over the plotted square) mapped
// through the network up to one layer and drawn in that layer's coordinates, so the plane is
// seen bending and folding until a line separates the classes — the output layer is a linear
// classifier on the last hidden layer. A layer of 2 units is drawn as is; a wider one onto its
// top-2 principal directions or two chosen units; layer 0 is the input plane (x1, x2).
//
// Live: while the panel is open the page asks the server for the view (a `hidden_space`
// message, PROTOCOL.md) after a frame arrives, one request at a time and at most 10 a second.
// That is cheaper than the server adding the view to every frame: frames stay as they are (and
// as small) whenever the view is closed, with no per-session flag to keep in step; the server
// computes the view only while someone looks at it (one eval pass over the points and the 902
// line samples); and at a rate this small canvas needs, not the frames' 30 per second.
import { AXIS, INK, pointColor, rgb } from "./colors.js";
import { label } from "./labels.js";
import { isRegression, state } from "./state.js";
import { $ } from "./ui.js";

const MIN_INTERVAL_MS = 100; // at most 10 requests a second
const STALE_MS = 3000;       // a request unanswered this long is given up (the socket dropped)
const MARGIN = 0.08;         // of each axis's span, around the data

export class HiddenSpaceView {
  /** send(msg): the page's WebSocket send; changed(): the panel or its choice changed (the
   *  page rewrites its URL hash, which holds them: linkValue, applyLink). */
  constructor(send, changed = () => {}) {
    this.send = send;
    this.onChange = changed;
    this.linked = null;    // a link's choice, taken once the link's network is the page's
    this.panel = $("hidden-space");
    this.canvas = $("hidden-canvas");
    this.layerSel = $("hidden-layer");
    this.projSel = $("hidden-projection");
    this.unitI = $("hidden-unit-i");
    this.unitJ = $("hidden-unit-j");
    this.choice = { layer: null, mode: "pca", i: 0, j: 1 };
    this.picked = false;   // a layer picked by the user; until then the last hidden layer
    this.widths = null;    // the hidden layer sizes the menus were built for (JSON)
    this.reply = null;     // the latest reply for the current choice
    this.asked = null;     // the frame header the last request was sent for
    this.inflight = 0;     // when the unanswered request left (0: none)
    this.last = 0;
    this.timer = 0;
    this.bounds = null;    // [u0, u1, v0, v1] drawn
    this.drawnKey = null;
    // what the canvas shows, for the curious and for tests (window.hiddenSpaceStats)
    this.stats = { requests: 0, replies: 0, drawn: 0, points: 0, lines: 0, boundary: false,
      layer: null, projection: null, units: null, axes: null };
    window.hiddenSpaceStats = this.stats;
    this.panel.addEventListener("toggle", () => {
      if (this.panel.open) { this.drawnKey = null; this.ask(); this.draw(); }
      this.onChange();
    });
    this.layerSel.addEventListener("change", () => {
      this.choice.layer = Number(this.layerSel.value);
      this.picked = true;
      this.changed();
    });
    this.projSel.addEventListener("change", () => { this.choice.mode = this.projSel.value; this.changed(); });
    this.unitI.addEventListener("change", () => {
      this.choice.i = Number(this.unitI.value);
      if (this.choice.j === this.choice.i) this.choice.j = this.choice.i === 0 ? 1 : 0;
      this.changed();
    });
    this.unitJ.addEventListener("change", () => { this.choice.j = Number(this.unitJ.value); this.changed(); });
  }

  // ---------------------------------------------------------------- the choice
  /** Units of layer k (0: the input plane's 2 axes). */
  width(k) {
    return k === 0 ? 2 : state.config.hidden[k - 1];
  }

  /** The message's fields for the current choice: a projection only for a layer wider than 2
   *  (a layer of 2 units, or 1, is drawn as is). */
  request() {
    const { layer, mode, i, j } = this.choice;
    return { layer, projection: mode === "units" && this.width(layer) > 2 ? [i, j] : "pca" };
  }

  changed() {
    this.syncMenus(true);
    this.bounds = null;
    this.asked = null;
    this.ask();
    this.onChange();
  }

  // ---------------------------------------------------------------- the link
  /** The hash's hidden_space value: "" while the panel is closed, else the layer, and the two
   *  units when a layer wider than 2 is shown on them ("1,3,4"). */
  linkValue() {
    if (!this.panel.open) return "";
    if (this.linked) return this.linked.join(",");
    if (!state.config) return "";
    this.syncMenus();
    const { layer, mode, i, j } = this.choice;
    return mode === "units" && this.width(layer) > 2 ? `${layer},${i},${j}` : String(layer);
  }

  /** A link's hidden_space: open the panel on that choice (taken, and fitted to the network as
   *  a choice made in the page is, once the link's network is the page's); none closes it. */
  applyLink(text) {
    const nums = String(text || "").split(",").map((s) => Number(s.trim()));
    const valid = text && (nums.length === 1 || nums.length === 3)
      && nums.every((n) => Number.isInteger(n) && n >= 0);
    this.linked = valid ? nums : null;
    if (!valid) {
      if (this.panel.open) this.panel.open = false;
      return;
    }
    if (!this.panel.open) this.panel.open = true; // its toggle event asks and draws
    else this.ask();
  }

  /** The link's choice, once the page no longer waits for the link's network. */
  takeLink() {
    if (!this.linked || state.syncing || !state.config) return;
    const [layer, i = 0, j = 1] = this.linked;
    this.choice = { layer, mode: this.linked.length === 3 ? "units" : "pca", i, j };
    this.picked = true;
    this.linked = null;
    this.widths = null; // the menus are built again for it
    this.bounds = null;
    this.asked = null;
    this.syncMenus();
    this.onChange(); // the hash now says what the page shows
  }

  /** Build the menus for the network's layers; only choices that exist can be picked, so the
   *  server never has to refuse one (a layer removed: the last one left; a unit gone: 0, 1). */
  syncMenus(force = false) {
    const hidden = state.config.hidden;
    const key = JSON.stringify(hidden);
    if (key === this.widths && !force) return;
    const fresh = key !== this.widths;
    this.widths = key;
    const c = this.choice;
    if (!this.picked || c.layer > hidden.length) c.layer = hidden.length;
    const H = this.width(c.layer);
    if (c.i >= H || c.j >= H || c.i === c.j) { c.i = 0; c.j = 1; }
    if (fresh) {
      fill(this.layerSel, [0, ...hidden.map((_, k) => k + 1)], (k) => (k === 0
        ? "input plane (x₁, x₂)" : `hidden layer ${k} · ${hidden[k - 1]} unit${hidden[k - 1] === 1 ? "" : "s"}`));
      this.bounds = null;
    }
    this.layerSel.value = String(c.layer);
    $("hidden-projection-ctl").hidden = H <= 2;
    this.projSel.value = c.mode;
    $("hidden-units").hidden = c.mode !== "units";
    const units = Array.from({ length: H }, (_, u) => u);
    fill(this.unitI, units, (u) => `unit ${u}`);
    fill(this.unitJ, units.filter((u) => u !== c.i), (u) => `unit ${u}`);
    this.unitI.value = String(c.i);
    this.unitJ.value = String(c.j);
  }

  // ---------------------------------------------------------------- asking the server
  /** Called on every render of the page: keep the menus in step with the network, and while
   *  open ask for a newer picture (a frame arrived since the last request) and draw. */
  update() {
    if (!state.config) return;
    this.takeLink();
    this.syncMenus();
    if (!this.panel.open) return;
    if (state.header && state.header !== this.asked) this.ask();
    this.draw();
  }

  ask() {
    clearTimeout(this.timer);
    this.timer = 0;
    if (!this.panel.open || !state.config) return;
    this.takeLink();
    if (this.linked) return; // the link's network is on its way: update() asks after it
    const now = performance.now();
    if (this.inflight && now - this.inflight < STALE_MS) return; // onReply asks again
    const wait = this.last + MIN_INTERVAL_MS - now;
    if (wait > 0) { this.timer = setTimeout(() => this.ask(), wait); return; }
    this.syncMenus();
    this.asked = state.header;
    this.inflight = this.last = now;
    this.stats.requests++;
    this.send({ type: "hidden_space", ...this.request() });
  }

  /** A `hidden_space` reply: kept if it answers the current choice (not an older one). */
  onReply(msg) {
    this.inflight = 0;
    const want = this.request();
    if (msg.layer === want.layer && JSON.stringify(msg.projection) === JSON.stringify(want.projection)) {
      this.reply = msg;
      this.stats.replies++;
      this.drawnKey = null;
      this.draw();
    }
    if (state.header !== this.asked || JSON.stringify(msg.projection) !== JSON.stringify(want.projection)
        || msg.layer !== want.layer) this.ask();
  }

  /** An `error` while a request is out that names its fields: the network changed under it (a
   *  layer removed before the server saw the new config). Shown in the panel, not as a toast;
   *  the next frame asks again with the menus rebuilt. Returns whether it was ours. */
  onError(msg) {
    if (!this.inflight || !["layer", "projection"].includes(msg.field)) return false;
    this.inflight = 0;
    $("hidden-caption").textContent = msg.message || "";
    return true;
  }

  // ---------------------------------------------------------------- drawing
  draw() {
    if (!this.panel.open) return;
    const canvas = this.canvas;
    const css = canvas.getBoundingClientRect().width || 260;
    const dpr = Math.min(2, window.devicePixelRatio || 1);
    const px = Math.round(css * dpr);
    const r = this.reply;
    const key = [r, px, state.points, !!state.ui.show_test].map((v) => (typeof v === "object" ? v : String(v)));
    if (this.drawnKey && key.every((v, n) => v === this.drawnKey[n])) return;
    this.drawnKey = key;
    if (canvas.width !== px) { canvas.width = px; canvas.height = px; }
    const ctx = canvas.getContext("2d");
    const W = px;
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, W, W);
    this.stats.drawn++;
    if (!r) { $("hidden-caption").textContent = "waiting for the server…"; return; }

    const showTest = !!state.ui.show_test;
    const [u0, u1, v0, v1] = this.bounds = fitBounds(this.bounds, [r.train, showTest ? r.test : []], r.lines);
    const sx = (u) => ((u - u0) / (u1 - u0)) * W;
    const sy = (v) => W - ((v - v0) / (v1 - v0)) * W;

    // the input grid's lines, x₂ = 0 and x₁ = 0 darker
    const n = r.lines.length / 2;
    let segments = 0;
    ctx.lineWidth = dpr;
    r.lines.forEach((line, k) => {
      ctx.strokeStyle = k % n === (n - 1) / 2 ? "rgba(32,33,36,0.55)" : "rgba(95,99,104,0.28)";
      ctx.beginPath();
      let on = false;
      for (const p of line) {
        if (!p || p[0] === null || p[1] === null) { on = false; continue; }
        if (on) { ctx.lineTo(sx(p[0]), sy(p[1])); segments++; } else ctx.moveTo(sx(p[0]), sy(p[1]));
        on = true;
      }
      ctx.stroke();
    });

    // the output's decision line, when exact in these coordinates
    const drawn = r.boundary ? drawLine(ctx, r.boundary, [u0, u1, v0, v1], sx, sy, dpr) : false;

    // the points, as the output picture draws them
    const regression = isRegression();
    let count = 0;
    const dots = (coords, pts, rim) => {
      const labelled = pts.length === coords.length; // else the points changed since the reply
      ctx.strokeStyle = rim;
      for (let k = 0; k < coords.length; k++) {
        const p = coords[k];
        if (!p || p[0] === null || p[1] === null) continue;
        ctx.fillStyle = labelled ? rgb(pointColor(pts[k][2], regression)) : AXIS;
        ctx.beginPath();
        ctx.arc(sx(p[0]), sy(p[1]), 2.8 * dpr, 0, 2 * Math.PI);
        ctx.fill();
        ctx.stroke();
        count++;
      }
    };
    ctx.lineWidth = 0.8 * dpr;
    dots(r.train, state.points.train || [], "#ffffff");
    if (showTest) dots(r.test, state.points.test || [], "#000000");

    // axis names and ranges
    ctx.fillStyle = INK;
    ctx.font = `${10 * dpr}px system-ui, sans-serif`;
    const [a, b] = r.axes.map((s) => axisName(s));
    ctx.textAlign = "right";
    ctx.fillText(`${a} →`, W - 4 * dpr, W - 5 * dpr);
    ctx.textAlign = "left";
    if (b) ctx.fillText(`↑ ${b}`, 4 * dpr, 12 * dpr);
    ctx.fillStyle = AXIS;
    ctx.fillText(`${fmt(u0)} … ${fmt(u1)}`, 4 * dpr, W - 5 * dpr);
    if (b) { ctx.textAlign = "right"; ctx.fillText(`${fmt(v0)} … ${fmt(v1)}`, W - 4 * dpr, 12 * dpr); }
    ctx.textAlign = "left";

    Object.assign(this.stats, { points: count, lines: segments, boundary: drawn, layer: r.layer,
      projection: r.projection, units: r.units, axes: r.axes });
    $("hidden-caption").textContent = caption(r, drawn);
  }
}

// ------------------------------------------------------------------ helpers
/** Give a menu the options `values`, shown as `text(v)` (kept when they are the same). */
function fill(sel, values, text) {
  const same = sel.options.length === values.length
    && values.every((v, k) => sel.options[k].value === String(v) && sel.options[k].textContent === text(v));
  if (same) return;
  sel.replaceChildren(...values.map((v) => Object.assign(document.createElement("option"), { value: String(v), textContent: text(v) })));
}

function axisName(s) {
  return s === "x1" || s === "x2" ? label("feature", s) : s;
}

function fmt(v) {
  const a = Math.abs(v);
  return a >= 100 || (a < 0.01 && a > 0) ? v.toExponential(1) : String(Number(v.toPrecision(2)));
}

/** The axes' ranges: the points' (lines where there are none) with a margin. The previous
 *  ranges stay while the points fill most of them, so the picture does not jitter as it
 *  trains. */
function fitBounds(old, groups, lines) {
  let u0 = Infinity, u1 = -Infinity, v0 = Infinity, v1 = -Infinity;
  const take = (p) => {
    if (!p || p[0] === null || p[1] === null) return;
    if (p[0] < u0) u0 = p[0]; if (p[0] > u1) u1 = p[0];
    if (p[1] < v0) v0 = p[1]; if (p[1] > v1) v1 = p[1];
  };
  for (const g of groups) for (const p of g || []) take(p);
  if (!(u1 >= u0)) for (const line of lines || []) for (const p of line) take(p);
  if (!(u1 >= u0)) return [-1, 1, -1, 1];
  const pad = (lo, hi) => {
    const span = hi - lo || Math.max(Math.abs(lo), 1) * 0.5;
    return [lo - MARGIN * span, hi + MARGIN * span];
  };
  [u0, u1] = pad(u0, u1);
  [v0, v1] = pad(v0, v1);
  if (old) {
    const inside = u0 >= old[0] && u1 <= old[1] && v0 >= old[2] && v1 <= old[3];
    const full = (u1 - u0) >= 0.7 * (old[1] - old[0]) && (v1 - v0) >= 0.7 * (old[3] - old[2]);
    if (inside && full) return old;
  }
  return [u0, u1, v0, v1];
}

/** The line a·u + b·v + c = 0 across the drawn box, dashed; whether it crosses it. */
function drawLine(ctx, [a, b, c], [u0, u1, v0, v1], sx, sy, dpr) {
  if (![a, b, c].every(Number.isFinite)) return false;
  const pts = [];
  if (Math.abs(b) > 1e-12) for (const u of [u0, u1]) { const v = -(a * u + c) / b; if (v >= v0 && v <= v1) pts.push([u, v]); }
  if (Math.abs(a) > 1e-12) for (const v of [v0, v1]) { const u = -(b * v + c) / a; if (u >= u0 && u <= u1) pts.push([u, v]); }
  if (pts.length < 2) return false;
  ctx.save();
  ctx.strokeStyle = INK;
  ctx.lineWidth = 2 * dpr;
  ctx.setLineDash([7 * dpr, 4 * dpr]);
  ctx.beginPath();
  ctx.moveTo(sx(pts[0][0]), sy(pts[0][1]));
  ctx.lineTo(sx(pts[1][0]), sy(pts[1][1]));
  ctx.stroke();
  ctx.restore();
  return true;
}

function caption(r, boundary) {
  const pct = (v) => `${Math.round(v * 100)} %`;
  let text;
  if (r.layer === 0) text = "The input plane (x₁, x₂): the grid as drawn, the points where they are.";
  else if (r.directions) text = `Hidden layer ${r.layer} (${r.units} units) onto its top 2 principal directions: PC1 ${pct(r.variance[0])}, PC2 ${pct(r.variance[1])} of the variance.`;
  else if (r.units > 2) text = `Hidden layer ${r.layer} (${r.units} units): ${r.axes[0]} against ${r.axes[1]}.`;
  else text = `Hidden layer ${r.layer}: its ${r.units === 1 ? "one unit" : "2 units"} as they are.`;
  if (boundary) text += " Dashed: the output's decision line, a straight line here.";
  return text;
}
