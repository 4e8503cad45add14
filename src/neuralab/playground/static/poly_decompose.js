// neuralab polynomial fitter — the "true function" mode: the lecture's error decomposition.
// Every number comes from POST api/poly/decompose (neuralab.poly.decompose on the server): for a
// known f, noise σ and n points, K fresh data sets are fitted; the page draws f, one sample, the
// fits and their mean, and by degree and by λ the test error split into bias² (modeling error),
// variance (estimation error) and σ² (noise), with gradient descent's test error beside the
// exact fit's (the optimization error). The degree, penalty and λ are the top bar's (poly.js
// passes them in); this module keeps the mode's own controls.
import { drawFrame, logTicks, niceTicks, sizedCanvas, tracePath } from "./chart.js";
import { AXIS, DEEP, GOOD, NEG, POS, rgb } from "./colors.js";
import { LatestRequest } from "./conn.js";
import { $, fmtSig } from "./ui.js";

const STALE_MS = 600;
const GD_STEPS = [10, 100, 1000, 10000, 100000, 1000000];
const PAD = { l: 44, r: 8, t: 8, b: 22 };

// the series of the error charts: key in the reply, colour, width, dash
const SERIES = [
  ["bias2", rgb(POS), 2, []],
  ["variance", rgb(NEG), 2, []],
  ["noise", AXIS, 1.5, [4, 3]],
  ["sum", DEEP, 1.5, [6, 3]],
  ["gd_test", GOOD, 2, [2, 2]],
  ["test", DEEP, 2.5, []],
];

/** Wire the mode. `settings()` returns the top bar's {degree, penalty, lam}; `changed()` is
 *  called when the mode's own settings change (the page rewrites its URL hash). Returns
 *  {update, hashParts, applyHash}: call `update()` when the top bar's settings change;
 *  `hashParts()` gives the mode's part of the URL hash (none while it is closed) and
 *  `applyHash(raw)` opens it with the settings a link holds (`raw`: the hash's keys and values,
 *  decoded; invalid values are ignored, as the page's other hash keys are). */
export function initDecomposition(settings, changed = () => {}) {
  const st = { open: false, truth: "", sigma: 0, n: 0, k: 0, seed: 0, gd: 0, log: true };
  let reply = null;
  let menu = null;
  let linked = null; // a link's settings, applied once the menu (the limits) has come

  const requests = new LatestRequest("api/poly/decompose", STALE_MS, {
    body: () => {
      const s = settings();
      return { truth: st.truth, sigma: st.sigma, n: st.n, k: st.k, seed: st.seed,
               degree: s.degree, max_degree: Math.max(10, s.degree), penalty: s.penalty,
               lam: s.penalty === "none" ? 0 : s.lam, gd_steps: st.gd };
    },
    onReply: (data) => {
      reply = data;
      $("decomp-error").hidden = true;
      draw();
    },
    onError: (err) => {
      const box = $("decomp-error");
      box.textContent = err.message || "the decomposition failed";
      box.hidden = false;
    },
    onIdle: () => { $("decomp").dataset.ready = "1"; },
  });

  function update() {
    if (!st.open || !menu) return;
    $("decomp").dataset.ready = "0";
    requests.schedule(0);
    changed();
  }

  function sync() {
    $("sigma-value").textContent = st.sigma.toFixed(2);
    $("n-value").textContent = String(st.n);
    $("seed-value").textContent = String(st.seed);
  }

  async function open(on) {
    st.open = on;
    $("truth-mode").setAttribute("aria-pressed", String(on));
    $("decomp").hidden = !on;
    if (!on) {
      changed();
      return;
    }
    if (!menu) {
      try {
        menu = await (await fetch("api/poly/truths")).json();
      } catch (err) {
        $("decomp-error").textContent = `no answer from the server (${err.message})`;
        $("decomp-error").hidden = false;
        return;
      }
      const d = menu.defaults;
      Object.assign(st, { truth: d.truth, sigma: d.sigma, n: d.n, k: d.k, seed: d.seed, gd: d.gd_steps });
      $("truth").replaceChildren(...menu.truths.map(({ value, label }) => {
        const o = document.createElement("option");
        o.value = value;
        o.textContent = label;
        return o;
      }));
      $("gd-steps").replaceChildren(...GD_STEPS.map((v) => {
        const o = document.createElement("option");
        o.value = String(v);
        o.textContent = v.toLocaleString("en");
        return o;
      }));
      $("k-sets").max = String(menu.limits.k);
    }
    if (linked) {
      applyLinked(linked);
      linked = null;
    }
    $("truth").value = st.truth;
    $("sigma").value = String(st.sigma);
    $("n-points").value = String(st.n);
    $("k-sets").value = String(st.k);
    $("gd-steps").value = String(st.gd);
    $("log-y").checked = st.log;
    sync();
    $("decomp").scrollIntoView({ block: "start" });
    update();
  }

  // ---------------------------------------------------------------- the URL hash
  // #...&mode=truth&truth=sin&sigma=0.3&n=20&k=50&seed=0&gd=1000&logy=0 (logy only when off)
  function hashParts() {
    if (!st.open || !menu) return [];
    const parts = ["mode=truth", `truth=${st.truth}`, `sigma=${st.sigma}`, `n=${st.n}`,
                   `k=${st.k}`, `seed=${st.seed}`, `gd=${st.gd}`];
    if (!st.log) parts.push("logy=0");
    return parts;
  }

  function applyHash(raw) {
    if (raw.mode === "truth") {
      linked = raw;
      open(true);
    } else if (st.open) {
      open(false); // a link (or an edited hash) without the mode closes it
    }
  }

  /** A link's values where they are valid: the menu's truths, the sliders' ranges, the
   *  server's limits. */
  function applyLinked(raw) {
    const int = (key, lo, hi) => {
      const v = Number(raw[key]);
      return raw[key] !== undefined && Number.isInteger(v) && v >= lo && v <= hi ? v : null;
    };
    if (menu.truths.some(({ value }) => value === raw.truth)) st.truth = raw.truth;
    const sigma = Number(raw.sigma);
    const slider = $("sigma");
    if (raw.sigma !== undefined && Number.isFinite(sigma) && sigma >= Number(slider.min)
        && sigma <= Number(slider.max)) st.sigma = sigma;
    const n = int("n", Number($("n-points").min), Math.min(Number($("n-points").max), menu.limits.n));
    if (n !== null) st.n = n;
    const k = int("k", 2, menu.limits.k);
    if (k !== null) st.k = k;
    const seed = int("seed", 0, 2 ** 31 - 1);
    if (seed !== null) st.seed = seed;
    const gd = int("gd", 0, menu.limits.gd_steps);
    if (gd !== null && GD_STEPS.includes(gd)) st.gd = gd;
    if (raw.logy === "0" || raw.logy === "1") st.log = raw.logy === "1";
  }

  $("truth-mode").addEventListener("click", () => open(!st.open));
  $("truth").addEventListener("change", () => { st.truth = $("truth").value; update(); });
  $("sigma").addEventListener("input", () => { st.sigma = Number($("sigma").value); sync(); update(); });
  $("n-points").addEventListener("input", () => { st.n = Number($("n-points").value); sync(); update(); });
  $("k-sets").addEventListener("change", () => {
    const k = Number($("k-sets").value);
    if (Number.isInteger(k) && k >= 2 && k <= menu.limits.k) { st.k = k; update(); }
    else $("k-sets").value = String(st.k);
  });
  $("gd-steps").addEventListener("change", () => { st.gd = Number($("gd-steps").value); update(); });
  $("log-y").addEventListener("change", () => { st.log = $("log-y").checked; draw(); changed(); });
  $("resample").addEventListener("click", () => { st.seed += 1; sync(); update(); });
  window.addEventListener("resize", () => { if (st.open) draw(); });

  // ---------------------------------------------------------------- drawing
  function draw() {
    if (!reply) return;
    drawFits($("decomp-fits"), reply);
    const bd = reply.by_degree;
    drawParts($("decomp-degree"), bd.degrees, bd, {
      ticks: bd.degrees.filter((d) => bd.degrees.length <= 12 || d % 2 === 0).map((d) => [d, String(d)]),
      current: reply.degree, x0: -0.5, x1: bd.degrees.length - 0.5, gd: true,
    });
    const bl = reply.by_lam;
    // λ on a log axis; λ = 0 one decade left of the smallest
    const pos = bl.lams.map((l) => (l > 0 ? Math.log10(l) : Math.log10(bl.lams[1]) - 1));
    const lticks = [[pos[0], "0"]];
    for (let i = 1; i < pos.length; i += 2) lticks.push([pos[i], `1e${Math.round(pos[i])}`]);
    const cur = reply.lam > 0 ? Math.log10(reply.lam) : pos[0];
    drawParts($("decomp-lam"), pos, bl, { ticks: lticks, current: cur, x0: pos[0] - 0.5,
                                         x1: pos[pos.length - 1] + 0.3, gd: false });
    $("decomp-lam-name").textContent = reply.lam_penalty === "l1" ? "lasso λ" : "ridge λ";
    note(reply);
  }

  function yScale(values, h) {
    const vals = values.filter((v) => v !== null && Number.isFinite(v) && (!st.log || v > 0));
    const tests = reply.by_degree.test.filter((v) => v !== null);
    const best = Math.min(...tests);
    let lo, hi;
    if (st.log) {
      hi = Math.log10(Math.max(...vals) * 1.3);
      lo = Math.max(Math.log10(Math.min(...vals)), hi - 6);
      if (!(hi > lo)) { lo = hi - 1; }
    } else {
      // variance explodes at high degree: keep the interesting part (around the best test error)
      lo = 0;
      hi = Math.min(Math.max(...vals), 4 * best) * 1.05 || 1;
    }
    const py = (v) => {
      const t = st.log ? (Math.log10(Math.max(v, 1e-300)) - lo) / (hi - lo) : (v - lo) / (hi - lo);
      return h - PAD.b - Math.max(0, Math.min(1.02, t)) * (h - PAD.t - PAD.b);
    };
    const ticks = st.log ? logTicks(lo, hi).map(([v, label]) => [v, label])
      : niceTicks(lo, hi, 4).map((v) => [v, fmtSig(v, 3)]);
    return { py, ticks };
  }

  /** bias², variance, σ², their sum, the measured test error and (by degree) GD's, at xs. */
  function drawParts(canvas, xs, rows, opts) {
    const { ctx, w, h } = sizedCanvas(canvas);
    const noise = xs.map(() => rows.noise);
    const sum = xs.map((_, i) => (rows.bias2[i] === null ? null : rows.bias2[i] + rows.variance[i] + rows.noise));
    const series = { bias2: rows.bias2, variance: rows.variance, noise, sum, test: rows.test,
                     gd_test: opts.gd ? rows.gd_test : null };
    const all = Object.values(series).filter(Boolean).flat();
    const { py, ticks } = yScale(all, h);
    const px = (x) => PAD.l + ((x - opts.x0) / (opts.x1 - opts.x0)) * (w - PAD.l - PAD.r);
    drawFrame(ctx, w, h, PAD, ticks, py, opts.ticks, px);
    ctx.setLineDash([3, 3]);
    ctx.strokeStyle = AXIS;
    const cx = px(opts.current);
    ctx.beginPath(); ctx.moveTo(cx, PAD.t); ctx.lineTo(cx, h - PAD.b); ctx.stroke();
    for (const [key, color, width, dash] of SERIES) {
      const vals = series[key];
      if (!vals) continue;
      ctx.setLineDash(dash);
      ctx.strokeStyle = color;
      ctx.lineWidth = width;
      // an unbiased bias² can dip below 0 where the true bias is 0: off a log axis
      const off = (v) => v === null || (st.log && v <= 0);
      tracePath(ctx, xs.length, (i) => (off(vals[i]) ? null : [px(xs[i]), py(vals[i])]));
      ctx.stroke();
      if (key === "test") {
        ctx.fillStyle = color;
        xs.forEach((x, i) => {
          if (vals[i] === null) return;
          ctx.beginPath(); ctx.arc(px(x), py(vals[i]), 2.4, 0, 2 * Math.PI); ctx.fill();
        });
      }
    }
    ctx.setLineDash([]);
    // for tests and the curious: the numbers drawn
    canvas.dataset.series = JSON.stringify({ x: xs, bias2: rows.bias2, variance: rows.variance,
                                             noise: rows.noise, test: rows.test });
    canvas.dataset.scale = st.log ? "log" : "linear";
  }

  /** f (dashed), the fits (thin), their mean (thick) and the first data set (dots). */
  function drawFits(canvas, r) {
    const { ctx, w, h } = sizedCanvas(canvas);
    const s = r.sample;
    const [x0, x1] = r.domain;
    const ys = [...s.f, ...s.y, ...(s.mean || [])].filter((v) => v !== null);
    let y0 = Math.min(...ys), y1 = Math.max(...ys);
    const pad = 0.15 * (y1 - y0 || 1);
    y0 -= pad; y1 += pad;
    const px = (x) => PAD.l + ((x - x0) / (x1 - x0)) * (w - PAD.l - PAD.r);
    const py = (y) => h - PAD.b - ((Math.max(y0 - pad, Math.min(y1 + pad, y)) - y0) / (y1 - y0)) * (h - PAD.t - PAD.b);
    const yt = niceTicks(y0, y1, 4).map((v) => [v, fmtSig(v, 3)]);
    const xt = niceTicks(x0, x1, 5).map((v) => [v, fmtSig(v, 3)]);
    drawFrame(ctx, w, h, PAD, yt, py, xt, px);
    ctx.save();
    ctx.beginPath(); ctx.rect(PAD.l, PAD.t, w - PAD.l - PAD.r, h - PAD.t - PAD.b); ctx.clip();
    const curve = (vals, color, width, dash = []) => {
      ctx.setLineDash(dash);
      ctx.strokeStyle = color;
      ctx.lineWidth = width;
      tracePath(ctx, s.grid.length, (i) => (vals[i] === null ? null : [px(s.grid[i]), py(vals[i])]));
      ctx.stroke();
    };
    for (const fit of s.fits) curve(fit, rgb(POS, 0.22), 1);
    if (s.mean) curve(s.mean, rgb(POS), 2.5);
    curve(s.f, DEEP, 2, [6, 4]);
    ctx.setLineDash([]);
    ctx.fillStyle = rgb(NEG);
    s.x.forEach((x, i) => { ctx.beginPath(); ctx.arc(px(x), py(s.y[i]), 3, 0, 2 * Math.PI); ctx.fill(); });
    ctx.restore();
    canvas.dataset.fits = String(s.fits.length);
  }

  function note(r) {
    const bd = r.by_degree;
    const i = bd.degrees.indexOf(r.degree);
    const parts = [];
    if (i >= 0 && bd.test[i] !== null) {
      const sum = bd.bias2[i] + bd.variance[i] + bd.noise;
      parts.push(`Degree ${r.degree}: bias² ${fmtSig(bd.bias2[i], 3)} + variance ${fmtSig(bd.variance[i], 3)}`
        + ` + σ² ${fmtSig(bd.noise, 3)} = ${fmtSig(sum, 3)}; measured test MSE ${fmtSig(bd.test[i], 3)}`
        + ` ± ${fmtSig(bd.test_se[i], 2)} (K = ${r.k} data sets).`);
      if (bd.gd_test[i] !== null) {
        const gap = bd.gd_test[i] - bd.exact_test[i];
        const trainGap = bd.gd_train[i] - bd.exact_train[i];
        parts.push(`Gradient descent, ${bd.gd_steps.toLocaleString("en")} steps: training MSE`
          + ` ${fmtSig(trainGap, 2)} above the exact fit's (never below); test MSE ${fmtSig(bd.gd_test[i], 3)}`
          + ` — optimization error ${fmtSig(gap, 2)}${gap < -bd.test_se[i] ? " (stopping early acted as a regularizer)" : ""}.`);
      } else if (r.penalty !== "none") {
        parts.push("Gradient descent runs on the unpenalized objective: choose no regularization to see it.");
      }
    } else {
      parts.push(`Degree ${r.degree} needs more than n = ${r.n} points without a penalty.`);
    }
    $("decomp-note").textContent = parts.join(" ");
  }

  return { update, hashParts, applyHash };
}
