// The entry of a built app (the main.gen.ts that build/embed.ts writes): runs it from its embedded
// assets. Run-time code only: neither the build nor the CLI is loaded by a shipped app.
import { type AppSetup, launch } from "./app.ts";
import type { EmbeddedApp } from "../core/assets.ts";
import { ConfigError } from "../core/config.ts";
import type { Commands } from "../core/router.ts";
import { NativeUnavailableError } from "../native/ffi.ts";

/** Runs `app` with `commands` (and the commands module's `setup`) until its window closes;
 * `AIRLOCK_SELF_CHECK=1` only proves it starts.
 * @example await runEmbedded(app, commands, setup); // the whole of a generated main.gen.ts */
export async function runEmbedded(
  app: EmbeddedApp,
  commands: Commands = {},
  setup?: AppSetup,
): Promise<void> {
  try {
    if (Deno.env.get("AIRLOCK_SELF_CHECK") === "1") {
      // For `deno task compile`: proves the executable starts and carries its app, without a window.
      const files = Object.keys(app.frontend).length;
      console.log(
        `airlock self-check ok: ${files} frontend files, ${app.isolation ? "isolation" : "brownfield"}, ${
          Object.keys(commands).length
        } commands`,
      );
      Deno.exit(0);
    }
    const handle = await launch({ embedded: app, commands, setup });
    await handle.closed;
    Deno.exit(0);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof NativeUnavailableError) {
      console.error(`airlock: ${error.message}`);
      Deno.exit(1);
    }
    throw error;
  }
}
