// Plain-language diagnostics while training: the frame header's `diagnostics` (PROTOCOL.md;
// the server's playground/diagnostics.py decides, this module only shows). A panel under the
// output picture lists the messages (role="status", aria-live polite, so a screen reader reads
// a new one), and each dead ReLU unit is marked on the network diagram: greyed, a ✕ badge, and
// the explanation in its tooltip (explain.js shows a node's data-note above its own text).
import { EXPLAIN } from "./explain.js";

// A message's numbers change every frame while playing; rewriting the live region that often
// would have a screen reader read it again and again. A new or gone message shows at once,
// changed numbers at most this often.
const TEXT_EVERY_MS = 2000;

let panel = null;
let shown = { kinds: "", texts: "" };
let latest = [];
let timer = 0;

/** Create the panel (empty) under the output picture; call once, before explain.js decorates
 *  the page. */
export function installDiagnostics() {
  if (panel) return panel;
  panel = document.createElement("div");
  panel.id = "diagnostics";
  panel.className = "diagnostics";
  panel.setAttribute("role", "status");
  panel.setAttribute("aria-live", "polite");
  panel.setAttribute("aria-label", "Diagnostics");
  panel.dataset.explain = "diagnostics"; // its explanation on hover (explain.js)
  const at = document.querySelector(".out-col .axis-labels") || document.querySelector(".out-col .heatmap-wrap");
  if (at) at.after(panel); else document.body.appendChild(panel);
  return panel;
}

/** Show a frame's diagnostics: `{dead_units: [[layer, unit], ...], messages: [{kind, text}]}`
 *  (absent: nothing to say). */
export function showDiagnostics(diag) {
  latest = diag?.messages || [];
  const kinds = latest.map((m) => m.kind).join(" ");
  const texts = latest.map((m) => m.text).join("\n");
  if (kinds !== shown.kinds) drawMessages();
  else if (texts !== shown.texts && !timer) timer = setTimeout(drawMessages, TEXT_EVERY_MS);
  markDead(diag?.dead_units || []);
}

function drawMessages() {
  clearTimeout(timer);
  timer = 0;
  if (!panel) return;
  shown = { kinds: latest.map((m) => m.kind).join(" "), texts: latest.map((m) => m.text).join("\n") };
  panel.replaceChildren(...latest.map((m) => {
    const p = document.createElement("p");
    p.className = "diag";
    p.dataset.kind = m.kind;
    p.textContent = m.text; // the server's words: text, never markup
    return p;
  }));
}

/** Mark the dead units' nodes (`#neuron-L{layer}N{unit}`, layer 1-based) and unmark the rest;
 *  a rebuilt diagram has fresh nodes, marked again here on the next frame. */
function markDead(dead) {
  const ids = new Set(dead.map(([layer, unit]) => `neuron-L${layer}N${unit}`));
  for (const node of document.querySelectorAll(".node.neuron.dead")) {
    if (!ids.has(node.id)) setDead(node, false);
  }
  for (const id of ids) {
    const node = document.getElementById(id);
    if (node && !node.classList.contains("dead")) setDead(node, true);
  }
}

function setDead(node, dead) {
  node.classList.toggle("dead", dead);
  node.querySelector(".dead-badge")?.remove();
  const label = node.dataset.label ?? node.getAttribute("aria-label") ?? "";
  node.dataset.label = label;
  if (dead) {
    const badge = document.createElement("span");
    badge.className = "dead-badge";
    badge.textContent = "✕";
    badge.setAttribute("aria-hidden", "true");
    node.appendChild(badge);
    node.dataset.note = `${EXPLAIN.dead_unit.title}: ${EXPLAIN.dead_unit.text}`;
    node.setAttribute("aria-label", `${label} (dead: outputs 0 on every training point)`);
  } else {
    delete node.dataset.note;
    node.setAttribute("aria-label", label);
  }
}
