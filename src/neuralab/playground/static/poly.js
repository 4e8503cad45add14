// neuralab polynomial fitter — the page. Every number on it comes from one JSON round trip,
// POST api/poly/fit (neuralab.poly on the server); the page keeps the state (data text,
// degree, penalty, λ, table spec), mirrors it in the URL hash and draws the replies. The plot
// and its pointer edits live in poly_plot.js; the requests, colours and charts are the network
// page's modules.
import { chartXAt, drawErrorChart, sizedCanvas } from "./chart.js";
import { LatestRequest } from "./conn.js";
import { initDecomposition } from "./poly_decompose.js";
import { PointPlot } from "./poly_plot.js";
import { $, fmtSig as fmt, setOutput, setStatus } from "./ui.js";

const TYPING_DELAY_MS = 150; // text edits wait for a pause in typing; sliders go at once
const STALE_MS = 300;        // a request still running this long is cancelled by a newer one
const MAX_HASH_DATA = 30000; // longer data stays out of the link (browsers cap URL lengths)

// Every limit, choice and default comes from the server (GET api/poly/example), set in start().
const state = {
  text: "", degree: 0, reg: "", lam: 0,
  table: { start: "", end: "", step: "", decimals: 0 },
  lang: "python",
};
let example = null;     // the server's tables: limits, penalties, defaults, the runners text
const penalties = () => example.penalties.map((p) => p.value);
const defaultTable = () => ({ start: "", end: "", step: "", decimals: example.defaults.decimals });
let reply = null;       // the last good reply
let sticky = false;     // the last change came from the plot: keep its window still
let plot = null;        // the PointPlot
let requests = null;    // the LatestRequest that fits
let decomposition = null; // the true-function mode (poly_decompose.js)

// ------------------------------------------------------------------ formatting
function fmtLam(lam) {
  return Number(lam.toPrecision(2)).toString();
}

function setOut(id, value, text = fmt(value)) {
  setOutput(id, value, text);
}

// ------------------------------------------------------------------ URL hash
// #degree=7&reg=l2&lam=0.01&table=10,60,5,4&data=<the text, URI-encoded>, and the true-function
// mode's settings while it is open (poly_decompose.js). The runners text is the default and
// stays out of the link. `raw` keeps every key's decoded value for the mode.
function parseHash(hash) {
  const out = { raw: {} };
  for (const part of (hash || "").replace(/^#/, "").split("&")) {
    const eq = part.indexOf("=");
    if (eq < 1) continue;
    const key = part.slice(0, eq);
    let raw;
    try { raw = decodeURIComponent(part.slice(eq + 1)); } catch { continue; }
    out.raw[key] = raw;
    if (key === "degree") {
      const d = Number(raw);
      if (Number.isInteger(d) && d >= 0 && d <= example.max_degree) out.degree = d;
    } else if (key === "reg") {
      if (penalties().includes(raw)) out.reg = raw;
    } else if (key === "lam") {
      const v = Number(raw);
      if (Number.isFinite(v) && v > 0) out.lam = v;
    } else if (key === "table") {
      const [start = "", end = "", step = "", decimals = ""] = raw.split(",");
      const d = Number(decimals);
      const ok = decimals !== "" && Number.isInteger(d) && d >= 0 && d <= example.max_decimals;
      out.table = { start, end, step, decimals: ok ? d : example.defaults.decimals };
    } else if (key === "data") {
      out.text = raw;
    }
  }
  return out;
}

function buildHash() {
  const parts = [`degree=${state.degree}`, `reg=${state.reg}`];
  if (state.reg !== "none") parts.push(`lam=${state.lam}`);
  const t = state.table;
  if (t.start !== "" || t.end !== "" || t.step !== "" || t.decimals !== example.defaults.decimals) {
    parts.push(`table=${[t.start, t.end, t.step, t.decimals].join(",")}`);
  }
  let note = "";
  if (state.text !== example.text) {
    const data = encodeURIComponent(state.text);
    if (data.length <= MAX_HASH_DATA) parts.push(`data=${data}`);
    else note = "This data is too large for the link: the URL keeps the settings only.";
  }
  $("link-note").textContent = note;
  $("link-note").hidden = !note;
  parts.push(...decomposition.hashParts());
  return "#" + parts.join("&");
}

function writeHash() {
  const hash = buildHash();
  if (location.hash !== hash) history.replaceState(null, "", hash);
}

function applyHash() {
  const h = parseHash(location.hash);
  state.degree = h.degree ?? example.defaults.degree;
  state.reg = h.reg ?? example.defaults.penalty;
  state.lam = h.lam ?? example.defaults.lam;
  state.table = h.table ?? defaultTable();
  state.text = h.text ?? example.text;
  $("data").value = state.text;
  state.text = $("data").value; // the textarea normalizes line ends; keep what it shows
  syncControls();
  decomposition.applyHash(h.raw);
}

// ------------------------------------------------------------------ controls
function syncControls() {
  $("degree").value = state.degree;
  $("degree-value").textContent = state.degree;
  $("reg").value = state.reg;
  const [lo, hi] = example.lam_exponents;
  $("lam").value = Math.min(hi, Math.max(lo, Math.log10(state.lam)));
  $("lam-value").textContent = fmtLam(state.lam);
  $("lam").disabled = state.reg === "none";
  $("lam-ctl").classList.toggle("dim", state.reg === "none");
  $("table-start").value = state.table.start;
  $("table-end").value = state.table.end;
  $("table-step").value = state.table.step;
  $("table-decimals").value = state.table.decimals;
  syncGutter(null);
}

function bindControls() {
  $("degree").addEventListener("input", () => {
    state.degree = Number($("degree").value);
    $("degree-value").textContent = state.degree;
    update();
  });
  $("reg").addEventListener("change", () => {
    state.reg = $("reg").value;
    syncControls();
    update();
  });
  $("lam").addEventListener("input", () => {
    state.lam = Number((10 ** Number($("lam").value)).toPrecision(2));
    $("lam-value").textContent = fmtLam(state.lam);
    update();
  });
  $("use-best").addEventListener("click", () => {
    const best = reply?.validation?.degree_curve?.best;
    if (best === undefined || best === null) return;
    state.degree = best;
    syncControls();
    update();
  });
  $("data").addEventListener("input", () => {
    state.text = $("data").value;
    syncGutter(null);
    update(TYPING_DELAY_MS);
  });
  $("data").addEventListener("scroll", () => { $("gutter").scrollTop = $("data").scrollTop; });
  $("runners").addEventListener("click", () => setText(example.text));
  $("clear").addEventListener("click", () => setText(""));
  for (const [id, key] of [["table-start", "start"], ["table-end", "end"], ["table-step", "step"]]) {
    $(id).addEventListener("input", () => { state.table[key] = $(id).value.trim(); update(TYPING_DELAY_MS); });
  }
  $("table-decimals").addEventListener("input", () => {
    const d = Number($("table-decimals").value);
    if (Number.isInteger(d) && d >= 0 && d <= example.max_decimals) { state.table.decimals = d; update(TYPING_DELAY_MS); }
  });
  for (const tab of document.querySelectorAll(".tab")) {
    tab.addEventListener("click", () => { state.lang = tab.dataset.lang; showCode(); });
  }
  $("copy-code").addEventListener("click", copyCode);
  window.addEventListener("hashchange", () => { applyHash(); update(); });
  window.addEventListener("resize", () => { plot.draw(); drawCurves(); });
}

function setText(text) {
  $("data").value = text;
  state.text = $("data").value;
  syncGutter(null);
  update();
}

// Line numbers beside the text; the line the server rejected is marked.
function syncGutter(badLine) {
  const count = Math.max(1, state.text.split("\n").length);
  const g = $("gutter");
  if (g.dataset.count === String(count) && g.dataset.bad === String(badLine)) return;
  const nums = [];
  for (let i = 1; i <= count; i++) nums.push(i === badLine ? `<mark>${i}</mark>` : String(i));
  g.innerHTML = nums.join("\n") + "\n";
  g.dataset.count = String(count);
  g.dataset.bad = String(badLine);
  g.scrollTop = $("data").scrollTop;
}

// ------------------------------------------------------------------ requests
// One request at a time, the newest state next (conn.js's LatestRequest): a slider drag
// coalesces into a few fits.
function update(delay = 0, fromPlot = false) {
  sticky = fromPlot;
  document.body.dataset.ready = "0";
  requests.schedule(delay);
  decomposition.update(); // the true-function mode follows the degree, penalty and λ
}

function requestBody() {
  writeHash();
  const body = { text: state.text, degree: state.degree, penalty: state.reg,
                 lam: state.reg === "none" ? 0 : state.lam, curves: !plot.dragging };
  const table = { decimals: state.table.decimals };
  for (const key of ["start", "end", "step"]) {
    const v = Number(state.table[key]);
    if (state.table[key] !== "" && Number.isFinite(v)) table[key] = v;
  }
  body.table = table;
  const range = sticky && plot.xRange();
  if (range) body.x_range = range; // the curve must span the window
  return body;
}

function onReply(data, sentAt) {
  render(data);
  const ms = data.timing.total_ms;
  setStatus(`fit ${ms.toFixed(1)} ms on the server · ${(performance.now() - sentAt).toFixed(0)} ms round trip`, "ok");
}

// ------------------------------------------------------------------ showing a reply
// What a reply draws, greyed out (class "stale") while an error stands.
const FIT_VIEWS = ["plot", "curves", "equation", "lesson", "results"];

function showError(err) {
  const line = err.line ?? null;
  const box = err.field === "text" || line !== null ? $("data-error") : $("fit-error");
  for (const id of ["data-error", "fit-error"]) $(id).hidden = $(id) !== box;
  box.textContent = "";
  let message = err.message || "error";
  if (line !== null) {
    const b = document.createElement("strong");
    b.textContent = `Line ${line}: `;
    box.append(b);
    // the server's message starts "line N: ..." itself: say it once
    message = message.replace(new RegExp(`^line ${line}:\\s*`, "i"), "");
  }
  box.append(message);
  box.dataset.line = line === null ? "" : String(line);
  $("editor").classList.toggle("bad", box.id === "data-error");
  syncGutter(line);
  for (const id of FIT_VIEWS) $(id).classList.add("stale");
  showStale(reply);
  setStatus("not fitted: see the message", "bad");
}

/** Say that what the page shows is the last good fit, not one of the current input. */
function showStale(last) {
  const note = $("stale-note");
  note.hidden = !last;
  if (!last) return;
  const name = example.penalties.find((p) => p.value === last.penalty)?.label ?? last.penalty;
  const penalty = last.penalty === "none" ? "no penalty" : `${name}, λ = ${fmtLam(last.lam)}`;
  note.textContent = `Stale: the plot and the results are the last good fit (degree ${last.degree}, ` +
    `${penalty}), not one of the current input. Fix the error to fit again.`;
}

function render(r) {
  reply = r;
  for (const id of ["data-error", "fit-error"]) { $(id).hidden = true; $(id).dataset.line = ""; }
  $("editor").classList.remove("bad");
  syncGutter(null);
  for (const id of FIT_VIEWS) $(id).classList.remove("stale");
  showStale(null);
  $("curves").classList.toggle("stale", !r.validation);
  $("equation").textContent = r.equation;
  $("point-count").textContent = `${r.n} point${r.n === 1 ? "" : "s"}`;
  $("point-count").dataset.value = String(r.n);
  const s = r.stats;
  setOut("r", s.r); setOut("r2", s.r2); setOut("adj-r2", s.adj_r2);
  setOut("stderr", s.stderr); setOut("rmse", s.rmse); setOut("n", s.n, String(s.n));
  $("warnings").textContent = r.warnings.join(" ");
  $("warnings").hidden = !r.warnings.length;
  showCoefficients(r);
  showCode();
  $("table-out").textContent = r.table ?? "";
  $("table-error").textContent = r.table_error ?? "";
  $("table-error").hidden = !r.table_error;
  const t = r.table ? r.table.trim().split("\n") : [];
  if (t.length) {
    const [first, last] = [t[0].trim().split(/\s+/)[0], t[t.length - 1].trim().split(/\s+/)[0]];
    $("table-start").placeholder = String(Number(first)); // grey: what "auto" means now
    $("table-end").placeholder = String(Number(last));
  }
  if (r.validation) showValidation(r.validation);
  plot.show(r, sticky);
}

function showCoefficients(r) {
  const rows = r.coefficients_text.map((c, k) =>
    `<tr><td>a${k}</td><td data-value="${c}">${c}</td></tr>`);
  $("coefficients").innerHTML = rows.join("");
}

function showCode() {
  for (const tab of document.querySelectorAll(".tab")) {
    tab.setAttribute("aria-pressed", String(tab.dataset.lang === state.lang));
  }
  $("code").textContent = reply ? reply.code[state.lang] : "";
}

async function copyCode() {
  const text = $("code").textContent;
  const btn = $("copy-code");
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // no clipboard API (an insecure origin): select the text and use the old command
    const range = document.createRange();
    range.selectNodeContents($("code"));
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    document.execCommand("copy");
  }
  btn.textContent = "Copied";
  btn.dataset.copied = "1";
  setTimeout(() => { btn.textContent = "Copy"; }, 1500);
}

function showValidation(v) {
  if (v.error) {
    $("cv-label").textContent = v.error;
    setOut("val-error", null); setOut("train-error", null); setOut("best-degree", null);
    $("lesson").textContent = "";
    drawCurves();
    return;
  }
  $("cv-label").textContent = `validation: ${v.cv}`;
  setOut("train-error", v.train_error);
  const best = v.degree_curve.best;
  setOut("best-degree", best, String(best));
  const val = $("val-error");
  if (v.val_error === null) {
    // poly returns NaN where a training fold cannot pin the polynomial down (degree + 1
    // coefficients from fewer distinct x): the held-out error is unbounded
    setOut("val-error", Infinity, "∞");
    val.title = "undefined: a training fold has fewer distinct x than coefficients; add λ or lower the degree";
  } else {
    setOut("val-error", v.val_error);
    val.title = "";
  }
  $("lam-curve-name").textContent = v.lam_curve.penalty === "l1" ? "lasso λ" : "ridge λ";
  $("lesson").textContent = lesson(v);
  drawCurves();
}

function lesson(v) {
  const d = state.degree;
  const best = v.degree_curve.best;
  if (d > best) {
    const inf = v.val_error === null;
    return `Degree ${d} fits the training points ${reply.stats.rmse < 1e-6 ? "exactly" : "closely"}, ` +
      `but its validation error is ${inf ? "unbounded" : fmt(v.val_error)} against ` +
      `${fmt(v.degree_curve.val[v.degree_curve.degrees.indexOf(best)])} at degree ${best}: ` +
      "it has learned the noise. Regularization (λ) pulls it back.";
  }
  if (d < best) return `Degree ${d} underfits: degree ${best} generalizes better.`;
  return `Degree ${d} has the lowest validation error.`;
}

// ------------------------------------------------------------------ the plot and the error curves
function editLines(fn) {
  const lines = state.text.split("\n");
  const result = fn(lines);
  state.text = lines.join("\n");
  $("data").value = state.text;
  syncGutter(null);
  return result;
}

// λ = 0 sits one decade left of the slider's range, on a tick of its own.
function lamPos(lam) {
  const [lo] = example.lam_exponents;
  return lam > 0 ? Math.log10(lam) : lo - 1;
}

function drawCurves() {
  const v = reply?.validation;
  if (!v || v.error) {
    sizedCanvas($("degree-chart")); sizedCanvas($("lam-chart"));
    return;
  }
  const dc = v.degree_curve;
  const top = Math.max(...dc.degrees, state.degree);
  const step = top > 12 ? 2 : 1;
  const dticks = [];
  for (let d = 0; d <= top; d += step) dticks.push([d, String(d)]);
  drawErrorChart($("degree-chart"), dc.degrees, dc.train, dc.val, {
    x0: -0.5, x1: top + 0.5, ticks: dticks, current: state.degree, best: dc.best,
    bestLabel: `best ${dc.best}`,
  });
  const lc = v.lam_curve;
  const [lo, hi] = example.lam_exponents;
  const lticks = [[lo - 1, "0"]];
  for (let e = lo; e <= hi; e += 2) lticks.push([e, `1e${e}`]);
  drawErrorChart($("lam-chart"), lc.lams.map(lamPos), lc.train, lc.val, {
    x0: lo - 1.5, x1: hi + 0.3, ticks: lticks,
    current: state.reg === "none" ? lo - 1 : lamPos(state.lam),
    best: lamPos(lc.best), bestLabel: `best ${lc.best === 0 ? "0" : fmtLam(lc.best)}`,
  });
}

function bindCurves() {
  $("degree-chart").addEventListener("click", (ev) => {
    const x = chartXAt($("degree-chart"), ev);
    if (x === null) return;
    state.degree = Math.max(0, Math.min(example.max_degree, Math.round(x)));
    syncControls();
    update();
  });
  $("lam-chart").addEventListener("click", (ev) => {
    const x = chartXAt($("lam-chart"), ev);
    if (x === null) return;
    const [lo, hi] = example.lam_exponents;
    if (x < lo - 0.5) {
      state.reg = "none";
    } else {
      if (state.reg === "none") state.reg = reply?.validation?.lam_curve?.penalty || "l2";
      state.lam = Number((10 ** Math.min(hi, Math.max(lo, Math.round(x * 10) / 10))).toPrecision(2));
    }
    syncControls();
    update();
  });
}

// ------------------------------------------------------------------ start
async function start() {
  try {
    const r = await fetch("api/poly/example");
    example = await r.json();
  } catch (err) {
    setStatus(`no answer from the server (${err.message})`, "bad");
    return;
  }
  $("degree").max = String(example.max_degree);
  $("lam").min = String(example.lam_exponents[0]);
  $("lam").max = String(example.lam_exponents[1]);
  $("lam").setAttribute("aria-label",
    `λ, on a log scale from 10^${example.lam_exponents[0]} to 10^${example.lam_exponents[1]}`);
  $("table-decimals").max = String(example.max_decimals);
  $("reg").replaceChildren(...example.penalties.map(({ value, label }) => {
    const option = document.createElement("option");
    option.value = value;
    option.textContent = label;
    return option;
  }));
  requests = new LatestRequest("api/poly/fit", STALE_MS, {
    body: requestBody, onReply, onError: showError,
    onIdle: () => { document.body.dataset.ready = "1"; },
  });
  plot = new PointPlot($("plot"), { edit: editLines, changed: () => update(0, true) });
  bindControls();
  bindCurves();
  decomposition = initDecomposition(
    () => ({ degree: state.degree, penalty: state.reg, lam: state.lam }), writeHash);
  applyHash();
  update();
}

start();
