// neuralab playground — the page. One WebSocket = one training session on the server
// (PROTOCOL.md). The server's `hello` brings the tables every control is built from; the page
// sends a `config` message on every change, the server resolves and validates it, and its
// `config` reply is what the page then shows and writes to the URL hash. The page draws the
// frames the server pushes.
//
// This module is the session's glue: config messages and their rejections, the server's
// messages, the network diagram's callbacks and the render loop. The controls live in
// controls.js, the output panel in output.js, the diagram in network.js, the hash in hash.js.
import { TrainingCharts } from "./chart.js";
import { Connection, closeStatus } from "./conn.js";
import {
  applyHide, bindControls, buildControls, hideDiverged, labelSpeed, showDiverged, syncControls,
  updatePlayButton,
} from "./controls.js";
import { installDiagnostics, showDiagnostics } from "./diagnostics.js";
import { UI_DEFAULTS, buildHash, parseHash } from "./hash.js";
import { HiddenSpaceView } from "./hidden.js";
import { label } from "./labels.js";
import { bindLinear, drawLinear, drawLinearMark, linearRejected } from "./linear.js";
import { dropouts } from "./layerhead.js";
import { NetworkView } from "./network.js";
import { bindHeatmap, drawHeatmap, drawPointCount, drawStats, labelAxes, sizeHeatmap, watchHeatmapSize } from "./output.js";
import { activationOf, isRegression, numClasses, perLayer, state } from "./state.js";
import { $, clone, download, setStatus, toast } from "./ui.js";

const TABLES = ["defaults", "choices", "ranges", "losses", "datasets", "features", "groups",
                "limits", "presets", "sliders"];
let network = null;
let hidden = null; // the hidden-space view (hidden.js)

// ------------------------------------------------------------------ config
/** A change by the user: shown at once, sent to the server, whose reply settles it. */
function setConfig(partial) {
  Object.assign(state.config, clone(partial));
  sendConfig(partial);
  afterConfigChange(Object.keys(partial));
}

function sendConfig(partial) {
  state.sent.push({ partial: clone(partial), t: Date.now() });
  if (state.sent.length > 20) state.sent.shift();
  conn.send({ type: "config", config: partial });
}

function afterConfigChange(keys) {
  hideDiverged();
  const { data, net } = state.tables.groups;
  if (keys.some((k) => data.includes(k) || net.includes(k))) chart.clear();
  if (keys.includes("problem") || keys.includes("classes")) state.selectedClass = 0;
  syncControls();
  writeHash();
  rebuildNetwork();
  scheduleRender();
}

function writeHash() {
  if (hidden) state.ui.hidden_space = hidden.linkValue();
  const hash = buildHash(state.config, state.ui, state.tables);
  if (location.hash !== hash) history.replaceState(null, "", hash);
}

/** An `error` naming a field of a recent config message: the server rejected that message as a
 *  whole and changed nothing, so send it again without the field. The server's `config` reply
 *  (to an empty message too) then shows every field as the server holds it. */
function rollBack(field) {
  for (let n = state.sent.length - 1; field && n >= 0; n--) {
    const entry = state.sent[n];
    if (!(field in entry.partial)) continue;
    if (Date.now() - entry.t > 10000) break;
    state.sent.splice(n, 1);
    const rest = { ...entry.partial };
    delete rest[field];
    sendConfig(rest);
    return;
  }
  if (state.syncing) sendConfig({}); // the link's config failed as a whole: take the server's
}

/** A message about the link being followed: every value the server rejected, each on its own
 *  line of one toast (the server names one per reply). */
function linkNote(message, kind = "error") {
  state.linkNotes.push(message);
  toast(state.linkNotes.length === 1 ? message : state.linkNotes, kind);
}

/** The link's config, or a hash changed inside the page: the defaults overridden by the link,
 *  sent for the server to check (nothing is shown before its reply). */
function followLink(first) {
  const { config, ui } = parseHash(location.hash, state.tables);
  // whose points the server holds is the page's to know, not the hash's (hash.js)
  state.ui = { ...clone(UI_DEFAULTS), ...ui, custom: first ? "" : state.ui.custom };
  hidden.applyLink(state.ui.hidden_space);
  state.linkNotes = [];
  const target = first ? config : { ...clone(state.tables.defaults), ...config };
  if (first && ui.custom) {
    const what = ui.custom === "imported" ? "imported points" : "points edited by hand";
    const name = label("dataset", typeof target.dataset === "string" ? target.dataset : state.config.dataset);
    linkNote(`This link was made with ${what}, which a link cannot carry: it shows the ${name} data set instead`, "warn");
  }
  const diff = {};
  for (const [k, v] of Object.entries(target)) {
    if (JSON.stringify(v) !== JSON.stringify(state.config[k])) diff[k] = v;
  }
  if (Object.keys(diff).length) {
    state.syncing = true;
    hideDiverged();
    chart.clear();
    sendConfig(diff);
  }
  syncControls();
  scheduleRender();
}

// ------------------------------------------------------------------ actions
/** At the epoch cap the server trains no further: Play and Step would do nothing. */
function atCap() {
  const cap = state.config?.epoch_cap;
  return cap != null && state.header?.epoch != null && state.header.epoch >= cap;
}

function capNote() {
  toast(`epoch cap ${state.config.epoch_cap} reached: raise or clear the cap to train on`, "warn");
}

function togglePlay() {
  hideDiverged();
  if (!state.playing && atCap()) { capNote(); return; }
  state.playing = !state.playing;
  conn.send({ type: state.playing ? "play" : "pause" });
  updatePlayButton();
}

function reset() {
  hideDiverged();
  conn.send({ type: "reset" });
  chart.clear();
}

const actions = {
  setConfig,
  writeHash,
  togglePlay,
  reset,
  send: (msg) => conn.send(msg),
  step: () => {
    hideDiverged();
    if (atCap()) capNote();
    else conn.send({ type: "step" });
  },
  regenerate: () => { conn.send({ type: "regenerate" }); chart.clear(); hideDiverged(); },
  uiChanged: () => { writeHash(); scheduleRender(); },
};

// ------------------------------------------------------------------ network diagram
function networkCallbacks() {
  return {
    toggleFeature(name) {
      const on = state.config.features.includes(name);
      if (on && state.config.features.length === 1) { toast("Keep at least one feature"); return; }
      const features = state.tables.features.filter((f) => (f === name ? !on : state.config.features.includes(f)));
      setConfig({ features });
    },
    addNeuron(l) {
      const hidden = state.config.hidden.slice();
      if (hidden[l] >= state.tables.limits.neurons) return;
      hidden[l] += 1;
      setConfig({ hidden });
    },
    removeNeuron(l) {
      const hidden = state.config.hidden.slice();
      if (hidden[l] <= state.tables.ranges.hidden.min) return;
      hidden[l] -= 1;
      setConfig({ hidden });
    },
    setActivation(l, name) {
      const acts = state.config.hidden.map((_, i) => activationOf(i));
      acts[l] = name;
      setConfig({ activation: perLayer(acts) });
    },
    setDropout(l, p) {
      const ps = dropouts(state.config);
      ps[l] = p;
      setConfig({ dropout: perLayer(ps) });
    },
    hoverNeuron(info) {
      state.hover = info;
      scheduleRender();
    },
    editWeight({ layer, i, j, value }) {
      conn.send({ type: "set_weight", layer, i, j, value });
    },
  };
}

/** Output units drawn: the config's, or the frame's while a frame from before a change of
 *  problem is still shown (its last layer has 1 or 2 columns). */
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
      network.updateLinks(state.header.weights, state.header.biases, state.header.dead);
      if (state.maps) network.paint(state.maps, isRegression());
    }
  }
}

// ------------------------------------------------------------------ render loop
function scheduleRender() {
  if (state.renderQueued || !state.config) return;
  state.renderQueued = true;
  requestAnimationFrame(render);
}

// frames received / drawn and the time spent drawing (for the curious: window.playgroundStats)
const stats = { received: 0, drawn: 0, drawMs: 0 };
window.playgroundStats = stats;
// While training, the charts are drawn again at most every CHART_MS (a curve moving 15 times a
// second reads the same as 30, and the two charts cost as much to draw as the network); a frame
// that waits is drawn by a timer, so the last one always shows.
const CHART_MS = 60;
let chartDrawn = 0;
let chartTimer = 0;

function render() {
  state.renderQueued = false;
  const t0 = performance.now();
  stats.drawn++;
  if (state.header) {
    drawStats(state.header);
    rebuildNetwork();
    network.updateLinks(state.header.weights, state.header.biases, state.header.dead);
    if (state.maps) network.paint(state.maps, isRegression());
    showDiagnostics(state.header.diagnostics);
  }
  drawHeatmap();
  drawLinear();
  drawLinearMark();
  hidden?.update();
  if (chart.dirty) {
    if (!state.playing || t0 - chartDrawn >= CHART_MS) {
      chart.draw();
      chartDrawn = t0;
    } else if (!chartTimer) {
      chartTimer = setTimeout(drawChartLate, CHART_MS);
    }
  }
  stats.drawMs += performance.now() - t0;
}

function drawChartLate() {
  chartTimer = 0;
  if (!chart.dirty) return;
  const t0 = performance.now();
  chart.draw();
  chartDrawn = performance.now();
  stats.drawMs += chartDrawn - t0;
}

// ------------------------------------------------------------------ messages
function onMessage(msg) {
  const previous = state.lastReply;
  state.lastReply = msg.type;
  switch (msg.type) {
    case "hello": return onHello(msg);
    case "points":
      state.points = { train: msg.train || [], test: msg.test || [] };
      pointsFrom(previous);
      drawPointCount();
      labelSpeed();
      scheduleRender();
      return;
    case "frame": return onFrame({ header: msg, maps: {} });
    case "config": return onConfig(msg);
    case "hidden_space": return hidden?.onReply(msg);
    case "error":
      if (hidden?.onError(msg)) return; // a view request the network changed under
      if (msg.field === "text") state.importing = false; // the import was rejected
      if (state.syncing) linkNote(msg.message || "error");
      else toast(msg.message || "error");
      rollBack(msg.field);
      linearRejected(); // a W or b the server refused: its inputs show the server's values
      return;
    case "diverged": return showDiverged(msg);
    case "export": return download(msg);
    default:
  }
}

/** Whose points arrived: right after a `config` (or the hello) the server's generated ones, or
 *  the CSV's when an import was sent; otherwise add_point / delete_point edited them. The data
 *  panel names them and the link says that it cannot carry them (custom=...). */
function pointsFrom(previous) {
  let custom = state.ui.custom || "edited";
  if (previous === "config" || previous === "hello") {
    custom = state.importing ? "imported" : "";
    state.importing = false;
  }
  if (custom === state.ui.custom) return;
  state.ui.custom = custom;
  syncControls();
  if (!state.syncing) writeHash();
}

function onConfig(msg) {
  if (!msg.config || !state.config) return;
  const changed = ["problem", "classes"].some((k) => msg.config[k] !== state.config[k]);
  Object.assign(state.config, msg.config);
  if (changed) state.selectedClass = 0;
  syncControls();
  writeHash();
  rebuildNetwork();
  scheduleRender();
  if (state.syncing) {
    state.syncing = false;
    setStatus("connected", "ok");
  }
}

/** The first hello builds the page from its tables and sends the link's config; a later one (a
 *  reconnect, a fresh session) restores the whole experiment. */
function onHello(msg) {
  const first = !state.tables;
  if (first) {
    state.tables = Object.fromEntries(TABLES.map((k) => [k, msg[k]]));
    state.config = clone(msg.config);
    startPage();
    followLink(true);
  } else {
    state.syncing = true;
    state.linkNotes = [];
    sendConfig(clone(state.config));
  }
  state.playing = false;
  updatePlayButton();
  conn.send({ type: "frame" });
  if (!state.syncing) {
    writeHash();
    setStatus("connected", "ok");
  }
}

function onFrame({ header, maps }) {
  stats.received++;
  state.lastReply = "frame";
  state.header = header;
  if (maps && Object.keys(maps).length) state.maps = maps;
  if (typeof header.playing === "boolean" && header.playing !== state.playing) {
    const stopped = state.playing;
    state.playing = header.playing;
    updatePlayButton();
    if (stopped && atCap()) capNote(); // training ran into the cap (or a play found it there)
  }
  chart.push(header, isRegression());
  scheduleRender();
}

// ------------------------------------------------------------------ start
const chart = new TrainingCharts($("loss-chart"), $("accuracy-chart"), $("loss-log"), $("chart-tip"));
const conn = new Connection({
  onOpen: () => setStatus("starting a session…"),
  onClose: (ev) => {
    state.playing = false;
    updatePlayButton();
    setStatus(closeStatus(ev), "bad");
  },
  onMessage,
  onFrame,
});

/** Build and bind everything once the tables are there (the first hello). */
function startPage() {
  network = new NetworkView($("network"), $("links"), networkCallbacks(), state.tables);
  installDiagnostics(); // before the controls: explain.js then finds its panel
  buildControls(state.tables);
  bindControls(actions);
  bindHeatmap(actions.send);
  bindLinear({ send: actions.send, redraw: scheduleRender });
  watchHeatmapSize(scheduleRender); // its column's width sets its size (a window resize, a panel)
  // while a link's config is on its way the hash keeps the link (as elsewhere on this page)
  hidden = new HiddenSpaceView(actions.send, () => { if (!state.syncing) writeHash(); });
  labelAxes();
  window.addEventListener("hashchange", () => followLink(false));
  let resizeTimer = 0;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      rebuildNetwork();
      sizeHeatmap();
      scheduleRender();
      conn.send({ type: "frame" });
    }, 150);
  });
  syncControls();
  sizeHeatmap();
  rebuildNetwork();
  drawPointCount();
  chart.draw();
  scheduleRender();
}

conn.connect();
