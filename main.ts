// Runs an Airlock app: `deno run -A main.ts dev --config FILE [--commands FILE]`.
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

const USAGE = "usage: main.ts dev --config <airlock.conf.json | tauri.conf.json> [--commands <commands.ts>]";

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

if (import.meta.main) {
  const [command, ...rest] = Deno.args;
  try {
    if (command === "dev") await dev(rest);
    else throw new ConfigError(USAGE);
    Deno.exit(0);
  } catch (error) {
    if (
      error instanceof ConfigError || error instanceof IsolationBuildError ||
      error instanceof NativeUnavailableError
    ) {
      console.error(`airlock: ${(error as Error).message}`);
      Deno.exit(1);
    }
    throw error;
  }
}
