// The network page's output panel: the big heatmap (the output, or the hovered neuron or
// feature, with the class hyperplanes and the points on top), clicks on it that add and delete
// points, the numbers (epoch, losses, accuracy, R², RMSE), the confusion matrix and the point
// count. The plotted square is [-domain, domain]² (hello's limits).
import { hyperplaneText, labelAnchor, placeHyperplaneLabels } from "./hyperlabels.js";
import { CLASS_COLORS, MID, classColor, neuronLut, paintLut, paintOutput, pointColor, rgb } from "./colors.js";
import { label as labelOf } from "./labels.js";
import { isRegression, numClasses, state } from "./state.js";
import { paintFeature } from "./thumbs.js";
import { $, setOutput } from "./ui.js";

const off = document.createElement("canvas");
let offImage = null; // the background's ImageData, kept while its size stays (no garbage per frame)
// The data points, painted once on their own layer and copied onto the heatmap every frame:
// ~500 filled and stroked circles cost more to paint than the heatmap under them, and they
// change only with the points, the canvas's size or "show test data".
const dots = document.createElement("canvas");
let dotsKey = null;
let dpr = 1;

const domain = () => state.tables.limits.domain;

// ------------------------------------------------------------------ the canvas
/** Write the plotted square's extent into the axis labels and the canvas's description. */
export function labelAxes() {
  const D = domain();
  const [left, , right] = document.querySelectorAll(".axis-labels span");
  left.textContent = `−${D}`;
  right.textContent = String(D);
  const canvas = $("heatmap");
  canvas.setAttribute("aria-label", canvas.getAttribute("aria-label").replace("[-D, D]", `[-${D}, ${D}]`));
}

/** Match the canvas's bitmap to its size on screen (at most 2 pixels per CSS pixel); true
 *  when it changed (the canvas is then blank until drawn again). */
export function sizeHeatmap() {
  const canvas = $("heatmap");
  const css = canvas.getBoundingClientRect().width || 340;
  dpr = Math.min(2, window.devicePixelRatio || 1);
  const px = Math.round(css * dpr);
  if (canvas.width === px) return false;
  canvas.width = px; canvas.height = px;
  return true;
}

/** The heatmap is as wide as its column (CSS): size its bitmap again and redraw (`redraw`)
 *  whenever its box changes — a window resize, a panel that appears in the column. */
export function watchHeatmapSize(redraw) {
  if (!window.ResizeObserver) return;
  new ResizeObserver(() => { if (sizeHeatmap()) redraw(); }).observe($("heatmap"));
}

function canvasToData(ev) {
  const D = domain();
  const r = $("heatmap").getBoundingClientRect();
  const clamp = (v) => Math.max(-D, Math.min(D, v));
  const x = clamp(((ev.clientX - r.left) / r.width) * 2 * D - D);
  const y = clamp(D - ((ev.clientY - r.top) / r.height) * 2 * D);
  return [Math.round(x * 1000) / 1000, Math.round(y * 1000) / 1000];
}

/** Click: add a point of the chosen class (shift: the next class) or target; ctrl-click or
 *  right-click: delete the nearest point. */
export function bindHeatmap(send) {
  const canvas = $("heatmap");
  canvas.addEventListener("click", (ev) => {
    const [x, y] = canvasToData(ev);
    const split = $("point-split").value;
    if (ev.ctrlKey || ev.metaKey) {
      send({ type: "delete_point", x, y });
      return;
    }
    let label;
    if (isRegression()) {
      const [lo, hi] = state.tables.limits.regression_range;
      label = Math.max(lo, Math.min(hi, Number($("point-target").value) || 0));
    } else {
      const K = numClasses();
      label = ev.shiftKey ? (state.selectedClass + 1) % K : state.selectedClass;
    }
    send({ type: "add_point", x, y, label, split });
  });
  canvas.addEventListener("contextmenu", (ev) => {
    ev.preventDefault();
    const [x, y] = canvasToData(ev);
    send({ type: "delete_point", x, y });
  });
}

function paintMapToOffscreen(map, kind) {
  if (off.width !== map.width || off.height !== map.height) { off.width = map.width; off.height = map.height; }
  const ctx = off.getContext("2d");
  if (!offImage || offImage.width !== map.width || offImage.height !== map.height) {
    offImage = ctx.createImageData(map.width, map.height);
  }
  const img = offImage;
  if (kind === "output") paintOutput(img, map, { regression: isRegression(), discretize: state.ui.discretize, strength: 0.62 });
  else paintLut(img, map.data, neuronLut(map.lo, map.hi), map.channels, 0);
  ctx.putImageData(img, 0, 0);
}

/** Paint the map under the pointer (or the output) into the offscreen canvas; returns
 *  [drawn, caption]. */
function paintBackground() {
  const hover = state.hover;
  if (hover && hover.kind === "feature") {
    if (off.width !== 100) { off.width = 100; off.height = 100; }
    const octx = off.getContext("2d");
    const img = octx.createImageData(100, 100);
    paintFeature(img, hover.name, domain());
    octx.putImageData(img, 0, 0);
    return [true, `feature ${labelOf("feature", hover.name)}`];
  }
  if (hover && hover.kind === "neuron" && state.maps?.[hover.id]) {
    paintMapToOffscreen(state.maps[hover.id], "neuron");
    return [true, `neuron ${hover.id} (layer ${hover.layer}, unit ${hover.unit})`];
  }
  const out = state.maps?.output;
  if (!out) return [false, ""];
  if (hover && hover.kind === "output" && !isRegression() && out.channels > 1) {
    const img = (off.width = out.width, off.height = out.height, off.getContext("2d").createImageData(out.width, out.height));
    const col = CLASS_COLORS[hover.unit % CLASS_COLORS.length];
    for (let p = 0; p < out.width * out.height; p++) {
      const t = out.data[p * out.channels + hover.unit] / 255;
      img.data[p * 4] = 255 + (col[0] - 255) * t;
      img.data[p * 4 + 1] = 255 + (col[1] - 255) * t;
      img.data[p * 4 + 2] = 255 + (col[2] - 255) * t;
      img.data[p * 4 + 3] = 255;
    }
    off.getContext("2d").putImageData(img, 0, 0);
    return [true, `probability of class ${hover.unit}`];
  }
  paintMapToOffscreen(out, "output");
  return [true, ""];
}

export function drawHeatmap() {
  const canvas = $("heatmap");
  const ctx = canvas.getContext("2d");
  const W = canvas.width, H = canvas.height;
  const D = domain();
  const sx = (x) => ((x + D) / (2 * D)) * W;
  const sy = (y) => ((D - y) / (2 * D)) * H;
  const hover = state.hover;
  let [drawn, caption] = paintBackground();
  ctx.imageSmoothingEnabled = true;
  // bilinear, as a browser scales TFP's 100×100 heatmap canvas: "high" (bicubic) costs ~3×
  // as much in a software-drawn page, every frame, for a difference hardly seen at this scale
  ctx.imageSmoothingQuality = "medium";
  if (drawn) ctx.drawImage(off, 0, 0, W, H);
  else { ctx.fillStyle = rgb(MID); ctx.fillRect(0, 0, W, H); }
  // the resolution of the output map drawn (the config's grid G: G × G values), for the curious
  const mapWidth = String(state.maps?.output?.width ?? "");
  if (canvas.dataset.mapWidth !== mapWidth) canvas.dataset.mapWidth = mapWidth;

  // axes and ticks (every 2 units)
  ctx.strokeStyle = "rgba(0,0,0,0.12)";
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(sx(0), 0); ctx.lineTo(sx(0), H);
  ctx.moveTo(0, sy(0)); ctx.lineTo(W, sy(0));
  ctx.stroke();
  ctx.fillStyle = "rgba(0,0,0,0.45)";
  ctx.font = `${10 * dpr}px system-ui, sans-serif`;
  for (let u = 2; u < D; u += 2) {
    for (const t of [-u, u]) {
      ctx.fillText(String(t), sx(t) - 4 * dpr, sy(0) + 11 * dpr);
      ctx.fillText(String(t), sx(0) + 3 * dpr, sy(t) + 4 * dpr);
    }
  }

  // class hyperplanes w1·x + w2·y + b = 0 (network without hidden layer, raw x1, x2)
  const hp = state.header?.hyperplanes;
  const hpCtl = $("hyperplanes-ctl");
  if (hpCtl.hidden !== !hp) hpCtl.hidden = !hp;
  const labels = [];
  if (hp && state.ui.hyperplanes !== false && !(hover && hover.kind !== "output")) {
    hp.forEach(([w1, w2, b], k) => {
      const at = drawHyperplane(ctx, w1, w2, b, k, sx, sy, D);
      if (at) labels.push({ k, text: hyperplaneText(k, hp.length), color: rgb(classColor(k)), x: at[0] / dpr, y: at[1] / dpr, angle: at[2] });
    });
    caption = caption || "dashed: wₖ·x + bₖ = 0, class k’s score is 0 (not the decision boundary: that is where the colours change)";
  }
  placeHyperplaneLabels(canvas.parentElement, labels);

  // data
  paintDots(W, H, sx, sy);
  ctx.drawImage(dots, 0, 0);
  const cap = $("heatmap-caption");
  if (cap.textContent !== caption) cap.textContent = caption;
}

/** The points on the `dots` layer (W×H, transparent elsewhere), painted again only when they,
 *  the size, the problem or "show test data" changed. */
function paintDots(W, H, sx, sy) {
  const regression = isRegression();
  const showTest = Boolean(state.ui.show_test);
  const key = [state.points, W, H, dpr, regression, showTest];
  if (dotsKey && key.every((v, k) => v === dotsKey[k])) return;
  dotsKey = key;
  if (dots.width !== W || dots.height !== H) { dots.width = W; dots.height = H; }
  const ctx = dots.getContext("2d");
  ctx.clearRect(0, 0, W, H);
  const rad = 3.4 * dpr;
  const drawPoints = (pts, stroke) => {
    ctx.lineWidth = 1 * dpr;
    ctx.strokeStyle = stroke;
    for (const [x, y, label] of pts) {
      ctx.fillStyle = rgb(pointColor(label, regression));
      ctx.beginPath();
      ctx.arc(sx(x), sy(y), rad, 0, 2 * Math.PI);
      ctx.fill();
      ctx.stroke();
    }
  };
  drawPoints(state.points.train || [], "#ffffff");
  if (showTest) drawPoints(state.points.test || [], "#000000");
}

/** Output unit k's line w1·x + w2·y + b = 0, dashed, with an arrow towards increasing score;
 *  returns its label's anchor (labelAnchor, canvas pixels), or null when it misses the square. */
function drawHyperplane(ctx, w1, w2, b, k, sx, sy, D) {
  const col = classColor(k);
  const pts = [];
  // intersections of the line with the square's edges
  if (Math.abs(w2) > 1e-12) {
    for (const x of [-D, D]) { const y = -(w1 * x + b) / w2; if (y >= -D && y <= D) pts.push([x, y]); }
  }
  if (Math.abs(w1) > 1e-12) {
    for (const y of [-D, D]) { const x = -(w2 * y + b) / w1; if (x >= -D && x <= D) pts.push([x, y]); }
  }
  if (pts.length < 2) return null;
  const [p, q] = pts;
  ctx.save();
  ctx.strokeStyle = rgb(col);
  ctx.lineWidth = 2.5 * dpr;
  ctx.setLineDash([8 * dpr, 5 * dpr]);
  ctx.beginPath();
  ctx.moveTo(sx(p[0]), sy(p[1])); ctx.lineTo(sx(q[0]), sy(q[1]));
  ctx.stroke();
  ctx.setLineDash([]);
  // normal arrow from the segment's midpoint
  const mx = (p[0] + q[0]) / 2, my = (p[1] + q[1]) / 2;
  const n = Math.hypot(w1, w2) || 1;
  const ex = mx + (w1 / n) * 1.2, ey = my + (w2 / n) * 1.2;
  ctx.beginPath();
  ctx.moveTo(sx(mx), sy(my)); ctx.lineTo(sx(ex), sy(ey));
  ctx.stroke();
  const ang = Math.atan2(sy(ey) - sy(my), sx(ex) - sx(mx));
  ctx.fillStyle = rgb(col);
  ctx.beginPath();
  ctx.moveTo(sx(ex), sy(ey));
  ctx.lineTo(sx(ex) - 9 * dpr * Math.cos(ang - 0.4), sy(ey) - 9 * dpr * Math.sin(ang - 0.4));
  ctx.lineTo(sx(ex) - 9 * dpr * Math.cos(ang + 0.4), sy(ey) - 9 * dpr * Math.sin(ang + 0.4));
  ctx.fill();
  ctx.restore();
  return labelAnchor([sx(p[0]), sy(p[1])], [sx(q[0]), sy(q[1])], k); // where its label goes
}

// ------------------------------------------------------------------ the numbers
function fmtNum(v, digits = 3) {
  return typeof v === "number" && Number.isFinite(v) ? v.toFixed(digits) : "–";
}

function setNumber(id, v) {
  setOutput(id, typeof v === "number" ? v : null, fmtNum(v));
}

export function drawStats(h) {
  const ep = $("epoch");
  const e = h.epoch ?? 0;
  const text = String(e).padStart(6, "0").replace(/(\d{3})(\d{3})$/, "$1,$2");
  if (ep.textContent !== text) ep.textContent = text;
  if (ep.dataset.value !== String(e)) ep.dataset.value = String(e);
  setNumber("train-loss", h.train_loss);
  setNumber("test-loss", h.test_loss);
  setNumber("train-accuracy", h.train_accuracy);
  setNumber("test-accuracy", h.test_accuracy);
  setNumber("r2", h.r2);
  setNumber("rmse", h.rmse);
  drawConfusion(h.confusion);
}

let lastConfusion = "";
let confusionCells = null; // cells[t][p] of the table drawn, kept while K stays the same
function drawConfusion(m) {
  const key = JSON.stringify(m || null);
  if (key === lastConfusion) return;
  lastConfusion = key;
  const table = $("confusion");
  const K = Array.isArray(m) ? m.length : 0;
  if (!confusionCells || confusionCells.length !== K || !table.rows.length) {
    // a new shape: build the table; while training only its numbers change, in place (a
    // table built again every frame costs style and layout every frame)
    table.innerHTML = "";
    confusionCells = null;
    if (!K) return;
    const head = table.insertRow();
    head.appendChild(document.createElement("th"));
    m[0].forEach((_, k) => {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = String(k);
      th.style.color = rgb(classColor(k));
      head.appendChild(th);
    });
    confusionCells = m.map((row, t) => {
      const tr = table.insertRow();
      const th = document.createElement("th");
      th.scope = "row";
      th.textContent = String(t);
      th.style.color = rgb(classColor(t));
      tr.appendChild(th);
      return row.map(() => tr.insertCell());
    });
  }
  m.forEach((row, t) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    row.forEach((v, p) => {
      const td = confusionCells[t][p];
      const f = v / total;
      const col = t === p ? classColor(t) : [120, 120, 120];
      const text = String(v);
      if (td.textContent !== text) td.textContent = text;
      const background = rgb(col, Math.min(0.85, f * 0.85));
      if (td.shownBg !== background) { td.shownBg = background; td.style.background = background; }
      const color = f > 0.55 ? "#fff" : "#202124";
      if (td.shownFg !== color) { td.shownFg = color; td.style.color = color; }
      td.title = `true ${t}, predicted ${p}: ${v} (${(f * 100).toFixed(1)} % of class ${t})`;
    });
  });
}

export function drawPointCount() {
  const n = state.points.train.length, m = state.points.test.length;
  const o = $("point-count");
  o.textContent = `${n + m} points: ${n} train · ${m} test`;
  o.dataset.train = String(n);
  o.dataset.test = String(m);
  o.dataset.total = String(n + m);
}
