// Runs an Airlock app (`main.ts dev --config FILE [--commands FILE]`) or creates one (`main.ts new DIR`).
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import {
  type Commands,
  ConfigError,
  IsolationBuildError,
  launch,
  loadConfig,
  NativeUnavailableError,
} from "./mod.ts";
import { watchApp } from "./core/dev.ts";
import { scaffoldApp, ScaffoldError } from "./build/scaffold.ts";

const USAGE =
  "usage: main.ts dev --config <airlock.conf.json | tauri.conf.json> [--commands <commands.ts>]\n" +
  "       main.ts new <dir>";

function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
}

async function loadCommands(file: string): Promise<Commands> {
  const module = await import(pathToFileURL(resolve(file)).href);
  const commands = module.commands ?? module.default;
  if (typeof commands !== "object" || commands === null) {
    throw new ConfigError(`${file}: must export \`commands\`, a record of command handlers`);
  }
  return commands;
}

async function dev(args: string[]): Promise<void> {
  const configFile = option(args, "--config");
  if (!configFile) throw new ConfigError(USAGE);
  const config = await loadConfig(configFile);
  const commandsFile = option(args, "--commands") ?? config.commandsModule;
  const commands = commandsFile ? await loadCommands(commandsFile) : {};
  // Dev only: the page's console in the terminal, the web inspector (right-click → Inspect Element).
  const app = await launch({ config: configFile, commands, console: true, devtools: true });
  const watcher = watchApp(app);
  console.log(
    `airlock: ${config.app.name} is running (${
      Object.keys(commands).length
    } commands), reloading on changes; close the window to quit`,
  );
  await app.closed;
  watcher.close();
}

async function create(args: string[]): Promise<void> {
  const [dir] = args;
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
    else if (command === "new") await create(rest);
    else throw new ConfigError(USAGE);
    Deno.exit(0);
  } catch (error) {
    if (
      error instanceof ConfigError || error instanceof IsolationBuildError ||
      error instanceof NativeUnavailableError || error instanceof ScaffoldError
    ) {
      console.error(`airlock: ${(error as Error).message}`);
      Deno.exit(1);
    }
    throw error;
  }
}
