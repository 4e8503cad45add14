// neuralab playground — the page. One WebSocket = one training session on the server
// (PROTOCOL.md). The page holds the configuration (mirrored in the URL hash), sends `config`
// messages on every change, and draws the frames the server pushes.
import { Connection } from "./conn.js";
import { LossChart } from "./chart.js";
import { CLASS_COLORS, MID, classColor, neuronLut, paintLut, paintOutput, pointColor, rgb } from "./colors.js";
import {
  ACTIVATIONS, CONFIG_KEYS, DATASETS, DATASET_CLASSES, DEFAULTS, FEATURES, UI_DEFAULTS,
  buildHash, parseHash,
} from "./hash.js";
import { ACT_LABEL, NetworkView } from "./network.js";
import { drawThumb, paintFeature } from "./thumbs.js";

const $ = (id) => document.getElementById(id);

const LR_OPTIONS = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const LAM_OPTIONS = [0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const DROPOUT_OPTIONS = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
const SPEED_OPTIONS = [1, 2, 5, 10, 20, 50, 100, 200, 500];
const DATA_KEYS = new Set(["dataset", "problem", "classes", "n_points", "noise", "train_ratio", "data_seed"]);
const NET_KEYS = new Set(["features", "hidden", "activation", "seed"]);
const DATASET_TITLE = {
  circle: "Circle", xor: "Exclusive or", gaussian: "Gaussian", spiral: "Spiral", blobs: "Blobs",
  moons: "Moons", checkerboard: "Checkerboard", ring: "Ring", "three-modes": "Three modes",
  quadrants: "Quadrants", plane: "Plane", "multi-gaussian": "Multi-Gaussian",
};

const clone = (v) => (v === undefined ? v : JSON.parse(JSON.stringify(v)));

const state = {
  config: clone(DEFAULTS),
  ui: clone(UI_DEFAULTS),
  limits: { max_layers: 6, max_neurons: 32, max_points: 5000, max_message: 65536 },
  hashConfig: {},
  points: { train: [], test: [] },
  header: null,
  maps: null,
  playing: false,
  selectedClass: 0,
  hover: null,
  sent: [],          // recent config messages, for rolling back a rejected field
  helloSeen: false,
  renderQueued: false,
};

// ------------------------------------------------------------------ helpers
function toast(message, kind = "error") {
  const t = $("toast");
  t.textContent = message;
  t.className = `toast ${kind}`;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, kind === "error" ? 6000 : 2500);
}

function setStatus(text, kind = "") {
  const s = $("status");
  s.textContent = text;
  s.className = `status ${kind}`;
}

function fmtNum(v, digits = 3) {
  return typeof v === "number" && Number.isFinite(v) ? v.toFixed(digits) : "–";
}

function setOutput(id, value, digits = 3) {
  const o = $(id);
  const text = fmtNum(value, digits);
  if (o.textContent !== text) o.textContent = text;
  o.dataset.value = typeof value === "number" ? String(value) : "";
}

function isRegression() {
  return state.config.problem === "regression";
}

function numClasses() {
  return isRegression() ? 1 : state.config.classes;
}

function activationOf(l) {
  const a = state.config.activation;
  return Array.isArray(a) ? a[l] ?? a[a.length - 1] : a;
}

function fillSelect(sel, values, label = (v) => String(v)) {
  sel.innerHTML = "";
  for (const v of values) {
    const o = document.createElement("option");
    o.value = String(v);
    o.textContent = label(v);
    sel.appendChild(o);
  }
}

function selectValue(sel, value, label = (v) => String(v)) {
  const s = String(value);
  if (![...sel.options].some((o) => o.value === s)) {
    const o = document.createElement("option");
    o.value = s;
    o.textContent = label(value);
    sel.appendChild(o);
  }
  sel.value = s;
}

// ------------------------------------------------------------------ config
/** Make a config consistent before it is sent: dataset matches the problem, classes are ones
 *  the dataset can generate, loss matches the problem, sizes within the limits. Returns the
 *  fields it had to change. */
function sanitize(cfg) {
  const fixed = {};
  const set = (k, v) => { if (JSON.stringify(cfg[k]) !== JSON.stringify(v)) { cfg[k] = v; fixed[k] = v; } };
  const problem = cfg.problem === "regression" ? "regression" : "classification";
  if (!DATASETS[problem].includes(cfg.dataset)) set("dataset", DATASETS[problem][0]);
  if (problem === "classification") {
    const allowed = DATASET_CLASSES[cfg.dataset];
    if (!allowed.includes(cfg.classes)) set("classes", allowed[0]);
    if (cfg.loss === "mse") set("loss", "softmax");
  } else if (cfg.loss !== "mse") set("loss", "mse");
  if (!Array.isArray(cfg.features) || !cfg.features.length) set("features", ["x1", "x2"]);
  let hidden = (cfg.hidden || []).slice(0, state.limits.max_layers)
    .map((n) => Math.max(1, Math.min(state.limits.max_neurons, n)));
  set("hidden", hidden);
  if (Array.isArray(cfg.activation)) {
    let acts = cfg.activation.slice(0, hidden.length);
    while (acts.length < hidden.length) acts.push(acts[acts.length - 1] || "tanh");
    if (acts.length && acts.every((a) => a === acts[0])) acts = acts[0];
    else if (!acts.length) acts = cfg.activation[0] || "tanh";
    set("activation", acts);
  }
  if (Array.isArray(cfg.dropout)) {
    const ps = cfg.dropout.slice(0, hidden.length);
    if (!ps.length || ps.every((p) => p === ps[0])) set("dropout", ps[0] ?? 0);
  }
  return fixed;
}

function setConfig(partial) {
  const next = { ...clone(state.config), ...clone(partial) };
  const fixed = sanitize(next);
  const msg = { ...clone(partial), ...fixed };
  const prev = {};
  for (const k of Object.keys(msg)) prev[k] = clone(state.config[k]);
  state.config = next;
  state.sent.push({ partial: msg, prev, t: Date.now() });
  if (state.sent.length > 20) state.sent.shift();
  conn.send({ type: "config", config: msg });
  afterConfigChange(Object.keys(msg));
}

function afterConfigChange(keys) {
  hideDiverged();
  if (keys.some((k) => DATA_KEYS.has(k) || NET_KEYS.has(k))) chart.clear();
  if (keys.includes("problem") || keys.includes("classes")) state.selectedClass = 0;
  syncControls();
  writeHash();
  rebuildNetwork();
  scheduleRender();
}

function writeHash() {
  const hash = buildHash(state.config, state.ui);
  if (location.hash !== hash) history.replaceState(null, "", hash);
}

/** An `error` naming a config field: roll that field back to its previous value and re-send
 *  the rest of the rejected message (pydantic rejects a message as a whole). */
function rollBack(field) {
  if (!field) return;
  const key = String(field).split(/[.[\]]/).find((s) => CONFIG_KEYS.includes(s));
  if (!key) return;
  for (let n = state.sent.length - 1; n >= 0; n--) {
    const entry = state.sent[n];
    if (!(key in entry.partial)) continue;
    if (Date.now() - entry.t > 10000) return;
    state.sent.splice(n, 1);
    const rest = { ...entry.partial };
    delete rest[key];
    state.config[key] = entry.prev[key] === undefined ? clone(DEFAULTS[key]) : entry.prev[key];
    sanitize(state.config);
    if (Object.keys(rest).length) conn.send({ type: "config", config: rest });
    syncControls();
    writeHash();
    rebuildNetwork();
    return;
  }
}

// ------------------------------------------------------------------ controls
function initControls() {
  fillSelect($("lr"), LR_OPTIONS);
  fillSelect($("lam"), LAM_OPTIONS);
  fillSelect($("dropout"), DROPOUT_OPTIONS);
  fillSelect($("speed"), SPEED_OPTIONS);
  fillSelect($("activation"), ACTIVATIONS, (a) => ACT_LABEL[a]);

  const bindSelect = (id, key, conv = (v) => v) =>
    $(id).addEventListener("change", (ev) => setConfig({ [key]: conv(ev.target.value) }));
  bindSelect("lr", "lr", Number);
  bindSelect("optimizer", "optimizer");
  bindSelect("reg", "reg");
  bindSelect("lam", "lam", Number);
  bindSelect("loss", "loss");
  bindSelect("dropout", "dropout", Number);
  bindSelect("speed", "steps_per_frame", Number);
  bindSelect("activation", "activation");
  bindSelect("classes", "classes", Number);
  $("problem").addEventListener("change", (ev) => {
    const problem = ev.target.value;
    const partial = { problem, dataset: DATASETS[problem][0] };
    partial.loss = problem === "regression" ? "mse" : "softmax";
    if (problem === "classification") partial.classes = 2;
    setConfig(partial);
  });
  $("beta").addEventListener("change", (ev) => {
    const v = Number(ev.target.value);
    if (Number.isFinite(v)) setConfig({ beta: v });
  });
  $("batchnorm").addEventListener("change", (ev) => setConfig({ batchnorm: ev.target.checked }));
  $("epoch-cap").addEventListener("change", (ev) => {
    const v = ev.target.value.trim();
    setConfig({ epoch_cap: v === "" || Number(v) <= 0 ? null : Math.round(Number(v)) });
  });
  $("seed").addEventListener("change", (ev) => {
    const v = Math.round(Number(ev.target.value));
    if (Number.isFinite(v) && v >= 0) setConfig({ seed: v });
  });
  $("n-points").addEventListener("change", (ev) => {
    const v = Math.round(Number(ev.target.value));
    if (Number.isFinite(v)) setConfig({ n_points: Math.max(10, Math.min(state.limits.max_points, v)) });
  });
  const bindRange = (id, key, show) => {
    const input = $(id);
    input.addEventListener("input", () => show(Number(input.value)));
    input.addEventListener("change", () => setConfig({ [key]: Number(input.value) }));
  };
  bindRange("train-ratio", "train_ratio", (v) => { $("train-ratio-value").textContent = `${v}%`; });
  bindRange("noise", "noise", (v) => { $("noise-value").textContent = String(v); });
  bindRange("batch-size", "batch_size", (v) => { $("batch-size-value").textContent = String(v); });

  // dataset tiles
  const grid = $("datasets");
  for (const name of [...DATASETS.classification, ...DATASETS.regression]) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "dataset";
    b.id = `dataset-${name}`;
    b.dataset.name = name;
    b.dataset.problem = DATASETS.regression.includes(name) ? "regression" : "classification";
    b.setAttribute("aria-label", `${DATASET_TITLE[name]} dataset`);
    b.setAttribute("aria-pressed", "false");
    b.title = DATASET_TITLE[name];
    const c = document.createElement("canvas");
    c.width = 44; c.height = 44;
    b.appendChild(c);
    drawThumb(c, name);
    b.addEventListener("click", () => {
      const partial = { dataset: name };
      if (b.dataset.problem !== state.config.problem) {
        partial.problem = b.dataset.problem;
        partial.loss = partial.problem === "regression" ? "mse" : "softmax";
      }
      if (!isRegression() || partial.problem === "classification") {
        const allowed = DATASET_CLASSES[name];
        if (allowed.length && !allowed.includes(state.config.classes)) partial.classes = allowed[0];
      }
      setConfig(partial);
    });
    grid.appendChild(b);
  }

  // transport
  $("play").addEventListener("click", togglePlay);
  $("step").addEventListener("click", () => { hideDiverged(); conn.send({ type: "step" }); });
  $("reset").addEventListener("click", reset);
  $("diverged-reset").addEventListener("click", reset);
  $("regenerate").addEventListener("click", () => {
    state.config.data_seed = (state.config.data_seed || 0) + 1; // the server does the same
    conn.send({ type: "regenerate" });
    chart.clear();
    hideDiverged();
    syncControls();
    writeHash();
  });
  document.addEventListener("keydown", (ev) => {
    const tag = (ev.target.tagName || "").toLowerCase();
    if (ev.key === " " && !["input", "select", "textarea", "button"].includes(tag) && !ev.target.isContentEditable) {
      ev.preventDefault();
      togglePlay();
    }
  });

  // layers
  $("add-layer").addEventListener("click", () => {
    const hidden = state.config.hidden.slice();
    if (hidden.length >= state.limits.max_layers) return;
    hidden.push(hidden.length ? hidden[hidden.length - 1] : 4);
    const partial = { hidden };
    if (Array.isArray(state.config.activation)) partial.activation = [...state.config.activation, activationOf(hidden.length - 2) || "tanh"];
    setConfig(partial);
  });
  $("remove-layer").addEventListener("click", () => {
    const hidden = state.config.hidden.slice();
    if (!hidden.length) return;
    hidden.pop();
    const partial = { hidden };
    if (Array.isArray(state.config.activation)) partial.activation = state.config.activation.slice(0, hidden.length);
    setConfig(partial);
  });

  // output options
  $("show-test").addEventListener("change", (ev) => { state.ui.show_test = ev.target.checked; writeHash(); scheduleRender(); });
  $("discretize").addEventListener("change", (ev) => { state.ui.discretize = ev.target.checked; writeHash(); scheduleRender(); });
  $("show-hyperplanes").addEventListener("change", (ev) => { state.ui.hyperplanes = ev.target.checked; writeHash(); scheduleRender(); });

  // exports / imports
  for (const what of ["model", "script", "csv"]) {
    $(`export-${what}`).addEventListener("click", () => conn.send({ type: "export", what }));
  }
  $("import-csv").addEventListener("change", async (ev) => {
    const file = ev.target.files[0];
    ev.target.value = "";
    if (!file) return;
    const text = await file.text();
    if (text.length > state.limits.max_message - 200) {
      toast(`${file.name} is ${Math.round(text.length / 1024)} KiB; a message may carry at most ${Math.round(state.limits.max_message / 1024)} KiB`);
      return;
    }
    conn.send({ type: "import_csv", text });
  });
  $("copy-link").addEventListener("click", async () => {
    writeHash();
    try {
      await navigator.clipboard.writeText(location.href);
      toast("Link copied: it reproduces the data and the initial weights", "info");
    } catch {
      toast(location.href, "info");
    }
  });

  // data by hand
  $("point-class").addEventListener("change", (ev) => { state.selectedClass = Number(ev.target.value); });
  const canvas = $("heatmap");
  canvas.addEventListener("click", onCanvasClick);
  canvas.addEventListener("contextmenu", (ev) => {
    ev.preventDefault();
    const [x, y] = canvasToData(ev);
    conn.send({ type: "delete_point", x, y });
  });

  window.addEventListener("hashchange", () => {
    // a link followed inside the page: the same experiment as opening it afresh, i.e. the
    // defaults overridden by the link
    const { config, ui, problems } = parseHash(location.hash);
    if (problems.length) toast(`Ignored in the link: ${problems.join(", ")}`);
    state.ui = { ...clone(UI_DEFAULTS), ...ui };
    const target = { ...clone(DEFAULTS), ...config };
    const diff = {};
    for (const [k, v] of Object.entries(target)) {
      if (JSON.stringify(v) !== JSON.stringify(state.config[k])) diff[k] = v;
    }
    if (Object.keys(diff).length) setConfig(diff);
    else { syncControls(); scheduleRender(); }
  });
  let resizeTimer = 0;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => { rebuildNetwork(); sizeHeatmap(); conn.send({ type: "frame" }); }, 150);
  });
}

function syncControls() {
  const c = state.config;
  selectValue($("lr"), c.lr);
  $("optimizer").value = c.optimizer;
  $("reg").value = c.reg;
  selectValue($("lam"), c.lam);
  $("beta").value = String(c.beta);
  $("beta-ctl").classList.toggle("off", c.reg !== "elastic");
  $("lam").disabled = c.reg === "none";
  $("loss").value = c.loss;
  for (const o of $("loss").options) o.disabled = isRegression() ? o.value !== "mse" : o.value === "mse";
  selectValue($("dropout"), Array.isArray(c.dropout) ? c.dropout[0] : c.dropout);
  $("batchnorm").checked = !!c.batchnorm;
  selectValue($("speed"), c.steps_per_frame);
  $("epoch-cap").value = c.epoch_cap == null ? "" : String(c.epoch_cap);
  $("seed").value = String(c.seed);
  const acts = new Set(c.hidden.map((_, l) => activationOf(l)));
  const act = $("activation");
  if (acts.size > 1) {
    selectValue(act, "mixed", () => "(per layer)");
    act.querySelector('option[value="mixed"]').disabled = true;
  } else {
    act.querySelector('option[value="mixed"]')?.remove();
    act.value = Array.isArray(c.activation) ? c.activation[0] : c.activation;
  }

  $("problem").value = c.problem;
  for (const b of $("datasets").children) {
    const on = b.dataset.name === c.dataset;
    b.setAttribute("aria-pressed", String(on));
    b.classList.toggle("selected", on);
    b.hidden = b.dataset.problem !== c.problem;
  }
  $("dataset-name").textContent = DATASET_TITLE[c.dataset] || c.dataset;
  const allowed = DATASET_CLASSES[c.dataset] || [];
  $("classes").value = String(c.classes);
  for (const o of $("classes").options) o.disabled = !allowed.includes(Number(o.value));
  $("classes").disabled = isRegression() || allowed.length <= 1;
  const redraw = ["spiral", "checkerboard", "blobs"].includes(c.dataset);
  if (redraw) drawThumb($(`dataset-${c.dataset}`).firstChild, c.dataset, c.classes);
  $("train-ratio").value = String(c.train_ratio);
  $("train-ratio-value").textContent = `${c.train_ratio}%`;
  $("noise").value = String(c.noise);
  $("noise-value").textContent = String(c.noise);
  $("batch-size").value = String(Math.min(100, c.batch_size));
  $("batch-size-value").textContent = String(c.batch_size);
  $("n-points").value = String(c.n_points);
  $("data-seed").textContent = String(c.data_seed);

  const n = c.hidden.length;
  $("layer-count").textContent = `${n} hidden layer${n === 1 ? "" : "s"}`;
  $("add-layer").disabled = n >= state.limits.max_layers;
  $("remove-layer").disabled = n === 0;

  // point class picker
  const pc = $("point-class");
  const K = numClasses();
  if (pc.options.length !== K || isRegression()) {
    pc.innerHTML = "";
    for (let k = 0; k < K; k++) {
      const o = document.createElement("option");
      o.value = String(k);
      o.textContent = `class ${k}`;
      o.style.color = rgb(classColor(k));
      pc.appendChild(o);
    }
  }
  if (state.selectedClass >= K) state.selectedClass = 0;
  pc.value = String(state.selectedClass);
  pc.style.color = rgb(classColor(state.selectedClass));
  document.body.classList.toggle("regression", isRegression());

  $("show-test").checked = !!state.ui.show_test;
  $("discretize").checked = !!state.ui.discretize;
  $("show-hyperplanes").checked = state.ui.hyperplanes !== false;
  applyHide();
}

function applyHide() {
  const hide = new Set(state.ui.hide || []);
  for (const e of document.querySelectorAll("[data-hide]")) {
    e.classList.toggle("classroom-hidden", e.dataset.hide.split(/\s+/).some((t) => hide.has(t)));
  }
}

function togglePlay() {
  hideDiverged();
  state.playing = !state.playing;
  conn.send({ type: state.playing ? "play" : "pause" });
  updatePlayButton();
}

function reset() {
  hideDiverged();
  conn.send({ type: "reset" });
  chart.clear();
}

function updatePlayButton() {
  const b = $("play");
  b.classList.toggle("playing", state.playing);
  b.setAttribute("aria-pressed", String(state.playing));
  b.setAttribute("aria-label", state.playing ? "Pause" : "Play");
}

function showDiverged(msg) {
  state.playing = false;
  updatePlayButton();
  const where = msg.epoch != null ? ` (epoch ${msg.epoch}${msg.step != null ? `, step ${msg.step}` : ""})` : "";
  $("diverged-message").textContent = (msg.message || "The loss is not finite.") + where;
  $("diverged").hidden = false;
}

function hideDiverged() {
  $("diverged").hidden = true;
}

// ------------------------------------------------------------------ network
let network;

function outUnits() {
  const w = state.header?.weights;
  if (w && w.length === state.config.hidden.length + 1 && w[w.length - 1]?.[0]) {
    const last = w[w.length - 1];
    const expected = numClasses();
    const dOut = last[0].length;
    if (dOut !== expected && (dOut === 1 || dOut === 2)) return dOut;
  }
  return numClasses();
}

function rebuildNetwork() {
  if (network.build(state.config, outUnits())) {
    applyHide();
    if (state.header) {
      network.updateLinks(state.header.weights, state.header.biases);
      if (state.maps) network.paint(state.maps, isRegression());
    }
  }
}

// ------------------------------------------------------------------ output canvas
const off = document.createElement("canvas");
let dpr = 1;

function sizeHeatmap() {
  const canvas = $("heatmap");
  const css = canvas.getBoundingClientRect().width || 340;
  dpr = Math.min(2, window.devicePixelRatio || 1);
  const px = Math.round(css * dpr);
  if (canvas.width !== px) { canvas.width = px; canvas.height = px; }
  scheduleRender();
}

function canvasToData(ev) {
  const r = $("heatmap").getBoundingClientRect();
  const clamp = (v) => Math.max(-6, Math.min(6, v));
  const x = clamp(((ev.clientX - r.left) / r.width) * 12 - 6);
  const y = clamp(6 - ((ev.clientY - r.top) / r.height) * 12);
  return [Math.round(x * 1000) / 1000, Math.round(y * 1000) / 1000];
}

function onCanvasClick(ev) {
  const [x, y] = canvasToData(ev);
  const split = $("point-split").value;
  if (ev.ctrlKey || ev.metaKey) {
    conn.send({ type: "delete_point", x, y });
    return;
  }
  let label;
  if (isRegression()) {
    label = Math.max(-1, Math.min(1, Number($("point-target").value) || 0));
  } else {
    const K = numClasses();
    label = ev.shiftKey ? (state.selectedClass + 1) % K : state.selectedClass;
  }
  conn.send({ type: "add_point", x, y, label, split });
}

function paintMapToOffscreen(map, kind) {
  if (off.width !== map.width || off.height !== map.height) { off.width = map.width; off.height = map.height; }
  const ctx = off.getContext("2d");
  const img = ctx.createImageData(map.width, map.height);
  if (kind === "output") paintOutput(img, map, { regression: isRegression(), discretize: state.ui.discretize, strength: 0.62 });
  else paintLut(img, map.data, neuronLut(map.lo, map.hi), map.channels, 0);
  ctx.putImageData(img, 0, 0);
}

function drawHeatmap() {
  const canvas = $("heatmap");
  const ctx = canvas.getContext("2d");
  const W = canvas.width, H = canvas.height;
  const sx = (x) => ((x + 6) / 12) * W;
  const sy = (y) => ((6 - y) / 12) * H;
  let caption = "";
  const hover = state.hover;
  let drawn = false;
  if (hover && hover.kind === "feature") {
    if (off.width !== 100) { off.width = 100; off.height = 100; }
    const octx = off.getContext("2d");
    const img = octx.createImageData(100, 100);
    paintFeature(img, hover.name);
    octx.putImageData(img, 0, 0);
    drawn = true;
    caption = `feature ${hover.name}`;
  } else if (hover && hover.kind === "neuron" && state.maps?.[hover.id]) {
    paintMapToOffscreen(state.maps[hover.id], "neuron");
    drawn = true;
    caption = `neuron ${hover.id} (layer ${hover.layer}, unit ${hover.unit})`;
  } else if (state.maps?.output) {
    const out = state.maps.output;
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
      caption = `probability of class ${hover.unit}`;
    } else paintMapToOffscreen(out, "output");
    drawn = true;
  }
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = "high";
  if (drawn) ctx.drawImage(off, 0, 0, W, H);
  else { ctx.fillStyle = rgb(MID); ctx.fillRect(0, 0, W, H); }

  // axes and ticks
  ctx.strokeStyle = "rgba(0,0,0,0.12)";
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(sx(0), 0); ctx.lineTo(sx(0), H);
  ctx.moveTo(0, sy(0)); ctx.lineTo(W, sy(0));
  ctx.stroke();
  ctx.fillStyle = "rgba(0,0,0,0.45)";
  ctx.font = `${10 * dpr}px system-ui, sans-serif`;
  for (const t of [-4, -2, 2, 4]) {
    ctx.fillText(String(t), sx(t) - 4 * dpr, sy(0) + 11 * dpr);
    ctx.fillText(String(t), sx(0) + 3 * dpr, sy(t) + 4 * dpr);
  }

  // class hyperplanes w1·x + w2·y + b = 0 (network without hidden layer, raw x1, x2)
  const hp = state.header?.hyperplanes;
  $("hyperplanes-ctl").hidden = !hp;
  if (hp && state.ui.hyperplanes !== false && !(hover && hover.kind !== "output")) {
    hp.forEach(([w1, w2, b], k) => drawHyperplane(ctx, w1, w2, b, k, sx, sy, W, H));
    caption = caption || "hyperplanes w·x + b = 0 (arrow: direction of increasing score)";
  }

  // data
  const regression = isRegression();
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
  if (state.ui.show_test) drawPoints(state.points.test || [], "#000000");
  const cap = $("heatmap-caption");
  if (cap.textContent !== caption) cap.textContent = caption;
}

function drawHyperplane(ctx, w1, w2, b, k, sx, sy) {
  const col = classColor(k);
  const pts = [];
  // intersections of the line with the square's edges
  if (Math.abs(w2) > 1e-12) {
    for (const x of [-6, 6]) { const y = -(w1 * x + b) / w2; if (y >= -6 && y <= 6) pts.push([x, y]); }
  }
  if (Math.abs(w1) > 1e-12) {
    for (const y of [-6, 6]) { const x = -(w2 * y + b) / w1; if (x >= -6 && x <= 6) pts.push([x, y]); }
  }
  if (pts.length < 2) return;
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
}

// ------------------------------------------------------------------ stats
function drawStats(h) {
  const ep = $("epoch");
  const e = h.epoch ?? 0;
  const text = String(e).padStart(6, "0").replace(/(\d{3})(\d{3})$/, "$1,$2");
  if (ep.textContent !== text) ep.textContent = text;
  ep.dataset.value = String(e);
  setOutput("train-loss", h.train_loss);
  setOutput("test-loss", h.test_loss);
  setOutput("train-accuracy", h.train_accuracy);
  setOutput("test-accuracy", h.test_accuracy);
  setOutput("r2", h.r2);
  setOutput("rmse", h.rmse);
  drawConfusion(h.confusion);
}

let lastConfusion = "";
function drawConfusion(m) {
  const key = JSON.stringify(m || null);
  if (key === lastConfusion) return;
  lastConfusion = key;
  const table = $("confusion");
  table.innerHTML = "";
  if (!Array.isArray(m) || !m.length) return;
  const head = table.insertRow();
  head.appendChild(document.createElement("th"));
  m[0].forEach((_, k) => {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = String(k);
    th.style.color = rgb(classColor(k));
    head.appendChild(th);
  });
  m.forEach((row, t) => {
    const tr = table.insertRow();
    const th = document.createElement("th");
    th.scope = "row";
    th.textContent = String(t);
    th.style.color = rgb(classColor(t));
    tr.appendChild(th);
    const total = row.reduce((a, b) => a + b, 0) || 1;
    row.forEach((v, p) => {
      const td = tr.insertCell();
      td.textContent = String(v);
      const f = v / total;
      const col = t === p ? classColor(t) : [120, 120, 120];
      td.style.background = rgb(col, Math.min(0.85, f * 0.85));
      td.style.color = f > 0.55 ? "#fff" : "#202124";
      td.title = `true ${t}, predicted ${p}: ${v} (${(f * 100).toFixed(1)} % of class ${t})`;
    });
  });
}

function drawPointCount() {
  const n = state.points.train.length, m = state.points.test.length;
  const o = $("point-count");
  o.textContent = `${n + m} points: ${n} train · ${m} test`;
  o.dataset.train = String(n);
  o.dataset.test = String(m);
  o.dataset.total = String(n + m);
}

// ------------------------------------------------------------------ render loop
function scheduleRender() {
  if (state.renderQueued) return;
  state.renderQueued = true;
  requestAnimationFrame(render);
}

// frames received / drawn and the time spent drawing (for the curious: window.playgroundStats)
const stats = { received: 0, drawn: 0, drawMs: 0 };
window.playgroundStats = stats;

function render() {
  state.renderQueued = false;
  const t0 = performance.now();
  stats.drawn++;
  if (state.header) {
    drawStats(state.header);
    rebuildNetwork();
    network.updateLinks(state.header.weights, state.header.biases);
    if (state.maps) network.paint(state.maps, isRegression());
  }
  drawHeatmap();
  if (chart.dirty) chart.draw();
  stats.drawMs += performance.now() - t0;
}

// ------------------------------------------------------------------ messages
function onMessage(msg) {
  switch (msg.type) {
    case "hello": return onHello(msg);
    case "points":
      state.points = { train: msg.train || [], test: msg.test || [] };
      drawPointCount();
      scheduleRender();
      return;
    case "frame": return onFrame({ header: msg, maps: {} });
    case "config":
      if (msg.config) { Object.assign(state.config, msg.config); syncControls(); writeHash(); rebuildNetwork(); }
      return;
    case "error":
      toast(msg.message || "error");
      rollBack(msg.field);
      return;
    case "diverged": return showDiverged(msg);
    case "export": return download(msg);
    default:
  }
}

function onHello(msg) {
  if (msg.limits) {
    const L = msg.limits;
    const pick = (...keys) => keys.map((k) => L[k]).find((v) => typeof v === "number");
    state.limits.max_layers = pick("max_layers", "hidden_layers", "max_hidden_layers", "layers") ?? state.limits.max_layers;
    state.limits.max_neurons = pick("max_neurons", "neurons", "max_units", "neurons_per_layer") ?? state.limits.max_neurons;
    state.limits.max_points = pick("max_points", "points") ?? state.limits.max_points;
    state.limits.max_message = pick("max_message", "message_bytes", "message", "max_message_bytes") ?? state.limits.max_message;
  }
  if (msg.datasets) {
    for (const [name, d] of Object.entries(msg.datasets)) {
      if (name in DATASET_CLASSES && Array.isArray(d.classes)) DATASET_CLASSES[name] = d.classes;
    }
  }
  const first = !state.helloSeen;
  state.helloSeen = true;
  let toSend;
  if (first) {
    // the server's config, overridden by the link's
    state.config = { ...clone(DEFAULTS), ...clone(msg.config || {}), ...clone(state.hashConfig) };
    const fixed = sanitize(state.config);
    toSend = { ...clone(state.hashConfig), ...fixed };
  } else {
    // a reconnect: a fresh session; restore the whole experiment
    sanitize(state.config);
    toSend = clone(state.config);
  }
  conn.send({ type: "config", config: toSend });
  state.sent.push({ partial: toSend, prev: clone(msg.config || DEFAULTS), t: Date.now() });
  state.playing = false;
  updatePlayButton();
  syncControls();
  writeHash();
  rebuildNetwork();
  conn.send({ type: "frame" });
  setStatus("connected", "ok");
}

function onFrame({ header, maps }) {
  stats.received++;
  state.header = header;
  if (maps && Object.keys(maps).length) state.maps = maps;
  if (typeof header.playing === "boolean" && header.playing !== state.playing) {
    state.playing = header.playing;
    updatePlayButton();
  }
  chart.push(header);
  scheduleRender();
}

function b64ToBytes(b64) {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function download(msg) {
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

// ------------------------------------------------------------------ start
const chart = new LossChart($("loss-chart"), $("chart-tip"));
const conn = new Connection({
  onOpen: () => setStatus("starting a session…"),
  onClose: (ev) => {
    state.playing = false;
    updatePlayButton();
    setStatus(ev.code === 1008 ? "refused by the server (origin)" : "disconnected — reconnecting…", "bad");
  },
  onMessage,
  onFrame,
});

function start() {
  const { config, ui, problems } = parseHash(location.hash);
  state.hashConfig = config;
  Object.assign(state.ui, ui);
  Object.assign(state.config, clone(config));
  sanitize(state.config);
  network = new NetworkView($("network"), $("links"), {
    toggleFeature(name) {
      const on = state.config.features.includes(name);
      if (on && state.config.features.length === 1) { toast("Keep at least one feature"); return; }
      const features = FEATURES.filter((f) => (f === name ? !on : state.config.features.includes(f)));
      setConfig({ features });
    },
    addNeuron(l) {
      const hidden = state.config.hidden.slice();
      if (hidden[l] >= state.limits.max_neurons) return;
      hidden[l] += 1;
      setConfig({ hidden });
    },
    removeNeuron(l) {
      const hidden = state.config.hidden.slice();
      if (hidden[l] <= 1) return;
      hidden[l] -= 1;
      setConfig({ hidden });
    },
    setActivation(l, name) {
      const acts = state.config.hidden.map((_, i) => activationOf(i));
      acts[l] = name;
      setConfig({ activation: acts });
    },
    hoverNeuron(info) {
      state.hover = info;
      scheduleRender();
    },
    editWeight({ layer, i, j, value }) {
      conn.send({ type: "set_weight", layer, i, j, value });
    },
    limits: () => state.limits,
  });
  initControls();
  syncControls();
  sizeHeatmap();
  rebuildNetwork();
  drawPointCount();
  chart.draw();
  if (problems.length) toast(`Ignored in the link: ${problems.join(", ")}`);
  conn.connect();
}

start();
