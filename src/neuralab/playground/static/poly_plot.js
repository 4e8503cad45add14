// The polynomial page's plot: the data points and the fitted curve in a window that follows the
// data, and the pointer edits on it (click adds a point, drag moves one, shift-, ctrl- or
// right-click deletes one). An edit changes the data text through `edit` and reports through
// `changed`; the server's next reply redraws the plot.
import { niceTicks, sizedCanvas, tracePath } from "./chart.js";
import { AXIS, GRID, NEG, POS, TEXT, rgb } from "./colors.js";
import { fmtSig } from "./ui.js";

const PAD = { l: 44, r: 12, t: 10, b: 26 };

// Numbers for a clicked point: enough digits for the view, no more.
function roundFor(v, span) {
  const decimals = Math.min(8, Math.max(0, Math.ceil(-Math.log10(span / 2000))));
  return Number(v.toFixed(decimals));
}

export class PointPlot {
  /** edit(fn): apply fn to the data's lines (an array of strings, edited in place) and return
   *  its result; changed(): the points changed on the plot (refit, keeping the window). */
  constructor(canvas, { edit, changed }) {
    this.canvas = canvas;
    this.edit = edit;
    this.changed = changed;
    this.reply = null;   // the last good reply
    this.points = null;  // {x, y, lines}: the reply's points, moved locally while dragging
    this.view = null;    // the data window {x0, x1, y0, y1}
    this.drag = null;    // {i, line} while a point is dragged
    this.bind();
  }

  get dragging() {
    return this.drag !== null;
  }

  /** The window's x range while there is one (the curve must span it), else null. */
  xRange() {
    return this.view ? [this.view.x0, this.view.x1] : null;
  }

  /** Draw a reply. The window refits to the data unless `keep` (the user is editing points on
   *  it: a window that moves under the pointer makes a click miss) and they all still lie in. */
  show(reply, keep) {
    this.reply = reply;
    if (!this.drag) this.points = { x: reply.x.slice(), y: reply.y.slice(), lines: reply.lines.slice() };
    const p = this.points;
    if (!keep || !p.x.every((x, i) => this.inView(x, p.y[i]))) this.view = null;
    this.draw();
  }

  computeView() {
    const { reply, points } = this;
    const xs = reply.curve.x;
    const x0 = xs[0], x1 = xs[xs.length - 1];
    let lo = Math.min(...points.y), hi = Math.max(...points.y);
    if (!(hi > lo)) { lo -= 1; hi += 1; }
    const span = hi - lo;
    // let a wild curve show, but not squash the data into a line
    let clo = lo, chi = hi;
    for (const v of reply.curve.y) if (v !== null) { clo = Math.min(clo, v); chi = Math.max(chi, v); }
    lo = Math.max(clo, lo - 0.6 * span);
    hi = Math.min(chi, hi + 0.6 * span);
    const pad = 0.08 * (hi - lo);
    return { x0, x1, y0: lo - pad, y1: hi + pad };
  }

  inView(x, y) {
    const v = this.view;
    return v && x >= v.x0 && x <= v.x1 && y >= v.y0 && y <= v.y1;
  }

  scales(w, h) {
    const v = this.view;
    return {
      px: (x) => PAD.l + ((x - v.x0) / (v.x1 - v.x0)) * (w - PAD.l - PAD.r),
      py: (y) => h - PAD.b - ((y - v.y0) / (v.y1 - v.y0)) * (h - PAD.t - PAD.b),
      dx: (px) => v.x0 + ((px - PAD.l) / (w - PAD.l - PAD.r)) * (v.x1 - v.x0),
      dy: (py) => v.y0 + ((h - PAD.b - py) / (h - PAD.t - PAD.b)) * (v.y1 - v.y0),
    };
  }

  draw() {
    const { ctx, w, h } = sizedCanvas(this.canvas);
    const { reply, points, drag } = this;
    if (!reply || !points) return;
    if (!this.view) this.view = this.computeView();
    const view = this.view;
    const s = this.scales(w, h);
    ctx.font = "10px system-ui, sans-serif";
    ctx.fillStyle = TEXT;
    ctx.lineWidth = 1;
    for (const t of niceTicks(view.x0, view.x1, 8)) {
      const x = s.px(t);
      ctx.strokeStyle = GRID;
      ctx.beginPath(); ctx.moveTo(x, PAD.t); ctx.lineTo(x, h - PAD.b); ctx.stroke();
      ctx.textAlign = "center";
      ctx.fillText(fmtSig(t), x, h - PAD.b + 13);
    }
    for (const t of niceTicks(view.y0, view.y1, 6)) {
      const y = s.py(t);
      ctx.strokeStyle = GRID;
      ctx.beginPath(); ctx.moveTo(PAD.l, y); ctx.lineTo(w - PAD.r, y); ctx.stroke();
      ctx.textAlign = "right";
      ctx.fillText(fmtSig(t), PAD.l - 5, y + 3);
    }
    ctx.strokeStyle = AXIS;
    ctx.strokeRect(PAD.l, PAD.t, w - PAD.l - PAD.r, h - PAD.t - PAD.b);
    ctx.save();
    ctx.beginPath();
    ctx.rect(PAD.l, PAD.t, w - PAD.l - PAD.r, h - PAD.t - PAD.b);
    ctx.clip();
    ctx.strokeStyle = rgb(POS);
    ctx.lineWidth = 2.2;
    const { x: cx, y: cy } = reply.curve;
    // far-off values clamped: canvas coordinates this large draw nothing at all
    tracePath(ctx, cx.length, (i) => (cy[i] === null ? null
      : [s.px(cx[i]), Math.max(-1e4, Math.min(1e4, s.py(cy[i])))]));
    ctx.stroke();
    const many = points.x.length > 500;
    for (let i = 0; i < points.x.length; i++) {
      const x = s.px(points.x[i]), y = s.py(points.y[i]);
      ctx.beginPath();
      ctx.arc(x, y, many ? 2.2 : drag && drag.i === i ? 6 : 4.5, 0, 2 * Math.PI);
      ctx.fillStyle = rgb(NEG);
      ctx.fill();
      if (!many) { ctx.strokeStyle = "#fff"; ctx.lineWidth = 1.5; ctx.stroke(); }
    }
    ctx.restore();
    this.canvas.dataset.degree = String(reply.degree);
  }

  hitPoint(s, mx, my) {
    const points = this.points;
    let best = -1, bestD = 8 * 8;
    for (let i = 0; i < points.x.length; i++) {
      const dx = s.px(points.x[i]) - mx, dy = s.py(points.y[i]) - my;
      const d = dx * dx + dy * dy;
      if (d <= bestD) { best = i; bestD = d; }
    }
    return best;
  }

  pointLine(x, y, old = "") {
    const hash = old.indexOf("#");
    const comment = hash >= 0 ? `  ${old.slice(hash)}` : ""; // a dragged point keeps its note
    const v = this.view;
    return `${roundFor(x, v.x1 - v.x0)} ${roundFor(y, v.y1 - v.y0)}${comment}`;
  }

  bind() {
    const canvas = this.canvas;
    const at = (ev) => {
      const r = canvas.getBoundingClientRect();
      return [ev.clientX - r.left, ev.clientY - r.top, this.scales(r.width, r.height)];
    };
    const ready = () => this.reply && this.points && this.view;
    canvas.addEventListener("contextmenu", (ev) => ev.preventDefault());
    canvas.addEventListener("pointerdown", (ev) => {
      if (!ready()) return;
      const [mx, my, s] = at(ev);
      const points = this.points;
      const i = this.hitPoint(s, mx, my);
      if (i >= 0 && (ev.shiftKey || ev.button === 2 || ev.ctrlKey || ev.metaKey)) {
        const line = points.lines[i];
        this.edit((lines) => lines.splice(line - 1, 1));
        for (const k of ["x", "y", "lines"]) points[k].splice(i, 1);
        for (let k = i; k < points.lines.length; k++) points.lines[k] -= 1;
        this.draw();
        this.changed();
        return;
      }
      if (ev.button !== 0) return;
      if (i >= 0) {
        this.drag = { i, line: points.lines[i] };
      } else {
        // a click adds a point on a new last line, and the same press can drag it into place
        const x = s.dx(mx), y = s.dy(my);
        const line = this.edit((lines) => {
          if (lines.length && lines[lines.length - 1].trim() === "") lines.pop();
          lines.push(this.pointLine(x, y), "");
          return lines.length - 1;
        });
        points.x.push(x); points.y.push(y); points.lines.push(line);
        this.drag = { i: points.x.length - 1, line };
      }
      canvas.setPointerCapture(ev.pointerId);
      canvas.classList.add("dragging");
      this.draw();
      this.changed();
    });
    canvas.addEventListener("pointermove", (ev) => {
      if (!ready()) return;
      const [mx, my, s] = at(ev);
      const drag = this.drag;
      if (!drag) {
        canvas.classList.toggle("over-point", this.hitPoint(s, mx, my) >= 0);
        return;
      }
      const x = s.dx(mx), y = s.dy(my);
      this.points.x[drag.i] = x;
      this.points.y[drag.i] = y;
      this.edit((lines) => { lines[drag.line - 1] = this.pointLine(x, y, lines[drag.line - 1]); });
      this.draw();
      this.changed();
    });
    const drop = () => {
      if (!this.drag) return;
      this.drag = null;
      canvas.classList.remove("dragging");
      this.changed(); // now with the cross-validation
    };
    canvas.addEventListener("pointerup", drop);
    canvas.addEventListener("pointercancel", drop);
  }
}
