// The linear-classifier view (shown with 0 hidden layers), as CS231n's linear classification
// demo shows one: the weights W (D features × C classes) and biases b as number inputs, each
// edit sent to the server (set_weight / set_bias, PROTOCOL.md); the training points with their
// features, class scores s = xW + b, true class and loss Lᵢ, the worst first; and the objective
// as "data loss + reg loss = total". Every number comes from the frame's `linear` field and
// `weights` / `biases` (playground/linear_view.py computes them with the library's losses and
// regularizer): nothing is computed here but an argmax to mark the wrong rows.
//
// Hovering a row rings its point in the output picture; hovering a point there marks its row.
import { classColor, rgb } from "./colors.js";
import { label } from "./labels.js";
import { state } from "./state.js";
import { $, fmtSig, setOutput } from "./ui.js";

const LOSS_NAME = { softmax: "softmax cross-entropy", svm: "multiclass SVM (hinge, Δ = 1)" };
const HOVER_RADIUS = 0.35; // data units: how near the pointer a point must be to mark its row

let cb = null;        // {send(msg), redraw()}
let shownHeader = null;
let paramsKey = "";
let tableKey = "";
let hot = null;       // index (into the training points) of the marked point

/** Bind the panel once: `send` sends a client message, `redraw` asks for a new render. */
export function bindLinear(callbacks) {
  cb = callbacks;
  const table = $("linear-table");
  table.addEventListener("mouseover", (ev) => setHot(rowIndex(ev.target), false));
  table.addEventListener("mouseleave", () => setHot(null, false));
  const canvas = $("heatmap");
  canvas.addEventListener("mousemove", (ev) => {
    if ($("linear").hidden) return;
    setHot(nearestPoint(ev, canvas), true);
  });
  canvas.addEventListener("mouseleave", () => setHot(null, false));
}

function rowIndex(target) {
  const tr = target.closest?.("tr[data-index]");
  return tr ? Number(tr.dataset.index) : null;
}

function nearestPoint(ev, canvas) {
  const D = state.tables.limits.domain;
  const r = canvas.getBoundingClientRect();
  const x = ((ev.clientX - r.left) / r.width) * 2 * D - D;
  const y = D - ((ev.clientY - r.top) / r.height) * 2 * D;
  let best = null, bestD = HOVER_RADIUS;
  (state.points.train || []).forEach(([px, py], i) => {
    const d = Math.hypot(px - x, py - y);
    if (d < bestD) { bestD = d; best = i; }
  });
  return best;
}

function setHot(index, scroll) {
  if (index === hot) return;
  hot = index;
  const box = $("linear-points");
  for (const tr of $("linear-table").querySelectorAll("tr.hot")) tr.classList.remove("hot");
  const tr = index === null ? null : $("linear-table").querySelector(`tr[data-index="${index}"]`);
  if (tr) {
    tr.classList.add("hot");
    if (scroll) { // within the table's box only, not the page
      const top = tr.offsetTop - box.clientHeight / 2;
      box.scrollTop = Math.max(0, top);
    }
  }
  cb?.redraw();
}

// ------------------------------------------------------------------ W and b
function numberInput(attrs, name) {
  const input = document.createElement("input");
  input.type = "number";
  input.step = "0.01";
  input.className = "linear-input";
  Object.assign(input.dataset, attrs);
  input.setAttribute("aria-label", name);
  input.addEventListener("input", () => { input.dataset.dirty = "1"; });
  input.addEventListener("change", () => send(input));
  return input;
}

/** An edit: the server sets it (and its frame shows it) or rejects it (linearRejected). The
 *  text goes as typed when it is no number, for the server to name the field in its error. */
function send(input) {
  delete input.dataset.dirty;
  const raw = input.value.trim();
  const value = raw !== "" && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  const j = Number(input.dataset.j);
  if (input.dataset.kind === "bias") cb.send({ type: "set_bias", layer: 0, j, value });
  else cb.send({ type: "set_weight", layer: 0, i: Number(input.dataset.i), j, value });
}

function outputName(k, C) {
  return C === 1 ? "output" : `class ${k}`;
}

function buildParams(features, C) {
  const table = $("linear-params");
  const head = document.createElement("thead");
  const hr = head.insertRow();
  hr.appendChild(Object.assign(document.createElement("th"), { textContent: "" }));
  for (let k = 0; k < C; k++) {
    const th = Object.assign(document.createElement("th"), { scope: "col", textContent: outputName(k, C) });
    if (C > 1) th.style.color = rgb(classColor(k));
    hr.appendChild(th);
  }
  const wBody = document.createElement("tbody");
  wBody.dataset.hide = "linear_w"; // explain.js: the W inputs' text
  features.forEach((f, i) => {
    const tr = wBody.insertRow();
    tr.appendChild(Object.assign(document.createElement("th"), { scope: "row", textContent: `W · ${label("feature", f)}` }));
    for (let k = 0; k < C; k++) {
      tr.insertCell().appendChild(numberInput({ kind: "weight", i, j: k }, `W[${label("feature", f)}, ${outputName(k, C)}]`));
    }
  });
  const bBody = document.createElement("tbody");
  bBody.dataset.hide = "linear_b";
  const br = bBody.insertRow();
  br.appendChild(Object.assign(document.createElement("th"), { scope: "row", textContent: "b" }));
  for (let k = 0; k < C; k++) br.insertCell().appendChild(numberInput({ kind: "bias", j: k }, `b[${outputName(k, C)}]`));
  table.replaceChildren(head, wBody, bBody);
}

const shortNum = (v) => (typeof v === "number" && Number.isFinite(v) ? String(Number(v.toPrecision(4))) : "");

/** Show the frame's W and b; an input being typed in keeps its text (`force`: even that). */
function fillParams(W, b, force) {
  for (const input of $("linear-params").querySelectorAll("input")) {
    if (!force && input.dataset.dirty && document.activeElement === input) continue;
    const v = input.dataset.kind === "bias" ? b[Number(input.dataset.j)]
      : W[Number(input.dataset.i)]?.[Number(input.dataset.j)];
    input.dataset.value = String(v);
    const text = shortNum(v);
    if (input.value !== text) input.value = text;
    if (force) delete input.dataset.dirty;
  }
}

/** An edit was rejected (an `error` reply): every input shows the server's values again. */
export function linearRejected() {
  const h = state.header;
  if (!h || $("linear").hidden || h.weights?.length !== 1) return;
  fillParams(h.weights[0], h.biases[0], true);
}

// ------------------------------------------------------------------ points and losses
function buildTable(features, C) {
  const table = $("linear-table");
  const head = document.createElement("thead");
  const hr = head.insertRow();
  const th = (text, title = "") => {
    const e = Object.assign(document.createElement("th"), { scope: "col", textContent: text });
    if (title) e.title = title;
    hr.appendChild(e);
    return e;
  };
  th("#", "the point's index among the training points");
  for (const f of features) th(label("feature", f));
  for (let k = 0; k < C; k++) th(`s${k}`, `score of class ${k}`).style.color = rgb(classColor(k));
  th("y", "true class");
  th("Lᵢ", "the point's loss");
  table.replaceChildren(head, document.createElement("tbody"));
}

function fillTable(lin) {
  const body = $("linear-table").tBodies[0];
  const rows = lin.rows;
  while (body.rows.length > rows.length) body.deleteRow(-1);
  const worst = Math.max(1e-12, ...lin.losses.filter((v) => typeof v === "number"));
  rows.forEach((index, r) => {
    let tr = body.rows[r];
    const x = lin.features[r], s = lin.scores[r], y = lin.labels[r], L = lin.losses[r];
    const width = 1 + x.length + s.length + 2;
    if (!tr || tr.cells.length !== width) {
      tr = tr || body.insertRow();
      tr.replaceChildren(...Array.from({ length: width }, () => document.createElement("td")));
    }
    tr.dataset.index = String(index);
    let c = 0;
    const cell = (text, value) => {
      const td = tr.cells[c++];
      if (td.textContent !== text) td.textContent = text;
      if (value !== undefined) td.dataset.value = String(value);
      return td;
    };
    cell(String(index));
    for (const v of x) cell(shortNum(v), v);
    const finite = s.every((v) => typeof v === "number");
    const predicted = finite ? s.indexOf(Math.max(...s)) : -1;
    s.forEach((v, k) => {
      const td = cell(shortNum(v), v);
      td.className = k === y ? "true-score" : "";
    });
    const yc = cell(String(y));
    yc.style.color = rgb(classColor(y));
    const lc = cell(typeof L === "number" ? fmtSig(L, 3) : "–", L);
    lc.style.background = typeof L === "number" ? `rgba(214,39,40,${(0.45 * L / worst).toFixed(3)})` : "";
    tr.classList.toggle("wrong", predicted >= 0 && predicted !== y);
    tr.classList.toggle("hot", index === hot);
    tr.title = predicted >= 0 && predicted !== y ? `misclassified: class ${predicted} scores highest` : "";
  });
}

function noteFor(config) {
  if (config.rules === "tfp") {
    return "TensorFlow Playground's rules: one tanh output unit o = tanh(xW + b) trained on ½(o − t)², not C class scores with a hinge or softmax loss — switch Rules to neuralab to see each point's scores and loss.";
  }
  return "Regression: the output ŷ = xW + b is a linear fit (loss MSE); the scores and losses per point are shown for classification.";
}

// ------------------------------------------------------------------ the panel
/** Show or hide the panel and fill it from the latest frame (called on every render). */
export function drawLinear() {
  const root = $("linear");
  const config = state.config;
  const show = !!config && config.hidden.length === 0;
  if (root.hidden !== !show) root.hidden = !show;
  const h = state.header;
  if (!show || !h || h === shownHeader) return;
  if (h.weights?.length !== 1) return; // a frame from before the change: the next one fits
  shownHeader = h;
  const W = h.weights[0], b = h.biases[0];
  const C = b.length;
  const pk = JSON.stringify([config.features, C]);
  if (pk !== paramsKey && W.length === config.features.length) {
    paramsKey = pk;
    buildParams(config.features, C);
  }
  fillParams(W, b, false);
  const lin = h.linear;
  const note = $("linear-note");
  note.hidden = !!lin;
  if (!lin) {
    note.textContent = noteFor(config);
    $("linear-loss").hidden = true;
    $("linear-points").hidden = true;
    return;
  }
  $("linear-loss").hidden = false;
  $("linear-points").hidden = false;
  $("linear-points").dataset.explainValue = lin.loss; // explain.js marks the current loss
  const reg = config.reg === "none" ? "no regularization" : `${label("reg", config.reg)}, λ = ${config.lam}`;
  $("linear-loss-name").textContent = `${LOSS_NAME[lin.loss] || lin.loss}; ${reg}`;
  for (const [id, v] of [["linear-data-loss", lin.data_loss], ["linear-reg-loss", lin.reg_loss], ["linear-total-loss", lin.total_loss]]) {
    setOutput(id, v, fmtSig(v, 3));
  }
  const tk = JSON.stringify([config.features, C]);
  const fits = !lin.features.length || lin.features[0].length === config.features.length;
  if (tk !== tableKey && fits) {
    tableKey = tk;
    buildTable(config.features, C);
  }
  fillTable(lin);
  const count = $("linear-count");
  const text = lin.rows.length < lin.n
    ? `the ${lin.rows.length} worst of ${lin.n} training points`
    : `all ${lin.n} training points, the worst first`;
  if (count.textContent !== text) count.textContent = text;
}

/** Ring the marked training point in the output picture (after drawHeatmap). */
export function drawLinearMark() {
  if (hot === null || $("linear").hidden) return;
  const p = state.points.train?.[hot];
  if (!p) return;
  const canvas = $("heatmap");
  const ctx = canvas.getContext("2d");
  const D = state.tables.limits.domain;
  const px = ((p[0] + D) / (2 * D)) * canvas.width;
  const py = ((D - p[1]) / (2 * D)) * canvas.height;
  const scale = canvas.width / (canvas.getBoundingClientRect().width || canvas.width);
  ctx.save();
  ctx.lineWidth = 2.5 * scale;
  ctx.strokeStyle = "#202124";
  ctx.beginPath();
  ctx.arc(px, py, 8 * scale, 0, 2 * Math.PI);
  ctx.stroke();
  ctx.restore();
}
