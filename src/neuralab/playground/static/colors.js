// Colour scales and heatmap painting (uint8 maps -> RGBA ImageData), and the charts' inks.
// Like the TensorFlow Playground: orange = negative / class 0, blue = positive / class 1,
// a light grey-white in between. Classes 2..4 get green, purple, red. Both pages draw with
// these (the polynomial page: its points orange, its curve blue).

export const NEG = [245, 147, 34];   // #f59322
export const MID = [232, 234, 235];  // #e8eaeb
export const POS = [8, 119, 189];    // #0877bd
export const CLASS_COLORS = [NEG, POS, [46, 160, 67], [148, 103, 189], [214, 39, 40]];
const BG = [255, 255, 255];

// Chart inks (CSS colours): lines, labels, frames, grid lines, a highlighted best value.
export const INK = "#202124";
export const DEEP = "#183d4e";
export const TEXT = "#5f6368";
export const AXIS = "#9aa0a6";
export const GRID = "#eceff1";
export const PAPER = "#fafafa";
export const GOOD = "#188038";

export function rgb(c, a = 1) {
  return a >= 1 ? `rgb(${c[0]},${c[1]},${c[2]})` : `rgba(${c[0]},${c[1]},${c[2]},${a})`;
}

export function classColor(k) {
  return CLASS_COLORS[((k % CLASS_COLORS.length) + CLASS_COLORS.length) % CLASS_COLORS.length];
}

function mix(a, b, t) {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

/** Diverging colour for t in [-1, 1] (clamped). */
export function diverging(t) {
  if (!(t === t)) return MID; // NaN
  t = Math.max(-1, Math.min(1, t));
  return t < 0 ? mix(MID, NEG, -t) : mix(MID, POS, t);
}

// 256-entry LUT for a diverging map of value v in [-1, 1] quantised as a byte.
const DIVERGING_LUT = (() => {
  const lut = new Uint8ClampedArray(256 * 3);
  for (let b = 0; b < 256; b++) {
    const c = diverging((b / 255) * 2 - 1);
    lut.set([c[0], c[1], c[2]], b * 3);
  }
  return lut;
})();

/** LUT for a neuron map: byte b means lo + b/255·(hi-lo); coloured by value / max(|lo|, |hi|)
 *  so that zero stays neutral and the sign shows. Without lo/hi: b/255·2 - 1. */
export function neuronLut(lo, hi) {
  if (lo === undefined || hi === undefined || lo === null || hi === null) return DIVERGING_LUT;
  const m = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
  const lut = new Uint8ClampedArray(256 * 3);
  for (let b = 0; b < 256; b++) {
    const v = lo + (b / 255) * (hi - lo);
    const c = diverging(v / m);
    lut[b * 3] = c[0]; lut[b * 3 + 1] = c[1]; lut[b * 3 + 2] = c[2];
  }
  return lut;
}

/** Paint a one-channel map through a LUT into an ImageData of the same size. */
export function paintLut(img, data, lut, channels = 1, channel = 0) {
  const out = img.data;
  const n = img.width * img.height;
  for (let p = 0; p < n; p++) {
    const b = data[p * channels + channel] * 3;
    const o = p * 4;
    out[o] = lut[b]; out[o + 1] = lut[b + 1]; out[o + 2] = lut[b + 2]; out[o + 3] = 255;
  }
}

/** One class's probability channel: white -> that class's colour. */
export function paintChannel(img, data, channels, k) {
  const col = classColor(k);
  const out = img.data;
  const n = img.width * img.height;
  for (let p = 0; p < n; p++) {
    const t = data[p * channels + k] / 255;
    const o = p * 4;
    out[o] = BG[0] + (col[0] - BG[0]) * t;
    out[o + 1] = BG[1] + (col[1] - BG[1]) * t;
    out[o + 2] = BG[2] + (col[2] - BG[2]) * t;
    out[o + 3] = 255;
  }
}

/** The output heatmap.
 *  classification (K channels of probability·255): the most probable class's colour, with an
 *  opacity that grows with the confidence (0 at chance 1/K, full at certainty). K = 2 gives the
 *  playground's orange/blue picture. discretize: full colour of the predicted class.
 *  regression (1 channel, [-1, 1] -> [0, 255]): diverging scale; discretize: its sign. */
export function paintOutput(img, map, { regression, discretize, strength = 0.82 }) {
  const out = img.data;
  const n = img.width * img.height;
  const data = map.data;
  const K = map.channels;
  if (regression || K === 1) {
    for (let p = 0; p < n; p++) {
      let b = data[p * K];
      if (discretize) b = b >= 128 ? 255 : 0;
      const c = diverging((b / 255) * 2 - 1);
      const o = p * 4;
      out[o] = c[0]; out[o + 1] = c[1]; out[o + 2] = c[2]; out[o + 3] = 255;
    }
    return;
  }
  const chance = 1 / K;
  for (let p = 0; p < n; p++) {
    let best = 0, bv = -1;
    const base = p * K;
    for (let k = 0; k < K; k++) {
      const v = data[base + k];
      if (v > bv) { bv = v; best = k; }
    }
    let a;
    if (discretize) a = strength;
    else a = Math.max(0, Math.min(1, (bv / 255 - chance) / (1 - chance))) * strength;
    const col = CLASS_COLORS[best % CLASS_COLORS.length];
    const o = p * 4;
    out[o] = MID[0] + (col[0] - MID[0]) * a;
    out[o + 1] = MID[1] + (col[1] - MID[1]) * a;
    out[o + 2] = MID[2] + (col[2] - MID[2]) * a;
    out[o + 3] = 255;
  }
}

/** Colour of a data point: its class, or the diverging colour of a regression target. */
export function pointColor(label, regression) {
  return regression ? diverging(label) : classColor(Math.round(label));
}
