// Display names for the server's names. Which names exist (and in what order) is hello's to
// say (its `choices` and `datasets`); this only says how a name is shown, and a name without an
// entry here is shown as it is.

const LABELS = {
  activation: {
    sigmoid: "Sigmoid", tanh: "Tanh", relu: "ReLU", leaky_relu: "Leaky ReLU", elu: "ELU",
    maxout: "Maxout", linear: "Linear",
  },
  dataset: {
    circle: "Circle", xor: "Exclusive or", gaussian: "Gaussian", spiral: "Spiral", blobs: "Blobs",
    moons: "Moons", checkerboard: "Checkerboard", ring: "Ring", "three-modes": "Three modes",
    quadrants: "Quadrants", plane: "Plane", "multi-gaussian": "Multi-Gaussian",
  },
  optimizer: { sgd: "SGD", momentum: "Momentum", nesterov: "Nesterov", rmsprop: "RMSProp", adam: "Adam" },
  reg: { none: "None", l1: "L1", l2: "L2", elastic: "Elastic net" },
  loss: { softmax: "Softmax", svm: "SVM", mse: "MSE" },
  problem: { classification: "Classification", regression: "Regression" },
  rules: { neuralab: "neuralab", tfp: "TensorFlow Playground" },
  feature: {
    x1: "x₁", x2: "x₂", "x1^2": "x₁²", "x2^2": "x₂²", x1x2: "x₁x₂", sin_x1: "sin(x₁)",
    sin_x2: "sin(x₂)", r: "r", theta: "θ",
  },
};

/** How the name `value` of config field `field` is shown. */
export function label(field, value) {
  return LABELS[field]?.[value] ?? String(value);
}
