// The page explains itself: a short text with its formula for every control (keyed by the
// config field names of hello's tables, so a control built from hello finds its text) and for
// every picture (neuron thumbnails, links, the heatmap, the points), in the library's
// conventions (L2 = λ·ΣW² without ½, L1 as a proximal step, dropout p = probability of
// dropping, ...). Shown in one tooltip (role="tooltip") on hover and on keyboard focus; each
// explained element also names a hidden plain-text copy in aria-describedby, so a screen reader
// reads it. The activation tooltip plots f and f′. A legend under the network says what the
// pictures are. Nothing here changes a control: it only decorates what controls.js and
// network.js built (a MutationObserver decorates the network's elements as they are rebuilt).
import { CLASS_COLORS, NEG, POS, rgb } from "./colors.js";
import { label } from "./labels.js";
import { featureId } from "./network.js";

// ------------------------------------------------------------------ the texts
// Each entry: title, text, optional formula, optional choices {name: {formula, text}} (the
// current choice is marked in the tooltip; all of them are in the screen reader's text).
const ACT = {
  sigmoid: { formula: "σ(z) = 1 / (1 + e^(−z));  σ′(z) = σ(z)·(1 − σ(z))", text: "squashes to (0, 1); σ′ ≤ ¼, so gradients shrink layer by layer",
    f: (z) => 1 / (1 + Math.exp(-z)), df: (z) => { const s = 1 / (1 + Math.exp(-z)); return s * (1 - s); } },
  tanh: { formula: "tanh(z);  tanh′(z) = 1 − tanh²(z)", text: "squashes to (−1, 1), zero-centred",
    f: Math.tanh, df: (z) => 1 - Math.tanh(z) ** 2 },
  relu: { formula: "f(z) = max(0, z);  f′(z) = 1 if z > 0, else 0", text: "a unit with z < 0 passes no gradient",
    f: (z) => Math.max(0, z), df: (z) => (z > 0 ? 1 : 0) },
  leaky_relu: { formula: "f(z) = z if z > 0, else α·z;  f′(z) = 1 or α  (α = 0.01)", text: "a small slope for z < 0 keeps units alive",
    f: (z) => (z > 0 ? z : 0.01 * z), df: (z) => (z > 0 ? 1 : 0.01) },
  elu: { formula: "f(z) = z if z > 0, else α·(eᶻ − 1);  f′(z) = 1 or α·eᶻ  (α = 1)", text: "smooth for z < 0, saturates at −α",
    f: (z) => (z > 0 ? z : Math.exp(z) - 1), df: (z) => (z > 0 ? 1 : Math.exp(z)) },
  maxout: { formula: "f = max(z₁, z₂) of k = 2 linear pieces zᵢ = wᵢ·x + bᵢ;  ∂f/∂zᵢ = 1 for the larger piece, 0 for the other",
    text: "each unit has two sets of weights; plotted for z₁ = z, z₂ = −z/2",
    f: (z) => Math.max(z, -z / 2), df: (z) => (z > 0 ? 1 : -0.5) },
  linear: { formula: "f(z) = z;  f′(z) = 1", text: "linear layers stacked are one linear map",
    f: (z) => z, df: () => 1 },
};

export const EXPLAIN = {
  // ---- training (top bar)
  lr: { title: "Learning rate η", formula: "w ← w − η·g",
    text: "The step size of every update; g = ∂L/∂w is the gradient of the minibatch loss (the optimizer may transform it first). Too large: the loss jumps or diverges; too small: training crawls." },
  optimizer: { title: "Optimizer", text: "How the gradient g becomes an update (η the learning rate, t the step count).",
    choices: {
      sgd: { formula: "w ← w − η·g" },
      momentum: { formula: "v ← μ·v + g;  w ← w − η·v  (μ = 0.9)" },
      nesterov: { formula: "v ← μ·v + g;  w ← w − η·(g + μ·v)  (μ = 0.9)" },
      rmsprop: { formula: "s ← ρ·s + (1 − ρ)·g²;  w ← w − η·g / (√s + ε)  (ρ = 0.99)" },
      adam: { formula: "m ← β₁·m + (1 − β₁)·g;  v ← β₂·v + (1 − β₂)·g²;  w ← w − η·m̂ / (√v̂ + ε), m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ)  (β₁ = 0.9, β₂ = 0.999)" },
    } },
  activation: { title: "Activation f", formula: "h = f(z),  z = W·x + b",
    text: "The nonlinearity of every hidden unit (each layer can have its own: the menu above the layer). Backpropagation multiplies the gradient by f′(z). The plot: f solid, f′ dashed.",
    choices: ACT, plot: true },
  reg: { title: "Regularization R(W)", formula: "minimize  data loss + R(W)",
    text: "A penalty on the weights (not the biases), of strength λ.",
    choices: {
      none: { formula: "R(W) = 0" },
      l1: { formula: "R = λ·Σ|W|, applied as a proximal step after each update: w ← sign(w)·max(|w| − η·λ, 0)", text: "weights land on exact zeros (sparsity)" },
      l2: { formula: "R = λ·ΣW², gradient 2λW (no ½)", text: "weight decay: shrinks every weight in proportion to its size" },
      elastic: { formula: "R = λ·Σ(β·W² + |W|): gradient 2λβW, then the L1 proximal step", text: "both: small and sparse weights" },
    } },
  lam: { title: "Regularization rate λ", formula: "L2: λ·ΣW²   L1: λ·Σ|W|   elastic net: λ·Σ(β·W² + |W|)",
    text: "The strength of the penalty R(W). λ = 0: none. Larger λ: smaller weights, smoother boundaries, less overfitting (and, too large, underfitting)." },
  beta: { title: "Elastic-net mix β", formula: "R = λ·Σ(β·W² + |W|)",
    text: "The weight of the squared (L2) term against the absolute (L1) term; only used with the elastic net." },
  loss: { title: "Loss L", text: "What training minimizes, averaged over the batch; s = the output scores, y = the true class.",
    choices: {
      softmax: { formula: "L = −log softmax(s)_y = −s_y + log Σⱼ e^(sⱼ);  ∂L/∂s = softmax(s) − onehot(y)", text: "cross-entropy: never exactly 0, always pushes the true class further" },
      svm: { formula: "L = Σ_{j≠y} max(0, s_j − s_y + Δ),  Δ = 1", text: "multiclass hinge: 0 once the true score beats every other by the margin Δ" },
      mse: { formula: "L = (ŷ − y)², gradient 2(ŷ − y)", text: "mean squared error, for regression" },
    } },
  dropout: { title: "Dropout p", formula: "p = probability of dropping a unit;  h ← h·m / (1 − p),  m ~ Bernoulli(1 − p)",
    text: "While training, each hidden unit is dropped (set to 0) with probability p and the kept ones are scaled by 1/(1 − p) (inverted dropout), so at test time — and in the pictures — nothing is dropped or rescaled. Each hidden layer has its own p (the menu in its column head; this menu sets all of them); a layer with p > 0 carries a “drop p” badge." },
  batchnorm: { title: "Batch normalization", formula: "ẑ = (z − μ_B) / √(σ²_B + ε);  out = γ·ẑ + β",
    text: "Marked “BN” on each hidden layer. After each hidden layer's W·x + b, before its activation: normalized with the minibatch's mean μ_B and variance σ²_B while training, with running averages (momentum 0.9) at test time; γ and β are learned." },
  steps_per_frame: { title: "Speed", formula: "epochs/s = steps per frame × 30 frames/s ÷ ⌈N_train / B⌉ steps per epoch",
    text: "How many minibatch steps the server takes between two pictures (about 30 frames/s), shown as epochs per second: more steps train faster and show fewer intermediate states." },
  epoch_cap: { title: "Epoch cap", text: "Training pauses when the epoch counter reaches this number; empty: no cap." },
  seed: { title: "Seed", text: "Seeds the initial weights (He initialization, Var(W) = 2 / fan-in, biases 0; a layer feeding a ReLU: He / √8 with biases 0.5, so no unit starts dead; TensorFlow Playground's rules: U(−0.5, 0.5), biases 0.1) and the training order: the same seed and settings give the same run, bit for bit." },
  rules: { title: "Training rules", text: "Whose rules train the network: the library's own, or TensorFlow Playground's (playground.tensorflow.org), reproduced exactly.",
    choices: {
      neuralab: { formula: "the loss, optimizer and regularizer chosen here; minibatches in a new order every epoch", text: "L2 = λ·ΣW², dropout and batch norm, 2–5 classes" },
      tfp: { formula: "w ~ U(−0.5, 0.5), b = 0.1; one tanh output o, L = ½(o − t)², t = ±1; w ← w − η·ḡ, then w ← w − η·λ·R′(w), R = ½w² (L2) or |w| (L1: a weight pushed across 0 is set to 0 and its link dies)",
        text: "SGD, 2 classes, 500 points (regression 1200), N_train = ⌊ratio · N⌋, the same order every epoch, an update after every B-th example of the epoch (a last partial batch joins the next update)" },
    } },
  epochs: { title: "Epoch", formula: "1 epoch = ⌈N_train / B⌉ steps",
    text: "One pass over every training point, in minibatches of B (the batch size), in a new order each epoch. The step button trains exactly one epoch." },
  play: { title: "Run / pause", text: "Trains continuously, one minibatch step after another; space toggles it." },
  reset: { title: "Reset", text: "Draws the initial weights again from the seed and sets the epoch to 0; the data stay." },
  // ---- data
  problem: { title: "Problem type", text: "Classification: each point has a class, the network outputs one score per class. Regression: each point has a real target y ∈ [−1, 1], the network outputs one number ŷ (loss MSE)." },
  classes: { title: "Classes K", formula: "K output units, one score sₖ per class",
    text: "How many classes the data set has (2–5 for the sets that allow more than two)." },
  dataset: { title: "Data set", text: "The 2-D data: points (x₁, x₂) in the square [−6, 6]² and their labels. The tiles show each set; the ones of the other problem type switch the problem." },
  train_ratio: { title: "Train / test ratio", formula: "N_train = round(ratio · N)",
    text: "The share of the points trained on; the rest is the test set, never trained on: its loss and accuracy measure how well the network generalizes." },
  noise: { title: "Noise", text: "0–50 %. Depending on the set: labels computed from a jittered copy of the point (circle, xor, ...), points moved (spiral, moons), or a wider spread (gaussian, blobs: variance 0.5 + 7·noise)." },
  batch_size: { title: "Batch size B", formula: "g = (1/B)·Σ_{i∈batch} ∇Lᵢ",
    text: "Training points per gradient step: g is the mean gradient over B points. B = 1 is pure stochastic gradient descent; a larger B gives fewer, smoother steps per epoch (⌈N_train / B⌉ of them)." },
  n_points: { title: "Points N", text: "How many points are generated, training and test together." },
  data_seed: { title: "Regenerate", text: "Draws new points from the same distribution (the next data seed); the network starts again from its seed." },
  points: { title: "Data by hand", text: "Click the output picture to add a point of the picked class (regression: target) to the picked split; shift-click adds the next class, ctrl-click deletes the nearest point." },
  csv: { title: "CSV", text: "Import points from a CSV file (x1, x2, label, split), or export the current ones." },
  // ---- network
  features: { title: "Features", formula: "x₁, x₂, x₁², x₂², x₁x₂, sin(x₁), sin(x₂), r = √(x₁² + x₂²), θ = atan2(x₂, x₁)",
    text: "The network's inputs, computed from the point (x₁, x₂); click a square to use it or not. Each square shows the feature's value over the input square.",
    choices: {
      x1: { formula: "x₁", text: "the horizontal coordinate" },
      x2: { formula: "x₂", text: "the vertical coordinate" },
      "x1^2": { formula: "x₁²", text: "with x₂² a single unit can draw a circle or ellipse" },
      "x2^2": { formula: "x₂²", text: "with x₁² a single unit can draw a circle or ellipse" },
      x1x2: { formula: "x₁·x₂", text: "its sign is the XOR pattern" },
      sin_x1: { formula: "sin(x₁)", text: "periodic in x₁" },
      sin_x2: { formula: "sin(x₂)", text: "periodic in x₂" },
      r: { formula: "r = √(x₁² + x₂²)", text: "distance from the origin (polar): circles are lines in r" },
      theta: { formula: "θ = atan2(x₂, x₁) ∈ (−π, π]", text: "the angle (polar): with r it unrolls a spiral" },
    } },
  hidden: { title: "Hidden layers", formula: "h = f(W·x + b)",
    text: "+ / − add or remove a hidden layer (up to 6), or a neuron of one layer (up to 32). Each neuron computes f(w·x + b) from the whole layer before it; no hidden layer: a linear model." },
  // ---- the hidden-space view (hidden.js)
  hidden_space: { title: "Hidden space", formula: "h⁽ᵏ⁾ = f(W⁽ᵏ⁾·h⁽ᵏ⁻¹⁾ + b⁽ᵏ⁾),  h⁽⁰⁾ = the features of (x₁, x₂);  scores s = W·h⁽ᴸ⁾ + b",
    text: "The points and a grid of input-space lines (11 + 11 over [−6, 6]²) mapped through the network up to the chosen layer, as in test mode, and drawn in that layer's coordinates: training bends and folds the plane until the classes lie on either side of a line, because the output layer is a linear classifier on the last hidden layer. With 2 classes and a last hidden layer of 2 units, the dashed line is the output's decision line s₁ − s₀ = 0. It follows training live while open; the axes fit the points." },
  hidden_layer: { title: "Layer shown", formula: "x = h⁽ᵏ⁾ ∈ ℝᴴ",
    text: "The input plane (x₁, x₂), or hidden layer k's activations h⁽ᵏ⁾ (H units). A layer of 2 units is drawn as it is, one unit per axis; a layer of 1 unit on a line; a wider one through the projection." },
  hidden_projection: { title: "Projection", text: "How a layer of more than 2 units becomes 2 coordinates (u, v).",
    choices: {
      pca: { formula: "u = (h − h̄)·d₁,  v = (h − h̄)·d₂;  d₁, d₂ = the top-2 principal directions of the training points' h (the most variance)", text: "signs kept from picture to picture" },
      units: { formula: "u = hᵢ,  v = hⱼ", text: "two units of the layer as the axes" },
    } },
  // ---- output
  show_test: { title: "Show test data", text: "Draws the test points too (dark rim) on the output picture." },
  discretize: { title: "Discretize", text: "Shows only the decision: the most probable class everywhere (regression: the sign of ŷ), without the confidence." },
  hyperplanes: { title: "Hyperplanes", formula: "sₖ = wₖ·x + bₖ = 0",
    text: "For a network without hidden layers on x₁, x₂: the dashed line of output unit k, labelled wₖ·x + bₖ = 0, is where class k's score sₖ is zero; the arrow points to increasing score (the lecture's geometric view). They are not the decision boundary: that is where the picture's colours change, where two classes' scores are equal (sⱼ = sₖ)." },
  metrics: { title: "Loss and accuracy", text: "The mean data loss (without the penalty R(W)) and the share of correct predictions, on the training points and on the test points; regression: R² = 1 − Σ(ŷ − y)² / Σ(y − ȳ)² and RMSE = √(mean (ŷ − y)²)." },
  confusion: { title: "Confusion matrix", text: "Test points counted by true class (rows) and predicted class (columns): the diagonal is right." },
  loss_chart: { title: "Loss curve", text: "Training loss (dark) and test loss (light) per epoch; hover to read values." },
  accuracy_chart: { title: "Accuracy curve", text: "Training accuracy (dark) and test accuracy (light) per epoch; regression: the test R². Hover to read values." },
  loss_log: { title: "Log scale", text: "The loss axis on a log scale: a loss falling by the same factor falls by the same height, so late, slow progress stays visible." },
  export: { title: "Export", text: "The trained model (safetensors in PyTorch's state_dict layout: neuralab.io.load or torch's load_state_dict reads it), a Python script that reruns this experiment with neuralab, or a link holding the configuration." },
  grid: { title: "Heatmap resolution G", formula: "G × G points xᵢⱼ = (−6 + 12·(j + ½)/G, 6 − 12·(i + ½)/G);  cost ∝ G² forward passes a frame",
    text: "The resolution of the output picture and the neuron thumbnails: the network is evaluated on a G × G grid of cell centres over the square [−6, 6]², one colour per cell. Larger G: a finer picture, more work per frame." },
  diagnostics: { title: "Diagnostics", formula: "dead: h = 0 on every training point;  overfitting: over 20 epochs L_train falls, L_test rises;  rising: L_train up 5 epochs in a row, or above its start;  too small: |ΔL|/L and ‖Δθ‖/‖θ‖ < 0.1 % an epoch at ≥ 80 % of the first loss",
    text: "What goes wrong while the network trains, in plain words, checked after every epoch: dead ReLU units (marked ✕ on the diagram), overfitting, a training loss that rises (a learning rate too large, said before the loss becomes NaN), and a learning rate too small to move the weights." },
  dead_unit: { title: "Dead ReLU unit", formula: "h = max(0, z) = 0 for every training point, so f′(z) = 0",
    text: "it outputs 0 for every training point, so no gradient flows through it and its weights cannot learn; try a smaller learning rate, Leaky ReLU, or Reset." },
  // ---- pictures (the legend)
  neuron: { title: "Neuron thumbnail", text: "The neuron's output h = f(w·x + b) at every point of the input square [−6, 6]²: blue positive, orange negative, white near 0 (scaled by its largest |h|). Hover it to see it large in the output picture; the small square at its corner is its bias." },
  output_unit: { title: "Output unit", text: "Class k's probability softmax(s)ₖ over the input square, from white (0) to the class's colour (1); regression: the prediction ŷ. Hover it to see it large in the output picture." },
  link: { title: "Link (weight)", text: "One weight w from a unit to a unit of the next layer: colour = sign (blue w > 0, orange w < 0), width = |w|. Hover to read it, click to edit it. Under TensorFlow Playground's rules with L1, a dead link (its weight crossed 0: set to 0, never updated again) is drawn as there, as the thin grey line of w = 0, and its tooltip says dead." },
  heatmap: { title: "Output picture", formula: "colour = argmaxₖ pₖ,  strength from 1/K (chance) to 1,  p = softmax(s)",
    text: "The network's output over the input square: each class's colour where it is the most probable, stronger as its probability grows (the class probabilities softmax(s), also under the SVM loss). Regression: ŷ from orange (−1) to blue (+1). Hovering a neuron shows that neuron's output here instead." },
  // ---- the linear classifier (linear.js; no hidden layer)
  linear_w: { title: "Weights W (D × C)", formula: "s = xW + b:  s_k = Σ_d x_d·W[d, k] + b_k",
    text: "With no hidden layer the network is a linear classifier: column k of W is class k's template, one weight per feature; a point scores high for class k where its features line up with that column. Type a value and press Enter: the server sets it (set_weight) and training goes on from it." },
  linear_b: { title: "Biases b (C)", formula: "s_k = x·W[:, k] + b_k",
    text: "Class k's offset: adding δ to b_k adds δ to class k's score at every point (its line w_k·x + b_k = 0 moves, its direction stays). Biases are not regularized. Type a value and press Enter: the server sets it (set_bias)." },
  linear_scores: { title: "Scores and loss per point", formula: "s = xW + b;  Lᵢ = the loss of point i with true class yᵢ",
    text: "The training points with the largest loss first (at most 100): the features x, the class scores (the true class's in bold, ✗ where another class scores highest), the true class y and Lᵢ. Hover a row to ring its point in the output picture; hover a point there to mark its row.",
    choices: {
      svm: { formula: "Lᵢ = Σ_{j≠yᵢ} max(0, s_j − s_yᵢ + Δ),  Δ = 1", text: "multiclass SVM (hinge): 0 once the true score beats every other by the margin" },
      softmax: { formula: "Lᵢ = −log(e^(s_yᵢ) / Σ_j e^(s_j))", text: "softmax cross-entropy: −log of the true class's probability, never exactly 0" },
    } },
  linear_loss: { title: "Data loss + regularization loss", formula: "L = (1/N)·Σᵢ Lᵢ + R(W)",
    text: "What training minimizes: the mean loss over the N training points (the training loss above) plus the penalty on the weights, not the biases: R = λ·ΣW² (L2), λ·Σ|W| (L1), λ·Σ(β·W² + |W|) (elastic net), 0 without regularization." },
  data_points: { title: "Points", text: "One dot per example, filled with its class's colour (regression: its target's colour). Training points have a white rim; test points, shown with “Show test data”, a dark rim." },
};

/** Legend lines under the network: the pictures, in this order. */
const LEGEND = ["neuron", "link", "heatmap", "data_points"];

// ------------------------------------------------------------------ texts to nodes
/** The plain text of an explanation (the screen reader's, and the tests'). */
export function explainText(key, value) {
  const e = EXPLAIN[key];
  if (!e) return "";
  const parts = [e.title + ".", e.text];
  if (e.formula) parts.push(e.formula + ".");
  const choices = Object.entries(e.choices || {}).filter(([name]) => value === undefined || name === value);
  for (const [name, c] of choices) {
    parts.push(`${label(key === "features" ? "feature" : key, name)}: ${c.formula}${c.text ? ` — ${c.text}` : ""}.`);
  }
  return parts.filter(Boolean).join(" ");
}

function node(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** The tooltip's content for `key`, with `value` (the control's current choice) marked. */
function fillTip(tip, key, value, note) {
  const e = EXPLAIN[key];
  tip.replaceChildren();
  tip.dataset.key = key;
  if (note) tip.appendChild(node("div", "xt-note", note));
  const one = key === "features" && e.choices[value]; // a feature square: its formula first
  const name = one ? label("feature", value) : "";
  const heading = !one ? e.title : one.formula.includes(" = ") ? `Feature ${one.formula}`
    : one.formula === name ? `Feature ${name}` : `Feature ${name} = ${one.formula}`;
  tip.appendChild(node("div", "xt-title", heading));
  if (one) tip.appendChild(node("div", "xt-sub", one.text));
  if (e.text) tip.appendChild(node("div", "xt-text", e.text));
  if (e.formula && !one) tip.appendChild(node("div", "xt-formula", e.formula));
  if (e.choices && !one) {
    const shown = e.plot || key === "features"
      ? Object.entries(e.choices).filter(([n]) => n === value)
      : Object.entries(e.choices);
    if (shown.length) {
      const ul = node("ul", "xt-choices");
      for (const [name, c] of shown) {
        const li = node("li", name === value ? "current" : "");
        li.appendChild(node("b", "", label(key === "features" ? "feature" : key, name)));
        li.appendChild(node("span", "xt-formula", " " + c.formula));
        if (c.text) li.appendChild(node("span", "xt-sub", ` — ${c.text}`));
        ul.appendChild(li);
      }
      tip.appendChild(ul);
    }
    if (e.plot && e.choices[value]) tip.appendChild(plotActivation(e.choices[value], value));
  }
}

/** f (solid) and f′ (dashed) of an activation on z ∈ [−3, 3]. */
export function plotActivation(act, name) {
  const W = 180, H = 104, dpr = window.devicePixelRatio || 1;
  const c = node("canvas", "xt-plot");
  Object.assign(c, { width: Math.round(W * dpr), height: Math.round(H * dpr) });
  Object.assign(c.style, { width: `${W}px`, height: `${H}px` });
  c.dataset.activation = name;
  c.setAttribute("role", "img");
  c.setAttribute("aria-label", `${label("activation", name)}: f solid, f′ dashed, z from −3 to 3`);
  const ctx = c.getContext("2d");
  ctx.scale(dpr, dpr);
  const [z0, z1, y0, y1] = [-3, 3, -1.6, 2.6];
  const sx = (z) => 6 + ((z - z0) / (z1 - z0)) * (W - 12);
  const sy = (y) => 6 + ((y1 - y) / (y1 - y0)) * (H - 12);
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, W, H);
  ctx.strokeStyle = "#bbb";
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(sx(z0), sy(0)); ctx.lineTo(sx(z1), sy(0));
  ctx.moveTo(sx(0), sy(y0)); ctx.lineTo(sx(0), sy(y1));
  ctx.stroke();
  const curve = (fn, colour, dash) => {
    ctx.strokeStyle = colour;
    ctx.lineWidth = 2;
    ctx.setLineDash(dash);
    ctx.beginPath();
    for (let i = 0; i <= 240; i++) {
      const z = z0 + ((z1 - z0) * i) / 240;
      const y = Math.max(y0, Math.min(y1, fn(z)));
      if (i === 0) ctx.moveTo(sx(z), sy(y)); else ctx.lineTo(sx(z), sy(y));
    }
    ctx.stroke();
    ctx.setLineDash([]);
  };
  curve(act.f, rgb(POS), []);
  curve(act.df, rgb(NEG), [5, 3]);
  ctx.font = "11px system-ui, sans-serif";
  ctx.fillStyle = rgb(POS); ctx.fillText("f", 10, 16);
  ctx.fillStyle = rgb(NEG); ctx.fillText("f′", 22, 16);
  return c;
}

// ------------------------------------------------------------------ decorating the page
const EXTRA = [ // elements without data-hide: [selector, key, hover target's selector]
  ["#play", "play"], ["#step", "epochs"], ["#reset", "reset"], ["#diverged-reset", "reset"], ["#epoch", "epochs", ".epoch-box"],
  ["#show-test", "show_test", "label"], ["#discretize", "discretize", "label"],
  ["#hidden-summary", "hidden_space"], ["#hidden-canvas", "hidden_space"],
  ["#heatmap", "heatmap"], ["#loss-chart", "loss_chart"], ["#accuracy-chart", "accuracy_chart"],
  ["#loss-log", "loss_log", "label"], [".stats", "metrics"],
  ["#confusion", "confusion", ".confusion-wrap"], ["#weight-input", "link"],
  ["#linear-loss", "linear_loss"],
];
const FOCUSABLE = "select, input, button, a[href], [tabindex]";
let tip = null;
let descs = null;
let current = null;
let hoverTimer = 0;

function descId(key, value) {
  const id = `explain-${key}${value === undefined ? "" : `-${String(value).replace(/[^\w-]/g, "_")}`}`;
  if (!document.getElementById(id)) {
    const s = node("span", "", explainText(key, value));
    s.id = id;
    descs.appendChild(s);
  }
  return id;
}

function describe(el, key, value) {
  const id = descId(key, value);
  const ids = (el.getAttribute("aria-describedby") || "").split(/\s+/).filter((t) => t && !t.startsWith("explain-"));
  el.setAttribute("aria-describedby", [...ids, id].join(" "));
  el.dataset.explain = key;
  if (value !== undefined) el.dataset.explainValue = value;
  if (el.title) { el.dataset.note = el.title; el.removeAttribute("title"); } // one tooltip, not two
}

let FIELDS = new Set();

/** The explained key of a `data-hide` wrapper: its last token that is a config field ("reg
 *  lam": lam), else its first token that has a text ("csv import export": csv). */
function keyOf(wrapper) {
  const keys = wrapper.dataset.hide.split(/\s+/).filter((t) => EXPLAIN[t]);
  const fields = keys.filter((t) => FIELDS.has(t));
  return fields.length ? fields[fields.length - 1] : keys[0];
}

function decorate(root) {
  const wrappers = [...root.querySelectorAll("[data-hide]")];
  if (root.matches?.("[data-hide]")) wrappers.unshift(root);
  for (const w of wrappers) {
    const key = keyOf(w);
    if (!key) continue;
    w.dataset.explain = key;
    const targets = w.matches(FOCUSABLE) ? [w] : [...w.querySelectorAll(FOCUSABLE)];
    for (const t of targets) if (!t.dataset.explain || t.dataset.explain === key) describe(t, key);
  }
  for (const f of root.querySelectorAll(".node.feature:not([data-explain])")) {
    const name = FEATURE_OF[f.id];
    if (name) describe(f, "features", name);
  }
  for (const n of root.querySelectorAll(".node.neuron:not([data-explain])")) describe(n, "neuron");
  for (const n of root.querySelectorAll(".node.output:not([data-explain])")) describe(n, "output_unit");
}

const FEATURE_OF = {};

function buildLegend() {
  const legend = node("dl", "explain-legend");
  legend.id = "explain-legend";
  legend.setAttribute("aria-label", "What the pictures show");
  for (const key of LEGEND) {
    const dt = node("dt", "", EXPLAIN[key].title);
    const dd = node("dd", "", EXPLAIN[key].text);
    dd.id = `legend-${key}`;
    if (key === "data_points") {
      const sw = node("span", "explain-swatches");
      sw.setAttribute("aria-hidden", "true");
      for (const [rim, k] of [["#fff", 0], ["#fff", 1], ["#000", 0], ["#000", 1]]) {
        const dot = node("span", "explain-dot");
        Object.assign(dot.style, { background: rgb(CLASS_COLORS[k]), borderColor: rim });
        sw.appendChild(dot);
      }
      dt.appendChild(sw);
    }
    legend.append(dt, dd);
  }
  const at = document.querySelector(".net-legend");
  if (at) at.after(legend); else document.body.appendChild(legend);
}

function place(anchor) {
  const r = anchor.getBoundingClientRect();
  tip.style.left = "0px"; tip.style.top = "0px";
  const t = tip.getBoundingClientRect();
  const vw = document.documentElement.clientWidth, vh = window.innerHeight;
  let x, y;
  if (r.height > 150) { // a big picture: beside it, not over it
    x = r.left - t.width - 10 >= 4 ? r.left - t.width - 10 : r.right + 10;
    y = r.top;
  } else {
    x = r.left;
    y = r.bottom + t.height + 8 <= vh ? r.bottom + 6 : r.top - t.height - 6;
  }
  x = Math.max(4, Math.min(x, vw - t.width - 4));
  y = Math.max(4, Math.min(y, vh - t.height - 4));
  tip.style.left = `${x + window.scrollX}px`;
  tip.style.top = `${y + window.scrollY}px`;
}

function valueOf(el) {
  if (el.dataset.explainValue !== undefined) return el.dataset.explainValue;
  const control = el.matches("select, input") ? el : el.querySelector("select");
  return control && control.tagName === "SELECT" ? control.value : undefined;
}

function show(el) {
  clearTimeout(hoverTimer);
  const key = el.dataset.explain;
  if (!EXPLAIN[key]) return;
  current = el;
  fillTip(tip, key, valueOf(el), el.dataset.note);
  tip.hidden = false;
  place(el);
}

function hide() {
  clearTimeout(hoverTimer);
  current = null;
  tip.hidden = true;
}

/** Build the hidden descriptions, the tooltip and the legend, decorate the page's controls and
 *  pictures, and keep decorating the network diagram as it is rebuilt. Call once, after the
 *  controls are built from hello (`tables`: hello's tables). */
export function installExplanations(tables) {
  if (tip) return;
  FIELDS = new Set(Object.keys(tables.defaults || {}));
  for (const name of tables.features || []) FEATURE_OF[featureId(name)] = name;
  descs = node("div");
  descs.id = "explanations";
  descs.hidden = true;
  document.body.appendChild(descs);
  tip = node("div", "explain-tip");
  tip.id = "explain-tip";
  tip.setAttribute("role", "tooltip");
  tip.hidden = true;
  document.body.appendChild(tip);
  buildLegend();
  for (const [sel, key, hoverSel] of EXTRA) {
    const el = document.querySelector(sel);
    if (!el) continue;
    if (!el.matches(FOCUSABLE)) el.tabIndex = 0; // pictures: reachable by keyboard too
    describe(el, key);
    const host = hoverSel ? el.closest(hoverSel) : null;
    if (host) host.dataset.explain = key;
  }
  decorate(document.body);
  const net = document.getElementById("network");
  if (net) new MutationObserver(() => decorate(net)).observe(net, { childList: true });
  const params = document.getElementById("linear-params"); // W and b inputs, built by linear.js
  if (params) new MutationObserver(() => decorate(params)).observe(params, { childList: true });

  document.addEventListener("focusin", (ev) => {
    const el = ev.target.closest?.("[data-explain]");
    if (el) show(el); else hide();
  });
  document.addEventListener("focusout", () => hide());
  document.addEventListener("mouseover", (ev) => {
    const el = ev.target.closest?.("[data-explain]");
    if (el === current) return;
    clearTimeout(hoverTimer);
    if (!el) { if (current && current !== document.activeElement) hide(); return; }
    hoverTimer = setTimeout(() => show(el), 250);
  });
  document.addEventListener("mousedown", () => { if (current !== document.activeElement) hide(); });
  document.addEventListener("keydown", (ev) => { if (ev.key === "Escape") hide(); });
  const refresh = (ev) => { if (current && current.contains(ev.target)) show(current); };
  document.addEventListener("change", refresh);
  document.addEventListener("input", refresh);
}
