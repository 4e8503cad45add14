// The whole configuration lives in the URL hash, e.g.
//   #dataset=spiral&classes=3&hidden=8,8&activation=tanh&lr=0.03&seed=1
// Keys are PlaygroundConfig's field names (PROTOCOL.md); lists are comma separated.
// A few keys are the page's own: show_test, discretize, hyperplanes, hide (classroom mode).

export const DATASETS = {
  classification: ["circle", "xor", "gaussian", "spiral", "blobs", "moons",
                   "checkerboard", "ring", "three-modes", "quadrants"],
  regression: ["plane", "multi-gaussian"],
};

// Class counts each data set can generate (data/toy2d.py), within the protocol's 2–5.
export const DATASET_CLASSES = {
  circle: [2], xor: [2], gaussian: [2], spiral: [2, 3, 4, 5], blobs: [2, 3, 4, 5],
  moons: [2], checkerboard: [2, 3, 4, 5], ring: [2], "three-modes": [2], quadrants: [2, 4],
  plane: [], "multi-gaussian": [],
};

export const FEATURES = ["x1", "x2", "x1^2", "x2^2", "x1x2", "sin_x1", "sin_x2", "r", "theta"];
export const ACTIVATIONS = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "maxout", "linear"];
export const OPTIMIZERS = ["sgd", "momentum", "nesterov", "rmsprop", "adam"];
export const REGS = ["none", "l1", "l2", "elastic"];
export const LOSSES = ["softmax", "svm", "mse"];

// PROTOCOL.md defaults.
export const DEFAULTS = {
  dataset: "circle", problem: "classification", classes: 2, n_points: 500, noise: 0,
  train_ratio: 50, data_seed: 0,
  features: ["x1", "x2"], hidden: [4, 2], activation: "tanh", batchnorm: false, seed: 0,
  loss: "softmax", lr: 0.03, optimizer: "sgd", reg: "none", lam: 0, beta: 0.5, dropout: 0,
  batch_size: 10, steps_per_frame: 10, epoch_cap: null, grid: 50,
};

export const CONFIG_KEYS = Object.keys(DEFAULTS);
export const UI_DEFAULTS = { show_test: false, discretize: false, hyperplanes: true, hide: [] };

const INT_KEYS = new Set(["classes", "n_points", "data_seed", "seed", "batch_size",
                          "steps_per_frame", "grid"]);
const FLOAT_KEYS = new Set(["noise", "train_ratio", "lr", "lam", "beta"]);
const CHOICES = {
  problem: ["classification", "regression"], optimizer: OPTIMIZERS, reg: REGS, loss: LOSSES,
};

function parseBool(s) {
  return !["0", "false", "no", "off", ""].includes(String(s).toLowerCase());
}

function num(s) {
  const v = Number(s);
  return Number.isFinite(v) ? v : undefined;
}

function decode(s) {
  try { return decodeURIComponent(s.replace(/\+/g, " ")); } catch { return s; }
}

/** Parse a location.hash into {config, ui, problems}. Unknown keys and bad values are reported
 *  in `problems` and left out (the server would reject them anyway). */
export function parseHash(hash) {
  const config = {};
  const ui = {};
  const problems = [];
  const text = (hash || "").replace(/^#/, "");
  if (!text) return { config, ui, problems };
  for (const part of text.split("&")) {
    if (!part) continue;
    const eq = part.indexOf("=");
    const key = decode(eq < 0 ? part : part.slice(0, eq)).trim();
    const raw = decode(eq < 0 ? "" : part.slice(eq + 1)).trim();
    const bad = () => problems.push(`${key}=${raw}`);
    if (key === "hide") {
      ui.hide = raw.split(",").map((s) => s.trim()).filter(Boolean);
    } else if (key === "show_test" || key === "discretize" || key === "hyperplanes") {
      ui[key] = parseBool(raw);
    } else if (key === "dataset") {
      const name = raw.toLowerCase().replace(/_/g, "-");
      if (name in DATASET_CLASSES) config.dataset = name; else bad();
    } else if (key === "features") {
      const names = raw.split(",").map((s) => s.trim()).filter((s) => FEATURES.includes(s));
      if (names.length) config.features = FEATURES.filter((f) => names.includes(f)); else bad();
    } else if (key === "hidden") {
      if (["", "none", "0", "[]"].includes(raw)) config.hidden = [];
      else {
        const sizes = raw.split(",").map((s) => parseInt(s, 10));
        if (sizes.every((n) => Number.isInteger(n) && n >= 1)) config.hidden = sizes; else bad();
      }
    } else if (key === "activation") {
      const names = raw.split(",").map((s) => s.trim());
      if (names.every((n) => ACTIVATIONS.includes(n))) {
        config.activation = names.length === 1 ? names[0] : names;
      } else bad();
    } else if (key === "dropout") {
      const ps = raw.split(",").map(num);
      if (ps.every((p) => p !== undefined)) config.dropout = ps.length === 1 ? ps[0] : ps; else bad();
    } else if (key === "batchnorm") {
      config.batchnorm = parseBool(raw);
    } else if (key === "epoch_cap") {
      if (["", "none", "null", "0"].includes(raw.toLowerCase())) config.epoch_cap = null;
      else {
        const v = parseInt(raw, 10);
        if (Number.isInteger(v) && v > 0) config.epoch_cap = v; else bad();
      }
    } else if (INT_KEYS.has(key)) {
      const v = num(raw);
      if (v !== undefined && Number.isInteger(v)) config[key] = v; else bad();
    } else if (FLOAT_KEYS.has(key)) {
      const v = num(raw);
      if (v !== undefined) config[key] = v; else bad();
    } else if (key in CHOICES) {
      if (CHOICES[key].includes(raw)) config[key] = raw; else bad();
    } else {
      bad();
    }
  }
  return { config, ui, problems };
}

function enc(s) {
  return encodeURIComponent(String(s)).replace(/%2C/gi, ",");
}

function valueText(key, v) {
  if (key === "hidden") return v.length ? v.join(",") : "none";
  if (key === "epoch_cap") return v == null ? "none" : String(v);
  if (Array.isArray(v)) return v.join(",");
  if (typeof v === "boolean") return v ? "1" : "0";
  return String(v);
}

/** The hash for a full config (every field, so a link survives changed defaults) + UI flags. */
export function buildHash(config, ui) {
  const parts = [];
  for (const key of CONFIG_KEYS) {
    if (config[key] === undefined) continue;
    parts.push(`${key}=${enc(valueText(key, config[key]))}`);
  }
  if (ui.show_test) parts.push("show_test=1");
  if (ui.discretize) parts.push("discretize=1");
  if (ui.hyperplanes === false) parts.push("hyperplanes=0");
  if (ui.hide && ui.hide.length) parts.push(`hide=${enc(ui.hide.join(","))}`);
  return "#" + parts.join("&");
}
