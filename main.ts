// Runs an Airlock app (`main.ts dev --config FILE [--commands FILE]`) or creates one (`main.ts new DIR`).
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { ConfigError, IsolationBuildError, NativeUnavailableError } from "./mod.ts";
import { startDev } from "./host/dev_session.ts";
import { commandsInputs, CommandsModuleError, importCommandsModule } from "./build/commands_module.ts";
import { scaffoldApp, ScaffoldError } from "./build/scaffold.ts";
import { embedApp } from "./build/embed.ts";
import { compileApp, CompileError } from "./build/compile.ts";

const USAGE =
  "usage: main.ts dev --config <airlock.conf.json | tauri.conf.json> [--commands <commands.ts>] [--automation]\n" +
  "                [--verbose] [--inspector]\n" +
  "       main.ts build --config <file> [--out <dir>]     assets embedded in one module, for shipping\n" +
  "       main.ts compile --config <file> [--output <exe>] one executable (honours DENORT_BIN)\n" +
  "       main.ts new <dir>\n" +
  "       main.ts --help";

/** Each command's options; anything else, or an option without its value, is an error (never ignored). */
const OPTIONS: Record<string, Record<string, { type: "string" | "boolean" }>> = {
  // --automation: WebDriver may drive the app (tests only; also AIRLOCK_AUTOMATION=1).
  dev: {
    config: { type: "string" },
    commands: { type: "string" },
    automation: { type: "boolean" },
    // --verbose: the isolation build's report at each start.
    verbose: { type: "boolean" },
    // --inspector: dev's isolation inspector window (what the hook and the core did with each call).
    inspector: { type: "boolean" },
  },
  build: { config: { type: "string" }, out: { type: "string" } },
  compile: { config: { type: "string" }, out: { type: "string" }, output: { type: "string" } },
  new: {},
};

/** A command's options and positionals (`--config FILE` or `--config=FILE`), strictly. */
export function parseCommandLine(command: string, args: string[]): {
  values: Record<string, string | undefined>;
  /** The boolean options given (`--verbose`, `--automation`). */
  flags: Set<string>;
  positionals: string[];
} {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: OPTIONS[command],
      strict: true,
      allowPositionals: true,
    });
    if (command !== "new" && positionals.length) throw new Error(`unexpected argument "${positionals[0]}"`);
    const strings: Record<string, string | undefined> = {};
    const flags = new Set<string>();
    for (const [name, value] of Object.entries(values)) {
      if (typeof value === "boolean") {
        if (value) flags.add(name);
      } else strings[name] = value as string | undefined;
    }
    return { values: strings, flags, positionals };
  } catch (error) {
    throw new ConfigError(`${(error as Error).message.split("\n")[0]}\n${USAGE}`);
  }
}

async function dev(args: string[]): Promise<void> {
  const { values, flags } = parseCommandLine("dev", args);
  const configFile = values.config;
  if (!configFile) throw new ConfigError(USAGE);
  const automation = flags.has("automation") || automationAskedInEnvironment();
  // Restarts the core when the config or the commands module changes (host/dev_session.ts).
  const session = await startDev({
    configFile,
    commandsFile: values.commands,
    commands: { load: (file, fresh) => importCommandsModule(file, { fresh }), inputs: commandsInputs },
    // Dev only: the page's console in the terminal, the web inspector (right-click → Inspect Element).
    launch: { console: true, devtools: true, dev: true, automation, inspector: flags.has("inspector") },
    verbose: flags.has("verbose"),
  });
  await session.done;
  await session.close();
}

/** AIRLOCK_AUTOMATION=1, or Tauri's TAURI_WEBVIEW_AUTOMATION=true (what tauri-driver sets). */
function automationAskedInEnvironment(): boolean {
  return Deno.env.get("AIRLOCK_AUTOMATION") === "1" || Deno.env.get("TAURI_WEBVIEW_AUTOMATION") === "true";
}

async function build(args: string[], command = "build"): Promise<{ entry: string; name: string }> {
  const { values } = parseCommandLine(command, args);
  const configFile = values.config;
  if (!configFile) throw new ConfigError(USAGE);
  const result = await embedApp(configFile, values.out);
  for (const line of result.report) console.log(`airlock: ${line}`);
  return { entry: result.entry, name: result.name };
}

async function compile(args: string[]): Promise<void> {
  const { entry, name } = await build(args, "compile");
  // By default next to the generated entry, in the app's .airlock/ folder.
  const output = parseCommandLine("compile", args).values.output ??
    join(dirname(entry), name.replace(/[^A-Za-z0-9_-]/g, "-").toLowerCase());
  for (const line of await compileApp(entry, output)) console.log(`airlock: ${line}`);
}

function exitWithError(error: unknown): never {
  if (
    error instanceof ConfigError || error instanceof IsolationBuildError ||
    error instanceof NativeUnavailableError || error instanceof ScaffoldError ||
    error instanceof CompileError ||
    error instanceof CommandsModuleError
  ) {
    console.error(`airlock: ${(error as Error).message}`);
    Deno.exit(1);
  }
  throw error;
}

async function create(args: string[]): Promise<void> {
  const [dir] = parseCommandLine("new", args).positionals;
  if (!dir) throw new ConfigError("usage: main.ts new <dir>");
  const files = await scaffoldApp(dir);
  console.log(`airlock: created ${files.length} files in ${dir}`);
  console.log(`  cd ${dir} && deno task dev    # run it (reloads on changes)`);
  console.log(`  cd ${dir} && deno task test   # its test (under xvfb-run -a without a display)`);
}

if (import.meta.main) {
  const [command, ...rest] = Deno.args;
  try {
    if (command === "dev") await dev(rest);
    else if (command === "build") await build(rest);
    else if (command === "compile") await compile(rest);
    else if (command === "new") await create(rest);
    else if (command === "--help" || command === "-h" || command === "help") console.log(USAGE);
    else throw new ConfigError(USAGE);
    Deno.exit(0);
  } catch (error) {
    exitWithError(error);
  }
}
