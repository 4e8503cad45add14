// Charts of both pages: the network page's training curves (TrainingCharts: loss and accuracy
// per epoch, with axes, ticks, a legend and a log-scale switch for the loss; hover reads values)
// and the polynomial page's error curves (drawErrorChart: training and validation error on a
// log axis), with the helpers they share.
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

/** Size a canvas's bitmap to its CSS box (or to `size`, [w, h] in CSS pixels, when the caller
 *  already knows it) at the device's pixel ratio and clear it; returns its
 *  2-D context (drawing in CSS pixels) and its CSS width and height. */
export function sizedCanvas(canvas, size = [canvas.clientWidth, canvas.clientHeight]) {
  const dpr = window.devicePixelRatio || 1;
  const [w, h] = size;
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

// ------------------------------------------------------------------ training curves
// The network page's two charts, side by side, from the frames' headers: the loss (training and
// test, a linear or a log axis) and the accuracy (training and test; for regression the test
// R²). x is the training progress — the minibatch step, so that frames far apart in time are
// far apart on the chart — labelled in epochs. Each chart carries its axes, ticks and legend,
// and leaves them in data attributes (data-x-label, data-y-label, data-scale, data-x-ticks,
// data-y-ticks, data-legend, data-points, data-last) for tests and for the curious.

const PAD = { l: 32, r: 6, t: 15, b: 25 };
const FONT = "10px system-ui, sans-serif";
const SERIES = {
  loss: [{ key: "trainLoss", label: "training", color: INK, width: 1.5 },
         { key: "testLoss", label: "test", color: AXIS, width: 2 }],
  accuracy: [{ key: "trainAcc", label: "training", color: INK, width: 1.5 },
             { key: "testAcc", label: "test", color: AXIS, width: 2 }],
  r2: [{ key: "r2", label: "test", color: AXIS, width: 2 }],
};

function pick(h) {
  const num = (v) => (typeof v === "number" && Number.isFinite(v) ? v : NaN);
  return {
    epoch: h.epoch ?? 0,
    step: h.step,
    x: typeof h.step === "number" ? h.step : (h.epoch ?? 0),
    trainLoss: num(h.train_loss),
    testLoss: num(h.test_loss),
    trainAcc: num(h.train_accuracy),
    testAcc: num(h.test_accuracy),
    r2: num(h.r2),
  };
}

const fmtTick = (v) => (v === 0 ? "0" : Math.abs(v) < 1e-3 || Math.abs(v) >= 1e4 ? v.toExponential(0) : String(Number(v.toPrecision(3))));

/** Ticks of a log axis over [10^l0, 10^l1]: decades, or 1-2-5 (1…9 within a decade) times
 *  them when it spans fewer; at least two. */
function lossLogTicks(l0, l1) {
  const span = l1 - l0;
  const ms = span >= 2 ? [1] : span >= 0.7 ? [1, 2, 5] : [1, 2, 3, 4, 5, 6, 7, 8, 9];
  let out = [];
  for (let e = Math.floor(l0); e <= Math.ceil(l1); e++) {
    for (const m of ms) {
      const v = m * 10 ** e, l = Math.log10(v);
      if (l >= l0 - 1e-9 && l <= l1 + 1e-9) out.push([v, fmtTick(Number(v.toPrecision(3)))]);
    }
  }
  if (span < 2 && out.length > 5) out = out.filter((_, i) => i % 2 === 0);
  if (out.length < 2) out = [l0, l1].map((l) => [10 ** l, fmtTick(Number((10 ** l).toPrecision(2)))]);
  return out;
}

/** Integer epochs to label between e0 and e1 (about three). */
function epochTicks(e0, e1) {
  if (!(e1 > e0)) return [e0];
  return niceTicks(e0, e1, 3).filter((v) => Number.isInteger(v));
}

export class TrainingCharts {
  /** loss, accuracy: the two canvases; log: the checkbox for the loss axis; tip: the element
   *  that reads out the values under the pointer. */
  constructor(loss, accuracy, log, tip) {
    this.canvases = { loss, accuracy };
    this.log = log;
    this.tip = tip;
    this.points = [];
    this.regression = false;
    this.hover = -1;
    this.dirty = true;
    this.sizes = new Map();
    for (const canvas of [loss, accuracy]) {
      if (!canvas) continue;
      canvas.addEventListener("mousemove", (ev) => this.onMove(canvas, ev));
      canvas.addEventListener("mouseleave", () => { this.hover = -1; this.tip.hidden = true; this.draw(); });
    }
    log?.addEventListener("change", () => this.draw());
    window.addEventListener("resize", () => { this.sizes.clear(); this.dirty = true; });
  }

  clear() {
    this.points = [];
    this.hover = -1;
    this.tip.hidden = true;
    this.draw();
  }

  /** A frame's header; `regression`: the accuracy chart shows the test R² instead. */
  push(h, regression = false) {
    if (regression !== this.regression) {
      this.regression = regression;
      this.points = [];
    }
    const p = pick(h);
    const last = this.points[this.points.length - 1];
    if (last && (p.epoch < last.epoch || p.x < last.x)) this.points = []; // the session was reset
    const prev = this.points[this.points.length - 1];
    if (prev && p.epoch === prev.epoch && p.x === prev.x) this.points[this.points.length - 1] = p; // a re-sent frame
    else this.points.push(p);
    if (this.points.length > MAX_POINTS) {
      // keep the curve's shape: drop every other point of the older half
      const half = Math.floor(this.points.length / 2);
      const old = this.points.slice(0, half).filter((_, i) => i % 2 === 0);
      this.points = old.concat(this.points.slice(half));
    }
    this.dirty = true;
  }

  draw() {
    this.dirty = false;
    this.drawOne(this.canvases.loss, "loss");
    this.drawOne(this.canvases.accuracy, this.regression ? "r2" : "accuracy");
  }

  /** The canvas's CSS size (read once: no layout per frame) and its context, cleared. */
  context(canvas) {
    let size = this.sizes.get(canvas);
    if (!size) {
      size = [canvas.clientWidth || 168, canvas.clientHeight || 112];
      this.sizes.set(canvas, size);
    }
    return sizedCanvas(canvas, size);
  }

  /** x of the chart: the steps of the first and last points; and the canvas x of an x. */
  xScale(w) {
    const pts = this.points;
    const x0 = pts.length ? pts[0].x : 0;
    const x1 = pts.length ? pts[pts.length - 1].x : 1;
    const span = x1 > x0 ? x1 - x0 : 1;
    const left = PAD.l, width = w - PAD.l - PAD.r;
    return { x0, x1, px: (x) => left + (pts.length > 1 ? ((x - x0) / span) * width : width / 2), inv: (cx) => x0 + ((cx - left) / width) * span };
  }

  /** The step at which epoch E was reached (between the frames before and after it). */
  xOfEpoch(E) {
    const pts = this.points;
    let i = 0;
    while (i < pts.length && pts[i].epoch < E) i++;
    if (i === 0) return pts[0].x;
    if (i === pts.length) return pts[pts.length - 1].x;
    const a = pts[i - 1], b = pts[i];
    return a.x + ((b.x - a.x) * (E - a.epoch)) / (b.epoch - a.epoch);
  }

  /** y of a chart: [scale name, v -> canvas y (null off the axis), ticks [[v, label]]]. */
  yScale(kind, series, h) {
    const top = PAD.t, bottom = h - PAD.b;
    const lin = (lo, hi) => (v) => bottom - ((Math.max(lo, Math.min(hi, v)) - lo) / (hi - lo)) * (bottom - top);
    const values = [];
    for (const p of this.points) for (const s of series) if (Number.isFinite(p[s.key])) values.push(p[s.key]);
    if (kind === "accuracy") {
      return ["linear", lin(0, 1), [[0, "0"], [0.5, "0.5"], [1, "1"]]];
    }
    if (kind === "r2") {
      const lo = Math.max(-1, Math.min(0, ...values));
      const ticks = niceTicks(lo, 1, 3);
      return ["linear", lin(lo, 1), ticks.map((v) => [v, fmtTick(v)])];
    }
    if (this.log?.checked) {
      const pos = values.filter((v) => v > 0);
      let l1 = pos.length ? Math.log10(Math.max(...pos)) : 0;
      let l0 = pos.length ? Math.log10(Math.min(...pos)) : -1;
      if (l1 - l0 < 0.3) { l0 -= 0.15; l1 += 0.15; }
      const f = (v) => (v > 0 ? bottom - ((Math.max(l0, Math.min(l1, Math.log10(v))) - l0) / (l1 - l0)) * (bottom - top) : null);
      return ["log", f, lossLogTicks(l0, l1)];
    }
    const max = Math.max(0, ...values) || 1;
    const ticks = niceTicks(0, max, 3);
    const hi = Math.max(max, ticks[ticks.length - 1]);
    return ["linear", lin(0, hi), ticks.map((v) => [v, fmtTick(v)])];
  }

  drawOne(canvas, kind) {
    if (!canvas) return;
    const series = SERIES[kind];
    const { ctx, w, h } = this.context(canvas);
    const pts = this.points;
    const xs = this.xScale(w);
    const [scale, py, yTicks] = this.yScale(kind, series, h);
    const bottom = h - PAD.b;
    ctx.fillStyle = PAPER;
    ctx.fillRect(0, 0, w, h);
    ctx.font = FONT;
    ctx.lineWidth = 1;
    // y: grid lines and tick labels
    ctx.textAlign = "right";
    for (const [v, label] of yTicks) {
      const y = py(v);
      if (y === null) continue;
      ctx.strokeStyle = GRID;
      ctx.beginPath(); ctx.moveTo(PAD.l, y); ctx.lineTo(w - PAD.r, y); ctx.stroke();
      ctx.fillStyle = TEXT;
      ctx.fillText(label, PAD.l - 3, y + 3);
    }
    // x: epoch ticks
    const e0 = pts.length ? pts[0].epoch : 0, e1 = pts.length ? pts[pts.length - 1].epoch : 0;
    const xTicks = pts.length ? epochTicks(e0, e1) : [];
    ctx.textAlign = "center";
    ctx.fillStyle = TEXT;
    for (const E of xTicks) {
      const x = xs.px(this.xOfEpoch(E));
      ctx.strokeStyle = AXIS;
      ctx.beginPath(); ctx.moveTo(x, bottom); ctx.lineTo(x, bottom + 3); ctx.stroke();
      ctx.fillText(String(E), Math.max(PAD.l + 4, Math.min(w - PAD.r - 6, x)), bottom + 12);
    }
    // axes and their names: y's as the title, x's under its ticks
    ctx.strokeStyle = AXIS;
    ctx.beginPath(); ctx.moveTo(PAD.l, PAD.t - 2); ctx.lineTo(PAD.l, bottom); ctx.lineTo(w - PAD.r, bottom); ctx.stroke();
    const yLabel = kind === "loss" ? "loss" : kind === "accuracy" ? "accuracy" : "R²";
    ctx.textAlign = "left";
    ctx.fillStyle = INK;
    ctx.fillText(yLabel, 2, 10);
    ctx.textAlign = "right";
    ctx.fillStyle = TEXT;
    ctx.fillText("epoch", w - PAD.r, h - 2);
    // legend, top right
    let lx = w - PAD.r;
    for (const s of [...series].reverse()) {
      const tw = ctx.measureText(s.label).width;
      ctx.fillStyle = TEXT;
      ctx.fillText(s.label, lx, 10);
      lx -= tw + 3;
      ctx.strokeStyle = s.color;
      ctx.lineWidth = s.width;
      ctx.beginPath(); ctx.moveTo(lx - 10, 6.5); ctx.lineTo(lx, 6.5); ctx.stroke();
      lx -= 16;
    }
    // the curves
    for (const s of series) {
      ctx.strokeStyle = s.color;
      ctx.lineWidth = s.width;
      if (pts.length === 1) {
        const y = Number.isFinite(pts[0][s.key]) ? py(pts[0][s.key]) : null;
        if (y !== null) { ctx.fillStyle = s.color; ctx.fillRect(xs.px(pts[0].x) - 1.5, y - 1.5, 3, 3); }
        continue;
      }
      tracePath(ctx, pts.length, (i) => {
        const v = pts[i][s.key];
        const y = Number.isFinite(v) ? py(v) : null;
        return y === null ? null : [xs.px(pts[i].x), y];
      });
      ctx.stroke();
    }
    if (this.hover >= 0 && this.hover < pts.length) {
      const x = xs.px(pts[this.hover].x);
      ctx.strokeStyle = "rgba(0,0,0,0.35)";
      ctx.lineWidth = 1;
      ctx.beginPath(); ctx.moveTo(x, PAD.t); ctx.lineTo(x, bottom); ctx.stroke();
    }
    const last = pts[pts.length - 1];
    Object.assign(canvas.dataset, {
      xLabel: "epoch", yLabel, scale, legend: series.map((s) => s.label).join(","),
      xTicks: xTicks.join(" "), yTicks: yTicks.map(([, label]) => label).join(" "),
      points: String(pts.length),
      last: last ? series.map((s) => `${s.label}=${Number.isFinite(last[s.key]) ? last[s.key].toFixed(4) : "–"}`).join(" ") : "",
    });
  }

  onMove(canvas, ev) {
    const pts = this.points;
    if (!pts.length) return;
    const rect = canvas.getBoundingClientRect();
    const w = this.sizes.get(canvas)?.[0] || rect.width;
    const xs = this.xScale(w);
    const x = xs.inv(((ev.clientX - rect.left) / rect.width) * w);
    let best = 0;
    for (let i = 1; i < pts.length; i++) if (Math.abs(pts[i].x - x) < Math.abs(pts[best].x - x)) best = i;
    this.hover = best;
    const p = pts[best];
    const f = (v) => (Number.isFinite(v) ? v.toFixed(4) : "–");
    const parts = [`epoch ${p.epoch}${p.step != null ? ` · step ${p.step}` : ""}`,
      `loss: training ${f(p.trainLoss)}, test ${f(p.testLoss)}`];
    if (this.regression) parts.push(`R² (test) ${f(p.r2)}`);
    else parts.push(`accuracy: training ${f(p.trainAcc)}, test ${f(p.testAcc)}`);
    this.tip.textContent = parts.join(" · ");
    this.tip.hidden = false;
    this.draw();
  }
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
export function logTicks(l0, l1) {
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

/** A plot's frame in the box ``pad`` leaves of a w × h canvas: a grid line and a label per
 *  y tick ([value, label] pairs, placed by py), the x tick labels (placed by px), the border. */
export function drawFrame(ctx, w, h, pad, yticks, py, xticks, px) {
  ctx.font = "10px system-ui, sans-serif";
  ctx.fillStyle = TEXT;
  ctx.lineWidth = 1;
  for (const [v, label] of yticks) {
    const y = py(v);
    ctx.strokeStyle = GRID;
    ctx.beginPath(); ctx.moveTo(pad.l, y); ctx.lineTo(w - pad.r, y); ctx.stroke();
    ctx.textAlign = "right";
    ctx.fillText(label, pad.l - 4, y + 3);
  }
  ctx.textAlign = "center";
  for (const [x, label] of xticks) ctx.fillText(label, px(x), h - pad.b + 13);
  ctx.strokeStyle = AXIS;
  ctx.strokeRect(pad.l, pad.t, w - pad.l - pad.r, h - pad.t - pad.b);
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
  drawFrame(ctx, w, h, CPAD, logTicks(l0, l1), py, opts.ticks, px);
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
