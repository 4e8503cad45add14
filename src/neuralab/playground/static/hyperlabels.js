// Labels on the class hyperplanes of the output picture (output.js draws the dashed lines): each
// line says what it is, "wₖ·x + bₖ = 0" — output unit k's score is zero there — so that no one
// takes it for the decision boundary (that is where the picture's colours change: where two
// classes' scores are equal). The labels are HTML spans over the canvas, not canvas text, so
// they stay sharp at any size, can be read by a test, and a screen reader skips them (the
// caption says the same). One span per output unit, reused from frame to frame.

const SUB = "₀₁₂₃₄₅₆₇₈₉";
const AT = [0.27, 0.73, 0.4, 0.6, 0.5]; // where along its line unit k's label sits: apart from the others

/** Unicode subscript digits of k. */
function sub(k) {
  return String(k).split("").map((d) => SUB[Number(d)]).join("");
}

/** The label's text for output unit k of K. */
export function hyperplaneText(k, K) {
  return K === 1 ? "w·x + b = 0" : `w${sub(k)}·x + b${sub(k)} = 0`;
}

/** Where along the segment p–q (canvas pixels) unit k's label goes: [x, y, angle in radians,
 *  kept upright]. */
export function labelAnchor(p, q, k) {
  const t = AT[k % AT.length];
  const x = p[0] + (q[0] - p[0]) * t, y = p[1] + (q[1] - p[1]) * t;
  let a = Math.atan2(q[1] - p[1], q[0] - p[0]);
  if (a > Math.PI / 2) a -= Math.PI;
  if (a <= -Math.PI / 2) a += Math.PI;
  return [x, y, a];
}

/** Show `labels` ([{k, text, color, x, y, angle}], x and y in CSS pixels of the canvas's box)
 *  in `wrap` (the canvas's positioned parent); [] hides them all. */
export function placeHyperplaneLabels(wrap, labels) {
  let layer = wrap.querySelector(".hp-labels");
  if (!layer) {
    if (!labels.length) return;
    layer = document.createElement("div");
    layer.className = "hp-labels";
    layer.setAttribute("aria-hidden", "true");
    wrap.appendChild(layer);
  }
  const spans = layer.children;
  for (let i = 0; i < labels.length; i++) {
    const { k, text, color, x, y, angle } = labels[i];
    let s = spans[i];
    if (!s) {
      s = document.createElement("span");
      s.className = "hp-label";
      layer.appendChild(s);
    }
    if (s.textContent !== text) s.textContent = text;
    s.dataset.unit = String(k);
    s.style.color = color;
    // centred on the anchor, just above the line, along it
    s.style.transform = `translate(${x.toFixed(1)}px, ${y.toFixed(1)}px) rotate(${angle.toFixed(3)}rad) translate(-50%, -115%)`;
    s.hidden = false;
  }
  for (let i = labels.length; i < spans.length; i++) spans[i].hidden = true;
}
