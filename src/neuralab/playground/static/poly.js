// neuralab polynomial fitter — the page. Every number on it comes from one JSON round trip,
// POST api/poly/fit (neuralab.poly on the server); the page keeps the state (data text,
// degree, penalty, λ, table spec), mirrors it in the URL hash and draws the replies.

const $ = (id) => document.getElementById(id);

const LANGS = ["python", "javascript", "c", "java"];
const REGS = ["none", "l2", "l1"];
const TYPING_DELAY_MS = 150; // text edits wait for a pause in typing; sliders go at once
const STALE_MS = 300;        // a request still running this long is cancelled by a newer one
const MAX_HASH_DATA = 30000; // longer data stays out of the link (browsers cap URL lengths)
const COLORS = { train: "#183d4e", val: "#f59322", curve: "#0877bd", point: "#f59322",
                 best: "#188038", grid: "#eceff1", axis: "#9aa0a6", text: "#5f6368" };

const state = {
  text: "", degree: 3, reg: "none", lam: 0.1,
  table: { start: "", end: "", step: "", decimals: 4 },
  lang: "python",
};
let example = { text: "", lam_exponents: [-6, 4], max_degree: 20 };
let reply = null;       // the last good reply
let points = null;      // {x, y, lines}: the reply's points, moved locally while dragging
let view = null;        // the plot's data window {x0, x1, y0, y1}
let drag = null;        // {i, line} while a point is dragged
let sticky = false;     // the last change came from the plot: keep its window still
const net = { timer: 0, inflight: null, started: 0, queued: false, seq: 0, shown: 0 };

// ------------------------------------------------------------------ formatting
function fmt(v, digits = 4) {
  if (v === null || v === undefined) return "–";
  if (v === 0) return "0";
  const a = Math.abs(v);
  return a >= 1e5 || a < 1e-3 ? v.toExponential(digits - 1) : Number(v.toPrecision(digits)).toString();
}

function fmtLam(lam) {
  return Number(lam.toPrecision(2)).toString();
}

function setOut(id, value, text = fmt(value)) {
  const o = $(id);
  o.textContent = text;
  o.dataset.value = value === null || value === undefined ? "" : String(value);
}

function setStatus(text, kind = "") {
  const s = $("status");
  s.textContent = text;
  s.className = `status ${kind}`;
}

// ------------------------------------------------------------------ URL hash
// #degree=7&reg=l2&lam=0.01&table=10,60,5,4&data=<the text, URI-encoded>
// The runners text is the default and stays out of the link.
function parseHash(hash) {
  const out = {};
  for (const part of (hash || "").replace(/^#/, "").split("&")) {
    const eq = part.indexOf("=");
    if (eq < 1) continue;
    const key = part.slice(0, eq);
    let raw;
    try { raw = decodeURIComponent(part.slice(eq + 1)); } catch { continue; }
    if (key === "degree") {
      const d = Number(raw);
      if (Number.isInteger(d) && d >= 0 && d <= example.max_degree) out.degree = d;
    } else if (key === "reg") {
      if (REGS.includes(raw)) out.reg = raw;
    } else if (key === "lam") {
      const v = Number(raw);
      if (Number.isFinite(v) && v > 0) out.lam = v;
    } else if (key === "table") {
      const [start = "", end = "", step = "", decimals = "4"] = raw.split(",");
      const d = Number(decimals);
      out.table = { start, end, step, decimals: Number.isInteger(d) ? d : 4 };
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
  if (t.start !== "" || t.end !== "" || t.step !== "" || t.decimals !== 4) {
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
  return "#" + parts.join("&");
}

function writeHash() {
  const hash = buildHash();
  if (location.hash !== hash) history.replaceState(null, "", hash);
}

function applyHash() {
  const h = parseHash(location.hash);
  state.degree = h.degree ?? 3;
  state.reg = h.reg ?? "none";
  state.lam = h.lam ?? 0.1;
  state.table = h.table ?? { start: "", end: "", step: "", decimals: 4 };
  state.text = h.text ?? example.text;
  $("data").value = state.text;
  state.text = $("data").value; // the textarea normalizes line ends; keep what it shows
  syncControls();
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
    if (Number.isInteger(d) && d >= 0 && d <= 17) { state.table.decimals = d; update(TYPING_DELAY_MS); }
  });
  for (const tab of document.querySelectorAll(".tab")) {
    tab.addEventListener("click", () => { state.lang = tab.dataset.lang; showCode(); });
  }
  $("copy-code").addEventListener("click", copyCode);
  window.addEventListener("hashchange", () => { applyHash(); update(); });
  window.addEventListener("resize", () => { drawPlot(); drawCurves(); });
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
// One request at a time, the newest state next (a slider drag coalesces into a few fits);
// a request that has been running for a while is stale by the time a newer state exists, so
// it is cancelled instead of waited for. Replies older than the one shown are dropped.
function update(delay = 0, fromPlot = false) {
  sticky = fromPlot;
  document.body.dataset.ready = "0";
  clearTimeout(net.timer);
  net.timer = setTimeout(send, delay);
}

function requestBody() {
  const body = { text: state.text, degree: state.degree, penalty: state.reg,
                 lam: state.reg === "none" ? 0 : state.lam, curves: !drag };
  const table = { decimals: state.table.decimals };
  for (const key of ["start", "end", "step"]) {
    const v = Number(state.table[key]);
    if (state.table[key] !== "" && Number.isFinite(v)) table[key] = v;
  }
  body.table = table;
  if (sticky && view) body.x_range = [view.x0, view.x1]; // the curve must span the window
  return body;
}

function send() {
  net.timer = 0;
  if (net.inflight) {
    if (performance.now() - net.started < STALE_MS) { net.queued = true; return; }
    net.inflight.abort();
  }
  writeHash();
  const ctl = new AbortController();
  const seq = ++net.seq;
  const t0 = performance.now();
  net.inflight = ctl;
  net.started = t0;
  fetch("api/poly/fit", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify(requestBody()), signal: ctl.signal,
  }).then(async (r) => {
    const data = await r.json().catch(() => ({ message: `the server answered ${r.status}` }));
    if (seq < net.shown) return;
    net.shown = seq;
    if (r.ok) {
      render(data);
      const ms = data.timing.total_ms;
      setStatus(`fit ${ms.toFixed(1)} ms on the server · ${(performance.now() - t0).toFixed(0)} ms round trip`, "ok");
    } else {
      showError(data);
    }
  }).catch((err) => {
    if (err.name === "AbortError") return;
    if (seq >= net.shown) { net.shown = seq; showError({ message: `no answer from the server (${err.message})` }); }
  }).finally(() => {
    if (net.inflight !== ctl) return;
    net.inflight = null;
    if (net.queued) { net.queued = false; send(); return; }
    if (!net.timer) document.body.dataset.ready = "1";
  });
}

// ------------------------------------------------------------------ showing a reply
function showError(err) {
  const line = err.line ?? null;
  const box = err.field === "text" || line !== null ? $("data-error") : $("fit-error");
  for (const id of ["data-error", "fit-error"]) $(id).hidden = $(id) !== box;
  box.textContent = "";
  if (line !== null) {
    const b = document.createElement("strong");
    b.textContent = `Line ${line}: `;
    box.append(b);
  }
  box.append(err.message || "error");
  box.dataset.line = line === null ? "" : String(line);
  $("editor").classList.toggle("bad", box.id === "data-error");
  syncGutter(line);
  for (const id of ["plot", "curves", "equation"]) $(id).classList.add("stale");
  setStatus("not fitted: see the message", "bad");
}

function render(r) {
  reply = r;
  if (!drag) points = { x: r.x.slice(), y: r.y.slice(), lines: r.lines.slice() };
  for (const id of ["data-error", "fit-error"]) { $(id).hidden = true; $(id).dataset.line = ""; }
  $("editor").classList.remove("bad");
  syncGutter(null);
  for (const id of ["plot", "equation"]) $(id).classList.remove("stale");
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
  // refit the window to the data, unless the user is editing points on it (a window that
  // moves under the pointer makes a click miss) and they all still lie inside
  if (!sticky || !points.x.every((x, i) => inView(x, points.y[i]))) view = null;
  drawPlot();
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

// ------------------------------------------------------------------ canvas helpers
function sized(canvas) {
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

function niceTicks(lo, hi, count) {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) || raw;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

// ------------------------------------------------------------------ the plot
const PAD = { l: 44, r: 12, t: 10, b: 26 };

function computeView() {
  const xs = reply.curve.x;
  const x0 = xs[0], x1 = xs[xs.length - 1];
  let lo = Math.min(...points.y), hi = Math.max(...points.y);
  if (!(hi > lo)) { lo -= 1; hi += 1; }
  const span = hi - lo;
  // let a wild curve show, but not squash the data into a line
  let clo = lo, chi = hi;
  for (const v of reply.curve.y) if (v !== null) { clo = Math.min(clo, v); chi = Math.max(chi, v); }
  lo = Math.max(clo, lo - 0.6 * span);
  hi = Math.min(chi, hi + 0.6 * span);
  const pad = 0.08 * (hi - lo);
  return { x0, x1, y0: lo - pad, y1: hi + pad };
}

function inView(x, y) {
  return view && x >= view.x0 && x <= view.x1 && y >= view.y0 && y <= view.y1;
}

function plotScales(w, h) {
  const v = view;
  return {
    px: (x) => PAD.l + ((x - v.x0) / (v.x1 - v.x0)) * (w - PAD.l - PAD.r),
    py: (y) => h - PAD.b - ((y - v.y0) / (v.y1 - v.y0)) * (h - PAD.t - PAD.b),
    dx: (px) => v.x0 + ((px - PAD.l) / (w - PAD.l - PAD.r)) * (v.x1 - v.x0),
    dy: (py) => v.y0 + ((h - PAD.b - py) / (h - PAD.t - PAD.b)) * (v.y1 - v.y0),
  };
}

function drawPlot() {
  const canvas = $("plot");
  const { ctx, w, h } = sized(canvas);
  if (!reply || !points) return;
  if (!view) view = computeView();
  const s = plotScales(w, h);
  ctx.font = "10px system-ui, sans-serif";
  ctx.fillStyle = COLORS.text;
  ctx.lineWidth = 1;
  for (const t of niceTicks(view.x0, view.x1, 8)) {
    const x = s.px(t);
    ctx.strokeStyle = COLORS.grid;
    ctx.beginPath(); ctx.moveTo(x, PAD.t); ctx.lineTo(x, h - PAD.b); ctx.stroke();
    ctx.textAlign = "center";
    ctx.fillText(fmt(t), x, h - PAD.b + 13);
  }
  for (const t of niceTicks(view.y0, view.y1, 6)) {
    const y = s.py(t);
    ctx.strokeStyle = COLORS.grid;
    ctx.beginPath(); ctx.moveTo(PAD.l, y); ctx.lineTo(w - PAD.r, y); ctx.stroke();
    ctx.textAlign = "right";
    ctx.fillText(fmt(t), PAD.l - 5, y + 3);
  }
  ctx.strokeStyle = COLORS.axis;
  ctx.strokeRect(PAD.l, PAD.t, w - PAD.l - PAD.r, h - PAD.t - PAD.b);
  ctx.save();
  ctx.beginPath();
  ctx.rect(PAD.l, PAD.t, w - PAD.l - PAD.r, h - PAD.t - PAD.b);
  ctx.clip();
  ctx.strokeStyle = COLORS.curve;
  ctx.lineWidth = 2.2;
  ctx.beginPath();
  let pen = false;
  const { x: cx, y: cy } = reply.curve;
  for (let i = 0; i < cx.length; i++) {
    if (cy[i] === null) { pen = false; continue; }
    // clamp far-off values: canvas coordinates this large draw nothing at all
    const py = Math.max(-1e4, Math.min(1e4, s.py(cy[i])));
    if (pen) ctx.lineTo(s.px(cx[i]), py); else ctx.moveTo(s.px(cx[i]), py);
    pen = true;
  }
  ctx.stroke();
  const many = points.x.length > 500;
  for (let i = 0; i < points.x.length; i++) {
    const x = s.px(points.x[i]), y = s.py(points.y[i]);
    ctx.beginPath();
    ctx.arc(x, y, many ? 2.2 : drag && drag.i === i ? 6 : 4.5, 0, 2 * Math.PI);
    ctx.fillStyle = COLORS.point;
    ctx.fill();
    if (!many) { ctx.strokeStyle = "#fff"; ctx.lineWidth = 1.5; ctx.stroke(); }
  }
  ctx.restore();
  canvas.dataset.degree = String(reply.degree);
}

function hitPoint(s, mx, my) {
  let best = -1, bestD = 8 * 8;
  for (let i = 0; i < points.x.length; i++) {
    const dx = s.px(points.x[i]) - mx, dy = s.py(points.y[i]) - my;
    const d = dx * dx + dy * dy;
    if (d <= bestD) { best = i; bestD = d; }
  }
  return best;
}

// Numbers for a clicked point: enough digits for the view, no more.
function roundFor(v, span) {
  const decimals = Math.min(8, Math.max(0, Math.ceil(-Math.log10(span / 2000))));
  return Number(v.toFixed(decimals));
}

function editLines(fn) {
  const lines = state.text.split("\n");
  const result = fn(lines);
  state.text = lines.join("\n");
  $("data").value = state.text;
  syncGutter(null);
  return result;
}

function pointLine(x, y, old = "") {
  const hash = old.indexOf("#");
  const comment = hash >= 0 ? `  ${old.slice(hash)}` : ""; // a dragged point keeps its note
  return `${roundFor(x, view.x1 - view.x0)} ${roundFor(y, view.y1 - view.y0)}${comment}`;
}

function bindPlot() {
  const canvas = $("plot");
  const at = (ev) => {
    const r = canvas.getBoundingClientRect();
    return [ev.clientX - r.left, ev.clientY - r.top, plotScales(r.width, r.height)];
  };
  canvas.addEventListener("contextmenu", (ev) => ev.preventDefault());
  canvas.addEventListener("pointerdown", (ev) => {
    if (!reply || !points || !view) return;
    const [mx, my, s] = at(ev);
    const i = hitPoint(s, mx, my);
    if (i >= 0 && (ev.shiftKey || ev.button === 2 || ev.ctrlKey || ev.metaKey)) {
      const line = points.lines[i];
      editLines((lines) => lines.splice(line - 1, 1));
      for (const k of ["x", "y", "lines"]) points[k].splice(i, 1);
      for (let k = i; k < points.lines.length; k++) points.lines[k] -= 1;
      drawPlot();
      update(0, true);
      return;
    }
    if (ev.button !== 0) return;
    if (i >= 0) {
      drag = { i, line: points.lines[i] };
    } else {
      // a click adds a point on a new last line, and the same press can drag it into place
      const x = s.dx(mx), y = s.dy(my);
      const line = editLines((lines) => {
        if (lines.length && lines[lines.length - 1].trim() === "") lines.pop();
        lines.push(pointLine(x, y), "");
        return lines.length - 1;
      });
      points.x.push(x); points.y.push(y); points.lines.push(line);
      drag = { i: points.x.length - 1, line };
    }
    canvas.setPointerCapture(ev.pointerId);
    canvas.classList.add("dragging");
    drawPlot();
    update(0, true);
  });
  canvas.addEventListener("pointermove", (ev) => {
    if (!reply || !points || !view) return;
    const [mx, my, s] = at(ev);
    if (!drag) {
      canvas.classList.toggle("over-point", hitPoint(s, mx, my) >= 0);
      return;
    }
    const x = s.dx(mx), y = s.dy(my);
    points.x[drag.i] = x;
    points.y[drag.i] = y;
    editLines((lines) => { lines[drag.line - 1] = pointLine(x, y, lines[drag.line - 1]); });
    drawPlot();
    update(0, true);
  });
  const drop = () => {
    if (!drag) return;
    drag = null;
    canvas.classList.remove("dragging");
    update(0, true); // now with the cross-validation
  };
  canvas.addEventListener("pointerup", drop);
  canvas.addEventListener("pointercancel", drop);
}

// ------------------------------------------------------------------ the two error curves
const CPAD = { l: 40, r: 8, t: 8, b: 22 };

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
      if (l >= l0 && l <= l1) out.push([v, few ? fmt(v, 2) : `1e${e}`]);
    }
  }
  return out;
}

function drawChart(canvas, xs, train, val, opts) {
  const { ctx, w, h } = sized(canvas);
  const [l0, l1] = logRange([train, val]);
  const px = (x) => CPAD.l + ((x - opts.x0) / (opts.x1 - opts.x0)) * (w - CPAD.l - CPAD.r);
  const py = (v) => {
    const t = (Math.log10(Math.max(v, 1e-300)) - l0) / (l1 - l0);
    return h - CPAD.b - Math.max(0, Math.min(1, t)) * (h - CPAD.t - CPAD.b);
  };
  ctx.font = "10px system-ui, sans-serif";
  ctx.fillStyle = COLORS.text;
  ctx.lineWidth = 1;
  for (const [v, label] of logTicks(l0, l1)) {
    const y = py(v);
    ctx.strokeStyle = COLORS.grid;
    ctx.beginPath(); ctx.moveTo(CPAD.l, y); ctx.lineTo(w - CPAD.r, y); ctx.stroke();
    ctx.textAlign = "right";
    ctx.fillText(label, CPAD.l - 4, y + 3);
  }
  ctx.textAlign = "center";
  for (const [x, label] of opts.ticks) ctx.fillText(label, px(x), h - CPAD.b + 13);
  ctx.strokeStyle = COLORS.axis;
  ctx.strokeRect(CPAD.l, CPAD.t, w - CPAD.l - CPAD.r, h - CPAD.t - CPAD.b);
  // the current setting
  ctx.setLineDash([3, 3]);
  ctx.strokeStyle = COLORS.axis;
  const cx = px(opts.current);
  ctx.beginPath(); ctx.moveTo(cx, CPAD.t); ctx.lineTo(cx, h - CPAD.b); ctx.stroke();
  ctx.setLineDash([]);
  const line = (vals, color, width, dots) => {
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.lineWidth = width;
    ctx.beginPath();
    let pen = false;
    xs.forEach((x, i) => {
      if (vals[i] === null) { pen = false; return; }
      if (pen) ctx.lineTo(px(x), py(vals[i])); else ctx.moveTo(px(x), py(vals[i]));
      pen = true;
    });
    ctx.stroke();
    if (!dots) return;
    xs.forEach((x, i) => {
      if (vals[i] === null) {
        // no validation error: unbounded (see showValidation) — an arrow off the top
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
  line(train, COLORS.train, 1.4, false);
  line(val, COLORS.val, 2, true);
  const bi = xs.indexOf(opts.best);
  if (bi >= 0 && val[bi] !== null) {
    ctx.strokeStyle = COLORS.best;
    ctx.lineWidth = 2;
    ctx.beginPath(); ctx.arc(px(xs[bi]), py(val[bi]), 6.5, 0, 2 * Math.PI); ctx.stroke();
    ctx.fillStyle = COLORS.best;
    ctx.textAlign = "left";
    ctx.fillText(opts.bestLabel, Math.min(px(xs[bi]) + 8, w - CPAD.r - 50), Math.max(py(val[bi]) - 8, CPAD.t + 10));
  }
  canvas.chartX = { px, x0: opts.x0, x1: opts.x1 }; // for clicks
}

// λ = 0 sits one decade left of the slider's range, on a tick of its own.
function lamPos(lam) {
  const [lo] = example.lam_exponents;
  return lam > 0 ? Math.log10(lam) : lo - 1;
}

function drawCurves() {
  const v = reply?.validation;
  if (!v || v.error) {
    sized($("degree-chart")); sized($("lam-chart"));
    return;
  }
  const dc = v.degree_curve;
  const top = Math.max(...dc.degrees, state.degree);
  const step = top > 12 ? 2 : 1;
  const dticks = [];
  for (let d = 0; d <= top; d += step) dticks.push([d, String(d)]);
  drawChart($("degree-chart"), dc.degrees, dc.train, dc.val, {
    x0: -0.5, x1: top + 0.5, ticks: dticks, current: state.degree, best: dc.best,
    bestLabel: `best ${dc.best}`,
  });
  const lc = v.lam_curve;
  const [lo, hi] = example.lam_exponents;
  const lticks = [[lo - 1, "0"]];
  for (let e = lo; e <= hi; e += 2) lticks.push([e, `1e${e}`]);
  drawChart($("lam-chart"), lc.lams.map(lamPos), lc.train, lc.val, {
    x0: lo - 1.5, x1: hi + 0.3, ticks: lticks,
    current: state.reg === "none" ? lo - 1 : lamPos(state.lam),
    best: lamPos(lc.best), bestLabel: `best ${lc.best === 0 ? "0" : fmtLam(lc.best)}`,
  });
}

function bindCurves() {
  const xAt = (canvas, ev) => {
    const r = canvas.getBoundingClientRect();
    const c = canvas.chartX;
    if (!c) return null;
    const frac = (ev.clientX - r.left - CPAD.l) / (r.width - CPAD.l - CPAD.r);
    return c.x0 + frac * (c.x1 - c.x0);
  };
  $("degree-chart").addEventListener("click", (ev) => {
    const x = xAt($("degree-chart"), ev);
    if (x === null) return;
    state.degree = Math.max(0, Math.min(example.max_degree, Math.round(x)));
    syncControls();
    update();
  });
  $("lam-chart").addEventListener("click", (ev) => {
    const x = xAt($("lam-chart"), ev);
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
  bindControls();
  bindPlot();
  bindCurves();
  applyHash();
  update();
}

start();
