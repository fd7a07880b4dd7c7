// The demo's commands, run by the Deno core after a message has passed the hook and been unsealed.
import { resolve, sep } from "node:path";
import type { CommandContext, Commands } from "../mod.ts";

const appFolder = resolve(import.meta.dirname ?? ".");

export const commands: Commands = {
  greet: ({ name }: { name?: unknown }, context: CommandContext) => {
    if (typeof name !== "string" || name.trim() === "") {
      throw new Error("greet: name must be a non-empty string");
    }
    return `Hello, ${name}! (answered by the Deno core for window "${context.window}")`;
  },

  // The hook already refuses paths outside the folder; the core checks again so a weak hook is not the
  // only guard.
  read_file: async ({ path }: { path?: unknown }) => {
    if (typeof path !== "string") throw new Error("read_file: path must be a string");
    const file = resolve(appFolder, path);
    if (!file.startsWith(appFolder + sep)) throw new Error(`read_file: ${path} is outside the app's folder`);
    return (await Deno.readTextFile(file)).trim();
  },

  // No network is needed to show the Origin check: the core returns the request it would send.
  prepare_request: ({ url, headers }: { url?: unknown; headers?: Record<string, string> }) => {
    if (typeof url !== "string") throw new Error("prepare_request: url must be a string");
    return { method: "GET", url, headers: { ...headers } };
  },

  wait: async ({ ms }: { ms?: unknown }) => {
    const delay = Math.min(Math.max(Number(ms) || 0, 0), 5000);
    const started = performance.now();
    await new Promise((done) => setTimeout(done, delay));
    return `the core waited ${Math.round(performance.now() - started)} ms without blocking the window`;
  },
};
