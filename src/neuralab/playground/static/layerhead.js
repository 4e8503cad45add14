// The per-layer extras of a hidden layer's column head in the network diagram (network.js
// builds the head and calls layerExtras): a dropout menu for that layer, and badges that mark
// a layer trained with dropout ("drop p=0.2") or batch normalization ("BN"), so a glance at the
// diagram says which layers are regularized. The config's `dropout` is one number or a list of
// one per hidden layer; a list shorter than `hidden` repeats its last entry (PROTOCOL.md), as
// for `activation`. The menu's values come from hello's presets.dropout (a link's other value
// is added to the menu). Badges carry data-hide, so explain.js explains them on hover and focus
// (their title becomes the tooltip's first line) and classroom mode hides them with the control.

/** Hidden layer l's drop probability in `cfg` (0-based l). */
export function dropoutAt(cfg, l) {
  const d = cfg.dropout;
  return Number(Array.isArray(d) ? d[Math.min(l, d.length - 1)] : d) || 0;
}

/** The drop probabilities of all hidden layers of `cfg`. */
export function dropouts(cfg) {
  return cfg.hidden.map((_, l) => dropoutAt(cfg, l));
}

const fmtP = (p) => String(Number(p.toPrecision(3)));

function make(tag, attrs, parent) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") e.textContent = v;
    else e.setAttribute(k, v);
  }
  parent.appendChild(e);
  return e;
}

/** Add layer l's dropout menu and badges to its column `head`. cfg: the page's config;
 *  presets: hello's presets.dropout; narrow: the head is narrow (the menu shows the bare p);
 *  onDropout(l, p): the user picked p for layer l. */
export function layerExtras(head, l, cfg, presets, narrow, onDropout) {
  const n = l + 1;
  const p = dropoutAt(cfg, l);
  const sel = make("select", { id: `dropout-${n}`, class: "drop-select", "data-hide": "dropout",
    "aria-label": `Dropout probability p of hidden layer ${n}` }, head);
  const values = presets.includes(p) ? presets : [...presets, p].sort((a, b) => a - b);
  for (const v of values) make("option", { value: String(v), text: narrow ? `p ${fmtP(v)}` : `drop ${fmtP(v)}` }, sel);
  sel.value = String(p);
  sel.addEventListener("change", () => onDropout(l, Number(sel.value)));

  // BN first: in a narrow head the badges wrap, and each kind keeps its row across the layers
  const badges = make("div", { class: "layer-badges", id: `layer-${n}-badges` }, head);
  if (cfg.batchnorm) {
    make("span", { class: "layer-badge bn", id: `layer-${n}-bn-badge`, tabindex: "0", "data-hide": "batchnorm",
      title: `Hidden layer ${n} is batch-normalized: W·x + b is standardized over the minibatch, then scaled by γ and shifted by β, before the activation`,
      text: "BN" }, badges);
  }
  if (p > 0) {
    make("span", { class: "layer-badge drop", id: `layer-${n}-dropout-badge`, tabindex: "0", "data-hide": "dropout",
      title: `Hidden layer ${n} is trained with dropout: each of its units is set to 0 with probability ${fmtP(p)} ` +
        `at every training step (the pictures show the network without dropout)`,
      text: narrow ? `p=${fmtP(p)}` : `drop p=${fmtP(p)}` }, badges);
  }
}
