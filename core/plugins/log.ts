// Tauri's log plugin (@tauri-apps/plugin-log): the page's trace/debug/info/warn/error records, at or above
// the configured level, go to stdout, to a rotating file in the app's log folder
// ($XDG_DATA_HOME/<identifier>/logs/<product name>.log, Tauri's appLogDir) and to every window as Tauri's
// "log://log" event (what attachConsole/attachLogger listen to). Lines are Tauri's format:
// "[2026-01-31][12:00:00][webview:main@app.js:3:9][INFO] message". A page cannot forge lines: control
// characters in what it sends are escaped.
import { join } from "node:path";
import type { AppConfig } from "../config.ts";
import type { WindowEvents } from "../events.ts";
import { appDataDir } from "../fs.ts";
import type { PluginManifest } from "../permissions.ts";
import type { Commands } from "../router.ts";
import { t } from "../schema.ts";
import { pluginState } from "./app_state.ts";

const LEVELS = ["trace", "debug", "info", "warn", "error", "off"] as const;
export type LogLevelName = (typeof LEVELS)[number];
const NAMES = ["", "TRACE", "DEBUG", "INFO", "WARN", "ERROR"];

/** `plugins.log` of the config: what Tauri's log Builder sets in Rust. */
export interface LogConfig {
  /** The lowest level kept (Tauri's default: trace). */
  level: LogLevelName;
  /** Bytes a log file may reach before it is rotated (Tauri's default, 40 000). */
  maxFileSize: number;
  /** How many log files are kept, the current one included (Tauri's KeepOne is 1, KeepAll 0 = all). */
  keepFiles: number;
  /** Where records go: "stdout", "logDir", "webview" (Tauri's targets; all three by default). */
  targets: ("stdout" | "logDir" | "webview")[];
}

const logConfig = t.object({
  level: t.optional(t.oneOf(...LEVELS)),
  maxFileSize: t.optional(t.integer({ min: 1 })),
  keepFiles: t.optional(t.integer({ min: 0 })),
  targets: t.optional(t.array(t.oneOf("stdout", "logDir", "webview"))),
});

export function parseLogConfig(raw: unknown, field = "plugins.log"): LogConfig {
  const parsed = logConfig.parse(raw ?? {}, field);
  return {
    level: parsed.level ?? "trace",
    maxFileSize: parsed.maxFileSize ?? 40_000,
    keepFiles: parsed.keepFiles ?? 1,
    targets: parsed.targets ?? ["stdout", "logDir", "webview"],
  };
}

/** Control characters (newlines, ANSI escapes) as visible escapes: one record is one line. */
const visible = (text: string) =>
  text.replace(
    // deno-lint-ignore no-control-regex
    /[\u0000-\u001f\u007f-\u009f]/g,
    (c) => c === "\n" ? "\\n" : c === "\t" ? "\\t" : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );

const two = (n: number) => String(n).padStart(2, "0");

/** A log file that rotates: past maxFileSize it is renamed <name>_<timestamp>.log, keeping keepFiles files. */
class LogFile {
  #queue: Promise<void> = Promise.resolve();
  constructor(readonly dir: string, readonly name: string, readonly config: LogConfig) {}

  get path(): string {
    return join(this.dir, `${this.name}.log`);
  }

  append(line: string): Promise<void> {
    this.#queue = this.#queue.then(() => this.#append(line)).catch((error) =>
      console.error(`airlock: log file ${this.path}: ${error.message}`)
    );
    return this.#queue;
  }

  async #append(line: string): Promise<void> {
    await Deno.mkdir(this.dir, { recursive: true });
    const bytes = new TextEncoder().encode(line + "\n");
    const size = await Deno.stat(this.path).then((s) => s.size, () => 0);
    if (size > 0 && size + bytes.length > this.config.maxFileSize) await this.#rotate();
    await Deno.writeFile(this.path, bytes, { append: true });
  }

  async #rotate(): Promise<void> {
    const now = new Date();
    const stamp = `${now.getFullYear()}-${two(now.getMonth() + 1)}-${two(now.getDate())}_` +
      `${two(now.getHours())}-${two(now.getMinutes())}-${two(now.getSeconds())}-${now.getMilliseconds()}`;
    await Deno.rename(this.path, join(this.dir, `${this.name}_${stamp}.log`));
    if (this.config.keepFiles === 0) return;
    const rotated: string[] = [];
    for await (const entry of Deno.readDir(this.dir)) {
      if (entry.isFile && entry.name.startsWith(`${this.name}_`) && entry.name.endsWith(".log")) {
        rotated.push(entry.name);
      }
    }
    rotated.sort();
    for (const old of rotated.slice(0, Math.max(0, rotated.length - (this.config.keepFiles - 1)))) {
      await Deno.remove(join(this.dir, old));
    }
  }
}

const logArgs = t.object({
  level: t.integer({ min: 1, max: 5 }),
  message: t.string(),
  location: t.optional(t.string({ max: 4096 })),
  file: t.optional(t.string({ max: 4096 })),
  line: t.optional(t.integer({ min: 0 })),
  keyValues: t.optional(t.unknown()),
});

export function logCommands(config: AppConfig, events: WindowEvents): Commands {
  const settings = config.plugins.log;
  const file = pluginState(
    config,
    "log",
    () => new LogFile(join(appDataDir(config.app.identifier), "logs"), config.app.name, settings),
  );
  const threshold = LEVELS.indexOf(settings.level) + 1;
  return {
    "plugin:log|log": async (raw) => {
      const args = logArgs.parse(raw, "args");
      if (args.level < threshold) return null;
      const now = new Date();
      const date = `[${now.getFullYear()}-${two(now.getMonth() + 1)}-${two(now.getDate())}]` +
        `[${two(now.getHours())}:${two(now.getMinutes())}:${two(now.getSeconds())}]`;
      const target = args.location ? `webview:${args.location}` : "webview";
      let message = args.message;
      if (args.keyValues && typeof args.keyValues === "object") {
        const pairs = Object.entries(args.keyValues).map(([key, value]) => `${key}=${String(value)}`);
        if (pairs.length) message += ` ${pairs.join(" ")}`;
      }
      const line = visible(`${date}[${target}][${NAMES[args.level]}] ${message}`);
      if (settings.targets.includes("stdout")) console.log(line);
      if (settings.targets.includes("webview")) {
        void events.broadcast("log://log", { level: args.level, message: visible(message) });
      }
      if (settings.targets.includes("logDir")) await file.append(line);
      return null;
    },
  };
}

/** plugins/log/permissions: log:default grants the one command. */
export const LOG_MANIFEST: PluginManifest = { name: "log", commands: ["log"], default: ["allow-log"] };
