// Turns an isolation app folder into the one HTML document the sandboxed iframe runs.
// The iframe's CSP allows exactly the scripts and styles whose hashes we list, and nothing can be fetched, so
// everything the page loads is put inside it here:
// - a classic <script src> is read and inlined as it is;
// - a <script type="module"> (src or inline) is bundled by esbuild with its local imports and npm packages
//   (from node_modules) into one classic script, put where a module runs: after the document is parsed;
// - a <link rel="stylesheet"> becomes a <style> with its @imports bundled in;
// and each inline script's and style's hash is computed. HTML scanning is in html.ts, esbuild in bundle.ts.
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { type Bundle, BundleFailure, Bundler, classicSyntaxError, type Entry } from "./bundle.ts";
import { cspHash, type IsolationDocument } from "../isolation/document.ts";
import type { SourceSpan } from "../protocol/messages.ts";
export { cspHash, isolationCsp, type IsolationDocument } from "../isolation/document.ts";
import {
  endTagEnd,
  lineAndColumn,
  relTokens,
  scriptKind,
  scriptTextEnd,
  type Tag,
  tags,
  trimHtmlSpace,
} from "./html.ts";

export { IsolationBuildError } from "../isolation/document.ts";
import { IsolationBuildError } from "../isolation/document.ts";

export interface IsolationBuildOptions {
  /** Minify bundled modules and stylesheets (esbuild's minify). Off by default; classic scripts are never
   * changed. */
  minify?: boolean;
}

const HOOK = "__TAURI_ISOLATION_HOOK__";

// ---------------------------------------------------------------- inline text and hashes

function normaliseLines(text: string): string {
  return text.replace(/\r\n?/g, "\n");
}

/** Hashes must match the text the browser sees: line endings are normalised (the HTML parser does that, and
 * Tauri's Windows CRLF bug), and a "</script" inside the code is escaped, keeping its case, so it cannot end
 * the inline element early. */
function inlineScript(code: string): string {
  return normaliseLines(code).replace(/<\/(script)/gi, "<\\/$1");
}

/** The same for CSS: "<\/style" is "</style" to CSS, in a string, a url or a comment alike. */
function inlineStyle(css: string): string {
  return normaliseLines(css).replace(/<\/(style)/gi, "<\\/$1");
}

/** Puts a script ahead of every other script of the document (the runtime must run first): before the first
 * real script tag (not one in a comment or a <template>, where it would never run), else before </head>,
 * else before </body>, else at the end. */
export function insertScriptFirst(html: string, scriptText: string): string {
  const place = runtimeInsertionPoint(html);
  return html.slice(0, place) + `<script>${scriptText}</script>` + html.slice(place);
}

/** Where insertScriptFirst puts a script: computed once by the build, so serving a session needs no HTML
 * parsing. */
export function runtimeInsertionPoint(html: string): number {
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
  return [at, headEnd, bodyEnd].find((index) => index >= 0) ?? html.length;
}

/** The start tag of an inlined element, with only the given attributes, as written. */
function startTag(name: string, tag: Tag, kept: string[]): string {
  const attributes = kept.flatMap((attribute) => tag.attributes.get(attribute)?.raw ?? []);
  return `<${name}${attributes.map((raw) => ` ${raw}`).join("")}>`;
}

// Attributes an inlined classic script keeps: what scripts and styles may look it up by, and nomodule, which
// keeps it from running as before. The rest (src, type, defer, async, integrity…) means nothing to an inline
// script. A module keeps no nomodule (a module runs whatever it says); a stylesheet keeps what decides where
// its rules apply.
const CLASSIC_ATTRIBUTES = ["id", "class", "nomodule"];
const MODULE_ATTRIBUTES = ["id", "class"];
const STYLE_ATTRIBUTES = ["id", "class", "media", "title"];

// ---------------------------------------------------------------- files

/** Strictly inside: not the folder itself, not above it (a name like "..x" is inside), not on another drive. */
function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== "" && rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

const REMOTE_URL = /^(?:[a-z][a-z0-9+.-]*:|\/\/)/i;

function sizeText(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KiB`;
}

const byteLength = (text: string) => new TextEncoder().encode(text).length;

/** One thing the build put into the document, for the report. */
interface Item {
  /** "index.js: classic script", "inline module"… */
  name: string;
  /** Its size in the document. */
  bytes: number;
  /** For bundles: how many files it imports (directly or not), how many of them from node_modules. */
  bundled?: { files: number; packages: number };
}

/** A change to index.html: source[start, end) becomes text, which holds these inline scripts and styles. */
interface Edit {
  start: number;
  end: number;
  text: string;
  scripts: string[];
  styles: string[];
}

/** One build of one folder. */
class IsolationBuild {
  readonly htmlFile: string;
  readonly files: string[];
  readonly warnings: string[] = [];
  readonly items: Item[] = [];
  /** Each script's code and where its first line came from, for the source table (sourceSpans). */
  readonly sources: { code: string; name: string; line: number; column: number; bundled: boolean }[] = [];
  readonly bundler: Bundler;
  readonly #edits: Edit[] = [];
  /** Module scripts, in order, to run after the document is parsed, as modules do. */
  readonly #deferred: { element: string; code: string }[] = [];

  constructor(readonly root: string, readonly rootReal: string, options: IsolationBuildOptions) {
    this.htmlFile = join(root, "index.html");
    this.files = [this.htmlFile];
    this.bundler = new Bundler(rootReal, (path) => this.display(path), options.minify);
  }

  /** A real path as the user knows it: under the folder's name as given if it is in the folder. */
  display(real: string): string {
    return real === this.rootReal || isInside(this.rootReal, real)
      ? join(this.root, relative(this.rootReal, real))
      : real;
  }

  /** A path for the report: relative to the folder, "/"-separated. */
  name(file: string): string {
    return relative(this.root, file).split(sep).join("/");
  }

  /** The real path of a file of the folder, which must be in the folder's real path too: a symlink must not
   * pull a file from elsewhere into the document. */
  async realFile(file: string, what: string, missing: string): Promise<string> {
    let real: string;
    try {
      real = await Deno.realPath(file);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) throw new IsolationBuildError(missing);
      throw error;
    }
    if (!isInside(this.rootReal, real)) {
      throw new IsolationBuildError(
        `${what} resolves to ${real}, outside the isolation app folder ${this.rootReal}`,
      );
    }
    if ((await Deno.stat(real)).isDirectory) throw new IsolationBuildError(`${what} is a folder, not a file`);
    return real;
  }

  /** The file a src or href names: local, in the folder, existing. `kind` is "script" or "stylesheet". */
  async locate(reference: string, kind: string): Promise<{ file: string; real: string; what: string }> {
    if (REMOTE_URL.test(reference)) {
      throw new IsolationBuildError(
        `remote ${kind} ${reference} in ${this.htmlFile} cannot be inlined: copy it into the isolation app folder`,
      );
    }
    const file = resolve(this.root, reference.split(/[?#]/)[0].replace(/^\.?\//, ""));
    if (!isInside(this.root, file)) {
      throw new IsolationBuildError(
        `${kind} ${reference} in ${this.htmlFile} is outside the isolation app folder ${this.root}`,
      );
    }
    const what = `${kind} ${file} (referenced by ${this.htmlFile})`;
    return { file, real: await this.realFile(file, what, `${what} not found`), what };
  }

  /** Runs a bundle, turning esbuild's failure into the build's error, and lists its files. */
  async bundle(what: string, run: () => Promise<Bundle>, entry?: { file: string; real: string }) {
    let bundle: Bundle;
    try {
      bundle = await run();
    } catch (error) {
      if (error instanceof BundleFailure) {
        throw new IsolationBuildError(`${what} cannot be bundled: ${error.message}`);
      }
      throw error;
    }
    if (entry) this.files.push(entry.file);
    const inputs = bundle.inputs.filter((input) => input !== entry?.real);
    this.files.push(...inputs.map((input) => this.display(input)));
    this.warnings.push(...bundle.warnings.map((warning) => `${what}: ${warning}`));
    const packages = inputs.filter((input) => input.includes(`${sep}node_modules${sep}`)).length;
    return { bundle, bundled: { files: inputs.length, packages } };
  }

  edit(start: number, end: number, text: string, inlined: { scripts?: string[]; styles?: string[] }): void {
    this.#edits.push({ start, end, text, scripts: inlined.scripts ?? [], styles: inlined.styles ?? [] });
  }

  /** Checks that inlined code cannot run past its element. */
  checkScriptEnd(code: string, what: string): void {
    // Even escaped, a "<!--" then "<script" in the code would hide the closing tag: the page would run on.
    if (scriptTextEnd(code + "</script>", 0) !== code.length) {
      throw new IsolationBuildError(
        `${what} cannot be inlined: its "<!--" followed by ` +
          `"<script" would hide the end of the element (write "<\\!--" or "<" + "script" instead)`,
      );
    }
  }

  async classicScript(source: string, tag: Tag, src: string | null): Promise<void> {
    let code: string, what: string, entry: Entry, name: string;
    if (src === null) {
      // Already in the page, so the browser reads it just as written (bar line endings): nothing to escape.
      code = normaliseLines(source.slice(tag.end, tag.textEnd));
      what = `inline script in ${this.htmlFile}`;
      entry = { text: code, ...lineAndColumn(source, tag.end) };
      name = this.htmlFile;
      this.sources.push({
        code,
        name: this.name(this.htmlFile),
        line: entry.line,
        column: entry.column,
        bundled: false,
      });
      this.items.push({ name: "inline script", bytes: byteLength(code) });
    } else {
      const located = await this.locate(src, "script");
      this.files.push(located.file);
      code = inlineScript(await Deno.readTextFile(located.real));
      this.checkScriptEnd(code, `script ${located.file} (referenced by ${this.htmlFile})`);
      what = located.what;
      entry = { file: located.real };
      name = located.file;
      this.items.push({ name: `${this.name(located.file)}: classic script`, bytes: byteLength(code) });
      this.sources.push({ code, name: this.name(located.file), line: 1, column: 0, bundled: false });
    }
    const syntaxError = classicSyntaxError(code);
    if (syntaxError !== null) {
      const where = await this.bundler.syntaxError(entry, name);
      const hint = /\b(?:import|export)\b/.test(syntaxError)
        ? ` (a script with import or export must be a <script type="module">)`
        : "";
      throw new IsolationBuildError(
        `${what} has a syntax error: ${where ?? `${name}: ${syntaxError}`}${hint}`,
      );
    }
    // The original end tag stays; only the start tag and the text are replaced.
    this.edit(tag.start, tag.textEnd!, startTag("script", tag, CLASSIC_ATTRIBUTES) + code, {
      scripts: [code],
    });
  }

  async moduleScript(source: string, tag: Tag, src: string | null, inTemplate: boolean): Promise<void> {
    let what: string, entry: Entry, located: { file: string; real: string } | undefined;
    if (src === null) {
      what = `inline module in ${this.htmlFile}`;
      entry = { text: normaliseLines(source.slice(tag.end, tag.textEnd)), ...lineAndColumn(source, tag.end) };
    } else {
      located = await this.locate(src, "script");
      what = `module ${located.file} (referenced by ${this.htmlFile})`;
      entry = { file: located.real };
    }
    const { bundle, bundled } = await this.bundle(what, () => this.bundler.script(entry), located);
    const code = inlineScript(bundle.code);
    this.checkScriptEnd(code, what);
    const name = located ? `${this.name(located.file)}: module` : "inline module";
    this.items.push({ name, bytes: byteLength(code), bundled });
    this.sources.push({
      code,
      name: located ? this.name(located.file) : `${this.name(this.htmlFile)} (inline module)`,
      line: 1,
      column: 0,
      bundled: true,
    });
    const element = startTag("script", tag, MODULE_ATTRIBUTES) + code;
    if (tag.attributes.has("async") || inTemplate) {
      // An async module runs when it is ready, and one in a template never: both can stay where they are.
      this.edit(tag.start, tag.textEnd!, element, { scripts: [code] });
    } else {
      // A module runs once the document is parsed: the whole element moves to the end of the body.
      this.edit(tag.start, endTagEnd(source, tag), "", {});
      this.#deferred.push({ element: `${element}</script>`, code });
    }
  }

  async styleElement(source: string, tag: Tag): Promise<void> {
    if (tag.textEnd === source.length) throw new IsolationBuildError(`unclosed <style> in ${this.htmlFile}`);
    let css = normaliseLines(source.slice(tag.end, tag.textEnd));
    if (/@import/i.test(css)) {
      const entry = { text: css, ...lineAndColumn(source, tag.end) };
      const what = `inline style in ${this.htmlFile}`;
      const { bundle, bundled } = await this.bundle(what, () => this.bundler.style(entry));
      css = inlineStyle(bundle.code);
      this.items.push({ name: "inline style", bytes: byteLength(css), bundled });
    } else {
      this.items.push({ name: "inline style", bytes: byteLength(css) });
    }
    this.edit(tag.end, tag.textEnd!, css, { styles: [css] });
  }

  async stylesheetLink(tag: Tag): Promise<void> {
    const href = trimHtmlSpace(tag.attributes.get("href")?.value ?? "");
    if (href === "") {
      throw new IsolationBuildError(`a <link rel="stylesheet"> in ${this.htmlFile} has no href`);
    }
    if (relTokens(tag).includes("alternate")) {
      throw new IsolationBuildError(
        `alternate stylesheet ${href} in ${this.htmlFile} is not supported: the isolation iframe fetches nothing`,
      );
    }
    const located = await this.locate(href, "stylesheet");
    const { bundle, bundled } = await this.bundle(
      `stylesheet ${located.file} (referenced by ${this.htmlFile})`,
      () => this.bundler.style({ file: located.real }),
      located,
    );
    const css = inlineStyle(bundle.code);
    this.items.push({ name: `${this.name(located.file)}: stylesheet`, bytes: byteLength(css), bundled });
    this.edit(tag.start, tag.end, `${startTag("style", tag, STYLE_ATTRIBUTES)}${css}</style>`, {
      styles: [css],
    });
  }

  async run(source: string): Promise<{ html: string; scripts: string[]; styles: string[] }> {
    let templates = 0, bodyEnd = -1, styleAttributes = 0;
    for (const tag of tags(source)) {
      if (tag.name === "template") {
        templates = Math.max(0, templates + (tag.closing ? -1 : 1));
        continue;
      }
      if (tag.closing) {
        if (tag.name === "body" && templates === 0 && bodyEnd < 0) bodyEnd = tag.start;
        continue;
      }
      if (tag.attributes.has("style")) styleAttributes++;
      if (tag.name === "style") {
        await this.styleElement(source, tag);
      } else if (tag.name === "link" && relTokens(tag).includes("stylesheet")) {
        await this.stylesheetLink(tag);
      } else if (tag.name === "script") {
        const kind = scriptKind(tag);
        // Data blocks (JSON, templates…) never run: kept as written, not hashed.
        if (kind === "data") continue;
        if (kind === "importmap") {
          throw new IsolationBuildError(
            `import maps are not supported (${this.htmlFile}): import local files by relative path and npm ` +
              `packages by name, from a <script type="module">; the build bundles them`,
          );
        }
        if (tag.textEnd === source.length) {
          throw new IsolationBuildError(`unclosed <script> in ${this.htmlFile}`);
        }
        const src = tag.attributes.has("src") ? trimHtmlSpace(tag.attributes.get("src")!.value) : null;
        if (src === "") throw new IsolationBuildError(`a <script> in ${this.htmlFile} has an empty src`);
        if (kind === "classic") await this.classicScript(source, tag, src);
        else await this.moduleScript(source, tag, src, templates > 0);
      }
    }
    if (styleAttributes) {
      this.warnings.push(
        `${styleAttributes} style attribute${styleAttributes > 1 ? "s" : ""} in ${this.htmlFile} will be ` +
          `ignored: the isolation CSP allows only the <style> elements of the document (use a stylesheet)`,
      );
    }
    const edits = this.#edits.sort((a, b) => a.start - b.start);
    if (this.#deferred.length) {
      // Before </body> if nothing inlined comes after it, else at the very end: after every other script.
      const lastEnd = Math.max(0, ...edits.map((edit) => edit.end));
      const at = bodyEnd >= lastEnd ? bodyEnd : source.length;
      edits.push({
        start: at,
        end: at,
        text: this.#deferred.map((module) => module.element).join(""),
        scripts: this.#deferred.map((module) => module.code),
        styles: [],
      });
    }
    const parts: string[] = [];
    let last = 0;
    for (const edit of edits) {
      parts.push(source.slice(last, edit.start), edit.text);
      last = edit.end;
    }
    parts.push(source.slice(last));
    return {
      html: parts.join(""),
      scripts: edits.flatMap((edit) => edit.scripts),
      styles: edits.flatMap((edit) => edit.styles),
    };
  }
}

/** The few lines of IsolationDocument.report. */
function buildReport(
  build: IsolationBuild,
  html: string,
  scriptHashes: string[],
  styleHashes: string[],
  milliseconds: number,
): string[] {
  const plural = (n: number, word: string, suffix = "s") => `${n} ${word}${n === 1 ? "" : suffix}`;
  const files = plural(new Set(build.files).size, "file");
  const hashes = `${plural(scriptHashes.length, "script hash", "es")}, ` +
    plural(styleHashes.length, "style hash", "es");
  return [
    `isolation app ${build.root} built in ${Math.round(milliseconds)} ms: ` +
    `index.html of ${sizeText(byteLength(html))} from ${files}`,
    ...build.items.map((item) => {
      const imports = item.bundled
        ? ` + ${plural(item.bundled.files, "imported file")}` +
          (item.bundled.packages ? ` (${item.bundled.packages} from node_modules)` : "")
        : "";
      return `  ${item.name}${imports} → ${sizeText(item.bytes)}`;
    }),
    `  CSP: ${hashes} (and the runtime's script hash, added for each session)`,
    ...build.warnings.map((warning) => `  warning: ${warning}`),
  ];
}

/** Where each script's code sits in the built html (lines 1-based, columns 0-based), and what file and line
 * that is: the runtime names the isolation app's own file:line in a load error, never the document's URL. */
function sourceSpans(html: string, sources: IsolationBuild["sources"]): SourceSpan[] {
  const spans: SourceSpan[] = [];
  const taken = new Set<number>();
  for (const source of sources) {
    if (!source.code) continue;
    // Modules move to the end of the body: search the whole document, skipping places already named.
    let at = html.indexOf(source.code);
    while (at >= 0 && taken.has(at)) at = html.indexOf(source.code, at + 1);
    if (at < 0) continue;
    taken.add(at);
    const before = html.slice(0, at);
    const line = before.split("\n").length;
    spans.push({
      name: source.name,
      line,
      column: at - (before.lastIndexOf("\n") + 1),
      lines: source.code.split("\n").length,
      sourceLine: source.line,
      sourceColumn: source.column,
      bundled: source.bundled,
    });
  }
  return spans;
}

export async function buildIsolationDocument(
  dir: string,
  options: IsolationBuildOptions = {},
): Promise<IsolationDocument> {
  const started = performance.now();
  const root = resolve(dir);
  let rootReal: string;
  try {
    if (!(await Deno.stat(root)).isDirectory) throw new Deno.errors.NotFound();
    rootReal = await Deno.realPath(root);
  } catch {
    throw new IsolationBuildError(`isolation app folder ${root} not found`);
  }
  const build = new IsolationBuild(root, rootReal, options);
  const htmlFile = build.htmlFile;
  const source = await Deno.readTextFile(
    await build.realFile(htmlFile, htmlFile, `${htmlFile} not found: an isolation app needs an index.html`),
  );
  let built: { html: string; scripts: string[]; styles: string[] };
  try {
    built = await build.run(source);
  } finally {
    await build.bundler.close();
  }
  if (!built.scripts.some((code) => code.includes(HOOK))) {
    throw new IsolationBuildError(`no script in ${root} defines window.${HOOK}`);
  }
  const scriptHashes = await Promise.all(built.scripts.map(cspHash));
  const styleHashes = await Promise.all(built.styles.map(cspHash));
  const report = buildReport(build, built.html, scriptHashes, styleHashes, performance.now() - started);
  return {
    html: built.html,
    runtimeAt: runtimeInsertionPoint(built.html),
    sources: sourceSpans(built.html, build.sources),
    scriptHashes,
    styleHashes,
    files: build.files,
    warnings: build.warnings,
    report,
  };
}
