// The page's own security settings from Tauri's `app.security` (v1 `tauri.security`): its
// Content-Security-Policy (string or object form, `devCsp` in dev), `freezePrototype`, extra response
// `headers`, and the CSP Airlock sends with each of the app's HTML documents — the app's policy with the
// hashes of its own inline scripts and styles added (as Tauri adds them) and the isolation frame's scheme
// allowed in frame-src, so the strictest policy a Tauri app writes keeps the bridge working.

/** Directive → its sources, in the order written. */
export type CspDirectives = Map<string, string[]>;

export interface Security {
  csp: CspDirectives | null;
  devCsp: CspDirectives | null;
  freezePrototype: boolean;
  /** true: no hashes added at all; a list: the directives Airlock must leave as written. */
  dangerousDisableAssetCspModification: boolean | string[];
  /** Extra headers of every app:// response (Tauri's app.security.headers). */
  headers: Record<string, string>;
}

/** Keys of app.security: those read here, and those other modules read (pattern, capabilities, assets). */
const KEYS = new Set([
  "csp",
  "devCsp",
  "freezePrototype",
  "dangerousDisableAssetCspModification",
  "headers",
  "pattern",
  "capabilities",
  "assetProtocol",
]);

/** Parses a policy written as a string ("default-src 'self'; img-src *") or as Tauri's object form
 * ({ "default-src": "'self'", "img-src": ["*", "data:"] }). */
export function parseCsp(value: unknown, field: string): CspDirectives | null {
  if (value === undefined || value === null) return null;
  const directives: CspDirectives = new Map();
  if (typeof value === "string") {
    for (const part of value.split(";")) {
      const [name, ...sources] = part.trim().split(/\s+/).filter(Boolean);
      if (name) directives.set(name.toLowerCase(), sources);
    }
    return directives;
  }
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new Error(`${field} must be a string or an object of directives`);
  }
  for (const [name, sources] of Object.entries(value as Record<string, unknown>)) {
    if (typeof sources === "string") directives.set(name.toLowerCase(), sources.split(/\s+/).filter(Boolean));
    else if (Array.isArray(sources) && sources.every((s) => typeof s === "string")) {
      directives.set(name.toLowerCase(), sources);
    } else throw new Error(`${field}.${name} must be a string or a list of strings`);
  }
  return directives;
}

export function parseSecurity(value: unknown): Security {
  const raw = (value ?? {}) as Record<string, unknown>;
  if (typeof raw !== "object" || Array.isArray(raw)) throw new Error("app.security must be an object");
  const unknown = Object.keys(raw).filter((key) => !KEYS.has(key));
  if (unknown.length) {
    throw new Error(`app.security.${unknown[0]} is not a security option (known: ${[...KEYS].join(", ")})`);
  }
  const freeze = raw.freezePrototype ?? false;
  if (typeof freeze !== "boolean") throw new Error("app.security.freezePrototype must be true or false");
  const disable = raw.dangerousDisableAssetCspModification ?? false;
  if (
    typeof disable !== "boolean" &&
    !(Array.isArray(disable) && disable.every((d) => typeof d === "string"))
  ) {
    throw new Error("app.security.dangerousDisableAssetCspModification must be true, false or a list");
  }
  return {
    csp: parseCsp(raw.csp, "app.security.csp"),
    devCsp: parseCsp(raw.devCsp, "app.security.devCsp"),
    freezePrototype: freeze,
    dangerousDisableAssetCspModification: disable,
    headers: parseHeaders(raw.headers),
  };
}

/** Tauri's header values: a string, a list (joined with ", "), an object (joined "k v; …"), or null. */
function parseHeaders(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new Error("app.security.headers must be an object");
  }
  const out: Record<string, string> = {};
  for (const [name, header] of Object.entries(value as Record<string, unknown>)) {
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) {
      throw new Error(`app.security.headers: bad name "${name}"`);
    }
    if (header === null) continue;
    let text: string;
    if (typeof header === "string") text = header;
    else if (Array.isArray(header)) text = header.map(String).join(", ");
    else if (typeof header === "object") {
      text = Object.entries(header as Record<string, unknown>).map(([k, v]) => `${k} ${v}`.trim()).join("; ");
    } else throw new Error(`app.security.headers.${name} must be a string, a list or an object`);
    if (/[\r\n\0]/.test(text)) throw new Error(`app.security.headers.${name} has a line break`);
    out[name] = text;
  }
  return out;
}

// A start tag's attributes, quotes holding '>' (as the HTML tokenizer reads them).
const ATTRIBUTES = `((?:[^>"']|"[^"]*"|'[^']*')*)`;
const INLINE_SCRIPT = new RegExp(`<script\\b${ATTRIBUTES}>([\\s\\S]*?)<\\/script\\s*>`, "gi");
const INLINE_STYLE = new RegExp(`<style\\b${ATTRIBUTES}>([\\s\\S]*?)<\\/style\\s*>`, "gi");
/** What the browser never parses as markup: comments, and the text of these elements (with scripting on). */
const NOT_MARKUP = /<!--[\s\S]*?-->|<(textarea|title|xmp|noscript|noembed|noframes)\b[\s\S]*?<\/\1\s*>/gi;
/** Script types the browser runs (or, for importmap, checks against script-src). */
const RUNNABLE =
  /^(|module|importmap|(text|application)\/(x-)?(java|ecma)script|text\/(javascript1\.[0-5]|jscript|livescript))$/i;

/** The value of one attribute in a start tag's attribute text, or null. */
function attribute(attributes: string, name: string): string | null {
  const match = new RegExp(`(?:^|\\s)${name}\\s*=\\s*("([^"]*)"|'([^']*)'|([^\\s"'>]+))`, "i").exec(
    attributes,
  );
  if (match) return match[2] ?? match[3] ?? match[4] ?? "";
  return new RegExp(`(?:^|\\s)${name}(?:\\s|$)`, "i").test(attributes) ? "" : null;
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return `'sha256-${btoa(String.fromCharCode(...new Uint8Array(digest)))}'`;
}

/** The sources a directive has in effect: its own, or those of the directive it falls back to. */
function effective(csp: CspDirectives, directive: string): string[] {
  const chain: Record<string, string[]> = {
    "script-src": ["default-src"],
    "style-src": ["default-src"],
    "frame-src": ["child-src", "default-src"],
  };
  for (const name of [directive, ...chain[directive] ?? []]) {
    const sources = csp.get(name);
    if (sources) return [...sources];
  }
  return ["*"];
}

function addSources(csp: CspDirectives, directive: string, sources: string[]): void {
  const current = effective(csp, directive);
  // A hash next to 'unsafe-inline' would switch it off: the app allowed every inline script already.
  if (!sources.length || current.includes("'unsafe-inline'")) return;
  if (current.length === 1 && current[0] === "'none'") current.length = 0;
  csp.set(directive, [...current, ...sources.filter((s) => !current.includes(s))]);
}

/**
 * The Content-Security-Policy header of one of the app's HTML documents: the configured policy, plus the
 * hashes of the document's inline scripts and styles (unless dangerousDisableAssetCspModification says
 * not) and the isolation frame's scheme in frame-src. null when the app sets no policy.
 */
export async function documentCsp(
  security: Security,
  html: string,
  options: { dev: boolean; isolation: boolean },
): Promise<string | null> {
  const base = options.dev ? security.devCsp ?? security.csp : security.csp;
  if (!base) return null;
  const csp: CspDirectives = new Map([...base].map(([k, v]) => [k, [...v]]));
  const disable = security.dangerousDisableAssetCspModification;
  const may = (directive: string) =>
    disable === false || (Array.isArray(disable) && !disable.includes(directive));
  // Only what the page really has as inline scripts and styles is hashed: not text in a comment or a
  // textarea, not a script of a type that does not run (a template, JSON data).
  const markup = html.replace(NOT_MARKUP, "");
  if (may("script-src")) {
    const hashes: string[] = [];
    for (const [, attributes, body] of markup.matchAll(INLINE_SCRIPT)) {
      const type = (attribute(attributes, "type") ?? "").trim();
      if (attribute(attributes, "src") === null && RUNNABLE.test(type) && body.trim()) {
        hashes.push(await sha256(body));
      }
    }
    addSources(csp, "script-src", hashes);
  }
  if (may("style-src")) {
    const hashes: string[] = [];
    for (const [, , body] of markup.matchAll(INLINE_STYLE)) if (body.trim()) hashes.push(await sha256(body));
    addSources(csp, "style-src", hashes);
  }
  // The isolation frame is Airlock's own and must load whatever the app allows.
  if (options.isolation) addSources(csp, "frame-src", ["isolation:"]);
  return [...csp].map(([name, sources]) => [name, ...sources].join(" ")).join("; ");
}
