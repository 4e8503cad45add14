// The network diagram: a features column (all nine, active ones lit, click to toggle), the
// hidden layers (a heatmap per neuron, +/- per layer, an activation select per layer) and the
// output units, joined by weight lines (SVG) whose colour is the sign and width the size.
// The features, the activations and the most neurons a layer may have come from hello's tables.
import { diverging, neuronLut, paintChannel, paintLut, paintOutput, rgb } from "./colors.js";
import { label } from "./labels.js";
import { FEATURE_LABEL, paintFeature } from "./thumbs.js";

const SVGNS = "http://www.w3.org/2000/svg";
const HEADER_H = 64;      // room for the per-layer controls
const LABEL_W = 92;       // feature labels left of the feature column
const FEATURE_PX = 40;    // feature heatmaps are computed here at this size

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
   *      hoverNeuron(info|null), editWeight({layer, i, j, value}); tables: hello's */
  constructor(root, svg, cb, tables) {
    this.root = root;
    this.svg = svg;
    this.cb = cb;
    this.features = tables.features;
    this.activations = tables.choices.activation;
    this.maxNeurons = tables.limits.neurons;
    this.domain = tables.limits.domain;
    this.key = null;
    this.nodes = [];        // nodes[c] = [{el, canvas, id, x, y, size, ...}] per column
    this.links = [];        // links[l] = [{path, hit, i, u, j, w}]
    this.featureNodes = {}; // name -> node (all nine)
    this.weights = null;
    this.biases = null;
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
    const key = JSON.stringify([cfg.features, cfg.hidden, acts, outUnits, this.root.clientWidth, this.root.clientHeight]);
    if (key === this.key && !force) return false;
    this.key = key;
    this.cfg = cfg;
    this.acts = acts;
    this.outUnits = outUnits;
    this.closeEditor();
    for (const child of [...this.root.children]) if (child !== this.svg) child.remove();
    while (this.svg.firstChild) this.svg.firstChild.remove();

    const W = this.root.clientWidth || 600;
    const H = this.root.clientHeight || 500;
    this.svg.setAttribute("width", W);
    this.svg.setAttribute("height", H);
    this.svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
    const avail = H - HEADER_H - 8;
    const featSize = Math.max(18, Math.min(36, Math.floor(avail / (this.features.length * 1.28))));
    const maxUnits = Math.max(1, outUnits, ...cfg.hidden);
    const size = Math.max(10, Math.min(36, Math.floor(avail / (maxUnits * 1.22))));
    const outSize = Math.max(16, Math.min(40, Math.floor(avail / (outUnits * 1.3))));

    const nH = cfg.hidden.length;
    const xFeat = LABEL_W;
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
      const hw = Math.max(50, Math.min(104, spacing - 6));
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

      const col = [];
      for (let u = 0; u < units; u++) {
        const y = HEADER_H + u * size * 1.22;
        const id = `L${l + 1}N${u}`;
        const node = el("div", { class: "node neuron", id: `neuron-${id}`, tabindex: "0",
          "aria-label": `neuron ${u + 1} of hidden layer ${l + 1}`,
          style: { left: `${x}px`, top: `${y}px`, width: `${size}px`, height: `${size}px` } }, this.root);
        const canvas = el("canvas", { width: 1, height: 1 }, node);
        const bias = el("div", { class: "bias" }, node);
        const info = { el: node, canvas, bias, id, x, y, size, kind: "neuron", layer: l + 1, unit: u };
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
      const info = { el: node, canvas, bias, id: `out${k}`, x: xOut, y, size: outSize, kind: "output", unit: k };
      this.hoverable(info, outUnits === 1 ? "output" : `class ${k}`);
      outCol.push(info);
    }
    this.nodes.push(outCol);

    // --- links (drawn under the nodes)
    this.links = [];
    for (let l = 0; l < this.nodes.length - 1; l++) {
      const src = this.nodes[l], dst = this.nodes[l + 1];
      const layerLinks = [];
      const g = document.createElementNS(SVGNS, "g");
      this.svg.appendChild(g);
      for (let i = 0; i < src.length; i++) {
        for (let u = 0; u < dst.length; u++) {
          const a = src[i], b = dst[u];
          const x1 = a.x + a.size, y1 = a.y + a.size / 2;
          const x2 = b.x, y2 = b.y + b.size / 2;
          const mx = (x1 + x2) / 2;
          const d = `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`;
          const path = document.createElementNS(SVGNS, "path");
          path.setAttribute("d", d);
          path.setAttribute("class", "link");
          const hit = document.createElementNS(SVGNS, "path");
          hit.setAttribute("d", d);
          hit.setAttribute("class", "link-hit");
          hit.setAttribute("id", `weight-${l}-${i}-${u}`);
          g.appendChild(path);
          g.appendChild(hit);
          const link = { path, hit, layer: l, i, u, j: u, w: NaN, from: a, to: b };
          hit.addEventListener("mousemove", (ev) => this.showWeightTip(link, ev));
          hit.addEventListener("mouseleave", () => { this.weightTip.hidden = true; path.classList.remove("hover"); });
          hit.addEventListener("click", (ev) => this.openEditor(link, ev));
          layerLinks.push(link);
        }
      }
      this.links.push(layerLinks);
    }
    if (this.weights) this.updateLinks(this.weights, this.biases);
    return true;
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

  /** Paint the neuron and output heatmaps of a frame. */
  paint(maps, regression) {
    for (let c = 1; c < this.nodes.length - 1; c++) {
      for (const info of this.nodes[c]) {
        const m = maps[info.id];
        if (!m) continue;
        info.lo = m.lo; info.hi = m.hi;
        const img = this.imageFor(info, m.width, m.height);
        paintLut(img, m.data, neuronLut(m.lo, m.hi), m.channels, 0);
        info.canvas.getContext("2d").putImageData(img, 0, 0);
      }
    }
    const out = maps.output;
    if (out) {
      const col = this.nodes[this.nodes.length - 1];
      col.forEach((info, k) => {
        const img = this.imageFor(info, out.width, out.height);
        if (regression || out.channels === 1) paintOutput(img, out, { regression: true, discretize: false });
        else if (k < out.channels) paintChannel(img, out.data, out.channels, k);
        info.canvas.getContext("2d").putImageData(img, 0, 0);
      });
    }
  }

  imageFor(info, w, h) {
    if (info.canvas.width !== w || info.canvas.height !== h) {
      info.canvas.width = w;
      info.canvas.height = h;
      info.img = null;
    }
    if (!info.img) info.img = info.canvas.getContext("2d").createImageData(w, h);
    return info.img;
  }

  /** Update the weight lines (and bias markers) from a frame's weights. */
  updateLinks(weights, biases) {
    this.weights = weights;
    this.biases = biases;
    if (!weights) return;
    for (let l = 0; l < this.links.length; l++) {
      const W = weights[l];
      if (!W || !W.length) continue;
      const src = this.nodes[l].length, dst = this.nodes[l + 1].length;
      if (W.length !== src) continue; // a frame from before the last rebuild
      const dOut = W[0].length;
      const k = dOut === dst ? 1 : dOut % dst === 0 ? dOut / dst : 0; // maxout: k pieces per unit
      if (!k) continue;
      for (const link of this.links[l]) {
        const row = W[link.i];
        let j = link.u * k, best = row[j];
        for (let p = 1; p < k; p++) {
          const v = row[link.u * k + p];
          if (Math.abs(v) > Math.abs(best)) { best = v; j = link.u * k + p; }
        }
        link.j = j;
        if (best === link.w) continue;
        link.w = best;
        // restyle only on a visible change (SVG restyling is what costs on big networks)
        const a = Math.abs(best);
        const width = Math.round((0.6 + Math.min(a, 5) * 1.5) * 5) / 5;
        // colour: sign, saturating at |w| = 1 (a square root so that small weights still show)
        const tone = Math.round(Math.sign(best) * Math.sqrt(Math.min(a, 1)) * 24);
        if (width !== link.width) { link.width = width; link.path.style.strokeWidth = String(width); }
        if (tone !== link.tone) { link.tone = tone; link.path.style.stroke = rgb(diverging(tone / 24)); }
      }
    }
    if (biases) {
      for (let c = 1; c < this.nodes.length; c++) {
        for (const info of this.nodes[c]) {
          const b = this.biasOf(info);
          if (b !== undefined && info.bias) info.bias.style.background = rgb(diverging(b));
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
    link.path.classList.add("hover");
    this.weightTip.textContent = `weight ${fmt(link.w, 4)} (${this.linkName(link)}) · click to edit`;
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
      this.updateLinks(this.weights, this.biases);
    }
  }

  closeEditor() {
    this.editor.hidden = true;
    this.editing = null;
  }
}
