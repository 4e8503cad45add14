// The network diagram: a features column (all nine, active ones lit, click to toggle), the
// hidden layers (a heatmap per neuron, +/- per layer, an activation select per layer) and the
// output units, joined by weight lines whose colour is the sign and width the size.
// The features, the activations and the most neurons a layer may have come from hello's tables.
//
// Drawn for speed (6 hidden layers of 32 have ~5,400 weights and a frame comes up to 30 times
// a second): the weight lines are painted on one canvas under the nodes, each layer in its own
// band, and a layer is painted again only when one of its lines changed its colour or width
// (both quantized); at most LINK_BUDGET lines a frame, the layers waiting longest first (a big
// network's lines catch up over a few frames, and all at once when frames stop). Thin lines of
// one colour and width go in one path (hairlines are cheap to batch), thicker ones in a path
// each (one path of many overlapping thick strokes is costly to fill). The SVG above the canvas
// holds only invisible hit paths, one per weight (hover reads it, click edits it), and the
// highlighted line. A dead link (TensorFlow Playground's rules with L1: its weight crossed 0, was set
// to 0 and is never updated again; the frame's `dead`) is drawn as TFP draws it — by its weight
// like any other link, so the thin neutral line of w = 0, neither hidden nor dashed — and its
// hit path is marked (class `dead`) and its tooltip says so. The neuron and output thumbnails are painted at the size they are shown
// (thumbs.js), into an ImageData each node keeps.
import { diverging, rgb } from "./colors.js";
import { label } from "./labels.js";
import { dropouts, layerExtras } from "./layerhead.js";
import { FEATURE_LABEL, paintFeature, paintNeuronThumb, paintOutputThumb } from "./thumbs.js";

const SVGNS = "http://www.w3.org/2000/svg";
const HEADER_H = 110;     // room for the per-layer controls (+/−, units, activation, dropout, badges)
const LABEL_W = 92;       // feature labels left of the feature column (64 in a narrow diagram)
const FEATURE_PX = 40;    // feature heatmaps are computed here at this size
const TONES = 24;         // a line's colour: 2·TONES + 1 steps from orange to blue
const TONE_COLOR = Array.from({ length: 2 * TONES + 1 }, (_, k) => rgb(diverging((k - TONES) / TONES)));
const LINK_ALPHA = 0.9;
const LINK_BUDGET = 1024; // lines painted per frame (at least one layer)
const LINK_CATCH_UP_MS = 120; // ... and all of them once frames stop coming

/** A weight's line: [width in CSS pixels (steps of 0.2), tone in -TONES..TONES]; the colour
 *  saturates at |w| = 1 (a square root, so that small weights still show). */
export function linkStyle(w) {
  const a = Math.abs(w);
  if (!Number.isFinite(a)) return [0.6, 0];
  return [Math.round((0.6 + Math.min(a, 5) * 1.5) * 5) / 5, Math.round(Math.sign(w) * Math.sqrt(Math.min(a, 1)) * TONES)];
}

export function featureId(name) {
  return "feature-" + name.replace("^2", "sq").replace("_", "");
}

function el(tag, attrs = {}, parent = null) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") e.textContent = v;
    else if (k === "html") e.innerHTML = v;
    else if (k === "style") Object.assign(e.style, v);
    else e.setAttribute(k, v);
  }
  if (parent) parent.appendChild(e);
  return e;
}

function fmt(v, digits = 3) {
  if (typeof v !== "number" || !Number.isFinite(v)) return "–";
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e4)) return v.toExponential(2);
  return v.toFixed(digits);
}

export class NetworkView {
  /** cb: toggleFeature(name), addNeuron(l), removeNeuron(l), setActivation(l, name),
   *      setDropout(l, p), hoverNeuron(info|null), editWeight({layer, i, j, value}); tables: hello's */
  constructor(root, svg, cb, tables) {
    this.root = root;
    this.svg = svg;
    this.cb = cb;
    this.features = tables.features;
    this.activations = tables.choices.activation;
    this.maxNeurons = tables.limits.neurons;
    this.dropoutPresets = tables.presets?.dropout || [];
    this.domain = tables.limits.domain;
    this.key = null;
    this.nodes = [];        // nodes[c] = [{el, canvas, id, x, y, size, ...}] per column
    this.links = [];        // links[l] = [{hit, i, u, j, w, width, tone, x1, y1, x2, y2}]
    this.bands = [];        // bands[l] = [x0, x1]: where layer l's lines lie
    this.linkDirty = [];    // layers whose lines must be painted again
    this.drawn = 0;         // lines painted so far (for the curious)
    this.canvas = document.createElement("canvas");
    this.canvas.className = "links-canvas";
    Object.assign(this.canvas.style, { position: "absolute", left: "0", top: "0", pointerEvents: "none" });
    this.canvas.setAttribute("aria-hidden", "true");
    root.insertBefore(this.canvas, svg);
    this.size = null;       // the diagram's CSS size, kept by a ResizeObserver (no layout per frame)
    if (window.ResizeObserver) {
      new ResizeObserver(() => { this.size = [root.clientWidth, root.clientHeight]; }).observe(root);
    }
    this.featureNodes = {}; // name -> node (all nine)
    this.weights = null;
    this.biases = null;
    this.dead = null;       // the frame's dead links, [layer, i, j] (TFP's rules with L1)
    this.weightTip = document.getElementById("weight-tip");
    this.neuronTip = document.getElementById("neuron-tip");
    this.editor = document.getElementById("weight-editor");
    this.editorInput = document.getElementById("weight-input");
    this.editing = null;
    this.editor.addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.commitEdit();
    });
    this.editorInput.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape") this.closeEditor();
    });
    document.addEventListener("mousedown", (ev) => {
      if (!this.editor.hidden && !this.editor.contains(ev.target)) this.closeEditor();
    });
  }

  /** Rebuild the diagram when the topology changes. cfg: the page's config; outUnits: K. */
  build(cfg, outUnits, force = false) {
    // a per-layer list shorter than `hidden` repeats its last entry (PROTOCOL.md)
    const a = cfg.activation;
    const acts = cfg.hidden.map((_, l) => (Array.isArray(a) ? a[Math.min(l, a.length - 1)] : a));
    const [W0, H0] = this.size || [this.root.clientWidth, this.root.clientHeight];
    const key = JSON.stringify([cfg.features, cfg.hidden, acts, dropouts(cfg), !!cfg.batchnorm, outUnits, W0, H0]);
    if (key === this.key && !force) return false;
    this.key = key;
    this.cfg = cfg;
    this.acts = acts;
    this.outUnits = outUnits;
    this.closeEditor();
    for (const child of [...this.root.children]) if (child !== this.svg && child !== this.canvas) child.remove();
    while (this.svg.firstChild) this.svg.firstChild.remove();

    const W = W0 || 600;
    const H = H0 || 500;
    this.W = W;
    this.H = H;
    this.dpr = Math.min(2, window.devicePixelRatio || 1);
    Object.assign(this.canvas, { width: Math.round(W * this.dpr), height: Math.round(H * this.dpr) });
    Object.assign(this.canvas.style, { width: `${W}px`, height: `${H}px` });
    this.svg.setAttribute("width", W);
    this.svg.setAttribute("height", H);
    this.svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
    const avail = H - HEADER_H - 8;
    const featSize = Math.max(18, Math.min(36, Math.floor(avail / (this.features.length * 1.28))));
    const maxUnits = Math.max(1, outUnits, ...cfg.hidden);
    const size = Math.max(10, Math.min(36, Math.floor(avail / (maxUnits * 1.22))));
    const outSize = Math.max(16, Math.min(40, Math.floor(avail / (outUnits * 1.3))));

    const nH = cfg.hidden.length;
    const xFeat = W < 600 ? 64 : LABEL_W; // a projector's 1024 px: room for 6 layers
    const xOut = W - outSize - 14;
    const xs = [];
    const span = xOut - (xFeat + featSize);
    for (let l = 0; l < nH; l++) xs.push(xFeat + featSize + (span * (l + 1)) / (nH + 1) - size / 2);

    // --- features column: all of them; inactive ones dimmed, click toggles
    this.nodes = [];
    this.featureNodes = {};
    this.features.forEach((name, idx) => {
      const y = HEADER_H + idx * featSize * 1.28;
      const active = cfg.features.includes(name);
      const [html, text] = FEATURE_LABEL[name] || [name, name];
      const node = el("div", {
        class: "node feature" + (active ? " active" : ""), id: featureId(name), role: "button",
        tabindex: "0", "aria-pressed": String(active), "aria-label": `feature ${text}`,
        title: `${text}: click to ${active ? "remove" : "add"}`,
        style: { left: `${xFeat}px`, top: `${y}px`, width: `${featSize}px`, height: `${featSize}px` },
      }, this.root);
      const canvas = el("canvas", { width: FEATURE_PX, height: FEATURE_PX }, node);
      const ctx = canvas.getContext("2d");
      const img = ctx.createImageData(FEATURE_PX, FEATURE_PX);
      paintFeature(img, name, this.domain);
      ctx.putImageData(img, 0, 0);
      const caption = el("div", { class: "feature-label" + (active ? " active" : ""), html,
        style: { left: "0px", top: `${y + featSize / 2 - 9}px`, width: `${xFeat - 8}px` } }, this.root);
      caption.addEventListener("click", () => this.cb.toggleFeature(name));
      node.addEventListener("click", () => this.cb.toggleFeature(name));
      node.addEventListener("keydown", (ev) => {
        if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); this.cb.toggleFeature(name); }
      });
      const info = { el: node, canvas, id: `F:${name}`, name, x: xFeat, y, size: featSize, kind: "feature" };
      this.hoverable(info, `feature ${text}`);
      this.featureNodes[name] = info;
    });
    // the active features in the config's order: the order of the first layer's weight rows
    this.nodes.push(cfg.features.map((name) => this.featureNodes[name]).filter(Boolean));

    // --- hidden layers
    for (let l = 0; l < nH; l++) {
      const units = cfg.hidden[l];
      const x = xs[l];
      const spacing = nH > 1 ? xs[1] - xs[0] : 200;
      const hw = Math.max(44, Math.min(104, spacing - 4));
      const head = el("div", { class: "layer-head" + (hw < 90 ? " narrow" : ""),
        style: { left: `${x + size / 2 - hw / 2}px`, top: "0px", width: `${hw}px` } }, this.root);
      const pm = el("div", { class: "pm-row", "data-hide": "hidden" }, head);
      const add = el("button", { type: "button", class: "pm", id: `layer-${l + 1}-add`,
        "aria-label": `Add a neuron to hidden layer ${l + 1}`, text: "+" }, pm);
      const rem = el("button", { type: "button", class: "pm", id: `layer-${l + 1}-remove`,
        "aria-label": `Remove a neuron from hidden layer ${l + 1}`, text: "−" }, pm);
      add.disabled = units >= this.maxNeurons;
      rem.disabled = units <= 1;
      add.addEventListener("click", () => this.cb.addNeuron(l));
      rem.addEventListener("click", () => this.cb.removeNeuron(l));
      el("div", { class: "units", id: `layer-${l + 1}-units`, title: `hidden layer ${l + 1}`,
        text: hw < 90 ? `${units}` : `${units} neuron${units === 1 ? "" : "s"}` }, head);
      const sel = el("select", { id: `activation-${l + 1}`, class: "act-select", "data-hide": "activation",
        "aria-label": `Activation of hidden layer ${l + 1}` }, head);
      for (const name of this.activations) el("option", { value: name, text: label("activation", name) }, sel);
      sel.value = acts[l];
      sel.addEventListener("change", () => this.cb.setActivation(l, sel.value));
      layerExtras(head, l, cfg, this.dropoutPresets, hw < 90, (k, p) => this.cb.setDropout(k, p));

      const col = [];
      for (let u = 0; u < units; u++) {
        const y = HEADER_H + u * size * 1.22;
        const id = `L${l + 1}N${u}`;
        const node = el("div", { class: "node neuron", id: `neuron-${id}`, tabindex: "0",
          "aria-label": `neuron ${u + 1} of hidden layer ${l + 1}`,
          style: { left: `${x}px`, top: `${y}px`, width: `${size}px`, height: `${size}px` } }, this.root);
        const canvas = el("canvas", { width: 1, height: 1 }, node);
        const bias = el("div", { class: "bias" }, node);
        const info = { el: node, canvas, bias, id, x, y, size, kind: "neuron", layer: l + 1, unit: u,
          px: this.thumbPx(size) };
        this.hoverable(info, `neuron ${id}`);
        col.push(info);
      }
      this.nodes.push(col);
    }

    // --- output units
    const outCol = [];
    for (let k = 0; k < outUnits; k++) {
      const y = HEADER_H + k * outSize * 1.3;
      const node = el("div", { class: "node output", id: `neuron-out-${k}`, tabindex: "0",
        "aria-label": outUnits === 1 ? "output" : `output score of class ${k}`,
        style: { left: `${xOut}px`, top: `${y}px`, width: `${outSize}px`, height: `${outSize}px` } }, this.root);
      const canvas = el("canvas", { width: 1, height: 1 }, node);
      const bias = el("div", { class: "bias" }, node);
      const info = { el: node, canvas, bias, id: `out${k}`, x: xOut, y, size: outSize, kind: "output", unit: k,
        px: this.thumbPx(outSize) };
      this.hoverable(info, outUnits === 1 ? "output" : `class ${k}`);
      outCol.push(info);
    }
    this.nodes.push(outCol);

    // --- links: painted on the canvas under the nodes; the SVG holds a hit path per weight
    this.links = [];
    this.bands = [];
    const hits = document.createElementNS(SVGNS, "g");
    hits.setAttribute("class", "link-hits");
    hits.style.visibility = "hidden"; // never painted; pointer-events: stroke still hits
    this.svg.appendChild(hits);
    for (let l = 0; l < this.nodes.length - 1; l++) {
      const src = this.nodes[l], dst = this.nodes[l + 1];
      const layerLinks = [];
      if (src.length && dst.length) this.bands.push([src[0].x + src[0].size, dst[0].x]);
      else this.bands.push([0, 0]);
      for (let i = 0; i < src.length; i++) {
        for (let u = 0; u < dst.length; u++) {
          const a = src[i], b = dst[u];
          const x1 = a.x + a.size, y1 = a.y + a.size / 2;
          const x2 = b.x, y2 = b.y + b.size / 2;
          const mx = (x1 + x2) / 2;
          const hit = document.createElementNS(SVGNS, "path");
          hit.setAttribute("d", `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`);
          hit.setAttribute("class", "link-hit");
          hit.setAttribute("id", `weight-${l}-${i}-${u}`);
          hits.appendChild(hit);
          const link = { hit, layer: l, i, u, j: u, w: NaN, width: 0.6, tone: 0, dead: false, x1, y1, x2, y2, from: a, to: b };
          hit.addEventListener("mousemove", (ev) => this.showWeightTip(link, ev));
          hit.addEventListener("mouseleave", () => { this.weightTip.hidden = true; this.highlight(null); });
          hit.addEventListener("click", (ev) => this.openEditor(link, ev));
          layerLinks.push(link);
        }
      }
      this.links.push(layerLinks);
    }
    this.hoverPath = document.createElementNS(SVGNS, "path");
    this.hoverPath.setAttribute("class", "link hover");
    this.hoverPath.style.display = "none";
    this.svg.appendChild(this.hoverPath);
    this.linkDirty = this.links.map(() => true);
    if (this.weights) this.updateLinks(this.weights, this.biases, this.dead);
    else this.drawLinks();
    return true;
  }

  /** A thumbnail's bitmap size: the node's inside (1-pixel border) in device pixels. */
  thumbPx(size) {
    return Math.max(4, Math.round((size - 2) * (this.dpr || 1)));
  }

  /** Show `link` drawn larger on top (null: none). */
  highlight(link) {
    const p = this.hoverPath;
    if (!p) return;
    if (!link) { p.style.display = "none"; return; }
    p.setAttribute("d", link.hit.getAttribute("d"));
    p.style.stroke = TONE_COLOR[link.tone + TONES];
    p.style.strokeWidth = String(link.width + 1);
    p.style.display = "";
  }

  /** Paint the weight lines of the layers marked dirty, each in its own band of the canvas:
   *  at most LINK_BUDGET lines a call (at least one layer), the layers waiting longest first,
   *  so that a network with more lines shows its newest weights over a few frames. When no
   *  new frame comes for LINK_CATCH_UP_MS (training paused), the rest is painted. */
  drawLinks(budget = LINK_BUDGET) {
    const n = this.links.length;
    clearTimeout(this.linkTimer);
    if (!n) return;
    const ctx = this.canvas.getContext("2d");
    const dpr = this.dpr || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.globalAlpha = LINK_ALPHA;
    ctx.lineCap = "butt";
    let painted = 0;
    this.nextLayer = (this.nextLayer || 0) % n;
    for (let c = 0; c < n && (painted === 0 || painted + this.links[(this.nextLayer + c) % n].length <= budget); c++) {
      const l = (this.nextLayer + c) % n;
      if (!this.linkDirty[l]) continue;
      this.linkDirty[l] = false;
      this.paintLayer(ctx, l);
      painted += this.links[l].length;
      this.nextLayer = l + 1;
    }
    this.drawn += painted;
    if (this.linkDirty.some(Boolean)) {
      this.linkTimer = setTimeout(() => this.drawLinks(Infinity), LINK_CATCH_UP_MS);
    }
  }

  /** Layer l's lines: the thin ones (≤ 1 pixel, cheap hairlines) one path per colour and
   *  width, the thicker ones one path each (a path of overlapping thick strokes is costly to
   *  fill), the strongest on top. */
  paintLayer(ctx, l) {
    const [x0, x1] = this.bands[l];
    ctx.clearRect(x0, 0, x1 - x0, this.H); // the lines stay in their band: no clip needed
    const thin = new Map(); // tone*64 + width*5 -> links
    const thick = [];
    for (const link of this.links[l]) {
      if (link.width <= 1) {
        const key = link.tone * 64 + Math.round(link.width * 5);
        let list = thin.get(key);
        if (!list) thin.set(key, (list = []));
        list.push(link);
      } else thick.push(link);
    }
    const curve = (k) => {
      const mx = (k.x1 + k.x2) / 2;
      ctx.moveTo(k.x1, k.y1);
      ctx.bezierCurveTo(mx, k.y1, mx, k.y2, k.x2, k.y2);
    };
    for (const list of thin.values()) {
      ctx.strokeStyle = TONE_COLOR[list[0].tone + TONES];
      ctx.lineWidth = list[0].width;
      ctx.beginPath();
      for (const k of list) curve(k);
      ctx.stroke();
    }
    thick.sort((p, q) => p.width - q.width);
    for (const k of thick) {
      ctx.strokeStyle = TONE_COLOR[k.tone + TONES];
      ctx.lineWidth = k.width;
      ctx.beginPath();
      curve(k);
      ctx.stroke();
    }
  }

  hoverable(info, label) {
    const enter = () => {
      this.cb.hoverNeuron(info);
      const r = info.el.getBoundingClientRect();
      this.neuronTip.textContent = this.neuronText(info, label);
      this.neuronTip.hidden = false;
      this.neuronTip.style.left = `${r.right + 8 + window.scrollX}px`;
      this.neuronTip.style.top = `${r.top + window.scrollY}px`;
    };
    const leave = () => { this.cb.hoverNeuron(null); this.neuronTip.hidden = true; };
    info.el.addEventListener("mouseenter", enter);
    info.el.addEventListener("mouseleave", leave);
    info.el.addEventListener("focus", enter);
    info.el.addEventListener("blur", leave);
  }

  neuronText(info, label) {
    const parts = [label];
    if (info.kind === "neuron" || info.kind === "output") {
      const b = this.biasOf(info);
      if (b !== undefined) parts.push(`bias ${fmt(b)}`);
    }
    if (info.lo !== undefined && info.hi !== undefined) parts.push(`range [${fmt(info.lo)}, ${fmt(info.hi)}]`);
    if (info.el.classList.contains("dead")) parts.push("dead: 0 on every training point"); // diagnostics.js
    return parts.join(" · ");
  }

  biasOf(info) {
    if (!this.biases) return undefined;
    const l = info.kind === "output" ? this.nodes.length - 2 : info.layer - 1;
    const b = this.biases[l];
    if (!b) return undefined;
    const k = b.length / (this.nodes[l + 1]?.length || 1);
    return b[Math.floor(info.unit * (k >= 1 ? Math.round(k) : 1))];
  }

  /** Paint the neuron and output thumbnails of a frame (at the size they are shown). */
  paint(maps, regression) {
    for (let c = 1; c < this.nodes.length - 1; c++) {
      for (const info of this.nodes[c]) {
        const m = maps[info.id];
        if (!m) continue;
        info.lo = m.lo; info.hi = m.hi;
        const img = this.imageFor(info);
        paintNeuronThumb(img, m);
        info.ctx.putImageData(img, 0, 0);
      }
    }
    const out = maps.output;
    if (out) {
      const col = this.nodes[this.nodes.length - 1];
      col.forEach((info, k) => {
        if (!regression && out.channels > 1 && k >= out.channels) return;
        const img = this.imageFor(info);
        paintOutputThumb(img, out, k, regression);
        info.ctx.putImageData(img, 0, 0);
      });
    }
  }

  /** The node's ImageData at its drawn size (kept between frames). */
  imageFor(info) {
    const s = info.px;
    if (!info.img || info.canvas.width !== s) {
      info.canvas.width = s;
      info.canvas.height = s;
      info.ctx = info.canvas.getContext("2d");
      info.img = info.ctx.createImageData(s, s);
    }
    return info.img;
  }

  /** Update the weight lines (and bias markers) from a frame's weights; dead: the frame's dead
   *  links ([layer, i, j], or null), marked on their hit paths. */
  updateLinks(weights, biases, dead = null) {
    this.weights = weights;
    this.biases = biases;
    this.dead = dead;
    if (!weights) return;
    const deadKeys = dead?.length ? new Set(dead.map(([l, i, j]) => `${l},${i},${j}`)) : null;
    for (let l = 0; l < this.links.length; l++) {
      const W = weights[l];
      if (!W || !W.length) continue;
      const src = this.nodes[l].length, dst = this.nodes[l + 1].length;
      if (W.length !== src) continue; // a frame from before the last rebuild
      const dOut = W[0].length;
      const k = dOut === dst ? 1 : dOut % dst === 0 ? dOut / dst : 0; // maxout: k pieces per unit
      if (!k) continue;
      let dirty = false;
      for (const link of this.links[l]) {
        const row = W[link.i];
        let j = link.u * k, best = row[j];
        for (let p = 1; p < k; p++) {
          const v = row[link.u * k + p];
          if (Math.abs(v) > Math.abs(best)) { best = v; j = link.u * k + p; }
        }
        link.j = j;
        const isDead = deadKeys !== null && deadKeys.has(`${l},${link.i},${j}`);
        if (isDead !== link.dead) {
          link.dead = isDead;
          link.hit.classList.toggle("dead", isDead);
        }
        if (best === link.w) continue;
        link.w = best;
        // paint again only on a visible change
        const [width, tone] = linkStyle(best);
        if (width !== link.width || tone !== link.tone) {
          link.width = width;
          link.tone = tone;
          dirty = true;
        }
      }
      if (dirty) this.linkDirty[l] = true;
    }
    this.drawLinks();
    if (biases) {
      for (let c = 1; c < this.nodes.length; c++) {
        for (const info of this.nodes[c]) {
          const b = this.biasOf(info);
          if (b === undefined || !info.bias) continue;
          const colour = TONE_COLOR[Math.round(Math.max(-1, Math.min(1, b)) * TONES) + TONES] ?? TONE_COLOR[TONES];
          if (colour !== info.biasColour) { info.biasColour = colour; info.bias.style.background = colour; }
        }
      }
    }
  }

  linkName(link) {
    const a = link.from, b = link.to;
    const an = a.kind === "feature" ? label("feature", a.name) : a.id;
    const bn = b.kind === "output" ? (this.outUnits === 1 ? "output" : `class ${b.unit}`) : b.id;
    return `${an} → ${bn}`;
  }

  showWeightTip(link, ev) {
    this.highlight(link);
    const dead = link.dead ? " · dead: TensorFlow Playground's L1 set it to 0, it is never updated again" : "";
    this.weightTip.textContent = `weight ${fmt(link.w, 4)} (${this.linkName(link)})${dead} · click to edit`;
    this.weightTip.hidden = false;
    this.weightTip.style.left = `${ev.pageX + 12}px`;
    this.weightTip.style.top = `${ev.pageY + 12}px`;
  }

  openEditor(link, ev) {
    ev.stopPropagation();
    this.editing = link;
    this.weightTip.hidden = true;
    this.editor.hidden = false;
    this.editor.style.left = `${ev.pageX + 6}px`;
    this.editor.style.top = `${ev.pageY + 6}px`;
    document.getElementById("weight-editor-label").textContent = `Weight ${this.linkName(link)}`;
    this.editorInput.value = Number.isFinite(link.w) ? String(Number(link.w.toPrecision(4))) : "0";
    this.editorInput.focus();
    this.editorInput.select();
  }

  commitEdit() {
    const link = this.editing;
    const value = Number(this.editorInput.value);
    this.closeEditor();
    if (!link || !Number.isFinite(value)) return;
    this.cb.editWeight({ layer: link.layer, i: link.i, j: link.j, value });
    if (this.weights?.[link.layer]?.[link.i]) {
      this.weights[link.layer][link.i][link.j] = value; // optimistic; the next frame confirms
      link.w = NaN;
      this.updateLinks(this.weights, this.biases, this.dead);
    }
  }

  closeEditor() {
    this.editor.hidden = true;
    this.editing = null;
  }
}
