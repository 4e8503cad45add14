// Input features computed in the page (they are fixed maps of the point), the network
// diagram's neuron and output thumbnails (a frame's G×G maps painted at the size they are
// drawn), and small dataset thumbnails drawn from sketches of the server's generators
// (data/toy2d.py).
import { classColor, diverging, rgb } from "./colors.js";

export const FEATURE_FN = {
  x1: (x, y) => x,
  x2: (x, y) => y,
  "x1^2": (x, y) => x * x,
  "x2^2": (x, y) => y * y,
  x1x2: (x, y) => x * y,
  sin_x1: (x, y) => Math.sin(x),
  sin_x2: (x, y) => Math.sin(y),
  r: (x, y) => Math.hypot(x, y),
  theta: (x, y) => Math.atan2(y, x),
};

// Labels as HTML (superscripts) and as plain text for aria.
export const FEATURE_LABEL = {
  x1: ["X<sub>1</sub>", "x1"], x2: ["X<sub>2</sub>", "x2"],
  "x1^2": ["X<sub>1</sub><sup>2</sup>", "x1 squared"], "x2^2": ["X<sub>2</sub><sup>2</sup>", "x2 squared"],
  x1x2: ["X<sub>1</sub>X<sub>2</sub>", "x1 times x2"],
  sin_x1: ["sin(X<sub>1</sub>)", "sine of x1"], sin_x2: ["sin(X<sub>2</sub>)", "sine of x2"],
  r: ["r", "polar radius r"], theta: ["θ", "polar angle theta"],
};

/** Paint feature `name` over [-domain, domain]² into a size×size ImageData, diverging colours
 *  scaled by the map's largest |value| (so sin and x1 both fill the scale; r is all positive).
 *  A feature this page cannot compute stays neutral. */
export function paintFeature(img, name, domain) {
  const fn = FEATURE_FN[name] || (() => 0);
  const n = img.width;
  const vals = new Float32Array(n * n);
  let m = 0;
  for (let r = 0; r < n; r++) {
    const y = domain - (2 * domain * r) / (n - 1);
    for (let c = 0; c < n; c++) {
      const x = -domain + (2 * domain * c) / (n - 1);
      const v = fn(x, y);
      vals[r * n + c] = v;
      if (Math.abs(v) > m) m = Math.abs(v);
    }
  }
  m = m || 1;
  const out = img.data;
  for (let p = 0; p < n * n; p++) {
    const col = diverging(vals[p] / m);
    out[p * 4] = col[0]; out[p * 4 + 1] = col[1]; out[p * 4 + 2] = col[2]; out[p * 4 + 3] = 255;
  }
}

// ------------------------------------------------------------------ neuron thumbnails
// A diagram node is drawn 10-40 CSS pixels wide while its map is G×G (up to 128²): painting
// the whole map and letting the browser shrink it costs G² per node per frame (~2 M pixels for
// 6 × 32 neurons at G = 100). The thumbnails below paint only the S×S pixels shown, each the
// mean of q×q samples of the map (q ≤ 2), into an ImageData the node keeps.

const DIV_N = 1024; // the diverging scale sampled finely: t in [-1, 1] -> RGB
const DIV_TABLE = (() => {
  const t = new Uint8ClampedArray(DIV_N * 3);
  for (let i = 0; i < DIV_N; i++) t.set(diverging((i / (DIV_N - 1)) * 2 - 1).map(Math.round), i * 3);
  return t;
})();
const samplers = new Map();

/** Which pixels of a g×g map an s×s thumbnail averages: {q, idx} with q² source pixel
 *  indices per thumbnail pixel, row-major (cached per g and s). */
export function thumbSampler(g, s) {
  const key = `${g}:${s}`;
  let sm = samplers.get(key);
  if (sm) return sm;
  const q = Math.max(1, Math.min(2, Math.ceil(g / s)));
  const pos = new Int32Array(s * q); // source row (or column) of each sub-sample
  for (let t = 0; t < s; t++) {
    for (let a = 0; a < q; a++) pos[t * q + a] = Math.min(g - 1, Math.floor(((t + (a + 0.5) / q) * g) / s));
  }
  const idx = new Int32Array(s * s * q * q);
  let n = 0;
  for (let r = 0; r < s; r++) {
    for (let c = 0; c < s; c++) {
      for (let a = 0; a < q; a++) for (let b = 0; b < q; b++) idx[n++] = pos[r * q + a] * g + pos[c * q + b];
    }
  }
  sm = { q, idx };
  if (samplers.size > 64) samplers.clear();
  samplers.set(key, sm);
  return sm;
}

/** The mean byte of each thumbnail pixel, channel `ch` of `channels`, into out (s² floats). */
function means(out, data, { q, idx }, channels, ch) {
  const n = q * q, inv = 1 / n;
  for (let p = 0, base = 0; p < out.length; p++, base += n) {
    let sum = 0;
    for (let k = 0; k < n; k++) sum += data[idx[base + k] * channels + ch];
    out[p] = sum * inv;
  }
  return out;
}
let scratch = new Float32Array(0);
function meansOf(img, map, ch) {
  const n = img.width * img.height;
  if (scratch.length < n) scratch = new Float32Array(n);
  return means(scratch.subarray(0, n), map.data, thumbSampler(map.width, img.width), map.channels || 1, ch);
}

/** A neuron's map (byte b means lo + b/255·(hi − lo)) as a thumbnail: coloured by value /
 *  max(|lo|, |hi|), so that zero stays neutral and the sign shows (the big heatmap's scale).
 *  img: the s×s ImageData; map: {data, width, channels, lo, hi}. */
export function paintNeuronThumb(img, map, channel = 0) {
  const m = meansOf(img, map, channel), out = img.data;
  const { lo, hi } = map;
  let a = 2 / 255, b = -1; // without a range: b/255·2 − 1
  if (lo != null && hi != null && Number.isFinite(lo) && Number.isFinite(hi)) {
    const top = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
    a = (hi - lo) / 255 / top;
    b = lo / top;
  }
  const scale = (DIV_N - 1) / 2;
  for (let p = 0; p < m.length; p++) {
    const t = b + a * m[p];
    const i = Math.round((Math.max(-1, Math.min(1, t)) + 1) * scale) * 3;
    const o = p * 4;
    out[o] = DIV_TABLE[i]; out[o + 1] = DIV_TABLE[i + 1]; out[o + 2] = DIV_TABLE[i + 2]; out[o + 3] = 255;
  }
}

/** An output unit's thumbnail: class k's probability (channel k of K), white -> the class's
 *  colour; or, for regression (one channel over [-1, 1]), the diverging scale. */
export function paintOutputThumb(img, map, k, regression) {
  if (regression || map.channels === 1) {
    paintNeuronThumb(img, { ...map, lo: -1, hi: 1 }, 0);
    return;
  }
  const m = meansOf(img, map, k), out = img.data;
  const col = classColor(k);
  for (let p = 0; p < m.length; p++) {
    const t = m[p] / 255;
    const o = p * 4;
    out[o] = 255 + (col[0] - 255) * t;
    out[o + 1] = 255 + (col[1] - 255) * t;
    out[o + 2] = 255 + (col[2] - 255) * t;
    out[o + 3] = 255;
  }
}

// ------------------------------------------------------------------ dataset thumbnails
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gauss(r) {
  return Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
}

const SKETCH = {
  circle(r) {
    const out = [];
    for (let i = 0; i < 120; i++) {
      const inner = i % 2 === 0;
      const rad = inner ? r() * 2.5 : 3.5 + r() * 1.5;
      const a = r() * 2 * Math.PI;
      out.push([rad * Math.sin(a), rad * Math.cos(a), inner ? 1 : 0]);
    }
    return out;
  },
  xor(r) {
    const out = [];
    for (let i = 0; i < 120; i++) {
      let x = r() * 10 - 5, y = r() * 10 - 5;
      x += x > 0 ? 0.3 : -0.3; y += y > 0 ? 0.3 : -0.3;
      out.push([x, y, x * y >= 0 ? 1 : 0]);
    }
    return out;
  },
  gaussian(r) {
    const out = [];
    for (let i = 0; i < 120; i++) {
      const c = i % 2 ? 2 : -2;
      out.push([c + gauss(r) * 0.8, c + gauss(r) * 0.8, i % 2]);
    }
    return out;
  },
  spiral(r, k = 2) {
    const out = [];
    const m = Math.floor(160 / k);
    for (let j = 0; j < k; j++) {
      for (let i = 0; i < m; i++) {
        const f = i / m, rad = f * 5, t = 1.75 * f * 2 * Math.PI + (2 * Math.PI * j) / k;
        out.push([rad * Math.sin(t), rad * Math.cos(t), k - 1 - j]);
      }
    }
    return out;
  },
  blobs(r, k = 3) {
    const out = [];
    const rad = k <= 4 ? 2 * Math.SQRT2 : 4;
    for (let i = 0; i < 150; i++) {
      const j = i % k, a = Math.PI / 4 + (2 * Math.PI * j) / k;
      out.push([rad * Math.cos(a) + gauss(r) * 0.7, rad * Math.sin(a) + gauss(r) * 0.7, j]);
    }
    return out;
  },
  moons(r) {
    const out = [];
    for (let i = 0; i < 60; i++) {
      const t = (Math.PI * i) / 59;
      out.push([2.5 * (Math.cos(t) - 0.5), 2.5 * (Math.sin(t) - 0.25), 0]);
      out.push([2.5 * (1 - Math.cos(t) - 0.5), 2.5 * (0.5 - Math.sin(t) - 0.25), 1]);
    }
    return out.map(([x, y, l]) => [x + gauss(r) * 0.15, y + gauss(r) * 0.15, l]);
  },
  checkerboard(r) {
    const out = [];
    for (let i = 0; i < 160; i++) {
      const x = r() * 8 - 4, y = r() * 8 - 4;
      out.push([x, y, (Math.floor((x + 4) / 2) + Math.floor((y + 4) / 2)) % 2]);
    }
    return out;
  },
  ring(r) {
    const out = [];
    for (let i = 0; i < 160; i++) {
      const x = r() * 6 - 3, y = r() * 6 - 3, d = Math.hypot(x, y);
      out.push([x * 1.6, y * 1.6, d >= 1 && d <= 2 ? 1 : 0]);
    }
    return out;
  },
  "three-modes"(r) {
    const out = [];
    const cs = [90, 210, 330].map((d) => [2 * Math.cos((d * Math.PI) / 180), 2 * Math.sin((d * Math.PI) / 180)]);
    for (let i = 0; i < 160; i++) {
      const x = r() * 6 - 3, y = r() * 6 - 3;
      const d = Math.min(...cs.map(([cx, cy]) => Math.hypot(x - cx, y - cy)));
      out.push([x * 1.6, y * 1.6, d <= 0.8 ? 1 : 0]);
    }
    return out;
  },
  quadrants(r) {
    const out = [];
    for (let i = 0; i < 140; i++) {
      const x = r() * 6 - 3, y = r() * 6 - 3;
      out.push([x * 1.6, y * 1.6, x * y > 0 ? 1 : 0]);
    }
    return out;
  },
  plane(r) {
    const out = [];
    for (let i = 0; i < 160; i++) {
      const x = r() * 12 - 6, y = r() * 12 - 6;
      out.push([x, y, (x + y) / 10]);
    }
    return out;
  },
  "multi-gaussian"(r) {
    const cs = [[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]];
    const out = [];
    for (let i = 0; i < 220; i++) {
      const x = r() * 12 - 6, y = r() * 12 - 6;
      let best = 0;
      for (const [cx, cy, s] of cs) {
        const v = s * Math.max(0, Math.min(1, 1 - Math.hypot(x - cx, y - cy) / 2));
        if (Math.abs(v) > Math.abs(best)) best = v;
      }
      out.push([x, y, best]);
    }
    return out;
  },
};

/** Draw a dataset thumbnail into a canvas (its own width/height); the sketches are drawn in
 *  [-6, 6]², a regression set's values as the diverging scale. */
export function drawThumb(canvas, name, { classes = 2, regression = false } = {}) {
  const ctx = canvas.getContext("2d");
  const w = canvas.width, h = canvas.height;
  ctx.fillStyle = "#f4f5f6";
  ctx.fillRect(0, 0, w, h);
  const k = name === "spiral" || name === "checkerboard" ? Math.max(2, classes)
    : name === "blobs" ? Math.max(3, classes) : 2;
  const pts = (SKETCH[name] || (() => []))(rng(7), k);
  const r = Math.max(1.2, w / 32);
  for (const [x, y, l] of pts) {
    let lab = l;
    if (name === "checkerboard" && k > 2) {
      lab = (Math.floor((x + 4) / 2) + Math.floor((y + 4) / 2)) % k;
    }
    const c = regression ? diverging(lab) : classColor(lab);
    ctx.fillStyle = rgb(c);
    ctx.beginPath();
    ctx.arc(((x + 6) / 12) * w, ((6 - y) / 12) * h, r, 0, 2 * Math.PI);
    ctx.fill();
  }
}
