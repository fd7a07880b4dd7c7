// An app's commands module (`commands.ts`, next to the config): its `commands` (or default export) and its
// optional `setup(app)` (Tauri's setup hook). Any failure to load it — a syntax error, a missing import, a
// throw at its top level, a wrong export — is one CommandsModuleError naming the file and line, never a
// stack trace. `deno task dev` imports it again after each change, the files it imports included: Deno
// keeps every module it has imported, so a fresh copy is bundled (esbuild, local files only) and that
// bundle is imported instead.
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
// The same pinned esbuild as build/bundle.ts.
// deno-lint-ignore no-import-prefix
import type * as Esbuild from "npm:esbuild@0.28.2";
import type { Commands } from "../core/router.ts";
import type { AppSetup } from "../host/app.ts";
import { withEsbuild } from "./bundle.ts";

export class CommandsModuleError extends Error {
  override name = "CommandsModuleError";
}

export interface CommandsModule {
  /** The module's real path. */
  file: string;
  commands: Commands;
  /** Its `setup` export, if any: run with the app once its windows are open. */
  setup?: AppSetup;
}

/**
 * Imports the commands module at `file`. `fresh`: a new copy of it and of every local file it imports,
 * whatever this process imported before (`import.meta.url` and friends still name the original files).
 */
export async function importCommandsModule(
  file: string,
  options: { fresh?: boolean } = {},
): Promise<CommandsModule> {
  const path = resolve(file);
  let namespace: Record<string, unknown>;
  if (options.fresh) {
    const { code } = await bundleCommands(path);
    const copy = await Deno.makeTempFile({ prefix: "airlock-commands-", suffix: ".mjs" });
    try {
      await Deno.writeTextFile(copy, code);
      namespace = await importOrExplain(pathToFileURL(copy).href, path);
    } finally {
      await Deno.remove(copy).catch(() => {});
    }
  } else {
    namespace = await importOrExplain(pathToFileURL(path).href, path);
  }
  return checkExports(namespace, path);
}

/** The local files the module is made of (itself first): what `deno task dev` watches. */
export async function commandsInputs(file: string): Promise<string[]> {
  const path = resolve(file);
  const { inputs } = await bundleCommands(path);
  return [path, ...inputs.filter((input) => input !== path)];
}

function checkExports(namespace: Record<string, unknown>, file: string): CommandsModule {
  const commands = namespace.commands ?? namespace.default;
  if (typeof commands !== "object" || commands === null || Array.isArray(commands)) {
    throw new CommandsModuleError(
      `${shown(file)}: must export \`commands\`, a record of command handlers (found ${
        commands === undefined ? "no such export" : typeof commands
      })`,
    );
  }
  for (const [name, handler] of Object.entries(commands)) {
    if (typeof handler !== "function") {
      throw new CommandsModuleError(`${shown(file)}: commands.${name} is not a function (${typeof handler})`);
    }
  }
  const setup = namespace.setup;
  if (setup !== undefined && typeof setup !== "function") {
    throw new CommandsModuleError(
      `${shown(file)}: \`setup\` must be a function (setup(app)), not ${typeof setup}`,
    );
  }
  return { file, commands: commands as Commands, setup: setup as AppSetup | undefined };
}

async function importOrExplain(url: string, file: string): Promise<Record<string, unknown>> {
  try {
    return await import(url);
  } catch (error) {
    throw new CommandsModuleError(explain(error, file));
  }
}

// deno-lint-ignore no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;
const FRAME = /(?:file:\/\/)?(\/[^\s():]+):(\d+):(\d+)/;

/** "file:line:column: what went wrong", one line, from what a failed import threw. */
export function explain(error: unknown, file: string): string {
  const isError = error instanceof Error;
  const message = String(isError ? error.message : error).replace(ANSI, "");
  const lines = message.split("\n");
  // Deno's own load errors carry the place in the message (a syntax error after its source excerpt, a
  // module not found with the importing line); an error the module's code threw, in its stack.
  const place = FRAME.exec(lines.filter((line) => /^\s+at /.test(line)).join("\n")) ??
    (isError ? firstAppFrame(String(error.stack ?? "").replace(ANSI, "")) : null);
  let what = lines[0];
  if (!isError) what = `threw ${what}`;
  else if (error.name !== "Error" && error.name !== "TypeError") what = `${error.name}: ${what}`;
  const at = place ? `${shown(place[1])}:${place[2]}:${place[3]}` : shown(file);
  return `${at}: ${what} (loading the commands module ${shown(file)})`;
}

/** The first stack frame outside Airlock's own code. */
function firstAppFrame(stack: string): RegExpExecArray | null {
  const airlock = dirname(dirname(fileURLToPath(import.meta.url)));
  for (const line of stack.split("\n")) {
    const match = FRAME.exec(line);
    if (match && !match[1].startsWith(airlock + "/") && !/airlock-commands-.*\.mjs$/.test(match[1])) {
      return match;
    }
  }
  return null;
}

function shown(path: string): string {
  const rel = relative(Deno.cwd(), path);
  return rel.startsWith("..") || rel === "" ? path : rel;
}

/** One ES module of the commands module and its local imports; everything else (npm:, jsr:, node:, bare
 * specifiers through the import map, URLs) stays an import, resolved by Deno as before. */
async function bundleCommands(file: string): Promise<{ code: string; inputs: string[] }> {
  return await withEsbuild(async (esbuild) => {
    let result: Esbuild.BuildResult<{ write: false; metafile: true }>;
    try {
      result = await esbuild.build({
        entryPoints: [file],
        absWorkingDir: dirname(file),
        bundle: true,
        write: false,
        metafile: true,
        format: "esm",
        platform: "neutral",
        target: "esnext",
        sourcemap: "inline",
        // Absolute, so stack traces name the original files wherever the copy is.
        sourceRoot: pathToFileURL(dirname(file)).href + "/",
        logLevel: "silent",
        plugins: [localFilesOnly],
      });
    } catch (error) {
      const first = (error as Esbuild.BuildFailure)?.errors?.[0];
      if (!first) {
        throw new CommandsModuleError(
          `${shown(file)}: could not be bundled for a fresh import (esbuild runs as a child process: ` +
            `--allow-run, --allow-env and --allow-read): ${(error as Error)?.message ?? error}`,
        );
      }
      const at = first.location
        ? `${shown(resolve(dirname(file), first.location.file))}:${first.location.line}:${
          first.location.column + 1
        }`
        : shown(file);
      throw new CommandsModuleError(`${at}: ${first.text} (loading the commands module ${shown(file)})`);
    }
    const inputs = Object.keys(result.metafile.inputs).map((input) => resolve(dirname(file), input));
    return { code: result.outputFiles[0].text, inputs };
  });
}

const LOCAL = /^(?:\.{1,2}\/|\/)/;
const SCRIPT = /\.[cm]?[jt]sx?$/;

/** Local files are bundled (each module's import.meta names its own file, as if imported directly);
 * every other specifier is left for Deno. */
const localFilesOnly: Esbuild.Plugin = {
  name: "airlock-local-files-only",
  setup(build) {
    build.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === "entry-point" || LOCAL.test(args.path)) return undefined;
      if (args.path.startsWith("file:")) return { path: fileURLToPath(args.path) };
      return { path: args.path, external: true };
    });
    build.onLoad({ filter: SCRIPT }, async (args) => {
      const source = await Deno.readTextFile(args.path);
      if (!/\bimport\.meta\b/.test(source)) return undefined;
      const url = pathToFileURL(args.path).href;
      const meta = `{ url: ${JSON.stringify(url)}, filename: ${JSON.stringify(args.path)}, dirname: ${
        JSON.stringify(dirname(args.path))
      }, main: false, resolve: (s) => /^\\.{0,2}\\//.test(s) ? new URL(s, ${
        JSON.stringify(url)
      }).href : import.meta.resolve(s) }`;
      const body = source.replace(/\bimport\.meta\b/g, "__airlockImportMeta");
      // On the first line (after a #! line), so every line keeps its number.
      const shebang = body.startsWith("#!") ? body.slice(0, body.indexOf("\n") + 1) : "";
      const contents = `${shebang}const __airlockImportMeta = ${meta};${body.slice(shebang.length)}`;
      const loader = args.path.replace(/^.*\.[cm]?/, "") as Esbuild.Loader;
      return { contents, loader };
    });
  },
};
