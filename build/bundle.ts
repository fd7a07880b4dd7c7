// The isolation build's use of esbuild: each module script becomes one classic script (an IIFE with its
// local imports and npm packages inside), each stylesheet one block of CSS with its @imports inside.
// esbuild runs as a child process: it is loaded only when an app needs it and stopped when no build is
// using it any more, so neither a build nor a test leaves it running.
import { resolve } from "node:path";
import vm from "node:vm";
// Inline npm: specifiers (not an import map entry) so that apps importing Airlock from their own folder,
// with their own deno.json, load the same esbuild without mapping it.
// deno-lint-ignore no-import-prefix
import type * as Esbuild from "npm:esbuild@0.28.2";

/** The esbuild the build uses; pinned, loaded from npm by Deno. */
export const ESBUILD = "npm:esbuild@0.28.2";
/** What the bundles are written for: the WebKit in current WebKitGTK releases is newer than Safari 16. */
export const TARGET = "safari16";

type EsbuildModule = typeof Esbuild;

/** A bundle or syntax check that failed; the message names the file, line and column, and the reason. */
export class BundleFailure extends Error {
  override name = "BundleFailure";
  /** @param esbuildVerdict whether this is esbuild's verdict on the input (else esbuild itself failed). */
  constructor(message: string, readonly esbuildVerdict = false) {
    super(message);
  }
}

/** What to bundle: a file, or text from index.html starting at a line (1-based) and column (0-based). */
export type Entry = { file: string } | { text: string; line: number; column: number };

export interface Bundle {
  code: string;
  /** Real paths of the files that went in (index.html's own text not included), dependencies first. */
  inputs: string[];
  /** esbuild's warnings, each "file:line:column: text". */
  warnings: string[];
}

// Only one esbuild child process serves every build of this process; the last build to finish stops it.
let loading: Promise<EsbuildModule> | undefined;
let loaded: EsbuildModule | undefined;
let users = 0;

// http(s) and protocol-relative imports: esbuild would leave them in the bundle for the browser to fetch,
// which the iframe's CSP forbids. A remote url() in CSS (an image, a font) is left as it is, with a warning.
const REMOTE = /^(?:https?:)?\/\//i;
const remoteImports: Esbuild.Plugin = {
  name: "airlock-remote-imports",
  setup(build) {
    build.onResolve({ filter: REMOTE }, (args) => {
      if (args.kind === "url-token") {
        const text = `url(${args.path}) will not load: the isolation iframe fetches nothing`;
        return { path: args.path, external: true, warnings: [{ text }] };
      }
      const what = args.kind === "import-rule" ? "stylesheet" : "module";
      return {
        errors: [{
          text: `remote ${what} ${args.path} cannot be bundled: the isolation iframe fetches nothing; ` +
            `copy it into the isolation app folder${what === "module" ? " or install it with npm" : ""}`,
        }],
      };
    });
  },
};

/** One build's use of esbuild. `close()` it when the build is over, whether it succeeded or not. */
export class Bundler {
  #esbuild: Promise<EsbuildModule> | undefined;

  /**
   * @param root the isolation app folder's real path: esbuild's working folder, so the file comments in the
   *   output are relative to it and the same on every machine.
   * @param display turns a real path into the path to show in messages.
   */
  constructor(
    private readonly root: string,
    private readonly display: (path: string) => string,
    private readonly minify = false,
  ) {}

  #load(): Promise<EsbuildModule> {
    if (!this.#esbuild) {
      users++;
      // deno-lint-ignore no-import-prefix
      loading ??= import("npm:esbuild@0.28.2");
      this.#esbuild = loading.then((esbuild) => {
        loaded = esbuild;
        return esbuild;
      }, (error) => {
        loading = undefined;
        throw new BundleFailure(`esbuild (${ESBUILD}) could not be loaded: ${error?.message ?? error}`);
      });
    }
    return this.#esbuild;
  }

  /** The shared esbuild itself, for a build of another kind (see withEsbuild). */
  esbuild(): Promise<EsbuildModule> {
    return this.#load();
  }

  /** Stops esbuild's process if no other build is using it (the next build starts a new one). */
  async close(): Promise<void> {
    if (!this.#esbuild) return;
    this.#esbuild = undefined;
    // Synchronous up to stop(), so no build can start using the process between the count and the stop.
    if (--users === 0 && loaded) await loaded.stop();
  }

  /** Bundles a module script (file or inline) and everything it imports into one classic script. */
  script(entry: Entry): Promise<Bundle> {
    return this.#build(entry, "js", { format: "iife" });
  }

  /** Bundles a stylesheet (file or inline) and the stylesheets it @imports into one. */
  style(entry: Entry): Promise<Bundle> {
    return this.#build(entry, "css", {});
  }

  async #build(entry: Entry, loader: "js" | "css", options: Esbuild.BuildOptions): Promise<Bundle> {
    const esbuild = await this.#load();
    let result: Esbuild.BuildResult<{ write: false; metafile: true }>;
    try {
      result = await esbuild.build({
        ...options,
        ...("file" in entry ? { entryPoints: [entry.file] } : {
          stdin: { contents: padded(entry), resolveDir: this.root, sourcefile: "index.html", loader },
        }),
        absWorkingDir: this.root,
        bundle: true,
        write: false,
        metafile: true,
        platform: "browser",
        target: TARGET,
        sourcemap: false,
        minify: this.minify,
        logLevel: "silent",
        plugins: [remoteImports],
      });
    } catch (error) {
      throw this.#failure(error, (file) => this.display(resolve(this.root, file)));
    }
    const inputs = Object.keys(result.metafile.inputs)
      // Not files: index.html's own text (read already), data: URLs.
      .filter((key) => !("text" in entry && key === "index.html") && !/^[a-z][a-z0-9+.-]+:/i.test(key))
      .map((key) => resolve(this.root, key));
    const where = (file: string) => this.display(resolve(this.root, file));
    return {
      code: result.outputFiles[0].text,
      inputs,
      warnings: result.warnings.map((warning) => describe(warning, where)),
    };
  }

  /** For a classic script that V8 has found a syntax error in: where the error is, by esbuild's parser, and
   * what it says; null when esbuild parses it (esbuild accepts a little more than a classic script may hold). */
  async syntaxError(entry: Entry, name: string): Promise<string | null> {
    try {
      const esbuild = await this.#load();
      await esbuild.transform("file" in entry ? await Deno.readTextFile(entry.file) : padded(entry), {
        loader: "js",
        sourcefile: name,
        logLevel: "silent",
      });
      return null;
    } catch (error) {
      // Without esbuild (not loadable, not allowed to run), V8's message alone will do.
      const failure = this.#failure(error, (file) => file);
      return failure.esbuildVerdict ? failure.message : null;
    }
  }

  /** esbuild's first error as "file:line:column: text", or what kept esbuild from running. */
  #failure(error: unknown, where: (file: string) => string): BundleFailure {
    if (error instanceof BundleFailure) return error;
    const errors = (error as Esbuild.BuildFailure)?.errors;
    if (!Array.isArray(errors) || errors.length === 0) {
      return new BundleFailure(
        `esbuild could not run (it runs as a child process: Deno needs --allow-run, --allow-env and ` +
          `--allow-read): ${(error as Error)?.message ?? error}`,
      );
    }
    const more = errors.length > 1
      ? ` (and ${errors.length - 1} more error${errors.length > 2 ? "s" : ""})`
      : "";
    return new BundleFailure(describe(errors[0], where) + more, true);
  }
}

/** Runs `use` with the shared esbuild process, which stops afterwards unless another build is using it. */
export async function withEsbuild<T>(use: (esbuild: EsbuildModule) => Promise<T>): Promise<T> {
  const bundler = new Bundler(Deno.cwd(), (path) => path);
  try {
    return await use(await bundler.esbuild());
  } finally {
    await bundler.close();
  }
}

/** Inline text with the lines and columns before it in index.html, so esbuild's positions are index.html's. */
function padded(entry: { text: string; line: number; column: number }): string {
  return "\n".repeat(entry.line - 1) + " ".repeat(entry.column) + entry.text;
}

/** "file:line:column: text", plus what to do when a package or a Node module is not found. */
function describe(message: Esbuild.Message, where: (file: string) => string): string {
  const location = message.location;
  const at = location ? `${where(location.file)}:${location.line}:${location.column + 1}: ` : "";
  let hint = "";
  if (/^Cannot import ".*" into a JavaScript file/.test(message.text)) {
    hint = ` (link stylesheets from index.html with <link rel="stylesheet">)`;
  } else if (message.text.startsWith("Top-level await")) {
    hint = " (the build turns each module into a classic script)";
  }
  const unresolved = /^Could not resolve "([^"]*)"/.exec(message.text)?.[1];
  if (unresolved !== undefined && !/^[./]/.test(unresolved) && !REMOTE.test(unresolved)) {
    hint = message.notes.some((note) => note.text.includes("built into node"))
      ? " (a Node.js module: the isolation iframe is a browser)"
      : " (npm packages are looked up in the node_modules folders of the importing file's folder and above:" +
        " install it there with npm)";
  }
  return `${at}${message.text}${hint}`;
}

/** V8's verdict on a classic script's syntax (the script is compiled, never run): the message, or null. */
export function classicSyntaxError(code: string): string | null {
  try {
    new vm.Script(code);
    return null;
  } catch (error) {
    if (error instanceof Error && error.name === "SyntaxError") return error.message;
    throw error;
  }
}
