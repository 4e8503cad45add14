// The network page's controls: built from hello's tables (menus from `choices` and `presets`,
// number inputs and sliders from `ranges` and `sliders`, the data set tiles from `datasets`),
// bound to the page's actions, and kept in step with the config (syncControls). No control
// knows a limit or a list of names of its own.
import { classColor, rgb } from "./colors.js";
import { installExplanations } from "./explain.js";
import { label } from "./labels.js";
import { dropouts } from "./layerhead.js";
import { activationOf, isRegression, numClasses, perLayer, state } from "./state.js";
import { drawThumb } from "./thumbs.js";
import { $, fillSelect, selectValue, setBounds, toast } from "./ui.js";

// control id -> config field
const PRESET_MENUS = { lr: "lr", lam: "lam", dropout: "dropout", speed: "steps_per_frame", grid: "grid" };
const PRESET_TEXT = { grid: (g) => `${g} × ${g}` }; // the others show the number
const CHOICE_MENUS = ["optimizer", "reg", "loss", "problem", "activation", "rules"]; // id = field
const NUMBERS = { "n-points": "n_points", seed: "seed", "epoch-cap": "epoch_cap", beta: "beta" };
const SLIDERS = { "train-ratio": "train_ratio", noise: "noise", "batch-size": "batch_size" };
const SLIDER_TEXT = { "train-ratio": (v) => `${v}%` }; // the others show the number

function clampTo(v, range) {
  const lo = range.min ?? -Infinity, hi = range.max ?? Infinity;
  return Math.max(lo, Math.min(hi, v));
}

// ------------------------------------------------------------------ building
export function buildControls(tables) {
  const { choices, presets, ranges, sliders, limits } = tables;
  for (const [id, key] of Object.entries(PRESET_MENUS)) fillSelect($(id), presets[key], PRESET_TEXT[id]);
  for (const key of CHOICE_MENUS) fillSelect($(key), choices[key], (v) => label(key, v));
  const { min, max } = ranges.classes;
  fillSelect($("classes"), Array.from({ length: max - min + 1 }, (_, i) => min + i));
  for (const [id, key] of Object.entries(NUMBERS)) setBounds($(id), ranges[key]);
  for (const [id, key] of Object.entries(SLIDERS)) {
    const [lo, hi, step] = sliders[key];
    Object.assign($(id), { min: String(lo), max: String(hi), step: String(step) });
  }
  const [lo, hi] = limits.regression_range;
  Object.assign($("point-target"), { min: String(lo), max: String(hi) });
  buildDatasetTiles(tables.datasets);
  installExplanations(tables); // a text and formula on hover and focus of every control (explain.js)
}

function buildDatasetTiles(datasets) {
  const grid = $("datasets");
  for (const [name, d] of Object.entries(datasets)) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "dataset";
    b.id = `dataset-${name}`;
    b.dataset.name = name;
    b.dataset.problem = d.problem;
    b.setAttribute("aria-label", `${label("dataset", name)} dataset`);
    b.setAttribute("aria-pressed", "false");
    b.title = label("dataset", name);
    const c = document.createElement("canvas");
    c.width = 44; c.height = 44;
    b.appendChild(c);
    const caption = document.createElement("span"); // its name on the tile, not only in a tooltip
    caption.className = "dataset-label";
    caption.textContent = label("dataset", name);
    b.appendChild(caption);
    drawThumb(c, name, { regression: d.problem === "regression" });
    grid.appendChild(b);
  }
}

// ------------------------------------------------------------------ binding
/** act: setConfig(partial), send(msg), togglePlay(), step(), reset(), regenerate(),
 *  uiChanged() (a page flag changed), writeHash() */
export function bindControls(act) {
  bindMenus(act);
  bindInputs(act);
  bindTransport(act);
  bindLayers(act);
  bindOutputOptions(act);
  bindFiles(act);
}

function bindMenus({ setConfig }) {
  const bind = (id, key, conv = (v) => v) =>
    $(id).addEventListener("change", (ev) => setConfig({ [key]: conv(ev.target.value) }));
  for (const [id, key] of Object.entries(PRESET_MENUS)) bind(id, key, Number);
  for (const key of CHOICE_MENUS) bind(key, key);
  bind("classes", "classes", Number);
  // a data set of the other problem switches the problem: the server's rule (PROTOCOL.md)
  for (const b of $("datasets").children) {
    b.addEventListener("click", () => setConfig({ dataset: b.dataset.name }));
  }
}

function bindInputs({ setConfig }) {
  const { ranges } = state.tables;
  $("beta").addEventListener("change", (ev) => {
    const v = Number(ev.target.value);
    if (Number.isFinite(v)) setConfig({ beta: v });
  });
  $("batchnorm").addEventListener("change", (ev) => setConfig({ batchnorm: ev.target.checked }));
  $("epoch-cap").addEventListener("change", (ev) => {
    const v = ev.target.value.trim();
    setConfig({ epoch_cap: v === "" || Number(v) <= 0 ? null : Math.round(Number(v)) });
  });
  for (const [id, key] of [["seed", "seed"], ["n-points", "n_points"]]) {
    $(id).addEventListener("change", (ev) => {
      const v = Math.round(Number(ev.target.value));
      if (Number.isFinite(v)) setConfig({ [key]: clampTo(v, ranges[key]) });
    });
  }
  for (const [id, key] of Object.entries(SLIDERS)) {
    const input = $(id);
    const show = SLIDER_TEXT[id] || String;
    input.addEventListener("input", () => { $(`${id}-value`).textContent = show(Number(input.value)); });
    input.addEventListener("change", () => setConfig({ [key]: Number(input.value) }));
  }
}

function bindTransport({ togglePlay, step, reset, regenerate }) {
  $("play").addEventListener("click", togglePlay);
  $("step").addEventListener("click", step);
  $("reset").addEventListener("click", reset);
  $("diverged-reset").addEventListener("click", reset);
  $("regenerate").addEventListener("click", regenerate);
  document.addEventListener("keydown", (ev) => {
    const tag = (ev.target.tagName || "").toLowerCase();
    if (ev.key === " " && !["input", "select", "textarea", "button"].includes(tag) && !ev.target.isContentEditable) {
      ev.preventDefault();
      togglePlay();
    }
  });
}

function bindLayers({ setConfig }) {
  const { defaults, limits, ranges } = state.tables;
  const acts = () => state.config.hidden.map((_, l) => activationOf(l));
  $("add-layer").addEventListener("click", () => {
    const hidden = state.config.hidden.slice();
    if (hidden.length >= limits.hidden_layers) return;
    hidden.push(hidden.length ? hidden[hidden.length - 1] : defaults.hidden[0] ?? ranges.hidden.min);
    const partial = { hidden };
    if (Array.isArray(state.config.activation)) {
      const a = acts();
      partial.activation = perLayer([...a, a.length ? a[a.length - 1] : activationOf(0)]);
    }
    if (Array.isArray(state.config.dropout) && hidden.length > 1) {
      const d = dropouts(state.config);
      partial.dropout = perLayer([...d, d[d.length - 1]]);
    }
    setConfig(partial);
  });
  $("remove-layer").addEventListener("click", () => {
    const hidden = state.config.hidden.slice();
    if (!hidden.length) return;
    hidden.pop();
    const partial = { hidden };
    if (Array.isArray(state.config.activation)) partial.activation = perLayer(acts().slice(0, Math.max(1, hidden.length)));
    if (Array.isArray(state.config.dropout)) partial.dropout = perLayer(dropouts(state.config).slice(0, Math.max(1, hidden.length)));
    setConfig(partial);
  });
}

function bindOutputOptions({ uiChanged }) {
  const flags = { "show-test": "show_test", discretize: "discretize", "show-hyperplanes": "hyperplanes" };
  for (const [id, key] of Object.entries(flags)) {
    $(id).addEventListener("change", (ev) => { state.ui[key] = ev.target.checked; uiChanged(); });
  }
}

function bindFiles({ send, writeHash }) {
  for (const b of document.querySelectorAll("[data-export]")) {
    b.addEventListener("click", () => send({ type: "export", what: b.dataset.export }));
  }
  $("import-csv").addEventListener("change", async (ev) => {
    const file = ev.target.files[0];
    ev.target.value = "";
    if (!file) return;
    const text = await file.text();
    const max = state.tables.limits.message_bytes;
    if (text.length > max - 200) {
      toast(`${file.name} is ${Math.round(text.length / 1024)} KiB; a message may carry at most ${Math.round(max / 1024)} KiB`);
      return;
    }
    state.importing = true; // the points of the reply are imported ones (main.js)
    send({ type: "import_csv", text });
  });
  $("copy-link").addEventListener("click", async () => {
    writeHash();
    const custom = state.ui.custom; // imported or hand-edited points: a link holds no points
    const what = custom === "imported" ? "imported points" : "points edited by hand";
    const note = custom
      ? `a link cannot carry ${what}: it opens with the ${label("dataset", state.config.dataset)} data set`
      : "it reproduces the data and the initial weights";
    try {
      await navigator.clipboard.writeText(location.href);
      toast(`Link copied${custom ? ", but " : ": "}${note}`, custom ? "warn" : "info");
    } catch {
      toast([location.href, note], custom ? "warn" : "info");
    }
  });
  $("point-class").addEventListener("change", (ev) => {
    state.selectedClass = Number(ev.target.value);
    syncPointPicker();
  });
}

// ------------------------------------------------------------------ showing the config
export function syncControls() {
  const c = state.config;
  syncTraining(c);
  syncData(c);
  syncLayers(c);
  syncPointPicker();
  $("show-test").checked = !!state.ui.show_test;
  $("discretize").checked = !!state.ui.discretize;
  $("show-hyperplanes").checked = state.ui.hyperplanes !== false;
  applyHide();
}

function syncTraining(c) {
  selectValue($("lr"), c.lr);
  $("optimizer").value = c.optimizer;
  $("reg").value = c.reg;
  selectValue($("lam"), c.lam);
  $("beta").value = String(c.beta);
  $("beta-ctl").classList.toggle("off", c.reg !== "elastic");
  $("lam").disabled = c.reg === "none";
  $("loss").value = c.loss;
  const fits = (state.tables.rules?.[c.rules]?.losses || state.tables.losses)[c.problem] || [];
  for (const o of $("loss").options) o.disabled = !fits.includes(o.value);
  syncDropout(c);
  selectValue($("grid"), c.grid, PRESET_TEXT.grid);
  $("batchnorm").checked = !!c.batchnorm;
  selectValue($("speed"), c.steps_per_frame);
  labelSpeed();
  $("epoch-cap").value = c.epoch_cap == null ? "" : String(c.epoch_cap);
  $("seed").value = String(c.seed);
  $("rules").value = c.rules;
  const acts = new Set(c.hidden.map((_, l) => activationOf(l)));
  const act = $("activation");
  if (acts.size > 1) {
    selectValue(act, "mixed", () => "(per layer)");
    act.querySelector('option[value="mixed"]').disabled = true;
  } else {
    act.querySelector('option[value="mixed"]')?.remove();
    act.value = activationOf(0);
  }
}

/** The dropout menu: the layers' p when they agree, "(per layer)" when the layers' own menus
 *  (network.js) differ; choosing a p here sets it for every layer. */
function syncDropout(c) {
  const ps = dropouts(c);
  const sel = $("dropout");
  if (new Set(ps).size > 1) {
    selectValue(sel, "mixed", () => "(per layer)");
    sel.querySelector('option[value="mixed"]').disabled = true;
  } else {
    sel.querySelector('option[value="mixed"]')?.remove();
    selectValue(sel, ps.length ? ps[0] : Number(Array.isArray(c.dropout) ? c.dropout[0] : c.dropout));
  }
}

/** The speed menu in epochs per second (its values stay steps per frame): steps per frame ×
 *  frames per second ÷ minibatch steps per epoch (the training points in batches). Again when
 *  the points change. */
export function labelSpeed() {
  const c = state.config, sel = $("speed");
  const n = state.points.train.length, fps = state.tables.limits.fps;
  const perEpoch = Math.max(1, Math.ceil(n / c.batch_size));
  const rate = (steps) => {
    const v = (steps * fps) / perEpoch;
    return v >= 10 ? String(Math.round(v)) : String(Number(v.toPrecision(2)));
  };
  for (const o of sel.options) o.textContent = rate(Number(o.value));
  sel.title = `${c.steps_per_frame} minibatch steps a frame × ${fps} frames/s ÷ ${perEpoch} steps an epoch ` +
    `(${n} training points in batches of ${c.batch_size}): ${rate(c.steps_per_frame)} epochs/s, fewer when a frame takes longer`;
}

function syncData(c) {
  $("problem").value = c.problem;
  const imported = state.ui.custom === "imported";
  for (const b of $("datasets").children) {
    const on = b.dataset.name === c.dataset && !imported;
    b.setAttribute("aria-pressed", String(on));
    b.classList.toggle("selected", on);
    b.hidden = b.dataset.problem !== c.problem;
  }
  // points from a CSV file or edited by hand: the data set's name no longer describes them
  const name = label("dataset", c.dataset);
  $("dataset-name").textContent = imported ? "custom points (imported)"
    : state.ui.custom === "edited" ? `${name}, edited by hand` : name;
  const allowed = state.tables.datasets[c.dataset]?.classes || [];
  $("classes").value = String(c.classes);
  for (const o of $("classes").options) o.disabled = !allowed.includes(Number(o.value));
  $("classes").disabled = isRegression() || allowed.length <= 1;
  if (allowed.length > 1) drawThumb($(`dataset-${c.dataset}`).firstChild, c.dataset, { classes: c.classes });
  for (const [id, key] of Object.entries(SLIDERS)) {
    $(id).value = String(c[key]);
    $(`${id}-value`).textContent = (SLIDER_TEXT[id] || String)(c[key]);
  }
  $("n-points").value = String(c.n_points);
  $("data-seed").textContent = String(c.data_seed);
}

function syncLayers(c) {
  const n = c.hidden.length;
  $("layer-count").textContent = `${n} hidden layer${n === 1 ? "" : "s"}`;
  $("add-layer").disabled = n >= state.tables.limits.hidden_layers;
  $("remove-layer").disabled = n === 0;
}

function syncPointPicker() {
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
}

/** Classroom mode: hide every element whose data-hide names a key of the link's `hide`. */
export function applyHide() {
  const hide = new Set(state.ui.hide || []);
  for (const e of document.querySelectorAll("[data-hide]")) {
    e.classList.toggle("classroom-hidden", e.dataset.hide.split(/\s+/).some((t) => hide.has(t)));
  }
}

// ------------------------------------------------------------------ transport
export function updatePlayButton() {
  const b = $("play");
  b.classList.toggle("playing", state.playing);
  b.setAttribute("aria-pressed", String(state.playing));
  b.setAttribute("aria-label", state.playing ? "Pause" : "Play");
}

export function showDiverged(msg) {
  state.playing = false;
  updatePlayButton();
  const where = msg.epoch != null ? ` (epoch ${msg.epoch}${msg.step != null ? `, step ${msg.step}` : ""})` : "";
  $("diverged-message").textContent = (msg.message || "The loss is not finite.") + where;
  $("diverged").hidden = false;
}

export function hideDiverged() {
  $("diverged").hidden = true;
}
