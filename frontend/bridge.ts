// The bridge's scripts as the host injects them: each bundled module (frontend/scripts.gen.ts) behind a
// constant holding its settings. The page world's script never carries a secret.
import { PAGE_SCRIPT, RELAY_SCRIPT, RUNTIME_SCRIPT } from "./scripts.gen.ts";
import type { PageConfig, RelayConfig, RuntimeConfig } from "../protocol/messages.ts";

export { BRIDGE_WORLD, CORE_HANDLER } from "../protocol/messages.ts";
export type { PageConfig, RelayConfig, RuntimeConfig };

/** `bundle` run with `config` as its AIRLOCK_CONFIG, a constant no other script can see. */
function withConfig(bundle: string, config: unknown): string {
  // Escaping '<' keeps a string in the config from closing an inline <script> early.
  const literal = JSON.stringify(config).replaceAll("<", "\\u003c");
  return `"use strict";(() => {\nconst AIRLOCK_CONFIG = ${literal};\n${bundle}})();`;
}

/** The script for the privileged "airlock" world of the app's top frame. */
export const relayScript = (config: RelayConfig): string => withConfig(RELAY_SCRIPT, config);

/** The script for the page's own world. */
export const pageScript = (config: PageConfig): string => withConfig(PAGE_SCRIPT, config);

/** The isolation runtime, as the first inline script of one keyed isolation document. */
export const runtimeScript = (config: RuntimeConfig): string => withConfig(RUNTIME_SCRIPT, config);
