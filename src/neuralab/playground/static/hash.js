// The whole configuration lives in the URL hash, e.g.
//   #dataset=spiral&classes=3&hidden=8,8&activation=tanh&lr=0.03&seed=1
// Keys are PlaygroundConfig's field names (PROTOCOL.md); lists are comma separated, an empty
// list or a null is "none". A few keys are the page's own: show_test, discretize, hyperplanes,
// hide (classroom mode), hidden_space=LAYER or LAYER,I,J (the hidden-space panel open on that
// layer, by PCA or on units I and J: hidden.js), and custom=imported|edited when the points were
// imported or edited by hand (a link cannot carry them: the page that opens it says so).
//
// The page only reads the text into JSON values, from hello's tables: a number where `ranges`
// has the field, a list where the default is one (or the text has a comma), true/false where the
// default is. Whether a value is allowed is the server's to say: the page sends the link's
// config as a `config` message, and an `error` reply is shown and its field dropped.

export const UI_DEFAULTS = { show_test: false, discretize: false, hyperplanes: true, hide: [], custom: "",
  hidden_space: "" };
const EMPTY = ["", "none", "null", "[]"];

function parseBool(s) {
  return !["0", "false", "no", "off", ""].includes(String(s).toLowerCase());
}

function decode(s) {
  try { return decodeURIComponent(s.replace(/\+/g, " ")); } catch { return s; }
}

/** The JSON value of config field `key` written as `raw`; text that is not a number stays text
 *  where a number belongs, for the server to reject with its own message. */
function parseValue(key, raw, tables) {
  const def = tables.defaults[key];
  if (typeof def === "boolean") return parseBool(raw);
  const numeric = key in tables.ranges;
  const one = (s) => {
    const v = Number(s);
    return numeric && s !== "" && Number.isFinite(v) ? v : s;
  };
  const empty = EMPTY.includes(raw.toLowerCase());
  if (Array.isArray(def)) return empty ? [] : raw.split(",").map((s) => one(s.trim()));
  if (def === null && empty) return null;
  return raw.includes(",") ? raw.split(",").map((s) => one(s.trim())) : one(raw);
}

/** Parse a location.hash into {config, ui}: `config` holds every other key as written (unknown
 *  keys too: the server names them in its error), `ui` the page's own keys. */
export function parseHash(hash, tables) {
  const config = {};
  const ui = {};
  const text = (hash || "").replace(/^#/, "");
  for (const part of text.split("&")) {
    if (!part) continue;
    const eq = part.indexOf("=");
    const key = decode(eq < 0 ? part : part.slice(0, eq)).trim();
    const raw = decode(eq < 0 ? "" : part.slice(eq + 1)).trim();
    if (!key) continue;
    if (key === "hide") ui.hide = raw.split(",").map((s) => s.trim()).filter(Boolean);
    else if (key === "custom" || key === "hidden_space") ui[key] = raw;
    else if (key in UI_DEFAULTS) ui[key] = parseBool(raw);
    else config[key] = parseValue(key, raw, tables);
  }
  return { config, ui };
}

function enc(s) {
  return encodeURIComponent(String(s)).replace(/%2C/gi, ",");
}

function valueText(v) {
  if (Array.isArray(v)) return v.length ? v.join(",") : "none";
  if (v === null) return "none";
  if (typeof v === "boolean") return v ? "1" : "0";
  return String(v);
}

/** The hash for a full config (every field, so a link survives changed defaults) + UI flags. */
export function buildHash(config, ui, tables) {
  const parts = [];
  for (const key of Object.keys(tables.defaults)) {
    if (config[key] === undefined) continue;
    parts.push(`${key}=${enc(valueText(config[key]))}`);
  }
  if (ui.show_test) parts.push("show_test=1");
  if (ui.discretize) parts.push("discretize=1");
  if (ui.hyperplanes === false) parts.push("hyperplanes=0");
  if (ui.hide && ui.hide.length) parts.push(`hide=${enc(ui.hide.join(","))}`);
  if (ui.hidden_space) parts.push(`hidden_space=${enc(ui.hidden_space)}`);
  if (ui.custom) parts.push(`custom=${enc(ui.custom)}`);
  return "#" + parts.join("&");
}
