// Tauri's process plugin (@tauri-apps/plugin-process): "plugin:process|exit" ends the app's process with
// the page's code, "plugin:process|restart" (the package's relaunch()) starts the same program again with
// the same arguments and ends this one. Both first run the app's exit hooks (stores saved), as Tauri runs
// its exit event.
import type { PluginManifest } from "../permissions.ts";
import type { Commands } from "../router.ts";
import { t } from "../schema.ts";
import { runExitHooks } from "./app_state.ts";

/** How the process ends and starts again: the real process by default (tests of the core pass their own). */
export interface ProcessControl {
  exit(code: number): void;
  /** Starts this program again, detached, with the arguments it was started with. */
  spawnAgain(): void;
}

const args = t.object({ code: t.optional(t.integer({ min: -2147483648, max: 2147483647 })) });

export function processCommands(app: object, control: ProcessControl = realProcess): Commands {
  const end = async (code: number, again: boolean) => {
    await runExitHooks(app);
    if (again) control.spawnAgain();
    control.exit(code);
  };
  return {
    "plugin:process|exit": async (raw) => {
      const { code } = args.parse(raw ?? {}, "args");
      await end(code ?? 0, false);
      return null;
    },
    "plugin:process|restart": async () => {
      await end(0, true);
      return null;
    },
  };
}

/** This process's argv (as the kernel has it, so a `deno run … main.ts …` starts again as it did). */
function commandLine(): string[] {
  const raw = Deno.readTextFileSync("/proc/self/cmdline");
  return raw.split("\0").filter((_, i, all) => i < all.length - 1 || all[i] !== "");
}

export const realProcess: ProcessControl = {
  exit: (code) => Deno.exit(code),
  spawnAgain: () => {
    let argv: string[];
    try {
      argv = commandLine();
    } catch (error) {
      throw new Error(`cannot relaunch: this process's arguments are unknown (${(error as Error).message})`);
    }
    const child = new Deno.Command(Deno.execPath(), {
      args: argv.slice(1),
      cwd: Deno.cwd(),
      stdin: "null",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
    child.unref();
  },
};

/** plugins/process/permissions: process:default grants both. */
export const PROCESS_MANIFEST: PluginManifest = {
  name: "process",
  commands: ["exit", "restart"],
  default: ["allow-exit", "allow-restart"],
};
