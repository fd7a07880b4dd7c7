// The HTTP API: a fetch the core makes on the page's behalf, so the page gets no CORS and no cookies of its
// own. The page is hostile by assumption, so every field it sends is checked at run time, the URL of every
// hop must match the app's allow-list, and the exchange is bounded in time and size. Headers follow the
// Fetch spec where a browser would restrict the page (forbidden names are dropped, silently, as fetch does);
// the Origin header is the app's, not the page's.

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
// The Fetch spec's forbidden request-header names, minus Origin (the policy decides it). Cookie is among
// them: the core keeps no cookie jar, and a page that needs credentials sends an Authorization header.
const FORBIDDEN_HEADERS = new Set([
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
  "host",
  "keep-alive",
  "referer",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "via",
]);
const FORBIDDEN_PREFIXES = ["proxy-", "sec-"];
// Forbidden too when they smuggle a method fetch refuses.
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

function compile(allow: string[]): URLPattern[] {
  return allow.map((pattern) => new URLPattern(pattern));
}

/** Parses a URL and checks it may be fetched; what is checked is exactly what gets fetched. */
function allowedUrl(raw: string, base: URL | undefined, patterns: URLPattern[], what: string): URL {
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
  if (!patterns.some((pattern) => pattern.test(url.href))) {
    throw new HttpError(`${what} ${shown(url.href)} is not allowed (not in airlock.http.allow)`);
  }
  return url;
}

function forbidden(name: string, value: string): boolean {
  if (FORBIDDEN_HEADERS.has(name) || FORBIDDEN_PREFIXES.some((prefix) => name.startsWith(prefix))) {
    return true;
  }
  return METHOD_OVERRIDES.has(name) &&
    value.split(",").some((method) => FORBIDDEN_METHODS.has(method.trim().toLowerCase()));
}

function requestHeaders(raw: unknown, policy: HttpPolicy): Headers {
  if (raw !== undefined && raw !== null && (typeof raw !== "object" || Array.isArray(raw))) {
    throw new HttpError("headers must be an object of names to string values");
  }
  const headers = new Headers();
  const seen = new Set<string>();
  let pageOrigin: string | null = null;
  for (const [rawName, rawValue] of Object.entries(raw ?? {})) {
    if (!TOKEN.test(rawName)) throw new HttpError(`header name ${shown(rawName)} is not a valid token`);
    const name = rawName.toLowerCase();
    if (typeof rawValue !== "string") throw new HttpError(`header ${rawName}: value must be a string`);
    if (!FIELD_VALUE.test(rawValue)) {
      throw new HttpError(`header ${rawName}: value contains CR, LF or another forbidden character`);
    }
    // "X-A" and "x-a" would be merged or overwrite each other; which one the page meant is unknowable.
    if (seen.has(name)) throw new HttpError(`header ${rawName} is given twice`);
    seen.add(name);
    const value = rawValue.replace(/^[\t ]+|[\t ]+$/g, "");
    if (name === "origin") pageOrigin = value;
    else if (!forbidden(name, value)) headers.set(name, value);
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

function requestTimeout(raw: unknown, policy: HttpPolicy): number {
  if (raw === undefined || raw === null) return policy.timeoutMs;
  if (typeof raw !== "number" || !(raw > 0) || !Number.isFinite(raw)) {
    throw new HttpError("timeoutMs must be a positive number");
  }
  return Math.min(raw, policy.timeoutMs);
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
  const body = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return body;
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
 * Fetches on the page's behalf under the policy. Throws HttpError for anything refused, a network failure,
 * a timeout or an oversized body; an HTTP error status is a response, not an error. `signal` lets the
 * caller cancel (for instance when the window goes away).
 */
export async function httpFetch(
  request: HttpRequest,
  policy: HttpPolicy,
  signal?: AbortSignal,
): Promise<HttpResponse> {
  if (typeof request !== "object" || request === null) throw new HttpError("request must be an object");
  const { url: rawUrl, method: rawMethod = "GET", responseType = "text" } = request;
  if (typeof rawUrl !== "string") throw new HttpError("url must be a string");
  if (typeof rawMethod !== "string" || !METHODS.includes(rawMethod.toUpperCase())) {
    throw new HttpError(`method ${shown(String(rawMethod))} is not allowed (one of ${METHODS.join(", ")})`);
  }
  if (!RESPONSE_TYPES.includes(responseType)) {
    throw new HttpError(`responseType must be one of ${RESPONSE_TYPES.join(", ")}`);
  }
  const patterns = compile(policy.allow);
  let url = allowedUrl(rawUrl, undefined, patterns, "URL");
  let method = rawMethod.toUpperCase();
  const headers = requestHeaders(request.headers, policy);
  let body = requestBody(request.body, method, policy);
  const timeoutMs = requestTimeout(request.timeoutMs, policy);

  const timer = new AbortController();
  const timeout = setTimeout(() => timer.abort(new HttpError(`timed out after ${timeoutMs} ms`)), timeoutMs);
  const aborted = signal ? AbortSignal.any([timer.signal, signal]) : timer.signal;
  try {
    // Redirects are followed here, not by fetch, so that every hop is checked against the allow-list.
    for (let redirects = 0;; redirects++) {
      const response = await fetch(url, { method, headers, body, redirect: "manual", signal: aborted });
      const location = REDIRECT_STATUSES.includes(response.status) ? response.headers.get("location") : null;
      if (location === null) {
        const bytes = await readBody(response, policy.maxResponseBytes);
        return {
          status: response.status,
          statusText: response.statusText,
          url: url.href,
          headers: responseHeaders(response.headers),
          body: decodeBody(bytes, responseType, response),
        };
      }
      await response.body?.cancel().catch(() => {});
      if (redirects === MAX_REDIRECTS) throw new HttpError(`too many redirects (more than ${MAX_REDIRECTS})`);
      const next = allowedUrl(location, url, patterns, "redirect to");
      // The Fetch spec's method rewrite: a POST after 301/302, and anything but GET/HEAD after 303.
      const status = response.status;
      if (
        (status === 303 && method !== "GET" && method !== "HEAD") ||
        ((status === 301 || status === 302) && method === "POST")
      ) {
        method = "GET";
        body = null;
        for (const name of BODY_HEADERS) headers.delete(name);
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
    if (timer.signal.aborted) throw timer.signal.reason;
    if (signal?.aborted) throw new HttpError("request cancelled");
    if (error instanceof HttpError) throw error;
    throw new HttpError(`request to ${url.href} failed: ${(error as Error).message}`);
  } finally {
    clearTimeout(timeout);
  }
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
