// The loss curve: training loss (dark) and test loss (light) per frame; hover reads values.

const MAX_POINTS = 1500;

export class LossChart {
  constructor(canvas, tip) {
    this.canvas = canvas;
    this.tip = tip;
    this.points = []; // {epoch, step, train, test}
    this.hover = -1;
    this.dirty = true;
    canvas.addEventListener("mousemove", (ev) => this.onMove(ev));
    canvas.addEventListener("mouseleave", () => { this.hover = -1; this.tip.hidden = true; this.draw(); });
  }

  clear() {
    this.points = [];
    this.hover = -1;
    this.tip.hidden = true;
    this.draw();
  }

  push(h) {
    const last = this.points[this.points.length - 1];
    if (last && (h.epoch < last.epoch || (h.epoch === last.epoch && (h.step ?? 0) < (last.step ?? 0)))) {
      this.points = []; // the session was reset
    }
    if (last && this.points.length && h.epoch === last.epoch && (h.step ?? 0) === (last.step ?? 0)) {
      this.points[this.points.length - 1] = pick(h); // same step again (a re-sent frame)
    } else {
      this.points.push(pick(h));
    }
    if (this.points.length > MAX_POINTS) {
      // keep the curve's shape: drop every other point of the older half
      const half = Math.floor(this.points.length / 2);
      const old = this.points.slice(0, half).filter((_, i) => i % 2 === 0);
      this.points = old.concat(this.points.slice(half));
    }
    this.dirty = true;
  }

  scales() {
    const w = this.canvas.width, h = this.canvas.height;
    const pts = this.points;
    let max = 0;
    for (const p of pts) {
      if (Number.isFinite(p.train)) max = Math.max(max, p.train);
      if (Number.isFinite(p.test)) max = Math.max(max, p.test);
    }
    max = max || 1;
    const pad = 3;
    const n = Math.max(1, pts.length - 1);
    return {
      x: (i) => pad + ((w - 2 * pad) * i) / n,
      y: (v) => h - pad - ((h - 2 * pad) * Math.min(v, max)) / max,
      inv: (px) => Math.round(((px - pad) / (w - 2 * pad)) * n),
      max,
    };
  }

  draw() {
    this.dirty = false;
    const ctx = this.canvas.getContext("2d");
    const w = this.canvas.width, h = this.canvas.height;
    ctx.clearRect(0, 0, w, h);
    ctx.fillStyle = "#fafafa";
    ctx.fillRect(0, 0, w, h);
    const pts = this.points;
    if (pts.length < 1) return;
    const s = this.scales();
    const line = (key, color, width) => {
      ctx.strokeStyle = color;
      ctx.lineWidth = width;
      ctx.beginPath();
      let started = false;
      pts.forEach((p, i) => {
        const v = p[key];
        if (!Number.isFinite(v)) { started = false; return; }
        if (!started) { ctx.moveTo(s.x(i), s.y(v)); started = true; } else ctx.lineTo(s.x(i), s.y(v));
      });
      ctx.stroke();
    };
    line("test", "#9aa0a6", 2);
    line("train", "#202124", 1.5);
    ctx.fillStyle = "#5f6368";
    ctx.font = "10px system-ui, sans-serif";
    ctx.fillText(s.max.toPrecision(3), 4, 11);
    if (this.hover >= 0 && this.hover < pts.length) {
      const x = s.x(this.hover);
      ctx.strokeStyle = "rgba(0,0,0,0.35)";
      ctx.lineWidth = 1;
      ctx.beginPath(); ctx.moveTo(x, 0); ctx.lineTo(x, h); ctx.stroke();
    }
  }

  onMove(ev) {
    const pts = this.points;
    if (!pts.length) return;
    const rect = this.canvas.getBoundingClientRect();
    const px = ((ev.clientX - rect.left) / rect.width) * this.canvas.width;
    const s = this.scales();
    const i = Math.max(0, Math.min(pts.length - 1, s.inv(px)));
    this.hover = i;
    const p = pts[i];
    const f = (v) => (Number.isFinite(v) ? v.toFixed(4) : "–");
    this.tip.textContent = `epoch ${p.epoch}${p.step != null ? ` · step ${p.step}` : ""} · train ${f(p.train)} · test ${f(p.test)}`;
    this.tip.hidden = false;
    this.draw();
  }
}

function pick(h) {
  return {
    epoch: h.epoch ?? 0,
    step: h.step,
    train: typeof h.train_loss === "number" ? h.train_loss : NaN,
    test: typeof h.test_loss === "number" ? h.test_loss : NaN,
  };
}
