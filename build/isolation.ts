// Turns an isolation app folder into the one HTML document the sandboxed iframe runs.
// The iframe's CSP allows exactly the scripts whose hashes we list, and nothing can be fetched, so every
// relative <script src> is read and inlined here, and each inline script's hash is computed.
import { join, relative, resolve, sep } from "node:path";

export class IsolationBuildError extends Error {
  override name = "IsolationBuildError";
}

export interface IsolationDocument {
  /** index.html with every relative <script src> replaced by an inline script. */
  html: string;
  /** "'sha256-…'" CSP sources of every inline script in html, in document order. */
  scriptHashes: string[];
  /** Absolute paths of the files read, index.html first. */
  files: string[];
}

const SCRIPT = /<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi;
const SRC = /\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i;
const MODULE = /\btype\s*=\s*["']?module\b/i;
const HOOK = "__TAURI_ISOLATION_HOOK__";

/** Hashes must match the text the browser sees: line endings are normalised (Tauri's Windows CRLF bug),
 * and a "</script" inside the code is escaped so it cannot end the inline element early. */
function inlineText(code: string): string {
  return code.replace(/\r\n?/g, "\n").replace(/<\/script/gi, "<\\/script");
}

export async function cspHash(scriptText: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(scriptText));
  return `'sha256-${btoa(String.fromCharCode(...new Uint8Array(digest)))}'`;
}

export function isolationCsp(hashes: string[]): string {
  const scripts = hashes.length ? hashes.join(" ") : "'none'";
  return `default-src 'none'; script-src ${scripts}; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'`;
}

/** Puts a script ahead of every other script of the document (the runtime must run first). */
export function insertScriptFirst(html: string, scriptText: string): string {
  const tag = `<script>${scriptText}</script>`;
  for (const anchor of [/<script\b/i, /<\/head\s*>/i, /<\/body\s*>/i]) {
    const at = html.search(anchor);
    if (at >= 0) return html.slice(0, at) + tag + html.slice(at);
  }
  return html + tag;
}

async function readScript(
  dir: string,
  htmlFile: string,
  src: string,
): Promise<{ file: string; code: string }> {
  if (/^[a-z][a-z0-9+.-]*:/i.test(src) || src.startsWith("//")) {
    throw new IsolationBuildError(
      `remote script ${src} in ${htmlFile} cannot be inlined: copy it into the isolation app folder`,
    );
  }
  const file = resolve(dir, src.split(/[?#]/)[0].replace(/^\.?\//, ""));
  if (relative(dir, file).startsWith("..") || !file.startsWith(dir + sep)) {
    throw new IsolationBuildError(`script ${src} in ${htmlFile} is outside the isolation app folder ${dir}`);
  }
  try {
    return { file, code: await Deno.readTextFile(file) };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new IsolationBuildError(`script ${file} (referenced by ${htmlFile}) not found`);
    }
    throw error;
  }
}

export async function buildIsolationDocument(dir: string): Promise<IsolationDocument> {
  const root = resolve(dir);
  const htmlFile = join(root, "index.html");
  let source: string;
  try {
    if (!(await Deno.stat(root)).isDirectory) throw new Deno.errors.NotFound();
  } catch {
    throw new IsolationBuildError(`isolation app folder ${root} not found`);
  }
  try {
    source = await Deno.readTextFile(htmlFile);
  } catch {
    throw new IsolationBuildError(`${htmlFile} not found: an isolation app needs an index.html`);
  }

  const files = [htmlFile];
  const parts: string[] = [];
  const scripts: string[] = [];
  let last = 0;
  for (const match of source.matchAll(SCRIPT)) {
    const [tag, attributes, body] = match;
    const srcMatch = SRC.exec(attributes);
    const src = srcMatch ? srcMatch[1] ?? srcMatch[2] ?? srcMatch[3] : null;
    if (MODULE.test(attributes)) {
      throw new IsolationBuildError(
        `ES module scripts are not supported yet: ${src ?? "inline module"} in ${htmlFile}`,
      );
    }
    let code: string;
    if (src === null) {
      code = inlineText(body);
    } else {
      const script = await readScript(root, htmlFile, src);
      files.push(script.file);
      code = inlineText(script.code);
    }
    scripts.push(code);
    parts.push(source.slice(last, match.index), `<script>${code}</script>`);
    last = match.index + tag.length;
  }
  parts.push(source.slice(last));

  if (!scripts.some((code) => code.includes(HOOK))) {
    throw new IsolationBuildError(`no script in ${root} defines window.${HOOK}`);
  }
  return { html: parts.join(""), scriptHashes: await Promise.all(scripts.map(cspHash)), files };
}
