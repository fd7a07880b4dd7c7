// Turns an isolation app folder into the one HTML document the sandboxed iframe runs.
// The iframe's CSP allows exactly the scripts whose hashes we list, and nothing can be fetched, so every
// relative <script src> is read and inlined here, and each inline script's hash is computed.
// No HTML parser library: a small scanner follows the parts of the HTML tokenizer that decide what is a
// script (comments, raw text elements, attribute quoting, the script end), which is all we need.
import { isAbsolute, join, relative, resolve, sep } from "node:path";

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

const HOOK = "__TAURI_ISOLATION_HOOK__";

// ---------------------------------------------------------------- scanning HTML

interface Attribute {
  value: string;
  /** The attribute as written (name, "=", quotes, value), to copy it over unchanged. */
  raw: string;
}

interface Tag {
  /** Lower-cased, as the tokenizer does. */
  name: string;
  closing: boolean;
  start: number;
  end: number;
  /** First of each (lower-cased) name wins, as in the tokenizer. */
  attributes: Map<string, Attribute>;
  /** For script, style, textarea…: where the element's text ends (the source length if never closed). */
  textEnd?: number;
}

// Between attributes: whitespace and stray "/". A name runs to whitespace, "/", ">" or "="; a quoted value
// may hold anything but its quote (so ">" and "src=" inside it are not markup); "$" lets an unclosed quote run
// to the end of the file, where the tokenizer drops the unfinished tag.
const TAG_NAME = /[^\t\n\f\r />]*/y;
const ATTRIBUTE_NAME = /[\t\n\f\r /]*([^\t\n\f\r />][^\t\n\f\r />=]*)?/y;
const ATTRIBUTE_VALUE = /[\t\n\f\r ]*=[\t\n\f\r ]*(?:"([^"]*)(?:"|$)|'([^']*)(?:'|$)|([^\t\n\f\r >]*))/y;
// Elements whose content is text, not markup (noscript too: scripting is on in the iframe).
const RAW_TEXT = new Set(["style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript"]);

/** Reads the tag at html[start] ("<" then a letter, or "</" then a letter); null if the file ends inside it. */
function readTag(html: string, start: number): Tag | null {
  const closing = html[start + 1] === "/";
  TAG_NAME.lastIndex = start + (closing ? 2 : 1);
  const name = TAG_NAME.exec(html)![0].toLowerCase();
  const attributes = new Map<string, Attribute>();
  let at = TAG_NAME.lastIndex;
  for (;;) {
    ATTRIBUTE_NAME.lastIndex = at;
    const attributeName = ATTRIBUTE_NAME.exec(html)![1];
    const nameEnd = ATTRIBUTE_NAME.lastIndex;
    if (attributeName === undefined) {
      return html[nameEnd] === ">" ? { name, closing, start, end: nameEnd + 1, attributes } : null;
    }
    ATTRIBUTE_VALUE.lastIndex = nameEnd;
    const value = ATTRIBUTE_VALUE.exec(html);
    at = value ? ATTRIBUTE_VALUE.lastIndex : nameEnd;
    const key = attributeName.toLowerCase();
    if (!attributes.has(key)) {
      attributes.set(key, {
        value: value ? value[1] ?? value[2] ?? value[3] : "",
        raw: html.slice(nameEnd - attributeName.length, at),
      });
    }
  }
}

/** Where a script's text ends, by the tokenizer's script data states: after "<!--", a "<script" hides the
 * next "</script>" (until "-->"), so the first "</script>" is not always the end. */
function scriptTextEnd(html: string, from: number): number {
  const token = /<!--|-->|<(\/?)script(?=[\t\n\f\r />])/gi;
  token.lastIndex = from;
  let state: "data" | "escaped" | "double escaped" = "data";
  for (let match = token.exec(html); match; match = token.exec(html)) {
    if (match[0] === "<!--") {
      if (state === "data") state = "escaped";
      token.lastIndex = match.index + 2; // its "--" can start the "-->" of "<!-->"
    } else if (match[0] === "-->") {
      state = "data";
    } else if (match[1]) {
      if (state !== "double escaped") return match.index;
      state = "escaped";
    } else if (state === "escaped") {
      state = "double escaped";
    }
  }
  return html.length;
}

function textEnd(html: string, tag: Tag): number | undefined {
  if (tag.closing) return undefined;
  if (tag.name === "script") return scriptTextEnd(html, tag.end);
  if (tag.name === "plaintext") return html.length;
  if (!RAW_TEXT.has(tag.name)) return undefined;
  const close = new RegExp(`</${tag.name}(?=[\\t\\n\\f\\r />])`, "gi");
  close.lastIndex = tag.end;
  return close.exec(html)?.index ?? html.length;
}

/** Where a comment whose "<!--" ends at `from` ends: at "-->" or "--!>", at once for "<!-->" and "<!--->". */
function commentEnd(html: string, from: number): number {
  if (html.startsWith(">", from)) return from + 1;
  if (html.startsWith("->", from)) return from + 2;
  const end = /--!?>/g;
  end.lastIndex = from;
  return end.exec(html) ? end.lastIndex : html.length;
}

/** The document's tags in order, skipping comments, doctypes and raw text, where "<script" is not a tag. */
function* tags(html: string): Generator<Tag> {
  let at = 0;
  while ((at = html.indexOf("<", at)) >= 0) {
    if (html.startsWith("<!--", at)) {
      at = commentEnd(html, at + 4);
    } else if (/^<\/?[a-z]/i.test(html.slice(at, at + 3))) {
      const tag = readTag(html, at);
      if (!tag) return;
      tag.textEnd = textEnd(html, tag);
      yield tag;
      at = tag.textEnd ?? tag.end;
    } else if (/^<[!?/]/.test(html.slice(at, at + 2))) {
      // Doctype, "<?…>", "</>" or "</ …>": the tokenizer reads them (as bogus comments) up to ">".
      const close = html.indexOf(">", at);
      at = close < 0 ? html.length : close + 1;
    } else {
      at++;
    }
  }
}

// ---------------------------------------------------------------- scripts

/** Hashes must match the text the browser sees: line endings are normalised (the HTML parser does that, and
 * Tauri's Windows CRLF bug), and a "</script" inside the code is escaped, keeping its case, so it cannot end
 * the inline element early. */
function inlineText(code: string): string {
  return normaliseLines(code).replace(/<\/(script)/gi, "<\\/$1");
}

function normaliseLines(text: string): string {
  return text.replace(/\r\n?/g, "\n");
}

// The JavaScript MIME types of the HTML spec; any other type, but "module" and "importmap", is a data block.
const JAVASCRIPT_TYPE =
  /^(?:(?:application|text)\/(?:x-)?(?:ecma|java)script|text\/javascript1\.[0-5]|text\/(?:jscript|livescript))$/;

/** How the browser treats a script element, from its type (or legacy language) attribute. */
function scriptKind(tag: Tag): "classic" | "module" | "importmap" | "data" {
  const language = tag.attributes.get("language")?.value;
  const type = (tag.attributes.get("type")?.value ?? (language ? `text/${language}` : ""))
    .replace(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, "").toLowerCase();
  if (type === "" || JAVASCRIPT_TYPE.test(type)) return "classic";
  return type === "module" || type === "importmap" ? type : "data";
}

// Attributes an inlined script keeps: what scripts and styles may look it up by, and nomodule, which keeps it
// from running as before. The rest (src, type, defer, async, integrity…) means nothing to an inline script.
const KEPT_ATTRIBUTES = ["id", "class", "nomodule"];

function startTag(tag: Tag): string {
  const kept = KEPT_ATTRIBUTES.flatMap((name) => tag.attributes.get(name)?.raw ?? []);
  return `<script${kept.map((raw) => ` ${raw}`).join("")}>`;
}

export async function cspHash(scriptText: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(scriptText));
  return `'sha256-${btoa(String.fromCharCode(...new Uint8Array(digest)))}'`;
}

export function isolationCsp(hashes: string[]): string {
  const scripts = hashes.length ? hashes.join(" ") : "'none'";
  return `default-src 'none'; script-src ${scripts}; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'`;
}

/** Puts a script ahead of every other script of the document (the runtime must run first): before the first
 * real script tag (not one in a comment or a <template>, where it would never run), else before </head>,
 * else before </body>, else at the end. */
export function insertScriptFirst(html: string, scriptText: string): string {
  let at = -1, headEnd = -1, bodyEnd = -1, templates = 0;
  for (const tag of tags(html)) {
    if (tag.name === "template") templates = Math.max(0, templates + (tag.closing ? -1 : 1));
    if (tag.name === "script" && !tag.closing && templates === 0) {
      at = tag.start;
      break;
    }
    if (tag.closing && tag.name === "head" && headEnd < 0) headEnd = tag.start;
    if (tag.closing && tag.name === "body" && bodyEnd < 0) bodyEnd = tag.start;
  }
  const place = [at, headEnd, bodyEnd].find((index) => index >= 0) ?? html.length;
  return html.slice(0, place) + `<script>${scriptText}</script>` + html.slice(place);
}

// ---------------------------------------------------------------- files

/** Strictly inside: not the folder itself, not above it (a name like "..x" is inside), not on another drive. */
function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== "" && rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/** Reads a file of the folder. Its real path must be in the folder's real path too: a symlink must not
 * pull a file from elsewhere into the document. */
async function readFileIn(rootReal: string, file: string, what: string, missing: string): Promise<string> {
  let real: string;
  try {
    real = await Deno.realPath(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw new IsolationBuildError(missing);
    throw error;
  }
  if (!isInside(rootReal, real)) {
    throw new IsolationBuildError(
      `${what} resolves to ${real}, outside the isolation app folder ${rootReal}`,
    );
  }
  if ((await Deno.stat(real)).isDirectory) throw new IsolationBuildError(`${what} is a folder, not a file`);
  return await Deno.readTextFile(real);
}

async function readScript(
  root: string,
  rootReal: string,
  htmlFile: string,
  src: string,
): Promise<{ file: string; code: string }> {
  if (/^[a-z][a-z0-9+.-]*:/i.test(src) || src.startsWith("//")) {
    throw new IsolationBuildError(
      `remote script ${src} in ${htmlFile} cannot be inlined: copy it into the isolation app folder`,
    );
  }
  const file = resolve(root, src.split(/[?#]/)[0].replace(/^\.?\//, ""));
  if (!isInside(root, file)) {
    throw new IsolationBuildError(`script ${src} in ${htmlFile} is outside the isolation app folder ${root}`);
  }
  const what = `script ${file} (referenced by ${htmlFile})`;
  return { file, code: await readFileIn(rootReal, file, what, `${what} not found`) };
}

export async function buildIsolationDocument(dir: string): Promise<IsolationDocument> {
  const root = resolve(dir);
  const htmlFile = join(root, "index.html");
  let rootReal: string;
  try {
    if (!(await Deno.stat(root)).isDirectory) throw new Deno.errors.NotFound();
    rootReal = await Deno.realPath(root);
  } catch {
    throw new IsolationBuildError(`isolation app folder ${root} not found`);
  }
  const source = await readFileIn(
    rootReal,
    htmlFile,
    htmlFile,
    `${htmlFile} not found: an isolation app needs an index.html`,
  );

  const files = [htmlFile];
  const parts: string[] = [];
  const scripts: string[] = [];
  let last = 0;
  for (const tag of tags(source)) {
    if (tag.name !== "script" || tag.closing) continue;
    const kind = scriptKind(tag);
    // Data blocks (JSON, templates…) never run: kept as written, not hashed.
    if (kind === "data") continue;
    const src = tag.attributes.get("src")?.value.replace(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, "") ?? null;
    if (kind !== "classic") {
      const what = src ?? (kind === "module" ? "inline module" : "import map");
      throw new IsolationBuildError(`ES module scripts are not supported yet: ${what} in ${htmlFile}`);
    }
    if (tag.textEnd === source.length) throw new IsolationBuildError(`unclosed <script> in ${htmlFile}`);
    let code: string;
    if (src === null) {
      // Already in the page, so the browser reads it just as written (bar line endings): nothing to escape.
      code = normaliseLines(source.slice(tag.end, tag.textEnd));
    } else if (src === "") {
      throw new IsolationBuildError(`a <script> in ${htmlFile} has an empty src`);
    } else {
      const script = await readScript(root, rootReal, htmlFile, src);
      files.push(script.file);
      code = inlineText(script.code);
      // Even escaped, a "<!--" then "<script" in the code would hide the closing tag: the page would run on.
      if (scriptTextEnd(code + "</script>", 0) !== code.length) {
        throw new IsolationBuildError(
          `script ${script.file} (referenced by ${htmlFile}) cannot be inlined: its "<!--" followed by ` +
            `"<script" would hide the end of the element (write "<\\!--" or "<" + "script" instead)`,
        );
      }
    }
    scripts.push(code);
    // The original end tag stays; only the start tag and the text are replaced.
    parts.push(source.slice(last, tag.start), startTag(tag), code);
    last = tag.textEnd!;
  }
  parts.push(source.slice(last));

  if (!scripts.some((code) => code.includes(HOOK))) {
    throw new IsolationBuildError(`no script in ${root} defines window.${HOOK}`);
  }
  return { html: parts.join(""), scriptHashes: await Promise.all(scripts.map(cspHash)), files };
}
