// WebSocket connection to the session (PROTOCOL.md): JSON text frames both ways, plus binary
// `frame` messages from the server: 4-byte little-endian header length L, L bytes of UTF-8 JSON
// header, then the uint8 heatmaps (each at header.heatmaps[i].offset from the end of the header).

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
      if (this.closedByUser || ev.code === 1008) return;
      const delay = Math.min(5000, 300 * 2 ** this.retry++);
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
