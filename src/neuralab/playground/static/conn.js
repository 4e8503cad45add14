// Talking to the server. The network page: a WebSocket to its session (PROTOCOL.md), JSON text
// frames both ways, plus binary `frame` messages from the server: 4-byte little-endian header
// length L, L bytes of UTF-8 JSON header, then the uint8 heatmaps (each at
// header.heatmaps[i].offset from the end of the header). The polynomial page: JSON POSTs, the
// newest state only (LatestRequest).

const decoder = new TextDecoder("utf-8");

/** Parse one binary frame. Returns {header, maps} where maps[id] = {width, height, channels,
 *  lo, hi, data: Uint8Array view} (no copy). Throws on a malformed frame. */
export function parseFrame(buffer) {
  if (buffer.byteLength < 4) throw new Error("frame shorter than its 4-byte header length");
  const view = new DataView(buffer);
  const length = view.getUint32(0, true);
  if (4 + length > buffer.byteLength) throw new Error("frame header length exceeds the frame");
  const header = JSON.parse(decoder.decode(new Uint8Array(buffer, 4, length)));
  const base = 4 + length;
  const maps = {};
  for (const h of header.heatmaps || []) {
    const channels = h.channels || 1;
    const size = h.width * h.height * channels;
    const start = base + (h.offset || 0);
    if (start + size > buffer.byteLength) continue; // truncated: skip that map, keep the rest
    maps[h.id] = { ...h, channels, data: new Uint8Array(buffer, start, size) };
  }
  return { header, maps };
}

const FULL_RETRY_MS = 15000;

/** The server closed an idle session (code 1000, reason "idle"): the page stays closed. */
function idleClose(ev) {
  return ev.code === 1000 && ev.reason === "idle";
}

/** The status line after a close (the server's reason is plain text: shown with textContent). */
export function closeStatus(ev) {
  if (ev.code === 1008) return "refused by the server (origin)";
  if (ev.code === 1013) return `${ev.reason || "the server is full"} — trying again in ${FULL_RETRY_MS / 1000} s…`;
  if (idleClose(ev)) return "closed by the server after a long pause — reload the page to start again";
  return "disconnected — reconnecting…";
}

export class Connection {
  /** handlers: onOpen(), onClose(), onMessage(msg), onFrame({header, maps}) */
  constructor(handlers) {
    this.handlers = handlers;
    this.ws = null;
    this.queue = [];
    this.retry = 0;
    this.closedByUser = false;
  }

  url() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    // The socket lives next to the page: /ws for a page at /, /prefix/ws under a prefix.
    const dir = location.pathname.replace(/[^/]*$/, "");
    return `${proto}//${location.host}${dir}ws`;
  }

  connect() {
    const ws = new WebSocket(this.url());
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    ws.onopen = () => {
      this.retry = 0;
      this.handlers.onOpen?.();
      const queued = this.queue;
      this.queue = [];
      for (const m of queued) this.send(m);
    };
    ws.onmessage = (ev) => {
      if (typeof ev.data === "string") {
        let msg;
        try { msg = JSON.parse(ev.data); } catch { return; }
        this.handlers.onMessage?.(msg);
      } else {
        let parsed;
        try { parsed = parseFrame(ev.data); } catch (err) {
          this.handlers.onMessage?.({ type: "error", message: `bad frame from server: ${err.message}` });
          return;
        }
        this.handlers.onFrame?.(parsed);
      }
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.handlers.onClose?.(ev);
      if (this.closedByUser || ev.code === 1008 || idleClose(ev)) return;
      // the server is full (1013): try again later, not at once — a class reloading together
      // must not hammer it
      const delay = ev.code === 1013 ? FULL_RETRY_MS : Math.min(5000, 300 * 2 ** this.retry++);
      setTimeout(() => this.connect(), delay);
    };
  }

  get open() {
    return this.ws && this.ws.readyState === WebSocket.OPEN;
  }

  send(msg) {
    if (this.open) this.ws.send(JSON.stringify(msg));
    else this.queue.push(msg);
  }
}

/** JSON POSTs of a state that keeps changing (a slider drag), answered in order: one request at
 *  a time, the newest state next (a drag coalesces into a few requests); a request that has
 *  been running for `staleMs` is stale by the time a newer state exists, so it is cancelled
 *  instead of waited for. Replies older than the one shown are dropped.
 *  handlers: body() -> the JSON to send (asked for when it leaves), onReply(data, sentAt) (a
 *  performance.now() time),
 *  onError(data) (the server's JSON error, or {message} without an answer), onIdle() (nothing
 *  running or waiting). */
export class LatestRequest {
  constructor(url, staleMs, handlers) {
    this.url = url;
    this.staleMs = staleMs;
    this.handlers = handlers;
    this.timer = 0;
    this.inflight = null;
    this.started = 0;
    this.queued = false;
    this.seq = 0;
    this.shown = 0;
  }

  /** Send the state as it is `delay` ms from now (a newer call replaces a waiting one). */
  schedule(delay = 0) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.send(), delay);
  }

  send() {
    this.timer = 0;
    if (this.inflight) {
      if (performance.now() - this.started < this.staleMs) { this.queued = true; return; }
      this.inflight.abort();
    }
    const ctl = new AbortController();
    const seq = ++this.seq;
    const t0 = performance.now();
    this.inflight = ctl;
    this.started = t0;
    fetch(this.url, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(this.handlers.body()), signal: ctl.signal,
    }).then(async (r) => {
      const data = await r.json().catch(() => ({ message: `the server answered ${r.status}` }));
      if (seq < this.shown) return;
      this.shown = seq;
      if (r.ok) this.handlers.onReply(data, t0);
      else this.handlers.onError(data);
    }).catch((err) => {
      if (err.name === "AbortError") return;
      if (seq >= this.shown) {
        this.shown = seq;
        this.handlers.onError({ message: `no answer from the server (${err.message})` });
      }
    }).finally(() => {
      if (this.inflight !== ctl) return;
      this.inflight = null;
      if (this.queued) { this.queued = false; this.send(); return; }
      if (!this.timer) this.handlers.onIdle?.();
    });
  }
}
