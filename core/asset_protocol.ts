// Tauri's asset protocol: `convertFileSrc(path)` (@tauri-apps/api/core) gives `asset://localhost/<path,
// percent-encoded>`, which the app's pages load by <img>, <video>, <audio> or fetch. Files are served only
// inside `app.security.assetProtocol.scope` (Tauri's shape: a list of globs, or { allow, deny,
// requireLiteralLeadingDot }, with Tauri's path variables and glob rules; deny wins), and only once
// `enable` is true. The path is resolved (symlinks included) before it is checked, `..` is refused, and a
// Range request gets a 206 of at most RANGE_BYTES, as Tauri answers media seeks.
import type { SchemeRequest, SchemeResponse } from "../protocol/scheme.ts";
import { FsCapabilityScope } from "./fs/scope.ts";
import { contentTypeOf } from "./mime.ts";
import type { ScopeEntry } from "./permissions.ts";
import { type PathContext, resolveBaseDirectory } from "./plugins/path.ts";

export interface AssetProtocol {
  enable: boolean;
  /** The scope's globs, variables resolved; null when the protocol is off. */
  scope: FsCapabilityScope | null;
}

/** The longest part of a file one Range answer carries (Tauri's asset protocol sends 1000 KiB). */
export const RANGE_BYTES = 1000 * 1024;
/** A file larger than this is served only in ranges: the answer is held in memory. */
export const WHOLE_FILE_BYTES = 128 * 1024 * 1024;

const KEYS = ["enable", "scope"];
const SCOPE_KEYS = ["allow", "deny", "requireLiteralLeadingDot"];

/**
 * Reads app.security.assetProtocol (undefined: off). `where` names the section in errors; `paths`
 * resolves $APPDATA and the other variables. Errors are plain Errors naming the field.
 */
export function parseAssetProtocol(section: unknown, where: string, paths: PathContext): AssetProtocol {
  if (section === undefined || section === null) return { enable: false, scope: null };
  const fail = (field: string, problem: string): never => {
    throw new Error(`${where}${field}: ${problem}`);
  };
  if (typeof section !== "object" || Array.isArray(section)) fail("", "must be an object");
  const raw = section as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!KEYS.includes(key)) fail(`.${key}`, `unknown field (known: ${KEYS.join(", ")})`);
  }
  const enable = raw.enable ?? false;
  if (typeof enable !== "boolean") fail(".enable", "must be true or false");
  const globs = (value: unknown, field: string): ScopeEntry[] => {
    if (value === undefined) return [];
    if (!Array.isArray(value) || !value.every((item) => typeof item === "string" && item !== "")) {
      return fail(field, 'must be a list of paths or globs, e.g. ["$APPDATA/**"]');
    }
    for (const [index, item] of (value as string[]).entries()) {
      if (!item.startsWith("/") && !item.startsWith("$")) {
        fail(
          `${field}[${index}]`,
          `${JSON.stringify(item)} must be absolute or start with a variable ($APPDATA, …)`,
        );
      }
    }
    return (value as string[]).map((path) => ({ path }));
  };
  let allow: ScopeEntry[] = [];
  let deny: ScopeEntry[] = [];
  const scope = raw.scope;
  if (Array.isArray(scope) || scope === undefined) allow = globs(scope, ".scope");
  else if (scope !== null && typeof scope === "object") {
    const fields = scope as Record<string, unknown>;
    for (const key of Object.keys(fields)) {
      if (!SCOPE_KEYS.includes(key)) fail(`.scope.${key}`, `unknown field (known: ${SCOPE_KEYS.join(", ")})`);
    }
    allow = globs(fields.allow, ".scope.allow");
    deny = globs(fields.deny, ".scope.deny");
    const dot = fields.requireLiteralLeadingDot;
    if (dot !== undefined && dot !== true) {
      fail(".scope.requireLiteralLeadingDot", "only true is supported: wildcards never match hidden files");
    }
  } else fail(".scope", "must be a list of globs or { allow, deny }");
  if (!enable) return { enable: false, scope: null };
  return {
    enable: true,
    scope: new FsCapabilityScope({ allow, deny }, (directory) => resolveBaseDirectory(directory, paths)),
  };
}

export interface AssetServing {
  /** The app's origin: fetch() from its pages gets Access-Control-Allow-Origin for it. */
  origin: string;
  /** Each refusal, once (the path and why). */
  audit(reason: string): void;
}

const text = (status: number, message: string, headers: Record<string, string> = {}): SchemeResponse => ({
  status,
  contentType: "text/plain; charset=utf-8",
  body: new TextEncoder().encode(message),
  headers,
});

/** Answers one asset:// request. */
export async function serveAsset(
  request: SchemeRequest,
  protocol: AssetProtocol,
  serving: AssetServing,
): Promise<SchemeResponse> {
  const cors: Record<string, string> = {
    "Access-Control-Allow-Origin": serving.origin,
    "Access-Control-Expose-Headers": "Content-Range, Accept-Ranges, Content-Length",
    Vary: "Origin",
  };
  const refuse = (status: number, path: string, why: string) => {
    serving.audit(`asset protocol refused ${JSON.stringify(path)}: ${why}`);
    return text(status, `asset://localhost: ${why}`, cors);
  };
  let url: URL;
  let path: string;
  try {
    url = new URL(request.uri);
    path = decodeURIComponent(url.pathname.slice(1));
  } catch {
    return refuse(400, request.uri, "not a valid asset URL");
  }
  if (url.hostname !== "localhost") return refuse(404, request.uri, "the asset host is localhost");
  if (!protocol.enable || !protocol.scope) {
    return refuse(403, path, "the asset protocol is not enabled (app.security.assetProtocol.enable)");
  }
  if (request.method === "OPTIONS") {
    return {
      status: 204,
      contentType: "text/plain",
      body: new Uint8Array(),
      headers: {
        ...cors,
        "Access-Control-Allow-Methods": "GET, HEAD",
        "Access-Control-Allow-Headers": "Range",
      },
    };
  }
  if (request.method !== "GET" && request.method !== "HEAD") {
    return refuse(405, path, `method ${request.method} is not allowed (GET or HEAD)`);
  }
  if (!path.startsWith("/") || path.includes("\0")) return refuse(400, path, "the path must be absolute");
  if (path.split("/").includes("..")) return refuse(403, path, "'..' is not allowed in an asset path");
  let real: string;
  try {
    real = await Deno.realPath(path); // symlinks resolved: what is checked is what is read
  } catch {
    if (protocol.scope.denies(path) || !protocol.scope.allows(path)) {
      return refuse(403, path, "outside the asset protocol scope");
    }
    return text(404, "asset://localhost: no such file", cors);
  }
  if (protocol.scope.denies(path) || !protocol.scope.allows(real)) {
    return refuse(
      403,
      path,
      real === path
        ? "outside the asset protocol scope"
        : `resolves to ${real}, outside the asset protocol scope`,
    );
  }
  let file: Deno.FsFile;
  try {
    file = await Deno.open(real, { read: true });
  } catch {
    return text(404, "asset://localhost: no such file", cors);
  }
  try {
    const info = await file.stat();
    if (!info.isFile) return refuse(403, path, "not a file");
    // What was opened is what was checked (a folder swapped for a link in between would differ).
    const checked = await Deno.stat(real);
    if (checked.ino !== info.ino || checked.dev !== info.dev) {
      return refuse(403, path, "changed while opened");
    }
    const size = info.size;
    const headers: Record<string, string> = {
      ...cors,
      "Accept-Ranges": "bytes",
      "X-Content-Type-Options": "nosniff",
    };
    const contentType = contentTypeOf(real);
    const range = request.header("range");
    let start = 0;
    let end = size - 1;
    let status = 200;
    if (range !== null) {
      const parsed = parseRange(range, size);
      if (parsed === "unsatisfiable") {
        return text(416, "asset://localhost: range not satisfiable", {
          ...headers,
          "Content-Range": `bytes */${size}`,
        });
      }
      if (parsed !== null) {
        [start, end] = parsed;
        end = Math.min(end, start + RANGE_BYTES - 1);
        status = 206;
        headers["Content-Range"] = `bytes ${start}-${end}/${size}`;
      }
    }
    if (status === 200 && size > WHOLE_FILE_BYTES) {
      return refuse(413, path, `larger than ${WHOLE_FILE_BYTES} bytes: ask for it in ranges`);
    }
    const length = Math.max(0, end - start + 1);
    const body = request.method === "HEAD" ? new Uint8Array() : await readExactly(file, start, length);
    if (request.method === "HEAD") headers["Content-Length"] = String(length);
    return { status, contentType, body, headers };
  } finally {
    file.close();
  }
}

/** The one byte range a Range header asks for, clamped to the file; null to answer with the whole file
 * (no bytes= unit, several ranges, a malformed header: a server may ignore Range). */
export function parseRange(header: string, size: number): [number, number] | null | "unsatisfiable" {
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!match || (match[1] === "" && match[2] === "")) return null;
  if (match[1] === "") {
    const suffix = Number(match[2]);
    if (suffix === 0) return "unsatisfiable";
    return [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(match[1]);
  const end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || end < start) return "unsatisfiable";
  return [start, end];
}

/** length bytes from start, however the file changes meanwhile (a file that shrank gives fewer). */
async function readExactly(file: Deno.FsFile, start: number, length: number): Promise<Uint8Array> {
  const body = new Uint8Array(length);
  await file.seek(start, Deno.SeekMode.Start);
  let at = 0;
  while (at < length) {
    const read = await file.read(body.subarray(at));
    if (read === null) break;
    at += read;
  }
  return at === length ? body : body.slice(0, at);
}
