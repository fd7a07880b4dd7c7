// The HTTP API: a fetch the core makes on the page's behalf, so the page gets no CORS and no cookies of its
// own. The page is hostile by assumption, so every field it sends is checked at run time, the URL of every
// hop must match the app's allow-list, and the exchange is bounded in time and size. Headers follow the
// Fetch spec where a browser would restrict the page (forbidden names are dropped, silently, as fetch does);
// the Origin header is the app's, not the page's. Which URLs may be fetched: the app's airlock.http.allow
// list, and, when the app has capabilities, the URL scope its permissions give the calling window (Tauri's
// http plugin scope: `{ "url": "https://*.tauri.app" }` entries, deny wins over every allow).
import type { Scope } from "./permissions.ts";
import { concatBytes } from "../protocol/wire.ts";

/** A request the core refused or could not complete; the message says why and goes back to the page. */
export class HttpError extends Error {
  override name = "HttpError";
}

export interface HttpPolicy {
  /** URLPattern patterns; a URL (and each redirect) must match one. Empty: nothing is allowed. */
  allow: string[];
  /** What the Origin header is forced to (the app's origin); null: no Origin header is sent. */
  origin: string | null;
  /** The page may set its own Origin header (an empty value then sends none). */
  allowOriginOverride: boolean;
  /** Ceiling for the whole exchange, redirects and body read included; a request may ask for less. */
  timeoutMs: number;
  maxResponseBytes: number;
  maxRequestBytes: number;
}

export interface HttpRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array | null;
  /** How the body comes back; "text" by default. */
  responseType?: "text" | "bytes" | "json";
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  statusText: string;
  /** The final URL, after redirects. */
  url: string;
  /** Lower-case names; repeated headers joined by ", "; Set-Cookie left out, as fetch hides it. */
  headers: Record<string, string>;
  /** A string, a Uint8Array, or the parsed JSON (null for an empty body). */
  body: string | Uint8Array | unknown;
}

export const HTTP_DEFAULTS = {
  timeoutMs: 30_000,
  maxResponseBytes: 10 * 1024 * 1024,
  maxRequestBytes: 10 * 1024 * 1024,
} as const;

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
const RESPONSE_TYPES = ["text", "bytes", "json"];
const MAX_REDIRECTS = 10;
const REDIRECT_STATUSES = [301, 302, 303, 307, 308];
// The Fetch standard's forbidden request-header names (fetch.spec.whatwg.org, "forbidden request-header"),
// minus Origin (the policy decides it), plus the two older names browsers still refuse (Cookie2,
// Feature-Policy), Permissions-Policy (a response policy no request may carry) and Chrome's
// Access-Control-Request-Private-Network. Cookie is among them: the core keeps no cookie jar, and a page
// that needs credentials sends an Authorization header.
export const FORBIDDEN_HEADERS: ReadonlySet<string> = new Set([
  "accept-charset",
  "accept-encoding",
  "access-control-request-headers",
  "access-control-request-method",
  "access-control-request-private-network",
  "connection",
  "content-length",
  "cookie",
  "cookie2",
  "date",
  "dnt",
  "expect",
  "feature-policy",
  "host",
  "keep-alive",
  "permissions-policy",
  "referer",
  "set-cookie",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "via",
]);
const FORBIDDEN_PREFIXES = ["proxy-", "sec-"];
// Forbidden too when one of their values (a comma-separated list, quoted strings kept whole) names a
// forbidden method: they would smuggle a method fetch refuses.
const METHOD_OVERRIDES = new Set(["x-http-method", "x-http-method-override", "x-method-override"]);
const FORBIDDEN_METHODS = new Set(["connect", "trace", "track"]);
// Dropped when a redirect turns the request into a GET without a body.
const BODY_HEADERS = ["content-encoding", "content-language", "content-location", "content-type"];
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// A field value per RFC 9110: visible ASCII, obs-text, space and tab; so no CR, LF, NUL or other controls.
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const ORIGIN = /^(null|[a-z][a-z0-9+.-]*:\/\/[^/?#\s\\@]+)$/i;

/** Long page-supplied text is cut in messages: enough to recognise, not an echo chamber. */
function shown(text: string): string {
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text);
}

/** One entry of a capability's http scope, compiled as Tauri's http plugin reads it (a URLPattern
 * constructor string, where an empty path, search or hash matches any: "https://*.tauri.app" is the whole
 * site). Compiled once per pattern text. */
export function urlScopePattern(entry: unknown): URLPattern {
  const text = typeof entry === "string"
    ? entry
    : entry !== null && typeof entry === "object" && typeof (entry as { url?: unknown }).url === "string"
    ? (entry as { url: string }).url
    : null;
  if (text === null) {
    throw new HttpError(`http scope entry ${shown(JSON.stringify(entry) ?? String(entry))} has no "url"`);
  }
  let compiled = scopePatterns.get(text);
  if (compiled) return compiled;
  try {
    const parsed = new URLPattern(text);
    const any = (part: string, empty: string[]) => empty.includes(part) ? "*" : part;
    compiled = new URLPattern({
      protocol: parsed.protocol,
      username: parsed.username,
      password: parsed.password,
      hostname: parsed.hostname,
      port: parsed.port,
      pathname: any(parsed.pathname, ["", "/"]),
      search: any(parsed.search, [""]),
      hash: any(parsed.hash, [""]),
    });
  } catch (error) {
    throw new HttpError(`${shown(text)} is not a valid URL pattern: ${(error as Error).message}`);
  }
  if (scopePatterns.size < 4096) scopePatterns.set(text, compiled);
  return compiled;
}
const scopePatterns = new Map<string, URLPattern>();

/** Which URLs a call may fetch: the app's airlock.http.allow, or (with capabilities) an allow entry of the
 * window's http scope; a deny entry of that scope refuses a URL whatever allows it. */
export class UrlRules {
  readonly #allow: URLPattern[];
  readonly #scopeAllow: URLPattern[];
  readonly #scopeDeny: URLPattern[];
  readonly #capabilities: boolean;

  constructor(allow: string[], scope: Scope | null = null) {
    this.#allow = allow.map((pattern) => new URLPattern(pattern));
    this.#capabilities = scope !== null;
    this.#scopeAllow = (scope?.allow ?? []).map(urlScopePattern);
    this.#scopeDeny = (scope?.deny ?? []).map(urlScopePattern);
  }

  /** Why `url` may not be fetched, or null when it may. */
  refusal(url: URL): string | null {
    if (this.#scopeDeny.some((pattern) => pattern.test(url.href))) {
      return "denied by the http scope of the window's capabilities";
    }
    if (this.#allow.some((pattern) => pattern.test(url.href))) return null;
    if (this.#scopeAllow.some((pattern) => pattern.test(url.href))) return null;
    return this.#capabilities
      ? "url not allowed on the configured scope: neither in airlock.http.allow nor in the http scope of the window's capabilities"
      : "not in airlock.http.allow";
  }
}

/** Parses a URL and checks it may be fetched; what is checked is exactly what gets fetched. */
function allowedUrl(raw: string, base: URL | undefined, rules: UrlRules, what: string): URL {
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    throw new HttpError(`${what} ${shown(raw)} is not a valid absolute URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new HttpError(`${what} ${shown(url.href)}: only http: and https: URLs can be fetched`);
  }
  if (url.username !== "" || url.password !== "") {
    throw new HttpError(`${what} ${shown(url.href)} contains credentials; send an Authorization header`);
  }
  url.hash = ""; // never sent, so neither matched nor reported
  const refusal = rules.refusal(url);
  if (refusal !== null) throw new HttpError(`${what} ${shown(url.href)} is not allowed (${refusal})`);
  return url;
}

/** The values of a header as the Fetch standard's "get, decode, and split" reads them: split at commas
 * outside quoted strings, HTTP whitespace trimmed. */
function splitValues(value: string): string[] {
  const values: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const char = value[i];
    if (quoted && char === "\\" && i + 1 < value.length) {
      current += char + value[++i];
      continue;
    }
    if (char === '"') quoted = !quoted;
    if (char === "," && !quoted) {
      values.push(current);
      current = "";
    } else current += char;
  }
  values.push(current);
  return values.map((item) => item.replace(/^[\t ]+|[\t ]+$/g, ""));
}

/** Whether the Fetch standard forbids a page to set this request header (name lower-case). */
export function isForbiddenRequestHeader(name: string, value: string): boolean {
  if (FORBIDDEN_HEADERS.has(name) || FORBIDDEN_PREFIXES.some((prefix) => name.startsWith(prefix))) {
    return true;
  }
  return METHOD_OVERRIDES.has(name) &&
    splitValues(value).some((method) => FORBIDDEN_METHODS.has(method.toLowerCase()));
}

/** The request's headers from a record (names once each) or, as Tauri's plugin sends them, a list of
 * [name, value] pairs (a repeated name is appended). */
function requestHeaders(raw: unknown, policy: HttpPolicy, pairs = false): Headers {
  let entries: [unknown, unknown][];
  if (pairs) {
    if (raw !== undefined && raw !== null && !Array.isArray(raw)) {
      throw new HttpError("headers must be a list of [name, value] pairs");
    }
    entries = ((raw ?? []) as unknown[]).map((pair) => {
      if (!Array.isArray(pair) || pair.length !== 2) {
        throw new HttpError("headers must be a list of [name, value] pairs");
      }
      return [pair[0], pair[1]];
    });
  } else {
    if (raw !== undefined && raw !== null && (typeof raw !== "object" || Array.isArray(raw))) {
      throw new HttpError("headers must be an object of names to string values");
    }
    entries = Object.entries(raw ?? {});
  }
  const headers = new Headers();
  const seen = new Set<string>();
  let pageOrigin: string | null = null;
  for (const [rawName, rawValue] of entries) {
    if (typeof rawName !== "string" || !TOKEN.test(rawName)) {
      throw new HttpError(`header name ${shown(String(rawName))} is not a valid token`);
    }
    const name = rawName.toLowerCase();
    if (typeof rawValue !== "string") throw new HttpError(`header ${rawName}: value must be a string`);
    if (!FIELD_VALUE.test(rawValue)) {
      throw new HttpError(`header ${rawName}: value contains CR, LF or another forbidden character`);
    }
    // "X-A" and "x-a" would be merged or overwrite each other; which one the page meant is unknowable.
    if (!pairs && seen.has(name)) throw new HttpError(`header ${rawName} is given twice`);
    seen.add(name);
    const value = rawValue.replace(/^[\t ]+|[\t ]+$/g, "");
    if (name === "origin") pageOrigin = value;
    else if (!isForbiddenRequestHeader(name, value)) headers.append(name, value);
  }
  // A page's Origin that the policy does not let it choose is overwritten without a word: the server must
  // see the app's origin, and the page has no business knowing whether it tried.
  const origin = policy.allowOriginOverride && pageOrigin !== null ? pageOrigin : policy.origin;
  if (origin) headers.set("origin", origin);
  return headers;
}

function requestBody(
  raw: unknown,
  method: string,
  policy: HttpPolicy,
): string | Uint8Array<ArrayBuffer> | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== "string" && !(raw instanceof Uint8Array)) {
    throw new HttpError("body must be a string, a Uint8Array or null");
  }
  if (method === "GET" || method === "HEAD") throw new HttpError(`a ${method} request cannot have a body`);
  const size = typeof raw === "string" ? new TextEncoder().encode(raw).byteLength : raw.byteLength;
  if (size > policy.maxRequestBytes) {
    throw new HttpError(`request body larger than ${policy.maxRequestBytes} bytes`);
  }
  // A copy on a plain ArrayBuffer (what fetch takes), so a 307/308 resends exactly these bytes.
  return typeof raw === "string" ? raw : new Uint8Array(raw);
}

function positiveMs(raw: unknown, ceiling: number, field: string): number {
  if (raw === undefined || raw === null) return ceiling;
  if (typeof raw !== "number" || !(raw > 0) || !Number.isFinite(raw)) {
    throw new HttpError(`${field} must be a positive number`);
  }
  return Math.min(raw, ceiling);
}

function method(raw: unknown): string {
  if (typeof raw !== "string" || !METHODS.includes(raw.toUpperCase())) {
    throw new HttpError(`method ${shown(String(raw))} is not allowed (one of ${METHODS.join(", ")})`);
  }
  return raw.toUpperCase();
}

/** A request checked field by field, ready to send. */
export interface CheckedRequest {
  url: URL;
  method: string;
  headers: Headers;
  body: string | Uint8Array<ArrayBuffer> | null;
  /** For the whole exchange, body included. */
  timeoutMs: number;
  /** Until the response's headers are in (Tauri's connectTimeout); timeoutMs when not asked. */
  headersTimeoutMs: number;
  /** Redirects followed (each checked); past it the exchange fails. 0: a redirect is the answer (Tauri's
   * maxRedirections: 0). */
  maxRedirects: number;
  /** What each hop's URL is checked against. */
  rules: UrlRules;
}

/** Checks the fields of Airlock's own request shape ({ url, method, headers, body, timeoutMs }). */
function checkRequest(request: HttpRequest, policy: HttpPolicy, rules: UrlRules): CheckedRequest {
  if (typeof request !== "object" || request === null) throw new HttpError("request must be an object");
  const { url: rawUrl, method: rawMethod = "GET" } = request;
  if (typeof rawUrl !== "string") throw new HttpError("url must be a string");
  const checkedMethod = method(rawMethod);
  const responseType = request.responseType ?? "text";
  if (!RESPONSE_TYPES.includes(responseType)) {
    throw new HttpError(`responseType must be one of ${RESPONSE_TYPES.join(", ")}`);
  }
  const url = allowedUrl(rawUrl, undefined, rules, "URL");
  const headers = requestHeaders(request.headers, policy);
  const body = requestBody(request.body, checkedMethod, policy);
  const timeoutMs = positiveMs(request.timeoutMs, policy.timeoutMs, "timeoutMs");
  return {
    url,
    method: checkedMethod,
    headers,
    body,
    timeoutMs,
    headersTimeoutMs: timeoutMs,
    maxRedirects: MAX_REDIRECTS,
    rules,
  };
}

/** Tauri's http plugin request, `clientConfig` of plugin:http|fetch (@tauri-apps/plugin-http's fetch):
 * { method, url, headers: [[name, value]], data: bytes as numbers or null, maxRedirections,
 * connectTimeout, proxy, danger }. */
export function checkTauriRequest(raw: unknown, policy: HttpPolicy, rules: UrlRules): CheckedRequest {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new HttpError("clientConfig must be an object");
  }
  const config = raw as Record<string, unknown>;
  if (typeof config.url !== "string") throw new HttpError("clientConfig.url must be a string");
  const checkedMethod = method(config.method ?? "GET");
  const url = allowedUrl(config.url, undefined, rules, "URL");
  const headers = requestHeaders(config.headers, policy, true);
  let data: Uint8Array | null = null;
  if (config.data !== undefined && config.data !== null) {
    if (config.data instanceof Uint8Array) data = config.data;
    else if (Array.isArray(config.data)) {
      if (config.data.length > policy.maxRequestBytes) {
        throw new HttpError(`request body larger than ${policy.maxRequestBytes} bytes`);
      }
      data = new Uint8Array(config.data.length);
      config.data.forEach((byte, index) => {
        if (!Number.isInteger(byte) || byte < 0 || byte > 255) {
          throw new HttpError(`clientConfig.data[${index}] is not a byte (an integer from 0 to 255)`);
        }
        data![index] = byte;
      });
    } else throw new HttpError("clientConfig.data must be a list of bytes or null");
  }
  const body = requestBody(data, checkedMethod, policy);
  // As Tauri does, after the Fetch standard: a POST or PUT without a body says so.
  if (body === null && (checkedMethod === "POST" || checkedMethod === "PUT")) {
    headers.set("content-length", "0");
  }
  const redirects = config.maxRedirections;
  if (
    redirects !== undefined && redirects !== null &&
    (!Number.isInteger(redirects) || (redirects as number) < 0 || (redirects as number) > MAX_REDIRECTS)
  ) {
    throw new HttpError(`clientConfig.maxRedirections must be an integer from 0 to ${MAX_REDIRECTS}`);
  }
  if (config.proxy !== undefined && config.proxy !== null) {
    // A proxy would carry the request to a host no scope names.
    throw new HttpError("clientConfig.proxy is not supported: the core connects to the allowed URL itself");
  }
  const danger = config.danger as Record<string, unknown> | null | undefined;
  if (danger !== undefined && danger !== null && Object.values(danger).some((value) => value)) {
    throw new HttpError("clientConfig.danger is not supported: the core always verifies TLS certificates");
  }
  return {
    url,
    method: checkedMethod,
    headers,
    body,
    timeoutMs: policy.timeoutMs,
    headersTimeoutMs: positiveMs(config.connectTimeout, policy.timeoutMs, "clientConfig.connectTimeout"),
    maxRedirects: (redirects as number | null | undefined) ?? MAX_REDIRECTS,
    rules,
  };
}

/**
 * One request under way: sent with `send()`, its answer's body read by the caller, cancelled by
 * `cancel()`, the caller's signal, or its time running out (timeoutMs for the whole of it).
 */
export class Exchange {
  readonly #request: CheckedRequest;
  readonly #controller = new AbortController();
  readonly #timer: ReturnType<typeof setTimeout>;
  /** Aborted when the exchange is cancelled or times out. */
  readonly signal: AbortSignal;
  #cancelled = false;
  #onEnd: (() => void) | null = null;

  constructor(request: CheckedRequest, signal?: AbortSignal, onEnd?: () => void) {
    this.#request = request;
    this.#onEnd = onEnd ?? null;
    const timeoutMs = request.timeoutMs;
    this.#timer = setTimeout(
      () => this.#controller.abort(new HttpError(`timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
    this.signal = signal ? AbortSignal.any([this.#controller.signal, signal]) : this.#controller.signal;
    this.signal.addEventListener("abort", () => this.end(), { once: true });
  }

  cancel(): void {
    this.#cancelled = true;
    this.#controller.abort(new HttpError("request cancelled"));
  }

  /** Frees its timer; the caller is done with it (body read, or given up). */
  end(): void {
    clearTimeout(this.#timer);
    const onEnd = this.#onEnd;
    this.#onEnd = null;
    onEnd?.();
  }

  /** The error to report for a failure: a timeout or cancellation says so, whatever fetch threw. */
  failure(error: unknown, url: URL = this.#request.url): HttpError {
    if (this.signal.aborted) {
      const reason = this.signal.reason;
      if (this.#cancelled || !(reason instanceof HttpError)) return new HttpError("request cancelled");
      return reason;
    }
    if (error instanceof HttpError) return error;
    return new HttpError(`request to ${url.href} failed: ${(error as Error).message}`);
  }

  /** Sends it, following redirects here (each hop checked against the rules); the final response and
   * its URL. */
  async send(): Promise<{ response: Response; url: URL }> {
    const request = this.#request;
    let { url, method, body } = request;
    const headers = new Headers(request.headers);
    const headersTimer = new AbortController();
    const headersTimeout = setTimeout(
      () => headersTimer.abort(new HttpError(`no response within ${request.headersTimeoutMs} ms`)),
      request.headersTimeoutMs,
    );
    const signal = AbortSignal.any([this.signal, headersTimer.signal]);
    try {
      for (let redirects = 0;; redirects++) {
        const response = await fetch(url, { method, headers, body, redirect: "manual", signal });
        const location = REDIRECT_STATUSES.includes(response.status)
          ? response.headers.get("location")
          : null;
        if (location === null || request.maxRedirects === 0) return { response, url };
        await response.body?.cancel().catch(() => {});
        if (redirects === request.maxRedirects) {
          throw new HttpError(`too many redirects (more than ${request.maxRedirects})`);
        }
        const next = allowedUrl(location, url, request.rules, "redirect to");
        // The Fetch spec's method rewrite: a POST after 301/302, and anything but GET/HEAD after 303.
        const status = response.status;
        if (
          (status === 303 && method !== "GET" && method !== "HEAD") ||
          ((status === 301 || status === 302) && method === "POST")
        ) {
          method = "GET";
          body = null;
          for (const name of BODY_HEADERS) headers.delete(name);
          headers.delete("content-length");
        }
        // Also per the spec: credentials stay with the origin they were meant for, and after a hop to
        // another origin the Origin header is "null", as a browser sends it.
        if (next.origin !== url.origin) {
          headers.delete("authorization");
          if (headers.has("origin")) headers.set("origin", "null");
        }
        url = next;
      }
    } catch (error) {
      if (headersTimer.signal.aborted && !this.signal.aborted) throw headersTimer.signal.reason;
      throw this.failure(error, url);
    } finally {
      clearTimeout(headersTimeout);
    }
  }
}

/**
 * Fetches on the page's behalf under the policy. Throws HttpError for anything refused, a network failure,
 * a timeout or an oversized body; an HTTP error status is a response, not an error. `signal` lets the
 * caller cancel (for instance when the window goes away); `scope` is the window's http scope from its
 * capabilities (null: the app has none).
 */
export async function httpFetch(
  request: HttpRequest,
  policy: HttpPolicy,
  signal?: AbortSignal,
  scope: Scope | null = null,
): Promise<HttpResponse> {
  const checked = checkRequest(request, policy, new UrlRules(policy.allow, scope));
  const exchange = new Exchange(checked, signal);
  try {
    const { response, url } = await exchange.send();
    try {
      const bytes = await readBody(response, policy.maxResponseBytes);
      return {
        status: response.status,
        statusText: response.statusText,
        url: url.href,
        headers: responseHeaders(response.headers),
        body: decodeBody(bytes, request.responseType ?? "text", response),
      };
    } catch (error) {
      throw exchange.failure(error, url);
    }
  } finally {
    exchange.end();
  }
}

/** Reads the body with a running count, so a huge (or endless, or decompressing) body stops at the cap. */
async function readBody(response: Response, max: number): Promise<Uint8Array> {
  if (response.body === null) return new Uint8Array();
  const tooLarge = () => new HttpError(`response larger than ${max} bytes`);
  // A declared length is the wire's; with a content-encoding the decoded body is what counts.
  if (!response.headers.has("content-encoding") && Number(response.headers.get("content-length")) > max) {
    await response.body.cancel().catch(() => {});
    throw tooLarge();
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  return concatBytes(chunks);
}

function decodeBody(bytes: Uint8Array, type: string, response: Response): unknown {
  if (type === "bytes") return bytes;
  const text = new TextDecoder().decode(bytes); // UTF-8, as fetch's text(): bad bytes become U+FFFD
  if (type === "text") return text;
  // 204s, HEADs and empty answers of JSON APIs are common; they are no JSON error.
  if (text.trim() === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    const kind = response.headers.get("content-type") ?? "no content-type";
    throw new HttpError(`response (status ${response.status}, ${kind}) is not valid JSON`);
  }
}

function responseHeaders(headers: Headers): Record<string, string> {
  // fromEntries defines own properties, so a header named __proto__ stays a header.
  return Object.fromEntries([...headers].filter(([name]) => name !== "set-cookie" && name !== "set-cookie2"));
}

/**
 * Reads the config's airlock.http section (undefined: the defaults, which allow nothing). `where` is the
 * section's path, used to name the field in errors ("airlock.http.allow[2]: …"); errors are plain Errors.
 * `appOrigin` is the Origin sent when the section does not set one.
 */
export function parseHttpPolicy(
  section: unknown,
  where: string,
  appOrigin: string | null = null,
): HttpPolicy {
  const policy: HttpPolicy = {
    allow: [],
    origin: appOrigin,
    allowOriginOverride: false,
    ...HTTP_DEFAULTS,
  };
  if (section === undefined || section === null) return policy;
  const fail = (field: string, problem: string): never => {
    throw new Error(`${where}${field}: ${problem}`);
  };
  if (typeof section !== "object" || Array.isArray(section)) fail("", "must be an object");
  const fields = section as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (!Object.hasOwn(policy, key)) {
      fail(`.${key}`, `unknown field (known: ${Object.keys(policy).join(", ")})`);
    }
  }
  const { allow, origin, allowOriginOverride } = fields;
  if (allow !== undefined) {
    if (!Array.isArray(allow)) {
      fail(".allow", 'must be an array of URL patterns, e.g. ["https://api.example.com/*"]');
    }
    policy.allow = (allow as unknown[]).map((pattern, index) =>
      checkPattern(pattern, `.allow[${index}]`, fail)
    );
  }
  if (origin !== undefined) {
    if (origin !== null && (typeof origin !== "string" || !ORIGIN.test(origin))) {
      fail(".origin", 'must be an origin such as "https://app.example.com", or null for no Origin header');
    }
    policy.origin = origin as string | null;
  }
  if (allowOriginOverride !== undefined) {
    if (typeof allowOriginOverride !== "boolean") fail(".allowOriginOverride", "must be true or false");
    policy.allowOriginOverride = allowOriginOverride as boolean;
  }
  for (const field of ["timeoutMs", "maxResponseBytes", "maxRequestBytes"] as const) {
    const value = fields[field];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || (value as number) <= 0) {
      fail(`.${field}`, "must be a positive integer");
    }
    policy[field] = value as number;
  }
  return policy;
}

function checkPattern(
  pattern: unknown,
  field: string,
  fail: (field: string, problem: string) => never,
): string {
  if (typeof pattern !== "string") return fail(field, "must be a string (a URL pattern)");
  let compiled: URLPattern;
  try {
    compiled = new URLPattern(pattern);
  } catch (error) {
    return fail(field, `not a valid URL pattern (${(error as Error).message})`);
  }
  // Only the protocol part is tested: a pattern that can never match http(s) is surely a mistake.
  const protocol = new URLPattern({ protocol: compiled.protocol });
  if (!protocol.test({ protocol: "http" }) && !protocol.test({ protocol: "https" })) {
    fail(field, `${JSON.stringify(pattern)} matches neither http: nor https: URLs`);
  }
  return pattern;
}
