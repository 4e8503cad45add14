// The network page's state, shared by its modules: hello's tables, the session's config, the
// latest frame and points, and the page's own flags.
import { UI_DEFAULTS } from "./hash.js";
import { clone } from "./ui.js";

export const state = {
  tables: null,      // hello's tables (PROTOCOL.md): defaults, choices, ranges, limits, ...
  config: null,      // the config as the server last sent it, with the user's changes on their way
  ui: clone(UI_DEFAULTS),
  points: { train: [], test: [] },
  header: null,      // the latest frame's header and heatmaps
  maps: null,
  playing: false,
  selectedClass: 0,  // the class a click on the output adds
  hover: null,       // the neuron / feature / output unit under the pointer
  sent: [],          // recent config messages, to re-send one without a field the server rejected
  syncing: false,    // a config from the link (or a reconnect) is on its way to the server
  linkNotes: [],     // what the server rejected of the link (and why its points may differ)
  importing: false,  // an import_csv is on its way: its points are the user's own
  lastReply: "",     // the type of the server's latest message
  renderQueued: false,
};

export function isRegression() {
  return state.config.problem === "regression";
}

/** Output units: one score per class, one value for regression. */
export function numClasses() {
  return isRegression() ? 1 : state.config.classes;
}

/** Hidden layer l's activation: a per-layer list shorter than `hidden` repeats its last entry
 *  (PROTOCOL.md). */
export function activationOf(l, config = state.config) {
  const a = config.activation;
  return Array.isArray(a) ? a[Math.min(l, a.length - 1)] : a;
}

/** The `activation` value for per-layer names: one name when they agree (shorter links). */
export function perLayer(names) {
  return names.every((a) => a === names[0]) ? names[0] : names;
}
