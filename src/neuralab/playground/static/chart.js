// Charts of both pages: the network page's loss curve (LossChart: training loss dark, test loss
// light, per frame; hover reads values) and the polynomial page's error curves (drawErrorChart:
// training and validation error on a log axis), with the helpers they share.
import { AXIS, DEEP, GOOD, GRID, INK, NEG, PAPER, TEXT, rgb } from "./colors.js";
import { fmtSig } from "./ui.js";

const MAX_POINTS = 1500;

/** Trace a path through pointAt(0 .. n-1) -> [x, y] in canvas units; null leaves a gap. The
 *  caller strokes it. */
export function tracePath(ctx, n, pointAt) {
  ctx.beginPath();
  let pen = false;
  for (let i = 0; i < n; i++) {
    const p = pointAt(i);
    if (!p) { pen = false; continue; }
    if (pen) ctx.lineTo(p[0], p[1]); else ctx.moveTo(p[0], p[1]);
    pen = true;
  }
}

/** Size a canvas's bitmap to its CSS box at the device's pixel ratio and clear it; returns its
 *  2-D context (drawing in CSS pixels) and its CSS width and height. */
export function sizedCanvas(canvas) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth, h = canvas.clientHeight;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  return { ctx, w, h };
}

/** About `count` round tick values (steps of 1, 2, 2.5 or 5 times a power of ten) in [lo, hi]. */
export function niceTicks(lo, hi, count) {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) || raw;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

export class LossChart {
  constructor(canvas, tip) {
    this.canvas = canvas;
    this.tip = tip;
    this.points = []; // {epoch, step, train, test}
    this.hover = -1;
    this.dirty = true;
    canvas.addEventListener("mousemove", (ev) => this.onMove(ev));
    canvas.addEventListener("mouseleave", () => { this.hover = -1; this.tip.hidden = true; this.draw(); });
  }

  clear() {
    this.points = [];
    this.hover = -1;
    this.tip.hidden = true;
    this.draw();
  }

  push(h) {
    const last = this.points[this.points.length - 1];
    if (last && (h.epoch < last.epoch || (h.epoch === last.epoch && (h.step ?? 0) < (last.step ?? 0)))) {
      this.points = []; // the session was reset
    }
    if (last && this.points.length && h.epoch === last.epoch && (h.step ?? 0) === (last.step ?? 0)) {
      this.points[this.points.length - 1] = pick(h); // same step again (a re-sent frame)
    } else {
      this.points.push(pick(h));
    }
    if (this.points.length > MAX_POINTS) {
      // keep the curve's shape: drop every other point of the older half
      const half = Math.floor(this.points.length / 2);
      const old = this.points.slice(0, half).filter((_, i) => i % 2 === 0);
      this.points = old.concat(this.points.slice(half));
    }
    this.dirty = true;
  }

  scales() {
    const w = this.canvas.width, h = this.canvas.height;
    const pts = this.points;
    let max = 0;
    for (const p of pts) {
      if (Number.isFinite(p.train)) max = Math.max(max, p.train);
      if (Number.isFinite(p.test)) max = Math.max(max, p.test);
    }
    max = max || 1;
    const pad = 3;
    const n = Math.max(1, pts.length - 1);
    return {
      x: (i) => pad + ((w - 2 * pad) * i) / n,
      y: (v) => h - pad - ((h - 2 * pad) * Math.min(v, max)) / max,
      inv: (px) => Math.round(((px - pad) / (w - 2 * pad)) * n),
      max,
    };
  }

  draw() {
    this.dirty = false;
    const ctx = this.canvas.getContext("2d");
    const w = this.canvas.width, h = this.canvas.height;
    ctx.clearRect(0, 0, w, h);
    ctx.fillStyle = PAPER;
    ctx.fillRect(0, 0, w, h);
    const pts = this.points;
    if (pts.length < 1) return;
    const s = this.scales();
    const line = (key, color, width) => {
      ctx.strokeStyle = color;
      ctx.lineWidth = width;
      tracePath(ctx, pts.length, (i) => (Number.isFinite(pts[i][key]) ? [s.x(i), s.y(pts[i][key])] : null));
      ctx.stroke();
    };
    line("test", AXIS, 2);
    line("train", INK, 1.5);
    ctx.fillStyle = TEXT;
    ctx.font = "10px system-ui, sans-serif";
    ctx.fillText(s.max.toPrecision(3), 4, 11);
    if (this.hover >= 0 && this.hover < pts.length) {
      const x = s.x(this.hover);
      ctx.strokeStyle = "rgba(0,0,0,0.35)";
      ctx.lineWidth = 1;
      ctx.beginPath(); ctx.moveTo(x, 0); ctx.lineTo(x, h); ctx.stroke();
    }
  }

  onMove(ev) {
    const pts = this.points;
    if (!pts.length) return;
    const rect = this.canvas.getBoundingClientRect();
    const px = ((ev.clientX - rect.left) / rect.width) * this.canvas.width;
    const s = this.scales();
    const i = Math.max(0, Math.min(pts.length - 1, s.inv(px)));
    this.hover = i;
    const p = pts[i];
    const f = (v) => (Number.isFinite(v) ? v.toFixed(4) : "–");
    this.tip.textContent = `epoch ${p.epoch}${p.step != null ? ` · step ${p.step}` : ""} · train ${f(p.train)} · test ${f(p.test)}`;
    this.tip.hidden = false;
    this.draw();
  }
}

function pick(h) {
  return {
    epoch: h.epoch ?? 0,
    step: h.step,
    train: typeof h.train_loss === "number" ? h.train_loss : NaN,
    test: typeof h.test_loss === "number" ? h.test_loss : NaN,
  };
}

// ------------------------------------------------------------------ error curves (log axis)
const CPAD = { l: 40, r: 8, t: 8, b: 22 };

/** The log10 range of an error chart: up to 1.6 × the validation errors' largest, down to the
 *  smallest error but at most five decades below the top. */
function logRange(series) {
  const all = series.flat().filter((v) => v !== null && v > 0);
  const vals = series[1].filter((v) => v !== null && v > 0);
  const hi = Math.max(...(vals.length ? vals : all), 1e-12) * 1.6;
  // tiny training errors (an interpolating fit is ~1e-28) would flatten everything else
  const lo = Math.max(Math.min(...all, hi / 10), hi * 1e-5);
  return [Math.log10(lo), Math.log10(hi)];
}

// Decades when the range spans several; 1-2-5 steps when it spans less than two.
function logTicks(l0, l1) {
  const out = [];
  const few = Math.floor(l1) - Math.ceil(l0) < 1;
  for (let e = Math.floor(l0); e <= Math.ceil(l1); e++) {
    for (const m of few ? [1, 2, 5] : [1]) {
      const v = m * 10 ** e, l = Math.log10(v);
      if (l >= l0 && l <= l1) out.push([v, few ? fmtSig(v, 2) : `1e${e}`]);
    }
  }
  return out;
}

/** Training (dark line) and validation (orange, dotted) error at xs on a log axis; a null
 *  validation error is drawn as ∞ (an arrow off the top). opts: x0, x1 (the x range), ticks
 *  ([x, label] pairs), current (a dashed line), best and bestLabel (ringed). Leaves
 *  canvas.chartX = {x0, x1} for clicks (chartXAt). */
export function drawErrorChart(canvas, xs, train, val, opts) {
  const { ctx, w, h } = sizedCanvas(canvas);
  const [l0, l1] = logRange([train, val]);
  const px = (x) => CPAD.l + ((x - opts.x0) / (opts.x1 - opts.x0)) * (w - CPAD.l - CPAD.r);
  const py = (v) => {
    const t = (Math.log10(Math.max(v, 1e-300)) - l0) / (l1 - l0);
    return h - CPAD.b - Math.max(0, Math.min(1, t)) * (h - CPAD.t - CPAD.b);
  };
  ctx.font = "10px system-ui, sans-serif";
  ctx.fillStyle = TEXT;
  ctx.lineWidth = 1;
  for (const [v, label] of logTicks(l0, l1)) {
    const y = py(v);
    ctx.strokeStyle = GRID;
    ctx.beginPath(); ctx.moveTo(CPAD.l, y); ctx.lineTo(w - CPAD.r, y); ctx.stroke();
    ctx.textAlign = "right";
    ctx.fillText(label, CPAD.l - 4, y + 3);
  }
  ctx.textAlign = "center";
  for (const [x, label] of opts.ticks) ctx.fillText(label, px(x), h - CPAD.b + 13);
  ctx.strokeStyle = AXIS;
  ctx.strokeRect(CPAD.l, CPAD.t, w - CPAD.l - CPAD.r, h - CPAD.t - CPAD.b);
  // the current setting
  ctx.setLineDash([3, 3]);
  ctx.strokeStyle = AXIS;
  const cx = px(opts.current);
  ctx.beginPath(); ctx.moveTo(cx, CPAD.t); ctx.lineTo(cx, h - CPAD.b); ctx.stroke();
  ctx.setLineDash([]);
  const line = (vals, color, width, dots) => {
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.lineWidth = width;
    tracePath(ctx, xs.length, (i) => (vals[i] === null ? null : [px(xs[i]), py(vals[i])]));
    ctx.stroke();
    if (!dots) return;
    xs.forEach((x, i) => {
      if (vals[i] === null) {
        // no validation error: unbounded — an arrow off the top
        ctx.beginPath();
        ctx.moveTo(px(x), CPAD.t + 1); ctx.lineTo(px(x) - 4, CPAD.t + 8); ctx.lineTo(px(x) + 4, CPAD.t + 8);
        ctx.fill();
        ctx.textAlign = "right";
        ctx.fillText("∞", px(x) - 6, CPAD.t + 9);
        ctx.textAlign = "center";
        return;
      }
      ctx.beginPath(); ctx.arc(px(x), py(vals[i]), 2.6, 0, 2 * Math.PI); ctx.fill();
    });
  };
  line(train, DEEP, 1.4, false);
  line(val, rgb(NEG), 2, true);
  const bi = xs.indexOf(opts.best);
  if (bi >= 0 && val[bi] !== null) {
    ctx.strokeStyle = GOOD;
    ctx.lineWidth = 2;
    ctx.beginPath(); ctx.arc(px(xs[bi]), py(val[bi]), 6.5, 0, 2 * Math.PI); ctx.stroke();
    ctx.fillStyle = GOOD;
    ctx.textAlign = "left";
    ctx.fillText(opts.bestLabel, Math.min(px(xs[bi]) + 8, w - CPAD.r - 50), Math.max(py(val[bi]) - 8, CPAD.t + 10));
  }
  canvas.chartX = { x0: opts.x0, x1: opts.x1 };
}

/** The chart's x at a pointer event (null before the chart was drawn). */
export function chartXAt(canvas, ev) {
  const c = canvas.chartX;
  if (!c) return null;
  const r = canvas.getBoundingClientRect();
  const frac = (ev.clientX - r.left - CPAD.l) / (r.width - CPAD.l - CPAD.r);
  return c.x0 + frac * (c.x1 - c.x0);
}
